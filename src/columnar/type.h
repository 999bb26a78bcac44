#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace laminar::columnar {

/// Logical types. Each maps to one Arrow physical layout (see `docs/columnar.md`):
///   kNull        no buffers                       (Arrow "n")
///   kBoolean     validity + bit-packed values      ("b")
///   kInt8..64    validity + values                 ("c" "s" "i" "l")
///   kFloat32/64  validity + values                 ("f" "g")
///   kDecimal128  validity + 16-byte values         ("d:p,s")
///   kString      validity + int32 offsets + data   ("u")
///   kBinary      validity + int32 offsets + data   ("z")
///   kDate32      validity + int32 days             ("tdD")
///   kTime64      validity + int64 µs               ("ttu")
///   kTimestamp   validity + int64 µs, no zone      ("tsu:")
///   kInterval    validity + 16-byte month/day/nano ("tin")
///   kList        validity + int32 offsets, child   ("+l")
///   kStruct      validity, children                ("+s")
/// Persisted in checkpoints and the catalog: never renumber.
enum class TypeId : uint8_t {
  kNull = 0,
  kBoolean = 1,
  kInt8 = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kFloat32 = 6,
  kFloat64 = 7,
  kDecimal128 = 8,
  kString = 9,
  kBinary = 10,
  kDate32 = 11,
  kTime64 = 12,
  kTimestamp = 13,
  kInterval = 14,
  kList = 15,
  kStruct = 16,
};

class DataType;
using DataTypePtr = std::shared_ptr<const DataType>;
struct Field;
using FieldPtr = std::shared_ptr<const Field>;

/// A column: name, type, nullability.
struct Field {
  std::string name;
  DataTypePtr type;
  bool nullable = true;

  Field(std::string n, DataTypePtr t, bool null_ok = true)
      : name(std::move(n)), type(std::move(t)), nullable(null_ok) {}
  bool Equals(const Field& other) const;
  std::string ToString() const;
};

/// An immutable type descriptor, shared by pointer. Parameterised types carry precision/scale
/// (DECIMAL) or child fields (LIST: one child named "item"; STRUCT: its fields).
class DataType {
 public:
  explicit DataType(TypeId id) : id_(id) {}
  DataType(TypeId id, int precision, int scale) : id_(id), precision_(precision), scale_(scale) {}
  DataType(TypeId id, std::vector<FieldPtr> children) : id_(id), children_(std::move(children)) {}

  TypeId id() const { return id_; }
  int precision() const { return precision_; }
  int scale() const { return scale_; }
  const std::vector<FieldPtr>& children() const { return children_; }
  /// Element type of a LIST.
  const DataTypePtr& value_type() const { return children_[0]->type; }

  bool Equals(const DataType& other) const;
  /// SQL spelling: BIGINT, DECIMAL(10,2), VARCHAR, TIMESTAMP, LIST<BIGINT>, STRUCT<a BIGINT>.
  std::string ToString() const;

  /// Bytes per value for fixed-width types (booleans: 0, bit-packed); -1 for variable width.
  int byte_width() const;
  bool is_integer() const { return id_ >= TypeId::kInt8 && id_ <= TypeId::kInt64; }
  bool is_floating() const { return id_ == TypeId::kFloat32 || id_ == TypeId::kFloat64; }
  bool is_numeric() const { return is_integer() || is_floating() || id_ == TypeId::kDecimal128; }
  bool is_binary_like() const { return id_ == TypeId::kString || id_ == TypeId::kBinary; }
  bool is_temporal() const {
    return id_ == TypeId::kDate32 || id_ == TypeId::kTime64 || id_ == TypeId::kTimestamp;
  }
  bool is_nested() const { return id_ == TypeId::kList || id_ == TypeId::kStruct; }

 private:
  TypeId id_;
  int precision_ = 0;
  int scale_ = 0;
  std::vector<FieldPtr> children_;
};

inline bool operator==(const DataType& a, const DataType& b) { return a.Equals(b); }

// Singletons for the parameterless types.
const DataTypePtr& null_type();
const DataTypePtr& boolean();
const DataTypePtr& int8();
const DataTypePtr& int16();
const DataTypePtr& int32();
const DataTypePtr& int64();
const DataTypePtr& float32();
const DataTypePtr& float64();
const DataTypePtr& utf8();
const DataTypePtr& binary();
const DataTypePtr& date32();
const DataTypePtr& time64();
const DataTypePtr& timestamp();
const DataTypePtr& interval();
DataTypePtr decimal128(int precision, int scale);
DataTypePtr list(DataTypePtr value_type);
DataTypePtr struct_(std::vector<FieldPtr> fields);

/// The singleton (or a default-parameterised instance) for a type id.
DataTypePtr TypeFromId(TypeId id);

/// Parses a SQL type name: BOOLEAN, TINYINT, SMALLINT, INT/INTEGER, BIGINT, FLOAT/REAL, DOUBLE,
/// DECIMAL(p,s)/NUMERIC, VARCHAR/TEXT/STRING/CHAR/JSON/UUID, VARBINARY/BYTEA/BLOB/BINARY, DATE,
/// TIME, TIMESTAMP, INTERVAL, ARRAY<T>/T[]/LIST<T>, STRUCT<a T, ...>. Case-insensitive.
Result<DataTypePtr> ParseTypeName(std::string_view text);

/// An ordered list of fields with name lookup. Immutable and shared.
class Schema {
 public:
  explicit Schema(std::vector<FieldPtr> fields);

  const std::vector<FieldPtr>& fields() const { return fields_; }
  const FieldPtr& field(int i) const { return fields_[static_cast<size_t>(i)]; }
  int num_fields() const { return static_cast<int>(fields_.size()); }
  /// Index of the field (exact name first, then case-insensitive), or -1.
  int GetFieldIndex(std::string_view name) const;
  std::vector<std::string> field_names() const;

  bool Equals(const Schema& other) const;
  std::string ToString() const;

 private:
  std::vector<FieldPtr> fields_;
  std::unordered_map<std::string, int> index_;
};

using SchemaPtr = std::shared_ptr<const Schema>;

/// Convenience: `MakeSchema({{"a", int64()}, {"b", utf8()}})`.
SchemaPtr MakeSchema(std::vector<Field> fields);

/// Parses "a BIGINT, b VARCHAR NOT NULL, c DECIMAL(10,2)" into a schema (test helper and CLI).
Result<SchemaPtr> ParseSchema(std::string_view text);

}  // namespace laminar::columnar
