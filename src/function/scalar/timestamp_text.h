#pragma once

// Allocation-free TIMESTAMP -> text, for kernels that format one value per row
// (CAST(ts AS VARCHAR) in Nexmark q16). The result is byte-identical to FormatTimestamp() in
// common/time_util.h, which stays the reference: tests compare the two over many values.

#include <cstddef>
#include <cstdint>

#include "common/time_util.h"

namespace laminar::function::internal {

/// Longest text WriteTimestampText() produces: "-" + 7-digit year (int32 days span about
/// +-5.9 million years) + "-MM-DD HH:MM:SS.ffffff" = 30 bytes; rounded up.
constexpr size_t kMaxTimestampTextSize = 32;

/// Writes two decimal digits of `v` (0..99).
inline char* WriteTwoDigits(char* out, unsigned v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
  return out + 2;
}

/// Writes `micros` (µs since the epoch) as `YYYY-MM-DD HH:MM:SS[.ffffff]` into `out` (at least
/// kMaxTimestampTextSize bytes) and returns the number of bytes written. Same rules as
/// FormatTimestamp(): floor division into days, the day count taken as int32, the year printed
/// like fmt's `{:04d}` (zero-padded to width 4 including a minus sign, wider years in full),
/// fraction with trailing zeros removed and no dot when zero.
inline size_t WriteTimestampText(int64_t micros, char* out) {
  int64_t days = micros / kMicrosPerDay;
  int64_t rem = micros % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(static_cast<int32_t>(days), &year, &month, &day);
  char* p = out;
  // Year as fmt "{:04d}": the sign counts toward the width of 4.
  uint64_t abs_year = year < 0 ? static_cast<uint64_t>(-year) : static_cast<uint64_t>(year);
  if (year < 0) *p++ = '-';
  char digits[20];
  int nd = 0;
  do {
    digits[nd++] = static_cast<char>('0' + abs_year % 10);
    abs_year /= 10;
  } while (abs_year != 0);
  for (int pad = (year < 0 ? 3 : 4) - nd; pad > 0; --pad) *p++ = '0';
  while (nd > 0) *p++ = digits[--nd];
  *p++ = '-';
  p = WriteTwoDigits(p, month);
  *p++ = '-';
  p = WriteTwoDigits(p, day);
  *p++ = ' ';
  const auto secs = static_cast<unsigned>(rem / kMicrosPerSecond);
  auto frac = static_cast<unsigned>(rem % kMicrosPerSecond);
  p = WriteTwoDigits(p, secs / 3600);
  *p++ = ':';
  p = WriteTwoDigits(p, (secs / 60) % 60);
  *p++ = ':';
  p = WriteTwoDigits(p, secs % 60);
  if (frac != 0) {
    *p++ = '.';
    int width = 6;
    while (frac % 10 == 0) {
      frac /= 10;
      --width;
    }
    for (int k = width - 1; k >= 0; --k) {
      p[k] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    p += width;
  }
  return static_cast<size_t>(p - out);
}

}  // namespace laminar::function::internal
