#include "sql/parser/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace laminar::sql {
namespace {

StatementPtr MustParse(const std::string& sql) {
  auto r = ParseOne(sql);
  EXPECT_TRUE(r.ok()) << sql << "\n" << r.status().ToString();
  if (!r.ok()) return nullptr;
  return std::move(r).ValueOrDie();
}

ExprPtr MustParseExpr(const std::string& sql) {
  auto r = ParseExpression(sql);
  EXPECT_TRUE(r.ok()) << sql << "\n" << r.status().ToString();
  if (!r.ok()) return nullptr;
  return std::move(r).ValueOrDie();
}

/// Fully parenthesised rendering of an expression, to check how operators grouped.
std::string Tree(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      return "(" + Tree(*b.left) + " " + BinaryOpName(b.op) + " " + Tree(*b.right) + ")";
    }
    case ExprKind::kUnary: {
      const auto& u = e.As<UnaryExpr>();
      const char* op = u.op == UnaryOp::kNot ? "NOT " : u.op == UnaryOp::kNegate ? "-" : "+";
      return "(" + std::string(op) + Tree(*u.operand) + ")";
    }
    case ExprKind::kBetween: {
      const auto& b = e.As<BetweenExpr>();
      return "(" + Tree(*b.operand) + " BETWEEN " + Tree(*b.low) + " AND " + Tree(*b.high) + ")";
    }
    case ExprKind::kIs:
      return "(" + Tree(*e.As<IsExpr>().operand) + " IS ...)";
    default:
      return ToSql(e);
  }
}

struct PrecedenceCase {
  const char* sql;
  const char* tree;
};

class PrecedenceTest : public ::testing::TestWithParam<PrecedenceCase> {};

TEST_P(PrecedenceTest, Groups) {
  ExprPtr e = MustParseExpr(GetParam().sql);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(Tree(*e), GetParam().tree) << GetParam().sql;
}

INSTANTIATE_TEST_SUITE_P(
    Operators, PrecedenceTest,
    ::testing::Values(
        PrecedenceCase{"a OR b AND c", "(a OR (b AND c))"},
        PrecedenceCase{"a AND b OR c", "((a AND b) OR c)"},
        PrecedenceCase{"a + b * c", "(a + (b * c))"}, PrecedenceCase{"a * b + c", "((a * b) + c)"},
        PrecedenceCase{"a - b - c", "((a - b) - c)"},
        PrecedenceCase{"a / b * c % d", "(((a / b) * c) % d)"},
        PrecedenceCase{"NOT a = b", "(NOT (a = b))"},
        PrecedenceCase{"NOT a AND b", "((NOT a) AND b)"}, PrecedenceCase{"-x ^ 2", "((-x) ^ 2)"},
        PrecedenceCase{"a ^ b * c", "((a ^ b) * c)"}, PrecedenceCase{"-a * b", "((-a) * b)"},
        PrecedenceCase{"x BETWEEN 1 AND 2 AND y", "((x BETWEEN 1 AND 2) AND y)"},
        PrecedenceCase{"x BETWEEN a + 1 AND b * 2", "(x BETWEEN (a + 1) AND (b * 2))"},
        PrecedenceCase{"a = 1 OR b = 2 AND c = 3", "((a = 1) OR ((b = 2) AND (c = 3)))"},
        PrecedenceCase{"a || b = c", "((a || b) = c)"},
        PrecedenceCase{"a + b < c * d", "((a + b) < (c * d))"},
        PrecedenceCase{"a = b IS NULL", "((a = b) IS ...)"},
        PrecedenceCase{"j -> 'a' ->> 'b'", "((j -> 'a') ->> 'b')"},
        PrecedenceCase{"(a OR b) AND c", "((a OR b) AND c)"},
        PrecedenceCase{"NOT NOT a", "(NOT (NOT a))"}));

TEST(ParserTest, PostfixBindsTighterThanUnaryMinus) {
  ExprPtr e = MustParseExpr("-x::INT");
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->kind, ExprKind::kUnary);
  EXPECT_EQ(e->As<UnaryExpr>().operand->kind, ExprKind::kCast);
  e = MustParseExpr("a[1]::TEXT");
  ASSERT_EQ(e->kind, ExprKind::kCast);
  EXPECT_EQ(e->As<CastExpr>().operand->kind, ExprKind::kSubscript);
}

TEST(ParserTest, Literals) {
  ExprPtr e = MustParseExpr("123456789012345678901234567890");
  ASSERT_EQ(e->kind, ExprKind::kLiteral);
  EXPECT_EQ(e->As<LiteralExpr>().literal_kind, LiteralKind::kInteger);
  EXPECT_EQ(e->As<LiteralExpr>().value, "123456789012345678901234567890");
  e = MustParseExpr("1.50");
  EXPECT_EQ(e->As<LiteralExpr>().literal_kind, LiteralKind::kDecimal);
  EXPECT_EQ(e->As<LiteralExpr>().value, "1.50");
  e = MustParseExpr("1.5e-3");
  EXPECT_EQ(e->As<LiteralExpr>().literal_kind, LiteralKind::kFloat);
  e = MustParseExpr("'it''s'");
  EXPECT_EQ(e->As<LiteralExpr>().value, "it's");
  e = MustParseExpr("E'a\\nb\\x41\\u00e9'");
  EXPECT_EQ(e->As<LiteralExpr>().value, "a\nbA\xc3\xa9");
  e = MustParseExpr("INTERVAL '5' SECONDS");
  EXPECT_EQ(e->As<LiteralExpr>().literal_kind, LiteralKind::kInterval);
  EXPECT_EQ(e->As<LiteralExpr>().value, "5");
  EXPECT_EQ(e->As<LiteralExpr>().unit, "SECOND");
  e = MustParseExpr("INTERVAL '5 seconds'");
  EXPECT_EQ(e->As<LiteralExpr>().value, "5 seconds");
  EXPECT_EQ(e->As<LiteralExpr>().unit, "");
  e = MustParseExpr("TIMESTAMP '2024-01-01 00:00:00'");
  EXPECT_EQ(e->As<LiteralExpr>().literal_kind, LiteralKind::kTimestamp);
  e = MustParseExpr("true");
  EXPECT_TRUE(e->As<LiteralExpr>().bool_value);
}

TEST(ParserTest, IdentifiersFoldUnlessQuoted) {
  ExprPtr e = MustParseExpr("Foo.\"Bar\"");
  ASSERT_EQ(e->kind, ExprKind::kColumnRef);
  const auto& parts = e->As<ColumnRefExpr>().parts;
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].value, "foo");
  EXPECT_FALSE(parts[0].quoted);
  EXPECT_EQ(parts[1].value, "Bar");
  EXPECT_TRUE(parts[1].quoted);
}

TEST(ParserTest, CommonColumnNamesAreUsable) {
  for (const char* name :
       {"ts",         "date",   "time",   "timestamp", "key",  "value",  "window_start",
        "window_end", "offset", "count",  "first",     "last", "source", "stream",
        "name",       "type",   "status", "level",     "data", "text",   "interval"}) {
    std::string sql =
        std::string("SELECT ") + name + ", " + name + " AS x FROM t WHERE " + name + " IS NOT NULL";
    StatementPtr s = MustParse(sql);
    ASSERT_NE(s, nullptr) << sql;
    const Select& sel = *s->As<QueryStmt>().query->body->select;
    ASSERT_EQ(sel.items.size(), 2u);
    ASSERT_EQ(sel.items[0].expr->kind, ExprKind::kColumnRef) << name;
    EXPECT_EQ(sel.items[0].expr->As<ColumnRefExpr>().parts[0].value, name);
    std::string ddl = std::string("CREATE SOURCE s (") + name + " BIGINT)";
    EXPECT_NE(MustParse(ddl), nullptr) << ddl;
  }
}

TEST(ParserTest, CreateSourceWithWatermarkAndConnector) {
  StatementPtr s = MustParse(
      "CREATE SOURCE IF NOT EXISTS trades (\n"
      "  symbol VARCHAR NOT NULL,\n"
      "  price DOUBLE DEFAULT 0,\n"
      "  ts TIMESTAMP,\n"
      "  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND\n"
      ") FROM POSTGRES_CDC (hostname = 'db', 'slot.name' = 's1', port = 5432)\n"
      "FORMAT JSON WITH ('x' = 'y') ;");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->kind, StatementKind::kCreateSource);
  const auto& c = s->As<CreateSourceStmt>();
  EXPECT_TRUE(c.if_not_exists);
  EXPECT_EQ(c.name.value, "trades");
  ASSERT_EQ(c.columns.size(), 3u);
  EXPECT_TRUE(c.columns[0].not_null);
  EXPECT_EQ(c.columns[0].type.name, "varchar");
  EXPECT_EQ(c.columns[1].type.name, "double");
  ASSERT_NE(c.columns[1].default_value, nullptr);
  EXPECT_EQ(c.columns[2].name.pos.line, 4);
  EXPECT_EQ(c.columns[2].name.pos.column, 3);
  ASSERT_TRUE(c.watermark.has_value());
  EXPECT_EQ(c.watermark->column.value, "ts");
  ASSERT_NE(c.watermark->expr, nullptr);
  EXPECT_EQ(ToSql(*c.watermark->expr), "ts - INTERVAL '2' SECOND");
  ASSERT_TRUE(c.connector.has_value());
  EXPECT_EQ(c.connector->name, "postgres-cdc");
  ASSERT_EQ(c.connector->options.size(), 3u);
  EXPECT_EQ(c.connector->options[1].key, "slot.name");
  EXPECT_EQ(c.connector->options[1].value_text, "s1");
  EXPECT_EQ(c.connector->options[2].value_text, "5432");
  ASSERT_TRUE(c.format.has_value());
  EXPECT_EQ(c.format->name, "json");
  ASSERT_EQ(c.format->options.size(), 1u);
  EXPECT_TRUE(c.options.empty());
  EXPECT_EQ(s->source_text.substr(0, 13), "CREATE SOURCE");
  EXPECT_EQ(s->source_text.back(), ')');
  EXPECT_EQ(s->source_text.find(';'), std::string::npos);
}

TEST(ParserTest, CreateSourceConnectorBeforeColumns) {
  StatementPtr s =
      MustParse("CREATE SOURCE k FROM DELTA_LAKE ('path' = '/x') FORMAT PARQUET (a INT)");
  ASSERT_NE(s, nullptr);
  const auto& c = s->As<CreateSourceStmt>();
  EXPECT_EQ(c.connector->name, "delta-lake");
  EXPECT_EQ(c.format->name, "parquet");
  ASSERT_EQ(c.columns.size(), 1u);
}

TEST(ParserTest, CreateStreamKeepsQueryTextAndEmit) {
  const std::string query =
      "SELECT symbol, SUM(price * volume) / SUM(volume) AS vwap\n"
      "FROM trades GROUP BY symbol, TUMBLE(ts, INTERVAL '1' MINUTE)\n"
      "EMIT ON WINDOW CLOSE";
  StatementPtr s = MustParse("CREATE STREAM vwap AS " + query + " WITH ('a' = 'b')");
  ASSERT_NE(s, nullptr);
  const auto& c = s->As<CreateStreamStmt>();
  EXPECT_EQ(c.object, ObjectKind::kStream);
  EXPECT_EQ(c.query_text, query);
  ASSERT_TRUE(c.query->emit.has_value());
  EXPECT_EQ(c.query->emit->kind, EmitKind::kOnWindowClose);
  ASSERT_EQ(c.options.size(), 1u);
  const Select& sel = *c.query->body->select;
  ASSERT_EQ(sel.group_by.size(), 2u);
  ASSERT_EQ(sel.group_by[1]->kind, ExprKind::kFunction);
  EXPECT_EQ(sel.group_by[1]->As<FunctionCallExpr>().name.value, "tumble");
}

TEST(ParserTest, AllEmitForms) {
  struct Case {
    const char* clause;
    EmitKind kind;
    bool has_interval;
  };
  for (const Case& c :
       {Case{"AFTER WATERMARK", EmitKind::kAfterWatermark, false},
        Case{"ON WATERMARK", EmitKind::kOnWatermark, false},
        Case{"ON WINDOW CLOSE", EmitKind::kOnWindowClose, false},
        Case{"ON UPDATE", EmitKind::kOnUpdate, false},
        Case{"EVERY INTERVAL '5' SECOND", EmitKind::kEvery, true},
        Case{"PERIODICALLY INTERVAL '1' MINUTE", EmitKind::kPeriodically, true},
        Case{"CHANGES", EmitKind::kChanges, false}, Case{"FINAL", EmitKind::kFinal, false}}) {
    StatementPtr s = MustParse(std::string("CREATE MATERIALIZED VIEW v AS SELECT k, COUNT(*) "
                                           "FROM t GROUP BY k EMIT ") +
                               c.clause);
    ASSERT_NE(s, nullptr) << c.clause;
    const Query& q = *s->As<CreateStreamStmt>().query;
    ASSERT_TRUE(q.emit.has_value());
    EXPECT_EQ(q.emit->kind, c.kind);
    EXPECT_EQ(q.emit->interval != nullptr, c.has_interval);
  }
}

TEST(ParserTest, LatenessClausesInEitherPosition) {
  for (const char* sql :
       {"CREATE STREAM s AS SELECT k FROM t GROUP BY k ALLOW LATENESS INTERVAL '5' SECOND "
        "LATE DATA TO side EMIT FINAL",
        "CREATE STREAM s AS SELECT k FROM t GROUP BY k EMIT FINAL ALLOW LATENESS INTERVAL '5' "
        "SECOND LATE DATA TO side"}) {
    StatementPtr s = MustParse(sql);
    ASSERT_NE(s, nullptr);
    const Query& q = *s->As<CreateStreamStmt>().query;
    ASSERT_NE(q.allowed_lateness, nullptr);
    ASSERT_TRUE(q.late_data_to.has_value());
    EXPECT_EQ(q.late_data_to->value, "side");
    EXPECT_EQ(q.emit->kind, EmitKind::kFinal);
  }
}

TEST(ParserTest, CreateSinkForms) {
  StatementPtr s = MustParse(
      "CREATE SINK out FROM vwap WHERE vwap > 10 INTO KAFKA (topic = 'o') FORMAT JSON WITH "
      "('a' = 'b') WITH ('delivery' = 'exactly-once')");
  ASSERT_NE(s, nullptr);
  const auto& c = s->As<CreateSinkStmt>();
  ASSERT_EQ(c.from_name.size(), 1u);
  EXPECT_EQ(c.from_name[0].value, "vwap");
  EXPECT_NE(c.where, nullptr);
  EXPECT_EQ(c.connector->name, "kafka");
  EXPECT_EQ(c.format->options.size(), 1u);
  ASSERT_EQ(c.options.size(), 1u);
  EXPECT_EQ(c.options[0].value_text, "exactly-once");

  s = MustParse("CREATE SINK out FROM (SELECT a FROM t) INTO FILES ('path' = '/tmp')");
  ASSERT_NE(s, nullptr);
  EXPECT_NE(s->As<CreateSinkStmt>().from_query, nullptr);
  EXPECT_EQ(s->As<CreateSinkStmt>().from_query_text, "SELECT a FROM t");
}

TEST(ParserTest, CreateTablesAndPrimaryKeys) {
  StatementPtr s = MustParse("CREATE TABLE p (id INT PRIMARY KEY, name TEXT)");
  ASSERT_NE(s, nullptr);
  const auto& t = s->As<CreateTableStmt>();
  EXPECT_FALSE(t.lookup);
  EXPECT_TRUE(t.columns[0].primary_key);
  EXPECT_TRUE(t.primary_key.empty());

  s = MustParse(
      "CREATE OR REPLACE LOOKUP TABLE IF NOT EXISTS c (a INT, b INT, PRIMARY KEY (a, b)) WITH "
      "('connector' = 'postgres')");
  ASSERT_NE(s, nullptr);
  const auto& l = s->As<CreateTableStmt>();
  EXPECT_TRUE(l.lookup);
  EXPECT_TRUE(l.or_replace);
  EXPECT_TRUE(l.if_not_exists);
  ASSERT_EQ(l.primary_key.size(), 2u);
  EXPECT_EQ(l.primary_key[1].value, "b");
}

TEST(ParserTest, DropAlterInsert) {
  StatementPtr s = MustParse("DROP MATERIALIZED VIEW IF EXISTS v CASCADE");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->As<DropStmt>().object, ObjectKind::kMaterializedView);
  EXPECT_TRUE(s->As<DropStmt>().if_exists);
  EXPECT_TRUE(s->As<DropStmt>().cascade);
  s = MustParse("DROP LOOKUP TABLE t");
  EXPECT_EQ(s->As<DropStmt>().object, ObjectKind::kLookupTable);

  s = MustParse("ALTER SOURCE s ADVANCE WATERMARK TO TIMESTAMP '2024-01-01'");
  EXPECT_EQ(s->As<AlterSourceStmt>().action, AlterSourceAction::kAdvanceWatermark);
  s = MustParse("ALTER SOURCE s SET ('a' = 'b')");
  EXPECT_EQ(s->As<AlterSourceStmt>().options.size(), 1u);
  s = MustParse("ALTER SOURCE s ADD COLUMN c INT");
  EXPECT_EQ(s->As<AlterSourceStmt>().column->name.value, "c");

  s = MustParse("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')");
  ASSERT_NE(s, nullptr);
  const auto& ins = s->As<InsertStmt>();
  EXPECT_EQ(ins.columns.size(), 2u);
  ASSERT_EQ(ins.query->body->kind, QueryBodyKind::kValues);
  EXPECT_EQ(ins.query->body->values.size(), 2u);
}

TEST(ParserTest, ShowDescribeExplainMisc) {
  EXPECT_EQ(MustParse("SHOW MATERIALIZED VIEWS")->As<ShowStmt>().what,
            ShowKind::kMaterializedViews);
  EXPECT_EQ(MustParse("show checkpoint status")->As<ShowStmt>().what, ShowKind::kCheckpointStatus);
  StatementPtr s = MustParse("SHOW CREATE STREAM vwap");
  EXPECT_EQ(s->As<ShowCreateStmt>().object, ObjectKind::kStream);
  s = MustParse("DESCRIBE EXTENDED trades");
  EXPECT_TRUE(s->As<DescribeStmt>().extended);
  s = MustParse("EXPLAIN ANALYZE SELECT * FROM t");
  EXPECT_TRUE(s->As<ExplainStmt>().analyze);
  EXPECT_EQ(s->As<ExplainStmt>().statement->kind, StatementKind::kQuery);
  EXPECT_EQ(s->As<ExplainStmt>().statement->source_text, "SELECT * FROM t");
  EXPECT_EQ(MustParse("RESTORE FROM CHECKPOINT 12")->As<RestoreStmt>().checkpoint_id, 12);
  s = MustParse("SET checkpoint.interval TO '10s'");
  EXPECT_EQ(s->As<SetStmt>().name, "checkpoint.interval");
  EXPECT_EQ(s->As<SetStmt>().value_text, "10s");
  s = MustParse("SET flag = TRUE");
  EXPECT_EQ(s->As<SetStmt>().value->kind, ExprKind::kLiteral);
  EXPECT_EQ(s->As<SetStmt>().value_text, "true");
  s = MustParse("SET mode = on");
  EXPECT_EQ(s->As<SetStmt>().value->kind, ExprKind::kColumnRef);
  EXPECT_EQ(s->As<SetStmt>().value_text, "on");
  s = MustParse("SUBSCRIBE v AS OF EPOCH 5 WHERE a > 1 WITH ('x' = 'y')");
  EXPECT_EQ(s->As<SubscribeStmt>().as_of_epoch, 5);
  s = MustParse("DECLARE c NO SCROLL CURSOR WITHOUT HOLD FOR SUBSCRIBE v");
  EXPECT_TRUE(s->As<DeclareCursorStmt>().no_scroll);
  EXPECT_TRUE(s->As<DeclareCursorStmt>().without_hold);
  EXPECT_EQ(s->As<DeclareCursorStmt>().subscribe->name[0].value, "v");
  s = MustParse("FETCH FORWARD 100 FROM c");
  EXPECT_EQ(s->As<FetchStmt>().count, 100);
  s = MustParse("FETCH 7 IN c");
  EXPECT_EQ(s->As<FetchStmt>().count, 7);
  EXPECT_TRUE(MustParse("CLOSE ALL")->As<CloseStmt>().all);
  EXPECT_EQ(MustParse("CHECKPOINT")->kind, StatementKind::kCheckpoint);
  EXPECT_EQ(MustParse("SYNC")->kind, StatementKind::kSync);
}

TEST(ParserTest, Joins) {
  StatementPtr s = MustParse(
      "SELECT * FROM trades t ASOF JOIN quotes q MATCH_CONDITION(t.ts >= q.ts) ON t.s = q.s "
      "LEFT ANTI JOIN x ON x.k = t.k");
  ASSERT_NE(s, nullptr);
  const TableRef& outer = *s->As<QueryStmt>().query->body->select->from[0];
  ASSERT_EQ(outer.kind, TableRefKind::kJoin);
  EXPECT_EQ(outer.join_kind, JoinKind::kLeftAnti);
  const TableRef& asof = *outer.left;
  EXPECT_EQ(asof.join_kind, JoinKind::kAsof);
  ASSERT_NE(asof.match_condition, nullptr);
  EXPECT_EQ(ToSql(*asof.match_condition), "t.ts >= q.ts");
  EXPECT_EQ(asof.right->alias->value, "q");

  s = MustParse("SELECT * FROM o JOIN products FOR SYSTEM_TIME AS OF o.ts AS p ON o.pid = p.id");
  const TableRef& tj = *s->As<QueryStmt>().query->body->select->from[0];
  ASSERT_NE(tj.right->system_time, nullptr);
  EXPECT_EQ(tj.right->alias->value, "p");

  s = MustParse(
      "SELECT * FROM trades t TEMPORAL PROBE JOIN prices r ON (sym) TIMESTAMPS (t.ts, r.ts) "
      "RANGE FROM 0s TO 30s STEP 500ms AS p");
  const TableRef& pj = *s->As<QueryStmt>().query->body->select->from[0];
  EXPECT_EQ(pj.join_kind, JoinKind::kTemporalProbe);
  ASSERT_TRUE(pj.probe->is_range);
  EXPECT_EQ(pj.probe->range_step->As<LiteralExpr>().value, "500ms");
  EXPECT_EQ(pj.alias->value, "p");
  ASSERT_EQ(pj.probe_keys.size(), 1u);

  s = MustParse("SELECT * FROM a, b CROSS JOIN c");
  EXPECT_EQ(s->As<QueryStmt>().query->body->select->from.size(), 2u);
}

TEST(ParserTest, MultipleStatementsAndSourceText) {
  auto r = Parse(
      "-- leading comment\n"
      "CREATE SOURCE s (a INT);\n"
      "  SELECT 'x;y' /* ; */ FROM s ;;\n"
      "SHOW SOURCES;");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0]->source_text, "CREATE SOURCE s (a INT)");
  EXPECT_EQ((*r)[1]->source_text, "SELECT 'x;y' /* ; */ FROM s");
  EXPECT_EQ((*r)[1]->pos.line, 3);
  EXPECT_EQ((*r)[1]->pos.column, 3);
  EXPECT_EQ((*r)[2]->source_text, "SHOW SOURCES");

  auto empty = Parse("  -- nothing\n /* here */ ; ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(ParseOne("").ok());
  EXPECT_FALSE(ParseOne("SELECT 1; SELECT 2").ok());
}

TEST(ParserTest, SplitStatements) {
  auto parts = SplitStatements(
      "SELECT 'a;b'; -- c;\nSELECT \"x;\" /* ; */ FROM t;\n\n;  INSERT INTO t VALUES (E'\\';')");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "SELECT 'a;b'");
  EXPECT_EQ(parts[1], "SELECT \"x;\" /* ; */ FROM t");
  EXPECT_EQ(parts[2], "INSERT INTO t VALUES (E'\\';')");
  EXPECT_TRUE(SplitStatements("  -- only a comment\n").empty());
  EXPECT_EQ(SplitStatements("SELECT 'unterminated; x").size(), 1u);
}

TEST(ParserTest, EndsWithTerminator) {
  EXPECT_TRUE(EndsWithTerminator("SELECT 1;"));
  EXPECT_TRUE(EndsWithTerminator("SELECT 1; -- done\n"));
  EXPECT_FALSE(EndsWithTerminator("SELECT 1"));
  EXPECT_FALSE(EndsWithTerminator("SELECT ';"));
  EXPECT_FALSE(EndsWithTerminator("SELECT 1; SELECT 2"));
  EXPECT_FALSE(EndsWithTerminator(""));
}

TEST(ParserTest, PositionsPointAtNames) {
  StatementPtr s = MustParse("SELECT a,\n       bad_col + 1\nFROM t");
  ASSERT_NE(s, nullptr);
  const Select& sel = *s->As<QueryStmt>().query->body->select;
  const auto& bin = sel.items[1].expr->As<BinaryExpr>();
  EXPECT_EQ(bin.left->pos.line, 2);
  EXPECT_EQ(bin.left->pos.column, 8);
  EXPECT_EQ(bin.pos.column, 16);  // the operator
  EXPECT_EQ(sel.from[0]->pos.line, 3);
  EXPECT_EQ(sel.from[0]->pos.column, 6);
}

TEST(ParserTest, DeepNestingIsRejectedNotCrashing) {
  std::string deep(100000, '(');
  auto r = ParseExpression(deep + "1" + std::string(100000, ')'));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested too deeply"), std::string::npos);

  std::string chain = "1";
  for (int i = 0; i < 100000; ++i) chain += " + 1";
  r = ParseExpression(chain);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested too deeply"), std::string::npos);

  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "NOT ";
  EXPECT_FALSE(ParseExpression(nots + "a").ok());
  std::string subs = "SELECT " + std::string(5000, '(') + "SELECT 1";
  EXPECT_FALSE(Parse(subs).ok());
  std::string joins = "SELECT * FROM a";
  for (int i = 0; i < 5000; ++i) joins += " JOIN b ON TRUE";
  EXPECT_FALSE(Parse(joins).ok());

  // Moderate nesting is fine.
  EXPECT_TRUE(ParseExpression(std::string(50, '(') + "1" + std::string(50, ')')).ok());
}

}  // namespace
}  // namespace laminar::sql
