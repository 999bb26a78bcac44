#pragma once

#include "common/result.h"
#include "sql/binder/binder.h"
#include "sql/binder/logical_plan.h"

namespace laminar::sql {

/// Plans ranking functions in a continuous query as a streaming top-N.
///
/// `SELECT … FROM (SELECT …, ROW_NUMBER() OVER (PARTITION BY k ORDER BY c [DESC]) AS rn FROM s)
/// WHERE rn <= N` (also `rn < N`, `rn = 1`, `N >= rn`; RANK and DENSE_RANK with EMIT CHANGES)
/// keeps only the best N rows per partition, so its state is bounded by N × partitions. The
/// kWindow node gets `top_n = N` (and `top_n_rank_output`), the rank filter is dropped: the
/// TopN operator (execution/topn_operator.h) only ever outputs rows that pass it.
///
/// Everything that would need the whole unbounded input is rejected with an LDB-1001 error that
/// says what to write instead: an analytic call without a rank filter, a ranking function
/// without ORDER BY, value functions (LAG, SUM OVER, …), other conditions next to the rank
/// filter, EMIT ON WINDOW CLOSE, and a changelog input. Sets `info->top_n` and
/// `info->append_only = false` (an update replaces the row at a (partition, rank) slot).
Result<PlanPtr> PlanStreamingTopN(const PlanPtr& plan, const CatalogView& catalog,
                                  StreamingInfo* info);

}  // namespace laminar::sql
