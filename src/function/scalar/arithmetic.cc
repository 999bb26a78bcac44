// Arithmetic operators: add, subtract, multiply, divide, modulo, negate over integers, floats,
// decimals and temporal types.
#include <fmt/format.h>

#include <cmath>

#include "function/registry.h"
#include "function/scalar/kernel_util.h"

namespace laminar::function {

using columnar::DataType;

namespace {

constexpr int128_t Pow10(int n) {
  int128_t r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

std::string Int128Text(int128_t v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u =
      neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) s.push_back('-');
  return {s.rbegin(), s.rend()};
}

template <typename T>
std::string NumText(T v) {
  if constexpr (std::is_same_v<T, int128_t>) {
    return Int128Text(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return columnar::FormatDouble(static_cast<double>(v));
  } else {
    return std::to_string(static_cast<int64_t>(v));
  }
}

enum class ArithOp { kAdd, kSub, kMul, kDiv, kMod };

const char* OpSymbol(ArithOp op) {
  switch (op) {
    case ArithOp::kAdd:
      return "+";
    case ArithOp::kSub:
      return "-";
    case ArithOp::kMul:
      return "*";
    case ArithOp::kDiv:
      return "/";
    case ArithOp::kMod:
      return "%";
  }
  return "?";
}

/// One arithmetic step; false on overflow or division by zero (output then unspecified).
template <ArithOp kOp, typename T>
inline bool Apply(T a, T b, T* out) {
  if constexpr (std::is_floating_point_v<T>) {
    if constexpr (kOp == ArithOp::kAdd) {
      *out = a + b;
    } else if constexpr (kOp == ArithOp::kSub) {
      *out = a - b;
    } else if constexpr (kOp == ArithOp::kMul) {
      *out = a * b;
    } else if constexpr (kOp == ArithOp::kDiv) {
      *out = a / b;
      return b != 0;
    } else {
      *out = std::fmod(a, b);
      return b != 0;
    }
    return true;
  } else {
    if constexpr (kOp == ArithOp::kAdd) {
      return !__builtin_add_overflow(a, b, out);
    } else if constexpr (kOp == ArithOp::kSub) {
      return !__builtin_sub_overflow(a, b, out);
    } else if constexpr (kOp == ArithOp::kMul) {
      return !__builtin_mul_overflow(a, b, out);
    } else {
      if (b == 0 || (b == -1 && a == std::numeric_limits<T>::min())) {
        *out = 0;
        return false;
      }
      *out = kOp == ArithOp::kDiv ? static_cast<T>(a / b) : static_cast<T>(a % b);
      return true;
    }
  }
}

template <ArithOp kOp, typename T>
Status ArithError(T a, T b) {
  if ((kOp == ArithOp::kDiv || kOp == ArithOp::kMod) && b == 0)
    return ExecError("division by zero");
  return ExecError(
      fmt::format("integer overflow in {} {} {}", NumText(a), OpSymbol(kOp), NumText(b)));
}

template <ArithOp kOp, typename T>
Result<ArrayPtr> NumericKernel(const KernelContext& ctx, std::span<const Datum> args, int64_t n) {
  FixedReader<T> a(args[0]), b(args[1]);
  int64_t nc = 0;
  BufferPtr validity = CombineValidity(args, n, &nc);
  auto values = AllocateValuesForOverwrite<T>(n);
  T* out = reinterpret_cast<T*>(values->mutable_data());
  bool ok = true;
  if (a.is_scalar && b.is_scalar) {
    for (int64_t i = 0; i < n; ++i) ok &= Apply<kOp, T>(a.scalar, b.scalar, &out[i]);
  } else if (!a.is_scalar && !b.is_scalar) {
    const T* av = a.values;
    const T* bv = b.values;
    for (int64_t i = 0; i < n; ++i) ok &= Apply<kOp, T>(av[i], bv[i], &out[i]);
  } else if (b.is_scalar) {
    const T* av = a.values;
    const T bs = b.scalar;
    if constexpr (std::is_same_v<T, int64_t> && (kOp == ArithOp::kDiv || kOp == ArithOp::kMod)) {
      if (bs > 0) {
        // A constant positive divisor: multiply-shift for non-negative values, the hardware
        // divide only for negative ones (C++ truncation semantics either way; cannot fail).
        const internal::PositiveDivisor div(bs);
        for (int64_t i = 0; i < n; ++i) {
          const int64_t x = av[i];
          if constexpr (kOp == ArithOp::kDiv) {
            out[i] = x >= 0 ? div.Quotient(x) : x / bs;
          } else {
            out[i] = x >= 0 ? div.Remainder(x) : x % bs;
          }
        }
        return MakeFixedArray(ctx.out_type, n, std::move(validity), std::move(values), nc);
      }
    }
    for (int64_t i = 0; i < n; ++i) ok &= Apply<kOp, T>(av[i], bs, &out[i]);
  } else {
    const T as = a.scalar;
    const T* bv = b.values;
    for (int64_t i = 0; i < n; ++i) ok &= Apply<kOp, T>(as, bv[i], &out[i]);
  }
  if (!ok) {
    for (int64_t i = 0; i < n; ++i) {
      if (validity && !columnar::bit_util::GetBit(validity->data(), i)) continue;
      T tmp;
      if (!Apply<kOp, T>(a[i], b[i], &tmp)) {
        if (ctx.null_on_error) continue;
        return ArithError<kOp, T>(a[i], b[i]);
      }
    }
  }
  return MakeFixedArray(ctx.out_type, n, std::move(validity), std::move(values), nc);
}

/// Dispatches on the argument type once per batch.
template <ArithOp kOp>
Result<ArrayPtr> NumericDispatch(const KernelContext& ctx, std::span<const Datum> args, int64_t n) {
  switch (args[0].type()->id()) {
    case TypeId::kInt8:
      return NumericKernel<kOp, int8_t>(ctx, args, n);
    case TypeId::kInt16:
      return NumericKernel<kOp, int16_t>(ctx, args, n);
    case TypeId::kInt32:
      return NumericKernel<kOp, int32_t>(ctx, args, n);
    case TypeId::kInt64:
      return NumericKernel<kOp, int64_t>(ctx, args, n);
    case TypeId::kFloat32:
      return NumericKernel<kOp, float>(ctx, args, n);
    default:
      return NumericKernel<kOp, double>(ctx, args, n);
  }
}

bool IsPlainNumeric(const DataType& t) { return t.is_integer() || t.is_floating(); }

// ---------------------------------------------------------------------------------------------
// DECIMAL. Result types (documented in README.md):
//   add/subtract: DECIMAL(min(38, max(p1-s1, p2-s2) + max(s1, s2) + 1), max(s1, s2))
//   multiply:     DECIMAL(min(38, p1 + p2), min(38, s1 + s2))
//   divide:       DECIMAL(38, min(38, max(6, s1, s2))), rounded half away from zero
//   modulo:       DECIMAL(min(38, max(p1-s1, p2-s2) + max(s1, s2)), max(s1, s2))

Result<DataTypePtr> DecimalResult(ArithOp op, const std::vector<DataTypePtr>& p) {
  int p1 = p[0]->precision(), s1 = p[0]->scale(), p2 = p[1]->precision(), s2 = p[1]->scale();
  switch (op) {
    case ArithOp::kAdd:
    case ArithOp::kSub: {
      int s = std::max(s1, s2);
      return columnar::decimal128(std::min(38, std::max(p1 - s1, p2 - s2) + s + 1), s);
    }
    case ArithOp::kMul:
      return columnar::decimal128(std::min(38, p1 + p2), std::min(38, s1 + s2));
    case ArithOp::kDiv:
      return columnar::decimal128(38, std::min(38, std::max({6, s1, s2})));
    case ArithOp::kMod: {
      int s = std::max(s1, s2);
      return columnar::decimal128(std::min(38, std::max(p1 - s1, p2 - s2) + s), s);
    }
  }
  return Status::Internal("bad decimal op");
}

int128_t RoundDiv(int128_t num, int128_t den) {
  int128_t q = num / den, r = num % den;
  int128_t ar = r < 0 ? -r : r, ad = den < 0 ? -den : den;
  if (ar * 2 >= ad) q += ((num < 0) != (den < 0)) ? -1 : 1;
  return q;
}

template <ArithOp kOp>
Result<ArrayPtr> DecimalKernel(const KernelContext& ctx, std::span<const Datum> args, int64_t n) {
  FixedReader<int128_t> a(args[0]), b(args[1]);
  const int s1 = args[0].type()->scale(), s2 = args[1].type()->scale();
  const int sr = ctx.out_type->scale();
  const int128_t limit = Pow10(ctx.out_type->precision());
  int64_t nc = 0;
  BufferPtr validity = CombineValidity(args, n, &nc);
  auto values = AllocateValues<int128_t>(n);
  int128_t* out = reinterpret_cast<int128_t*>(values->mutable_data());
  const int sm = std::max(s1, s2);
  const int128_t ma = Pow10(sm - s1), mb = Pow10(sm - s2);
  for (int64_t i = 0; i < n; ++i) {
    if (validity && !columnar::bit_util::GetBit(validity->data(), i)) {
      out[i] = 0;
      continue;
    }
    int128_t x = a[i], y = b[i], r = 0;
    bool ok = true;
    if constexpr (kOp == ArithOp::kAdd || kOp == ArithOp::kSub || kOp == ArithOp::kMod) {
      ok = !__builtin_mul_overflow(x, ma, &x) && !__builtin_mul_overflow(y, mb, &y);
      if (ok) {
        if constexpr (kOp == ArithOp::kAdd)
          ok = !__builtin_add_overflow(x, y, &r);
        else if constexpr (kOp == ArithOp::kSub)
          ok = !__builtin_sub_overflow(x, y, &r);
        else {
          if (y == 0) {
            if (ctx.null_on_error) continue;
            return ExecError("division by zero");
          }
          r = x % y;
        }
      }
    } else if constexpr (kOp == ArithOp::kMul) {
      ok = !__builtin_mul_overflow(x, y, &r);
      if (ok && s1 + s2 > sr) r = RoundDiv(r, Pow10(s1 + s2 - sr));
    } else {
      if (y == 0) {
        if (ctx.null_on_error) continue;
        return ExecError("division by zero");
      }
      int128_t num;
      ok = !__builtin_mul_overflow(x, Pow10(sr - s1 + s2), &num);
      if (ok) r = RoundDiv(num, y);
    }
    if (!ok || r >= limit || r <= -limit) {
      return ExecError(fmt::format("decimal overflow in {} {} {}",
                                   columnar::FormatDecimal(a[i], s1), OpSymbol(kOp),
                                   columnar::FormatDecimal(b[i], s2)));
    }
    out[i] = r;
  }
  return MakeFixedArray(ctx.out_type, n, std::move(validity), std::move(values), nc);
}

// ---------------------------------------------------------------------------------------------
// Temporal arithmetic.

/// Element-wise kernel over two fixed-width inputs with a per-row function (no errors).
template <typename A, typename B, typename R, typename F>
Result<ArrayPtr> Map2(const KernelContext& ctx, std::span<const Datum> args, int64_t n, F f) {
  FixedReader<A> a(args[0]);
  FixedReader<B> b(args[1]);
  int64_t nc = 0;
  BufferPtr validity = CombineValidity(args, n, &nc);
  auto values = AllocateValuesForOverwrite<R>(n);
  R* out = reinterpret_cast<R*>(values->mutable_data());
  for (int64_t i = 0; i < n; ++i) {
    if (validity && !columnar::bit_util::GetBit(validity->data(), i)) {
      out[i] = R{};
      continue;
    }
    out[i] = f(a[i], b[i]);
  }
  return MakeFixedArray(ctx.out_type, n, std::move(validity), std::move(values), nc);
}

Interval NegateInterval(const Interval& iv) { return Interval{-iv.months, -iv.days, -iv.nanos}; }

Interval ScaleInterval(const Interval& iv, double f) {
  double m = iv.months * f;
  int32_t months = static_cast<int32_t>(std::trunc(m));
  double d = iv.days * f + (m - months) * 30.0;
  int32_t days = static_cast<int32_t>(std::trunc(d));
  double ns = static_cast<double>(iv.nanos) * f + (d - days) * 86400e9;
  return Interval{months, days, static_cast<int64_t>(std::llround(ns))};
}

Interval AddIntervals(const Interval& a, const Interval& b) {
  return Interval{a.months + b.months, a.days + b.days, a.nanos + b.nanos};
}

ScalarSignature Sig(std::vector<TypeMatcher> params, ReturnTypeFn ret, ScalarKernel kernel,
                    bool can_error = false) {
  ScalarSignature s;
  s.params = std::move(params);
  s.return_type = std::move(ret);
  s.kernel = std::move(kernel);
  s.can_error = can_error;
  return s;
}

TypeMatcher E(TypeId id) { return TypeMatcher::Exact(id); }
TypeMatcher NumericUnified() {
  return TypeMatcher::Unified([](const DataType& t) { return IsPlainNumeric(t); });
}

template <ArithOp kOp>
void AddNumericSignatures(ScalarFunction* fn) {
  fn->signatures.push_back(Sig({NumericUnified(), NumericUnified()}, ReturnsParam(0),
                               NumericDispatch<kOp>, /*can_error=*/true));
  fn->signatures.push_back(Sig(
      {E(TypeId::kDecimal128), E(TypeId::kDecimal128)},
      [](const std::vector<DataTypePtr>& p) { return DecimalResult(kOp, p); }, DecimalKernel<kOp>,
      true));
}

Result<ArrayPtr> NegateKernel(const KernelContext& ctx, std::span<const Datum> args, int64_t n) {
  int64_t nc = 0;
  BufferPtr validity = CombineValidity(args, n, &nc);
  ArrayPtr result;
  Status st;
  columnar::VisitFixedWidth(args[0].type()->id(), [&]<typename T>() {
    FixedReader<T> a(args[0]);
    auto values = AllocateValues<T>(n);
    T* out = reinterpret_cast<T*>(values->mutable_data());
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, Interval>) {
        out[i] = NegateInterval(a[i]);
      } else if constexpr (std::is_floating_point_v<T>) {
        out[i] = -a[i];
      } else {
        if (a[i] == std::numeric_limits<T>::min() &&
            !(validity && !columnar::bit_util::GetBit(validity->data(), i)) && st.ok()) {
          st = ExecError(fmt::format("integer overflow in -{}", NumText(a[i])));
        }
        out[i] = static_cast<T>(0 - a[i]);
      }
    }
    result = MakeFixedArray(ctx.out_type, n, validity, std::move(values), nc);
  });
  LAMINAR_RETURN_NOT_OK(st);
  return result;
}

}  // namespace

void RegisterArithmeticFunctions(FunctionRegistry* registry) {
  using columnar::date32;
  using columnar::int64;
  using columnar::interval;
  using columnar::timestamp;
  ScalarFunction add{"add", {}, {}, "a + b"};
  AddNumericSignatures<ArithOp::kAdd>(&add);
  add.signatures.push_back(Sig({E(TypeId::kTimestamp), E(TypeId::kInterval)}, Returns(timestamp()),
                               [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
                                 return Map2<int64_t, Interval, int64_t>(
                                     c, a, n,
                                     [](int64_t t, Interval iv) { return AddInterval(t, iv); });
                               }));
  add.signatures.push_back(Sig({E(TypeId::kInterval), E(TypeId::kTimestamp)}, Returns(timestamp()),
                               [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
                                 return Map2<Interval, int64_t, int64_t>(
                                     c, a, n,
                                     [](Interval iv, int64_t t) { return AddInterval(t, iv); });
                               }));
  add.signatures.push_back(Sig({E(TypeId::kDate32), E(TypeId::kInterval)}, Returns(timestamp()),
                               [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
                                 return Map2<int32_t, Interval, int64_t>(
                                     c, a, n, [](int32_t d, Interval iv) {
                                       return AddInterval(int64_t{d} * kMicrosPerDay, iv);
                                     });
                               }));
  add.signatures.push_back(
      Sig({E(TypeId::kDate32), E(TypeId::kInt64)}, Returns(date32()),
          [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
            return Map2<int32_t, int64_t, int32_t>(
                c, a, n, [](int32_t d, int64_t k) { return static_cast<int32_t>(d + k); });
          }));
  add.signatures.push_back(Sig({E(TypeId::kInterval), E(TypeId::kInterval)}, Returns(interval()),
                               [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
                                 return Map2<Interval, Interval, Interval>(c, a, n, AddIntervals);
                               }));
  LAMINAR_CHECK(registry->RegisterScalar(std::move(add)).ok());

  ScalarFunction sub{"subtract", {}, {}, "a - b"};
  AddNumericSignatures<ArithOp::kSub>(&sub);
  sub.signatures.push_back(
      Sig({E(TypeId::kTimestamp), E(TypeId::kInterval)}, Returns(timestamp()),
          [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
            return Map2<int64_t, Interval, int64_t>(
                c, a, n, [](int64_t t, Interval iv) { return AddInterval(t, NegateInterval(iv)); });
          }));
  sub.signatures.push_back(Sig({E(TypeId::kTimestamp), E(TypeId::kTimestamp)}, Returns(interval()),
                               [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
                                 return Map2<int64_t, int64_t, Interval>(
                                     c, a, n, [](int64_t x, int64_t y) {
                                       return Interval{0, 0, (x - y) * 1000};
                                     });
                               }));
  sub.signatures.push_back(Sig({E(TypeId::kDate32), E(TypeId::kDate32)}, Returns(int64()),
                               [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
                                 return Map2<int32_t, int32_t, int64_t>(
                                     c, a, n, [](int32_t x, int32_t y) { return int64_t{x} - y; });
                               }));
  sub.signatures.push_back(
      Sig({E(TypeId::kDate32), E(TypeId::kInt64)}, Returns(date32()),
          [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
            return Map2<int32_t, int64_t, int32_t>(
                c, a, n, [](int32_t d, int64_t k) { return static_cast<int32_t>(d - k); });
          }));
  sub.signatures.push_back(
      Sig({E(TypeId::kDate32), E(TypeId::kInterval)}, Returns(timestamp()),
          [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
            return Map2<int32_t, Interval, int64_t>(c, a, n, [](int32_t d, Interval iv) {
              return AddInterval(int64_t{d} * kMicrosPerDay, NegateInterval(iv));
            });
          }));
  sub.signatures.push_back(
      Sig({E(TypeId::kInterval), E(TypeId::kInterval)}, Returns(interval()),
          [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
            return Map2<Interval, Interval, Interval>(
                c, a, n, [](Interval x, Interval y) { return AddIntervals(x, NegateInterval(y)); });
          }));
  LAMINAR_CHECK(registry->RegisterScalar(std::move(sub)).ok());

  ScalarFunction mul{"multiply", {}, {}, "a * b"};
  AddNumericSignatures<ArithOp::kMul>(&mul);
  mul.signatures.push_back(Sig({E(TypeId::kInterval), E(TypeId::kFloat64)}, Returns(interval()),
                               [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
                                 return Map2<Interval, double, Interval>(c, a, n, ScaleInterval);
                               }));
  mul.signatures.push_back(Sig({E(TypeId::kFloat64), E(TypeId::kInterval)}, Returns(interval()),
                               [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
                                 return Map2<double, Interval, Interval>(
                                     c, a, n,
                                     [](double f, Interval iv) { return ScaleInterval(iv, f); });
                               }));
  LAMINAR_CHECK(registry->RegisterScalar(std::move(mul)).ok());

  ScalarFunction div{"divide", {}, {}, "a / b (integer division truncates)"};
  AddNumericSignatures<ArithOp::kDiv>(&div);
  div.signatures.push_back(
      Sig({E(TypeId::kInterval), E(TypeId::kFloat64)}, Returns(interval()),
          [](const KernelContext& c, std::span<const Datum> a, int64_t n) {
            return Map2<Interval, double, Interval>(
                c, a, n, [](Interval iv, double f) { return ScaleInterval(iv, 1.0 / f); });
          }));
  LAMINAR_CHECK(registry->RegisterScalar(std::move(div)).ok());

  ScalarFunction mod{"modulo", {"mod"}, {}, "a % b"};
  AddNumericSignatures<ArithOp::kMod>(&mod);
  LAMINAR_CHECK(registry->RegisterScalar(std::move(mod)).ok());

  ScalarFunction neg{"negate", {}, {}, "-a"};
  neg.signatures.push_back(Sig({TypeMatcher::Unified([](const DataType& t) {
                                 return t.is_numeric() || t.id() == TypeId::kInterval;
                               })},
                               ReturnsParam(0), NegateKernel, true));
  LAMINAR_CHECK(registry->RegisterScalar(std::move(neg)).ok());
}

}  // namespace laminar::function
