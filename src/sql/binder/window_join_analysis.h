#pragma once

#include <vector>

#include "sql/binder/binder.h"
#include "sql/binder/logical_plan.h"

namespace laminar::sql {

/// Event-time columns and how far they trail the watermark.
///
/// A stream's watermark is the minimum of its inputs' watermarks, but its rows' time columns may
/// be older: a window closed ON WINDOW CLOSE is emitted when the watermark reaches
/// `window_end (+ lateness)`, so its `window_start` trails the watermark by the window size.
/// A join that evicts rows by the other side's watermark must subtract that lag, or it drops a
/// row before its partner (the other stream's window of the same bounds) arrives.
///
/// Per output column of `plan`: the lag in µs (0: values never fall below the watermark, as for
/// a source's watermark column), or -1 when the column is not an event-time column whose
/// relation to the watermark is known. Closing windowed aggregates give window_end the allowed
/// lateness and window_start the window size plus lateness (SESSION: unknown); filters and
/// plain column projections pass lags through; anything else is unknown.
std::vector<int64_t> OutputTimeLags(const PlanPtr& plan, const CatalogView& catalog,
                                    const StreamingInfo& info);

/// Completes the time bound of a streaming stream–stream join. `bounded`: the ON clause already
/// bounds right.ts - left.ts from both sides (an interval join); then only the time columns'
/// lags are recorded in `js`. Otherwise looks for an equality of two event-time columns with
/// known lags (`C.window_end = M.window_end`, `a.ts = b.ts`) and, if there is one, makes the
/// join a zero-width interval join on it (the pair with the smallest lag wins): a symmetric
/// hash join whose rows are evicted once the other side's watermark, minus its lag, passes
/// them. Returns true when the join is time-bounded.
bool CompleteJoinTimeBound(const CatalogView& catalog, const PlanPtr& left, const PlanPtr& right,
                           const std::vector<BExpr>& conjuncts, bool bounded, JoinSpec* js);

}  // namespace laminar::sql
