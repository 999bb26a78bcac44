#include "sql/parser/lexer.h"

#include <gtest/gtest.h>

#include <vector>

namespace laminar::sql {
namespace {

std::vector<TokenKind> Kinds(std::string_view sql) {
  auto r = Tokenize(sql);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<TokenKind> out;
  if (!r.ok()) return out;
  for (const Token& t : *r) out.push_back(t.kind);
  return out;
}

TEST(LexerTest, OperatorsAndPunctuation) {
  using K = TokenKind;
  EXPECT_EQ(Kinds("( ) [ ] , ; . + - * / % ^ || = == <> != < <= > >= :: : -> ->>"),
            (std::vector<K>{K::kLParen,    K::kRParen,  K::kLBracket,   K::kRBracket, K::kComma,
                            K::kSemicolon, K::kDot,     K::kPlus,       K::kMinus,    K::kStar,
                            K::kSlash,     K::kPercent, K::kCaret,      K::kConcat,   K::kEq,
                            K::kEq,        K::kNotEq,   K::kNotEq,      K::kLt,       K::kLtEq,
                            K::kGt,        K::kGtEq,    K::kColonColon, K::kColon,    K::kArrow,
                            K::kLongArrow, K::kEof}));
}

TEST(LexerTest, NumbersWordsStrings) {
  auto r = Tokenize("Foo \"Bar\"\"x\" 12 1.5 .5 1e3 2.5E-2 5s 'a''b' e'\\n' $3");
  ASSERT_TRUE(r.ok());
  const auto& t = *r;
  ASSERT_EQ(t.size(), 13u);
  EXPECT_EQ(t[0].kind, TokenKind::kWord);
  EXPECT_EQ(t[0].text, "foo");
  EXPECT_EQ(t[0].raw, "Foo");
  EXPECT_EQ(t[1].kind, TokenKind::kQuotedIdentifier);
  EXPECT_EQ(t[1].text, "Bar\"x");
  EXPECT_EQ(t[2].kind, TokenKind::kInteger);
  EXPECT_EQ(t[3].kind, TokenKind::kDecimal);
  EXPECT_EQ(t[4].kind, TokenKind::kDecimal);
  EXPECT_EQ(t[4].text, ".5");
  EXPECT_EQ(t[5].kind, TokenKind::kFloat);
  EXPECT_EQ(t[6].kind, TokenKind::kFloat);
  EXPECT_EQ(t[7].kind, TokenKind::kInteger);  // 5s = 5 then s (glued)
  EXPECT_EQ(t[8].kind, TokenKind::kWord);
  EXPECT_EQ(t[8].pos.offset, t[7].end_offset);
  EXPECT_EQ(t[9].kind, TokenKind::kString);
  EXPECT_EQ(t[9].text, "a'b");
  EXPECT_EQ(t[10].text, "\n");
  EXPECT_EQ(t[11].kind, TokenKind::kParameter);
  EXPECT_EQ(t[11].text, "3");
}

TEST(LexerTest, CommentsAndPositions) {
  auto r = Tokenize("-- line comment\n/* block /* nested */ still */ a\n  b");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].pos.line, 2);
  EXPECT_EQ((*r)[0].pos.column, 32);
  EXPECT_EQ((*r)[1].pos.line, 3);
  EXPECT_EQ((*r)[1].pos.column, 3);
  EXPECT_EQ((*r)[1].pos.offset, 51);
}

TEST(LexerTest, MinusMinusIsAComment) { EXPECT_EQ(Kinds("1--2").size(), 2u); }

TEST(LexerTest, Errors) {
  auto r = Tokenize("SELECT 'abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().error_code(), ErrorCode::kSqlUnsupported);
  EXPECT_FALSE(Tokenize("\"\"").ok());  // zero-length quoted identifier
  EXPECT_FALSE(Tokenize("a ? b").ok());
  EXPECT_FALSE(Tokenize("/* /* */").ok());
  EXPECT_FALSE(Tokenize("$1234567").ok());
}

}  // namespace
}  // namespace laminar::sql
