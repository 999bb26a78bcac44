// Stream join throughput through the Database push path (events/s/core), each with a
// hand-written baseline computing the same answer in the same binary.

#include <absl/container/flat_hash_map.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "columnar/builder.h"
#include "join_bench_util.h"
#include "laminar/laminar.hpp"

namespace laminar {
namespace {

constexpr int64_t kBatch = 1024;
constexpr int64_t kBase = 1704067200000000;  // 2024-01-01

// Trades/quotes with `keys` symbols: quotes every 1 ms per batch slot, trades interleaved.
RecordBatchPtr MakeSideBatch(const SchemaPtr& schema, int64_t first_ts, int64_t keys,
                             uint32_t seed) {
  std::mt19937 rng(seed);
  columnar::FixedWidthBuilder<int64_t> k(columnar::int64()), ts(columnar::timestamp());
  columnar::FixedWidthBuilder<double> v(columnar::float64());
  for (int64_t i = 0; i < kBatch; ++i) {
    k.Append(static_cast<int64_t>(rng() % static_cast<uint32_t>(keys)));
    v.Append(static_cast<double>(rng() % 1000));
    ts.Append(first_ts + i * 1000);
  }
  return std::make_shared<const RecordBatch>(
      schema, kBatch, std::vector<columnar::ArrayPtr>{k.Finish(), v.Finish(), ts.Finish()});
}

void RunJoin(benchmark::State& state, const std::string& stream_sql) {
  const int64_t keys = state.range(0);
  int64_t out_rows = 0;
  auto opened = OpenJoinBench(
      state,
      {"CREATE SOURCE l (k BIGINT, v DOUBLE, ts TIMESTAMP, WATERMARK FOR ts)",
       "CREATE SOURCE r (k BIGINT, v DOUBLE, ts TIMESTAMP, WATERMARK FOR ts)", stream_sql},
      &out_rows);
  if (!opened.db) return;
  auto& db = opened.db;
  auto l = db->Source("l").ValueOrDie();
  auto r = db->Source("r").ValueOrDie();
  std::vector<RecordBatchPtr> lb, rb;
  for (int i = 0; i < 64; ++i) {
    lb.push_back(
        MakeSideBatch(l->schema(), kBase + i * kBatch * 1000, keys, static_cast<uint32_t>(i)));
    rb.push_back(MakeSideBatch(r->schema(), kBase + i * kBatch * 1000, keys,
                               static_cast<uint32_t>(1000 + i)));
  }
  int64_t events = 0;
  size_t i = 0;
  int64_t shift = 0;
  for (auto _ : state) {
    if (i == lb.size()) {
      // Reuse the batches, shifted forward in time so nothing is late.
      i = 0;
      shift += static_cast<int64_t>(lb.size()) * kBatch * 1000;
      for (auto* v : {&lb, &rb}) {
        for (auto& b : *v) {
          auto cols = b->columns();
          columnar::FixedWidthBuilder<int64_t> ts(columnar::timestamp());
          for (int64_t j = 0; j < b->num_rows(); ++j)
            ts.Append(cols[2]->values<int64_t>()[j] +
                      static_cast<int64_t>(lb.size()) * kBatch * 1000);
          cols[2] = ts.Finish();
          b = std::make_shared<const RecordBatch>(b->schema(), b->num_rows(), cols);
        }
      }
    }
    (void)r->Push(rb[i]);
    (void)l->Push(lb[i]);
    events += 2 * kBatch;
    ++i;
  }
  (void)shift;
  state.SetItemsProcessed(events);
  state.counters["out_rows"] = static_cast<double>(out_rows);
}

void BM_AsofJoin(benchmark::State& state) {
  RunJoin(state,
          "CREATE STREAM j AS SELECT l.k, l.v, r.v AS rv FROM l ASOF JOIN r "
          "MATCH_CONDITION(l.ts >= r.ts) ON l.k = r.k");
}
BENCHMARK(BM_AsofJoin)->Arg(1000)->Arg(100000);

void BM_IntervalJoin(benchmark::State& state) {
  RunJoin(state,
          "CREATE STREAM j AS SELECT l.k, l.v, r.v AS rv FROM l JOIN r ON l.k = r.k "
          "AND r.ts BETWEEN l.ts - INTERVAL '10' MILLISECOND AND l.ts + INTERVAL '10' MILLISECOND");
}
BENCHMARK(BM_IntervalJoin)->Arg(1000)->Arg(100000);

// Baseline: ASOF backward by hand — per key the latest right value, probing left rows.
void BM_AsofHandWritten(benchmark::State& state) {
  const int64_t keys = state.range(0);
  auto schema = columnar::MakeSchema(
      {{"k", columnar::int64()}, {"v", columnar::float64()}, {"ts", columnar::timestamp()}});
  std::vector<RecordBatchPtr> lb, rb;
  for (int i = 0; i < 64; ++i) {
    lb.push_back(MakeSideBatch(schema, kBase + i * kBatch * 1000, keys, static_cast<uint32_t>(i)));
    rb.push_back(
        MakeSideBatch(schema, kBase + i * kBatch * 1000, keys, static_cast<uint32_t>(1000 + i)));
  }
  absl::flat_hash_map<int64_t, double> latest;
  double sink = 0;
  int64_t events = 0;
  size_t i = 0;
  for (auto _ : state) {
    if (i == lb.size()) i = 0;
    const auto& r = *rb[i];
    const int64_t* rk = r.column(0)->values<int64_t>();
    const double* rv = r.column(1)->values<double>();
    for (int64_t j = 0; j < r.num_rows(); ++j) latest[rk[j]] = rv[j];
    const auto& l = *lb[i];
    const int64_t* lk = l.column(0)->values<int64_t>();
    for (int64_t j = 0; j < l.num_rows(); ++j) {
      auto it = latest.find(lk[j]);
      if (it != latest.end()) sink += it->second;
    }
    events += 2 * kBatch;
    ++i;
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(events);
}
BENCHMARK(BM_AsofHandWritten)->Arg(1000)->Arg(100000);

// Lookup join against a 1M-row table.
void BM_LookupJoin1M(benchmark::State& state) {
  auto db = Database::Open().ValueOrDie();
  (void)db->Execute("CREATE SOURCE l (k BIGINT, v DOUBLE, ts TIMESTAMP)");
  (void)db->Execute("CREATE TABLE dim (k BIGINT PRIMARY KEY, name VARCHAR)");
  std::string sql;
  for (int64_t k = 0; k < 1000000; ++k) {
    if (sql.empty()) sql = "INSERT INTO dim VALUES ";
    sql += (sql.size() > 23 ? ", (" : "(") + std::to_string(k) + ", 'n')";
    if ((k + 1) % 50000 == 0) {
      (void)db->Execute(sql);
      sql.clear();
    }
  }
  (void)db->Execute("CREATE STREAM j AS SELECT l.k, dim.name FROM l JOIN dim ON l.k = dim.k");
  int64_t out_rows = 0;
  auto sub =
      db->Subscribe("j", [&](const RecordBatchPtr& b) { out_rows += b->num_rows(); }).ValueOrDie();
  auto l = db->Source("l").ValueOrDie();
  std::vector<RecordBatchPtr> lb;
  for (int i = 0; i < 16; ++i)
    lb.push_back(MakeSideBatch(l->schema(), kBase, 1000000, static_cast<uint32_t>(i)));
  (void)l->Push(lb[0]);  // warm-up: builds the lookup index over the table once
  int64_t events = 0;
  size_t i = 0;
  for (auto _ : state) {
    (void)l->Push(lb[i++ % lb.size()]);
    events += kBatch;
  }
  state.SetItemsProcessed(events);
  state.counters["out_rows"] = static_cast<double>(out_rows);
}
BENCHMARK(BM_LookupJoin1M)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace laminar

BENCHMARK_MAIN();
