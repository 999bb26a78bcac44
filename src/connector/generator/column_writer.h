#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "columnar/array.h"
#include "columnar/buffer.h"
#include "common/macros.h"

namespace laminar::connector {

/// Recycles the memory of published generator columns. A Nexmark chunk is a few MB spread over
/// ~20 columns; fresh blocks that size come from mmap and are paid for again in page faults on
/// every chunk (at 64K-event chunks, more than half of generation time), while a recycled
/// block is already mapped and often still in cache when the consumer has released it.
/// Blocks are kept per power-of-two size class, up to a total cap; beyond it they are freed.
/// Only blocks of at least kMinPooledBytes come from the pool: small ones are cheap in malloc,
/// and rounding them up would waste memory when a consumer keeps many tiny chunks.
/// Threading: thread-safe (buffers are released on whichever thread drops them last).
/// Lifecycle: every published buffer holds a reference, so the pool outlives its blocks.
class ColumnMemoryPool {
 public:
  explicit ColumnMemoryPool(int64_t max_cached_bytes) : max_cached_bytes_(max_cached_bytes) {}
  ColumnMemoryPool(const ColumnMemoryPool&) = delete;
  ColumnMemoryPool& operator=(const ColumnMemoryPool&) = delete;
  ~ColumnMemoryPool() {
    for (auto& list : free_) {
      for (char* p : list) std::free(p);
    }
  }

  static constexpr int64_t kMinPooledBytes = int64_t{1} << 16;

  /// Capacity of the block Take() returns for a request of `bytes`.
  static int64_t BlockSize(int64_t bytes) { return int64_t{1} << SizeClass(bytes); }
  /// A block of BlockSize(bytes) uninitialised bytes, aligned for Arrow buffers.
  char* Take(int64_t bytes) {
    const int size_class = SizeClass(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& list = free_[size_class];
      if (!list.empty()) {
        char* p = list.back();
        list.pop_back();
        cached_bytes_ -= int64_t{1} << size_class;
        return p;
      }
    }
    char* p = static_cast<char*>(std::aligned_alloc(columnar::kBufferAlignment,
                                                    static_cast<size_t>(int64_t{1} << size_class)));
    LAMINAR_CHECK(p != nullptr);
    return p;
  }
  /// Returns a block from Take(bytes) (any `bytes` with the same BlockSize).
  void Give(char* p, int64_t bytes) {
    if (p == nullptr) return;
    const int size_class = SizeClass(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cached_bytes_ + (int64_t{1} << size_class) <= max_cached_bytes_) {
        free_[size_class].push_back(p);
        cached_bytes_ += int64_t{1} << size_class;
        return;
      }
    }
    std::free(p);
  }

 private:
  static constexpr int kMinClass = 16;  // kMinPooledBytes
  static int SizeClass(int64_t bytes) {
    int c = kMinClass;
    while ((int64_t{1} << c) < bytes) ++c;
    return c;
  }
  const int64_t max_cached_bytes_;
  std::mutex mu_;
  std::array<std::vector<char*>, 48> free_;
  int64_t cached_bytes_ = 0;
};

/// Memory a column writer fills before it becomes a columnar::Buffer. Unlike
/// Buffer::Allocate it is not zero-filled first: generators overwrite every byte they publish,
/// and zeroing megabytes per chunk (then writing them again) was a tenth of generation time.
/// Only the padding past the published size is zeroed, in Publish(). Blocks come from a
/// ColumnMemoryPool when one is set (SetPool), otherwise from aligned_alloc.
/// Threading: not thread-safe.
class RawColumnMemory {
 public:
  RawColumnMemory() = default;
  RawColumnMemory(const RawColumnMemory&) = delete;
  RawColumnMemory& operator=(const RawColumnMemory&) = delete;
  ~RawColumnMemory() { Release(); }

  /// Takes later blocks from `pool` (shared with the buffers published from them).
  void SetPool(std::shared_ptr<ColumnMemoryPool> pool) { pool_ = std::move(pool); }

  /// Replaces the memory with `capacity` uninitialised bytes.
  void Allocate(int64_t capacity) {
    Release();
    std::tie(data_, capacity_) = NewBlock(RoundUp(std::max<int64_t>(capacity, 1)));
  }
  /// Grows to at least `capacity` bytes keeping the first `used` bytes.
  void Grow(int64_t capacity, int64_t used) {
    auto [p, cap] = NewBlock(RoundUp(std::max(capacity, capacity_ * 2)));
    if (used > 0) std::memcpy(p, data_, static_cast<size_t>(used));
    Release();
    data_ = p;
    capacity_ = cap;
  }
  char* data() { return data_; }
  int64_t capacity() const { return capacity_; }
  /// Hands the memory to a Buffer of `size` bytes (freed or returned to the pool with the
  /// buffer's last reference); this object is empty afterwards.
  columnar::BufferPtr Publish(int64_t size) {
    LAMINAR_DCHECK(size <= capacity_);
    std::memset(data_ + size, 0, static_cast<size_t>(RoundUp(size) - size));
    char* p = data_;
    const int64_t cap = capacity_;
    data_ = nullptr;
    capacity_ = 0;
    std::function<void()> release;
    if (Pooled(cap)) {
      release = [pool = pool_, p, cap] { pool->Give(p, cap); };
    } else {
      release = [p] { std::free(p); };
    }
    return columnar::Buffer::Wrap(reinterpret_cast<const uint8_t*>(p), size, std::move(release));
  }

 private:
  static int64_t RoundUp(int64_t n) {
    return (n + columnar::kBufferAlignment - 1) / columnar::kBufferAlignment *
           columnar::kBufferAlignment;
  }
  bool Pooled(int64_t capacity) const {
    return pool_ != nullptr && capacity >= ColumnMemoryPool::kMinPooledBytes;
  }
  std::pair<char*, int64_t> NewBlock(int64_t capacity) {
    if (Pooled(capacity)) {
      return {pool_->Take(capacity), ColumnMemoryPool::BlockSize(capacity)};
    }
    char* p = static_cast<char*>(
        std::aligned_alloc(columnar::kBufferAlignment, static_cast<size_t>(capacity)));
    LAMINAR_CHECK(p != nullptr);
    return {p, capacity};
  }
  void Release() {
    if (data_ == nullptr) return;
    if (Pooled(capacity_)) {
      pool_->Give(data_, capacity_);
    } else {
      std::free(data_);
    }
    data_ = nullptr;
    capacity_ = 0;
  }
  std::shared_ptr<ColumnMemoryPool> pool_;
  char* data_ = nullptr;
  int64_t capacity_ = 0;
};

/// Appends non-null int64 values (BIGINT / TIMESTAMP) straight into an Arrow values buffer.
/// Generators know their row count up front, so there is no per-row capacity check.
/// Threading: not thread-safe.
class Int64ColumnWriter {
 public:
  void SetPool(std::shared_ptr<ColumnMemoryPool> pool) { memory_.SetPool(std::move(pool)); }
  /// Starts a column of at most `capacity` rows.
  void Start(int64_t capacity) {
    memory_.Allocate(std::max<int64_t>(capacity, 1) * 8);
    values_ = reinterpret_cast<int64_t*>(memory_.data());
    capacity_ = capacity;
    length_ = 0;
  }
  void Append(int64_t v) {
    LAMINAR_DCHECK(length_ < capacity_);
    values_[length_++] = v;
  }
  int64_t length() const { return length_; }
  /// The values appended so far, for a pass that rewrites them before Finish().
  int64_t* mutable_values() { return values_; }
  columnar::ArrayPtr Finish(const columnar::DataTypePtr& type) { return FinishArray(type); }

 protected:
  std::shared_ptr<columnar::Array> FinishArray(const columnar::DataTypePtr& type) {
    auto out = std::make_shared<columnar::Array>(
        type, length_, std::vector<columnar::BufferPtr>{nullptr, memory_.Publish(length_ * 8)},
        std::vector<columnar::ArrayPtr>{}, 0);
    values_ = nullptr;
    return out;
  }

 private:
  RawColumnMemory memory_;
  int64_t* values_ = nullptr;
  int64_t capacity_ = 0;
  int64_t length_ = 0;
};

/// An Int64ColumnWriter for event-time columns: it keeps the smallest and largest value as
/// they are appended (two compares on values already in registers) and records them on the
/// finished array (Array::value_range), so ingest and window assignment need not read the
/// column again to find its bounds. Rewriting values through mutable_values() is not allowed.
class RangedInt64ColumnWriter : public Int64ColumnWriter {
 public:
  void Start(int64_t capacity) {
    Int64ColumnWriter::Start(capacity);
    range_ = columnar::Int64Range{};
  }
  void Append(int64_t v) {
    Int64ColumnWriter::Append(v);
    range_.min = v < range_.min ? v : range_.min;
    range_.max = v > range_.max ? v : range_.max;
  }
  columnar::ArrayPtr Finish(const columnar::DataTypePtr& type) {
    const bool any = length() > 0;
    auto out = FinishArray(type);
    if (any) out->SetValueRange(range_);
    return out;
  }

 private:
  columnar::Int64Range range_;
};

/// Appends non-null strings into Arrow offsets + data buffers. Callers either Append() a
/// finished view or write in place: `char* p = Reserve(max)`, fill, `Commit(actual)`.
/// Threading: not thread-safe.
class StringColumnWriter {
 public:
  void SetPool(const std::shared_ptr<ColumnMemoryPool>& pool) {
    offsets_memory_.SetPool(pool);
    data_memory_.SetPool(pool);
  }
  void Start(int64_t capacity, int64_t expected_bytes) {
    offsets_memory_.Allocate((std::max<int64_t>(capacity, 1) + 1) * 4);
    offsets_ = reinterpret_cast<int32_t*>(offsets_memory_.data());
    offsets_[0] = 0;
    // The slack covers fixed-size copies past the last value (AppendFromPaddedAtMost), so a
    // column sized by its average does not double (and copy) itself for the last row.
    data_memory_.Allocate(std::max<int64_t>(expected_bytes, 0) + kStartSlack);
    data_ = data_memory_.data();
    data_capacity_ = data_memory_.capacity();
    capacity_ = capacity;
    length_ = 0;
    data_length_ = 0;
  }
  /// Room for `max_bytes` more bytes of the current value; valid until the next call.
  [[gnu::always_inline]] char* Reserve(int64_t max_bytes) {
    if (data_length_ + max_bytes > data_capacity_) [[unlikely]]
      Grow(max_bytes);
    return data_ + data_length_;
  }
  /// Ends the current value after `bytes` bytes written at Reserve()'s pointer.
  void Commit(int64_t bytes) {
    LAMINAR_DCHECK(length_ < capacity_);
    data_length_ += bytes;
    offsets_[++length_] = static_cast<int32_t>(data_length_);
  }
  void Append(std::string_view v) {
    std::memcpy(Reserve(static_cast<int64_t>(v.size())), v.data(), v.size());
    Commit(static_cast<int64_t>(v.size()));
  }
  /// Append() for sources that are readable for kCopySlack bytes past their end (generator
  /// pools): copies whole 32-byte blocks inline instead of calling memcpy.
  void AppendFromPadded(const char* src, int64_t size) {
    char* dst = Reserve(size + kCopySlack);
    for (int64_t i = 0; i < size; i += 32) std::memcpy(dst + i, src + i, 32);
    Commit(size);
  }
  static constexpr int64_t kCopySlack = 32;
  static constexpr int64_t kStartSlack = 128;
  /// AppendFromPadded() for values known to be at most kMaxSize bytes, from sources readable for
  /// kMaxSize rounded up to 32 bytes: a fixed number of block copies, so the copy has no
  /// data-dependent branch (Nexmark bid `extra`, 54..81 bytes, mispredicted the loop's end).
  template <int64_t kMaxSize>
  void AppendFromPaddedAtMost(const char* src, int64_t size) {
    LAMINAR_DCHECK(size <= kMaxSize);
    constexpr int64_t kBlocks = (kMaxSize + 31) / 32;
    char* dst = Reserve(kBlocks * 32);
    for (int64_t i = 0; i < kBlocks; ++i) std::memcpy(dst + i * 32, src + i * 32, 32);
    Commit(size);
  }

  int64_t length() const { return length_; }
  columnar::ArrayPtr Finish(const columnar::DataTypePtr& type) {
    auto out = std::make_shared<columnar::Array>(
        type, length_,
        std::vector<columnar::BufferPtr>{nullptr, offsets_memory_.Publish((length_ + 1) * 4),
                                         data_memory_.Publish(data_length_)},
        std::vector<columnar::ArrayPtr>{}, 0);
    offsets_ = nullptr;
    data_ = nullptr;
    return out;
  }

 private:
  [[gnu::noinline, gnu::cold]] void Grow(int64_t max_bytes) {
    int64_t want = std::max(data_capacity_ * 2, data_length_ + max_bytes);
    LAMINAR_CHECK(want <= INT32_MAX);  // Arrow string offsets are 32-bit
    data_memory_.Grow(want, data_length_);
    data_ = data_memory_.data();
    data_capacity_ = data_memory_.capacity();
  }

  RawColumnMemory offsets_memory_;
  RawColumnMemory data_memory_;
  int32_t* offsets_ = nullptr;
  char* data_ = nullptr;
  int64_t capacity_ = 0;
  int64_t length_ = 0;
  int64_t data_length_ = 0;
  int64_t data_capacity_ = 0;
};

}  // namespace laminar::connector
