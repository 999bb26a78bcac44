// JoinOperator interval joins on one to four integer/timestamp key columns (the typed 64-bit
// word key path) and on five (the string key path): the output pairs equal a brute-force
// equi-join for random input with NULL keys, cut into batches of 1, 3 and 64 rows, with a
// snapshot + restore into a fresh operator halfway (key order in images follows the hash
// maps, so only the pairs are compared); a checkpoint image written in the string
// key format (as before the typed path took three and four keys) restores, matches new rows
// and snapshots back to the same bytes.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <optional>
#include <random>
#include <tuple>

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

// ---- Equal-window joins (Nexmark q8's shape) ----------------------------------------------
// Both sides are window streams (k, window start, window end, tag) joined ON the key and both
// bounds: an interval join with equal bounds, whose rows of a window arrive while it closes.

constexpr int64_t kWin = 1000000;  // window size, µs

columnar::SchemaPtr WindowSideSchema() {
  return columnar::MakeSchema({{"k", columnar::int64()},
                               {"ws", columnar::timestamp()},
                               {"we", columnar::timestamp()},
                               {"tag", columnar::int64()}});
}

// ON l.k = r.k AND l.ws = r.ws AND l.we = r.we, plus `l.tag > -1` when `residual` (true for
// every row: the pairs go through the residual check instead of straight to the output).
sql::PlanNode EqualWindowNode(sql::JoinKind kind, bool residual) {
  auto left = std::make_shared<sql::PlanNode>();
  left->kind = sql::PlanKind::kScan;
  left->schema = WindowSideSchema();
  auto right = std::make_shared<sql::PlanNode>();
  right->kind = sql::PlanKind::kScan;
  right->schema = WindowSideSchema();
  sql::PlanNode node;
  node.kind = sql::PlanKind::kJoin;
  node.join_kind = kind;
  node.inputs = {left, right};
  auto fields = left->schema->fields();
  for (const auto& f : right->schema->fields()) fields.push_back(f);
  node.schema = std::make_shared<columnar::Schema>(fields);
  sql::JoinSpec& js = node.join;
  js.strategy = sql::JoinStrategy::kInterval;
  js.left_columns = 4;
  js.left_time = 1;
  js.right_time = 1;
  js.left_time_lag = kWin;
  js.right_time_lag = kWin;
  std::vector<fn::ExprPtr> conjuncts;
  for (int c = 0; c < 3; ++c) {
    const auto& type = left->schema->field(c)->type;
    js.left_keys.push_back(fn::ColumnRef(c, type));
    js.right_keys.push_back(fn::ColumnRef(c, type));
    conjuncts.push_back(
        fn::Call("eq", {fn::ColumnRef(c, type), fn::ColumnRef(4 + c, type)}, columnar::boolean()));
  }
  if (residual) {
    conjuncts.push_back(fn::Call(
        "gt", {fn::ColumnRef(3, columnar::int64()), fn::Literal(columnar::Scalar::Int64(-1))},
        columnar::boolean()));
  }
  node.join_condition = fn::MakeAnd(conjuncts);
  return node;
}

struct WindowRow {
  std::optional<int64_t> k;
  int64_t window = 0;
  int64_t tag = 0;
  int64_t weight = 1;
};

columnar::RecordBatchPtr MakeWindowBatch(const std::vector<WindowRow>& rows, size_t from,
                                         size_t to) {
  columnar::FixedWidthBuilder<int64_t> k(columnar::int64()), tag(columnar::int64());
  columnar::FixedWidthBuilder<int64_t> ws(columnar::timestamp()), we(columnar::timestamp());
  for (size_t i = from; i < to; ++i) {
    if (rows[i].k) {
      k.Append(*rows[i].k);
    } else {
      k.AppendNull();
    }
    ws.Append(rows[i].window * kWin);
    we.Append((rows[i].window + 1) * kWin);
    tag.Append(rows[i].tag);
  }
  return std::make_shared<const columnar::RecordBatch>(
      WindowSideSchema(), static_cast<int64_t>(to - from),
      std::vector<columnar::ArrayPtr>{k.Finish(), ws.Finish(), we.Finish(), tag.Finish()});
}

// Per window: `rows` rows per side with keys in [0, keys) (one in 10 NULL: never matches),
// tags numbered from first_tag, weights 1 unless `weighted` (then some 2 and -1).
std::vector<WindowRow> WindowRows(std::mt19937* rng, int64_t windows, size_t rows, int64_t keys,
                                  int64_t first_tag, bool weighted) {
  std::vector<WindowRow> out;
  for (int64_t w = 0; w < windows; ++w) {
    for (size_t i = 0; i < rows; ++i) {
      WindowRow r;
      if ((*rng)() % 10 != 0) r.k = static_cast<int64_t>((*rng)() % static_cast<uint32_t>(keys));
      r.window = w;
      r.tag = first_tag + static_cast<int64_t>(out.size());
      if (weighted) r.weight = std::array<int64_t, 4>{1, 1, 2, -1}[(*rng)() % 4];
      out.push_back(r);
    }
  }
  return out;
}

// An output row: the four columns of each side (nullopt = NULL) and its weight.
using OutRow = std::pair<std::vector<std::optional<int64_t>>, int64_t>;

void CollectRows(const std::vector<Delta>& out, std::vector<OutRow>* rows) {
  for (const auto& d : out) {
    const auto& b = *d.batch;
    for (int64_t i = 0; i < b.num_rows(); ++i) {
      OutRow row;
      for (int c = 0; c < b.num_columns(); ++c) {
        const auto& col = *b.column(c);
        row.first.push_back(col.IsNull(i) ? std::nullopt
                                          : std::optional<int64_t>(col.values<int64_t>()[i]));
      }
      row.second = d.has_weights() ? d.weights[static_cast<size_t>(i)] : 1;
      rows->push_back(std::move(row));
    }
  }
}

std::vector<std::optional<int64_t>> SideValues(const WindowRow* r) {
  if (r == nullptr) return {std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  return {r->k, r->window * kWin, (r->window + 1) * kWin, r->tag};
}

// The join's answer, sorted: pairs of one window with equal non-NULL keys, and for outer
// joins each unmatched row of a kept side with NULLs.
std::vector<OutRow> WindowModel(const std::vector<WindowRow>& l, const std::vector<WindowRow>& r,
                                sql::JoinKind kind) {
  std::vector<OutRow> out;
  std::vector<bool> rmatched(r.size(), false);
  for (const WindowRow& a : l) {
    bool matched = false;
    for (size_t j = 0; j < r.size(); ++j) {
      const WindowRow& b = r[j];
      if (!a.k || !b.k || *a.k != *b.k || a.window != b.window) continue;
      auto row = SideValues(&a);
      for (auto v : SideValues(&b)) row.push_back(v);
      out.push_back({row, a.weight * b.weight});
      matched = true;
      rmatched[j] = true;
    }
    if (!matched && (kind == sql::JoinKind::kLeft || kind == sql::JoinKind::kFull)) {
      auto row = SideValues(&a);
      for (auto v : SideValues(nullptr)) row.push_back(v);
      out.push_back({row, a.weight});
    }
  }
  if (kind == sql::JoinKind::kRight || kind == sql::JoinKind::kFull) {
    for (size_t j = 0; j < r.size(); ++j) {
      if (rmatched[j]) continue;
      auto row = SideValues(nullptr);
      for (auto v : SideValues(&r[j])) row.push_back(v);
      out.push_back({row, r[j].weight});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Feeds the windows in order: per window the sides' rows in `batch`-row batches (which side
// goes first alternates), then both watermarks past the window. Snapshot + restore into a
// fresh operator once window 1's rows are in (`image` receives that snapshot).
std::vector<OutRow> RunWindows(const sql::PlanNode& node, const std::vector<WindowRow>& l,
                               const std::vector<WindowRow>& r, int64_t windows, size_t batch,
                               std::string* image = nullptr,
                               std::vector<std::vector<Delta>>* deltas = nullptr) {
  auto op = JoinOperator::Make(node, nullptr).ValueOrDie();
  std::vector<OutRow> rows;
  auto feed = [&](int input, const std::vector<WindowRow>& side, int64_t w,
                  std::vector<Delta>* out) {
    std::vector<size_t> of_window;
    for (size_t i = 0; i < side.size(); ++i) {
      if (side[i].window == w) of_window.push_back(i);
    }
    for (size_t from = 0; from < of_window.size(); from += batch) {
      const size_t to = std::min(of_window.size(), from + batch);
      // Rows of one window are contiguous in `side`.
      Delta d{MakeWindowBatch(side, of_window[from], of_window[to - 1] + 1), {}, {}};
      bool weighted = false;
      for (size_t i = of_window[from]; i <= of_window[to - 1]; ++i) {
        weighted |= side[i].weight != 1;
      }
      if (weighted) {
        for (size_t i = of_window[from]; i <= of_window[to - 1]; ++i) {
          d.weights.push_back(side[i].weight);
        }
      }
      ASSERT_TRUE(op->ProcessInput(input, d, out).ok());
    }
  };
  for (int64_t w = 0; w < windows; ++w) {
    std::vector<Delta> out;
    // (Window 1's left rows came early, see below.)
    if (w != 1) feed(w % 2 == 0 ? 1 : 0, w % 2 == 0 ? r : l, w, &out);
    feed(w % 2 == 0 ? 0 : 1, w % 2 == 0 ? l : r, w, &out);
    if (w == 1) {
      // Both sides of window 1 are buffered (with their matched flags).
      std::string snap;
      EXPECT_TRUE(op->Snapshot(&snap).ok());
      op = JoinOperator::Make(node, nullptr).ValueOrDie();
      EXPECT_TRUE(op->Restore(snap).ok());
      if (image != nullptr) *image = snap;
    }
    // The window's end plus the lag: rows of window w expire.
    const int64_t wm = (w + 2) * kWin + 1;
    EXPECT_TRUE(op->AdvanceInputWatermark(0, wm, &out).ok());
    EXPECT_TRUE(op->AdvanceInputWatermark(1, wm, &out).ok());
    CollectRows(out, &rows);
    if (deltas != nullptr) deltas->push_back(std::move(out));
    if (w == 0) {
      // Rows of window 1 arrive before window 0's rows expire: buffered rows of both.
      std::vector<Delta> early;
      feed(0, l, 1, &early);
      CollectRows(early, &rows);
      if (deltas != nullptr) deltas->push_back(std::move(early));
    }
  }
  return rows;
}

struct WindowCase {
  sql::JoinKind kind;
  size_t batch;
};

class EqualWindowJoinTest : public ::testing::TestWithParam<WindowCase> {};

TEST_P(EqualWindowJoinTest, RowsMatchModel) {
  const WindowCase c = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(c.batch) * 7 + static_cast<uint32_t>(c.kind));
  constexpr int64_t kWindows = 4;
  // Keys repeat within a window (several pairs per key) and some have no partner.
  const auto l = WindowRows(&rng, kWindows, 40, 25, 0, false);
  const auto r = WindowRows(&rng, kWindows, 30, 25, 100000, false);
  auto got = RunWindows(EqualWindowNode(c.kind, false), l, r, kWindows, c.batch);
  std::sort(got.begin(), got.end());
  const auto want = WindowModel(l, r, c.kind);
  EXPECT_FALSE(want.empty());
  EXPECT_EQ(got, want);
}

std::vector<WindowCase> WindowCases() {
  std::vector<WindowCase> out;
  for (auto kind :
       {sql::JoinKind::kInner, sql::JoinKind::kLeft, sql::JoinKind::kRight, sql::JoinKind::kFull}) {
    for (size_t batch : {size_t{1}, size_t{3}, size_t{5000}}) out.push_back({kind, batch});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(KindsBatches, EqualWindowJoinTest, ::testing::ValuesIn(WindowCases()),
                         [](const ::testing::TestParamInfo<WindowCase>& param_info) {
                           std::string name = sql::JoinKindName(param_info.param.kind);
                           std::replace(name.begin(), name.end(), ' ', '_');
                           return name + "_batch" + std::to_string(param_info.param.batch);
                         });

// The buffered rows of a window join's checkpoint image, in a canonical order (the order of
// keys in an image follows the hash maps, which differ between two operators): per row its
// side, key image, tag, time, weight and matched flag.
using ImageRow = std::tuple<int, std::string, int64_t, int64_t, int64_t, uint8_t>;

std::vector<ImageRow> ImageRows(std::string_view image) {
  std::vector<ImageRow> out;
  StateReader r(image);
  uint32_t magic = 0;
  uint8_t version = 0, weighted = 0;
  int64_t wm = 0;
  EXPECT_TRUE(r.Get(&magic) && r.Get(&version) && r.Get(&wm) && r.Get(&wm) && r.Get(&weighted));
  for (int side = 0; side < 2; ++side) {
    auto batch = r.GetBatch(WindowSideSchema()).ValueOrDie();
    uint32_t keys = 0;
    EXPECT_TRUE(r.GetCount(&keys, 8));
    int64_t next = 0;
    for (uint32_t k = 0; k < keys; ++k) {
      std::string key;
      uint32_t n = 0;
      EXPECT_TRUE(r.GetString(&key) && r.GetCount(&n, 17));
      for (uint32_t i = 0; i < n; ++i) {
        int64_t ts = 0, weight = 0;
        uint8_t matched = 0;
        EXPECT_TRUE(r.Get(&ts) && r.Get(&weight) && r.Get(&matched));
        out.emplace_back(side, key, batch->column(3)->values<int64_t>()[next++], ts, weight,
                         matched);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class EqualWindowDirectPairsTest : public ::testing::TestWithParam<size_t> {};

// Inner joins without a residual emit candidate pairs straight from the key match; with an
// (always true) residual they take the checked path. Both give the same output batches, row
// for row and in order, the same weights, and the same checkpoint image.
TEST_P(EqualWindowDirectPairsTest, SameOutputAndImageAsCheckedPairs) {
  const size_t batch = GetParam();
  for (bool weighted : {false, true}) {
    std::mt19937 rng(static_cast<uint32_t>(batch) + (weighted ? 1000u : 0u));
    constexpr int64_t kWindows = 4;
    const auto l = WindowRows(&rng, kWindows, 50, 20, 0, weighted);
    const auto r = WindowRows(&rng, kWindows, 35, 20, 100000, weighted);
    std::string direct_image, checked_image;
    std::vector<std::vector<Delta>> direct_out, checked_out;
    auto direct = RunWindows(EqualWindowNode(sql::JoinKind::kInner, false), l, r, kWindows, batch,
                             &direct_image, &direct_out);
    auto checked = RunWindows(EqualWindowNode(sql::JoinKind::kInner, true), l, r, kWindows, batch,
                              &checked_image, &checked_out);
    EXPECT_EQ(direct, checked);
    const auto image_rows = ImageRows(direct_image);
    EXPECT_FALSE(image_rows.empty());
    EXPECT_EQ(image_rows, ImageRows(checked_image));
    // Whole windows: every buffered row is in the unindexed tail, whose order is arrival.
    if (batch >= 5000) {
      EXPECT_EQ(direct_image, checked_image);
    }
    ASSERT_EQ(direct_out.size(), checked_out.size());
    for (size_t i = 0; i < direct_out.size(); ++i) {
      ASSERT_EQ(direct_out[i].size(), checked_out[i].size());
      for (size_t j = 0; j < direct_out[i].size(); ++j) {
        EXPECT_EQ(direct_out[i][j].weights, checked_out[i][j].weights);
        EXPECT_EQ(direct_out[i][j].batch->num_rows(), checked_out[i][j].batch->num_rows());
      }
    }
    std::sort(direct.begin(), direct.end());
    EXPECT_EQ(direct, WindowModel(l, r, sql::JoinKind::kInner));
  }
}

INSTANTIATE_TEST_SUITE_P(Batches, EqualWindowDirectPairsTest,
                         ::testing::Values(size_t{1}, size_t{3}, size_t{5000}));

}  // namespace
}  // namespace laminar::execution
