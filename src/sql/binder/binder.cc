#include "sql/binder/binder.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <optional>
#include <set>

#include "columnar/scalar.h"
#include "common/string_util.h"
#include "common/time_util.h"
#include "function/evaluator.h"
#include "function/registry.h"
#include "sql/binder/topn_analysis.h"
#include "sql/binder/window_join_analysis.h"
#include "sql/parser/parser.h"

namespace laminar::sql {

using columnar::DataType;
using columnar::Field;
using columnar::FieldPtr;
using columnar::Scalar;
using columnar::Schema;
using columnar::TypeId;
namespace fn = laminar::function;

const char* WindowKindName(WindowKind kind) {
  switch (kind) {
    case WindowKind::kNone:
      return "NONE";
    case WindowKind::kTumble:
      return "TUMBLE";
    case WindowKind::kHop:
      return "HOP";
    case WindowKind::kSession:
      return "SESSION";
    case WindowKind::kCumulate:
      return "CUMULATE";
  }
  return "?";
}

std::string TimeWindow::ToString() const {
  auto d = [](int64_t us) { return FormatInterval(Interval{0, 0, us * 1000}); };
  switch (kind) {
    case WindowKind::kNone:
      return "none";
    case WindowKind::kTumble:
      return fmt::format("TUMBLE(size={}{})", d(size), offset ? ", offset=" + d(offset) : "");
    case WindowKind::kHop:
      return fmt::format("HOP(slide={}, size={}{})", d(slide), d(size),
                         offset ? ", offset=" + d(offset) : "");
    case WindowKind::kSession:
      return fmt::format("SESSION(gap={})", d(gap));
    case WindowKind::kCumulate:
      return fmt::format("CUMULATE(step={}, max={})", d(slide), d(size));
  }
  return "?";
}

std::string JoinSpec::ToString() const {
  static const char* kStrategy[] = {"interval", "unbounded", "lookup", "asof", "probe", "batch"};
  static const char* kDir[] = {"backward", "forward", "nearest"};
  std::string out = kStrategy[static_cast<int>(strategy)];
  out += fmt::format(" {} ⋈ {} keys={}", left_relation, right_relation, left_keys.size());
  if (strategy == JoinStrategy::kInterval) {
    out += fmt::format(" bound=[{}us, {}us]", lower, upper);
  }
  if (strategy == JoinStrategy::kAsof) {
    out += std::string(" ") + kDir[static_cast<int>(direction)];
    if (tolerance >= 0) out += fmt::format(" tolerance={}us", tolerance);
  }
  return out;
}

namespace {

const char* PlanKindName(PlanKind k) {
  switch (k) {
    case PlanKind::kWindow:
      return "Window";
    case PlanKind::kScan:
      return "Scan";
    case PlanKind::kValues:
      return "Values";
    case PlanKind::kFilter:
      return "Filter";
    case PlanKind::kProject:
      return "Project";
    case PlanKind::kAggregate:
      return "Aggregate";
    case PlanKind::kSort:
      return "Sort";
    case PlanKind::kLimit:
      return "Limit";
    case PlanKind::kUnion:
      return "Union";
    case PlanKind::kJoin:
      return "Join";
    case PlanKind::kSubqueries:
      return "Subqueries";
    case PlanKind::kApply:
      return "Apply";
    case PlanKind::kUnnest:
      return "Unnest";
  }
  return "?";
}

}  // namespace

std::string PlanNode::ToString(int indent) const {
  std::string pad(static_cast<size_t>(indent) * 2, ' ');
  std::string out = pad + PlanKindName(kind);
  if (kind == PlanKind::kUnion && set_op != SetOpKind::kUnion) {
    out = pad + (set_op == SetOpKind::kIntersect ? "Intersect" : "Except");
  }
  switch (kind) {
    case PlanKind::kScan:
      out += ": " + relation;
      if (!scan_columns.empty()) {
        out += " columns=[";
        for (int i = 0; i < schema->num_fields(); ++i) {
          out += (i ? ", " : "") + schema->field(i)->name;
        }
        out += "]";
      }
      break;
    case PlanKind::kWindow:
      out += fmt::format(": {} analytic functions", analytics.size());
      if (top_n >= 0) out += fmt::format(", top {} per partition", top_n);
      if (streaming_over) out += ", streaming (rows emitted once the watermark makes them final)";
      break;
    case PlanKind::kFilter:
      out += ": " + predicate->ToString();
      break;
    case PlanKind::kProject: {
      out += ": ";
      for (size_t i = 0; i < exprs.size(); ++i) {
        if (i) out += ", ";
        out += exprs[i]->ToString() + " AS " + schema->field(static_cast<int>(i))->name;
      }
      break;
    }
    case PlanKind::kAggregate: {
      out += ": keys=[";
      for (size_t i = 0; i < group_exprs.size(); ++i) {
        if (i) out += ", ";
        out += group_exprs[i]->ToString();
      }
      out += "]";
      if (window.kind != WindowKind::kNone) out += " window=" + window.ToString();
      out += " aggs=[";
      for (size_t i = 0; i < aggregates.size(); ++i) {
        if (i) out += ", ";
        out += aggregates[i].display;
      }
      out += "]";
      break;
    }
    case PlanKind::kSort:
      out += fmt::format(": {} keys", sort_keys.size());
      break;
    case PlanKind::kLimit:
      out += fmt::format(": limit={} offset={}", limit, offset);
      break;
    case PlanKind::kUnion:
      out += union_all ? ": ALL" : ": DISTINCT";
      break;
    case PlanKind::kJoin:
      out += std::string(": ") + JoinKindName(join_kind) + " " + join.ToString() +
             (join_condition ? " ON " + join_condition->ToString() : "");
      break;
    case PlanKind::kValues:
      out += fmt::format(": {} rows", rows.size());
      break;
    case PlanKind::kSubqueries: {
      out += ": ";
      for (size_t i = 0; i < subquery_ids.size(); ++i) {
        if (i) out += ", ";
        out += fmt::format("{}({})", kSubqueryPlaceholder, subquery_ids[i]);
      }
      break;
    }
    case PlanKind::kUnnest: {
      out += ": ";
      const int base = inputs.empty() ? 0 : inputs[0]->schema->num_fields();
      for (size_t i = 0; i < exprs.size(); ++i) {
        if (i) out += ", ";
        out += exprs[i]->ToString() + " AS " + schema->field(base + static_cast<int>(i))->name;
      }
      if (unnest_ordinality) out += " WITH ORDINALITY";
      if (unnest_keep_empty) out += " (left: keeps rows without elements)";
      break;
    }
    case PlanKind::kApply:
      out += apply_kind == SubqueryKind::kScalar   ? ": scalar"
             : apply_kind == SubqueryKind::kExists ? ": exists"
                                                   : ": " + apply_operand->ToString() + " IN";
      break;
  }
  out += "\n";
  for (const auto& in : inputs) out += in->ToString(indent + 1);
  return out;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Errors

std::string PosText(const SourcePos& pos) {
  if (pos.line <= 0) return "";
  return fmt::format(" (line {}, column {})", pos.line, pos.column);
}

Status BindError(ErrorCode code, const SourcePos& pos, std::string msg, std::string hint = {}) {
  std::string full = msg + PosText(pos);
  if (!hint.empty()) full += "; " + hint;
  if (code == ErrorCode::kColumnNotFound || code == ErrorCode::kTableNotFound) {
    return Status::NotFound(full, code);
  }
  return Status::Invalid(full, code);
}

// ---------------------------------------------------------------------------------------------
// Scope: the columns visible to an expression.

struct ScopeColumn {
  std::string qualifier;  // relation name or alias
  std::string name;
  DataTypePtr type;
};

struct Scope {
  std::vector<ScopeColumn> columns;

  SchemaPtr ToSchema() const {
    std::vector<FieldPtr> fields;
    for (const auto& c : columns) fields.push_back(std::make_shared<Field>(c.name, c.type));
    return std::make_shared<Schema>(std::move(fields));
  }
  static Scope FromSchema(const SchemaPtr& schema, const std::string& qualifier) {
    Scope s;
    for (const auto& f : schema->fields()) s.columns.push_back({qualifier, f->name, f->type});
    return s;
  }
};

std::string IdentText(const QualifiedName& q) {
  std::string out;
  for (size_t i = 0; i < q.size(); ++i) {
    if (i) out += ".";
    out += q[i].value;
  }
  return out;
}

bool IsWindowFunctionName(const std::string& n) {
  return n == "tumble" || n == "hop" || n == "slide" || n == "session" || n == "cumulate";
}

// Aggregate context while binding SELECT / HAVING / ORDER BY of a grouped query.
struct AggContext {
  std::vector<const Expr*> group_asts;  // non-window GROUP BY expressions
  const FunctionCallExpr* window_call = nullptr;
  int num_keys = 0;
  bool windowed = false;
  std::vector<AggregateCall> aggregates;
  std::map<std::string, int> agg_index;  // display text → aggregate index
  Scope* input_scope = nullptr;          // for binding aggregate arguments

  int WindowStartColumn() const { return num_keys; }
  int WindowEndColumn() const { return num_keys + 1; }
  int AggColumn(int i) const { return num_keys + (windowed ? 2 : 0) + i; }
};

class Binder {
 public:
  Binder(const CatalogView* catalog, BindMode mode, std::string_view sql)
      : catalog_(catalog), mode_(mode), sql_(sql) {}

  Result<BExpr> Bind(const Expr& e, Scope& scope, AggContext* agg);
  Result<BoundQuery> BindTopQuery(const Query& q);

  Result<PlanPtr> BindQueryPlan(const Query& q, Scope* out_scope);

 private:
  Result<PlanPtr> BindBody(const QueryBody& body, Scope* out_scope, const Query* q);
  Result<PlanPtr> BindSelect(const Select& sel, const Query* q, Scope* out_scope);
  Result<PlanPtr> BindFrom(const TableRef& ref, Scope* scope);
  /// The right input of the join being bound: the only place FOR SYSTEM_TIME AS OF may appear.
  const TableRef* temporal_join_right_ = nullptr;
  Result<PlanPtr> BindJoin(const TableRef& ref, Scope* scope);
  /// The list argument of an UNNEST: a LIST (or untyped NULL) expression over `scope`.
  Result<BExpr> BindUnnestList(const Expr& arg, Scope& scope, AggContext* agg);
  /// `UNNEST(lists) [WITH ORDINALITY] [AS alias [(columns)]]` in FROM over the rows of `input`
  /// (whose columns `scope` describes; the lists may read them: UNNEST is implicitly lateral).
  /// Appends the element columns to `scope`.
  Result<PlanPtr> BindUnnestFrom(const TableRef& ref, PlanPtr input, Scope* scope, bool keep_empty);
  Result<BExpr> BindColumnRef(const ColumnRefExpr& c, Scope& scope, AggContext* agg);
  Result<BExpr> BindFunction(const FunctionCallExpr& f, Scope& scope, AggContext* agg);
  Result<BExpr> BindAggregateCall(const FunctionCallExpr& f, AggContext* agg);
  Result<BExpr> BindAnalytic(const FunctionCallExpr& f, Scope& scope, AggContext* agg);
  Result<BExpr> BindLiteral(const LiteralExpr& lit);
  Result<BExpr> BindBinary(const BinaryExpr& b, Scope& scope, AggContext* agg);
  Result<BExpr> MakeCall(const std::string& name, std::vector<BExpr> args, const SourcePos& pos);
  Result<BExpr> Coerce(BExpr e, const DataTypePtr& to);
  Result<BExpr> Compare(const std::string& op, BExpr l, BExpr r, const SourcePos& pos);
  Result<TimeWindow> BindWindow(const FunctionCallExpr& f, Scope& scope);
  Result<BExpr> BindSubquery(const Expr& e, Scope& scope, AggContext* agg);
  Result<BExpr> BindOuterRef(const ColumnRefExpr& c, const Status& not_found);
  /// Wraps `plan` in the kApply nodes of the correlated subqueries bound since the last call.
  PlanPtr TakePendingApplies(PlanPtr plan);

  const CatalogView* catalog_;
  // Subqueries in expressions. `outer_frames_` holds the scopes of the enclosing queries while
  // a subquery is bound (innermost last); a column not found in the subquery resolves there.
  struct OuterFrame {
    Scope* scope = nullptr;
    bool used = false;  // the subquery read a column of this scope: it is correlated
  };
  std::vector<OuterFrame> outer_frames_;
  // Uncorrelated subqueries of the query being bound (become its kSubqueries node).
  struct UncorrelatedSubquery {
    int id;
    SubqueryKind kind;
    PlanPtr plan;
  };
  std::vector<UncorrelatedSubquery>* subquery_sink_ = nullptr;
  int next_subquery_id_ = 0;
  // Correlated subqueries met while binding WHERE or a SELECT list: each becomes a kApply node
  // under the filter/projection, its result the column `apply_base_ + i`.
  struct PendingApply {
    SubqueryKind kind;
    PlanPtr plan;
    BExpr operand;
    DataTypePtr type;
  };
  std::vector<PendingApply> pending_applies_;
  int apply_base_ = 0;
  bool apply_allowed_ = false;
  bool has_watermark_input_ = false;
  // The input scope of the most recently bound plain SELECT (no aggregate, no DISTINCT), so
  // ORDER BY may name input columns that the SELECT list does not output.
  std::optional<Scope> last_select_input_;
  // Analytic (OVER) calls collected while binding a SELECT list; their results are columns
  // appended after the input's columns.
  std::vector<AnalyticCall>* analytics_ = nullptr;
  int analytic_base_ = 0;
  struct CteBinding {
    std::string name;
    PlanPtr plan;
    Scope scope;
  };
  std::vector<CteBinding> ctes_;  // visible WITH bindings, innermost last
  bool unbounded_join_ = false;
  std::string unbounded_join_desc_;
  BindMode mode_;
  std::string_view sql_;

 public:
  StreamingInfo info_;
};

Result<DataTypePtr> BindTypeImpl(const TypeName& t) {
  const std::string& n = t.name;
  if (n == "array" || n == "list") {
    if (t.children.size() != 1) return Status::Invalid("ARRAY needs an element type");
    LAMINAR_ASSIGN_OR_RETURN(auto child, BindTypeImpl(t.children[0]));
    return columnar::list(child);
  }
  if (n == "struct" || n == "row") {
    std::vector<FieldPtr> fields;
    for (size_t i = 0; i < t.children.size(); ++i) {
      LAMINAR_ASSIGN_OR_RETURN(auto ft, BindTypeImpl(t.children[i]));
      std::string fname = i < t.field_names.size() ? t.field_names[i].value : fmt::format("f{}", i);
      fields.push_back(std::make_shared<Field>(fname, ft));
    }
    return columnar::struct_(std::move(fields));
  }
  if (n == "decimal" || n == "numeric") {
    int p = t.params.size() > 0 ? static_cast<int>(t.params[0]) : 38;
    int s = t.params.size() > 1 ? static_cast<int>(t.params[1]) : (t.params.empty() ? 9 : 0);
    if (p < 1 || p > 38 || s < 0 || s > p) {
      return BindError(ErrorCode::kSqlUnsupported, t.pos,
                       fmt::format("DECIMAL({},{}) is out of range", p, s),
                       "precision must be 1..38 and scale 0..precision");
    }
    return columnar::decimal128(p, s);
  }
  if (n == "timestamptz") return columnar::timestamp();
  if (n == "map") {
    // As the reference: MAP columns come only from a connector's schema auto-discovery.
    return BindError(ErrorCode::kSqlUnsupported, t.pos,
                     "MAP is not supported in a column definition",
                     "declare the column as JSON (VARCHAR) or use auto-discovery");
  }
  auto r = columnar::ParseTypeName(n);
  if (!r.ok()) {
    return BindError(ErrorCode::kSqlUnsupported, t.pos, fmt::format("unknown type '{}'", n),
                     "supported: BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, "
                     "DECIMAL(p,s), VARCHAR, VARBINARY, DATE, TIME, TIMESTAMP, INTERVAL, T[]");
  }
  return *r;
}

Result<int64_t> DurationFromScalar(const Scalar& s, std::string_view what, const SourcePos& pos) {
  if (s.is_null())
    return BindError(ErrorCode::kWindowInvalid, pos, fmt::format("{} is NULL", what));
  if (s.type()->id() == TypeId::kInterval) {
    const Interval& iv = s.interval_value();
    if (iv.months != 0) {
      return BindError(ErrorCode::kWindowInvalid, pos,
                       fmt::format("{} must be a fixed duration, not months/years", what));
    }
    return iv.ToMicros();
  }
  if (s.type()->is_integer()) return s.int_value() * 1000;  // bare numbers are milliseconds
  return BindError(ErrorCode::kWindowInvalid, pos,
                   fmt::format("{} must be an INTERVAL, got {}", what, s.type()->ToString()),
                   "write e.g. INTERVAL '1' MINUTE");
}

// ---------------------------------------------------------------------------------------------

Result<BExpr> Binder::Coerce(BExpr e, const DataTypePtr& to) {
  if (e->type->Equals(*to)) return e;
  if (e->kind == fn::ExprKind::kLiteral) {
    // Fold literal casts now so errors point at bind time and evaluation is free.
    auto folded = fn::EvaluateConstant(fn::Cast(e, to));
    if (!folded.ok()) return folded.status();
    return fn::Literal(*folded);
  }
  return fn::Cast(std::move(e), to);
}

Result<BExpr> Binder::MakeCall(const std::string& name, std::vector<BExpr> args,
                               const SourcePos& pos) {
  std::vector<DataTypePtr> types;
  for (const auto& a : args) types.push_back(a->type);
  auto rc = fn::FunctionRegistry::Global().ResolveScalar(name, types);
  if (!rc.ok()) {
    return Status(rc.status().code(), rc.status().error_code(),
                  rc.status().message() + PosText(pos));
  }
  for (size_t i = 0; i < args.size() && i < rc->param_types.size(); ++i) {
    LAMINAR_ASSIGN_OR_RETURN(args[i], Coerce(args[i], rc->param_types[i]));
  }
  return fn::Call(rc->name, std::move(args), rc->return_type);
}

Result<BExpr> Binder::Compare(const std::string& op, BExpr l, BExpr r, const SourcePos& pos) {
  // A string literal compared with a typed value takes the value's type (ts > '2024-01-01').
  if (l->IsLiteral() && l->type->id() == TypeId::kString && r->type->id() != TypeId::kString) {
    LAMINAR_ASSIGN_OR_RETURN(l, Coerce(l, r->type));
  } else if (r->IsLiteral() && r->type->id() == TypeId::kString &&
             l->type->id() != TypeId::kString) {
    LAMINAR_ASSIGN_OR_RETURN(r, Coerce(r, l->type));
  }
  if (!l->type->Equals(*r->type)) {
    auto common = fn::CommonSuperType(l->type, r->type);
    if (!common.ok()) {
      // Name the columns too: a join key mismatch must say which keys disagree.
      auto operand = [](const BExpr& e) {
        return e->kind == fn::ExprKind::kColumnRef && !e->name.empty()
                   ? fmt::format("'{}' ({})", e->name, e->type->ToString())
                   : e->type->ToString();
      };
      return BindError(
          ErrorCode::kTypeMismatch, pos,
          fmt::format("type mismatch: cannot compare {} with {}", operand(l), operand(r)),
          "add an explicit CAST");
    }
    LAMINAR_ASSIGN_OR_RETURN(l, Coerce(l, *common));
    LAMINAR_ASSIGN_OR_RETURN(r, Coerce(r, *common));
  }
  return MakeCall(op, {l, r}, pos);
}

Result<BExpr> Binder::BindLiteral(const LiteralExpr& lit) {
  switch (lit.literal_kind) {
    case LiteralKind::kNull:
      return fn::Literal(Scalar::Null(columnar::null_type()));
    case LiteralKind::kBoolean:
      return fn::Literal(Scalar::Boolean(lit.bool_value));
    case LiteralKind::kInteger: {
      auto v = Scalar::Parse(columnar::int64(), lit.value);
      if (v.ok()) return fn::Literal(*v);
      auto d = Scalar::Parse(columnar::decimal128(38, 0), lit.value);
      if (d.ok()) return fn::Literal(*d);
      return BindError(ErrorCode::kTypeMismatch, lit.pos,
                       fmt::format("integer literal {} is too large", lit.value));
    }
    case LiteralKind::kDecimal:
    case LiteralKind::kFloat: {
      LAMINAR_ASSIGN_OR_RETURN(auto v, Scalar::Parse(columnar::float64(), lit.value));
      return fn::Literal(v);
    }
    case LiteralKind::kString:
      return fn::Literal(Scalar::String(lit.value));
    case LiteralKind::kTimestamp: {
      auto v = Scalar::Parse(columnar::timestamp(), lit.value);
      if (!v.ok()) return BindError(ErrorCode::kTypeMismatch, lit.pos, v.status().message());
      return fn::Literal(*v);
    }
    case LiteralKind::kDate: {
      auto v = Scalar::Parse(columnar::date32(), lit.value);
      if (!v.ok()) return BindError(ErrorCode::kTypeMismatch, lit.pos, v.status().message());
      return fn::Literal(*v);
    }
    case LiteralKind::kTime: {
      auto v = Scalar::Parse(columnar::time64(), lit.value);
      if (!v.ok()) return BindError(ErrorCode::kTypeMismatch, lit.pos, v.status().message());
      return fn::Literal(*v);
    }
    case LiteralKind::kInterval:
    case LiteralKind::kDuration: {
      auto iv = ParseInterval(lit.value, lit.unit);
      if (!iv.ok()) return BindError(ErrorCode::kTypeMismatch, lit.pos, iv.status().message());
      return fn::Literal(Scalar::MakeInterval(*iv));
    }
  }
  return Status::Internal("unknown literal kind");
}

Result<BExpr> Binder::BindColumnRef(const ColumnRefExpr& c, Scope& scope, AggContext* agg) {
  std::string name = c.parts.back().value;
  std::string qual = c.parts.size() >= 2 ? c.parts[c.parts.size() - 2].value : "";
  if (agg != nullptr) {
    // In a grouped query, plain columns must be GROUP BY keys; window bounds are columns of
    // the aggregate output.
    for (int k = 0; k < static_cast<int>(agg->group_asts.size()); ++k) {
      const Expr* g = agg->group_asts[static_cast<size_t>(k)];
      if (g->kind == ExprKind::kColumnRef) {
        const auto& gc = g->As<ColumnRefExpr>();
        if (gc.parts.back().value == name &&
            (qual.empty() || gc.parts.size() < 2 || gc.parts[gc.parts.size() - 2].value == qual)) {
          return fn::ColumnRef(k, agg->input_scope ? nullptr : nullptr, name);
        }
      }
    }
    if (agg->windowed && (name == "window_start" || name == "window_end")) {
      bool in_input = false;
      for (const auto& col : agg->input_scope->columns) in_input |= col.name == name;
      if (!in_input) {
        int idx = name == "window_start" ? agg->WindowStartColumn() : agg->WindowEndColumn();
        return fn::ColumnRef(idx, columnar::timestamp(), name);
      }
    }
    // Not a key: is it a column at all?
    bool exists = false;
    for (const auto& col : agg->input_scope->columns) exists |= col.name == name;
    if (exists) {
      return BindError(ErrorCode::kPlanningFailed, c.pos,
                       fmt::format("column '{}' must appear in the GROUP BY clause or be used in "
                                   "an aggregate function",
                                   name));
    }
  }
  int found = -1;
  for (int i = 0; i < static_cast<int>(scope.columns.size()); ++i) {
    const auto& col = scope.columns[static_cast<size_t>(i)];
    if (col.name == name && (qual.empty() || col.qualifier == qual)) {
      if (found >= 0) {
        return BindError(ErrorCode::kPlanningFailed, c.pos,
                         fmt::format("column reference '{}' is ambiguous", IdentText(c.parts)),
                         "qualify it with the table name");
      }
      found = i;
    }
  }
  if (found < 0) {
    // Case-insensitive fallback for quoted/unquoted mismatches.
    for (int i = 0; i < static_cast<int>(scope.columns.size()); ++i) {
      const auto& col = scope.columns[static_cast<size_t>(i)];
      if (EqualsIgnoreCase(col.name, name) && (qual.empty() || col.qualifier == qual)) {
        found = i;
        break;
      }
    }
  }
  if (found < 0) {
    std::vector<std::string> names;
    for (const auto& col : scope.columns) names.push_back(col.name);
    std::string hint;
    std::string best = ClosestMatch(name, names);
    if (!best.empty()) {
      hint = fmt::format("did you mean '{}'?", best);
    } else if (!names.empty()) {
      std::string list;
      for (size_t i = 0; i < names.size() && i < 10; ++i) list += (i ? ", " : "") + names[i];
      hint = "available columns: " + list;
    }
    return BindError(ErrorCode::kColumnNotFound, c.pos,
                     fmt::format("column '{}' not found", IdentText(c.parts)), hint);
  }
  const auto& col = scope.columns[static_cast<size_t>(found)];
  return fn::ColumnRef(found, col.type, col.name);
}

Result<TimeWindow> Binder::BindWindow(const FunctionCallExpr& f, Scope& scope) {
  TimeWindow w;
  const std::string& n = f.name.value;
  auto need = [&](size_t lo, size_t hi, const char* sig) -> Status {
    if (f.args.size() < lo || f.args.size() > hi) {
      return BindError(ErrorCode::kWindowInvalid, f.pos,
                       fmt::format("{} expects {}", ToUpper(n), sig));
    }
    return Status::OK();
  };
  auto dur = [&](size_t i, const char* what) -> Result<int64_t> {
    LAMINAR_ASSIGN_OR_RETURN(int64_t us, BindDuration(*f.args[i], what, sql_));
    return us;
  };
  if (n == "tumble") {
    w.kind = WindowKind::kTumble;
    LAMINAR_RETURN_NOT_OK(need(2, 3, "(time_column, size [, offset])"));
    LAMINAR_ASSIGN_OR_RETURN(w.size, dur(1, "window size"));
    if (f.args.size() == 3) {
      LAMINAR_ASSIGN_OR_RETURN(w.offset, dur(2, "window offset"));
    }
  } else if (n == "hop" || n == "slide") {
    w.kind = WindowKind::kHop;
    LAMINAR_RETURN_NOT_OK(need(3, 4, "(time_column, slide, size [, offset])"));
    LAMINAR_ASSIGN_OR_RETURN(w.slide, dur(1, "window slide"));
    LAMINAR_ASSIGN_OR_RETURN(w.size, dur(2, "window size"));
    if (f.args.size() == 4) {
      LAMINAR_ASSIGN_OR_RETURN(w.offset, dur(3, "window offset"));
    }
  } else if (n == "session") {
    w.kind = WindowKind::kSession;
    LAMINAR_RETURN_NOT_OK(need(2, 2, "(time_column, gap)"));
    LAMINAR_ASSIGN_OR_RETURN(w.gap, dur(1, "session gap"));
  } else if (n == "cumulate") {
    w.kind = WindowKind::kCumulate;
    LAMINAR_RETURN_NOT_OK(need(3, 3, "(time_column, step, max_size)"));
    LAMINAR_ASSIGN_OR_RETURN(w.slide, dur(1, "window step"));
    LAMINAR_ASSIGN_OR_RETURN(w.size, dur(2, "window max size"));
    if (w.size % w.slide != 0) {
      return BindError(ErrorCode::kWindowSizeInvalid, f.pos,
                       "CUMULATE max size must be a multiple of its step");
    }
  }
  LAMINAR_ASSIGN_OR_RETURN(w.time_expr, Bind(*f.args[0], scope, nullptr));
  if (w.time_expr->type->id() != TypeId::kTimestamp) {
    if (w.time_expr->type->id() == TypeId::kDate32) {
      LAMINAR_ASSIGN_OR_RETURN(w.time_expr, Coerce(w.time_expr, columnar::timestamp()));
    } else {
      return BindError(ErrorCode::kWindowInvalid, f.args[0]->pos,
                       fmt::format("{} time argument must be a TIMESTAMP, got {}", ToUpper(n),
                                   w.time_expr->type->ToString()));
    }
  }
  return w;
}

Result<BExpr> Binder::BindAggregateCall(const FunctionCallExpr& f, AggContext* agg) {
  const std::string& n = f.name.value;
  if (agg == nullptr) {
    return BindError(ErrorCode::kPlanningFailed, f.pos,
                     fmt::format("aggregate function {} is not allowed here", ToUpper(n)),
                     "aggregates belong in SELECT or HAVING of a query");
  }
  AggregateCall call;
  call.distinct = f.distinct;
  call.count_star = f.star;
  std::vector<DataTypePtr> types;
  for (const auto& a : f.args) {
    LAMINAR_ASSIGN_OR_RETURN(auto e, Bind(*a, *agg->input_scope, nullptr));
    types.push_back(e->type);
    call.args.push_back(std::move(e));
  }
  if (f.filter) {
    LAMINAR_ASSIGN_OR_RETURN(call.filter, Bind(*f.filter, *agg->input_scope, nullptr));
  }
  auto ra = fn::FunctionRegistry::Global().ResolveAggregate(n, types, f.distinct);
  if (!ra.ok()) {
    return Status(ra.status().code(), ra.status().error_code(),
                  ra.status().message() + PosText(f.pos));
  }
  for (size_t i = 0; i < call.args.size() && i < ra->param_types.size(); ++i) {
    LAMINAR_ASSIGN_OR_RETURN(call.args[i], Coerce(call.args[i], ra->param_types[i]));
  }
  call.function = ra->name;
  call.type = ra->return_type;
  call.retractable = ra->retractable;
  call.display = ToSql(f);
  auto it = agg->agg_index.find(call.display);
  int idx;
  if (it != agg->agg_index.end()) {
    idx = it->second;
  } else {
    idx = static_cast<int>(agg->aggregates.size());
    agg->agg_index[call.display] = idx;
    agg->aggregates.push_back(call);
  }
  return fn::ColumnRef(agg->AggColumn(idx), agg->aggregates[static_cast<size_t>(idx)].type,
                       call.display);
}

Result<BExpr> Binder::BindAnalytic(const FunctionCallExpr& f, Scope& scope, AggContext* agg) {
  const std::string& n = f.name.value;
  // Ranking functions in a continuous query become a streaming top-N (topn_analysis.h),
  // aggregates a streaming OVER window (over_window_analysis.h).
  if (mode_ == BindMode::kStreaming && n == "lead") {
    return BindError(ErrorCode::kSqlUnsupported, f.pos,
                     "LEAD(...) OVER (...) is not supported in a continuous query: a row's result "
                     "would wait for the rows after it, which may never come",
                     "order the other way and use LAG (... ORDER BY ts), or run it as an ad-hoc "
                     "SELECT over a materialized view");
  }
  if (mode_ == BindMode::kStreaming && n != "row_number" && n != "rank" && n != "dense_rank" &&
      n != "sum" && n != "avg" && n != "count" && n != "min" && n != "max" && n != "lag" &&
      n != "first_value" && n != "last_value" && n != "nth_value") {
    return BindError(
        ErrorCode::kSqlUnsupported, f.pos,
        fmt::format("{}(...) OVER (...) is not supported in a continuous query yet", ToUpper(n)),
        "SUM/AVG/COUNT/MIN/MAX/FIRST_VALUE/LAST_VALUE/NTH_VALUE OVER (... ROWS ...), LAG, and "
        "ranking functions with a rank filter are; or run it as an ad-hoc SELECT over a "
        "materialized view");
  }
  if (analytics_ == nullptr || agg != nullptr) {
    return BindError(ErrorCode::kPlanningFailed, f.pos,
                     "window functions are only allowed in the SELECT list of a query without "
                     "GROUP BY");
  }
  static const std::set<std::string> kRanking = {"row_number", "rank", "dense_rank"};
  static const std::set<std::string> kValue = {"lag", "lead", "first_value", "last_value",
                                               "nth_value"};
  static const std::set<std::string> kAgg = {"sum", "avg", "min", "max", "count"};
  if (!kRanking.count(n) && !kValue.count(n) && !kAgg.count(n)) {
    return BindError(ErrorCode::kSqlUnsupported, f.pos,
                     fmt::format("{} is not supported as a window function", ToUpper(n)),
                     "supported: ROW_NUMBER, RANK, DENSE_RANK, LAG, LEAD, FIRST_VALUE, "
                     "LAST_VALUE, NTH_VALUE, SUM, AVG, MIN, MAX, COUNT");
  }
  AnalyticCall call;
  call.function = n;
  call.count_star = f.star;
  for (const auto& a : f.args) {
    LAMINAR_ASSIGN_OR_RETURN(auto e, Bind(*a, scope, nullptr));
    call.args.push_back(e);
  }
  for (const auto& p : f.over->partition_by) {
    LAMINAR_ASSIGN_OR_RETURN(auto e, Bind(*p, scope, nullptr));
    call.partition_by.push_back(e);
  }
  for (const auto& o : f.over->order_by) {
    LAMINAR_ASSIGN_OR_RETURN(auto e, Bind(*o.expr, scope, nullptr));
    call.order_by.push_back(e);
    call.descending.push_back(o.descending);
  }
  if (f.over->frame) {
    const WindowFrame& fr = *f.over->frame;
    call.has_frame = true;
    call.range_frame = fr.units == FrameUnits::kRange;
    auto bound = [&](const FrameBound& b) -> Result<int64_t> {
      switch (b.kind) {
        case FrameBoundKind::kUnboundedPreceding:
          return INT64_MIN;
        case FrameBoundKind::kUnboundedFollowing:
          return INT64_MAX;
        case FrameBoundKind::kCurrentRow:
          return 0;
        case FrameBoundKind::kPreceding:
        case FrameBoundKind::kFollowing: {
          if (call.range_frame) {
            return BindError(ErrorCode::kSqlUnsupported, f.pos,
                             "RANGE frames with offsets are not supported; use ROWS");
          }
          LAMINAR_ASSIGN_OR_RETURN(auto e, Bind(*b.offset, scope, nullptr));
          auto v = fn::EvaluateConstant(e);
          if (!v.ok() || v->is_null() || !v->type()->is_integer() || v->int_value() < 0) {
            return BindError(ErrorCode::kPlanningFailed, f.pos,
                             "frame offsets must be non-negative integer constants");
          }
          return b.kind == FrameBoundKind::kPreceding ? -v->int_value() : v->int_value();
        }
      }
      return 0;
    };
    LAMINAR_ASSIGN_OR_RETURN(call.frame_start, bound(fr.start));
    if (fr.end) {
      LAMINAR_ASSIGN_OR_RETURN(call.frame_end, bound(*fr.end));
    }
  }
  if (kRanking.count(n) || n == "count") {
    call.type = columnar::int64();
  } else if (n == "avg") {
    call.type = columnar::float64();
  } else {
    if (call.args.empty()) {
      return BindError(ErrorCode::kPlanningFailed, f.pos,
                       fmt::format("{} needs an argument", ToUpper(n)));
    }
    call.type = call.args[0]->type;
    if (n == "sum" && call.type->is_integer()) call.type = columnar::int64();
    if (n == "sum" && !call.type->is_numeric()) {
      return BindError(ErrorCode::kTypeMismatch, f.pos, "SUM needs a numeric argument");
    }
  }
  if ((n == "lag" || n == "lead") && call.args.size() >= 3) {
    LAMINAR_ASSIGN_OR_RETURN(call.args[2], Coerce(call.args[2], call.type));
  }
  int idx = analytic_base_ + static_cast<int>(analytics_->size());
  DataTypePtr t = call.type;
  analytics_->push_back(std::move(call));
  return fn::ColumnRef(idx, t, ToSql(f));
}

Result<BExpr> Binder::BindFunction(const FunctionCallExpr& f, Scope& scope, AggContext* agg) {
  const std::string& n = f.name.value;
  auto& reg = fn::FunctionRegistry::Global();
  if (f.over) return BindAnalytic(f, scope, agg);
  if (reg.IsAggregate(n) && !reg.IsScalar(n)) return BindAggregateCall(f, agg);
  if (agg != nullptr && agg->windowed) {
    // Window bound helpers: TUMBLE(...) / TUMBLE_START(...) → window_start, *_END → window_end.
    std::string base = n;
    bool is_end = false, is_start = false;
    for (const char* suffix : {"_start", "_end"}) {
      std::string s(suffix);
      if (base.size() > s.size() && base.substr(base.size() - s.size()) == s) {
        is_end = s == "_end";
        is_start = s == "_start";
        base = base.substr(0, base.size() - s.size());
      }
    }
    if (IsWindowFunctionName(base)) {
      if (is_end) return fn::ColumnRef(agg->WindowEndColumn(), columnar::timestamp(), "window_end");
      (void)is_start;
      return fn::ColumnRef(agg->WindowStartColumn(), columnar::timestamp(), "window_start");
    }
  }
  if (n == "unnest") {
    return BindError(ErrorCode::kSqlUnsupported, f.name.pos,
                     "UNNEST must be a whole SELECT list item or a FROM item, not part of an "
                     "expression",
                     "unnest first, e.g. SELECT x + 1 FROM t CROSS JOIN UNNEST(arr) AS u(x)");
  }
  if (IsWindowFunctionName(n) && n != "session") {
    // Outside GROUP BY the window helpers are scalar functions (window start of each row).
  }
  std::vector<BExpr> args;
  for (const auto& a : f.args) {
    LAMINAR_ASSIGN_OR_RETURN(auto e, Bind(*a, scope, agg));
    args.push_back(std::move(e));
  }
  if ((n == "current_date" || n == "current_time" || n == "localtime") && args.empty()) {
    // SQL niladic date/time values: the query time (now()) cast to the requested type.
    LAMINAR_ASSIGN_OR_RETURN(auto now, MakeCall("now", {}, f.pos));
    return fn::Cast(now, n == "current_date" ? columnar::date32() : columnar::time64());
  }
  if (n == "coalesce") {
    if (args.empty())
      return BindError(ErrorCode::kPlanningFailed, f.pos, "COALESCE needs arguments");
    DataTypePtr t = args[0]->type;
    for (size_t i = 1; i < args.size(); ++i) {
      auto c = fn::CommonSuperType(t, args[i]->type);
      if (!c.ok()) {
        return BindError(ErrorCode::kTypeMismatch, f.pos,
                         fmt::format("COALESCE arguments have incompatible types {} and {}",
                                     t->ToString(), args[i]->type->ToString()));
      }
      t = *c;
    }
    for (auto& a : args) {
      LAMINAR_ASSIGN_OR_RETURN(a, Coerce(a, t));
    }
    return fn::MakeCoalesce(std::move(args), t);
  }
  if (!reg.IsScalar(n) && !reg.IsAggregate(n)) {
    std::string best = ClosestMatch(n, reg.FunctionNames());
    return BindError(ErrorCode::kPlanningFailed, f.name.pos,
                     fmt::format("unknown function '{}'", n),
                     best.empty() ? "" : fmt::format("did you mean '{}'?", best));
  }
  return MakeCall(n, std::move(args), f.pos);
}

Result<BExpr> Binder::BindBinary(const BinaryExpr& b, Scope& scope, AggContext* agg) {
  LAMINAR_ASSIGN_OR_RETURN(auto l, Bind(*b.left, scope, agg));
  LAMINAR_ASSIGN_OR_RETURN(auto r, Bind(*b.right, scope, agg));
  switch (b.op) {
    case BinaryOp::kAnd:
    case BinaryOp::kOr: {
      LAMINAR_ASSIGN_OR_RETURN(l, Coerce(l, columnar::boolean()));
      LAMINAR_ASSIGN_OR_RETURN(r, Coerce(r, columnar::boolean()));
      return b.op == BinaryOp::kAnd ? fn::MakeAnd({l, r}) : fn::MakeOr({l, r});
    }
    case BinaryOp::kEq:
      return Compare("eq", l, r, b.pos);
    case BinaryOp::kNotEq:
      return Compare("neq", l, r, b.pos);
    case BinaryOp::kLt:
      return Compare("lt", l, r, b.pos);
    case BinaryOp::kLtEq:
      return Compare("lte", l, r, b.pos);
    case BinaryOp::kGt:
      return Compare("gt", l, r, b.pos);
    case BinaryOp::kGtEq:
      return Compare("gte", l, r, b.pos);
    case BinaryOp::kConcat:
      return MakeCall("concat_op", {l, r}, b.pos);
    case BinaryOp::kArrow:
      return MakeCall("json_get", {l, r}, b.pos);
    case BinaryOp::kLongArrow:
      return MakeCall("json_get_text", {l, r}, b.pos);
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kPow: {
      static const char* kNames[] = {"add", "subtract", "multiply", "divide", "modulo", "power"};
      int idx = static_cast<int>(b.op) - static_cast<int>(BinaryOp::kAdd);
      // String literals next to temporal values take their type ('2024-01-01' + INTERVAL ...).
      if (l->IsLiteral() && l->type->id() == TypeId::kString &&
          r->type->id() == TypeId::kInterval) {
        LAMINAR_ASSIGN_OR_RETURN(l, Coerce(l, columnar::timestamp()));
      }
      if (r->IsLiteral() && r->type->id() == TypeId::kString &&
          (l->type->id() == TypeId::kTimestamp || l->type->id() == TypeId::kDate32)) {
        LAMINAR_ASSIGN_OR_RETURN(r, Coerce(r, columnar::interval()));
      }
      return MakeCall(kNames[idx], {l, r}, b.pos);
    }
  }
  return Status::Internal("unknown binary operator");
}

Result<BExpr> Binder::Bind(const Expr& e, Scope& scope, AggContext* agg) {
  if (agg != nullptr) {
    // A whole GROUP BY expression used in SELECT maps to its key column.
    for (int k = 0; k < static_cast<int>(agg->group_asts.size()); ++k) {
      if (e.kind != ExprKind::kColumnRef && Equals(e, *agg->group_asts[static_cast<size_t>(k)])) {
        LAMINAR_ASSIGN_OR_RETURN(auto bound, Bind(e, *agg->input_scope, nullptr));
        return fn::ColumnRef(k, bound->type, ToSql(e));
      }
    }
  }
  switch (e.kind) {
    case ExprKind::kLiteral:
      return BindLiteral(e.As<LiteralExpr>());
    case ExprKind::kColumnRef: {
      auto bound_ref = BindColumnRef(e.As<ColumnRefExpr>(), scope, agg);
      if (!bound_ref.ok() && bound_ref.status().error_code() == ErrorCode::kColumnNotFound &&
          !outer_frames_.empty()) {
        return BindOuterRef(e.As<ColumnRefExpr>(), bound_ref.status());
      }
      LAMINAR_ASSIGN_OR_RETURN(auto r, std::move(bound_ref));
      if (r->type == nullptr) {
        // A GROUP BY key reference: type comes from binding the key in the input scope.
        int k = r->column_index;
        LAMINAR_ASSIGN_OR_RETURN(
            auto key, Bind(*agg->group_asts[static_cast<size_t>(k)], *agg->input_scope, nullptr));
        return fn::ColumnRef(k, key->type, r->name);
      }
      return r;
    }
    case ExprKind::kStar:
      return BindError(ErrorCode::kPlanningFailed, e.pos, "'*' is only allowed in a SELECT list");
    case ExprKind::kParameter:
      return BindError(ErrorCode::kSqlUnsupported, e.pos, "parameters ($n) are not supported here");
    case ExprKind::kUnary: {
      const auto& u = e.As<UnaryExpr>();
      LAMINAR_ASSIGN_OR_RETURN(auto x, Bind(*u.operand, scope, agg));
      if (u.op == UnaryOp::kNot) {
        LAMINAR_ASSIGN_OR_RETURN(x, Coerce(x, columnar::boolean()));
        return fn::MakeNot(x);
      }
      if (u.op == UnaryOp::kPlus) return x;
      if (x->IsLiteral() && !x->literal.is_null()) {
        auto folded = fn::EvaluateConstant(fn::Call("negate", {x}, x->type));
        if (folded.ok()) return fn::Literal(*folded);
      }
      return MakeCall("negate", {x}, u.pos);
    }
    case ExprKind::kBinary:
      return BindBinary(e.As<BinaryExpr>(), scope, agg);
    case ExprKind::kIs: {
      const auto& is = e.As<IsExpr>();
      LAMINAR_ASSIGN_OR_RETURN(auto x, Bind(*is.operand, scope, agg));
      switch (is.test) {
        case IsTest::kNull:
        case IsTest::kUnknown:
          return fn::MakeIsNull(x, is.negated);
        case IsTest::kTrue:
        case IsTest::kFalse: {
          // x IS TRUE  ==  COALESCE(x = TRUE, FALSE)
          LAMINAR_ASSIGN_OR_RETURN(x, Coerce(x, columnar::boolean()));
          auto want = fn::Literal(Scalar::Boolean(is.test == IsTest::kTrue));
          LAMINAR_ASSIGN_OR_RETURN(auto eq, MakeCall("eq", {x, want}, is.pos));
          auto res =
              fn::MakeCoalesce({eq, fn::Literal(Scalar::Boolean(false))}, columnar::boolean());
          return is.negated ? fn::MakeNot(res) : res;
        }
        case IsTest::kDistinctFrom: {
          LAMINAR_ASSIGN_OR_RETURN(auto y, Bind(*is.right, scope, agg));
          return Compare(is.negated ? "is_not_distinct_from" : "is_distinct_from", x, y, is.pos);
        }
      }
      return Status::Internal("bad IS");
    }
    case ExprKind::kBetween: {
      const auto& bt = e.As<BetweenExpr>();
      LAMINAR_ASSIGN_OR_RETURN(auto x, Bind(*bt.operand, scope, agg));
      LAMINAR_ASSIGN_OR_RETURN(auto lo, Bind(*bt.low, scope, agg));
      LAMINAR_ASSIGN_OR_RETURN(auto hi, Bind(*bt.high, scope, agg));
      LAMINAR_ASSIGN_OR_RETURN(auto ge, Compare("gte", x, lo, bt.pos));
      LAMINAR_ASSIGN_OR_RETURN(auto le, Compare("lte", x, hi, bt.pos));
      auto both = fn::MakeAnd({ge, le});
      return bt.negated ? fn::MakeNot(both) : both;
    }
    case ExprKind::kInList: {
      const auto& in = e.As<InListExpr>();
      LAMINAR_ASSIGN_OR_RETURN(auto x, Bind(*in.operand, scope, agg));
      std::vector<BExpr> items;
      DataTypePtr t = x->type;
      for (const auto& item : in.list) {
        LAMINAR_ASSIGN_OR_RETURN(auto b, Bind(*item, scope, agg));
        if (b->IsLiteral() && b->type->id() == TypeId::kString && t->id() != TypeId::kString) {
          LAMINAR_ASSIGN_OR_RETURN(b, Coerce(b, t));
        }
        auto c = fn::CommonSuperType(t, b->type);
        if (!c.ok()) {
          return BindError(ErrorCode::kTypeMismatch, item->pos,
                           fmt::format("IN list value of type {} does not match {}",
                                       b->type->ToString(), t->ToString()));
        }
        t = *c;
        items.push_back(std::move(b));
      }
      LAMINAR_ASSIGN_OR_RETURN(x, Coerce(x, t));
      for (auto& i : items) {
        LAMINAR_ASSIGN_OR_RETURN(i, Coerce(i, t));
      }
      return fn::MakeInList(x, std::move(items), in.negated);
    }
    case ExprKind::kLike: {
      const auto& lk = e.As<LikeExpr>();
      LAMINAR_ASSIGN_OR_RETURN(auto x, Bind(*lk.operand, scope, agg));
      LAMINAR_ASSIGN_OR_RETURN(auto p, Bind(*lk.pattern, scope, agg));
      std::vector<BExpr> args = {x, p};
      if (lk.escape) {
        LAMINAR_ASSIGN_OR_RETURN(auto esc, Bind(*lk.escape, scope, agg));
        args.push_back(esc);
      }
      LAMINAR_ASSIGN_OR_RETURN(
          auto call, MakeCall(lk.case_insensitive ? "ilike" : "like", std::move(args), lk.pos));
      return lk.negated ? fn::MakeNot(call) : call;
    }
    case ExprKind::kCase: {
      const auto& cs = e.As<CaseExpr>();
      BExpr operand;
      if (cs.operand) {
        LAMINAR_ASSIGN_OR_RETURN(operand, Bind(*cs.operand, scope, agg));
      }
      std::vector<BExpr> conds, results;
      for (const auto& w : cs.whens) {
        LAMINAR_ASSIGN_OR_RETURN(auto c, Bind(*w.condition, scope, agg));
        if (operand) {
          LAMINAR_ASSIGN_OR_RETURN(c, Compare("eq", operand, c, w.condition->pos));
        } else {
          LAMINAR_ASSIGN_OR_RETURN(c, Coerce(c, columnar::boolean()));
        }
        conds.push_back(c);
        LAMINAR_ASSIGN_OR_RETURN(auto r, Bind(*w.result, scope, agg));
        results.push_back(r);
      }
      BExpr else_r;
      if (cs.else_result) {
        LAMINAR_ASSIGN_OR_RETURN(else_r, Bind(*cs.else_result, scope, agg));
        results.push_back(else_r);
      }
      DataTypePtr t = results[0]->type;
      for (size_t i = 1; i < results.size(); ++i) {
        auto c = fn::CommonSuperType(t, results[i]->type);
        if (!c.ok()) {
          return BindError(ErrorCode::kTypeMismatch, cs.pos,
                           fmt::format("CASE branches have incompatible types {} and {}",
                                       t->ToString(), results[i]->type->ToString()));
        }
        t = *c;
      }
      std::vector<BExpr> args;
      for (size_t i = 0; i < conds.size(); ++i) {
        args.push_back(conds[i]);
        LAMINAR_ASSIGN_OR_RETURN(auto r, Coerce(results[i], t));
        args.push_back(r);
      }
      if (else_r) {
        LAMINAR_ASSIGN_OR_RETURN(auto r, Coerce(else_r, t));
        args.push_back(r);
      }
      return fn::MakeCase(std::move(args), else_r != nullptr, t);
    }
    case ExprKind::kCast: {
      const auto& c = e.As<CastExpr>();
      LAMINAR_ASSIGN_OR_RETURN(auto x, Bind(*c.operand, scope, agg));
      LAMINAR_ASSIGN_OR_RETURN(auto t, BindTypeImpl(c.type));
      if (x->type->Equals(*t)) return x;
      bool try_cast = c.style == CastStyle::kTryCast;
      if (x->IsLiteral() && !try_cast) {
        auto folded = fn::EvaluateConstant(fn::Cast(x, t));
        if (!folded.ok())
          return BindError(folded.status().error_code(), c.pos, folded.status().message());
        return fn::Literal(*folded);
      }
      return fn::Cast(x, t, try_cast);
    }
    case ExprKind::kExtract: {
      const auto& ex = e.As<ExtractExpr>();
      LAMINAR_ASSIGN_OR_RETURN(auto x, Bind(*ex.operand, scope, agg));
      return MakeCall("date_part", {fn::Literal(Scalar::String(ex.field)), x}, ex.pos);
    }
    case ExprKind::kFunction:
      return BindFunction(e.As<FunctionCallExpr>(), scope, agg);
    case ExprKind::kArray: {
      const auto& a = e.As<ArrayExpr>();
      std::vector<BExpr> items;
      for (const auto& it : a.elements) {
        LAMINAR_ASSIGN_OR_RETURN(auto b, Bind(*it, scope, agg));
        items.push_back(b);
      }
      return MakeCall("make_array", std::move(items), a.pos);
    }
    case ExprKind::kSubscript: {
      const auto& s = e.As<SubscriptExpr>();
      LAMINAR_ASSIGN_OR_RETURN(auto base, Bind(*s.base, scope, agg));
      LAMINAR_ASSIGN_OR_RETURN(auto idx, Bind(*s.index, scope, agg));
      if (base->type->id() == TypeId::kString) return MakeCall("json_get", {base, idx}, s.pos);
      return MakeCall("array_element", {base, idx}, s.pos);
    }
    case ExprKind::kInSubquery:
    case ExprKind::kSubquery:
    case ExprKind::kExists:
      return BindSubquery(e, scope, agg);
  }
  return Status::Internal("unknown expression kind");
}

// ---------------------------------------------------------------------------------------------
// Subqueries in expressions

PlanPtr MakeNode(PlanKind kind, SchemaPtr schema, std::vector<PlanPtr> inputs);

const char* SubqueryConstruct(ExprKind k) {
  switch (k) {
    case ExprKind::kInSubquery:
      return "IN (SELECT ...)";
    case ExprKind::kExists:
      return "EXISTS (SELECT ...)";
    default:
      return "a scalar subquery (SELECT ...)";
  }
}

Result<BExpr> Binder::BindOuterRef(const ColumnRefExpr& c, const Status& not_found) {
  OuterFrame& frame = outer_frames_.back();
  auto r = BindColumnRef(c, *frame.scope, nullptr);
  if (!r.ok()) {
    // Two or more levels up is not supported: say so instead of "not found".
    for (size_t i = outer_frames_.size() - 1; i-- > 0;) {
      if (BindColumnRef(c, *outer_frames_[i].scope, nullptr).ok()) {
        return BindError(ErrorCode::kSqlUnsupported, c.pos,
                         fmt::format("column '{}' belongs to a query two or more levels out; "
                                     "correlated subqueries may only read their direct outer "
                                     "query",
                                     IdentText(c.parts)));
      }
    }
    return not_found;
  }
  frame.used = true;
  return fn::Call(kOuterRefPlaceholder, {fn::Literal(Scalar::Int64((*r)->column_index))},
                  (*r)->type);
}

Result<BExpr> Binder::BindSubquery(const Expr& e, Scope& scope, AggContext* agg) {
  const char* construct = SubqueryConstruct(e.kind);
  if (mode_ == BindMode::kStreaming) {
    return BindError(ErrorCode::kSqlUnsupported, e.pos,
                     fmt::format("{} is not supported in a continuous query", construct),
                     "join a TABLE instead, or run the subquery as an ad-hoc SELECT");
  }
  const Query* query = nullptr;
  SubqueryKind kind = SubqueryKind::kScalar;
  if (e.kind == ExprKind::kInSubquery) {
    query = e.As<InSubqueryExpr>().query.get();
    kind = SubqueryKind::kIn;
  } else if (e.kind == ExprKind::kExists) {
    query = e.As<ExistsExpr>().query.get();
    kind = SubqueryKind::kExists;
  } else {
    query = e.As<SubqueryExpr>().query.get();
  }
  // The IN operand belongs to the outer query: bind it before entering the subquery.
  BExpr operand;
  if (kind == SubqueryKind::kIn) {
    LAMINAR_ASSIGN_OR_RETURN(operand, Bind(*e.As<InSubqueryExpr>().operand, scope, agg));
  }
  // Bind the subquery as its own query, with this scope visible as the outer one.
  struct SavedState {
    Binder* b;
    std::optional<Scope> last_select_input;
    std::vector<AnalyticCall>* analytics;
    int analytic_base;
    std::vector<PendingApply> pending;
    int apply_base;
    bool apply_allowed;
    ~SavedState() {
      b->last_select_input_ = std::move(last_select_input);
      b->analytics_ = analytics;
      b->analytic_base_ = analytic_base;
      b->pending_applies_ = std::move(pending);
      b->apply_base_ = apply_base;
      b->apply_allowed_ = apply_allowed;
      b->outer_frames_.pop_back();
    }
  } saved{this,        last_select_input_, analytics_, analytic_base_, std::move(pending_applies_),
          apply_base_, apply_allowed_};
  pending_applies_.clear();
  analytics_ = nullptr;
  apply_allowed_ = false;
  outer_frames_.push_back({&scope, false});
  Scope sub_scope;
  LAMINAR_ASSIGN_OR_RETURN(PlanPtr plan, BindQueryPlan(*query, &sub_scope));
  const bool correlated = outer_frames_.back().used;
  const int ncols = plan->schema->num_fields();
  if (kind != SubqueryKind::kExists && ncols != 1) {
    return BindError(
        ErrorCode::kPlanningFailed, e.pos,
        fmt::format("{} must return exactly one column, but returns {}", construct, ncols),
        "select a single column");
  }
  DataTypePtr type = columnar::boolean();
  if (kind == SubqueryKind::kScalar) {
    type = plan->schema->field(0)->type;
  } else if (kind == SubqueryKind::kIn) {
    // Compare in the common type of the operand and the subquery's column.
    DataTypePtr sub_type = plan->schema->field(0)->type;
    auto common = fn::CommonSuperType(operand->type, sub_type);
    if (!common.ok()) {
      return BindError(ErrorCode::kTypeMismatch, e.pos,
                       fmt::format("IN (SELECT ...) compares {} with a subquery column of type {}",
                                   operand->type->ToString(), sub_type->ToString()),
                       "add a CAST on one side");
    }
    LAMINAR_ASSIGN_OR_RETURN(operand, Coerce(operand, *common));
    if (!sub_type->Equals(**common)) {
      auto cast = MakeNode(PlanKind::kProject,
                           std::make_shared<Schema>(std::vector<FieldPtr>{
                               std::make_shared<Field>(plan->schema->field(0)->name, *common)}),
                           {plan});
      cast->exprs.push_back(
          fn::Cast(fn::ColumnRef(0, sub_type, plan->schema->field(0)->name), *common));
      plan = cast;
    }
  }
  if (!correlated) {
    if (subquery_sink_ == nullptr) {
      return BindError(ErrorCode::kSqlUnsupported, e.pos,
                       fmt::format("{} is not supported here", construct));
    }
    const int id = next_subquery_id_++;
    subquery_sink_->push_back({id, kind, plan});
    BExpr id_lit = fn::Literal(Scalar::Int64(id));
    if (kind == SubqueryKind::kIn) {
      BExpr in = fn::Call(kSubqueryInPlaceholder, {operand, id_lit}, columnar::boolean());
      return e.As<InSubqueryExpr>().negated ? fn::MakeNot(in) : in;
    }
    return fn::Call(kSubqueryPlaceholder, {id_lit}, type);
  }
  if (!saved.apply_allowed || agg != nullptr) {
    return BindError(ErrorCode::kSqlUnsupported, e.pos,
                     fmt::format("correlated {} is only supported in WHERE and in the SELECT list "
                                 "of a query without GROUP BY or window functions",
                                 construct),
                     "rewrite it as a JOIN");
  }
  const int column = saved.apply_base + static_cast<int>(saved.pending.size());
  saved.pending.push_back({kind, plan, operand, type});
  BExpr ref = fn::ColumnRef(column, type, ToSql(e));
  if (kind == SubqueryKind::kIn && e.As<InSubqueryExpr>().negated) return fn::MakeNot(ref);
  return ref;
}

PlanPtr Binder::TakePendingApplies(PlanPtr plan) {
  for (auto& p : pending_applies_) {
    std::vector<FieldPtr> fields = plan->schema->fields();
    fields.push_back(std::make_shared<Field>(fmt::format("_subquery{}", fields.size()), p.type));
    auto a =
        MakeNode(PlanKind::kApply, std::make_shared<Schema>(std::move(fields)), {plan, p.plan});
    a->apply_kind = p.kind;
    a->apply_operand = p.operand;
    plan = a;
  }
  pending_applies_.clear();
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Queries

PlanPtr MakeNode(PlanKind kind, SchemaPtr schema, std::vector<PlanPtr> inputs) {
  auto n = std::make_shared<PlanNode>();
  n->kind = kind;
  n->schema = std::move(schema);
  n->inputs = std::move(inputs);
  return n;
}

bool IsUnnestRef(const TableRef& ref) {
  return ref.kind == TableRefKind::kFunction && ref.name.size() == 1 &&
         ToLower(ref.name[0].value) == "unnest";
}

bool IsUnnestCall(const Expr& e) {
  return e.kind == ExprKind::kFunction && ToLower(e.As<FunctionCallExpr>().name.value) == "unnest";
}

// The element type of an UNNEST list (an untyped NULL unnests to no rows of type NULL).
DataTypePtr UnnestElementType(const BExpr& list) {
  return list->type->id() == TypeId::kList ? list->type->value_type() : list->type;
}

Result<BExpr> Binder::BindUnnestList(const Expr& arg, Scope& scope, AggContext* agg) {
  LAMINAR_ASSIGN_OR_RETURN(auto e, Bind(arg, scope, agg));
  const TypeId id = e->type->id();
  if (id != TypeId::kList && id != TypeId::kNull) {
    return BindError(ErrorCode::kTypeMismatch, arg.pos,
                     fmt::format("UNNEST needs an ARRAY argument, got {}", e->type->ToString()),
                     "pass an ARRAY value, e.g. UNNEST(make_array(1, 2)) or an ARRAY column");
  }
  return e;
}

Result<PlanPtr> Binder::BindUnnestFrom(const TableRef& ref, PlanPtr input, Scope* scope,
                                       bool keep_empty) {
  if (ref.args.empty()) {
    return BindError(ErrorCode::kPlanningFailed, ref.pos, "UNNEST needs an ARRAY argument",
                     "e.g. UNNEST(make_array(1, 2)) AS u(x)");
  }
  const std::string qual = ref.alias ? ref.alias->value : "unnest";
  const size_t ncols = ref.args.size() + (ref.with_ordinality ? 1 : 0);
  if (ref.column_aliases.size() > ncols) {
    return BindError(ErrorCode::kPlanningFailed, ref.column_aliases[ncols].pos,
                     fmt::format("UNNEST '{}' has {} column(s) but {} column aliases are given",
                                 qual, ncols, ref.column_aliases.size()));
  }
  auto node = MakeNode(PlanKind::kUnnest, nullptr, {std::move(input)});
  node->unnest_ordinality = ref.with_ordinality;
  node->unnest_keep_empty = keep_empty;
  std::vector<FieldPtr> fields = node->inputs[0]->schema->fields();
  std::vector<ScopeColumn> added;
  auto column_name = [&](size_t i, const std::string& fallback) {
    return i < ref.column_aliases.size() ? ref.column_aliases[i].value : fallback;
  };
  for (size_t i = 0; i < ref.args.size(); ++i) {
    // PostgreSQL names the column of a one-list UNNEST after the table alias (`AS u` → u).
    LAMINAR_ASSIGN_OR_RETURN(auto list, BindUnnestList(*ref.args[i], *scope, nullptr));
    const std::string name =
        column_name(i, ref.alias && ref.args.size() == 1 ? ref.alias->value : "unnest");
    const DataTypePtr type = UnnestElementType(list);
    fields.push_back(std::make_shared<Field>(name, type));
    added.push_back({qual, name, type});
    node->exprs.push_back(std::move(list));
  }
  if (ref.with_ordinality) {
    const std::string name = column_name(ref.args.size(), "ordinality");
    fields.push_back(std::make_shared<Field>(name, columnar::int64()));
    added.push_back({qual, name, columnar::int64()});
  }
  node->schema = std::make_shared<Schema>(std::move(fields));
  for (auto& c : added) scope->columns.push_back(std::move(c));
  return node;
}

Result<PlanPtr> Binder::BindFrom(const TableRef& ref, Scope* scope) {
  switch (ref.kind) {
    case TableRefKind::kNamed: {
      std::string name = IdentText(ref.name);
      for (auto it = ctes_.rbegin(); ref.name.size() == 1 && it != ctes_.rend(); ++it) {
        if (it->name != name) continue;
        *scope = it->scope;
        std::string qual = ref.alias ? ref.alias->value : name;
        for (auto& c : scope->columns) c.qualifier = qual;
        for (size_t i = 0; i < ref.column_aliases.size() && i < scope->columns.size(); ++i) {
          scope->columns[i].name = ref.column_aliases[i].value;
        }
        return it->plan;
      }
      const RelationInfo* rel = catalog_->FindRelation(name);
      if (rel == nullptr) {
        std::string best = ClosestMatch(name, catalog_->RelationNames());
        return BindError(
            ErrorCode::kTableNotFound, ref.pos, fmt::format("table '{}' not found", name),
            best.empty() ? "Use SHOW TABLES, SHOW SOURCES or SHOW STREAMS to list what exists"
                         : fmt::format("did you mean '{}'?", best));
      }
      if (ref.system_time && &ref != temporal_join_right_) {
        return BindError(ErrorCode::kJoinTypeUnsupported, ref.pos,
                         "FOR SYSTEM_TIME AS OF is only supported in a temporal join");
      }
      info_.inputs.push_back(rel->name);
      if (rel->has_watermark) has_watermark_input_ = true;
      auto node = MakeNode(PlanKind::kScan, rel->schema, {});
      node->relation = rel->name;
      std::string qual = ref.alias ? ref.alias->value : rel->name;
      *scope = Scope::FromSchema(rel->schema, qual);
      if (!ref.column_aliases.empty()) {
        for (size_t i = 0; i < ref.column_aliases.size() && i < scope->columns.size(); ++i) {
          scope->columns[i].name = ref.column_aliases[i].value;
        }
      }
      return node;
    }
    case TableRefKind::kSubquery: {
      Scope inner;
      LAMINAR_ASSIGN_OR_RETURN(auto plan, BindQueryPlan(*ref.subquery, &inner));
      std::string qual = ref.alias ? ref.alias->value : "";
      for (auto& c : inner.columns) c.qualifier = qual;
      for (size_t i = 0; i < ref.column_aliases.size() && i < inner.columns.size(); ++i) {
        inner.columns[i].name = ref.column_aliases[i].value;
      }
      *scope = inner;
      return plan;
    }
    case TableRefKind::kFunction:
      if (IsUnnestRef(ref)) {
        // Not after another FROM item: the lists are unnested over one empty row.
        auto one_row =
            MakeNode(PlanKind::kValues, std::make_shared<Schema>(std::vector<FieldPtr>{}), {});
        one_row->rows.push_back({});
        *scope = Scope{};
        return BindUnnestFrom(ref, std::move(one_row), scope, false);
      }
      return BindError(
          ErrorCode::kSqlUnsupported, ref.pos,
          fmt::format("table function '{}' is not supported yet", IdentText(ref.name)));
    case TableRefKind::kJoin:
      return BindJoin(ref, scope);
  }
  return Status::Internal("bad FROM");
}

// Splits a bound predicate into its AND conjuncts.
void Conjuncts(const BExpr& e, std::vector<BExpr>* out) {
  if (e->kind == fn::ExprKind::kAnd) {
    for (const auto& a : e->args) Conjuncts(a, out);
  } else {
    out->push_back(e);
  }
}

// Which side(s) an expression reads: bit 1 = left (< nleft), bit 2 = right.
int Sides(const fn::Expr& e, int nleft) {
  std::vector<int> cols;
  fn::CollectColumnRefs(e, &cols);
  int s = 0;
  for (int c : cols) s |= c < nleft ? 1 : 2;
  return s;
}

// Matches `col`, `col + lit`, `col - lit` over one side; returns column and offset (µs).
bool TimeTerm(const BExpr& e, int* col, int64_t* offset) {
  if (e->kind == fn::ExprKind::kColumnRef && e->type->id() == TypeId::kTimestamp) {
    *col = e->column_index;
    *offset = 0;
    return true;
  }
  if (e->kind == fn::ExprKind::kCall &&
      (e->function_name == "add" || e->function_name == "subtract") && e->args.size() == 2 &&
      e->args[0]->kind == fn::ExprKind::kColumnRef && e->args[1]->kind == fn::ExprKind::kLiteral &&
      e->args[1]->type->id() == TypeId::kInterval && !e->args[1]->literal.is_null()) {
    const Interval& iv = e->args[1]->literal.interval_value();
    if (iv.months != 0) return false;
    *col = e->args[0]->column_index;
    *offset = e->function_name == "add" ? iv.ToMicros() : -iv.ToMicros();
    return true;
  }
  return false;
}

// A TEMPORAL PROBE offset (`5s`, `-500ms`, INTERVAL '1' SECOND) in µs; zero and negative
// offsets are allowed.
Result<int64_t> ProbeOffset(const Expr& e) {
  LAMINAR_ASSIGN_OR_RETURN(auto b, BindScalar(e, nullptr));
  auto v = fn::EvaluateConstant(b);
  if (!v.ok() || v->is_null() || v->type()->id() != TypeId::kInterval ||
      v->interval_value().months != 0) {
    return BindError(
        ErrorCode::kJoinTimeBoundMissing, e.pos,
        "probe offsets must be fixed durations such as 0s, 500ms, 5s or INTERVAL '1' SECOND");
  }
  return v->interval_value().ToMicros();
}

Result<PlanPtr> Binder::BindJoin(const TableRef& ref, Scope* scope) {
  if (IsUnnestRef(*ref.right)) {
    // `l CROSS JOIN UNNEST(l.arr)`, `l JOIN UNNEST(...) ON cond`, `l LEFT JOIN UNNEST(...) ON
    // TRUE`: a lateral expansion of each left row, not a join of two inputs.
    Scope ls;
    LAMINAR_ASSIGN_OR_RETURN(auto l, BindFrom(*ref.left, &ls));
    const bool left = ref.join_kind == JoinKind::kLeft;
    if (ref.join_kind != JoinKind::kCross && ref.join_kind != JoinKind::kInner && !left) {
      return BindError(ErrorCode::kJoinTypeUnsupported, ref.right->pos,
                       fmt::format("{} UNNEST is not supported", JoinKindName(ref.join_kind)),
                       "use CROSS JOIN UNNEST(...) or LEFT JOIN UNNEST(...) ON TRUE");
    }
    if (!ref.using_columns.empty()) {
      return BindError(ErrorCode::kJoinTypeUnsupported, ref.using_columns[0].pos,
                       "JOIN UNNEST(...) USING is not supported", "use ON");
    }
    LAMINAR_ASSIGN_OR_RETURN(auto plan, BindUnnestFrom(*ref.right, l, &ls, left));
    if (ref.on) {
      LAMINAR_ASSIGN_OR_RETURN(auto cond, Bind(*ref.on, ls, nullptr));
      LAMINAR_ASSIGN_OR_RETURN(cond, Coerce(cond, columnar::boolean()));
      const bool always = cond->kind == fn::ExprKind::kLiteral && !cond->literal.is_null() &&
                          cond->literal.bool_value();
      if (left && !always) {
        return BindError(ErrorCode::kJoinTypeUnsupported, ref.on->pos,
                         "LEFT JOIN UNNEST(...) supports only ON TRUE",
                         "filter the elements in WHERE or in a subquery");
      }
      if (!always) {
        auto f = MakeNode(PlanKind::kFilter, plan->schema, {plan});
        f->predicate = cond;
        plan = f;
      }
    }
    *scope = std::move(ls);
    return plan;
  }
  Scope ls, rs;
  LAMINAR_ASSIGN_OR_RETURN(auto l, BindFrom(*ref.left, &ls));
  temporal_join_right_ = ref.right.get();
  auto bound_right = BindFrom(*ref.right, &rs);
  temporal_join_right_ = nullptr;
  LAMINAR_ASSIGN_OR_RETURN(auto r, std::move(bound_right));
  const int nleft = static_cast<int>(ls.columns.size());
  Scope both = ls;
  for (const auto& c : rs.columns) both.columns.push_back(c);
  const bool semi = ref.join_kind == JoinKind::kLeftSemi || ref.join_kind == JoinKind::kLeftAnti;
  auto node = MakeNode(PlanKind::kJoin, semi ? ls.ToSchema() : both.ToSchema(), {l, r});
  node->join_kind = ref.join_kind;
  JoinSpec& js = node->join;
  js.left_columns = nleft;
  if (l->kind == PlanKind::kScan) js.left_relation = l->relation;
  if (r->kind == PlanKind::kScan) js.right_relation = r->relation;
  // ON / USING.
  BExpr cond;
  if (ref.on) {
    LAMINAR_ASSIGN_OR_RETURN(cond, Bind(*ref.on, both, nullptr));
    LAMINAR_ASSIGN_OR_RETURN(cond, Coerce(cond, columnar::boolean()));
  }
  for (const auto& u : ref.using_columns) {
    int li = -1, ri = -1;
    for (int i = 0; i < nleft; ++i) {
      if (ls.columns[static_cast<size_t>(i)].name == u.value) li = i;
    }
    for (int i = 0; i < static_cast<int>(rs.columns.size()); ++i) {
      if (rs.columns[static_cast<size_t>(i)].name == u.value) ri = i;
    }
    if (li < 0 || ri < 0) {
      return BindError(ErrorCode::kJoinKeyMissing, u.pos,
                       fmt::format("USING column '{}' must exist on both sides", u.value));
    }
    auto lref = fn::ColumnRef(li, ls.columns[static_cast<size_t>(li)].type, u.value);
    auto rref = fn::ColumnRef(nleft + ri, rs.columns[static_cast<size_t>(ri)].type, u.value);
    LAMINAR_ASSIGN_OR_RETURN(auto eq, Compare("eq", lref, rref, u.pos));
    cond = cond ? fn::MakeAnd({cond, eq}) : eq;
  }
  node->join_condition = cond;
  // Equi-keys and time bounds from the conjuncts.
  std::vector<BExpr> conj;
  if (cond) Conjuncts(cond, &conj);
  std::vector<int> mapping(both.columns.size());
  for (size_t i = 0; i < mapping.size(); ++i) mapping[i] = static_cast<int>(i) - nleft;
  bool has_lower = false, has_upper = false;
  for (const auto& c : conj) {
    if (c->kind != fn::ExprKind::kCall || c->args.size() != 2) continue;
    const BExpr& a = c->args[0];
    const BExpr& b = c->args[1];
    int sa = Sides(*a, nleft), sb = Sides(*b, nleft);
    if (c->function_name == "eq" && ((sa == 1 && sb == 2) || (sa == 2 && sb == 1))) {
      const BExpr& le = sa == 1 ? a : b;
      const BExpr& re = sa == 1 ? b : a;
      if (le->type->id() == TypeId::kTimestamp && re->type->id() == TypeId::kTimestamp) {
        // l.ts = r.ts is a zero-width time bound.
      }
      js.left_keys.push_back(le);
      js.right_keys.push_back(fn::RemapColumns(re, mapping));
      continue;
    }
    // Time bounds: <right term> op <left term> or the reverse.
    const std::string& f = c->function_name;
    if (f != "gte" && f != "gt" && f != "lte" && f != "lt") continue;
    int ca, cb;
    int64_t oa, ob;
    if (!TimeTerm(a, &ca, &oa) || !TimeTerm(b, &cb, &ob)) continue;
    bool a_right = ca >= nleft, b_right = cb >= nleft;
    if (a_right == b_right) continue;
    // Normalise to: right.ts + o_r  OP  left.ts + o_l  ⇒ right.ts - left.ts OP o_l - o_r.
    bool ge = f == "gte" || f == "gt";
    int rcol = a_right ? ca : cb, lcol = a_right ? cb : ca;
    int64_t o_r = a_right ? oa : ob, o_l = a_right ? ob : oa;
    if (!a_right) ge = !ge;  // flipped operands
    int64_t bound = o_l - o_r;
    js.left_time = lcol;
    js.right_time = rcol - nleft;
    if (ge) {
      js.lower = has_lower ? std::max(js.lower, bound) : bound;
      has_lower = true;
    } else {
      js.upper = has_upper ? std::min(js.upper, bound) : bound;
      has_upper = true;
    }
  }
  const sql::RelationInfo* rrel =
      js.right_relation.empty() ? nullptr : catalog_->FindRelation(js.right_relation);
  const bool right_is_table = rrel != nullptr && rrel->kind == RelationInfo::Kind::kTable;
  js.right_watermarked = rrel != nullptr && rrel->has_watermark && !right_is_table;
  if (ref.join_kind == JoinKind::kTemporalProbe) {
    js.strategy = JoinStrategy::kProbe;
    js.direction = AsofDirection::kBackward;
    for (const auto& k : ref.probe_keys) {
      int li = -1, ri = -1;
      for (int i = 0; i < nleft; ++i) {
        if (ls.columns[static_cast<size_t>(i)].name == k.value) li = i;
      }
      for (int i = 0; i < static_cast<int>(rs.columns.size()); ++i) {
        if (rs.columns[static_cast<size_t>(i)].name == k.value) ri = i;
      }
      if (li < 0 || ri < 0) {
        return BindError(ErrorCode::kJoinKeyMissing, k.pos,
                         fmt::format("probe key '{}' must exist on both sides", k.value));
      }
      js.left_keys.push_back(fn::ColumnRef(li, ls.columns[static_cast<size_t>(li)].type, k.value));
      auto rk = fn::ColumnRef(ri, rs.columns[static_cast<size_t>(ri)].type, k.value);
      LAMINAR_ASSIGN_OR_RETURN(rk, Coerce(rk, ls.columns[static_cast<size_t>(li)].type));
      js.right_keys.push_back(rk);
    }
    LAMINAR_ASSIGN_OR_RETURN(auto lt, Bind(*ref.probe_left_ts, ls, nullptr));
    LAMINAR_ASSIGN_OR_RETURN(auto rt, Bind(*ref.probe_right_ts, rs, nullptr));
    if (lt->kind != fn::ExprKind::kColumnRef || rt->kind != fn::ExprKind::kColumnRef ||
        lt->type->id() != TypeId::kTimestamp || rt->type->id() != TypeId::kTimestamp) {
      return BindError(ErrorCode::kJoinTimeBoundMissing, ref.pos,
                       "TIMESTAMPS (left_ts, right_ts) must name a TIMESTAMP column of each side");
    }
    js.left_time = lt->column_index;
    js.right_time = rt->column_index;
    const ProbeSpec& ps = *ref.probe;
    if (ps.is_range) {
      LAMINAR_ASSIGN_OR_RETURN(int64_t from, ProbeOffset(*ps.range_from));
      LAMINAR_ASSIGN_OR_RETURN(int64_t to, ProbeOffset(*ps.range_to));
      LAMINAR_ASSIGN_OR_RETURN(int64_t step, ProbeOffset(*ps.range_step));
      if (step <= 0 || to < from) {
        return BindError(ErrorCode::kJoinTimeBoundMissing, ref.pos,
                         "RANGE needs FROM <= TO and a positive STEP");
      }
      if ((to - from) / step > 10000) {
        return BindError(ErrorCode::kJoinTimeBoundMissing, ref.pos,
                         "RANGE expands to more than 10000 offsets");
      }
      for (int64_t o = from; o <= to; o += step) js.probe_offsets.push_back(o);
    } else {
      for (const auto& o : ps.offsets) {
        LAMINAR_ASSIGN_OR_RETURN(int64_t us, ProbeOffset(*o));
        js.probe_offsets.push_back(us);
      }
    }
    std::string pq = ref.alias ? ref.alias->value : "p";
    both.columns.push_back({pq, "offset_ms", columnar::int64()});
    node->schema = both.ToSchema();
    node->join_condition = nullptr;
  } else if (ref.join_kind == JoinKind::kAsof) {
    js.strategy = JoinStrategy::kAsof;
    if (!ref.match_condition) {
      return BindError(ErrorCode::kJoinTimeBoundMissing, ref.pos,
                       "ASOF JOIN needs MATCH_CONDITION(...)");
    }
    const Expr* mc = ref.match_condition.get();
    std::vector<const Expr*> parts;
    std::function<void(const Expr*)> split = [&](const Expr* e) {
      if (e->kind == ExprKind::kBinary && e->As<BinaryExpr>().op == BinaryOp::kAnd) {
        split(e->As<BinaryExpr>().left.get());
        split(e->As<BinaryExpr>().right.get());
      } else {
        parts.push_back(e);
      }
    };
    split(mc);
    bool have_dir = false;
    for (const Expr* p : parts) {
      if (p->kind == ExprKind::kFunction && p->As<FunctionCallExpr>().name.value == "nearest") {
        const auto& f = p->As<FunctionCallExpr>();
        if (f.args.size() != 2)
          return BindError(ErrorCode::kJoinTimeBoundMissing, f.pos,
                           "NEAREST(left.ts, right.ts) takes two arguments");
        LAMINAR_ASSIGN_OR_RETURN(auto x, Bind(*f.args[0], both, nullptr));
        LAMINAR_ASSIGN_OR_RETURN(auto y, Bind(*f.args[1], both, nullptr));
        if (x->kind != fn::ExprKind::kColumnRef || y->kind != fn::ExprKind::kColumnRef) {
          return BindError(ErrorCode::kJoinTimeBoundMissing, f.pos,
                           "NEAREST needs two time columns");
        }
        int xl = x->column_index, yl = y->column_index;
        if (xl >= nleft) std::swap(xl, yl);
        js.left_time = xl;
        js.right_time = yl - nleft;
        js.direction = AsofDirection::kNearest;
        have_dir = true;
        continue;
      }
      LAMINAR_ASSIGN_OR_RETURN(auto b, Bind(*p, both, nullptr));
      if (b->kind != fn::ExprKind::kCall || b->args.size() != 2) {
        return BindError(ErrorCode::kJoinTimeBoundMissing, p->pos,
                         "MATCH_CONDITION must compare the two time columns, e.g. t.ts >= q.ts");
      }
      const std::string& f = b->function_name;
      const BExpr& x = b->args[0];
      const BExpr& y = b->args[1];
      if (x->kind == fn::ExprKind::kColumnRef && y->kind == fn::ExprKind::kColumnRef &&
          (f == "gte" || f == "gt" || f == "lte" || f == "lt")) {
        bool x_left = x->column_index < nleft;
        int lcol = x_left ? x->column_index : y->column_index;
        int rcol = x_left ? y->column_index : x->column_index;
        bool left_ge = (f == "gte" || f == "gt") == x_left;
        js.left_time = lcol;
        js.right_time = rcol - nleft;
        js.direction = left_ge ? AsofDirection::kBackward : AsofDirection::kForward;
        have_dir = true;
        continue;
      }
      // Tolerance: l.ts - r.ts <= INTERVAL (or r.ts - l.ts <= ...), or a number of ms.
      if ((f == "lte" || f == "lt") && x->kind == fn::ExprKind::kCall &&
          x->function_name == "subtract" && y->kind == fn::ExprKind::kLiteral) {
        auto v = y->literal;
        if (v.type()->id() == TypeId::kInterval) {
          js.tolerance = v.interval_value().ToMicros();
        } else if (v.type()->is_integer()) {
          js.tolerance = v.int_value() * 1000;
        } else {
          return BindError(ErrorCode::kJoinTimeBoundMissing, p->pos,
                           "ASOF tolerance must be an INTERVAL");
        }
        continue;
      }
      return BindError(ErrorCode::kJoinTimeBoundMissing, p->pos,
                       "unsupported MATCH_CONDITION term; use t.ts >= q.ts, t.ts <= q.ts or "
                       "NEAREST(t.ts, q.ts)");
    }
    if (!have_dir) {
      return BindError(ErrorCode::kJoinTimeBoundMissing, ref.pos,
                       "MATCH_CONDITION must compare the two time columns");
    }
    for (int c : {js.left_time, js.right_time + nleft}) {
      const ScopeColumn& col = both.columns[static_cast<size_t>(c)];
      if (col.type->id() != TypeId::kTimestamp) {
        return BindError(ErrorCode::kTypeMismatch, ref.match_condition->pos,
                         fmt::format("MATCH_CONDITION column '{}' is {}, not a TIMESTAMP", col.name,
                                     col.type->ToString()));
      }
    }
    // The residual ON condition is only the key equality; the time match is the operator's job.
  } else if (mode_ == BindMode::kAdHoc) {
    js.strategy = JoinStrategy::kBatch;
  } else if (right_is_table || ref.right->system_time) {
    js.strategy = JoinStrategy::kLookup;
    if (ref.join_kind != JoinKind::kInner && ref.join_kind != JoinKind::kLeft) {
      return BindError(
          ErrorCode::kJoinTypeUnsupported, ref.pos,
          fmt::format("{} JOIN against a table is not supported; use JOIN or LEFT JOIN",
                      JoinKindName(ref.join_kind)));
    }
    if (ref.right->system_time && right_is_table) {
      // Versioned table (`WATERMARK FOR v` in CREATE TABLE): the version valid at the left
      // row's time. A plain table has one version per key: the current one.
      LAMINAR_ASSIGN_OR_RETURN(auto st, Bind(*ref.right->system_time, ls, nullptr));
      if (st->kind != fn::ExprKind::kColumnRef || st->type->id() != TypeId::kTimestamp) {
        return BindError(ErrorCode::kJoinTimeBoundMissing, ref.right->system_time->pos,
                         "FOR SYSTEM_TIME AS OF needs a TIMESTAMP column of the left side");
      }
      if (rrel != nullptr && rrel->watermark_column >= 0) {
        js.left_time = st->column_index;
        js.right_time = rrel->watermark_column;
      }
    } else if (ref.right->system_time && !right_is_table) {
      // Event-time versioned join against a stream: the latest right row at the left row's time.
      js.strategy = JoinStrategy::kAsof;
      js.direction = AsofDirection::kBackward;
      LAMINAR_ASSIGN_OR_RETURN(auto st, Bind(*ref.right->system_time, ls, nullptr));
      if (st->kind != fn::ExprKind::kColumnRef) {
        return BindError(ErrorCode::kJoinTimeBoundMissing, ref.right->pos,
                         "FOR SYSTEM_TIME AS OF needs a time column");
      }
      js.left_time = st->column_index;
      js.right_time = rrel != nullptr ? rrel->watermark_column : -1;
      if (js.right_time < 0) {
        return BindError(
            ErrorCode::kTemporalJoinNoPk, ref.right->pos,
            fmt::format("temporal join against '{}' needs a versioned table or a stream with a "
                        "watermark column",
                        js.right_relation));
      }
    }
    if (js.left_keys.empty()) {
      return BindError(ErrorCode::kJoinKeyMissing, ref.pos,
                       fmt::format("lookup join with '{}' needs an equality on its key in ON",
                                   js.right_relation));
    }
  } else if (ref.join_kind == JoinKind::kCross) {
    return BindError(ErrorCode::kJoinTypeUnsupported, ref.pos,
                     "CROSS JOIN between streams is unbounded; add a join key and a time bound");
  } else if (CompleteJoinTimeBound(*catalog_, l, r, conj, has_lower && has_upper, &js)) {
    // An interval join, or equal event times / window bounds (a zero-width interval join).
    js.strategy = JoinStrategy::kInterval;
    if (js.lower > js.upper) {
      return BindError(ErrorCode::kJoinTimeBoundMissing, ref.pos,
                       "the join time bounds are empty (lower > upper)");
    }
  } else {
    js.strategy = JoinStrategy::kUnbounded;
    unbounded_join_ = true;
    unbounded_join_desc_ = fmt::format(
        "unbounded join between streaming sources '{}' and '{}'; add a temporal "
        "predicate or use a lookup table (e.g. b.ts BETWEEN a.ts - INTERVAL ... AND "
        "a.ts + INTERVAL ...), or EMIT CHANGES for a changelog join",
        js.left_relation, js.right_relation);
    if (ref.join_kind != JoinKind::kInner) {
      return BindError(
          ErrorCode::kJoinTimeBoundMissing, ref.pos,
          fmt::format("{} JOIN between streams needs a time bound", JoinKindName(ref.join_kind)));
    }
  }
  if (js.strategy != JoinStrategy::kBatch &&
      (ref.join_kind == JoinKind::kRight || ref.join_kind == JoinKind::kRightSemi ||
       ref.join_kind == JoinKind::kRightAnti) &&
      js.strategy != JoinStrategy::kInterval) {
    return BindError(
        ErrorCode::kJoinTypeUnsupported, ref.pos,
        fmt::format("{} JOIN is only supported for interval joins", JoinKindName(ref.join_kind)));
  }
  // Chains are allowed on the left: (a JOIN b) JOIN c runs as one multi-input operator.
  if (mode_ == BindMode::kStreaming &&
      ((l->kind != PlanKind::kScan && l->kind != PlanKind::kJoin) || r->kind != PlanKind::kScan)) {
    return BindError(ErrorCode::kJoinTypeUnsupported, ref.pos,
                     "a continuous join must read two named sources, streams or tables directly",
                     "create a STREAM for the subquery or for the inner join and join that");
  }
  *scope = semi ? ls : both;
  return node;
}

bool ContainsAggregate(const Expr& e) {
  auto& reg = fn::FunctionRegistry::Global();
  switch (e.kind) {
    case ExprKind::kFunction: {
      const auto& f = e.As<FunctionCallExpr>();
      if (f.over) return false;
      if (reg.IsAggregate(f.name.value) && !reg.IsScalar(f.name.value)) return true;
      for (const auto& a : f.args) {
        if (ContainsAggregate(*a)) return true;
      }
      return false;
    }
    case ExprKind::kUnary:
      return ContainsAggregate(*e.As<UnaryExpr>().operand);
    case ExprKind::kBinary:
      return ContainsAggregate(*e.As<BinaryExpr>().left) ||
             ContainsAggregate(*e.As<BinaryExpr>().right);
    case ExprKind::kCast:
      return ContainsAggregate(*e.As<CastExpr>().operand);
    case ExprKind::kIs:
      return ContainsAggregate(*e.As<IsExpr>().operand);
    case ExprKind::kBetween:
      return ContainsAggregate(*e.As<BetweenExpr>().operand);
    case ExprKind::kCase: {
      const auto& c = e.As<CaseExpr>();
      for (const auto& w : c.whens) {
        if (ContainsAggregate(*w.condition) || ContainsAggregate(*w.result)) return true;
      }
      return c.else_result && ContainsAggregate(*c.else_result);
    }
    default:
      return false;
  }
}

std::string DefaultColumnName(const Expr& e) {
  if (e.kind == ExprKind::kColumnRef) return e.As<ColumnRefExpr>().parts.back().value;
  if (e.kind == ExprKind::kFunction) {
    const auto& f = e.As<FunctionCallExpr>();
    std::string n = f.name.value;
    if (IsWindowFunctionName(n)) return "window_start";
    if (n.size() > 6 && n.substr(n.size() - 6) == "_start") return "window_start";
    if (n.size() > 4 && n.substr(n.size() - 4) == "_end") return "window_end";
    return ToSql(e);
  }
  return ToSql(e);
}

Result<PlanPtr> Binder::BindSelect(const Select& sel, const Query* q, Scope* out_scope) {
  Scope scope;
  PlanPtr plan;
  if (sel.from.empty()) {
    plan = MakeNode(PlanKind::kValues, std::make_shared<Schema>(std::vector<FieldPtr>{}), {});
    plan->rows.push_back({});
  } else {
    LAMINAR_ASSIGN_OR_RETURN(plan, BindFrom(*sel.from[0], &scope));
    for (size_t i = 1; i < sel.from.size(); ++i) {
      if (IsUnnestRef(*sel.from[i])) {  // `FROM t, UNNEST(t.arr)`: lateral
        LAMINAR_ASSIGN_OR_RETURN(plan, BindUnnestFrom(*sel.from[i], plan, &scope, false));
        continue;
      }
      if (mode_ == BindMode::kStreaming) {
        return BindError(ErrorCode::kJoinTypeUnsupported, sel.from[i]->pos,
                         "comma joins in a continuous query are not supported yet");
      }
      Scope rs;
      LAMINAR_ASSIGN_OR_RETURN(auto r, BindFrom(*sel.from[i], &rs));
      for (const auto& c : rs.columns) scope.columns.push_back(c);
      auto node = MakeNode(PlanKind::kJoin, scope.ToSchema(), {plan, r});
      node->join_kind = JoinKind::kCross;
      plan = node;
    }
  }
  if (sel.where) {
    if (ContainsAggregate(*sel.where)) {
      return BindError(ErrorCode::kPlanningFailed, sel.where->pos,
                       "aggregate functions are not allowed in WHERE", "use HAVING");
    }
    // Correlated subqueries in WHERE become kApply nodes under the filter; their results are
    // extra columns after the FROM columns, projected away again after the filter.
    pending_applies_.clear();
    apply_base_ = static_cast<int>(scope.columns.size());
    apply_allowed_ = true;
    auto bound_where = Bind(*sel.where, scope, nullptr);
    apply_allowed_ = false;
    LAMINAR_ASSIGN_OR_RETURN(auto pred, std::move(bound_where));
    if (pred->type->id() != TypeId::kBoolean && pred->type->id() != TypeId::kNull) {
      return BindError(
          ErrorCode::kTypeMismatch, sel.where->pos,
          fmt::format("WHERE condition must be BOOLEAN, got {}", pred->type->ToString()),
          "compare the value, e.g. WHERE price > 0");
    }
    LAMINAR_ASSIGN_OR_RETURN(pred, Coerce(pred, columnar::boolean()));
    const bool had_applies = !pending_applies_.empty();
    const SchemaPtr from_schema = plan->schema;
    plan = TakePendingApplies(plan);
    auto f = MakeNode(PlanKind::kFilter, plan->schema, {plan});
    f->predicate = pred;
    plan = f;
    if (had_applies) {
      auto strip = MakeNode(PlanKind::kProject, from_schema, {plan});
      for (int i = 0; i < from_schema->num_fields(); ++i) {
        strip->exprs.push_back(
            fn::ColumnRef(i, from_schema->field(i)->type, from_schema->field(i)->name));
      }
      plan = strip;
    }
  }
  bool has_agg = !sel.group_by.empty() || (sel.having != nullptr);
  for (const auto& item : sel.items) has_agg |= ContainsAggregate(*item.expr);
  AggContext agg;
  agg.input_scope = &scope;
  Scope agg_scope;  // output columns of the aggregate (for naming)
  PlanPtr agg_node;
  if (has_agg) {
    agg_node = MakeNode(PlanKind::kAggregate, nullptr, {plan});
    for (const auto& g : sel.group_by) {
      if (g->kind == ExprKind::kFunction &&
          IsWindowFunctionName(g->As<FunctionCallExpr>().name.value)) {
        if (agg.window_call != nullptr) {
          return BindError(ErrorCode::kWindowInvalid, g->pos,
                           "only one window function is allowed in GROUP BY");
        }
        agg.window_call = &g->As<FunctionCallExpr>();
        LAMINAR_ASSIGN_OR_RETURN(agg_node->window, BindWindow(*agg.window_call, scope));
        agg.windowed = true;
        continue;
      }
      // GROUP BY 1 (ordinal) and GROUP BY alias.
      const Expr* key = g.get();
      if (g->kind == ExprKind::kLiteral &&
          g->As<LiteralExpr>().literal_kind == LiteralKind::kInteger) {
        size_t ord = std::stoul(g->As<LiteralExpr>().value);
        if (ord < 1 || ord > sel.items.size()) {
          return BindError(ErrorCode::kPlanningFailed, g->pos, "GROUP BY position out of range");
        }
        key = sel.items[ord - 1].expr.get();
      } else if (g->kind == ExprKind::kColumnRef && g->As<ColumnRefExpr>().parts.size() == 1) {
        const std::string& n = g->As<ColumnRefExpr>().parts[0].value;
        bool is_input = false;
        for (const auto& c : scope.columns) is_input |= c.name == n;
        if (!is_input) {
          for (const auto& item : sel.items) {
            if (item.alias && item.alias->value == n) key = item.expr.get();
          }
        }
      }
      if (ContainsAggregate(*key)) {
        return BindError(ErrorCode::kPlanningFailed, g->pos,
                         "aggregate functions are not allowed in GROUP BY");
      }
      LAMINAR_ASSIGN_OR_RETURN(auto ke, Bind(*key, scope, nullptr));
      agg_node->group_exprs.push_back(ke);
      agg.group_asts.push_back(key);
    }
    agg.num_keys = static_cast<int>(agg.group_asts.size());
    info_.has_aggregate = true;
    info_.windowed = agg.windowed;
    info_.window = agg_node->window.kind;
  }
  // SELECT list. Analytic calls become columns appended after the input's columns.
  std::vector<AnalyticCall> analytics;
  if (!has_agg) {
    analytics_ = &analytics;
    analytic_base_ = static_cast<int>(scope.columns.size());
  }
  struct ResetAnalytics {
    std::vector<AnalyticCall>** p;
    ~ResetAnalytics() { *p = nullptr; }
  } reset_analytics{&analytics_};
  std::vector<BExpr> exprs;
  std::vector<std::string> names;
  std::vector<std::string> quals;  // qualifiers kept for ORDER BY t.col over the output
  pending_applies_.clear();
  apply_base_ = static_cast<int>(scope.columns.size());
  apply_allowed_ = !has_agg;
  struct ResetApplyAllowed {
    bool* p;
    ~ResetApplyAllowed() { *p = false; }
  } reset_apply{&apply_allowed_};
  // SELECT-list UNNEST calls: their lists become a kUnnest node under the projection, the items
  // (placeholders until then) its element columns.
  std::vector<BExpr> unnest_lists;
  std::vector<size_t> unnest_items;
  for (const auto& item : sel.items) {
    if (IsUnnestCall(*item.expr)) {
      const auto& f = item.expr->As<FunctionCallExpr>();
      if (f.args.size() != 1 || f.distinct || f.star || f.over || f.filter || !f.order_by.empty()) {
        return BindError(ErrorCode::kPlanningFailed, f.pos,
                         "UNNEST in a SELECT list takes exactly one ARRAY argument",
                         "unnest several lists side by side in FROM: UNNEST(a, b) AS u(x, y)");
      }
      if (has_agg && mode_ == BindMode::kStreaming) {
        return BindError(ErrorCode::kSqlUnsupported, f.pos,
                         "UNNEST of an aggregate's result in a continuous query is not supported",
                         "unnest the input rows in FROM before aggregating, or unnest in an "
                         "ad-hoc query over the result");
      }
      LAMINAR_ASSIGN_OR_RETURN(auto list,
                               BindUnnestList(*f.args[0], scope, has_agg ? &agg : nullptr));
      unnest_items.push_back(exprs.size());
      unnest_lists.push_back(std::move(list));
      exprs.push_back(nullptr);
      names.push_back(item.alias ? item.alias->value : DefaultColumnName(*item.expr));
      quals.push_back("");
      continue;
    }
    if (item.expr->kind == ExprKind::kStar) {
      if (has_agg) {
        return BindError(ErrorCode::kPlanningFailed, item.expr->pos,
                         "SELECT * is not allowed in an aggregate query",
                         "list the GROUP BY columns");
      }
      const auto& star = item.expr->As<StarExpr>();
      std::string qual = star.qualifier.empty() ? "" : star.qualifier.back().value;
      bool any = false;
      for (int i = 0; i < static_cast<int>(scope.columns.size()); ++i) {
        const auto& c = scope.columns[static_cast<size_t>(i)];
        if (!qual.empty() && c.qualifier != qual) continue;
        exprs.push_back(fn::ColumnRef(i, c.type, c.name));
        names.push_back(c.name);
        quals.push_back(c.qualifier);
        any = true;
      }
      if (!any && !qual.empty()) {
        return BindError(ErrorCode::kTableNotFound, item.expr->pos,
                         fmt::format("table '{}' not found in FROM", qual));
      }
      continue;
    }
    LAMINAR_ASSIGN_OR_RETURN(auto e, Bind(*item.expr, scope, has_agg ? &agg : nullptr));
    exprs.push_back(e);
    names.push_back(item.alias ? item.alias->value : DefaultColumnName(*item.expr));
    const bool qualified_ref = !item.alias && item.expr->kind == ExprKind::kColumnRef &&
                               item.expr->As<ColumnRefExpr>().parts.size() == 2;
    quals.push_back(qualified_ref ? item.expr->As<ColumnRefExpr>().parts[0].value : "");
  }
  BExpr having;
  if (sel.having) {
    LAMINAR_ASSIGN_OR_RETURN(having, Bind(*sel.having, scope, &agg));
    if (having->type->id() != TypeId::kBoolean && having->type->id() != TypeId::kNull) {
      return BindError(
          ErrorCode::kTypeMismatch, sel.having->pos,
          fmt::format("HAVING condition must be BOOLEAN, got {}", having->type->ToString()));
    }
    LAMINAR_ASSIGN_OR_RETURN(having, Coerce(having, columnar::boolean()));
  }
  // ORDER BY may reference aggregates too: bind it now against the same context (post-projection
  // ordering is resolved by name or ordinal below).
  if (has_agg) {
    std::vector<FieldPtr> fields;
    for (size_t k = 0; k < agg_node->group_exprs.size(); ++k) {
      fields.push_back(std::make_shared<Field>(DefaultColumnName(*agg.group_asts[k]),
                                               agg_node->group_exprs[k]->type));
    }
    if (agg.windowed) {
      fields.push_back(std::make_shared<Field>("window_start", columnar::timestamp()));
      fields.push_back(std::make_shared<Field>("window_end", columnar::timestamp()));
    }
    for (const auto& a : agg.aggregates)
      fields.push_back(std::make_shared<Field>(a.display, a.type));
    agg_node->schema = std::make_shared<Schema>(std::move(fields));
    agg_node->aggregates = agg.aggregates;
    plan = agg_node;
    if (having) {
      auto f = MakeNode(PlanKind::kFilter, plan->schema, {plan});
      f->predicate = having;
      plan = f;
    }
  }
  analytics_ = nullptr;
  if (!analytics.empty()) {
    std::vector<FieldPtr> wfields = plan->schema->fields();
    for (size_t i = 0; i < analytics.size(); ++i) {
      wfields.push_back(std::make_shared<Field>(fmt::format("_analytic{}", i), analytics[i].type));
    }
    auto w = MakeNode(PlanKind::kWindow, std::make_shared<Schema>(wfields), {plan});
    w->analytics = std::move(analytics);
    plan = w;
  }
  apply_allowed_ = false;
  if (!pending_applies_.empty()) {
    if (!analytics.empty()) {
      return BindError(ErrorCode::kSqlUnsupported, sel.pos,
                       "a correlated subquery and window functions in one SELECT list are not "
                       "supported",
                       "compute the window functions in a subquery in FROM");
    }
    plan = TakePendingApplies(plan);
  }
  if (!unnest_lists.empty()) {
    const int base = plan->schema->num_fields();
    std::vector<FieldPtr> ufields = plan->schema->fields();
    auto u = MakeNode(PlanKind::kUnnest, nullptr, {plan});
    for (size_t k = 0; k < unnest_lists.size(); ++k) {
      const DataTypePtr type = UnnestElementType(unnest_lists[k]);
      const std::string& name = names[unnest_items[k]];
      ufields.push_back(std::make_shared<Field>(name, type));
      exprs[unnest_items[k]] = fn::ColumnRef(base + static_cast<int>(k), type, name);
    }
    u->exprs = std::move(unnest_lists);
    u->schema = std::make_shared<Schema>(std::move(ufields));
    plan = u;
  }
  std::vector<FieldPtr> out_fields;
  Scope result_scope;
  for (size_t i = 0; i < exprs.size(); ++i) {
    out_fields.push_back(std::make_shared<Field>(names[i], exprs[i]->type));
    result_scope.columns.push_back({quals[i], names[i], exprs[i]->type});
  }
  auto proj = MakeNode(PlanKind::kProject, std::make_shared<Schema>(out_fields), {plan});
  proj->exprs = exprs;
  plan = proj;
  if (sel.distinct) {
    auto d = MakeNode(PlanKind::kAggregate, plan->schema, {plan});
    for (size_t i = 0; i < exprs.size(); ++i) {
      d->group_exprs.push_back(fn::ColumnRef(static_cast<int>(i), exprs[i]->type, names[i]));
    }
    plan = d;
    info_.has_aggregate = true;
  }
  (void)q;
  if (!has_agg && !sel.distinct) {
    last_select_input_ = scope;
  } else {
    last_select_input_.reset();
  }
  *out_scope = result_scope;
  return plan;
}

Result<PlanPtr> Binder::BindBody(const QueryBody& body, Scope* out_scope, const Query* q) {
  switch (body.kind) {
    case QueryBodyKind::kSelect:
      return BindSelect(*body.select, q, out_scope);
    case QueryBodyKind::kNested:
      return BindQueryPlan(*body.nested, out_scope);
    case QueryBodyKind::kValues: {
      Scope empty;
      auto node = MakeNode(PlanKind::kValues, nullptr, {});
      std::vector<DataTypePtr> types;
      for (const auto& row : body.values) {
        std::vector<BExpr> bound;
        for (size_t i = 0; i < row.size(); ++i) {
          LAMINAR_ASSIGN_OR_RETURN(auto e, Bind(*row[i], empty, nullptr));
          if (types.size() <= i) {
            types.push_back(e->type);
          } else {
            auto c = fn::CommonSuperType(types[i], e->type);
            if (c.ok()) types[i] = *c;
          }
          bound.push_back(e);
        }
        node->rows.push_back(std::move(bound));
      }
      std::vector<FieldPtr> fields;
      for (size_t i = 0; i < types.size(); ++i) {
        auto t = types[i]->id() == TypeId::kNull ? columnar::utf8() : types[i];
        fields.push_back(std::make_shared<Field>(fmt::format("column{}", i + 1), t));
        out_scope->columns.push_back({"", fmt::format("column{}", i + 1), t});
      }
      for (auto& row : node->rows) {
        for (size_t i = 0; i < row.size() && i < fields.size(); ++i) {
          LAMINAR_ASSIGN_OR_RETURN(row[i], Coerce(row[i], fields[i]->type));
        }
      }
      node->schema = std::make_shared<Schema>(std::move(fields));
      return node;
    }
    case QueryBodyKind::kSetOp: {
      const char* op_name = body.set_op == SetOpKind::kUnion       ? "UNION"
                            : body.set_op == SetOpKind::kIntersect ? "INTERSECT"
                                                                   : "EXCEPT";
      if (body.set_op != SetOpKind::kUnion && mode_ == BindMode::kStreaming) {
        return BindError(ErrorCode::kSqlUnsupported, body.pos,
                         fmt::format("{} is not supported in a continuous query", op_name),
                         "run it as an ad-hoc SELECT over materialized views or tables");
      }
      Scope ls, rs;
      LAMINAR_ASSIGN_OR_RETURN(auto l, BindBody(*body.left, &ls, nullptr));
      LAMINAR_ASSIGN_OR_RETURN(auto r, BindBody(*body.right, &rs, nullptr));
      if (l->schema->num_fields() != r->schema->num_fields()) {
        return BindError(ErrorCode::kPlanningFailed, body.pos,
                         fmt::format("{} inputs have {} and {} columns", op_name,
                                     l->schema->num_fields(), r->schema->num_fields()));
      }
      for (int i = 0; i < l->schema->num_fields(); ++i) {
        if (!l->schema->field(i)->type->Equals(*r->schema->field(i)->type)) {
          return BindError(ErrorCode::kTypeMismatch, body.pos,
                           fmt::format("{} column {} has types {} and {}", op_name, i + 1,
                                       l->schema->field(i)->type->ToString(),
                                       r->schema->field(i)->type->ToString()),
                           "add CASTs so both sides have the same types");
        }
      }
      auto node = MakeNode(PlanKind::kUnion, l->schema, {l, r});
      node->union_all = body.set_all;
      node->set_op = body.set_op;
      PlanPtr out = node;
      if (!body.set_all && body.set_op == SetOpKind::kUnion) {
        auto d = MakeNode(PlanKind::kAggregate, l->schema, {node});
        for (int i = 0; i < l->schema->num_fields(); ++i) {
          d->group_exprs.push_back(
              fn::ColumnRef(i, l->schema->field(i)->type, l->schema->field(i)->name));
        }
        out = d;
      }
      *out_scope = ls;
      return out;
    }
  }
  return Status::Internal("bad query body");
}

Result<PlanPtr> Binder::BindQueryPlan(const Query& q, Scope* out_scope) {
  if (q.recursive) {
    return BindError(ErrorCode::kSqlUnsupported, q.pos, "WITH RECURSIVE is not supported");
  }
  // Uncorrelated subqueries in this query's expressions: run once, before the query.
  std::vector<UncorrelatedSubquery> subqueries;
  struct SinkRestore {
    std::vector<UncorrelatedSubquery>** p;
    std::vector<UncorrelatedSubquery>* old;
    ~SinkRestore() { *p = old; }
  } sink_restore{&subquery_sink_, subquery_sink_};
  const size_t ctes_before = ctes_.size();
  for (const auto& cte : q.ctes) {
    subquery_sink_ = sink_restore.old;
    Scope cte_scope;
    LAMINAR_ASSIGN_OR_RETURN(auto cte_plan, BindQueryPlan(*cte.query, &cte_scope));
    for (size_t i = 0; i < cte.columns.size() && i < cte_scope.columns.size(); ++i) {
      cte_scope.columns[i].name = cte.columns[i].value;
    }
    ctes_.push_back({cte.name.value, cte_plan, cte_scope});
  }
  struct CtePop {
    std::vector<CteBinding>* v;
    size_t n;
    ~CtePop() { v->resize(n); }
  } pop{&ctes_, ctes_before};
  subquery_sink_ = &subqueries;
  last_select_input_.reset();
  LAMINAR_ASSIGN_OR_RETURN(auto plan, BindBody(*q.body, out_scope, &q));
  int visible_columns = -1;  // >= 0: hidden ORDER BY columns are stripped after sort/limit
  if (!q.order_by.empty()) {
    // ORDER BY may use input columns the SELECT list drops: evaluate them as hidden extra
    // outputs of the projection, sort, then project them away.
    const bool can_hide = q.body->kind == QueryBodyKind::kSelect &&
                          plan->kind == PlanKind::kProject && last_select_input_.has_value();
    std::vector<BExpr> hidden;
    std::vector<std::pair<size_t, BExpr>> hidden_keys;  // sort key index → expression
    const int nout = plan->schema->num_fields();
    auto s = MakeNode(PlanKind::kSort, plan->schema, {plan});
    for (const auto& item : q.order_by) {
      if (can_hide && !(item.expr->kind == ExprKind::kLiteral &&
                        item.expr->As<LiteralExpr>().literal_kind == LiteralKind::kInteger)) {
        auto on_output = Bind(*item.expr, *out_scope, nullptr);
        if (!on_output.ok() || (*on_output)->kind != fn::ExprKind::kColumnRef) {
          Scope input = *last_select_input_;
          LAMINAR_ASSIGN_OR_RETURN(auto e, Bind(*item.expr, input, nullptr));
          SortKey key;
          key.descending = item.descending;
          key.nulls_first = item.nulls_first.value_or(item.descending);
          key.column = nout + static_cast<int>(hidden.size());
          hidden.push_back(e);
          s->sort_keys.push_back(key);
          continue;
        }
      }
      SortKey key;
      key.descending = item.descending;
      key.nulls_first = item.nulls_first.value_or(item.descending);
      int col = -1;
      if (item.expr->kind == ExprKind::kLiteral &&
          item.expr->As<LiteralExpr>().literal_kind == LiteralKind::kInteger) {
        col = std::stoi(item.expr->As<LiteralExpr>().value) - 1;
      } else {
        auto e = Bind(*item.expr, *out_scope, nullptr);
        if (e.ok() && (*e)->kind == fn::ExprKind::kColumnRef) col = (*e)->column_index;
        if (!e.ok()) return e.status();
      }
      if (col < 0 || col >= plan->schema->num_fields()) {
        return BindError(ErrorCode::kPlanningFailed, item.pos,
                         "ORDER BY must name an output column (by name or position)");
      }
      key.column = col;
      s->sort_keys.push_back(key);
    }
    if (!hidden.empty()) {
      auto proj = std::make_shared<PlanNode>(*plan);
      std::vector<FieldPtr> fields = plan->schema->fields();
      for (size_t i = 0; i < hidden.size(); ++i) {
        proj->exprs.push_back(hidden[i]);
        fields.push_back(std::make_shared<Field>(fmt::format("_order{}", i), hidden[i]->type));
      }
      proj->schema = std::make_shared<Schema>(fields);
      s->inputs = {proj};
      s->schema = proj->schema;
      visible_columns = nout;
    }
    plan = s;
  }
  if (q.limit || q.offset) {
    auto l = MakeNode(PlanKind::kLimit, plan->schema, {plan});
    Scope empty;
    if (q.limit) {
      LAMINAR_ASSIGN_OR_RETURN(auto le, Bind(*q.limit, empty, nullptr));
      LAMINAR_ASSIGN_OR_RETURN(auto lv, fn::EvaluateConstant(le));
      if (lv.is_null() || !lv.type()->is_integer() || lv.int_value() < 0) {
        return BindError(ErrorCode::kPlanningFailed, q.limit->pos,
                         "LIMIT must be a non-negative integer");
      }
      l->limit = lv.int_value();
    }
    if (q.offset) {
      LAMINAR_ASSIGN_OR_RETURN(auto oe, Bind(*q.offset, empty, nullptr));
      LAMINAR_ASSIGN_OR_RETURN(auto ov, fn::EvaluateConstant(oe));
      if (ov.is_null() || !ov.type()->is_integer() || ov.int_value() < 0) {
        return BindError(ErrorCode::kPlanningFailed, q.offset->pos,
                         "OFFSET must be a non-negative integer");
      }
      l->offset = ov.int_value();
    }
    plan = l;
  }
  if (visible_columns >= 0) {
    std::vector<FieldPtr> fields(plan->schema->fields().begin(),
                                 plan->schema->fields().begin() + visible_columns);
    auto strip = MakeNode(PlanKind::kProject, std::make_shared<Schema>(fields), {plan});
    for (int i = 0; i < visible_columns; ++i) {
      strip->exprs.push_back(fn::ColumnRef(i, fields[static_cast<size_t>(i)]->type,
                                           fields[static_cast<size_t>(i)]->name));
    }
    plan = strip;
  }
  if (!subqueries.empty()) {
    auto wrap = MakeNode(PlanKind::kSubqueries, plan->schema, {plan});
    for (auto& sq : subqueries) {
      wrap->inputs.push_back(sq.plan);
      wrap->subquery_ids.push_back(sq.id);
      wrap->subquery_kinds.push_back(sq.kind);
    }
    plan = wrap;
  }
  return plan;
}

Result<BoundQuery> Binder::BindTopQuery(const Query& q) {
  Scope scope;
  LAMINAR_ASSIGN_OR_RETURN(auto plan, BindQueryPlan(q, &scope));
  BoundQuery out;
  out.plan = plan;
  info_.emit = info_.has_aggregate ? EmitKind::kOnUpdate : EmitKind::kOnUpdate;
  if (q.emit) {
    info_.emit = q.emit->kind;
    info_.emit_explicit = true;
    if (q.emit->interval) {
      LAMINAR_ASSIGN_OR_RETURN(info_.emit_interval,
                               BindDuration(*q.emit->interval, "EMIT interval", sql_));
    }
  }
  if (q.allowed_lateness) {
    LAMINAR_ASSIGN_OR_RETURN(info_.allowed_lateness,
                             BindDuration(*q.allowed_lateness, "ALLOW LATENESS", sql_));
  }
  if (q.late_data_to) info_.late_data_to = q.late_data_to->value;
  const bool closing = info_.emit == EmitKind::kOnWindowClose || info_.emit == EmitKind::kFinal ||
                       info_.emit == EmitKind::kAfterWatermark ||
                       info_.emit == EmitKind::kOnWatermark;
  if (mode_ == BindMode::kStreaming) {
    if (closing && !has_watermark_input_) {
      std::string src = info_.inputs.empty() ? "the source" : "'" + info_.inputs[0] + "'";
      return BindError(ErrorCode::kWatermarkRequired, q.emit->pos,
                       fmt::format("EMIT {} requires a watermark, but {} has none",
                                   EmitKindName(info_.emit), src),
                       "declare one in the source: WATERMARK FOR ts AS ts - INTERVAL '1' SECOND");
    }
    if (closing && info_.has_aggregate && !info_.windowed) {
      return BindError(
          ErrorCode::kWindowInvalid, q.emit->pos,
          fmt::format("EMIT {} needs a windowed aggregation", EmitKindName(info_.emit)),
          "add TUMBLE/HOP/SESSION/CUMULATE to GROUP BY, or use EMIT ON UPDATE/CHANGES");
    }
    if (unbounded_join_ && info_.emit != EmitKind::kChanges) {
      return BindError(ErrorCode::kJoinTimeBoundMissing, q.pos, unbounded_join_desc_);
    }
    if (!q.order_by.empty() && !q.limit) {
      return BindError(ErrorCode::kSqlUnsupported, q.pos,
                       "ORDER BY without LIMIT is not supported on an unbounded stream");
    }
  }
  info_.changelog_output = info_.emit == EmitKind::kChanges;
  info_.append_only = !info_.has_aggregate || closing;
  if (mode_ == BindMode::kStreaming) {
    LAMINAR_ASSIGN_OR_RETURN(out.plan, PlanStreamingTopN(out.plan, *catalog_, &info_));
    out.plan = AnnotateWindowTimeBounds(out.plan, *catalog_);
    info_.time_bounds = OutputTimeBounds(out.plan, *catalog_, info_);
  }
  out.info = info_;
  return out;
}

}  // namespace

Result<BoundQuery> BindQuery(const Query& query, const CatalogView& catalog, BindMode mode,
                             std::string_view sql_text) {
  Binder b(&catalog, mode, sql_text);
  return b.BindTopQuery(query);
}

Result<BExpr> BindScalar(const Expr& expr, const SchemaPtr& schema, std::string_view sql_text) {
  struct EmptyCatalog : CatalogView {
    const RelationInfo* FindRelation(std::string_view) const override { return nullptr; }
    std::vector<std::string> RelationNames() const override { return {}; }
  } empty;
  Binder b(&empty, BindMode::kAdHoc, sql_text);
  Scope scope = schema ? Scope::FromSchema(schema, "") : Scope{};
  return b.Bind(expr, scope, nullptr);
}

Result<DataTypePtr> BindType(const TypeName& type) { return BindTypeImpl(type); }

Result<int64_t> BindDuration(const Expr& expr, std::string_view what, std::string_view sql_text) {
  LAMINAR_ASSIGN_OR_RETURN(auto e, BindScalar(expr, nullptr, sql_text));
  auto v = fn::EvaluateConstant(e);
  if (!v.ok()) {
    return BindError(ErrorCode::kWindowInvalid, expr.pos,
                     fmt::format("{} must be a constant INTERVAL", what));
  }
  LAMINAR_ASSIGN_OR_RETURN(int64_t us, DurationFromScalar(*v, what, expr.pos));
  if (us <= 0) {
    return BindError(ErrorCode::kWindowSizeInvalid, expr.pos,
                     fmt::format("{} must be positive", what));
  }
  return us;
}

}  // namespace laminar::sql
