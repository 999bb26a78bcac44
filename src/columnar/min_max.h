#pragma once

#include <cstdint>

namespace laminar::columnar {

/// Smallest and largest of a run of int64 values; {INT64_MAX, INT64_MIN} when empty.
struct Int64Range {
  int64_t min = INT64_MAX;
  int64_t max = INT64_MIN;
};

/// One pass over `values[0, n)`. Vectorised (AVX2 where the CPU has it, chosen at load time):
/// the ingest path runs it over every pushed batch's event-time column, so it is on the hot
/// path of every source with a watermark.
Int64Range MinMaxInt64(const int64_t* values, int64_t n);

}  // namespace laminar::columnar
