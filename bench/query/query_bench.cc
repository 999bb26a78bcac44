// StreamingQuery and Database throughput, each next to a hand-written loop doing the same work
// on plain structs (the floor an engine could reach), measured in the same binary.
//
//   BM_Submit_*             one event through a compiled filter + project (target < 200 ns)
//   BM_Compile_*            StreamingQuery::Compile of a simple and a windowed query (< 10 ms)
//   BM_DbPush_*             Database push of 1024-row batches through a filter+project stream
//                           and through TUMBLE GROUP BY with 1K keys (events/s per core)

#include <benchmark/benchmark.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "columnar/builder.h"
#include "laminar/laminar.hpp"
#include "laminar/streaming_query.hpp"

namespace {

using laminar::Scalar;
using laminar::columnar::Field;
using laminar::columnar::Schema;

constexpr int64_t kRows = 1024;
constexpr int64_t kKeys = 1000;

laminar::columnar::SchemaPtr TradesSchema() {
  namespace c = laminar::columnar;
  return std::make_shared<Schema>(std::vector<c::FieldPtr>{
      std::make_shared<Field>("symbol", c::utf8()), std::make_shared<Field>("price", c::float64()),
      std::make_shared<Field>("qty", c::int64()), std::make_shared<Field>("ts", c::timestamp())});
}

const char* kFilterProject =
    "SELECT symbol, price * CAST(qty AS DOUBLE) AS notional FROM trades WHERE qty > 10";

std::unique_ptr<laminar::StreamingQuery> CompileOrDie(const char* sql, bool jit) {
  laminar::QueryConfig config;
  config.jit_enabled = jit;
  auto q = laminar::StreamingQuery::Compile(sql, {{"trades", TradesSchema(), "ts"}}, config);
  if (!q.ok() || !(*q)->Start().ok()) std::abort();
  return std::move(*q);
}

void SubmitLoop(benchmark::State& state, bool jit) {
  auto q = CompileOrDie(kFilterProject, jit);
  std::vector<std::vector<Scalar>> events;
  for (int i = 0; i < 64; ++i) {
    events.push_back({Scalar::String("SYM" + std::to_string(i % 8)), Scalar::Float64(100 + i),
                      Scalar::Int64(i % 20), Scalar::Timestamp(i)});
  }
  size_t i = 0;
  int64_t n = 0;
  for (auto _ : state) {
    if (!q->Submit(events[i]).ok()) std::abort();
    i = (i + 1) & 63;
    if (++n % 4096 == 0) benchmark::DoNotOptimize(q->PollOutput());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Submit_FilterProject_RowProgram(benchmark::State& state) { SubmitLoop(state, true); }
void BM_Submit_FilterProject_Interpreter(benchmark::State& state) { SubmitLoop(state, false); }

/// Baseline: the same filter + project by hand on a struct, appending to vectors.
void BM_Submit_FilterProject_HandLoop(benchmark::State& state) {
  struct Event {
    std::string symbol;
    double price;
    int64_t qty;
    int64_t ts;
  };
  std::vector<Event> events;
  for (int i = 0; i < 64; ++i)
    events.push_back({"SYM" + std::to_string(i % 8), 100.0 + i, i % 20, i});
  std::vector<std::string> out_sym;
  std::vector<double> out_notional;
  size_t i = 0;
  for (auto _ : state) {
    const Event& e = events[i];
    if (e.qty > 10) {
      out_sym.push_back(e.symbol);
      out_notional.push_back(e.price * static_cast<double>(e.qty));
    }
    i = (i + 1) & 63;
    if (out_sym.size() >= 4096) {
      out_sym.clear();
      out_notional.clear();
    }
  }
  benchmark::DoNotOptimize(out_notional.data());
  state.SetItemsProcessed(state.iterations());
}

void BM_Compile_FilterProject(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(CompileOrDie(kFilterProject, true));
}

void BM_Compile_TumbleGroupBy(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(CompileOrDie(
        "SELECT symbol, AVG(price) AS p, COUNT(*) AS n FROM trades WHERE qty > 0 GROUP BY "
        "symbol, TUMBLE(ts, INTERVAL '1' SECOND) EMIT ON WINDOW CLOSE",
        true));
  }
}

/// Batches of kRows rows with kKeys symbols; timestamps advance 1 ms per row.
std::vector<laminar::RecordBatchPtr> MakeBatches(int count) {
  namespace c = laminar::columnar;
  std::vector<std::string> names;
  for (int64_t k = 0; k < kKeys; ++k) names.push_back("SYM" + std::to_string(k));
  std::vector<laminar::RecordBatchPtr> out;
  int64_t row = 0;
  for (int b = 0; b < count; ++b) {
    std::vector<std::string> sym;
    std::vector<double> price;
    std::vector<int64_t> qty, ts;
    for (int64_t r = 0; r < kRows; ++r, ++row) {
      sym.push_back(names[static_cast<size_t>((row * 7919) % kKeys)]);
      price.push_back(100.0 + static_cast<double>(row % 50));
      qty.push_back(row % 20);
      ts.push_back(row * 1000);
    }
    out.push_back(std::make_shared<const c::RecordBatch>(
        TradesSchema(), kRows,
        std::vector<c::ArrayPtr>{c::MakeStringArray(sym), c::MakeFloat64Array(price),
                                 c::MakeInt64Array(qty), c::MakeTimestampArray(ts)}));
  }
  return out;
}

void DbPush(benchmark::State& state, const char* stream_sql) {
  auto db = laminar::Database::Open().ValueOrDie();
  auto st = db->Execute(
      "CREATE SOURCE trades (symbol VARCHAR, price DOUBLE, qty BIGINT, ts TIMESTAMP, "
      "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)");
  if (!st.ok()) std::abort();
  if (!db->Execute(stream_sql).ok()) std::abort();
  auto sub = db->Subscribe("out").ValueOrDie();
  auto source = db->Source("trades").ValueOrDie();
  auto batches = MakeBatches(64);
  size_t i = 0;
  int64_t out_rows = 0;
  for (auto _ : state) {
    if (!source->Push(batches[i]).ok()) std::abort();
    i = (i + 1) % batches.size();
    if (i == 0) {
      // Timestamps repeat every cycle of batches; replaying them would make every row late,
      // so each cycle starts on a fresh database (outside the timed region).
      state.PauseTiming();
      for (auto& b : sub->Poll()) out_rows += b->num_rows();
      db = laminar::Database::Open().ValueOrDie();
      if (!db->Execute("CREATE SOURCE trades (symbol VARCHAR, price DOUBLE, qty BIGINT, ts "
                       "TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)")
               .ok() ||
          !db->Execute(stream_sql).ok()) {
        std::abort();
      }
      sub = db->Subscribe("out").ValueOrDie();
      source = db->Source("trades").ValueOrDie();
      state.ResumeTiming();
    } else if (i % 8 == 0) {
      for (auto& b : sub->Poll()) out_rows += b->num_rows();
    }
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.counters["out_rows_per_batch"] =
      benchmark::Counter(static_cast<double>(out_rows) / static_cast<double>(state.iterations()));
}

void BM_DbPush_FilterProject(benchmark::State& state) {
  DbPush(state,
         "CREATE STREAM out AS SELECT symbol, price * CAST(qty AS DOUBLE) AS notional FROM "
         "trades WHERE qty > 10");
}

void BM_DbPush_TumbleGroupBy1K(benchmark::State& state) {
  DbPush(state,
         "CREATE STREAM out AS SELECT symbol, SUM(price) AS total, COUNT(*) AS n FROM trades "
         "GROUP BY symbol, TUMBLE(ts, INTERVAL '1' SECOND) EMIT ON WINDOW CLOSE");
}

/// Baseline for both Database benchmarks: the same work over the same columns by hand.
void BM_DbPush_FilterProject_HandLoop(benchmark::State& state) {
  auto batches = MakeBatches(64);
  std::vector<std::string_view> out_sym;
  std::vector<double> out_notional;
  size_t i = 0;
  for (auto _ : state) {
    const auto& b = *batches[i];
    const auto* price = b.column(1)->values<double>();
    const auto* qty = b.column(2)->values<int64_t>();
    out_sym.clear();
    out_notional.clear();
    for (int64_t r = 0; r < b.num_rows(); ++r) {
      if (qty[r] > 10) {
        out_sym.push_back(b.column(0)->GetView(r));
        out_notional.push_back(price[r] * static_cast<double>(qty[r]));
      }
    }
    benchmark::DoNotOptimize(out_notional.data());
    i = (i + 1) % batches.size();
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}

void BM_DbPush_TumbleGroupBy1K_HandLoop(benchmark::State& state) {
  auto batches = MakeBatches(64);
  struct Acc {
    double sum = 0;
    int64_t n = 0;
  };
  std::unordered_map<std::string, Acc> groups;  // key: window start + symbol
  size_t i = 0;
  int64_t current_window = INT64_MIN;
  int64_t emitted = 0;
  std::string key;
  for (auto _ : state) {
    const auto& b = *batches[i];
    const auto* price = b.column(1)->values<double>();
    const auto* ts = b.column(3)->values<int64_t>();
    for (int64_t r = 0; r < b.num_rows(); ++r) {
      const int64_t w = ts[r] - ts[r] % 1'000'000;
      if (w != current_window) {  // watermark passes the window: emit and clear
        emitted += static_cast<int64_t>(groups.size());
        groups.clear();
        current_window = w;
      }
      key.assign(b.column(0)->GetView(r));
      Acc& a = groups[key];
      a.sum += price[r];
      ++a.n;
    }
    i = (i + 1) % batches.size();
  }
  benchmark::DoNotOptimize(emitted);
  state.SetItemsProcessed(state.iterations() * kRows);
}

}  // namespace

BENCHMARK(BM_Submit_FilterProject_RowProgram);
BENCHMARK(BM_Submit_FilterProject_Interpreter);
BENCHMARK(BM_Submit_FilterProject_HandLoop);
BENCHMARK(BM_Compile_FilterProject)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Compile_TumbleGroupBy)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DbPush_FilterProject)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DbPush_FilterProject_HandLoop)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DbPush_TumbleGroupBy1K)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DbPush_TumbleGroupBy1K_HandLoop)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
