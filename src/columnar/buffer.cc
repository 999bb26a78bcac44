#include "columnar/buffer.h"

#include <bit>
#include <cstdlib>

#include "common/macros.h"

namespace laminar::columnar {
namespace {

int64_t RoundUp(int64_t n) {
  return (n + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

uint8_t* AlignedAlloc(int64_t capacity) {
  int64_t cap = RoundUp(capacity == 0 ? kBufferAlignment : capacity);
  void* p = std::aligned_alloc(kBufferAlignment, static_cast<size_t>(cap));
  LAMINAR_CHECK(p != nullptr);
  return static_cast<uint8_t*>(p);
}

}  // namespace

std::shared_ptr<Buffer> Buffer::Allocate(int64_t size) {
  auto buf = std::shared_ptr<Buffer>(new Buffer());
  buf->capacity_ = RoundUp(size == 0 ? kBufferAlignment : size);
  uint8_t* p = AlignedAlloc(buf->capacity_);
  std::memset(p, 0, static_cast<size_t>(buf->capacity_));
  buf->data_ = p;
  buf->size_ = size;
  buf->owned_ = true;
  return buf;
}

std::shared_ptr<Buffer> Buffer::AllocateUninitialized(int64_t size) {
  auto buf = std::shared_ptr<Buffer>(new Buffer());
  buf->capacity_ = RoundUp(size == 0 ? kBufferAlignment : size);
  uint8_t* p = AlignedAlloc(buf->capacity_);
  std::memset(p + size, 0, static_cast<size_t>(buf->capacity_ - size));
  buf->data_ = p;
  buf->size_ = size;
  buf->owned_ = true;
  return buf;
}

std::shared_ptr<Buffer> Buffer::CopyFrom(const void* data, int64_t size) {
  auto buf = AllocateUninitialized(size);
  if (size > 0) std::memcpy(buf->mutable_data(), data, static_cast<size_t>(size));
  return buf;
}

std::shared_ptr<Buffer> Buffer::Wrap(const uint8_t* data, int64_t size,
                                     std::function<void()> release) {
  auto buf = std::shared_ptr<Buffer>(new Buffer());
  buf->data_ = data;
  buf->size_ = size;
  buf->capacity_ = size;
  buf->owned_ = false;
  buf->release_ = std::move(release);
  return buf;
}

Buffer::~Buffer() {
  if (owned_) {
    std::free(const_cast<uint8_t*>(data_));
  } else if (release_) {
    release_();
  }
}

void Buffer::Reserve(int64_t new_capacity) {
  LAMINAR_CHECK(owned_);
  if (new_capacity <= capacity_) return;
  int64_t cap = RoundUp(std::max(new_capacity, capacity_ * 2));
  uint8_t* p = AlignedAlloc(cap);
  if (size_ > 0) std::memcpy(p, data_, static_cast<size_t>(size_));
  std::memset(p + size_, 0, static_cast<size_t>(cap - size_));
  std::free(const_cast<uint8_t*>(data_));
  data_ = p;
  capacity_ = cap;
}

namespace bit_util {

int64_t CountSetBits(const uint8_t* bits, int64_t offset, int64_t length) {
  int64_t count = 0;
  int64_t i = offset;
  const int64_t end = offset + length;
  while (i < end && (i & 7) != 0) count += GetBit(bits, i++);
  while (i + 64 <= end) {
    uint64_t word;
    std::memcpy(&word, bits + (i >> 3), 8);
    count += std::popcount(word);
    i += 64;
  }
  while (i < end) count += GetBit(bits, i++);
  return count;
}

void CopyBits(const uint8_t* src, int64_t src_offset, int64_t length, uint8_t* dst,
              int64_t dst_offset) {
  if ((src_offset & 7) == 0 && (dst_offset & 7) == 0) {
    int64_t whole = length >> 3;
    std::memcpy(dst + (dst_offset >> 3), src + (src_offset >> 3), static_cast<size_t>(whole));
    for (int64_t i = whole * 8; i < length; ++i) {
      SetBitTo(dst, dst_offset + i, GetBit(src, src_offset + i));
    }
    return;
  }
  for (int64_t i = 0; i < length; ++i) SetBitTo(dst, dst_offset + i, GetBit(src, src_offset + i));
}

}  // namespace bit_util
}  // namespace laminar::columnar
