#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "storage/file_system.h"

namespace laminar::storage {

// Write-ahead log of input batches. Full specification: docs/wal.md.
//
// A WAL is a directory of segment files `wal-<first_lsn as 20 digits>.log`. Each segment starts
// with a 28-byte header and holds consecutive records; LSNs start at 1 and increase by one per
// record across segments with no gaps. All integers are little-endian.
//
//   segment header (28 bytes)
//   +----------------+-------------+--------------+---------------+---------------+
//   | magic "LDBWAL\r\n" (8) | version u32=1 | reserved u32=0 | first_lsn u64 | hcrc u32 |
//   +----------------+-------------+--------------+---------------+---------------+
//     hcrc = masked CRC32C of bytes [0, 24)
//
//   record (17-byte header + payload)
//   +-----------+------------+---------+---------+------------------+
//   | crc u32   | length u32 | type u8 | lsn u64 | payload (length) |
//   +-----------+------------+---------+---------+------------------+
//     crc = masked CRC32C over bytes [4, 17 + length): length, type, lsn and payload
//     type 0 is invalid (a zero-filled tail never parses as a record); 1..255 belong to the engine
//
//   masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8   (mod 2^32)
//   Masking keeps the CRC of a payload that itself embeds CRCs from degenerating.

/// Record types. Persisted: never renumber. The engine may add more (1..255); 0 is invalid.
inline constexpr uint8_t kWalRecordInputBatch = 1;

inline constexpr size_t kWalSegmentHeaderSize = 28;
inline constexpr size_t kWalRecordHeaderSize = 17;
/// Largest payload a record may carry; larger appends are rejected, larger lengths on disk are
/// treated as corruption.
inline constexpr uint32_t kWalMaxRecordPayload = 256u << 20;

/// When the WAL calls fdatasync.
enum class WalSyncMode : uint8_t {
  /// Only Sync() (and segment roll) makes records durable. The engine appends a batch of records
  /// and calls Sync() once (group commit); Append + successful Sync is the acknowledgement point.
  kSync,
  /// Like kSync, plus a background syncer thread fdatasyncs what was handed to the OS every
  /// `async_flush_interval`, or sooner once `async_flush_bytes` were written since the last sync
  /// (Append() and SyncIfDue() hand the buffer to the OS and wake the syncer; they never wait for
  /// an fsync themselves, except at a segment roll). A crash may lose the records of the last
  /// interval.
  kAsync,
  /// Never fdatasync (Sync() only hands buffered bytes to the OS). Survives a process crash once
  /// flushed, not a power loss. Segment rolls still sync so the log stays well formed.
  kOff,
};

struct WalOptions {
  WalSyncMode sync_mode = WalSyncMode::kSync;
  /// A new segment starts when the next record would make the current one larger than this
  /// (a record larger than a segment gets a segment of its own).
  uint64_t segment_size = 64ull << 20;
  /// kAsync: sync when the last sync is older than this.
  std::chrono::milliseconds async_flush_interval{100};
  /// kAsync: sync when this many bytes were appended since the last sync.
  uint64_t async_flush_bytes = 8ull << 20;
  /// Appended bytes are buffered in memory and handed to the OS once this many are pending (and
  /// on Sync()/Flush()), so small records do not cost one write(2) each.
  size_t write_buffer_size = 1u << 20;
  /// Records with a payload at least this large are written with one writev(2) of the pending
  /// buffer, the record header and the caller's payload, instead of being copied into the buffer.
  size_t direct_write_threshold = 256u << 10;
};

/// The name of the segment whose first record has `first_lsn` ("wal-00000000000000000001.log").
std::string WalSegmentFileName(uint64_t first_lsn);

/// Appends records to the WAL in `dir`.
///
/// Lifecycle: Open() recovers the directory (creates it when missing, cuts a torn tail off the
/// last segment, continues with the next LSN), then Append()/Sync() any number of times,
/// Close() (or the destructor) flushes and syncs.
/// Durability: see WalSyncMode. A record is acknowledged only when a Sync() that started after
/// its Append() returned OK; durable_lsn() tells how far that is. If any write or fsync fails
/// the writer is failed for good: every later call returns that error and nothing more is ever
/// acknowledged (after a failed fsync the kernel may have dropped the pages; retrying could
/// "succeed" without the data). Reopening the directory recovers what is really on disk.
/// Threading: not thread-safe; owned by one compute thread. In kAsync mode the writer runs one
/// background thread of its own that only calls WritableFile::Sync() on the active segment;
/// its errors fail the writer at the owner's next call.
class WalWriter {
 public:
  /// `fs` must outlive the writer.
  static Result<std::unique_ptr<WalWriter>> Open(FileSystem& fs, const std::string& dir,
                                                 const WalOptions& options = {});
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  /// Frames `payload` as the next record and returns its LSN. Buffered: not durable until
  /// Sync(). Rejects type 0 and payloads over kWalMaxRecordPayload.
  Result<uint64_t> Append(std::span<const std::byte> payload, uint8_t type = kWalRecordInputBatch);
  /// Makes every record appended so far durable (one fdatasync for the whole group).
  Status Sync();
  /// Hands buffered records to the OS without fsync (they survive a process crash).
  Status Flush();
  /// kAsync: syncs when the interval or byte threshold is due; call from the owner's timer.
  Status SyncIfDue();
  /// Deletes whole segments whose records are all below `lsn` (typically the first LSN not
  /// covered by the newest durable checkpoint). The active segment is never deleted.
  Status TruncateBefore(uint64_t lsn);
  /// Flushes, syncs (unless kOff) and closes. Later calls fail.
  Status Close();

  /// LSN the next Append() will return.
  uint64_t next_lsn() const { return next_lsn_; }
  /// Highest LSN known durable (0 when none). In kAsync mode it advances in the background.
  uint64_t durable_lsn() const { return durable_lsn_.load(std::memory_order_acquire); }
  /// OK, or the error that failed the writer (a background sync failure shows up here after the
  /// owner's next Append()/Sync()/SyncIfDue()).
  const Status& status() const { return failed_; }
  /// First LSNs of the segments currently in the directory, ascending.
  const std::vector<uint64_t>& segments() const { return segments_; }

 private:
  WalWriter(FileSystem& fs, std::string dir, const WalOptions& options);
  Status Recover();
  Status StartSegment(uint64_t first_lsn);
  Status RollSegment();
  Status WriteBuffer();
  Status SyncLocked();
  Status Fail(Status st);
  /// Body of the kAsync background syncer thread.
  void SyncerLoop();
  /// Waits until the syncer is not inside a Sync() and returns the held lock, so the owner may
  /// sync, close or replace `file_`. Without a syncer it returns at once.
  std::unique_lock<std::mutex> PauseSyncer();
  /// Adopts a background sync failure as the writer's failure.
  Status CheckSyncer();
  void WakeSyncer();
  void StopSyncer();

  FileSystem& fs_;
  const std::string dir_;
  const WalOptions options_;
  // The active (last) segment. Replaced only by the owner while holding sync_mu_ with the
  // syncer idle; the syncer reads it under sync_mu_.
  std::unique_ptr<WritableFile> file_;
  std::vector<uint64_t> segments_;
  uint64_t segment_bytes_ = 0;            // size of the active segment including buffered bytes
  std::vector<std::byte> buffer_;         // framed records not yet handed to the OS
  uint64_t next_lsn_ = 1;                 // never reused, even after a torn tail is cut
  std::atomic<uint64_t> written_lsn_{0};  // last LSN handed to the OS (written by the owner)
  std::atomic<uint64_t> durable_lsn_{0};  // last LSN covered by a successful fdatasync
  uint64_t bytes_since_sync_ = 0;         // kAsync: since the syncer was last woken
  std::chrono::steady_clock::time_point last_sync_;
  Status failed_;  // sticky: once set, every call returns it

  // kAsync background syncer. The flags and syncer_status_ are guarded by sync_mu_.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::thread syncer_;
  bool syncer_stop_ = false;
  bool syncer_wake_ = false;
  bool syncer_busy_ = false;  // inside file_->Sync() without the lock
  Status syncer_status_;      // first background sync failure
  std::atomic<bool> syncer_failed_{false};
};

/// How the reader treats a record that fails validation.
enum class WalRecoveryMode : uint8_t {
  /// Default. A bad record at the end of the last segment is a torn write: stop there and
  /// report it in tail(). A bad record followed by a valid later record, or any bad record in a
  /// non-last segment, is corruption (Status::Corruption, kWalCorruption) — never skipped.
  kTolerateCorruptedTail,
  /// Stop at the first bad record of the last segment whatever follows it (loses any valid
  /// records after it; for manual recovery).
  kPointInTime,
  /// Any bad record, even a torn tail, is corruption (for tests and audits).
  kAbsoluteConsistency,
};

struct WalReaderOptions {
  /// First LSN to return; earlier records are skipped. Replay after a checkpoint passes the
  /// checkpoint's wal_position + 1.
  uint64_t start_lsn = 1;
  WalRecoveryMode recovery_mode = WalRecoveryMode::kTolerateCorruptedTail;
};

/// One record; `payload` points into the reader's buffer and is valid until the next Next().
struct WalRecord {
  uint64_t lsn = 0;
  uint8_t type = 0;
  std::span<const std::byte> payload;
};

/// Where the valid log ends, filled once Next() returned false.
struct WalTail {
  std::string segment_path;    // last segment ("" when the log is empty)
  uint64_t last_lsn = 0;       // last valid record (0 when none)
  uint64_t valid_end = 0;      // byte offset in segment_path after the last valid record
                               // (0: even the segment header is torn)
  uint64_t dropped_bytes = 0;  // bytes after valid_end that were ignored
  std::string reason;          // why they were ignored ("" when the tail is clean)
};

/// Reads the records of a WAL directory in LSN order, across segments.
/// Threading: not thread-safe. Reading a WAL that a writer is appending to sees its unsynced
/// tail as torn; read only for recovery, before opening the writer.
class WalReader {
 public:
  /// `fs` must outlive the reader. NotFound when `start_lsn` lies before the oldest segment
  /// (those records were truncated).
  static Result<std::unique_ptr<WalReader>> Open(FileSystem& fs, const std::string& dir,
                                                 const WalReaderOptions& options = {});
  ~WalReader();

  /// Reads the next record into `*record`. Returns false at the end of the valid log, a
  /// Corruption status when the log is damaged (message names the file and byte offset).
  Result<bool> Next(WalRecord* record);
  const WalTail& tail() const { return tail_; }

 private:
  class SegmentCursor;
  WalReader(FileSystem& fs, std::string dir, const WalReaderOptions& options);
  Status OpenSegment(size_t index);
  /// Validates the record at `offset`; "" (and `*rec` filled) when good, else why not.
  Result<std::string> ParseAt(uint64_t offset, WalRecord* rec);
  /// True when a checksum-valid record with a plausible LSN starts anywhere at or after `from`
  /// in the current segment: then a bad record before it cannot be a torn tail.
  Result<bool> ValidRecordFollows(uint64_t from);
  /// Applies the recovery mode to a bad record (or segment header) at `offset`.
  Status HandleBad(uint64_t offset, const std::string& why);

  FileSystem& fs_;
  const std::string dir_;
  const WalReaderOptions options_;
  std::vector<uint64_t> segments_;
  size_t segment_index_ = 0;
  std::unique_ptr<SegmentCursor> cursor_;
  uint64_t offset_ = 0;        // next record in the current segment
  uint64_t expected_lsn_ = 0;  // LSN the next record must carry (0 before the first segment)
  bool done_ = false;
  WalTail tail_;
};

namespace internal {
/// Lists segment first-LSNs in `dir`, ascending. Files that do not match the name pattern are
/// ignored.
Result<std::vector<uint64_t>> ListWalSegments(FileSystem& fs, const std::string& dir);
/// CRC masking of the WAL format (see the layout above).
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
}  // namespace internal

}  // namespace laminar::storage
