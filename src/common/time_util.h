#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace laminar {

/// Calendar and time helpers shared by the SQL layer, the executor and the test runner.
/// TIMESTAMP values are int64 microseconds since 1970-01-01 00:00:00 (no time zone), DATE values
/// are int32 days since the epoch, TIME values are int64 microseconds since midnight.

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

/// floor(a / b) (b != 0): window starts, day numbers and unit conversions of negative times.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

/// Days since the epoch of a proleptic Gregorian civil date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
/// Inverse of DaysFromCivil.
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

/// Parses `YYYY-MM-DD[ |T]HH:MM[:SS[.ffffff]][Z]` or a bare date into µs since the epoch.
Result<int64_t> ParseTimestamp(std::string_view text);
/// Parses `YYYY-MM-DD` into days since the epoch.
Result<int32_t> ParseDate(std::string_view text);
/// Parses `HH:MM[:SS[.ffffff]]` into µs since midnight.
Result<int64_t> ParseTime(std::string_view text);

/// `YYYY-MM-DD HH:MM:SS[.ffffff]`, trailing zeros of the fraction removed, no dot when zero.
std::string FormatTimestamp(int64_t micros);
std::string FormatDate(int32_t days);
std::string FormatTime(int64_t micros);

/// A SQL INTERVAL: months, days and nanoseconds kept apart, as in Arrow's MonthDayNano.
struct Interval {
  int32_t months = 0;
  int32_t days = 0;
  int64_t nanos = 0;

  bool operator==(const Interval&) const = default;
  /// Exact duration in µs when months == 0 (days count as 24 h); used for window sizes.
  bool IsFixedDuration() const { return months == 0; }
  int64_t ToMicros() const { return days * kMicrosPerDay + nanos / 1000; }
};

/// Parses an interval body with an optional unit keyword:
/// ("5", "SECOND") or ("5 seconds", "") or ("1 day 2 hours", "") or ("00:01:30", "").
/// Units: microsecond(s), millisecond(s), second(s), minute(s), hour(s), day(s), week(s),
/// month(s), year(s), plus short forms us, ms, s, m, h, d.
Result<Interval> ParseInterval(std::string_view body, std::string_view unit = {});
/// Canonical text, e.g. "1 day 00:00:05" style is avoided: "5 seconds", "1 month 2 days".
std::string FormatInterval(const Interval& iv);

/// Adds an interval to a timestamp (months via calendar arithmetic, clamped to month end).
int64_t AddInterval(int64_t ts_micros, const Interval& iv);

}  // namespace laminar
