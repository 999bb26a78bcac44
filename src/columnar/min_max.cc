#include "columnar/min_max.h"

namespace laminar::columnar {

// Plain selects (no std::min/max branches) so the compiler turns the loop into vector compares
// and blends; target_clones builds an AVX2 copy (64-bit lane compares) next to the baseline one
// and picks between them once, at load time. O3 here because -O2's cheap cost model does not
// vectorise min/max reductions.
__attribute__((target_clones("avx2", "default"), optimize("O3"))) Int64Range MinMaxInt64(
    const int64_t* values, int64_t n) {
  int64_t lo = INT64_MAX;
  int64_t hi = INT64_MIN;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = values[i];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  return {lo, hi};
}

}  // namespace laminar::columnar
