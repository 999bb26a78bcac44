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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/record_batch.h"
#include "columnar/scalar.h"
#include "common/result.h"
#include "common/status.h"

namespace laminar::storage {
class FileSystem;
}  // namespace laminar::storage

namespace laminar {

using columnar::RecordBatch;
using columnar::RecordBatchPtr;
using columnar::Scalar;
using columnar::SchemaPtr;

/// What a source does when its input queue is full: the producer waits (kBlock), the oldest
/// queued rows are dropped and counted (kDropOldest), or Push fails with LDB-8011 (kReject).
enum class BackpressurePolicy { kBlock, kDropOldest, kReject };

/// How pushed input reaches the engine (docs/operations.md, "Ingestion and backpressure").
/// kInline: Push processes the batch on the calling thread and returns once its results are
/// delivered (deterministic; the input queue never holds anything). kQueued: Push appends to
/// the source's bounded queue (buffer_size rows, backpressure policy) and returns; the compute
/// thread drains it; Sync() waits until it is drained and delivered. Connector-fed sources
/// always use the queue. Per source: CREATE SOURCE ... WITH ('ingest' = 'inline'|'queued').
enum class IngestMode { kInline, kQueued };

/// WAL durability of pushed input (only with a data_dir).
/// kSync: Push returns once the batch is durable. kAsync: fsync in the background (bounded loss
/// window). kOff: no WAL; data since the last checkpoint is lost on a crash.
enum class WalMode { kSync, kAsync, kOff };

struct Options {
  /// Directory for the catalog, WAL and checkpoints. Empty = in-memory (nothing persists).
  std::string data_dir;
  /// Periodic checkpoint interval; zero = only on CHECKPOINT / Database::Checkpoint().
  std::chrono::milliseconds checkpoint_interval{0};
  /// Capacity (rows) of each source's input queue (WITH ('buffer_size') overrides per source).
  size_t buffer_size = 65536;
  /// Policy of a full input queue (WITH ('backpressure') overrides per source).
  BackpressurePolicy backpressure = BackpressurePolicy::kBlock;
  /// Default ingestion of sources without a connector (WITH ('ingest') overrides).
  IngestMode ingest_mode = IngestMode::kInline;
  /// Compute threads (the embedded default runs one).
  int num_threads = 1;
  WalMode wal_mode = WalMode::kSync;
  /// Checkpoints kept on disk.
  int max_retained_checkpoints = 3;
  /// Maximum rows an output stream keeps for ad-hoc SELECT (non-aggregate MVs, sources).
  size_t retained_rows = 100000;
  /// Future-skew guard: an event more than this ahead of the wall clock is processed but does
  /// not advance its source's watermark (counted in SourceMetrics::future_events), so one bad
  /// clock cannot close every window. Unset: LAMINAR_MAX_FUTURE_SKEW_MS, else 5 minutes.
  /// Zero disables the guard.
  std::optional<std::chrono::milliseconds> max_future_skew;
  /// Idle-source timeout: a watermarked source without input for this long is left out of the
  /// minimum that makes stream and pipeline watermarks (if every input is idle, the maximum of
  /// them counts); it rejoins on its next input, and watermarks never go back. Unset:
  /// LAMINAR_SOURCE_IDLE_TIMEOUT_MS, else disabled. Zero disables.
  std::optional<std::chrono::milliseconds> source_idle_timeout;
  /// Wall clock (µs since the epoch) for the future-skew guard and idle detection; empty =
  /// the system clock. Tests inject a manual clock to exercise timeouts without sleeping.
  std::function<int64_t()> clock;
  /// File system for the WAL, checkpoints and file sinks; nullptr = the real disk
  /// (storage::FileSystem::Default()). Not owned: it must outlive the database. Tests pass a
  /// storage::FaultInjectionFileSystem to run the whole engine over a disk that loses unsynced
  /// writes, fails fsync or runs out of space.
  storage::FileSystem* file_system = nullptr;
  /// Values for `${NAME}` in connector and WITH option values (`'bootstrap.servers' =
  /// '${KAFKA_BROKERS}'`). A name not found here is read from the environment; one found in
  /// neither is an error (LDB-0003) unless written `${NAME:-default}`. The catalog keeps the
  /// statement as written, so secrets passed this way are not stored, and a restart resolves
  /// them again.
  std::map<std::string, std::string> config_vars;
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
  /// Inline ingestion: returns once the batch is processed and its results delivered.
  /// Queued ingestion: returns once the batch is queued; a full queue blocks (block), drops
  /// the oldest queued rows (drop_oldest) or fails with LDB-8011 (reject). Sync() waits for
  /// queued input; with a data_dir a queued batch is written to the WAL when processed.
  virtual Status Push(RecordBatchPtr batch) = 0;
  /// Pushes rows given as scalars (converted to the column types).
  virtual Status PushRows(const std::vector<std::vector<Scalar>>& rows) = 0;
  /// External watermark (µs since epoch); monotone — lower values are ignored.
  virtual Status AdvanceWatermark(int64_t timestamp_micros) = 0;
  /// Current watermark, INT64_MIN if none yet.
  virtual int64_t watermark() const = 0;
  /// Rows queued but not processed yet (0 for inline ingestion, where Push processes).
  virtual size_t pending() const = 0;
  /// Rows the input queue holds (buffer_size).
  virtual size_t capacity() const = 0;
  /// pending() > 80 % of capacity().
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
  /// Minimum over the active (non-idle) watermarked sources; never decreases.
  int64_t pipeline_watermark = INT64_MIN;
  uint64_t mv_updates = 0;
  /// Rows beyond the future-skew guard, rows shed by drop_oldest, rows refused by reject.
  uint64_t total_events_future = 0;
  uint64_t total_events_shed = 0;
  uint64_t total_events_rejected = 0;
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
  /// Operator state the running queries hold now (group tables, buffered join rows, pending
  /// windows and top-N rows), as each operator estimates it; the reference's `state_bytes`.
  uint64_t state_bytes = 0;
};

struct SourceMetrics {
  std::string name;
  uint64_t total_events = 0;  // rows processed (late ones included)
  uint64_t late_events = 0;
  size_t pending = 0;             // rows queued, not processed yet (always 0 for inline ingestion)
  size_t capacity = 0;            // rows the input queue holds (buffer_size)
  bool is_backpressured = false;  // pending > 80 % of capacity
  int64_t watermark = INT64_MIN;
  double utilization = 0;  // pending / capacity
  /// Rows whose event time was beyond the future-skew guard (processed, no watermark advance).
  uint64_t future_events = 0;
  /// drop_oldest: rows dropped from the queue; reject: rows (pushes) refused; block: pushes
  /// that had to wait for room.
  uint64_t shed_events = 0;
  uint64_t rejected_events = 0;
  uint64_t rejected_pushes = 0;
  uint64_t blocked_pushes = 0;
  /// Excluded from the watermark minimum by the idle-source timeout.
  bool is_idle = false;
  bool queued = false;  // ingestion goes through the input queue
  const char* backpressure = "block";
  /// track_stats only: batches dequeued and the longest / mean time one spent queued.
  uint64_t dequeued_batches = 0;
  std::chrono::microseconds max_queue_wait{0};
  std::chrono::microseconds mean_queue_wait{0};
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
