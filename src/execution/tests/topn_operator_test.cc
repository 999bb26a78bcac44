// TopNOperator: the kept rows equal a brute-force top N per partition for random input cut into
// batches of 1, 3 and 64 rows; snapshots are byte-stable and independent of the batching;
// damaged snapshots are rejected without changing the operator.

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

// ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) <= limit over (k, v, s).
sql::PlanNode TopNNode(int64_t limit) {
  auto input = std::make_shared<sql::PlanNode>();
  input->kind = sql::PlanKind::kScan;
  input->schema = InputSchema();
  sql::PlanNode node;
  node.kind = sql::PlanKind::kWindow;
  node.inputs = {input};
  auto fields = input->schema->fields();
  fields.push_back(std::make_shared<columnar::Field>("rn", columnar::int64()));
  node.schema = std::make_shared<columnar::Schema>(fields);
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
  }
  std::string trailing = image + "x";
  EXPECT_FALSE(fresh->Restore(trailing).ok());
}

INSTANTIATE_TEST_SUITE_P(BatchSizes, TopNOperatorTest, ::testing::Values(1, 3, 64));

}  // namespace
}  // namespace laminar::execution
