#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>

#include "common/result.h"

namespace laminar::columnar {

/// Alignment of every buffer the project allocates (cache line; Arrow recommends 64 bytes).
constexpr int64_t kBufferAlignment = 64;

/// An immutable, shareable region of bytes: the unit of Arrow-layout memory. Either owned
/// (allocated here, freed with the last reference) or foreign (wrapping memory that someone else
/// frees through the `release` callback — used for zero-copy import through the Arrow C Data
/// Interface). Threading: immutable once built; safe to share across threads.
class Buffer {
 public:
  /// Allocates `size` bytes (zero-filled padding up to a multiple of 64 bytes).
  static std::shared_ptr<Buffer> Allocate(int64_t size);
  /// Allocates `size` bytes left uninitialised (only the padding past `size` is zeroed), for
  /// kernels that write every byte: zero-filling first would touch the memory twice.
  static std::shared_ptr<Buffer> AllocateUninitialized(int64_t size);
  /// Copies `size` bytes from `data`.
  static std::shared_ptr<Buffer> CopyFrom(const void* data, int64_t size);
  /// Wraps foreign memory; `release` runs when the last reference goes away.
  static std::shared_ptr<Buffer> Wrap(const uint8_t* data, int64_t size,
                                      std::function<void()> release);

  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer();

  const uint8_t* data() const { return data_; }
  /// Writable view for the builder that owns the only reference; never write to a shared buffer.
  uint8_t* mutable_data() { return const_cast<uint8_t*>(data_); }
  int64_t size() const { return size_; }
  int64_t capacity() const { return capacity_; }
  bool is_owned() const { return owned_; }

  template <typename T>
  const T* data_as() const {
    return reinterpret_cast<const T*>(data_);
  }

  /// Grows an owned buffer to at least `new_capacity` bytes, keeping its contents. Only for
  /// builders holding the sole reference.
  void Reserve(int64_t new_capacity);
  void set_size(int64_t size) { size_ = size; }

 private:
  Buffer() = default;
  const uint8_t* data_ = nullptr;
  int64_t size_ = 0;
  int64_t capacity_ = 0;
  bool owned_ = false;
  std::function<void()> release_;
};

using BufferPtr = std::shared_ptr<Buffer>;

/// Bit helpers for validity bitmaps and boolean values (LSB-first, as in Arrow).
namespace bit_util {
inline bool GetBit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void SetBit(uint8_t* bits, int64_t i) {
  bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
}
inline void ClearBit(uint8_t* bits, int64_t i) {
  bits[i >> 3] &= static_cast<uint8_t>(~(1u << (i & 7)));
}
inline void SetBitTo(uint8_t* bits, int64_t i, bool v) {
  bits[i >> 3] = static_cast<uint8_t>((bits[i >> 3] & ~(1u << (i & 7))) | (uint8_t{v} << (i & 7)));
}
inline int64_t BytesForBits(int64_t bits) { return (bits + 7) >> 3; }
/// Number of set bits in [offset, offset + length).
int64_t CountSetBits(const uint8_t* bits, int64_t offset, int64_t length);
/// Copies `length` bits from src[src_offset..] to dst[dst_offset..].
void CopyBits(const uint8_t* src, int64_t src_offset, int64_t length, uint8_t* dst,
              int64_t dst_offset);
}  // namespace bit_util

}  // namespace laminar::columnar
