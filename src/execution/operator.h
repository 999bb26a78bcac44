#pragma once

#include <memory>
#include <string>
#include <vector>

#include "columnar/record_batch.h"
#include "common/result.h"
#include "function/evaluator.h"
#include "sql/binder/logical_plan.h"

namespace laminar::execution {

using columnar::RecordBatchPtr;
using columnar::SchemaPtr;

/// A batch of changes flowing between operators. Append-only data has empty `weights` (every
/// row +1). Changelog data carries a Z-set weight per row (+1 insert, -1 retract). `keys`,
/// when present, holds one encoded group key per row: an upsert identity used by MV stores.
struct Delta {
  RecordBatchPtr batch;
  std::vector<int64_t> weights;
  std::vector<std::string> keys;

  int64_t num_rows() const { return batch ? batch->num_rows() : 0; }
  bool has_weights() const { return !weights.empty(); }
};

/// One step of a continuous query. Operators are created from the logical plan once; their
/// mutable state (group tables, accumulators, open windows) lives inside and is what a
/// checkpoint would serialise.
/// Lifecycle: Process() per input batch (a "cycle"), AdvanceWatermark() whenever the input
/// watermark rises. Threading: single-threaded, driven by the pipeline.
class StreamOperator {
 public:
  virtual ~StreamOperator() = default;
  virtual Status Process(const Delta& input, std::vector<Delta>* output) = 0;
  virtual Status AdvanceWatermark(int64_t /*watermark*/, std::vector<Delta>* /*output*/) {
    return Status::OK();
  }
  /// Current contents for ad-hoc SELECT over an aggregate MV (nullptr when not stateful).
  virtual Result<RecordBatchPtr> Snapshot() const { return RecordBatchPtr(); }
  virtual int64_t StateBytes() const { return 0; }
  virtual std::string Describe() const = 0;
};

/// Filter or projection (Ring 0). Weights and keys follow the rows.
class FilterProjectOperator final : public StreamOperator {
 public:
  static Result<std::unique_ptr<FilterProjectOperator>> MakeFilter(
      const function::ExprPtr& predicate);
  static Result<std::unique_ptr<FilterProjectOperator>> MakeProject(
      const std::vector<function::ExprPtr>& exprs, SchemaPtr output_schema);
  Status Process(const Delta& input, std::vector<Delta>* output) override;
  std::string Describe() const override;
  /// Applies the operator to a whole delta (also used by the batch executor).
  Result<Delta> Apply(const Delta& input) const;

 private:
  std::unique_ptr<function::CompiledExpression> predicate_;
  std::vector<std::unique_ptr<function::CompiledExpression>> exprs_;
  SchemaPtr output_schema_;
  std::string description_;
};

/// How an aggregation publishes results (from the EMIT clause).
enum class EmitMode {
  kOnUpdate,  // changed groups after each input batch (running values)
  kOnClose,   // one final row per (window, group) when the watermark closes the window
  kChanges,   // Z-set changelog: (old, -1), (new, +1)
};

struct AggregateOptions {
  EmitMode emit = EmitMode::kOnUpdate;
  int64_t allowed_lateness = 0;  // µs
};

/// Grouped aggregation with optional time windows (TUMBLE, HOP, CUMULATE, SESSION).
/// Output rows: [group keys..., window_start, window_end (if windowed), aggregates...].
class AggregateOperator final : public StreamOperator {
 public:
  static Result<std::unique_ptr<AggregateOperator>> Make(const sql::PlanNode& node,
                                                         AggregateOptions options);
  ~AggregateOperator() override;
  Status Process(const Delta& input, std::vector<Delta>* output) override;
  Status AdvanceWatermark(int64_t watermark, std::vector<Delta>* output) override;
  Result<RecordBatchPtr> Snapshot() const override;
  int64_t StateBytes() const override;
  std::string Describe() const override;

  struct State;

 private:
  AggregateOperator() = default;
  std::unique_ptr<State> state_;
};

/// Compiles the linear part of a plan (Filter/Project/Aggregate over one Scan) into operators,
/// bottom-up. Returns the scanned relation name in `*input`.
Result<std::vector<std::unique_ptr<StreamOperator>>> CompilePipeline(
    const sql::PlanPtr& plan, const AggregateOptions& options, std::string* input);

}  // namespace laminar::execution
