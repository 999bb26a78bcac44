#include "sql/planner/planner.h"

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <utility>

#include "function/evaluator.h"
#include "function/registry.h"

namespace laminar::sql {

namespace fn = laminar::function;
using columnar::Field;
using columnar::FieldPtr;
using columnar::Scalar;
using columnar::Schema;
using columnar::TypeId;

std::string PlanRewrites::ToString() const {
  if (notes.empty()) return "none";
  std::string out;
  for (size_t i = 0; i < notes.size(); ++i) out += (i ? "; " : "") + notes[i];
  return out;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Expression helpers

// The binder's subquery placeholders (`__subquery`, `__outer`, ...): constants the executor
// fills in later. They read no column of their operator's input, but must not be folded.
bool IsPlaceholderCall(const fn::Expr& e) {
  return e.kind == fn::ExprKind::kCall && e.function_name.rfind("__", 0) == 0;
}

bool IsVolatileCall(const fn::Expr& e) {
  if (e.kind != fn::ExprKind::kCall) return false;
  const fn::ScalarFunction* f = fn::FunctionRegistry::Global().FindScalar(e.function_name);
  if (f == nullptr) return true;  // unknown to the registry: leave it alone
  for (const auto& sig : f->signatures) {
    if (sig.volatile_result) return true;
  }
  return false;
}

// Deterministic: the same input row always gives the same value (may be duplicated or moved).
bool IsDeterministic(const fn::Expr& e) {
  if (IsVolatileCall(e) && !IsPlaceholderCall(e)) return false;
  for (const auto& a : e.args) {
    if (!IsDeterministic(*a)) return false;
  }
  return true;
}

BExpr WithArgs(const BExpr& e, std::vector<BExpr> args) {
  auto copy = std::make_shared<fn::Expr>(*e);
  copy->args = std::move(args);
  return copy;
}

// Rebuilds `e` with every column reference replaced by `f(ref)`.
BExpr ReplaceColumns(const BExpr& e, const std::function<BExpr(const BExpr&)>& f) {
  if (!e) return e;
  if (e->kind == fn::ExprKind::kColumnRef) return f(e);
  bool changed = false;
  std::vector<BExpr> args;
  args.reserve(e->args.size());
  for (const auto& a : e->args) {
    BExpr b = ReplaceColumns(a, f);
    changed |= b != a;
    args.push_back(std::move(b));
  }
  return changed ? WithArgs(e, std::move(args)) : e;
}

// Column i → column map[i] (map[i] >= 0 for every column the expression reads).
BExpr Remap(const BExpr& e, const std::vector<int>& map) {
  return ReplaceColumns(e, [&](const BExpr& ref) -> BExpr {
    const int i = ref->column_index;
    if (i < 0 || i >= static_cast<int>(map.size()) || map[static_cast<size_t>(i)] < 0 ||
        map[static_cast<size_t>(i)] == i) {
      return ref;
    }
    return fn::ColumnRef(map[static_cast<size_t>(i)], ref->type, ref->name);
  });
}

// Column i → column i + delta.
BExpr Shift(const BExpr& e, int delta) {
  return ReplaceColumns(e, [&](const BExpr& ref) -> BExpr {
    return fn::ColumnRef(ref->column_index + delta, ref->type, ref->name);
  });
}

std::vector<int> Refs(const BExpr& e) {
  std::vector<int> cols;
  if (e) fn::CollectColumnRefs(*e, &cols);
  return cols;
}

void Conjuncts(const BExpr& e, std::vector<BExpr>* out) {
  if (!e) return;
  if (e->kind == fn::ExprKind::kAnd) {
    for (const auto& a : e->args) Conjuncts(a, out);
  } else {
    out->push_back(e);
  }
}

BExpr AndAll(const std::vector<BExpr>& conj) {
  if (conj.empty()) return nullptr;
  if (conj.size() == 1) return conj[0];
  return fn::MakeAnd(conj);
}

std::string ConjText(const std::vector<BExpr>& conj) {
  BExpr e = AndAll(conj);
  return e ? e->ToString() : "";
}

bool IsBoolLiteral(const BExpr& e, bool value) {
  return e && e->kind == fn::ExprKind::kLiteral && !e->literal.is_null() &&
         e->type->id() == TypeId::kBoolean && e->literal.bool_value() == value;
}

BExpr Fold(const BExpr& e, int* folded) {
  if (!e || e->kind == fn::ExprKind::kLiteral || e->kind == fn::ExprKind::kColumnRef) return e;
  bool changed = false;
  std::vector<BExpr> args;
  args.reserve(e->args.size());
  for (const auto& a : e->args) {
    BExpr b = Fold(a, folded);
    changed |= b != a;
    args.push_back(std::move(b));
  }
  BExpr cur = changed ? WithArgs(e, std::move(args)) : e;
  if (cur->kind == fn::ExprKind::kAnd || cur->kind == fn::ExprKind::kOr) {
    // TRUE in an AND (FALSE in an OR) is dropped; FALSE in an AND (TRUE in an OR) decides.
    const bool is_and = cur->kind == fn::ExprKind::kAnd;
    std::vector<BExpr> keep;
    for (const auto& a : cur->args) {
      if (IsBoolLiteral(a, is_and)) {
        ++*folded;
        continue;
      }
      if (IsBoolLiteral(a, !is_and)) {
        ++*folded;
        return fn::Literal(Scalar::Boolean(!is_and));
      }
      keep.push_back(a);
    }
    if (keep.size() == cur->args.size()) return cur;
    if (keep.empty()) return fn::Literal(Scalar::Boolean(is_and));
    if (keep.size() == 1) return keep[0];
    return is_and ? fn::MakeAnd(std::move(keep)) : fn::MakeOr(std::move(keep));
  }
  if (IsPlaceholderCall(*cur) || IsVolatileCall(*cur)) return cur;
  for (const auto& a : cur->args) {
    if (a->kind != fn::ExprKind::kLiteral) return cur;
  }
  auto v = fn::EvaluateConstant(cur);
  if (!v.ok()) return cur;  // e.g. 1/0: keep it, so the error surfaces at run time as before
  Scalar value = std::move(v).ValueUnsafe();
  if (!value.type()->Equals(*cur->type)) {
    if (value.is_null()) {
      value = Scalar::Null(cur->type);
    } else {
      auto cast = fn::CastScalar(value, cur->type, false);
      if (!cast.ok()) return cur;
      value = std::move(cast).ValueUnsafe();
    }
  }
  ++*folded;
  return fn::Literal(std::move(value));
}

PlanPtr Copy(const PlanPtr& n) { return std::make_shared<PlanNode>(*n); }

std::string Describe(const PlanNode& n) {
  switch (n.kind) {
    case PlanKind::kScan:
      return "Scan " + n.relation;
    case PlanKind::kValues:
      return "Values";
    case PlanKind::kLimit:
      return "Limit";
    case PlanKind::kWindow:
      return "Window";
    case PlanKind::kJoin:
      return JoinKindName(n.join_kind);
    case PlanKind::kAggregate:
      return "Aggregate";
    default:
      return "operator";
  }
}

// ---------------------------------------------------------------------------------------------
// Constant folding over a whole plan

void FoldAll(std::vector<BExpr>* v, int* folded) {
  for (auto& e : *v) e = Fold(e, folded);
}

PlanPtr FoldPlan(const PlanPtr& n, int* folded) {
  PlanPtr c = Copy(n);
  for (auto& in : c->inputs) in = FoldPlan(in, folded);
  c->predicate = Fold(c->predicate, folded);
  FoldAll(&c->exprs, folded);
  FoldAll(&c->group_exprs, folded);
  for (auto& a : c->aggregates) {
    FoldAll(&a.args, folded);
    a.filter = Fold(a.filter, folded);
  }
  for (auto& row : c->rows) FoldAll(&row, folded);
  c->join_condition = Fold(c->join_condition, folded);
  c->apply_operand = Fold(c->apply_operand, folded);
  if (c->kind == PlanKind::kFilter && IsBoolLiteral(c->predicate, true)) {
    return c->inputs[0];  // WHERE TRUE
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Predicate push-down (ad-hoc plans)

class PushDown {
 public:
  explicit PushDown(PlanRewrites* rw) : rw_(rw) {}

  PlanPtr Rewrite(const PlanPtr& n) {
    if (n->kind == PlanKind::kFilter) {
      std::vector<BExpr> conj;
      Conjuncts(n->predicate, &conj);
      return Push(Rewrite(n->inputs[0]), std::move(conj), false);
    }
    PlanPtr c = Copy(n);
    for (auto& in : c->inputs) in = Rewrite(in);
    if (c->kind == PlanKind::kJoin && c->join.strategy == JoinStrategy::kBatch) {
      return PushJoinCondition(c);
    }
    return c;
  }

 private:
  static PlanPtr Filter(PlanPtr input, const std::vector<BExpr>& conj) {
    if (conj.empty()) return input;
    auto f = std::make_shared<PlanNode>();
    f->kind = PlanKind::kFilter;
    f->schema = input->schema;
    f->inputs = {std::move(input)};
    f->predicate = AndAll(conj);
    return f;
  }

  // Applies `conj` (over `child`'s output) as far down in `child` as it may go. `moved` says
  // whether the conjuncts already passed an operator (for the EXPLAIN notes).
  PlanPtr Push(const PlanPtr& child, std::vector<BExpr> conj, bool moved) {
    if (conj.empty()) return child;
    switch (child->kind) {
      case PlanKind::kFilter: {
        std::vector<BExpr> all;
        Conjuncts(child->predicate, &all);
        for (auto& c : conj) all.push_back(std::move(c));
        return Push(child->inputs[0], std::move(all), moved);
      }
      case PlanKind::kProject: {
        std::vector<BExpr> down, stay;
        for (auto& c : conj) {
          bool ok = true;
          for (int r : Refs(c)) ok = ok && IsDeterministic(*child->exprs[static_cast<size_t>(r)]);
          if (!ok) {
            stay.push_back(std::move(c));
            continue;
          }
          down.push_back(ReplaceColumns(c, [&](const BExpr& ref) {
            return child->exprs[static_cast<size_t>(ref->column_index)];
          }));
        }
        return Through(child, 0, std::move(down), std::move(stay));
      }
      case PlanKind::kSort:
      case PlanKind::kSubqueries:
        return Through(child, 0, std::move(conj), {});
      case PlanKind::kUnnest: {
        // Conjuncts over the input columns (which UNNEST repeats unchanged) filter the rows
        // before they are expanded; those reading an element stay above.
        const int nin = child->inputs[0]->schema->num_fields();
        std::vector<BExpr> down, stay;
        for (auto& c : conj) {
          bool ok = IsDeterministic(*c);
          for (int r : Refs(c)) ok = ok && r < nin;
          (ok ? down : stay).push_back(std::move(c));
        }
        return Through(child, 0, std::move(down), std::move(stay));
      }
      case PlanKind::kUnion: {
        // UNION/INTERSECT/EXCEPT [ALL]: filtering each branch filters the result.
        PlanPtr c = Copy(child);
        rw_->filters_pushed += static_cast<int>(conj.size());
        for (auto& in : c->inputs) in = Push(in, conj, true);
        return c;
      }
      case PlanKind::kApply: {
        // Conjuncts that do not read the subquery's result filter the outer rows first, so the
        // subquery runs for fewer of them.
        const int result_col = child->schema->num_fields() - 1;
        std::vector<BExpr> down, stay;
        for (auto& c : conj) {
          bool reads_result = false;
          for (int r : Refs(c)) reads_result |= r == result_col;
          (reads_result ? stay : down).push_back(std::move(c));
        }
        return Through(child, 0, std::move(down), std::move(stay));
      }
      case PlanKind::kAggregate: {
        // Only conjuncts over GROUP BY keys, and only when there are keys: a filter above a
        // global aggregate can remove its single row, one below cannot.
        const int nkeys = static_cast<int>(child->group_exprs.size());
        std::vector<BExpr> down, stay;
        for (auto& c : conj) {
          bool ok = nkeys > 0;
          for (int r : Refs(c)) {
            ok = ok && r < nkeys && IsDeterministic(*child->group_exprs[static_cast<size_t>(r)]);
          }
          if (!ok) {
            stay.push_back(std::move(c));
            continue;
          }
          down.push_back(ReplaceColumns(c, [&](const BExpr& ref) {
            return child->group_exprs[static_cast<size_t>(ref->column_index)];
          }));
        }
        return Through(child, 0, std::move(down), std::move(stay));
      }
      case PlanKind::kJoin:
        if (child->join.strategy == JoinStrategy::kBatch)
          return PushIntoJoin(child, std::move(conj));
        break;
      default:
        break;
    }
    if (moved) {
      rw_->notes.push_back(fmt::format("filter {} -> {}", ConjText(conj), Describe(*child)));
    }
    return Filter(child, conj);
  }

  // Pushes `down` into input `i` of a copy of `node` and keeps `stay` above it.
  PlanPtr Through(const PlanPtr& node, size_t i, std::vector<BExpr> down, std::vector<BExpr> stay) {
    if (down.empty()) return Filter(node, stay);
    PlanPtr c = Copy(node);
    rw_->filters_pushed += static_cast<int>(down.size());
    c->inputs[i] = Push(c->inputs[i], std::move(down), true);
    return Filter(c, stay);
  }

  PlanPtr PushIntoJoin(const PlanPtr& join, std::vector<BExpr> conj) {
    const JoinKind k = join->join_kind;
    const int nleft = join->inputs[0]->schema->num_fields();
    const bool inner = k == JoinKind::kInner || k == JoinKind::kCross;
    const bool left_ok =
        inner || k == JoinKind::kLeft || k == JoinKind::kLeftSemi || k == JoinKind::kLeftAnti;
    const bool right_ok = inner || k == JoinKind::kRight;
    std::vector<BExpr> left, right, cond, stay;
    for (auto& c : conj) {
      int sides = 0;
      for (int r : Refs(c)) sides |= r < nleft ? 1 : 2;
      if (sides == 1 && left_ok) {
        left.push_back(std::move(c));
      } else if (sides == 2 && right_ok) {
        right.push_back(Shift(c, -nleft));
      } else if (inner && IsDeterministic(*c)) {
        cond.push_back(std::move(c));  // over both inputs: part of the join condition
      } else {
        stay.push_back(std::move(c));
      }
    }
    if (left.empty() && right.empty() && cond.empty()) return Filter(join, stay);
    PlanPtr c = Copy(join);
    rw_->filters_pushed += static_cast<int>(left.size() + right.size() + cond.size());
    if (!cond.empty()) {
      // Equalities between the two inputs become hash-join keys (`FROM a, b WHERE a.k = b.k`).
      for (const auto& x : cond) {
        if (x->kind != fn::ExprKind::kCall || x->function_name != "eq" || x->args.size() != 2) {
          continue;
        }
        int sa = 0, sb = 0;
        for (int r : Refs(x->args[0])) sa |= r < nleft ? 1 : 2;
        for (int r : Refs(x->args[1])) sb |= r < nleft ? 1 : 2;
        if ((sa == 1 && sb == 2) || (sa == 2 && sb == 1)) {
          c->join.left_keys.push_back(sa == 1 ? x->args[0] : x->args[1]);
          c->join.right_keys.push_back(Shift(sa == 1 ? x->args[1] : x->args[0], -nleft));
        }
      }
      std::vector<BExpr> all;
      Conjuncts(c->join_condition, &all);
      rw_->notes.push_back(fmt::format("filter {} -> join condition", ConjText(cond)));
      for (auto& x : cond) all.push_back(std::move(x));
      c->join_condition = AndAll(all);
    }
    c->inputs[0] = Push(c->inputs[0], std::move(left), true);
    c->inputs[1] = Push(c->inputs[1], std::move(right), true);
    return Filter(c, stay);
  }

  // ON-clause conjuncts that read one input move into it, unless that input is the preserved
  // side of an outer join (its rows are kept whether or not they match).
  PlanPtr PushJoinCondition(const PlanPtr& join) {
    if (!join->join_condition) return join;
    const JoinKind k = join->join_kind;
    const int nleft = join->inputs[0]->schema->num_fields();
    const bool left_ok = k == JoinKind::kInner || k == JoinKind::kRight || k == JoinKind::kLeftSemi;
    const bool right_ok = k == JoinKind::kInner || k == JoinKind::kLeft ||
                          k == JoinKind::kLeftSemi || k == JoinKind::kLeftAnti;
    std::vector<BExpr> conj, left, right, keep;
    Conjuncts(join->join_condition, &conj);
    for (auto& c : conj) {
      int sides = 0;
      for (int r : Refs(c)) sides |= r < nleft ? 1 : 2;
      if (sides == 1 && left_ok && IsDeterministic(*c)) {
        left.push_back(std::move(c));
      } else if (sides == 2 && right_ok && IsDeterministic(*c)) {
        right.push_back(Shift(c, -nleft));
      } else {
        keep.push_back(std::move(c));
      }
    }
    if (left.empty() && right.empty()) return join;
    rw_->filters_pushed += static_cast<int>(left.size() + right.size());
    join->join_condition = AndAll(keep);
    join->inputs[0] = Push(join->inputs[0], std::move(left), true);
    join->inputs[1] = Push(join->inputs[1], std::move(right), true);
    return join;
  }

  PlanRewrites* rw_;
};

// ---------------------------------------------------------------------------------------------
// Decorrelation (ad-hoc plans): `WHERE [NOT] EXISTS (SELECT … FROM x WHERE <correlated> AND
// <plain>)` and `WHERE v IN (SELECT e FROM x WHERE <correlated> AND <plain>)` become LEFT SEMI /
// LEFT ANTI joins of the outer rows with `x WHERE <plain>` on the correlated conjuncts (outer
// references turned into columns of the join's left input), so the subquery runs once instead of
// once per outer value, and equalities become hash-join keys. NOT IN stays an apply: its NULL
// semantics differ from an anti join.

bool HasOuterRef(const BExpr& e) {
  if (!e) return false;
  if (e->kind == fn::ExprKind::kCall && e->function_name == kOuterRefPlaceholder) return true;
  for (const auto& a : e->args) {
    if (HasOuterRef(a)) return true;
  }
  return false;
}

bool PlanHasOuterRef(const PlanNode& n) {
  auto any = [](const std::vector<BExpr>& v) {
    for (const auto& e : v) {
      if (HasOuterRef(e)) return true;
    }
    return false;
  };
  if (HasOuterRef(n.predicate) || any(n.exprs) || any(n.group_exprs) ||
      HasOuterRef(n.window.time_expr) || HasOuterRef(n.join_condition) || any(n.join.left_keys) ||
      any(n.join.right_keys) || HasOuterRef(n.apply_operand)) {
    return true;
  }
  for (const auto& a : n.aggregates) {
    if (any(a.args) || HasOuterRef(a.filter)) return true;
  }
  for (const auto& row : n.rows) {
    if (any(row)) return true;
  }
  for (const auto& a : n.analytics) {
    if (any(a.args) || any(a.partition_by) || any(a.order_by)) return true;
  }
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.kind == PlanKind::kApply && i == 1) continue;  // that node's own outer references
    if (PlanHasOuterRef(*n.inputs[i])) return true;
  }
  return false;
}

// An expression over the subquery's input, moved into a join whose left input is the outer
// row: inner columns shift right by `nleft`, outer references become left columns.
BExpr ToJoinSide(const BExpr& e, const columnar::Schema& outer_schema) {
  const int nleft = outer_schema.num_fields();
  BExpr shifted = Shift(e, nleft);
  std::function<BExpr(const BExpr&)> outer = [&](const BExpr& x) -> BExpr {
    if (x->kind == fn::ExprKind::kCall && x->function_name == kOuterRefPlaceholder &&
        x->args.size() == 1 && x->args[0]->kind == fn::ExprKind::kLiteral) {
      const int i = static_cast<int>(x->args[0]->literal.int_value());
      return fn::ColumnRef(i, x->type, i >= 0 && i < nleft ? outer_schema.field(i)->name : "outer");
    }
    bool changed = false;
    std::vector<BExpr> args;
    for (const auto& a : x->args) {
      BExpr b = outer(a);
      changed |= b != a;
      args.push_back(std::move(b));
    }
    return changed ? WithArgs(x, std::move(args)) : x;
  };
  return outer(shifted);
}

class Decorrelator {
 public:
  explicit Decorrelator(PlanRewrites* rw) : rw_(rw) {}

  PlanPtr Rewrite(const PlanPtr& n) {
    PlanPtr c = Copy(n);
    for (auto& in : c->inputs) in = Rewrite(in);
    if (c->kind == PlanKind::kFilter && c->inputs[0]->kind == PlanKind::kApply) {
      if (PlanPtr r = FilterOverApply(c)) return r;
    }
    return c;
  }

 private:
  PlanPtr FilterOverApply(const PlanPtr& filter) {
    const PlanPtr& apply = filter->inputs[0];
    if (apply->apply_kind == SubqueryKind::kScalar) return nullptr;
    const int nleft = apply->inputs[0]->schema->num_fields();  // the result column's index
    std::vector<BExpr> conj, rest;
    Conjuncts(filter->predicate, &conj);
    int uses = 0;
    bool anti = false;
    for (auto& c : conj) {
      bool reads = false;
      for (int r : Refs(c)) reads |= r == nleft;
      if (!reads) {
        rest.push_back(std::move(c));
        continue;
      }
      ++uses;
      if (c->kind == fn::ExprKind::kColumnRef) continue;
      if (c->kind == fn::ExprKind::kNot && c->args[0]->kind == fn::ExprKind::kColumnRef &&
          apply->apply_kind == SubqueryKind::kExists) {
        anti = true;
        continue;
      }
      return nullptr;  // the result is used in some other way (NOT IN, OR, ...)
    }
    if (uses != 1) return nullptr;
    PlanPtr sub = apply->inputs[1];
    BExpr in_value;
    if (apply->apply_kind == SubqueryKind::kIn) {
      if (sub->kind != PlanKind::kProject || sub->exprs.size() != 1) return nullptr;
      in_value = sub->exprs[0];
      sub = sub->inputs[0];
    } else {
      while (sub->kind == PlanKind::kProject) sub = sub->inputs[0];
    }
    if (sub->kind != PlanKind::kFilter) return nullptr;
    const PlanPtr& x = sub->inputs[0];
    if (PlanHasOuterRef(*x)) return nullptr;
    std::vector<BExpr> sub_conj, correlated, plain;
    Conjuncts(sub->predicate, &sub_conj);
    for (auto& c : sub_conj) (HasOuterRef(c) ? correlated : plain).push_back(std::move(c));
    if (correlated.empty()) return nullptr;
    std::vector<BExpr> cond;
    const columnar::Schema& outer_schema = *apply->inputs[0]->schema;
    for (const auto& c : correlated) cond.push_back(ToJoinSide(c, outer_schema));
    if (in_value) {
      BExpr v = ToJoinSide(in_value, outer_schema);
      if (!v->type->Equals(*apply->apply_operand->type)) return nullptr;
      cond.push_back(fn::Call("eq", {apply->apply_operand, v}, columnar::boolean()));
    }
    auto join = std::make_shared<PlanNode>();
    join->kind = PlanKind::kJoin;
    join->join_kind = anti ? JoinKind::kLeftAnti : JoinKind::kLeftSemi;
    join->schema = apply->inputs[0]->schema;
    PlanPtr right = x;
    if (!plain.empty()) {
      auto f = std::make_shared<PlanNode>();
      f->kind = PlanKind::kFilter;
      f->schema = x->schema;
      f->inputs = {x};
      f->predicate = AndAll(plain);
      right = f;
    }
    join->inputs = {apply->inputs[0], right};
    join->join_condition = AndAll(cond);
    join->join.strategy = JoinStrategy::kBatch;
    join->join.left_columns = nleft;
    if (apply->inputs[0]->kind == PlanKind::kScan)
      join->join.left_relation = apply->inputs[0]->relation;
    if (x->kind == PlanKind::kScan) join->join.right_relation = x->relation;
    for (const auto& c : cond) {
      if (c->kind != fn::ExprKind::kCall || c->function_name != "eq" || c->args.size() != 2) {
        continue;
      }
      int sa = 0, sb = 0;
      for (int r : Refs(c->args[0])) sa |= r < nleft ? 1 : 2;
      for (int r : Refs(c->args[1])) sb |= r < nleft ? 1 : 2;
      if ((sa == 1 && sb == 2) || (sa == 2 && sb == 1)) {
        join->join.left_keys.push_back(sa == 1 ? c->args[0] : c->args[1]);
        join->join.right_keys.push_back(Shift(sa == 1 ? c->args[1] : c->args[0], -nleft));
      }
    }
    rw_->notes.push_back(fmt::format("correlated {} -> {}",
                                     apply->apply_kind == SubqueryKind::kIn ? "IN"
                                     : anti                                 ? "NOT EXISTS"
                                                                            : "EXISTS",
                                     JoinKindName(join->join_kind)));
    if (rest.empty()) return join;
    auto f = std::make_shared<PlanNode>();
    f->kind = PlanKind::kFilter;
    f->schema = join->schema;
    f->inputs = {join};
    f->predicate = AndAll(rest);
    return f;
  }

  PlanRewrites* rw_;
};

// ---------------------------------------------------------------------------------------------
// Projection push-down (ad-hoc plans)

struct Pruned {
  PlanPtr plan;
  std::vector<int> map;  // old output column → new output column, -1 = dropped
};

std::vector<int> Identity(int n) {
  std::vector<int> m(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) m[static_cast<size_t>(i)] = i;
  return m;
}

void Mark(const BExpr& e, std::vector<bool>* need) {
  for (int r : Refs(e)) {
    if (r >= 0 && r < static_cast<int>(need->size())) (*need)[static_cast<size_t>(r)] = true;
  }
}

class Pruner {
 public:
  explicit Pruner(PlanRewrites* rw) : rw_(rw) {}

  Pruned Prune(const PlanPtr& n, std::vector<bool> need) {
    const int nout = n->schema->num_fields();
    switch (n->kind) {
      case PlanKind::kScan: {
        std::vector<int> kept;
        for (int i = 0; i < nout; ++i) {
          if (need[static_cast<size_t>(i)]) kept.push_back(i);
        }
        if (kept.empty() && nout > 0) kept.push_back(0);  // keep the row count
        if (static_cast<int>(kept.size()) == nout) return {n, Identity(nout)};
        PlanPtr c = Copy(n);
        std::vector<FieldPtr> fields;
        std::vector<int> map(static_cast<size_t>(nout), -1);
        std::vector<int> columns;
        for (size_t j = 0; j < kept.size(); ++j) {
          const int i = kept[j];
          fields.push_back(n->schema->field(i));
          map[static_cast<size_t>(i)] = static_cast<int>(j);
          columns.push_back(n->scan_columns.empty() ? i : n->scan_columns[static_cast<size_t>(i)]);
        }
        c->schema = std::make_shared<Schema>(std::move(fields));
        c->scan_columns = std::move(columns);
        ++rw_->scans_pruned;
        std::string names;
        for (int i = 0; i < c->schema->num_fields(); ++i) {
          names += (i ? ", " : "") + c->schema->field(i)->name;
        }
        rw_->notes.push_back(
            fmt::format("Scan {} columns=[{}] ({} of {})", n->relation, names, kept.size(), nout));
        return {c, std::move(map)};
      }
      case PlanKind::kProject: {
        std::vector<int> kept;
        for (int i = 0; i < nout; ++i) {
          if (need[static_cast<size_t>(i)]) kept.push_back(i);
        }
        if (kept.empty() && nout > 0) kept.push_back(0);
        std::vector<bool> child_need(static_cast<size_t>(n->inputs[0]->schema->num_fields()),
                                     false);
        for (int i : kept) Mark(n->exprs[static_cast<size_t>(i)], &child_need);
        Pruned in = Prune(n->inputs[0], std::move(child_need));
        PlanPtr c = Copy(n);
        c->inputs[0] = in.plan;
        std::vector<int> map(static_cast<size_t>(nout), -1);
        std::vector<FieldPtr> fields;
        c->exprs.clear();
        for (size_t j = 0; j < kept.size(); ++j) {
          const int i = kept[j];
          c->exprs.push_back(Remap(n->exprs[static_cast<size_t>(i)], in.map));
          fields.push_back(n->schema->field(i));
          map[static_cast<size_t>(i)] = static_cast<int>(j);
        }
        c->schema = std::make_shared<Schema>(std::move(fields));
        return {c, std::move(map)};
      }
      case PlanKind::kFilter: {
        Mark(n->predicate, &need);
        Pruned in = Prune(n->inputs[0], std::move(need));
        PlanPtr c = Copy(n);
        c->inputs[0] = in.plan;
        c->predicate = Remap(n->predicate, in.map);
        c->schema = in.plan->schema;
        return {c, std::move(in.map)};
      }
      case PlanKind::kSort: {
        for (const auto& k : n->sort_keys) need[static_cast<size_t>(k.column)] = true;
        Pruned in = Prune(n->inputs[0], std::move(need));
        PlanPtr c = Copy(n);
        c->inputs[0] = in.plan;
        for (auto& k : c->sort_keys) k.column = in.map[static_cast<size_t>(k.column)];
        c->schema = in.plan->schema;
        return {c, std::move(in.map)};
      }
      case PlanKind::kLimit:
      case PlanKind::kSubqueries: {
        Pruned in = Prune(n->inputs[0], std::move(need));
        PlanPtr c = Copy(n);
        c->inputs[0] = in.plan;
        for (size_t i = 1; i < c->inputs.size(); ++i) c->inputs[i] = PruneAll(c->inputs[i]);
        c->schema = in.plan->schema;
        return {c, std::move(in.map)};
      }
      case PlanKind::kUnnest: {
        // Input columns pass through; the element columns (which decide the row count) stay.
        const int nin = n->inputs[0]->schema->num_fields();
        std::vector<bool> child_need(need.begin(), need.begin() + nin);
        for (const auto& e : n->exprs) Mark(e, &child_need);
        Pruned in = Prune(n->inputs[0], std::move(child_need));
        PlanPtr c = Copy(n);
        c->inputs[0] = in.plan;
        for (auto& e : c->exprs) e = Remap(e, in.map);
        const int new_nin = in.plan->schema->num_fields();
        std::vector<FieldPtr> fields = in.plan->schema->fields();
        std::vector<int> map(static_cast<size_t>(nout), -1);
        for (int i = 0; i < nin; ++i) map[static_cast<size_t>(i)] = in.map[static_cast<size_t>(i)];
        for (int i = nin; i < nout; ++i) {
          fields.push_back(n->schema->field(i));
          map[static_cast<size_t>(i)] = new_nin + (i - nin);
        }
        c->schema = std::make_shared<Schema>(std::move(fields));
        return {c, std::move(map)};
      }
      case PlanKind::kAggregate: {
        std::vector<bool> child_need(static_cast<size_t>(n->inputs[0]->schema->num_fields()),
                                     false);
        for (const auto& g : n->group_exprs) Mark(g, &child_need);
        Mark(n->window.time_expr, &child_need);
        for (const auto& a : n->aggregates) {
          for (const auto& x : a.args) Mark(x, &child_need);
          Mark(a.filter, &child_need);
        }
        Pruned in = Prune(n->inputs[0], std::move(child_need));
        PlanPtr c = Copy(n);
        c->inputs[0] = in.plan;
        for (auto& g : c->group_exprs) g = Remap(g, in.map);
        c->window.time_expr = Remap(c->window.time_expr, in.map);
        for (auto& a : c->aggregates) {
          for (auto& x : a.args) x = Remap(x, in.map);
          a.filter = Remap(a.filter, in.map);
        }
        return {c, Identity(nout)};
      }
      case PlanKind::kJoin: {
        if (n->join.strategy != JoinStrategy::kBatch) break;
        const int nleft = n->inputs[0]->schema->num_fields();
        const int nright = n->inputs[1]->schema->num_fields();
        const bool semi =
            n->join_kind == JoinKind::kLeftSemi || n->join_kind == JoinKind::kLeftAnti;
        std::vector<bool> both(static_cast<size_t>(nleft + nright), false);
        for (int i = 0; i < nout && i < nleft + nright; ++i) {
          both[static_cast<size_t>(i)] = need[static_cast<size_t>(i)];
        }
        Mark(n->join_condition, &both);
        for (const auto& k : n->join.left_keys) Mark(k, &both);
        std::vector<bool> lneed(both.begin(), both.begin() + nleft);
        std::vector<bool> rneed(both.begin() + nleft, both.end());
        for (const auto& k : n->join.right_keys) Mark(k, &rneed);
        Pruned l = Prune(n->inputs[0], std::move(lneed));
        Pruned r = Prune(n->inputs[1], std::move(rneed));
        const int new_nleft = l.plan->schema->num_fields();
        std::vector<int> combined(static_cast<size_t>(nleft + nright), -1);
        for (int i = 0; i < nleft; ++i)
          combined[static_cast<size_t>(i)] = l.map[static_cast<size_t>(i)];
        for (int j = 0; j < nright; ++j) {
          const int m = r.map[static_cast<size_t>(j)];
          combined[static_cast<size_t>(nleft + j)] = m < 0 ? -1 : new_nleft + m;
        }
        PlanPtr c = Copy(n);
        c->inputs = {l.plan, r.plan};
        c->join_condition = Remap(n->join_condition, combined);
        for (auto& k : c->join.left_keys) k = Remap(k, l.map);
        for (auto& k : c->join.right_keys) k = Remap(k, r.map);
        if (c->join.left_time >= 0)
          c->join.left_time = l.map[static_cast<size_t>(c->join.left_time)];
        if (c->join.right_time >= 0) {
          c->join.right_time = r.map[static_cast<size_t>(c->join.right_time)];
        }
        c->join.left_columns = new_nleft;
        std::vector<FieldPtr> fields = l.plan->schema->fields();
        if (!semi) {
          for (const auto& f : r.plan->schema->fields()) fields.push_back(f);
        }
        c->schema = std::make_shared<Schema>(std::move(fields));
        std::vector<int> map(combined.begin(), combined.begin() + nout);
        return {c, std::move(map)};
      }
      default:
        break;
    }
    // Everything else needs all columns of its inputs (positional set operations, analytic
    // functions appending columns, outer references of correlated subqueries by index).
    PlanPtr c = Copy(n);
    for (auto& in : c->inputs) in = PruneAll(in);
    return {c, Identity(nout)};
  }

  PlanPtr PruneAll(const PlanPtr& n) {
    return Prune(n, std::vector<bool>(static_cast<size_t>(n->schema->num_fields()), true)).plan;
  }

 private:
  PlanRewrites* rw_;
};

}  // namespace

BExpr FoldConstants(const BExpr& expr, int* folded) {
  int n = 0;
  BExpr out = Fold(expr, &n);
  if (folded != nullptr) *folded += n;
  return out;
}

Result<PlanPtr> OptimizePlan(const PlanPtr& plan, BindMode mode, PlanRewrites* rewrites) {
  PlanRewrites local;
  PlanRewrites* rw = rewrites != nullptr ? rewrites : &local;
  if (!plan) return Status::Internal("OptimizePlan: no plan");
  PlanPtr out = FoldPlan(plan, &rw->constants_folded);
  if (rw->constants_folded > 0) {
    rw->notes.push_back(fmt::format("{} constant expression(s) folded", rw->constants_folded));
  }
  if (mode == BindMode::kStreaming) return out;
  out = Decorrelator(rw).Rewrite(out);
  out = PushDown(rw).Rewrite(out);
  out = Pruner(rw).PruneAll(out);
  return out;
}

}  // namespace laminar::sql
