#pragma once

/// LaminarDB for C++ — embedded streaming SQL database ("SQLite for streams").
///
///   auto db = laminar::Database::Open().ValueOrDie();
///   db->Execute("CREATE SOURCE trades (symbol VARCHAR, price DOUBLE, ts TIMESTAMP, "
///               "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)");
///   db->Execute("CREATE STREAM bars AS SELECT symbol, MAX(price) AS hi FROM trades "
///               "GROUP BY symbol, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE");
///   auto sub = db->Subscribe("bars").ValueOrDie();
///   db->Execute("INSERT INTO trades VALUES ('A', 10.0, '2024-01-01 00:00:05')");
///   for (auto& batch : sub->Poll()) { ... }
///
/// Errors are `laminar::Status` values with an `LDB-NNNN` code; nothing here throws.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/record_batch.h"
#include "columnar/scalar.h"
#include "common/result.h"
#include "common/status.h"

namespace laminar {

using columnar::RecordBatch;
using columnar::RecordBatchPtr;
using columnar::Scalar;
using columnar::SchemaPtr;

/// What a source does when its input queue is full.
enum class BackpressurePolicy { kBlock, kDropOldest, kReject };

/// WAL durability of pushed input (only with a data_dir).
/// kSync: Push returns once the batch is durable. kAsync: fsync in the background (bounded loss
/// window). kOff: no WAL; data since the last checkpoint is lost on a crash.
enum class WalMode { kSync, kAsync, kOff };

struct Options {
  /// Directory for the catalog, WAL and checkpoints. Empty = in-memory (nothing persists).
  std::string data_dir;
  /// Periodic checkpoint interval; zero = only on CHECKPOINT / Database::Checkpoint().
  std::chrono::milliseconds checkpoint_interval{0};
  /// Capacity (rows) of each source's input queue.
  size_t buffer_size = 65536;
  BackpressurePolicy backpressure = BackpressurePolicy::kBlock;
  /// Compute threads (the embedded default runs one).
  int num_threads = 1;
  WalMode wal_mode = WalMode::kSync;
  /// Checkpoints kept on disk.
  int max_retained_checkpoints = 3;
  /// Maximum rows an output stream keeps for ad-hoc SELECT (non-aggregate MVs, sources).
  size_t retained_rows = 100000;
};

/// The pipeline lifecycle (seed 000): Created → Starting → Running → ShuttingDown → Stopped.
enum class PipelineState { kCreated, kStarting, kRunning, kShuttingDown, kStopped, kFaulted };
const char* PipelineStateName(PipelineState state);

/// Result of Execute(): DDL info, a row count, or a result set.
struct ExecuteResult {
  enum class Kind { kDdl, kRowsAffected, kQuery, kMetadata };
  Kind kind = Kind::kDdl;
  std::string statement_type;  // "CREATE SOURCE", "DROP STREAM", "SET", "CHECKPOINT", ...
  std::string object_name;
  uint64_t rows_affected = 0;
  SchemaPtr schema;  // kQuery / kMetadata
  std::vector<RecordBatchPtr> batches;

  int64_t num_rows() const;
};

/// A live feed of a stream's or MV's output.
/// Threading: Poll/Next may be called from any one thread; the engine appends concurrently.
class Subscription {
 public:
  virtual ~Subscription() = default;
  virtual const std::string& name() const = 0;
  virtual SchemaPtr schema() const = 0;
  /// Everything emitted since the last Poll (non-blocking; may be empty).
  virtual std::vector<RecordBatchPtr> Poll() = 0;
  /// Waits up to `timeout` for the next batch; nullptr on timeout; error once cancelled/closed.
  virtual Result<RecordBatchPtr> Next(std::chrono::milliseconds timeout) = 0;
  virtual void Cancel() = 0;
  /// True once cancelled, or once its stream/MV was dropped or replaced (CREATE OR REPLACE):
  /// a closed subscription receives nothing more; subscribe again to follow the new object.
  virtual bool closed() const { return false; }
};

/// Ingestion handle of one source.
/// Threading: thread-safe; several producers may push concurrently.
class SourceHandle {
 public:
  virtual ~SourceHandle() = default;
  virtual const std::string& name() const = 0;
  virtual SchemaPtr schema() const = 0;
  /// Pushes a batch (columns matched by position; types must match the source schema).
  virtual Status Push(RecordBatchPtr batch) = 0;
  /// Pushes rows given as scalars (converted to the column types).
  virtual Status PushRows(const std::vector<std::vector<Scalar>>& rows) = 0;
  /// External watermark (µs since epoch); monotone — lower values are ignored.
  virtual Status AdvanceWatermark(int64_t timestamp_micros) = 0;
  /// Current watermark, INT64_MIN if none yet.
  virtual int64_t watermark() const = 0;
  virtual size_t pending() const = 0;
  virtual size_t capacity() const = 0;
  virtual bool is_backpressured() const = 0;
};

struct CheckpointResult {
  bool success = false;
  uint64_t checkpoint_id = 0;
  uint64_t epoch = 0;
  std::chrono::microseconds duration{0};
  std::string error;
};

/// Pipeline counters (seed 003, F-OBS-001).
struct PipelineMetrics {
  uint64_t total_events_ingested = 0;
  uint64_t total_events_emitted = 0;
  uint64_t total_events_dropped = 0;
  uint64_t total_cycles = 0;
  uint64_t total_batches = 0;
  std::chrono::milliseconds uptime{0};
  PipelineState state = PipelineState::kCreated;
  size_t source_count = 0;
  size_t stream_count = 0;
  size_t sink_count = 0;
  int64_t pipeline_watermark = INT64_MIN;
  uint64_t mv_updates = 0;
  uint64_t mv_bytes_stored = 0;
  /// Checkpoints since open (a restored one is not counted) and failed attempts.
  uint64_t checkpoints_completed = 0;
  uint64_t checkpoints_failed = 0;
  /// The newest checkpoint (taken or restored): id, epoch; duration and total state bytes of
  /// the last one taken by this instance.
  uint64_t last_checkpoint_id = 0;
  uint64_t last_checkpoint_epoch = 0;
  std::chrono::microseconds last_checkpoint_duration{0};
  uint64_t last_checkpoint_bytes = 0;
};

struct SourceMetrics {
  std::string name;
  uint64_t total_events = 0;
  uint64_t late_events = 0;
  size_t pending = 0;
  size_t capacity = 0;
  bool is_backpressured = false;
  int64_t watermark = INT64_MIN;
  double utilization = 0;
};

struct StreamMetrics {
  std::string name;
  uint64_t total_events = 0;
  size_t pending = 0;
  size_t capacity = 0;
  bool is_backpressured = false;
  int64_t watermark = INT64_MIN;
  std::string sql;
};

/// An embedded LaminarDB instance.
/// Lifecycle: Open() → (DDL, Subscribe) → Start() (implicit on first push/query if needed) →
/// Shutdown(). Threading: all methods are thread-safe.
class Database {
 public:
  virtual ~Database() = default;

  /// Opens a database; with options.data_dir set, recovers the catalog, state and WAL from it.
  static Result<std::unique_ptr<Database>> Open(Options options = {});

  /// Runs one or more ';'-separated statements; returns the last result. Stops at the first
  /// error (earlier statements stay applied).
  virtual Result<ExecuteResult> Execute(std::string_view sql) = 0;
  /// Ad-hoc SELECT over MVs, tables and sources' retained rows.
  virtual Result<ExecuteResult> Query(std::string_view sql) = 0;

  virtual Result<std::shared_ptr<SourceHandle>> Source(std::string_view name) = 0;
  /// Subscribes to a stream or MV (a bare source is an error: subscribe to a stream over it).
  virtual Result<std::shared_ptr<Subscription>> Subscribe(std::string_view name) = 0;
  /// Callback form: `callback` runs on the engine thread for every emitted batch.
  virtual Result<std::shared_ptr<Subscription>> Subscribe(
      std::string_view name, std::function<void(const RecordBatchPtr&)> callback) = 0;

  virtual Status Start() = 0;
  /// Graceful: drains queued input, then stops. Idempotent.
  virtual Status Shutdown() = 0;
  /// Waits until everything pushed so far is processed and delivered.
  virtual Status Sync() = 0;
  virtual Result<CheckpointResult> Checkpoint() = 0;

  virtual PipelineState state() const = 0;
  virtual PipelineMetrics metrics() const = 0;
  virtual std::vector<SourceMetrics> source_metrics() const = 0;
  virtual std::vector<StreamMetrics> stream_metrics() const = 0;
  /// Names of streams and MVs (for shells and test runners that subscribe to everything).
  virtual std::vector<std::string> OutputNames() const = 0;
};

}  // namespace laminar
