// CAST between all types with SQL rules (see evaluator.h: CastArray).
#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "columnar/builder.h"
#include "function/evaluator.h"
#include "function/scalar/timestamp_text.h"

namespace laminar::function {

using columnar::Buffer;
using columnar::DataType;
namespace bit_util = columnar::bit_util;

namespace {

constexpr int128_t Pow10(int n) {
  int128_t r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

/// Divides by 10^digits rounding half away from zero.
int128_t RoundDiv(int128_t v, int digits) {
  if (digits <= 0) return v;
  int128_t p = Pow10(digits);
  int128_t q = v / p, r = v % p;
  if (r < 0) r = -r;
  if (r * 2 >= p) q += v < 0 ? -1 : 1;
  return q;
}

/// Rescales an unscaled decimal; false on overflow of `precision` digits.
bool Rescale(int128_t v, int from_scale, int to_scale, int precision, int128_t* out) {
  int128_t r;
  if (to_scale >= from_scale) {
    if (__builtin_mul_overflow(v, Pow10(to_scale - from_scale), &r)) return false;
  } else {
    r = RoundDiv(v, from_scale - to_scale);
  }
  int128_t limit = Pow10(precision);
  if (r >= limit || r <= -limit) return false;
  *out = r;
  return true;
}

/// Numeric conversion of one value; false when it does not fit.
template <typename From, typename To>
bool ConvertNumeric(From v, const DataType& from, const DataType& to, To* out) {
  constexpr bool from_dec = std::is_same_v<From, int128_t>;
  constexpr bool to_dec = std::is_same_v<To, int128_t>;
  if constexpr (from_dec && to_dec) {
    return Rescale(v, from.scale(), to.scale(), to.precision(), out);
  } else if constexpr (from_dec && std::is_floating_point_v<To>) {
    *out = static_cast<To>(static_cast<double>(v) / std::pow(10.0, from.scale()));
    return true;
  } else if constexpr (from_dec) {
    int128_t r = RoundDiv(v, from.scale());
    if (r < std::numeric_limits<To>::min() || r > std::numeric_limits<To>::max()) return false;
    *out = static_cast<To>(r);
    return true;
  } else if constexpr (to_dec && std::is_floating_point_v<From>) {
    if (!std::isfinite(v)) return false;
    long double scaled = std::round(static_cast<long double>(v) *
                                    std::pow(10.0L, static_cast<long double>(to.scale())));
    long double limit = std::pow(10.0L, static_cast<long double>(to.precision()));
    if (scaled >= limit || scaled <= -limit) return false;
    *out = static_cast<int128_t>(scaled);
    return true;
  } else if constexpr (to_dec) {
    return Rescale(static_cast<int128_t>(v), 0, to.scale(), to.precision(), out);
  } else if constexpr (std::is_floating_point_v<To>) {
    *out = static_cast<To>(v);
    return true;
  } else if constexpr (std::is_floating_point_v<From>) {
    if (!std::isfinite(v)) return false;
    double r = std::nearbyint(static_cast<double>(v));
    // -min is a power of two, exactly representable: valid results lie in [min, -min).
    const double lo = static_cast<double>(std::numeric_limits<To>::min());
    if (!(r >= lo && r < -lo)) return false;
    *out = static_cast<To>(r);
    return true;
  } else {
    if (v < std::numeric_limits<To>::min() || v > std::numeric_limits<To>::max()) return false;
    *out = static_cast<To>(v);
    return true;
  }
}

std::string ValueText(const Array& a, int64_t i) {
  auto s = columnar::GetScalar(a, i);
  if (s.type()->is_binary_like()) return fmt::format("'{}'", s.ToString());
  return s.ToString();
}

Status CastFailure(const Array& a, int64_t i, const DataType& to) {
  return Status::Invalid(fmt::format("cannot cast {} to {}", ValueText(a, i), to.ToString()),
                         ErrorCode::kQueryExecutionFailed);
}

/// Applies the failures of a cast: error (first failing row) or NULL in those rows.
Result<ArrayPtr> FinishWithFailures(const Array& src, ArrayPtr out,
                                    const std::vector<int64_t>& failures, bool try_cast) {
  if (failures.empty()) return out;
  if (!try_cast) return CastFailure(src, failures[0], *out->type());
  const int64_t n = out->length();
  auto validity = Buffer::Allocate(bit_util::BytesForBits(n));
  int64_t nc = 0;
  BufferPtr old = AlignedValidity(*out, &nc);
  if (old) {
    std::memcpy(validity->mutable_data(), old->data(),
                static_cast<size_t>(bit_util::BytesForBits(n)));
  } else {
    std::memset(validity->mutable_data(), 0xFF, static_cast<size_t>(validity->capacity()));
  }
  for (int64_t r : failures) bit_util::ClearBit(validity->mutable_data(), r);
  std::vector<BufferPtr> buffers = out->buffers();
  buffers[0] = validity;
  int64_t nulls = n - bit_util::CountSetBits(validity->data(), 0, n);
  // Re-base: `out` was built at offset 0.
  return std::make_shared<Array>(out->type(), n, std::move(buffers), out->children(), nulls);
}

template <typename From, typename To, typename Conv>
Result<ArrayPtr> CastFixedLoop(const Array& a, const DataTypePtr& to, bool try_cast, Conv conv) {
  const int64_t n = a.length();
  auto values = AllocateValuesForOverwrite<To>(n);
  To* dst = reinterpret_cast<To*>(values->mutable_data());
  const From* src = a.values<From>();
  std::vector<int64_t> failures;
  const bool has_nulls = a.null_count() != 0 && a.validity() != nullptr;
  for (int64_t i = 0; i < n; ++i) {
    if (!conv(src[i], &dst[i])) {
      dst[i] = To{};
      if (!has_nulls || a.IsValid(i)) failures.push_back(i);
    }
  }
  int64_t nc = 0;
  BufferPtr validity = AlignedValidity(a, &nc);
  return FinishWithFailures(a, MakeFixedArray(to, n, validity, values, nc), failures, try_cast);
}

bool IsNumericPhysical(TypeId id) { return (id >= TypeId::kInt8 && id <= TypeId::kDecimal128); }

Result<ArrayPtr> CastNumeric(const Array& a, const DataTypePtr& to, bool try_cast) {
  Result<ArrayPtr> result = Status::Internal("unreachable numeric cast");
  const DataType& from_t = *a.type();
  const DataType& to_t = *to;
  columnar::VisitFixedWidth(a.type_id(), [&]<typename From>() {
    if constexpr (std::is_arithmetic_v<From> || std::is_same_v<From, int128_t>) {
      columnar::VisitFixedWidth(to->id(), [&]<typename To>() {
        if constexpr (std::is_arithmetic_v<To> || std::is_same_v<To, int128_t>) {
          result = CastFixedLoop<From, To>(a, to, try_cast, [&](From v, To* out) {
            return ConvertNumeric<From, To>(v, from_t, to_t, out);
          });
        }
      });
    }
  });
  return result;
}

Result<ArrayPtr> CastToString(const Array& a, const DataTypePtr& to) {
  const int64_t n = a.length();
  columnar::BinaryBuilder b(to);
  b.Reserve(n);
  if (a.type()->is_binary_like()) {
    for (int64_t i = 0; i < n; ++i) {
      if (a.IsNull(i))
        b.AppendNull();
      else
        b.Append(a.GetView(i));
    }
    return b.Finish();
  }
  char buf[64];
  for (int64_t i = 0; i < n; ++i) {
    if (a.IsNull(i)) {
      b.AppendNull();
      continue;
    }
    switch (a.type_id()) {
      case TypeId::kInt64: {
        auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), a.values<int64_t>()[i]);
        b.Append(std::string_view(buf, static_cast<size_t>(p - buf)));
        break;
      }
      case TypeId::kInt32: {
        auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), a.values<int32_t>()[i]);
        b.Append(std::string_view(buf, static_cast<size_t>(p - buf)));
        break;
      }
      case TypeId::kTimestamp: {
        static_assert(sizeof(buf) >= internal::kMaxTimestampTextSize);
        b.Append(std::string_view(buf, internal::WriteTimestampText(a.values<int64_t>()[i], buf)));
        break;
      }
      default:
        b.Append(columnar::GetScalar(a, i).ToString());
    }
  }
  return b.Finish();
}

template <typename T>
bool ParseInteger(std::string_view t, T* out) {
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  if (t.empty()) return false;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), *out);
  return ec == std::errc() && p == t.data() + t.size();
}

Result<ArrayPtr> CastFromString(const Array& a, const DataTypePtr& to, bool try_cast) {
  const int64_t n = a.length();
  if (to->is_binary_like()) {
    return std::make_shared<Array>(to, n, a.buffers(), a.children(), a.null_count(), a.offset());
  }
  std::vector<int64_t> failures;
  ArrayPtr out;
  bool handled = false;
  if (to->is_integer()) {
    columnar::VisitFixedWidth(to->id(), [&]<typename T>() {
      if constexpr (std::is_integral_v<T>) {
        auto values = AllocateValues<T>(n);
        T* dst = reinterpret_cast<T*>(values->mutable_data());
        for (int64_t i = 0; i < n; ++i) {
          if (a.IsNull(i)) {
            dst[i] = 0;
          } else if (!ParseInteger<T>(a.GetView(i), &dst[i])) {
            // Accept "12.0"-style text through the generic parser (rounds like CAST(DOUBLE)).
            dst[i] = 0;
            failures.push_back(i);
          }
        }
        int64_t nc = 0;
        BufferPtr validity = AlignedValidity(a, &nc);
        out = MakeFixedArray(to, n, validity, values, nc);
        handled = true;
      }
    });
  }
  if (handled) return FinishWithFailures(a, std::move(out), failures, try_cast);
  auto builder = columnar::MakeBuilder(to);
  builder->Reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (a.IsNull(i)) {
      builder->AppendNull();
      continue;
    }
    std::string_view text = a.GetView(i);
    Result<Scalar> parsed = Status::Invalid("");
    if (to->id() == TypeId::kList || to->id() == TypeId::kStruct) {
      parsed = Scalar::Parse(to, text);
    } else {
      parsed = Scalar::Parse(to, text);
      if (parsed.ok() && parsed->is_null()) parsed = Status::Invalid("NULL text");
    }
    if (!parsed.ok()) {
      if (!try_cast) return CastFailure(a, i, *to);
      builder->AppendNull();
      continue;
    }
    LAMINAR_RETURN_NOT_OK(builder->AppendScalar(*parsed));
  }
  return builder->Finish();
}

Status Unsupported(const DataType& from, const DataType& to) {
  return Status::TypeError(fmt::format("cannot cast {} to {}", from.ToString(), to.ToString()),
                           ErrorCode::kTypeMismatch);
}

}  // namespace

Result<ArrayPtr> CastArray(const ArrayPtr& array, const DataTypePtr& to, bool try_cast) {
  const Array& a = *array;
  const DataType& from = *a.type();
  const int64_t n = a.length();
  if (from.Equals(*to)) return array;
  if (from.id() == TypeId::kNull) return columnar::MakeNullArray(to, n);
  if (to->id() == TypeId::kString || to->id() == TypeId::kBinary) {
    if (from.is_binary_like()) {
      return std::make_shared<Array>(to, n, a.buffers(), a.children(), a.null_count(), a.offset());
    }
    return CastToString(a, to);
  }
  if (from.is_binary_like()) return CastFromString(a, to, try_cast);
  const TypeId fid = from.id(), tid = to->id();
  if (IsNumericPhysical(fid) && IsNumericPhysical(tid)) return CastNumeric(a, to, try_cast);
  if (fid == TypeId::kBoolean && IsNumericPhysical(tid)) {
    auto ints = columnar::MakeBuilder(columnar::int8());
    auto* b = static_cast<columnar::FixedWidthBuilder<int8_t>*>(ints.get());
    b->Reserve(n);
    for (int64_t i = 0; i < n; ++i) {
      if (a.IsNull(i))
        b->AppendNull();
      else
        b->UnsafeAppend(a.GetBool(i) ? 1 : 0);
    }
    return CastArray(b->Finish(), to, try_cast);
  }
  if (IsNumericPhysical(fid) && tid == TypeId::kBoolean) {
    LAMINAR_ASSIGN_OR_RETURN(auto as_double, CastNumeric(a, columnar::float64(), try_cast));
    columnar::BooleanBuilder b;
    b.Reserve(n);
    const double* v = as_double->values<double>();
    for (int64_t i = 0; i < n; ++i) {
      if (as_double->IsNull(i))
        b.AppendNull();
      else
        b.Append(v[i] != 0);
    }
    return b.Finish();
  }
  if (fid == TypeId::kDate32 && tid == TypeId::kTimestamp) {
    return CastFixedLoop<int32_t, int64_t>(a, to, try_cast, [](int32_t d, int64_t* out) {
      *out = int64_t{d} * kMicrosPerDay;
      return true;
    });
  }
  if (fid == TypeId::kTimestamp && tid == TypeId::kDate32) {
    return CastFixedLoop<int64_t, int32_t>(a, to, try_cast, [](int64_t ts, int32_t* out) {
      int64_t d = ts / kMicrosPerDay;
      if (ts % kMicrosPerDay < 0) --d;
      *out = static_cast<int32_t>(d);
      return true;
    });
  }
  if (fid == TypeId::kTimestamp && tid == TypeId::kTime64) {
    return CastFixedLoop<int64_t, int64_t>(a, to, try_cast, [](int64_t ts, int64_t* out) {
      int64_t r = ts % kMicrosPerDay;
      *out = r < 0 ? r + kMicrosPerDay : r;
      return true;
    });
  }
  if (fid == TypeId::kList && tid == TypeId::kList) {
    LAMINAR_ASSIGN_OR_RETURN(auto child, CastArray(a.child(0), to->value_type(), try_cast));
    return std::make_shared<Array>(to, n, a.buffers(), std::vector<ArrayPtr>{child}, a.null_count(),
                                   a.offset());
  }
  return Unsupported(from, *to);
}

Result<Scalar> CastScalar(const Scalar& value, const DataTypePtr& to, bool try_cast) {
  if (value.type()->Equals(*to)) return value;
  if (value.is_null()) return Scalar::Null(to);
  auto arr = BroadcastScalar(value, 1);
  LAMINAR_ASSIGN_OR_RETURN(auto out, CastArray(arr, to, try_cast));
  return columnar::GetScalar(*out, 0);
}

}  // namespace laminar::function
