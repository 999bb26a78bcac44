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
#include "execution/tests/delta_rows.h"

namespace laminar::execution {
namespace {

namespace fn = laminar::function;
using testing::CollectRows;

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

// Feeds rows[from, to) in batches of `batch`, advancing the watermark after each batch.
void Feed(StreamOperator& op, const std::vector<Row>& rows, size_t from, size_t to, size_t batch,
          int64_t* max_ts, std::vector<OutRow>* out) {
  for (size_t at = from; at < to; at += batch) {
    const size_t end = std::min(to, at + batch);
    std::vector<Delta> produced;
    ASSERT_TRUE(op.Process(MakeDelta(rows, at, end), &produced).ok());
    for (size_t i = at; i < end; ++i) *max_ts = std::max(*max_ts, rows[i].ts);
    ASSERT_TRUE(op.AdvanceWatermark(*max_ts - kDelay, &produced).ok());
    CollectRows(produced, out);
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
  CollectRows(last, out);
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
    CollectRows(last_a, &after_a);
    CollectRows(last_b, &after_b);
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

// q8's person aggregate: SELECT id, name, window_start, window_end [, COUNT(*)] GROUP BY id, name,
// TUMBLE(ts) — a (BIGINT, VARCHAR) key, so the group table keeps per-window parts over encoded
// keys. Rows cover three windows, NULL ids and names, empty and long names, and repeats.
columnar::SchemaPtr StringKeyInput() {
  return columnar::MakeSchema(
      {{"id", columnar::int64()}, {"name", columnar::utf8()}, {"ts", columnar::timestamp()}});
}

sql::PlanNode StringKeyNode(bool count) {
  auto input = std::make_shared<sql::PlanNode>();
  input->kind = sql::PlanKind::kScan;
  input->schema = StringKeyInput();
  sql::PlanNode node;
  node.kind = sql::PlanKind::kAggregate;
  node.inputs = {input};
  node.group_exprs = {fn::ColumnRef(0, columnar::int64(), "id"),
                      fn::ColumnRef(1, columnar::utf8(), "name")};
  node.window.kind = sql::WindowKind::kTumble;
  node.window.time_expr = fn::ColumnRef(2, columnar::timestamp(), "ts");
  node.window.size = kSize;
  std::vector<columnar::Field> fields{{"id", columnar::int64()},
                                      {"name", columnar::utf8()},
                                      {"window_start", columnar::timestamp()},
                                      {"window_end", columnar::timestamp()}};
  if (count) {
    sql::AggregateCall c;
    c.function = "count";
    c.count_star = true;
    c.type = columnar::int64();
    node.aggregates = {c};
    fields.emplace_back("n", columnar::int64());
  }
  node.schema = columnar::MakeSchema(fields);
  return node;
}

// Rows [from, to) of a fixed stream: ts rises 900 µs per row (three 10 ms windows in 33 rows).
Delta StringKeyDelta(int from, int to) {
  columnar::FixedWidthBuilder<int64_t> id(columnar::int64());
  columnar::BinaryBuilder name(columnar::utf8());
  std::vector<int64_t> ts;
  for (int i = from; i < to; ++i) {
    if (i % 11 == 5) {
      id.AppendNull();
    } else {
      id.Append(i % 7);
    }
    if (i % 9 == 4) {
      name.AppendNull();
    } else if (i % 5 == 0) {
      name.Append("");
    } else {
      name.Append(i % 3 == 0 ? std::string(40, static_cast<char>('a' + i % 4))
                             : "p" + std::to_string(i % 4));
    }
    ts.push_back(int64_t{900} * i);
  }
  Delta d;
  d.batch = std::make_shared<const columnar::RecordBatch>(
      StringKeyInput(), to - from,
      std::vector<columnar::ArrayPtr>{id.Finish(), name.Finish(),
                                      columnar::MakeTimestampArray(ts)});
  return d;
}

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Images of the string-key aggregate after rows [0, 24) in batches of 4 (one window closed, two
// open), written by the code before window parts kept only GROUP BY bytes and before non-changelog
// aggregates stopped sizing their emitted-row arrays: the checkpoint format must not move.
constexpr const char* kStringKeyOnCloseImage =
    "4c414753010101020000000000000004000000543d000000000000000000000000000014000000640200000102"
    "14000000ffffffff08000000000000000100000002000000030000000400000005000000060000000700000000"
    "00000000000000012200000001204e000000000000013075000000000000010200000000000000010200000070"
    "33011c00000001102700000000000001204e000000000000010100000000000000000148000000011027000000"
    "00000001204e000000000000010000000000000000012800000062626262626262626262626262626262626262"
    "626262626262626262626262626262626262626262012000000001102700000000000001204e00000000000001"
    "06000000000000000100000000014800000001102700000000000001204e000000000000010500000000000000"
    "012800000061616161616161616161616161616161616161616161616161616161616161616161616161616161"
    "011c00000001102700000000000001204e00000000000001060000000000000000012200000001102700000000"
    "000001204e00000000000001000000000000000001020000007032012000000001102700000000000001204e00"
    "00000000000101000000000000000100000000011a00000001102700000000000001204e000000000000000102"
    "0000007030012200000001102700000000000001204e0000000000000103000000000000000102000000703101"
    "4800000001102700000000000001204e0000000000000104000000000000000128000000636363636363636363"
    "636363636363636363636363636363636363636363636363636363636363630122000000011027000000000000"
    "01204e000000000000010500000000000000010200000070330000000000000000102700000000000000000000"
    "000000000000000000000000000000000000102700000000000000000000000000000000000000000000000000"
    "000000102700000000000000000000000000000000000000000000000000000000102700000000000000000000"
    "000000000000000000000000000000000000102700000000000000000000000000000000000000000000000000"
    "000000102700000000000000000000000000000000000000000000000000000000102700000000000000000000"
    "00000000000000000000000000000000000010270000000000000000000000000000000000000000204e000000"
    "000000307500000000000001000000000000000000000000011027000000000000204e00000000000001000000"
    "000000000000000000011027000000000000204e00000000000001000000000000000000000000011027000000"
    "000000204e00000000000001000000000000000000000000011027000000000000204e00000000000001000000"
    "000000000000000000011027000000000000204e00000000000001000000000000000000000000011027000000"
    "000000204e00000000000001000000000000000000000000011027000000000000204e00000000000001000000"
    "000000000000000000011027000000000000204e00000000000001000000000000000000000000011027000000"
    "000000204e00000000000001000000000000000000000000011027000000000000204e00000000000001000000"
    "000000000000000000011027000000000000204e00000000000001000000000000000000000000010200000020"
    "4e00000000000010270000000000000b0000000c0000000d0000000e0000000f00000010000000110000001200"
    "0000130000000b0000000a000000090000003075000000000000204e0000000000000100000008000000000000"
    "0000000000";
constexpr const char* kStringKeyChangesImage =
    "4c414753010102020000000100000005000000543d000000000000000000000000000014000000640200000102"
    "14000000ffffffff08000000000000000100000002000000030000000400000005000000060000000700000000"
    "00000000000000012200000001204e000000000000013075000000000000010200000000000000010200000070"
    "33011c00000001102700000000000001204e000000000000010100000000000000000148000000011027000000"
    "00000001204e000000000000010000000000000000012800000062626262626262626262626262626262626262"
    "626262626262626262626262626262626262626262012000000001102700000000000001204e00000000000001"
    "06000000000000000100000000014800000001102700000000000001204e000000000000010500000000000000"
    "012800000061616161616161616161616161616161616161616161616161616161616161616161616161616161"
    "011c00000001102700000000000001204e00000000000001060000000000000000012200000001102700000000"
    "000001204e00000000000001000000000000000001020000007032012000000001102700000000000001204e00"
    "00000000000101000000000000000100000000011a00000001102700000000000001204e000000000000000102"
    "0000007030012200000001102700000000000001204e0000000000000103000000000000000102000000703101"
    "4800000001102700000000000001204e0000000000000104000000000000000128000000636363636363636363"
    "636363636363636363636363636363636363636363636363636363636363630122000000011027000000000000"
    "01204e00000000000001050000000000000001020000007033a000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000010000000000000001000000000000000100000000000000010000000000000001000000000000000100"
    "000000000000010000000000000001000000000000000100000000000000010000000000000001000000000000"
    "000100000000000000000000000000000010270000000000000000000000000000000000000000000000000000"
    "000010270000000000000000000000000000000000000000000000000000000010270000000000000000000000"
    "000000000000000000000000000000000010270000000000000000000000000000000000000000000000000000"
    "000010270000000000000000000000000000000000000000000000000000000010270000000000000000000000"
    "000000000000000000000000000000000010270000000000000000000000000000000000000000000000000000"
    "000010270000000000000000000000000000000000000000204e00000000000030750000000000000100000000"
    "0000000000000001011027000000000000204e0000000000000100000000000000000000000101102700000000"
    "0000204e00000000000001000000000000000000000001011027000000000000204e0000000000000100000000"
    "0000000000000001011027000000000000204e0000000000000100000000000000000000000101102700000000"
    "0000204e00000000000001000000000000000000000001011027000000000000204e0000000000000100000000"
    "0000000000000001011027000000000000204e0000000000000100000000000000000000000101102700000000"
    "0000204e00000000000001000000000000000000000001011027000000000000204e0000000000000100000000"
    "0000000000000001011027000000000000204e0000000000000100000000000000000000000101102700000000"
    "0000204e00000000000001000000000000000000000001010202000000000000000502000000703302204e0000"
    "000000000230750000000000000201000000000000000201000000000000000002102700000000000002204e00"
    "000000000002010000000000000002000000000000000005280000006262626262626262626262626262626262"
    "626262626262626262626262626262626262626262626202102700000000000002204e00000000000002010000"
    "0000000000020600000000000000050000000002102700000000000002204e0000000000000201000000000000"
    "000205000000000000000528000000616161616161616161616161616161616161616161616161616161616161"
    "6161616161616161616102102700000000000002204e0000000000000201000000000000000206000000000000"
    "000002102700000000000002204e00000000000002010000000000000002000000000000000005020000007032"
    "02102700000000000002204e000000000000020100000000000000020100000000000000050000000002102700"
    "000000000002204e000000000000020100000000000000000502000000703002102700000000000002204e0000"
    "000000000201000000000000000203000000000000000502000000703102102700000000000002204e00000000"
    "000002010000000000000002040000000000000005280000006363636363636363636363636363636363636363"
    "636363636363636363636363636363636363636302102700000000000002204e00000000000002010000000000"
    "00000205000000000000000502000000703302102700000000000002204e000000000000020100000000000000"
    "02000000204e00000000000010270000000000000b0000000c0000000d0000000e0000000f0000001000000011"
    "00000012000000130000000b0000000a000000090000003075000000000000204e000000000000010000000800"
    "00000000000000000000";

TEST(AggregateOperator, StringKeyWindowImagesMatchOldFormat) {
  for (const bool changes : {false, true}) {
    SCOPED_TRACE(changes ? "EMIT CHANGES + COUNT(*)" : "EMIT ON WINDOW CLOSE");
    AggregateOptions options;
    options.emit = changes ? EmitMode::kChanges : EmitMode::kOnClose;
    const sql::PlanNode node = StringKeyNode(changes);
    auto a = AggregateOperator::Make(node, options);
    ASSERT_TRUE(a.ok());
    std::vector<OutRow> before;
    for (int at = 0; at < 24; at += 4) {
      std::vector<Delta> out;
      ASSERT_TRUE((*a)->Process(StringKeyDelta(at, at + 4), &out).ok());
      ASSERT_TRUE((*a)->AdvanceWatermark(int64_t{900} * (at + 3) - 5'000, &out).ok());
      for (const auto& d : out) {
        for (int64_t r = 0; r < d.num_rows(); ++r) {
          std::string line =
              d.has_weights() ? std::to_string(d.weights[static_cast<size_t>(r)]) : "";
          for (int c = 0; c < d.batch->num_columns(); ++c) {
            line += "|" + columnar::GetScalar(*d.batch->column(c), r).ToString();
          }
          before.push_back(line);
        }
      }
    }
    EXPECT_FALSE(before.empty());
    std::string image;
    ASSERT_TRUE((*a)->Snapshot(&image).ok());
    const std::string golden = Unhex(changes ? kStringKeyChangesImage : kStringKeyOnCloseImage);
    EXPECT_EQ(Hex(image), Hex(golden));
    // The old image restores; both operators then emit the same rows for the rest of the stream.
    auto b = AggregateOperator::Make(node, options);
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE((*b)->Restore(golden).ok());
    std::string again;
    ASSERT_TRUE((*b)->Snapshot(&again).ok());
    EXPECT_EQ(again, golden);
    std::vector<Delta> out_a, out_b;
    ASSERT_TRUE((*a)->Process(StringKeyDelta(24, 40), &out_a).ok());
    ASSERT_TRUE((*b)->Process(StringKeyDelta(24, 40), &out_b).ok());
    ASSERT_TRUE((*a)->AdvanceWatermark(INT64_MAX, &out_a).ok());
    ASSERT_TRUE((*b)->AdvanceWatermark(INT64_MAX, &out_b).ok());
    std::vector<OutRow> rows_a, rows_b;
    for (auto* pair : {&out_a, &out_b}) {
      auto& rows = pair == &out_a ? rows_a : rows_b;
      for (const auto& d : *pair) {
        for (int64_t r = 0; r < d.num_rows(); ++r) {
          std::string line =
              d.has_weights() ? std::to_string(d.weights[static_cast<size_t>(r)]) : "";
          for (int c = 0; c < d.batch->num_columns(); ++c) {
            line += "|" + columnar::GetScalar(*d.batch->column(c), r).ToString();
          }
          rows.push_back(line);
        }
      }
    }
    EXPECT_GT(rows_a.size(), 10u);
    EXPECT_EQ(rows_a, rows_b);
  }
}

INSTANTIATE_TEST_SUITE_P(AggregateOperator, WindowAggregateTest,
                         ::testing::Values(sql::WindowKind::kTumble, sql::WindowKind::kHop));

}  // namespace
}  // namespace laminar::execution
