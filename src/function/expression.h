#pragma once

#include <memory>
#include <string>
#include <vector>

#include "columnar/record_batch.h"
#include "columnar/scalar.h"

namespace laminar::function {

using columnar::DataTypePtr;
using columnar::Scalar;

/// The typed expression IR: what the binder produces from SQL and what the evaluator compiles.
/// Every node has a resolved result type; column references are positional (index into the
/// input batch of the operator that evaluates the expression). Nodes are immutable and shared.
///
/// Calls name a function of the registry (`FunctionRegistry`) by canonical lower-case name;
/// the binder has already resolved the overload and inserted casts, so argument types match a
/// signature of the function exactly. Operators are calls too: `+ - * / %` are "add",
/// "subtract", "multiply", "divide", "modulo"; comparisons "eq", "neq", "lt", "lte", "gt",
/// "gte"; "negate", "concat" (`||`), "like", "ilike", "is_distinct_from", ... (see
/// registry.h for the full list). Only the forms with special evaluation rules (short-circuit,
/// NULL handling, laziness) have their own kinds.
enum class ExprKind : uint8_t {
  kColumnRef,  // column_index
  kLiteral,    // literal (typed; may be a typed NULL)
  kCall,       // function_name(args...)
  kCast,       // CAST(args[0] AS type); try_cast → NULL instead of an error
  kAnd,        // args[0] AND args[1] AND ... (three-valued logic)
  kOr,         // args[0] OR args[1] OR ...
  kNot,        // NOT args[0]
  kIsNull,     // args[0] IS NULL
  kIsNotNull,  // args[0] IS NOT NULL
  kCase,       // CASE WHEN args[0] THEN args[1] [WHEN args[2] THEN args[3]]... [ELSE args.back()]
               // (has_else says whether the last arg is the ELSE); simple CASE is desugared
  kInList,     // args[0] IN (args[1..]); negated for NOT IN
  kCoalesce,   // COALESCE(args...) — lazy
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

struct Expr {
  ExprKind kind;
  DataTypePtr type;           // result type
  int column_index = -1;      // kColumnRef
  Scalar literal;             // kLiteral
  std::string function_name;  // kCall
  std::vector<ExprPtr> args;
  bool try_cast = false;  // kCast
  bool negated = false;   // kInList
  bool has_else = false;  // kCase
  std::string name;       // display name (column name or SQL text) for errors/EXPLAIN

  /// SQL-like text for EXPLAIN and error messages, e.g. "(price * 2)".
  std::string ToString() const;
  bool IsLiteral() const { return kind == ExprKind::kLiteral; }
};

// Factories (the binder and tests use these).
ExprPtr ColumnRef(int index, DataTypePtr type, std::string name = {});
ExprPtr Literal(Scalar value);
ExprPtr Call(std::string function_name, std::vector<ExprPtr> args, DataTypePtr result_type);
ExprPtr Cast(ExprPtr arg, DataTypePtr to, bool try_cast = false);
ExprPtr MakeAnd(std::vector<ExprPtr> args);
ExprPtr MakeOr(std::vector<ExprPtr> args);
ExprPtr MakeNot(ExprPtr arg);
ExprPtr MakeIsNull(ExprPtr arg, bool negated = false);
ExprPtr MakeCase(std::vector<ExprPtr> when_then_else, bool has_else, DataTypePtr result_type);
ExprPtr MakeInList(ExprPtr value, std::vector<ExprPtr> list, bool negated);
ExprPtr MakeCoalesce(std::vector<ExprPtr> args, DataTypePtr result_type);

/// Collects the distinct column indices an expression reads.
void CollectColumnRefs(const Expr& expr, std::vector<int>* out);
/// Rewrites column indices through `mapping` (old index → new index); used by projection
/// push-down.
ExprPtr RemapColumns(const ExprPtr& expr, const std::vector<int>& mapping);

}  // namespace laminar::function
