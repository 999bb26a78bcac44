#pragma once

#include "common/result.h"
#include "sql/binder/binder.h"
#include "sql/binder/logical_plan.h"

namespace laminar::sql {

/// Streaming OVER windows: `SUM|AVG|COUNT|MIN|MAX|FIRST_VALUE|LAST_VALUE|NTH_VALUE(x) OVER
/// (PARTITION BY … ORDER BY ts ROWS BETWEEN n PRECEDING | UNBOUNDED PRECEDING AND CURRENT ROW |
/// m PRECEDING)` and `LAG(x[, k[, default]]) OVER (PARTITION BY … ORDER BY ts)` in a continuous
/// query (LAG reads back a constant k rows and has no frame; LEAD, which would wait for later
/// rows, is rejected by the binder).
///
/// The result of a row depends only on the rows before it in event-time order, so it is final
/// once no earlier row can still arrive: the operator (execution/over_window_operator.h) buffers
/// rows until the watermark passes them, then computes them in order and emits one row each,
/// append-only, equal to what the ad-hoc (batch) path computes over the same rows.

/// True when `window` (a kWindow node) computes only the functions above (the streaming OVER
/// window shapes; ranking functions go to the top-N planner).
bool IsOverAggregateWindow(const PlanNode& window);

/// Validates a kWindow node of aggregates for a continuous query and returns a copy over
/// `input` (its already planned input) with `streaming_over` and `over_time` set. Errors
/// (LDB-1001, with a hint) for what cannot run incrementally: no ORDER BY, a first ORDER BY key
/// that is not an ascending event-time column with a known relation to the watermark (a
/// source's watermark column, or a window bound of a closing window), RANGE / default frames,
/// frames reaching FOLLOWING rows, calls with different PARTITION BY / ORDER BY, and inputs
/// that update or retract rows (changelog streams, updating aggregates, top-N).
Result<PlanPtr> PlanStreamingOverWindow(const PlanPtr& window, const PlanPtr& input,
                                        const CatalogView& catalog, const StreamingInfo& info);

}  // namespace laminar::sql
