#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "execution/operator.h"

namespace laminar::execution {

/// HOP windows closed by the watermark (EMIT ON WINDOW CLOSE / FINAL), aggregated per slice.
///
/// A HOP window of size S sliding by D (S a multiple of D) is the union of S / D consecutive
/// D-wide slices, so each row is folded into the one slice that holds it instead of into all
/// S / D windows; when a window closes, the partial states of its slices are merged
/// (Accumulator::Merge). Nexmark q5 (10 s windows every 2 s) does one group lookup per bid
/// instead of five.
///
/// Output equals AggregateOperator's for the same plan, row for row and in the same order: per
/// closing window (in window order) one row per group with rows, ordered by the group's first
/// row in that window; late rows are dropped and counted per window as there. It applies only
/// where merging partial states cannot change a result (Applies()): COUNT, integer and decimal
/// SUM / AVG, and MIN / MAX over non-floating types, none DISTINCT.
///
/// Durability: its own image ("LHOP", docs/checkpoint.md). A checkpoint taken when the query
/// ran as an AggregateOperator ("LAGS" image) restores into an AggregateOperator held inside,
/// which then runs the query on.
/// Threading: single-threaded, like every operator.
class HopSliceAggregateOperator final : public StreamOperator {
 public:
  /// True when `node` is a HOP aggregate this operator computes exactly as AggregateOperator
  /// does (see the class comment) and `options` close windows without publishing updates.
  static bool Applies(const sql::PlanNode& node, const AggregateOptions& options);
  static Result<std::unique_ptr<HopSliceAggregateOperator>> Make(const sql::PlanNode& node,
                                                                 AggregateOptions options);
  ~HopSliceAggregateOperator() override;

  Status Process(const Delta& input, std::vector<Delta>* output) override;
  Status AdvanceWatermark(int64_t watermark, std::vector<Delta>* output) override;
  Status Snapshot(std::string* out) const override;
  Status Restore(std::string_view in) override;
  int64_t StateBytes() const override;
  std::string Describe() const override;

  struct State;

 private:
  HopSliceAggregateOperator() = default;
  std::unique_ptr<State> state_;
};

/// The streaming operator of an aggregate plan node: HopSliceAggregateOperator where it applies,
/// otherwise AggregateOperator.
Result<std::unique_ptr<StreamOperator>> MakeStreamingAggregate(const sql::PlanNode& node,
                                                               AggregateOptions options);

}  // namespace laminar::execution
