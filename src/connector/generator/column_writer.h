#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "columnar/array.h"
#include "columnar/buffer.h"
#include "common/macros.h"

namespace laminar::connector {

/// Appends non-null int64 values (BIGINT / TIMESTAMP) straight into an Arrow values buffer.
/// Generators know their row count up front, so there is no per-row capacity check.
/// Threading: not thread-safe.
class Int64ColumnWriter {
 public:
  /// Starts a column of at most `capacity` rows.
  void Start(int64_t capacity) {
    buffer_ = columnar::Buffer::Allocate(std::max<int64_t>(capacity, 1) * 8);
    values_ = reinterpret_cast<int64_t*>(buffer_->mutable_data());
    capacity_ = capacity;
    length_ = 0;
  }
  void Append(int64_t v) {
    LAMINAR_DCHECK(length_ < capacity_);
    values_[length_++] = v;
  }
  int64_t length() const { return length_; }
  columnar::ArrayPtr Finish(const columnar::DataTypePtr& type) {
    buffer_->set_size(length_ * 8);
    auto out = std::make_shared<columnar::Array>(
        type, length_, std::vector<columnar::BufferPtr>{nullptr, std::move(buffer_)},
        std::vector<columnar::ArrayPtr>{}, 0);
    values_ = nullptr;
    return out;
  }

 private:
  columnar::BufferPtr buffer_;
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
    offsets_buffer_ = columnar::Buffer::Allocate((std::max<int64_t>(capacity, 1) + 1) * 4);
    offsets_ = reinterpret_cast<int32_t*>(offsets_buffer_->mutable_data());
    offsets_[0] = 0;
    data_buffer_ = columnar::Buffer::Allocate(std::max<int64_t>(expected_bytes, 64));
    data_ = reinterpret_cast<char*>(data_buffer_->mutable_data());
    data_capacity_ = data_buffer_->capacity();
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
    offsets_buffer_->set_size((length_ + 1) * 4);
    data_buffer_->set_size(data_length_);
    auto out = std::make_shared<columnar::Array>(
        type, length_,
        std::vector<columnar::BufferPtr>{nullptr, std::move(offsets_buffer_),
                                         std::move(data_buffer_)},
        std::vector<columnar::ArrayPtr>{}, 0);
    offsets_ = nullptr;
    data_ = nullptr;
    return out;
  }

 private:
  void Grow(int64_t max_bytes) {
    int64_t want = std::max(data_capacity_ * 2, data_length_ + max_bytes);
    LAMINAR_CHECK(want <= INT32_MAX);      // Arrow string offsets are 32-bit
    data_buffer_->set_size(data_length_);  // Reserve keeps only the first size() bytes
    data_buffer_->Reserve(want);
    data_ = reinterpret_cast<char*>(data_buffer_->mutable_data());
    data_capacity_ = data_buffer_->capacity();
  }

  columnar::BufferPtr offsets_buffer_;
  columnar::BufferPtr data_buffer_;
  int32_t* offsets_ = nullptr;
  char* data_ = nullptr;
  int64_t capacity_ = 0;
  int64_t length_ = 0;
  int64_t data_length_ = 0;
  int64_t data_capacity_ = 0;
};

}  // namespace laminar::connector
