#pragma once

/// StreamingQuery (F082): one continuous SQL query compiled into a runnable object, without a
/// Database around it — for embedding a single query in a hot loop, testing a query in
/// isolation, and hot-swapping a query's new version while keeping its state.
///
///   auto q = laminar::StreamingQuery::Compile(
///       "SELECT symbol, AVG(price) FROM trades WHERE exchange = 'NYSE' "
///       "GROUP BY symbol, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE",
///       {{"trades", trades_schema, "ts"}}).ValueOrDie();
///   q->Start();
///   q->Submit({Scalar::String("AAPL"), Scalar::Float64(10), Scalar::String("NYSE"), ts});
///   q->AdvanceWatermark(ts_end);          // Ring 1 closes windows
///   for (auto& batch : *q->PollOutput()) { ... }
///
/// Structure: Ring 0 is the stateless prefix of the plan (WHERE, SELECT expressions) — the same
/// vectorised program the Database runs; with `QueryConfig::jit_enabled` simple Ring 0 programs
/// are additionally compiled into a per-row form that Submit() runs on the event's values
/// without building a batch ("compiled" pipeline; everything else is "fallback", the
/// vectorised interpreter on a one-row batch). Ring 0 output rows collect in the bridge, which
/// forms batches of up to `QueryConfig::max_batch_rows` for Ring 1 — the stateful operators
/// (GROUP BY with or without a window, and any HAVING / projection above it).
///
/// Lifecycle (seed F082): Compile → Ready; Start() → Running; Pause() → Paused;
/// Start() → Running again; Stop() → Stopped (terminal). Submit/SubmitBatch/AdvanceWatermark
/// need Running; PollOutput works in every state (it drains what is there); Checkpoint needs
/// Running or Paused; Restore needs Ready. Swap() replaces a Running or Paused query's pipeline
/// with a Ready query compiled from new SQL over the same inputs.
///
/// Threading: not thread-safe; one thread drives a query (the Ring 0 hot path takes no locks).
/// Durability: none by itself; Checkpoint() returns the state image for the caller to persist.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/record_batch.h"
#include "columnar/scalar.h"
#include "common/result.h"
#include "common/status.h"

namespace laminar {

/// Identity of a compiled query: a 64-bit hash of its SQL text.
struct QueryId {
  uint64_t value = 0;
  bool operator==(const QueryId&) const = default;
};

/// Runtime state of a StreamingQuery (seed F082).
enum class QueryState {
  kReady,    // compiled, not started
  kRunning,  // processing events
  kPaused,   // not accepting events (e.g. around a checkpoint or a swap)
  kStopped,  // terminal
};
/// "Ready", "Running", "Paused", "Stopped".
const char* QueryStateName(QueryState state);

/// One input relation the query may read.
struct QueryInput {
  std::string name;
  columnar::SchemaPtr schema;
  /// The TIMESTAMP column AdvanceWatermark() refers to (informational; "" = none). Windows and
  /// EMIT ON WINDOW CLOSE are accepted either way because the caller drives the watermark.
  std::string event_time_column;
};

/// Compilation and runtime options.
struct QueryConfig {
  /// Compile simple Ring 0 programs into the per-row form Submit() runs without building a
  /// batch. false = always the vectorised interpreter (the seed's "JIT disabled" fallback).
  bool jit_enabled = true;
  /// Bridge batch policy: Ring 0 rows are handed to Ring 1 (or to the output, for a query
  /// without state) in batches of at most this many rows; PollOutput, AdvanceWatermark,
  /// Checkpoint and Stop flush a partial batch.
  int64_t max_batch_rows = 1024;
  /// Time every Submit/SubmitBatch for ring0_total_ns / ring0_p99_ns (two clock reads per
  /// event, which is a sizeable share of a ~100 ns submit; off by default).
  bool measure_ring0_latency = false;
};

/// How long each compilation phase took and what it produced (seed QueryMetadata).
struct QueryMetadata {
  std::chrono::microseconds plan_time{0};     // parse + bind to a logical plan
  std::chrono::microseconds extract_time{0};  // split the plan into Ring 0 / Ring 1
  std::chrono::microseconds compile_time{0};  // compile expressions and operators
  size_t compiled_pipeline_count = 0;         // Ring 0 pipelines with the per-row program
  size_t fallback_pipeline_count = 0;         // Ring 0 pipelines on the vectorised interpreter
  size_t ring1_operator_count = 0;
  bool jit_enabled = false;
  /// Why the Ring 0 pipeline fell back ("" when compiled), e.g. "function 'lower'".
  std::string fallback_reason;
};

/// Counters of a query (seed QueryMetrics); cumulative across Swap().
struct QueryMetrics {
  // Ring 0
  uint64_t ring0_events_in = 0;       // rows submitted
  uint64_t ring0_events_out = 0;      // rows that passed Ring 0 (sent to the bridge)
  uint64_t ring0_events_dropped = 0;  // rows filtered out by Ring 0
  uint64_t ring0_total_ns = 0;        // only with QueryConfig::measure_ring0_latency
  uint64_t ring0_p99_ns = 0;          // per-call p99 (upper bucket bound), same condition
  // Bridge
  uint64_t bridge_pending = 0;             // rows waiting for the next Ring 1 batch
  uint64_t bridge_backpressure_drops = 0;  // always 0: the bridge flushes synchronously
  uint64_t bridge_batches_flushed = 0;
  // Ring 1
  uint64_t ring1_batches_processed = 0;
  uint64_t ring1_events_out = 0;  // rows emitted by Ring 1 (or by Ring 0 without Ring 1)
  uint64_t ring1_total_ns = 0;
  // Compilation
  uint64_t pipelines_compiled = 0;
  uint64_t pipelines_fallback = 0;
};

/// A compiled continuous query. See the file comment for the ring structure and lifecycle.
class StreamingQuery {
 public:
  /// Compiles `sql` — `SELECT ... FROM <input> [WHERE ...] [GROUP BY ... [window]] [HAVING ...]
  /// [EMIT ...]` over exactly one of `inputs` — into a Ready query. Errors: SQL errors with
  /// position (LDB-1xxx), joins / ORDER BY / LIMIT / UNION (NotImplemented), unknown input.
  static Result<std::unique_ptr<StreamingQuery>> Compile(std::string_view sql,
                                                         const std::vector<QueryInput>& inputs,
                                                         const QueryConfig& config = {});
  ~StreamingQuery();
  StreamingQuery(const StreamingQuery&) = delete;
  StreamingQuery& operator=(const StreamingQuery&) = delete;

  /// Ready or Paused → Running; Running → no-op; Stopped → error.
  Status Start();
  /// Running → Paused (events are refused until Start()).
  Status Pause();
  /// Flushes the bridge into Ring 1 and stops for good. Windows still open are not closed:
  /// advance the watermark first to emit them. Output stays available to PollOutput().
  Status Stop();

  /// Submits one event: values of the input's columns, by position (converted to the column
  /// types when they differ). Runs Ring 0; a passing row goes to the bridge.
  Status Submit(const std::vector<columnar::Scalar>& row);
  /// Submits a batch of events (columns by position; any number of rows, one included).
  Status SubmitBatch(const columnar::RecordBatchPtr& batch);
  /// Advances the input watermark (µs since the epoch; lower values are ignored): flushes the
  /// bridge, then lets Ring 1 close windows.
  Status AdvanceWatermark(int64_t watermark);
  /// Flushes the bridge through Ring 1 and returns everything emitted since the last call.
  /// EMIT CHANGES output carries a trailing `__weight BIGINT` column, as in the Database.
  /// Errors come from Ring 1 (e.g. an expression in HAVING failing on the flushed rows).
  Result<std::vector<columnar::RecordBatchPtr>> PollOutput();

  /// Flushes the bridge and returns the query's state image (Ring 1 operator snapshots plus
  /// the watermark), CRC32C-protected. NotImplemented if an operator cannot snapshot.
  Result<std::string> Checkpoint();
  /// Loads a Checkpoint() image into a Ready query compiled from the same SQL.
  Status Restore(std::string_view image);

  /// Hot swap (seed F082): replaces this query's pipeline with `new_query` (Ready, compiled
  /// over the same input schemas), moving Ring 1 state into it; this query keeps its identity
  /// object, metrics and pending output and ends Running. Refused, leaving everything as it
  /// was, when the input schemas differ or the new Ring 1 cannot take the old state.
  Status Swap(std::unique_ptr<StreamingQuery> new_query);

  QueryId id() const;
  const std::string& sql() const;
  QueryState state() const;
  const QueryMetadata& metadata() const;
  QueryMetrics Metrics() const;
  /// Schema of PollOutput() batches.
  const columnar::SchemaPtr& output_schema() const;
  /// Schema Submit()/SubmitBatch() expect.
  const columnar::SchemaPtr& input_schema() const;
  /// Current input watermark (INT64_MIN before the first AdvanceWatermark).
  int64_t watermark() const;

  struct Impl;

 private:
  explicit StreamingQuery(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace laminar
