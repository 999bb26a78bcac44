// OverWindowOperator: for random out-of-order input (with ties and NULLs) cut into batches of
// 1, 3 and 64 rows, the emitted rows equal a brute-force evaluation of the frames over the rows
// sorted by (time, arrival), in that order; final snapshots are byte-identical whatever the
// batching; a restored operator continues exactly; damaged snapshots are rejected without
// changing the operator. The running StateBytes() counter equals a full recount after every
// call and restore.

#include "execution/over_window_operator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>

#include "columnar/builder.h"
#include "columnar/scalar.h"

namespace laminar::execution {
namespace {

namespace fn = laminar::function;
using columnar::Scalar;

constexpr int64_t kDelay = 5'000;  // the watermark trails the largest time by 5 ms

struct InputRow {
  int64_t k;
  std::optional<int64_t> v;
  int64_t ts;  // µs
};

columnar::SchemaPtr InputSchema() {
  return std::make_shared<columnar::Schema>(std::vector<columnar::FieldPtr>{
      std::make_shared<columnar::Field>("k", columnar::int64()),
      std::make_shared<columnar::Field>("v", columnar::int64()),
      std::make_shared<columnar::Field>("ts", columnar::timestamp())});
}

struct CallSpec {
  const char* function;
  int64_t start, end;
  bool star;
  int64_t n = 0;  // LAG's offset, NTH_VALUE's n (a constant second argument)
};

const std::vector<CallSpec> kCalls = {
    {"sum", -2, 0, false},
    {"avg", INT64_MIN, 0, false},
    {"count", -3, -1, true},
    {"min", INT64_MIN, -1, false},
    {"max", -1, 0, false},
    {"count", INT64_MIN, 0, false},
    {"first_value", INT64_MIN, 0, false},
    {"first_value", -2, -1, false},
    {"last_value", INT64_MIN, -1, false},
    {"last_value", -3, 0, false},
    {"nth_value", INT64_MIN, 0, false, 2},
    {"nth_value", -3, -1, false, 2},
    {"lag", 0, 0, false, 1},
    {"lag", 0, 0, false, 3},
    {"lag", 0, 0, false, 0},
};

bool IsValueFunction(const std::string& f) {
  return f == "first_value" || f == "last_value" || f == "nth_value" || f == "lag";
}

// SUM/AVG/COUNT/MIN/MAX OVER (PARTITION BY k ORDER BY ts ROWS …) over (k, v, ts).
sql::PlanNode OverNode() {
  auto input = std::make_shared<sql::PlanNode>();
  input->kind = sql::PlanKind::kScan;
  input->schema = InputSchema();
  sql::PlanNode node;
  node.kind = sql::PlanKind::kWindow;
  node.inputs = {input};
  auto fields = input->schema->fields();
  for (const auto& spec : kCalls) {
    sql::AnalyticCall call;
    call.function = spec.function;
    call.count_star = spec.star;
    if (!spec.star) call.args = {fn::ColumnRef(1, columnar::int64(), "v")};
    if (spec.n > 0 || std::string(spec.function) == "lag") {
      call.args.push_back(fn::Literal(Scalar::Int64(spec.n)));
    }
    call.partition_by = {fn::ColumnRef(0, columnar::int64(), "k")};
    call.order_by = {fn::ColumnRef(2, columnar::timestamp(), "ts")};
    call.descending = {false};
    call.has_frame = std::string(spec.function) != "lag";
    call.frame_start = call.has_frame ? spec.start : INT64_MIN;
    call.frame_end = call.has_frame ? spec.end : 0;
    const std::string f = spec.function;
    call.type = f == "avg" ? columnar::float64() : columnar::int64();
    fields.push_back(std::make_shared<columnar::Field>(f, call.type));
    node.analytics.push_back(call);
  }
  node.schema = std::make_shared<columnar::Schema>(fields);
  node.streaming_over = true;
  node.over_time.lag = 0;  // a source's watermark column: inclusive, any value
  return node;
}

columnar::RecordBatchPtr MakeBatch(const std::vector<InputRow>& rows, size_t from, size_t to) {
  std::vector<Scalar> k, v, ts;
  for (size_t i = from; i < to; ++i) {
    k.push_back(Scalar::Int64(rows[i].k));
    v.push_back(rows[i].v ? Scalar::Int64(*rows[i].v) : Scalar::Null(columnar::int64()));
    ts.push_back(Scalar::Timestamp(rows[i].ts));
  }
  return std::make_shared<const columnar::RecordBatch>(
      InputSchema(), static_cast<int64_t>(to - from),
      std::vector<columnar::ArrayPtr>{*columnar::ArrayFromScalars(columnar::int64(), k),
                                      *columnar::ArrayFromScalars(columnar::int64(), v),
                                      *columnar::ArrayFromScalars(columnar::timestamp(), ts)});
}

// Times go up by 1 ms per row and jump back up to 4 ms (never behind the watermark), so rows
// arrive out of order and often share a time.
std::vector<InputRow> RandomRows(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  std::vector<InputRow> rows;
  for (int i = 0; i < n; ++i) {
    std::optional<int64_t> v;
    if (rng() % 6 != 0) v = static_cast<int64_t>(rng() % 100) - 30;
    rows.push_back({static_cast<int64_t>(rng() % 5), v,
                    (static_cast<int64_t>(i) - static_cast<int64_t>(rng() % 5)) * 1000});
  }
  return rows;
}

// The expected output rows, as text, in (time, arrival) order.
std::vector<std::string> BruteForce(const std::vector<InputRow>& rows) {
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rows[a].ts < rows[b].ts; });
  std::map<int64_t, std::vector<size_t>> seen;  // partition → its rows so far, in order
  std::vector<std::string> out;
  for (size_t idx : order) {
    const InputRow& row = rows[idx];
    auto& part = seen[row.k];
    part.push_back(idx);
    const int64_t cur = static_cast<int64_t>(part.size()) - 1;
    std::string text = std::to_string(row.k) + "|" +
                       (row.v ? std::to_string(*row.v) : std::string("NULL")) + "|" +
                       Scalar::Timestamp(row.ts).ToString() + "|";
    for (const auto& spec : kCalls) {
      const std::string fname = spec.function;
      if (IsValueFunction(fname)) {
        // One row of the partition (values NULL or not), or NULL when there is none.
        const int64_t lo = spec.start == INT64_MIN ? 0 : std::max<int64_t>(0, cur + spec.start);
        const int64_t hi = cur + spec.end;
        int64_t at = -1;
        if (fname == "lag") {
          at = cur - spec.n;
        } else if (lo <= hi) {
          at = fname == "first_value" ? lo : fname == "last_value" ? hi : lo + spec.n - 1;
          if (at > hi) at = -1;
        }
        const auto& v = at >= 0 ? rows[part[static_cast<size_t>(at)]].v : std::nullopt;
        text += (v ? Scalar::Int64(*v) : Scalar::Null(columnar::int64())).ToString() + "|";
        continue;
      }
      const int64_t lo = spec.start == INT64_MIN ? 0 : std::max<int64_t>(0, cur + spec.start);
      const int64_t hi = cur + spec.end;
      int64_t count = 0, isum = 0;
      double dsum = 0;
      std::optional<int64_t> best;
      for (int64_t j = lo; j <= hi; ++j) {
        const auto& v = rows[part[static_cast<size_t>(j)]].v;
        if (spec.star) {
          ++count;
          continue;
        }
        if (!v) continue;
        ++count;
        isum += *v;
        dsum += static_cast<double>(*v);
        if (std::string(spec.function) == "min") best = best ? std::min(*best, *v) : *v;
        if (std::string(spec.function) == "max") best = best ? std::max(*best, *v) : *v;
      }
      const std::string f = spec.function;
      Scalar r = Scalar::Null(columnar::int64());
      if (f == "count") {
        r = Scalar::Int64(count);
      } else if (count > 0 && f == "sum") {
        r = Scalar::Int64(isum);
      } else if (count > 0 && f == "avg") {
        r = Scalar::Float64(dsum / static_cast<double>(count));
      } else if (count > 0) {
        r = Scalar::Int64(*best);
      }
      text += r.ToString() + "|";
    }
    out.push_back(std::move(text));
  }
  return out;
}

void Collect(const std::vector<Delta>& deltas, std::vector<std::string>* rows) {
  for (const auto& d : deltas) {
    for (int64_t r = 0; r < d.num_rows(); ++r) {
      std::string text;
      for (int c = 0; c < d.batch->num_columns(); ++c) {
        text += columnar::GetScalar(*d.batch->column(c), r).ToString() + "|";
      }
      rows->push_back(std::move(text));
    }
  }
}

// Feeds rows [from, to) in batches of `batch_size`, advancing the watermark after each batch.
void Feed(OverWindowOperator* op, const std::vector<InputRow>& rows, size_t from, size_t to,
          size_t batch_size, int64_t* max_ts, std::vector<std::string>* out) {
  for (size_t i = from; i < to; i += batch_size) {
    const size_t end = std::min(to, i + batch_size);
    std::vector<Delta> deltas;
    Delta d;
    d.batch = MakeBatch(rows, i, end);
    ASSERT_TRUE(op->Process(d, &deltas).ok());
    EXPECT_EQ(op->StateBytes(), op->RecountStateBytes());
    for (size_t j = i; j < end; ++j) *max_ts = std::max(*max_ts, rows[j].ts);
    ASSERT_TRUE(op->AdvanceWatermark(*max_ts - kDelay, &deltas).ok());
    EXPECT_EQ(op->StateBytes(), op->RecountStateBytes());
    Collect(deltas, out);
  }
}

void Finish(OverWindowOperator* op, std::vector<std::string>* out) {
  std::vector<Delta> deltas;
  ASSERT_TRUE(op->AdvanceWatermark(int64_t{1} << 60, &deltas).ok());
  EXPECT_EQ(op->StateBytes(), op->RecountStateBytes());
  Collect(deltas, out);
}

std::unique_ptr<OverWindowOperator> MakeOp() {
  auto op = OverWindowOperator::Make(OverNode());
  EXPECT_TRUE(op.ok()) << op.status().ToString();
  return op.ok() ? std::move(*op) : nullptr;
}

class OverWindowOperatorTest : public ::testing::TestWithParam<size_t> {};

TEST_P(OverWindowOperatorTest, MatchesBruteForceAndSnapshotsAreBatchIndependent) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    const auto rows = RandomRows(seed, 300);
    auto op = MakeOp();
    ASSERT_NE(op, nullptr);
    std::vector<std::string> out;
    int64_t max_ts = INT64_MIN;
    Feed(op.get(), rows, 0, rows.size(), GetParam(), &max_ts, &out);
    Finish(op.get(), &out);
    ASSERT_EQ(out.size(), rows.size());  // every row once the watermark passed them all
    EXPECT_EQ(out, BruteForce(rows)) << "seed " << seed;
    EXPECT_EQ(op->late_dropped(), 0u);
    // Same final state as one batch.
    auto whole = MakeOp();
    std::vector<std::string> ignored;
    int64_t whole_max = INT64_MIN;
    Feed(whole.get(), rows, 0, rows.size(), rows.size(), &whole_max, &ignored);
    Finish(whole.get(), &ignored);
    std::string a, b;
    ASSERT_TRUE(op->Snapshot(&a).ok());
    ASSERT_TRUE(whole->Snapshot(&b).ok());
    EXPECT_EQ(a, b) << "seed " << seed;
  }
}

TEST_P(OverWindowOperatorTest, RestoreContinuesExactly) {
  const auto rows = RandomRows(42, 400);
  auto op = MakeOp();
  std::vector<std::string> out;
  int64_t max_ts = INT64_MIN;
  Feed(op.get(), rows, 0, 200, GetParam(), &max_ts, &out);
  std::string image;
  ASSERT_TRUE(op->Snapshot(&image).ok());
  auto restored = MakeOp();
  ASSERT_TRUE(restored->Restore(image).ok());
  // Same pending rows, partitions and rings: same estimate.
  EXPECT_GT(restored->StateBytes(), 0);
  EXPECT_EQ(restored->StateBytes(), op->StateBytes());
  EXPECT_EQ(restored->StateBytes(), restored->RecountStateBytes());
  std::string again;
  ASSERT_TRUE(restored->Snapshot(&again).ok());
  EXPECT_EQ(image, again);  // byte-stable
  std::vector<std::string> rest_a = out, rest_b = out;
  int64_t max_b = max_ts;
  Feed(op.get(), rows, 200, rows.size(), GetParam(), &max_ts, &rest_a);
  Finish(op.get(), &rest_a);
  Feed(restored.get(), rows, 200, rows.size(), GetParam(), &max_b, &rest_b);
  Finish(restored.get(), &rest_b);
  EXPECT_EQ(rest_a, rest_b);
  EXPECT_EQ(rest_b, BruteForce(rows));
}

TEST_P(OverWindowOperatorTest, LateAndNullTimesAreDroppedAndCounted) {
  auto op = MakeOp();
  std::vector<InputRow> rows = {{1, 10, 50'000}, {1, 20, 60'000}};
  std::vector<std::string> out;
  int64_t max_ts = INT64_MIN;
  Feed(op.get(), rows, 0, rows.size(), GetParam(), &max_ts, &out);  // watermark 55 ms
  ASSERT_EQ(out.size(), 1u);
  // One pending row (128), one partition with one key value (64 + 32) whose ring holds one
  // row of one argument value per call (32 each): the estimate formula is unchanged.
  const auto calls = static_cast<int64_t>(kCalls.size());
  EXPECT_EQ(op->StateBytes(), 128 + 96 + calls * 32);
  // 40 ms is below the watermark: its place in the partition's order has passed.
  std::vector<InputRow> late = {{1, 30, 40'000}};
  Feed(op.get(), late, 0, 1, 1, &max_ts, &out);
  auto ts = std::make_shared<const columnar::RecordBatch>(
      InputSchema(), 1,
      std::vector<columnar::ArrayPtr>{
          *columnar::ArrayFromScalars(columnar::int64(), {Scalar::Int64(1)}),
          *columnar::ArrayFromScalars(columnar::int64(), {Scalar::Int64(5)}),
          *columnar::ArrayFromScalars(columnar::timestamp(),
                                      {Scalar::Null(columnar::timestamp())})});
  std::vector<Delta> deltas;
  Delta d;
  d.batch = ts;
  ASSERT_TRUE(op->Process(d, &deltas).ok());
  EXPECT_EQ(op->late_dropped(), 2u);
  Finish(op.get(), &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].substr(0, 5), "1|20|");
}

TEST(OverWindowOperatorRestore, RejectsDamagedImagesAndStaysUnchanged) {
  const auto rows = RandomRows(7, 100);
  auto op = MakeOp();
  std::vector<std::string> out;
  int64_t max_ts = INT64_MIN;
  Feed(op.get(), rows, 0, rows.size(), 10, &max_ts, &out);  // pending rows remain
  std::string image;
  ASSERT_TRUE(op->Snapshot(&image).ok());
  auto fresh = MakeOp();
  std::string empty_image;
  ASSERT_TRUE(fresh->Snapshot(&empty_image).ok());
  for (size_t cut = 0; cut < image.size(); cut += 7) {
    Status st = fresh->Restore(std::string_view(image).substr(0, cut));
    EXPECT_FALSE(st.ok()) << "cut " << cut;
    std::string now;
    ASSERT_TRUE(fresh->Snapshot(&now).ok());
    ASSERT_EQ(now, empty_image) << "cut " << cut;
    ASSERT_EQ(fresh->StateBytes(), 0) << "cut " << cut;
  }
  EXPECT_FALSE(fresh->Restore(image + "x").ok());
  EXPECT_TRUE(fresh->Restore(image).ok());
  EXPECT_EQ(fresh->StateBytes(), op->StateBytes());
  EXPECT_EQ(fresh->StateBytes(), fresh->RecountStateBytes());
  // Restoring over a populated operator replaces its counters too.
  ASSERT_TRUE(op->Restore(empty_image).ok());
  EXPECT_EQ(op->StateBytes(), 0);
  EXPECT_EQ(op->RecountStateBytes(), 0);
}

// Rings fill up to the largest reach (4 rows here: COUNT over 3 PRECEDING to 1 PRECEDING, LAG 3)
// and then stay that long; partitions are never dropped. The counter follows through many
// partitions.
TEST(OverWindowOperatorStateBytes, RingsAndPartitionsFollowTheCounter) {
  std::vector<InputRow> rows;
  for (int i = 0; i < 2000; ++i) rows.push_back({i % 97, i, int64_t{i} * 1000});
  auto op = MakeOp();
  std::vector<std::string> out;
  int64_t max_ts = INT64_MIN;
  Feed(op.get(), rows, 0, rows.size(), 50, &max_ts, &out);
  Finish(op.get(), &out);
  EXPECT_EQ(out.size(), rows.size());
  // No pending rows; 97 partitions of one key value, each ring at 4 rows of one value per call.
  EXPECT_EQ(op->StateBytes(), 97 * (96 + 4 * static_cast<int64_t>(kCalls.size()) * 32));
  EXPECT_EQ(op->StateBytes(), op->RecountStateBytes());
}

INSTANTIATE_TEST_SUITE_P(BatchSizes, OverWindowOperatorTest, ::testing::Values(1, 3, 64));

}  // namespace
}  // namespace laminar::execution
