#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace laminar::sql {

/// Keyword classes shared by the parser and the unparser. Keywords are not reserved globally:
/// common column names (ts, date, key, value, offset, count, first, source, ...) stay usable.

/// Words that cannot be an alias without AS (they start the next clause / join).
bool IsReservedForAlias(std::string_view lower_word);

/// Words that cannot be a bare column reference in an expression.
bool IsReservedInExpression(std::string_view lower_word);

/// Words that start a special expression form (CASE, CAST, NULL, INTERVAL '...', ...) and so
/// must be quoted when used as a plain column name.
bool IsExpressionKeyword(std::string_view lower_word);

/// Niladic SQL functions written without parentheses (CURRENT_TIMESTAMP, ...).
bool IsBareFunction(std::string_view lower_word);

/// True when `name` can be written unquoted and reads back as the same column identifier.
bool IsPlainIdentifier(std::string_view name);

/// Keywords that may start a statement (for "did you mean" hints).
const std::vector<std::string>& StatementKeywords();

/// Binding strengths of expression operators, loosest first. The parser (precedence climbing)
/// and the unparser (minimal parentheses) share them.
enum Precedence : int {
  kPrecOr = 1,
  kPrecAnd = 2,
  kPrecNot = 3,
  kPrecIs = 4,
  kPrecCompare = 5,
  kPrecPredicate = 6,  // BETWEEN, IN, LIKE
  kPrecOther = 7,      // || -> ->>
  kPrecAdd = 8,
  kPrecMul = 9,
  kPrecPow = 10,
  kPrecUnary = 11,
  kPrecPostfix = 12,  // :: and [ ]
  kPrecPrimary = 13,
};

}  // namespace laminar::sql
