// TopNOperator: the kept rows equal a brute-force top N per partition for random input cut into
// batches of 1, 3 and 64 rows; snapshots are byte-stable and independent of the batching;
// damaged snapshots are rejected without changing the operator. The running StateBytes()
// counter equals a full recount after every call, in every mode (ROW_NUMBER ON UPDATE, RANK /
// DENSE_RANK changelogs, deduplication), with eviction, compaction and restore.

#include "execution/topn_operator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "columnar/builder.h"
#include "columnar/scalar.h"

namespace laminar::execution {
namespace {

namespace fn = laminar::function;

struct InputRow {
  int64_t k;
  int64_t v;
  std::string s;
};

columnar::SchemaPtr InputSchema() {
  return std::make_shared<columnar::Schema>(
      std::vector<columnar::FieldPtr>{std::make_shared<columnar::Field>("k", columnar::int64()),
                                      std::make_shared<columnar::Field>("v", columnar::int64()),
                                      std::make_shared<columnar::Field>("s", columnar::utf8())});
}

// A window node over a scan of `schema`, with the rank column `rn` appended (no calls yet).
sql::PlanNode WindowOverScan(const columnar::SchemaPtr& schema) {
  auto input = std::make_shared<sql::PlanNode>();
  input->kind = sql::PlanKind::kScan;
  input->schema = schema;
  sql::PlanNode node;
  node.kind = sql::PlanKind::kWindow;
  node.inputs = {input};
  auto fields = input->schema->fields();
  fields.push_back(std::make_shared<columnar::Field>("rn", columnar::int64()));
  node.schema = std::make_shared<columnar::Schema>(fields);
  return node;
}

// ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) <= limit over (k, v, s).
sql::PlanNode TopNNode(int64_t limit) {
  sql::PlanNode node = WindowOverScan(InputSchema());
  sql::AnalyticCall call;
  call.function = "row_number";
  call.partition_by = {fn::ColumnRef(0, columnar::int64(), "k")};
  call.order_by = {fn::ColumnRef(1, columnar::int64(), "v")};
  call.descending = {true};
  call.type = columnar::int64();
  node.analytics = {call};
  node.top_n = limit;
  return node;
}

columnar::RecordBatchPtr MakeBatch(const std::vector<InputRow>& rows, size_t from, size_t to) {
  std::vector<int64_t> k, v;
  std::vector<std::string> s;
  for (size_t i = from; i < to; ++i) {
    k.push_back(rows[i].k);
    v.push_back(rows[i].v);
    s.push_back(rows[i].s);
  }
  return std::make_shared<const columnar::RecordBatch>(
      InputSchema(), static_cast<int64_t>(to - from),
      std::vector<columnar::ArrayPtr>{columnar::MakeInt64Array(k), columnar::MakeInt64Array(v),
                                      columnar::MakeStringArray(s)});
}

std::vector<InputRow> RandomRows(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  std::vector<InputRow> rows;
  for (int i = 0; i < n; ++i) {
    // Few distinct values: plenty of ties, which must rank the earlier row first.
    rows.push_back({static_cast<int64_t>(rng() % 7), static_cast<int64_t>(rng() % 20),
                    "row" + std::to_string(i)});
  }
  return rows;
}

// Final contents, "k|rank" → "s", by applying every ON UPDATE row as an upsert.
using View = std::map<std::string, std::string>;

View Feed(TopNOperator& op, const std::vector<InputRow>& rows, size_t batch, size_t from = 0,
          View view = {}) {
  for (size_t i = from; i < rows.size(); i += batch) {
    Delta d;
    d.batch = MakeBatch(rows, i, std::min(rows.size(), i + batch));
    std::vector<Delta> out;
    EXPECT_TRUE(op.Process(d, &out).ok());
    EXPECT_EQ(op.StateBytes(), op.RecountStateBytes());
    for (const auto& o : out) {
      EXPECT_FALSE(o.has_weights());
      for (int64_t r = 0; r < o.num_rows(); ++r) {
        const std::string slot = columnar::GetScalar(*o.batch->column(0), r).ToString() + "|" +
                                 columnar::GetScalar(*o.batch->column(3), r).ToString();
        view[slot] = columnar::GetScalar(*o.batch->column(2), r).ToString();
      }
    }
  }
  return view;
}

View BruteForce(const std::vector<InputRow>& rows, int64_t limit) {
  std::map<int64_t, std::vector<size_t>> parts;
  for (size_t i = 0; i < rows.size(); ++i) parts[rows[i].k].push_back(i);
  View view;
  for (auto& [k, idx] : parts) {
    std::stable_sort(idx.begin(), idx.end(),
                     [&](size_t a, size_t b) { return rows[a].v > rows[b].v; });
    for (size_t r = 0; r < idx.size() && static_cast<int64_t>(r) < limit; ++r) {
      view[std::to_string(k) + "|" + std::to_string(r + 1)] = rows[idx[r]].s;
    }
  }
  return view;
}

std::unique_ptr<TopNOperator> MakeOp(int64_t limit) {
  AggregateOptions options;
  options.emit_keys = true;
  auto op = TopNOperator::Make(TopNNode(limit), options);
  EXPECT_TRUE(op.ok()) << op.status().ToString();
  return std::move(*op);
}

class TopNOperatorTest : public ::testing::TestWithParam<size_t> {};

TEST_P(TopNOperatorTest, MatchesBruteForceAndSnapshotsAreBatchIndependent) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    const auto rows = RandomRows(seed, 300);
    for (int64_t limit : {1, 3}) {
      auto op = MakeOp(limit);
      View view = Feed(*op, rows, GetParam());
      EXPECT_EQ(view, BruteForce(rows, limit)) << "seed " << seed << " limit " << limit;
      // The image depends on the rows only, not on how they were batched.
      auto whole = MakeOp(limit);
      Feed(*whole, rows, rows.size());
      std::string a, b;
      ASSERT_TRUE(op->Snapshot(&a).ok());
      ASSERT_TRUE(whole->Snapshot(&b).ok());
      EXPECT_EQ(a, b);
    }
  }
}

TEST_P(TopNOperatorTest, RestoreContinuesExactly) {
  const auto rows = RandomRows(42, 400);
  auto op = MakeOp(2);
  View view = Feed(*op, std::vector<InputRow>(rows.begin(), rows.begin() + 200), GetParam());
  std::string image;
  ASSERT_TRUE(op->Snapshot(&image).ok());
  auto restored = MakeOp(2);
  ASSERT_TRUE(restored->Restore(image).ok());
  EXPECT_GT(restored->StateBytes(), 0);
  EXPECT_EQ(restored->StateBytes(), restored->RecountStateBytes());
  std::string again;
  ASSERT_TRUE(restored->Snapshot(&again).ok());
  EXPECT_EQ(again, image);
  // Both continue identically, and the result is the top 2 of all rows.
  View v1 = Feed(*op, rows, GetParam(), 200, view);
  View v2 = Feed(*restored, rows, GetParam(), 200, view);
  EXPECT_EQ(v1, v2);
  EXPECT_EQ(v1, BruteForce(rows, 2));
}

TEST(TopNOperatorRestore, RejectsDamagedImagesAndStaysUnchanged) {
  const auto rows = RandomRows(9, 50);
  auto op = MakeOp(2);
  Feed(*op, rows, 7);
  std::string image;
  ASSERT_TRUE(op->Snapshot(&image).ok());
  auto fresh = MakeOp(2);
  std::string empty_image;
  ASSERT_TRUE(fresh->Snapshot(&empty_image).ok());
  for (size_t cut : {size_t{0}, size_t{3}, image.size() / 2, image.size() - 1}) {
    Status st = fresh->Restore(std::string_view(image).substr(0, cut));
    EXPECT_FALSE(st.ok()) << cut;
    std::string now;
    ASSERT_TRUE(fresh->Snapshot(&now).ok());
    EXPECT_EQ(now, empty_image);
    EXPECT_EQ(fresh->StateBytes(), 0);  // the counters are committed with the state only
  }
  std::string trailing = image + "x";
  EXPECT_FALSE(fresh->Restore(trailing).ok());
  EXPECT_EQ(fresh->StateBytes(), 0);
  ASSERT_TRUE(fresh->Restore(image).ok());
  EXPECT_GT(fresh->StateBytes(), 0);
  EXPECT_EQ(fresh->StateBytes(), fresh->RecountStateBytes());
  // Restoring over a populated operator replaces its counters too.
  ASSERT_TRUE(op->Restore(empty_image).ok());
  EXPECT_EQ(op->StateBytes(), 0);
  EXPECT_EQ(op->RecountStateBytes(), 0);
}

// The estimate itself is unchanged: one partition (key: 9 bytes), one kept row (order key: 9
// bytes) of a one-row batch = (9 + 32) + (9 + 48) + 1 * 16.
TEST(TopNOperatorStateBytes, EstimateFormula) {
  auto op = MakeOp(2);
  EXPECT_EQ(op->StateBytes(), 0);
  Feed(*op, {{1, 5, "a"}}, 1);
  EXPECT_EQ(op->StateBytes(), 114);
  // A second row in the same partition and batch of one row: + (9 + 48) + 16.
  Feed(*op, {{1, 7, "b"}}, 1);
  EXPECT_EQ(op->StateBytes(), 114 + 57 + 16);
  // A better row pushes the worst one out (its batch is no longer referenced): + 0.
  Feed(*op, {{1, 9, "c"}}, 1);
  EXPECT_EQ(op->StateBytes(), 114 + 57 + 16);
  EXPECT_EQ(op->StateBytes(), op->RecountStateBytes());
}

// Windowed top-N: ROW_NUMBER() OVER (PARTITION BY w, k ORDER BY v DESC) <= 2 over (w, k, v),
// where w (a window start) trails the watermark by `lag`; `evict` marks it as the plan does.
sql::PlanNode WindowedTopNNode(bool evict, int64_t lag) {
  auto schema = std::make_shared<columnar::Schema>(
      std::vector<columnar::FieldPtr>{std::make_shared<columnar::Field>("w", columnar::timestamp()),
                                      std::make_shared<columnar::Field>("k", columnar::int64()),
                                      std::make_shared<columnar::Field>("v", columnar::int64())});
  sql::PlanNode node = WindowOverScan(schema);
  sql::AnalyticCall call;
  call.function = "row_number";
  call.partition_by = {fn::ColumnRef(0, columnar::timestamp(), "w"),
                       fn::ColumnRef(1, columnar::int64(), "k")};
  call.order_by = {fn::ColumnRef(2, columnar::int64(), "v")};
  call.descending = {true};
  call.type = columnar::int64();
  node.analytics = {call};
  node.top_n = 2;
  if (evict) {
    node.top_n_expiry_key = 0;
    node.top_n_expiry_lag = lag;
  }
  return node;
}

// Feeds window after window (rows of window i carry w = i s, in batches of `batch`), advancing
// the watermark to the window's end after each; returns every output row as text and the
// largest state seen. After the last window the watermark passes every window.
struct WindowedRun {
  std::vector<std::string> rows;
  int64_t peak_bytes = 0;
  int64_t final_bytes = 0;
};
WindowedRun FeedWindows(TopNOperator& op, int windows, size_t batch, int64_t lag,
                        int from_window = 0) {
  constexpr int64_t kSecond = 1'000'000;
  const auto schema = WindowedTopNNode(false, 0).inputs[0]->schema;
  WindowedRun run;
  std::mt19937 rng(11);
  for (int w = 0; w < windows; ++w) {
    std::vector<int64_t> ws, ks, vs;
    for (int i = 0; i < 60; ++i) {
      ws.push_back(w * kSecond);
      ks.push_back(static_cast<int64_t>(rng() % 5));
      vs.push_back(static_cast<int64_t>(rng() % 50));
    }
    if (w < from_window) continue;  // same random stream as a run from the start
    for (size_t at = 0; at < ws.size(); at += batch) {
      const size_t to = std::min(ws.size(), at + batch);
      auto slice = [&](const std::vector<int64_t>& v) {
        return std::vector<int64_t>(v.begin() + static_cast<std::ptrdiff_t>(at),
                                    v.begin() + static_cast<std::ptrdiff_t>(to));
      };
      Delta d;
      d.batch = std::make_shared<const columnar::RecordBatch>(
          schema, static_cast<int64_t>(to - at),
          std::vector<columnar::ArrayPtr>{columnar::MakeTimestampArray(slice(ws)),
                                          columnar::MakeInt64Array(slice(ks)),
                                          columnar::MakeInt64Array(slice(vs))});
      std::vector<Delta> out;
      EXPECT_TRUE(op.Process(d, &out).ok());
      EXPECT_EQ(op.StateBytes(), op.RecountStateBytes());
      for (const auto& o : out) {
        for (int64_t r = 0; r < o.num_rows(); ++r) {
          std::string row;
          for (int c = 0; c < o.batch->num_columns(); ++c) {
            row += columnar::GetScalar(*o.batch->column(c), r).ToString() + "|";
          }
          run.rows.push_back(row);
        }
      }
    }
    run.peak_bytes = std::max(run.peak_bytes, op.StateBytes());
    // Rows of window w arrive up to the watermark w + 1 s (+ the lag the column trails by).
    std::vector<Delta> out;
    EXPECT_TRUE(op.AdvanceWatermark((w + 1) * kSecond + lag, &out).ok());
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(op.StateBytes(), op.RecountStateBytes());
  }
  run.final_bytes = op.StateBytes();
  return run;
}

std::unique_ptr<TopNOperator> MakeWindowedOp(bool evict, int64_t lag) {
  AggregateOptions options;
  options.emit_keys = true;
  auto op = TopNOperator::Make(WindowedTopNNode(evict, lag), options);
  EXPECT_TRUE(op.ok()) << op.status().ToString();
  return std::move(*op);
}

TEST_P(TopNOperatorTest, FinishedWindowPartitionsAreDroppedWithIdenticalOutput) {
  for (int64_t lag : {int64_t{0}, int64_t{1'000'000}}) {
    auto keep = MakeWindowedOp(false, lag);
    auto evict = MakeWindowedOp(true, lag);
    const WindowedRun kept = FeedWindows(*keep, 20, GetParam(), lag);
    const WindowedRun dropped = FeedWindows(*evict, 20, GetParam(), lag);
    EXPECT_EQ(dropped.rows, kept.rows) << "lag " << lag;
    EXPECT_FALSE(kept.rows.empty());
    // Without eviction the state grows with every window; with it, at most the open ones.
    EXPECT_GT(kept.final_bytes, 10 * dropped.peak_bytes / 2) << "lag " << lag;
    EXPECT_LT(dropped.final_bytes, kept.final_bytes / 10) << "lag " << lag;
    std::string kept_image, dropped_image;
    ASSERT_TRUE(keep->Snapshot(&kept_image).ok());
    ASSERT_TRUE(evict->Snapshot(&dropped_image).ok());
    EXPECT_LT(dropped_image.size() * 5, kept_image.size()) << "lag " << lag;
  }
}

TEST_P(TopNOperatorTest, EvictingOperatorRestoresAndContinuesExactly) {
  const int64_t lag = 1'000'000;
  // Reference: 12 windows in one go.
  auto whole = MakeWindowedOp(true, lag);
  const WindowedRun all = FeedWindows(*whole, 12, GetParam(), lag);
  // Restart after window 6 from a checkpoint of an evicting operator.
  auto first = MakeWindowedOp(true, lag);
  WindowedRun head = FeedWindows(*first, 6, GetParam(), lag);
  std::string image;
  ASSERT_TRUE(first->Snapshot(&image).ok());
  auto restored = MakeWindowedOp(true, lag);
  ASSERT_TRUE(restored->Restore(image).ok());
  EXPECT_EQ(restored->StateBytes(), restored->RecountStateBytes());
  std::string again;
  ASSERT_TRUE(restored->Snapshot(&again).ok());
  EXPECT_EQ(again, image);
  const WindowedRun tail = FeedWindows(*restored, 12, GetParam(), lag, 6);
  head.rows.insert(head.rows.end(), tail.rows.begin(), tail.rows.end());
  EXPECT_EQ(head.rows, all.rows);
  // The restored operator still drops finished partitions.
  EXPECT_LT(tail.final_bytes, all.peak_bytes);
}

INSTANTIATE_TEST_SUITE_P(BatchSizes, TopNOperatorTest, ::testing::Values(1, 3, 64));

// The running StateBytes() counter against a full recount, after every call, in each mode.
enum class Mode { kRowNumberEvict, kRankChanges, kDenseRankChanges, kDedupEvict };

// (w timestamp, k BIGINT, v BIGINT, t timestamp, s VARCHAR); partitions (w, k); w trails the
// watermark (evicting modes).
columnar::SchemaPtr WideSchema() {
  return std::make_shared<columnar::Schema>(
      std::vector<columnar::FieldPtr>{std::make_shared<columnar::Field>("w", columnar::timestamp()),
                                      std::make_shared<columnar::Field>("k", columnar::int64()),
                                      std::make_shared<columnar::Field>("v", columnar::int64()),
                                      std::make_shared<columnar::Field>("t", columnar::timestamp()),
                                      std::make_shared<columnar::Field>("s", columnar::utf8())});
}

std::unique_ptr<TopNOperator> MakeModeOp(Mode mode) {
  sql::PlanNode node = WindowOverScan(WideSchema());
  sql::AnalyticCall call;
  call.partition_by = {fn::ColumnRef(0, columnar::timestamp(), "w"),
                       fn::ColumnRef(1, columnar::int64(), "k")};
  call.type = columnar::int64();
  AggregateOptions options;
  switch (mode) {
    case Mode::kRowNumberEvict:  // variable-length order keys; rank slots replaced
      call.function = "row_number";
      call.order_by = {fn::ColumnRef(4, columnar::utf8(), "s")};
      call.descending = {true};
      node.top_n = 3;
      node.top_n_expiry_key = 0;
      options.emit_keys = true;
      break;
    case Mode::kRankChanges:  // ties keep several rows per rank
    case Mode::kDenseRankChanges:
      call.function = mode == Mode::kRankChanges ? "rank" : "dense_rank";
      call.order_by = {fn::ColumnRef(2, columnar::int64(), "v")};
      call.descending = {false};
      node.top_n = 2;
      node.top_n_rank_output = mode == Mode::kRankChanges;
      options.emit = EmitMode::kChanges;
      break;
    case Mode::kDedupEvict:  // first row per partition once final; partitions then evicted
      call.function = "row_number";
      call.order_by = {fn::ColumnRef(3, columnar::timestamp(), "t")};
      call.descending = {false};
      node.top_n = 1;
      node.top_n_final_lag = 500'000;  // some rows are still pending when their window ends
      node.top_n_expiry_key = 0;
      break;
  }
  node.analytics = {call};
  auto op = TopNOperator::Make(node, options);
  EXPECT_TRUE(op.ok()) << op.status().ToString();
  return op.ok() ? std::move(*op) : nullptr;
}

// Feeds windows [from, to): batches mixing rows of windows c and c + 1 (so later batches reach
// partitions whose row was already emitted, or replaced), then the watermark moves to the end
// of window c. Checks the counter after every call; returns the output rows as text.
std::vector<std::string> FeedModes(TopNOperator& op, uint32_t seed, int from, int to,
                                   size_t batch) {
  constexpr int64_t kSecond = 1'000'000;
  std::mt19937 rng(seed);
  std::vector<std::string> text;
  auto collect = [&](const std::vector<Delta>& out) {
    for (const auto& o : out) {
      for (int64_t r = 0; r < o.num_rows(); ++r) {
        std::string row = o.has_weights() ? std::to_string(o.weights[static_cast<size_t>(r)]) : "";
        for (int c = 0; c < o.batch->num_columns(); ++c) {
          row += "|" + columnar::GetScalar(*o.batch->column(c), r).ToString();
        }
        text.push_back(row);
      }
    }
  };
  for (int c = 0; c < to; ++c) {
    std::vector<int64_t> ws, ks, vs, ts;
    std::vector<std::string> ss;
    for (int i = 0; i < 80; ++i) {
      const int64_t w = (c + static_cast<int>(rng() % 2)) * kSecond;
      ws.push_back(w);
      ks.push_back(static_cast<int64_t>(rng() % 6));
      vs.push_back(static_cast<int64_t>(rng() % 8));
      ts.push_back(w + static_cast<int64_t>(rng() % kSecond));
      ss.push_back(std::string(1 + rng() % 12, static_cast<char>('a' + rng() % 26)));
    }
    if (c < from) continue;  // same random stream as a run from the start
    for (size_t at = 0; at < ws.size(); at += batch) {
      const size_t end = std::min(ws.size(), at + batch);
      auto slice = [&](const auto& v) {
        return std::remove_cvref_t<decltype(v)>(v.begin() + static_cast<std::ptrdiff_t>(at),
                                                v.begin() + static_cast<std::ptrdiff_t>(end));
      };
      Delta d;
      d.batch = std::make_shared<const columnar::RecordBatch>(
          WideSchema(), static_cast<int64_t>(end - at),
          std::vector<columnar::ArrayPtr>{
              columnar::MakeTimestampArray(slice(ws)), columnar::MakeInt64Array(slice(ks)),
              columnar::MakeInt64Array(slice(vs)), columnar::MakeTimestampArray(slice(ts)),
              columnar::MakeStringArray(slice(ss))});
      std::vector<Delta> out;
      EXPECT_TRUE(op.Process(d, &out).ok());
      EXPECT_EQ(op.StateBytes(), op.RecountStateBytes()) << "window " << c;
      collect(out);
    }
    std::vector<Delta> out;
    EXPECT_TRUE(op.AdvanceWatermark((c + 1) * kSecond, &out).ok());
    EXPECT_EQ(op.StateBytes(), op.RecountStateBytes()) << "window " << c;
    EXPECT_GE(op.StateBytes(), 0);
    collect(out);
  }
  return text;
}

class TopNStateBytesTest : public ::testing::TestWithParam<std::tuple<Mode, size_t>> {};

TEST_P(TopNStateBytesTest, RunningCounterEqualsRecountThroughRestore) {
  const auto [mode, batch] = GetParam();
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    auto whole = MakeModeOp(mode);
    ASSERT_NE(whole, nullptr);
    const auto all = FeedModes(*whole, seed, 0, 16, batch);
    EXPECT_FALSE(all.empty());
    // Restart after window 7 from a checkpoint.
    auto head = MakeModeOp(mode);
    auto rows = FeedModes(*head, seed, 0, 8, batch);
    EXPECT_GT(head->StateBytes(), 0);
    std::string image;
    ASSERT_TRUE(head->Snapshot(&image).ok());
    auto restored = MakeModeOp(mode);
    ASSERT_TRUE(restored->Restore(image).ok());
    EXPECT_EQ(restored->StateBytes(), restored->RecountStateBytes());
    std::string again;
    ASSERT_TRUE(restored->Snapshot(&again).ok());
    EXPECT_EQ(again, image);
    const auto tail = FeedModes(*restored, seed, 8, 16, batch);
    rows.insert(rows.end(), tail.begin(), tail.end());
    auto expected = all;
    if (mode == Mode::kDedupEvict) {
      // A restored operator lists its pending rows by partition key, not arrival: the rows one
      // watermark makes final come out in that order.
      std::sort(rows.begin(), rows.end());
      std::sort(expected.begin(), expected.end());
    }
    EXPECT_EQ(rows, expected) << "seed " << seed;
    // After the last watermark the evicting modes hold at most the last two windows.
    if (mode == Mode::kRowNumberEvict || mode == Mode::kDedupEvict) {
      EXPECT_EQ(restored->StateBytes(), whole->StateBytes());
      EXPECT_LT(whole->StateBytes(), 2 * 6 * (3 * (12 + 48 + 16) + 18 + 32) + 80 * 16 * 4);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Modes, TopNStateBytesTest,
    ::testing::Combine(::testing::Values(Mode::kRowNumberEvict, Mode::kRankChanges,
                                         Mode::kDenseRankChanges, Mode::kDedupEvict),
                       ::testing::Values(size_t{1}, size_t{7}, size_t{80})));

// Compaction repoints every kept row at one new batch: the counter follows. Each 5000-row batch
// fills its own partition (2 rows kept), so the referenced batches outgrow the kept rows.
TEST(TopNOperatorStateBytes, CompactionKeepsTheCounterExact) {
  auto op = MakeOp(2);
  int64_t before = 0;
  bool compacted = false;
  for (int b = 0; b < 80; ++b) {
    std::vector<InputRow> rows;
    for (int i = 0; i < 5000; ++i) rows.push_back({b, -i, "x"});
    Feed(*op, rows, rows.size());  // checks the counter after the batch
    const int64_t now = op->StateBytes();
    if (now < before) compacted = true;  // the referenced input batches were released
    before = now;
    ASSERT_EQ(now, op->RecountStateBytes()) << "batch " << b;
  }
  EXPECT_TRUE(compacted);
}

}  // namespace
}  // namespace laminar::execution
