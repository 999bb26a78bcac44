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

Result<RecordBatchPtr> Run(const sql::PlanPtr& plan, const ScanProvider& scan) {
  switch (plan->kind) {
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
