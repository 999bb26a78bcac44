#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "columnar/type.h"
#include "function/expression.h"
#include "sql/parser/ast.h"

namespace laminar::sql {

using columnar::DataTypePtr;
using columnar::SchemaPtr;
using BExpr = function::ExprPtr;

/// Kind of a time window in GROUP BY.
enum class WindowKind : uint8_t { kNone, kTumble, kHop, kSession, kCumulate };
const char* WindowKindName(WindowKind kind);

/// What is known about the values an event-time column of a stream can still take, relative to
/// the stream's watermark W (see window_join_analysis.h). Every row that can still arrive has a
/// value v >= W - lag (v > W - lag when `strict`: window bounds of windows closed by the
/// watermark), and, when period > 1, v = phase (mod period) (window bounds are aligned).
struct TimeColumnBound {
  int64_t lag = -1;  // µs; -1: not an event-time column whose relation to W is known
  bool strict = false;
  int64_t period = 0;  // µs; <= 1: any value
  int64_t phase = 0;   // in [0, period)
  bool known() const { return lag >= 0; }
  /// The smallest value a row arriving once the watermark is `watermark` can carry.
  int64_t LowerBound(int64_t watermark) const {
    if (watermark == INT64_MIN || watermark < INT64_MIN + lag + 1) return INT64_MIN;
    int64_t v = watermark - lag + (strict ? 1 : 0);
    if (period > 1) {
      int64_t r = (v - phase) % period;
      if (r < 0) r += period;
      if (r != 0) v = v > INT64_MAX - (period - r) ? INT64_MAX : v + (period - r);
    }
    return v;
  }
};

/// A time window of an aggregation. All durations in µs. Windows are [start, end); starts aligned
/// to the epoch plus `offset`.
struct TimeWindow {
  WindowKind kind = WindowKind::kNone;
  BExpr time_expr;     // over the aggregate's input; TIMESTAMP
  int64_t size = 0;    // TUMBLE size, HOP size, CUMULATE max size
  int64_t slide = 0;   // HOP slide, CUMULATE step
  int64_t offset = 0;  // TUMBLE/HOP offset
  int64_t gap = 0;     // SESSION gap
  /// Continuous queries: what is known about `time_expr` when it reads an event-time column of
  /// the input. A window closes once no row can still reach it: when
  /// min(watermark, time_bound.LowerBound(watermark)) passes its end (unknown: the watermark).
  TimeColumnBound time_bound;
  std::string ToString() const;
};

/// One aggregate call: function over argument expressions evaluated on the aggregate's input.
struct AggregateCall {
  std::string function;  // canonical name (count, sum, ...)
  std::vector<BExpr> args;
  bool distinct = false;
  bool count_star = false;
  BExpr filter;  // FILTER (WHERE ...) over the input, or null
  DataTypePtr type;
  bool retractable = false;
  std::string display;  // SQL text, e.g. "SUM(price)"
};

/// How a streaming join pairs rows (decided by the binder from the join syntax, the ON
/// condition and the kinds of the two inputs).
enum class JoinStrategy : uint8_t {
  kInterval,   // stream-stream with a time bound: lo <= right.ts - left.ts <= hi
  kUnbounded,  // stream-stream without a bound (only with EMIT CHANGES)
  kLookup,     // stream against a table (current contents)
  kAsof,       // ASOF: per key, the right row nearest in time (direction below)
  kProbe,      // TEMPORAL PROBE: one ASOF-backward lookup per left row and offset
  kBatch,      // ad-hoc queries: nested loop over current contents
};

enum class AsofDirection : uint8_t { kBackward, kForward, kNearest };

struct JoinSpec {
  JoinStrategy strategy = JoinStrategy::kBatch;
  std::vector<BExpr> left_keys;   // over the left input
  std::vector<BExpr> right_keys;  // over the right input
  int left_columns = 0;           // number of left columns in the joined row
  // Interval join / ASOF time columns (indices into each side's input), bounds in µs.
  int left_time = -1;
  int right_time = -1;
  int64_t lower = 0;  // right.ts - left.ts >= lower
  int64_t upper = 0;  // right.ts - left.ts <= upper
  AsofDirection direction = AsofDirection::kBackward;
  int64_t tolerance = -1;              // ASOF: max |Δ| in µs, -1 = none
  bool right_watermarked = false;      // the right input declares a watermark (ASOF waits for it)
  std::vector<int64_t> probe_offsets;  // TEMPORAL PROBE offsets in µs (output adds offset_ms)
  // How far each side's time column may trail that side's watermark (µs): a windowed stream's
  // window_start lags by the window size. Eviction uses watermark - lag (window joins).
  int64_t left_time_lag = 0;
  int64_t right_time_lag = 0;
  std::string left_relation, right_relation;
  std::string ToString() const;
};

/// An analytic function call: `f(args) OVER (PARTITION BY … ORDER BY … frame)`.
struct AnalyticCall {
  std::string function;  // row_number, rank, dense_rank, lag, lead, first_value, last_value,
                         // nth_value, sum, avg, min, max, count
  std::vector<BExpr> args;
  std::vector<BExpr> partition_by;
  std::vector<BExpr> order_by;
  std::vector<bool> descending;
  bool has_frame = false;
  bool range_frame = false;         // RANGE (peers) vs ROWS
  int64_t frame_start = INT64_MIN;  // rows relative to the current row; INT64_MIN = unbounded
  int64_t frame_end = 0;            // INT64_MAX = unbounded following
  bool count_star = false;
  DataTypePtr type;
};

enum class PlanKind : uint8_t {
  kWindow,  // analytic functions: output = input columns + one column per call
  kScan,
  kValues,
  kFilter,
  kProject,
  kAggregate,
  kSort,
  kLimit,
  kUnion,  // also INTERSECT / EXCEPT (see `set_op`; ad-hoc queries only)
  kJoin,
  // Ad-hoc queries only. inputs[0] = the query, inputs[1..] = uncorrelated subqueries used in
  // its expressions as placeholders (kSubqueryPlaceholder); each is run once first and its
  // result substituted as a constant. Output = inputs[0]'s output.
  kSubqueries,
  // Ad-hoc queries only. inputs[0] = outer rows, inputs[1] = a correlated subquery whose
  // expressions read the outer row through kOuterRefPlaceholder calls. Output = outer columns
  // plus one column: the subquery's value (scalar), whether it has rows (EXISTS), or
  // `apply_operand IN (subquery)` (three-valued).
  kApply,
  // UNNEST, in a SELECT list or as a FROM item (lateral: its arguments read the columns of the
  // FROM items before it). `exprs` are LIST expressions over inputs[0]; output = the input
  // columns, then one element column per expression (several lists are zipped, shorter ones
  // padded with NULL), then a BIGINT `ordinality` column when `unnest_ordinality`. A stateless
  // per-row expansion: it streams like a projection.
  kUnnest,
};

/// What a subquery in an expression computes.
enum class SubqueryKind : uint8_t { kScalar, kExists, kIn };

/// Function names of the placeholder calls the binder leaves in expressions for subqueries
/// (the batch executor substitutes them before compiling; the evaluator never sees them):
///  - `__subquery(id)`: value of scalar/EXISTS subquery `id` of the enclosing kSubqueries node
///  - `__subquery_in(x, id)`: `x IN (subquery id)`
///  - `__outer(i)`: column i of the current outer row of the enclosing kApply node
inline constexpr const char* kSubqueryPlaceholder = "__subquery";
inline constexpr const char* kSubqueryInPlaceholder = "__subquery_in";
inline constexpr const char* kOuterRefPlaceholder = "__outer";

struct SortKey {
  int column = 0;
  bool descending = false;
  bool nulls_first = false;
};

struct PlanNode;
using PlanPtr = std::shared_ptr<PlanNode>;

/// A logical plan node. Immutable once built; `schema` is the node's output.
struct PlanNode {
  PlanKind kind = PlanKind::kScan;
  SchemaPtr schema;
  std::vector<PlanPtr> inputs;

  // kScan
  std::string relation;
  // kScan in ad-hoc plans after projection push-down: the relation's columns this scan reads,
  // in order (`schema` lists just these). Empty = all columns.
  std::vector<int> scan_columns;
  // kValues
  std::vector<std::vector<BExpr>> rows;
  // kFilter
  BExpr predicate;
  // kProject; kUnnest: the lists
  std::vector<BExpr> exprs;
  // kUnnest: WITH ORDINALITY (1-based element position column); `unnest_keep_empty`: LEFT JOIN
  // UNNEST(...) ON TRUE, a row whose lists are all NULL or empty yields one row of NULLs.
  bool unnest_ordinality = false;
  bool unnest_keep_empty = false;
  // kAggregate: output = [group keys..., window_start, window_end (if windowed), aggs...]
  std::vector<BExpr> group_exprs;
  TimeWindow window;
  std::vector<AggregateCall> aggregates;
  // kSort
  std::vector<SortKey> sort_keys;
  // kLimit
  int64_t limit = -1;
  int64_t offset = 0;
  // kUnion
  bool union_all = true;
  SetOpKind set_op = SetOpKind::kUnion;
  // kSubqueries: placeholder id and kind of inputs[i + 1]
  std::vector<int> subquery_ids;
  std::vector<SubqueryKind> subquery_kinds;
  // kApply
  SubqueryKind apply_kind = SubqueryKind::kScalar;
  BExpr apply_operand;  // kIn: the value tested, over inputs[0]'s columns
  // kWindow
  std::vector<AnalyticCall> analytics;
  // kWindow in a continuous query (see topn_analysis.h): streaming top-N over analytics[0] (a
  // ranking function) keeping the rows ranked <= top_n per partition; -1 = plain window.
  int64_t top_n = -1;
  bool top_n_rank_output = true;  // the rank column reaches the query's output
  // >= 0: `rn = 1` by an ascending event-time column trailing the watermark by this lag (µs):
  // deduplication that emits each partition's first row once the watermark makes it final.
  int64_t top_n_final_lag = -1;
  // >= 0: analytics[0].partition_by[top_n_expiry_key] is a timestamp column trailing the
  // watermark by top_n_expiry_lag µs (a window bound, an event time): a partition whose value
  // is below the watermark minus the lag gets no more rows, so the top-N drops its state.
  int top_n_expiry_key = -1;
  int64_t top_n_expiry_lag = 0;
  // kWindow in a continuous query (see over_window_analysis.h): a streaming OVER window of
  // aggregates over ROWS frames; `over_time` describes the (first) ORDER BY column, an
  // event-time column of the input, whose order the watermark makes final.
  bool streaming_over = false;
  TimeColumnBound over_time;
  // kJoin: output = left columns + right columns (left only for SEMI/ANTI)
  JoinKind join_kind = JoinKind::kInner;
  BExpr join_condition;  // over concat(left, right); residual check on candidate pairs
  JoinSpec join;

  std::string ToString(int indent = 0) const;
};

/// Streaming properties of a bound query (for CREATE STREAM / MV and EXPLAIN).
struct StreamingInfo {
  bool has_aggregate = false;
  bool windowed = false;
  WindowKind window = WindowKind::kNone;
  EmitKind emit = EmitKind::kOnUpdate;
  bool emit_explicit = false;
  int64_t emit_interval = 0;     // EMIT EVERY / PERIODICALLY, µs
  int64_t allowed_lateness = 0;  // µs
  std::string late_data_to;
  bool append_only = true;          // output never updates earlier rows
  bool changelog_output = false;    // EMIT CHANGES: trailing __weight column
  std::vector<std::string> inputs;  // relations read
  bool top_n = false;               // a streaming top-N (ROW_NUMBER ... WHERE rn <= N)
  /// Per output column: how far its values may trail the stream's watermark (lag in µs; -1 when
  /// the column is not an event-time column), strictness and alignment (window_join_analysis.h).
  std::vector<TimeColumnBound> time_bounds;
};

struct BoundQuery {
  PlanPtr plan;
  StreamingInfo info;
};

}  // namespace laminar::sql
