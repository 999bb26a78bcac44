// Micro benchmarks of the columnar core: building, slicing, gathering, concatenating and the
// Arrow C Data Interface round trip. Each has a hand-written baseline in the same binary where
// one exists, so regressions show as a ratio, not an absolute number.

#include <benchmark/benchmark.h>

#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "columnar/builder.h"
#include "columnar/c_data.h"
#include "columnar/min_max.h"
#include "columnar/record_batch.h"

namespace laminar::columnar {
namespace {

constexpr int64_t kRows = 1 << 20;

// MinMaxInt64 (the late-row check and watermark of every pushed batch) over one batch-sized
// chunk (8192 values) at a time: Arg 0 keeps the chunk in cache; Arg 1 walks a 256 MiB buffer
// so every chunk comes from memory, as pre-generated Nexmark batches do. Baseline: a plain sum
// over the same values (the least a pass over them costs).
const std::vector<int64_t>& MinMaxValues() {
  static const std::vector<int64_t> values = [] {
    std::vector<int64_t> v(size_t{32} << 20);
    std::mt19937_64 rng(3);
    int64_t t = 0;
    for (auto& x : v)
      x = (t += static_cast<int64_t>(rng() % 1000)) - static_cast<int64_t>(rng() % 5000);
    return v;
  }();
  return values;
}

template <typename F>
void RunMinMaxChunks(benchmark::State& state, F f) {
  const auto& v = MinMaxValues();
  constexpr size_t kChunk = 8192;
  const size_t chunks = state.range(0) == 0 ? 1 : v.size() / kChunk;
  size_t at = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f(v.data() + at * kChunk, static_cast<int64_t>(kChunk)));
    at = at + 1 == chunks ? 0 : at + 1;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kChunk));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kChunk * 8));
}

void BM_MinMaxInt64(benchmark::State& state) {
  RunMinMaxChunks(state, [](const int64_t* p, int64_t n) { return MinMaxInt64(p, n).max; });
}
BENCHMARK(BM_MinMaxInt64)->Arg(0)->Arg(1);

void BM_MinMaxInt64_SumBaseline(benchmark::State& state) {
  RunMinMaxChunks(state, [](const int64_t* p, int64_t n) {
    int64_t sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += p[i];
    return sum;
  });
}
BENCHMARK(BM_MinMaxInt64_SumBaseline)->Arg(0)->Arg(1);

void BM_BuildInt64_Builder(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    FixedWidthBuilder<int64_t> builder(int64());
    builder.Reserve(n);
    for (int64_t i = 0; i < n; ++i) builder.Append(i);
    auto array = builder.Finish();
    benchmark::DoNotOptimize(array->values<int64_t>());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BuildInt64_Builder)->Arg(kRows);

void BM_BuildInt64_BuilderUnreserved(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    FixedWidthBuilder<int64_t> builder(int64());
    for (int64_t i = 0; i < n; ++i) builder.Append(i);
    auto array = builder.Finish();
    benchmark::DoNotOptimize(array->values<int64_t>());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BuildInt64_BuilderUnreserved)->Arg(kRows);

void BM_BuildInt64_WithNulls(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    FixedWidthBuilder<int64_t> builder(int64());
    builder.Reserve(n);
    for (int64_t i = 0; i < n; ++i) {
      if (i % 16 == 0) {
        builder.AppendNull();
      } else {
        builder.Append(i);
      }
    }
    auto array = builder.Finish();
    benchmark::DoNotOptimize(array->values<int64_t>());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BuildInt64_WithNulls)->Arg(kRows);

// Baseline: what a plain vector costs for the same values.
void BM_BuildInt64_VectorBaseline(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    std::vector<int64_t> values;
    values.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) values.push_back(i);
    benchmark::DoNotOptimize(values.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BuildInt64_VectorBaseline)->Arg(kRows);

std::vector<std::string> MakeWords(int64_t n) {
  std::vector<std::string> words;
  words.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) words.push_back("sym-" + std::to_string(i % 5000));
  return words;
}

void BM_BuildString_Builder(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto words = MakeWords(n);
  for (auto _ : state) {
    BinaryBuilder builder(utf8());
    builder.Reserve(n);
    for (const auto& w : words) builder.Append(w);
    auto array = builder.Finish();
    benchmark::DoNotOptimize(array->buffers()[2]->data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BuildString_Builder)->Arg(kRows);

// Baseline: hand-written offsets + data vectors (the same layout, no validity handling).
void BM_BuildString_Baseline(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto words = MakeWords(n);
  for (auto _ : state) {
    std::vector<int32_t> offsets;
    std::string data;
    offsets.reserve(static_cast<size_t>(n + 1));
    offsets.push_back(0);
    for (const auto& w : words) {
      data.append(w);
      offsets.push_back(static_cast<int32_t>(data.size()));
    }
    benchmark::DoNotOptimize(data.data());
    benchmark::DoNotOptimize(offsets.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BuildString_Baseline)->Arg(kRows);

SchemaPtr FourColumnSchema() {
  return MakeSchema(
      {{"id", int64()}, {"price", float64()}, {"symbol", utf8()}, {"ts", timestamp()}});
}

RecordBatchPtr BuildFourColumnBatch(int64_t n, const std::vector<std::string>& words) {
  FixedWidthBuilder<int64_t> id(int64());
  FixedWidthBuilder<double> price(float64());
  BinaryBuilder symbol(utf8());
  FixedWidthBuilder<int64_t> ts(timestamp());
  id.Reserve(n);
  price.Reserve(n);
  symbol.Reserve(n);
  ts.Reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    id.UnsafeAppend(i);
    price.UnsafeAppend(100.0 + static_cast<double>(i % 1000) * 0.01);
    symbol.Append(words[static_cast<size_t>(i)]);
    ts.UnsafeAppend(1700000000000000 + i * 1000);
  }
  return *RecordBatch::Make(FourColumnSchema(), n,
                            {id.Finish(), price.Finish(), symbol.Finish(), ts.Finish()});
}

void BM_BuildBatch4(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto words = MakeWords(n);
  for (auto _ : state) {
    auto batch = BuildFourColumnBatch(n, words);
    benchmark::DoNotOptimize(batch.get());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BuildBatch4)->Arg(kRows);

void BM_SliceBatch(benchmark::State& state) {
  auto batch = BuildFourColumnBatch(kRows, MakeWords(kRows));
  int64_t offset = 0;
  for (auto _ : state) {
    auto slice = batch->Slice(offset, 1024);
    benchmark::DoNotOptimize(slice.get());
    offset = (offset + 4099) % (kRows - 1024);
  }
  state.SetItemsProcessed(state.iterations());  // slices per second
}
BENCHMARK(BM_SliceBatch);

std::vector<int32_t> HalfSelection(int64_t n) {
  std::mt19937 rng(42);
  std::vector<int32_t> selection;
  for (int64_t i = 0; i < n; ++i) {
    if (rng() & 1) selection.push_back(static_cast<int32_t>(i));
  }
  return selection;
}

void BM_TakeInt64_50pct(benchmark::State& state) {
  auto words = MakeWords(kRows);
  auto column = BuildFourColumnBatch(kRows, words)->column(0);
  auto selection = HalfSelection(kRows);
  for (auto _ : state) {
    auto taken = Take(*column, selection);
    benchmark::DoNotOptimize(taken.get());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(selection.size()));
}
BENCHMARK(BM_TakeInt64_50pct);

// Baseline: a hand-written gather loop into a pre-sized vector.
void BM_TakeInt64_GatherBaseline(benchmark::State& state) {
  auto words = MakeWords(kRows);
  auto column = BuildFourColumnBatch(kRows, words)->column(0);
  auto selection = HalfSelection(kRows);
  const int64_t* src = column->values<int64_t>();
  for (auto _ : state) {
    std::vector<int64_t> out(selection.size());
    for (size_t i = 0; i < selection.size(); ++i) out[i] = src[selection[i]];
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(selection.size()));
}
BENCHMARK(BM_TakeInt64_GatherBaseline);

void BM_TakeBatch4_50pct(benchmark::State& state) {
  auto batch = BuildFourColumnBatch(kRows, MakeWords(kRows));
  auto selection = HalfSelection(kRows);
  for (auto _ : state) {
    auto taken = Take(*batch, selection);
    benchmark::DoNotOptimize(taken.get());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(selection.size()));
}
BENCHMARK(BM_TakeBatch4_50pct);

void BM_Concatenate16(benchmark::State& state) {
  const int64_t per_batch = kRows / 16;
  auto words = MakeWords(per_batch);
  std::vector<RecordBatchPtr> batches;
  for (int i = 0; i < 16; ++i) batches.push_back(BuildFourColumnBatch(per_batch, words));
  for (auto _ : state) {
    auto all = Concatenate(batches);
    benchmark::DoNotOptimize(all->get());
  }
  state.SetItemsProcessed(state.iterations() * per_batch * 16);
}
BENCHMARK(BM_Concatenate16);

// Export + import of a whole batch through the C Data Interface: O(columns), not O(rows).
void BM_CDataRoundTrip(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto batch = BuildFourColumnBatch(n, MakeWords(n));
  for (auto _ : state) {
    ArrowArray c_array;
    if (!ExportRecordBatch(*batch, &c_array).ok()) state.SkipWithError("export failed");
    auto imported = ImportRecordBatch(&c_array, batch->schema());
    if (!imported.ok()) state.SkipWithError("import failed");
    benchmark::DoNotOptimize(imported->get());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_CDataRoundTrip)->Arg(1024)->Arg(kRows);

// The same with fixed-width columns only. Import validation has to scan the int32 offsets of
// string/list columns (untrusted input), which is the only per-row work in the round trip above.
void BM_CDataRoundTrip_FixedWidth(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto batch = BuildFourColumnBatch(n, MakeWords(n))->SelectColumns({0, 1, 3});
  for (auto _ : state) {
    ArrowArray c_array;
    if (!ExportRecordBatch(*batch, &c_array).ok()) state.SkipWithError("export failed");
    auto imported = ImportRecordBatch(&c_array, batch->schema());
    if (!imported.ok()) state.SkipWithError("import failed");
    benchmark::DoNotOptimize(imported->get());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_CDataRoundTrip_FixedWidth)->Arg(1024)->Arg(kRows);

}  // namespace
}  // namespace laminar::columnar

BENCHMARK_MAIN();
