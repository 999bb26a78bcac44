#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "execution/operator.h"

namespace laminar::execution {

/// Streaming top-N: `ROW_NUMBER() OVER (PARTITION BY k ORDER BY c) … WHERE rn <= N` (and RANK /
/// DENSE_RANK) in a continuous query, planned by sql/binder/topn_analysis.h.
///
/// State: per partition, the rows ranked <= N, sorted by the ORDER BY keys (memcomparable
/// encoding; NULLs sort last ascending, first descending, as in the batch engine) and then by
/// arrival, so ties rank the earlier row first. Append-only input only: a row that falls out
/// of the top N can never come back, so nothing else is kept.
///
/// Output rows: the input's columns plus the rank (BIGINT), for the partitions a batch changed.
///  - ON UPDATE (default): every row whose rank slot changed (a new row and the rows it pushed
///    down). With `emit_keys` (materialized views) each row carries the upsert key
///    (partition, rank), so the view holds exactly the current top N per partition.
///  - EMIT CHANGES: a Z-set changelog. When the rank reaches the output, a moved row is retracted
///    at its old rank (-1) and inserted at its new one (+1); otherwise only rows that left the
///    top N (-1) and rows that entered it (+1) appear.
///  - Deduplication (`rn = 1` ORDER BY an ascending event-time column, not EMIT CHANGES): append-
///    only. A partition's row is emitted once the watermark (minus how far that column trails
///    it) reaches its time, so no earlier row can still arrive; later rows are dropped.
/// Threading: single-threaded (driven by the pipeline). Durability: Snapshot()/Restore() carry
/// the kept rows and the arrival counter, so replay after a restart ranks ties identically.
class TopNOperator final : public StreamOperator {
 public:
  /// `node` is a kWindow plan node with `top_n >= 1` and one ranking function.
  static Result<std::unique_ptr<TopNOperator>> Make(const sql::PlanNode& node,
                                                    const AggregateOptions& options);
  ~TopNOperator() override;
  Status Process(const Delta& input, std::vector<Delta>* output) override;
  /// Deduplication: emits the partitions' first rows that the watermark made final. With a
  /// partition key that trails the watermark (plan node's top_n_expiry_key: a window bound,
  /// an event time), also drops the partitions the watermark finished, so the state (and the
  /// checkpoint) shrinks; their rows were already emitted and no row can reach them again.
  Status AdvanceWatermark(int64_t watermark, std::vector<Delta>* output) override;
  /// Image (magic "TOPN", version 1): u64 next arrival number, the kept rows as one batch,
  /// then per partition (sorted by key) its key, an emitted flag (deduplication) and each
  /// row's order key and arrival number.
  Status Snapshot(std::string* out) const override;
  Status Restore(std::string_view in) override;
  /// O(1): kept current as partitions and rows are added, replaced, trimmed, emitted,
  /// evicted and restored. Estimate: per partition its key size + 32, per kept row its order
  /// key size + 48, plus 16 per row of the input batches the kept rows point into.
  int64_t StateBytes() const override;
  /// The same estimate computed by walking every partition and row (O(state)); for tests,
  /// which check that it equals StateBytes() after any sequence of operations.
  int64_t RecountStateBytes() const;
  std::string Describe() const override;

  /// Late materialisation for `join → top-N` (Nexmark q9: every auction–bid pair is a wide row,
  /// and all but the few that beat their auction's current best are discarded): installs on
  /// `join`, whose output is this operator's input, a pair filter that tests a candidate pair's
  /// partition and ORDER BY values against the kept rows before the join builds the row.
  /// Conservative: a kept list only ever improves, so a pair rejected now would be rejected
  /// when it arrives. Needs plain column references as partition and ORDER BY keys; returns
  /// whether the filter was installed. Lifetime: `join` must not outlive this operator (both
  /// belong to one pipeline).
  bool ConnectToJoin(JoinOperator* join, int left_columns);

  struct State;

 private:
  TopNOperator() = default;
  /// Deduplication: emits the pending rows the watermark made final.
  Status EmitFinal(int64_t watermark, std::vector<Delta>* output);
  std::unique_ptr<State> state_;
};

}  // namespace laminar::execution
