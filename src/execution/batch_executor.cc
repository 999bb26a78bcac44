#include "execution/batch_executor.h"

#include <algorithm>
#include <set>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "execution/operator.h"
#include "function/evaluator.h"

namespace laminar::execution {

using columnar::RecordBatch;
using columnar::RecordBatchPtr;
using columnar::Scalar;

namespace {

Result<RecordBatchPtr> Combine(const columnar::SchemaPtr& schema,
                               const std::vector<RecordBatchPtr>& batches) {
  std::vector<RecordBatchPtr> parts;
  for (const auto& b : batches) {
    if (b && b->num_rows() > 0) parts.push_back(b->WithSchema(schema));
  }
  if (parts.empty()) return RecordBatch::MakeEmpty(schema);
  return columnar::Concatenate(parts);
}

// Analytic functions over one batch: sort by (partition, order), walk each partition.
Result<RecordBatchPtr> RunWindow(const sql::PlanNode& node, const RecordBatchPtr& in) {
  const int64_t n = in->num_rows();
  std::vector<columnar::ArrayPtr> cols = in->columns();
  auto eval_all =
      [&](const std::vector<sql::BExpr>& exprs) -> Result<std::vector<columnar::ArrayPtr>> {
    std::vector<columnar::ArrayPtr> out;
    for (const auto& e : exprs) {
      LAMINAR_ASSIGN_OR_RETURN(auto c, function::CompiledExpression::Compile(e));
      LAMINAR_ASSIGN_OR_RETURN(auto a, c->Evaluate(*in));
      out.push_back(a);
    }
    return out;
  };
  for (const auto& call : node.analytics) {
    LAMINAR_ASSIGN_OR_RETURN(auto parts, eval_all(call.partition_by));
    LAMINAR_ASSIGN_OR_RETURN(auto orders, eval_all(call.order_by));
    LAMINAR_ASSIGN_OR_RETURN(auto args, eval_all(call.args));
    auto row_key = [&](const std::vector<columnar::ArrayPtr>& arrs, int64_t r) {
      std::vector<Scalar> k;
      for (const auto& a : arrs) k.push_back(columnar::GetScalar(*a, r));
      return k;
    };
    std::vector<std::vector<Scalar>> pk(static_cast<size_t>(n)), ok(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r) {
      pk[static_cast<size_t>(r)] = row_key(parts, r);
      ok[static_cast<size_t>(r)] = row_key(orders, r);
    }
    auto cmp_keys = [](const std::vector<Scalar>& a, const std::vector<Scalar>& b,
                       const std::vector<bool>* desc) {
      for (size_t i = 0; i < a.size(); ++i) {
        int c = columnar::CompareScalars(a[i], b[i]);
        if (c != 0) return (desc != nullptr && (*desc)[i]) ? -c : c;
      }
      return 0;
    };
    std::vector<int32_t> idx(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = static_cast<int32_t>(i);
    std::stable_sort(idx.begin(), idx.end(), [&](int32_t a, int32_t b) {
      int c = cmp_keys(pk[static_cast<size_t>(a)], pk[static_cast<size_t>(b)], nullptr);
      if (c != 0) return c < 0;
      return cmp_keys(ok[static_cast<size_t>(a)], ok[static_cast<size_t>(b)], &call.descending) < 0;
    });
    std::vector<Scalar> result(static_cast<size_t>(n), Scalar::Null(call.type));
    const std::string& f = call.function;
    size_t p0 = 0;
    while (p0 < idx.size()) {
      size_t p1 = p0 + 1;
      while (p1 < idx.size() && cmp_keys(pk[static_cast<size_t>(idx[p0])],
                                         pk[static_cast<size_t>(idx[p1])], nullptr) == 0)
        ++p1;
      const int64_t len = static_cast<int64_t>(p1 - p0);
      auto at = [&](int64_t pos) { return idx[p0 + static_cast<size_t>(pos)]; };
      auto peers_end = [&](int64_t pos) {  // last position with equal order keys
        int64_t e = pos;
        while (e + 1 < len && cmp_keys(ok[static_cast<size_t>(at(e + 1))],
                                       ok[static_cast<size_t>(at(pos))], nullptr) == 0)
          ++e;
        return e;
      };
      int64_t rank = 0, dense = 0;
      for (int64_t i = 0; i < len; ++i) {
        const int32_t row = at(i);
        bool new_peer = i == 0 || cmp_keys(ok[static_cast<size_t>(at(i - 1))],
                                           ok[static_cast<size_t>(row)], nullptr) != 0;
        if (new_peer) {
          rank = i + 1;
          ++dense;
        }
        Scalar& out = result[static_cast<size_t>(row)];
        if (f == "row_number") {
          out = Scalar(call.type, int64_t{i + 1});
          continue;
        }
        if (f == "rank") {
          out = Scalar(call.type, rank);
          continue;
        }
        if (f == "dense_rank") {
          out = Scalar(call.type, dense);
          continue;
        }
        if (f == "lag" || f == "lead") {
          int64_t off = 1;
          if (args.size() >= 2) {
            Scalar o = columnar::GetScalar(*args[1], row);
            if (!o.is_null()) off = static_cast<int64_t>(o.ToDouble());
          }
          int64_t j = f == "lag" ? i - off : i + off;
          if (j >= 0 && j < len) {
            out = columnar::GetScalar(*args[0], at(j));
          } else if (args.size() >= 3) {
            out = columnar::GetScalar(*args[2], row);
          }
          continue;
        }
        // Frame [lo, hi] in partition positions.
        int64_t lo = 0, hi = len - 1;
        if (call.has_frame && !call.range_frame) {
          lo = call.frame_start == INT64_MIN ? 0 : std::max<int64_t>(0, i + call.frame_start);
          hi = call.frame_end == INT64_MAX ? len - 1
                                           : std::min<int64_t>(len - 1, i + call.frame_end);
        } else if (!call.order_by.empty()) {
          // Default frame with ORDER BY: RANGE UNBOUNDED PRECEDING .. CURRENT ROW (with peers).
          lo = call.has_frame && call.frame_start != INT64_MIN ? i : 0;
          hi = call.has_frame && call.frame_end == INT64_MAX ? len - 1 : peers_end(i);
        }
        if (lo > hi) continue;
        if (f == "first_value") {
          out = columnar::GetScalar(*args[0], at(lo));
          continue;
        }
        if (f == "last_value") {
          out = columnar::GetScalar(*args[0], at(hi));
          continue;
        }
        if (f == "nth_value") {
          int64_t k = args.size() >= 2
                          ? static_cast<int64_t>(columnar::GetScalar(*args[1], row).ToDouble())
                          : 1;
          if (k >= 1 && lo + k - 1 <= hi) out = columnar::GetScalar(*args[0], at(lo + k - 1));
          continue;
        }
        int64_t count = 0;
        double dsum = 0;
        int64_t isum = 0;
        Scalar best = Scalar::Null(call.type);
        for (int64_t j = lo; j <= hi; ++j) {
          if (call.count_star) {
            ++count;
            continue;
          }
          Scalar v = columnar::GetScalar(*args[0], at(j));
          if (v.is_null()) continue;
          ++count;
          if (f == "sum" || f == "avg") {
            if (auto* x = std::get_if<int64_t>(&v.storage())) {
              isum += *x;
              dsum += static_cast<double>(*x);
            } else {
              dsum += v.ToDouble();
            }
          } else if (f == "min" || f == "max") {
            int c = best.is_null() ? 1 : columnar::CompareScalars(v, best);
            if (best.is_null() || (f == "min" ? c < 0 : c > 0)) best = v;
          }
        }
        if (f == "count") {
          out = Scalar(call.type, count);
        } else if (count == 0) {
          continue;
        } else if (f == "avg") {
          out = Scalar(call.type, dsum / static_cast<double>(count));
        } else if (f == "sum") {
          out = call.type->is_integer() ? Scalar(call.type, isum) : Scalar(call.type, dsum);
        } else {
          out = Scalar(call.type, best.storage());
        }
      }
      p0 = p1;
    }
    LAMINAR_ASSIGN_OR_RETURN(auto arr, columnar::ArrayFromScalars(call.type, result));
    cols.push_back(arr);
  }
  return std::make_shared<const RecordBatch>(node.schema, n, std::move(cols));
}

Result<RecordBatchPtr> Run(const sql::PlanPtr& plan, const ScanProvider& scan) {
  switch (plan->kind) {
    case sql::PlanKind::kWindow: {
      LAMINAR_ASSIGN_OR_RETURN(auto in, Run(plan->inputs[0], scan));
      return RunWindow(*plan, in);
    }
    case sql::PlanKind::kScan: {
      LAMINAR_ASSIGN_OR_RETURN(auto batches, scan(plan->relation));
      return Combine(plan->schema, batches);
    }
    case sql::PlanKind::kValues: {
      std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders;
      for (const auto& f : plan->schema->fields())
        builders.push_back(columnar::MakeBuilder(f->type));
      for (const auto& row : plan->rows) {
        for (size_t i = 0; i < row.size(); ++i) {
          LAMINAR_ASSIGN_OR_RETURN(auto v, function::EvaluateConstant(row[i]));
          LAMINAR_RETURN_NOT_OK(builders[i]->AppendScalar(v));
        }
      }
      std::vector<columnar::ArrayPtr> cols;
      for (auto& b : builders) cols.push_back(b->Finish());
      return std::make_shared<const RecordBatch>(
          plan->schema, static_cast<int64_t>(plan->rows.size()), std::move(cols));
    }
    case sql::PlanKind::kFilter:
    case sql::PlanKind::kProject: {
      LAMINAR_ASSIGN_OR_RETURN(auto in, Run(plan->inputs[0], scan));
      std::unique_ptr<FilterProjectOperator> op;
      if (plan->kind == sql::PlanKind::kFilter) {
        LAMINAR_ASSIGN_OR_RETURN(op, FilterProjectOperator::MakeFilter(plan->predicate));
      } else {
        LAMINAR_ASSIGN_OR_RETURN(op, FilterProjectOperator::MakeProject(plan->exprs, plan->schema));
      }
      Delta d;
      d.batch = in;
      LAMINAR_ASSIGN_OR_RETURN(auto out, op->Apply(d));
      return out.batch->WithSchema(plan->schema);
    }
    case sql::PlanKind::kAggregate: {
      LAMINAR_ASSIGN_OR_RETURN(auto in, Run(plan->inputs[0], scan));
      AggregateOptions opts;
      LAMINAR_ASSIGN_OR_RETURN(auto op, AggregateOperator::Make(*plan, opts));
      std::vector<Delta> out;
      Delta d;
      d.batch = in;
      if (in->num_rows() > 0) LAMINAR_RETURN_NOT_OK(op->Process(d, &out));
      std::vector<RecordBatchPtr> batches;
      for (auto& o : out) batches.push_back(o.batch);
      if (batches.empty() && plan->group_exprs.empty() &&
          plan->window.kind == sql::WindowKind::kNone && !plan->aggregates.empty()) {
        // A global aggregate over no rows still yields one row (COUNT = 0, others NULL).
        std::vector<columnar::ArrayPtr> cols;
        for (const auto& a : plan->aggregates) {
          auto b = columnar::MakeBuilder(a.type);
          if (a.function == "count") {
            LAMINAR_RETURN_NOT_OK(b->AppendScalar(Scalar::Int64(0)));
          } else {
            b->AppendNull();
          }
          cols.push_back(b->Finish());
        }
        return std::make_shared<const RecordBatch>(plan->schema, 1, std::move(cols));
      }
      return Combine(plan->schema, batches);
    }
    case sql::PlanKind::kSort: {
      LAMINAR_ASSIGN_OR_RETURN(auto in, Run(plan->inputs[0], scan));
      std::vector<std::vector<Scalar>> keys(static_cast<size_t>(in->num_rows()));
      for (int64_t r = 0; r < in->num_rows(); ++r) {
        for (const auto& k : plan->sort_keys)
          keys[static_cast<size_t>(r)].push_back(columnar::GetScalar(*in->column(k.column), r));
      }
      std::vector<int32_t> idx(static_cast<size_t>(in->num_rows()));
      for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int32_t>(i);
      std::stable_sort(idx.begin(), idx.end(), [&](int32_t a, int32_t b) {
        for (size_t k = 0; k < plan->sort_keys.size(); ++k) {
          const auto& key = plan->sort_keys[k];
          const Scalar& x = keys[static_cast<size_t>(a)][k];
          const Scalar& y = keys[static_cast<size_t>(b)][k];
          if (x.is_null() != y.is_null()) return x.is_null() == key.nulls_first;
          int c = columnar::CompareScalars(x, y);
          if (c != 0) return key.descending ? c > 0 : c < 0;
        }
        return false;
      });
      return columnar::Take(*in, idx);
    }
    case sql::PlanKind::kLimit: {
      LAMINAR_ASSIGN_OR_RETURN(auto in, Run(plan->inputs[0], scan));
      int64_t len = plan->limit < 0 ? in->num_rows() : plan->limit;
      return in->Slice(plan->offset, len);
    }
    case sql::PlanKind::kUnion: {
      LAMINAR_ASSIGN_OR_RETURN(auto l, Run(plan->inputs[0], scan));
      LAMINAR_ASSIGN_OR_RETURN(auto r, Run(plan->inputs[1], scan));
      return Combine(plan->schema, {l, r});
    }
    case sql::PlanKind::kJoin: {
      LAMINAR_ASSIGN_OR_RETURN(auto l, Run(plan->inputs[0], scan));
      LAMINAR_ASSIGN_OR_RETURN(auto r, Run(plan->inputs[1], scan));
      // Nested-loop join over the cross product (ad-hoc only).
      std::vector<int32_t> li, ri;
      for (int64_t a = 0; a < l->num_rows(); ++a) {
        for (int64_t b = 0; b < r->num_rows(); ++b) {
          li.push_back(static_cast<int32_t>(a));
          ri.push_back(static_cast<int32_t>(b));
        }
      }
      auto lt = columnar::Take(*l, li);
      auto rt = columnar::Take(*r, ri);
      std::vector<columnar::ArrayPtr> cols = lt->columns();
      for (const auto& c : rt->columns()) cols.push_back(c);
      auto cross =
          std::make_shared<const RecordBatch>(plan->schema, static_cast<int64_t>(li.size()), cols);
      if (!plan->join_condition) return cross;
      LAMINAR_ASSIGN_OR_RETURN(auto pred,
                               function::CompiledExpression::Compile(plan->join_condition));
      LAMINAR_ASSIGN_OR_RETURN(auto sel, function::EvaluateFilter(*pred, *cross));
      auto matched = columnar::Take(*cross, sel);
      if (plan->join_kind == sql::JoinKind::kInner || plan->join_kind == sql::JoinKind::kCross)
        return matched;
      if (plan->join_kind != sql::JoinKind::kLeft) {
        return Status::NotImplemented(
            "only INNER, LEFT and CROSS joins are supported in ad-hoc queries");
      }
      std::set<int32_t> hit;
      for (int32_t s : sel) hit.insert(li[static_cast<size_t>(s)]);
      std::vector<int32_t> miss;
      for (int64_t a = 0; a < l->num_rows(); ++a) {
        if (!hit.count(static_cast<int32_t>(a))) miss.push_back(static_cast<int32_t>(a));
      }
      if (miss.empty()) return matched;
      auto lm = columnar::Take(*l, miss);
      std::vector<columnar::ArrayPtr> mcols = lm->columns();
      for (const auto& f : r->schema()->fields())
        mcols.push_back(columnar::MakeNullArray(f->type, static_cast<int64_t>(miss.size())));
      auto unmatched = std::make_shared<const RecordBatch>(
          plan->schema, static_cast<int64_t>(miss.size()), mcols);
      return Combine(plan->schema, {matched, unmatched});
    }
  }
  return Status::Internal("unknown plan node");
}

}  // namespace

Result<std::vector<RecordBatchPtr>> ExecuteBatchPlan(const sql::PlanPtr& plan,
                                                     const ScanProvider& scan) {
  LAMINAR_ASSIGN_OR_RETURN(auto out, Run(plan, scan));
  return std::vector<RecordBatchPtr>{out};
}

}  // namespace laminar::execution
