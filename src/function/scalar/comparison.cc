// Comparison operators: eq, neq, lt, lte, gt, gte, is_distinct_from, is_not_distinct_from.
#include <fmt/format.h>

#include "function/registry.h"
#include "function/scalar/kernel_util.h"

namespace laminar::function {

using columnar::Buffer;
using columnar::DataType;
using internal::FillBits;
namespace bit_util = columnar::bit_util;

namespace {

enum class CmpOp { kEq, kNeq, kLt, kLte, kGt, kGte };

/// Total order key of an INTERVAL (30-day months, 24-hour days), as PostgreSQL compares them.
inline int128_t IntervalKey(const Interval& iv) {
  constexpr int128_t kDayNanos = int128_t{86400} * 1'000'000'000;
  return (int128_t{iv.months} * 30 + iv.days) * kDayNanos + iv.nanos;
}

template <CmpOp kOp, typename T>
inline bool Compare(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, Interval>) {
    return Compare<kOp, int128_t>(IntervalKey(a), IntervalKey(b));
  } else {
    if constexpr (kOp == CmpOp::kEq) return a == b;
    if constexpr (kOp == CmpOp::kNeq) return a != b;
    if constexpr (kOp == CmpOp::kLt) return a < b;
    if constexpr (kOp == CmpOp::kLte) return a <= b;
    if constexpr (kOp == CmpOp::kGt) return a > b;
    if constexpr (kOp == CmpOp::kGte) return a >= b;
  }
}

template <CmpOp kOp, typename T>
ArrayPtr CompareFixed(std::span<const Datum> args, int64_t n, BufferPtr validity, int64_t nc) {
  FixedReader<T> a(args[0]), b(args[1]);
  auto values = Buffer::Allocate(bit_util::BytesForBits(n));
  uint8_t* out = values->mutable_data();
  if (a.is_scalar && b.is_scalar) {
    const bool v = Compare<kOp, T>(a.scalar, b.scalar);
    FillBits(out, n, [&](int64_t) { return v; });
  } else if (!a.is_scalar && !b.is_scalar) {
    const T* av = a.values;
    const T* bv = b.values;
    FillBits(out, n, [&](int64_t i) { return Compare<kOp, T>(av[i], bv[i]); });
  } else if (b.is_scalar) {
    const T* av = a.values;
    const T bs = b.scalar;
    FillBits(out, n, [&](int64_t i) { return Compare<kOp, T>(av[i], bs); });
  } else {
    const T as = a.scalar;
    const T* bv = b.values;
    FillBits(out, n, [&](int64_t i) { return Compare<kOp, T>(as, bv[i]); });
  }
  return MakeFixedArray(columnar::boolean(), n, std::move(validity), std::move(values), nc);
}

template <CmpOp kOp>
Result<ArrayPtr> CompareKernel(const KernelContext&, std::span<const Datum> args, int64_t n) {
  int64_t nc = 0;
  BufferPtr validity = CombineValidity(args, n, &nc);
  const TypeId id = args[0].type()->id();
  ArrayPtr out;
  if (columnar::VisitFixedWidth(
          id, [&]<typename T>() { out = CompareFixed<kOp, T>(args, n, validity, nc); })) {
    return out;
  }
  auto values = Buffer::Allocate(bit_util::BytesForBits(n));
  uint8_t* bits = values->mutable_data();
  if (id == TypeId::kBoolean) {
    BoolReader a(args[0]), b(args[1]);
    FillBits(bits, n, [&](int64_t i) { return Compare<kOp, int>(a[i], b[i]); });
  } else if (id == TypeId::kString || id == TypeId::kBinary) {
    StringReader a(args[0]), b(args[1]);
    FillBits(bits, n, [&](int64_t i) {
      if (validity && !bit_util::GetBit(validity->data(), i)) return false;
      return Compare<kOp, std::string_view>(a[i], b[i]);
    });
  } else if (id == TypeId::kNull) {
    return columnar::MakeNullArray(columnar::boolean(), n);
  } else {
    // Nested types: compare as values.
    FillBits(bits, n, [&](int64_t i) {
      if (validity && !bit_util::GetBit(validity->data(), i)) return false;
      Scalar x = args[0].is_scalar() ? *args[0].scalar : columnar::GetScalar(*args[0].array, i);
      Scalar y = args[1].is_scalar() ? *args[1].scalar : columnar::GetScalar(*args[1].array, i);
      bool eq = x.Equals(y);
      if constexpr (kOp == CmpOp::kEq) return eq;
      if constexpr (kOp == CmpOp::kNeq) return !eq;
      return Compare<kOp, std::string>(x.ToString(), y.ToString());
    });
  }
  return MakeFixedArray(columnar::boolean(), n, std::move(validity), std::move(values), nc);
}

/// IS [NOT] DISTINCT FROM: NULLs compare equal to each other; the result is never NULL.
template <bool kDistinct>
Result<ArrayPtr> DistinctKernel(const KernelContext& ctx, std::span<const Datum> args, int64_t n) {
  LAMINAR_ASSIGN_OR_RETURN(auto eq, CompareKernel<CmpOp::kEq>(ctx, args, n));
  auto values = Buffer::Allocate(bit_util::BytesForBits(n));
  uint8_t* bits = values->mutable_data();
  FillBits(bits, n, [&](int64_t i) {
    bool an = args[0].IsNull(i), bn = args[1].IsNull(i);
    bool same = (an && bn) || (!an && !bn && eq->GetBool(i));
    return kDistinct ? !same : same;
  });
  return MakeFixedArray(columnar::boolean(), n, nullptr, std::move(values), 0);
}

bool Comparable(const DataType& t) { return t.id() != TypeId::kStruct; }

template <CmpOp kOp>
void RegisterCompare(FunctionRegistry* registry, const char* name) {
  ScalarFunction fn;
  fn.name = name;
  ScalarSignature s;
  s.params = {TypeMatcher::Unified(Comparable), TypeMatcher::Unified(Comparable)};
  s.return_type = Returns(columnar::boolean());
  s.kernel = CompareKernel<kOp>;
  fn.signatures.push_back(std::move(s));
  LAMINAR_CHECK(registry->RegisterScalar(std::move(fn)).ok());
}

}  // namespace

void RegisterComparisonFunctions(FunctionRegistry* registry) {
  RegisterCompare<CmpOp::kEq>(registry, "eq");
  RegisterCompare<CmpOp::kNeq>(registry, "neq");
  RegisterCompare<CmpOp::kLt>(registry, "lt");
  RegisterCompare<CmpOp::kLte>(registry, "lte");
  RegisterCompare<CmpOp::kGt>(registry, "gt");
  RegisterCompare<CmpOp::kGte>(registry, "gte");
  for (bool distinct : {true, false}) {
    ScalarFunction fn;
    fn.name = distinct ? "is_distinct_from" : "is_not_distinct_from";
    ScalarSignature s;
    s.params = {TypeMatcher::Unified(Comparable), TypeMatcher::Unified(Comparable)};
    s.return_type = Returns(columnar::boolean());
    s.kernel = distinct ? ScalarKernel(DistinctKernel<true>) : ScalarKernel(DistinctKernel<false>);
    s.null_propagating = false;
    fn.signatures.push_back(std::move(s));
    LAMINAR_CHECK(registry->RegisterScalar(std::move(fn)).ok());
  }
}

}  // namespace laminar::function
