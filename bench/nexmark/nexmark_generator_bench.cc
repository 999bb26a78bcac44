// Nexmark generator throughput (target: >= 20M events/s/core, so the generator is never the
// bottleneck of a Nexmark run), with a baseline that only writes the same number of bytes into
// fresh buffers — the memory-bandwidth floor of producing the batches.

#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "connector/generator/nexmark_generator.h"

namespace laminar::connector {
namespace {

void BM_NexmarkGenerate(benchmark::State& state) {
  NexmarkConfig config;
  config.event_rate = 10'000'000;
  auto gen = NexmarkGenerator::Make(config).ValueOrDie();
  const int64_t chunk = state.range(0);
  int64_t bytes = 0;
  for (auto _ : state) {
    auto b = gen->NextBatches(chunk);
    bytes += b.person->ByteSize() + b.auction->ByteSize() + b.bid->ByteSize();
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * chunk);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_NexmarkGenerate)->Arg(1024)->Arg(8192)->Arg(65536);

void BM_NexmarkGenerateBidsOnly(benchmark::State& state) {
  auto gen = NexmarkGenerator::Make(NexmarkConfig{}, {NexmarkTable::kBid}).ValueOrDie();
  for (auto _ : state) {
    auto b = gen->NextBatches(8192);
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * 8192);
}
BENCHMARK(BM_NexmarkGenerateBidsOnly);

// Baseline: fill ~190 bytes per event (the generated batches' average) into fresh memory.
void BM_BaselineFillBytes(benchmark::State& state) {
  const int64_t chunk = state.range(0);
  const size_t bytes = static_cast<size_t>(chunk) * 190;
  std::vector<char> src(4096, 'x');
  for (auto _ : state) {
    std::unique_ptr<char[]> dst(new char[bytes]);
    for (size_t off = 0; off < bytes; off += 64) {
      std::memcpy(dst.get() + off, src.data() + (off & 2047), std::min<size_t>(64, bytes - off));
    }
    benchmark::DoNotOptimize(dst.get());
  }
  state.SetItemsProcessed(state.iterations() * chunk);
}
BENCHMARK(BM_BaselineFillBytes)->Arg(8192);

}  // namespace
}  // namespace laminar::connector

BENCHMARK_MAIN();
