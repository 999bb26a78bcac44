#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/string_util.h"

namespace laminar::storage {

// Byte-level encodings shared by the on-disk formats of this folder: little-endian fixed-width
// integers, base64 (manifest inline state) and UTF-8 validation (names in checkpoints).

static_assert(std::endian::native == std::endian::little,
              "on-disk formats are little-endian; add byte swaps for big-endian hosts");

inline void EncodeFixed32(std::byte* dst, uint32_t v) { std::memcpy(dst, &v, 4); }
inline void EncodeFixed64(std::byte* dst, uint64_t v) { std::memcpy(dst, &v, 8); }
inline uint32_t DecodeFixed32(const std::byte* src) {
  uint32_t v;
  std::memcpy(&v, src, 4);
  return v;
}
inline uint64_t DecodeFixed64(const std::byte* src) {
  uint64_t v;
  std::memcpy(&v, src, 8);
  return v;
}

/// Appends `v` little-endian to `out`.
template <typename T, typename Byte>
inline void PutFixed(std::vector<Byte>* out, T v) {
  static_assert(sizeof(Byte) == 1);
  size_t at = out->size();
  out->resize(at + sizeof(T));
  std::memcpy(out->data() + at, &v, sizeof(T));
}

/// Standard base64 (RFC 4648, with '=' padding).
std::string Base64Encode(std::string_view bytes);
/// Decodes standard base64; rejects bad characters, bad padding and non-zero trailing bits.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace laminar::storage
