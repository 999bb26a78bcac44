#include "function/expression.h"

#include <fmt/format.h>

#include <algorithm>

namespace laminar::function {

namespace {

std::string LiteralText(const Scalar& s) {
  if (s.is_null()) return "NULL";
  switch (s.type()->id()) {
    case columnar::TypeId::kString: {
      std::string out = "'";
      for (char c : s.string_value()) {
        if (c == '\'') out += '\'';
        out += c;
      }
      return out + "'";
    }
    case columnar::TypeId::kTimestamp:
      return fmt::format("TIMESTAMP '{}'", s.ToString());
    case columnar::TypeId::kDate32:
      return fmt::format("DATE '{}'", s.ToString());
    case columnar::TypeId::kInterval:
      return fmt::format("INTERVAL '{}'", s.ToString());
    default:
      return s.ToString();
  }
}

const char* InfixOperator(const std::string& name) {
  static const std::pair<const char*, const char*> kOps[] = {
      {"add", "+"},
      {"subtract", "-"},
      {"multiply", "*"},
      {"divide", "/"},
      {"modulo", "%"},
      {"eq", "="},
      {"neq", "<>"},
      {"lt", "<"},
      {"lte", "<="},
      {"gt", ">"},
      {"gte", ">="},
      {"concat", "||"},
      {"like", "LIKE"},
      {"ilike", "ILIKE"},
      {"not_like", "NOT LIKE"},
      {"not_ilike", "NOT ILIKE"},
      {"is_distinct_from", "IS DISTINCT FROM"},
      {"is_not_distinct_from", "IS NOT DISTINCT FROM"}};
  for (const auto& [n, op] : kOps) {
    if (name == n) return op;
  }
  return nullptr;
}

std::string JoinArgs(const std::vector<ExprPtr>& args, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < args.size(); ++i) {
    if (i > from) out += ", ";
    out += args[i]->ToString();
  }
  return out;
}

std::shared_ptr<Expr> NewExpr(ExprKind kind, DataTypePtr type) {
  auto e = std::make_shared<Expr>();
  e->kind = kind;
  e->type = std::move(type);
  return e;
}

}  // namespace

std::string Expr::ToString() const {
  switch (kind) {
    case ExprKind::kColumnRef:
      return name.empty() ? fmt::format("#{}", column_index) : name;
    case ExprKind::kLiteral:
      return LiteralText(literal);
    case ExprKind::kCall: {
      if (const char* op = InfixOperator(function_name); op && args.size() == 2) {
        return fmt::format("({} {} {})", args[0]->ToString(), op, args[1]->ToString());
      }
      if (function_name == "negate" && args.size() == 1) {
        return fmt::format("(- {})", args[0]->ToString());
      }
      return fmt::format("{}({})", function_name, JoinArgs(args));
    }
    case ExprKind::kCast:
      return fmt::format("{}({} AS {})", try_cast ? "TRY_CAST" : "CAST", args[0]->ToString(),
                         type->ToString());
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < args.size(); ++i) {
        if (i) out += kind == ExprKind::kAnd ? " AND " : " OR ";
        out += args[i]->ToString();
      }
      return out + ")";
    }
    case ExprKind::kNot:
      return fmt::format("(NOT {})", args[0]->ToString());
    case ExprKind::kIsNull:
      return fmt::format("({} IS NULL)", args[0]->ToString());
    case ExprKind::kIsNotNull:
      return fmt::format("({} IS NOT NULL)", args[0]->ToString());
    case ExprKind::kCase: {
      std::string out = "CASE";
      size_t pairs = (args.size() - (has_else ? 1 : 0)) / 2;
      for (size_t i = 0; i < pairs; ++i) {
        out +=
            fmt::format(" WHEN {} THEN {}", args[2 * i]->ToString(), args[2 * i + 1]->ToString());
      }
      if (has_else) out += fmt::format(" ELSE {}", args.back()->ToString());
      return out + " END";
    }
    case ExprKind::kInList:
      return fmt::format("({} {}IN ({}))", args[0]->ToString(), negated ? "NOT " : "",
                         JoinArgs(args, 1));
    case ExprKind::kCoalesce:
      return fmt::format("COALESCE({})", JoinArgs(args));
  }
  return "?";
}

ExprPtr ColumnRef(int index, DataTypePtr type, std::string name) {
  auto e = NewExpr(ExprKind::kColumnRef, std::move(type));
  e->column_index = index;
  e->name = std::move(name);
  return e;
}

ExprPtr Literal(Scalar value) {
  auto e = NewExpr(ExprKind::kLiteral, value.type());
  e->literal = std::move(value);
  return e;
}

ExprPtr Call(std::string function_name, std::vector<ExprPtr> args, DataTypePtr result_type) {
  auto e = NewExpr(ExprKind::kCall, std::move(result_type));
  e->function_name = std::move(function_name);
  e->args = std::move(args);
  return e;
}

ExprPtr Cast(ExprPtr arg, DataTypePtr to, bool try_cast) {
  auto e = NewExpr(ExprKind::kCast, std::move(to));
  e->args = {std::move(arg)};
  e->try_cast = try_cast;
  return e;
}

ExprPtr MakeAnd(std::vector<ExprPtr> args) {
  if (args.size() == 1) return args[0];
  auto e = NewExpr(ExprKind::kAnd, columnar::boolean());
  e->args = std::move(args);
  return e;
}

ExprPtr MakeOr(std::vector<ExprPtr> args) {
  if (args.size() == 1) return args[0];
  auto e = NewExpr(ExprKind::kOr, columnar::boolean());
  e->args = std::move(args);
  return e;
}

ExprPtr MakeNot(ExprPtr arg) {
  auto e = NewExpr(ExprKind::kNot, columnar::boolean());
  e->args = {std::move(arg)};
  return e;
}

ExprPtr MakeIsNull(ExprPtr arg, bool negated) {
  auto e = NewExpr(negated ? ExprKind::kIsNotNull : ExprKind::kIsNull, columnar::boolean());
  e->args = {std::move(arg)};
  return e;
}

ExprPtr MakeCase(std::vector<ExprPtr> when_then_else, bool has_else, DataTypePtr result_type) {
  auto e = NewExpr(ExprKind::kCase, std::move(result_type));
  e->args = std::move(when_then_else);
  e->has_else = has_else;
  return e;
}

ExprPtr MakeInList(ExprPtr value, std::vector<ExprPtr> list, bool negated) {
  auto e = NewExpr(ExprKind::kInList, columnar::boolean());
  e->args.reserve(list.size() + 1);
  e->args.push_back(std::move(value));
  for (auto& l : list) e->args.push_back(std::move(l));
  e->negated = negated;
  return e;
}

ExprPtr MakeCoalesce(std::vector<ExprPtr> args, DataTypePtr result_type) {
  auto e = NewExpr(ExprKind::kCoalesce, std::move(result_type));
  e->args = std::move(args);
  return e;
}

void CollectColumnRefs(const Expr& expr, std::vector<int>* out) {
  if (expr.kind == ExprKind::kColumnRef) {
    if (std::find(out->begin(), out->end(), expr.column_index) == out->end()) {
      out->push_back(expr.column_index);
    }
    return;
  }
  for (const auto& a : expr.args) CollectColumnRefs(*a, out);
}

ExprPtr RemapColumns(const ExprPtr& expr, const std::vector<int>& mapping) {
  if (expr->kind == ExprKind::kColumnRef) {
    auto e = std::make_shared<Expr>(*expr);
    if (expr->column_index >= 0 && static_cast<size_t>(expr->column_index) < mapping.size()) {
      e->column_index = mapping[static_cast<size_t>(expr->column_index)];
    }
    return e;
  }
  if (expr->args.empty()) return expr;
  auto e = std::make_shared<Expr>(*expr);
  for (auto& a : e->args) a = RemapColumns(a, mapping);
  return e;
}

}  // namespace laminar::function
