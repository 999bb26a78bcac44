#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "columnar/builder.h"
#include "columnar/record_batch.h"
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

// Row counts and integer AVG sums report overflow as an error instead of wrapping (a corrupted
// checkpoint image or absurd changelog weights; found by operator_image_fuzz).
TEST(Aggregate, CountAndAvgOverflowAreErrors) {
  auto x = columnar::MakeInt64Array({7, 7});
  const uint32_t groups[2] = {0, 0};
  const int64_t weights[2] = {INT64_MAX, 1};
  for (const char* name : {"count", "sum", "avg"}) {
    auto resolved = FunctionRegistry::Global().ResolveAggregate(name, {columnar::int64()}, false);
    ASSERT_TRUE(resolved.ok());
    auto acc = resolved->factory();
    acc->Resize(1);
    std::vector<ArrayPtr> args{x};
    Status st = acc->Update(args, groups, 2, weights, nullptr);
    EXPECT_FALSE(st.ok()) << name;
    // Merging two groups whose counts add past the range fails the same way.
    auto a = resolved->factory();
    auto b = resolved->factory();
    a->Resize(1);
    b->Resize(1);
    const int64_t big[1] = {INT64_MAX / 2 + 1};
    const std::vector<ArrayPtr> one{columnar::MakeInt64Array({1})};
    ASSERT_TRUE(a->Update(one, groups, 1, big, nullptr).ok()) << name;
    ASSERT_TRUE(b->Update(one, groups, 1, big, nullptr).ok()) << name;
    EXPECT_FALSE(a->Merge(0, *b, 0).ok()) << name;
  }
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

// A window-keyed table's image equals the flat table's over the same keys, and restored into a
// fresh window table it serializes the same; the test goes on with the restored table.
void SameImageThenRestore(std::unique_ptr<GroupTable>* parts, const GroupTable& flat,
                          const std::vector<columnar::DataTypePtr>& types) {
  std::string a, b;
  (*parts)->Serialize(&a);
  flat.Serialize(&b);
  ASSERT_EQ(a, b);
  auto copy = std::make_unique<GroupTable>(types, true);
  std::string_view in = b;
  ASSERT_TRUE(copy->Deserialize(&in).ok());
  EXPECT_TRUE(in.empty());
  std::string c;
  copy->Serialize(&c);
  ASSERT_EQ(c, b);
  *parts = std::move(copy);
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
  auto gk1 = general.GetKeys(std::vector<uint32_t>{3}, 1);  // from the second column on
  ASSERT_TRUE(gk1.ok());
  ASSERT_EQ(gk1->size(), 1u);
  EXPECT_EQ(columnar::GetScalar(*(*gk1)[0], 0).ToString(), "a");
  auto fk1 = fixed.GetKeys(std::vector<uint32_t>{0}, 1);
  ASSERT_TRUE(fk1.ok());
  EXPECT_TRUE(fk1->empty());

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

// A window-keyed table (per-window parts) against the flat tuple table: the same calls must
// hand out the same ids, report the same new groups, and serialize to the same bytes, for
// 0, 1 and 2 GROUP BY keys (the specialised probe widths and the generic one), NULL keys,
// many windows, windows dropped whole or erased key by key, and restored images. Params 3 and 4
// are string layouts (general mode: per-window parts over encoded keys, against the string map):
// 3 = (BIGINT, VARCHAR) like q8's GROUP BY id, name; 4 = (VARCHAR, DOUBLE, BOOLEAN); 5 = (INTEGER,
// VARCHAR, REAL, BOOLEAN, SMALLINT): narrow integers and floats stored in 8 bytes.
class WindowKeysTest : public ::testing::TestWithParam<int> {};

TEST_P(WindowKeysTest, MatchesFlatTable) {
  const int layout = GetParam();
  std::vector<DataTypePtr> key_types;
  if (layout <= 2) {
    for (int k = 0; k < layout; ++k) key_types.push_back(columnar::int64());
  } else if (layout == 3) {
    key_types = {columnar::int64(), columnar::utf8()};
  } else if (layout == 5) {
    key_types = {columnar::int32(), columnar::utf8(), columnar::float32(), columnar::boolean(),
                 columnar::int16()};
  } else {
    key_types = {columnar::utf8(), columnar::float64(), columnar::boolean()};
  }
  const int num_keys = static_cast<int>(key_types.size());
  std::vector<DataTypePtr> types{columnar::timestamp(), columnar::timestamp()};
  for (const auto& t : key_types) types.push_back(t);
  auto parts = std::make_unique<GroupTable>(types, /*window_keys=*/true);
  GroupTable flat(types);
  ASSERT_TRUE(parts->window_keys());
  ASSERT_FALSE(flat.window_keys());
  std::mt19937_64 rng(7 + layout);
  constexpr int64_t kSize = 1000;
  std::map<int64_t, std::vector<uint32_t>> by_window;  // window start → live ids
  std::vector<uint32_t> ids_a, ids_b, new_a, new_b, rows_a;
  for (int round = 0; round < 300; ++round) {
    const int64_t n = 1 + static_cast<int64_t>(rng() % 200);
    // Rows of a few windows, in runs (like a time-ordered batch) and HOP-like interleaving.
    std::vector<int64_t> starts, ends, input_rows;
    std::vector<std::vector<int64_t>> key_vals(static_cast<size_t>(num_keys));
    std::vector<std::vector<bool>> key_null(static_cast<size_t>(num_keys));
    const int64_t base = static_cast<int64_t>(rng() % 40);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t w = base + static_cast<int64_t>(rng() % (round % 4 == 0 ? 6 : 2));
      starts.push_back(w * kSize);
      ends.push_back(w * kSize + kSize);
    }
    // Key columns over `n` input rows; probe rows gather through `gather` half of the time.
    const bool gathered = round % 2 == 1;
    std::vector<int32_t> gather;
    if (gathered) {
      for (int64_t i = 0; i < n; ++i) gather.push_back(static_cast<int32_t>(rng() % n));
    }
    std::vector<ArrayPtr> keys;
    for (int k = 0; k < num_keys; ++k) {
      auto b = columnar::MakeBuilder(key_types[static_cast<size_t>(k)]);
      const columnar::TypeId type = key_types[static_cast<size_t>(k)]->id();
      for (int64_t i = 0; i < n; ++i) {
        const int64_t v = static_cast<int64_t>(rng() % (k == 0 ? 50 : 3)) - 1;
        if (round % 3 != 0 && rng() % 10 == 0) {  // every third round: no NULL keys
          b->AppendNull();
        } else if (type == columnar::TypeId::kInt64) {
          static_cast<columnar::FixedWidthBuilder<int64_t>*>(b.get())->Append(v);
        } else if (type == columnar::TypeId::kInt32) {
          static_cast<columnar::FixedWidthBuilder<int32_t>*>(b.get())->Append(
              static_cast<int32_t>(v));
        } else if (type == columnar::TypeId::kInt16) {
          static_cast<columnar::FixedWidthBuilder<int16_t>*>(b.get())->Append(
              static_cast<int16_t>(v));
        } else if (type == columnar::TypeId::kFloat32) {
          static_cast<columnar::FixedWidthBuilder<float>*>(b.get())->Append(
              v == 0 && rng() % 2 ? -0.0f : 0.25f * static_cast<float>(v));
        } else if (type == columnar::TypeId::kFloat64) {
          // -0.0 and 0.0 group together.
          static_cast<columnar::FixedWidthBuilder<double>*>(b.get())->Append(
              v == 0 && rng() % 2 ? -0.0 : 0.5 * v);
        } else if (type == columnar::TypeId::kBoolean) {
          static_cast<columnar::BooleanBuilder*>(b.get())->Append(v > 0);
        } else {
          // Empty strings, short ones and ones past the small-string buffer.
          std::string text = v < 0 ? "" : fmt::format("name-{}", v);
          if (v % 7 == 3) text += std::string(40, 'x');
          static_cast<columnar::BinaryBuilder*>(b.get())->Append(text);
        }
      }
      keys.push_back(b->Finish());
    }
    ids_a.clear();
    new_a.clear();
    new_b.clear();
    rows_a.clear();
    const int32_t* gather_ptr = gathered ? gather.data() : nullptr;
    if (round % 5 == 3) {
      // The generic entry point on the window table (bounds as arrays, one NULL start).
      std::vector<ArrayPtr> cols;
      columnar::FixedWidthBuilder<int64_t> sb(columnar::timestamp());
      for (int64_t i = 0; i < n; ++i) {
        if (i == 0) {
          sb.AppendNull();
        } else {
          sb.Append(starts[static_cast<size_t>(i)]);
        }
      }
      cols.push_back(sb.Finish());
      cols.push_back(columnar::MakeTimestampArray(ends));
      for (const auto& k : keys) cols.push_back(k);
      ASSERT_TRUE(parts->FindOrInsert(cols, n, &ids_a, &new_a).ok());
      ASSERT_TRUE(flat.FindOrInsert(cols, n, &ids_b, &new_b).ok());
      starts[0] = INT64_MIN;  // not a window of by_window
    } else {
      ASSERT_TRUE(
          parts->FindOrInsertWindowed(starts, ends, keys, gather_ptr, &ids_a, &new_a, &rows_a)
              .ok());
      std::vector<ArrayPtr> cols{columnar::MakeTimestampArray(starts),
                                 columnar::MakeTimestampArray(ends)};
      for (const auto& k : keys) {
        cols.push_back(gathered ? columnar::Take(*k, gather) : k);
      }
      ASSERT_TRUE(flat.FindOrInsert(cols, n, &ids_b, &new_b).ok());
      ASSERT_EQ(rows_a.size(), new_a.size());
      for (size_t j = 0; j < rows_a.size(); ++j) {
        EXPECT_EQ(ids_a[rows_a[j]], new_a[j]) << "round " << round;
        for (uint32_t r = 0; r < rows_a[j]; ++r) ASSERT_NE(ids_a[r], new_a[j]);
      }
    }
    ASSERT_EQ(ids_a, ids_b) << "round " << round;
    ASSERT_EQ(new_a, new_b) << "round " << round;
    for (size_t j = 0; j < new_a.size(); ++j) {
      size_t row = 0;
      while (ids_a[row] != new_a[j]) ++row;
      by_window[starts[row]].push_back(new_a[j]);
    }
    // Close windows now and then: whole windows (parts dropped), or a few keys singly.
    if (round % 7 == 6 && !by_window.empty()) {
      auto it = by_window.begin();
      std::advance(it, static_cast<long>(rng() % by_window.size()));
      std::vector<uint32_t> gone = it->second;
      by_window.erase(it);
      ASSERT_TRUE(parts->EraseMany(gone).ok());
      ASSERT_TRUE(flat.EraseMany(gone).ok());
      if (!gone.empty()) {
        EXPECT_FALSE(parts->EraseMany(std::vector<uint32_t>{gone[0]}).ok());
        EXPECT_FALSE(parts->Erase(gone[0]).ok());
      }
    } else if (round % 11 == 10 && !by_window.empty()) {
      auto& list = by_window.begin()->second;
      std::vector<uint32_t> some;
      while (!list.empty() && some.size() < 3) {
        some.push_back(list.back());
        list.pop_back();
      }
      if (some.size() > 1) {
        ASSERT_TRUE(parts->EraseMany(some).ok());
        ASSERT_TRUE(flat.EraseMany(some).ok());
      } else {
        for (uint32_t g : some) {
          ASSERT_TRUE(parts->Erase(g).ok());
          ASSERT_TRUE(flat.Erase(g).ok());
        }
      }
      if (list.empty()) by_window.erase(by_window.begin());
    }
    ASSERT_EQ(parts->num_live_groups(), flat.num_live_groups());
    if (round % 50 == 49) {
      // Same image as the flat table; restoring it (into a window table) changes nothing.
      ASSERT_NO_FATAL_FAILURE(SameImageThenRestore(&parts, flat, types));
    }
  }
  // Keys read back from the window table match the flat table's.
  std::vector<uint32_t> live;
  for (uint32_t g = 0; g < flat.num_groups(); ++g) {
    if (flat.IsLive(g)) live.push_back(g);
  }
  auto ka = parts->GetKeys(live);
  auto kb = flat.GetKeys(live);
  ASSERT_TRUE(ka.ok());
  ASSERT_TRUE(kb.ok());
  ASSERT_EQ(ka->size(), kb->size());
  for (size_t c = 0; c < ka->size(); ++c) {
    for (int64_t r = 0; r < static_cast<int64_t>(live.size()); ++r) {
      EXPECT_EQ(columnar::GetScalar(*(*ka)[c], r).ToString(),
                columnar::GetScalar(*(*kb)[c], r).ToString());
    }
  }
  // Without the window bounds: the GROUP BY columns only, the same arrays.
  auto kc = parts->GetKeys(live, 2);
  ASSERT_TRUE(kc.ok());
  ASSERT_EQ(kc->size(), ka->size() - 2);
  for (size_t c = 0; c < kc->size(); ++c) {
    for (int64_t r = 0; r < static_cast<int64_t>(live.size()); ++r) {
      EXPECT_EQ(columnar::GetScalar(*(*kc)[c], r).ToString(),
                columnar::GetScalar(*(*ka)[c + 2], r).ToString());
    }
  }
  // Reading from the second bound on (first_column 1) or past the first GROUP BY column.
  for (size_t first : {size_t{1}, size_t{3}}) {
    if (first > ka->size()) continue;
    auto kd = parts->GetKeys(live, first);
    ASSERT_TRUE(kd.ok());
    ASSERT_EQ(kd->size(), ka->size() - first);
    for (size_t c = 0; c < kd->size(); ++c) {
      ASSERT_TRUE((*kd)[c]->type()->Equals(*(*ka)[c + first]->type()));
      EXPECT_EQ((*kd)[c]->null_count(), (*ka)[c + first]->null_count());
      for (int64_t r = 0; r < static_cast<int64_t>(live.size()); ++r) {
        EXPECT_EQ(columnar::GetScalar(*(*kd)[c], r).ToString(),
                  columnar::GetScalar(*(*ka)[c + first], r).ToString());
      }
    }
  }
  // Windowed lookup on a table of string keys falls back to built columns (same ids).
  GroupTable strings({columnar::timestamp(), columnar::timestamp(), columnar::utf8()}, true);
  auto words = Batch("s VARCHAR", "'a'; NULL; 'b'; 'a'");
  std::vector<int64_t> st{0, 0, 10, 0}, en{10, 10, 20, 10};
  std::vector<int32_t> pick{0, 1, 2, 3};
  ids_a.clear();
  new_a.clear();
  rows_a.clear();
  ASSERT_TRUE(
      strings.FindOrInsertWindowed(st, en, words->columns(), pick.data(), &ids_a, &new_a, &rows_a)
          .ok());
  EXPECT_EQ(ids_a, (std::vector<uint32_t>{0, 1, 2, 0}));
  EXPECT_EQ(new_a, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(rows_a, (std::vector<uint32_t>{0, 1, 2}));
  // Shape errors are statuses.
  EXPECT_FALSE(strings
                   .FindOrInsertWindowed(st, std::vector<int64_t>{1}, words->columns(), nullptr,
                                         &ids_a, &new_a)
                   .ok());
}

INSTANTIATE_TEST_SUITE_P(GroupTable, WindowKeysTest, ::testing::Values(0, 1, 2, 3, 4, 5));

// MIN/MAX over a run of one group (AddRun: no GROUP BY keys) must resolve exactly as the per-row
// loop does, including ties of -0.0 / 0.0 (the first seen stays) and NaNs (which compare false).
TEST(Aggregate, MinMaxRunsMatchRows) {
  std::mt19937_64 rng(11);
  const double specials[] = {0.0, -0.0, std::nan(""), 1.0, -1.0, 2.5};
  for (const char* name : {"MIN", "MAX"}) {
    for (int round = 0; round < 200; ++round) {
      const int64_t n = 2 + static_cast<int64_t>(rng() % 12);
      columnar::FixedWidthBuilder<double> db(columnar::float64());
      columnar::FixedWidthBuilder<int64_t> ib(columnar::int64());
      columnar::BinaryBuilder sb(columnar::utf8());
      for (int64_t i = 0; i < n; ++i) {
        db.Append(specials[rng() % 6]);
        ib.Append(static_cast<int64_t>(rng() % 7) - 3);
        sb.Append(std::string(rng() % 3, 'a' + static_cast<char>(rng() % 3)));
      }
      for (ArrayPtr values : {db.Finish(), ib.Finish(), sb.Finish()}) {
        auto resolved = FunctionRegistry::Global().ResolveAggregate(name, {values->type()}, false);
        ASSERT_TRUE(resolved.ok());
        // runs: every row in group 0, in two batches (the state carries over); rows: the same
        // rows one Update per row (a single-row batch takes the per-row loop).
        auto runs = resolved->factory();
        auto rows = resolved->factory();
        runs->Resize(1);
        rows->Resize(1);
        const std::vector<uint32_t> zeros(static_cast<size_t>(n), 0);
        const int64_t half = n / 2;
        ASSERT_TRUE(runs->Update(std::vector<ArrayPtr>{values->Slice(0, half)}, zeros.data(), half,
                                 nullptr, nullptr)
                        .ok());
        ASSERT_TRUE(runs->Update(std::vector<ArrayPtr>{values->Slice(half, n - half)}, zeros.data(),
                                 n - half, nullptr, nullptr)
                        .ok());
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_TRUE(rows->Update(std::vector<ArrayPtr>{values->Slice(i, 1)}, zeros.data(), 1,
                                   nullptr, nullptr)
                          .ok());
        }
        auto a = runs->Finalize(std::vector<uint32_t>{0});
        auto b = rows->Finalize(std::vector<uint32_t>{0});
        ASSERT_TRUE(a.ok() && b.ok());
        std::string sa, sb2;
        runs->Serialize(0, &sa);
        rows->Serialize(0, &sb2);
        EXPECT_EQ(sa, sb2) << name << " round " << round;  // state bytes: bit-exact values
        EXPECT_EQ(columnar::GetScalar(**a, 0).ToString(), columnar::GetScalar(**b, 0).ToString());
      }
    }
  }
}

// String window keys live in a per-window arena: a key erased singly (its bytes reclaimed when
// they are the arena's last) must not disturb the window's other keys, ids, or the image.
TEST(GroupTable, EncodedWindowKeysEraseAndRestore) {
  const std::vector<DataTypePtr> types{columnar::timestamp(), columnar::timestamp(),
                                       columnar::int64(), columnar::utf8()};
  GroupTable parts(types, /*window_keys=*/true);
  GroupTable flat(types);
  std::vector<uint32_t> ids_a, ids_b, new_a, new_b;
  auto both = [&](const std::vector<int64_t>& st, const char* rows) {
    auto batch = Batch("id BIGINT, name VARCHAR", rows);
    const std::vector<int64_t> en(st.size(), 100);
    ids_a.clear();
    ids_b.clear();
    new_a.clear();
    new_b.clear();
    ASSERT_TRUE(parts.FindOrInsertWindowed(st, en, batch->columns(), nullptr, &ids_a, &new_a).ok());
    ASSERT_TRUE(flat.FindOrInsertWindowed(st, en, batch->columns(), nullptr, &ids_b, &new_b).ok());
    ASSERT_EQ(ids_a, ids_b);
    ASSERT_EQ(new_a, new_b);
  };
  const std::string long_name(50, 'n');
  both({0, 0, 0, 10}, ("1, 'a'; 2, '" + long_name + "'; 3, NULL; 1, 'a'").c_str());
  EXPECT_EQ(ids_a, (std::vector<uint32_t>{0, 1, 2, 3}));
  // Erase the last key appended to window 0 (bytes reclaimed), then one in the middle.
  ASSERT_TRUE(parts.Erase(2).ok());
  ASSERT_TRUE(flat.Erase(2).ok());
  both({0, 0, 0}, ("4, 'd'; 2, '" + long_name + "'; 1, 'a'").c_str());
  EXPECT_EQ(ids_a, (std::vector<uint32_t>{2, 1, 0}));
  ASSERT_TRUE(parts.Erase(1).ok());
  ASSERT_TRUE(flat.Erase(1).ok());
  both({0, 0, 0, 10}, "3, NULL; 4, 'd'; 1, 'a'; 1, 'a'");
  EXPECT_EQ(ids_a, (std::vector<uint32_t>{1, 2, 0, 3}));
  std::string a, b;
  parts.Serialize(&a);
  flat.Serialize(&b);
  ASSERT_EQ(a, b);
  GroupTable copy(types, true);
  std::string_view in = a;
  ASSERT_TRUE(copy.Deserialize(&in).ok());
  std::string c;
  copy.Serialize(&c);
  EXPECT_EQ(c, b);
  const std::vector<uint32_t> live{0, 1, 2, 3};
  auto ka = copy.GetKeys(live, 2);
  auto kb = flat.GetKeys(live, 2);
  ASSERT_TRUE(ka.ok() && kb.ok());
  for (size_t col = 0; col < 2; ++col) {
    for (int64_t r = 0; r < 4; ++r) {
      EXPECT_EQ(columnar::GetScalar(*(*ka)[col], r).ToString(),
                columnar::GetScalar(*(*kb)[col], r).ToString());
    }
  }
  // The restored table finds the same ids; closing window 0 whole leaves window 10's key.
  parts = std::move(copy);
  both({0, 10}, "4, 'd'; 1, 'a'");
  EXPECT_EQ(ids_a, (std::vector<uint32_t>{2, 3}));
  ASSERT_TRUE(parts.EraseMany(std::vector<uint32_t>{0, 1, 2}).ok());
  EXPECT_EQ(parts.num_live_groups(), 1u);
  auto kc = parts.GetKeys(std::vector<uint32_t>{3}, 2);
  ASSERT_TRUE(kc.ok());
  EXPECT_EQ(columnar::GetScalar(*(*kc)[1], 0).ToString(), "a");
}

// The arena of a window's string keys grows in blocks that never move and are kept for reuse when
// the window closes: keys longer than a block, windows that outgrow their first block, windows
// reusing a closed one's blocks, and keys erased singly at a block's end must all keep ids, images
// (== the string-map table's, the checkpoint format) and keys read back intact.
TEST(GroupTable, EncodedWindowArenaBlocks) {
  const std::vector<DataTypePtr> types{columnar::timestamp(), columnar::timestamp(),
                                       columnar::int64(), columnar::utf8()};
  auto parts = std::make_unique<GroupTable>(types, /*window_keys=*/true);
  GroupTable flat(types);
  std::mt19937_64 rng(5);
  std::vector<uint32_t> ids_a, ids_b, new_a, new_b;
  std::map<int64_t, std::vector<uint32_t>> by_window;
  for (int round = 0; round < 120; ++round) {
    // Two or three windows per batch; names from empty to past a 256 KiB block.
    const int64_t n = 1 + static_cast<int64_t>(rng() % 300);
    const int64_t base = round / 4;
    std::vector<int64_t> starts, ends;
    columnar::FixedWidthBuilder<int64_t> ib(columnar::int64());
    columnar::BinaryBuilder sb(columnar::utf8());
    for (int64_t i = 0; i < n; ++i) {
      const int64_t w = base + static_cast<int64_t>(rng() % 3);
      starts.push_back(w * 10);
      ends.push_back(w * 10 + 10);
      ib.Append(static_cast<int64_t>(rng() % 400));
      const uint64_t pick = rng() % 1000;
      if (pick == 0) {
        sb.Append(std::string(300000 + rng() % 3, 'L'));
      } else if (pick < 50) {
        sb.AppendNull();
      } else {
        sb.Append(std::string(rng() % 40, static_cast<char>('a' + rng() % 3)));
      }
    }
    std::vector<ArrayPtr> keys{ib.Finish(), sb.Finish()};
    ids_a.clear();
    new_a.clear();
    new_b.clear();
    ASSERT_TRUE(parts->FindOrInsertWindowed(starts, ends, keys, nullptr, &ids_a, &new_a).ok());
    std::vector<ArrayPtr> cols{columnar::MakeTimestampArray(starts),
                               columnar::MakeTimestampArray(ends), keys[0], keys[1]};
    ASSERT_TRUE(flat.FindOrInsert(cols, n, &ids_b, &new_b).ok());
    ASSERT_EQ(ids_a, ids_b) << "round " << round;
    ASSERT_EQ(new_a, new_b) << "round " << round;
    for (uint32_t g : new_a) {
      size_t row = 0;
      while (ids_a[row] != g) ++row;
      by_window[starts[row]].push_back(g);
    }
    // Erase the newest key of the newest window singly (its bytes are the arena's last ones),
    // and now and then the oldest window whole.
    auto& newest = by_window.rbegin()->second;
    ASSERT_TRUE(parts->Erase(newest.back()).ok());
    ASSERT_TRUE(flat.Erase(newest.back()).ok());
    newest.pop_back();
    if (newest.empty()) by_window.erase(std::prev(by_window.end()));
    if (round % 3 == 2 && by_window.size() > 1) {
      ASSERT_TRUE(parts->EraseMany(by_window.begin()->second).ok());
      ASSERT_TRUE(flat.EraseMany(by_window.begin()->second).ok());
      by_window.erase(by_window.begin());
    }
    if (round % 20 == 19) {
      SCOPED_TRACE("round " + std::to_string(round));
      ASSERT_NO_FATAL_FAILURE(SameImageThenRestore(&parts, flat, types));
    }
  }
  std::vector<uint32_t> live;
  for (uint32_t g = 0; g < flat.num_groups(); ++g) {
    if (flat.IsLive(g)) live.push_back(g);
  }
  ASSERT_FALSE(live.empty());
  auto ka = parts->GetKeys(live);
  auto kb = flat.GetKeys(live);
  ASSERT_TRUE(ka.ok() && kb.ok());
  ASSERT_EQ(ka->size(), 4u);
  for (size_t c = 0; c < 4; ++c) {
    for (int64_t r = 0; r < static_cast<int64_t>(live.size()); ++r) {
      ASSERT_EQ(columnar::GetScalar(*(*ka)[c], r).ToString(),
                columnar::GetScalar(*(*kb)[c], r).ToString());
    }
  }
}

}  // namespace
}  // namespace laminar::function
