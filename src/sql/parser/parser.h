#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sql/parser/ast.h"

namespace laminar::sql {

/// Maximum nesting of expressions, subqueries, joins and operator chains. Deeper input is
/// rejected with LDB-1001 instead of exhausting the stack.
inline constexpr int kMaxParseDepth = 256;

/// Parses one or more `;`-separated statements. A trailing `;` is fine; input with no tokens
/// (empty, whitespace or comments only) gives an empty vector. Every statement's
/// `source_text` is its exact original text. Errors: LDB-1001 with "syntax error at line L,
/// column C: ..." followed by the source line, a caret line and an optional "hint: ...".
Result<std::vector<StatementPtr>> Parse(std::string_view sql);

/// Parses exactly one statement (an optional trailing `;` is allowed).
Result<StatementPtr> ParseOne(std::string_view sql);

/// Parses a standalone expression (e.g. a watermark or a filter typed by an API user).
Result<ExprPtr> ParseExpression(std::string_view sql);

/// Splits SQL text on `;` outside quotes and comments. Pieces are trimmed, exclude the `;`,
/// and pieces with no content besides whitespace and comments are dropped. Works on text that
/// does not lex (an unterminated string swallows the rest of the input into its piece).
std::vector<std::string> SplitStatements(std::string_view sql);

/// True when `sql` contains something besides whitespace/comments and its last such content
/// is a `;` outside quotes and comments — the shell uses it to decide whether to keep reading.
bool EndsWithTerminator(std::string_view sql);

/// Unparses to SQL text that parses back to an equal AST (see `Equals`). Keywords upper case,
/// minimal parentheses, identifiers quoted only when needed.
std::string ToSql(const Statement& stmt);
std::string ToSql(const Expr& expr);
std::string ToSql(const Query& query);
std::string ToSql(const TypeName& type);

}  // namespace laminar::sql
