#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
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
/// checkpoint serialises through Snapshot()/Restore().
/// Lifecycle: Process() per input batch (a "cycle"), AdvanceWatermark() whenever the input
/// watermark rises. Threading: single-threaded, driven by the pipeline.
/// Durability: the engine is synchronous, so between two calls the operator is always at a
/// record boundary; Snapshot() taken there plus replay of the later input reproduces exactly
/// the state (and the output) the operator would have had without the restart.
class StreamOperator {
 public:
  virtual ~StreamOperator() = default;
  virtual Status Process(const Delta& input, std::vector<Delta>* output) = 0;
  virtual Status AdvanceWatermark(int64_t /*watermark*/, std::vector<Delta>* /*output*/) {
    return Status::OK();
  }
  /// Appends the operator's complete mutable state to `*out`: versioned (own magic + version
  /// byte), little-endian and byte-stable (Snapshot after Restore(x) yields x again). Build it
  /// with StateWriter (execution/state_codec.h); stateless operators append nothing. The
  /// default fails, so an operator that forgot to implement it makes CHECKPOINT fail loudly
  /// instead of silently checkpointing without its state.
  virtual Status Snapshot(std::string* /*out*/) const {
    return Status::NotImplemented("operator '" + Describe() + "' cannot be checkpointed yet",
                                  ErrorCode::kCheckpointFailed);
  }
  /// Replaces the state of a freshly built operator (same plan) with a Snapshot() image.
  /// Malformed, truncated or mismatching input is Status::Corruption, never a crash, and
  /// leaves the operator unchanged (parse everything first, then commit).
  virtual Status Restore(std::string_view /*in*/) {
    return Status::NotImplemented("operator '" + Describe() + "' cannot be restored yet",
                                  ErrorCode::kRecoveryFailed);
  }
  /// Current contents for ad-hoc SELECT over an aggregate MV (nullptr when not stateful).
  virtual Result<RecordBatchPtr> Contents() const { return RecordBatchPtr(); }
  virtual int64_t StateBytes() const { return 0; }
  virtual std::string Describe() const = 0;

  /// Multi-input operators (joins) take batches and watermarks per input; single-input
  /// operators ignore the input index.
  virtual int num_inputs() const { return 1; }
  virtual Status ProcessInput(int /*input*/, const Delta& delta, std::vector<Delta>* output) {
    return Process(delta, output);
  }
  virtual Status AdvanceInputWatermark(int /*input*/, int64_t watermark,
                                       std::vector<Delta>* output) {
    return AdvanceWatermark(watermark, output);
  }

  /// The event-time watermark of this operator's output given the minimum of its inputs'
  /// watermarks. Operators that can still emit rows older than that (joins holding buffered or
  /// pending rows) return less, so downstream windows do not close too early.
  virtual int64_t OutputWatermark(int64_t input_watermark) const { return input_watermark; }
};

/// Filter or projection (Ring 0). Weights and keys follow the rows.
class FilterProjectOperator final : public StreamOperator {
 public:
  static Result<std::unique_ptr<FilterProjectOperator>> MakeFilter(
      const function::ExprPtr& predicate);
  static Result<std::unique_ptr<FilterProjectOperator>> MakeProject(
      const std::vector<function::ExprPtr>& exprs, SchemaPtr output_schema);
  /// A filter and the projection right above it in one operator: only the columns the
  /// projection reads are gathered for the selected rows (a separate filter copies every
  /// column of them, e.g. Nexmark q14's unused url). Pipelines pair it with MakePassThrough()
  /// in the projection's place, so the operator count (and checkpoint layout) is unchanged.
  static Result<std::unique_ptr<FilterProjectOperator>> MakeFilterProject(
      const function::ExprPtr& predicate, const std::vector<function::ExprPtr>& exprs,
      SchemaPtr output_schema);
  /// Forwards its input unchanged (the projection slot of a fused filter + projection).
  static std::unique_ptr<FilterProjectOperator> MakePassThrough(std::string description);
  Status Process(const Delta& input, std::vector<Delta>* output) override;
  /// Remembers the input watermark: `watermark()` in the expressions returns it.
  Status AdvanceWatermark(int64_t watermark, std::vector<Delta>* output) override;
  /// Stateless: the image is empty.
  Status Snapshot(std::string* out) const override;
  Status Restore(std::string_view in) override;
  std::string Describe() const override;
  /// Applies the operator to a whole delta (also used by the batch executor, where
  /// `watermark()` is NULL: no watermark has reached the operator).
  Result<Delta> Apply(const Delta& input) const;
  /// A plain filter (no projection): the candidate for MakeFilterProject.
  bool IsFilterOnly() const { return predicate_ != nullptr && !fused_; }
  const function::ExprPtr& predicate_expr() const { return predicate_expr_; }

 private:
  // Rows of `batch` the predicate keeps. The predicate is compiled against a batch of just the
  // columns it reads (predicate_columns_), so AND/OR, which evaluate their later arguments on
  // the rows still undecided, gather those columns only.
  Result<std::vector<int32_t>> Select(const columnar::RecordBatch& batch) const;

  std::unique_ptr<function::CompiledExpression> predicate_;
  function::ExprPtr predicate_expr_;
  std::vector<int> predicate_columns_;  // input columns, in the compiled predicate's order
  std::vector<std::unique_ptr<function::CompiledExpression>> exprs_;
  // Fused: exprs_ read a batch of just these input columns (of the selected rows).
  std::vector<int> project_columns_;
  bool fused_ = false;
  bool pass_through_ = false;
  SchemaPtr output_schema_;
  // What the expressions see: the input watermark (INT64_MIN until one arrives; not part of
  // the image, a restarted pipeline's next watermark sets it again).
  function::EvalContext eval_context_;
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
  /// Attach an upsert key to every ON UPDATE row (materialized views store rows by it).
  bool emit_keys = false;
  /// EMIT EVERY / PERIODICALLY: changed groups are published at most once per this many µs of
  /// processing time (0 = after every batch).
  int64_t emit_interval = 0;
};

/// The aggregation options a query's streaming clauses ask for: EMIT mode (ON WINDOW CLOSE /
/// FINAL / AFTER WATERMARK close windows; CHANGES is a changelog; everything else updates) and
/// ALLOW LATENESS (forced to 0 for EMIT FINAL).
AggregateOptions AggregateOptionsFor(const sql::StreamingInfo& info);

/// Grouped aggregation with optional time windows (TUMBLE, HOP, CUMULATE, SESSION).
/// Output rows: [group keys..., window_start, window_end (if windowed), aggregates...].
class AggregateOperator final : public StreamOperator {
 public:
  static Result<std::unique_ptr<AggregateOperator>> Make(const sql::PlanNode& node,
                                                         AggregateOptions options);
  ~AggregateOperator() override;
  Status Process(const Delta& input, std::vector<Delta>* output) override;
  Status AdvanceWatermark(int64_t watermark, std::vector<Delta>* output) override;
  Result<RecordBatchPtr> Contents() const override;
  Status Snapshot(std::string* out) const override;
  Status Restore(std::string_view in) override;
  int64_t StateBytes() const override;
  std::string Describe() const override;

  struct State;

 private:
  AggregateOperator() = default;
  std::unique_ptr<State> state_;
};

/// Current contents of a table for lookup joins: a snapshot batch and a version that changes
/// whenever the table changes (so the join rebuilds its index only then).
struct TableSnapshot {
  RecordBatchPtr rows;
  uint64_t version = 0;
  /// Versioned tables (`WATERMARK FOR v`): `rows` holds every version and this is the column
  /// of `v`; a temporal join picks, per key, the newest version at or before the left row's
  /// time, a plain lookup the newest overall. -1: one row per key.
  int version_column = -1;
};
using TableProvider = std::function<Result<TableSnapshot>(const std::string& table)>;

/// Stream joins: interval (time-bounded, all outer kinds, semi/anti), unbounded changelog
/// joins, lookup joins against tables, and ASOF joins. Input 0 is the left side, input 1 the
/// right side (a table for lookup joins: it is read through the TableProvider, not pushed).
/// State: rows of each side buffered per key until the other side's watermark proves they can
/// no longer match; unmatched rows of outer joins are emitted then.
class JoinOperator final : public StreamOperator {
 public:
  static Result<std::unique_ptr<JoinOperator>> Make(const sql::PlanNode& node,
                                                    TableProvider tables);
  ~JoinOperator() override;
  /// Tells, before a candidate pair's output row is built, whether the operator consuming the
  /// join's output could still use it (a top-N right above the join, see topn_operator.h).
  /// Must be conservative: never false for a pair the consumer would keep.
  class PairFilter {
   public:
    virtual ~PairFilter() = default;
    /// A new input batch starts (the consumer has processed every earlier output row).
    virtual void BeginBatch() = 0;
    /// `commit` false: a quick test before the join's residual predicate. `commit` true: the
    /// pair passed the residual and becomes the next output row if this returns true (the
    /// filter may remember it, to judge the batch's later pairs).
    virtual bool Keep(const columnar::RecordBatch& left, int64_t left_row,
                      const columnar::RecordBatch& right, int64_t right_row, bool commit) = 0;
  };
  /// Installs `filter` on inner interval and unbounded joins (other kinds ignore it: their
  /// matched flags and unmatched rows need every pair). Returns whether it was installed.
  bool SetPairFilter(std::unique_ptr<PairFilter> filter);
  Status Process(const Delta& input, std::vector<Delta>* output) override {
    return ProcessInput(0, input, output);
  }
  int num_inputs() const override;
  Status ProcessInput(int input, const Delta& delta, std::vector<Delta>* output) override;
  Status AdvanceInputWatermark(int input, int64_t watermark, std::vector<Delta>* output) override;
  int64_t OutputWatermark(int64_t input_watermark) const override;
  int64_t StateBytes() const override;
  std::string Describe() const override;
  Status Snapshot(std::string* out) const override;
  Status Restore(std::string_view in) override;

  struct State;

 private:
  JoinOperator() = default;
  std::unique_ptr<State> state_;
};

/// UNION ALL of several inputs: input i runs through its own branch of operators (filters,
/// projections, aggregates over one relation) and the results are merged in arrival order.
class UnionOperator final : public StreamOperator {
 public:
  explicit UnionOperator(std::vector<std::vector<std::unique_ptr<StreamOperator>>> branches)
      : branches_(std::move(branches)) {}
  Status Process(const Delta& input, std::vector<Delta>* output) override {
    return ProcessInput(0, input, output);
  }
  int num_inputs() const override { return static_cast<int>(branches_.size()); }
  Status ProcessInput(int input, const Delta& delta, std::vector<Delta>* output) override;
  Status AdvanceInputWatermark(int input, int64_t watermark, std::vector<Delta>* output) override;
  /// The branches' operator images, nested (magic "LUNI", version 1).
  Status Snapshot(std::string* out) const override;
  Status Restore(std::string_view in) override;
  std::string Describe() const override { return "Union ALL"; }

 private:
  Status RunBranch(int input, size_t from, std::vector<Delta> current, std::vector<Delta>* output);
  std::vector<std::vector<std::unique_ptr<StreamOperator>>> branches_;
};

/// A chain of joins, `(a JOIN b) JOIN c`: the inner join's output is the outer join's left
/// input. Inputs: the inner join's inputs, then the outer join's right side. The outer join sees
/// the inner join's output watermark (min of its streaming inputs, minus the inner join's slack).
class JoinChainOperator final : public StreamOperator {
 public:
  JoinChainOperator(std::unique_ptr<StreamOperator> inner, std::vector<bool> inner_is_table,
                    std::unique_ptr<StreamOperator> outer)
      : inner_(std::move(inner)),
        inner_is_table_(std::move(inner_is_table)),
        outer_(std::move(outer)),
        inner_watermarks_(inner_is_table_.size(), INT64_MIN) {}
  Status Process(const Delta& input, std::vector<Delta>* output) override {
    return ProcessInput(0, input, output);
  }
  int num_inputs() const override { return static_cast<int>(inner_is_table_.size()) + 1; }
  Status ProcessInput(int input, const Delta& delta, std::vector<Delta>* output) override;
  Status AdvanceInputWatermark(int input, int64_t watermark, std::vector<Delta>* output) override;
  int64_t OutputWatermark(int64_t input_watermark) const override;
  Status Snapshot(std::string* out) const override;
  Status Restore(std::string_view in) override;
  std::string Describe() const override {
    return "Join chain: (" + inner_->Describe() + ") then " + outer_->Describe();
  }

 private:
  Status FeedOuter(std::vector<Delta> mid, std::vector<Delta>* output);
  std::unique_ptr<StreamOperator> inner_;
  std::vector<bool> inner_is_table_;
  std::unique_ptr<StreamOperator> outer_;
  std::vector<int64_t> inner_watermarks_;
};

/// Compiles a plan into operators, bottom-up: Filter/Project/Aggregate over one Scan, or over a
/// Join of two Scans (then the join is the first operator). Returns the scanned relation names
/// in `*inputs` (one, or two for a join: left, right).
Result<std::vector<std::unique_ptr<StreamOperator>>> CompilePipeline(
    const sql::PlanPtr& plan, const AggregateOptions& options, std::vector<std::string>* inputs,
    const TableProvider& tables = nullptr);

}  // namespace laminar::execution
