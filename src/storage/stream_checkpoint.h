#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace laminar::storage {

// Streaming checkpoint support for the embedded API, following the reference system's
// `laminar_core/streaming/checkpoint.rs` exactly (names, validation messages, binary format v2).
// Optional and zero-overhead when disabled: sources only bump an atomic sequence per push
// (Ring 0); the manager captures the atomics on trigger (Ring 1); the user or SQL triggers
// manually (Ring 2).

/// WAL mode for checkpoint durability.
enum class WalMode : uint8_t {
  /// Asynchronous WAL writes (faster, may lose last few entries on crash).
  kAsync,
  /// Synchronous WAL writes (slower, durable).
  kSync,
};

/// Policy when the changelog buffer is full.
enum class OverflowPolicy : uint8_t {
  /// Drop new entries when the buffer is full.
  kDropNew,
  /// Overwrite the oldest entry.
  kOverwriteOldest,
};

/// Configuration for streaming checkpoints. All fields default to unset: checkpointing is
/// opt-in (a default config is valid; without interval_ms checkpoints are manual only).
struct StreamCheckpointConfig {
  /// Checkpoint interval in milliseconds. Unset = manual only.
  std::optional<uint64_t> interval_ms;
  /// WAL mode. Requires `data_dir` to be set.
  std::optional<WalMode> wal_mode;
  /// Directory for persisting checkpoints/WAL. Unset = in-memory only.
  std::optional<std::string> data_dir;
  /// Changelog buffer capacity. Unset = no changelog buffer.
  std::optional<size_t> changelog_capacity;
  /// Maximum number of retained checkpoints. Unset = unlimited.
  std::optional<size_t> max_retained;
  /// Overflow policy for the changelog buffer.
  OverflowPolicy overflow_policy = OverflowPolicy::kDropNew;

  /// Invalid (LDB-0001, "invalid checkpoint config: …") when a WAL mode is set without
  /// `data_dir` ("WAL mode requires data_dir to be set") or `changelog_capacity` is 0
  /// ("changelog_capacity must be > 0").
  Status Validate() const;
};

/// The reference system's `CheckpointError` variants as Status values. Messages are exactly its
/// Display strings, so `ToString()` reads "[LDB-NNNN] <reference message>".
namespace checkpoint_error {
/// "checkpointing is disabled"
Status Disabled();
/// "data directory is required"
Status DataDirRequired();
/// "WAL mode requires checkpointing"
Status WalRequiresCheckpoint();
/// "no checkpoint available" (NotFound, LDB-6002)
Status NoCheckpoint();
/// "checkpoint operation timed out"
Status Timeout();
/// "invalid checkpoint config: <msg>" (Invalid, LDB-0001)
Status InvalidConfig(std::string_view msg);
/// "checkpoint I/O error: <msg>" (Corruption, LDB-4006: raised for undecodable checkpoint bytes)
Status IoError(std::string_view msg);
}  // namespace checkpoint_error

/// Type of changelog operation. Persisted values: never renumber.
enum class StreamChangeOp : uint8_t {
  /// A record was pushed.
  kPush = 0,
  /// A watermark was emitted.
  kWatermark = 1,
  /// A checkpoint barrier.
  kBarrier = 2,
};

/// One changelog entry: fixed 24 bytes, no heap allocation, C layout
///   [source_id u16][op u8][padding u8][reserved u32][sequence u64][watermark i64]
/// All members are public to keep the type standard-layout; `padding` and `reserved` are
/// always zero.
struct StreamChangelogEntry {
  /// Source identifier (compact).
  uint16_t source_id = 0;
  /// Operation type (a StreamChangeOp value; see op_type()).
  uint8_t op = 0;
  /// Padding for alignment.
  uint8_t padding = 0;
  /// Reserved for future use.
  uint32_t reserved = 0;
  /// Sequence number at time of operation.
  uint64_t sequence = 0;
  /// Watermark value at time of operation.
  int64_t watermark = 0;

  StreamChangelogEntry() = default;
  StreamChangelogEntry(uint16_t source_id_in, StreamChangeOp op_in, uint64_t sequence_in,
                       int64_t watermark_in)
      : source_id(source_id_in),
        op(static_cast<uint8_t>(op_in)),
        sequence(sequence_in),
        watermark(watermark_in) {}

  /// The operation, or nullopt for an unknown op byte.
  std::optional<StreamChangeOp> op_type() const;

  bool operator==(const StreamChangelogEntry&) const = default;
};
static_assert(sizeof(StreamChangelogEntry) == 24, "StreamChangelogEntry must be exactly 24 bytes");
static_assert(alignof(StreamChangelogEntry) == 8);

/// A pre-allocated ring buffer of changelog entries: no allocation after construction.
/// Threading: not thread-safe on its own; used behind the StreamCheckpointManager's owner.
class StreamChangelogBuffer {
 public:
  /// A capacity of 0 gives a buffer that counts every push as an overflow and stores nothing.
  StreamChangelogBuffer(size_t capacity, OverflowPolicy policy);

  /// Stores `entry`; false when it was dropped (DropNew on a full buffer). OverwriteOldest
  /// discards the oldest entry instead. Either way a push into a full buffer counts an overflow.
  bool Push(const StreamChangelogEntry& entry);
  /// Removes and returns the oldest entry.
  std::optional<StreamChangelogEntry> Pop();
  /// Moves up to `max` oldest entries to `out`, oldest first.
  void Drain(size_t max, std::vector<StreamChangelogEntry>* out);
  /// Moves every entry to `out`, oldest first.
  void DrainAll(std::vector<StreamChangelogEntry>* out);

  size_t len() const { return count_; }
  bool is_empty() const { return count_ == 0; }
  bool is_full() const { return count_ == capacity_; }
  size_t capacity() const { return capacity_; }
  /// Total number of overflows since creation.
  uint64_t overflow_count() const { return overflow_count_; }

 private:
  std::vector<StreamChangelogEntry> entries_;
  size_t capacity_;
  size_t write_idx_ = 0;
  size_t read_idx_ = 0;
  size_t count_ = 0;
  uint64_t overflow_count_ = 0;
  OverflowPolicy policy_;
};

/// A point-in-time snapshot of streaming pipeline state.
///
/// Binary format v2 (little-endian; maps written in key order):
///   [version u8 = 2][id u64][epoch u64][created_at u64]
///   [num_sources u32] { [name_len u32][name utf8][seq u64] }*
///   [num_sinks u32]   { [name_len u32][name utf8][pos u64] }*
///   [num_watermarks u32] { [name_len u32][name utf8][wm i64] }*
///   [num_ops u32]     { [name_len u32][name utf8][data_len u32][data] }*
///   [crc32c u32]  (plain, unmasked CRC32C over every byte after the version byte)
struct StreamCheckpoint {
  /// Unique checkpoint identifier (monotonically increasing).
  uint64_t id = 0;
  /// Epoch number.
  uint64_t epoch = 0;
  /// Source name -> sequence number at checkpoint time.
  std::map<std::string, uint64_t> source_sequences;
  /// Sink name -> position at checkpoint time.
  std::map<std::string, uint64_t> sink_positions;
  /// Source name -> watermark at checkpoint time.
  std::map<std::string, int64_t> watermarks;
  /// Operator name -> opaque state bytes.
  std::map<std::string, std::vector<uint8_t>> operator_states;
  /// Creation time, milliseconds since the Unix epoch.
  uint64_t created_at = 0;

  /// Serializes to format v2. Fails only when a name or state exceeds the u32 length fields.
  Result<std::vector<uint8_t>> ToBytes() const;
  /// Parses format v2. Errors (checkpoint_error::IoError) carry the reference messages:
  /// "empty checkpoint data", "unsupported checkpoint version: N (expected 2)",
  /// "checkpoint too short for CRC", "CRC mismatch: stored=0x… computed=0x…",
  /// "truncated u32|u64|i64|string|operator state", "invalid utf8". Never crashes on any input.
  static Result<StreamCheckpoint> FromBytes(std::span<const uint8_t> data);
};

/// Coordinates checkpoints of streaming sources and sinks for the embedded API.
///
/// Disabled when built with Disabled() or from an invalid config. Sources register shared
/// atomic counters (bumped lock-free on every push); Trigger() reads them (acquire) into a
/// StreamCheckpoint kept in memory, keeping at most `max_retained`.
/// Threading: not thread-safe (one owner, Ring 1/2); the registered atomics may be written
/// concurrently by source threads.
class StreamCheckpointManager {
 public:
  /// If `config` fails Validate(), the manager is created disabled.
  explicit StreamCheckpointManager(StreamCheckpointConfig config);
  /// A disabled (no-op) manager.
  static StreamCheckpointManager Disabled();

  bool is_enabled() const { return enabled_; }

  /// Registers (or replaces) a source; the atomics are shared with the live source.
  void RegisterSource(const std::string& name, std::shared_ptr<std::atomic<uint64_t>> sequence,
                      std::shared_ptr<std::atomic<int64_t>> watermark);
  /// Registers (or updates) a sink's position.
  void RegisterSink(const std::string& name, uint64_t position);

  /// Captures the current source/sink state; returns the new checkpoint's id (first is 1), or
  /// nullopt when disabled. Bumps the epoch and prunes to max_retained.
  std::optional<uint64_t> Trigger();
  /// Like Trigger(), but checkpoint_error::Disabled() when disabled.
  Result<std::optional<uint64_t>> Checkpoint();
  /// The most recent checkpoint; Disabled() or NoCheckpoint() errors. The pointer is valid until
  /// the next Trigger().
  Result<const StreamCheckpoint*> Restore() const;
  /// The checkpoint with `id`, or null (pruned or never taken).
  const StreamCheckpoint* GetCheckpoint(uint64_t id) const;
  std::optional<uint64_t> last_checkpoint_id() const;
  /// The changelog buffer, or null when not configured (or disabled).
  const StreamChangelogBuffer* changelog() const { return changelog_ ? &*changelog_ : nullptr; }
  StreamChangelogBuffer* mutable_changelog() { return changelog_ ? &*changelog_ : nullptr; }
  uint64_t epoch() const { return epoch_; }
  /// Retained checkpoints, oldest first.
  const std::vector<StreamCheckpoint>& checkpoints() const { return checkpoints_; }
  const StreamCheckpointConfig& config() const { return config_; }

 private:
  struct RegisteredSource {
    std::shared_ptr<std::atomic<uint64_t>> sequence;
    std::shared_ptr<std::atomic<int64_t>> watermark;
  };

  StreamCheckpointConfig config_;
  bool enabled_ = false;
  std::map<std::string, RegisteredSource> sources_;
  std::map<std::string, uint64_t> sinks_;
  std::vector<StreamCheckpoint> checkpoints_;
  uint64_t next_id_ = 1;
  uint64_t epoch_ = 0;
  std::optional<StreamChangelogBuffer> changelog_;
};

}  // namespace laminar::storage
