#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "columnar/record_batch.h"
#include "common/result.h"
#include "connector/generator/nexmark_generator.h"
#include "laminar/laminar.hpp"

namespace laminar::bench {

/// Opens a database (the CLI passes Database::Open; tests may wrap it).
using NexmarkDatabaseOpener = std::function<Result<std::unique_ptr<Database>>(const Options&)>;

/// Settings of one `laminardb bench nexmark` run.
struct NexmarkBenchOptions {
  /// Query names ("q0" … "q22") or {"all"}.
  std::vector<std::string> queries = {"all"};
  int64_t events = 1'000'000;
  /// Events per generated chunk; each chunk becomes one person, one auction and one bid batch.
  int64_t batch_size = 8192;
  /// Threads for pre-generation; also Options::num_threads of the engine.
  int threads = 1;
  bool json = false;
  /// Event-time density (events/s); 100k/s = Nexmark V2 (1M events span 10 s of event time).
  double event_rate = 100'000;
  uint64_t seed = 42;
  int64_t watermark_delay_ms = 4000;
  /// Where q*.sql live; empty = the source tree's bench/nexmark/queries (compile-time path),
  /// then ./bench/nexmark/queries.
  std::string queries_dir;
  /// Also run the hand-written C++ loop where one exists.
  bool baseline = true;
  /// Untimed runs of each query, and of its hand-written loop, right before the timed ones.
  /// A run otherwise pays for whatever the process did before it: the first query grows the
  /// heap (q7 run first measured 5.8e7 events/s, 1.05e8 after another query), and a query
  /// that needs more memory than the ones before it pages fresh memory in (q8 after q0 and q1:
  /// 4.0x its hand loop, 3.0x on the next run). With a warm-up of its own, each figure no
  /// longer depends on the order of --query.
  int warmup = 1;
};

/// Events generated in memory before any query runs, in event order: chunk i holds events
/// [i*batch_size, (i+1)*batch_size) split into the three per-table batches.
struct NexmarkDataset {
  std::vector<connector::NexmarkBatches> chunks;
  int64_t events = 0;
  int64_t watermark_delay_us = 0;
  int64_t max_event_time_us = INT64_MIN;
  double generation_seconds = 0;  // wall time of the (possibly parallel) generation
};

/// Generates `events` events with `threads` threads (identical output for any thread count).
Result<NexmarkDataset> GenerateNexmarkDataset(const NexmarkBenchOptions& options);

/// What one query did in a run.
struct NexmarkQueryResult {
  std::string name;
  bool supported = false;
  std::string error;  // engine message when unsupported / failed
  int64_t events = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  double events_per_second = 0;
  double events_per_cpu_second = 0;  // "per core": events / CPU time used by the process
  int64_t output_rows = 0;
  int64_t peak_rss_bytes = 0;      // peak resident set during the query (VmHWM)
  int64_t baseline_rss_bytes = 0;  // resident set before the query (generated data included)
  /// Operator state after the last event, before the final watermark closes every window
  /// (PipelineMetrics::state_bytes).
  int64_t state_bytes = 0;
  double p50_batch_latency_us = 0;
  double p99_batch_latency_us = 0;
  // The hand-written loop over the same batches (has_baseline = false when none exists).
  bool has_baseline = false;
  double baseline_seconds = 0;
  double baseline_cpu_seconds = 0;
  double baseline_events_per_second = 0;
  double baseline_events_per_cpu_second = 0;
  int64_t baseline_output_rows = 0;
  /// engine time / hand-written time (1.0 = as fast as the hand loop): CPU time with one
  /// thread (both then run on the calling thread, and other load on the machine, which
  /// stretches wall time at random, cancels out), wall time with several.
  double slowdown = 0;
};

/// Runs one query file's statements against a fresh database fed with `data`.
NexmarkQueryResult RunNexmarkQuery(const std::string& name, const std::string& sql,
                                   const NexmarkDataset& data, const NexmarkBenchOptions& options,
                                   const NexmarkDatabaseOpener& opener);

/// Pushes `data` through `db` (sources must exist): chunk by chunk, person → auction → bid,
/// then advances every source's watermark past the last event so all windows close.
/// `latencies_us` (optional) receives one sample per Push; `state_bytes` (optional)
/// PipelineMetrics::state_bytes after the last event, before the final watermark.
Status PushNexmarkDataset(Database& db, const NexmarkDataset& data,
                          std::vector<double>* latencies_us, int64_t* state_bytes = nullptr);

/// `CREATE SOURCE person/auction/bid (…, WATERMARK FOR date_time AS date_time - delay)`.
std::string NexmarkSourcesDdl(int64_t watermark_delay_ms);

/// The text of bench/nexmark/queries/<name>.sql.
Result<std::string> LoadNexmarkQuery(const std::string& name, const std::string& queries_dir);
/// "q0" … "q22".
std::vector<std::string> AllNexmarkQueryNames();

/// The hand-written C++ equivalent of a query: returns its output row count, or nullopt-like
/// -1 when there is none. Runs over exactly the batches the engine sees.
int64_t RunHandWrittenQuery(const std::string& name, const NexmarkDataset& data);
bool HasHandWrittenQuery(const std::string& name);

/// The whole command: generate, run every requested query, print a table (or JSON) to `out`.
/// Returns the process exit code (0 unless the run itself could not happen; unsupported
/// queries are reported, not failures).
int RunNexmarkBench(const NexmarkBenchOptions& options, const NexmarkDatabaseOpener& opener,
                    std::ostream& out, std::ostream& err);

}  // namespace laminar::bench
