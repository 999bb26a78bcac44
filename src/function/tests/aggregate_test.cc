#include <gtest/gtest.h>

#include <map>
#include <random>

#include "function/aggregate/group_table.h"
#include "function/tests/test_util.h"

namespace laminar::function {
namespace {

using namespace test_util;  // NOLINT
using ::testing::HasSubstr;
using Strings = std::vector<std::string>;

/// Feeds `args` (rows) to an accumulator in chunks of `batch_size`, one group per row from
/// `groups`, then finalizes groups [0, num_groups).
Result<Strings> RunAggregate(const std::string& name, const std::vector<ArrayPtr>& args,
                             const std::vector<uint32_t>& groups, uint32_t num_groups,
                             int64_t batch_size, bool distinct = false,
                             const std::vector<int64_t>* weights = nullptr) {
  std::vector<DataTypePtr> types;
  for (const auto& a : args) types.push_back(a->type());
  LAMINAR_ASSIGN_OR_RETURN(auto resolved,
                           FunctionRegistry::Global().ResolveAggregate(name, types, distinct));
  auto acc = resolved.factory();
  acc->Resize(num_groups);
  const int64_t n = static_cast<int64_t>(groups.size());
  for (int64_t off = 0; off < n; off += batch_size) {
    int64_t len = std::min(batch_size, n - off);
    std::vector<ArrayPtr> slice;
    for (const auto& a : args) {
      ArrayPtr col = a;
      if (!resolved.param_types.empty()) {
        auto idx = slice.size();
        LAMINAR_ASSIGN_OR_RETURN(col, CastArray(a, resolved.param_types[idx]));
      }
      slice.push_back(col->Slice(off, len));
    }
    LAMINAR_RETURN_NOT_OK(acc->Update(slice, groups.data() + off, len,
                                      weights ? weights->data() + off : nullptr, nullptr));
  }
  std::vector<uint32_t> all(num_groups);
  for (uint32_t g = 0; g < num_groups; ++g) all[g] = g;
  LAMINAR_ASSIGN_OR_RETURN(auto out, acc->Finalize(all));
  Strings s;
  for (int64_t i = 0; i < out->length(); ++i) s.push_back(columnar::GetScalar(*out, i).ToString());
  return s;
}

class AggregateBatchTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(AggregateBatchTest, CoreAggregates) {
  const int64_t bs = GetParam();
  auto b =
      Batch("g BIGINT, x BIGINT, d DOUBLE, s VARCHAR",
            "0, 1, 1.5, 'b'; 1, NULL, NULL, NULL; 0, 5, 2.5, 'a'; 2, 3, 3, 'c'; 0, NULL, NULL, "
            "'z'");
  std::vector<uint32_t> groups{0, 1, 0, 2, 0};
  auto x = b->column(1), d = b->column(2), s = b->column(3);
  EXPECT_EQ(*RunAggregate("count", {}, groups, 3, bs), (Strings{"3", "1", "1"}));
  EXPECT_EQ(*RunAggregate("count", {x}, groups, 3, bs), (Strings{"2", "0", "1"}));
  EXPECT_EQ(*RunAggregate("sum", {x}, groups, 3, bs), (Strings{"6", "NULL", "3"}));
  EXPECT_EQ(*RunAggregate("avg", {x}, groups, 3, bs), (Strings{"3", "NULL", "3"}));
  EXPECT_EQ(*RunAggregate("sum", {d}, groups, 3, bs), (Strings{"4", "NULL", "3"}));
  EXPECT_EQ(*RunAggregate("min", {x}, groups, 3, bs), (Strings{"1", "NULL", "3"}));
  EXPECT_EQ(*RunAggregate("max", {s}, groups, 3, bs), (Strings{"z", "NULL", "c"}));
  EXPECT_EQ(*RunAggregate("count", {s}, groups, 3, bs, true), (Strings{"3", "0", "1"}));
  // Empty input.
  EXPECT_EQ(*RunAggregate("sum", {x->Slice(0, 0)}, {}, 1, bs), (Strings{"NULL"}));
  EXPECT_EQ(*RunAggregate("count", {}, {}, 1, bs), (Strings{"0"}));
}

INSTANTIATE_TEST_SUITE_P(BatchSizes, AggregateBatchTest, ::testing::Values(1, 3, 1024));

TEST(Aggregate, SumOverflowAndDecimal) {
  auto x = columnar::MakeInt64Array({INT64_MAX, 1});
  auto r = RunAggregate("sum", {x}, {0, 0}, 1, 1024);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("integer overflow in SUM"));
  auto b = Batch("p DECIMAL(10,2)", "1.25; 2.50; NULL");
  EXPECT_EQ(*RunAggregate("sum", {b->column(0)}, {0, 0, 0}, 1, 2), (Strings{"3.75"}));
  EXPECT_EQ(*RunAggregate("avg", {b->column(0)}, {0, 0, 0}, 1, 2), (Strings{"1.875000"}));
  auto resolved =
      FunctionRegistry::Global().ResolveAggregate("sum", {columnar::decimal128(10, 2)}, false);
  EXPECT_EQ(resolved->return_type->ToString(), "DECIMAL(38,2)");
}

TEST(Aggregate, UnknownAndNonRetractable) {
  auto r = FunctionRegistry::Global().ResolveAggregate("summ", {columnar::int64()}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("did you mean 'sum'"));
}

TEST(Aggregate, MinMaxRetraction) {
  auto x = columnar::MakeInt64Array({5, 3, 9, 3, 5});
  std::vector<int64_t> w{1, 1, 1, -1, -1};
  EXPECT_EQ(*RunAggregate("min", {x}, {0, 0, 0, 0, 0}, 1, 2, false, &w), (Strings{"9"}));
  EXPECT_EQ(*RunAggregate("max", {x}, {0, 0, 0, 0, 0}, 1, 2, false, &w), (Strings{"9"}));
  EXPECT_EQ(*RunAggregate("sum", {x}, {0, 0, 0, 0, 0}, 1, 2, false, &w), (Strings{"9"}));
  EXPECT_EQ(*RunAggregate("count", {x}, {0, 0, 0, 0, 0}, 1, 2, true, &w), (Strings{"1"}));
}

TEST(GroupTable, FixedGeneralAndGlobal) {
  GroupTable fixed({columnar::int64()});
  std::vector<uint32_t> ids, fresh;
  auto b = Batch("k BIGINT, s VARCHAR", "5, 'a'; NULL, NULL; 5, 'a'; 7, 'b'; NULL, 'a'");
  ASSERT_TRUE(fixed.FindOrInsert({&b->columns()[0], 1}, 5, &ids, &fresh).ok());
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 1, 0, 2, 1}));
  EXPECT_EQ(fresh, (std::vector<uint32_t>{0, 1, 2}));
  auto keys = fixed.GetKeys(std::vector<uint32_t>{2, 1, 0});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(columnar::GetScalar(*(*keys)[0], 0).ToString(), "7");
  EXPECT_TRUE((*keys)[0]->IsNull(1));

  GroupTable general({columnar::int64(), columnar::utf8()});
  ASSERT_TRUE(general.FindOrInsert(b->columns(), 5, &ids).ok());
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 1, 0, 2, 3}));
  auto gk = general.GetKeys(std::vector<uint32_t>{3});
  ASSERT_TRUE(gk.ok());
  EXPECT_TRUE((*gk)[0]->IsNull(0));
  EXPECT_EQ(columnar::GetScalar(*(*gk)[1], 0).ToString(), "a");

  // Erase + reuse, serialize round trip.
  ASSERT_TRUE(general.Erase(0).ok());
  std::string bytes;
  general.Serialize(&bytes);
  GroupTable copy({columnar::int64(), columnar::utf8()});
  std::string_view in = bytes;
  ASSERT_TRUE(copy.Deserialize(&in).ok());
  EXPECT_TRUE(in.empty());
  std::string again;
  copy.Serialize(&again);
  EXPECT_EQ(bytes, again);
  fresh.clear();
  ASSERT_TRUE(copy.FindOrInsert(b->columns(), 5, &ids, &fresh).ok());
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 1, 0, 2, 3}));  // key (5,'a') took the freed id 0
  EXPECT_EQ(fresh, (std::vector<uint32_t>{0}));

  GroupTable global({});
  ASSERT_TRUE(global.FindOrInsert({}, 3, &ids).ok());
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 0, 0}));
  EXPECT_EQ(global.num_groups(), 1u);
}

// Several fixed-width keys (a window's bounds plus keys) use the tuple table: NULLs group
// together, -0.0 == 0.0, BOOLEAN keys, erase + reuse, and a checkpoint image that decodes
// back to the same ids and keys.
TEST(GroupTable, TupleKeys) {
  GroupTable t({columnar::int64(), columnar::float64(), columnar::boolean(), columnar::int32()});
  auto b = Batch("a BIGINT, d DOUBLE, f BOOLEAN, i INT",
                 "1, 0.0, true, 7; 1, -0.0, true, 7; NULL, 1.5, false, NULL; "
                 "NULL, 1.5, false, NULL; 2, NULL, NULL, -3; 1, 0.0, false, 7");
  std::vector<uint32_t> ids, fresh;
  ASSERT_TRUE(t.FindOrInsert(b->columns(), 6, &ids, &fresh).ok());
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 0, 1, 1, 2, 3}));
  EXPECT_EQ(fresh, (std::vector<uint32_t>{0, 1, 2, 3}));
  auto keys = t.GetKeys(std::vector<uint32_t>{2, 1, 3});
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 4u);
  EXPECT_EQ(columnar::GetScalar(*(*keys)[0], 0).ToString(), "2");
  EXPECT_TRUE((*keys)[1]->IsNull(0));
  EXPECT_TRUE((*keys)[2]->IsNull(0));
  EXPECT_EQ(columnar::GetScalar(*(*keys)[3], 0).ToString(), "-3");
  EXPECT_TRUE((*keys)[0]->IsNull(1));
  EXPECT_EQ(columnar::GetScalar(*(*keys)[1], 1).ToString(), "1.5");
  EXPECT_EQ(columnar::GetScalar(*(*keys)[2], 1).ToString(), "false");
  EXPECT_TRUE((*keys)[3]->IsNull(1));
  EXPECT_EQ(columnar::GetScalar(*(*keys)[2], 2).ToString(), "false");

  ASSERT_TRUE(t.Erase(0).ok());
  EXPECT_FALSE(t.Erase(0).ok());
  std::string bytes;
  t.Serialize(&bytes);
  GroupTable copy({columnar::int64(), columnar::float64(), columnar::boolean(), columnar::int32()});
  std::string_view in = bytes;
  ASSERT_TRUE(copy.Deserialize(&in).ok());
  EXPECT_TRUE(in.empty());
  std::string again;
  copy.Serialize(&again);
  EXPECT_EQ(bytes, again);
  fresh.clear();
  ASSERT_TRUE(copy.FindOrInsert(b->columns(), 6, &ids, &fresh).ok());
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 0, 1, 1, 2, 3}));  // (1, 0.0, true, 7) reused id 0
  EXPECT_EQ(fresh, (std::vector<uint32_t>{0}));
  // A truncated image is corruption, not a crash.
  GroupTable bad({columnar::int64(), columnar::float64(), columnar::boolean(), columnar::int32()});
  std::string_view cut = std::string_view(bytes).substr(0, bytes.size() - 3);
  EXPECT_FALSE(bad.Deserialize(&cut).ok());
}

// The tuple table against a model under random inserts and erases (probe chains survive
// backward-shift deletion and growth).
TEST(GroupTable, TupleKeysMatchModel) {
  GroupTable t({columnar::timestamp(), columnar::int64()});
  std::map<std::pair<int64_t, int64_t>, uint32_t> model;
  std::mt19937_64 rng(42);
  std::vector<uint32_t> ids;
  for (int round = 0; round < 200; ++round) {
    std::vector<int64_t> a, k;
    for (int i = 0; i < 97; ++i) {
      a.push_back(static_cast<int64_t>(rng() % 7) * 1000);
      k.push_back(static_cast<int64_t>(rng() % 300));
    }
    std::vector<ArrayPtr> cols{columnar::MakeTimestampArray(a), columnar::MakeInt64Array(k)};
    ASSERT_TRUE(t.FindOrInsert(cols, 97, &ids).ok());
    for (size_t i = 0; i < ids.size(); ++i) {
      auto [it, inserted] = model.try_emplace({a[i], k[i]}, ids[i]);
      ASSERT_EQ(it->second, ids[i]) << "round " << round << " row " << i;
    }
    // Erase one "window" now and then.
    if (round % 3 == 2) {
      const int64_t w = static_cast<int64_t>(rng() % 7) * 1000;
      std::vector<uint32_t> gone;
      for (auto it = model.begin(); it != model.end();) {
        if (it->first.first == w) {
          gone.push_back(it->second);
          it = model.erase(it);
        } else {
          ++it;
        }
      }
      if (round % 2 == 0) {
        ASSERT_TRUE(t.EraseMany(gone).ok());  // large part of the table: index rebuilt
      } else {
        for (uint32_t g : gone) {
          ASSERT_TRUE(t.Erase(g).ok());
        }
      }
      if (!gone.empty()) {
        EXPECT_FALSE(t.EraseMany(std::vector<uint32_t>{gone[0]}).ok());
      }
    }
    ASSERT_EQ(t.num_live_groups(), model.size());
  }
  std::vector<uint32_t> all;
  for (const auto& [key, id] : model) all.push_back(id);
  auto keys = t.GetKeys(all);
  ASSERT_TRUE(keys.ok());
  size_t i = 0;
  for (const auto& [key, id] : model) {
    EXPECT_EQ((*keys)[0]->values<int64_t>()[i], key.first);
    EXPECT_EQ((*keys)[1]->values<int64_t>()[i], key.second);
    ++i;
  }
}

}  // namespace
}  // namespace laminar::function
