#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "columnar/batch_literal.h"
#include "columnar/scalar.h"
#include "function/evaluator.h"
#include "function/registry.h"

namespace laminar::function::test_util {

using columnar::ArrayPtr;
using columnar::RecordBatchPtr;

/// A mini binder for tests: resolves the call against the registry and casts arguments.
inline ExprPtr C(const std::string& name, std::vector<ExprPtr> args) {
  std::vector<DataTypePtr> types;
  for (const auto& a : args) types.push_back(a->type);
  auto resolved = FunctionRegistry::Global().ResolveScalar(name, types);
  EXPECT_TRUE(resolved.ok()) << resolved.status().ToString();
  if (!resolved.ok()) return Literal(Scalar());
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i]->type->Equals(*resolved->param_types[i])) {
      args[i] = Cast(args[i], resolved->param_types[i]);
    }
  }
  return Call(resolved->name, std::move(args), resolved->return_type);
}

inline ExprPtr I(int64_t v) { return Literal(Scalar::Int64(v)); }
inline ExprPtr D(double v) { return Literal(Scalar::Float64(v)); }
inline ExprPtr S(std::string v) { return Literal(Scalar::String(std::move(v))); }
inline ExprPtr B(bool v) { return Literal(Scalar::Boolean(v)); }
inline ExprPtr Null(DataTypePtr t = columnar::null_type()) { return Literal(Scalar::Null(t)); }
inline ExprPtr Iv(const std::string& text) {
  return Literal(Scalar::MakeInterval(*ParseInterval(text)));
}
inline ExprPtr Ts(const std::string& text) {
  return Literal(Scalar::Timestamp(*ParseTimestamp(text)));
}

inline RecordBatchPtr Batch(std::string_view schema, std::string_view rows) {
  auto b = columnar::BatchFromLiteral(schema, rows);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return *b;
}

inline ExprPtr Col(const RecordBatchPtr& b, const std::string& name) {
  int i = b->schema()->GetFieldIndex(name);
  return ColumnRef(i, b->schema()->field(i)->type, name);
}

/// Evaluates and renders each value with Scalar::ToString ("NULL" for nulls).
inline Result<std::vector<std::string>> EvalStrings(const ExprPtr& e,
                                                    const columnar::RecordBatch& b,
                                                    const EvalContext& ctx = {}) {
  LAMINAR_ASSIGN_OR_RETURN(auto compiled, CompiledExpression::Compile(e));
  LAMINAR_ASSIGN_OR_RETURN(auto arr, compiled->Evaluate(b, ctx));
  std::vector<std::string> out;
  for (int64_t i = 0; i < arr->length(); ++i)
    out.push_back(columnar::GetScalar(*arr, i).ToString());
  return out;
}

/// Evaluates a constant expression to text.
inline std::string Const(const ExprPtr& e) {
  auto r = EvaluateConstant(e);
  if (!r.ok()) return "ERROR: " + r.status().ToString();
  return r->ToString();
}

}  // namespace laminar::function::test_util
