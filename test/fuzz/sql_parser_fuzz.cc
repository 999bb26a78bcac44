// libFuzzer target for the SQL lexer/parser/unparser. Any input must parse or fail with a
// Status (never crash, hang or overflow the stack), and every statement that parses must
// unparse to SQL that parses back to an equal AST.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sql/parser/parser.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "sql_parser_fuzz: %s\n--- first:\n%s\n--- second:\n%s\n", what, a.c_str(),
               b.c_str());
  std::abort();
}

bool IsDepthError(const laminar::Status& st) {
  return st.message().find("nested too deeply") != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view sql(reinterpret_cast<const char*>(data), size);

  (void)laminar::sql::SplitStatements(sql);
  (void)laminar::sql::EndsWithTerminator(sql);
  {
    auto expr = laminar::sql::ParseExpression(sql);
    if (expr.ok()) {
      std::string text = laminar::sql::ToSql(**expr);
      auto again = laminar::sql::ParseExpression(text);
      if (!again.ok()) {
        if (!IsDepthError(again.status()))
          Fail("expression unparse does not re-parse", std::string(sql), again.status().ToString());
      } else if (!laminar::sql::Equals(**expr, **again)) {
        Fail("expression round trip differs", text, laminar::sql::ToSql(**again));
      }
    }
  }

  auto parsed = laminar::sql::Parse(sql);
  if (!parsed.ok()) return 0;
  for (const auto& stmt : *parsed) {
    std::string text = laminar::sql::ToSql(*stmt);
    auto again = laminar::sql::Parse(text);
    if (!again.ok()) {
      if (IsDepthError(again.status())) continue;
      Fail("statement unparse does not re-parse", text, again.status().ToString());
    }
    if (again->size() != 1) Fail("statement unparse gives several statements", text, "");
    if (!laminar::sql::Equals(*stmt, *(*again)[0])) {
      Fail("statement round trip differs", text, laminar::sql::ToSql(*(*again)[0]));
    }
  }
  return 0;
}
