// Time-column lags and window joins: see window_join_analysis.h.

#include "sql/binder/window_join_analysis.h"

#include <algorithm>
#include <numeric>

#include "columnar/type.h"

namespace laminar::sql {

namespace fn = laminar::function;

namespace {

bool IsClosing(EmitKind e) {
  return e == EmitKind::kOnWindowClose || e == EmitKind::kFinal || e == EmitKind::kAfterWatermark ||
         e == EmitKind::kOnWatermark;
}

// Window bounds of windows closed by the watermark: strict, aligned to `period` at `phase`.
TimeColumnBound WindowBound(int64_t lag, int64_t period, int64_t phase) {
  TimeColumnBound b;
  b.lag = lag;
  b.strict = true;
  b.period = period;
  if (period > 1) {
    b.phase = phase % period;
    if (b.phase < 0) b.phase += period;
  }
  return b;
}

std::vector<TimeColumnBound> Bounds(const PlanPtr& p, const CatalogView& catalog,
                                    const StreamingInfo& info) {
  const size_t n = static_cast<size_t>(p->schema ? p->schema->num_fields() : 0);
  std::vector<TimeColumnBound> out(n);
  switch (p->kind) {
    case PlanKind::kScan: {
      const RelationInfo* rel = catalog.FindRelation(p->relation);
      if (rel == nullptr) return out;
      if (rel->kind == RelationInfo::Kind::kSource) {
        if (rel->watermark_column >= 0 && static_cast<size_t>(rel->watermark_column) < n) {
          out[static_cast<size_t>(rel->watermark_column)].lag = 0;
        }
      } else if (rel->kind == RelationInfo::Kind::kStream ||
                 rel->kind == RelationInfo::Kind::kMaterializedView) {
        for (size_t i = 0; i < n && i < rel->time_bounds.size(); ++i) out[i] = rel->time_bounds[i];
      }
      return out;
    }
    case PlanKind::kFilter:
      return Bounds(p->inputs[0], catalog, info);
    case PlanKind::kUnnest: {
      // The input columns pass through (repeated); element columns carry no known bound.
      auto in = Bounds(p->inputs[0], catalog, info);
      for (size_t i = 0; i < n && i < in.size(); ++i) out[i] = in[i];
      return out;
    }
    case PlanKind::kWindow:
      // A streaming OVER window emits input rows (plus computed columns) in the order the
      // watermark makes final: the input columns keep their bounds.
      if (p->streaming_over) {
        auto in = Bounds(p->inputs[0], catalog, info);
        for (size_t i = 0; i < n && i < in.size(); ++i) out[i] = in[i];
      }
      return out;
    case PlanKind::kProject: {
      auto in = Bounds(p->inputs[0], catalog, info);
      for (size_t i = 0; i < n && i < p->exprs.size(); ++i) {
        const auto& e = p->exprs[i];
        if (e->kind == fn::ExprKind::kColumnRef && e->column_index >= 0 &&
            static_cast<size_t>(e->column_index) < in.size()) {
          out[i] = in[static_cast<size_t>(e->column_index)];
        }
      }
      return out;
    }
    case PlanKind::kAggregate: {
      const TimeWindow& w = p->window;
      if (w.kind == WindowKind::kNone || !IsClosing(info.emit)) return out;
      const int64_t lateness = info.emit == EmitKind::kFinal ? 0 : info.allowed_lateness;
      const size_t start = p->group_exprs.size();
      if (start + 1 >= n) return out;
      switch (w.kind) {
        case WindowKind::kTumble:
          out[start] = WindowBound(w.size + lateness, w.size, w.offset);
          out[start + 1] = WindowBound(lateness, w.size, w.offset);
          break;
        case WindowKind::kHop:
          out[start] = WindowBound(w.size + lateness, w.slide, w.offset);
          out[start + 1] = WindowBound(lateness, w.slide, w.offset + w.size);
          break;
        case WindowKind::kCumulate:
          out[start] = WindowBound(w.size + lateness, w.size, 0);
          out[start + 1] = WindowBound(lateness, std::gcd(w.slide, w.size), 0);
          break;
        default:  // SESSION: the end is known to follow the watermark, the start is not
          out[start + 1] = WindowBound(lateness, 0, 0);
          break;
      }
      return out;
    }
    default:
      return out;
  }
}

std::vector<int64_t> Lags(const PlanPtr& p, const CatalogView& catalog, const StreamingInfo& info) {
  const auto bounds = Bounds(p, catalog, info);
  std::vector<int64_t> out(bounds.size());
  for (size_t i = 0; i < bounds.size(); ++i) out[i] = bounds[i].lag;
  return out;
}

int64_t LagOf(const std::vector<int64_t>& lags, int col) {
  return col >= 0 && static_cast<size_t>(col) < lags.size() ? lags[static_cast<size_t>(col)] : -1;
}

}  // namespace

std::vector<int64_t> OutputTimeLags(const PlanPtr& plan, const CatalogView& catalog,
                                    const StreamingInfo& info) {
  return Lags(plan, catalog, info);
}

std::vector<TimeColumnBound> OutputTimeBounds(const PlanPtr& plan, const CatalogView& catalog,
                                              const StreamingInfo& info) {
  return Bounds(plan, catalog, info);
}

PlanPtr AnnotateWindowTimeBounds(const PlanPtr& plan, const CatalogView& catalog) {
  PlanPtr out = plan;
  for (size_t i = 0; i < plan->inputs.size(); ++i) {
    PlanPtr in = AnnotateWindowTimeBounds(plan->inputs[i], catalog);
    if (in != plan->inputs[i]) {
      if (out == plan) out = std::make_shared<PlanNode>(*plan);
      out->inputs[i] = std::move(in);
    }
  }
  if (plan->kind != PlanKind::kAggregate || plan->window.kind == WindowKind::kNone ||
      plan->window.kind == WindowKind::kSession || !plan->window.time_expr ||
      plan->window.time_expr->kind != fn::ExprKind::kColumnRef) {
    return out;
  }
  // The input's own EMIT clauses are part of its relations' time bounds already.
  const StreamingInfo none;
  const auto bounds = Bounds(out->inputs[0], catalog, none);
  const int c = plan->window.time_expr->column_index;
  if (c < 0 || static_cast<size_t>(c) >= bounds.size() || !bounds[static_cast<size_t>(c)].known())
    return out;
  if (out == plan) out = std::make_shared<PlanNode>(*plan);
  out->window.time_bound = bounds[static_cast<size_t>(c)];
  return out;
}

bool CompleteJoinTimeBound(const CatalogView& catalog, const PlanPtr& left, const PlanPtr& right,
                           const std::vector<BExpr>& conjuncts, bool bounded, JoinSpec* js) {
  // The inputs' own EMIT clauses are part of their time_lags already (scans of streams), so
  // the query-level StreamingInfo does not matter here.
  const StreamingInfo none;
  const auto llags = Lags(left, catalog, none);
  const auto rlags = Lags(right, catalog, none);
  const int nleft = js->left_columns;
  if (bounded) {
    js->left_time_lag = std::max<int64_t>(0, LagOf(llags, js->left_time));
    js->right_time_lag = std::max<int64_t>(0, LagOf(rlags, js->right_time));
    return true;
  }
  int best_l = -1, best_r = -1;
  int64_t best_lag = INT64_MAX;
  for (const auto& c : conjuncts) {
    if (c->kind != fn::ExprKind::kCall || c->function_name != "eq" || c->args.size() != 2) continue;
    const auto& a = c->args[0];
    const auto& b = c->args[1];
    if (a->kind != fn::ExprKind::kColumnRef || b->kind != fn::ExprKind::kColumnRef) continue;
    if (a->type->id() != columnar::TypeId::kTimestamp ||
        b->type->id() != columnar::TypeId::kTimestamp) {
      continue;
    }
    int lc = a->column_index, rc = b->column_index;
    if (lc >= nleft) std::swap(lc, rc);
    if (lc >= nleft || rc < nleft) continue;  // both on one side
    rc -= nleft;
    const int64_t ll = LagOf(llags, lc), rl = LagOf(rlags, rc);
    if (ll < 0 || rl < 0) continue;
    if (std::max(ll, rl) < best_lag) {
      best_lag = std::max(ll, rl);
      best_l = lc;
      best_r = rc;
    }
  }
  if (best_l < 0) return false;
  js->left_time = best_l;
  js->right_time = best_r;
  js->lower = 0;
  js->upper = 0;
  js->left_time_lag = LagOf(llags, best_l);
  js->right_time_lag = LagOf(rlags, best_r);
  return true;
}

}  // namespace laminar::sql
