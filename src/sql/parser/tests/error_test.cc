#include <gtest/gtest.h>

#include <string>

#include "sql/parser/parser.h"

namespace laminar::sql {
namespace {

struct ErrorCase {
  const char* sql;
  int line;
  int column;
  const char* message;  // substring of the first line after "line L, column C: "
  const char* hint;     // substring of the hint line, or "" when no hint is expected
};

class ParseErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrorTest, ReportsCodePositionAndMessage) {
  const ErrorCase& c = GetParam();
  auto r = Parse(c.sql);
  ASSERT_FALSE(r.ok()) << c.sql;
  const Status& st = r.status();
  EXPECT_EQ(st.error_code(), ErrorCode::kSqlUnsupported);
  EXPECT_EQ(st.ToString().substr(0, 11), "[LDB-1001] ");
  const std::string& msg = st.message();
  std::string head = "syntax error at line " + std::to_string(c.line) + ", column " +
                     std::to_string(c.column) + ": ";
  EXPECT_EQ(msg.substr(0, head.size()), head) << msg;
  std::string first_line = msg.substr(0, msg.find('\n'));
  EXPECT_NE(first_line.find(c.message), std::string::npos) << msg;
  size_t hint_at = msg.find("\nhint: ");
  if (c.hint[0] != '\0') {
    ASSERT_NE(hint_at, std::string::npos) << msg;
    EXPECT_NE(msg.find(c.hint, hint_at), std::string::npos) << msg;
  }
  // Second line is the offending source line, third the caret under the column.
  size_t l1 = msg.find('\n');
  ASSERT_NE(l1, std::string::npos);
  size_t l2 = msg.find('\n', l1 + 1);
  ASSERT_NE(l2, std::string::npos);
  size_t l3 = msg.find('\n', l2 + 1);
  std::string caret = msg.substr(l2 + 1, l3 == std::string::npos ? std::string::npos : l3 - l2 - 1);
  EXPECT_EQ(caret.size(), static_cast<size_t>(c.column)) << msg;
  EXPECT_EQ(caret.back(), '^');
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, ParseErrorTest,
    ::testing::Values(
        ErrorCase{"SELECT a FROM t WHERE (a = 1", 1, 29, "expected ')' but found end of input", ""},
        ErrorCase{"SELECT a,\n  b FROM t WHERE (a = 1 FROM", 2, 25, "expected ')' but found 'FROM'",
                  ""},
        ErrorCase{"SELCT * FROM t", 1, 1, "expected a statement but found 'SELCT'",
                  "did you mean 'SELECT'?"},
        ErrorCase{"SELECT a FORM t", 1, 15, "expected ';' or end of input but found 't'",
                  "'FORM' was read as an alias; did you mean 'FROM'?"},
        ErrorCase{"SELECT 'abc FROM t", 1, 8, "unterminated string literal",
                  "starting at line 1, column 8"},
        ErrorCase{"SELECT \"abc FROM t", 1, 8, "unterminated quoted identifier", "never closed"},
        ErrorCase{"SELECT 1 /* open", 1, 10, "unterminated comment", "*/"},
        ErrorCase{"SELECT a, FROM t", 1, 11, "expected an expression but found 'FROM'",
                  "trailing ','"},
        ErrorCase{"SELECT # FROM t", 1, 8, "unexpected character '#'", ""},
        ErrorCase{"CREATE SOURCE s (a INT,)", 1, 24, "expected a column name but found ')'", ""},
        ErrorCase{"CREATE STREM s AS SELECT 1", 1, 8, "expected SOURCE, STREAM",
                  "did you mean 'STREAM'?"},
        ErrorCase{"CREATE STREAM s SELECT 1", 1, 17, "expected 'AS' but found 'SELECT'", ""},
        ErrorCase{"CREATE STREAM s AS SELECT a FROM t EMIT WHENEVER", 1, 41,
                  "expected AFTER WATERMARK, ON WATERMARK", ""},
        ErrorCase{"CREATE STREAM s AS SELECT a FROM t EMIT CHANGES EMIT FINAL", 1, 49,
                  "duplicate EMIT clause", ""},
        ErrorCase{"CREATE LOOKUP TABLE t (a INT, PRIMARY KEY (a))", 1, 47, "expected WITH",
                  "CREATE LOOKUP TABLE needs WITH"},
        ErrorCase{"DROP VEIW v", 1, 6, "expected SOURCE, SINK", ""},
        ErrorCase{"SHOW SORCES", 1, 6, "expected SOURCES", "did you mean 'SOURCES'?"},
        ErrorCase{"SELECT CAST(a INT) FROM t", 1, 15, "expected 'AS' but found 'INT'", ""},
        ErrorCase{"SELECT a FROM t JION u ON t.a = u.a", 1, 22,
                  "expected ';' or end of input but found 'u'",
                  "'JION' was read as an alias; did you mean 'JOIN'?"},
        ErrorCase{"SELECT a FROM t LEFT u", 1, 22, "expected JOIN after LEFT", ""},
        ErrorCase{"SELECT INTERVAL 5 FROM t", 1, 19, "expected an interval unit",
                  "INTERVAL '5' SECOND"},
        ErrorCase{"SELECT * FROM t t1 ASOF JOIN q ON t1.k = q.k", 1, 32,
                  "expected 'MATCH_CONDITION' but found 'ON'", ""},
        ErrorCase{"SELECT * FROM a TEMPORAL PROBE JOIN b ON (k) TIMESTAMPS (a.ts, b.ts) LIST "
                  "(5x) AS p",
                  1, 77, "unknown duration unit 'x'", "500ms"},
        ErrorCase{"RESTORE FROM CHECKPOINT 99999999999999999999", 1, 25, "number out of range", ""},
        ErrorCase{"SELECT 1;\nSELECT (2", 2, 10, "expected ')' but found end of input", ""},
        ErrorCase{"SELECT a FROM t WHERE a IS 5", 1, 28,
                  "expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS", ""},
        ErrorCase{"SELECT CASE WHEN a THEN 1 FROM t", 1, 27, "expected 'END' but found 'FROM'", ""},
        ErrorCase{"SELECT * FROM t WHERE x IN ()", 1, 29, "expected an expression but found ')'",
                  ""},
        ErrorCase{"SELECT\tx\t FROM WHERE", 1, 16, "expected a table name or '('", ""},
        ErrorCase{"SELECT POSITION('a' IN s FROM t", 1, 26, "expected ')' but found 'FROM'", ""},
        ErrorCase{"SELECT SUBSTRING(s FROM 2 FOR) FROM t", 1, 30,
                  "expected an expression but found ')'", ""},
        ErrorCase{"SELECT SUBSTRING(s FROM 2 3) FROM t", 1, 27, "expected FOR or ')' but found '3'",
                  ""},
        ErrorCase{"SELECT TRIM(LEADING 'x' s) FROM t", 1, 25, "expected FROM but found 's'",
                  "TRIM(LEADING 'x' FROM s)"},
        ErrorCase{"SELECT EXTRACT(FROM ts) FROM t", 1, 16, "expected a date/time field", ""}));

TEST(ParseErrorTest, CaretKeepsTabsAligned) {
  auto r = Parse("\tSELECT (");
  ASSERT_FALSE(r.ok());
  const std::string msg = r.status().message();
  EXPECT_NE(msg.find("\n\tSELECT (\n\t        ^"), std::string::npos) << msg;
}

TEST(ParseErrorTest, ParseExpressionRejectsTrailingTokens) {
  auto r = ParseExpression("a + b c");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("expected end of expression but found 'c'"),
            std::string::npos);
}

TEST(ParseErrorTest, NeverCrashesOnGarbage) {
  const char* inputs[] = {"",
                          ";",
                          "(",
                          ")",
                          "SELECT",
                          "SELECT (",
                          "CREATE",
                          "CREATE SOURCE",
                          "CREATE SOURCE s (",
                          "E'",
                          "'",
                          "\"",
                          "/*",
                          "$",
                          "$1",
                          "::",
                          "[",
                          "SELECT a[",
                          "SELECT a::",
                          "SELECT ARRAY<",
                          "CAST(",
                          "x BETWEEN 1",
                          "SELECT * FROM a TEMPORAL PROBE JOIN",
                          "FETCH",
                          "DECLARE c CURSOR",
                          "\xff\xfe",
                          "SELECT 1"};
  // An embedded NUL must be handed over with its length (a temporary's c_str() would dangle).
  const std::string with_nul("SELECT \0 1", 10);
  std::vector<std::string_view> all(std::begin(inputs), std::end(inputs));
  all.push_back(with_nul);
  for (std::string_view in : all) {
    auto r = Parse(in);
    (void)r;
    auto e = ParseExpression(in);
    (void)e;
  }
  SUCCEED();
}

}  // namespace
}  // namespace laminar::sql
