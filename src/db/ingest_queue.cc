#include "db/ingest_queue.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/string_util.h"

namespace laminar::db {

IngestQueue::IngestQueue(std::string source, size_t capacity, BackpressurePolicy policy,
                         std::function<void()> on_enqueue)
    : source_(std::move(source)),
      on_enqueue_(std::move(on_enqueue)),
      policy_(policy),
      capacity_(std::max<size_t>(capacity, 1)) {}

bool IngestQueue::FitsLocked(int64_t rows) const {
  const size_t pending = pending_rows_.load(std::memory_order_relaxed);
  // An empty queue takes any batch, so an oversized batch cannot wait forever.
  return entries_.empty() ||
         pending + static_cast<size_t>(rows) <= capacity_.load(std::memory_order_relaxed);
}

void IngestQueue::DropOldestLocked(int64_t rows) {
  while (!entries_.empty() && !FitsLocked(rows)) {
    const size_t pending = pending_rows_.load(std::memory_order_relaxed);
    const size_t cap = capacity_.load(std::memory_order_relaxed);
    const size_t excess = pending + static_cast<size_t>(rows) - cap;  // rows to shed
    Entry& front = entries_.front();
    const int64_t front_rows = front.batch->num_rows();
    if (static_cast<size_t>(front_rows) <= excess) {
      // The whole oldest batch.
      stats_.shed_rows += static_cast<uint64_t>(front_rows);
      pending_rows_.fetch_sub(static_cast<size_t>(front_rows), std::memory_order_relaxed);
      pending_batches_.fetch_sub(1, std::memory_order_relaxed);
      entries_.pop_front();
    } else {
      // Only the oldest rows of the front batch.
      const int64_t k = static_cast<int64_t>(excess);
      front.batch = front.batch->Slice(k, front_rows - k);
      stats_.shed_rows += static_cast<uint64_t>(k);
      pending_rows_.fetch_sub(static_cast<size_t>(k), std::memory_order_relaxed);
    }
  }
}

Status IngestQueue::Push(RecordBatchPtr batch, const std::function<bool()>& help) {
  const int64_t rows = batch->num_rows();
  {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      if (closed_) {
        return Status::Cancelled(
            fmt::format("source '{}' is closed (dropped, replaced or shut down)", source_),
            ErrorCode::kChannelClosed);
      }
      if (FitsLocked(rows)) break;
      if (policy_ == BackpressurePolicy::kReject) {
        stats_.rejected_rows += static_cast<uint64_t>(rows);
        ++stats_.rejected_pushes;
        return Status::ResourceExhausted(
            fmt::format("source '{}': input queue is full ({} of {} rows pending, batch of {}); "
                        "backpressure = 'reject'. Retry later, raise 'buffer_size', or use "
                        "'block' / 'drop_oldest'",
                        source_, pending_rows_.load(), capacity_.load(), rows),
            ErrorCode::kQueueFull);
      }
      if (policy_ == BackpressurePolicy::kDropOldest) {
        DropOldestLocked(rows);
        continue;
      }
      // kBlock.
      ++stats_.blocked_pushes;
      if (help) {
        lock.unlock();
        help();  // processes one queued batch (the caller holds the engine lock)
        lock.lock();
        continue;
      }
      not_full_.wait(lock, [&] { return closed_ || FitsLocked(rows); });
    }
    entries_.push_back(Entry{std::move(batch), track_stats_
                                                   ? std::chrono::steady_clock::now()
                                                   : std::chrono::steady_clock::time_point{}});
    pending_rows_.fetch_add(static_cast<size_t>(rows), std::memory_order_relaxed);
    pending_batches_.fetch_add(1, std::memory_order_relaxed);
    stats_.enqueued_rows += static_cast<uint64_t>(rows);
  }
  if (on_enqueue_) on_enqueue_();
  return Status::OK();
}

bool IngestQueue::Pop(RecordBatchPtr* out) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.empty()) return false;
    Entry e = std::move(entries_.front());
    entries_.pop_front();
    pending_rows_.fetch_sub(static_cast<size_t>(e.batch->num_rows()), std::memory_order_relaxed);
    pending_batches_.fetch_sub(1, std::memory_order_relaxed);
    if (track_stats_ && e.enqueued != std::chrono::steady_clock::time_point{}) {
      auto wait = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - e.enqueued);
      ++stats_.dequeued_batches;
      stats_.total_queue_wait += wait;
      stats_.max_queue_wait = std::max(stats_.max_queue_wait, wait);
    }
    *out = std::move(e.batch);
  }
  not_full_.notify_all();
  return true;
}

void IngestQueue::Configure(size_t capacity, BackpressurePolicy policy, bool track_stats) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    capacity_.store(std::max<size_t>(capacity, 1), std::memory_order_relaxed);
    policy_ = policy;
    track_stats_ = track_stats;
  }
  not_full_.notify_all();  // a larger capacity or a non-blocking policy frees waiters
}

void IngestQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  not_full_.notify_all();
}

bool IngestQueue::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

IngestQueueStats IngestQueue::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  IngestQueueStats s = stats_;
  s.pending_rows = pending_rows_.load(std::memory_order_relaxed);
  s.pending_batches = entries_.size();
  s.capacity = capacity_.load(std::memory_order_relaxed);
  return s;
}

bool ParseBackpressurePolicy(std::string_view text, BackpressurePolicy* out) {
  std::string t = ToLower(text);
  std::replace(t.begin(), t.end(), '-', '_');
  if (t == "block") {
    *out = BackpressurePolicy::kBlock;
  } else if (t == "drop_oldest") {
    *out = BackpressurePolicy::kDropOldest;
  } else if (t == "reject") {
    *out = BackpressurePolicy::kReject;
  } else {
    return false;
  }
  return true;
}

const char* BackpressurePolicyName(BackpressurePolicy policy) {
  switch (policy) {
    case BackpressurePolicy::kBlock:
      return "block";
    case BackpressurePolicy::kDropOldest:
      return "drop_oldest";
    case BackpressurePolicy::kReject:
      return "reject";
  }
  return "block";
}

}  // namespace laminar::db
