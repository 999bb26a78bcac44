#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace laminar::sql {

/// Where a token or AST node starts in the original SQL text. `line` and `column` are 1-based
/// (column counts bytes); `offset` is the 0-based byte offset. Used by the binder to point at
/// the offending name in its error messages.
struct SourcePos {
  int line = 0;
  int column = 0;
  int offset = 0;
};

/// A name as written. Unquoted identifiers are folded to lower case; quoted ones ("Foo") are
/// kept exactly. `quoted` is informational only: equality compares `value`.
struct Identifier {
  std::string value;
  bool quoted = false;
  SourcePos pos;
};

/// A possibly qualified object name (`db.schema.t` → three parts). Never empty once parsed.
using QualifiedName = std::vector<Identifier>;

/// A SQL type as written; the binder maps it to a columnar type. `name` is lower case and
/// canonical for multi-word spellings ("double precision" → "double", "character varying" →
/// "varchar", "timestamp with time zone" → "timestamptz"). `T[]` and `ARRAY<T>` both become
/// name "array" with one child; `STRUCT<a T, ...>` has `children` and matching `field_names`;
/// `MAP<K, V>` has two children. `params` are the numeric arguments (`VARCHAR(10)`,
/// `DECIMAL(10, 2)`).
struct TypeName {
  std::string name;
  std::vector<int64_t> params;
  std::vector<TypeName> children;
  std::vector<Identifier> field_names;
  SourcePos pos;
};

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

/// Discriminator of `Expr`; each value has exactly one subclass (`kLiteral` → LiteralExpr, ...).
enum class ExprKind : uint8_t {
  kLiteral,
  kColumnRef,
  kStar,
  kParameter,
  kUnary,
  kBinary,
  kIs,
  kBetween,
  kInList,
  kInSubquery,
  kLike,
  kCase,
  kCast,
  kExtract,
  kFunction,
  kArray,
  kSubscript,
  kSubquery,
  kExists,
};

/// Base of every expression node. Switch over `kind` and downcast with `As<T>()`.
struct Expr {
  ExprKind kind;
  SourcePos pos;

  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  template <typename T>
  const T& As() const {
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& As() {
    return static_cast<T&>(*this);
  }
};

using ExprPtr = std::unique_ptr<Expr>;

struct Query;
struct Statement;
using QueryPtr = std::unique_ptr<Query>;

/// Kind of a literal. Numbers keep their text so that big integers and exact decimals survive
/// until the binder picks a type.
enum class LiteralKind : uint8_t {
  kNull,
  kBoolean,
  kInteger,    // value = digits as written, any size
  kDecimal,    // value = "1.50" as written (no exponent)
  kFloat,      // value = "1.5e10" as written (has an exponent)
  kString,     // value = decoded contents ('' and E'\n' escapes resolved)
  kTimestamp,  // TIMESTAMP '...': value = string contents
  kDate,       // DATE '...'
  kTime,       // TIME '...'
  kInterval,   // INTERVAL '5' SECOND: value = "5", unit = "SECOND"; INTERVAL '5 seconds': unit ""
  kDuration,   // compact offset of TEMPORAL PROBE JOIN: value = "500ms", "-1s", "2h"
};

/// A constant. `unit` is only used by kInterval (upper case singular: SECOND, MINUTE, ...).
struct LiteralExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kLiteral;
  LiteralExpr() : Expr(kKind) {}
  LiteralKind literal_kind = LiteralKind::kNull;
  std::string value;
  std::string unit;
  bool bool_value = false;
};

/// A column reference, possibly qualified: `c`, `t.c`, `s.t.c`.
struct ColumnRefExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kColumnRef;
  ColumnRefExpr() : Expr(kKind) {}
  QualifiedName parts;
};

/// `*` or `t.*` in a SELECT list (only produced there).
struct StarExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kStar;
  StarExpr() : Expr(kKind) {}
  QualifiedName qualifier;  // empty for a bare `*`
};

/// A positional parameter `$1` (pgwire extended query protocol).
struct ParameterExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kParameter;
  ParameterExpr() : Expr(kKind) {}
  int index = 0;  // 1-based
};

enum class UnaryOp : uint8_t { kNegate, kPlus, kNot };

struct UnaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kUnary;
  UnaryExpr() : Expr(kKind) {}
  UnaryOp op = UnaryOp::kNegate;
  ExprPtr operand;
};

/// Binary operators. `!=` is parsed as kNotEq. kPow is `^`.
enum class BinaryOp : uint8_t {
  kOr,
  kAnd,
  kEq,
  kNotEq,
  kLt,
  kLtEq,
  kGt,
  kGtEq,
  kConcat,     // ||
  kArrow,      // ->
  kLongArrow,  // ->>
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};

/// `pos` of a binary node is the position of its operator.
struct BinaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kBinary;
  BinaryExpr() : Expr(kKind) {}
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr left;
  ExprPtr right;
};

enum class IsTest : uint8_t { kNull, kTrue, kFalse, kUnknown, kDistinctFrom };

/// `x IS [NOT] NULL|TRUE|FALSE|UNKNOWN` and `x IS [NOT] DISTINCT FROM y` (`right` only then).
struct IsExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kIs;
  IsExpr() : Expr(kKind) {}
  IsTest test = IsTest::kNull;
  bool negated = false;
  ExprPtr operand;
  ExprPtr right;
};

struct BetweenExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kBetween;
  BetweenExpr() : Expr(kKind) {}
  bool negated = false;
  ExprPtr operand;
  ExprPtr low;
  ExprPtr high;
};

struct InListExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kInList;
  InListExpr() : Expr(kKind) {}
  bool negated = false;
  ExprPtr operand;
  std::vector<ExprPtr> list;  // never empty
};

struct InSubqueryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kInSubquery;
  InSubqueryExpr();
  ~InSubqueryExpr() override;
  bool negated = false;
  ExprPtr operand;
  QueryPtr query;
};

/// `x [NOT] LIKE|ILIKE pattern [ESCAPE e]`.
struct LikeExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kLike;
  LikeExpr() : Expr(kKind) {}
  bool negated = false;
  bool case_insensitive = false;  // ILIKE
  ExprPtr operand;
  ExprPtr pattern;
  ExprPtr escape;  // may be null
};

struct WhenClause {
  ExprPtr condition;  // the compared value for a simple CASE
  ExprPtr result;
};

/// Searched CASE (`operand` null) or simple CASE (`CASE operand WHEN v THEN ...`).
struct CaseExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kCase;
  CaseExpr() : Expr(kKind) {}
  ExprPtr operand;  // may be null
  std::vector<WhenClause> whens;
  ExprPtr else_result;  // may be null
};

enum class CastStyle : uint8_t { kCast, kTryCast, kColonColon };

struct CastExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kCast;
  CastExpr() : Expr(kKind) {}
  CastStyle style = CastStyle::kCast;
  ExprPtr operand;
  TypeName type;
};

/// `EXTRACT(field FROM x)`; `field` lower case ("year", "epoch", ...).
struct ExtractExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kExtract;
  ExtractExpr() : Expr(kKind) {}
  std::string field;
  ExprPtr operand;
};

struct OrderByItem {
  ExprPtr expr;
  bool descending = false;
  std::optional<bool> nulls_first;  // unset = engine default
  SourcePos pos;
};

enum class FrameUnits : uint8_t { kRows, kRange };
enum class FrameBoundKind : uint8_t {
  kUnboundedPreceding,
  kPreceding,
  kCurrentRow,
  kFollowing,
  kUnboundedFollowing,
};

struct FrameBound {
  FrameBoundKind kind = FrameBoundKind::kCurrentRow;
  ExprPtr offset;  // only for kPreceding / kFollowing
};

/// `ROWS|RANGE BETWEEN start AND end`, or `ROWS start` (then `end` is unset).
struct WindowFrame {
  FrameUnits units = FrameUnits::kRows;
  FrameBound start;
  std::optional<FrameBound> end;
};

/// The `OVER (...)` of an analytic function call.
struct WindowSpec {
  std::vector<ExprPtr> partition_by;
  std::vector<OrderByItem> order_by;
  std::optional<WindowFrame> frame;
};

/// How a function call was spelled, so the unparser can print the standard SQL special forms
/// back. The arguments are always stored in the order of the plain call they map to:
///  - kPositionIn: `POSITION(needle IN haystack)` → `position(haystack, needle)` (= strpos)
///  - kSubstringFrom: `SUBSTRING(s FROM i [FOR n])` → `substring(s, i[, n])`;
///    `SUBSTRING(s FOR n)` → `substring(s, 1, n)`
///  - kTrimFrom: `TRIM([BOTH|LEADING|TRAILING] [chars] FROM s)` → `trim|ltrim|rtrim(s[, chars])`
/// How a call was written, so SHOW CREATE prints it back the same way. kWithinGroup:
/// `f(a, ...) WITHIN GROUP (ORDER BY x)`, stored as `f(x, a, ...)`.
enum class FunctionSyntax : uint8_t { kCall, kPositionIn, kSubstringFrom, kTrimFrom, kWithinGroup };

/// A function call. Window TVFs in GROUP BY (`TUMBLE(ts, INTERVAL '1' MINUTE)`) are ordinary
/// calls. `has_parens` is false only for the SQL niladic forms (`CURRENT_TIMESTAMP`).
struct FunctionCallExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kFunction;
  FunctionCallExpr() : Expr(kKind) {}
  Identifier name;
  std::vector<ExprPtr> args;
  bool distinct = false;  // f(DISTINCT x)
  bool star = false;      // COUNT(*): args empty
  bool has_parens = true;
  FunctionSyntax syntax = FunctionSyntax::kCall;
  std::vector<OrderByItem> order_by;  // STRING_AGG(x, ',' ORDER BY y)
  ExprPtr filter;                     // FILTER (WHERE ...), may be null
  std::unique_ptr<WindowSpec> over;   // OVER (...), may be null
};

/// `ARRAY[a, b, c]`.
struct ArrayExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kArray;
  ArrayExpr() : Expr(kKind) {}
  std::vector<ExprPtr> elements;
};

/// `base[index]`.
struct SubscriptExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kSubscript;
  SubscriptExpr() : Expr(kKind) {}
  ExprPtr base;
  ExprPtr index;
};

/// A scalar subquery `(SELECT ...)`.
struct SubqueryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kSubquery;
  SubqueryExpr();
  ~SubqueryExpr() override;
  QueryPtr query;
};

/// `EXISTS (SELECT ...)`; NOT EXISTS is a UnaryExpr(kNot) around it.
struct ExistsExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kExists;
  ExistsExpr();
  ~ExistsExpr() override;
  QueryPtr query;
};

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

/// Join flavours. kComma never appears: `FROM a, b` is kept as two entries of Select::from.
enum class JoinKind : uint8_t {
  kInner,
  kLeft,
  kRight,
  kFull,
  kCross,
  kLeftSemi,
  kLeftAnti,
  kRightSemi,
  kRightAnti,
  kAsof,           // ASOF JOIN r MATCH_CONDITION(...) [ON ...]
  kTemporalProbe,  // TEMPORAL PROBE JOIN r ON (k..) TIMESTAMPS (l, r) LIST|RANGE ... AS p
};

enum class TableRefKind : uint8_t { kNamed, kSubquery, kFunction, kJoin };

/// `LIST (0s, 1s)` or `RANGE FROM a TO b STEP c` of a temporal probe join.
struct ProbeSpec {
  bool is_range = false;
  std::vector<ExprPtr> offsets;  // LIST
  ExprPtr range_from, range_to, range_step;
};

/// One entry of a FROM clause (tagged struct: fields used depend on `kind`).
///  - kNamed: `name [FOR SYSTEM_TIME AS OF system_time] [AS alias [(column_aliases)]]`
///  - kSubquery: `(subquery) [AS alias [(column_aliases)]]`
///  - kFunction: `name(args) [WITH ORDINALITY] [AS alias [(column_aliases)]]` — e.g.
///    UNNEST(arr) AS t(x)
///  - kJoin: `left <join_kind> JOIN right [ON on | USING (using_columns)]` plus, for ASOF,
///    `match_condition`, and for TEMPORAL PROBE `probe_keys`, `probe_left_ts`, `probe_right_ts`,
///    `probe` and `alias` (the `AS p` naming the probe offsets).
struct TableRef {
  TableRefKind kind = TableRefKind::kNamed;
  SourcePos pos;
  QualifiedName name;
  std::optional<Identifier> alias;
  std::vector<Identifier> column_aliases;
  ExprPtr system_time;
  QueryPtr subquery;
  std::vector<ExprPtr> args;
  bool with_ordinality = false;  // kFunction
  JoinKind join_kind = JoinKind::kInner;
  std::unique_ptr<TableRef> left;
  std::unique_ptr<TableRef> right;
  ExprPtr on;
  std::vector<Identifier> using_columns;
  ExprPtr match_condition;
  std::vector<Identifier> probe_keys;
  ExprPtr probe_left_ts;
  ExprPtr probe_right_ts;
  std::unique_ptr<ProbeSpec> probe;

  TableRef();
  ~TableRef();
};

using TableRefPtr = std::unique_ptr<TableRef>;

/// One SELECT list entry; `expr` may be a StarExpr.
struct SelectItem {
  ExprPtr expr;
  std::optional<Identifier> alias;
};

struct Select {
  SourcePos pos;
  bool distinct = false;
  std::vector<SelectItem> items;
  std::vector<TableRefPtr> from;  // comma-separated entries
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  ExprPtr having;
};

enum class SetOpKind : uint8_t { kUnion, kIntersect, kExcept };
enum class QueryBodyKind : uint8_t { kSelect, kSetOp, kValues, kNested };

/// The body of a query: a SELECT, VALUES rows, a set operation, or a parenthesised query.
struct QueryBody {
  QueryBodyKind kind = QueryBodyKind::kSelect;
  SourcePos pos;
  std::unique_ptr<Select> select;            // kSelect
  std::vector<std::vector<ExprPtr>> values;  // kValues: rows
  SetOpKind set_op = SetOpKind::kUnion;      // kSetOp
  bool set_all = false;
  std::unique_ptr<QueryBody> left, right;  // kSetOp
  QueryPtr nested;                         // kNested

  QueryBody();
  ~QueryBody();
};

struct Cte {
  Identifier name;
  std::vector<Identifier> columns;
  QueryPtr query;
};

/// The eight EMIT strategies.
enum class EmitKind : uint8_t {
  kAfterWatermark,
  kOnWatermark,
  kOnWindowClose,
  kOnUpdate,
  kEvery,         // EMIT EVERY <interval>
  kPeriodically,  // EMIT PERIODICALLY <interval>
  kChanges,
  kFinal,
};

struct EmitClause {
  EmitKind kind = EmitKind::kOnUpdate;
  ExprPtr interval;  // kEvery / kPeriodically only
  SourcePos pos;
};

/// A full query: `[WITH ctes] body [ORDER BY] [LIMIT] [OFFSET]` plus the streaming clauses
/// (`EMIT ...`, `ALLOW LATENESS ...`, `LATE DATA TO name`). The streaming clauses may be
/// written after GROUP BY/HAVING or at the end of the query; either way they are stored here
/// on the query that encloses that SELECT and unparsed at the end.
struct Query {
  SourcePos pos;
  bool recursive = false;
  std::vector<Cte> ctes;
  std::unique_ptr<QueryBody> body;
  std::vector<OrderByItem> order_by;
  ExprPtr limit;
  ExprPtr offset;
  std::optional<EmitClause> emit;
  ExprPtr allowed_lateness;
  std::optional<Identifier> late_data_to;
};

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

enum class StatementKind : uint8_t {
  kQuery,
  kCreateSource,
  kCreateStream,  // also MATERIALIZED VIEW and CONTINUOUS QUERY (see CreateStreamStmt::object)
  kCreateSink,
  kCreateTable,  // also LOOKUP TABLE
  kDrop,
  kAlterSource,
  kInsert,
  kShow,
  kShowCreate,
  kDescribe,
  kExplain,
  kCheckpoint,
  kRestore,
  kSync,
  kSet,
  kSubscribe,
  kDeclareCursor,
  kFetch,
  kClose,
};

/// Catalog object kinds named by DROP / SHOW CREATE / CREATE STREAM.
enum class ObjectKind : uint8_t {
  kSource,
  kSink,
  kStream,
  kMaterializedView,
  kContinuousQuery,
  kTable,
  kLookupTable,
};

/// Base of every statement. `source_text` is the exact original text of the statement
/// (without surrounding whitespace/comments and without the `;`); SHOW CREATE prints it.
struct Statement {
  StatementKind kind;
  SourcePos pos;
  std::string source_text;

  explicit Statement(StatementKind k) : kind(k) {}
  virtual ~Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  template <typename T>
  const T& As() const {
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& As() {
    return static_cast<T&>(*this);
  }
};

using StatementPtr = std::unique_ptr<Statement>;

/// `key = value` inside WITH (...) / connector option lists. Keys may be quoted strings
/// ('bootstrap.servers') or dotted identifiers (lower-cased). `value_text` is the value as a
/// plain string: string contents, number text, `true`/`false`, or the SQL of other expressions.
struct SqlOption {
  std::string key;
  ExprPtr value;
  std::string value_text;
  SourcePos pos;
};

/// `FROM KAFKA (...)` / `INTO KAFKA (...)`: `name` normalised (lower case, `_` → `-`).
struct ConnectorClause {
  std::string name;
  std::vector<SqlOption> options;
  SourcePos pos;
};

/// `FORMAT JSON [WITH (...)]`: `name` lower case.
struct FormatClause {
  std::string name;
  std::vector<SqlOption> options;
  SourcePos pos;
};

struct ColumnDef {
  Identifier name;
  TypeName type;
  bool not_null = false;
  bool primary_key = false;  // inline `PRIMARY KEY`
  ExprPtr default_value;     // may be null
  SourcePos pos;
};

/// `WATERMARK FOR column [AS expr]`. `expr` null = zero delay; `col - INTERVAL ...` = bounded
/// delay; `PROCTIME()` = processing time. The binder interprets the expression.
struct WatermarkDef {
  Identifier column;
  ExprPtr expr;
  SourcePos pos;
};

/// A query statement: SELECT / WITH ... / VALUES.
struct QueryStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kQuery;
  QueryStmt() : Statement(kKind) {}
  QueryPtr query;
};

struct CreateSourceStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kCreateSource;
  CreateSourceStmt() : Statement(kKind) {}
  bool or_replace = false;
  bool if_not_exists = false;
  Identifier name;
  std::vector<ColumnDef> columns;
  std::optional<WatermarkDef> watermark;
  bool wildcard = false;        // `*` in the column list: discover the rest
  std::string wildcard_prefix;  // `* PREFIX 'p'`
  std::optional<ConnectorClause> connector;
  std::optional<FormatClause> format;
  std::vector<SqlOption> options;  // trailing WITH (...)
};

/// CREATE STREAM / MATERIALIZED VIEW / CONTINUOUS QUERY name AS query. The EMIT clause and
/// lateness settings live in `query` (Query::emit etc.). `query_text` is the raw text of the
/// AS query including its streaming clauses (what SHOW STREAMS prints).
struct CreateStreamStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kCreateStream;
  CreateStreamStmt() : Statement(kKind) {}
  ObjectKind object = ObjectKind::kStream;
  bool or_replace = false;
  bool if_not_exists = false;
  Identifier name;
  QueryPtr query;
  std::string query_text;
  std::vector<SqlOption> options;
};

/// CREATE SINK name FROM <from_name | (from_query)> [WHERE] [INTO conn] [FORMAT] [WITH].
struct CreateSinkStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kCreateSink;
  CreateSinkStmt() : Statement(kKind) {}
  bool or_replace = false;
  bool if_not_exists = false;
  Identifier name;
  QualifiedName from_name;  // empty when from_query is set
  QueryPtr from_query;
  std::string from_query_text;
  ExprPtr where;
  std::optional<ConnectorClause> connector;
  std::optional<FormatClause> format;
  std::vector<SqlOption> options;
};

/// CREATE TABLE / CREATE LOOKUP TABLE. `primary_key` collects the table constraint
/// `PRIMARY KEY (a, b)`; inline `id INT PRIMARY KEY` is flagged on the column only.
struct CreateTableStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kCreateTable;
  CreateTableStmt() : Statement(kKind) {}
  bool lookup = false;
  bool or_replace = false;
  bool if_not_exists = false;
  Identifier name;
  std::vector<ColumnDef> columns;
  std::vector<Identifier> primary_key;
  /// `WATERMARK FOR ts`: a versioned table whose rows are versions valid from `ts` on (temporal
  /// joins `FOR SYSTEM_TIME AS OF` pick the version current at the probing row's time).
  std::optional<WatermarkDef> watermark;
  std::vector<SqlOption> options;
};

struct DropStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kDrop;
  DropStmt() : Statement(kKind) {}
  ObjectKind object = ObjectKind::kSource;
  bool if_exists = false;
  QualifiedName name;
  bool cascade = false;
};

enum class AlterSourceAction : uint8_t { kAddColumn, kSetOptions, kAdvanceWatermark };

struct AlterSourceStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kAlterSource;
  AlterSourceStmt() : Statement(kKind) {}
  Identifier name;
  AlterSourceAction action = AlterSourceAction::kAddColumn;
  std::optional<ColumnDef> column;  // kAddColumn
  std::vector<SqlOption> options;   // kSetOptions
  ExprPtr watermark;                // kAdvanceWatermark
};

/// INSERT INTO t [(cols)] VALUES ... | SELECT ... (VALUES is a QueryBody of kind kValues).
struct InsertStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kInsert;
  InsertStmt() : Statement(kKind) {}
  QualifiedName table;
  std::vector<Identifier> columns;
  QueryPtr query;
};

enum class ShowKind : uint8_t {
  kSources,
  kSinks,
  kStreams,
  kMaterializedViews,
  kTables,
  kLookupTables,
  kQueries,
  kCheckpointStatus,
};

struct ShowStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kShow;
  ShowStmt() : Statement(kKind) {}
  ShowKind what = ShowKind::kSources;
};

struct ShowCreateStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kShowCreate;
  ShowCreateStmt() : Statement(kKind) {}
  ObjectKind object = ObjectKind::kSource;
  QualifiedName name;
};

struct DescribeStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kDescribe;
  DescribeStmt() : Statement(kKind) {}
  bool extended = false;
  QualifiedName name;
};

struct ExplainStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kExplain;
  ExplainStmt() : Statement(kKind) {}
  bool analyze = false;
  StatementPtr statement;
};

struct CheckpointStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kCheckpoint;
  CheckpointStmt() : Statement(kKind) {}
};

struct RestoreStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kRestore;
  RestoreStmt() : Statement(kKind) {}
  int64_t checkpoint_id = 0;
};

struct SyncStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kSync;
  SyncStmt() : Statement(kKind) {}
};

/// `SET name = value` / `SET name TO value`; `name` is lower case, dotted parts joined by '.'.
/// A bare word value (`SET x = on`) is a ColumnRefExpr; `value_text` as in SqlOption.
struct SetStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kSet;
  SetStmt() : Statement(kKind) {}
  std::string name;
  ExprPtr value;
  std::string value_text;
};

struct SubscribeStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kSubscribe;
  SubscribeStmt() : Statement(kKind) {}
  QualifiedName name;
  std::optional<int64_t> as_of_epoch;
  ExprPtr where;
  std::vector<SqlOption> options;
};

struct DeclareCursorStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kDeclareCursor;
  DeclareCursorStmt() : Statement(kKind) {}
  Identifier name;
  bool no_scroll = false;
  bool without_hold = false;
  std::unique_ptr<SubscribeStmt> subscribe;
};

/// FETCH [NEXT | FORWARD n | n] FROM cursor. `count` is 1 for NEXT / no direction.
struct FetchStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kFetch;
  FetchStmt() : Statement(kKind) {}
  bool forward = false;  // FORWARD keyword written
  int64_t count = 1;
  Identifier cursor;
};

struct CloseStmt : Statement {
  static constexpr StatementKind kKind = StatementKind::kClose;
  CloseStmt() : Statement(kKind) {}
  bool all = false;
  Identifier cursor;  // unset when `all`
};

// ---------------------------------------------------------------------------------------------
// Structural equality (ignores positions, source text and identifier quoting flags)
// ---------------------------------------------------------------------------------------------

bool Equals(const Expr& a, const Expr& b);
bool Equals(const Query& a, const Query& b);
bool Equals(const Statement& a, const Statement& b);
bool Equals(const TypeName& a, const TypeName& b);
inline bool operator==(const Expr& a, const Expr& b) { return Equals(a, b); }
inline bool operator==(const Statement& a, const Statement& b) { return Equals(a, b); }

/// Upper-case keyword spelling, e.g. "MATERIALIZED VIEW"; used by messages and the unparser.
const char* ObjectKindName(ObjectKind kind);
const char* BinaryOpName(BinaryOp op);
const char* JoinKindName(JoinKind kind);
const char* EmitKindName(EmitKind kind);

}  // namespace laminar::sql
