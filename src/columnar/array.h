#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "columnar/buffer.h"
#include "columnar/min_max.h"
#include "columnar/type.h"
#include "common/macros.h"
#include "common/time_util.h"

namespace laminar::columnar {

using int128_t = __int128;
static_assert(sizeof(Interval) == 16, "Interval must match Arrow's month_day_nano layout");

class Array;
using ArrayPtr = std::shared_ptr<const Array>;

/// An immutable Arrow-layout column. Buffers follow the Arrow columnar format exactly, so a
/// column can be exported through the C Data Interface without copying:
///   buffers[0] validity bitmap (may be null: no nulls), then per layout
///   fixed width: buffers[1] values; string/binary/list: buffers[1] int32 offsets,
///   string/binary: buffers[2] data; list: children[0] values; struct: children per field.
/// `offset` counts logical elements into the buffers (a slice shares buffers with its parent).
/// Threading: immutable; share freely. Arrays are created by builders, kernels or C import.
class Array {
 public:
  Array(DataTypePtr type, int64_t length, std::vector<BufferPtr> buffers,
        std::vector<ArrayPtr> children = {}, int64_t null_count = -1, int64_t offset = 0);

  const DataTypePtr& type() const { return type_; }
  TypeId type_id() const { return type_->id(); }
  int64_t length() const { return length_; }
  int64_t offset() const { return offset_; }
  int64_t null_count() const { return null_count_; }
  const std::vector<BufferPtr>& buffers() const { return buffers_; }
  const std::vector<ArrayPtr>& children() const { return children_; }
  const ArrayPtr& child(int i) const { return children_[static_cast<size_t>(i)]; }

  /// Validity bitmap (bit index = offset() + i), or nullptr when the array has no nulls.
  const uint8_t* validity() const {
    return (null_count_ == 0 || buffers_.empty() || !buffers_[0]) ? nullptr : buffers_[0]->data();
  }
  bool IsNull(int64_t i) const {
    if (type_->id() == TypeId::kNull) return true;
    const uint8_t* v = validity();
    return v != nullptr && !bit_util::GetBit(v, offset_ + i);
  }
  bool IsValid(int64_t i) const { return !IsNull(i); }

  /// Typed values of a fixed-width array, already adjusted for offset().
  template <typename T>
  const T* values() const {
    return buffers_[1]->data_as<T>() + offset_;
  }
  /// Boolean value bits (bit index = offset() + i).
  const uint8_t* bool_bits() const { return buffers_[1]->data(); }
  bool GetBool(int64_t i) const { return bit_util::GetBit(bool_bits(), offset_ + i); }

  /// Offsets of a string/binary/list array, adjusted for offset(): element i spans
  /// [offsets()[i], offsets()[i+1]).
  const int32_t* raw_offsets() const { return buffers_[1]->data_as<int32_t>() + offset_; }
  std::string_view GetView(int64_t i) const {
    const int32_t* o = raw_offsets();
    return {reinterpret_cast<const char*>(buffers_[2]->data()) + o[i],
            static_cast<size_t>(o[i + 1] - o[i])};
  }
  /// Start/length of list element i inside child(0).
  int64_t ListStart(int64_t i) const { return raw_offsets()[i]; }
  int64_t ListLength(int64_t i) const { return raw_offsets()[i + 1] - raw_offsets()[i]; }

  /// Field j of a STRUCT array as a standalone column (children are indexed by offset() + i,
  /// as in Arrow; this slices them).
  ArrayPtr StructField(int j) const {
    return children_[static_cast<size_t>(j)]->Slice(offset_, length_);
  }

  /// Zero-copy view of [offset, offset + length). Clamped to the array's bounds.
  ArrayPtr Slice(int64_t offset, int64_t length) const;

  /// Exact smallest and largest value of a column of 8-byte integers (BIGINT, TIMESTAMP) with
  /// no NULLs, when its producer recorded them: a generator or decoder that saw every value as
  /// it wrote it, as Kafka's record-batch header carries its largest timestamp. Ingest and
  /// window assignment then need not read the column to find its event-time bounds. Nothing
  /// computes it on demand; kernel outputs and partial slices do not carry it.
  const std::optional<Int64Range>& value_range() const { return value_range_; }
  /// Records value_range(). Only for a freshly built array that nothing shares yet (the
  /// pointer to it is not yet const), and only with the exact bounds; Validate() checks them.
  void SetValueRange(Int64Range range) { value_range_ = range; }
  /// value_range() when recorded, otherwise one vectorised pass over the values. For a
  /// non-empty 8-byte integer column with no NULLs. Debug builds check a recorded range.
  Int64Range Int64MinMax() const {
    if (!value_range_) return MinMaxInt64(values<int64_t>(), length_);
    LAMINAR_DCHECK(MinMaxInt64(values<int64_t>(), length_).min == value_range_->min &&
                   MinMaxInt64(values<int64_t>(), length_).max == value_range_->max);
    return *value_range_;
  }

  /// Checks buffer sizes, offsets monotonicity and bounds (for imported or decoded data), and a
  /// recorded value_range() against the values.
  Status Validate() const;

 private:
  DataTypePtr type_;
  int64_t length_;
  int64_t offset_;
  int64_t null_count_;
  std::vector<BufferPtr> buffers_;
  std::vector<ArrayPtr> children_;
  std::optional<Int64Range> value_range_;
};

/// An array of `length` nulls of the given type.
ArrayPtr MakeNullArray(const DataTypePtr& type, int64_t length);

}  // namespace laminar::columnar
