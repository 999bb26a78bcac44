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

/// Like OutputTimeLags, with what else is known about each column (TimeColumnBound): a source's
/// watermark column is inclusive (a row at exactly the watermark is on time); the bounds of
/// windows closed by the watermark are strict (a window is emitted once the watermark reaches
/// its end, so later ones end after it) and aligned (TUMBLE: period size, HOP: slide, CUMULATE:
/// starts max_size and ends step; phase from the offset).
std::vector<TimeColumnBound> OutputTimeBounds(const PlanPtr& plan, const CatalogView& catalog,
                                              const StreamingInfo& info);

/// Sets `window.time_bound` of every windowed aggregate in `plan` whose time expression reads an
/// event-time column of its input with a known bound, so the aggregate closes a window only
/// once no row can still reach it. Without it, a TUMBLE over an upstream stream's trailing
/// `window_start` with a smaller window than upstream closed windows before their rows came.
/// Returns `plan` itself when nothing changed (nodes are copied on write).
PlanPtr AnnotateWindowTimeBounds(const PlanPtr& plan, const CatalogView& catalog);

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
