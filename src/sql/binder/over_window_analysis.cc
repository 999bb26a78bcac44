// Streaming OVER window planning: see over_window_analysis.h.

#include "sql/binder/over_window_analysis.h"

#include <fmt/format.h>

#include "common/string_util.h"
#include "function/evaluator.h"
#include "sql/binder/window_join_analysis.h"

namespace laminar::sql {

namespace fn = laminar::function;

namespace {

bool IsOverAggregate(const std::string& f) {
  return f == "sum" || f == "avg" || f == "count" || f == "min" || f == "max" ||
         f == "first_value" || f == "last_value" || f == "nth_value" || f == "lag";
}

Status OverError(std::string msg, std::string hint) {
  return Status::NotImplemented(msg + "; " + hint, ErrorCode::kSqlUnsupported);
}

// Argument `i` of `c` (LAG's offset, NTH_VALUE's n), when given, must be an integer constant of
// at least `min`: the operator keeps that many rows per partition.
Status CheckConstantArg(const AnalyticCall& c, size_t i, int64_t min, const char* what) {
  if (c.args.size() <= i) return Status::OK();
  auto v = fn::EvaluateConstant(c.args[i]);
  if (v.ok() && !v->is_null() && v->type()->is_integer() && v->int_value() >= min) {
    return Status::OK();
  }
  return OverError(
      fmt::format("{}() OVER (...) in a continuous query needs {} as an integer constant >= {}",
                  ToUpper(c.function), what, min),
      fmt::format("write a number there, e.g. {}(v, {}), or run it as an ad-hoc SELECT",
                  ToUpper(c.function), min + 1));
}

std::string CallText(const AnalyticCall& c) {
  return fmt::format("{}() OVER (...)", ToUpper(c.function));
}

bool IsClosing(EmitKind e) {
  return e == EmitKind::kOnWindowClose || e == EmitKind::kFinal || e == EmitKind::kAfterWatermark ||
         e == EmitKind::kOnWatermark;
}

// Why `p` (the OVER window's input) may update or retract rows it emitted, or "" when it only
// appends.
std::string UpdatingInput(const PlanPtr& p, const CatalogView& catalog, const StreamingInfo& info) {
  switch (p->kind) {
    case PlanKind::kScan: {
      const RelationInfo* rel = catalog.FindRelation(p->relation);
      if (rel == nullptr) return "";
      if (rel->changelog) return fmt::format("the changelog stream '{}'", rel->name);
      if (!rel->append_only) return fmt::format("the updating stream '{}'", rel->name);
      return "";
    }
    case PlanKind::kAggregate:
      if (p->window.kind == WindowKind::kNone || !IsClosing(info.emit)) {
        return "an aggregate that updates its groups";
      }
      break;
    case PlanKind::kWindow:
      if (p->top_n >= 0 && p->top_n_final_lag < 0) return "a top-N (its rank slots are updated)";
      break;
    case PlanKind::kJoin:
      if (p->join.strategy == JoinStrategy::kUnbounded) return "an unbounded (changelog) join";
      break;
    default:
      break;
  }
  for (const auto& in : p->inputs) {
    std::string why = UpdatingInput(in, catalog, info);
    if (!why.empty()) return why;
  }
  return "";
}

bool SameExprs(const std::vector<BExpr>& a, const std::vector<BExpr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i]->ToString() != b[i]->ToString()) return false;
  }
  return true;
}

}  // namespace

bool IsOverAggregateWindow(const PlanNode& window) {
  if (window.kind != PlanKind::kWindow || window.analytics.empty()) return false;
  for (const auto& c : window.analytics) {
    if (!IsOverAggregate(c.function)) return false;
  }
  return true;
}

Result<PlanPtr> PlanStreamingOverWindow(const PlanPtr& window, const PlanPtr& input,
                                        const CatalogView& catalog, const StreamingInfo& info) {
  const AnalyticCall& first = window->analytics[0];
  for (const auto& c : window->analytics) {
    if (!SameExprs(c.partition_by, first.partition_by) || !SameExprs(c.order_by, first.order_by) ||
        c.descending != first.descending) {
      return OverError(
          "OVER windows with different PARTITION BY or ORDER BY in one continuous query are not "
          "supported",
          "compute each window in its own stream");
    }
    if (c.order_by.empty()) {
      return OverError(fmt::format("{} in a continuous query needs ORDER BY an event-time column: "
                                   "without it a row's frame is never final",
                                   CallText(c)),
                       "add ORDER BY ts (the watermarked time column) inside OVER (...)");
    }
    if (c.function == "lag") {
      // LAG reads the row `offset` rows back and has no frame.
      LAMINAR_RETURN_NOT_OK(CheckConstantArg(c, 1, 0, "the offset"));
      continue;
    }
    if (c.function == "nth_value") {
      LAMINAR_RETURN_NOT_OK(CheckConstantArg(c, 1, 1, "n"));
    }
    if (!c.has_frame || c.range_frame) {
      return OverError(
          fmt::format("{} in a continuous query needs a ROWS frame (RANGE frames, and the default "
                      "frame, which includes rows with the same time, are not supported)",
                      CallText(c)),
          "write ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, or ROWS BETWEEN n PRECEDING "
          "AND CURRENT ROW");
    }
    if (c.frame_end > 0) {
      return OverError(
          fmt::format("{} in a continuous query cannot read FOLLOWING rows: the result would "
                      "wait for rows that have not arrived",
                      CallText(c)),
          "end the frame at CURRENT ROW or n PRECEDING");
    }
    if (c.frame_start > c.frame_end) {
      return OverError(fmt::format("{}: the frame starts after it ends", CallText(c)),
                       "write ROWS BETWEEN n PRECEDING AND CURRENT ROW");
    }
  }
  const BExpr& time = first.order_by[0];
  const std::string time_text = time->ToString();
  if (first.descending[0]) {
    return OverError(fmt::format("{} in a continuous query must order by event time ascending, "
                                 "not '{} DESC'",
                                 CallText(first), time_text),
                     "drop DESC: rows arrive in ascending event time");
  }
  const std::string why = UpdatingInput(input, catalog, info);
  if (!why.empty()) {
    return OverError(
        fmt::format("{} in a continuous query cannot consume {}: a frame would have to be "
                    "recomputed for every changed row",
                    CallText(first), why),
        "compute the per-key result with a windowed aggregate that emits ON WINDOW CLOSE (an "
        "append-only stream) and apply the OVER window to that stream");
  }
  TimeColumnBound bound;
  if (time->kind == fn::ExprKind::kColumnRef && time->type->id() == columnar::TypeId::kTimestamp) {
    const auto bounds = OutputTimeBounds(input, catalog, info);
    const int c = time->column_index;
    if (c >= 0 && static_cast<size_t>(c) < bounds.size()) bound = bounds[static_cast<size_t>(c)];
  }
  if (!bound.known()) {
    return OverError(
        fmt::format("{} in a continuous query must ORDER BY an event-time column whose relation "
                    "to the watermark is known, and '{}' is not one",
                    CallText(first), time_text),
        "order by the source's WATERMARK column, or by window_start/window_end of a stream "
        "that closes windows (EMIT ON WINDOW CLOSE); other ORDER BY keys may follow it as "
        "tie-breakers");
  }
  auto out = std::make_shared<PlanNode>(*window);
  out->inputs = {input};
  out->streaming_over = true;
  out->over_time = bound;
  return PlanPtr(out);
}

}  // namespace laminar::sql
