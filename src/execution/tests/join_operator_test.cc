// JoinOperator interval joins on one to four integer/timestamp key columns (the typed 64-bit
// word key path) and on five (the string key path): the output pairs equal a brute-force
// equi-join for random input with NULL keys, cut into batches of 1, 3 and 64 rows, with a
// snapshot + restore into a fresh operator halfway (key order in images follows the hash
// maps, so only the pairs are compared); a checkpoint image written in the string
// key format (as before the typed path took three and four keys) restores, matches new rows
// and snapshots back to the same bytes.

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>

#include "columnar/builder.h"
#include "execution/operator.h"
#include "execution/state_codec.h"

namespace laminar::execution {
namespace {

namespace fn = laminar::function;

constexpr int kKeyColumns = 5;  // k0..k4; the join uses the first `keys` of them
constexpr int kTs = kKeyColumns;
constexpr int kTag = kKeyColumns + 1;
constexpr int kSideColumns = kKeyColumns + 2;

// k0 BIGINT, k1 INT (left) / BIGINT (right), k2 TIMESTAMP, k3 BIGINT, k4 BIGINT, ts, tag.
columnar::SchemaPtr SideSchema(bool left) {
  auto f = [](const char* name, const columnar::DataTypePtr& t) {
    return std::make_shared<columnar::Field>(name, t);
  };
  return std::make_shared<columnar::Schema>(std::vector<columnar::FieldPtr>{
      f("k0", columnar::int64()), f("k1", left ? columnar::int32() : columnar::int64()),
      f("k2", columnar::timestamp()), f("k3", columnar::int64()), f("k4", columnar::int64()),
      f("ts", columnar::timestamp()), f("tag", columnar::int64())});
}

// An interval join ON l.k_i = r.k_i for i < keys, bound |r.ts - l.ts| <= 10^12 µs (nothing
// expires while watermarks stay unset).
sql::PlanNode JoinNode(int keys, sql::JoinKind kind) {
  auto left = std::make_shared<sql::PlanNode>();
  left->kind = sql::PlanKind::kScan;
  left->schema = SideSchema(true);
  auto right = std::make_shared<sql::PlanNode>();
  right->kind = sql::PlanKind::kScan;
  right->schema = SideSchema(false);
  sql::PlanNode node;
  node.kind = sql::PlanKind::kJoin;
  node.join_kind = kind;
  node.inputs = {left, right};
  auto fields = left->schema->fields();
  for (const auto& field : right->schema->fields()) fields.push_back(field);
  node.schema = std::make_shared<columnar::Schema>(fields);
  sql::JoinSpec& js = node.join;
  js.strategy = sql::JoinStrategy::kInterval;
  js.left_columns = kSideColumns;
  js.left_time = kTs;
  js.right_time = kTs;
  js.lower = -1000000000000;
  js.upper = 1000000000000;
  std::vector<fn::ExprPtr> eqs;
  for (int i = 0; i < keys; ++i) {
    // As the binder does: INT meets BIGINT through a cast, and the equality's operands are
    // the key expressions.
    const auto& rt = right->schema->field(i)->type;
    fn::ExprPtr lkey = fn::ColumnRef(i, left->schema->field(i)->type);
    if (lkey->type->id() != rt->id()) lkey = fn::Cast(lkey, rt);
    js.left_keys.push_back(lkey);
    js.right_keys.push_back(fn::ColumnRef(i, rt));
    eqs.push_back(fn::Call("eq", {lkey, fn::ColumnRef(kSideColumns + i, rt)}, columnar::boolean()));
  }
  node.join_condition = fn::MakeAnd(eqs);
  return node;
}

struct Row {
  std::optional<int64_t> k[kKeyColumns];
  int64_t ts = 0;
  int64_t tag = 0;
};

columnar::RecordBatchPtr MakeBatch(bool left, const std::vector<Row>& rows, size_t from,
                                   size_t to) {
  auto schema = SideSchema(left);
  std::vector<columnar::ArrayPtr> cols;
  for (int c = 0; c < kKeyColumns; ++c) {
    auto type = schema->field(c)->type;
    if (type->id() == columnar::TypeId::kInt32) {
      columnar::FixedWidthBuilder<int32_t> b(type);
      for (size_t i = from; i < to; ++i) {
        if (rows[i].k[c]) {
          b.Append(static_cast<int32_t>(*rows[i].k[c]));
        } else {
          b.AppendNull();
        }
      }
      cols.push_back(b.Finish());
    } else {
      columnar::FixedWidthBuilder<int64_t> b(type);
      for (size_t i = from; i < to; ++i) {
        if (rows[i].k[c]) {
          b.Append(*rows[i].k[c]);
        } else {
          b.AppendNull();
        }
      }
      cols.push_back(b.Finish());
    }
  }
  columnar::FixedWidthBuilder<int64_t> ts(columnar::timestamp()), tag(columnar::int64());
  for (size_t i = from; i < to; ++i) {
    ts.Append(rows[i].ts);
    tag.Append(rows[i].tag);
  }
  cols.push_back(ts.Finish());
  cols.push_back(tag.Finish());
  return std::make_shared<const columnar::RecordBatch>(schema, static_cast<int64_t>(to - from),
                                                       std::move(cols));
}

std::vector<Row> RandomRows(std::mt19937* rng, size_t n, int64_t first_tag) {
  std::vector<Row> rows(n);
  for (size_t i = 0; i < n; ++i) {
    for (auto& k : rows[i].k) {
      const uint32_t r = (*rng)() % 20;
      if (r != 0) k = static_cast<int64_t>(r % 3) - 1;  // -1, 0, 1; one in 20 is NULL
    }
    rows[i].ts = static_cast<int64_t>(i) * 1000;
    rows[i].tag = first_tag + static_cast<int64_t>(i);
  }
  return rows;
}

using Pairs = std::vector<std::pair<int64_t, int64_t>>;  // (left tag, right tag)

void CollectPairs(const std::vector<Delta>& out, Pairs* pairs) {
  for (const auto& d : out) {
    const auto& b = *d.batch;
    for (int64_t i = 0; i < b.num_rows(); ++i) {
      if (b.column(kTag)->IsNull(i) || b.column(kSideColumns + kTag)->IsNull(i)) continue;
      pairs->push_back({b.column(kTag)->values<int64_t>()[i],
                        b.column(kSideColumns + kTag)->values<int64_t>()[i]});
    }
  }
}

Pairs BruteForce(const std::vector<Row>& l, const std::vector<Row>& r, int keys) {
  Pairs out;
  for (const Row& a : l) {
    for (const Row& b : r) {
      bool match = true;
      for (int c = 0; c < keys; ++c) match &= a.k[c] && b.k[c] && *a.k[c] == *b.k[c];
      if (match) out.push_back({a.tag, b.tag});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Case {
  int keys;
  sql::JoinKind kind;
  size_t batch;
};

class JoinKeysTest : public ::testing::TestWithParam<Case> {};

TEST_P(JoinKeysTest, PairsMatchBruteForceAcrossRestore) {
  const Case c = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(c.keys * 100 + static_cast<int>(c.batch)));
  // More left rows than right: probes of few rows scan the stored side (the inner join's
  // unindexed tail), larger ones index it.
  const auto left = RandomRows(&rng, 300, 0);
  const auto right = RandomRows(&rng, 120, 100000);
  const sql::PlanNode node = JoinNode(c.keys, c.kind);
  auto op = JoinOperator::Make(node, nullptr).ValueOrDie();
  Pairs got;
  size_t li = 0, ri = 0;
  bool restored = false;
  while (li < left.size() || ri < right.size()) {
    std::vector<Delta> out;
    // Left batches are twice as frequent, so the left side holds the larger stored set.
    for (int rep = 0; rep < 2 && li < left.size(); ++rep) {
      const size_t to = std::min(left.size(), li + c.batch);
      ASSERT_TRUE(op->ProcessInput(0, Delta{MakeBatch(true, left, li, to), {}, {}}, &out).ok());
      li = to;
    }
    if (ri < right.size()) {
      const size_t to = std::min(right.size(), ri + c.batch);
      ASSERT_TRUE(op->ProcessInput(1, Delta{MakeBatch(false, right, ri, to), {}, {}}, &out).ok());
      ri = to;
    }
    CollectPairs(out, &got);
    if (!restored && li >= left.size() / 2) {
      // Continue on a fresh operator restored from a snapshot of this one.
      std::string image;
      ASSERT_TRUE(op->Snapshot(&image).ok());
      op = JoinOperator::Make(node, nullptr).ValueOrDie();
      ASSERT_TRUE(op->Restore(image).ok());
      restored = true;
    }
  }
  std::sort(got.begin(), got.end());
  const Pairs want = BruteForce(left, right, c.keys);
  EXPECT_FALSE(want.empty());
  EXPECT_EQ(got, want);
}

std::vector<Case> Cases() {
  std::vector<Case> out;
  for (int keys = 1; keys <= 5; ++keys) {
    for (size_t batch : {size_t{1}, size_t{3}, size_t{64}}) {
      out.push_back({keys, sql::JoinKind::kInner, batch});
      out.push_back({keys, sql::JoinKind::kLeft, batch});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(KeysKindsBatches, JoinKeysTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return "keys" + std::to_string(param_info.param.keys) +
                                  (param_info.param.kind == sql::JoinKind::kInner ? "_inner"
                                                                                  : "_left") +
                                  "_batch" + std::to_string(param_info.param.batch);
                         });

// The string key image of one integer or timestamp key value (tag, then 8 bytes).
void AppendKeyImage(char tag, int64_t v, std::string* out) {
  out->push_back(tag);
  out->append(reinterpret_cast<const char*>(&v), 8);
}

TEST(JoinOperatorRestore, StringKeyImageOfThreeKeysRestoresIntoTypedKeys) {
  // A checkpoint image as the string key path wrote it for a three-key join: one buffered
  // left row keyed (5, 6, 7 µs).
  const sql::PlanNode node = JoinNode(3, sql::JoinKind::kInner);
  std::vector<Row> left(1);
  left[0].k[0] = 5;
  left[0].k[1] = 6;
  left[0].k[2] = 7;
  left[0].k[3] = 0;
  left[0].k[4] = 0;
  left[0].ts = 1000;
  left[0].tag = 42;
  std::string key;
  AppendKeyImage('i', 5, &key);
  AppendKeyImage('i', 6, &key);
  AppendKeyImage(static_cast<char>('a' + static_cast<int>(columnar::TypeId::kTimestamp)), 7, &key);
  std::string image;
  StateWriter w(&image);
  w.Put(uint32_t{0x4E494F4A});  // "JOIN"
  w.Put(uint8_t{1});            // version
  w.Put(INT64_MIN);             // watermarks
  w.Put(INT64_MIN);
  w.Put(uint8_t{0});  // not weighted
  w.PutBatch(*MakeBatch(true, left, 0, 1));
  w.Put(uint32_t{1});  // one key
  w.PutString(key);
  w.Put(uint32_t{1});  // one row: ts, weight, matched
  w.Put(int64_t{1000});
  w.Put(int64_t{1});
  w.Put(uint8_t{0});
  w.PutBatch(*MakeBatch(false, {}, 0, 0));
  w.Put(uint32_t{0});
  w.PutBatch(*MakeBatch(true, {}, 0, 0));  // no pending ASOF rows
  w.Put(uint32_t{0});

  auto op = JoinOperator::Make(node, nullptr).ValueOrDie();
  ASSERT_TRUE(op->Restore(image).ok());
  std::string again;
  ASSERT_TRUE(op->Snapshot(&again).ok());
  EXPECT_EQ(again, image);

  // Right rows: (5, 6, 7) matches; (5, 6, 8), (5, 7, 7) and a NULL k1 do not.
  std::vector<Row> right(4);
  for (size_t i = 0; i < right.size(); ++i) {
    right[i].k[0] = 5;
    right[i].k[1] = 6;
    right[i].k[2] = 7;
    right[i].ts = 2000;
    right[i].tag = static_cast<int64_t>(100 + i);
  }
  right[1].k[2] = 8;
  right[2].k[1] = 7;
  right[3].k[1].reset();
  std::vector<Delta> out;
  ASSERT_TRUE(
      op->ProcessInput(1, Delta{MakeBatch(false, right, 0, right.size()), {}, {}}, &out).ok());
  Pairs got;
  CollectPairs(out, &got);
  EXPECT_EQ(got, (Pairs{{42, 100}}));
}

TEST(JoinOperatorRestore, ImageOfAnotherKeyTypeIsRejected) {
  // A two-key image cannot restore into a three-key join.
  std::vector<Row> left(1);
  for (auto& k : left[0].k) k = 1;
  std::string key;
  AppendKeyImage('i', 1, &key);
  AppendKeyImage('i', 1, &key);
  std::string image;
  StateWriter w(&image);
  w.Put(uint32_t{0x4E494F4A});
  w.Put(uint8_t{1});
  w.Put(INT64_MIN);
  w.Put(INT64_MIN);
  w.Put(uint8_t{0});
  w.PutBatch(*MakeBatch(true, left, 0, 1));
  w.Put(uint32_t{1});
  w.PutString(key);
  w.Put(uint32_t{1});
  w.Put(int64_t{0});
  w.Put(int64_t{1});
  w.Put(uint8_t{0});
  w.PutBatch(*MakeBatch(false, {}, 0, 0));
  w.Put(uint32_t{0});
  w.PutBatch(*MakeBatch(true, {}, 0, 0));
  w.Put(uint32_t{0});
  auto op = JoinOperator::Make(JoinNode(3, sql::JoinKind::kInner), nullptr).ValueOrDie();
  EXPECT_FALSE(op->Restore(image).ok());
}

}  // namespace
}  // namespace laminar::execution
