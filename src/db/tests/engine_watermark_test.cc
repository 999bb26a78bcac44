// Watermark guards (docs/operations.md, "Watermark guards"): the future-skew guard and the
// idle-source timeout, driven by an injected manual clock so no test sleeps.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>

#include "columnar/builder.h"
#include "columnar/record_batch.h"
#include "columnar/scalar.h"
#include "common/time_util.h"
#include "db/tests/db_test_util.h"
#include "laminar/laminar.hpp"

namespace laminar {
namespace {

using db::testing::Exec;

constexpr int64_t kSecond = 1'000'000;
// 2024-01-01 00:00:00 UTC in µs: the manual clock starts here.
constexpr int64_t kT0 = 1'704'067'200LL * kSecond;

struct ManualClock {
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(kT0);
  std::function<int64_t()> fn() const {
    auto n = now;
    return [n] { return n->load(); };
  }
  void Advance(int64_t micros) { now->fetch_add(micros); }
};

void PushRow(Database& db, const std::string& source, const std::string& key, int64_t ts) {
  auto h = db.Source(source);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  Status st = (*h)->PushRows({{columnar::Scalar::String(key), columnar::Scalar::Timestamp(ts)}});
  ASSERT_TRUE(st.ok()) << st.ToString();
}

SourceMetrics SourceMetricsOf(Database& db, const std::string& name) {
  for (const auto& m : db.source_metrics()) {
    if (m.name == name) return m;
  }
  ADD_FAILURE() << "no metrics for " << name;
  return {};
}

int64_t StreamWatermark(Database& db, const std::string& name) {
  for (const auto& m : db.stream_metrics()) {
    if (m.name == name) return m.watermark;
  }
  ADD_FAILURE() << "no metrics for " << name;
  return INT64_MIN;
}

std::unique_ptr<Database> OpenWith(Options o) {
  auto db = Database::Open(std::move(o));
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(*db) : nullptr;
}

constexpr const char* kSource =
    "CREATE SOURCE s (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)";

// Source `s` on the manual clock with a one-minute future-skew guard, a stream `all_rows`
// copying it, a subscription to the stream and a handle on the source.
class AllRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.clock = clock.fn();
    o.max_future_skew = std::chrono::minutes(1);
    db_holder = OpenWith(o);
    ASSERT_NE(db_holder, nullptr);
    db = db_holder.get();
    Exec(*db, kSource);
    Exec(*db, "CREATE STREAM all_rows AS SELECT k, ts FROM s");
    auto subscribed = db->Subscribe("all_rows");
    ASSERT_TRUE(subscribed.ok()) << subscribed.status().ToString();
    sub = *subscribed;
    auto handle = db->Source("s");
    ASSERT_TRUE(handle.ok()) << handle.status().ToString();
    h = *handle;
  }
  // The keys the stream has emitted since the last call, in order.
  std::vector<std::string> PolledKeys() {
    std::vector<std::string> keys;
    for (const auto& b : sub->Poll()) {
      for (int64_t r = 0; r < b->num_rows(); ++r) keys.emplace_back(b->column(0)->GetView(r));
    }
    return keys;
  }

  ManualClock clock;
  std::unique_ptr<Database> db_holder;
  Database* db = nullptr;
  std::shared_ptr<Subscription> sub;
  std::shared_ptr<SourceHandle> h;
};

TEST_F(AllRowsTest, FutureEventsAreProcessedButDoNotAdvanceTheWatermark) {
  PushRow(*db, "s", "a", kT0 + 30 * kSecond);  // within the skew: advances
  EXPECT_EQ((*db->Source("s"))->watermark(), kT0 + 29 * kSecond);
  PushRow(*db, "s", "b", kT0 + 2 * 60 * kSecond);  // 2 min ahead of the clock
  EXPECT_EQ((*db->Source("s"))->watermark(), kT0 + 29 * kSecond);
  auto m = SourceMetricsOf(*db, "s");
  EXPECT_EQ(m.future_events, 1u);
  EXPECT_EQ(m.total_events, 2u);
  EXPECT_EQ(db->metrics().total_events_future, 1u);
  // The future row was still processed.
  EXPECT_EQ(PolledKeys(), (std::vector<std::string>{"a", "b"}));

  // Once the wall clock catches up, the same event time counts.
  clock.Advance(2 * 60 * kSecond);
  PushRow(*db, "s", "c", kT0 + 2 * 60 * kSecond);
  EXPECT_EQ((*db->Source("s"))->watermark(), kT0 + 119 * kSecond);
  EXPECT_EQ(SourceMetricsOf(*db, "s").future_events, 1u);
}

// Several rows per batch: a batch with nothing late or ahead takes the one-pass path; a batch
// mixing late, on-time and future rows is split row by row. Both must agree on what they keep
// and on the watermark.
TEST_F(AllRowsTest, MixedBatchesKeepOnTimeRowsAndMoveTheWatermark) {
  auto row = [](const char* k, int64_t ts) {
    return std::vector<columnar::Scalar>{columnar::Scalar::String(k),
                                         columnar::Scalar::Timestamp(ts)};
  };
  ASSERT_TRUE(h->PushRows({row("a", kT0 + 10 * kSecond), row("b", kT0 + 30 * kSecond),
                           row("c", kT0 + 20 * kSecond)})
                  .ok());
  EXPECT_EQ(h->watermark(), kT0 + 29 * kSecond);
  // Late (below 29 s), on time, two minutes ahead of the clock, on time.
  ASSERT_TRUE(h->PushRows({row("late", kT0 + 5 * kSecond), row("d", kT0 + 40 * kSecond),
                           row("future", kT0 + 3 * 60 * kSecond), row("e", kT0 + 35 * kSecond)})
                  .ok());
  EXPECT_EQ(h->watermark(), kT0 + 39 * kSecond);
  auto m = SourceMetricsOf(*db, "s");
  EXPECT_EQ(m.late_events, 1u);
  EXPECT_EQ(m.future_events, 1u);
  EXPECT_EQ(m.total_events, 7u);
  EXPECT_EQ(PolledKeys(), (std::vector<std::string>{"a", "b", "c", "d", "future", "e"}));
}

// Batches whose time column records its range (as generators' do) skip the min/max pass but
// must end exactly as the scanned ones: the same rows kept, the same late and future counts,
// the same watermark.
TEST_F(AllRowsTest, RecordedTimeRangesActLikeScannedOnes) {
  auto push = [&](std::vector<std::string> keys, std::vector<int64_t> times) {
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int64_t t : times) {
      lo = std::min(lo, t);
      hi = std::max(hi, t);
    }
    const auto n = static_cast<int64_t>(times.size());
    auto built = columnar::MakeInt64Array(times);
    auto ts = std::make_shared<columnar::Array>(columnar::timestamp(), n, built->buffers(),
                                                std::vector<columnar::ArrayPtr>{}, 0);
    ts->SetValueRange(columnar::Int64Range{lo, hi});
    ASSERT_TRUE(ts->Validate().ok());
    auto batch = std::make_shared<const columnar::RecordBatch>(
        h->schema(), n,
        std::vector<columnar::ArrayPtr>{columnar::MakeStringArray(keys), std::move(ts)});
    ASSERT_TRUE(h->Push(batch).ok());
  };
  push({"a", "b", "c"}, {kT0 + 10 * kSecond, kT0 + 30 * kSecond, kT0 + 20 * kSecond});
  EXPECT_EQ(h->watermark(), kT0 + 29 * kSecond);
  // All on time: the recorded range decides it without a pass.
  push({"d", "e"}, {kT0 + 29 * kSecond, kT0 + 33 * kSecond});
  EXPECT_EQ(h->watermark(), kT0 + 32 * kSecond);
  // Late, on time, ahead of the clock: the range says "not all on time", rows are checked.
  push({"late", "f", "future"}, {kT0 + 5 * kSecond, kT0 + 40 * kSecond, kT0 + 3 * 60 * kSecond});
  EXPECT_EQ(h->watermark(), kT0 + 39 * kSecond);
  auto m = SourceMetricsOf(*db, "s");
  EXPECT_EQ(m.late_events, 1u);
  EXPECT_EQ(m.future_events, 1u);
  EXPECT_EQ(m.total_events, 8u);
  EXPECT_EQ(PolledKeys(), (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "future"}));
}

// PipelineMetrics::state_bytes sums the operators' own estimates: nothing for a stateless query,
// more for a windowed aggregate as it holds more groups.
TEST(EngineWatermarkTest, StateBytesFollowOperatorState) {
  auto db = OpenWith({});
  ASSERT_NE(db, nullptr);
  Exec(*db, kSource);
  Exec(*db, "CREATE STREAM copy AS SELECT k, ts FROM s");
  PushRow(*db, "s", "a", kT0);
  EXPECT_EQ(db->metrics().state_bytes, 0u);
  Exec(*db,
       "CREATE STREAM counts AS SELECT k, COUNT(*) AS n FROM s "
       "GROUP BY k, TUMBLE(ts, INTERVAL '1' HOUR) EMIT ON WINDOW CLOSE");
  PushRow(*db, "s", "a", kT0 + kSecond);
  const uint64_t one_group = db->metrics().state_bytes;
  EXPECT_GT(one_group, 0u);
  auto h = db->Source("s");
  ASSERT_TRUE(h.ok());
  std::vector<std::vector<columnar::Scalar>> rows;
  for (int i = 0; i < 5000; ++i) {
    rows.push_back({columnar::Scalar::String("key" + std::to_string(i)),
                    columnar::Scalar::Timestamp(kT0 + 2 * kSecond)});
  }
  ASSERT_TRUE((*h)->PushRows(rows).ok());
  EXPECT_GT(db->metrics().state_bytes, one_group + 5000 * 8);
}

TEST(EngineWatermarkTest, ZeroSkewDisablesTheGuard) {
  ManualClock clock;
  Options o;
  o.clock = clock.fn();
  o.max_future_skew = std::chrono::milliseconds(0);
  auto db = OpenWith(o);
  ASSERT_NE(db, nullptr);
  Exec(*db, kSource);
  PushRow(*db, "s", "a", kT0 + 3600 * kSecond);
  EXPECT_EQ((*db->Source("s"))->watermark(), kT0 + 3599 * kSecond);
  EXPECT_EQ(SourceMetricsOf(*db, "s").future_events, 0u);
}

TEST(EngineWatermarkTest, EnvironmentSetsTheSkewWhenOptionsDoNot) {
  ManualClock clock;
  ASSERT_EQ(setenv("LAMINAR_MAX_FUTURE_SKEW_MS", "1000", 1), 0);
  Options o;
  o.clock = clock.fn();
  auto db = OpenWith(o);
  unsetenv("LAMINAR_MAX_FUTURE_SKEW_MS");
  ASSERT_NE(db, nullptr);
  Exec(*db, kSource);
  PushRow(*db, "s", "a", kT0 + 5 * kSecond);  // 5 s ahead > 1 s skew
  EXPECT_EQ((*db->Source("s"))->watermark(), INT64_MIN);
  EXPECT_EQ(SourceMetricsOf(*db, "s").future_events, 1u);
}

TEST(EngineWatermarkTest, DefaultSkewIsFiveMinutes) {
  ManualClock clock;
  Options o;
  o.clock = clock.fn();
  auto db = OpenWith(o);
  ASSERT_NE(db, nullptr);
  Exec(*db, kSource);
  PushRow(*db, "s", "a", kT0 + 4 * 60 * kSecond);
  EXPECT_EQ((*db->Source("s"))->watermark(), kT0 + 239 * kSecond);
  PushRow(*db, "s", "b", kT0 + 6 * 60 * kSecond);
  EXPECT_EQ((*db->Source("s"))->watermark(), kT0 + 239 * kSecond);
}

// Two sources feeding one stream: the stream's watermark is the minimum over the active ones.
class IdleSourceTest : public ::testing::Test {
 protected:
  void Open(std::optional<std::chrono::milliseconds> idle) {
    Options o;
    o.clock = clock_.fn();
    o.max_future_skew = std::chrono::milliseconds(0);
    o.source_idle_timeout = idle;
    db_ = OpenWith(o);
    ASSERT_NE(db_, nullptr);
    Exec(*db_, "CREATE SOURCE a (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts)");
    Exec(*db_, "CREATE SOURCE b (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts)");
    Exec(*db_, "CREATE STREAM u AS SELECT k, ts FROM a UNION ALL SELECT k, ts FROM b");
  }
  ManualClock clock_;
  std::unique_ptr<Database> db_;
};

TEST_F(IdleSourceTest, WithoutTimeoutAQuietSourceHoldsTheWatermark) {
  Open(std::nullopt);
  PushRow(*db_, "a", "x", kT0 + 100 * kSecond);
  PushRow(*db_, "b", "y", kT0 + 50 * kSecond);
  clock_.Advance(3600 * kSecond);
  PushRow(*db_, "a", "x", kT0 + 200 * kSecond);
  ASSERT_TRUE(db_->Sync().ok());
  EXPECT_EQ(StreamWatermark(*db_, "u"), kT0 + 50 * kSecond);
  EXPECT_EQ(db_->metrics().pipeline_watermark, kT0 + 50 * kSecond);
  EXPECT_FALSE(SourceMetricsOf(*db_, "b").is_idle);
}

TEST_F(IdleSourceTest, IdleSourceIsExcludedAndRejoinsMonotonically) {
  Open(std::chrono::seconds(10));
  PushRow(*db_, "a", "x", kT0 + 100 * kSecond);
  PushRow(*db_, "b", "y", kT0 + 50 * kSecond);
  EXPECT_EQ(StreamWatermark(*db_, "u"), kT0 + 50 * kSecond);

  // b stays quiet past the timeout while a keeps going: b no longer holds u back.
  clock_.Advance(6 * kSecond);
  PushRow(*db_, "a", "x", kT0 + 150 * kSecond);
  EXPECT_EQ(StreamWatermark(*db_, "u"), kT0 + 50 * kSecond);  // 6 s < 10 s
  clock_.Advance(6 * kSecond);
  PushRow(*db_, "a", "x", kT0 + 200 * kSecond);
  EXPECT_TRUE(SourceMetricsOf(*db_, "b").is_idle);
  EXPECT_FALSE(SourceMetricsOf(*db_, "a").is_idle);
  EXPECT_EQ(StreamWatermark(*db_, "u"), kT0 + 200 * kSecond);
  EXPECT_EQ(db_->metrics().pipeline_watermark, kT0 + 200 * kSecond);

  // b rejoins with an older watermark: it is active again, nothing goes back.
  PushRow(*db_, "b", "y", kT0 + 60 * kSecond);
  EXPECT_FALSE(SourceMetricsOf(*db_, "b").is_idle);
  EXPECT_EQ(StreamWatermark(*db_, "u"), kT0 + 200 * kSecond);
  EXPECT_EQ(db_->metrics().pipeline_watermark, kT0 + 200 * kSecond);
  // ...and holds the minimum again from here on.
  PushRow(*db_, "a", "x", kT0 + 300 * kSecond);
  EXPECT_EQ(StreamWatermark(*db_, "u"), kT0 + 200 * kSecond);
  PushRow(*db_, "b", "y", kT0 + 250 * kSecond);
  EXPECT_EQ(StreamWatermark(*db_, "u"), kT0 + 250 * kSecond);
}

TEST_F(IdleSourceTest, AllIdleTakesTheMaximum) {
  Open(std::chrono::seconds(10));
  PushRow(*db_, "a", "x", kT0 + 100 * kSecond);
  PushRow(*db_, "b", "y", kT0 + 300 * kSecond);
  EXPECT_EQ(StreamWatermark(*db_, "u"), kT0 + 100 * kSecond);
  clock_.Advance(11 * kSecond);
  // No input at all: Sync() re-evaluates idleness (the compute thread does so on its tick).
  ASSERT_TRUE(db_->Sync().ok());
  EXPECT_TRUE(SourceMetricsOf(*db_, "a").is_idle);
  EXPECT_TRUE(SourceMetricsOf(*db_, "b").is_idle);
  EXPECT_EQ(StreamWatermark(*db_, "u"), kT0 + 300 * kSecond);
  EXPECT_EQ(db_->metrics().pipeline_watermark, kT0 + 300 * kSecond);
}

TEST_F(IdleSourceTest, ASourceThatNeverReceivedInputBecomesIdle) {
  Open(std::chrono::seconds(10));
  clock_.Advance(11 * kSecond);
  PushRow(*db_, "a", "x", kT0 + 100 * kSecond);
  EXPECT_TRUE(SourceMetricsOf(*db_, "b").is_idle);
  EXPECT_EQ(StreamWatermark(*db_, "u"), kT0 + 100 * kSecond);
}

TEST_F(IdleSourceTest, IdleWindowClosesTheWindowsOfTheActiveSource) {
  Open(std::chrono::seconds(10));
  Exec(*db_,
       "CREATE STREAM w AS SELECT k, window_start, COUNT(*) AS c FROM u "
       "GROUP BY k, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE");
  auto sub = db_->Subscribe("w");
  ASSERT_TRUE(sub.ok());
  PushRow(*db_, "b", "y", kT0 + 5 * kSecond);
  PushRow(*db_, "a", "x", kT0 + 10 * kSecond);
  PushRow(*db_, "a", "x", kT0 + 70 * kSecond);
  int64_t rows = 0;
  for (const auto& bt : (*sub)->Poll()) rows += bt->num_rows();
  EXPECT_EQ(rows, 0);  // b at 00:00:05 holds the first minute open
  clock_.Advance(11 * kSecond);
  PushRow(*db_, "a", "x", kT0 + 80 * kSecond);
  for (const auto& bt : (*sub)->Poll()) rows += bt->num_rows();
  EXPECT_EQ(rows, 2);  // (x, 00:00) and (y, 00:00)
}

}  // namespace
}  // namespace laminar
