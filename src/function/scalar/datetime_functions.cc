// Date/time functions: NOW, window helpers (TUMBLE/HOP/CUMULATE/SESSION), DATE_TRUNC, ...
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <type_traits>

#include "common/string_util.h"
#include "common/time_util.h"
#include "function/scalar/kernel_util.h"

namespace laminar::function {

using namespace internal;  // NOLINT(build/namespaces)

namespace {

using columnar::timestamp;

inline int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

/// A window size/slide/gap/offset in µs; sizes must be fixed and positive.
Result<int64_t> WindowMicros(const Interval& iv, bool is_offset) {
  if (!iv.IsFixedDuration()) {
    return Status::Invalid(
        fmt::format("window size must be a fixed duration (got {})", FormatInterval(iv)),
        ErrorCode::kWindowSizeInvalid);
  }
  int64_t us = iv.ToMicros();
  if (!is_offset && us <= 0) {
    return Status::Invalid(fmt::format("window size must be positive (got {})", FormatInterval(iv)),
                           ErrorCode::kWindowSizeInvalid);
  }
  return us;
}

enum class WindowFn { kTumble, kTumbleEnd, kHop, kHopEnd, kCumulate, kCumulateEnd, kSession };

/// Which interval arguments are sizes (must be > 0) vs offsets.
bool IsOffsetArg(WindowFn fn, size_t arg) {
  switch (fn) {
    case WindowFn::kTumble:
    case WindowFn::kTumbleEnd:
      return arg == 2;
    case WindowFn::kHop:
    case WindowFn::kHopEnd:
      return arg == 3;
    default:
      return false;
  }
}

KernelInit WindowInit(WindowFn fn) {
  return [fn](const std::vector<const Scalar*>& lit) -> Result<std::shared_ptr<const void>> {
    for (size_t i = 1; i < lit.size(); ++i) {
      if (lit[i] && !lit[i]->is_null()) {
        LAMINAR_RETURN_NOT_OK(WindowMicros(lit[i]->interval_value(), IsOffsetArg(fn, i)).status());
      }
    }
    if ((fn == WindowFn::kHop || fn == WindowFn::kHopEnd) && lit[1] && lit[2] &&
        !lit[1]->is_null() && !lit[2]->is_null() &&
        lit[1]->interval_value().ToMicros() > lit[2]->interval_value().ToMicros()) {
      return Status::Invalid("HOP slide must not exceed the window size",
                             ErrorCode::kWindowSizeInvalid);
    }
    return std::shared_ptr<const void>();
  };
}

ScalarKernel WindowKernel(WindowFn fn) {
  return
      [fn](const KernelContext& ctx, std::span<const Datum> args, int64_t n) -> Result<ArrayPtr> {
        FixedReader<int64_t> ts(args[0]);
        std::vector<FixedReader<Interval>> ivs;
        for (size_t i = 1; i < args.size(); ++i) ivs.emplace_back(args[i]);
        return MapRows<Int64Builder>(ctx, args, n, [&](int64_t i, Int64Builder* b) -> Status {
          int64_t p[3] = {0, 0, 0};
          for (size_t k = 0; k < ivs.size(); ++k) {
            LAMINAR_ASSIGN_OR_RETURN(p[k], WindowMicros(ivs[k][i], IsOffsetArg(fn, k + 1)));
          }
          const int64_t t = ts[i];
          int64_t out = t;
          switch (fn) {
            case WindowFn::kTumble:
            case WindowFn::kTumbleEnd: {
              int64_t size = p[0], off = p[1];
              out = FloorDiv(t - off, size) * size + off;
              if (fn == WindowFn::kTumbleEnd) out += size;
              break;
            }
            case WindowFn::kHop:
            case WindowFn::kHopEnd: {
              int64_t slide = p[0], size = p[1], off = p[2];
              int64_t adj = t - size + slide - off;
              out = adj - FloorMod(adj, slide) + off;
              if (fn == WindowFn::kHopEnd) out += size;
              break;
            }
            case WindowFn::kCumulate:
            case WindowFn::kCumulateEnd: {
              int64_t step = p[0], max_size = p[1];
              int64_t start = FloorDiv(t, max_size) * max_size;
              out = start;
              if (fn == WindowFn::kCumulateEnd) {
                out = start + (FloorDiv(t - start, step) + 1) * step;
                out = std::min(out, start + max_size);
              }
              break;
            }
            case WindowFn::kSession:
              out = t;
              break;
          }
          b->UnsafeAppend(out);
          return Status::OK();
        });
      };
}

void RegisterWindow(FunctionRegistry* r, const char* name, std::vector<std::string> aliases,
                    WindowFn fn, std::vector<size_t> interval_counts) {
  ScalarFunction f;
  f.name = name;
  f.aliases = std::move(aliases);
  for (size_t count : interval_counts) {
    std::vector<TypeMatcher> params{E(TypeId::kTimestamp)};
    for (size_t i = 0; i < count; ++i) params.push_back(E(TypeId::kInterval));
    auto sig = MakeSig(params, Returns(timestamp()), WindowKernel(fn), true);
    sig.init = WindowInit(fn);
    f.signatures.push_back(std::move(sig));
  }
  Add(r, std::move(f));
}

// PROCTIME(): the wall clock when the batch is evaluated (processing time), whatever NOW() is
// bound to.
Result<ArrayPtr> ProctimeKernel(const KernelContext&, std::span<const Datum>, int64_t n) {
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto values = AllocateValuesForOverwrite<int64_t>(n);
  int64_t* out = reinterpret_cast<int64_t*>(values->mutable_data());
  for (int64_t i = 0; i < n; ++i) out[i] = now;
  return MakeFixedArray(timestamp(), n, nullptr, std::move(values), 0);
}

// WATERMARK(): the evaluating operator's input watermark, NULL when it has none.
Result<ArrayPtr> WatermarkKernel(const KernelContext& ctx, std::span<const Datum>, int64_t n) {
  const int64_t wm = ctx.eval->watermark_micros;
  if (wm == std::numeric_limits<int64_t>::min()) return columnar::MakeNullArray(timestamp(), n);
  auto values = AllocateValuesForOverwrite<int64_t>(n);
  int64_t* out = reinterpret_cast<int64_t*>(values->mutable_data());
  for (int64_t i = 0; i < n; ++i) out[i] = wm;
  return MakeFixedArray(timestamp(), n, nullptr, std::move(values), 0);
}

Result<ArrayPtr> NowKernel(const KernelContext& ctx, std::span<const Datum>, int64_t n) {
  auto values = AllocateValuesForOverwrite<int64_t>(n);
  int64_t* out = reinterpret_cast<int64_t*>(values->mutable_data());
  for (int64_t i = 0; i < n; ++i) out[i] = ctx.eval->now_micros;
  return MakeFixedArray(timestamp(), n, nullptr, std::move(values), 0);
}

using Args = std::span<const Datum>;

std::string_view SV(Args a, size_t k, int64_t i) {
  const Datum& d = a[k];
  return d.is_scalar() ? std::string_view(d.scalar->string_value()) : d.array->GetView(i);
}
int64_t TsV(Args a, size_t k, int64_t i) {
  const Datum& d = a[k];
  return d.is_scalar() ? d.scalar->int_value() : d.array->values<int64_t>()[i];
}
double DblV(Args a, size_t k, int64_t i) {
  const Datum& d = a[k];
  return d.is_scalar() ? d.scalar->ToDouble() : d.array->values<double>()[i];
}

struct Civil {
  int64_t year;
  unsigned month, day;
  int64_t micros_of_day;
};

Civil ToCivil(int64_t ts) {
  int64_t days = FloorDiv(ts, kMicrosPerDay);
  Civil c{};
  CivilFromDays(days, &c.year, &c.month, &c.day);
  c.micros_of_day = ts - days * kMicrosPerDay;
  return c;
}

Result<std::string> NormalizeUnit(std::string_view unit) {
  std::string u = ToLower(Trim(unit));
  if (u == "ms" || u == "msec") return std::string("millisecond");
  if (u == "us" || u == "usec") return std::string("microsecond");
  if (u.size() > 2 && u.back() == 's') u.pop_back();
  static const std::pair<const char*, const char*> kAliases[] = {{"y", "year"},
                                                                 {"yr", "year"},
                                                                 {"mon", "month"},
                                                                 {"d", "day"},
                                                                 {"h", "hour"},
                                                                 {"hr", "hour"},
                                                                 {"min", "minute"},
                                                                 {"m", "minute"},
                                                                 {"sec", "second"},
                                                                 {"s", "second"},
                                                                 {"m", "minute"},
                                                                 {"ms", "millisecond"},
                                                                 {"u", "microsecond"},
                                                                 {"us", "microsecond"},
                                                                 {"w", "week"},
                                                                 {"qtr", "quarter"},
                                                                 {"doy", "doy"},
                                                                 {"dow", "dow"},
                                                                 {"epoch", "epoch"},
                                                                 {"millisecond", "millisecond"},
                                                                 {"microsecond", "microsecond"},
                                                                 {"isodow", "isodow"},
                                                                 {"decade", "decade"},
                                                                 {"century", "century"},
                                                                 {"millennium", "millennium"}};
  for (const auto& [a, full] : kAliases) {
    if (u == a) return std::string(full);
  }
  static const char* kUnits[] = {"year", "quarter", "month",  "week",        "day",
                                 "hour", "minute",  "second", "millisecond", "microsecond"};
  for (const char* k : kUnits) {
    if (u == k) return u;
  }
  return Status::Invalid(fmt::format("unknown date/time unit '{}'", unit),
                         ErrorCode::kQueryExecutionFailed);
}

/// A resolved date/time unit: the unit text is parsed once (per batch for a literal unit, per
/// row only when the unit is a column) and the per-row work is a switch on this enum.
enum class TimeUnit : uint8_t {
  kMicrosecond,
  kMillisecond,
  kSecond,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kQuarter,
  kYear,
  kDecade,
  kCentury,
  kMillennium,
  kEpoch,
  kDow,
  kIsoDow,
  kDoy,
};

Result<TimeUnit> ParseTimeUnit(std::string_view unit_text) {
  LAMINAR_ASSIGN_OR_RETURN(auto unit, NormalizeUnit(unit_text));
  static const std::pair<std::string_view, TimeUnit> kUnits[] = {
      {"microsecond", TimeUnit::kMicrosecond},
      {"millisecond", TimeUnit::kMillisecond},
      {"second", TimeUnit::kSecond},
      {"minute", TimeUnit::kMinute},
      {"hour", TimeUnit::kHour},
      {"day", TimeUnit::kDay},
      {"week", TimeUnit::kWeek},
      {"month", TimeUnit::kMonth},
      {"quarter", TimeUnit::kQuarter},
      {"year", TimeUnit::kYear},
      {"decade", TimeUnit::kDecade},
      {"century", TimeUnit::kCentury},
      {"millennium", TimeUnit::kMillennium},
      {"epoch", TimeUnit::kEpoch},
      {"dow", TimeUnit::kDow},
      {"isodow", TimeUnit::kIsoDow},
      {"doy", TimeUnit::kDoy}};
  for (const auto& [name, u] : kUnits) {
    if (unit == name) return u;
  }
  return Status::Invalid(fmt::format("unknown date/time unit '{}'", unit_text),
                         ErrorCode::kQueryExecutionFailed);
}

/// True when date_trunc accepts the unit.
bool TruncSupported(TimeUnit unit) { return unit <= TimeUnit::kDecade; }

/// date_trunc for a unit that passed TruncSupported().
inline int64_t TruncTo(TimeUnit unit, int64_t ts) {
  switch (unit) {
    case TimeUnit::kMicrosecond:
      return ts;
    case TimeUnit::kMillisecond:
      return FloorDiv(ts, 1000) * 1000;
    case TimeUnit::kSecond:
      return FloorDiv(ts, kMicrosPerSecond) * kMicrosPerSecond;
    case TimeUnit::kMinute:
      return FloorDiv(ts, kMicrosPerMinute) * kMicrosPerMinute;
    case TimeUnit::kHour:
      return FloorDiv(ts, kMicrosPerHour) * kMicrosPerHour;
    case TimeUnit::kDay:
      return FloorDiv(ts, kMicrosPerDay) * kMicrosPerDay;
    case TimeUnit::kWeek: {
      int64_t days = FloorDiv(ts, kMicrosPerDay);
      int64_t dow_monday0 = FloorMod(days + 3, 7);  // 1970-01-01 was a Thursday
      return (days - dow_monday0) * kMicrosPerDay;
    }
    default:
      break;
  }
  Civil c = ToCivil(ts);
  switch (unit) {
    case TimeUnit::kMonth:
      return DaysFromCivil(c.year, c.month, 1) * kMicrosPerDay;
    case TimeUnit::kQuarter:
      return DaysFromCivil(c.year, (c.month - 1) / 3 * 3 + 1, 1) * kMicrosPerDay;
    case TimeUnit::kYear:
      return DaysFromCivil(c.year, 1, 1) * kMicrosPerDay;
    default:  // kDecade
      return DaysFromCivil(c.year - FloorMod(c.year, 10), 1, 1) * kMicrosPerDay;
  }
}

/// date_part (EXTRACT) for any unit.
inline double PartOf(TimeUnit unit, int64_t ts) {
  const int64_t days = FloorDiv(ts, kMicrosPerDay);
  const int64_t micros_of_day = ts - days * kMicrosPerDay;
  switch (unit) {
    case TimeUnit::kHour:
      return static_cast<double>(micros_of_day / kMicrosPerHour);
    case TimeUnit::kMinute:
      return static_cast<double>(micros_of_day / kMicrosPerMinute % 60);
    case TimeUnit::kSecond:
      return static_cast<double>(micros_of_day % kMicrosPerMinute) / 1e6;
    case TimeUnit::kMillisecond:
      return static_cast<double>(micros_of_day % kMicrosPerMinute) / 1e3;
    case TimeUnit::kMicrosecond:
      return static_cast<double>(micros_of_day % kMicrosPerMinute);
    case TimeUnit::kEpoch:
      return static_cast<double>(ts) / 1e6;
    case TimeUnit::kDow:
      return static_cast<double>(FloorMod(days + 4, 7));  // Sunday = 0
    case TimeUnit::kIsoDow:
      return static_cast<double>(FloorMod(days + 3, 7) + 1);
    case TimeUnit::kWeek: {
      // ISO week number.
      int64_t thursday = days - FloorMod(days + 3, 7) + 3;
      int64_t ty;
      unsigned tm, td;
      CivilFromDays(thursday, &ty, &tm, &td);
      return static_cast<double>((thursday - DaysFromCivil(ty, 1, 1)) / 7 + 1);
    }
    default:
      break;
  }
  Civil c = ToCivil(ts);
  switch (unit) {
    case TimeUnit::kYear:
      return static_cast<double>(c.year);
    case TimeUnit::kQuarter:
      return static_cast<double>((c.month - 1) / 3 + 1);
    case TimeUnit::kMonth:
      return c.month;
    case TimeUnit::kDay:
      return c.day;
    case TimeUnit::kDoy:
      return static_cast<double>(days - DaysFromCivil(c.year, 1, 1) + 1);
    case TimeUnit::kDecade:
      return static_cast<double>(FloorDiv(c.year, 10));
    case TimeUnit::kCentury:
      return static_cast<double>(c.year > 0 ? (c.year + 99) / 100 : -((99 - c.year) / 100));
    default:  // kMillennium
      return static_cast<double>(c.year > 0 ? (c.year + 999) / 1000 : -((999 - c.year) / 1000));
  }
}

/// Applies `f(ts) -> Out` to every valid row of a TIMESTAMP column; the loop is instantiated per
/// unit so the compiler sees a straight-line body. NULL rows keep the input validity.
template <typename Out, typename F>
ArrayPtr MapTimestamps(const KernelContext& ctx, const Array& ts, int64_t n, F f) {
  int64_t null_count = 0;
  BufferPtr validity = AlignedValidity(ts, &null_count);
  BufferPtr values = AllocateValuesForOverwrite<Out>(n);
  Out* out = reinterpret_cast<Out*>(values->mutable_data());
  const int64_t* in = ts.values<int64_t>();
  if (null_count == 0) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
  } else {
    const uint8_t* bits = validity->data();
    for (int64_t i = 0; i < n; ++i) {
      out[i] = columnar::bit_util::GetBit(bits, i) ? f(in[i]) : Out{};
    }
  }
  return MakeFixedArray(ctx.out_type, n, std::move(validity), std::move(values), null_count);
}

/// True when some row of the datum is not NULL (errors are only raised for such rows).
bool AnyValid(const Datum& d, int64_t n) {
  if (d.is_scalar()) return n > 0 && !d.scalar->is_null();
  return d.array->null_count() < n;
}

/// date_trunc(unit, ts) / date_part(unit, ts) kernel. With a literal unit the unit is resolved
/// once per batch and the rows run through a loop specialised for that unit; a unit column is
/// parsed per row.
template <bool kTrunc>
Result<ArrayPtr> DateUnitKernel(const KernelContext& ctx, Args args, int64_t n) {
  using Out = std::conditional_t<kTrunc, int64_t, double>;
  const char* fn_name = kTrunc ? "date_trunc" : "date_part";
  if (args[0].is_scalar() && !args[1].is_scalar()) {
    if (args[0].scalar->is_null() || !AnyValid(args[1], n)) {
      return columnar::MakeNullArray(ctx.out_type, n);
    }
    std::string_view unit_text = args[0].scalar->string_value();
    LAMINAR_ASSIGN_OR_RETURN(TimeUnit unit, ParseTimeUnit(unit_text));
    const Array& ts = *args[1].array;
    if constexpr (kTrunc) {
      if (!TruncSupported(unit)) {
        return Status::Invalid(fmt::format("{} does not support unit '{}'", fn_name, unit_text),
                               ErrorCode::kQueryExecutionFailed);
      }
    }
    auto run = [&](auto unit_constant) {
      constexpr TimeUnit u = decltype(unit_constant)::value;
      if constexpr (kTrunc) {
        return MapTimestamps<Out>(ctx, ts, n, [](int64_t t) { return TruncTo(u, t); });
      } else {
        return MapTimestamps<Out>(ctx, ts, n, [](int64_t t) { return PartOf(u, t); });
      }
    };
    switch (unit) {
      case TimeUnit::kHour:
        return run(std::integral_constant<TimeUnit, TimeUnit::kHour>{});
      case TimeUnit::kMinute:
        return run(std::integral_constant<TimeUnit, TimeUnit::kMinute>{});
      case TimeUnit::kSecond:
        return run(std::integral_constant<TimeUnit, TimeUnit::kSecond>{});
      case TimeUnit::kDay:
        return run(std::integral_constant<TimeUnit, TimeUnit::kDay>{});
      default:
        if constexpr (kTrunc) {
          return MapTimestamps<Out>(ctx, ts, n, [unit](int64_t t) { return TruncTo(unit, t); });
        } else {
          return MapTimestamps<Out>(ctx, ts, n, [unit](int64_t t) { return PartOf(unit, t); });
        }
    }
  }
  // Unit column (or both literal, which folding normally removes): parse per row, reusing the
  // previous row's unit when the text repeats.
  using Builder = columnar::FixedWidthBuilder<Out>;
  std::string last_text;
  TimeUnit last_unit = TimeUnit::kMicrosecond;
  bool have_last = false;
  return MapRows<Builder>(ctx, args, n, [&](int64_t i, Builder* b) -> Status {
    std::string_view text = SV(args, 0, i);
    if (!have_last || text != last_text) {
      LAMINAR_ASSIGN_OR_RETURN(last_unit, ParseTimeUnit(text));
      last_text.assign(text);
      have_last = true;
    }
    if constexpr (kTrunc) {
      if (!TruncSupported(last_unit)) {
        return Status::Invalid(fmt::format("{} does not support unit '{}'", fn_name, text),
                               ErrorCode::kQueryExecutionFailed);
      }
      b->Append(TruncTo(last_unit, TsV(args, 1, i)));
    } else {
      b->Append(PartOf(last_unit, TsV(args, 1, i)));
    }
    return Status::OK();
  });
}

/// Parses text with a strftime-like format: %Y %m %d %H %M %S %f (fraction) %% and literals.
Result<int64_t> ParseWithFormat(std::string_view text, std::string_view format) {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0;
  size_t t = 0;
  auto number = [&](size_t max_digits, int64_t* out) -> bool {
    size_t start = t;
    bool neg = false;
    if (t < text.size() && (text[t] == '-' || text[t] == '+')) neg = text[t++] == '-';
    int64_t v = 0;
    while (t < text.size() && t - start < max_digits + (neg ? 1 : 0) &&
           std::isdigit(static_cast<unsigned char>(text[t]))) {
      v = v * 10 + (text[t++] - '0');
    }
    *out = neg ? -v : v;
    return t > start;
  };
  for (size_t f = 0; f < format.size(); ++f) {
    bool ok = true;
    if (format[f] == '%' && f + 1 < format.size()) {
      char spec = format[++f];
      switch (spec) {
        case 'Y':
          ok = number(4, &year);
          break;
        case 'm':
          ok = number(2, &month);
          break;
        case 'd':
          ok = number(2, &day);
          break;
        case 'H':
          ok = number(2, &hour);
          break;
        case 'M':
          ok = number(2, &minute);
          break;
        case 'S':
          ok = number(2, &second);
          break;
        case 'f': {
          size_t start = t;
          int64_t v = 0;
          while (t < text.size() && t - start < 9 &&
                 std::isdigit(static_cast<unsigned char>(text[t])))
            v = v * 10 + (text[t++] - '0');
          size_t digits = t - start;
          ok = digits > 0;
          while (digits < 6) {
            v *= 10;
            ++digits;
          }
          while (digits > 6) {
            v /= 10;
            --digits;
          }
          micros = v;
          break;
        }
        case '%':
          ok = t < text.size() && text[t++] == '%';
          break;
        default:
          return Status::Invalid(fmt::format("unsupported format specifier %{}", spec),
                                 ErrorCode::kQueryExecutionFailed);
      }
    } else {
      ok = t < text.size() && text[t++] == format[f];
    }
    if (!ok) {
      return Status::Invalid(fmt::format("cannot parse '{}' with format '{}'", text, format),
                             ErrorCode::kQueryExecutionFailed);
    }
  }
  if (t != text.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return Status::Invalid(fmt::format("cannot parse '{}' with format '{}'", text, format),
                           ErrorCode::kQueryExecutionFailed);
  }
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
             kMicrosPerDay +
         hour * kMicrosPerHour + minute * kMicrosPerMinute + second * kMicrosPerSecond + micros;
}

template <typename Builder, typename F>
ScalarKernel K(F f) {
  return [f](const KernelContext& ctx, Args args, int64_t n) -> Result<ArrayPtr> {
    return MapRows<Builder>(ctx, args, n,
                            [&](int64_t i, Builder* b) -> Status { return f(args, i, b); });
  };
}

void Simple(FunctionRegistry* r, const char* name, std::vector<std::string> aliases,
            std::vector<ScalarSignature> sigs) {
  ScalarFunction fn;
  fn.name = name;
  fn.aliases = std::move(aliases);
  fn.signatures = std::move(sigs);
  Add(r, std::move(fn));
}

Result<int64_t> ScaleChecked(int64_t v, int64_t factor) {
  int64_t out;
  if (__builtin_mul_overflow(v, factor, &out)) {
    return ExecError(fmt::format("timestamp out of range: {} * {}", v, factor));
  }
  return out;
}

}  // namespace

void RegisterDatetimeFunctions(FunctionRegistry* r) {
  const TypeMatcher kS = E(TypeId::kString), kTs = E(TypeId::kTimestamp), kI = E(TypeId::kInt64),
                    kD = E(TypeId::kFloat64);
  Simple(r, "date_trunc", {"datetrunc"},
         {MakeSig({kS, kTs}, Returns(timestamp()), DateUnitKernel<true>, true)});
  Simple(r, "date_part", {"datepart", "extract"},
         {MakeSig({kS, kTs}, Returns(columnar::float64()), DateUnitKernel<false>, true)});
  auto from_seconds = K<Int64Builder>([](Args a, int64_t i, Int64Builder* b) -> Status {
    double s = DblV(a, 0, i);
    if (!std::isfinite(s) || std::fabs(s) > 9.2e12) return ExecError("timestamp out of range");
    b->Append(static_cast<int64_t>(std::llround(s * 1e6)));
    return Status::OK();
  });
  auto from_text = K<Int64Builder>([](Args a, int64_t i, Int64Builder* b) -> Status {
    if (a.size() > 1) {
      LAMINAR_ASSIGN_OR_RETURN(auto v, ParseWithFormat(SV(a, 0, i), SV(a, 1, i)));
      b->Append(v);
      return Status::OK();
    }
    auto v = ParseTimestamp(SV(a, 0, i));
    if (!v.ok()) return ExecError(fmt::format("cannot cast '{}' to TIMESTAMP", SV(a, 0, i)));
    b->Append(*v);
    return Status::OK();
  });
  Simple(r, "to_timestamp", {"parse_timestamp"},
         {MakeSig({kD}, Returns(timestamp()), from_seconds, true),
          MakeSig({kS}, Returns(timestamp()), from_text, true),
          MakeSig({kS, kS}, Returns(timestamp()), from_text, true)});
  for (auto [name, factor] : {std::pair{"to_timestamp_seconds", kMicrosPerSecond},
                              std::pair{"from_unixtime", kMicrosPerSecond},
                              std::pair{"to_timestamp_millis", int64_t{1000}},
                              std::pair{"to_timestamp_micros", int64_t{1}}}) {
    int64_t f = factor;
    Simple(r, name, {},
           {MakeSig({kI}, Returns(timestamp()),
                    K<Int64Builder>([f](Args a, int64_t i, Int64Builder* b) -> Status {
                      LAMINAR_ASSIGN_OR_RETURN(auto v, ScaleChecked(TsV(a, 0, i), f));
                      b->Append(v);
                      return Status::OK();
                    }),
                    true)});
  }
  for (auto [name, div] :
       {std::pair{"epoch", kMicrosPerSecond}, std::pair{"epoch_ms", int64_t{1000}},
        std::pair{"epoch_us", int64_t{1}}}) {
    int64_t d = div;
    std::vector<std::string> aliases;
    if (d == kMicrosPerSecond) aliases = {"to_unixtime", "unix_timestamp"};
    Simple(r, name, aliases,
           {MakeSig({kTs}, Returns(columnar::int64()),
                    K<Int64Builder>([d](Args a, int64_t i, Int64Builder* b) -> Status {
                      b->Append(FloorDiv(TsV(a, 0, i), d));
                      return Status::OK();
                    }))});
  }
  Simple(r, "make_date", {},
         {MakeSig({kI, kI, kI}, Returns(columnar::date32()),
                  K<Int32Builder>([](Args a, int64_t i, Int32Builder* b) -> Status {
                    int64_t y = TsV(a, 0, i), m = TsV(a, 1, i), d = TsV(a, 2, i);
                    if (m < 1 || m > 12 || d < 1 || d > 31) {
                      return ExecError(fmt::format("make_date: invalid date {}-{}-{}", y, m, d));
                    }
                    b->Append(static_cast<int32_t>(
                        DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d))));
                    return Status::OK();
                  }),
                  true)});
  RegisterWindow(r, "tumble", {"tumble_start"}, WindowFn::kTumble, {1, 2});
  RegisterWindow(r, "tumble_end", {}, WindowFn::kTumbleEnd, {1, 2});
  RegisterWindow(r, "hop", {"hop_start", "slide"}, WindowFn::kHop, {2, 3});
  RegisterWindow(r, "hop_end", {}, WindowFn::kHopEnd, {2, 3});
  RegisterWindow(r, "cumulate", {"cumulate_start"}, WindowFn::kCumulate, {2});
  RegisterWindow(r, "cumulate_end", {}, WindowFn::kCumulateEnd, {2});
  RegisterWindow(r, "session", {}, WindowFn::kSession, {1});

  ScalarFunction now{"now", {"current_timestamp", "localtimestamp"}, {}, "query time"};
  auto sig = MakeSig({}, Returns(timestamp()), NowKernel);
  sig.volatile_result = true;
  now.signatures.push_back(std::move(sig));
  Add(r, std::move(now));
  ScalarFunction proctime{"proctime", {}, {}, "processing time: the wall clock at evaluation"};
  auto proctime_sig = MakeSig({}, Returns(timestamp()), ProctimeKernel);
  proctime_sig.volatile_result = true;
  proctime.signatures.push_back(std::move(proctime_sig));
  Add(r, std::move(proctime));
  ScalarFunction watermark{"watermark", {}, {}, "the query's current input watermark, or NULL"};
  auto watermark_sig = MakeSig({}, Returns(timestamp()), WatermarkKernel);
  watermark_sig.volatile_result = true;
  watermark.signatures.push_back(std::move(watermark_sig));
  Add(r, std::move(watermark));
}

}  // namespace laminar::function
