#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace laminar {

/// Fast 64-bit hashing for group and join keys. Not cryptographic and not persisted: values may
/// change between versions, so never write a hash to disk as an identifier.

/// Mixes a 64-bit value (a fixed-width key) into a well-distributed hash.
inline uint64_t HashInt64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

/// Combines an existing hash with another (for multi-column keys).
inline uint64_t HashCombine(uint64_t seed, uint64_t h) {
  return HashInt64(seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2)));
}

/// Hashes a byte string (wyhash-style multiply-mix over 8-byte words).
uint64_t HashBytes(const void* data, size_t size, uint64_t seed = 0);

inline uint64_t HashString(std::string_view s, uint64_t seed = 0) {
  return HashBytes(s.data(), s.size(), seed);
}

/// Hash used for NULL key values (distinct from any small integer's hash).
constexpr uint64_t kNullHash = 0x5bd1e9955bd1e995ULL;

}  // namespace laminar
