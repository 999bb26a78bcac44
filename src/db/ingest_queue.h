#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "columnar/record_batch.h"
#include "common/status.h"
#include "laminar/laminar.hpp"

namespace laminar::db {

/// Counters of one source's input queue (a consistent copy, see IngestQueue::stats()).
struct IngestQueueStats {
  size_t pending_rows = 0;     // rows queued, not yet processed
  size_t pending_batches = 0;  // batches queued
  size_t capacity = 0;         // rows (buffer_size)
  uint64_t enqueued_rows = 0;  // rows accepted into the queue since creation
  uint64_t shed_rows = 0;      // rows dropped by drop_oldest
  uint64_t rejected_rows = 0;  // rows refused by reject
  uint64_t rejected_pushes = 0;
  uint64_t blocked_pushes = 0;  // pushes that had to wait for room (block)
  // track_stats only: time batches spent queued (enqueue → dequeue).
  uint64_t dequeued_batches = 0;
  std::chrono::microseconds total_queue_wait{0};
  std::chrono::microseconds max_queue_wait{0};
};

/// The bounded input queue of one source: producers (SourceHandle::Push, connector ingestion
/// threads) append batches, the compute thread (or a Sync() on any thread that holds the
/// engine lock) pops them in order. Capacity is counted in rows (Options::buffer_size / WITH
/// ('buffer_size')); a batch larger than the whole capacity is admitted when the queue is empty
/// so it can never wait forever. When a batch does not fit, the policy decides:
///   kBlock      the producer waits until the consumer made room (or helps: see Push());
///   kDropOldest the oldest queued rows are dropped (counted in shed_rows) until it fits;
///   kReject     Push fails with LDB-8011 (queue full) and nothing is queued.
/// Threading: all methods are thread-safe; one internal mutex guards everything. The queue
/// never calls back into the engine while holding it. Lifecycle: Close() (source dropped or
/// replaced, database shut down) wakes blocked producers; later pushes fail with Cancelled.
class IngestQueue {
 public:
  /// `on_enqueue` runs (outside the queue's lock) after every accepted batch, to wake the
  /// consumer. `source` names the source in error messages.
  IngestQueue(std::string source, size_t capacity, BackpressurePolicy policy,
              std::function<void()> on_enqueue);

  /// Appends `batch` (already conformed to the source schema) under the policy. With kBlock,
  /// `help` (may be empty) is called instead of waiting when the caller itself is the only
  /// one who could make room (it holds the engine lock): it must pop and process one batch and
  /// return false when there was nothing to pop.
  Status Push(RecordBatchPtr batch, const std::function<bool()>& help = {});

  /// Pops the oldest batch; false when empty. Wakes producers waiting for room.
  bool Pop(RecordBatchPtr* out);

  /// Reconfigures capacity and policy (ALTER SOURCE SET). Shrinking below the pending rows
  /// keeps what is queued; new pushes wait/drop/fail until it drained below the new capacity.
  void Configure(size_t capacity, BackpressurePolicy policy, bool track_stats);

  /// Wakes every blocked producer; subsequent pushes fail. Queued batches stay poppable.
  void Close();
  bool closed() const;

  size_t pending() const { return pending_rows_.load(std::memory_order_relaxed); }
  size_t capacity() const { return capacity_.load(std::memory_order_relaxed); }
  /// More than 80 % of the capacity is queued (the reference system's threshold).
  bool is_backpressured() const {
    return static_cast<double>(pending()) > 0.8 * static_cast<double>(capacity());
  }
  bool empty() const { return pending_batches_.load(std::memory_order_relaxed) == 0; }
  IngestQueueStats stats() const;
  const std::string& source() const { return source_; }

 private:
  struct Entry {
    RecordBatchPtr batch;
    std::chrono::steady_clock::time_point enqueued;
  };
  bool FitsLocked(int64_t rows) const;
  void DropOldestLocked(int64_t rows);

  const std::string source_;
  const std::function<void()> on_enqueue_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::deque<Entry> entries_;
  BackpressurePolicy policy_;
  bool track_stats_ = false;
  bool closed_ = false;
  // Mirrors of the queue length readable without the lock (SourceHandle::pending()).
  std::atomic<size_t> pending_rows_{0};
  std::atomic<size_t> pending_batches_{0};
  std::atomic<size_t> capacity_;
  IngestQueueStats stats_;  // counters (guarded by mu_; pending/capacity filled in stats())
};

/// Parses a backpressure policy name: block | drop_oldest | reject (also drop-oldest).
bool ParseBackpressurePolicy(std::string_view text, BackpressurePolicy* out);
const char* BackpressurePolicyName(BackpressurePolicy policy);

}  // namespace laminar::db
