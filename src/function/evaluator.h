#pragma once

#include <memory>
#include <vector>

#include "columnar/record_batch.h"
#include "function/expression.h"
#include "function/kernel.h"
#include "function/registry.h"

namespace laminar::function {

namespace internal {
struct Node;
}  // namespace internal

/// An expression compiled for vectorised evaluation: the tree is resolved once (kernels looked up,
/// literal-only subtrees folded, LIKE/regex patterns compiled) and then evaluated a whole batch
/// at a time over typed columns.
///
/// Evaluation rules: per-batch kernel calls (no per-row virtual dispatch); literals stay
/// broadcast scalars; AND/OR short-circuit with SQL three-valued logic — the right side only
/// runs on rows the left side left undecided; CASE and COALESCE evaluate a branch only on the
/// rows that reach it, so `CASE WHEN x <> 0 THEN 10 / x END` never divides by zero.
///
/// Threading: immutable after Compile(); Evaluate() is const and keeps its scratch state on the
/// stack, so one compiled expression may be evaluated from many threads at once.
class CompiledExpression {
 public:
  static Result<std::unique_ptr<CompiledExpression>> Compile(
      const ExprPtr& expr, const FunctionRegistry& registry = FunctionRegistry::Global());
  ~CompiledExpression();

  /// One value per row of `batch` (a literal result is broadcast to num_rows).
  Result<columnar::ArrayPtr> Evaluate(const columnar::RecordBatch& batch,
                                      const EvalContext& ctx = {}) const;
  /// The result type.
  const columnar::DataTypePtr& type() const { return type_; }
  /// The source expression.
  const ExprPtr& expr() const { return expr_; }
  /// True when the compiled tree is a single literal (after folding).
  bool IsConstant() const;

 private:
  CompiledExpression() = default;
  ExprPtr expr_;
  columnar::DataTypePtr type_;
  std::unique_ptr<internal::Node> root_;
  // A volatile function (NOW()) somewhere in the tree: only then does Evaluate() read the wall
  // clock for an unbound EvalContext::now_micros (the read was a tenth of the cost of pushing a
  // batch through a projection).
  bool reads_clock_ = false;
};

/// Row indices where `predicate` is TRUE (NULL and FALSE rows are not selected).
Result<std::vector<int32_t>> EvaluateFilter(const CompiledExpression& predicate,
                                            const columnar::RecordBatch& batch,
                                            const EvalContext& ctx = {});
/// Same, appending into a caller-owned vector (cleared first) to avoid allocation per batch.
Status EvaluateFilter(const CompiledExpression& predicate, const columnar::RecordBatch& batch,
                      const EvalContext& ctx, std::vector<int32_t>* selected);

/// Evaluates an expression without column references (window sizes, LIMIT, INSERT VALUES).
/// A column reference → Invalid.
Result<Scalar> EvaluateConstant(const ExprPtr& expr);

/// Casts an array to `to` with SQL rules. Failures (bad text, overflow) → error LDB-7001
/// naming the value and the type ("cannot cast 'abc' to BIGINT"), or NULL when `try_cast`.
Result<columnar::ArrayPtr> CastArray(const columnar::ArrayPtr& array,
                                     const columnar::DataTypePtr& to, bool try_cast = false);
/// Casts one value (same rules).
Result<Scalar> CastScalar(const Scalar& value, const columnar::DataTypePtr& to,
                          bool try_cast = false);

/// Row indices where a BOOLEAN array is TRUE, appended to *out.
void SelectTrue(const columnar::Array& mask, std::vector<int32_t>* out);

}  // namespace laminar::function
