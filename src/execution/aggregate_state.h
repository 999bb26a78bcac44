#pragma once

#include <memory>
#include <span>
#include <vector>

#include "common/result.h"
#include "execution/state_codec.h"
#include "function/aggregate/accumulator.h"
#include "function/aggregate/group_table.h"
#include "function/evaluator.h"
#include "sql/binder/logical_plan.h"

namespace laminar::execution {

/// One aggregate call compiled for an aggregation operator (AggregateOperator,
/// HopSliceAggregateOperator): its argument and FILTER expressions over the operator's input, and
/// the accumulator that holds every group's state.
struct CompiledAggregate {
  std::vector<std::unique_ptr<function::CompiledExpression>> args;
  std::unique_ptr<function::CompiledExpression> filter;
  std::unique_ptr<function::Accumulator> acc;
  bool count_star = false;
};

/// First word of AggregateOperator's checkpoint image ("LAGS"). HopSliceAggregateOperator
/// recognises it to restore an image taken before the query ran sliced.
constexpr uint32_t kAggregateSnapshotMagic = 0x5347414c;

/// Restore: a group's net row weight is a count of rows, far from the int64 range; a larger one
/// is corrupt (adding more weights to it could overflow).
inline bool PlausibleGroupRows(int64_t rows) {
  constexpr int64_t kMaxGroupRows = int64_t{1} << 62;
  return rows <= kMaxGroupRows && rows >= -kMaxGroupRows;
}

/// Compiles `call`'s expressions and resolves its accumulator.
Result<CompiledAggregate> CompileAggregate(const sql::AggregateCall& call);

/// Every call's argument columns and FILTER mask for one batch (row i is input row rows[i], or
/// row i when `rows` is empty), checked by each accumulator (Accumulator::Check). Operators
/// evaluate them before they touch any state, so an expression error (division by zero in
/// SUM(a / b)) or a value a call rejects (a NULL key of JSON_OBJECT_AGG) drops the batch whole:
/// no group created, no accumulator updated by the calls before the failing one.
struct AggregateInputs {
  std::vector<std::vector<columnar::ArrayPtr>> args;  // per call
  std::vector<std::vector<uint8_t>> masks;            // per call; empty: no FILTER
};
Result<AggregateInputs> EvaluateAggregateInputs(std::span<const CompiledAggregate> aggs,
                                                const columnar::RecordBatch& batch,
                                                std::span<const int32_t> rows, int64_t num_rows);

/// Folds evaluated inputs into the accumulators: row i belongs to group ids[i]; `weights`
/// (null: +1 each) and every call's FILTER are applied per row.
Status ApplyAggregates(std::span<CompiledAggregate> aggs, const AggregateInputs& inputs,
                       const uint32_t* ids, int64_t num_rows, const int64_t* weights);

/// Writes every call's accumulator state of groups 0..num_groups-1 (u32 length +
/// Accumulator::Serialize per group), the part ReadGroupState reads after the table.
void WriteAccumulators(std::span<const CompiledAggregate> aggs, uint32_t num_groups, StateWriter* w,
                       std::string* out);

/// Reads the group state of an aggregation image: the group table (u32 length + GroupTable::
/// Serialize) and, per call, u32 length + Accumulator::Serialize of groups 0..num_groups-1, into
/// a fresh table shaped like `like` and fresh accumulators cloned from `aggs`. With
/// `ids_within_groups`, the table may not hold more ids than `num_groups`. A malformed image is an
/// error naming what is wrong (callers report it as corruption); nothing live is touched.
Status ReadGroupState(StateReader* r, const function::GroupTable& like,
                      std::span<const CompiledAggregate> aggs, uint32_t num_groups,
                      bool ids_within_groups, std::unique_ptr<function::GroupTable>* table,
                      std::vector<std::unique_ptr<function::Accumulator>>* accs);

}  // namespace laminar::execution
