// Engine checkpoint and recovery time for ~1 MB, ~100 MB and ~1 GB of operator state, each next
// to raw I/O of the same number of bytes measured in the same run.
//
//   storage_db_bench [--benchmark_filter=...]   (data directories go to $TMPDIR, the real disk)
//
// The pipeline is one source and `SELECT k, COUNT(*), SUM(v) FROM ev GROUP BY k` as an MV; the
// argument is the number of distinct keys, one row each (10k keys ~ 1 MB of checkpoint state,
// 1M ~ 100 MB, 10M ~ 1 GB; the `state_MB` counter has the exact size). One iteration:
//
//   checkpoint_s   Database::Checkpoint() of the loaded engine: snapshot, state.bin + manifest
//                  written and fsynced, latest.txt, prune
//   recover_s      Database::Open() of the directory (load + verify the checkpoint, restore
//                  every operator and the MV, replay the (empty) WAL tail)
//   raw_write_s    baseline: write(2) of state_MB bytes to one file + fdatasync
//   raw_read_s     baseline: read(2) of that file (page cache warm, as for recover_s)
//   *_cpu_s        CPU time of the same steps (the machine may be shared: wall time then
//                  includes waiting for a core)
//   *_ratio        engine time / baseline time
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../db/group_by_pipeline.h"
#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "laminar/laminar.hpp"

namespace laminar {
namespace {

std::string BenchDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("laminar_ckpt_bench_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// CPU seconds of the process so far: on a shared machine the wall time includes waiting for
/// a core, the CPU time does not.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// write + fdatasync of `bytes` bytes, then a read of them back; returns {write_s, read_s}.
std::pair<double, double> RawIo(const std::string& dir, uint64_t bytes) {
  const std::string path = dir + "/raw.bin";
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + 7);
  auto start = std::chrono::steady_clock::now();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  for (uint64_t done = 0; done < bytes;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(data.size(), bytes - done));
    if (::write(fd, data.data(), n) != static_cast<ssize_t>(n)) break;
    done += n;
  }
  ::fdatasync(fd);
  ::close(fd);
  const double write_s = Seconds(start);
  std::string back(bytes, '\0');
  start = std::chrono::steady_clock::now();
  fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  for (uint64_t done = 0; done < bytes;) {
    ssize_t n = ::read(fd, back.data() + done, bytes - done);
    if (n <= 0) break;
    done += static_cast<uint64_t>(n);
  }
  ::close(fd);
  const double read_s = Seconds(start);
  benchmark::DoNotOptimize(back.data());
  std::filesystem::remove(path);
  return {write_s, read_s};
}

void BM_CheckpointAndRecover(benchmark::State& state) {
  const int64_t keys = state.range(0);
  const std::string dir = BenchDir("db");
  double checkpoint_s = 0, recover_s = 0, raw_write_s = 0, raw_read_s = 0;
  double checkpoint_cpu_s = 0, recover_cpu_s = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    {
      auto db = bench::LoadGroupByPipeline(state, dir, keys, /*rows_per_group=*/1);
      if (!db) return;
      auto start = std::chrono::steady_clock::now();
      double cpu = CpuSeconds();
      auto cp = db->Checkpoint();
      checkpoint_s = Seconds(start);
      checkpoint_cpu_s = CpuSeconds() - cpu;
      if (!cp.ok()) {
        state.SkipWithError(cp.status().ToString().c_str());
        return;
      }
      bytes = db->metrics().last_checkpoint_bytes;
      db.reset();  // crash-style close: no final checkpoint
    }
    auto start = std::chrono::steady_clock::now();
    double cpu = CpuSeconds();
    auto db = Database::Open(bench::DurableBenchOptions(dir));
    recover_s = Seconds(start);
    recover_cpu_s = CpuSeconds() - cpu;
    if (!db.ok()) {
      state.SkipWithError(db.status().ToString().c_str());
      return;
    }
    auto r = (*db)->Execute("SELECT COUNT(*) FROM agg");
    if (!r.ok() || r->batches.empty() ||
        columnar::GetScalar(*r->batches[0]->column(0), 0).int_value() != keys) {
      state.SkipWithError("recovered MV has the wrong number of groups");
    }
    db->reset();
    std::tie(raw_write_s, raw_read_s) = RawIo(dir, bytes);
  }
  state.counters["state_MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["checkpoint_s"] = checkpoint_s;
  state.counters["checkpoint_cpu_s"] = checkpoint_cpu_s;
  state.counters["raw_write_s"] = raw_write_s;
  state.counters["checkpoint_ratio"] = checkpoint_s / raw_write_s;
  state.counters["recover_s"] = recover_s;
  state.counters["recover_cpu_s"] = recover_cpu_s;
  state.counters["raw_read_s"] = raw_read_s;
  state.counters["recover_ratio"] = recover_s / raw_read_s;
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_CheckpointAndRecover)
    ->Arg(10000)
    ->Arg(1000000)
    ->Arg(10000000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace
}  // namespace laminar

BENCHMARK_MAIN();
