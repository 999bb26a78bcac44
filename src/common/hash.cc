#include "common/hash.h"

namespace laminar {
namespace {

inline uint64_t Mum(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

inline uint64_t Read8(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline uint64_t ReadSmall(const uint8_t* p, size_t k) {
  // 1..7 bytes, read without going past the end.
  uint64_t v = 0;
  std::memcpy(&v, p, k);
  return v;
}

constexpr uint64_t kP0 = 0xa0761d6478bd642fULL;
constexpr uint64_t kP1 = 0xe7037ed1a0b428dbULL;
constexpr uint64_t kP2 = 0x8ebc6af09c88c6e3ULL;

}  // namespace

uint64_t HashBytes(const void* data, size_t size, uint64_t seed) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = seed ^ kP0 ^ (size * kP2);
  size_t n = size;
  while (n >= 16) {
    h = Mum(Read8(p) ^ kP1, Read8(p + 8) ^ h);
    p += 16;
    n -= 16;
  }
  if (n >= 8) {
    h = Mum(Read8(p) ^ kP1, h ^ kP2);
    p += 8;
    n -= 8;
  }
  if (n > 0) h = Mum(ReadSmall(p, n) ^ kP2, h ^ kP1);
  return Mum(h ^ kP0, h ^ size ^ kP1);
}

}  // namespace laminar
