#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "columnar/array.h"
#include "columnar/buffer.h"
#include "common/macros.h"

namespace laminar::connector {

/// Memory a column writer fills before it becomes a columnar::Buffer. Unlike
/// Buffer::Allocate it is not zero-filled first: generators overwrite every byte they publish,
/// and zeroing megabytes per chunk (then writing them again) was a tenth of generation time.
/// Only the padding past the published size is zeroed, in Publish().
/// Threading: not thread-safe.
class RawColumnMemory {
 public:
  RawColumnMemory() = default;
  RawColumnMemory(const RawColumnMemory&) = delete;
  RawColumnMemory& operator=(const RawColumnMemory&) = delete;
  ~RawColumnMemory() { std::free(data_); }

  /// Replaces the memory with `capacity` uninitialised bytes.
  void Allocate(int64_t capacity) {
    std::free(data_);
    capacity_ = RoundUp(std::max<int64_t>(capacity, 1));
    data_ = static_cast<char*>(
        std::aligned_alloc(columnar::kBufferAlignment, static_cast<size_t>(capacity_)));
    LAMINAR_CHECK(data_ != nullptr);
  }
  /// Grows to at least `capacity` bytes keeping the first `used` bytes.
  void Grow(int64_t capacity, int64_t used) {
    const int64_t cap = RoundUp(std::max(capacity, capacity_ * 2));
    char* p = static_cast<char*>(
        std::aligned_alloc(columnar::kBufferAlignment, static_cast<size_t>(cap)));
    LAMINAR_CHECK(p != nullptr);
    if (used > 0) std::memcpy(p, data_, static_cast<size_t>(used));
    std::free(data_);
    data_ = p;
    capacity_ = cap;
  }
  char* data() { return data_; }
  int64_t capacity() const { return capacity_; }
  /// Hands the memory to a Buffer of `size` bytes (freed with the buffer's last reference);
  /// this object is empty afterwards.
  columnar::BufferPtr Publish(int64_t size) {
    LAMINAR_DCHECK(size <= capacity_);
    std::memset(data_ + size, 0, static_cast<size_t>(RoundUp(size) - size));
    char* p = data_;
    data_ = nullptr;
    capacity_ = 0;
    return columnar::Buffer::Wrap(reinterpret_cast<const uint8_t*>(p), size, [p] { std::free(p); });
  }

 private:
  static int64_t RoundUp(int64_t n) {
    return (n + columnar::kBufferAlignment - 1) / columnar::kBufferAlignment *
           columnar::kBufferAlignment;
  }
  char* data_ = nullptr;
  int64_t capacity_ = 0;
};

/// Appends non-null int64 values (BIGINT / TIMESTAMP) straight into an Arrow values buffer.
/// Generators know their row count up front, so there is no per-row capacity check.
/// Threading: not thread-safe.
class Int64ColumnWriter {
 public:
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
  columnar::ArrayPtr Finish(const columnar::DataTypePtr& type) {
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

/// Appends non-null strings into Arrow offsets + data buffers. Callers either Append() a
/// finished view or write in place: `char* p = Reserve(max)`, fill, `Commit(actual)`.
/// Threading: not thread-safe.
class StringColumnWriter {
 public:
  void Start(int64_t capacity, int64_t expected_bytes) {
    offsets_memory_.Allocate((std::max<int64_t>(capacity, 1) + 1) * 4);
    offsets_ = reinterpret_cast<int32_t*>(offsets_memory_.data());
    offsets_[0] = 0;
    data_memory_.Allocate(std::max<int64_t>(expected_bytes, 64));
    data_ = data_memory_.data();
    data_capacity_ = data_memory_.capacity();
    capacity_ = capacity;
    length_ = 0;
    data_length_ = 0;
  }
  /// Room for `max_bytes` more bytes of the current value; valid until the next call.
  char* Reserve(int64_t max_bytes) {
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
  void Grow(int64_t max_bytes) {
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
