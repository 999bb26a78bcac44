#pragma once

#include <array>
#include <cmath>
#include <cstdint>

#include "common/hash.h"

namespace laminar::connector {

/// A small, fast, seedable pseudo-random generator (wyrand step). The generators re-seed one
/// per event from (seed, event id), so any event can be produced on its own: chunks of a run
/// can be generated in parallel, skipped, or replayed, and the result is identical.
/// Not cryptographic. Threading: not thread-safe (cheap to copy).
class FastRandom {
 public:
  explicit FastRandom(uint64_t seed) : state_(seed) {}

  /// The generator for one event of a seeded run.
  static FastRandom ForEvent(uint64_t seed, uint64_t event_id) {
    return ForEventOfRun(RunKey(seed), event_id);
  }
  /// ForEvent split in two for generation loops: RunKey() once per run, then one mix per event.
  static uint64_t RunKey(uint64_t seed) { return HashInt64(seed ^ 0x6a09e667f3bcc909ULL); }
  static FastRandom ForEventOfRun(uint64_t run_key, uint64_t event_id) {
    return FastRandom(HashCombine(run_key, event_id));
  }

  uint64_t Next() {
    state_ += 0xa0761d6478bd642fULL;
    __uint128_t m = static_cast<__uint128_t>(state_) * (state_ ^ 0xe7037ed1a0b428dbULL);
    return static_cast<uint64_t>(m >> 64) ^ static_cast<uint64_t>(m);
  }

  /// Uniform in [0, n) for n > 0 (multiply-shift; bias below n / 2^64).
  uint64_t Uniform(uint64_t n) {
    return static_cast<uint64_t>((static_cast<__uint128_t>(Next()) * n) >> 64);
  }

  /// Uniform in [0, 1).
  double UnitDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

/// round(10^(6u) * 100) for u uniform in [0, 1): Nexmark's log-uniform price on [100, 1e8]
/// cents (GENERATOR_SPEC.md §5), without a libm exp() per row (that call was a sixth of
/// generation time). 10^(6u) = 2^t with t = 6u·log2(10), computed in 128-bit fixed point from
/// the draw's top 53 bits (the bits UnitDouble() uses) and split exactly as t = e + i/256 + r:
/// 2^e and 2^(i/256) come from tables, 2^r (0 <= r < 1/256) from a degree-4 Taylor polynomial
/// (truncation error < 1.3e-15 relative). The result is within a few ulps of the exact value,
/// so it rounds like std::exp does except when the exact value lies within ~1e-7 of a
/// half-integer. The polynomial is evaluated in Estrin form: the dependency chain from the
/// random draw to the price is short, so it overlaps with the rest of the event.
/// Threading: immutable after construction; share freely.
class LogUniformPrice {
 public:
  LogUniformPrice() {
    for (int i = 0; i < 256; ++i) pow2_fraction_[i] = std::exp2(i / 256.0) * 100.0;
    for (int e = 0; e < 20; ++e) pow2_exponent_[e] = std::ldexp(1.0, e);
  }

  /// The price for 64 random bits (only the top 53 are used).
  int64_t FromBits(uint64_t bits) const {
    // t * 2^111 = (bits >> 11) / 2^53 * kLog2Of10Times6Q58 / 2^58.
    const __uint128_t t = static_cast<__uint128_t>(bits >> 11) * kLog2Of10Times6Q58;
    const auto e = static_cast<unsigned>(t >> 111);                     // 0..19
    const auto i = static_cast<unsigned>(t >> 103) & 255u;              // 1/256 steps
    const auto rest = static_cast<uint64_t>(t >> 50) & kLow53Bits;      // r * 2^61
    const double r = static_cast<double>(rest) * kLn2Times2PowMinus61;  // r * ln 2
    const double r2 = r * r;
    const double poly = (1.0 + r) + r2 * ((0.5 + r * (1.0 / 6.0)) + r2 * (1.0 / 24.0));
    const double scale = pow2_exponent_[e] * pow2_fraction_[i];
    return static_cast<int64_t>(scale * poly + 0.5);
  }

 private:
  static constexpr uint64_t kLog2Of10Times6Q58 = 0x4fb9ed1c6cea541fULL;  // 6·log2(10)·2^58
  static constexpr uint64_t kLow53Bits = (uint64_t{1} << 53) - 1;
  static constexpr double kLn2Times2PowMinus61 = 0.69314718055994530942 * 0x1.0p-61;
  std::array<double, 256> pow2_fraction_;  // 100 * 2^(i/256): the * 100 is folded in
  std::array<double, 20> pow2_exponent_;   // 2^e; e < 20 since t < 19.94
};

}  // namespace laminar::connector
