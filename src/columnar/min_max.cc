#include "columnar/min_max.h"

namespace laminar::columnar {

// Plain selects (no std::min/max branches) so the compiler turns the loop into vector compares
// and blends; target_clones builds an AVX2 copy (64-bit lane compares) next to the baseline one
// and picks between them once, at load time. O3 here because GCC's -O2 cheap cost model does not
// vectorise min/max reductions (clang has no optimize attribute: it uses the build's level).
#if defined(__clang__)
#define LAMINAR_MIN_MAX_ATTRIBUTES __attribute__((target_clones("avx2", "default")))
#else
#define LAMINAR_MIN_MAX_ATTRIBUTES __attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif
LAMINAR_MIN_MAX_ATTRIBUTES Int64Range MinMaxInt64(const int64_t* values, int64_t n) {
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
