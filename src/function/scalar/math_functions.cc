// Math functions and conditional helpers: ABS, ROUND, FLOOR, CEIL, POWER, SQRT, LN, LOG, EXP,
// SIGN, MOD, GREATEST, LEAST, NULLIF, IF/IFF.
#include <cmath>

#include "function/evaluator.h"
#include "function/scalar/kernel_util.h"

namespace laminar::function {

using namespace internal;  // NOLINT(build/namespaces)

namespace {

using columnar::DataType;
using columnar::float64;
using Args = std::span<const Datum>;

constexpr int128_t Pow10(int n) {
  int128_t r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

double DV(Args a, size_t k, int64_t i) {
  const Datum& d = a[k];
  return d.is_scalar() ? d.scalar->ToDouble() : d.array->values<double>()[i];
}

/// DOUBLE → DOUBLE with a domain check (`ok` false → error naming the function).
template <typename F>
ScalarKernel UnaryDouble(const char* name, F f) {
  return [name, f](const KernelContext& ctx, Args args, int64_t n) -> Result<ArrayPtr> {
    return MapRows<DoubleBuilder>(ctx, args, n, [&](int64_t i, DoubleBuilder* b) -> Status {
      double x = DV(args, 0, i);
      bool ok = true;
      double r = f(x, &ok);
      if (!ok) {
        if (ctx.null_on_error) {
          b->AppendNull();
          return Status::OK();
        }
        return ExecError(
            fmt::format("{}: argument {} is out of its domain", name, columnar::FormatDouble(x)));
      }
      b->Append(r);
      return Status::OK();
    });
  };
}

void AddUnaryDouble(FunctionRegistry* r, const char* name, std::vector<std::string> aliases,
                    ScalarKernel k) {
  ScalarFunction fn;
  fn.name = name;
  fn.aliases = std::move(aliases);
  fn.signatures.push_back(MakeSig({E(TypeId::kFloat64)}, Returns(float64()), std::move(k), true));
  Add(r, std::move(fn));
}

bool IsPlainNumeric(const DataType& t) { return t.is_integer() || t.is_floating(); }

/// ABS / SIGN / FLOOR / CEIL / ROUND over a typed numeric column.
enum class NumOp { kAbs, kSign, kFloor, kCeil, kRound };

int128_t RoundDecimal(int128_t v, int drop, NumOp op) {
  if (drop <= 0) return v;
  int128_t p = Pow10(drop);
  int128_t q = v / p, rem = v % p;
  switch (op) {
    case NumOp::kFloor:
      if (rem < 0) --q;
      break;
    case NumOp::kCeil:
      if (rem > 0) ++q;
      break;
    default: {
      int128_t ar = rem < 0 ? -rem : rem;
      if (ar * 2 >= p) q += v < 0 ? -1 : 1;
    }
  }
  return q;
}

ScalarKernel NumericUnary(NumOp op) {
  return [op](const KernelContext& ctx, Args args, int64_t n) -> Result<ArrayPtr> {
    int64_t nc = 0;
    BufferPtr validity = CombineValidity(args, n, &nc);
    const DataTypePtr& in_type = args[0].type();
    const int digits = args.size() > 1 && args[1].is_scalar() && !args[1].scalar->is_null()
                           ? static_cast<int>(args[1].scalar->int_value())
                           : 0;
    ArrayPtr out;
    Status st;
    columnar::VisitFixedWidth(in_type->id(), [&]<typename T>() {
      if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, int128_t>) {
        FixedReader<T> a(args[0]);
        auto values = AllocateValues<T>(n);
        T* o = reinterpret_cast<T*>(values->mutable_data());
        for (int64_t i = 0; i < n; ++i) {
          T v = a[i];
          if constexpr (std::is_floating_point_v<T>) {
            switch (op) {
              case NumOp::kAbs:
                o[i] = std::fabs(v);
                break;
              case NumOp::kSign:
                o[i] = v > 0 ? 1 : (v < 0 ? -1 : 0);
                break;
              case NumOp::kFloor:
                o[i] = std::floor(v);
                break;
              case NumOp::kCeil:
                o[i] = std::ceil(v);
                break;
              case NumOp::kRound: {
                double scale = std::pow(10.0, digits);
                o[i] = static_cast<T>(std::round(static_cast<double>(v) * scale) / scale);
                break;
              }
            }
          } else if constexpr (std::is_same_v<T, int128_t>) {
            const int s = in_type->scale();
            const int out_scale = ctx.out_type->scale();
            switch (op) {
              case NumOp::kAbs:
                o[i] = v < 0 ? -v : v;
                break;
              case NumOp::kSign:
                o[i] = (v > 0 ? 1 : (v < 0 ? -1 : 0)) * Pow10(out_scale);
                break;
              default: {
                int keep = op == NumOp::kRound ? std::max(0, std::min(digits, s)) : 0;
                o[i] = RoundDecimal(v, s - keep, op) * Pow10(out_scale - keep);
              }
            }
          } else {
            switch (op) {
              case NumOp::kAbs:
                if (v == std::numeric_limits<T>::min() && st.ok() &&
                    !(validity && !columnar::bit_util::GetBit(validity->data(), i))) {
                  st = ExecError(fmt::format("integer overflow in abs({})", int64_t{v}));
                }
                o[i] = static_cast<T>(v < 0 ? T(0 - v) : v);
                break;
              case NumOp::kSign:
                o[i] = static_cast<T>(v > 0 ? 1 : (v < 0 ? -1 : 0));
                break;
              case NumOp::kRound:
                if (digits < 0) {
                  int128_t p = Pow10(-digits);
                  int128_t q = RoundDecimal(v, -digits, op) * p;
                  o[i] = static_cast<T>(q);
                } else {
                  o[i] = v;
                }
                break;
              default:
                o[i] = v;
            }
          }
        }
        out = MakeFixedArray(ctx.out_type, n, validity, std::move(values), nc);
      }
    });
    LAMINAR_RETURN_NOT_OK(st);
    if (!out) return Status::TypeError("numeric function on a non-numeric argument");
    return out;
  };
}

void AddNumericUnary(FunctionRegistry* r, const char* name, std::vector<std::string> aliases,
                     NumOp op) {
  ScalarFunction fn;
  fn.name = name;
  fn.aliases = std::move(aliases);
  auto plain = TypeMatcher::Unified([](const DataType& t) { return IsPlainNumeric(t); });
  fn.signatures.push_back(MakeSig({plain}, ReturnsParam(0), NumericUnary(op), true));
  ReturnTypeFn dec_ret = [op](const std::vector<DataTypePtr>& p) -> Result<DataTypePtr> {
    if (op == NumOp::kFloor || op == NumOp::kCeil || op == NumOp::kRound) {
      return columnar::decimal128(std::min(38, p[0]->precision() - p[0]->scale() + 1), 0);
    }
    return p[0];
  };
  fn.signatures.push_back(MakeSig({E(TypeId::kDecimal128)}, dec_ret, NumericUnary(op), true));
  if (op == NumOp::kRound) {
    fn.signatures.push_back(MakeSig({plain, E(TypeId::kInt64)}, ReturnsParam(0), NumericUnary(op)));
    ReturnTypeFn dec_round = [](const std::vector<DataTypePtr>& p) -> Result<DataTypePtr> {
      return p[0];  // ROUND(dec, d) keeps the type; digits beyond d are zeroed
    };
    auto k = [](const KernelContext& ctx, Args args, int64_t n) -> Result<ArrayPtr> {
      if (!args[1].is_scalar()) {
        return Status::NotImplemented("ROUND(DECIMAL, d) needs a constant d");
      }
      return NumericUnary(NumOp::kRound)(ctx, args, n);
    };
    fn.signatures.push_back(
        MakeSig({E(TypeId::kDecimal128), E(TypeId::kInt64)}, dec_round, k, true));
  }
  Add(r, std::move(fn));
}

/// GREATEST/LEAST: NULLs are skipped (PostgreSQL); NULL only when all are NULL.
template <bool kGreatest>
Result<ArrayPtr> ExtremeKernel(const KernelContext& ctx, Args args, int64_t n) {
  std::vector<uint16_t> src;
  // Compare pairwise through the comparison kernel for any type.
  ArrayPtr best = MaterializeDatum(args[0], n);
  const auto& cmp_name = kGreatest ? "gt" : "lt";
  const ScalarSignature* cmp =
      FunctionRegistry::Global().FindExactSignature(cmp_name, {best->type(), best->type()});
  if (!cmp) return Status::TypeError("GREATEST/LEAST on a non-comparable type");
  for (size_t k = 1; k < args.size(); ++k) {
    ArrayPtr cand = MaterializeDatum(args[k], n);
    std::vector<Datum> pair{Datum::FromArray(cand), Datum::FromArray(best)};
    KernelContext c2 = ctx;
    c2.out_type = columnar::boolean();
    LAMINAR_ASSIGN_OR_RETURN(auto better, cmp->kernel(c2, pair, n));
    std::vector<int32_t> take_from(static_cast<size_t>(n));
    auto builder = columnar::MakeBuilder(ctx.out_type);
    builder->Reserve(n);
    for (int64_t i = 0; i < n; ++i) {
      bool use_cand =
          best->IsNull(i) || (!cand->IsNull(i) && better->IsValid(i) && better->GetBool(i));
      builder->AppendArraySlice(use_cand ? *cand : *best, i, 1);
    }
    best = builder->Finish();
  }
  return best;
}

Result<ArrayPtr> NullIfKernel(const KernelContext& ctx, Args args, int64_t n) {
  const ScalarSignature* eq =
      FunctionRegistry::Global().FindExactSignature("eq", {args[0].type(), args[1].type()});
  if (!eq) return Status::TypeError("NULLIF on a non-comparable type");
  KernelContext c2 = ctx;
  c2.out_type = columnar::boolean();
  LAMINAR_ASSIGN_OR_RETURN(auto same, eq->kernel(c2, args, n));
  ArrayPtr a = MaterializeDatum(args[0], n);
  auto builder = columnar::MakeBuilder(ctx.out_type);
  builder->Reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (same->IsValid(i) && same->GetBool(i))
      builder->AppendNull();
    else
      builder->AppendArraySlice(*a, i, 1);
  }
  return builder->Finish();
}

Result<ArrayPtr> IfKernel(const KernelContext& ctx, Args args, int64_t n) {
  BoolReader c(args[0]);
  ArrayPtr a = MaterializeDatum(args[1], n), b = MaterializeDatum(args[2], n);
  auto builder = columnar::MakeBuilder(ctx.out_type);
  builder->Reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    bool take_a = !c.IsNull(i) && c[i];
    builder->AppendArraySlice(take_a ? *a : *b, i, 1);
  }
  return builder->Finish();
}

}  // namespace

void RegisterMathFunctions(FunctionRegistry* r) {
  AddNumericUnary(r, "abs", {}, NumOp::kAbs);
  AddNumericUnary(r, "sign", {"signum"}, NumOp::kSign);
  AddNumericUnary(r, "floor", {}, NumOp::kFloor);
  AddNumericUnary(r, "ceil", {"ceiling"}, NumOp::kCeil);
  AddNumericUnary(r, "round", {}, NumOp::kRound);
  AddUnaryDouble(r, "sqrt", {}, UnaryDouble("sqrt", [](double x, bool* ok) {
                   *ok = x >= 0;
                   return std::sqrt(x);
                 }));
  AddUnaryDouble(r, "cbrt", {}, UnaryDouble("cbrt", [](double x, bool*) { return std::cbrt(x); }));
  AddUnaryDouble(r, "ln", {}, UnaryDouble("ln", [](double x, bool* ok) {
                   *ok = x > 0;
                   return std::log(x);
                 }));
  AddUnaryDouble(r, "log10", {}, UnaryDouble("log10", [](double x, bool* ok) {
                   *ok = x > 0;
                   return std::log10(x);
                 }));
  AddUnaryDouble(r, "log2", {}, UnaryDouble("log2", [](double x, bool* ok) {
                   *ok = x > 0;
                   return std::log2(x);
                 }));
  AddUnaryDouble(r, "exp", {}, UnaryDouble("exp", [](double x, bool*) { return std::exp(x); }));
  for (auto [name, fn] : {std::pair<const char*, double (*)(double)>{"sin", std::sin},
                          {"cos", std::cos},
                          {"tan", std::tan},
                          {"atan", std::atan}}) {
    auto f = fn;
    AddUnaryDouble(r, name, {}, UnaryDouble(name, [f](double x, bool*) { return f(x); }));
  }
  {
    ScalarFunction log{"log", {}, {}, "LOG(x) base 10, LOG(b, x)"};
    log.signatures.push_back(MakeSig({E(TypeId::kFloat64)}, Returns(float64()),
                                     UnaryDouble("log",
                                                 [](double x, bool* ok) {
                                                   *ok = x > 0;
                                                   return std::log10(x);
                                                 }),
                                     true));
    log.signatures.push_back(MakeSig(
        {E(TypeId::kFloat64), E(TypeId::kFloat64)}, Returns(float64()),
        [](const KernelContext& ctx, Args a, int64_t n) -> Result<ArrayPtr> {
          return MapRows<DoubleBuilder>(ctx, a, n, [&](int64_t i, DoubleBuilder* b) -> Status {
            double base = DV(a, 0, i), x = DV(a, 1, i);
            if (base <= 0 || base == 1 || x <= 0) {
              return ExecError(fmt::format("log: invalid arguments ({}, {})",
                                           columnar::FormatDouble(base),
                                           columnar::FormatDouble(x)));
            }
            b->Append(std::log(x) / std::log(base));
            return Status::OK();
          });
        },
        true));
    Add(r, std::move(log));
  }
  {
    ScalarFunction pow{"power", {"pow"}, {}, "x ^ y"};
    pow.signatures.push_back(MakeSig(
        {E(TypeId::kFloat64), E(TypeId::kFloat64)}, Returns(float64()),
        [](const KernelContext& ctx, Args a, int64_t n) -> Result<ArrayPtr> {
          return MapRows<DoubleBuilder>(ctx, a, n, [&](int64_t i, DoubleBuilder* b) -> Status {
            double x = DV(a, 0, i), y = DV(a, 1, i);
            if (x == 0 && y < 0) return ExecError("power: zero raised to a negative power");
            if (x < 0 && y != std::floor(y)) {
              return ExecError("power: a negative number raised to a non-integer power");
            }
            b->Append(std::pow(x, y));
            return Status::OK();
          });
        },
        true));
    Add(r, std::move(pow));
  }
  {
    ScalarFunction pi{"pi", {}, {}, "π"};
    pi.signatures.push_back(MakeSig({}, Returns(float64()),
                                    [](const KernelContext&, Args, int64_t n) -> Result<ArrayPtr> {
                                      return BroadcastScalar(Scalar::Float64(M_PI), n);
                                    }));
    Add(r, std::move(pi));
  }
  auto any_cmp = TypeMatcher::Unified([](const DataType& t) { return !t.is_nested(); });
  for (bool greatest : {true, false}) {
    ScalarFunction fn;
    fn.name = greatest ? "greatest" : "least";
    auto sig =
        MakeSig({any_cmp}, ReturnsParam(0),
                greatest ? ScalarKernel(ExtremeKernel<true>) : ScalarKernel(ExtremeKernel<false>));
    sig.variadic = true;
    sig.min_args = 1;
    sig.null_propagating = false;
    fn.signatures.push_back(std::move(sig));
    Add(r, std::move(fn));
  }
  {
    ScalarFunction fn{"nullif", {}, {}, "NULL when a = b, else a"};
    auto sig = MakeSig({any_cmp, any_cmp}, ReturnsParam(0), NullIfKernel);
    sig.null_propagating = false;
    fn.signatures.push_back(std::move(sig));
    Add(r, std::move(fn));
  }
  {
    ScalarFunction fn{"if", {"iff", "if_then_else"}, {}, "IF(cond, a, b)"};
    auto sig = MakeSig({E(TypeId::kBoolean), TypeMatcher::Unified(), TypeMatcher::Unified()},
                       ReturnsParam(1), IfKernel);
    sig.null_propagating = false;
    fn.signatures.push_back(std::move(sig));
    Add(r, std::move(fn));
  }
}

}  // namespace laminar::function
