// ToSql(): turns an AST back into SQL text that parses to an equal AST. Parentheses are only
// added where the precedence of a child is looser than its parent requires.

#include <string>

// GCC 12 at -O3 reports a false -Wrestrict on `"literal" + std::string` (GCC bug 105329);
// this file builds SQL text that way throughout.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "common/string_util.h"
#include "sql/parser/keywords.h"
#include "sql/parser/parser.h"

namespace laminar::sql {

namespace {

bool HasIdentChars(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string QuoteIdent(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string QuoteString(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string Ident(const Identifier& id) {
  return IsPlainIdentifier(id.value) ? id.value : QuoteIdent(id.value);
}

std::string Name(const QualifiedName& name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (i) out += ".";
    out += Ident(name[i]);
  }
  return out;
}

std::string IdentList(const std::vector<Identifier>& ids) {
  std::string out = "(";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ", ";
    out += Ident(ids[i]);
  }
  return out + ")";
}

std::string FunctionName(const Identifier& id) {
  const std::string& v = id.value;
  bool special = v == "null" || v == "true" || v == "false" || v == "case" || v == "cast" ||
                 v == "try_cast" || v == "extract" || v == "exists" || v == "not";
  if (HasIdentChars(v) && !special && !IsReservedInExpression(v)) return v;
  return QuoteIdent(v);
}

/// A keyword-like name (connector, format, type) written upper case when possible.
std::string UpperWord(std::string_view v) {
  if (HasIdentChars(v)) return ToUpper(v);
  return QuoteIdent(v);
}

int ExprPrecedence(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kBinary:
      switch (e.As<BinaryExpr>().op) {
        case BinaryOp::kOr:
          return kPrecOr;
        case BinaryOp::kAnd:
          return kPrecAnd;
        case BinaryOp::kEq:
        case BinaryOp::kNotEq:
        case BinaryOp::kLt:
        case BinaryOp::kLtEq:
        case BinaryOp::kGt:
        case BinaryOp::kGtEq:
          return kPrecCompare;
        case BinaryOp::kConcat:
        case BinaryOp::kArrow:
        case BinaryOp::kLongArrow:
          return kPrecOther;
        case BinaryOp::kAdd:
        case BinaryOp::kSub:
          return kPrecAdd;
        case BinaryOp::kMul:
        case BinaryOp::kDiv:
        case BinaryOp::kMod:
          return kPrecMul;
        case BinaryOp::kPow:
          return kPrecPow;
      }
      return kPrecOr;
    case ExprKind::kUnary:
      return e.As<UnaryExpr>().op == UnaryOp::kNot ? kPrecNot : kPrecUnary;
    case ExprKind::kIs:
      return kPrecIs;
    case ExprKind::kBetween:
    case ExprKind::kInList:
    case ExprKind::kInSubquery:
    case ExprKind::kLike:
      return kPrecPredicate;
    case ExprKind::kCast:
      return e.As<CastExpr>().style == CastStyle::kColonColon ? kPrecPostfix : kPrecPrimary;
    case ExprKind::kSubscript:
      return kPrecPostfix;
    default:
      return kPrecPrimary;
  }
}

class Unparser {
 public:
  std::string E(const Expr& e, int min_prec = kPrecOr) {
    std::string s = ExprBody(e);
    if (ExprPrecedence(e) < min_prec) return "(" + s + ")";
    return s;
  }

  std::string Type(const TypeName& t) {
    std::string out;
    if (t.name == "array" && t.children.size() == 1) {
      return "ARRAY<" + Type(t.children[0]) + ">";
    }
    if (t.name == "map" && t.children.size() == 2) {
      return "MAP<" + Type(t.children[0]) + ", " + Type(t.children[1]) + ">";
    }
    if (t.name == "struct") {
      out = "STRUCT<";
      for (size_t i = 0; i < t.children.size(); ++i) {
        if (i) out += ", ";
        if (i < t.field_names.size()) out += Ident(t.field_names[i]) + " ";
        out += Type(t.children[i]);
      }
      return out + ">";
    }
    out = ToUpper(t.name);
    if (!t.params.empty()) {
      out += "(";
      for (size_t i = 0; i < t.params.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(t.params[i]);
      }
      out += ")";
    }
    return out;
  }

  std::string Q(const Query& q) {
    std::string out;
    if (!q.ctes.empty()) {
      out += q.recursive ? "WITH RECURSIVE " : "WITH ";
      for (size_t i = 0; i < q.ctes.size(); ++i) {
        const Cte& c = q.ctes[i];
        if (i) out += ", ";
        out += Ident(c.name);
        if (!c.columns.empty()) out += " " + IdentList(c.columns);
        out += " AS (" + Q(*c.query) + ")";
      }
      out += " ";
    }
    out += Body(*q.body);
    if (!q.order_by.empty()) out += " ORDER BY " + OrderBy(q.order_by);
    if (q.limit) out += " LIMIT " + E(*q.limit);
    if (q.offset) out += " OFFSET " + E(*q.offset);
    if (q.emit) {
      out += " EMIT ";
      out += EmitKindName(q.emit->kind);
      if (q.emit->interval) out += " " + E(*q.emit->interval);
    }
    if (q.allowed_lateness) out += " ALLOW LATENESS " + E(*q.allowed_lateness);
    if (q.late_data_to) out += " LATE DATA TO " + Ident(*q.late_data_to);
    return out;
  }

  std::string Stmt(const Statement& s) {
    switch (s.kind) {
      case StatementKind::kQuery:
        return Q(*s.As<QueryStmt>().query);
      case StatementKind::kCreateSource:
        return CreateSource(s.As<CreateSourceStmt>());
      case StatementKind::kCreateStream: {
        const auto& c = s.As<CreateStreamStmt>();
        std::string out = Create(c.or_replace, ObjectKindName(c.object), c.if_not_exists);
        out += Ident(c.name) + " AS " + Q(*c.query);
        if (!c.options.empty()) out += " WITH " + Options(c.options);
        return out;
      }
      case StatementKind::kCreateSink:
        return CreateSink(s.As<CreateSinkStmt>());
      case StatementKind::kCreateTable: {
        const auto& c = s.As<CreateTableStmt>();
        std::string out =
            Create(c.or_replace, c.lookup ? "LOOKUP TABLE" : "TABLE", c.if_not_exists);
        out += Ident(c.name) + " (";
        bool first = true;
        for (const ColumnDef& col : c.columns) {
          if (!first) out += ", ";
          first = false;
          out += Column(col);
        }
        if (!c.primary_key.empty()) {
          if (!first) out += ", ";
          first = false;
          out += "PRIMARY KEY " + IdentList(c.primary_key);
        }
        if (c.watermark) {
          if (!first) out += ", ";
          out += "WATERMARK FOR " + Ident(c.watermark->column);
          if (c.watermark->expr) out += " AS " + E(*c.watermark->expr);
        }
        out += ")";
        if (!c.options.empty() || c.lookup) out += " WITH " + Options(c.options);
        return out;
      }
      case StatementKind::kDrop: {
        const auto& d = s.As<DropStmt>();
        std::string out = "DROP ";
        out += ObjectKindName(d.object);
        if (d.if_exists) out += " IF EXISTS";
        out += " " + Name(d.name);
        if (d.cascade) out += " CASCADE";
        return out;
      }
      case StatementKind::kAlterSource: {
        const auto& a = s.As<AlterSourceStmt>();
        std::string out = "ALTER SOURCE " + Ident(a.name);
        switch (a.action) {
          case AlterSourceAction::kAddColumn:
            return out + " ADD COLUMN " + (a.column ? Column(*a.column) : std::string());
          case AlterSourceAction::kSetOptions:
            return out + " SET " + Options(a.options);
          case AlterSourceAction::kAdvanceWatermark:
            return out + " ADVANCE WATERMARK TO " + (a.watermark ? E(*a.watermark) : "NULL");
        }
        return out;
      }
      case StatementKind::kInsert: {
        const auto& i = s.As<InsertStmt>();
        std::string out = "INSERT INTO " + Name(i.table);
        if (!i.columns.empty()) out += " " + IdentList(i.columns);
        return out + " " + Q(*i.query);
      }
      case StatementKind::kShow:
        return "SHOW " + std::string(ShowName(s.As<ShowStmt>().what));
      case StatementKind::kShowCreate: {
        const auto& sc = s.As<ShowCreateStmt>();
        return std::string("SHOW CREATE ") + ObjectKindName(sc.object) + " " + Name(sc.name);
      }
      case StatementKind::kDescribe: {
        const auto& d = s.As<DescribeStmt>();
        return std::string(d.extended ? "DESCRIBE EXTENDED " : "DESCRIBE ") + Name(d.name);
      }
      case StatementKind::kExplain: {
        const auto& e = s.As<ExplainStmt>();
        return std::string(e.analyze ? "EXPLAIN ANALYZE " : "EXPLAIN ") + Stmt(*e.statement);
      }
      case StatementKind::kCheckpoint:
        return "CHECKPOINT";
      case StatementKind::kSync:
        return "SYNC";
      case StatementKind::kRestore:
        return "RESTORE FROM CHECKPOINT " + std::to_string(s.As<RestoreStmt>().checkpoint_id);
      case StatementKind::kSet: {
        const auto& st = s.As<SetStmt>();
        std::string out = "SET ";
        std::vector<std::string> parts = Split(st.name, '.');
        for (size_t i = 0; i < parts.size(); ++i) {
          if (i) out += ".";
          out += IsPlainIdentifier(parts[i]) ? parts[i] : QuoteIdent(parts[i]);
        }
        return out + " = " + E(*st.value);
      }
      case StatementKind::kSubscribe:
        return Subscribe(s.As<SubscribeStmt>());
      case StatementKind::kDeclareCursor: {
        const auto& d = s.As<DeclareCursorStmt>();
        std::string out = "DECLARE " + Ident(d.name);
        if (d.no_scroll) out += " NO SCROLL";
        out += " CURSOR";
        if (d.without_hold) out += " WITHOUT HOLD";
        return out + " FOR " + Subscribe(*d.subscribe);
      }
      case StatementKind::kFetch: {
        const auto& f = s.As<FetchStmt>();
        std::string out = "FETCH ";
        if (f.forward) {
          out += "FORWARD " + std::to_string(f.count);
        } else if (f.count == 1) {
          out += "NEXT";
        } else {
          out += std::to_string(f.count);
        }
        return out + " FROM " + Ident(f.cursor);
      }
      case StatementKind::kClose: {
        const auto& c = s.As<CloseStmt>();
        return c.all ? "CLOSE ALL" : "CLOSE " + Ident(c.cursor);
      }
    }
    return {};
  }

 private:
  static const char* ShowName(ShowKind k) {
    switch (k) {
      case ShowKind::kSources:
        return "SOURCES";
      case ShowKind::kSinks:
        return "SINKS";
      case ShowKind::kStreams:
        return "STREAMS";
      case ShowKind::kMaterializedViews:
        return "MATERIALIZED VIEWS";
      case ShowKind::kTables:
        return "TABLES";
      case ShowKind::kLookupTables:
        return "LOOKUP TABLES";
      case ShowKind::kQueries:
        return "QUERIES";
      case ShowKind::kCheckpointStatus:
        return "CHECKPOINT STATUS";
    }
    return "?";
  }

  static std::string Create(bool or_replace, const char* what, bool if_not_exists) {
    std::string out = or_replace ? "CREATE OR REPLACE " : "CREATE ";
    out += what;
    out += if_not_exists ? " IF NOT EXISTS " : " ";
    return out;
  }

  std::string Options(const std::vector<SqlOption>& opts) {
    std::string out = "(";
    for (size_t i = 0; i < opts.size(); ++i) {
      if (i) out += ", ";
      out += QuoteString(opts[i].key) + " = " + E(*opts[i].value);
    }
    return out + ")";
  }

  std::string Connector(const ConnectorClause& c) {
    std::string name = c.name;
    for (char& ch : name) {
      if (ch == '-') ch = '_';
    }
    std::string out = UpperWord(name);
    if (!c.options.empty()) out += " " + Options(c.options);
    return out;
  }

  std::string Format(const FormatClause& f) {
    std::string out = " FORMAT " + UpperWord(f.name);
    if (!f.options.empty()) out += " WITH " + Options(f.options);
    return out;
  }

  std::string Column(const ColumnDef& c) {
    std::string out = Ident(c.name) + " " + Type(c.type);
    if (c.not_null) out += " NOT NULL";
    if (c.default_value) out += " DEFAULT " + E(*c.default_value, kPrecIs);
    if (c.primary_key) out += " PRIMARY KEY";
    return out;
  }

  std::string CreateSource(const CreateSourceStmt& c) {
    std::string out = Create(c.or_replace, "SOURCE", c.if_not_exists) + Ident(c.name);
    std::vector<std::string> elems;
    for (const ColumnDef& col : c.columns) elems.push_back(Column(col));
    if (c.wildcard) {
      elems.push_back(c.wildcard_prefix.empty() ? "*"
                                                : "* PREFIX " + QuoteString(c.wildcard_prefix));
    }
    if (c.watermark) {
      std::string wm = "WATERMARK FOR " + Ident(c.watermark->column);
      if (c.watermark->expr) wm += " AS " + E(*c.watermark->expr);
      elems.push_back(std::move(wm));
    }
    if (!elems.empty()) {
      out += " (";
      for (size_t i = 0; i < elems.size(); ++i) {
        if (i) out += ", ";
        out += elems[i];
      }
      out += ")";
    }
    if (c.connector) out += " FROM " + Connector(*c.connector);
    // The statement's WITH goes before FORMAT: a WITH right after FORMAT f belongs to f.
    if (!c.options.empty()) out += " WITH " + Options(c.options);
    if (c.format) out += Format(*c.format);
    return out;
  }

  std::string CreateSink(const CreateSinkStmt& c) {
    std::string out = Create(c.or_replace, "SINK", c.if_not_exists) + Ident(c.name) + " FROM ";
    out += c.from_query ? "(" + Q(*c.from_query) + ")" : Name(c.from_name);
    if (c.where) out += " WHERE " + E(*c.where);
    if (c.connector) out += " INTO " + Connector(*c.connector);
    if (!c.options.empty()) out += " WITH " + Options(c.options);
    if (c.format) out += Format(*c.format);
    return out;
  }

  std::string Subscribe(const SubscribeStmt& s) {
    std::string out = "SUBSCRIBE " + Name(s.name);
    if (s.as_of_epoch) out += " AS OF EPOCH " + std::to_string(*s.as_of_epoch);
    if (s.where) out += " WHERE " + E(*s.where);
    if (!s.options.empty()) out += " WITH " + Options(s.options);
    return out;
  }

  std::string OrderBy(const std::vector<OrderByItem>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      out += E(*items[i].expr);
      if (items[i].descending) out += " DESC";
      if (items[i].nulls_first) out += *items[i].nulls_first ? " NULLS FIRST" : " NULLS LAST";
    }
    return out;
  }

  std::string List(const std::vector<ExprPtr>& list) {
    std::string out;
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) out += ", ";
      out += E(*list[i]);
    }
    return out;
  }

  std::string Body(const QueryBody& b) {
    switch (b.kind) {
      case QueryBodyKind::kSelect:
        return Select(*b.select);
      case QueryBodyKind::kValues: {
        std::string out = "VALUES ";
        for (size_t i = 0; i < b.values.size(); ++i) {
          if (i) out += ", ";
          out += "(" + List(b.values[i]) + ")";
        }
        return out;
      }
      case QueryBodyKind::kSetOp: {
        const char* op = b.set_op == SetOpKind::kUnion       ? " UNION "
                         : b.set_op == SetOpKind::kIntersect ? " INTERSECT "
                                                             : " EXCEPT ";
        return Body(*b.left) + op + (b.set_all ? "ALL " : "") + Body(*b.right);
      }
      case QueryBodyKind::kNested:
        return "(" + Q(*b.nested) + ")";
    }
    return {};
  }

  std::string Select(const sql::Select& s) {
    std::string out = s.distinct ? "SELECT DISTINCT " : "SELECT ";
    for (size_t i = 0; i < s.items.size(); ++i) {
      if (i) out += ", ";
      out += E(*s.items[i].expr);
      if (s.items[i].alias) out += " AS " + Ident(*s.items[i].alias);
    }
    if (!s.from.empty()) {
      out += " FROM ";
      for (size_t i = 0; i < s.from.size(); ++i) {
        if (i) out += ", ";
        out += Table(*s.from[i]);
      }
    }
    if (s.where) out += " WHERE " + E(*s.where);
    if (!s.group_by.empty()) out += " GROUP BY " + List(s.group_by);
    if (s.having) out += " HAVING " + E(*s.having);
    return out;
  }

  std::string Alias(const TableRef& t) {
    std::string out;
    if (t.alias) {
      out += " AS " + Ident(*t.alias);
      if (!t.column_aliases.empty()) out += " " + IdentList(t.column_aliases);
    }
    return out;
  }

  std::string Table(const TableRef& t) {
    switch (t.kind) {
      case TableRefKind::kNamed: {
        std::string out = Name(t.name);
        if (t.system_time) out += " FOR SYSTEM_TIME AS OF " + E(*t.system_time);
        return out + Alias(t);
      }
      case TableRefKind::kSubquery:
        return "(" + Q(*t.subquery) + ")" + Alias(t);
      case TableRefKind::kFunction:
        return Name(t.name) + "(" + List(t.args) + ")" +
               (t.with_ordinality ? " WITH ORDINALITY" : "") + Alias(t);
      case TableRefKind::kJoin:
        break;
    }
    std::string out = Table(*t.left) + " " + JoinKindName(t.join_kind) + " ";
    if (t.right->kind == TableRefKind::kJoin) {
      out += "(" + Table(*t.right) + ")";
    } else {
      out += Table(*t.right);
    }
    if (t.join_kind == JoinKind::kAsof) {
      out += " MATCH_CONDITION (" + (t.match_condition ? E(*t.match_condition) : "TRUE") + ")";
    }
    if (t.join_kind == JoinKind::kTemporalProbe) {
      out += " ON " + IdentList(t.probe_keys);
      out += " TIMESTAMPS (" + E(*t.probe_left_ts) + ", " + E(*t.probe_right_ts) + ")";
      if (t.probe->is_range) {
        out += " RANGE FROM " + E(*t.probe->range_from) + " TO " + E(*t.probe->range_to) +
               " STEP " + E(*t.probe->range_step);
      } else {
        out += " LIST (" + List(t.probe->offsets) + ")";
      }
      if (t.alias) out += " AS " + Ident(*t.alias);
      return out;
    }
    if (t.on) out += " ON " + E(*t.on);
    if (!t.using_columns.empty()) out += " USING " + IdentList(t.using_columns);
    return out;
  }

  std::string Literal(const LiteralExpr& l) {
    switch (l.literal_kind) {
      case LiteralKind::kNull:
        return "NULL";
      case LiteralKind::kBoolean:
        return l.bool_value ? "TRUE" : "FALSE";
      case LiteralKind::kInteger:
      case LiteralKind::kDecimal:
      case LiteralKind::kFloat:
      case LiteralKind::kDuration:
        return l.value;
      case LiteralKind::kString:
        return QuoteString(l.value);
      case LiteralKind::kTimestamp:
        return "TIMESTAMP " + QuoteString(l.value);
      case LiteralKind::kDate:
        return "DATE " + QuoteString(l.value);
      case LiteralKind::kTime:
        return "TIME " + QuoteString(l.value);
      case LiteralKind::kInterval:
        return "INTERVAL " + QuoteString(l.value) + (l.unit.empty() ? "" : " " + l.unit);
    }
    return {};
  }

  std::string Frame(const FrameBound& b) {
    switch (b.kind) {
      case FrameBoundKind::kUnboundedPreceding:
        return "UNBOUNDED PRECEDING";
      case FrameBoundKind::kUnboundedFollowing:
        return "UNBOUNDED FOLLOWING";
      case FrameBoundKind::kCurrentRow:
        return "CURRENT ROW";
      case FrameBoundKind::kPreceding:
        return E(*b.offset, kPrecAdd) + " PRECEDING";
      case FrameBoundKind::kFollowing:
        return E(*b.offset, kPrecAdd) + " FOLLOWING";
    }
    return {};
  }

  std::string Function(const FunctionCallExpr& f) {
    if (!f.has_parens) return ToUpper(f.name.value);
    switch (f.syntax) {
      case FunctionSyntax::kCall:
      case FunctionSyntax::kWithinGroup:
        break;
      case FunctionSyntax::kPositionIn:
        if (f.args.size() == 2) {
          return "POSITION(" + E(*f.args[1], kPrecOther) + " IN " + E(*f.args[0]) + ")";
        }
        break;
      case FunctionSyntax::kSubstringFrom:
        if (f.args.size() == 2 || f.args.size() == 3) {
          std::string out = "SUBSTRING(" + E(*f.args[0]) + " FROM " + E(*f.args[1]);
          if (f.args.size() == 3) out += " FOR " + E(*f.args[2]);
          return out + ")";
        }
        break;
      case FunctionSyntax::kTrimFrom:
        if (f.args.size() == 1 || f.args.size() == 2) {
          const std::string& n = f.name.value;
          std::string out = n == "ltrim"   ? "TRIM(LEADING "
                            : n == "rtrim" ? "TRIM(TRAILING "
                                           : "TRIM(BOTH ";
          if (f.args.size() == 2) out += E(*f.args[1]) + " ";
          return out + "FROM " + E(*f.args[0]) + ")";
        }
        break;
    }
    std::string out = FunctionName(f.name) + "(";
    if (f.syntax == FunctionSyntax::kWithinGroup && !f.args.empty()) {
      for (size_t i = 1; i < f.args.size(); ++i) out += (i > 1 ? ", " : "") + E(*f.args[i]);
      out += ") WITHIN GROUP (ORDER BY " + E(*f.args[0]) + ")";
    } else {
      if (f.star) {
        out += "*";
      } else {
        if (f.distinct) out += "DISTINCT ";
        out += List(f.args);
        if (!f.order_by.empty()) out += " ORDER BY " + OrderBy(f.order_by);
      }
      out += ")";
    }
    if (f.filter) out += " FILTER (WHERE " + E(*f.filter) + ")";
    if (f.over) {
      const WindowSpec& w = *f.over;
      std::vector<std::string> parts;
      if (!w.partition_by.empty()) parts.push_back("PARTITION BY " + List(w.partition_by));
      if (!w.order_by.empty()) parts.push_back("ORDER BY " + OrderBy(w.order_by));
      if (w.frame) {
        std::string fr = w.frame->units == FrameUnits::kRows ? "ROWS " : "RANGE ";
        if (w.frame->end) {
          fr += "BETWEEN " + Frame(w.frame->start) + " AND " + Frame(*w.frame->end);
        } else {
          fr += Frame(w.frame->start);
        }
        parts.push_back(std::move(fr));
      }
      out += " OVER (";
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += " ";
        out += parts[i];
      }
      out += ")";
    }
    return out;
  }

  std::string ExprBody(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kLiteral:
        return Literal(e.As<LiteralExpr>());
      case ExprKind::kColumnRef:
        return Name(e.As<ColumnRefExpr>().parts);
      case ExprKind::kStar: {
        const auto& s = e.As<StarExpr>();
        return s.qualifier.empty() ? "*" : Name(s.qualifier) + ".*";
      }
      case ExprKind::kParameter:
        return "$" + std::to_string(e.As<ParameterExpr>().index);
      case ExprKind::kUnary: {
        const auto& u = e.As<UnaryExpr>();
        if (u.op == UnaryOp::kNot) return "NOT " + E(*u.operand, kPrecIs);
        std::string operand = E(*u.operand, kPrecUnary);
        if (!operand.empty() && (operand[0] == '-' || operand[0] == '+')) {
          operand = "(" + operand + ")";
        }
        return (u.op == UnaryOp::kNegate ? "-" : "+") + operand;
      }
      case ExprKind::kBinary: {
        const auto& b = e.As<BinaryExpr>();
        int p = ExprPrecedence(e);
        return E(*b.left, p) + " " + BinaryOpName(b.op) + " " + E(*b.right, p + 1);
      }
      case ExprKind::kIs: {
        const auto& is = e.As<IsExpr>();
        std::string out = E(*is.operand, kPrecIs) + (is.negated ? " IS NOT " : " IS ");
        switch (is.test) {
          case IsTest::kNull:
            return out + "NULL";
          case IsTest::kTrue:
            return out + "TRUE";
          case IsTest::kFalse:
            return out + "FALSE";
          case IsTest::kUnknown:
            return out + "UNKNOWN";
          case IsTest::kDistinctFrom:
            return out + "DISTINCT FROM " + E(*is.right, kPrecCompare);
        }
        return out;
      }
      case ExprKind::kBetween: {
        const auto& b = e.As<BetweenExpr>();
        return E(*b.operand, kPrecPredicate) + (b.negated ? " NOT BETWEEN " : " BETWEEN ") +
               E(*b.low, kPrecOther) + " AND " + E(*b.high, kPrecOther);
      }
      case ExprKind::kInList: {
        const auto& in = e.As<InListExpr>();
        return E(*in.operand, kPrecPredicate) + (in.negated ? " NOT IN (" : " IN (") +
               List(in.list) + ")";
      }
      case ExprKind::kInSubquery: {
        const auto& in = e.As<InSubqueryExpr>();
        return E(*in.operand, kPrecPredicate) + (in.negated ? " NOT IN (" : " IN (") +
               Q(*in.query) + ")";
      }
      case ExprKind::kLike: {
        const auto& l = e.As<LikeExpr>();
        std::string out = E(*l.operand, kPrecPredicate) + (l.negated ? " NOT " : " ") +
                          (l.case_insensitive ? "ILIKE " : "LIKE ") + E(*l.pattern, kPrecOther);
        if (l.escape) out += " ESCAPE " + E(*l.escape, kPrecOther);
        return out;
      }
      case ExprKind::kCase: {
        const auto& c = e.As<CaseExpr>();
        std::string out = "CASE";
        if (c.operand) out += " " + E(*c.operand);
        for (const WhenClause& w : c.whens) {
          out += " WHEN " + E(*w.condition) + " THEN " + E(*w.result);
        }
        if (c.else_result) out += " ELSE " + E(*c.else_result);
        return out + " END";
      }
      case ExprKind::kCast: {
        const auto& c = e.As<CastExpr>();
        if (c.style == CastStyle::kColonColon) {
          return E(*c.operand, kPrecPostfix) + "::" + Type(c.type);
        }
        return std::string(c.style == CastStyle::kCast ? "CAST(" : "TRY_CAST(") + E(*c.operand) +
               " AS " + Type(c.type) + ")";
      }
      case ExprKind::kExtract: {
        const auto& x = e.As<ExtractExpr>();
        std::string field = HasIdentChars(x.field) ? ToUpper(x.field) : QuoteString(x.field);
        return "EXTRACT(" + field + " FROM " + E(*x.operand) + ")";
      }
      case ExprKind::kFunction:
        return Function(e.As<FunctionCallExpr>());
      case ExprKind::kArray:
        return "ARRAY[" + List(e.As<ArrayExpr>().elements) + "]";
      case ExprKind::kSubscript: {
        const auto& s = e.As<SubscriptExpr>();
        return E(*s.base, kPrecPostfix) + "[" + E(*s.index) + "]";
      }
      case ExprKind::kSubquery:
        return "(" + Q(*e.As<SubqueryExpr>().query) + ")";
      case ExprKind::kExists:
        return "EXISTS (" + Q(*e.As<ExistsExpr>().query) + ")";
    }
    return {};
  }
};

}  // namespace

std::string ToSql(const Statement& stmt) { return Unparser().Stmt(stmt); }
std::string ToSql(const Expr& expr) { return Unparser().E(expr); }
std::string ToSql(const Query& query) { return Unparser().Q(query); }
std::string ToSql(const TypeName& type) { return Unparser().Type(type); }

}  // namespace laminar::sql
