// End-to-end Database::Push throughput of the two pipelines issue 5 sets targets for, each next
// to a hand-written loop computing the same answer over the same batches (the practical upper
// bound). Items = input rows; compare items_per_second of engine vs hand-written.
//
//   BM_PushFilterProject         SELECT k, v * 2 FROM ev WHERE v % 4 <> 0          (append)
//   BM_HandFilterProject         the same filter + projection as a C++ loop into new columns
//   BM_PushTumbleGroupBy/K       SELECT k, COUNT(*), SUM(v) ... GROUP BY k, TUMBLE(ts, 1 s)
//                                EMIT ON WINDOW CLOSE, K distinct keys, 1024-row batches
//   BM_HandTumbleGroupBy/K       the same with an absl::flat_hash_map keyed by (window, k)
//   BM_PushHopGroupBy/K          the same aggregate over HOP(ts, 250 ms slide, 1 s size): every
//                                row lands in 4 windows
//   BM_HandHopGroupBy/K          the same with an absl::flat_hash_map keyed by (window, k)
//
// Event time advances 1 ms per row, so a 1-second window closes every ~1000 rows; the
// watermark trails by 100 ms. In-memory database (no WAL), one callback subscriber.
#include <absl/container/flat_hash_map.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "columnar/builder.h"
#include "laminar/laminar.hpp"

namespace laminar {
namespace {

constexpr int64_t kBatchRows = 1024;
constexpr int kBatches = 256;  // distinct pre-built batches, cycled
constexpr int64_t kMicrosPerRow = 1000;
constexpr int64_t kWindowMicros = 1'000'000;

// Batch b holds rows [b*1024, (b+1)*1024); `round` shifts time so repeated cycles stay in order.
columnar::RecordBatchPtr MakeBatch(int64_t first_row, int64_t keys, std::vector<int64_t>* k,
                                   std::vector<int64_t>* v, std::vector<int64_t>* ts) {
  k->resize(kBatchRows);
  v->resize(kBatchRows);
  ts->resize(kBatchRows);
  for (int64_t i = 0; i < kBatchRows; ++i) {
    const int64_t row = first_row + i;
    (*k)[static_cast<size_t>(i)] = (row * 2654435761LL) % keys;
    (*v)[static_cast<size_t>(i)] = row % 1000;
    (*ts)[static_cast<size_t>(i)] = row * kMicrosPerRow;
  }
  auto schema = std::make_shared<columnar::Schema>(std::vector<columnar::FieldPtr>{
      std::make_shared<columnar::Field>("k", columnar::int64()),
      std::make_shared<columnar::Field>("v", columnar::int64()),
      std::make_shared<columnar::Field>("ts", columnar::timestamp())});
  return std::make_shared<const columnar::RecordBatch>(
      schema, kBatchRows,
      std::vector<columnar::ArrayPtr>{columnar::MakeInt64Array(*k), columnar::MakeInt64Array(*v),
                                      columnar::MakeTimestampArray(*ts)});
}

std::unique_ptr<Database> OpenPipeline(benchmark::State& state, const std::string& query,
                                       std::shared_ptr<std::atomic<int64_t>> out_rows) {
  auto db = Database::Open(Options{});
  if (!db.ok()) {
    state.SkipWithError(db.status().ToString().c_str());
    return nullptr;
  }
  for (const std::string& sql :
       {std::string("CREATE SOURCE ev (k BIGINT, v BIGINT, ts TIMESTAMP, "
                    "WATERMARK FOR ts AS ts - INTERVAL '100' MILLISECOND)"),
        "CREATE STREAM out AS " + query}) {
    auto r = (*db)->Execute(sql);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return nullptr;
    }
  }
  auto sub = (*db)->Subscribe("out", [out_rows](const columnar::RecordBatchPtr& b) {
    out_rows->fetch_add(b->num_rows(), std::memory_order_relaxed);
  });
  if (!sub.ok()) {
    state.SkipWithError(sub.status().ToString().c_str());
    return nullptr;
  }
  return std::move(*db);
}

// Pushes batches with ever-increasing time (a fresh batch per push, built outside the timing
// in chunks of kBatches) until the benchmark stops.
void RunPush(benchmark::State& state, const std::string& query, int64_t keys) {
  auto out_rows = std::make_shared<std::atomic<int64_t>>(0);
  auto db = OpenPipeline(state, query, out_rows);
  if (!db) return;
  auto source = db->Source("ev");
  if (!source.ok()) {
    state.SkipWithError(source.status().ToString().c_str());
    return;
  }
  std::vector<columnar::RecordBatchPtr> batches;
  std::vector<int64_t> k, v, ts;
  int64_t next_row = 0;
  size_t i = 0;
  for (auto _ : state) {
    if (i == batches.size()) {
      state.PauseTiming();
      batches.clear();
      for (int b = 0; b < kBatches; ++b) {
        batches.push_back(MakeBatch(next_row, keys, &k, &v, &ts));
        next_row += kBatchRows;
      }
      i = 0;
      state.ResumeTiming();
    }
    Status st = (*source)->Push(batches[i++]);
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatchRows);
  state.counters["out_rows"] = static_cast<double>(out_rows->load());
  (void)db->Shutdown();
}

void BM_PushFilterProject(benchmark::State& state) {
  RunPush(state, "SELECT k, v * 2 AS v2 FROM ev WHERE v % 4 <> 0", 1000);
}
BENCHMARK(BM_PushFilterProject);

void BM_HandFilterProject(benchmark::State& state) {
  std::vector<int64_t> k, v, ts;
  auto batch = MakeBatch(0, 1000, &k, &v, &ts);
  int64_t out_rows = 0;
  for (auto _ : state) {
    const int64_t* kv = batch->column(0)->values<int64_t>();
    const int64_t* vv = batch->column(1)->values<int64_t>();
    std::vector<int64_t> ok, ov;
    ok.reserve(kBatchRows);
    ov.reserve(kBatchRows);
    for (int64_t r = 0; r < kBatchRows; ++r) {
      if (vv[r] % 4 != 0) {
        ok.push_back(kv[r]);
        ov.push_back(vv[r] * 2);
      }
    }
    auto a = columnar::MakeInt64Array(ok);
    auto b = columnar::MakeInt64Array(ov);
    out_rows += a->length();
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * kBatchRows);
  state.counters["out_rows"] = static_cast<double>(out_rows);
}
BENCHMARK(BM_HandFilterProject);

void BM_PushTumbleGroupBy(benchmark::State& state) {
  RunPush(state,
          "SELECT k, COUNT(*) AS c, SUM(v) AS s FROM ev GROUP BY k, "
          "TUMBLE(ts, INTERVAL '1' SECOND) EMIT ON WINDOW CLOSE",
          state.range(0));
}
BENCHMARK(BM_PushTumbleGroupBy)->Arg(1000)->Arg(100'000)->Arg(1'000'000);

void BM_PushHopGroupBy(benchmark::State& state) {
  RunPush(state,
          "SELECT k, COUNT(*) AS c, SUM(v) AS s FROM ev GROUP BY k, "
          "HOP(ts, INTERVAL '250' MILLISECOND, INTERVAL '1' SECOND) EMIT ON WINDOW CLOSE",
          state.range(0));
}
BENCHMARK(BM_PushHopGroupBy)->Arg(1000)->Arg(1'000'000);

// Same answer by hand: (window start, key) → (count, sum); each row updates the windows that
// contain it (one for TUMBLE, size/slide for HOP); windows closed by the watermark are emitted
// (counted) and erased.
void HandWindowGroupBy(benchmark::State& state, int64_t slide_micros) {
  const int64_t keys = state.range(0);
  struct Agg {
    int64_t count = 0, sum = 0;
  };
  struct KeyHash {
    size_t operator()(const std::pair<int64_t, int64_t>& p) const {
      return absl::HashOf(p.first, p.second);
    }
  };
  absl::flat_hash_map<std::pair<int64_t, int64_t>, Agg, KeyHash> groups;
  std::vector<columnar::RecordBatchPtr> batches;
  std::vector<int64_t> k, v, ts;
  int64_t next_row = 0, watermark = INT64_MIN, out_rows = 0;
  size_t i = 0;
  for (auto _ : state) {
    if (i == batches.size()) {
      state.PauseTiming();
      batches.clear();
      for (int b = 0; b < kBatches; ++b) {
        batches.push_back(MakeBatch(next_row, keys, &k, &v, &ts));
        next_row += kBatchRows;
      }
      i = 0;
      state.ResumeTiming();
    }
    const auto& batch = *batches[i++];
    const int64_t* kv = batch.column(0)->values<int64_t>();
    const int64_t* vv = batch.column(1)->values<int64_t>();
    const int64_t* tv = batch.column(2)->values<int64_t>();
    int64_t max_ts = INT64_MIN;
    for (int64_t r = 0; r < kBatchRows; ++r) {
      const int64_t last = tv[r] - tv[r] % slide_micros;
      for (int64_t start = last; start > tv[r] - kWindowMicros; start -= slide_micros) {
        Agg& a = groups[{start, kv[r]}];
        ++a.count;
        a.sum += vv[r];
      }
      max_ts = std::max(max_ts, tv[r]);
    }
    watermark = std::max(watermark, max_ts - 100'000);
    absl::erase_if(groups, [&](const auto& g) {
      if (g.first.first + kWindowMicros > watermark) return false;
      ++out_rows;
      return true;
    });
  }
  state.SetItemsProcessed(state.iterations() * kBatchRows);
  state.counters["out_rows"] = static_cast<double>(out_rows);
}

void BM_HandTumbleGroupBy(benchmark::State& state) { HandWindowGroupBy(state, kWindowMicros); }
BENCHMARK(BM_HandTumbleGroupBy)->Arg(1000)->Arg(100'000)->Arg(1'000'000);

// HOP by hand: 250 ms slide, so each row updates 4 windows.
void BM_HandHopGroupBy(benchmark::State& state) { HandWindowGroupBy(state, 250'000); }
BENCHMARK(BM_HandHopGroupBy)->Arg(1000)->Arg(1'000'000);

}  // namespace
}  // namespace laminar

// main() comes from recovery_bench.cc (both files build into db_bench).
