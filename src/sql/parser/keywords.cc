#include "sql/parser/keywords.h"

#include <unordered_set>

namespace laminar::sql {

namespace {

using WordSet = std::unordered_set<std::string_view>;

const WordSet& AliasReserved() {
  static const WordSet kSet = {
      "all",      "allow",   "and",
      "anti",     "as",      "asof",
      "between",  "by",      "cross",
      "distinct", "else",    "emit",
      "end",      "except",  "fetch",
      "for",      "from",    "full",
      "group",    "having",  "ilike",
      "in",       "inner",   "intersect",
      "into",     "is",      "join",
      "late",     "lateral", "left",
      "like",     "limit",   "match_condition",
      "natural",  "not",     "null",
      "offset",   "on",      "or",
      "order",    "outer",   "qualify",
      "right",    "select",  "semi",
      "temporal", "then",    "union",
      "using",    "values",  "when",
      "where",    "window",  "with",
  };
  return kSet;
}

const WordSet& ExprReserved() {
  static const WordSet kSet = {
      "all",  "and",    "as",     "between", "by",     "create", "distinct", "drop",      "else",
      "end",  "except", "from",   "group",   "having", "ilike",  "in",       "intersect", "into",
      "is",   "join",   "like",   "limit",   "on",     "or",     "order",    "select",    "table",
      "then", "union",  "values", "when",    "where",  "with",
  };
  return kSet;
}

const WordSet& ExprKeywords() {
  static const WordSet kSet = {
      "array",  "case",    "cast",      "current_date", "current_time", "current_timestamp", "date",
      "exists", "extract", "false",     "interval",     "localtime",    "localtimestamp",    "not",
      "null",   "time",    "timestamp", "true",         "try_cast",
  };
  return kSet;
}

const WordSet& BareFunctions() {
  static const WordSet kSet = {"current_date", "current_time", "current_timestamp", "localtime",
                               "localtimestamp"};
  return kSet;
}

}  // namespace

bool IsReservedForAlias(std::string_view w) { return AliasReserved().count(w) > 0; }
bool IsReservedInExpression(std::string_view w) { return ExprReserved().count(w) > 0; }
bool IsExpressionKeyword(std::string_view w) { return ExprKeywords().count(w) > 0; }
bool IsBareFunction(std::string_view w) { return BareFunctions().count(w) > 0; }

bool IsPlainIdentifier(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && ((c >= '0' && c <= '9') || c == '$'));
    if (!ok) return false;
  }
  return !IsReservedForAlias(name) && !IsReservedInExpression(name) && !IsExpressionKeyword(name);
}

const std::vector<std::string>& StatementKeywords() {
  static const std::vector<std::string> kWords = {
      "SELECT", "WITH", "VALUES",    "CREATE",  "DROP",       "ALTER",
      "INSERT", "SHOW", "DESCRIBE",  "EXPLAIN", "CHECKPOINT", "RESTORE",
      "SYNC",   "SET",  "SUBSCRIBE", "DECLARE", "FETCH",      "CLOSE"};
  return kWords;
}

}  // namespace laminar::sql
