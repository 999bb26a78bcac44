#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "columnar/array.h"

namespace laminar::columnar {

class Scalar;

/// Accumulates values into Arrow-layout buffers and produces an immutable Array.
/// Builders reuse nothing after Finish(); create a new one (or call Reset()) per array.
/// Threading: not thread-safe.
class ArrayBuilder {
 public:
  explicit ArrayBuilder(DataTypePtr type) : type_(std::move(type)) {}
  virtual ~ArrayBuilder() = default;

  const DataTypePtr& type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }

  virtual void Reserve(int64_t additional) = 0;
  virtual void AppendNull() = 0;
  /// Appends a scalar of the builder's type (NULL scalars append a null). Integer/float
  /// scalars are converted to the builder's physical type.
  virtual Status AppendScalar(const Scalar& value) = 0;
  /// Appends elements [start, start + count) of `array` (same type).
  virtual void AppendArraySlice(const Array& array, int64_t start, int64_t count) = 0;
  /// Produces the array and resets the builder to empty.
  virtual ArrayPtr Finish() = 0;

 protected:
  // Validity bitmap management shared by all builders. The bitmap is allocated lazily on the
  // first null so all-valid arrays carry no bitmap.
  void AppendValidity(bool valid);
  void AppendValidityRange(const Array& array, int64_t start, int64_t count);
  void ReserveValidity(int64_t additional);
  /// Grows the validity bitmap to at least `bits` bits. Buffer::Reserve keeps only the bytes
  /// up to the buffer's size, which a bitmap under construction does not track: the size is
  /// set to the bytes in use first, or the bits of earlier elements would be lost.
  void GrowValidity(int64_t bits);
  BufferPtr FinishValidity();

  DataTypePtr type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  BufferPtr validity_;
};

/// Builder for fixed-width types; T is the physical C type (int8_t..int64_t, float, double,
/// int128_t for DECIMAL, int32_t for DATE, int64_t for TIME/TIMESTAMP, Interval).
template <typename T>
class FixedWidthBuilder final : public ArrayBuilder {
 public:
  explicit FixedWidthBuilder(DataTypePtr type);

  void Reserve(int64_t additional) override;
  void Append(T v) {
    if (length_ + 1 > capacity_) Reserve(1);
    reinterpret_cast<T*>(values_->mutable_data())[length_] = v;
    if (validity_)
      AppendValidity(true);
    else
      ++length_;
  }
  /// Appends without a capacity check; call Reserve first.
  void UnsafeAppend(T v) {
    reinterpret_cast<T*>(values_->mutable_data())[length_] = v;
    if (validity_)
      AppendValidity(true);
    else
      ++length_;
  }
  void AppendNull() override;
  Status AppendScalar(const Scalar& value) override;
  void AppendArraySlice(const Array& array, int64_t start, int64_t count) override;
  ArrayPtr Finish() override;
  /// Direct write access for kernels that fill values in bulk: resize to `n`, fill, Finish().
  T* ResizeForWrite(int64_t n);

 private:
  BufferPtr values_;
  int64_t capacity_ = 0;
};

class BooleanBuilder final : public ArrayBuilder {
 public:
  BooleanBuilder();
  void Reserve(int64_t additional) override;
  void Append(bool v);
  void AppendNull() override;
  Status AppendScalar(const Scalar& value) override;
  void AppendArraySlice(const Array& array, int64_t start, int64_t count) override;
  ArrayPtr Finish() override;

 private:
  BufferPtr values_;
  int64_t capacity_ = 0;
};

/// VARCHAR and VARBINARY.
class BinaryBuilder final : public ArrayBuilder {
 public:
  explicit BinaryBuilder(DataTypePtr type);
  void Reserve(int64_t additional) override;
  void ReserveData(int64_t additional_bytes);
  void Append(std::string_view v);
  void AppendNull() override;
  Status AppendScalar(const Scalar& value) override;
  void AppendArraySlice(const Array& array, int64_t start, int64_t count) override;
  ArrayPtr Finish() override;

 private:
  BufferPtr offsets_;
  BufferPtr data_;
  int64_t capacity_ = 0;
  int64_t data_length_ = 0;
};

class ListBuilder final : public ArrayBuilder {
 public:
  explicit ListBuilder(DataTypePtr type);
  void Reserve(int64_t additional) override;
  /// Starts a new list element; append its items to value_builder(), then nothing else is needed.
  void Append();
  ArrayBuilder* value_builder() { return values_.get(); }
  void AppendNull() override;
  Status AppendScalar(const Scalar& value) override;
  void AppendArraySlice(const Array& array, int64_t start, int64_t count) override;
  ArrayPtr Finish() override;

 private:
  void CloseLast();
  std::unique_ptr<ArrayBuilder> values_;
  std::vector<int32_t> offsets_;
};

class StructBuilder final : public ArrayBuilder {
 public:
  explicit StructBuilder(DataTypePtr type);
  void Reserve(int64_t additional) override;
  /// Marks one struct element valid; append one value to every field builder.
  void Append();
  ArrayBuilder* field_builder(int i) { return fields_[static_cast<size_t>(i)].get(); }
  void AppendNull() override;
  Status AppendScalar(const Scalar& value) override;
  void AppendArraySlice(const Array& array, int64_t start, int64_t count) override;
  ArrayPtr Finish() override;

 private:
  std::vector<std::unique_ptr<ArrayBuilder>> fields_;
};

class NullBuilder final : public ArrayBuilder {
 public:
  NullBuilder() : ArrayBuilder(null_type()) {}
  void Reserve(int64_t) override {}
  void AppendNull() override {
    ++length_;
    ++null_count_;
  }
  Status AppendScalar(const Scalar&) override {
    AppendNull();
    return Status::OK();
  }
  void AppendArraySlice(const Array&, int64_t, int64_t count) override {
    length_ += count;
    null_count_ += count;
  }
  ArrayPtr Finish() override;
};

/// The builder for any type.
std::unique_ptr<ArrayBuilder> MakeBuilder(const DataTypePtr& type);

/// Builds an array from scalars (all of `type`); used by tests, literals and row APIs.
Result<ArrayPtr> ArrayFromScalars(const DataTypePtr& type, const std::vector<Scalar>& values);

/// Convenience constructors for tests and generators.
ArrayPtr MakeInt64Array(const std::vector<int64_t>& values);
ArrayPtr MakeFloat64Array(const std::vector<double>& values);
ArrayPtr MakeStringArray(const std::vector<std::string>& values);
ArrayPtr MakeTimestampArray(const std::vector<int64_t>& micros);

/// Calls `f.template operator()<T>()` with the physical C type of a fixed-width type id; returns
/// false for non-fixed-width types. Lets kernels dispatch once per batch, not per row.
template <typename F>
bool VisitFixedWidth(TypeId id, F&& f) {
  switch (id) {
    case TypeId::kInt8:
      f.template operator()<int8_t>();
      return true;
    case TypeId::kInt16:
      f.template operator()<int16_t>();
      return true;
    case TypeId::kInt32:
    case TypeId::kDate32:
      f.template operator()<int32_t>();
      return true;
    case TypeId::kInt64:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
      f.template operator()<int64_t>();
      return true;
    case TypeId::kFloat32:
      f.template operator()<float>();
      return true;
    case TypeId::kFloat64:
      f.template operator()<double>();
      return true;
    case TypeId::kDecimal128:
      f.template operator()<int128_t>();
      return true;
    case TypeId::kInterval:
      f.template operator()<Interval>();
      return true;
    default:
      return false;
  }
}

}  // namespace laminar::columnar
