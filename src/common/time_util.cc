#include "common/time_util.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

#include "common/string_util.h"

namespace laminar {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Era-based computation over 400-year cycles (146097 days each).
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* year, unsigned* month, unsigned* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (*month <= 2);
}

namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return i_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  bool Consume(char c) {
    if (Peek() == c) {
      ++i_;
      return true;
    }
    return false;
  }
  // Reads between min and max digits.
  bool Digits(int min, int max, int64_t* out, int* count = nullptr) {
    int64_t v = 0;
    int n = 0;
    while (n < max && !Done() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
      v = v * 10 + (s_[i_] - '0');
      ++i_;
      ++n;
    }
    if (count) *count = n;
    *out = v;
    return n >= min;
  }
  void SkipSpaces() {
    while (!Done() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2) {
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[m - 1];
}

bool ParseDatePart(Cursor& c, int64_t* days) {
  int64_t y, m, d;
  bool neg = c.Consume('-');
  if (!c.Digits(1, 6, &y) || !c.Consume('-') || !c.Digits(1, 2, &m) || !c.Consume('-') ||
      !c.Digits(1, 2, &d)) {
    return false;
  }
  if (neg) y = -y;
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, static_cast<unsigned>(m))) return false;
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

bool ParseTimePart(Cursor& c, int64_t* micros) {
  int64_t h, mi, s = 0, frac = 0;
  if (!c.Digits(1, 2, &h) || !c.Consume(':') || !c.Digits(2, 2, &mi)) return false;
  if (c.Consume(':')) {
    if (!c.Digits(2, 2, &s)) return false;
    if (c.Consume('.')) {
      int n = 0;
      if (!c.Digits(1, 9, &frac, &n)) return false;
      while (n < 6) {
        frac *= 10;
        ++n;
      }
      while (n > 6) {
        frac /= 10;
        --n;
      }
    }
  }
  if (h > 23 || mi > 59 || s > 60) return false;
  *micros = ((h * 60 + mi) * 60 + s) * kMicrosPerSecond + frac;
  return true;
}

}  // namespace

Result<int64_t> ParseTimestamp(std::string_view text) {
  std::string_view t = Trim(text);
  Cursor c(t);
  int64_t days = 0, micros = 0;
  if (!ParseDatePart(c, &days)) {
    return Status::Invalid(
        fmt::format("invalid timestamp '{}': expected YYYY-MM-DD HH:MM:SS", text),
        ErrorCode::kTypeMismatch);
  }
  if (!c.Done()) {
    if (!c.Consume('T')) c.SkipSpaces();
    if (!c.Done() && !ParseTimePart(c, &micros)) {
      return Status::Invalid(
          fmt::format("invalid timestamp '{}': expected YYYY-MM-DD HH:MM:SS[.ffffff]", text),
          ErrorCode::kTypeMismatch);
    }
    c.Consume('Z');
    if (c.Consume('+')) {  // accept +00:00 / +0000 only as UTC
      int64_t oh = 0, om = 0;
      c.Digits(2, 2, &oh);
      c.Consume(':');
      c.Digits(0, 2, &om);
      micros -= (oh * 60 + om) * kMicrosPerMinute;
    }
    c.SkipSpaces();
    if (!c.Done()) {
      return Status::Invalid(fmt::format("invalid timestamp '{}': trailing characters", text),
                             ErrorCode::kTypeMismatch);
    }
  }
  return days * kMicrosPerDay + micros;
}

Result<int32_t> ParseDate(std::string_view text) {
  Cursor c(Trim(text));
  int64_t days = 0;
  if (!ParseDatePart(c, &days) || !c.Done()) {
    return Status::Invalid(fmt::format("invalid date '{}': expected YYYY-MM-DD", text),
                           ErrorCode::kTypeMismatch);
  }
  return static_cast<int32_t>(days);
}

Result<int64_t> ParseTime(std::string_view text) {
  Cursor c(Trim(text));
  int64_t micros = 0;
  if (!ParseTimePart(c, &micros) || !c.Done()) {
    return Status::Invalid(fmt::format("invalid time '{}': expected HH:MM:SS", text),
                           ErrorCode::kTypeMismatch);
  }
  return micros;
}

std::string FormatDate(int32_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
}

std::string FormatTime(int64_t micros) {
  int64_t secs = micros / kMicrosPerSecond;
  int64_t frac = micros % kMicrosPerSecond;
  std::string out = fmt::format("{:02d}:{:02d}:{:02d}", secs / 3600, (secs / 60) % 60, secs % 60);
  if (frac != 0) {
    std::string f = fmt::format("{:06d}", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out;
}

std::string FormatTimestamp(int64_t micros) {
  // Floor division without days * kMicrosPerDay, which overflows near the int64 extremes.
  int64_t days = micros / kMicrosPerDay;
  int64_t rem = micros % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  return FormatDate(static_cast<int32_t>(days)) + " " + FormatTime(rem);
}

namespace {

bool UnitToInterval(std::string_view unit_in, double amount, Interval* out) {
  std::string unit = ToLower(unit_in);
  if (unit.size() > 1 && unit.back() == 's' && unit != "ms" && unit != "us" && unit != "ns") {
    unit.pop_back();
  }
  auto nanos = [&](double per) { out->nanos += static_cast<int64_t>(std::llround(amount * per)); };
  if (unit == "nanosecond" || unit == "ns") {
    nanos(1);
  } else if (unit == "microsecond" || unit == "us") {
    nanos(1e3);
  } else if (unit == "millisecond" || unit == "ms") {
    nanos(1e6);
  } else if (unit == "second" || unit == "sec" || unit == "s") {
    nanos(1e9);
  } else if (unit == "minute" || unit == "min" || unit == "m") {
    nanos(60e9);
  } else if (unit == "hour" || unit == "h") {
    nanos(3600e9);
  } else if (unit == "day" || unit == "d") {
    out->days += static_cast<int32_t>(amount);
  } else if (unit == "week" || unit == "w") {
    out->days += static_cast<int32_t>(amount * 7);
  } else if (unit == "month" || unit == "mon") {
    out->months += static_cast<int32_t>(amount);
  } else if (unit == "year" || unit == "y") {
    out->months += static_cast<int32_t>(amount * 12);
  } else {
    return false;
  }
  return true;
}

}  // namespace

Result<Interval> ParseInterval(std::string_view body_in, std::string_view unit) {
  std::string_view body = Trim(body_in);
  auto bad = [&]() {
    return Status::Invalid(
        fmt::format("invalid interval '{}'{}{}: expected e.g. INTERVAL '5' SECOND or "
                    "INTERVAL '5 seconds'",
                    body_in, unit.empty() ? "" : " ", unit),
        ErrorCode::kTypeMismatch);
  };
  Interval iv;
  // HH:MM:SS form.
  if (unit.empty() && body.find(':') != std::string_view::npos) {
    bool neg = !body.empty() && body[0] == '-';
    auto t = ParseTime(neg ? body.substr(1) : body);
    if (!t.ok()) return bad();
    iv.nanos = *t * 1000 * (neg ? -1 : 1);
    return iv;
  }
  size_t i = 0;
  bool any = false;
  while (i < body.size()) {
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    if (i >= body.size()) break;
    size_t start = i;
    if (body[i] == '-' || body[i] == '+') ++i;
    while (i < body.size() && (std::isdigit(static_cast<unsigned char>(body[i])) || body[i] == '.'))
      ++i;
    if (i == start) return bad();
    double amount = 0;
    std::string num(body.substr(start, i - start));
    char* end = nullptr;
    amount = std::strtod(num.c_str(), &end);
    if (end == num.c_str() || *end != '\0') return bad();
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    size_t ustart = i;
    while (i < body.size() && std::isalpha(static_cast<unsigned char>(body[i]))) ++i;
    std::string_view u = body.substr(ustart, i - ustart);
    if (u.empty()) u = unit;
    if (u.empty() || !UnitToInterval(u, amount, &iv)) return bad();
    any = true;
  }
  if (!any) return bad();
  return iv;
}

std::string FormatInterval(const Interval& iv) {
  std::string out;
  auto add = [&](int64_t v, const char* unit) {
    if (v == 0) return;
    if (!out.empty()) out += " ";
    out += fmt::format("{} {}{}", v, unit, (v == 1 || v == -1) ? "" : "s");
  };
  add(iv.months / 12, "year");
  add(iv.months % 12, "month");
  add(iv.days, "day");
  int64_t n = iv.nanos;
  add(n / 3'600'000'000'000LL, "hour");
  n %= 3'600'000'000'000LL;
  add(n / 60'000'000'000LL, "minute");
  n %= 60'000'000'000LL;
  if (n % 1'000'000'000LL == 0) {
    add(n / 1'000'000'000LL, "second");
  } else if (n % 1'000'000LL == 0) {
    add(n / 1'000'000LL, "millisecond");
  } else if (n % 1000 == 0) {
    add(n / 1000, "microsecond");
  } else {
    add(n, "nanosecond");
  }
  if (out.empty()) out = "0 seconds";
  return out;
}

int64_t AddInterval(int64_t ts, const Interval& iv) {
  if (iv.months != 0) {
    int64_t days = FloorDiv(ts, kMicrosPerDay);
    int64_t rem = ts - days * kMicrosPerDay;
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    int64_t total = y * 12 + (m - 1) + iv.months;
    int64_t ny = FloorDiv(total, 12);
    auto nm = static_cast<unsigned>(total - ny * 12 + 1);
    unsigned nd = std::min(d, DaysInMonth(ny, nm));
    ts = DaysFromCivil(ny, nm, nd) * kMicrosPerDay + rem;
  }
  return ts + iv.days * kMicrosPerDay + iv.nanos / 1000;
}

}  // namespace laminar
