#include "execution/batch_executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "execution/operator.h"
#include "execution/unnest_operator.h"
#include "function/evaluator.h"

namespace laminar::execution {

using columnar::RecordBatch;
using columnar::RecordBatchPtr;
using columnar::Scalar;

namespace {

Result<RecordBatchPtr> Run(const sql::PlanPtr& plan, const ScanProvider& scan);

// ---------------------------------------------------------------------------------------------
// Rows as keys (set operations, subquery caches): NULLs compare equal to each other, as in
// SQL's "not distinct" comparison used by INTERSECT/EXCEPT and GROUP BY.

using Row = std::vector<Scalar>;

struct RowLess {
  bool operator()(const Row& a, const Row& b) const {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (a[i].is_null() != b[i].is_null()) return a[i].is_null();
      if (a[i].is_null()) continue;
      int c = columnar::CompareScalars(a[i], b[i]);
      if (c != 0) return c < 0;
    }
    return a.size() < b.size();
  }
};

Row RowAt(const RecordBatch& b, int64_t r) {
  Row row;
  row.reserve(static_cast<size_t>(b.num_columns()));
  for (int c = 0; c < b.num_columns(); ++c) row.push_back(columnar::GetScalar(*b.column(c), r));
  return row;
}

// ---------------------------------------------------------------------------------------------
// Subqueries: the binder leaves placeholder calls in expressions (see logical_plan.h); they are
// replaced by constants here before a plan is compiled.

/// The result of running one subquery.
struct SubqueryValue {
  sql::SubqueryKind kind = sql::SubqueryKind::kScalar;
  Scalar value;             // kScalar: the value (NULL when no row); kExists: BOOLEAN
  std::vector<Scalar> set;  // kIn: the subquery's values
};

Result<SubqueryValue> EvaluateSubquery(const sql::PlanPtr& plan, sql::SubqueryKind kind,
                                       const ScanProvider& scan) {
  LAMINAR_ASSIGN_OR_RETURN(auto batch, Run(plan, scan));
  SubqueryValue v;
  v.kind = kind;
  const int64_t n = batch->num_rows();
  switch (kind) {
    case sql::SubqueryKind::kExists:
      v.value = Scalar::Boolean(n > 0);
      break;
    case sql::SubqueryKind::kScalar:
      if (n > 1) {
        return Status::Invalid(
            fmt::format("scalar subquery returned {} rows; it must return at most one (add an "
                        "aggregate, a WHERE on a key, or LIMIT 1)",
                        n),
            ErrorCode::kQueryExecutionFailed);
      }
      v.value = n == 0 ? Scalar::Null(plan->schema->field(0)->type)
                       : columnar::GetScalar(*batch->column(0), 0);
      break;
    case sql::SubqueryKind::kIn:
      v.set.reserve(static_cast<size_t>(n));
      for (int64_t r = 0; r < n; ++r) v.set.push_back(columnar::GetScalar(*batch->column(0), r));
      break;
  }
  return v;
}

/// What to substitute: values of uncorrelated subqueries by id, and/or the current outer row
/// of a correlated one.
struct Substitution {
  const std::map<int, SubqueryValue>* subqueries = nullptr;
  const Row* outer = nullptr;
};

Result<Scalar> Retype(const Scalar& v, const columnar::DataTypePtr& type) {
  if (v.type()->Equals(*type)) return v;
  if (v.is_null()) return Scalar::Null(type);
  return function::CastScalar(v, type, false);
}

Result<sql::BExpr> SubstituteExpr(const sql::BExpr& e, const Substitution& s) {
  if (!e) return e;
  if (e->kind == function::ExprKind::kCall && !e->args.empty() &&
      e->args.back()->kind == function::ExprKind::kLiteral) {
    const std::string& f = e->function_name;
    if (f == sql::kOuterRefPlaceholder && s.outer != nullptr) {
      const int64_t col = e->args[0]->literal.int_value();
      if (col < 0 || col >= static_cast<int64_t>(s.outer->size())) {
        return Status::Internal("outer column reference out of range");
      }
      LAMINAR_ASSIGN_OR_RETURN(auto v, Retype((*s.outer)[static_cast<size_t>(col)], e->type));
      return function::Literal(std::move(v));
    }
    if ((f == sql::kSubqueryPlaceholder || f == sql::kSubqueryInPlaceholder) &&
        s.subqueries != nullptr) {
      auto it = s.subqueries->find(static_cast<int>(e->args.back()->literal.int_value()));
      if (it != s.subqueries->end()) {
        const SubqueryValue& v = it->second;
        if (f == sql::kSubqueryPlaceholder) {
          LAMINAR_ASSIGN_OR_RETURN(auto lit, Retype(v.value, e->type));
          return function::Literal(std::move(lit));
        }
        // x IN (values): the evaluator's IN list has the SQL three-valued result; an empty
        // subquery makes it FALSE even for a NULL x.
        LAMINAR_ASSIGN_OR_RETURN(auto x, SubstituteExpr(e->args[0], s));
        if (v.set.empty()) return function::Literal(Scalar::Boolean(false));
        std::vector<sql::BExpr> items;
        items.reserve(v.set.size());
        for (const auto& item : v.set) {
          LAMINAR_ASSIGN_OR_RETURN(auto lit, Retype(item, x->type));
          items.push_back(function::Literal(std::move(lit)));
        }
        return function::MakeInList(x, std::move(items), false);
      }
    }
  }
  bool changed = false;
  std::vector<sql::BExpr> args;
  args.reserve(e->args.size());
  for (const auto& a : e->args) {
    LAMINAR_ASSIGN_OR_RETURN(auto b, SubstituteExpr(a, s));
    changed |= b != a;
    args.push_back(std::move(b));
  }
  if (!changed) return e;
  auto copy = std::make_shared<function::Expr>(*e);
  copy->args = std::move(args);
  return sql::BExpr(std::move(copy));
}

Status SubstituteAll(std::vector<sql::BExpr>* exprs, const Substitution& s) {
  for (auto& e : *exprs) {
    LAMINAR_ASSIGN_OR_RETURN(e, SubstituteExpr(e, s));
  }
  return Status::OK();
}

/// A copy of `plan` with the placeholders replaced. With an outer row, the subquery input of
/// nested kApply nodes is left alone: its outer references belong to that node.
Result<sql::PlanPtr> SubstitutePlan(const sql::PlanPtr& plan, const Substitution& s) {
  auto n = std::make_shared<sql::PlanNode>(*plan);
  LAMINAR_ASSIGN_OR_RETURN(n->predicate, SubstituteExpr(n->predicate, s));
  LAMINAR_RETURN_NOT_OK(SubstituteAll(&n->exprs, s));
  LAMINAR_RETURN_NOT_OK(SubstituteAll(&n->group_exprs, s));
  LAMINAR_ASSIGN_OR_RETURN(n->window.time_expr, SubstituteExpr(n->window.time_expr, s));
  for (auto& a : n->aggregates) {
    LAMINAR_RETURN_NOT_OK(SubstituteAll(&a.args, s));
    LAMINAR_ASSIGN_OR_RETURN(a.filter, SubstituteExpr(a.filter, s));
  }
  for (auto& row : n->rows) LAMINAR_RETURN_NOT_OK(SubstituteAll(&row, s));
  LAMINAR_ASSIGN_OR_RETURN(n->join_condition, SubstituteExpr(n->join_condition, s));
  LAMINAR_RETURN_NOT_OK(SubstituteAll(&n->join.left_keys, s));
  LAMINAR_RETURN_NOT_OK(SubstituteAll(&n->join.right_keys, s));
  for (auto& a : n->analytics) {
    LAMINAR_RETURN_NOT_OK(SubstituteAll(&a.args, s));
    LAMINAR_RETURN_NOT_OK(SubstituteAll(&a.partition_by, s));
    LAMINAR_RETURN_NOT_OK(SubstituteAll(&a.order_by, s));
  }
  LAMINAR_ASSIGN_OR_RETURN(n->apply_operand, SubstituteExpr(n->apply_operand, s));
  for (size_t i = 0; i < n->inputs.size(); ++i) {
    if (s.outer != nullptr && n->kind == sql::PlanKind::kApply && i == 1) continue;
    LAMINAR_ASSIGN_OR_RETURN(n->inputs[i], SubstitutePlan(n->inputs[i], s));
  }
  return sql::PlanPtr(std::move(n));
}

// Outer columns a correlated subquery reads (same traversal rule as SubstitutePlan).
void CollectOuterRefs(const sql::BExpr& e, std::set<int>* out) {
  if (!e) return;
  if (e->kind == function::ExprKind::kCall && e->function_name == sql::kOuterRefPlaceholder &&
      e->args.size() == 1 && e->args[0]->kind == function::ExprKind::kLiteral) {
    out->insert(static_cast<int>(e->args[0]->literal.int_value()));
    return;
  }
  for (const auto& a : e->args) CollectOuterRefs(a, out);
}

void CollectOuterRefs(const sql::PlanNode& n, std::set<int>* out) {
  auto all = [&](const std::vector<sql::BExpr>& v) {
    for (const auto& e : v) CollectOuterRefs(e, out);
  };
  CollectOuterRefs(n.predicate, out);
  all(n.exprs);
  all(n.group_exprs);
  CollectOuterRefs(n.window.time_expr, out);
  for (const auto& a : n.aggregates) {
    all(a.args);
    CollectOuterRefs(a.filter, out);
  }
  for (const auto& row : n.rows) all(row);
  CollectOuterRefs(n.join_condition, out);
  all(n.join.left_keys);
  all(n.join.right_keys);
  for (const auto& a : n.analytics) {
    all(a.args);
    all(a.partition_by);
    all(a.order_by);
  }
  CollectOuterRefs(n.apply_operand, out);
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.kind == sql::PlanKind::kApply && i == 1) continue;
    CollectOuterRefs(*n.inputs[i], out);
  }
}

// `x IN set` with SQL's three-valued result.
Scalar InSet(const Scalar& x, const std::vector<Scalar>& set) {
  if (set.empty()) return Scalar::Boolean(false);
  if (x.is_null()) return Scalar::Null(columnar::boolean());
  bool saw_null = false;
  for (const auto& v : set) {
    if (v.is_null()) {
      saw_null = true;
    } else if (columnar::CompareScalars(x, v) == 0) {
      return Scalar::Boolean(true);
    }
  }
  return saw_null ? Scalar::Null(columnar::boolean()) : Scalar::Boolean(false);
}

// Runs a correlated subquery once per distinct combination of the outer columns it reads and
// appends its result to each outer row.
Result<RecordBatchPtr> RunApply(const sql::PlanNode& node, const ScanProvider& scan) {
  LAMINAR_ASSIGN_OR_RETURN(auto in, Run(node.inputs[0], scan));
  std::set<int> refs;
  CollectOuterRefs(*node.inputs[1], &refs);
  columnar::ArrayPtr operand;
  if (node.apply_kind == sql::SubqueryKind::kIn) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, function::CompiledExpression::Compile(node.apply_operand));
    LAMINAR_ASSIGN_OR_RETURN(operand, c->Evaluate(*in));
  }
  std::map<Row, SubqueryValue, RowLess> cache;
  const auto& out_type = node.schema->field(node.schema->num_fields() - 1)->type;
  std::vector<Scalar> results;
  results.reserve(static_cast<size_t>(in->num_rows()));
  Row outer(static_cast<size_t>(in->num_columns()), Scalar::Null(columnar::null_type()));
  for (int64_t r = 0; r < in->num_rows(); ++r) {
    Row key;
    for (int c : refs) {
      if (c < 0 || c >= in->num_columns()) return Status::Internal("bad outer column reference");
      key.push_back(columnar::GetScalar(*in->column(c), r));
    }
    auto it = cache.find(key);
    if (it == cache.end()) {
      size_t k = 0;
      for (int c : refs) outer[static_cast<size_t>(c)] = key[k++];
      Substitution s;
      s.outer = &outer;
      LAMINAR_ASSIGN_OR_RETURN(auto sub, SubstitutePlan(node.inputs[1], s));
      LAMINAR_ASSIGN_OR_RETURN(auto v, EvaluateSubquery(sub, node.apply_kind, scan));
      it = cache.emplace(std::move(key), std::move(v)).first;
    }
    const SubqueryValue& v = it->second;
    if (node.apply_kind == sql::SubqueryKind::kIn) {
      results.push_back(InSet(columnar::GetScalar(*operand, r), v.set));
    } else {
      LAMINAR_ASSIGN_OR_RETURN(auto val, Retype(v.value, out_type));
      results.push_back(std::move(val));
    }
  }
  LAMINAR_ASSIGN_OR_RETURN(auto col, columnar::ArrayFromScalars(out_type, results));
  std::vector<columnar::ArrayPtr> cols = in->columns();
  cols.push_back(col);
  return std::make_shared<const RecordBatch>(node.schema, in->num_rows(), std::move(cols));
}

// INTERSECT / EXCEPT [ALL]: rows compared as a whole, NULLs equal.
Result<RecordBatchPtr> RunSetOp(const sql::PlanNode& node, const RecordBatchPtr& l,
                                const RecordBatchPtr& r) {
  std::map<Row, int64_t, RowLess> right_counts;
  for (int64_t i = 0; i < r->num_rows(); ++i) ++right_counts[RowAt(*r, i)];
  std::set<Row, RowLess> emitted;  // DISTINCT: each row once
  std::vector<int32_t> keep;
  const bool intersect = node.set_op == sql::SetOpKind::kIntersect;
  for (int64_t i = 0; i < l->num_rows(); ++i) {
    Row row = RowAt(*l, i);
    auto it = right_counts.find(row);
    const bool in_right = it != right_counts.end() && it->second > 0;
    if (node.union_all) {
      if (in_right) --it->second;
      if (in_right == intersect) keep.push_back(static_cast<int32_t>(i));
      continue;
    }
    if (in_right != intersect || emitted.count(row)) continue;
    emitted.insert(std::move(row));
    keep.push_back(static_cast<int32_t>(i));
  }
  return columnar::Take(*l, keep)->WithSchema(node.schema);
}

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
    case sql::PlanKind::kSubqueries: {
      std::map<int, SubqueryValue> values;
      for (size_t i = 1; i < plan->inputs.size(); ++i) {
        LAMINAR_ASSIGN_OR_RETURN(
            auto v, EvaluateSubquery(plan->inputs[i], plan->subquery_kinds[i - 1], scan));
        values.emplace(plan->subquery_ids[i - 1], std::move(v));
      }
      Substitution s;
      s.subqueries = &values;
      LAMINAR_ASSIGN_OR_RETURN(auto main, SubstitutePlan(plan->inputs[0], s));
      return Run(main, scan);
    }
    case sql::PlanKind::kApply:
      return RunApply(*plan, scan);
    case sql::PlanKind::kWindow: {
      LAMINAR_ASSIGN_OR_RETURN(auto in, Run(plan->inputs[0], scan));
      return RunWindow(*plan, in);
    }
    case sql::PlanKind::kScan: {
      LAMINAR_ASSIGN_OR_RETURN(auto batches, scan(plan->relation));
      if (!plan->scan_columns.empty()) {
        // Projection push-down: keep only the columns the query reads.
        for (auto& b : batches) {
          if (!b) continue;
          std::vector<columnar::ArrayPtr> cols;
          for (int c : plan->scan_columns) {
            if (c < 0 || c >= b->num_columns()) {
              return Status::Internal("scan column out of range for " + plan->relation);
            }
            cols.push_back(b->column(c));
          }
          b = std::make_shared<const RecordBatch>(plan->schema, b->num_rows(), std::move(cols));
        }
      }
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
    case sql::PlanKind::kUnnest: {
      LAMINAR_ASSIGN_OR_RETURN(auto in, Run(plan->inputs[0], scan));
      LAMINAR_ASSIGN_OR_RETURN(auto op, UnnestOperator::Make(*plan));
      Delta d;
      d.batch = in;
      LAMINAR_ASSIGN_OR_RETURN(auto out, op->Apply(d));
      return out.batch;
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
      if (plan->set_op != sql::SetOpKind::kUnion) return RunSetOp(*plan, l, r);
      return Combine(plan->schema, {l, r});
    }
    case sql::PlanKind::kJoin: {
      LAMINAR_ASSIGN_OR_RETURN(auto l, Run(plan->inputs[0], scan));
      LAMINAR_ASSIGN_OR_RETURN(auto r, Run(plan->inputs[1], scan));
      // Ad-hoc joins over the current contents of both inputs.
      const sql::JoinKind kind = plan->join_kind;
      if (kind == sql::JoinKind::kRightSemi || kind == sql::JoinKind::kRightAnti ||
          kind == sql::JoinKind::kAsof || kind == sql::JoinKind::kTemporalProbe) {
        return Status::NotImplemented(
            fmt::format("{} JOIN is not supported in ad-hoc queries", sql::JoinKindName(kind)),
            ErrorCode::kJoinTypeUnsupported);
      }
      // Candidate pairs: with equi-join keys, only pairs whose keys are equal (hash join on the
      // right side; NULL keys never match); otherwise the cross product. The full join
      // condition is then checked on the candidates.
      std::vector<int32_t> li, ri;
      const auto& jk = plan->join;
      if (!jk.left_keys.empty() && jk.left_keys.size() == jk.right_keys.size()) {
        auto eval_keys = [](const std::vector<sql::BExpr>& exprs,
                            const RecordBatch& b) -> Result<std::vector<columnar::ArrayPtr>> {
          std::vector<columnar::ArrayPtr> out;
          for (const auto& e : exprs) {
            LAMINAR_ASSIGN_OR_RETURN(auto c, function::CompiledExpression::Compile(e));
            LAMINAR_ASSIGN_OR_RETURN(auto a, c->Evaluate(b));
            out.push_back(std::move(a));
          }
          return out;
        };
        LAMINAR_ASSIGN_OR_RETURN(auto lkeys, eval_keys(jk.left_keys, *l));
        LAMINAR_ASSIGN_OR_RETURN(auto rkeys, eval_keys(jk.right_keys, *r));
        auto key_at = [](const std::vector<columnar::ArrayPtr>& keys, int64_t row, Row* out) {
          out->clear();
          for (const auto& k : keys) {
            out->push_back(columnar::GetScalar(*k, row));
            if (out->back().is_null()) return false;
          }
          return true;
        };
        std::map<Row, std::vector<int32_t>, RowLess> right_index;
        Row key;
        for (int64_t b = 0; b < r->num_rows(); ++b) {
          if (key_at(rkeys, b, &key)) right_index[key].push_back(static_cast<int32_t>(b));
        }
        for (int64_t a = 0; a < l->num_rows(); ++a) {
          if (!key_at(lkeys, a, &key)) continue;
          auto it = right_index.find(key);
          if (it == right_index.end()) continue;
          for (int32_t b : it->second) {
            li.push_back(static_cast<int32_t>(a));
            ri.push_back(b);
          }
        }
      } else {
        for (int64_t a = 0; a < l->num_rows(); ++a) {
          for (int64_t b = 0; b < r->num_rows(); ++b) {
            li.push_back(static_cast<int32_t>(a));
            ri.push_back(static_cast<int32_t>(b));
          }
        }
      }
      std::vector<columnar::FieldPtr> both_fields = l->schema()->fields();
      for (const auto& f : r->schema()->fields()) both_fields.push_back(f);
      auto both_schema = std::make_shared<columnar::Schema>(std::move(both_fields));
      auto lt = columnar::Take(*l, li);
      auto rt = columnar::Take(*r, ri);
      std::vector<columnar::ArrayPtr> cols = lt->columns();
      for (const auto& c : rt->columns()) cols.push_back(c);
      auto cross =
          std::make_shared<const RecordBatch>(both_schema, static_cast<int64_t>(li.size()), cols);
      std::vector<int32_t> sel;
      if (plan->join_condition) {
        LAMINAR_ASSIGN_OR_RETURN(auto pred,
                                 function::CompiledExpression::Compile(plan->join_condition));
        LAMINAR_ASSIGN_OR_RETURN(sel, function::EvaluateFilter(*pred, *cross));
      } else {
        sel.resize(li.size());
        for (size_t i = 0; i < sel.size(); ++i) sel[i] = static_cast<int32_t>(i);
      }
      std::vector<bool> left_hit(static_cast<size_t>(l->num_rows()), false);
      std::vector<bool> right_hit(static_cast<size_t>(r->num_rows()), false);
      for (int32_t x : sel) {
        left_hit[static_cast<size_t>(li[static_cast<size_t>(x)])] = true;
        right_hit[static_cast<size_t>(ri[static_cast<size_t>(x)])] = true;
      }
      if (kind == sql::JoinKind::kLeftSemi || kind == sql::JoinKind::kLeftAnti) {
        std::vector<int32_t> keep;
        for (int64_t a = 0; a < l->num_rows(); ++a) {
          if (left_hit[static_cast<size_t>(a)] == (kind == sql::JoinKind::kLeftSemi)) {
            keep.push_back(static_cast<int32_t>(a));
          }
        }
        return columnar::Take(*l, keep)->WithSchema(plan->schema);
      }
      std::vector<RecordBatchPtr> parts = {columnar::Take(*cross, sel)->WithSchema(plan->schema)};
      const bool keep_left = kind == sql::JoinKind::kLeft || kind == sql::JoinKind::kFull;
      const bool keep_right = kind == sql::JoinKind::kRight || kind == sql::JoinKind::kFull;
      if (keep_left) {
        std::vector<int32_t> miss;
        for (int64_t a = 0; a < l->num_rows(); ++a) {
          if (!left_hit[static_cast<size_t>(a)]) miss.push_back(static_cast<int32_t>(a));
        }
        if (!miss.empty()) {
          std::vector<columnar::ArrayPtr> mcols = columnar::Take(*l, miss)->columns();
          for (const auto& f : r->schema()->fields())
            mcols.push_back(columnar::MakeNullArray(f->type, static_cast<int64_t>(miss.size())));
          parts.push_back(std::make_shared<const RecordBatch>(
              plan->schema, static_cast<int64_t>(miss.size()), mcols));
        }
      }
      if (keep_right) {
        std::vector<int32_t> miss;
        for (int64_t b = 0; b < r->num_rows(); ++b) {
          if (!right_hit[static_cast<size_t>(b)]) miss.push_back(static_cast<int32_t>(b));
        }
        if (!miss.empty()) {
          std::vector<columnar::ArrayPtr> mcols;
          for (const auto& f : l->schema()->fields())
            mcols.push_back(columnar::MakeNullArray(f->type, static_cast<int64_t>(miss.size())));
          auto right_rows = columnar::Take(*r, miss);
          for (const auto& c : right_rows->columns()) mcols.push_back(c);
          parts.push_back(std::make_shared<const RecordBatch>(
              plan->schema, static_cast<int64_t>(miss.size()), mcols));
        }
      }
      return Combine(plan->schema, parts);
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
