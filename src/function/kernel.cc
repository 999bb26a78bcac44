#include "function/kernel.h"

namespace laminar::function {

using columnar::Buffer;
namespace bit_util = columnar::bit_util;

Status ExecError(std::string message) {
  return Status::Invalid(std::move(message), ErrorCode::kQueryExecutionFailed);
}

ArrayPtr BroadcastScalar(const Scalar& value, int64_t num_rows) {
  const auto& type = value.type();
  if (value.is_null()) return columnar::MakeNullArray(type, num_rows);
  ArrayPtr out;
  bool done = columnar::VisitFixedWidth(type->id(), [&]<typename T>() {
    auto values = AllocateValuesForOverwrite<T>(num_rows);
    T v = FixedReader<T>::ScalarAs(value);
    T* dst = reinterpret_cast<T*>(values->mutable_data());
    for (int64_t i = 0; i < num_rows; ++i) dst[i] = v;
    out = MakeFixedArray(type, num_rows, nullptr, std::move(values), 0);
  });
  if (done) return out;
  if (type->id() == TypeId::kBoolean) {
    auto values = Buffer::Allocate(bit_util::BytesForBits(num_rows));
    std::memset(values->mutable_data(), value.bool_value() ? 0xFF : 0,
                static_cast<size_t>(bit_util::BytesForBits(num_rows)));
    return MakeFixedArray(type, num_rows, nullptr, std::move(values), 0);
  }
  auto builder = columnar::MakeBuilder(type);
  builder->Reserve(num_rows);
  for (int64_t i = 0; i < num_rows; ++i) builder->AppendScalar(value).IgnoreError();
  return builder->Finish();
}

ArrayPtr MaterializeDatum(const Datum& d, int64_t num_rows) {
  if (!d.is_scalar()) return d.array;
  return BroadcastScalar(*d.scalar, num_rows);
}

ArrayPtr MakeFixedArray(const DataTypePtr& type, int64_t n, BufferPtr validity, BufferPtr values,
                        int64_t null_count) {
  if (null_count == 0) validity = nullptr;
  if (!validity) null_count = 0;
  return std::make_shared<Array>(type, n,
                                 std::vector<BufferPtr>{std::move(validity), std::move(values)},
                                 std::vector<ArrayPtr>{}, null_count);
}

BufferPtr AlignedValidity(const Array& array, int64_t* null_count) {
  const int64_t n = array.length();
  if (array.type_id() == TypeId::kNull) {
    auto buf = Buffer::Allocate(bit_util::BytesForBits(n));
    std::memset(buf->mutable_data(), 0, static_cast<size_t>(buf->capacity()));
    *null_count = n;
    return buf;
  }
  const uint8_t* v = array.validity();
  if (v == nullptr) {
    *null_count = 0;
    return nullptr;
  }
  *null_count = array.null_count() >= 0 ? array.null_count()
                                        : n - bit_util::CountSetBits(v, array.offset(), n);
  if (array.offset() == 0) return array.buffers()[0];
  auto buf = Buffer::Allocate(bit_util::BytesForBits(n));
  bit_util::CopyBits(v, array.offset(), n, buf->mutable_data(), 0);
  return buf;
}

BufferPtr CombineValidity(std::span<const Datum> args, int64_t num_rows, int64_t* null_count) {
  BufferPtr result;
  bool owned = false;
  const int64_t nbytes = bit_util::BytesForBits(num_rows);
  for (const auto& d : args) {
    if (d.is_scalar()) {
      if (d.scalar->is_null()) {
        auto buf = Buffer::Allocate(nbytes);
        std::memset(buf->mutable_data(), 0, static_cast<size_t>(buf->capacity()));
        *null_count = num_rows;
        return buf;
      }
      continue;
    }
    int64_t nc = 0;
    BufferPtr v = AlignedValidity(*d.array, &nc);
    if (!v) continue;
    if (!result) {
      result = std::move(v);
      continue;
    }
    if (!owned) {
      auto copy = Buffer::Allocate(nbytes);
      std::memcpy(copy->mutable_data(), result->data(), static_cast<size_t>(nbytes));
      result = std::move(copy);
      owned = true;
    }
    uint8_t* dst = result->mutable_data();
    const uint8_t* src = v->data();
    for (int64_t i = 0; i < nbytes; ++i) dst[i] &= src[i];
  }
  if (!result) {
    *null_count = 0;
    return nullptr;
  }
  *null_count = num_rows - bit_util::CountSetBits(result->data(), 0, num_rows);
  if (*null_count == 0) return nullptr;
  return result;
}

}  // namespace laminar::function
