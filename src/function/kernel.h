#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "columnar/array.h"
#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "common/result.h"

namespace laminar::function {

using columnar::Array;
using columnar::ArrayPtr;
using columnar::BufferPtr;
using columnar::DataTypePtr;
using columnar::int128_t;
using columnar::Scalar;
using columnar::TypeId;

/// Per-evaluation inputs that are not columns.
struct EvalContext {
  /// NOW()/CURRENT_TIMESTAMP in µs since the epoch. Streaming queries bind it to the watermark;
  /// INT64_MIN means "read the wall clock".
  int64_t now_micros = std::numeric_limits<int64_t>::min();
  /// WATERMARK(): the evaluating streaming operator's input watermark in µs; INT64_MIN (no
  /// watermark yet, or an ad-hoc query) makes it NULL.
  int64_t watermark_micros = std::numeric_limits<int64_t>::min();
};

/// A kernel argument: a column of `num_rows` values, or one literal broadcast to every row
/// (literals are never materialised unless a kernel asks for it).
/// Lifetime: `scalar` points into the compiled expression (or the caller's frame) and is valid for
/// the duration of the kernel call.
struct Datum {
  ArrayPtr array;
  const Scalar* scalar = nullptr;

  static Datum FromArray(ArrayPtr a) { return Datum{std::move(a), nullptr}; }
  static Datum FromScalar(const Scalar* s) { return Datum{nullptr, s}; }
  bool is_scalar() const { return array == nullptr; }
  const DataTypePtr& type() const { return array ? array->type() : scalar->type(); }
  /// True when row i is NULL.
  bool IsNull(int64_t i) const { return array ? array->IsNull(i) : scalar->is_null(); }
};

/// What a kernel sees besides its arguments.
struct KernelContext {
  const EvalContext* eval = nullptr;
  /// Call-site state built once at compile time by the signature's `init` (e.g. a compiled
  /// regular expression for a literal pattern); nullptr when the signature has no init.
  const void* state = nullptr;
  /// The resolved result type of the call.
  DataTypePtr out_type;
  /// Set by TRY_ variants; kernels that can fail per row emit NULL instead of an error.
  bool null_on_error = false;
};

/// A vectorised scalar function body: produces exactly `num_rows` values. Invoked once per batch
/// (never per row). Arguments already have the exact parameter types of the signature.
using ScalarKernel =
    std::function<Result<ArrayPtr>(const KernelContext&, std::span<const Datum>, int64_t)>;

/// Builds call-site state from the literal arguments (nullptr entries for non-literal ones).
using KernelInit =
    std::function<Result<std::shared_ptr<const void>>(const std::vector<const Scalar*>& literals)>;

// ---------------------------------------------------------------------------------------------
// Helpers for writing kernels.

/// Materialises a datum as an array of `num_rows` values (broadcasting a scalar).
ArrayPtr MaterializeDatum(const Datum& d, int64_t num_rows);
/// An array of `num_rows` copies of `value`.
ArrayPtr BroadcastScalar(const Scalar& value, int64_t num_rows);

/// A bitmap (offset 0) that is the AND of the validity of every datum, or nullptr when no row is
/// NULL. `*null_count` receives the number of NULL rows.
BufferPtr CombineValidity(std::span<const Datum> args, int64_t num_rows, int64_t* null_count);
/// The validity of one array re-based to offset 0 (zero-copy when already at offset 0).
BufferPtr AlignedValidity(const Array& array, int64_t* null_count);

/// Allocates a values buffer for `n` elements of T.
template <typename T>
inline BufferPtr AllocateValues(int64_t n) {
  return columnar::Buffer::Allocate(std::max<int64_t>(n, 1) * static_cast<int64_t>(sizeof(T)));
}
/// Like AllocateValues, for kernels that write all `n` elements (no zero fill first).
template <typename T>
inline BufferPtr AllocateValuesForOverwrite(int64_t n) {
  return columnar::Buffer::AllocateUninitialized(std::max<int64_t>(n, 1) *
                                                 static_cast<int64_t>(sizeof(T)));
}
/// Wraps fixed-width (or boolean) values and validity into an array.
ArrayPtr MakeFixedArray(const DataTypePtr& type, int64_t n, BufferPtr validity, BufferPtr values,
                        int64_t null_count);

/// Typed random access to a fixed-width datum (column or broadcast scalar).
template <typename T>
struct FixedReader {
  const T* values = nullptr;
  T scalar{};
  bool is_scalar = false;
  bool scalar_null = false;
  const Array* array = nullptr;

  explicit FixedReader(const Datum& d) {
    if (d.is_scalar()) {
      is_scalar = true;
      scalar_null = d.scalar->is_null();
      if (!scalar_null) scalar = ScalarAs(*d.scalar);
    } else {
      array = d.array.get();
      values = array->values<T>();
    }
  }
  T operator[](int64_t i) const { return is_scalar ? scalar : values[i]; }
  bool IsNull(int64_t i) const { return is_scalar ? scalar_null : array->IsNull(i); }

  static T ScalarAs(const Scalar& s) {
    const auto& st = s.storage();
    if constexpr (std::is_same_v<T, Interval>) {
      return std::get<Interval>(st);
    } else if constexpr (std::is_same_v<T, int128_t>) {
      if (std::holds_alternative<int128_t>(st)) return std::get<int128_t>(st);
      return static_cast<int128_t>(std::get<int64_t>(st));
    } else if constexpr (std::is_floating_point_v<T>) {
      if (std::holds_alternative<double>(st)) return static_cast<T>(std::get<double>(st));
      return static_cast<T>(std::get<int64_t>(st));
    } else {
      if (std::holds_alternative<int64_t>(st)) return static_cast<T>(std::get<int64_t>(st));
      if (std::holds_alternative<bool>(st)) return static_cast<T>(std::get<bool>(st));
      return static_cast<T>(std::get<double>(st));
    }
  }
};

/// Random access to a VARCHAR/VARBINARY datum.
struct StringReader {
  const Array* array = nullptr;
  std::string_view scalar;
  bool scalar_null = false;

  explicit StringReader(const Datum& d) {
    if (d.is_scalar()) {
      scalar_null = d.scalar->is_null();
      if (!scalar_null) scalar = d.scalar->string_value();
    } else {
      array = d.array.get();
    }
  }
  std::string_view operator[](int64_t i) const { return array ? array->GetView(i) : scalar; }
  bool IsNull(int64_t i) const { return array ? array->IsNull(i) : scalar_null; }
};

/// Random access to a BOOLEAN datum.
struct BoolReader {
  const Array* array = nullptr;
  bool scalar = false;
  bool scalar_null = false;
  explicit BoolReader(const Datum& d) {
    if (d.is_scalar()) {
      scalar_null = d.scalar->is_null();
      if (!scalar_null) scalar = d.scalar->bool_value();
    } else {
      array = d.array.get();
    }
  }
  bool operator[](int64_t i) const { return array ? array->GetBool(i) : scalar; }
  bool IsNull(int64_t i) const { return array ? array->IsNull(i) : scalar_null; }
};

/// Status for a runtime evaluation failure (LDB-7001).
Status ExecError(std::string message);

}  // namespace laminar::function
