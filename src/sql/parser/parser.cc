#include "sql/parser/parser.h"

// GCC 12 at -O3 reports a false -Wrestrict on `"literal" + std::string` (GCC bug 105329);
// this file builds SQL text that way throughout.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include <cctype>
#include <charconv>
#include <initializer_list>
#include <utility>

#include "common/string_util.h"
#include "sql/parser/keywords.h"
#include "sql/parser/lexer.h"

namespace laminar::sql {

namespace {

/// Increments a depth counter for the lifetime of a scope.
class DepthGuard {
 public:
  explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
  ~DepthGuard() { *depth_ -= 1 + extra_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  /// Counts one more level for left-deep chains built in a loop (a + b + c ...), whose
  /// destruction, comparison and unparsing recurse once per link.
  void AddLink() {
    ++*depth_;
    ++extra_;
  }

 private:
  int* depth_;
  int extra_ = 0;
};

const std::vector<std::string>& ClauseKeywords() {
  static const std::vector<std::string> kWords = {
      "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT",  "OFFSET", "JOIN",   "UNION",
      "EMIT", "WITH",  "INTO",  "FORMAT", "ON",    "SELECT", "VALUES", "CASCADE"};
  return kWords;
}

std::string CanonicalIntervalUnit(std::string_view w) {
  static const char* kUnits[] = {"year",   "month",  "week",        "day",         "hour",
                                 "minute", "second", "millisecond", "microsecond", "nanosecond"};
  for (const char* u : kUnits) {
    std::string_view us(u);
    if (w == us || (w.size() == us.size() + 1 && w.substr(0, us.size()) == us && w.back() == 's')) {
      return ToUpper(us);
    }
  }
  return {};
}

bool IsDurationUnit(std::string_view w) {
  return w == "ns" || w == "us" || w == "ms" || w == "s" || w == "m" || w == "h" || w == "d";
}

class Parser {
 public:
  Parser(std::string_view sql, std::vector<Token> tokens) : sql_(sql), tokens_(std::move(tokens)) {}

  Result<std::vector<StatementPtr>> ParseStatements() {
    std::vector<StatementPtr> out;
    while (true) {
      while (Cur().kind == TokenKind::kSemicolon) ++pos_;
      if (Cur().kind == TokenKind::kEof) break;
      size_t start = pos_;
      LAMINAR_ASSIGN_OR_RETURN(StatementPtr stmt, ParseStatement());
      if (Cur().kind != TokenKind::kSemicolon && Cur().kind != TokenKind::kEof) {
        return ErrorEndOfStatement();
      }
      int begin = tokens_[start].pos.offset;
      int end = tokens_[pos_ - 1].end_offset;
      stmt->source_text = std::string(sql_.substr(begin, end - begin));
      out.push_back(std::move(stmt));
    }
    return out;
  }

  Result<ExprPtr> ParseStandaloneExpression() {
    LAMINAR_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
    if (Cur().kind != TokenKind::kEof) return ErrorExpected("end of expression");
    return e;
  }

 private:
  // ----- token helpers -----------------------------------------------------------------------
  const Token& Cur() const { return tokens_[pos_]; }
  const Token& Ahead(size_t n) const {
    size_t i = pos_ + n;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  void Advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  static bool IsWord(const Token& t, std::string_view kw) {
    // Cheap length/first-byte checks first: most keyword probes miss.
    return t.kind == TokenKind::kWord && t.text.size() == kw.size() && t.text[0] == kw[0] &&
           std::string_view(t.text) == kw;
  }
  bool At(std::string_view kw) const { return IsWord(Cur(), kw); }
  bool At(std::string_view a, std::string_view b) const {
    return IsWord(Cur(), a) && IsWord(Ahead(1), b);
  }
  bool At(TokenKind k) const { return Cur().kind == k; }
  bool Accept(std::string_view kw) {
    if (!At(kw)) return false;
    Advance();
    return true;
  }
  bool Accept(std::string_view a, std::string_view b) {
    if (!At(a, b)) return false;
    Advance();
    Advance();
    return true;
  }
  bool Accept(TokenKind k) {
    if (!At(k)) return false;
    Advance();
    return true;
  }
  Status Expect(std::string_view kw) {
    if (Accept(kw)) return Status::OK();
    std::string hint;
    if (Cur().kind == TokenKind::kWord) {
      std::string m = ClosestMatch(Cur().text, {ToUpper(kw)});
      if (!m.empty()) hint = "did you mean '" + m + "'?";
    }
    return ErrorExpected("'" + ToUpper(kw) + "'", hint);
  }
  Status Expect(TokenKind k, std::string_view what) {
    if (Accept(k)) return Status::OK();
    return ErrorExpected(std::string(what));
  }

  SourcePos ErrorPos() const {
    if (Cur().kind == TokenKind::kEof && pos_ > 0) {
      // Point just past the last real token rather than at a trailing newline.
      const Token& prev = tokens_[pos_ - 1];
      SourcePos p = prev.pos;
      std::string_view raw = prev.raw;
      for (char c : raw) {
        if (c == '\n') {
          ++p.line;
          p.column = 1;
        } else {
          ++p.column;
        }
      }
      p.offset = prev.end_offset;
      return p;
    }
    return Cur().pos;
  }
  Status Error(std::string_view message, std::string_view hint = {}) const {
    return SyntaxError(sql_, ErrorPos(), message, hint);
  }
  Status ErrorAt(const SourcePos& p, std::string_view message, std::string_view hint = {}) const {
    return SyntaxError(sql_, p, message, hint);
  }
  Status ErrorExpected(const std::string& what, std::string_view hint = {}) const {
    return Error("expected " + what + " but found " + DescribeToken(Cur()), hint);
  }
  Status ErrorEndOfStatement() const {
    std::string hint;
    if (last_implicit_alias_ + 1 == pos_ && pos_ > 0) {
      const Token& alias = tokens_[pos_ - 1];
      std::string m = ClosestMatch(alias.text, ClauseKeywords());
      if (!m.empty()) {
        hint = "'" + std::string(alias.raw) + "' was read as an alias; did you mean '" + m + "'?";
      }
    }
    if (hint.empty() && Cur().kind == TokenKind::kWord) {
      std::string m = ClosestMatch(Cur().text, ClauseKeywords());
      if (!m.empty() && !EqualsIgnoreCase(m, Cur().text)) hint = "did you mean '" + m + "'?";
    }
    return ErrorExpected("';' or end of input", hint);
  }
  Status CheckDepth() const {
    if (depth_ > kMaxParseDepth) {
      return Error("statement is nested too deeply (more than " + std::to_string(kMaxParseDepth) +
                   " levels)");
    }
    return Status::OK();
  }

  bool AtIdentifier() const {
    return Cur().kind == TokenKind::kWord || Cur().kind == TokenKind::kQuotedIdentifier;
  }
  Identifier MakeIdent(const Token& t) const {
    Identifier id;
    id.value = t.text;
    id.quoted = t.kind == TokenKind::kQuotedIdentifier;
    id.pos = t.pos;
    return id;
  }
  Result<Identifier> ParseIdentifier(std::string_view what = "an identifier") {
    if (!AtIdentifier()) return ErrorExpected(std::string(what));
    Identifier id = MakeIdent(Cur());
    Advance();
    return id;
  }
  Result<QualifiedName> ParseQualifiedName(std::string_view what = "a name") {
    QualifiedName name;
    LAMINAR_ASSIGN_OR_RETURN(Identifier first, ParseIdentifier(what));
    name.push_back(std::move(first));
    while (At(TokenKind::kDot) &&
           (Ahead(1).kind == TokenKind::kWord || Ahead(1).kind == TokenKind::kQuotedIdentifier)) {
      Advance();
      name.push_back(MakeIdent(Cur()));
      Advance();
      if (name.size() > 8) return Error("name has too many parts");
    }
    return name;
  }
  Result<std::vector<Identifier>> ParseIdentifierList() {
    std::vector<Identifier> out;
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLParen, "'('"));
    do {
      LAMINAR_ASSIGN_OR_RETURN(Identifier id, ParseIdentifier("a column name"));
      out.push_back(std::move(id));
    } while (Accept(TokenKind::kComma));
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
    return out;
  }
  Result<int64_t> ParseInt64(std::string_view what) {
    if (!At(TokenKind::kInteger)) return ErrorExpected(std::string(what));
    int64_t v = 0;
    const std::string& s = Cur().text;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return Error("number out of range");
    Advance();
    return v;
  }
  bool StartsQuery(size_t ahead = 0) const {
    const Token& t = Ahead(ahead);
    return IsWord(t, "select") || IsWord(t, "with") || IsWord(t, "values");
  }
  /// At '(' whose first non-'(' token starts a query.
  bool ParenStartsQuery() const {
    size_t k = 0;
    while (Ahead(k).kind == TokenKind::kLParen) ++k;
    return k > 0 && StartsQuery(k);
  }

  // ----- statements ---------------------------------------------------------------------------
  Result<StatementPtr> ParseStatement() {
    DepthGuard guard(&depth_);
    LAMINAR_RETURN_NOT_OK(CheckDepth());
    SourcePos pos = Cur().pos;
    Result<StatementPtr> r = ParseStatementInner();
    if (r.ok()) (*r)->pos = pos;
    return r;
  }

  Result<StatementPtr> ParseStatementInner() {
    if (StartsQuery() || (At(TokenKind::kLParen) && ParenStartsQuery())) {
      auto stmt = std::make_unique<QueryStmt>();
      LAMINAR_ASSIGN_OR_RETURN(stmt->query, ParseQuery());
      return StatementPtr(std::move(stmt));
    }
    if (Cur().kind == TokenKind::kWord) {
      const std::string& w = Cur().text;
      if (w == "create") return ParseCreate();
      if (w == "drop") return ParseDrop();
      if (w == "alter") return ParseAlter();
      if (w == "insert") return ParseInsert();
      if (w == "show") return ParseShow();
      if (w == "describe" || w == "desc") return ParseDescribe();
      if (w == "explain") return ParseExplain();
      if (w == "checkpoint") {
        Advance();
        return StatementPtr(std::make_unique<CheckpointStmt>());
      }
      if (w == "sync") {
        Advance();
        return StatementPtr(std::make_unique<SyncStmt>());
      }
      if (w == "restore") return ParseRestore();
      if (w == "set") return ParseSet();
      if (w == "subscribe") {
        LAMINAR_ASSIGN_OR_RETURN(auto s, ParseSubscribe());
        return StatementPtr(std::move(s));
      }
      if (w == "declare") return ParseDeclare();
      if (w == "fetch") return ParseFetch();
      if (w == "close") return ParseClose();
      std::string m = ClosestMatch(w, StatementKeywords());
      if (!m.empty()) return ErrorExpected("a statement", "did you mean '" + m + "'?");
    }
    return ErrorExpected("a statement");
  }

  Result<StatementPtr> ParseCreate() {
    Advance();  // CREATE
    bool or_replace = Accept("or", "replace");
    if (At("source")) {
      Advance();
      return ParseCreateSource(or_replace);
    }
    if (At("stream")) {
      Advance();
      return ParseCreateStream(ObjectKind::kStream, or_replace);
    }
    if (At("materialized", "view")) {
      Advance();
      Advance();
      return ParseCreateStream(ObjectKind::kMaterializedView, or_replace);
    }
    if (At("continuous", "query")) {
      Advance();
      Advance();
      return ParseCreateStream(ObjectKind::kContinuousQuery, or_replace);
    }
    if (At("sink")) {
      Advance();
      return ParseCreateSink(or_replace);
    }
    if (At("table")) {
      Advance();
      return ParseCreateTable(/*lookup=*/false, or_replace);
    }
    if (At("lookup", "table")) {
      Advance();
      Advance();
      return ParseCreateTable(/*lookup=*/true, or_replace);
    }
    std::string hint;
    if (Cur().kind == TokenKind::kWord) {
      std::string m = ClosestMatch(Cur().text, {"SOURCE", "STREAM", "MATERIALIZED", "SINK", "TABLE",
                                                "LOOKUP", "CONTINUOUS"});
      if (!m.empty()) hint = "did you mean '" + m + "'?";
    }
    return ErrorExpected(
        "SOURCE, STREAM, MATERIALIZED VIEW, CONTINUOUS QUERY, SINK, TABLE or LOOKUP TABLE", hint);
  }

  bool AcceptIfNotExists() {
    if (At("if") && IsWord(Ahead(1), "not") && IsWord(Ahead(2), "exists")) {
      Advance();
      Advance();
      Advance();
      return true;
    }
    return false;
  }

  Result<StatementPtr> ParseCreateSource(bool or_replace) {
    auto stmt = std::make_unique<CreateSourceStmt>();
    stmt->or_replace = or_replace;
    stmt->if_not_exists = AcceptIfNotExists();
    LAMINAR_ASSIGN_OR_RETURN(stmt->name, ParseIdentifier("a source name"));
    bool have_columns = false, have_with = false;
    while (true) {
      if (At("from")) {
        if (stmt->connector) return Error("duplicate FROM clause in CREATE SOURCE");
        Advance();
        LAMINAR_ASSIGN_OR_RETURN(stmt->connector, ParseConnector());
      } else if (At("format")) {
        if (stmt->format) return Error("duplicate FORMAT clause");
        LAMINAR_ASSIGN_OR_RETURN(stmt->format, ParseFormat());
      } else if (At("schema") || At(TokenKind::kLParen)) {
        if (have_columns) return Error("duplicate column list in CREATE SOURCE");
        Accept("schema");
        have_columns = true;
        std::vector<Identifier> pk;
        LAMINAR_RETURN_NOT_OK(ParseTableElements(&stmt->columns, &pk, &stmt->watermark,
                                                 &stmt->wildcard, &stmt->wildcard_prefix,
                                                 /*is_source=*/true));
      } else if (At("with")) {
        if (have_with) return Error("duplicate WITH clause");
        have_with = true;
        Advance();
        LAMINAR_ASSIGN_OR_RETURN(stmt->options, ParseOptions());
      } else {
        break;
      }
    }
    return StatementPtr(std::move(stmt));
  }

  /// Parses `( element, ... )` of CREATE SOURCE / TABLE.
  Status ParseTableElements(std::vector<ColumnDef>* columns, std::vector<Identifier>* pk,
                            std::optional<WatermarkDef>* watermark, bool* wildcard,
                            std::string* wildcard_prefix, bool is_source) {
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLParen, "'('"));
    if (Accept(TokenKind::kRParen)) return Status::OK();
    do {
      if (At("watermark", "for")) {
        if (watermark->has_value()) return Error("duplicate WATERMARK definition");
        WatermarkDef wm;
        wm.pos = Cur().pos;
        Advance();
        Advance();
        LAMINAR_ASSIGN_OR_RETURN(wm.column, ParseIdentifier("a column name"));
        if (Accept("as")) {
          LAMINAR_ASSIGN_OR_RETURN(wm.expr, ParseExpr());
        }
        *watermark = std::move(wm);
      } else if (At("primary", "key")) {
        if (is_source) return Error("PRIMARY KEY is not allowed in CREATE SOURCE");
        if (!pk->empty()) return Error("duplicate PRIMARY KEY constraint");
        Advance();
        Advance();
        LAMINAR_ASSIGN_OR_RETURN(*pk, ParseIdentifierList());
      } else if (At(TokenKind::kStar)) {
        if (!is_source) return Error("'*' is only allowed in CREATE SOURCE");
        if (*wildcard) return Error("duplicate '*' in column list");
        Advance();
        *wildcard = true;
        if (Accept("prefix")) {
          if (!At(TokenKind::kString)) return ErrorExpected("a string");
          *wildcard_prefix = Cur().text;
          Advance();
        }
      } else {
        LAMINAR_ASSIGN_OR_RETURN(ColumnDef col, ParseColumnDef());
        columns->push_back(std::move(col));
      }
    } while (Accept(TokenKind::kComma));
    return Expect(TokenKind::kRParen, "',' or ')'");
  }

  Result<ColumnDef> ParseColumnDef() {
    ColumnDef col;
    col.pos = Cur().pos;
    LAMINAR_ASSIGN_OR_RETURN(col.name, ParseIdentifier("a column name"));
    LAMINAR_ASSIGN_OR_RETURN(col.type, ParseType());
    while (true) {
      if (Accept("not", "null")) {
        col.not_null = true;
      } else if (Accept("null")) {
        col.not_null = false;
      } else if (Accept("default")) {
        LAMINAR_ASSIGN_OR_RETURN(col.default_value, ParseExpr(kPrecIs));
      } else if (Accept("primary", "key")) {
        col.primary_key = true;
      } else {
        break;
      }
    }
    return col;
  }

  Result<ConnectorClause> ParseConnector() {
    ConnectorClause c;
    c.pos = Cur().pos;
    if (!AtIdentifier() && !At(TokenKind::kString)) return ErrorExpected("a connector name");
    std::string name = ToLower(Cur().text);
    for (char& ch : name) {
      if (ch == '_') ch = '-';
    }
    c.name = std::move(name);
    Advance();
    if (At(TokenKind::kLParen)) {
      LAMINAR_ASSIGN_OR_RETURN(c.options, ParseOptions());
    }
    return c;
  }

  Result<FormatClause> ParseFormat() {
    FormatClause f;
    f.pos = Cur().pos;
    Advance();  // FORMAT
    if (!AtIdentifier() && !At(TokenKind::kString)) return ErrorExpected("a format name");
    f.name = ToLower(Cur().text);
    Advance();
    if (At("with") && Ahead(1).kind == TokenKind::kLParen) {
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(f.options, ParseOptions());
    }
    return f;
  }

  Result<std::vector<SqlOption>> ParseOptions() {
    std::vector<SqlOption> out;
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLParen, "'('"));
    if (Accept(TokenKind::kRParen)) return out;
    do {
      SqlOption opt;
      opt.pos = Cur().pos;
      if (At(TokenKind::kString)) {
        opt.key = Cur().text;
        Advance();
      } else if (AtIdentifier()) {
        opt.key = Cur().text;
        Advance();
        while (At(TokenKind::kDot) && (Ahead(1).kind == TokenKind::kWord ||
                                       Ahead(1).kind == TokenKind::kQuotedIdentifier)) {
          Advance();
          opt.key += ".";
          opt.key += Cur().text;
          Advance();
        }
      } else {
        return ErrorExpected("an option name");
      }
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kEq, "'='"));
      LAMINAR_ASSIGN_OR_RETURN(opt.value, ParseExpr());
      opt.value_text = ValueText(*opt.value);
      out.push_back(std::move(opt));
    } while (Accept(TokenKind::kComma));
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "',' or ')'"));
    return out;
  }

  static std::string ValueText(const Expr& e) {
    if (e.kind == ExprKind::kLiteral) {
      const auto& lit = e.As<LiteralExpr>();
      switch (lit.literal_kind) {
        case LiteralKind::kBoolean:
          return lit.bool_value ? "true" : "false";
        case LiteralKind::kNull:
          return "";
        case LiteralKind::kInterval:
          return ToSql(e);
        default:
          return lit.value;
      }
    }
    if (e.kind == ExprKind::kColumnRef) {
      const auto& parts = e.As<ColumnRefExpr>().parts;
      std::string s;
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i) s += ".";
        s += parts[i].value;
      }
      return s;
    }
    if (e.kind == ExprKind::kUnary && e.As<UnaryExpr>().op == UnaryOp::kNegate &&
        e.As<UnaryExpr>().operand->kind == ExprKind::kLiteral) {
      return "-" + ValueText(*e.As<UnaryExpr>().operand);
    }
    return ToSql(e);
  }

  Result<StatementPtr> ParseCreateStream(ObjectKind object, bool or_replace) {
    auto stmt = std::make_unique<CreateStreamStmt>();
    stmt->object = object;
    stmt->or_replace = or_replace;
    stmt->if_not_exists = AcceptIfNotExists();
    LAMINAR_ASSIGN_OR_RETURN(stmt->name, ParseIdentifier("a name"));
    LAMINAR_RETURN_NOT_OK(Expect("as"));
    size_t start = pos_;
    LAMINAR_ASSIGN_OR_RETURN(stmt->query, ParseQuery());
    stmt->query_text = TextBetween(start, pos_);
    if (At("with") && Ahead(1).kind == TokenKind::kLParen) {
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(stmt->options, ParseOptions());
    }
    return StatementPtr(std::move(stmt));
  }

  /// Source text from token `begin` to the end of token `end - 1`.
  std::string TextBetween(size_t begin, size_t end) const {
    if (end <= begin) return {};
    int b = tokens_[begin].pos.offset;
    int e = tokens_[end - 1].end_offset;
    return std::string(sql_.substr(b, e - b));
  }

  Result<StatementPtr> ParseCreateSink(bool or_replace) {
    auto stmt = std::make_unique<CreateSinkStmt>();
    stmt->or_replace = or_replace;
    stmt->if_not_exists = AcceptIfNotExists();
    LAMINAR_ASSIGN_OR_RETURN(stmt->name, ParseIdentifier("a sink name"));
    LAMINAR_RETURN_NOT_OK(Expect("from"));
    if (At(TokenKind::kLParen)) {
      Advance();
      size_t start = pos_;
      LAMINAR_ASSIGN_OR_RETURN(stmt->from_query, ParseQuery());
      stmt->from_query_text = TextBetween(start, pos_);
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
    } else {
      LAMINAR_ASSIGN_OR_RETURN(stmt->from_name, ParseQualifiedName("a stream or source name"));
    }
    if (Accept("where")) {
      LAMINAR_ASSIGN_OR_RETURN(stmt->where, ParseExpr());
    }
    bool have_with = false;
    while (true) {
      if (At("into")) {
        if (stmt->connector) return Error("duplicate INTO clause");
        Advance();
        LAMINAR_ASSIGN_OR_RETURN(stmt->connector, ParseConnector());
      } else if (At("format")) {
        if (stmt->format) return Error("duplicate FORMAT clause");
        LAMINAR_ASSIGN_OR_RETURN(stmt->format, ParseFormat());
      } else if (At("with")) {
        if (have_with) return Error("duplicate WITH clause");
        have_with = true;
        Advance();
        LAMINAR_ASSIGN_OR_RETURN(stmt->options, ParseOptions());
      } else {
        break;
      }
    }
    return StatementPtr(std::move(stmt));
  }

  Result<StatementPtr> ParseCreateTable(bool lookup, bool or_replace) {
    auto stmt = std::make_unique<CreateTableStmt>();
    stmt->lookup = lookup;
    stmt->or_replace = or_replace;
    stmt->if_not_exists = AcceptIfNotExists();
    LAMINAR_ASSIGN_OR_RETURN(stmt->name, ParseIdentifier("a table name"));
    bool wildcard = false;
    std::string prefix;
    LAMINAR_RETURN_NOT_OK(ParseTableElements(&stmt->columns, &stmt->primary_key, &stmt->watermark,
                                             &wildcard, &prefix, /*is_source=*/false));
    if (stmt->watermark && lookup) {
      return ErrorAt(stmt->watermark->pos,
                     "WATERMARK is not allowed in CREATE LOOKUP TABLE (a lookup table has no "
                     "versions)");
    }
    if (At("with")) {
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(stmt->options, ParseOptions());
    } else if (lookup) {
      return ErrorExpected("WITH", "CREATE LOOKUP TABLE needs WITH ('connector' = '...', ...)");
    }
    return StatementPtr(std::move(stmt));
  }

  Result<ObjectKind> ParseObjectKind(bool allow_continuous) {
    if (Accept("source")) return ObjectKind::kSource;
    if (Accept("sink")) return ObjectKind::kSink;
    if (Accept("stream")) return ObjectKind::kStream;
    if (Accept("materialized", "view")) return ObjectKind::kMaterializedView;
    if (Accept("table")) return ObjectKind::kTable;
    if (Accept("lookup", "table")) return ObjectKind::kLookupTable;
    if (allow_continuous && Accept("continuous", "query")) return ObjectKind::kContinuousQuery;
    std::string hint;
    if (Cur().kind == TokenKind::kWord) {
      std::string m =
          ClosestMatch(Cur().text, {"SOURCE", "SINK", "STREAM", "MATERIALIZED", "TABLE", "LOOKUP"});
      if (!m.empty()) hint = "did you mean '" + m + "'?";
    }
    return ErrorExpected("SOURCE, SINK, STREAM, MATERIALIZED VIEW, TABLE or LOOKUP TABLE", hint);
  }

  Result<StatementPtr> ParseDrop() {
    Advance();
    auto stmt = std::make_unique<DropStmt>();
    LAMINAR_ASSIGN_OR_RETURN(stmt->object, ParseObjectKind(/*allow_continuous=*/true));
    if (At("if") && IsWord(Ahead(1), "exists")) {
      Advance();
      Advance();
      stmt->if_exists = true;
    }
    LAMINAR_ASSIGN_OR_RETURN(stmt->name, ParseQualifiedName());
    if (Accept("cascade")) {
      stmt->cascade = true;
    } else {
      Accept("restrict");
    }
    return StatementPtr(std::move(stmt));
  }

  Result<StatementPtr> ParseAlter() {
    Advance();
    LAMINAR_RETURN_NOT_OK(Expect("source"));
    auto stmt = std::make_unique<AlterSourceStmt>();
    LAMINAR_ASSIGN_OR_RETURN(stmt->name, ParseIdentifier("a source name"));
    if (Accept("add")) {
      Accept("column");
      stmt->action = AlterSourceAction::kAddColumn;
      LAMINAR_ASSIGN_OR_RETURN(stmt->column, ParseColumnDef());
    } else if (Accept("set")) {
      stmt->action = AlterSourceAction::kSetOptions;
      LAMINAR_ASSIGN_OR_RETURN(stmt->options, ParseOptions());
    } else if (Accept("advance")) {
      LAMINAR_RETURN_NOT_OK(Expect("watermark"));
      LAMINAR_RETURN_NOT_OK(Expect("to"));
      stmt->action = AlterSourceAction::kAdvanceWatermark;
      LAMINAR_ASSIGN_OR_RETURN(stmt->watermark, ParseExpr());
    } else {
      return ErrorExpected("ADD COLUMN, SET (...) or ADVANCE WATERMARK TO");
    }
    return StatementPtr(std::move(stmt));
  }

  Result<StatementPtr> ParseInsert() {
    Advance();
    LAMINAR_RETURN_NOT_OK(Expect("into"));
    auto stmt = std::make_unique<InsertStmt>();
    LAMINAR_ASSIGN_OR_RETURN(stmt->table, ParseQualifiedName("a table or source name"));
    if (At(TokenKind::kLParen) && !ParenStartsQuery()) {
      LAMINAR_ASSIGN_OR_RETURN(stmt->columns, ParseIdentifierList());
    }
    if (!StartsQuery() && !(At(TokenKind::kLParen) && ParenStartsQuery())) {
      return ErrorExpected("VALUES or SELECT");
    }
    LAMINAR_ASSIGN_OR_RETURN(stmt->query, ParseQuery());
    return StatementPtr(std::move(stmt));
  }

  Result<StatementPtr> ParseShow() {
    Advance();
    if (Accept("create")) {
      auto stmt = std::make_unique<ShowCreateStmt>();
      LAMINAR_ASSIGN_OR_RETURN(stmt->object, ParseObjectKind(/*allow_continuous=*/false));
      LAMINAR_ASSIGN_OR_RETURN(stmt->name, ParseQualifiedName());
      return StatementPtr(std::move(stmt));
    }
    auto stmt = std::make_unique<ShowStmt>();
    if (Accept("sources")) {
      stmt->what = ShowKind::kSources;
    } else if (Accept("sinks")) {
      stmt->what = ShowKind::kSinks;
    } else if (Accept("streams")) {
      stmt->what = ShowKind::kStreams;
    } else if (Accept("materialized", "views")) {
      stmt->what = ShowKind::kMaterializedViews;
    } else if (Accept("tables")) {
      stmt->what = ShowKind::kTables;
    } else if (Accept("lookup", "tables")) {
      stmt->what = ShowKind::kLookupTables;
    } else if (Accept("queries")) {
      stmt->what = ShowKind::kQueries;
    } else if (Accept("checkpoint", "status")) {
      stmt->what = ShowKind::kCheckpointStatus;
    } else {
      std::string hint;
      if (Cur().kind == TokenKind::kWord) {
        std::string m =
            ClosestMatch(Cur().text, {"SOURCES", "SINKS", "STREAMS", "MATERIALIZED", "TABLES",
                                      "LOOKUP", "QUERIES", "CHECKPOINT", "CREATE"});
        if (!m.empty()) hint = "did you mean '" + m + "'?";
      }
      return ErrorExpected(
          "SOURCES, SINKS, STREAMS, MATERIALIZED VIEWS, TABLES, QUERIES, CHECKPOINT STATUS or "
          "CREATE",
          hint);
    }
    return StatementPtr(std::move(stmt));
  }

  Result<StatementPtr> ParseDescribe() {
    Advance();
    auto stmt = std::make_unique<DescribeStmt>();
    // `DESCRIBE extended` describes an object named "extended".
    if (At("extended") &&
        (Ahead(1).kind == TokenKind::kWord || Ahead(1).kind == TokenKind::kQuotedIdentifier)) {
      Advance();
      stmt->extended = true;
    }
    LAMINAR_ASSIGN_OR_RETURN(stmt->name, ParseQualifiedName());
    return StatementPtr(std::move(stmt));
  }

  Result<StatementPtr> ParseExplain() {
    Advance();
    auto stmt = std::make_unique<ExplainStmt>();
    stmt->analyze = Accept("analyze");
    size_t start = pos_;
    LAMINAR_ASSIGN_OR_RETURN(stmt->statement, ParseStatement());
    stmt->statement->source_text = TextBetween(start, pos_);
    return StatementPtr(std::move(stmt));
  }

  Result<StatementPtr> ParseRestore() {
    Advance();
    LAMINAR_RETURN_NOT_OK(Expect("from"));
    LAMINAR_RETURN_NOT_OK(Expect("checkpoint"));
    auto stmt = std::make_unique<RestoreStmt>();
    LAMINAR_ASSIGN_OR_RETURN(stmt->checkpoint_id, ParseInt64("a checkpoint id"));
    return StatementPtr(std::move(stmt));
  }

  Result<StatementPtr> ParseSet() {
    Advance();
    auto stmt = std::make_unique<SetStmt>();
    LAMINAR_ASSIGN_OR_RETURN(QualifiedName name, ParseQualifiedName("a setting name"));
    for (size_t i = 0; i < name.size(); ++i) {
      if (i) stmt->name += ".";
      stmt->name += name[i].value;
    }
    if (!Accept(TokenKind::kEq) && !Accept("to")) return ErrorExpected("'=' or TO");
    if (Cur().kind == TokenKind::kWord && IsReservedInExpression(Cur().text) &&
        (Ahead(1).kind == TokenKind::kEof || Ahead(1).kind == TokenKind::kSemicolon)) {
      // A bare keyword value (`SET x = on`) that is not an expression.
      auto col = std::make_unique<ColumnRefExpr>();
      col->pos = Cur().pos;
      col->parts.push_back(MakeIdent(Cur()));
      Advance();
      stmt->value = std::move(col);
    } else {
      LAMINAR_ASSIGN_OR_RETURN(stmt->value, ParseExpr());
    }
    stmt->value_text = ValueText(*stmt->value);
    return StatementPtr(std::move(stmt));
  }

  Result<std::unique_ptr<SubscribeStmt>> ParseSubscribe() {
    Advance();
    auto stmt = std::make_unique<SubscribeStmt>();
    LAMINAR_ASSIGN_OR_RETURN(stmt->name, ParseQualifiedName("a stream or view name"));
    if (At("as", "of")) {
      Advance();
      Advance();
      LAMINAR_RETURN_NOT_OK(Expect("epoch"));
      LAMINAR_ASSIGN_OR_RETURN(int64_t epoch, ParseInt64("an epoch number"));
      stmt->as_of_epoch = epoch;
    }
    if (Accept("where")) {
      LAMINAR_ASSIGN_OR_RETURN(stmt->where, ParseExpr());
    }
    if (Accept("with")) {
      LAMINAR_ASSIGN_OR_RETURN(stmt->options, ParseOptions());
    }
    return stmt;
  }

  Result<StatementPtr> ParseDeclare() {
    Advance();
    auto stmt = std::make_unique<DeclareCursorStmt>();
    LAMINAR_ASSIGN_OR_RETURN(stmt->name, ParseIdentifier("a cursor name"));
    if (Accept("no", "scroll")) stmt->no_scroll = true;
    LAMINAR_RETURN_NOT_OK(Expect("cursor"));
    if (Accept("without", "hold")) stmt->without_hold = true;
    LAMINAR_RETURN_NOT_OK(Expect("for"));
    if (!At("subscribe")) return ErrorExpected("SUBSCRIBE");
    SourcePos sub_pos = Cur().pos;
    size_t start = pos_;
    LAMINAR_ASSIGN_OR_RETURN(stmt->subscribe, ParseSubscribe());
    stmt->subscribe->pos = sub_pos;
    stmt->subscribe->source_text = TextBetween(start, pos_);
    return StatementPtr(std::move(stmt));
  }

  Result<StatementPtr> ParseFetch() {
    Advance();
    auto stmt = std::make_unique<FetchStmt>();
    if (Accept("next")) {
      stmt->count = 1;
    } else if (Accept("forward")) {
      stmt->forward = true;
      if (At(TokenKind::kInteger)) {
        LAMINAR_ASSIGN_OR_RETURN(stmt->count, ParseInt64("a row count"));
      }
    } else if (At(TokenKind::kInteger)) {
      LAMINAR_ASSIGN_OR_RETURN(stmt->count, ParseInt64("a row count"));
    }
    if (!Accept("from") && !Accept("in")) return ErrorExpected("FROM");
    LAMINAR_ASSIGN_OR_RETURN(stmt->cursor, ParseIdentifier("a cursor name"));
    return StatementPtr(std::move(stmt));
  }

  Result<StatementPtr> ParseClose() {
    Advance();
    auto stmt = std::make_unique<CloseStmt>();
    if (Accept("all")) {
      stmt->all = true;
    } else {
      LAMINAR_ASSIGN_OR_RETURN(stmt->cursor, ParseIdentifier("a cursor name or ALL"));
    }
    return StatementPtr(std::move(stmt));
  }

  // ----- queries ------------------------------------------------------------------------------
  Result<QueryPtr> ParseQuery() {
    DepthGuard guard(&depth_);
    LAMINAR_RETURN_NOT_OK(CheckDepth());
    auto q = std::make_unique<Query>();
    q->pos = Cur().pos;
    if (Accept("with")) {
      q->recursive = Accept("recursive");
      do {
        Cte cte;
        LAMINAR_ASSIGN_OR_RETURN(cte.name, ParseIdentifier("a CTE name"));
        if (At(TokenKind::kLParen)) {
          LAMINAR_ASSIGN_OR_RETURN(cte.columns, ParseIdentifierList());
        }
        LAMINAR_RETURN_NOT_OK(Expect("as"));
        LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLParen, "'('"));
        LAMINAR_ASSIGN_OR_RETURN(cte.query, ParseQuery());
        LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
        q->ctes.push_back(std::move(cte));
      } while (Accept(TokenKind::kComma));
    }
    LAMINAR_ASSIGN_OR_RETURN(q->body, ParseSetExpr(q.get(), 1));
    if (At("order", "by")) {
      Advance();
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(q->order_by, ParseOrderByList());
    }
    LAMINAR_RETURN_NOT_OK(ParseStreamingClauses(q.get()));
    if (Accept("limit")) {
      LAMINAR_ASSIGN_OR_RETURN(q->limit, ParseExpr());
    }
    if (Accept("offset")) {
      LAMINAR_ASSIGN_OR_RETURN(q->offset, ParseExpr());
      if (!Accept("rows")) Accept("row");
    }
    LAMINAR_RETURN_NOT_OK(ParseStreamingClauses(q.get()));
    return q;
  }

  static int SetOpPrec(const Token& t) {
    if (IsWord(t, "union") || IsWord(t, "except")) return 1;
    if (IsWord(t, "intersect")) return 2;
    return 0;
  }

  Result<std::unique_ptr<QueryBody>> ParseSetExpr(Query* owner, int min_prec) {
    DepthGuard guard(&depth_);
    LAMINAR_RETURN_NOT_OK(CheckDepth());
    LAMINAR_ASSIGN_OR_RETURN(std::unique_ptr<QueryBody> left, ParseSetTerm(owner));
    while (true) {
      int prec = SetOpPrec(Cur());
      if (prec == 0 || prec < min_prec) break;
      guard.AddLink();
      LAMINAR_RETURN_NOT_OK(CheckDepth());
      auto node = std::make_unique<QueryBody>();
      node->kind = QueryBodyKind::kSetOp;
      node->pos = Cur().pos;
      node->set_op = At("union")       ? SetOpKind::kUnion
                     : At("intersect") ? SetOpKind::kIntersect
                                       : SetOpKind::kExcept;
      Advance();
      if (Accept("all")) {
        node->set_all = true;
      } else {
        Accept("distinct");
      }
      LAMINAR_ASSIGN_OR_RETURN(node->right, ParseSetExpr(owner, prec + 1));
      node->left = std::move(left);
      left = std::move(node);
    }
    return left;
  }

  Result<std::unique_ptr<QueryBody>> ParseSetTerm(Query* owner) {
    auto body = std::make_unique<QueryBody>();
    body->pos = Cur().pos;
    if (At("select")) {
      body->kind = QueryBodyKind::kSelect;
      LAMINAR_ASSIGN_OR_RETURN(body->select, ParseSelect(owner));
      return body;
    }
    if (At("values")) {
      Advance();
      body->kind = QueryBodyKind::kValues;
      do {
        LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLParen, "'('"));
        std::vector<ExprPtr> row;
        do {
          LAMINAR_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
          row.push_back(std::move(e));
        } while (Accept(TokenKind::kComma));
        LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "',' or ')'"));
        body->values.push_back(std::move(row));
      } while (Accept(TokenKind::kComma));
      return body;
    }
    if (At(TokenKind::kLParen)) {
      Advance();
      body->kind = QueryBodyKind::kNested;
      LAMINAR_ASSIGN_OR_RETURN(body->nested, ParseQuery());
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
      return body;
    }
    std::string hint;
    if (Cur().kind == TokenKind::kWord) {
      std::string m = ClosestMatch(Cur().text, {"SELECT", "VALUES"});
      if (!m.empty()) hint = "did you mean '" + m + "'?";
    }
    return ErrorExpected("SELECT, VALUES or '('", hint);
  }

  Status ParseStreamingClauses(Query* q) {
    while (true) {
      if (At("emit")) {
        if (q->emit) return Error("duplicate EMIT clause");
        EmitClause emit;
        emit.pos = Cur().pos;
        Advance();
        if (Accept("after", "watermark")) {
          emit.kind = EmitKind::kAfterWatermark;
        } else if (Accept("on", "watermark")) {
          emit.kind = EmitKind::kOnWatermark;
        } else if (At("on", "window") && IsWord(Ahead(2), "close")) {
          Advance();
          Advance();
          Advance();
          emit.kind = EmitKind::kOnWindowClose;
        } else if (Accept("on", "update")) {
          emit.kind = EmitKind::kOnUpdate;
        } else if (Accept("every")) {
          emit.kind = EmitKind::kEvery;
          LAMINAR_ASSIGN_OR_RETURN(emit.interval, ParseExpr());
        } else if (Accept("periodically")) {
          emit.kind = EmitKind::kPeriodically;
          LAMINAR_ASSIGN_OR_RETURN(emit.interval, ParseExpr());
        } else if (Accept("changes")) {
          emit.kind = EmitKind::kChanges;
        } else if (Accept("final")) {
          emit.kind = EmitKind::kFinal;
        } else {
          std::string hint;
          if (Cur().kind == TokenKind::kWord) {
            std::string m = ClosestMatch(
                Cur().text, {"AFTER", "ON", "EVERY", "PERIODICALLY", "CHANGES", "FINAL"});
            if (!m.empty()) hint = "did you mean '" + m + "'?";
          }
          return ErrorExpected(
              "AFTER WATERMARK, ON WATERMARK, ON WINDOW CLOSE, ON UPDATE, EVERY, PERIODICALLY, "
              "CHANGES or FINAL",
              hint);
        }
        q->emit = std::move(emit);
      } else if (At("allow", "lateness")) {
        if (q->allowed_lateness) return Error("duplicate ALLOW LATENESS clause");
        Advance();
        Advance();
        LAMINAR_ASSIGN_OR_RETURN(q->allowed_lateness, ParseExpr());
      } else if (At("late", "data")) {
        if (q->late_data_to) return Error("duplicate LATE DATA TO clause");
        Advance();
        Advance();
        LAMINAR_RETURN_NOT_OK(Expect("to"));
        LAMINAR_ASSIGN_OR_RETURN(q->late_data_to, ParseIdentifier("a stream or sink name"));
      } else {
        return Status::OK();
      }
    }
  }

  Result<std::vector<OrderByItem>> ParseOrderByList() {
    std::vector<OrderByItem> out;
    do {
      OrderByItem item;
      item.pos = Cur().pos;
      LAMINAR_ASSIGN_OR_RETURN(item.expr, ParseExpr());
      if (Accept("desc")) {
        item.descending = true;
      } else {
        Accept("asc");
      }
      if (Accept("nulls")) {
        if (Accept("first")) {
          item.nulls_first = true;
        } else if (Accept("last")) {
          item.nulls_first = false;
        } else {
          return ErrorExpected("FIRST or LAST");
        }
      }
      out.push_back(std::move(item));
    } while (Accept(TokenKind::kComma));
    return out;
  }

  bool AtImplicitAlias() const {
    if (Cur().kind == TokenKind::kQuotedIdentifier) return true;
    return Cur().kind == TokenKind::kWord && !IsReservedForAlias(Cur().text);
  }

  Result<std::optional<Identifier>> ParseOptionalAlias() {
    if (Accept("as")) {
      LAMINAR_ASSIGN_OR_RETURN(Identifier id, ParseIdentifier("an alias"));
      return std::optional<Identifier>(std::move(id));
    }
    if (AtImplicitAlias()) {
      last_implicit_alias_ = pos_;
      Identifier id = MakeIdent(Cur());
      Advance();
      return std::optional<Identifier>(std::move(id));
    }
    return std::optional<Identifier>();
  }

  Result<std::unique_ptr<Select>> ParseSelect(Query* owner) {
    auto sel = std::make_unique<Select>();
    sel->pos = Cur().pos;
    Advance();  // SELECT
    if (Accept("distinct")) {
      sel->distinct = true;
    } else {
      Accept("all");
    }
    do {
      SelectItem item;
      LAMINAR_ASSIGN_OR_RETURN(item.expr, ParseSelectItemExpr());
      if (item.expr->kind != ExprKind::kStar) {
        LAMINAR_ASSIGN_OR_RETURN(item.alias, ParseOptionalAlias());
      }
      sel->items.push_back(std::move(item));
    } while (Accept(TokenKind::kComma));
    if (Accept("from")) {
      do {
        LAMINAR_ASSIGN_OR_RETURN(TableRefPtr ref, ParseTableRef());
        sel->from.push_back(std::move(ref));
      } while (Accept(TokenKind::kComma));
    }
    if (Accept("where")) {
      LAMINAR_ASSIGN_OR_RETURN(sel->where, ParseExpr());
    }
    if (At("group", "by")) {
      Advance();
      Advance();
      do {
        LAMINAR_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
        sel->group_by.push_back(std::move(e));
      } while (Accept(TokenKind::kComma));
    }
    if (Accept("having")) {
      LAMINAR_ASSIGN_OR_RETURN(sel->having, ParseExpr());
    }
    LAMINAR_RETURN_NOT_OK(ParseStreamingClauses(owner));
    return sel;
  }

  Result<ExprPtr> ParseSelectItemExpr() {
    if (At(TokenKind::kStar)) {
      auto star = std::make_unique<StarExpr>();
      star->pos = Cur().pos;
      Advance();
      return ExprPtr(std::move(star));
    }
    // t.* / s.t.*
    size_t k = 0;
    while ((Ahead(k).kind == TokenKind::kWord || Ahead(k).kind == TokenKind::kQuotedIdentifier) &&
           Ahead(k + 1).kind == TokenKind::kDot) {
      k += 2;
    }
    if (k > 0 && Ahead(k).kind == TokenKind::kStar) {
      auto star = std::make_unique<StarExpr>();
      star->pos = Cur().pos;
      for (size_t i = 0; i < k; i += 2) {
        star->qualifier.push_back(MakeIdent(Cur()));
        Advance();
        Advance();
      }
      Advance();  // *
      return ExprPtr(std::move(star));
    }
    return ParseExpr();
  }

  // ----- FROM ---------------------------------------------------------------------------------
  Result<TableRefPtr> ParseTableRef() {
    DepthGuard guard(&depth_);
    LAMINAR_RETURN_NOT_OK(CheckDepth());
    LAMINAR_ASSIGN_OR_RETURN(TableRefPtr left, ParseTablePrimary());
    while (true) {
      SourcePos join_pos = Cur().pos;
      std::optional<JoinKind> kind;
      if (Accept("cross", "join")) {
        kind = JoinKind::kCross;
      } else if (Accept("join") || Accept("inner", "join")) {
        kind = JoinKind::kInner;
      } else if (At("left") || At("right")) {
        bool left_side = At("left");
        const Token& next = Ahead(1);
        int skip = 0;
        if (IsWord(next, "join")) {
          kind = left_side ? JoinKind::kLeft : JoinKind::kRight;
          skip = 2;
        } else if (IsWord(next, "outer") && IsWord(Ahead(2), "join")) {
          kind = left_side ? JoinKind::kLeft : JoinKind::kRight;
          skip = 3;
        } else if (IsWord(next, "semi") && IsWord(Ahead(2), "join")) {
          kind = left_side ? JoinKind::kLeftSemi : JoinKind::kRightSemi;
          skip = 3;
        } else if (IsWord(next, "anti") && IsWord(Ahead(2), "join")) {
          kind = left_side ? JoinKind::kLeftAnti : JoinKind::kRightAnti;
          skip = 3;
        } else {
          std::string side = ToUpper(Cur().text);
          Advance();
          return ErrorExpected("JOIN after " + side);
        }
        for (int i = 0; i < skip; ++i) Advance();
      } else if (Accept("full", "join")) {
        kind = JoinKind::kFull;
      } else if (At("full", "outer") && IsWord(Ahead(2), "join")) {
        Advance();
        Advance();
        Advance();
        kind = JoinKind::kFull;
      } else if (Accept("asof", "join")) {
        kind = JoinKind::kAsof;
      } else if (At("temporal", "probe") && IsWord(Ahead(2), "join")) {
        Advance();
        Advance();
        Advance();
        kind = JoinKind::kTemporalProbe;
      }
      if (!kind) break;
      guard.AddLink();
      LAMINAR_RETURN_NOT_OK(CheckDepth());
      auto join = std::make_unique<TableRef>();
      join->kind = TableRefKind::kJoin;
      join->pos = join_pos;
      join->join_kind = *kind;
      join->left = std::move(left);
      LAMINAR_ASSIGN_OR_RETURN(join->right, ParseTablePrimary());
      if (*kind == JoinKind::kAsof) {
        LAMINAR_RETURN_NOT_OK(Expect("match_condition"));
        LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLParen, "'('"));
        LAMINAR_ASSIGN_OR_RETURN(join->match_condition, ParseExpr());
        LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
        if (Accept("on")) {
          LAMINAR_ASSIGN_OR_RETURN(join->on, ParseExpr());
        }
      } else if (*kind == JoinKind::kTemporalProbe) {
        LAMINAR_RETURN_NOT_OK(ParseProbe(join.get()));
      } else if (*kind != JoinKind::kCross) {
        if (Accept("on")) {
          LAMINAR_ASSIGN_OR_RETURN(join->on, ParseExpr());
        } else if (Accept("using")) {
          LAMINAR_ASSIGN_OR_RETURN(join->using_columns, ParseIdentifierList());
        }
      }
      left = std::move(join);
    }
    return left;
  }

  Status ParseProbe(TableRef* join) {
    LAMINAR_RETURN_NOT_OK(Expect("on"));
    LAMINAR_ASSIGN_OR_RETURN(join->probe_keys, ParseIdentifierList());
    LAMINAR_RETURN_NOT_OK(Expect("timestamps"));
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLParen, "'('"));
    LAMINAR_ASSIGN_OR_RETURN(join->probe_left_ts, ParseExpr());
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kComma, "','"));
    LAMINAR_ASSIGN_OR_RETURN(join->probe_right_ts, ParseExpr());
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
    join->probe = std::make_unique<ProbeSpec>();
    if (Accept("list")) {
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLParen, "'('"));
      do {
        LAMINAR_ASSIGN_OR_RETURN(ExprPtr off, ParseProbeOffset());
        join->probe->offsets.push_back(std::move(off));
      } while (Accept(TokenKind::kComma));
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "',' or ')'"));
    } else if (Accept("range")) {
      join->probe->is_range = true;
      LAMINAR_RETURN_NOT_OK(Expect("from"));
      LAMINAR_ASSIGN_OR_RETURN(join->probe->range_from, ParseProbeOffset());
      LAMINAR_RETURN_NOT_OK(Expect("to"));
      LAMINAR_ASSIGN_OR_RETURN(join->probe->range_to, ParseProbeOffset());
      LAMINAR_RETURN_NOT_OK(Expect("step"));
      LAMINAR_ASSIGN_OR_RETURN(join->probe->range_step, ParseProbeOffset());
    } else {
      return ErrorExpected("LIST or RANGE");
    }
    if (Accept("as")) {
      LAMINAR_ASSIGN_OR_RETURN(Identifier alias, ParseIdentifier("an alias"));
      join->alias = std::move(alias);
    }
    return Status::OK();
  }

  /// `500ms`, `-1s`, `2h` (a number glued to a unit) or any expression (INTERVAL '1' SECOND).
  Result<ExprPtr> ParseProbeOffset() {
    size_t k = At(TokenKind::kMinus) ? 1 : 0;
    const Token& num = Ahead(k);
    const Token& unit = Ahead(k + 1);
    bool glued_minus = k == 0 || Cur().end_offset == num.pos.offset;
    if (num.kind == TokenKind::kInteger && unit.kind == TokenKind::kWord &&
        unit.pos.offset == num.end_offset && glued_minus) {
      if (!IsDurationUnit(unit.text)) {
        return ErrorAt(unit.pos, "unknown duration unit '" + std::string(unit.raw) + "'",
                       "use one of ns, us, ms, s, m, h, d (e.g. 500ms, 5s)");
      }
      auto lit = std::make_unique<LiteralExpr>();
      lit->pos = Cur().pos;
      lit->literal_kind = LiteralKind::kDuration;
      lit->value = (k ? "-" : "") + num.text + unit.text;
      for (size_t i = 0; i < k + 2; ++i) Advance();
      return ExprPtr(std::move(lit));
    }
    return ParseExpr();
  }

  Result<TableRefPtr> ParseTablePrimary() {
    DepthGuard guard(&depth_);
    LAMINAR_RETURN_NOT_OK(CheckDepth());
    auto ref = std::make_unique<TableRef>();
    ref->pos = Cur().pos;
    if (At(TokenKind::kLParen)) {
      if (ParenStartsQuery()) {
        Advance();
        ref->kind = TableRefKind::kSubquery;
        LAMINAR_ASSIGN_OR_RETURN(ref->subquery, ParseQuery());
        LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
        LAMINAR_RETURN_NOT_OK(ParseTableAlias(ref.get()));
        return ref;
      }
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(TableRefPtr inner, ParseTableRef());
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
      if (inner->kind != TableRefKind::kJoin && !inner->alias) {
        LAMINAR_RETURN_NOT_OK(ParseTableAlias(inner.get()));
      }
      return inner;
    }
    if (!AtIdentifier()) return ErrorExpected("a table name or '('");
    if (Cur().kind == TokenKind::kWord && IsReservedForAlias(Cur().text)) {
      return ErrorExpected("a table name or '('");
    }
    LAMINAR_ASSIGN_OR_RETURN(ref->name, ParseQualifiedName("a table name"));
    if (At(TokenKind::kLParen)) {
      if (ref->name.size() != 1) return Error("qualified table function names are not supported");
      Advance();
      ref->kind = TableRefKind::kFunction;
      if (!At(TokenKind::kRParen)) {
        do {
          LAMINAR_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
          ref->args.push_back(std::move(e));
        } while (Accept(TokenKind::kComma));
      }
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "',' or ')'"));
      if (At("with", "ordinality")) {
        Advance();
        Advance();
        ref->with_ordinality = true;
      }
      LAMINAR_RETURN_NOT_OK(ParseTableAlias(ref.get()));
      return ref;
    }
    ref->kind = TableRefKind::kNamed;
    LAMINAR_RETURN_NOT_OK(ParseSystemTime(ref.get()));
    LAMINAR_RETURN_NOT_OK(ParseTableAlias(ref.get()));
    if (!ref->system_time) LAMINAR_RETURN_NOT_OK(ParseSystemTime(ref.get()));
    return ref;
  }

  Status ParseSystemTime(TableRef* ref) {
    if (At("for", "system_time")) {
      Advance();
      Advance();
      LAMINAR_RETURN_NOT_OK(Expect("as"));
      LAMINAR_RETURN_NOT_OK(Expect("of"));
      LAMINAR_ASSIGN_OR_RETURN(ref->system_time, ParseExpr());
    }
    return Status::OK();
  }

  Status ParseTableAlias(TableRef* ref) {
    LAMINAR_ASSIGN_OR_RETURN(ref->alias, ParseOptionalAlias());
    if (ref->alias && At(TokenKind::kLParen)) {
      LAMINAR_ASSIGN_OR_RETURN(ref->column_aliases, ParseIdentifierList());
    }
    return Status::OK();
  }

  // ----- expressions --------------------------------------------------------------------------
  /// Binding strength of the operator at the cursor when used as an infix/postfix operator, or
  /// 0 when the token does not continue an expression.
  int InfixPrecedence() const {
    const Token& t = Cur();
    switch (t.kind) {
      case TokenKind::kEq:
      case TokenKind::kNotEq:
      case TokenKind::kLt:
      case TokenKind::kLtEq:
      case TokenKind::kGt:
      case TokenKind::kGtEq:
        return kPrecCompare;
      case TokenKind::kConcat:
      case TokenKind::kArrow:
      case TokenKind::kLongArrow:
        return kPrecOther;
      case TokenKind::kPlus:
      case TokenKind::kMinus:
        return kPrecAdd;
      case TokenKind::kStar:
      case TokenKind::kSlash:
      case TokenKind::kPercent:
        return kPrecMul;
      case TokenKind::kCaret:
        return kPrecPow;
      case TokenKind::kColonColon:
      case TokenKind::kLBracket:
        return kPrecPostfix;
      case TokenKind::kWord: {
        const std::string& w = t.text;
        if (w == "or") return kPrecOr;
        if (w == "and") return kPrecAnd;
        if (w == "is") return kPrecIs;
        if (w == "in" || w == "between" || w == "like" || w == "ilike") return kPrecPredicate;
        if (w == "not") {
          const Token& n = Ahead(1);
          if (IsWord(n, "in") || IsWord(n, "between") || IsWord(n, "like") || IsWord(n, "ilike")) {
            return kPrecPredicate;
          }
        }
        return 0;
      }
      default:
        return 0;
    }
  }

  Result<ExprPtr> ParseExpr(int min_prec = kPrecOr) {
    DepthGuard guard(&depth_);
    LAMINAR_RETURN_NOT_OK(CheckDepth());
    LAMINAR_ASSIGN_OR_RETURN(ExprPtr left, ParsePrefix());
    while (true) {
      int prec = InfixPrecedence();
      if (prec == 0 || prec < min_prec) break;
      guard.AddLink();
      LAMINAR_RETURN_NOT_OK(CheckDepth());
      LAMINAR_ASSIGN_OR_RETURN(left, ParseInfix(std::move(left), prec));
    }
    return left;
  }

  static BinaryOp TokenBinaryOp(const Token& t) {
    switch (t.kind) {
      case TokenKind::kEq:
        return BinaryOp::kEq;
      case TokenKind::kNotEq:
        return BinaryOp::kNotEq;
      case TokenKind::kLt:
        return BinaryOp::kLt;
      case TokenKind::kLtEq:
        return BinaryOp::kLtEq;
      case TokenKind::kGt:
        return BinaryOp::kGt;
      case TokenKind::kGtEq:
        return BinaryOp::kGtEq;
      case TokenKind::kConcat:
        return BinaryOp::kConcat;
      case TokenKind::kArrow:
        return BinaryOp::kArrow;
      case TokenKind::kLongArrow:
        return BinaryOp::kLongArrow;
      case TokenKind::kPlus:
        return BinaryOp::kAdd;
      case TokenKind::kMinus:
        return BinaryOp::kSub;
      case TokenKind::kStar:
        return BinaryOp::kMul;
      case TokenKind::kSlash:
        return BinaryOp::kDiv;
      case TokenKind::kPercent:
        return BinaryOp::kMod;
      case TokenKind::kCaret:
        return BinaryOp::kPow;
      default:
        return IsWord(t, "or") ? BinaryOp::kOr : BinaryOp::kAnd;
    }
  }

  Result<ExprPtr> ParseInfix(ExprPtr left, int prec) {
    SourcePos op_pos = Cur().pos;
    if (At(TokenKind::kColonColon)) {
      Advance();
      auto cast = std::make_unique<CastExpr>();
      cast->pos = op_pos;
      cast->style = CastStyle::kColonColon;
      cast->operand = std::move(left);
      LAMINAR_ASSIGN_OR_RETURN(cast->type, ParseType());
      return ExprPtr(std::move(cast));
    }
    if (At(TokenKind::kLBracket)) {
      Advance();
      auto sub = std::make_unique<SubscriptExpr>();
      sub->pos = op_pos;
      sub->base = std::move(left);
      LAMINAR_ASSIGN_OR_RETURN(sub->index, ParseExpr());
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRBracket, "']'"));
      return ExprPtr(std::move(sub));
    }
    if (At("is")) {
      Advance();
      auto is = std::make_unique<IsExpr>();
      is->pos = op_pos;
      is->operand = std::move(left);
      is->negated = Accept("not");
      if (Accept("null")) {
        is->test = IsTest::kNull;
      } else if (Accept("true")) {
        is->test = IsTest::kTrue;
      } else if (Accept("false")) {
        is->test = IsTest::kFalse;
      } else if (Accept("unknown")) {
        is->test = IsTest::kUnknown;
      } else if (Accept("distinct")) {
        LAMINAR_RETURN_NOT_OK(Expect("from"));
        is->test = IsTest::kDistinctFrom;
        LAMINAR_ASSIGN_OR_RETURN(is->right, ParseExpr(kPrecCompare));
      } else {
        return ErrorExpected("NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS");
      }
      return ExprPtr(std::move(is));
    }
    if (prec == kPrecPredicate) {
      bool negated = Accept("not");
      if (Accept("between")) {
        auto b = std::make_unique<BetweenExpr>();
        b->pos = op_pos;
        b->negated = negated;
        b->operand = std::move(left);
        LAMINAR_ASSIGN_OR_RETURN(b->low, ParseExpr(kPrecOther));
        LAMINAR_RETURN_NOT_OK(Expect("and"));
        LAMINAR_ASSIGN_OR_RETURN(b->high, ParseExpr(kPrecOther));
        return ExprPtr(std::move(b));
      }
      if (At("like") || At("ilike")) {
        auto l = std::make_unique<LikeExpr>();
        l->pos = op_pos;
        l->negated = negated;
        l->case_insensitive = At("ilike");
        Advance();
        l->operand = std::move(left);
        LAMINAR_ASSIGN_OR_RETURN(l->pattern, ParseExpr(kPrecOther));
        if (Accept("escape")) {
          LAMINAR_ASSIGN_OR_RETURN(l->escape, ParseExpr(kPrecOther));
        }
        return ExprPtr(std::move(l));
      }
      // IN
      Advance();
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLParen, "'(' after IN"));
      if (StartsQuery()) {
        auto in = std::make_unique<InSubqueryExpr>();
        in->pos = op_pos;
        in->negated = negated;
        in->operand = std::move(left);
        LAMINAR_ASSIGN_OR_RETURN(in->query, ParseQuery());
        LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
        return ExprPtr(std::move(in));
      }
      auto in = std::make_unique<InListExpr>();
      in->pos = op_pos;
      in->negated = negated;
      in->operand = std::move(left);
      do {
        LAMINAR_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
        in->list.push_back(std::move(e));
      } while (Accept(TokenKind::kComma));
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "',' or ')'"));
      return ExprPtr(std::move(in));
    }
    // Binary operator, left associative.
    auto bin = std::make_unique<BinaryExpr>();
    bin->pos = op_pos;
    bin->op = TokenBinaryOp(Cur());
    Advance();
    bin->left = std::move(left);
    LAMINAR_ASSIGN_OR_RETURN(bin->right, ParseExpr(prec + 1));
    return ExprPtr(std::move(bin));
  }

  Result<ExprPtr> ParsePrefix() {
    SourcePos p = Cur().pos;
    if (At("not") && !IsWord(Ahead(1), "exists")) {
      Advance();
      auto u = std::make_unique<UnaryExpr>();
      u->pos = p;
      u->op = UnaryOp::kNot;
      LAMINAR_ASSIGN_OR_RETURN(u->operand, ParseExpr(kPrecIs));
      return ExprPtr(std::move(u));
    }
    if (At("not")) {  // NOT EXISTS (...)
      Advance();
      auto u = std::make_unique<UnaryExpr>();
      u->pos = p;
      u->op = UnaryOp::kNot;
      LAMINAR_ASSIGN_OR_RETURN(u->operand, ParseExpr(kPrecIs));
      return ExprPtr(std::move(u));
    }
    if (At(TokenKind::kMinus) || At(TokenKind::kPlus)) {
      auto u = std::make_unique<UnaryExpr>();
      u->pos = p;
      u->op = At(TokenKind::kMinus) ? UnaryOp::kNegate : UnaryOp::kPlus;
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(u->operand, ParseExpr(kPrecUnary));
      return ExprPtr(std::move(u));
    }
    return ParsePrimary();
  }

  ExprPtr MakeLiteral(LiteralKind k, std::string value, SourcePos p) {
    auto lit = std::make_unique<LiteralExpr>();
    lit->pos = p;
    lit->literal_kind = k;
    lit->value = std::move(value);
    return lit;
  }

  Result<ExprPtr> ParsePrimary() {
    const Token& t = Cur();
    SourcePos p = t.pos;
    switch (t.kind) {
      case TokenKind::kInteger: {
        ExprPtr e = MakeLiteral(LiteralKind::kInteger, t.text, p);
        Advance();
        return e;
      }
      case TokenKind::kDecimal: {
        ExprPtr e = MakeLiteral(LiteralKind::kDecimal, t.text, p);
        Advance();
        return e;
      }
      case TokenKind::kFloat: {
        ExprPtr e = MakeLiteral(LiteralKind::kFloat, t.text, p);
        Advance();
        return e;
      }
      case TokenKind::kString: {
        ExprPtr e = MakeLiteral(LiteralKind::kString, t.text, p);
        Advance();
        return e;
      }
      case TokenKind::kParameter: {
        auto param = std::make_unique<ParameterExpr>();
        param->pos = p;
        param->index = std::stoi(t.text);
        Advance();
        return ExprPtr(std::move(param));
      }
      case TokenKind::kLParen: {
        // Only `(SELECT`/`(WITH`/`(VALUES` start a scalar subquery here, so that
        // `((SELECT 1) + 1)` stays an expression; deeper lookahead would need backtracking.
        if (StartsQuery(1)) {
          Advance();
          auto sub = std::make_unique<SubqueryExpr>();
          sub->pos = p;
          LAMINAR_ASSIGN_OR_RETURN(sub->query, ParseQuery());
          LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
          return ExprPtr(std::move(sub));
        }
        Advance();
        LAMINAR_ASSIGN_OR_RETURN(ExprPtr inner, ParseExpr());
        LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
        return inner;
      }
      case TokenKind::kQuotedIdentifier:
        return ParseNameOrCall();
      case TokenKind::kWord:
        return ParseWordPrimary();
      case TokenKind::kLBracket:
        // DataFusion's array literal `[1, 2, 3]` = ARRAY[1, 2, 3].
        return ParseArrayLiteral(p);
      default:
        return ErrorExpected("an expression");
    }
  }

  /// `[a, b, ...]` (the current token is `[`), also reached from `ARRAY[...]`.
  Result<ExprPtr> ParseArrayLiteral(SourcePos p) {
    auto arr = std::make_unique<ArrayExpr>();
    arr->pos = p;
    Advance();  // [
    if (!At(TokenKind::kRBracket)) {
      do {
        LAMINAR_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
        arr->elements.push_back(std::move(e));
      } while (Accept(TokenKind::kComma));
    }
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRBracket, "',' or ']'"));
    return ExprPtr(std::move(arr));
  }

  Result<ExprPtr> ParseWordPrimary() {
    const Token& t = Cur();
    const std::string& w = t.text;
    SourcePos p = t.pos;
    const Token& next = Ahead(1);
    if (w == "null") {
      Advance();
      return MakeLiteral(LiteralKind::kNull, "", p);
    }
    if (w == "true" || w == "false") {
      auto lit = std::make_unique<LiteralExpr>();
      lit->pos = p;
      lit->literal_kind = LiteralKind::kBoolean;
      lit->bool_value = w == "true";
      Advance();
      return ExprPtr(std::move(lit));
    }
    if (w == "case") return ParseCase();
    if ((w == "cast" || w == "try_cast") && next.kind == TokenKind::kLParen) {
      auto cast = std::make_unique<CastExpr>();
      cast->pos = p;
      cast->style = w == "cast" ? CastStyle::kCast : CastStyle::kTryCast;
      Advance();
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(cast->operand, ParseExpr());
      LAMINAR_RETURN_NOT_OK(Expect("as"));
      LAMINAR_ASSIGN_OR_RETURN(cast->type, ParseType());
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
      return ExprPtr(std::move(cast));
    }
    if (w == "extract" && next.kind == TokenKind::kLParen) {
      auto ex = std::make_unique<ExtractExpr>();
      ex->pos = p;
      Advance();
      Advance();
      if ((Cur().kind == TokenKind::kWord && !At("from")) || Cur().kind == TokenKind::kString) {
        ex->field = ToLower(Cur().text);
        Advance();
      } else {
        return ErrorExpected("a date/time field (YEAR, MONTH, DAY, HOUR, EPOCH, ...)");
      }
      LAMINAR_RETURN_NOT_OK(Expect("from"));
      LAMINAR_ASSIGN_OR_RETURN(ex->operand, ParseExpr());
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
      return ExprPtr(std::move(ex));
    }
    if (w == "exists" && next.kind == TokenKind::kLParen) {
      auto ex = std::make_unique<ExistsExpr>();
      ex->pos = p;
      Advance();
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(ex->query, ParseQuery());
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
      return ExprPtr(std::move(ex));
    }
    if (w == "interval" && (next.kind == TokenKind::kString || next.kind == TokenKind::kInteger ||
                            next.kind == TokenKind::kDecimal)) {
      return ParseInterval();
    }
    if ((w == "timestamp" || w == "date" || w == "time") && next.kind == TokenKind::kString) {
      LiteralKind k = w == "timestamp" ? LiteralKind::kTimestamp
                      : w == "date"    ? LiteralKind::kDate
                                       : LiteralKind::kTime;
      Advance();
      ExprPtr e = MakeLiteral(k, Cur().text, p);
      Advance();
      return e;
    }
    if (w == "array" && next.kind == TokenKind::kLBracket) {
      Advance();
      return ParseArrayLiteral(p);
    }
    if ((w == "position" || w == "substring" || w == "trim") && next.kind == TokenKind::kLParen) {
      LAMINAR_ASSIGN_OR_RETURN(ExprPtr special, ParseSpecialCall());
      if (special) return special;
      // Not the special form: an ordinary call such as position(s, 'x').
    }
    if (IsBareFunction(w) && next.kind != TokenKind::kLParen) {
      auto fn = std::make_unique<FunctionCallExpr>();
      fn->pos = p;
      fn->name = MakeIdent(t);
      fn->has_parens = false;
      Advance();
      return ExprPtr(std::move(fn));
    }
    if (IsReservedInExpression(w)) {
      std::string hint;
      if (w == "from" && pos_ > 0 && tokens_[pos_ - 1].kind == TokenKind::kComma) {
        hint = "remove the trailing ',' before FROM";
      }
      return ErrorExpected("an expression", hint);
    }
    return ParseNameOrCall();
  }

  // The standard SQL call forms with keywords between the arguments: POSITION(a IN b),
  // SUBSTRING(s FROM i [FOR n]) and TRIM([BOTH|LEADING|TRAILING] [chars] FROM s). They map to
  // the plain calls position(b, a), substring(s, i[, n]) and trim|ltrim|rtrim(s[, chars]).
  // Returns null (and rewinds) when the call turns out to be an ordinary comma-separated one.
  Result<ExprPtr> ParseSpecialCall() {
    const size_t start = pos_;
    const Token& name_tok = Cur();
    auto fn = std::make_unique<FunctionCallExpr>();
    fn->pos = name_tok.pos;
    fn->name = MakeIdent(name_tok);
    const std::string w = name_tok.text;
    Advance();  // name
    Advance();  // (
    if (w == "position") {
      if (At(TokenKind::kRParen)) {
        pos_ = start;
        return ExprPtr();
      }
      // The needle binds tighter than IN, so `POSITION(a IN b)` is not an IN-list test.
      LAMINAR_ASSIGN_OR_RETURN(ExprPtr needle, ParseExpr(kPrecOther));
      if (!At("in")) {
        pos_ = start;
        return ExprPtr();
      }
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(ExprPtr haystack, ParseExpr());
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
      fn->syntax = FunctionSyntax::kPositionIn;
      fn->args.push_back(std::move(haystack));
      fn->args.push_back(std::move(needle));
      return ExprPtr(std::move(fn));
    }
    if (w == "substring") {
      if (At(TokenKind::kRParen)) {
        pos_ = start;
        return ExprPtr();
      }
      LAMINAR_ASSIGN_OR_RETURN(ExprPtr str, ParseExpr());
      if (!At("from") && !At("for")) {
        pos_ = start;
        return ExprPtr();
      }
      fn->syntax = FunctionSyntax::kSubstringFrom;
      fn->args.push_back(std::move(str));
      if (Accept("from")) {
        LAMINAR_ASSIGN_OR_RETURN(ExprPtr from, ParseExpr());
        fn->args.push_back(std::move(from));
      } else {
        fn->args.push_back(MakeLiteral(LiteralKind::kInteger, "1", Cur().pos));
      }
      if (Accept("for")) {
        LAMINAR_ASSIGN_OR_RETURN(ExprPtr len, ParseExpr());
        fn->args.push_back(std::move(len));
      }
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "FOR or ')'"));
      return ExprPtr(std::move(fn));
    }
    // TRIM.
    bool has_mode = false;
    if ((At("both") || At("leading") || At("trailing")) && Ahead(1).kind != TokenKind::kRParen &&
        Ahead(1).kind != TokenKind::kComma) {
      has_mode = true;
      if (At("leading")) fn->name.value = "ltrim";
      if (At("trailing")) fn->name.value = "rtrim";
      Advance();
    }
    ExprPtr chars;
    if (!At("from")) {
      if (!has_mode && At(TokenKind::kRParen)) {
        pos_ = start;
        return ExprPtr();
      }
      LAMINAR_ASSIGN_OR_RETURN(chars, ParseExpr());
      if (!At("from")) {
        if (!has_mode) {
          pos_ = start;
          return ExprPtr();
        }
        return ErrorExpected("FROM", "write TRIM(LEADING 'x' FROM s)");
      }
    }
    Advance();  // FROM
    LAMINAR_ASSIGN_OR_RETURN(ExprPtr str, ParseExpr());
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
    fn->syntax = FunctionSyntax::kTrimFrom;
    fn->args.push_back(std::move(str));
    if (chars) fn->args.push_back(std::move(chars));
    return ExprPtr(std::move(fn));
  }

  Result<ExprPtr> ParseInterval() {
    auto lit = std::make_unique<LiteralExpr>();
    lit->pos = Cur().pos;
    lit->literal_kind = LiteralKind::kInterval;
    Advance();  // INTERVAL
    bool is_number = Cur().kind != TokenKind::kString;
    lit->value = Cur().text;
    Advance();
    if (Cur().kind == TokenKind::kWord) {
      std::string unit = CanonicalIntervalUnit(Cur().text);
      if (!unit.empty()) {
        Advance();
        if (At("to") && Ahead(1).kind == TokenKind::kWord &&
            !CanonicalIntervalUnit(Ahead(1).text).empty()) {
          Advance();
          unit += " TO " + CanonicalIntervalUnit(Cur().text);
          Advance();
        }
        lit->unit = std::move(unit);
      }
    }
    if (is_number && lit->unit.empty()) {
      return ErrorExpected("an interval unit (SECOND, MINUTE, HOUR, DAY, ...)",
                           "write INTERVAL '5' SECOND or INTERVAL '5 seconds'");
    }
    return ExprPtr(std::move(lit));
  }

  Result<ExprPtr> ParseCase() {
    auto c = std::make_unique<CaseExpr>();
    c->pos = Cur().pos;
    Advance();
    if (!At("when")) {
      LAMINAR_ASSIGN_OR_RETURN(c->operand, ParseExpr());
    }
    if (!At("when")) return ErrorExpected("WHEN");
    while (Accept("when")) {
      WhenClause wc;
      LAMINAR_ASSIGN_OR_RETURN(wc.condition, ParseExpr());
      LAMINAR_RETURN_NOT_OK(Expect("then"));
      LAMINAR_ASSIGN_OR_RETURN(wc.result, ParseExpr());
      c->whens.push_back(std::move(wc));
    }
    if (Accept("else")) {
      LAMINAR_ASSIGN_OR_RETURN(c->else_result, ParseExpr());
    }
    LAMINAR_RETURN_NOT_OK(Expect("end"));
    return ExprPtr(std::move(c));
  }

  Result<ExprPtr> ParseNameOrCall() {
    SourcePos p = Cur().pos;
    LAMINAR_ASSIGN_OR_RETURN(QualifiedName name, ParseQualifiedName());
    if (!At(TokenKind::kLParen)) {
      auto col = std::make_unique<ColumnRefExpr>();
      col->pos = p;
      col->parts = std::move(name);
      return ExprPtr(std::move(col));
    }
    if (name.size() != 1) {
      return ErrorAt(p, "qualified function names are not supported");
    }
    auto fn = std::make_unique<FunctionCallExpr>();
    fn->pos = p;
    fn->name = std::move(name[0]);
    Advance();  // (
    if (At(TokenKind::kStar) && Ahead(1).kind == TokenKind::kRParen) {
      fn->star = true;
      Advance();
    } else if (!At(TokenKind::kRParen)) {
      if (Accept("distinct")) {
        fn->distinct = true;
      } else {
        Accept("all");
      }
      do {
        LAMINAR_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
        fn->args.push_back(std::move(e));
      } while (Accept(TokenKind::kComma));
      if (At("order", "by")) {
        Advance();
        Advance();
        LAMINAR_ASSIGN_OR_RETURN(fn->order_by, ParseOrderByList());
      }
    }
    LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "',' or ')'"));
    if (At("within", "group")) {
      // Ordered-set aggregate: PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY x) is
      // percentile_cont(x, 0.5).
      SourcePos wp = Cur().pos;
      Advance();
      Advance();
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLParen, "'('"));
      if (!At("order", "by")) return ErrorExpected("ORDER BY");
      Advance();
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(auto items, ParseOrderByList());
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
      if (items.size() != 1 || fn->star || fn->distinct || !fn->order_by.empty()) {
        return ErrorAt(wp, "WITHIN GROUP takes exactly one ORDER BY expression");
      }
      if (items[0].descending) {
        return ErrorAt(wp,
                       "WITHIN GROUP (ORDER BY ... DESC) is not supported; order ascending and "
                       "use 1 - p as the fraction");
      }
      fn->args.insert(fn->args.begin(), std::move(items[0].expr));
      fn->syntax = FunctionSyntax::kWithinGroup;
    }
    if (At("filter") && Ahead(1).kind == TokenKind::kLParen) {
      Advance();
      Advance();
      LAMINAR_RETURN_NOT_OK(Expect("where"));
      LAMINAR_ASSIGN_OR_RETURN(fn->filter, ParseExpr());
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
    }
    if (At("over") && Ahead(1).kind == TokenKind::kLParen) {
      Advance();
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(fn->over, ParseWindowSpec());
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
    }
    return ExprPtr(std::move(fn));
  }

  Result<std::unique_ptr<WindowSpec>> ParseWindowSpec() {
    auto spec = std::make_unique<WindowSpec>();
    if (At("partition", "by")) {
      Advance();
      Advance();
      do {
        LAMINAR_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
        spec->partition_by.push_back(std::move(e));
      } while (Accept(TokenKind::kComma));
    }
    if (At("order", "by")) {
      Advance();
      Advance();
      LAMINAR_ASSIGN_OR_RETURN(spec->order_by, ParseOrderByList());
    }
    if (At("rows") || At("range")) {
      WindowFrame frame;
      frame.units = At("rows") ? FrameUnits::kRows : FrameUnits::kRange;
      Advance();
      if (Accept("between")) {
        LAMINAR_ASSIGN_OR_RETURN(frame.start, ParseFrameBound());
        LAMINAR_RETURN_NOT_OK(Expect("and"));
        LAMINAR_ASSIGN_OR_RETURN(FrameBound end, ParseFrameBound());
        frame.end = std::move(end);
      } else {
        LAMINAR_ASSIGN_OR_RETURN(frame.start, ParseFrameBound());
      }
      spec->frame = std::move(frame);
    }
    return spec;
  }

  Result<FrameBound> ParseFrameBound() {
    FrameBound b;
    if (Accept("unbounded")) {
      if (Accept("preceding")) {
        b.kind = FrameBoundKind::kUnboundedPreceding;
      } else if (Accept("following")) {
        b.kind = FrameBoundKind::kUnboundedFollowing;
      } else {
        return ErrorExpected("PRECEDING or FOLLOWING");
      }
      return b;
    }
    if (Accept("current", "row")) {
      b.kind = FrameBoundKind::kCurrentRow;
      return b;
    }
    LAMINAR_ASSIGN_OR_RETURN(b.offset, ParseExpr(kPrecAdd));
    if (Accept("preceding")) {
      b.kind = FrameBoundKind::kPreceding;
    } else if (Accept("following")) {
      b.kind = FrameBoundKind::kFollowing;
    } else {
      return ErrorExpected("PRECEDING or FOLLOWING");
    }
    return b;
  }

  Result<TypeName> ParseType() {
    DepthGuard guard(&depth_);
    LAMINAR_RETURN_NOT_OK(CheckDepth());
    TypeName type;
    type.pos = Cur().pos;
    if (Cur().kind != TokenKind::kWord) return ErrorExpected("a type name");
    std::string name = Cur().text;
    Advance();
    if (name == "double") {
      Accept("precision");
    } else if (name == "character") {
      name = Accept("varying") ? "varchar" : "char";
    } else if (name == "array" || name == "list" || name == "map" || name == "struct") {
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kLt, "'<'"));
      if (name == "struct") {
        do {
          LAMINAR_ASSIGN_OR_RETURN(Identifier field, ParseIdentifier("a field name"));
          LAMINAR_ASSIGN_OR_RETURN(TypeName child, ParseType());
          type.field_names.push_back(std::move(field));
          type.children.push_back(std::move(child));
        } while (Accept(TokenKind::kComma));
      } else {
        do {
          LAMINAR_ASSIGN_OR_RETURN(TypeName child, ParseType());
          type.children.push_back(std::move(child));
        } while (Accept(TokenKind::kComma));
        size_t want = name == "map" ? 2 : 1;
        if (type.children.size() != want) {
          return ErrorAt(type.pos, ToUpper(name) + " takes " + std::to_string(want) +
                                       " type argument" + (want == 1 ? "" : "s"));
        }
      }
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kGt, "'>'"));
      if (name == "list") name = "array";
    }
    if (At(TokenKind::kLParen) && type.children.empty()) {
      Advance();
      do {
        LAMINAR_ASSIGN_OR_RETURN(int64_t v, ParseInt64("a number"));
        type.params.push_back(v);
      } while (Accept(TokenKind::kComma));
      LAMINAR_RETURN_NOT_OK(Expect(TokenKind::kRParen, "')'"));
    }
    if (name == "timestamp" || name == "time") {
      if (At("with", "time") && IsWord(Ahead(2), "zone")) {
        Advance();
        Advance();
        Advance();
        name += "tz";
      } else if (At("without", "time") && IsWord(Ahead(2), "zone")) {
        Advance();
        Advance();
        Advance();
      }
    }
    type.name = std::move(name);
    while (At(TokenKind::kLBracket) && Ahead(1).kind == TokenKind::kRBracket) {
      Advance();
      Advance();
      guard.AddLink();
      LAMINAR_RETURN_NOT_OK(CheckDepth());
      TypeName arr;
      arr.pos = type.pos;
      arr.name = "array";
      arr.children.push_back(std::move(type));
      type = std::move(arr);
    }
    return type;
  }

  std::string_view sql_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  size_t last_implicit_alias_ = static_cast<size_t>(-2);
};

}  // namespace

Result<std::vector<StatementPtr>> Parse(std::string_view sql) {
  LAMINAR_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql));
  Parser parser(sql, std::move(tokens));
  return parser.ParseStatements();
}

Result<StatementPtr> ParseOne(std::string_view sql) {
  LAMINAR_ASSIGN_OR_RETURN(std::vector<StatementPtr> stmts, Parse(sql));
  if (stmts.empty()) {
    return SyntaxError(sql, SourcePos{1, 1, 0}, "expected a statement but found end of input");
  }
  if (stmts.size() > 1) {
    const SourcePos& p = stmts[1]->pos;
    return SyntaxError(sql, p, "expected a single statement but found more than one");
  }
  return std::move(stmts[0]);
}

Result<ExprPtr> ParseExpression(std::string_view sql) {
  LAMINAR_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql));
  Parser parser(sql, std::move(tokens));
  return parser.ParseStandaloneExpression();
}

namespace {

enum class CharClass : uint8_t { kCode, kQuoted, kComment };

/// Walks `sql` calling `on_char(i, class)` for every byte, telling code from quoted text and
/// comments. Mirrors the lexer's rules but never fails (unterminated constructs run to the end).
template <typename F>
void ScanSql(std::string_view sql, F&& on_char) {
  size_t i = 0;
  const size_t n = sql.size();
  while (i < n) {
    char c = sql[i];
    if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') on_char(i++, CharClass::kComment);
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      int depth = 0;
      while (i < n) {
        if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
          ++depth;
          on_char(i++, CharClass::kComment);
          on_char(i++, CharClass::kComment);
        } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
          --depth;
          on_char(i++, CharClass::kComment);
          on_char(i++, CharClass::kComment);
          if (depth == 0) break;
        } else {
          on_char(i++, CharClass::kComment);
        }
      }
    } else if (c == '\'' || c == '"') {
      bool escapes =
          c == '\'' && i > 0 && (sql[i - 1] == 'e' || sql[i - 1] == 'E') &&
          (i < 2 || !(std::isalnum(static_cast<unsigned char>(sql[i - 2])) || sql[i - 2] == '_' ||
                      static_cast<unsigned char>(sql[i - 2]) >= 0x80));
      on_char(i++, CharClass::kQuoted);
      while (i < n) {
        if (escapes && sql[i] == '\\' && i + 1 < n) {
          on_char(i++, CharClass::kQuoted);
          on_char(i++, CharClass::kQuoted);
        } else if (sql[i] == c) {
          if (i + 1 < n && sql[i + 1] == c) {
            on_char(i++, CharClass::kQuoted);
            on_char(i++, CharClass::kQuoted);
          } else {
            on_char(i++, CharClass::kQuoted);
            break;
          }
        } else {
          on_char(i++, CharClass::kQuoted);
        }
      }
    } else {
      on_char(i++, CharClass::kCode);
    }
  }
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::vector<std::string> SplitStatements(std::string_view sql) {
  std::vector<std::string> out;
  // A piece spans from its first to its last byte of content (code or quoted text), so
  // comments between content are kept and comments at the edges are dropped.
  size_t content_begin = 0, content_end = 0;
  bool has_content = false;
  ScanSql(sql, [&](size_t i, CharClass cls) {
    char c = sql[i];
    if (cls == CharClass::kCode && c == ';') {
      if (has_content) out.emplace_back(sql.substr(content_begin, content_end - content_begin));
      has_content = false;
      return;
    }
    if (cls == CharClass::kComment || (cls == CharClass::kCode && IsSpace(c))) return;
    if (!has_content) content_begin = i;
    has_content = true;
    content_end = i + 1;
  });
  if (has_content) out.emplace_back(sql.substr(content_begin, content_end - content_begin));
  return out;
}

bool EndsWithTerminator(std::string_view sql) {
  bool last_is_semicolon = false;
  ScanSql(sql, [&](size_t i, CharClass cls) {
    char c = sql[i];
    if (cls == CharClass::kComment) return;
    if (cls == CharClass::kCode && IsSpace(c)) return;
    last_is_semicolon = cls == CharClass::kCode && c == ';';
  });
  return last_is_semicolon;
}

}  // namespace laminar::sql
