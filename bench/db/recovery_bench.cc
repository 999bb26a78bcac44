// Engine checkpoint and recovery cost against aggregate state size, with full WAL replay (the
// recovery path without checkpoints) as the baseline, measured in the same binary.
//
//   db_bench [--benchmark_filter=...]      (data directories go to $TMPDIR, i.e. the real disk)
//
// The pipeline is one source and one MV `SELECT k, COUNT(*), SUM(v) FROM ev GROUP BY k`; the
// arguments are the number of distinct groups and rows per group (pushed in 64 Ki-row
// batches): 10k groups are ~1 MB of checkpoint state and 1M groups ~100 MB (reported as the
// `state_bytes` counter). With one row per group the WAL is as small as the state (replay
// costs about as much as a restore); with 100 rows per group the history is 100x the state,
// the case checkpoints exist for. Each benchmark builds its data directory once, outside the
// timing.
//
//   BM_Checkpoint/N          Database::Checkpoint() of the loaded engine (snapshot + write +
//                            fsync + prune)
//   BM_RecoverCheckpoint/N   Database::Open() of a directory whose checkpoint covers all input
//   BM_RecoverFullReplay/N   baseline: Database::Open() of the same input with no checkpoint,
//                            i.e. replay of the whole WAL through fresh operators
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "group_by_pipeline.h"
#include "laminar/laminar.hpp"

namespace laminar {
namespace {

std::string BenchDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("laminar_db_bench_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Creates the pipeline in `dir` and pushes `groups` rows; checkpoints at the end when asked.
// Returns the open database (nullptr after an error, reported through `state`).
std::unique_ptr<Database> Load(benchmark::State& state, const std::string& dir, int64_t groups,
                               int64_t rows_per_group, bool checkpoint) {
  auto db = bench::LoadGroupByPipeline(state, dir, groups, rows_per_group);
  if (db && checkpoint) {
    auto cp = db->Checkpoint();
    if (!cp.ok()) {
      state.SkipWithError(cp.status().ToString().c_str());
      return nullptr;
    }
  }
  return db;
}

void BM_Checkpoint(benchmark::State& state) {
  const std::string dir = BenchDir("checkpoint");
  auto db = Load(state, dir, state.range(0), state.range(1), /*checkpoint=*/false);
  if (!db) return;
  for (auto _ : state) {
    auto cp = db->Checkpoint();
    if (!cp.ok()) {
      state.SkipWithError(cp.status().ToString().c_str());
      break;
    }
  }
  state.counters["state_bytes"] = static_cast<double>(db->metrics().last_checkpoint_bytes);
  db.reset();
  std::filesystem::remove_all(dir);
}

void Recover(benchmark::State& state, bool checkpoint) {
  const std::string dir = BenchDir(checkpoint ? "recover_checkpoint" : "recover_replay");
  uint64_t bytes = 0;
  {
    auto db = Load(state, dir, state.range(0), state.range(1), checkpoint);
    if (!db) return;
    bytes = db->metrics().last_checkpoint_bytes;
    if (!db->Shutdown().ok()) state.SkipWithError("shutdown failed");
  }
  for (auto _ : state) {
    auto db = Database::Open(bench::DurableBenchOptions(dir));
    if (!db.ok()) {
      state.SkipWithError(db.status().ToString().c_str());
      break;
    }
    state.PauseTiming();
    // Sanity: the MV holds every group (outside the timing).
    auto r = (*db)->Execute("SELECT COUNT(*) FROM agg");
    if (!r.ok() || r->batches.empty() ||
        columnar::GetScalar(*r->batches[0]->column(0), 0).int_value() != state.range(0)) {
      state.SkipWithError("recovered MV has the wrong number of groups");
    }
    db->reset();  // crash-style close: nothing is written
    state.ResumeTiming();
  }
  if (checkpoint) state.counters["state_bytes"] = static_cast<double>(bytes);
  std::filesystem::remove_all(dir);
}

void BM_RecoverCheckpoint(benchmark::State& state) { Recover(state, true); }
void BM_RecoverFullReplay(benchmark::State& state) { Recover(state, false); }

BENCHMARK(BM_Checkpoint)
    ->Args({10000, 1})
    ->Args({1000000, 1})
    ->Args({10000, 100})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(BM_RecoverCheckpoint)
    ->Args({10000, 1})
    ->Args({1000000, 1})
    ->Args({10000, 100})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(BM_RecoverFullReplay)
    ->Args({10000, 1})
    ->Args({1000000, 1})
    ->Args({10000, 100})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace laminar

BENCHMARK_MAIN();
