// HopSliceAggregateOperator against AggregateOperator over the same plan: the same rows in the
// same order (window by window, groups by first row) for integer, string, NULL and no keys,
// every aggregate it takes (with FILTER), allowed lateness, late and out-of-order rows, NULL
// times, retractions, and input batches of 1, 3, 64 and 5000 rows. Snapshots restore byte for
// byte mid-stream, damaged images are rejected, and an AggregateOperator image (a checkpoint
// from before slicing) restores and runs on as one.

#include "execution/hop_aggregate_operator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "execution/tests/delta_rows.h"

namespace laminar::execution {
namespace {

namespace fn = laminar::function;
using columnar::Scalar;
using testing::CollectRows;

constexpr int64_t kDelay = 3'000;  // watermark = max time seen - kDelay

struct Row {
  std::optional<int64_t> k;
  std::string s;
  std::optional<int64_t> ts;
  int64_t v;
  int64_t weight;
};

columnar::SchemaPtr InputSchema() {
  return columnar::MakeSchema({{"k", columnar::int64()},
                               {"s", columnar::utf8()},
                               {"ts", columnar::timestamp()},
                               {"v", columnar::int64()}});
}

enum class Keys { kInt, kString, kIntAndString, kNone };

struct Shape {
  Keys keys = Keys::kInt;
  int64_t size = 10'000;
  int64_t slide = 2'000;
  int64_t offset = 0;
  int64_t lateness = 0;
  bool retract = false;  // input retracts rows: only aggregates that take retractions
};

sql::AggregateCall Call(const std::string& function, bool on_v, const std::string& name) {
  sql::AggregateCall c;
  c.function = function;
  c.display = name;
  if (on_v) {
    c.args = {fn::ColumnRef(3, columnar::int64(), "v")};
  } else {
    c.count_star = true;
  }
  c.type = function == "avg" ? columnar::float64() : columnar::int64();
  return c;
}

// SELECT <keys>, window_start, window_end, COUNT(*), SUM(v), MIN(v), MAX(v), AVG(v),
//        COUNT(v) FILTER (WHERE v > 40)  GROUP BY <keys>, HOP(ts, slide, size).
sql::PlanNode HopNode(const Shape& shape) {
  auto input = std::make_shared<sql::PlanNode>();
  input->kind = sql::PlanKind::kScan;
  input->schema = InputSchema();
  sql::PlanNode node;
  node.kind = sql::PlanKind::kAggregate;
  node.inputs = {input};
  std::vector<columnar::Field> out;
  if (shape.keys == Keys::kInt || shape.keys == Keys::kIntAndString) {
    node.group_exprs.push_back(fn::ColumnRef(0, columnar::int64(), "k"));
    out.push_back({"k", columnar::int64()});
  }
  if (shape.keys == Keys::kString || shape.keys == Keys::kIntAndString) {
    node.group_exprs.push_back(fn::ColumnRef(1, columnar::utf8(), "s"));
    out.push_back({"s", columnar::utf8()});
  }
  node.window.kind = sql::WindowKind::kHop;
  node.window.time_expr = fn::ColumnRef(2, columnar::timestamp(), "ts");
  node.window.size = shape.size;
  node.window.slide = shape.slide;
  node.window.offset = shape.offset;
  out.push_back({"window_start", columnar::timestamp()});
  out.push_back({"window_end", columnar::timestamp()});
  node.aggregates = {Call("count", false, "n"), Call("sum", true, "total")};
  if (!shape.retract) {
    node.aggregates.push_back(Call("min", true, "lo"));
    node.aggregates.push_back(Call("max", true, "hi"));
  }
  node.aggregates.push_back(Call("avg", true, "mean"));
  node.aggregates.push_back(Call("count", true, "big"));
  node.aggregates.back().filter =
      fn::Call("gt", {fn::ColumnRef(3, columnar::int64(), "v"), fn::Literal(Scalar::Int64(40))},
               columnar::boolean());
  for (const auto& a : node.aggregates) out.push_back({a.display, a.type});
  node.schema = columnar::MakeSchema(out);
  return node;
}

std::vector<Row> RandomRows(int64_t n, uint64_t seed, bool retract) {
  std::mt19937_64 rng(seed);
  std::vector<Row> rows;
  int64_t t = 0;
  for (int64_t i = 0; i < n; ++i) {
    t += static_cast<int64_t>(rng() % 40);
    Row r;
    if (rng() % 12 != 0) r.k = static_cast<int64_t>(rng() % 30);
    r.s = std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 4));
    // Some rows arrive out of order, a few late enough to miss closed windows; a few have no
    // time at all.
    if (rng() % 50 != 0) r.ts = t - (rng() % 8 == 0 ? static_cast<int64_t>(rng() % 9000) : 0);
    r.v = static_cast<int64_t>(rng() % 100) - 20;
    // Retractions repeat an earlier row with weight -1.
    r.weight = 1;
    if (retract && !rows.empty() && rng() % 5 == 0) {
      r = rows[rng() % rows.size()];
      r.weight = -1;
    }
    rows.push_back(r);
  }
  return rows;
}

Delta MakeDelta(const std::vector<Row>& rows, size_t from, size_t to) {
  columnar::FixedWidthBuilder<int64_t> k(columnar::int64());
  columnar::FixedWidthBuilder<int64_t> ts(columnar::timestamp());
  std::vector<std::string> s;
  std::vector<int64_t> v;
  Delta d;
  bool weighted = false;
  for (size_t i = from; i < to; ++i) {
    rows[i].k ? k.Append(*rows[i].k) : k.AppendNull();
    rows[i].ts ? ts.Append(*rows[i].ts) : ts.AppendNull();
    s.push_back(rows[i].s);
    v.push_back(rows[i].v);
    d.weights.push_back(rows[i].weight);
    weighted |= rows[i].weight != 1;
  }
  if (!weighted) d.weights.clear();
  d.batch = std::make_shared<const columnar::RecordBatch>(
      InputSchema(), static_cast<int64_t>(to - from),
      std::vector<columnar::ArrayPtr>{k.Finish(), columnar::MakeStringArray(s), ts.Finish(),
                                      columnar::MakeInt64Array(v)});
  return d;
}

void Feed(StreamOperator& op, const std::vector<Row>& rows, size_t from, size_t to, size_t batch,
          int64_t* max_ts, std::vector<std::string>* out) {
  for (size_t at = from; at < to; at += batch) {
    const size_t end = std::min(to, at + batch);
    std::vector<Delta> produced;
    Status st = op.Process(MakeDelta(rows, at, end), &produced);
    ASSERT_TRUE(st.ok()) << st.ToString();
    for (size_t i = at; i < end; ++i) {
      if (rows[i].ts) *max_ts = std::max(*max_ts, *rows[i].ts);
    }
    st = op.AdvanceWatermark(*max_ts - kDelay, &produced);
    ASSERT_TRUE(st.ok()) << st.ToString();
    CollectRows(produced, out, /*mark_batches=*/true);
  }
}

void RunToEnd(StreamOperator& op, const std::vector<Row>& rows, size_t batch,
              std::vector<std::string>* out) {
  int64_t max_ts = INT64_MIN;
  ASSERT_NO_FATAL_FAILURE(Feed(op, rows, 0, rows.size(), batch, &max_ts, out));
  std::vector<Delta> last;
  ASSERT_TRUE(op.AdvanceWatermark(INT64_MAX, &last).ok());
  CollectRows(last, out, /*mark_batches=*/true);
}

AggregateOptions OnClose(int64_t lateness) {
  AggregateOptions options;
  options.emit = EmitMode::kOnClose;
  options.allowed_lateness = lateness;
  return options;
}

struct Case {
  const char* name;
  Shape shape;
  size_t min_rows;  // rows the plain operator emits at least (the test data is not trivial)
};

class HopSliceTest : public ::testing::TestWithParam<Case> {};

TEST_P(HopSliceTest, SameRowsInTheSameOrderAsAggregateOperator) {
  const Case& c = GetParam();
  const auto node = HopNode(c.shape);
  const auto options = OnClose(c.shape.lateness);
  ASSERT_TRUE(HopSliceAggregateOperator::Applies(node, options));
  const auto rows = RandomRows(5000, 7, c.shape.retract);
  for (size_t batch : {size_t{1}, size_t{3}, size_t{64}, size_t{5000}}) {
    auto sliced = HopSliceAggregateOperator::Make(node, options);
    auto plain = AggregateOperator::Make(node, options);
    ASSERT_TRUE(sliced.ok()) << sliced.status().ToString();
    ASSERT_TRUE(plain.ok());
    std::vector<std::string> got, want;
    ASSERT_NO_FATAL_FAILURE(RunToEnd(**sliced, rows, batch, &got));
    ASSERT_NO_FATAL_FAILURE(RunToEnd(**plain, rows, batch, &want));
    ASSERT_EQ(got, want) << c.name << ", batch " << batch;
    EXPECT_GT(want.size(), c.min_rows);
  }
}

TEST_P(HopSliceTest, SnapshotRestoresMidStream) {
  const Case& c = GetParam();
  const auto node = HopNode(c.shape);
  const auto options = OnClose(c.shape.lateness);
  const auto rows = RandomRows(3000, 11, c.shape.retract);
  for (size_t batch : {size_t{1}, size_t{64}}) {
    auto a = HopSliceAggregateOperator::Make(node, options);
    ASSERT_TRUE(a.ok());
    std::vector<std::string> before, after_a, after_b;
    int64_t max_a = INT64_MIN;
    ASSERT_NO_FATAL_FAILURE(Feed(**a, rows, 0, rows.size() / 2, batch, &max_a, &before));
    std::string image;
    ASSERT_TRUE((*a)->Snapshot(&image).ok());
    auto b = HopSliceAggregateOperator::Make(node, options);
    ASSERT_TRUE(b.ok());
    Status st = (*b)->Restore(image);
    ASSERT_TRUE(st.ok()) << st.ToString();
    std::string again;
    ASSERT_TRUE((*b)->Snapshot(&again).ok());
    EXPECT_EQ(again, image);  // byte-stable through a restore
    int64_t max_b = max_a;
    ASSERT_NO_FATAL_FAILURE(Feed(**a, rows, rows.size() / 2, rows.size(), batch, &max_a, &after_a));
    ASSERT_NO_FATAL_FAILURE(Feed(**b, rows, rows.size() / 2, rows.size(), batch, &max_b, &after_b));
    std::vector<Delta> last_a, last_b;
    ASSERT_TRUE((*a)->AdvanceWatermark(INT64_MAX, &last_a).ok());
    ASSERT_TRUE((*b)->AdvanceWatermark(INT64_MAX, &last_b).ok());
    CollectRows(last_a, &after_a, /*mark_batches=*/true);
    CollectRows(last_b, &after_b, /*mark_batches=*/true);
    EXPECT_GT(after_a.size(), c.min_rows / 4);
    EXPECT_EQ(after_a, after_b) << c.name << ", batch " << batch;
    // Every truncation and a flipped magic are rejected, and leave the operator usable.
    for (size_t cut = 0; cut < image.size(); cut += std::max<size_t>(1, image.size() / 97)) {
      auto d = HopSliceAggregateOperator::Make(node, options);
      ASSERT_TRUE(d.ok());
      EXPECT_FALSE((*d)->Restore(std::string_view(image).substr(0, cut)).ok()) << cut;
    }
    std::string bad = image;
    bad[0] ^= 0x20;
    EXPECT_FALSE((*b)->Restore(bad).ok());
  }
}

// A checkpoint taken while the query ran as an AggregateOperator (its "LAGS" image) restores
// into the sliced operator, which then emits exactly what the AggregateOperator would have.
TEST_P(HopSliceTest, RestoresAnAggregateOperatorImage) {
  const Case& c = GetParam();
  const auto node = HopNode(c.shape);
  const auto options = OnClose(c.shape.lateness);
  const auto rows = RandomRows(3000, 13, c.shape.retract);
  auto plain = AggregateOperator::Make(node, options);
  ASSERT_TRUE(plain.ok());
  std::vector<std::string> before, want, got;
  int64_t max_plain = INT64_MIN;
  ASSERT_NO_FATAL_FAILURE(Feed(**plain, rows, 0, rows.size() / 2, 64, &max_plain, &before));
  std::string image;
  ASSERT_TRUE((*plain)->Snapshot(&image).ok());
  auto sliced = HopSliceAggregateOperator::Make(node, options);
  ASSERT_TRUE(sliced.ok());
  ASSERT_TRUE((*sliced)->Restore(image).ok());
  std::string again;
  ASSERT_TRUE((*sliced)->Snapshot(&again).ok());
  EXPECT_EQ(again, image);
  int64_t max_sliced = max_plain;
  ASSERT_NO_FATAL_FAILURE(Feed(**plain, rows, rows.size() / 2, rows.size(), 64, &max_plain, &want));
  ASSERT_NO_FATAL_FAILURE(
      Feed(**sliced, rows, rows.size() / 2, rows.size(), 64, &max_sliced, &got));
  EXPECT_EQ(got, want);
  EXPECT_GT(want.size(), c.min_rows / 4);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, HopSliceTest,
    ::testing::Values(Case{"int key", {Keys::kInt}, 200}, Case{"string key", {Keys::kString}, 200},
                      Case{"int and string keys", {Keys::kIntAndString}, 200},
                      Case{"no key", {Keys::kNone}, 40},
                      Case{"retractions", {Keys::kInt, 10'000, 2'000, 0, 0, true}, 200},
                      Case{"lateness", {Keys::kInt, 10'000, 2'000, 0, 4'000}, 200},
                      Case{"offset, 2 slices", {Keys::kString, 6'000, 3'000, 1'000, 0}, 200},
                      Case{"many slices", {Keys::kInt, 12'000, 500, 0, 0}, 200}),
    [](const ::testing::TestParamInfo<Case>& param) {
      std::string name = param.param.name;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

// Gaps between slices and rows late for some of their windows: each closing window is emitted
// once, with only the rows that reached it before it closed (the walk over window starts jumps
// empty stretches and starts past the windows already emitted).
TEST(HopSliceGaps, LateRowsAfterGapsMatchAggregateOperator) {
  const auto node = HopNode({});
  const auto options = OnClose(0);
  auto row = [](int64_t k, int64_t ts) { return Row{k, "a", ts, 1, 1}; };
  // Watermark = max time - 3 ms. 35 ms arrives after 40 ms: its windows ending at 36 ms and
  // earlier have closed. 60 ms arrives after 90 ms: all of its windows have closed.
  const std::vector<Row> rows = {row(1, 1'000),  row(1, 40'000), row(2, 35'000), row(1, 36'500),
                                 row(3, 90'000), row(1, 60'000), row(3, 91'000), row(2, 200'000)};
  for (size_t batch : {size_t{1}, size_t{2}, size_t{8}}) {
    auto sliced = HopSliceAggregateOperator::Make(node, options);
    auto plain = AggregateOperator::Make(node, options);
    ASSERT_TRUE(sliced.ok() && plain.ok());
    std::vector<std::string> got, want;
    ASSERT_NO_FATAL_FAILURE(RunToEnd(**sliced, rows, batch, &got));
    ASSERT_NO_FATAL_FAILURE(RunToEnd(**plain, rows, batch, &want));
    EXPECT_EQ(got, want) << "batch " << batch;
    EXPECT_GT(want.size(), 10u);
  }
}

// Where merging partial states could change a result, or windows publish before they close,
// the query stays with AggregateOperator.
TEST(HopSliceApplies, OnlyExactMergesOfClosingHopWindows) {
  const auto options = OnClose(0);
  EXPECT_TRUE(HopSliceAggregateOperator::Applies(HopNode({}), options));
  auto node = HopNode({});
  node.aggregates[1].args = {fn::ColumnRef(3, columnar::float64(), "v")};  // SUM(DOUBLE)
  EXPECT_FALSE(HopSliceAggregateOperator::Applies(node, options));
  node = HopNode({});
  node.aggregates[2].args = {fn::ColumnRef(3, columnar::float64(), "v")};  // MIN(DOUBLE)
  EXPECT_FALSE(HopSliceAggregateOperator::Applies(node, options));
  node = HopNode({});
  node.aggregates[0].distinct = true;
  EXPECT_FALSE(HopSliceAggregateOperator::Applies(node, options));
  node = HopNode({});
  node.aggregates[0].function = "stddev_pop";
  EXPECT_FALSE(HopSliceAggregateOperator::Applies(node, options));
  EXPECT_FALSE(HopSliceAggregateOperator::Applies(HopNode({Keys::kInt, 10'000, 3'000}), options));
  EXPECT_FALSE(HopSliceAggregateOperator::Applies(HopNode({Keys::kInt, 2'000, 2'000}), options));
  for (EmitMode emit : {EmitMode::kOnUpdate, EmitMode::kChanges}) {
    AggregateOptions o = options;
    o.emit = emit;
    EXPECT_FALSE(HopSliceAggregateOperator::Applies(HopNode({}), o));
  }
  AggregateOptions every = options;
  every.emit_interval = 1000;
  EXPECT_FALSE(HopSliceAggregateOperator::Applies(HopNode({}), every));
  auto tumble = HopNode({});
  tumble.window.kind = sql::WindowKind::kTumble;
  EXPECT_FALSE(HopSliceAggregateOperator::Applies(tumble, options));
  auto op = MakeStreamingAggregate(HopNode({}), options);
  ASSERT_TRUE(op.ok());
  EXPECT_NE((*op)->Describe().find("slices per window"), std::string::npos);
  op = MakeStreamingAggregate(tumble, options);
  ASSERT_TRUE(op.ok());
  EXPECT_EQ((*op)->Describe().find("slices"), std::string::npos);
}

}  // namespace
}  // namespace laminar::execution
