// WAL append throughput and checkpoint save/load, each next to a hand-written baseline.
//
//   storage_bench [--benchmark_filter=...]      (files go to $TMPDIR, i.e. the real disk)
//
// Baselines: BM_RawWrite* issue plain write(2) (and fdatasync every 1 MiB for the sync case) of
// the same bytes, so the WAL's framing, CRC32C and buffering overhead is the difference.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "storage/checkpoint_store.h"
#include "storage/wal.h"

namespace laminar::storage {
namespace {

constexpr size_t kPayload = 64 << 10;
constexpr size_t kGroupBytes = 1 << 20;
constexpr uint64_t kRecycleBytes = 256ull << 20;  // keep the files bounded

std::string BenchDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("laminar_storage_bench_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::vector<std::byte> MakePayload(size_t n) {
  std::vector<std::byte> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>(i * 131 + 7);
  return p;
}

/// `sync_every`: fdatasync after this many bytes (0: only at the end).
void RawWrite(benchmark::State& state, uint64_t sync_every) {
  const bool sync_per_group = sync_every != 0;
  const std::string dir = BenchDir(sync_per_group ? "raw_sync" : "raw");
  const std::string path = dir + "/raw.log";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  auto payload = MakePayload(kPayload);
  uint64_t written = 0;
  uint64_t since_sync = 0;
  for (auto _ : state) {
    if (::write(fd, payload.data(), payload.size()) != static_cast<ssize_t>(payload.size())) {
      state.SkipWithError("write failed");
      break;
    }
    written += payload.size();
    since_sync += payload.size();
    if (sync_per_group && since_sync >= sync_every) {
      ::fdatasync(fd);
      since_sync = 0;
    }
    if (written >= kRecycleBytes) {
      state.PauseTiming();
      if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) state.SkipWithError("trunc");
      written = 0;
      state.ResumeTiming();
    }
  }
  if (!sync_per_group) ::fdatasync(fd);  // same end state as the WAL's Close()
  ::close(fd);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kPayload));
  std::filesystem::remove_all(dir);
}

void WalAppend(benchmark::State& state, WalSyncMode mode,
               size_t direct_write_threshold = 256 << 10) {
  const std::string dir = BenchDir(mode == WalSyncMode::kSync    ? "wal_sync"
                                   : mode == WalSyncMode::kAsync ? "wal_async"
                                                                 : "wal_off");
  WalOptions opts;
  opts.sync_mode = mode;
  opts.direct_write_threshold = direct_write_threshold;
  auto writer = WalWriter::Open(*FileSystem::Default(), dir, opts);
  if (!writer.ok()) {
    state.SkipWithError(writer.status().ToString().c_str());
    return;
  }
  WalWriter& w = **writer;
  auto payload = MakePayload(kPayload);
  uint64_t since_sync = 0;
  for (auto _ : state) {
    auto lsn = w.Append(payload);
    if (!lsn.ok()) {
      state.SkipWithError(lsn.status().ToString().c_str());
      break;
    }
    since_sync += payload.size();
    if (mode == WalSyncMode::kSync && since_sync >= kGroupBytes) {
      if (!w.Sync().ok()) state.SkipWithError("sync failed");
      since_sync = 0;
    }
    if (w.segments().size() > 4) {
      state.PauseTiming();
      if (!w.TruncateBefore(w.next_lsn()).ok()) state.SkipWithError("truncate failed");
      state.ResumeTiming();
    }
  }
  if (!w.Close().ok()) state.SkipWithError("close failed");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kPayload));
  std::filesystem::remove_all(dir);
}

void BM_RawWrite64K(benchmark::State& state) { RawWrite(state, 0); }
/// Baseline for kAsync: the same bytes with the async policy's fdatasync every 8 MiB, on one
/// thread. An async WAL must get every byte to the disk within its interval, so on a disk slower
/// than the page cache both are bounded by the disk's write bandwidth.
void BM_RawWriteFdatasync8M_64K(benchmark::State& state) { RawWrite(state, 8 << 20); }
void BM_WalAppendAsync64K(benchmark::State& state) { WalAppend(state, WalSyncMode::kAsync); }
/// kOff: framing + CRC32C + buffering with no fsync except at segment rolls (64 MiB).
void BM_WalAppendOff64K(benchmark::State& state) { WalAppend(state, WalSyncMode::kOff); }
/// kOff with every 64 KiB record written by writev straight from the caller's buffer.
void BM_WalAppendOffDirect64K(benchmark::State& state) {
  WalAppend(state, WalSyncMode::kOff, 64 << 10);
}
void BM_RawWriteFdatasync1M_64K(benchmark::State& state) { RawWrite(state, kGroupBytes); }
void BM_WalAppendSyncPer1M_64K(benchmark::State& state) { WalAppend(state, WalSyncMode::kSync); }

BENCHMARK(BM_RawWrite64K)->UseRealTime();
BENCHMARK(BM_WalAppendOff64K)->UseRealTime();
BENCHMARK(BM_WalAppendOffDirect64K)->UseRealTime();
BENCHMARK(BM_RawWriteFdatasync8M_64K)->UseRealTime();
BENCHMARK(BM_WalAppendAsync64K)->UseRealTime();
BENCHMARK(BM_RawWriteFdatasync1M_64K)->UseRealTime();
BENCHMARK(BM_WalAppendSyncPer1M_64K)->UseRealTime();

OperatorStateMap MakeState(size_t bytes) {
  std::string v(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) v[i] = static_cast<char>(i * 17 + 3);
  return {{"operator_graph", std::move(v)}};
}

CheckpointManifest MakeManifest(uint64_t id) {
  CheckpointManifest m;
  m.checkpoint_id = id;
  m.epoch = id;
  m.source_names = {"src"};
  m.source_offsets["src"].offsets["partition-0"] = "1234";
  return m;
}

void BM_CheckpointSave(benchmark::State& state) {
  const std::string dir = BenchDir("ckpt_save");
  FileCheckpointStore store(*FileSystem::Default(), dir);
  OperatorStateMap states = MakeState(static_cast<size_t>(state.range(0)));
  uint64_t id = 0;
  for (auto _ : state) {
    auto saved = store.Save(MakeManifest(++id), states);
    if (!saved.ok()) state.SkipWithError(saved.status().ToString().c_str());
    state.PauseTiming();
    if (!store.Prune(1).ok()) state.SkipWithError("prune failed");
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * state.range(0)));
  std::filesystem::remove_all(dir);
}

void BM_CheckpointLoad(benchmark::State& state) {
  const std::string dir = BenchDir("ckpt_load");
  FileCheckpointStore store(*FileSystem::Default(), dir);
  if (!store.Save(MakeManifest(1), MakeState(static_cast<size_t>(state.range(0)))).ok()) {
    state.SkipWithError("save failed");
    return;
  }
  for (auto _ : state) {
    auto loaded = store.LoadLatest();
    if (!loaded.ok() || !loaded->has_value()) state.SkipWithError("load failed");
    benchmark::DoNotOptimize(loaded);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * state.range(0)));
  std::filesystem::remove_all(dir);
}

/// Baseline for save: write the same bytes to one file with write + fdatasync + rename.
void BM_RawFileSaveBaseline(benchmark::State& state) {
  const std::string dir = BenchDir("raw_save");
  auto bytes = MakeState(static_cast<size_t>(state.range(0))).begin()->second;
  for (auto _ : state) {
    const std::string tmp = dir + "/state.tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
      state.SkipWithError("write failed");
    }
    ::fdatasync(fd);
    ::close(fd);
    std::filesystem::rename(tmp, dir + "/state.bin");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * state.range(0)));
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_RawFileSaveBaseline)
    ->Arg(1 << 20)
    ->Arg(100 << 20)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CheckpointSave)
    ->Arg(1 << 20)
    ->Arg(100 << 20)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CheckpointLoad)
    ->Arg(1 << 20)
    ->Arg(100 << 20)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace laminar::storage

BENCHMARK_MAIN();
