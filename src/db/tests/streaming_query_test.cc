#include "laminar/streaming_query.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "columnar/builder.h"
#include "columnar/scalar.h"

namespace laminar {
namespace {

using columnar::Field;
using columnar::RecordBatchPtr;
using columnar::Scalar;
using columnar::Schema;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kMinute = 60 * kSecond;

columnar::SchemaPtr TradesSchema() {
  return std::make_shared<Schema>(
      std::vector<columnar::FieldPtr>{std::make_shared<Field>("symbol", columnar::utf8()),
                                      std::make_shared<Field>("price", columnar::float64()),
                                      std::make_shared<Field>("qty", columnar::int64()),
                                      std::make_shared<Field>("exchange", columnar::utf8()),
                                      std::make_shared<Field>("ts", columnar::timestamp())});
}

std::vector<QueryInput> Trades() { return {{"trades", TradesSchema(), "ts"}}; }

std::vector<Scalar> Trade(const std::string& sym, double price, int64_t qty,
                          const std::string& exchange, int64_t ts) {
  return {Scalar::String(sym), Scalar::Float64(price), Scalar::Int64(qty), Scalar::String(exchange),
          Scalar::Timestamp(ts)};
}

/// All output rows as "v1|v2|..." strings, in order.
std::vector<std::string> Rows(const std::vector<RecordBatchPtr>& batches) {
  std::vector<std::string> out;
  for (const auto& b : batches) {
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      std::string row;
      for (int c = 0; c < b->num_columns(); ++c) {
        if (c > 0) row += "|";
        row += columnar::GetScalar(*b->column(c), r).ToString();
      }
      out.push_back(row);
    }
  }
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::unique_ptr<StreamingQuery> MustCompile(const std::string& sql, QueryConfig config = {}) {
  auto q = StreamingQuery::Compile(sql, Trades(), config);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return nullptr;
  EXPECT_TRUE((*q)->Start().ok());
  return std::move(*q);
}

std::vector<std::string> Poll(StreamingQuery& q) {
  auto out = q.PollOutput();
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? Rows(*out) : std::vector<std::string>{};
}

// Parameterised over the bridge batch size (1, 3, default) and the row program on/off, because
// batch boundaries and the two Ring 0 paths are where streaming bugs hide.
struct Param {
  int64_t batch_rows;
  bool jit;
};

class StreamingQueryTest : public ::testing::TestWithParam<Param> {
 protected:
  QueryConfig Config() const {
    QueryConfig c;
    c.max_batch_rows = GetParam().batch_rows;
    c.jit_enabled = GetParam().jit;
    return c;
  }
};

INSTANTIATE_TEST_SUITE_P(BatchAndJit, StreamingQueryTest,
                         ::testing::Values(Param{1, true}, Param{3, true}, Param{1024, true},
                                           Param{1, false}, Param{3, false}, Param{1024, false}),
                         [](const auto& param_info) {
                           return "batch" + std::to_string(param_info.param.batch_rows) +
                                  (param_info.param.jit ? "_jit" : "_interp");
                         });

// --- compile ---------------------------------------------------------------------------------

TEST(StreamingQueryCompile, SimpleQueryIsReadyWithMetadata) {
  auto q = StreamingQuery::Compile("SELECT symbol, price FROM trades WHERE qty > 10", Trades());
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ((*q)->state(), QueryState::kReady);
  EXPECT_STREQ(QueryStateName((*q)->state()), "Ready");
  const auto& md = (*q)->metadata();
  EXPECT_EQ(md.compiled_pipeline_count, 1u);
  EXPECT_EQ(md.fallback_pipeline_count, 0u);
  EXPECT_EQ(md.ring1_operator_count, 0u);
  EXPECT_TRUE(md.jit_enabled);
  EXPECT_GE(md.plan_time.count(), 0);
  EXPECT_EQ((*q)->output_schema()->num_fields(), 2);
  EXPECT_EQ((*q)->output_schema()->field(1)->name, "price");
  EXPECT_EQ((*q)->sql(), "SELECT symbol, price FROM trades WHERE qty > 10");
  EXPECT_NE((*q)->id().value, 0u);
}

TEST(StreamingQueryCompile, SameSqlSameId) {
  auto a = StreamingQuery::Compile("SELECT symbol FROM trades", Trades());
  auto b = StreamingQuery::Compile("SELECT symbol FROM trades", Trades());
  auto c = StreamingQuery::Compile("SELECT price FROM trades", Trades());
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ((*a)->id(), (*b)->id());
  EXPECT_FALSE((*a)->id() == (*c)->id());
}

TEST(StreamingQueryCompile, ComplexQueryHasRing1) {
  auto q = StreamingQuery::Compile(
      "SELECT symbol, AVG(price) AS avg_price, COUNT(*) AS n FROM trades "
      "WHERE exchange = 'NYSE' AND qty > 0 "
      "GROUP BY symbol, TUMBLE(ts, INTERVAL '1' MINUTE) HAVING COUNT(*) > 1 "
      "EMIT ON WINDOW CLOSE",
      Trades());
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_GE((*q)->metadata().ring1_operator_count, 1u);
  EXPECT_EQ((*q)->metadata().compiled_pipeline_count, 1u);
}

TEST(StreamingQueryCompile, JitDisabledFallsBack) {
  QueryConfig config;
  config.jit_enabled = false;
  auto q = StreamingQuery::Compile("SELECT symbol FROM trades WHERE qty > 10", Trades(), config);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ((*q)->metadata().compiled_pipeline_count, 0u);
  EXPECT_EQ((*q)->metadata().fallback_pipeline_count, 1u);
  EXPECT_EQ((*q)->metadata().fallback_reason, "JIT disabled");
  EXPECT_EQ((*q)->Metrics().pipelines_fallback, 1u);
}

TEST(StreamingQueryCompile, UnsupportedExpressionFallsBackWithReason) {
  auto q = StreamingQuery::Compile("SELECT UPPER(symbol) AS s FROM trades", Trades());
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ((*q)->metadata().fallback_pipeline_count, 1u);
  EXPECT_NE((*q)->metadata().fallback_reason.find("upper"), std::string::npos)
      << (*q)->metadata().fallback_reason;
}

TEST(StreamingQueryCompile, InvalidSqlReportsPosition) {
  auto q = StreamingQuery::Compile("SELEC symbol FROM trades", Trades());
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().ToString().find("LDB-"), std::string::npos);
}

TEST(StreamingQueryCompile, UnknownColumnAndInput) {
  auto a = StreamingQuery::Compile("SELECT nope FROM trades", Trades());
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("nope"), std::string::npos);
  auto b = StreamingQuery::Compile("SELECT x FROM other", Trades());
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("other"), std::string::npos);
}

TEST(StreamingQueryCompile, RejectsNonQueriesAndBadConfig) {
  EXPECT_FALSE(StreamingQuery::Compile("CREATE SOURCE x (a BIGINT)", Trades()).ok());
  EXPECT_FALSE(
      StreamingQuery::Compile("SELECT 1 FROM trades; SELECT 2 FROM trades", Trades()).ok());
  QueryConfig bad;
  bad.max_batch_rows = 0;
  EXPECT_FALSE(StreamingQuery::Compile("SELECT symbol FROM trades", Trades(), bad).ok());
  auto wrong_ts =
      StreamingQuery::Compile("SELECT symbol FROM trades", {{"trades", TradesSchema(), "no_such"}});
  ASSERT_FALSE(wrong_ts.ok());
  EXPECT_NE(wrong_ts.status().message().find("no_such"), std::string::npos);
}

TEST(StreamingQueryCompile, JoinIsNotImplemented) {
  std::vector<QueryInput> inputs = Trades();
  inputs.push_back({"quotes", TradesSchema(), "ts"});
  auto q = StreamingQuery::Compile(
      "SELECT t.symbol FROM trades t JOIN quotes q ON t.symbol = q.symbol", inputs);
  ASSERT_FALSE(q.ok());
}

// --- lifecycle ---------------------------------------------------------------------------------

TEST(StreamingQueryLifecycle, StateMachine) {
  auto r = StreamingQuery::Compile("SELECT symbol FROM trades", Trades());
  ASSERT_TRUE(r.ok());
  auto& q = **r;
  // Ready: no events yet.
  Status st = q.Submit(Trade("A", 1, 1, "NYSE", 0));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("Ready"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("Start()"), std::string::npos);
  ASSERT_TRUE(q.Start().ok());
  EXPECT_EQ(q.state(), QueryState::kRunning);
  ASSERT_TRUE(q.Start().ok());  // idempotent
  ASSERT_TRUE(q.Submit(Trade("A", 1, 1, "NYSE", 0)).ok());
  ASSERT_TRUE(q.Pause().ok());
  EXPECT_EQ(q.state(), QueryState::kPaused);
  EXPECT_FALSE(q.Submit(Trade("B", 1, 1, "NYSE", 0)).ok());
  EXPECT_FALSE(q.Pause().ok());
  ASSERT_TRUE(q.Start().ok());  // resume
  ASSERT_TRUE(q.Submit(Trade("C", 1, 1, "NYSE", 0)).ok());
  ASSERT_TRUE(q.Stop().ok());
  EXPECT_EQ(q.state(), QueryState::kStopped);
  EXPECT_STREQ(QueryStateName(q.state()), "Stopped");
  // Stop flushed the bridge; output is still there.
  EXPECT_EQ(Poll(q), (std::vector<std::string>{"A", "C"}));
  EXPECT_FALSE(q.Submit(Trade("D", 1, 1, "NYSE", 0)).ok());
  Status restart = q.Start();
  ASSERT_FALSE(restart.ok());
  EXPECT_NE(restart.message().find("Stopped"), std::string::npos);
  EXPECT_TRUE(q.Stop().ok());  // idempotent
}

// --- submit ------------------------------------------------------------------------------------

TEST_P(StreamingQueryTest, FilterPassAndFail) {
  auto q =
      MustCompile("SELECT symbol, qty FROM trades WHERE qty > 10 AND exchange = 'NYSE'", Config());
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Submit(Trade("A", 1, 5, "NYSE", 0)).ok());
  ASSERT_TRUE(q->Submit(Trade("B", 1, 50, "NYSE", 0)).ok());
  ASSERT_TRUE(q->Submit(Trade("C", 1, 50, "LSE", 0)).ok());
  ASSERT_TRUE(q->Submit(Trade("D", 1, 11, "NYSE", 0)).ok());
  EXPECT_EQ(Poll(*q), (std::vector<std::string>{"B|50", "D|11"}));
  auto m = q->Metrics();
  EXPECT_EQ(m.ring0_events_in, 4u);
  EXPECT_EQ(m.ring0_events_out, 2u);
  EXPECT_EQ(m.ring0_events_dropped, 2u);
  EXPECT_EQ(m.ring1_events_out, 2u);
  EXPECT_EQ(m.bridge_pending, 0u);
  EXPECT_TRUE(Poll(*q).empty());
}

TEST_P(StreamingQueryTest, ProjectionExpressionsAndNulls) {
  auto q = MustCompile(
      "SELECT symbol, price * CAST(qty AS DOUBLE) AS notional, qty + 1 AS q1, "
      "price IS NULL AS no_price FROM trades",
      Config());
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Submit(Trade("A", 2.5, 4, "NYSE", 0)).ok());
  std::vector<Scalar> with_null = Trade("B", 0, 7, "NYSE", 0);
  with_null[1] = Scalar::Null(columnar::float64());
  ASSERT_TRUE(q->Submit(with_null).ok());
  EXPECT_EQ(Poll(*q), (std::vector<std::string>{"A|10|5|false", "B|NULL|8|true"}));
}

// UNNEST in the SELECT list expands each row into one row per element (no elements: no row).
TEST_P(StreamingQueryTest, UnnestExpandsRows) {
  auto q = MustCompile(
      "SELECT symbol, UNNEST(make_array(qty, qty * 2)) AS q FROM trades WHERE qty > 1", Config());
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Submit(Trade("A", 1, 5, "NYSE", 0)).ok());
  ASSERT_TRUE(q->Submit(Trade("B", 1, 1, "NYSE", 0)).ok());
  ASSERT_TRUE(q->Submit(Trade("C", 1, 7, "NYSE", 0)).ok());
  EXPECT_EQ(Poll(*q), (std::vector<std::string>{"A|5", "A|10", "C|7", "C|14"}));
}

TEST_P(StreamingQueryTest, ThreeValuedLogicMatchesSql) {
  // NULL qty: `qty > 10` is NULL, so the row is dropped; `OR exchange = 'X'` rescues it.
  auto q = MustCompile("SELECT symbol FROM trades WHERE qty > 10 OR exchange = 'X'", Config());
  ASSERT_NE(q, nullptr);
  std::vector<Scalar> a = Trade("A", 1, 0, "NYSE", 0);
  a[2] = Scalar::Null(columnar::int64());
  std::vector<Scalar> b = Trade("B", 1, 0, "X", 0);
  b[2] = Scalar::Null(columnar::int64());
  ASSERT_TRUE(q->Submit(a).ok());
  ASSERT_TRUE(q->Submit(b).ok());
  ASSERT_TRUE(q->Submit(Trade("C", 1, 11, "NYSE", 0)).ok());
  EXPECT_EQ(Poll(*q), (std::vector<std::string>{"B", "C"}));
}

TEST_P(StreamingQueryTest, ValuesAreConvertedToColumnTypes) {
  auto q = MustCompile("SELECT price FROM trades", Config());
  ASSERT_NE(q, nullptr);
  std::vector<Scalar> row = Trade("A", 0, 1, "NYSE", 0);
  row[1] = Scalar::Int64(7);  // integer for a DOUBLE column
  ASSERT_TRUE(q->Submit(row).ok());
  auto out = q->PollOutput();
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0]->column(0)->type()->id(), columnar::TypeId::kFloat64);
  EXPECT_EQ(Rows(*out), (std::vector<std::string>{"7"}));
}

TEST_P(StreamingQueryTest, WrongArityIsSchemaMismatch) {
  auto q = MustCompile("SELECT symbol FROM trades", Config());
  ASSERT_NE(q, nullptr);
  Status st = q->Submit({Scalar::String("A")});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), ErrorCode::kSchemaMismatch);
  EXPECT_NE(st.message().find("trades"), std::string::npos);
}

TEST_P(StreamingQueryTest, OverflowErrorIsTheInterpreters) {
  auto q = MustCompile("SELECT qty * qty AS sq FROM trades", Config());
  ASSERT_NE(q, nullptr);
  Status st = q->Submit(Trade("A", 1, int64_t{1} << 40, "NYSE", 0));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("overflow"), std::string::npos) << st.message();
  ASSERT_TRUE(q->Submit(Trade("A", 1, 3, "NYSE", 0)).ok());
  EXPECT_EQ(Poll(*q), (std::vector<std::string>{"9"}));
}

TEST_P(StreamingQueryTest, SubmitAndSubmitBatchKeepOrder) {
  auto q = MustCompile("SELECT symbol, qty FROM trades WHERE qty > 0", Config());
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "NYSE", 0)).ok());
  auto batch = std::make_shared<const columnar::RecordBatch>(
      TradesSchema(), 3,
      std::vector<columnar::ArrayPtr>{
          columnar::MakeStringArray({"B", "C", "D"}), columnar::MakeFloat64Array({1, 2, 3}),
          columnar::MakeInt64Array({2, 0, 4}), columnar::MakeStringArray({"X", "X", "X"}),
          columnar::MakeTimestampArray({0, 0, 0})});
  ASSERT_TRUE(q->SubmitBatch(batch).ok());
  ASSERT_TRUE(q->Submit(Trade("E", 1, 5, "NYSE", 0)).ok());
  EXPECT_EQ(Poll(*q), (std::vector<std::string>{"A|1", "B|2", "D|4", "E|5"}));
  EXPECT_EQ(q->Metrics().ring0_events_in, 5u);
  EXPECT_EQ(q->Metrics().ring0_events_dropped, 1u);
}

TEST_P(StreamingQueryTest, SubmitBatchChecksTypes) {
  auto q = MustCompile("SELECT symbol FROM trades", Config());
  ASSERT_NE(q, nullptr);
  auto bad = std::make_shared<const columnar::RecordBatch>(
      TradesSchema(), 1,
      std::vector<columnar::ArrayPtr>{
          columnar::MakeStringArray({"B"}), columnar::MakeInt64Array({1}),  // price as BIGINT
          columnar::MakeInt64Array({2}), columnar::MakeStringArray({"X"}),
          columnar::MakeTimestampArray({0})});
  Status st = q->SubmitBatch(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), ErrorCode::kSchemaMismatch);
  EXPECT_NE(st.message().find("price"), std::string::npos);
}

// --- windows / Ring 1 -----------------------------------------------------------------------

TEST_P(StreamingQueryTest, TumblingWindowAverageOnWatermark) {
  auto q = MustCompile(
      "SELECT symbol, AVG(price) AS avg_price, COUNT(*) AS n FROM trades "
      "WHERE exchange = 'NYSE' "
      "GROUP BY symbol, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE",
      Config());
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Submit(Trade("AAPL", 10, 1, "NYSE", 5 * kSecond)).ok());
  ASSERT_TRUE(q->Submit(Trade("AAPL", 20, 1, "NYSE", 30 * kSecond)).ok());
  ASSERT_TRUE(q->Submit(Trade("MSFT", 5, 1, "NYSE", 40 * kSecond)).ok());
  ASSERT_TRUE(q->Submit(Trade("AAPL", 99, 1, "LSE", 41 * kSecond)).ok());  // filtered out
  ASSERT_TRUE(q->Submit(Trade("AAPL", 30, 1, "NYSE", kMinute + kSecond)).ok());
  // No window closed yet.
  EXPECT_TRUE(Poll(*q).empty());
  ASSERT_TRUE(q->AdvanceWatermark(kMinute).ok());
  auto rows = Sorted(Poll(*q));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].substr(0, 5), "AAPL|");
  EXPECT_NE(rows[0].find("|15|2"), std::string::npos) << rows[0];
  EXPECT_NE(rows[1].find("|5|1"), std::string::npos) << rows[1];
  // Lower watermark: ignored.
  ASSERT_TRUE(q->AdvanceWatermark(kSecond).ok());
  EXPECT_EQ(q->watermark(), kMinute);
  ASSERT_TRUE(q->AdvanceWatermark(2 * kMinute).ok());
  rows = Poll(*q);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].find("|30|1"), std::string::npos) << rows[0];
  auto m = q->Metrics();
  EXPECT_EQ(m.ring0_events_dropped, 1u);
  EXPECT_GE(m.ring1_batches_processed, 1u);
  EXPECT_EQ(m.ring1_events_out, 3u);
}

TEST_P(StreamingQueryTest, RunningAggregateOnUpdate) {
  auto q = MustCompile("SELECT symbol, SUM(qty) AS total FROM trades GROUP BY symbol", Config());
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 0)).ok());
  ASSERT_TRUE(q->Submit(Trade("A", 1, 2, "X", 0)).ok());
  auto rows = Poll(*q);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.back(), "A|3");
}

TEST_P(StreamingQueryTest, ChangelogOutputHasWeightColumn) {
  auto q = MustCompile("SELECT symbol, SUM(qty) AS total FROM trades GROUP BY symbol EMIT CHANGES",
                       Config());
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->output_schema()->field(q->output_schema()->num_fields() - 1)->name, "__weight");
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 0)).ok());
  ASSERT_TRUE(q->PollOutput().ok());
  ASSERT_TRUE(q->Submit(Trade("A", 1, 2, "X", 0)).ok());
  auto rows = Sorted(Poll(*q));
  EXPECT_EQ(rows, (std::vector<std::string>{"A|1|-1", "A|3|1"}));
}

TEST_P(StreamingQueryTest, TopNPerPartitionAsChangelog) {
  auto q = MustCompile(
      "SELECT symbol, price FROM (SELECT symbol, price, ROW_NUMBER() OVER (PARTITION BY symbol "
      "ORDER BY price DESC) AS rn FROM trades) WHERE rn <= 2 EMIT CHANGES",
      Config());
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 0)).ok());
  ASSERT_TRUE(q->Submit(Trade("A", 3, 1, "X", 0)).ok());
  ASSERT_TRUE(q->Submit(Trade("B", 5, 1, "X", 0)).ok());
  EXPECT_EQ(Sorted(Poll(*q)), (std::vector<std::string>{"A|1|1", "A|3|1", "B|5|1"}));
  // A third, higher price for A pushes 1 out of the top 2.
  ASSERT_TRUE(q->Submit(Trade("A", 2, 1, "X", 0)).ok());
  EXPECT_EQ(Sorted(Poll(*q)), (std::vector<std::string>{"A|1|-1", "A|2|1"}));
}

TEST_P(StreamingQueryTest, SessionWindowCount) {
  auto q = MustCompile(
      "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol, SESSION(ts, INTERVAL '10' "
      "SECOND) EMIT ON WINDOW CLOSE",
      Config());
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 0)).ok());
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 5 * kSecond)).ok());
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 40 * kSecond)).ok());
  ASSERT_TRUE(q->AdvanceWatermark(30 * kSecond).ok());
  auto rows = Poll(*q);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].substr(0, 2), "A|");
  EXPECT_EQ(rows[0].substr(rows[0].size() - 2), "|2");
}

// --- checkpoint / restore -------------------------------------------------------------------

TEST_P(StreamingQueryTest, CheckpointRestoreReproducesOutput) {
  const std::string sql =
      "SELECT symbol, SUM(qty) AS total FROM trades GROUP BY symbol, TUMBLE(ts, INTERVAL '1' "
      "MINUTE) EMIT ON WINDOW CLOSE";
  auto q = MustCompile(sql, Config());
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Submit(Trade("A", 1, 3, "X", kSecond)).ok());
  ASSERT_TRUE(q->Submit(Trade("B", 1, 4, "X", 2 * kSecond)).ok());
  ASSERT_TRUE(q->AdvanceWatermark(kSecond).ok());
  auto image = q->Checkpoint();
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  ASSERT_TRUE(q->Submit(Trade("A", 1, 10, "X", 3 * kSecond)).ok());
  ASSERT_TRUE(q->AdvanceWatermark(kMinute).ok());
  auto expected = Sorted(Poll(*q));
  ASSERT_EQ(expected.size(), 2u);

  auto r = StreamingQuery::Compile(sql, Trades(), Config());
  ASSERT_TRUE(r.ok());
  auto& restored = **r;
  ASSERT_TRUE(restored.Restore(*image).ok());
  EXPECT_EQ(restored.watermark(), kSecond);
  ASSERT_TRUE(restored.Start().ok());
  ASSERT_TRUE(restored.Submit(Trade("A", 1, 10, "X", 3 * kSecond)).ok());
  ASSERT_TRUE(restored.AdvanceWatermark(kMinute).ok());
  EXPECT_EQ(Sorted(Poll(restored)), expected);
}

TEST(StreamingQueryCheckpoint, CorruptOrForeignImagesAreRejected) {
  const std::string sql = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol";
  auto q = MustCompile(sql);
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 0)).ok());
  auto image = q->Checkpoint();
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  auto fresh = [&](const std::string& text) {
    auto r = StreamingQuery::Compile(text, Trades());
    EXPECT_TRUE(r.ok());
    return std::move(*r);
  };
  std::string flipped = *image;
  flipped[flipped.size() / 2] ^= 0x40;
  EXPECT_TRUE(fresh(sql)->Restore(flipped).IsCorruption());
  EXPECT_TRUE(fresh(sql)->Restore(image->substr(0, 3)).IsCorruption());
  Status other = fresh("SELECT symbol, COUNT(*) AS c FROM trades GROUP BY symbol")->Restore(*image);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.message().find("same SQL"), std::string::npos);
  // Only a Ready query can be restored; only a started one checkpointed.
  EXPECT_FALSE(q->Restore(*image).ok());
  EXPECT_FALSE(fresh(sql)->Checkpoint().ok());
}

// --- hot swap --------------------------------------------------------------------------------

TEST_P(StreamingQueryTest, SwapCarriesRing1State) {
  auto q = MustCompile(
      "SELECT symbol, SUM(qty) AS total FROM trades WHERE exchange = 'NYSE' GROUP BY symbol, "
      "TUMBLE(ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE",
      Config());
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Submit(Trade("A", 1, 3, "NYSE", kSecond)).ok());
  ASSERT_TRUE(q->Submit(Trade("A", 1, 100, "LSE", kSecond)).ok());  // dropped by v1
  // v2 also accepts LSE; same aggregate, so the open window's state moves over.
  auto v2 = StreamingQuery::Compile(
      "SELECT symbol, SUM(qty) AS total FROM trades WHERE exchange <> 'NONE' GROUP BY symbol, "
      "TUMBLE(ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE",
      Trades(), Config());
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  const QueryId v2_id = (*v2)->id();
  ASSERT_TRUE(q->Swap(std::move(*v2)).ok());
  EXPECT_EQ(q->state(), QueryState::kRunning);
  EXPECT_EQ(q->id(), v2_id);
  ASSERT_TRUE(q->Submit(Trade("A", 1, 5, "LSE", 2 * kSecond)).ok());
  ASSERT_TRUE(q->AdvanceWatermark(kMinute).ok());
  auto rows = Poll(*q);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].substr(rows[0].size() - 2), "|8");  // 3 (before swap) + 5 (after)
  EXPECT_EQ(q->Metrics().ring0_events_in, 3u);          // metrics survive the swap
}

TEST(StreamingQuerySwap, IncompatibleSchemasAreRefused) {
  auto q = MustCompile("SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol");
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 0)).ok());
  auto other_schema = std::make_shared<Schema>(
      std::vector<columnar::FieldPtr>{std::make_shared<Field>("symbol", columnar::utf8())});
  auto v2 = StreamingQuery::Compile("SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol",
                                    {{"trades", other_schema, ""}});
  ASSERT_TRUE(v2.ok());
  Status st = q->Swap(std::move(*v2));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("incompatible schemas"), std::string::npos);
  EXPECT_EQ(st.error_code(), ErrorCode::kSchemaMismatch);
  // The old query keeps running untouched.
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 0)).ok());
  auto rows = Poll(*q);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.back(), "A|2");
}

TEST(StreamingQuerySwap, IncompatibleRing1StateIsRefused) {
  auto q = MustCompile("SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol");
  ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 0)).ok());
  auto v2 = StreamingQuery::Compile(
      "SELECT exchange, SUM(price) AS p, MAX(qty) AS m FROM trades GROUP BY exchange", Trades());
  ASSERT_TRUE(v2.ok());
  Status st = q->Swap(std::move(*v2));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("incompatible schemas"), std::string::npos) << st.message();
  EXPECT_EQ(q->state(), QueryState::kRunning);
}

TEST(StreamingQuerySwap, PreconditionsOnStates) {
  auto q = MustCompile("SELECT symbol FROM trades");
  auto started = MustCompile("SELECT symbol FROM trades");
  EXPECT_FALSE(q->Swap(nullptr).ok());
  EXPECT_FALSE(q->Swap(std::move(started)).ok());  // the new version must be Ready
  auto ready = StreamingQuery::Compile("SELECT symbol FROM trades", Trades());
  ASSERT_TRUE(ready.ok());
  auto fresh = StreamingQuery::Compile("SELECT symbol FROM trades", Trades());
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE((*fresh)->Swap(std::move(*ready)).ok());  // the old one must have started
}

// --- observability -------------------------------------------------------------------------

TEST(StreamingQueryMetrics, BridgeAndLatency) {
  QueryConfig config;
  config.max_batch_rows = 4;
  config.measure_ring0_latency = true;
  auto q = MustCompile("SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol", config);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(q->Submit(Trade("A", 1, 1, "X", 0)).ok());
  auto m = q->Metrics();
  EXPECT_EQ(m.ring0_events_in, 10u);
  EXPECT_EQ(m.bridge_batches_flushed, 2u);  // two full batches of 4
  EXPECT_EQ(m.bridge_pending, 2u);
  EXPECT_EQ(m.ring1_batches_processed, 2u);
  EXPECT_GT(m.ring0_total_ns, 0u);
  EXPECT_GT(m.ring0_p99_ns, 0u);
  EXPECT_EQ(m.pipelines_compiled, 1u);
  auto rows = Poll(*q);
  EXPECT_EQ(rows.back(), "A|10");
  EXPECT_EQ(q->Metrics().bridge_pending, 0u);
  EXPECT_EQ(q->Metrics().bridge_batches_flushed, 3u);
}

}  // namespace
}  // namespace laminar
