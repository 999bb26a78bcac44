#pragma once

// Setup shared by the join benchmarks.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "laminar/laminar.hpp"

namespace laminar {

/// An in-memory database after `statements` (the sources, then the stream `j` under test) with a
/// subscription adding j's output rows to `*out_rows`, which must outlive it. `db` is null, and
/// the benchmark skipped with the engine's message, when a statement fails.
struct JoinBenchDb {
  std::unique_ptr<Database> db;
  std::shared_ptr<Subscription> sub;  // declared last: cancelled before the database closes
};

inline JoinBenchDb OpenJoinBench(benchmark::State& state,
                                 const std::vector<std::string>& statements, int64_t* out_rows) {
  JoinBenchDb out;
  out.db = Database::Open().ValueOrDie();
  for (const auto& sql : statements) {
    auto st = out.db->Execute(sql);
    if (!st.ok()) {
      state.SkipWithError(st.status().ToString().c_str());
      out.db.reset();
      return out;
    }
  }
  out.sub =
      out.db
          ->Subscribe("j",
                      [out_rows](const columnar::RecordBatchPtr& b) { *out_rows += b->num_rows(); })
          .ValueOrDie();
  return out;
}

}  // namespace laminar
