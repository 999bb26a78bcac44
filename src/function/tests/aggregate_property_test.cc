// Property tests over every built-in aggregate: Merge, Serialize/Deserialize round trips, and
// for retractable ones, insert-then-retract equals computing from scratch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "columnar/record_batch.h"
#include "function/tests/test_util.h"

namespace laminar::function {
namespace {

using columnar::ArrayPtr;

struct AggCase {
  std::string name;
  std::vector<DataTypePtr> types;
  bool approx = false;  // floating result: compare with tolerance
};

std::vector<AggCase> Cases() {
  using namespace columnar;  // NOLINT
  return {
      {"count", {}},
      {"count", {int64()}},
      {"sum", {int64()}},
      {"sum", {float64()}, true},
      {"sum", {decimal128(12, 2)}},
      {"avg", {int64()}, true},
      {"avg", {decimal128(12, 2)}},
      {"min", {int64()}},
      {"max", {utf8()}},
      {"min", {float64()}},
      {"stddev", {float64()}, true},
      {"var_pop", {float64()}, true},
      {"covar_samp", {float64(), float64()}, true},
      {"corr", {float64(), float64()}, true},
      {"bool_and", {boolean()}},
      {"bool_or", {boolean()}},
      {"first_value", {int64()}},
      {"last_value", {utf8()}},
      {"string_agg", {utf8(), utf8()}},
      {"array_agg", {int64()}},
      {"json_agg", {int64()}},
      {"json_agg", {utf8()}},
      {"json_object_agg", {utf8(), float64()}},
      {"approx_count_distinct", {utf8()}},
      {"approx_percentile_cont", {float64(), float64()}, true},
      {"median", {float64()}, true},
      {"percentile_disc", {float64(), float64()}, true},
      {"regr_slope", {float64(), float64()}, true},
      {"regr_intercept", {float64(), float64()}, true},
      {"regr_r2", {float64(), float64()}, true},
      {"bit_and", {int64()}},
      {"bit_or", {int64()}},
      {"bit_xor", {int64()}},
  };
}

/// Random column of `type` with ~10% NULLs.
ArrayPtr RandomColumn(const DataTypePtr& type, int64_t n, std::mt19937_64& rng) {
  auto b = columnar::MakeBuilder(type);
  std::uniform_int_distribution<int> small(-50, 50);
  for (int64_t i = 0; i < n; ++i) {
    if (rng() % 10 == 0 && type->id() != columnar::TypeId::kBoolean) {
      b->AppendNull();
      continue;
    }
    Scalar v;
    switch (type->id()) {
      case columnar::TypeId::kInt64:
        v = Scalar::Int64(small(rng));
        break;
      case columnar::TypeId::kFloat64:
        v = Scalar::Float64(small(rng) / 4.0);
        break;
      case columnar::TypeId::kDecimal128:
        v = Scalar::Decimal(small(rng) * 7, type->precision(), type->scale());
        break;
      case columnar::TypeId::kBoolean:
        v = Scalar::Boolean(rng() % 3 != 0);
        break;
      default:
        v = Scalar::String(std::string(1, static_cast<char>('a' + rng() % 8)));
    }
    EXPECT_TRUE(b->AppendScalar(v).ok());
  }
  return b->Finish();
}

std::vector<Scalar> FinalizeAll(const Accumulator& acc, uint32_t groups) {
  std::vector<uint32_t> all(groups);
  for (uint32_t g = 0; g < groups; ++g) all[g] = g;
  auto out = acc.Finalize(all);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  std::vector<Scalar> s;
  for (int64_t i = 0; i < (*out)->length(); ++i) s.push_back(columnar::GetScalar(**out, i));
  return s;
}

void ExpectSame(const AggCase& c, const std::vector<Scalar>& a, const std::vector<Scalar>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (c.approx && a[i].is_valid() && b[i].is_valid()) {
      EXPECT_NEAR(a[i].ToDouble(), b[i].ToDouble(), 1e-6 * (1 + std::fabs(a[i].ToDouble())))
          << c.name << " group " << i;
    } else {
      EXPECT_EQ(a[i].ToString(), b[i].ToString()) << c.name << " group " << i;
    }
  }
}

class AggregateProperty : public ::testing::TestWithParam<size_t> {};

TEST_P(AggregateProperty, MergeSerializeRetract) {
  const AggCase c = Cases()[GetParam()];
  SCOPED_TRACE(c.name);
  auto resolved = FunctionRegistry::Global().ResolveAggregate(c.name, c.types, false);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  std::mt19937_64 rng(42 + GetParam());
  const int64_t n = 400;
  const uint32_t groups = 7;
  std::vector<ArrayPtr> args;
  for (const auto& t : c.types) {
    args.push_back(t->id() == columnar::TypeId::kFloat64 && args.size() == 1 &&
                           c.name.find("percentile") != std::string::npos
                       ? BroadcastScalar(Scalar::Float64(0.25), n)
                       : RandomColumn(t, n, rng));
  }
  if (c.name == "string_agg") args[1] = BroadcastScalar(Scalar::String(","), n);
  if (c.name == "json_object_agg") args[0] = BroadcastScalar(Scalar::String("k"), n);  // no NULL
  std::vector<uint32_t> gids(static_cast<size_t>(n));
  for (auto& g : gids) g = static_cast<uint32_t>(rng() % groups);

  auto whole = resolved->factory();
  whole->Resize(groups);
  ASSERT_TRUE(whole->Update(args, gids.data(), n, nullptr, nullptr).ok());
  auto expected = FinalizeAll(*whole, groups);

  // Merge: first half into a, second half into b, merge b into a (arrival order kept).
  auto a = resolved->factory(), b = whole->CloneEmpty();
  a->Resize(groups);
  b->Resize(groups);
  std::vector<ArrayPtr> first, second;
  for (const auto& col : args) {
    first.push_back(col->Slice(0, n / 2));
    second.push_back(col->Slice(n / 2, n - n / 2));
  }
  ASSERT_TRUE(a->Update(first, gids.data(), n / 2, nullptr, nullptr).ok());
  ASSERT_TRUE(b->Update(second, gids.data() + n / 2, n - n / 2, nullptr, nullptr).ok());
  for (uint32_t g = 0; g < groups; ++g) ASSERT_TRUE(a->Merge(g, *b, g).ok());
  if (c.name != "approx_percentile_cont" && c.name != "string_agg") {
    ExpectSame(c, FinalizeAll(*a, groups), expected);
  }

  // Serialize / Deserialize: byte-stable and same result.
  auto restored = whole->CloneEmpty();
  restored->Resize(groups);
  for (uint32_t g = 0; g < groups; ++g) {
    std::string bytes;
    whole->Serialize(g, &bytes);
    std::string_view in = bytes;
    ASSERT_TRUE(restored->Deserialize(g, &in).ok());
    EXPECT_TRUE(in.empty());
    std::string again;
    restored->Serialize(g, &again);
    EXPECT_EQ(bytes, again);
    // Truncated input is corruption, never a crash.
    if (bytes.size() > 1) {
      std::string_view cut(bytes.data(), bytes.size() / 2);
      auto scratch = whole->CloneEmpty();
      scratch->Resize(1);
      (void)scratch->Deserialize(0, &cut);
    }
  }
  ExpectSame(c, FinalizeAll(*restored, groups), expected);

  if (!resolved->retractable) {
    std::vector<int64_t> w(static_cast<size_t>(n), -1);
    auto r = resolved->factory();
    r->Resize(groups);
    EXPECT_FALSE(r->Update(args, gids.data(), n, w.data(), nullptr).ok());
    return;
  }
  // Retraction: insert everything (with weights), retract a random subset, compare with a
  // from-scratch computation over the remaining rows.
  std::vector<int64_t> plus(static_cast<size_t>(n), 1), minus(static_cast<size_t>(n), -1);
  std::vector<int32_t> kept, dropped;
  for (int32_t i = 0; i < n; ++i) (rng() % 3 == 0 ? dropped : kept).push_back(i);
  auto inc = resolved->factory();
  inc->Resize(groups);
  ASSERT_TRUE(inc->Update(args, gids.data(), n, plus.data(), nullptr).ok());
  std::vector<ArrayPtr> drop_args;
  std::vector<uint32_t> drop_g;
  for (const auto& col : args) drop_args.push_back(columnar::Take(*col, dropped));
  for (int32_t i : dropped) drop_g.push_back(gids[static_cast<size_t>(i)]);
  ASSERT_TRUE(inc->Update(drop_args, drop_g.data(), static_cast<int64_t>(dropped.size()),
                          minus.data(), nullptr)
                  .ok());
  std::vector<ArrayPtr> keep_args;
  std::vector<uint32_t> keep_g;
  for (const auto& col : args) keep_args.push_back(columnar::Take(*col, kept));
  for (int32_t i : kept) keep_g.push_back(gids[static_cast<size_t>(i)]);
  auto scratch = resolved->factory();
  scratch->Resize(groups);
  ASSERT_TRUE(
      scratch->Update(keep_args, keep_g.data(), static_cast<int64_t>(kept.size()), nullptr, nullptr)
          .ok());
  ExpectSame(c, FinalizeAll(*inc, groups), FinalizeAll(*scratch, groups));
}

INSTANTIATE_TEST_SUITE_P(AllAggregates, AggregateProperty,
                         ::testing::Range(size_t{0}, Cases().size()));

TEST(AggregateValues, Statistics) {
  auto x = columnar::MakeFloat64Array({2, 4, 4, 4, 5, 5, 7, 9});
  auto run = [&](const std::string& name, std::vector<ArrayPtr> args) {
    std::vector<DataTypePtr> types;
    for (auto& a : args) types.push_back(a->type());
    auto r = FunctionRegistry::Global().ResolveAggregate(name, types, false);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    auto acc = r->factory();
    acc->Resize(1);
    std::vector<uint32_t> g(static_cast<size_t>(args[0]->length()), 0);
    EXPECT_TRUE(acc->Update(args, g.data(), args[0]->length(), nullptr, nullptr).ok());
    uint32_t zero = 0;
    return columnar::GetScalar(**acc->Finalize(std::span<const uint32_t>(&zero, 1)), 0).ToString();
  };
  EXPECT_EQ(run("stddev_pop", {x}), "2");
  EXPECT_EQ(run("var_pop", {x}), "4");
  EXPECT_EQ(run("median", {x}), "4.5");
  EXPECT_EQ(run("corr", {x, x}), "1");
  EXPECT_EQ(run("approx_count_distinct", {x}), "5");
  EXPECT_EQ(run("string_agg",
                {columnar::MakeStringArray({"a", "b"}), columnar::MakeStringArray({"-", "-"})}),
            "a-b");
  EXPECT_EQ(run("array_agg", {columnar::MakeInt64Array({3, 1})}), "[3, 1]");
  EXPECT_EQ(run("first_value", {columnar::MakeInt64Array({3, 1})}), "3");
  EXPECT_EQ(run("last", {columnar::MakeInt64Array({3, 1})}), "1");
  EXPECT_EQ(run("avg", {columnar::MakeInt64Array({1, 2})}), "1.5");
  // PERCENTILE_DISC picks a value (rank ceil(p * n)); PERCENTILE_CONT interpolates.
  auto p = [](double v) { return columnar::MakeFloat64Array(std::vector<double>(8, v)); };
  EXPECT_EQ(run("percentile_disc", {x, p(0.5)}), "4");
  EXPECT_EQ(run("percentile_disc", {x, p(0.9)}), "9");
  EXPECT_EQ(run("percentile_disc", {x, p(0)}), "2");
  EXPECT_EQ(run("percentile_cont", {x, p(0.5)}), "4.5");
  // y = 2x + 1 exactly.
  auto xs = columnar::MakeFloat64Array({1, 2, 3, 4});
  auto ys = columnar::MakeFloat64Array({3, 5, 7, 9});
  EXPECT_EQ(run("regr_slope", {ys, xs}), "2");
  EXPECT_EQ(run("regr_intercept", {ys, xs}), "1");
  EXPECT_EQ(run("regr_r2", {ys, xs}), "1");
  EXPECT_EQ(run("regr_avgx", {ys, xs}), "2.5");
  EXPECT_EQ(run("regr_avgy", {ys, xs}), "6");
  EXPECT_EQ(run("regr_sxx", {ys, xs}), "5");
  EXPECT_EQ(run("regr_sxy", {ys, xs}), "10");
  auto bits = columnar::MakeInt64Array({12, 10, 14});  // 1100, 1010, 1110
  EXPECT_EQ(run("bit_and", {bits}), "8");
  EXPECT_EQ(run("bit_or", {bits}), "14");
  EXPECT_EQ(run("bit_xor", {bits}), "8");
  EXPECT_EQ(run("bit_and", {columnar::MakeInt64Array({-1, -2})}), "-2");
}

TEST(AggregateValues, DistinctSumAvg) {
  auto x = columnar::MakeInt64Array({1, 1, 2, 2, 3});
  auto r = FunctionRegistry::Global().ResolveAggregate("sum", {columnar::int64()}, true);
  ASSERT_TRUE(r.ok());
  auto acc = r->factory();
  acc->Resize(1);
  std::vector<uint32_t> g(5, 0);
  std::vector<ArrayPtr> args{x};
  ASSERT_TRUE(acc->Update(args, g.data(), 5, nullptr, nullptr).ok());
  uint32_t zero = 0;
  EXPECT_EQ(columnar::GetScalar(**acc->Finalize(std::span<const uint32_t>(&zero, 1)), 0).ToString(),
            "6");
}

}  // namespace
}  // namespace laminar::function
