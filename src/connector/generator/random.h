#pragma once

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

}  // namespace laminar::connector
