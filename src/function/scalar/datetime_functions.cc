// Date/time functions: NOW, window helpers (TUMBLE/HOP/CUMULATE/SESSION), DATE_TRUNC, ...
#include <fmt/format.h>

#include "function/scalar/kernel_util.h"

namespace laminar::function {

using namespace internal;  // NOLINT(build/namespaces)

namespace {

using columnar::timestamp;

/// floor(a / b) for b > 0.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b) != 0 && (a < 0)) --q;
  return q;
}
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

Result<ArrayPtr> NowKernel(const KernelContext& ctx, std::span<const Datum>, int64_t n) {
  auto values = AllocateValues<int64_t>(n);
  int64_t* out = reinterpret_cast<int64_t*>(values->mutable_data());
  for (int64_t i = 0; i < n; ++i) out[i] = ctx.eval->now_micros;
  return MakeFixedArray(timestamp(), n, nullptr, std::move(values), 0);
}

}  // namespace

void RegisterDatetimeFunctions(FunctionRegistry* r) {
  RegisterWindow(r, "tumble", {"tumble_start"}, WindowFn::kTumble, {1, 2});
  RegisterWindow(r, "tumble_end", {}, WindowFn::kTumbleEnd, {1, 2});
  RegisterWindow(r, "hop", {"hop_start", "slide"}, WindowFn::kHop, {2, 3});
  RegisterWindow(r, "hop_end", {}, WindowFn::kHopEnd, {2, 3});
  RegisterWindow(r, "cumulate", {"cumulate_start"}, WindowFn::kCumulate, {2});
  RegisterWindow(r, "cumulate_end", {}, WindowFn::kCumulateEnd, {2});
  RegisterWindow(r, "session", {"session_start"}, WindowFn::kSession, {1});

  ScalarFunction now{"now", {"current_timestamp", "localtimestamp"}, {}, "query time"};
  auto sig = MakeSig({}, Returns(timestamp()), NowKernel);
  sig.volatile_result = true;
  now.signatures.push_back(std::move(sig));
  Add(r, std::move(now));
}

}  // namespace laminar::function
