// AggregateOperator with TUMBLE and HOP windows over an integer key (the window-keyed group
// table): EMIT ON WINDOW CLOSE output equals a brute-force model (late rows dropped per window
// the same way) for input batches of 1, 3, 64 and 5000 rows (which rows are late depends on the
// batching; the model follows the same watermarks), and a snapshot taken mid-stream restores
// into a fresh operator that then produces exactly the same rows, in the same order.

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <tuple>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "execution/operator.h"

namespace laminar::execution {
namespace {

namespace fn = laminar::function;

constexpr int64_t kSize = 10'000;
constexpr int64_t kSlide = 2'000;
constexpr int64_t kDelay = 3'000;  // watermark = max time seen - kDelay

struct Row {
  std::optional<int64_t> k;
  int64_t ts;
  int64_t v;
};

columnar::SchemaPtr InputSchema() {
  return columnar::MakeSchema(
      {{"k", columnar::int64()}, {"ts", columnar::timestamp()}, {"v", columnar::int64()}});
}

// SELECT k, window_start, window_end, COUNT(*), SUM(v) GROUP BY k, <window>(ts).
sql::PlanNode AggregateNode(sql::WindowKind kind) {
  auto input = std::make_shared<sql::PlanNode>();
  input->kind = sql::PlanKind::kScan;
  input->schema = InputSchema();
  sql::PlanNode node;
  node.kind = sql::PlanKind::kAggregate;
  node.inputs = {input};
  node.group_exprs = {fn::ColumnRef(0, columnar::int64(), "k")};
  node.window.kind = kind;
  node.window.time_expr = fn::ColumnRef(1, columnar::timestamp(), "ts");
  node.window.size = kSize;
  node.window.slide = kind == sql::WindowKind::kHop ? kSlide : 0;
  sql::AggregateCall count;
  count.function = "count";
  count.count_star = true;
  count.type = columnar::int64();
  sql::AggregateCall sum;
  sum.function = "sum";
  sum.args = {fn::ColumnRef(2, columnar::int64(), "v")};
  sum.type = columnar::int64();
  node.aggregates = {count, sum};
  node.schema = columnar::MakeSchema({{"k", columnar::int64()},
                                      {"window_start", columnar::timestamp()},
                                      {"window_end", columnar::timestamp()},
                                      {"n", columnar::int64()},
                                      {"total", columnar::int64()}});
  return node;
}

std::vector<Row> RandomRows(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Row> rows;
  int64_t t = 0;
  for (int64_t i = 0; i < n; ++i) {
    t += static_cast<int64_t>(rng() % 40);
    Row r;
    if (rng() % 12 != 0) r.k = static_cast<int64_t>(rng() % 30);
    // Some rows arrive out of order, a few late enough to miss closed windows.
    r.ts = t - (rng() % 8 == 0 ? static_cast<int64_t>(rng() % 6000) : 0);
    r.v = static_cast<int64_t>(rng() % 100) - 20;
    rows.push_back(r);
  }
  return rows;
}

Delta MakeDelta(const std::vector<Row>& rows, size_t from, size_t to) {
  columnar::FixedWidthBuilder<int64_t> k(columnar::int64());
  std::vector<int64_t> ts, v;
  for (size_t i = from; i < to; ++i) {
    if (rows[i].k) {
      k.Append(*rows[i].k);
    } else {
      k.AppendNull();
    }
    ts.push_back(rows[i].ts);
    v.push_back(rows[i].v);
  }
  Delta d;
  d.batch = std::make_shared<const columnar::RecordBatch>(
      InputSchema(), static_cast<int64_t>(to - from),
      std::vector<columnar::ArrayPtr>{k.Finish(), columnar::MakeTimestampArray(ts),
                                      columnar::MakeInt64Array(v)});
  return d;
}

using OutRow = std::string;  // "k|start|end|n|total"

void Collect(const std::vector<Delta>& out, std::vector<OutRow>* rows) {
  for (const auto& d : out) {
    ASSERT_FALSE(d.has_weights());
    for (int64_t r = 0; r < d.num_rows(); ++r) {
      std::string line;
      for (int c = 0; c < d.batch->num_columns(); ++c) {
        if (c > 0) line += "|";
        line += columnar::GetScalar(*d.batch->column(c), r).ToString();
      }
      rows->push_back(line);
    }
  }
}

// Feeds rows[from, to) in batches of `batch`, advancing the watermark after each batch.
void Feed(StreamOperator& op, const std::vector<Row>& rows, size_t from, size_t to, size_t batch,
          int64_t* max_ts, std::vector<OutRow>* out) {
  for (size_t at = from; at < to; at += batch) {
    const size_t end = std::min(to, at + batch);
    std::vector<Delta> produced;
    ASSERT_TRUE(op.Process(MakeDelta(rows, at, end), &produced).ok());
    for (size_t i = at; i < end; ++i) *max_ts = std::max(*max_ts, rows[i].ts);
    ASSERT_TRUE(op.AdvanceWatermark(*max_ts - kDelay, &produced).ok());
    Collect(produced, out);
  }
}

// A fresh operator for `node` fed every row in batches of `batch`, then a final watermark that
// closes every window: all it emitted, in order.
void RunToEnd(const sql::PlanNode& node, const AggregateOptions& options,
              const std::vector<Row>& rows, size_t batch, std::vector<OutRow>* out) {
  auto op = AggregateOperator::Make(node, options);
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  int64_t max_ts = INT64_MIN;
  Feed(**op, rows, 0, rows.size(), batch, &max_ts, out);
  std::vector<Delta> last;
  ASSERT_TRUE((*op)->AdvanceWatermark(INT64_MAX, &last).ok());
  Collect(last, out);
}

// t rounded down to a multiple of `step` (also for negative t: early rows can be).
int64_t Floor(int64_t t, int64_t step) {
  const int64_t q = t / step;
  return (t % step < 0 ? q - 1 : q) * step;
}

// The model: per (window, key) count and sum of the rows whose window was still open (end >
// watermark) when their batch arrived; every window with a row is emitted at the end.
std::vector<OutRow> Model(const std::vector<Row>& rows, size_t batch, sql::WindowKind kind) {
  std::map<std::tuple<int64_t, int64_t, std::optional<int64_t>>, std::pair<int64_t, int64_t>> acc;
  int64_t watermark = INT64_MIN, max_ts = INT64_MIN;
  for (size_t at = 0; at < rows.size(); at += batch) {
    const size_t end = std::min(rows.size(), at + batch);
    for (size_t i = at; i < end; ++i) {
      const Row& r = rows[i];
      std::vector<int64_t> starts;
      if (kind == sql::WindowKind::kTumble) {
        starts.push_back(Floor(r.ts, kSize));
      } else {
        for (int64_t st = Floor(r.ts, kSlide); st > r.ts - kSize; st -= kSlide) {
          starts.insert(starts.begin(), st);
        }
      }
      for (int64_t st : starts) {
        if (watermark != INT64_MIN && st + kSize <= watermark) continue;  // closed: late
        auto& [n, total] = acc[{st + kSize, st, r.k}];
        ++n;
        total += r.v;
      }
      max_ts = std::max(max_ts, r.ts);
    }
    watermark = std::max(watermark, max_ts - kDelay);
  }
  std::vector<OutRow> out;
  for (const auto& [key, value] : acc) {
    const auto& [wend, wstart, k] = key;
    out.push_back((k ? std::to_string(*k) : std::string("NULL")) + "|" +
                  columnar::Scalar(columnar::timestamp(), wstart).ToString() + "|" +
                  columnar::Scalar(columnar::timestamp(), wend).ToString() + "|" +
                  std::to_string(value.first) + "|" + std::to_string(value.second));
  }
  std::sort(out.begin(), out.end());
  return out;
}

class WindowAggregateTest : public ::testing::TestWithParam<sql::WindowKind> {};

TEST_P(WindowAggregateTest, MatchesModelForAnyBatchSize) {
  const auto kind = GetParam();
  const auto rows = RandomRows(6000, 5);
  AggregateOptions options;
  options.emit = EmitMode::kOnClose;
  for (size_t batch : {size_t{1}, size_t{3}, size_t{64}, size_t{5000}}) {
    std::vector<OutRow> out;
    ASSERT_NO_FATAL_FAILURE(RunToEnd(AggregateNode(kind), options, rows, batch, &out));
    std::vector<OutRow> sorted = out;
    std::sort(sorted.begin(), sorted.end());
    const auto model = Model(rows, batch, kind);
    std::vector<OutRow> only_op, only_model;
    std::set_difference(sorted.begin(), sorted.end(), model.begin(), model.end(),
                        std::back_inserter(only_op));
    std::set_difference(model.begin(), model.end(), sorted.begin(), sorted.end(),
                        std::back_inserter(only_model));
    ASSERT_EQ(only_op, only_model) << "batch " << batch;
    ASSERT_EQ(sorted.size(), model.size());
    EXPECT_GT(out.size(), 100u);
  }
}

TEST_P(WindowAggregateTest, SnapshotRestoresMidStream) {
  const auto kind = GetParam();
  const auto rows = RandomRows(4000, 9);
  AggregateOptions options;
  options.emit = EmitMode::kOnClose;
  for (size_t batch : {size_t{1}, size_t{64}}) {
    auto a = AggregateOperator::Make(AggregateNode(kind), options);
    ASSERT_TRUE(a.ok());
    std::vector<OutRow> before, after_a, after_b;
    int64_t max_a = INT64_MIN;
    Feed(**a, rows, 0, rows.size() / 2, batch, &max_a, &before);
    std::string image;
    ASSERT_TRUE((*a)->Snapshot(&image).ok());
    auto b = AggregateOperator::Make(AggregateNode(kind), options);
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE((*b)->Restore(image).ok());
    std::string again;
    ASSERT_TRUE((*b)->Snapshot(&again).ok());
    EXPECT_EQ(again, image);  // byte-stable through a restore
    int64_t max_b = max_a;
    Feed(**a, rows, rows.size() / 2, rows.size(), batch, &max_a, &after_a);
    Feed(**b, rows, rows.size() / 2, rows.size(), batch, &max_b, &after_b);
    std::vector<Delta> last_a, last_b;
    ASSERT_TRUE((*a)->AdvanceWatermark(INT64_MAX, &last_a).ok());
    ASSERT_TRUE((*b)->AdvanceWatermark(INT64_MAX, &last_b).ok());
    Collect(last_a, &after_a);
    Collect(last_b, &after_b);
    EXPECT_FALSE(after_a.empty());
    EXPECT_EQ(after_a, after_b) << "batch " << batch;
    // A damaged image is rejected.
    auto c = AggregateOperator::Make(AggregateNode(kind), options);
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE((*c)->Restore(std::string_view(image).substr(0, image.size() / 2)).ok());
  }
}

// SELECT window_start, window_end, COUNT(*), SUM(v), MAX(v) GROUP BY TUMBLE(ts) (no keys: a
// batch inside one window is looked up as one group; MAX takes runs of one group at once).
TEST(AggregateOperator, NoKeyTumbleMatchesModel) {
  const auto rows = RandomRows(6000, 17);
  sql::PlanNode node = AggregateNode(sql::WindowKind::kTumble);
  node.group_exprs.clear();
  sql::AggregateCall max;
  max.function = "max";
  max.args = {fn::ColumnRef(2, columnar::int64(), "v")};
  max.type = columnar::int64();
  node.aggregates.push_back(max);
  node.schema = columnar::MakeSchema({{"window_start", columnar::timestamp()},
                                      {"window_end", columnar::timestamp()},
                                      {"n", columnar::int64()},
                                      {"total", columnar::int64()},
                                      {"top", columnar::int64()}});
  AggregateOptions options;
  options.emit = EmitMode::kOnClose;
  for (size_t batch : {size_t{1}, size_t{3}, size_t{64}, size_t{700}, size_t{5000}}) {
    // Model: per window, count / sum / max of the rows not late when their batch arrived.
    struct Acc {
      int64_t n = 0, total = 0, top = INT64_MIN;
    };
    std::map<int64_t, Acc> acc;
    int64_t watermark = INT64_MIN, seen = INT64_MIN;
    for (size_t at = 0; at < rows.size(); at += batch) {
      const size_t end = std::min(rows.size(), at + batch);
      for (size_t i = at; i < end; ++i) {
        const int64_t st = Floor(rows[i].ts, kSize);
        seen = std::max(seen, rows[i].ts);
        if (watermark != INT64_MIN && st + kSize <= watermark) continue;
        Acc& a = acc[st];
        ++a.n;
        a.total += rows[i].v;
        a.top = std::max(a.top, rows[i].v);
      }
      watermark = std::max(watermark, seen - kDelay);
    }
    std::vector<OutRow> model;
    for (const auto& [st, a] : acc) {
      model.push_back(columnar::Scalar(columnar::timestamp(), st).ToString() + "|" +
                      columnar::Scalar(columnar::timestamp(), st + kSize).ToString() + "|" +
                      std::to_string(a.n) + "|" + std::to_string(a.total) + "|" +
                      std::to_string(a.top));
    }
    std::vector<OutRow> out;
    ASSERT_NO_FATAL_FAILURE(RunToEnd(node, options, rows, batch, &out));
    // Windows close in order: the output is already sorted by window start.
    EXPECT_EQ(out, model) << "batch " << batch;
    EXPECT_GT(out.size(), 10u);
  }
}

INSTANTIATE_TEST_SUITE_P(AggregateOperator, WindowAggregateTest,
                         ::testing::Values(sql::WindowKind::kTumble, sql::WindowKind::kHop));

}  // namespace
}  // namespace laminar::execution
