#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sql/parser/ast.h"

namespace laminar::sql {

enum class TokenKind : uint8_t {
  kWord,              // unquoted identifier or keyword; `text` is lower case
  kQuotedIdentifier,  // "x": `text` is the exact name
  kString,            // 'x' or E'x': `text` is the decoded contents
  kInteger,           // digits
  kDecimal,           // digits with a '.'
  kFloat,             // with an exponent
  kParameter,         // $1: `text` is the digits
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kSemicolon,
  kDot,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kCaret,
  kConcat,  // ||
  kEq,      // =
  kNotEq,   // <> or !=
  kLt,
  kLtEq,
  kGt,
  kGtEq,
  kColonColon,  // ::
  kColon,
  kArrow,      // ->
  kLongArrow,  // ->>
  kEof,
};

/// One lexical token. `raw` views the exact source bytes (the input must outlive the tokens).
struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;
  std::string_view raw;
  SourcePos pos;
  int end_offset = 0;  // one past the last byte
};

/// Splits SQL text into tokens, dropping whitespace and comments (`--` and nested `/* */`).
/// The last token is always kEof. Errors (unterminated string/comment/quoted identifier,
/// unexpected character) carry LDB-1001 and the formatted line/caret message.
Result<std::vector<Token>> Tokenize(std::string_view sql);

/// Builds the standard error text: "syntax error at line L, column C: <message>\n<line>\n
/// <caret>" plus "\nhint: <hint>" when `hint` is non-empty.
std::string FormatSyntaxError(std::string_view sql, const SourcePos& pos, std::string_view message,
                              std::string_view hint = {});

/// A Status with ErrorCode::kSqlUnsupported (LDB-1001) carrying FormatSyntaxError(...).
Status SyntaxError(std::string_view sql, const SourcePos& pos, std::string_view message,
                   std::string_view hint = {});

/// Human-readable description of a token for messages: 'FROM', end of input, string 'abc'.
std::string DescribeToken(const Token& token);

}  // namespace laminar::sql
