// Windowed GROUP BY (the Nexmark q12 / q5 shape: COUNT(*) per key per TUMBLE or HOP window,
// windows closed as event time passes) through GroupTable + accumulator, three ways over the
// same rows:
//   Parts:    a window-keyed table (per-window index) fed by FindOrInsertWindowed;
//   Flat:     the flat tuple table fed materialised [start, end, key] columns (the layout the
//             aggregate operator used before window parts);
//   HandLoop: std::map of windows → absl::flat_hash_map of key → count.
// Args: number of distinct keys, hop (0: TUMBLE 10 s; 1: HOP 2 s slide / 10 s size).
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>
#include <random>

#include "columnar/builder.h"
#include "columnar/record_batch.h"
#include "common/hash.h"
#include "function/aggregate/group_table.h"
#include "function/registry.h"

namespace laminar::function {
namespace {

constexpr int64_t kWindowRows = 1 << 21;
constexpr int64_t kWindowBatch = 8192;
constexpr int64_t kSecond = 1000000;
constexpr int64_t kSize = 10 * kSecond;
constexpr int64_t kSlide = 2 * kSecond;
constexpr int64_t kRowsPerSecond = 100000;

struct WindowData {
  std::vector<columnar::ArrayPtr> time, key;  // per batch: TIMESTAMP µs (ascending), BIGINT
};

const WindowData& GetWindowData(int64_t num_keys) {
  static std::map<int64_t, WindowData> cache;
  auto& d = cache[num_keys];
  if (!d.time.empty()) return d;
  std::mt19937_64 rng(11);
  for (int64_t off = 0; off < kWindowRows; off += kWindowBatch) {
    std::vector<int64_t> t, k;
    for (int64_t i = off; i < off + kWindowBatch; ++i) {
      t.push_back(i * kSecond / kRowsPerSecond);
      k.push_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(num_keys)));
    }
    d.time.push_back(columnar::MakeTimestampArray(t));
    d.key.push_back(columnar::MakeInt64Array(k));
  }
  return d;
}

/// The windows of each row (row-major, like the aggregate operator's expansion).
void Expand(const columnar::Array& time, bool hop, std::vector<int64_t>* starts,
            std::vector<int64_t>* ends, std::vector<int32_t>* rows) {
  starts->clear();
  ends->clear();
  rows->clear();
  const int64_t* t = time.values<int64_t>();
  for (int64_t r = 0; r < time.length(); ++r) {
    if (!hop) {
      const int64_t st = t[r] / kSize * kSize;
      starts->push_back(st);
      ends->push_back(st + kSize);
      rows->push_back(static_cast<int32_t>(r));
      continue;
    }
    const int64_t last = t[r] / kSlide * kSlide;
    for (int64_t st = last - kSize + kSlide; st <= last; st += kSlide) {
      starts->push_back(st);
      ends->push_back(st + kSize);
      rows->push_back(static_cast<int32_t>(r));
    }
  }
}

void BM_WindowCount(benchmark::State& state, bool parts) {
  const auto& data = GetWindowData(state.range(0));
  const bool hop = state.range(1) != 0;
  auto count = *FunctionRegistry::Global().ResolveAggregate("count", {}, false);
  std::vector<int64_t> starts, ends;
  std::vector<int32_t> rows;
  std::vector<uint32_t> ids, fresh, fresh_rows;
  int64_t out_rows = 0;
  for (auto _ : state) {
    GroupTable table({columnar::timestamp(), columnar::timestamp(), columnar::int64()}, parts);
    auto acc = count.factory();
    std::map<int64_t, std::vector<uint32_t>> open;  // window end → its groups
    auto close_until = [&](int64_t watermark) {
      while (!open.empty() && open.begin()->first <= watermark) {
        auto& groups = open.begin()->second;
        auto keys = table.GetKeys(groups);
        auto counts = acc->Finalize(groups);
        if (!keys.ok() || !counts.ok()) state.SkipWithError("finalize");
        out_rows += static_cast<int64_t>(groups.size());
        acc->ResetMany(groups);
        if (!table.EraseMany(groups).ok()) state.SkipWithError("erase");
        open.erase(open.begin());
      }
    };
    for (size_t b = 0; b < data.time.size(); ++b) {
      Expand(*data.time[b], hop, &starts, &ends, &rows);
      fresh.clear();
      fresh_rows.clear();
      Status st;
      if (parts) {
        std::vector<columnar::ArrayPtr> keys{data.key[b]};
        st = table.FindOrInsertWindowed(starts, ends, keys, hop ? rows.data() : nullptr, &ids,
                                        &fresh, &fresh_rows);
      } else {
        std::vector<columnar::ArrayPtr> cols{
            columnar::MakeTimestampArray(starts), columnar::MakeTimestampArray(ends),
            hop ? columnar::Take(*data.key[b], rows) : data.key[b]};
        st = table.FindOrInsert(cols, static_cast<int64_t>(starts.size()), &ids, &fresh);
        // New groups' first rows (the operator registered them with one pass over all rows).
        size_t j = 0;
        for (size_t i = 0; i < ids.size() && j < fresh.size(); ++i) {
          if (ids[i] == fresh[j]) {
            fresh_rows.push_back(static_cast<uint32_t>(i));
            ++j;
          }
        }
      }
      if (!st.ok()) state.SkipWithError("insert");
      acc->Resize(table.num_groups());
      for (size_t j = 0; j < fresh.size(); ++j) open[ends[fresh_rows[j]]].push_back(fresh[j]);
      if (!acc->Update({}, ids.data(), static_cast<int64_t>(ids.size()), nullptr, nullptr).ok()) {
        state.SkipWithError("update");
      }
      close_until(data.time[b]->values<int64_t>()[data.time[b]->length() - 1]);
    }
    close_until(INT64_MAX);
  }
  state.SetItemsProcessed(state.iterations() * kWindowRows);
  state.counters["out_rows"] =
      static_cast<double>(out_rows) / static_cast<double>(state.iterations());
}
BENCHMARK_CAPTURE(BM_WindowCount, Parts, true)
    ->Args({20000, 0})
    ->Args({20000, 1})
    ->Args({1, 0})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WindowCount, Flat, false)
    ->Args({20000, 0})
    ->Args({20000, 1})
    ->Args({1, 0})
    ->Unit(benchmark::kMillisecond);

void BM_WindowCount_HandLoop(benchmark::State& state) {
  const auto& data = GetWindowData(state.range(0));
  const bool hop = state.range(1) != 0;
  struct H {
    size_t operator()(int64_t k) const { return HashInt64(static_cast<uint64_t>(k)); }
  };
  int64_t out_rows = 0;
  for (auto _ : state) {
    std::map<int64_t, absl::flat_hash_map<int64_t, int64_t, H>> windows;  // by window start
    auto close_until = [&](int64_t watermark) {
      while (!windows.empty() && windows.begin()->first + kSize <= watermark) {
        std::vector<int64_t> keys, counts;
        for (const auto& [k, c] : windows.begin()->second) {
          keys.push_back(k);
          counts.push_back(c);
        }
        out_rows += static_cast<int64_t>(keys.size());
        benchmark::DoNotOptimize(columnar::MakeInt64Array(keys));
        benchmark::DoNotOptimize(columnar::MakeInt64Array(counts));
        windows.erase(windows.begin());
      }
    };
    for (size_t b = 0; b < data.time.size(); ++b) {
      const int64_t* t = data.time[b]->values<int64_t>();
      const int64_t* k = data.key[b]->values<int64_t>();
      for (int64_t i = 0; i < data.time[b]->length(); ++i) {
        if (!hop) {
          ++windows[t[i] / kSize * kSize][k[i]];
          continue;
        }
        const int64_t last = t[i] / kSlide * kSlide;
        for (int64_t st = last - kSize + kSlide; st <= last; st += kSlide) ++windows[st][k[i]];
      }
      close_until(t[data.time[b]->length() - 1]);
    }
    close_until(INT64_MAX);
  }
  state.SetItemsProcessed(state.iterations() * kWindowRows);
  state.counters["out_rows"] =
      static_cast<double>(out_rows) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_WindowCount_HandLoop)
    ->Args({20000, 0})
    ->Args({20000, 1})
    ->Args({1, 0})
    ->Unit(benchmark::kMillisecond);

// Windowed DISTINCT over a (BIGINT, VARCHAR) key (the Nexmark q8 person shape: GROUP BY id, name,
// TUMBLE 10 s, no aggregate calls, every window's keys emitted and dropped when it closes), two
// ways over the same rows:
//   Parts:    a window-keyed GroupTable (per-window parts over encoded keys) fed by
//             FindOrInsertWindowed, closed with GetKeys (GROUP BY columns) and EraseMany;
//   HandLoop: std::map of windows → absl::flat_hash_set of (id, name view), closed into an id and
//             a name column.
// Args: distinct keys (0: every row a new id, like q8's persons), rows per batch.
constexpr int64_t kDistinctRows = 1 << 19;
constexpr int64_t kDistinctRowsPerSecond = 2000;  // q8: 40K persons over 20 s of event time

struct DistinctData {
  std::vector<columnar::ArrayPtr> time, id, name;  // per batch
};

const DistinctData& GetDistinctData(int64_t num_keys, int64_t batch) {
  static std::map<std::pair<int64_t, int64_t>, DistinctData> cache;
  auto& d = cache[{num_keys, batch}];
  if (!d.time.empty()) return d;
  std::mt19937_64 rng(13);
  for (int64_t off = 0; off < kDistinctRows; off += batch) {
    std::vector<int64_t> t, id;
    columnar::BinaryBuilder name(columnar::utf8());
    for (int64_t i = off; i < std::min(off + batch, kDistinctRows); ++i) {
      t.push_back(i * kSecond / kDistinctRowsPerSecond);
      const int64_t k =
          num_keys == 0 ? 1000 + i : static_cast<int64_t>(rng() % static_cast<uint64_t>(num_keys));
      id.push_back(k);
      // Names of 8-16 characters, a function of the id (like a person's name).
      name.Append(fmt::format("person {:0{}}", k % 100000000, 1 + k % 9));
    }
    d.time.push_back(columnar::MakeTimestampArray(t));
    d.id.push_back(columnar::MakeInt64Array(id));
    d.name.push_back(name.Finish());
  }
  return d;
}

void BM_WindowDistinct_Parts(benchmark::State& state) {
  const auto& data = GetDistinctData(state.range(0), state.range(1));
  std::vector<int64_t> starts, ends;
  std::vector<uint32_t> ids, fresh, fresh_rows;
  int64_t out_rows = 0;
  for (auto _ : state) {
    GroupTable table(
        {columnar::timestamp(), columnar::timestamp(), columnar::int64(), columnar::utf8()},
        /*window_keys=*/true);
    std::map<int64_t, std::vector<uint32_t>> open;  // window end → its groups
    auto close_until = [&](int64_t watermark) {
      while (!open.empty() && open.begin()->first <= watermark) {
        auto& groups = open.begin()->second;
        auto keys = table.GetKeys(groups, 2);
        if (!keys.ok()) state.SkipWithError("keys");
        benchmark::DoNotOptimize(keys);
        out_rows += static_cast<int64_t>(groups.size());
        if (!table.EraseMany(groups).ok()) state.SkipWithError("erase");
        open.erase(open.begin());
      }
    };
    for (size_t b = 0; b < data.time.size(); ++b) {
      const int64_t* t = data.time[b]->values<int64_t>();
      const int64_t n = data.time[b]->length();
      starts.resize(static_cast<size_t>(n));
      ends.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        starts[static_cast<size_t>(i)] = t[i] / kSize * kSize;
        ends[static_cast<size_t>(i)] = starts[static_cast<size_t>(i)] + kSize;
      }
      fresh.clear();
      fresh_rows.clear();
      std::vector<columnar::ArrayPtr> keys{data.id[b], data.name[b]};
      if (!table.FindOrInsertWindowed(starts, ends, keys, nullptr, &ids, &fresh, &fresh_rows)
               .ok()) {
        state.SkipWithError("insert");
      }
      for (size_t j = 0; j < fresh.size(); ++j) open[ends[fresh_rows[j]]].push_back(fresh[j]);
      close_until(t[n - 1] - 4 * kSecond);  // q8's watermark delay
    }
    close_until(INT64_MAX);
  }
  state.SetItemsProcessed(state.iterations() * kDistinctRows);
  state.counters["out_rows"] =
      static_cast<double>(out_rows) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_WindowDistinct_Parts)
    ->Args({0, 256})
    ->Args({20000, 256})
    ->Args({0, 4096})
    ->Unit(benchmark::kMillisecond);

void BM_WindowDistinct_HandLoop(benchmark::State& state) {
  const auto& data = GetDistinctData(state.range(0), state.range(1));
  struct H {
    size_t operator()(const std::pair<int64_t, std::string_view>& k) const {
      return HashInt64(static_cast<uint64_t>(k.first)) ^ HashString(k.second);
    }
  };
  int64_t out_rows = 0;
  for (auto _ : state) {
    std::map<int64_t, absl::flat_hash_set<std::pair<int64_t, std::string_view>, H>> windows;
    auto close_until = [&](int64_t watermark) {
      while (!windows.empty() && windows.begin()->first + kSize <= watermark) {
        const auto& keys = windows.begin()->second;
        columnar::FixedWidthBuilder<int64_t> id(columnar::int64());
        columnar::BinaryBuilder name(columnar::utf8());
        id.Reserve(static_cast<int64_t>(keys.size()));
        name.Reserve(static_cast<int64_t>(keys.size()));
        for (const auto& [k, v] : keys) {
          id.UnsafeAppend(k);
          name.Append(v);
        }
        benchmark::DoNotOptimize(id.Finish());
        benchmark::DoNotOptimize(name.Finish());
        out_rows += static_cast<int64_t>(keys.size());
        windows.erase(windows.begin());
      }
    };
    for (size_t b = 0; b < data.time.size(); ++b) {
      const int64_t* t = data.time[b]->values<int64_t>();
      const int64_t* id = data.id[b]->values<int64_t>();
      const columnar::Array& name = *data.name[b];
      const int64_t n = data.time[b]->length();
      for (int64_t i = 0; i < n; ++i) {
        windows[t[i] / kSize * kSize].emplace(id[i], name.GetView(i));
      }
      close_until(t[n - 1] - 4 * kSecond);
    }
    close_until(INT64_MAX);
  }
  state.SetItemsProcessed(state.iterations() * kDistinctRows);
  state.counters["out_rows"] =
      static_cast<double>(out_rows) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_WindowDistinct_HandLoop)
    ->Args({0, 256})
    ->Args({20000, 256})
    ->Args({0, 4096})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace laminar::function
