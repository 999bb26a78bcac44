#include "sql/parser/ast.h"

namespace laminar::sql {

InSubqueryExpr::InSubqueryExpr() : Expr(kKind) {}
InSubqueryExpr::~InSubqueryExpr() = default;
SubqueryExpr::SubqueryExpr() : Expr(kKind) {}
SubqueryExpr::~SubqueryExpr() = default;
ExistsExpr::ExistsExpr() : Expr(kKind) {}
ExistsExpr::~ExistsExpr() = default;
TableRef::TableRef() = default;
TableRef::~TableRef() = default;
QueryBody::QueryBody() = default;
QueryBody::~QueryBody() = default;

namespace {

bool Eq(const Identifier& a, const Identifier& b) { return a.value == b.value; }

bool Eq(const std::vector<Identifier>& a, const std::vector<Identifier>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!Eq(a[i], b[i])) return false;
  }
  return true;
}

bool Eq(const std::optional<Identifier>& a, const std::optional<Identifier>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || Eq(*a, *b);
}

bool Eq(const ExprPtr& a, const ExprPtr& b) {
  if (!a || !b) return !a && !b;
  return Equals(*a, *b);
}

bool Eq(const std::vector<ExprPtr>& a, const std::vector<ExprPtr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!Eq(a[i], b[i])) return false;
  }
  return true;
}

bool Eq(const QueryPtr& a, const QueryPtr& b) {
  if (!a || !b) return !a && !b;
  return Equals(*a, *b);
}

bool Eq(const std::vector<OrderByItem>& a, const std::vector<OrderByItem>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].descending != b[i].descending || a[i].nulls_first != b[i].nulls_first ||
        !Eq(a[i].expr, b[i].expr)) {
      return false;
    }
  }
  return true;
}

bool Eq(const FrameBound& a, const FrameBound& b) {
  return a.kind == b.kind && Eq(a.offset, b.offset);
}

bool Eq(const std::unique_ptr<WindowSpec>& a, const std::unique_ptr<WindowSpec>& b) {
  if (!a || !b) return !a && !b;
  if (!Eq(a->partition_by, b->partition_by) || !Eq(a->order_by, b->order_by)) return false;
  if (a->frame.has_value() != b->frame.has_value()) return false;
  if (!a->frame) return true;
  const WindowFrame& fa = *a->frame;
  const WindowFrame& fb = *b->frame;
  if (fa.units != fb.units || !Eq(fa.start, fb.start)) return false;
  if (fa.end.has_value() != fb.end.has_value()) return false;
  return !fa.end || Eq(*fa.end, *fb.end);
}

bool Eq(const std::vector<SqlOption>& a, const std::vector<SqlOption>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || !Eq(a[i].value, b[i].value)) return false;
  }
  return true;
}

bool Eq(const std::optional<ConnectorClause>& a, const std::optional<ConnectorClause>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->name == b->name && Eq(a->options, b->options));
}

bool Eq(const std::optional<FormatClause>& a, const std::optional<FormatClause>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->name == b->name && Eq(a->options, b->options));
}

bool Eq(const ColumnDef& a, const ColumnDef& b) {
  return Eq(a.name, b.name) && Equals(a.type, b.type) && a.not_null == b.not_null &&
         a.primary_key == b.primary_key && Eq(a.default_value, b.default_value);
}

bool Eq(const std::vector<ColumnDef>& a, const std::vector<ColumnDef>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!Eq(a[i], b[i])) return false;
  }
  return true;
}

bool Eq(const std::unique_ptr<TableRef>& a, const std::unique_ptr<TableRef>& b);

bool Eq(const TableRef& a, const TableRef& b) {
  if (a.kind != b.kind || !Eq(a.alias, b.alias) || !Eq(a.column_aliases, b.column_aliases)) {
    return false;
  }
  switch (a.kind) {
    case TableRefKind::kNamed:
      return Eq(a.name, b.name) && Eq(a.system_time, b.system_time);
    case TableRefKind::kSubquery:
      return Eq(a.subquery, b.subquery);
    case TableRefKind::kFunction:
      return Eq(a.name, b.name) && Eq(a.args, b.args) && a.with_ordinality == b.with_ordinality;
    case TableRefKind::kJoin: {
      if (a.join_kind != b.join_kind || !Eq(a.left, b.left) || !Eq(a.right, b.right) ||
          !Eq(a.on, b.on) || !Eq(a.using_columns, b.using_columns) ||
          !Eq(a.match_condition, b.match_condition) || !Eq(a.probe_keys, b.probe_keys) ||
          !Eq(a.probe_left_ts, b.probe_left_ts) || !Eq(a.probe_right_ts, b.probe_right_ts)) {
        return false;
      }
      if (!a.probe || !b.probe) return !a.probe && !b.probe;
      return a.probe->is_range == b.probe->is_range && Eq(a.probe->offsets, b.probe->offsets) &&
             Eq(a.probe->range_from, b.probe->range_from) &&
             Eq(a.probe->range_to, b.probe->range_to) &&
             Eq(a.probe->range_step, b.probe->range_step);
    }
  }
  return false;
}

bool Eq(const std::unique_ptr<TableRef>& a, const std::unique_ptr<TableRef>& b) {
  if (!a || !b) return !a && !b;
  return Eq(*a, *b);
}

bool Eq(const Select& a, const Select& b) {
  if (a.distinct != b.distinct || a.items.size() != b.items.size() ||
      a.from.size() != b.from.size()) {
    return false;
  }
  for (size_t i = 0; i < a.items.size(); ++i) {
    if (!Eq(a.items[i].expr, b.items[i].expr) || !Eq(a.items[i].alias, b.items[i].alias)) {
      return false;
    }
  }
  for (size_t i = 0; i < a.from.size(); ++i) {
    if (!Eq(a.from[i], b.from[i])) return false;
  }
  return Eq(a.where, b.where) && Eq(a.group_by, b.group_by) && Eq(a.having, b.having);
}

bool Eq(const std::unique_ptr<QueryBody>& a, const std::unique_ptr<QueryBody>& b) {
  if (!a || !b) return !a && !b;
  if (a->kind != b->kind) return false;
  switch (a->kind) {
    case QueryBodyKind::kSelect:
      return a->select && b->select && Eq(*a->select, *b->select);
    case QueryBodyKind::kValues:
      if (a->values.size() != b->values.size()) return false;
      for (size_t i = 0; i < a->values.size(); ++i) {
        if (!Eq(a->values[i], b->values[i])) return false;
      }
      return true;
    case QueryBodyKind::kSetOp:
      return a->set_op == b->set_op && a->set_all == b->set_all && Eq(a->left, b->left) &&
             Eq(a->right, b->right);
    case QueryBodyKind::kNested:
      return Eq(a->nested, b->nested);
  }
  return false;
}

template <typename T>
bool OptStmtEq(const std::unique_ptr<T>& a, const std::unique_ptr<T>& b) {
  if (!a || !b) return !a && !b;
  return Equals(*a, *b);
}

}  // namespace

bool Equals(const TypeName& a, const TypeName& b) {
  if (a.name != b.name || a.params != b.params || a.children.size() != b.children.size() ||
      !Eq(a.field_names, b.field_names)) {
    return false;
  }
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (!Equals(a.children[i], b.children[i])) return false;
  }
  return true;
}

bool Equals(const Expr& a, const Expr& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case ExprKind::kLiteral: {
      const auto& x = a.As<LiteralExpr>();
      const auto& y = b.As<LiteralExpr>();
      return x.literal_kind == y.literal_kind && x.value == y.value && x.unit == y.unit &&
             x.bool_value == y.bool_value;
    }
    case ExprKind::kColumnRef:
      return Eq(a.As<ColumnRefExpr>().parts, b.As<ColumnRefExpr>().parts);
    case ExprKind::kStar:
      return Eq(a.As<StarExpr>().qualifier, b.As<StarExpr>().qualifier);
    case ExprKind::kParameter:
      return a.As<ParameterExpr>().index == b.As<ParameterExpr>().index;
    case ExprKind::kUnary: {
      const auto& x = a.As<UnaryExpr>();
      const auto& y = b.As<UnaryExpr>();
      return x.op == y.op && Eq(x.operand, y.operand);
    }
    case ExprKind::kBinary: {
      const auto& x = a.As<BinaryExpr>();
      const auto& y = b.As<BinaryExpr>();
      return x.op == y.op && Eq(x.left, y.left) && Eq(x.right, y.right);
    }
    case ExprKind::kIs: {
      const auto& x = a.As<IsExpr>();
      const auto& y = b.As<IsExpr>();
      return x.test == y.test && x.negated == y.negated && Eq(x.operand, y.operand) &&
             Eq(x.right, y.right);
    }
    case ExprKind::kBetween: {
      const auto& x = a.As<BetweenExpr>();
      const auto& y = b.As<BetweenExpr>();
      return x.negated == y.negated && Eq(x.operand, y.operand) && Eq(x.low, y.low) &&
             Eq(x.high, y.high);
    }
    case ExprKind::kInList: {
      const auto& x = a.As<InListExpr>();
      const auto& y = b.As<InListExpr>();
      return x.negated == y.negated && Eq(x.operand, y.operand) && Eq(x.list, y.list);
    }
    case ExprKind::kInSubquery: {
      const auto& x = a.As<InSubqueryExpr>();
      const auto& y = b.As<InSubqueryExpr>();
      return x.negated == y.negated && Eq(x.operand, y.operand) && Eq(x.query, y.query);
    }
    case ExprKind::kLike: {
      const auto& x = a.As<LikeExpr>();
      const auto& y = b.As<LikeExpr>();
      return x.negated == y.negated && x.case_insensitive == y.case_insensitive &&
             Eq(x.operand, y.operand) && Eq(x.pattern, y.pattern) && Eq(x.escape, y.escape);
    }
    case ExprKind::kCase: {
      const auto& x = a.As<CaseExpr>();
      const auto& y = b.As<CaseExpr>();
      if (x.whens.size() != y.whens.size()) return false;
      for (size_t i = 0; i < x.whens.size(); ++i) {
        if (!Eq(x.whens[i].condition, y.whens[i].condition) ||
            !Eq(x.whens[i].result, y.whens[i].result)) {
          return false;
        }
      }
      return Eq(x.operand, y.operand) && Eq(x.else_result, y.else_result);
    }
    case ExprKind::kCast: {
      const auto& x = a.As<CastExpr>();
      const auto& y = b.As<CastExpr>();
      return x.style == y.style && Eq(x.operand, y.operand) && Equals(x.type, y.type);
    }
    case ExprKind::kExtract: {
      const auto& x = a.As<ExtractExpr>();
      const auto& y = b.As<ExtractExpr>();
      return x.field == y.field && Eq(x.operand, y.operand);
    }
    case ExprKind::kFunction: {
      const auto& x = a.As<FunctionCallExpr>();
      const auto& y = b.As<FunctionCallExpr>();
      return Eq(x.name, y.name) && x.distinct == y.distinct && x.star == y.star &&
             x.has_parens == y.has_parens && x.syntax == y.syntax && Eq(x.args, y.args) &&
             Eq(x.order_by, y.order_by) && Eq(x.filter, y.filter) && Eq(x.over, y.over);
    }
    case ExprKind::kArray:
      return Eq(a.As<ArrayExpr>().elements, b.As<ArrayExpr>().elements);
    case ExprKind::kSubscript: {
      const auto& x = a.As<SubscriptExpr>();
      const auto& y = b.As<SubscriptExpr>();
      return Eq(x.base, y.base) && Eq(x.index, y.index);
    }
    case ExprKind::kSubquery:
      return Eq(a.As<SubqueryExpr>().query, b.As<SubqueryExpr>().query);
    case ExprKind::kExists:
      return Eq(a.As<ExistsExpr>().query, b.As<ExistsExpr>().query);
  }
  return false;
}

bool Equals(const Query& a, const Query& b) {
  if (a.recursive != b.recursive || a.ctes.size() != b.ctes.size()) return false;
  for (size_t i = 0; i < a.ctes.size(); ++i) {
    if (!Eq(a.ctes[i].name, b.ctes[i].name) || !Eq(a.ctes[i].columns, b.ctes[i].columns) ||
        !Eq(a.ctes[i].query, b.ctes[i].query)) {
      return false;
    }
  }
  if (!Eq(a.body, b.body) || !Eq(a.order_by, b.order_by) || !Eq(a.limit, b.limit) ||
      !Eq(a.offset, b.offset) || !Eq(a.allowed_lateness, b.allowed_lateness) ||
      !Eq(a.late_data_to, b.late_data_to)) {
    return false;
  }
  if (a.emit.has_value() != b.emit.has_value()) return false;
  return !a.emit || (a.emit->kind == b.emit->kind && Eq(a.emit->interval, b.emit->interval));
}

bool Equals(const Statement& a, const Statement& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case StatementKind::kQuery:
      return Eq(a.As<QueryStmt>().query, b.As<QueryStmt>().query);
    case StatementKind::kCreateSource: {
      const auto& x = a.As<CreateSourceStmt>();
      const auto& y = b.As<CreateSourceStmt>();
      if (x.watermark.has_value() != y.watermark.has_value()) return false;
      if (x.watermark && (!Eq(x.watermark->column, y.watermark->column) ||
                          !Eq(x.watermark->expr, y.watermark->expr))) {
        return false;
      }
      return x.or_replace == y.or_replace && x.if_not_exists == y.if_not_exists &&
             Eq(x.name, y.name) && Eq(x.columns, y.columns) && x.wildcard == y.wildcard &&
             x.wildcard_prefix == y.wildcard_prefix && Eq(x.connector, y.connector) &&
             Eq(x.format, y.format) && Eq(x.options, y.options);
    }
    case StatementKind::kCreateStream: {
      const auto& x = a.As<CreateStreamStmt>();
      const auto& y = b.As<CreateStreamStmt>();
      return x.object == y.object && x.or_replace == y.or_replace &&
             x.if_not_exists == y.if_not_exists && Eq(x.name, y.name) && Eq(x.query, y.query) &&
             Eq(x.options, y.options);
    }
    case StatementKind::kCreateSink: {
      const auto& x = a.As<CreateSinkStmt>();
      const auto& y = b.As<CreateSinkStmt>();
      return x.or_replace == y.or_replace && x.if_not_exists == y.if_not_exists &&
             Eq(x.name, y.name) && Eq(x.from_name, y.from_name) && Eq(x.from_query, y.from_query) &&
             Eq(x.where, y.where) && Eq(x.connector, y.connector) && Eq(x.format, y.format) &&
             Eq(x.options, y.options);
    }
    case StatementKind::kCreateTable: {
      const auto& x = a.As<CreateTableStmt>();
      const auto& y = b.As<CreateTableStmt>();
      if (x.watermark.has_value() != y.watermark.has_value()) return false;
      if (x.watermark && (!Eq(x.watermark->column, y.watermark->column) ||
                          !Eq(x.watermark->expr, y.watermark->expr))) {
        return false;
      }
      return x.lookup == y.lookup && x.or_replace == y.or_replace &&
             x.if_not_exists == y.if_not_exists && Eq(x.name, y.name) && Eq(x.columns, y.columns) &&
             Eq(x.primary_key, y.primary_key) && Eq(x.options, y.options);
    }
    case StatementKind::kDrop: {
      const auto& x = a.As<DropStmt>();
      const auto& y = b.As<DropStmt>();
      return x.object == y.object && x.if_exists == y.if_exists && Eq(x.name, y.name) &&
             x.cascade == y.cascade;
    }
    case StatementKind::kAlterSource: {
      const auto& x = a.As<AlterSourceStmt>();
      const auto& y = b.As<AlterSourceStmt>();
      if (x.column.has_value() != y.column.has_value()) return false;
      if (x.column && !Eq(*x.column, *y.column)) return false;
      return Eq(x.name, y.name) && x.action == y.action && Eq(x.options, y.options) &&
             Eq(x.watermark, y.watermark);
    }
    case StatementKind::kInsert: {
      const auto& x = a.As<InsertStmt>();
      const auto& y = b.As<InsertStmt>();
      return Eq(x.table, y.table) && Eq(x.columns, y.columns) && Eq(x.query, y.query);
    }
    case StatementKind::kShow:
      return a.As<ShowStmt>().what == b.As<ShowStmt>().what;
    case StatementKind::kShowCreate: {
      const auto& x = a.As<ShowCreateStmt>();
      const auto& y = b.As<ShowCreateStmt>();
      return x.object == y.object && Eq(x.name, y.name);
    }
    case StatementKind::kDescribe: {
      const auto& x = a.As<DescribeStmt>();
      const auto& y = b.As<DescribeStmt>();
      return x.extended == y.extended && Eq(x.name, y.name);
    }
    case StatementKind::kExplain: {
      const auto& x = a.As<ExplainStmt>();
      const auto& y = b.As<ExplainStmt>();
      return x.analyze == y.analyze && OptStmtEq(x.statement, y.statement);
    }
    case StatementKind::kCheckpoint:
    case StatementKind::kSync:
      return true;
    case StatementKind::kRestore:
      return a.As<RestoreStmt>().checkpoint_id == b.As<RestoreStmt>().checkpoint_id;
    case StatementKind::kSet: {
      const auto& x = a.As<SetStmt>();
      const auto& y = b.As<SetStmt>();
      return x.name == y.name && Eq(x.value, y.value);
    }
    case StatementKind::kSubscribe: {
      const auto& x = a.As<SubscribeStmt>();
      const auto& y = b.As<SubscribeStmt>();
      return Eq(x.name, y.name) && x.as_of_epoch == y.as_of_epoch && Eq(x.where, y.where) &&
             Eq(x.options, y.options);
    }
    case StatementKind::kDeclareCursor: {
      const auto& x = a.As<DeclareCursorStmt>();
      const auto& y = b.As<DeclareCursorStmt>();
      return Eq(x.name, y.name) && x.no_scroll == y.no_scroll && x.without_hold == y.without_hold &&
             OptStmtEq(x.subscribe, y.subscribe);
    }
    case StatementKind::kFetch: {
      const auto& x = a.As<FetchStmt>();
      const auto& y = b.As<FetchStmt>();
      return x.forward == y.forward && x.count == y.count && Eq(x.cursor, y.cursor);
    }
    case StatementKind::kClose: {
      const auto& x = a.As<CloseStmt>();
      const auto& y = b.As<CloseStmt>();
      return x.all == y.all && Eq(x.cursor, y.cursor);
    }
  }
  return false;
}

const char* ObjectKindName(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kSource:
      return "SOURCE";
    case ObjectKind::kSink:
      return "SINK";
    case ObjectKind::kStream:
      return "STREAM";
    case ObjectKind::kMaterializedView:
      return "MATERIALIZED VIEW";
    case ObjectKind::kContinuousQuery:
      return "CONTINUOUS QUERY";
    case ObjectKind::kTable:
      return "TABLE";
    case ObjectKind::kLookupTable:
      return "LOOKUP TABLE";
  }
  return "?";
}

const char* BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return "OR";
    case BinaryOp::kAnd:
      return "AND";
    case BinaryOp::kEq:
      return "=";
    case BinaryOp::kNotEq:
      return "<>";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLtEq:
      return "<=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGtEq:
      return ">=";
    case BinaryOp::kConcat:
      return "||";
    case BinaryOp::kArrow:
      return "->";
    case BinaryOp::kLongArrow:
      return "->>";
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
  }
  return "?";
}

const char* JoinKindName(JoinKind kind) {
  switch (kind) {
    case JoinKind::kInner:
      return "JOIN";
    case JoinKind::kLeft:
      return "LEFT JOIN";
    case JoinKind::kRight:
      return "RIGHT JOIN";
    case JoinKind::kFull:
      return "FULL JOIN";
    case JoinKind::kCross:
      return "CROSS JOIN";
    case JoinKind::kLeftSemi:
      return "LEFT SEMI JOIN";
    case JoinKind::kLeftAnti:
      return "LEFT ANTI JOIN";
    case JoinKind::kRightSemi:
      return "RIGHT SEMI JOIN";
    case JoinKind::kRightAnti:
      return "RIGHT ANTI JOIN";
    case JoinKind::kAsof:
      return "ASOF JOIN";
    case JoinKind::kTemporalProbe:
      return "TEMPORAL PROBE JOIN";
  }
  return "?";
}

const char* EmitKindName(EmitKind kind) {
  switch (kind) {
    case EmitKind::kAfterWatermark:
      return "AFTER WATERMARK";
    case EmitKind::kOnWatermark:
      return "ON WATERMARK";
    case EmitKind::kOnWindowClose:
      return "ON WINDOW CLOSE";
    case EmitKind::kOnUpdate:
      return "ON UPDATE";
    case EmitKind::kEvery:
      return "EVERY";
    case EmitKind::kPeriodically:
      return "PERIODICALLY";
    case EmitKind::kChanges:
      return "CHANGES";
    case EmitKind::kFinal:
      return "FINAL";
  }
  return "?";
}

}  // namespace laminar::sql
