// Vectorized expressions and aggregates vs hand-written loops over the same data.
#include <absl/container/flat_hash_map.h>
#include <benchmark/benchmark.h>

#include <random>

#include "columnar/builder.h"
#include "columnar/record_batch.h"
#include "common/hash.h"
#include "function/aggregate/group_table.h"
#include "function/evaluator.h"

namespace laminar::function {
namespace {

constexpr int64_t kRows = 1 << 20;
constexpr int64_t kBatch = 8192;

struct Data {
  std::vector<columnar::RecordBatchPtr> batches;  // price DOUBLE, qty BIGINT, key BIGINT
};

const Data& GetData(int64_t num_keys) {
  static std::map<int64_t, Data> cache;
  auto& d = cache[num_keys];
  if (!d.batches.empty()) return d;
  std::mt19937_64 rng(7);
  auto schema = columnar::MakeSchema(
      {{"price", columnar::float64()}, {"qty", columnar::int64()}, {"key", columnar::int64()}});
  for (int64_t off = 0; off < kRows; off += kBatch) {
    columnar::FixedWidthBuilder<double> p(columnar::float64());
    columnar::FixedWidthBuilder<int64_t> q(columnar::int64()), k(columnar::int64());
    for (int64_t i = 0; i < kBatch; ++i) {
      p.Append(static_cast<double>(rng() % 20000) / 100.0);
      q.Append(static_cast<int64_t>(rng() % 100));
      k.Append(static_cast<int64_t>(rng() % static_cast<uint64_t>(num_keys)));
    }
    d.batches.push_back(std::make_shared<const columnar::RecordBatch>(
        schema, kBatch, std::vector<columnar::ArrayPtr>{p.Finish(), q.Finish(), k.Finish()}));
  }
  return d;
}

ExprPtr Price() { return ColumnRef(0, columnar::float64(), "price"); }
ExprPtr Qty() { return ColumnRef(1, columnar::int64(), "qty"); }

void BM_Filter_Compiled(benchmark::State& state) {
  const auto& data = GetData(1000);
  auto pred = MakeAnd({Call("gt", {Price(), Literal(Scalar::Float64(100))}, columnar::boolean()),
                       Call("lt", {Qty(), Literal(Scalar::Int64(50))}, columnar::boolean())});
  auto compiled = std::move(CompiledExpression::Compile(pred)).ValueOrDie();
  std::vector<int32_t> sel;
  EvalContext ctx;
  ctx.now_micros = 0;
  int64_t selected = 0;
  for (auto _ : state) {
    for (const auto& b : data.batches) {
      if (!EvaluateFilter(*compiled, *b, ctx, &sel).ok()) state.SkipWithError("filter failed");
      selected += static_cast<int64_t>(sel.size());
    }
  }
  benchmark::DoNotOptimize(selected);
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_Filter_Compiled)->Unit(benchmark::kMillisecond);

void BM_Filter_HandLoop(benchmark::State& state) {
  const auto& data = GetData(1000);
  std::vector<int32_t> sel;
  int64_t selected = 0;
  for (auto _ : state) {
    for (const auto& b : data.batches) {
      sel.clear();
      const double* p = b->column(0)->values<double>();
      const int64_t* q = b->column(1)->values<int64_t>();
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        if (p[i] > 100 && q[i] < 50) sel.push_back(static_cast<int32_t>(i));
      }
      selected += static_cast<int64_t>(sel.size());
    }
  }
  benchmark::DoNotOptimize(selected);
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_Filter_HandLoop)->Unit(benchmark::kMillisecond);

void BM_Project_Compiled(benchmark::State& state) {
  const auto& data = GetData(1000);
  // price * qty: the binder widens qty to DOUBLE.
  auto proj = Call("multiply", {Price(), Cast(Qty(), columnar::float64())}, columnar::float64());
  auto compiled = std::move(CompiledExpression::Compile(proj)).ValueOrDie();
  EvalContext ctx;
  ctx.now_micros = 0;
  for (auto _ : state) {
    for (const auto& b : data.batches) {
      auto r = compiled->Evaluate(*b, ctx);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_Project_Compiled)->Unit(benchmark::kMillisecond);

void BM_ProjectDouble_Compiled(benchmark::State& state) {
  const auto& data = GetData(1000);
  // price * 1.1: column vs literal fast path.
  auto proj = Call("multiply", {Price(), Literal(Scalar::Float64(1.1))}, columnar::float64());
  auto compiled = std::move(CompiledExpression::Compile(proj)).ValueOrDie();
  EvalContext ctx;
  ctx.now_micros = 0;
  for (auto _ : state) {
    for (const auto& b : data.batches) {
      auto r = compiled->Evaluate(*b, ctx);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_ProjectDouble_Compiled)->Unit(benchmark::kMillisecond);

void BM_Project_HandLoop(benchmark::State& state) {
  const auto& data = GetData(1000);
  std::vector<double> out(kBatch);
  for (auto _ : state) {
    for (const auto& b : data.batches) {
      const double* p = b->column(0)->values<double>();
      const int64_t* q = b->column(1)->values<int64_t>();
      for (int64_t i = 0; i < b->num_rows(); ++i)
        out[static_cast<size_t>(i)] = p[i] * static_cast<double>(q[i]);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_Project_HandLoop)->Unit(benchmark::kMillisecond);

void BM_GroupBySum_Engine(benchmark::State& state) {
  const int64_t keys = state.range(0);
  const auto& data = GetData(keys);
  auto resolved = *FunctionRegistry::Global().ResolveAggregate("sum", {columnar::int64()}, false);
  for (auto _ : state) {
    GroupTable table({columnar::int64()});
    auto acc = resolved.factory();
    std::vector<uint32_t> ids;
    for (const auto& b : data.batches) {
      std::vector<columnar::ArrayPtr> key{b->column(2)};
      if (!table.FindOrInsert(key, b->num_rows(), &ids).ok()) state.SkipWithError("insert");
      acc->Resize(table.num_groups());
      std::vector<columnar::ArrayPtr> args{b->column(1)};
      if (!acc->Update(args, ids.data(), b->num_rows(), nullptr, nullptr).ok()) {
        state.SkipWithError("update");
      }
    }
    benchmark::DoNotOptimize(table.num_groups());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_GroupBySum_Engine)->Arg(1000)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void BM_GroupBySum_HandLoop(benchmark::State& state) {
  const int64_t keys = state.range(0);
  const auto& data = GetData(keys);
  struct H {
    size_t operator()(int64_t k) const { return HashInt64(static_cast<uint64_t>(k)); }
  };
  for (auto _ : state) {
    absl::flat_hash_map<int64_t, int64_t, H> sums;
    for (const auto& b : data.batches) {
      const int64_t* k = b->column(2)->values<int64_t>();
      const int64_t* q = b->column(1)->values<int64_t>();
      for (int64_t i = 0; i < b->num_rows(); ++i) sums[k[i]] += q[i];
    }
    benchmark::DoNotOptimize(sums.size());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_GroupBySum_HandLoop)->Arg(1000)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void BM_AggregateUpdate(benchmark::State& state, const char* name, bool distinct) {
  const auto& data = GetData(1000);
  auto resolved = *FunctionRegistry::Global().ResolveAggregate(name, {columnar::int64()}, distinct);
  std::vector<std::vector<uint32_t>> gids;
  GroupTable table({columnar::int64()});
  for (const auto& b : data.batches) {
    gids.emplace_back();
    std::vector<columnar::ArrayPtr> key{b->column(2)};
    (void)table.FindOrInsert(key, b->num_rows(), &gids.back());
  }
  for (auto _ : state) {
    auto acc = resolved.factory();
    acc->Resize(table.num_groups());
    for (size_t i = 0; i < data.batches.size(); ++i) {
      std::vector<columnar::ArrayPtr> args{data.batches[i]->column(1)};
      if (!acc->Update(args, gids[i].data(), kBatch, nullptr, nullptr).ok()) {
        state.SkipWithError("update");
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK_CAPTURE(BM_AggregateUpdate, sum, "sum", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AggregateUpdate, avg, "avg", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AggregateUpdate, min, "min", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AggregateUpdate, max, "max", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AggregateUpdate, count_distinct, "count", true)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace laminar::function

BENCHMARK_MAIN();
