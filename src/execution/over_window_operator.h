#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "execution/operator.h"

namespace laminar::execution {

/// Streaming OVER window: `SUM|AVG|COUNT|MIN|MAX|FIRST_VALUE|LAST_VALUE|NTH_VALUE(x[, n]) OVER
/// (PARTITION BY p ORDER BY ts[, tie…] ROWS BETWEEN n PRECEDING | UNBOUNDED PRECEDING AND
/// CURRENT ROW | m PRECEDING)` and `LAG(x[, k[, default]]) OVER (PARTITION BY p ORDER BY ts…)`
/// in a continuous query, planned by sql/binder/over_window_analysis.h.
///
/// A row's frame holds only rows before it in event-time order, so its result is final once no
/// earlier row can still arrive. Rows are buffered (the pending set, ordered by the ORDER BY
/// keys and then by arrival) until the watermark makes them final: their time is below the
/// lowest time a row can still carry (`over_time.LowerBound(watermark)`), or equal to it when
/// arrival order is the only tie-breaker (a later row with the same time sorts after them).
/// Final rows are then computed in that order, per partition, and emitted one output row each:
/// the input row plus one column per call. Output is append-only and equals the ad-hoc (batch)
/// path's result for the same rows (ties in ORDER BY keep arrival order there too; sums add in
/// frame order, so even floating-point results are identical).
///
/// State: the pending rows; per partition the argument values of its last K rows (K = the
/// largest frame reach, or LAG's k + 1) and, for UNBOUNDED PRECEDING frames, a running
/// count/sum/min/max (FIRST_VALUE / NTH_VALUE: the rows seen and the first / n-th row's value).
/// A row arriving below the already-emitted order (NULL time, or older than rows emitted
/// before it — impossible while the planner's time bound holds) is dropped and counted.
/// Threading: single-threaded (driven by the pipeline). Durability: Snapshot()/Restore() carry
/// everything, including the arrival counter, so replay after a restart orders ties identically.
class OverWindowOperator final : public StreamOperator {
 public:
  /// `node` is a kWindow plan node with `streaming_over` set.
  static Result<std::unique_ptr<OverWindowOperator>> Make(const sql::PlanNode& node);
  ~OverWindowOperator() override;
  /// Append-only input only (a retraction is an error: the planner rejects such inputs).
  Status Process(const Delta& input, std::vector<Delta>* output) override;
  /// Emits, in order, the pending rows the watermark made final.
  Status AdvanceWatermark(int64_t watermark, std::vector<Delta>* output) override;
  /// Image (magic "OVRW", version 1): u64 next arrival number, u64 rows dropped, i64 watermark;
  /// the pending rows as one batch (in order) and their arrival numbers; then per partition
  /// (sorted by key) its key values, its last rows' argument values and the running
  /// accumulators (i64 count, i64 integer sum, f64 sum, best value) of every call.
  Status Snapshot(std::string* out) const override;
  Status Restore(std::string_view in) override;
  /// O(1): kept current as rows wait, partitions are created, rings grow and state is
  /// restored. Estimate: 128 per pending row; per partition 64 + 32 per key value, and 32 per
  /// argument value its ring holds (ring rows x calls).
  int64_t StateBytes() const override;
  /// The same estimate computed by walking every partition's ring (O(state)); for tests, which
  /// check that it equals StateBytes() after any sequence of operations.
  int64_t RecountStateBytes() const;
  std::string Describe() const override;
  /// Rows dropped because their order was already final (or their time NULL).
  uint64_t late_dropped() const;

  struct State;

 private:
  OverWindowOperator() = default;
  std::unique_ptr<State> state_;
};

}  // namespace laminar::execution
