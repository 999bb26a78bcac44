// Round trip: parse → ToSql → parse gives an equal AST, for every statement and expression form.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sql/parser/parser.h"

namespace laminar::sql {
namespace {

const std::vector<std::string>& Corpus() {
  static const std::vector<std::string> kCorpus = {
      // CREATE SOURCE
      "CREATE SOURCE trades (symbol VARCHAR NOT NULL, price DOUBLE, volume BIGINT, ts TIMESTAMP, "
      "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)",
      "CREATE OR REPLACE SOURCE IF NOT EXISTS s (a INT DEFAULT 0, b TEXT NULL, WATERMARK FOR ts "
      "AS PROCTIME(), ts TIMESTAMP)",
      "CREATE SOURCE s (ts TIMESTAMP, WATERMARK FOR ts)",
      "CREATE SOURCE s (ts TIMESTAMP, WATERMARK FOR ts AS ts)",
      "CREATE SOURCE k FROM KAFKA (brokers = 'localhost:9092', 'group.id' = 'g', topic = 't') "
      "FORMAT JSON (id BIGINT, ts TIMESTAMP)",
      "CREATE SOURCE k (id BIGINT) FROM POSTGRES_CDC ('hostname' = 'h', port = 5432) FORMAT "
      "DEBEZIUM_JSON WITH ('schema.registry' = 'x') WITH ('buffer_size' = '1024')",
      "CREATE SOURCE k (id BIGINT, *) FROM KAFKA ('topic' = 't')",
      "CREATE SOURCE k (id BIGINT, * PREFIX 'raw_') FROM KAFKA ('topic' = 't')",
      "CREATE SOURCE k SCHEMA (id BIGINT) WITH ('connector' = 'kafka', track_stats = true)",
      "CREATE SOURCE wide (a TINYINT, b SMALLINT, c INTEGER, d FLOAT, e REAL, f DOUBLE "
      "PRECISION, g DECIMAL(10, 2), h NUMERIC(38), i VARCHAR(255), j STRING, k CHAR, l "
      "VARBINARY, m BYTEA, n BLOB, o DATE, p TIME, q TIMESTAMP(3), r INTERVAL, s JSON, t JSONB, "
      "u ARRAY<INT>, v INT[], w STRUCT<x INT, y ARRAY<TEXT>>, x MAP<TEXT, BIGINT>, y BOOLEAN, "
      "z TIMESTAMP WITH TIME ZONE, zz CHARACTER VARYING(3), zzz INT[][])",
      // CREATE STREAM / MV / CONTINUOUS QUERY
      "CREATE STREAM vwap AS SELECT symbol, SUM(price * volume) / SUM(volume) AS vwap, "
      "TUMBLE(ts, INTERVAL '1' MINUTE) AS w FROM trades GROUP BY symbol, TUMBLE(ts, INTERVAL "
      "'1' MINUTE) EMIT ON WINDOW CLOSE",
      "CREATE OR REPLACE STREAM IF NOT EXISTS s AS SELECT * FROM t EMIT CHANGES WITH "
      "('retain_history' = '64mb')",
      "CREATE MATERIALIZED VIEW mv AS SELECT k, COUNT(*) FROM t GROUP BY k EMIT ON UPDATE",
      "CREATE CONTINUOUS QUERY q AS SELECT * FROM t WHERE x > 1",
      "CREATE STREAM s AS SELECT a FROM t GROUP BY a EMIT AFTER WATERMARK",
      "CREATE STREAM s AS SELECT a FROM t GROUP BY a EMIT ON WATERMARK",
      "CREATE STREAM s AS SELECT a FROM t GROUP BY a EMIT EVERY INTERVAL '5' SECOND",
      "CREATE STREAM s AS SELECT a FROM t GROUP BY a EMIT PERIODICALLY INTERVAL '10' SECOND",
      "CREATE STREAM s AS SELECT a FROM t GROUP BY a EMIT FINAL",
      "CREATE STREAM s AS SELECT a FROM t GROUP BY a HAVING COUNT(*) > 1 ALLOW LATENESS "
      "INTERVAL '5' SECOND EMIT ON WINDOW CLOSE LATE DATA TO late_sink",
      "CREATE STREAM s AS SELECT a FROM t GROUP BY a EMIT ON WINDOW CLOSE ALLOW LATENESS "
      "INTERVAL '1' MINUTE LATE DATA TO x",
      // CREATE SINK
      "CREATE SINK out FROM vwap INTO KAFKA (topic = 'out', 'bootstrap.servers' = 'b:9092') "
      "FORMAT JSON",
      "CREATE OR REPLACE SINK IF NOT EXISTS out FROM (SELECT * FROM s WHERE x > 1) WHERE y = 2 "
      "INTO DELTA_LAKE ('path' = '/tmp/x') FORMAT AVRO WITH ('schema' = 's') WITH ('a' = 'b')",
      "CREATE SINK out FROM vwap WITH ('connector' = 'stdout')",
      // CREATE TABLE / LOOKUP TABLE
      "CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR, price DOUBLE)",
      "CREATE TABLE rates (c VARCHAR, r DOUBLE, v TIMESTAMP, PRIMARY KEY (c), WATERMARK FOR v)",
      "CREATE TABLE t (a INT, b INT, c TEXT, PRIMARY KEY (a, b)) WITH ('connector' = "
      "'postgres', 'cache_mode' = 'partial', cache_max_entries = 1000)",
      "CREATE OR REPLACE LOOKUP TABLE IF NOT EXISTS cust (id BIGINT, name TEXT, PRIMARY KEY "
      "(id)) WITH ('connector' = 'postgres', 'strategy' = 'poll')",
      // DROP / ALTER
      "DROP SOURCE s",
      "DROP SINK IF EXISTS s CASCADE",
      "DROP STREAM s",
      "DROP MATERIALIZED VIEW IF EXISTS mv",
      "DROP TABLE t",
      "DROP LOOKUP TABLE IF EXISTS t",
      "ALTER SOURCE s ADD COLUMN c BIGINT",
      "ALTER SOURCE s ADD c VARCHAR NOT NULL",
      "ALTER SOURCE s SET ('buffer_size' = '4096', backpressure = 'block')",
      "ALTER SOURCE s ADVANCE WATERMARK TO TIMESTAMP '2024-01-01 00:00:00'",
      // INSERT
      "INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b''c', -3e10)",
      "INSERT INTO t (a, b) VALUES (1, NULL)",
      "INSERT INTO t SELECT * FROM u WHERE x IS NOT NULL",
      "INSERT INTO t (a) (SELECT 1)",
      // SHOW / DESCRIBE / EXPLAIN / misc
      "SHOW SOURCES",
      "SHOW SINKS",
      "SHOW STREAMS",
      "SHOW MATERIALIZED VIEWS",
      "SHOW TABLES",
      "SHOW LOOKUP TABLES",
      "SHOW QUERIES",
      "SHOW CHECKPOINT STATUS",
      "SHOW CREATE SOURCE s",
      "SHOW CREATE SINK s",
      "SHOW CREATE STREAM s",
      "SHOW CREATE MATERIALIZED VIEW v",
      "SHOW CREATE TABLE t",
      "DESCRIBE s",
      "DESCRIBE EXTENDED s",
      "DESC s",
      "DESCRIBE extended",
      "EXPLAIN SELECT 1",
      "EXPLAIN ANALYZE SELECT * FROM t",
      "EXPLAIN CREATE STREAM s AS SELECT * FROM t",
      "CHECKPOINT",
      "RESTORE FROM CHECKPOINT 42",
      "SYNC",
      "SET k = 'v'",
      "SET a.b TO 10",
      "SET x = on",
      "SET \"Weird.Name\" = 1",
      "SUBSCRIBE vwap",
      "SUBSCRIBE vwap AS OF EPOCH 7 WHERE symbol = 'A' WITH ('x' = 'y')",
      "DECLARE c CURSOR FOR SUBSCRIBE v",
      "DECLARE c NO SCROLL CURSOR WITHOUT HOLD FOR SUBSCRIBE v AS OF EPOCH 3 WHERE a > 1",
      "FETCH NEXT FROM c",
      "FETCH FORWARD 10 FROM c",
      "FETCH 5 FROM c",
      "FETCH FROM c",
      "FETCH FORWARD FROM c",
      "CLOSE c",
      "CLOSE ALL",
      // Queries
      "SELECT 1",
      "SELECT DISTINCT a, b AS bb, c cc, * FROM t",
      "SELECT t.*, s.x.* FROM t, s",
      "SELECT a FROM t AS x (a, b)",
      "SELECT * FROM (SELECT 1 AS a) sub",
      "SELECT * FROM ((SELECT 1) UNION (SELECT 2)) u",
      "SELECT x FROM UNNEST(ARRAY[1, 2, 3]) AS t (x)",
      "SELECT o.id, u.x FROM orders o, UNNEST(o.items) AS u (x)",
      "SELECT o.id, u.x, u.n FROM orders o CROSS JOIN UNNEST(o.items) WITH ORDINALITY AS u (x, "
      "n)",
      "SELECT * FROM UNNEST(ARRAY[1], ARRAY['a']) WITH ORDINALITY",
      "SELECT * FROM t LEFT JOIN UNNEST(t.a) AS u (x) ON TRUE",
      "SELECT * FROM a JOIN b ON a.k = b.k",
      "SELECT * FROM a INNER JOIN b USING (k, j)",
      "SELECT * FROM a LEFT JOIN b ON a.k = b.k LEFT OUTER JOIN c ON c.k = a.k",
      "SELECT * FROM a RIGHT JOIN b ON TRUE RIGHT OUTER JOIN c ON TRUE",
      "SELECT * FROM a FULL JOIN b ON a.k = b.k FULL OUTER JOIN c ON TRUE",
      "SELECT * FROM a LEFT SEMI JOIN b ON a.k = b.k LEFT ANTI JOIN c ON a.k = c.k",
      "SELECT * FROM a RIGHT SEMI JOIN b ON a.k = b.k RIGHT ANTI JOIN c ON a.k = c.k",
      "SELECT * FROM a CROSS JOIN b",
      "SELECT * FROM a JOIN (b JOIN c ON b.k = c.k) ON a.k = b.k",
      "SELECT * FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '5' "
      "SECOND",
      "SELECT t.sym, q.bid FROM trades t ASOF JOIN quotes q MATCH_CONDITION(t.ts >= q.ts) ON "
      "t.sym = q.sym",
      "SELECT * FROM trades t ASOF JOIN quotes q MATCH_CONDITION(NEAREST(t.ts, q.ts)) ON t.sym "
      "= q.sym",
      "SELECT * FROM trades t ASOF JOIN quotes q MATCH_CONDITION(t.ts >= q.ts AND t.ts - q.ts "
      "<= INTERVAL '5' SECOND) ON t.sym = q.sym",
      "SELECT * FROM t ASOF JOIN q MATCH_CONDITION(t.ts <= q.ts)",
      "SELECT o.id, p.price FROM orders o JOIN products FOR SYSTEM_TIME AS OF o.ts AS p ON "
      "o.pid = p.id",
      "SELECT * FROM orders o LEFT JOIN products p FOR SYSTEM_TIME AS OF o.ts ON o.pid = p.id",
      "SELECT * FROM trades t TEMPORAL PROBE JOIN prices r ON (sym) TIMESTAMPS (t.ts, r.ts) "
      "LIST (0s, 1s, 5s) AS p",
      "SELECT * FROM trades t TEMPORAL PROBE JOIN prices r ON (sym, venue) TIMESTAMPS (ts, ts) "
      "RANGE FROM 0s TO 30s STEP 5s AS p",
      "SELECT * FROM trades t TEMPORAL PROBE JOIN prices r ON (sym) TIMESTAMPS (t.ts, r.ts) "
      "LIST (-1s, 500ms, 1m, 2h, INTERVAL '3' SECOND) AS p",
      "SELECT a, COUNT(*) FROM t WHERE b > 1 GROUP BY a HAVING COUNT(*) > 2 ORDER BY a DESC "
      "NULLS LAST, 2 ASC NULLS FIRST LIMIT 10 OFFSET 5",
      "SELECT * FROM t GROUP BY HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE), "
      "SESSION(ts, INTERVAL '30' SECOND), CUMULATE(ts, INTERVAL '1' MINUTE, INTERVAL '1' HOUR)",
      "SELECT a FROM t UNION SELECT a FROM u UNION ALL SELECT a FROM v",
      "SELECT a FROM t INTERSECT SELECT a FROM u EXCEPT SELECT a FROM v",
      "SELECT a FROM t UNION SELECT a FROM u INTERSECT SELECT a FROM v",
      "(SELECT 1) UNION (SELECT 2) ORDER BY 1",
      "WITH x AS (SELECT 1 AS a), y (b) AS (SELECT a FROM x) SELECT * FROM y",
      "WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r",
      "VALUES (1, 2), (3, 4)",
      "SELECT * FROM (VALUES (1), (2)) AS v (x)",
      "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b DESC) FROM t",
      "SELECT SUM(x) OVER (ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) FROM t",
      "SELECT AVG(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND "
      "UNBOUNDED FOLLOWING) FROM t",
      "SELECT SUM(x) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND 1 "
      "FOLLOWING) FROM t",
      "SELECT LAG(x, 1) OVER (ROWS UNBOUNDED PRECEDING), LEAD(x) OVER () FROM t",
      "SELECT COUNT(DISTINCT a), SUM(b) FILTER (WHERE b > 0), STRING_AGG(c, ',' ORDER BY d "
      "DESC) FROM t",
      "SELECT COUNT(*) FILTER (WHERE x) OVER (PARTITION BY y) FROM t",
      "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v) FILTER (WHERE v > 0), "
      "PERCENTILE_DISC(0.9) WITHIN GROUP (ORDER BY a + b) FROM t",
      "SELECT key, value, ts, date, time, timestamp, window_start, window_end, count, first, "
      "last, source, stream, name, type, status, level, data, text, interval FROM t",
      "SELECT offset, key.value FROM t",
      "SELECT \"Mixed Case\", \"select\", \"a\"\"b\" FROM \"My Table\"",
      "SELECT $1, $2 + 1",
      "SELECT CURRENT_TIMESTAMP, CURRENT_DATE, NOW(), current_timestamp()",
      "SELECT LOCALTIMESTAMP, CURRENT_TIME, LOCALTIME FROM t WHERE ts < CURRENT_TIMESTAMP",
      "SELECT POSITION('b' IN s), SUBSTRING(s FROM 2 FOR 3), TRIM(LEADING 'x' FROM s) FROM t",
      "SELECT a FROM t INTERSECT SELECT a FROM u EXCEPT ALL SELECT a FROM v",
      "SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE u.c = t.c) AND NOT EXISTS (SELECT 1 "
      "FROM v WHERE v.a = t.a) AND a > (SELECT MAX(b) FROM u)",
  };
  return kCorpus;
}

const std::vector<std::string>& ExprCorpus() {
  static const std::vector<std::string> kCorpus = {
      "1",
      "[1, 2 + 3, [4]][1]",
      "123456789012345678901234567890",
      "1.50",
      ".5",
      "1.5e10",
      "2E-3",
      "'it''s'",
      "E'a\\nb\\tc\\\\'",
      "TRUE",
      "FALSE",
      "NULL",
      "TIMESTAMP '2024-01-01 00:00:00'",
      "DATE '2024-01-01'",
      "TIME '12:00:00'",
      "INTERVAL '5' SECOND",
      "INTERVAL '5 seconds'",
      "INTERVAL '1' DAY",
      "INTERVAL 5 MINUTES",
      "INTERVAL '1:30' HOUR TO MINUTE",
      "a + b * c - d / e % f",
      "a ^ b ^ c",
      "-x ^ 2",
      "-(x ^ 2)",
      "- -x",
      "-(-x)",
      "+x",
      "a - -b",
      "a || b || 'c'",
      "a = b",
      "a <> b",
      "a != b",
      "a < b",
      "a <= b",
      "a > b",
      "a >= b",
      "a AND b OR c AND NOT d",
      "NOT a = b",
      "(NOT a) = b",
      "a IS NULL",
      "a IS NOT NULL",
      "a IS TRUE",
      "a IS NOT FALSE",
      "a IS UNKNOWN",
      "a IS DISTINCT FROM b",
      "a IS NOT DISTINCT FROM b + 1",
      "a = b IS NULL",
      "a IN (1, 2, 3)",
      "a NOT IN ('x')",
      "a IN (SELECT x FROM t)",
      "a NOT IN (SELECT x FROM t)",
      "a BETWEEN 1 AND 2",
      "a NOT BETWEEN b + 1 AND c * 2",
      "x BETWEEN 1 AND 2 AND y",
      "a LIKE 'x%'",
      "a NOT LIKE 'x%' ESCAPE '!'",
      "a ILIKE 'x'",
      "a NOT ILIKE 'x'",
      "CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END",
      "CASE a WHEN 1 THEN 'one' END",
      "CAST(x AS BIGINT)",
      "TRY_CAST(x AS DECIMAL(10, 2))",
      "x::INT",
      "x::VARCHAR(10)[]",
      "(-x)::INT",
      "EXTRACT(YEAR FROM ts)",
      "POSITION('x' IN s)",
      "POSITION(a || b IN c || d)",
      "POSITION((a = b) IN s)",
      "position(s, 'x')",
      "SUBSTRING(s FROM 2)",
      "SUBSTRING(s FROM i + 1 FOR n * 2)",
      "SUBSTRING(s FOR 3)",
      "substring(s, 1, 2)",
      "TRIM(s)",
      "TRIM(BOTH FROM s)",
      "TRIM('x' FROM s)",
      "TRIM(LEADING 'x' FROM s)",
      "TRIM(TRAILING FROM s || 'a')",
      "trim(s, 'x')",
      "trim(both)",
      "EXTRACT(DOW FROM CURRENT_TIMESTAMP)",
      "EXTRACT(EPOCH FROM ts) * 1000",
      "f()",
      "COUNT(*)",
      "f(DISTINCT x, y)",
      "ARRAY[1, 2, 3]",
      "ARRAY[]",
      "a[1]",
      "a[1][2]",
      "a['k']",
      "j -> 'a' ->> 'b'",
      "t.a.b",
      "\"Quoted\".\"Col\"",
      "(SELECT MAX(x) FROM t)",
      "EXISTS (SELECT 1)",
      "NOT EXISTS (SELECT 1 FROM t WHERE t.a = b)",
      "((a + b)) * c",
      "a - (b - c)",
      "a / (b * c)",
      "(a = b) = c",
      "a = (b = c)",
      "(a OR b) AND c",
      "1 + (SELECT 1)",
      "((SELECT 1) + 1)",
      "x IN ((SELECT 1))",
      "tumble(ts, INTERVAL '1' MINUTE)",
      "CAST(x AS ARRAY<STRUCT<a INT, \"B\" TEXT>>)",
      "CAST(x AS MAP<TEXT, INT>)",
      "left('abc', 2)",
      "\"left\"(x)",
      "date(ts)",
      "a NOT LIKE b IS NULL",
      "NOT a IN (1)",
      "(a BETWEEN 1 AND 2) BETWEEN (3 = 3) AND 4",
  };
  return kCorpus;
}

class StatementRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(StatementRoundTrip, ParseUnparseParse) {
  const std::string& sql = GetParam();
  auto first = ParseOne(sql);
  ASSERT_TRUE(first.ok()) << sql << "\n" << first.status().ToString();
  std::string text = ToSql(**first);
  auto second = ParseOne(text);
  ASSERT_TRUE(second.ok()) << "unparsed: " << text << "\n" << second.status().ToString();
  EXPECT_TRUE(Equals(**first, **second))
      << "original: " << sql << "\nunparsed: " << text << "\nagain:    " << ToSql(**second);
  // Unparsing is a fixed point after one round.
  EXPECT_EQ(text, ToSql(**second));
}

INSTANTIATE_TEST_SUITE_P(Corpus, StatementRoundTrip, ::testing::ValuesIn(Corpus()));

class ExprRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(ExprRoundTrip, ParseUnparseParse) {
  const std::string& sql = GetParam();
  auto first = ParseExpression(sql);
  ASSERT_TRUE(first.ok()) << sql << "\n" << first.status().ToString();
  std::string text = ToSql(**first);
  auto second = ParseExpression(text);
  ASSERT_TRUE(second.ok()) << "unparsed: " << text << "\n" << second.status().ToString();
  EXPECT_TRUE(Equals(**first, **second)) << "original: " << sql << "\nunparsed: " << text;
  EXPECT_EQ(text, ToSql(**second));
}

INSTANTIATE_TEST_SUITE_P(Corpus, ExprRoundTrip, ::testing::ValuesIn(ExprCorpus()));

TEST(RoundTripTest, EqualsDetectsDifferences) {
  auto a = ParseExpression("a + b");
  auto b = ParseExpression("a - b");
  auto c = ParseExpression("a + c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_FALSE(Equals(**a, **b));
  EXPECT_FALSE(Equals(**a, **c));
  auto s1 = ParseOne("SELECT a FROM t EMIT CHANGES");
  auto s2 = ParseOne("SELECT a FROM t EMIT FINAL");
  auto s3 = ParseOne("SELECT a FROM t");
  ASSERT_TRUE(s1.ok() && s2.ok() && s3.ok());
  EXPECT_FALSE(Equals(**s1, **s2));
  EXPECT_FALSE(Equals(**s1, **s3));
  // Positions and quoting are ignored.
  auto q1 = ParseOne("SELECT   a FROM t");
  auto q2 = ParseOne("SELECT \"a\"\nFROM T");
  ASSERT_TRUE(q1.ok() && q2.ok());
  EXPECT_TRUE(Equals(**q1, **q2));
}

TEST(RoundTripTest, UnparseIsCanonical) {
  auto s = ParseOne("select a,b from t where x!=1 and not y");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(ToSql(**s), "SELECT a, b FROM t WHERE x <> 1 AND NOT y");
  auto src = ParseOne(
      "create source k from kafka_x (topic='t') format json with ('a'='b') (id int) "
      "with (buffer_size = 10)");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_EQ(ToSql(**src),
            "CREATE SOURCE k (id INT) FROM KAFKA_X ('topic' = 't') WITH ('buffer_size' = 10) "
            "FORMAT JSON WITH ('a' = 'b')");
}

}  // namespace
}  // namespace laminar::sql
