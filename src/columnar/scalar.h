#pragma once

#include <string>
#include <variant>
#include <vector>

#include "columnar/array.h"

namespace laminar::columnar {

/// One typed value (or a typed NULL): SQL literals, row-at-a-time APIs, test helpers and
/// printing. Storage is by physical class: all integers, DATE, TIME and TIMESTAMP as int64;
/// FLOAT/DOUBLE as double; DECIMAL as int128 (unscaled); VARCHAR/VARBINARY as std::string;
/// INTERVAL as Interval; LIST/STRUCT as a vector of element scalars.
/// Not for hot paths: kernels work on arrays.
class Scalar {
 public:
  using Storage = std::variant<std::monostate, bool, int64_t, double, int128_t, std::string,
                               Interval, std::vector<Scalar>>;

  Scalar() : type_(null_type()) {}
  Scalar(DataTypePtr type, Storage value) : type_(std::move(type)), value_(std::move(value)) {}

  static Scalar Null(DataTypePtr type) { return Scalar(std::move(type), std::monostate{}); }
  static Scalar Boolean(bool v) { return Scalar(boolean(), v); }
  static Scalar Int64(int64_t v) { return Scalar(int64(), v); }
  static Scalar Int32(int32_t v) { return Scalar(int32(), int64_t{v}); }
  static Scalar Float64(double v) { return Scalar(float64(), v); }
  static Scalar String(std::string v) { return Scalar(utf8(), std::move(v)); }
  static Scalar Timestamp(int64_t micros) { return Scalar(timestamp(), micros); }
  static Scalar Date(int32_t days) { return Scalar(date32(), int64_t{days}); }
  static Scalar MakeInterval(Interval v) { return Scalar(interval(), v); }
  static Scalar Decimal(int128_t unscaled, int precision, int scale) {
    return Scalar(decimal128(precision, scale), unscaled);
  }

  const DataTypePtr& type() const { return type_; }
  bool is_null() const { return std::holds_alternative<std::monostate>(value_); }
  bool is_valid() const { return !is_null(); }
  const Storage& storage() const { return value_; }

  bool bool_value() const { return std::get<bool>(value_); }
  int64_t int_value() const { return std::get<int64_t>(value_); }
  double double_value() const { return std::get<double>(value_); }
  int128_t decimal_value() const { return std::get<int128_t>(value_); }
  const std::string& string_value() const { return std::get<std::string>(value_); }
  const Interval& interval_value() const { return std::get<Interval>(value_); }
  const std::vector<Scalar>& children() const { return std::get<std::vector<Scalar>>(value_); }

  /// Numeric value as double (integers, floats, decimals); 0 for others.
  double ToDouble() const;

  /// Text rendering used by the shell and the SQL logic test runner: NULL, true/false,
  /// `YYYY-MM-DD HH:MM:SS[.ffffff]`, decimals with their scale, shortest round-trip doubles,
  /// `[1, 2]` for lists, `{a: 1}` for structs. Strings are returned raw.
  std::string ToString() const;

  /// Parses text into a value of `type` (CSV cells, test literals, string → typed casts).
  /// "NULL" (any case) yields NULL unless the type is a string type.
  static Result<Scalar> Parse(const DataTypePtr& type, std::string_view text);

  bool Equals(const Scalar& other) const;
  bool operator==(const Scalar& other) const { return Equals(other); }

 private:
  DataTypePtr type_;
  Storage value_;
};

/// Total order for sorting: NULLs last, numbers compared numerically across integer/float/
/// decimal storage, strings bytewise, intervals by (months, days, nanos), lists
/// lexicographically. Returns <0, 0 or >0.
int CompareScalars(const Scalar& a, const Scalar& b);

/// Element i of an array as a scalar.
Scalar GetScalar(const Array& array, int64_t i);

/// Formats an unscaled decimal, e.g. (12345, 2) → "123.45".
std::string FormatDecimal(int128_t unscaled, int scale);
/// Parses "123.45" into an unscaled value at `scale`; errors on overflow of `precision` digits.
Result<int128_t> ParseDecimal(std::string_view text, int precision, int scale);
/// Shortest text that reads back as the same double ("2", "2.5", "1e+20", "NaN", "inf").
std::string FormatDouble(double v);

}  // namespace laminar::columnar
