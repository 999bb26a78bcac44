// Streaming top-N planning: see topn_analysis.h.

#include "sql/binder/topn_analysis.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/string_util.h"
#include "function/evaluator.h"
#include "sql/binder/over_window_analysis.h"
#include "sql/binder/window_join_analysis.h"

namespace laminar::sql {

namespace fn = laminar::function;

namespace {

bool IsRanking(const std::string& f) {
  return f == "row_number" || f == "rank" || f == "dense_rank";
}

const fn::Expr* StripCasts(const fn::Expr* e) {
  while (e->kind == fn::ExprKind::kCast && !e->args.empty()) e = e->args[0].get();
  return e;
}

void SplitConjuncts(const BExpr& e, std::vector<BExpr>* out) {
  if (e->kind == fn::ExprKind::kAnd) {
    for (const auto& a : e->args) SplitConjuncts(a, out);
  } else {
    out->push_back(e);
  }
}

Status TopNError(std::string msg, std::string hint) {
  return Status::NotImplemented(msg + "; " + hint, ErrorCode::kSqlUnsupported);
}

// The number of ranks a conjunct keeps when it bounds column `col` from above (`col <= N`,
// `col < N`, `col = 1`, `N >= col`, `N > col`); kNotABound when it is not such a bound.
constexpr int64_t kNotABound = INT64_MIN;
int64_t RankBound(const BExpr& c, int col) {
  if (c->kind != fn::ExprKind::kCall || c->args.size() != 2) return kNotABound;
  const fn::Expr* a = StripCasts(c->args[0].get());
  const fn::Expr* b = StripCasts(c->args[1].get());
  const bool a_col = a->kind == fn::ExprKind::kColumnRef && a->column_index == col;
  const bool b_col = b->kind == fn::ExprKind::kColumnRef && b->column_index == col;
  if (a_col == b_col) return kNotABound;
  auto v = fn::EvaluateConstant(a_col ? c->args[1] : c->args[0]);
  if (!v.ok() || v->is_null() || !v->type()->is_integer()) return kNotABound;
  const int64_t n = v->int_value();
  std::string f = c->function_name;
  if (!a_col) {  // N op rn  ⇒  rn op' N
    if (f == "gte") {
      f = "lte";
    } else if (f == "gt") {
      f = "lt";
    } else if (f == "lte" || f == "lt") {
      return kNotABound;
    }
  }
  if (f == "lte") return std::max<int64_t>(n, 0);
  if (f == "lt") return std::max<int64_t>(n - 1, 0);
  if (f == "eq" && n == 1) return 1;
  return kNotABound;
}

class TopNPlanner {
 public:
  TopNPlanner(const CatalogView& catalog, const StreamingInfo& info)
      : catalog_(catalog), info_(info) {}

  Result<PlanPtr> Rewrite(const PlanPtr& p) {
    if (p->kind == PlanKind::kFilter && p->inputs[0]->kind == PlanKind::kProject &&
        p->inputs[0]->inputs[0]->kind == PlanKind::kWindow &&
        !IsOverAggregateWindow(*p->inputs[0]->inputs[0])) {
      const PlanPtr& proj = p->inputs[0];
      const PlanPtr& win = proj->inputs[0];
      const int base = win->inputs[0]->schema->num_fields();
      std::vector<BExpr> conj;
      SplitConjuncts(p->predicate, &conj);
      int64_t n = kNotABound;
      std::vector<BExpr> rest;
      for (const auto& c : conj) {
        int64_t b = kNotABound;
        for (int col = 0; col < static_cast<int>(proj->exprs.size()) && b == kNotABound; ++col) {
          const fn::Expr* e = StripCasts(proj->exprs[static_cast<size_t>(col)].get());
          if (e->kind != fn::ExprKind::kColumnRef || e->column_index < base) continue;
          b = RankBound(c, col);
        }
        if (b != kNotABound) {
          n = n == kNotABound ? b : std::min(n, b);
        } else {
          rest.push_back(c);
        }
      }
      if (n != kNotABound) {
        if (!rest.empty()) {
          return TopNError(
              fmt::format("a top-N filter may only bound the rank; '{}' is not supported next to "
                          "it in a continuous query",
                          rest[0]->ToString()),
              "filter the rows inside the ranked subquery, or in a stream that reads this one");
        }
        if (n < 1) {
          return TopNError("the rank filter keeps no rows", "use rn <= N with N >= 1");
        }
        LAMINAR_RETURN_NOT_OK(CheckWindow(*win));
        auto nw = std::make_shared<PlanNode>(*win);
        nw->top_n = n;
        LAMINAR_ASSIGN_OR_RETURN(nw->inputs[0], Rewrite(win->inputs[0]));
        LAMINAR_RETURN_NOT_OK(CheckInput(nw->inputs[0]));
        // rn = 1 by an ascending event-time column: append-only deduplication.
        const AnalyticCall& call = nw->analytics[0];
        if (n == 1 && call.function == "row_number" && call.order_by.size() == 1 &&
            !call.descending[0] && call.order_by[0]->kind == fn::ExprKind::kColumnRef &&
            call.order_by[0]->type->id() == columnar::TypeId::kTimestamp &&
            info_.emit != EmitKind::kChanges) {
          const auto lags = OutputTimeLags(nw->inputs[0], catalog_, info_);
          const int c = call.order_by[0]->column_index;
          if (c >= 0 && static_cast<size_t>(c) < lags.size() && lags[static_cast<size_t>(c)] >= 0) {
            nw->top_n_final_lag = lags[static_cast<size_t>(c)];
          }
        }
        if (nw->top_n_final_lag < 0) updating_ = true;
        // A partition key trailing the watermark (window bound, event time) ends partitions.
        {
          const auto lags = OutputTimeLags(nw->inputs[0], catalog_, info_);
          for (size_t i = 0; i < call.partition_by.size(); ++i) {
            const auto& e = call.partition_by[i];
            if (e->kind != fn::ExprKind::kColumnRef ||
                e->type->id() != columnar::TypeId::kTimestamp) {
              continue;
            }
            const int c = e->column_index;
            if (c < 0 || static_cast<size_t>(c) >= lags.size()) continue;
            const int64_t lag = lags[static_cast<size_t>(c)];
            if (lag >= 0 && (nw->top_n_expiry_key < 0 || lag < nw->top_n_expiry_lag)) {
              nw->top_n_expiry_key = static_cast<int>(i);
              nw->top_n_expiry_lag = lag;
            }
          }
        }
        auto np = std::make_shared<PlanNode>(*proj);
        np->inputs = {nw};
        found_ = true;
        return PlanPtr(np);
      }
    }
    if (p->kind == PlanKind::kWindow && p->top_n < 0 && IsOverAggregateWindow(*p)) {
      // SUM/AVG/COUNT/MIN/MAX OVER (ROWS …): a streaming OVER window (over_window_analysis.h).
      LAMINAR_ASSIGN_OR_RETURN(auto in, Rewrite(p->inputs[0]));
      return PlanStreamingOverWindow(p, in, catalog_, info_);
    }
    if (p->kind == PlanKind::kWindow && p->top_n < 0) {
      std::string f = p->analytics.empty() ? "ROW_NUMBER" : ToUpper(p->analytics[0].function);
      for (const auto& c : p->analytics) {
        if (IsRanking(c.function)) continue;
        return TopNError(
            fmt::format("{}() OVER (...) is not supported in a continuous query",
                        ToUpper(c.function)),
            "streaming OVER windows compute SUM, AVG, COUNT, MIN and MAX over ROWS frames, and "
            "ranking functions need a rank filter (top-N); run other window functions as an "
            "ad-hoc SELECT");
      }
      return TopNError(
          fmt::format("{}() OVER (...) in a continuous query needs a filter on its result in the "
                      "enclosing query, e.g. WHERE rn <= 10 (a streaming top-N); without it "
                      "every row's rank changes forever",
                      f),
          "wrap it: SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY c) AS rn "
          "FROM s) WHERE rn <= N, or run it as an ad-hoc SELECT");
    }
    PlanPtr out = p;
    for (size_t i = 0; i < p->inputs.size(); ++i) {
      LAMINAR_ASSIGN_OR_RETURN(auto in, Rewrite(p->inputs[i]));
      if (in != p->inputs[i]) {
        if (out == p) out = std::make_shared<PlanNode>(*p);
        out->inputs[i] = in;
      }
    }
    return out;
  }

  // Marks whether each top-N node's rank column reaches the output (`used`: the columns of `p`
  // the query's result depends on) and rejects aggregates over a top-N's updates.
  Status MarkRankOutput(const PlanPtr& p, std::vector<bool> used) {
    auto all = [](const PlanPtr& n) {
      return std::vector<bool>(static_cast<size_t>(n->schema->num_fields()), true);
    };
    switch (p->kind) {
      case PlanKind::kWindow:
        if (p->top_n >= 0) {
          const size_t rank = static_cast<size_t>(p->schema->num_fields() - 1);
          p->top_n_rank_output = rank < used.size() && used[rank];
        }
        return MarkRankOutput(p->inputs[0], all(p->inputs[0]));
      case PlanKind::kProject: {
        std::vector<bool> in(static_cast<size_t>(p->inputs[0]->schema->num_fields()), false);
        for (size_t i = 0; i < p->exprs.size(); ++i) {
          if (i < used.size() && !used[i]) continue;
          std::vector<int> refs;
          fn::CollectColumnRefs(*p->exprs[i], &refs);
          for (int r : refs) {
            if (r >= 0 && static_cast<size_t>(r) < in.size()) in[static_cast<size_t>(r)] = true;
          }
        }
        return MarkRankOutput(p->inputs[0], std::move(in));
      }
      case PlanKind::kFilter: {
        std::vector<int> refs;
        fn::CollectColumnRefs(*p->predicate, &refs);
        for (int r : refs) {
          if (r >= 0 && static_cast<size_t>(r) < used.size()) used[static_cast<size_t>(r)] = true;
        }
        return MarkRankOutput(p->inputs[0], std::move(used));
      }
      case PlanKind::kAggregate:
        if (ContainsTopN(p->inputs[0])) {
          return TopNError(
              "an aggregate over a top-N in the same continuous query is not supported",
              "create the top-N as its own stream with EMIT CHANGES and aggregate that stream "
              "(its retractions keep the aggregate exact)");
        }
        [[fallthrough]];
      default:
        for (const auto& in : p->inputs) LAMINAR_RETURN_NOT_OK(MarkRankOutput(in, all(in)));
        return Status::OK();
    }
  }

  bool found() const { return found_; }
  bool updating() const { return updating_; }

 private:
  static bool ContainsTopN(const PlanPtr& p) {
    if (p->kind == PlanKind::kWindow && p->top_n >= 0) return true;
    for (const auto& in : p->inputs) {
      if (ContainsTopN(in)) return true;
    }
    return false;
  }

  Status CheckWindow(const PlanNode& win) const {
    if (win.analytics.size() != 1) {
      return TopNError("a top-N query may compute only one ranking function",
                       "compute the other window functions in an ad-hoc SELECT");
    }
    const AnalyticCall& call = win.analytics[0];
    const std::string f = ToUpper(call.function);
    if (!IsRanking(call.function)) {
      return TopNError(fmt::format("{}() OVER (...) is not supported in a continuous query", f),
                       "use ROW_NUMBER, RANK or DENSE_RANK with a rank filter");
    }
    if (call.order_by.empty()) {
      return TopNError(
          fmt::format("{}() OVER (...) in a continuous query needs ORDER BY: without it the "
                      "top-N rows are arbitrary",
                      f),
          "add ORDER BY inside OVER (...), e.g. ORDER BY price DESC");
    }
    const bool closing = info_.emit == EmitKind::kOnWindowClose || info_.emit == EmitKind::kFinal ||
                         info_.emit == EmitKind::kAfterWatermark ||
                         info_.emit == EmitKind::kOnWatermark;
    if (closing) {
      return TopNError(
          fmt::format("EMIT {} is not supported for a top-N query", EmitKindName(info_.emit)),
          "a top-N emits its changes on every update (default) or as a changelog (EMIT CHANGES)");
    }
    if (call.function != "row_number" && info_.emit != EmitKind::kChanges) {
      return TopNError(
          fmt::format("a {} top-N needs EMIT CHANGES: tied rows can leave the top N without a "
                      "replacement, which only a changelog can express",
                      f),
          "add EMIT CHANGES, or use ROW_NUMBER()");
    }
    return Status::OK();
  }

  Status CheckInput(const PlanPtr& p) const {
    if (p->kind == PlanKind::kScan) {
      const RelationInfo* rel = catalog_.FindRelation(p->relation);
      if (rel != nullptr && rel->changelog) {
        return TopNError(fmt::format("a top-N over the changelog stream '{}' is not supported: a "
                                     "retracted row would need every other row of its partition",
                                     rel->name),
                         "rank an append-only stream (EMIT ON WINDOW CLOSE, or no aggregate)");
      }
    }
    for (const auto& in : p->inputs) LAMINAR_RETURN_NOT_OK(CheckInput(in));
    return Status::OK();
  }

  const CatalogView& catalog_;
  const StreamingInfo& info_;
  bool found_ = false;
  bool updating_ = false;  // some top-N updates rows it emitted (not an append-only dedup)
};

}  // namespace

Result<PlanPtr> PlanStreamingTopN(const PlanPtr& plan, const CatalogView& catalog,
                                  StreamingInfo* info) {
  TopNPlanner planner(catalog, *info);
  LAMINAR_ASSIGN_OR_RETURN(auto out, planner.Rewrite(plan));
  if (!planner.found()) return out;
  LAMINAR_RETURN_NOT_OK(planner.MarkRankOutput(
      out, std::vector<bool>(static_cast<size_t>(out->schema->num_fields()), true)));
  info->top_n = true;
  info->append_only = !planner.updating() && info->emit != EmitKind::kChanges;
  return out;
}

}  // namespace laminar::sql
