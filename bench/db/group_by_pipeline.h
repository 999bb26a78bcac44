#pragma once

// The durable GROUP BY pipeline the checkpoint and recovery benchmarks load (bench/db and
// bench/storage): one source `ev (k BIGINT, v BIGINT)` and one MV `agg` with COUNT and SUM per k.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "laminar/laminar.hpp"

namespace laminar::bench {

/// A database in `dir` keeping one checkpoint (older ones would only cost disk and pruning).
inline Options DurableBenchOptions(const std::string& dir) {
  Options o;
  o.data_dir = dir;
  o.max_retained_checkpoints = 1;
  return o;
}

/// Opens `dir`, creates the pipeline and pushes `groups * rows_per_group` rows in 64 Ki-row
/// batches (row i has key i % groups). nullptr after an error, reported through `state`.
inline std::unique_ptr<Database> LoadGroupByPipeline(benchmark::State& state,
                                                     const std::string& dir, int64_t groups,
                                                     int64_t rows_per_group) {
  constexpr int64_t kBatchRows = 64 * 1024;
  auto db = Database::Open(DurableBenchOptions(dir));
  if (!db.ok()) {
    state.SkipWithError(db.status().ToString().c_str());
    return nullptr;
  }
  for (const char* sql : {"CREATE SOURCE ev (k BIGINT, v BIGINT)",
                          "CREATE MATERIALIZED VIEW agg AS SELECT k, COUNT(*) AS c, SUM(v) AS s "
                          "FROM ev GROUP BY k"}) {
    auto r = (*db)->Execute(sql);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return nullptr;
    }
  }
  auto src = (*db)->Source("ev");
  if (!src.ok()) {
    state.SkipWithError(src.status().ToString().c_str());
    return nullptr;
  }
  auto schema = (*src)->schema();
  const int64_t total = groups * rows_per_group;
  for (int64_t start = 0; start < total; start += kBatchRows) {
    const int64_t n = std::min(kBatchRows, total - start);
    std::vector<int64_t> k(static_cast<size_t>(n)), v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      k[static_cast<size_t>(i)] = (start + i) % groups;
      v[static_cast<size_t>(i)] = (start + i) * 7 % 1000;
    }
    auto batch = std::make_shared<const columnar::RecordBatch>(
        schema, n,
        std::vector<columnar::ArrayPtr>{columnar::MakeInt64Array(k), columnar::MakeInt64Array(v)});
    Status st = (*src)->Push(batch);
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      return nullptr;
    }
  }
  return std::move(*db);
}

}  // namespace laminar::bench
