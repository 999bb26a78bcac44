// Push → subscriber latency at a fixed input rate (issue #5: "push→subscriber latency p50/p99
// at a fixed rate"). Each pushed row carries its push time (steady clock, ns); the subscriber
// callback records now − push time. Reported as counters p50_us / p99_us / max_us.
//
//   BM_InlineLatency        Push processes on the caller's thread (the embedded default).
//   BM_QueuedLatency/<w>    WITH ('ingest'='queued'): the compute thread drains the bounded
//                           queue; w = 0 park, 1 spin_yield (wait_strategy).
//   BM_HandoffBaseline      Hand-written baseline: a mutex + condition variable handoff of one
//                           int64 between two threads — the floor for any queued design.
//
// Rates 2 000 and 20 000 rows/s in 1-row batches (the producer paces itself with yield-spins),
// 0.2 s of input per iteration. Run: build/<dir>/bench/db/db_bench --benchmark_filter=Latency

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "columnar/builder.h"
#include "laminar/laminar.hpp"

namespace laminar {
namespace {

// Each iteration pushes 0.2 s worth of rows at the benchmark's rate (rows/s, last argument).
int RowsFor(int64_t rate) { return static_cast<int>(rate / 5); }

void Must(const Status& st) {
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    std::abort();
  }
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Report(benchmark::State& state, std::vector<int64_t>& lat_ns) {
  if (lat_ns.empty()) return;
  std::sort(lat_ns.begin(), lat_ns.end());
  auto at = [&](double q) {
    return static_cast<double>(lat_ns[static_cast<size_t>(q * (lat_ns.size() - 1))]) / 1000.0;
  };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["max_us"] = static_cast<double>(lat_ns.back()) / 1000.0;
  state.SetItemsProcessed(static_cast<int64_t>(lat_ns.size()));
}

// Paces `n` calls of push(i) at `rate` per second.
template <typename PushFn>
void Paced(int n, int64_t rate, PushFn&& push) {
  const int64_t period = 1'000'000'000 / rate;
  int64_t next = NowNs();
  for (int i = 0; i < n; ++i) {
    while (NowNs() < next) std::this_thread::yield();
    push(i);
    next += period;
  }
}

void RunDatabase(benchmark::State& state, const std::string& with, int64_t rate) {
  const int kRows = RowsFor(rate);
  std::vector<int64_t> all;
  for (auto _ : state) {
    state.PauseTiming();
    auto db = Database::Open().ValueOrDie();
    Must(db->Execute("CREATE SOURCE s (sent BIGINT)" + with).status());
    Must(db->Execute("CREATE STREAM out AS SELECT sent FROM s WHERE sent > 0").status());
    std::vector<int64_t> lat;
    lat.reserve(kRows);
    std::mutex mu;
    auto sub = db->Subscribe("out", [&](const RecordBatchPtr& b) {
      const int64_t now = NowNs();
      std::lock_guard<std::mutex> lock(mu);
      const auto* v = b->column(0)->values<int64_t>();
      for (int64_t r = 0; r < b->num_rows(); ++r) lat.push_back(now - v[r]);
    });
    Must(sub.status());
    auto h = db->Source("s").ValueOrDie();
    state.ResumeTiming();
    Paced(kRows, rate, [&](int) {
      std::vector<int64_t> sent = {NowNs()};
      auto batch = std::make_shared<const RecordBatch>(
          h->schema(), 1, std::vector<columnar::ArrayPtr>{columnar::MakeInt64Array(sent)});
      Must(h->Push(batch));
    });
    Must(db->Sync());
    state.PauseTiming();
    Must(db->Shutdown());
    {
      std::lock_guard<std::mutex> lock(mu);
      all.insert(all.end(), lat.begin(), lat.end());
    }
    state.ResumeTiming();
  }
  Report(state, all);
}

void BM_InlineLatency(benchmark::State& state) { RunDatabase(state, "", state.range(0)); }

void BM_QueuedLatency(benchmark::State& state) {
  RunDatabase(state,
              state.range(0) == 0 ? " WITH ('ingest' = 'queued', 'wait_strategy' = 'park')"
                                  : " WITH ('ingest' = 'queued', 'wait_strategy' = 'spin_yield')",
              state.range(1));
}

void BM_HandoffBaseline(benchmark::State& state) {
  const int64_t rate = state.range(0);
  const int kRows = RowsFor(rate);
  std::vector<int64_t> all;
  for (auto _ : state) {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<int64_t> q;
    bool done = false;
    std::vector<int64_t> lat;
    lat.reserve(kRows);
    std::thread consumer([&] {
      std::unique_lock<std::mutex> lock(mu);
      while (true) {
        cv.wait(lock, [&] { return done || !q.empty(); });
        while (!q.empty()) {
          lat.push_back(NowNs() - q.front());
          q.pop_front();
        }
        if (done) return;
      }
    });
    Paced(kRows, rate, [&](int) {
      {
        std::lock_guard<std::mutex> lock(mu);
        q.push_back(NowNs());
      }
      cv.notify_one();
    });
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    cv.notify_one();
    consumer.join();
    all.insert(all.end(), lat.begin(), lat.end());
  }
  Report(state, all);
}

BENCHMARK(BM_InlineLatency)
    ->Arg(2000)
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();
BENCHMARK(BM_QueuedLatency)
    ->Args({0, 2000})
    ->Args({1, 2000})
    ->Args({0, 20000})
    ->Args({1, 20000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();
BENCHMARK(BM_HandoffBaseline)
    ->Arg(2000)
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

}  // namespace
}  // namespace laminar
