#include "columnar/builder.h"

#include <algorithm>

#include "columnar/scalar.h"
#include "common/macros.h"

namespace laminar::columnar {

// ---------------------------------------------------------------------------------------------
// Validity

void ArrayBuilder::ReserveValidity(int64_t additional) {
  if (!validity_) return;
  GrowValidity(length_ + additional);
}

void ArrayBuilder::GrowValidity(int64_t bits) {
  const int64_t bytes = bit_util::BytesForBits(bits);
  if (bytes <= validity_->capacity()) return;
  validity_->set_size(bit_util::BytesForBits(length_));
  validity_->Reserve(bytes);
}

void ArrayBuilder::AppendValidity(bool valid) {
  if (!valid && !validity_) {
    // First null: materialise a bitmap with all earlier elements valid.
    validity_ = Buffer::Allocate(bit_util::BytesForBits(std::max<int64_t>(length_ + 1, 64)));
    uint8_t* bits = validity_->mutable_data();
    for (int64_t i = 0; i < length_; ++i) bit_util::SetBit(bits, i);
  }
  if (validity_) {
    GrowValidity(length_ + 1);
    bit_util::SetBitTo(validity_->mutable_data(), length_, valid);
  }
  if (!valid) ++null_count_;
  ++length_;
}

void ArrayBuilder::AppendValidityRange(const Array& array, int64_t start, int64_t count) {
  const uint8_t* src = array.validity();
  if (src == nullptr && !validity_) {
    length_ += count;
    return;
  }
  if (!validity_) {
    validity_ = Buffer::Allocate(bit_util::BytesForBits(std::max<int64_t>(length_ + count, 64)));
    uint8_t* bits = validity_->mutable_data();
    for (int64_t i = 0; i < length_; ++i) bit_util::SetBit(bits, i);
  }
  GrowValidity(length_ + count);
  uint8_t* bits = validity_->mutable_data();
  if (src == nullptr) {
    for (int64_t i = 0; i < count; ++i) bit_util::SetBit(bits, length_ + i);
  } else {
    bit_util::CopyBits(src, array.offset() + start, count, bits, length_);
    null_count_ += count - bit_util::CountSetBits(bits, length_, count);
  }
  length_ += count;
}

BufferPtr ArrayBuilder::FinishValidity() {
  BufferPtr v = null_count_ > 0 ? std::move(validity_) : nullptr;
  if (v) v->set_size(bit_util::BytesForBits(length_));
  validity_.reset();
  return v;
}

// ---------------------------------------------------------------------------------------------
// Fixed width

template <typename T>
FixedWidthBuilder<T>::FixedWidthBuilder(DataTypePtr type) : ArrayBuilder(std::move(type)) {}

template <typename T>
void FixedWidthBuilder<T>::Reserve(int64_t additional) {
  int64_t need = length_ + additional;
  if (need <= capacity_ && values_) return;
  int64_t cap = std::max<int64_t>({need, capacity_ * 2, 32});
  if (!values_) {
    values_ = Buffer::Allocate(cap * static_cast<int64_t>(sizeof(T)));
  } else {
    values_->set_size(length_ * static_cast<int64_t>(sizeof(T)));
    values_->Reserve(cap * static_cast<int64_t>(sizeof(T)));
  }
  capacity_ = cap;
  ReserveValidity(additional);
}

template <typename T>
void FixedWidthBuilder<T>::AppendNull() {
  if (length_ + 1 > capacity_) Reserve(1);
  reinterpret_cast<T*>(values_->mutable_data())[length_] = T{};
  AppendValidity(false);
}

template <typename T>
Status FixedWidthBuilder<T>::AppendScalar(const Scalar& value) {
  if (value.is_null()) {
    AppendNull();
    return Status::OK();
  }
  const auto& st = value.storage();
  if constexpr (std::is_same_v<T, Interval>) {
    if (auto* iv = std::get_if<Interval>(&st)) {
      Append(*iv);
      return Status::OK();
    }
  } else if constexpr (std::is_same_v<T, int128_t>) {
    if (auto* d = std::get_if<int128_t>(&st)) {
      Append(*d);
      return Status::OK();
    }
    if (auto* i = std::get_if<int64_t>(&st)) {
      int128_t v = *i;
      for (int s = 0; s < type_->scale(); ++s) v *= 10;
      Append(v);
      return Status::OK();
    }
  } else {
    if (auto* i = std::get_if<int64_t>(&st)) {
      Append(static_cast<T>(*i));
      return Status::OK();
    }
    if (auto* d = std::get_if<double>(&st)) {
      Append(static_cast<T>(*d));
      return Status::OK();
    }
    if (auto* b = std::get_if<bool>(&st)) {
      Append(static_cast<T>(*b));
      return Status::OK();
    }
  }
  return Status::TypeError("cannot append " + value.type()->ToString() + " value to a " +
                           type_->ToString() + " column");
}

template <typename T>
void FixedWidthBuilder<T>::AppendArraySlice(const Array& array, int64_t start, int64_t count) {
  if (count <= 0) return;
  Reserve(count);
  std::memcpy(reinterpret_cast<T*>(values_->mutable_data()) + length_, array.values<T>() + start,
              static_cast<size_t>(count) * sizeof(T));
  AppendValidityRange(array, start, count);
}

template <typename T>
T* FixedWidthBuilder<T>::ResizeForWrite(int64_t n) {
  Reserve(n - length_);
  length_ = n;
  return reinterpret_cast<T*>(values_->mutable_data());
}

template <typename T>
ArrayPtr FixedWidthBuilder<T>::Finish() {
  if (!values_) Reserve(0);
  values_->set_size(length_ * static_cast<int64_t>(sizeof(T)));
  int64_t n = length_, nulls = null_count_;
  auto validity = FinishValidity();
  auto out = std::make_shared<Array>(type_, n, std::vector<BufferPtr>{validity, std::move(values_)},
                                     std::vector<ArrayPtr>{}, nulls);
  values_.reset();
  capacity_ = 0;
  length_ = 0;
  null_count_ = 0;
  return out;
}

template class FixedWidthBuilder<int8_t>;
template class FixedWidthBuilder<int16_t>;
template class FixedWidthBuilder<int32_t>;
template class FixedWidthBuilder<int64_t>;
template class FixedWidthBuilder<float>;
template class FixedWidthBuilder<double>;
template class FixedWidthBuilder<int128_t>;
template class FixedWidthBuilder<Interval>;

// ---------------------------------------------------------------------------------------------
// Boolean

BooleanBuilder::BooleanBuilder() : ArrayBuilder(boolean()) {}

void BooleanBuilder::Reserve(int64_t additional) {
  int64_t need = length_ + additional;
  if (values_ && need <= capacity_) return;
  int64_t cap = std::max<int64_t>({need, capacity_ * 2, 64});
  if (!values_) {
    values_ = Buffer::Allocate(bit_util::BytesForBits(cap));
  } else {
    values_->set_size(bit_util::BytesForBits(length_));
    values_->Reserve(bit_util::BytesForBits(cap));
  }
  capacity_ = cap;
  ReserveValidity(additional);
}

void BooleanBuilder::Append(bool v) {
  if (length_ + 1 > capacity_) Reserve(1);
  bit_util::SetBitTo(values_->mutable_data(), length_, v);
  AppendValidity(true);
}

void BooleanBuilder::AppendNull() {
  if (length_ + 1 > capacity_) Reserve(1);
  bit_util::ClearBit(values_->mutable_data(), length_);
  AppendValidity(false);
}

Status BooleanBuilder::AppendScalar(const Scalar& value) {
  if (value.is_null()) {
    AppendNull();
  } else if (auto* b = std::get_if<bool>(&value.storage())) {
    Append(*b);
  } else if (auto* i = std::get_if<int64_t>(&value.storage())) {
    Append(*i != 0);
  } else {
    return Status::TypeError("cannot append " + value.type()->ToString() + " to BOOLEAN");
  }
  return Status::OK();
}

void BooleanBuilder::AppendArraySlice(const Array& array, int64_t start, int64_t count) {
  if (count <= 0) return;
  Reserve(count);
  bit_util::CopyBits(array.bool_bits(), array.offset() + start, count, values_->mutable_data(),
                     length_);
  AppendValidityRange(array, start, count);
}

ArrayPtr BooleanBuilder::Finish() {
  if (!values_) Reserve(0);
  values_->set_size(bit_util::BytesForBits(length_));
  int64_t n = length_, nulls = null_count_;
  auto validity = FinishValidity();
  auto out = std::make_shared<Array>(type_, n, std::vector<BufferPtr>{validity, std::move(values_)},
                                     std::vector<ArrayPtr>{}, nulls);
  values_.reset();
  capacity_ = 0;
  length_ = 0;
  null_count_ = 0;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Binary / string

BinaryBuilder::BinaryBuilder(DataTypePtr type) : ArrayBuilder(std::move(type)) {}

void BinaryBuilder::Reserve(int64_t additional) {
  int64_t need = length_ + additional;
  if (offsets_ && need <= capacity_) return;
  int64_t cap = std::max<int64_t>({need, capacity_ * 2, 32});
  if (!offsets_) {
    offsets_ = Buffer::Allocate((cap + 1) * 4);
    data_ = Buffer::Allocate(256);
  } else {
    offsets_->set_size((length_ + 1) * 4);
    offsets_->Reserve((cap + 1) * 4);
  }
  capacity_ = cap;
  ReserveValidity(additional);
}

void BinaryBuilder::ReserveData(int64_t additional_bytes) {
  if (!offsets_) Reserve(0);
  if (data_length_ + additional_bytes > data_->capacity()) {
    data_->set_size(data_length_);
    data_->Reserve(data_length_ + additional_bytes);
  }
}

void BinaryBuilder::Append(std::string_view v) {
  if (length_ + 1 > capacity_) Reserve(1);
  ReserveData(static_cast<int64_t>(v.size()));
  if (!v.empty()) std::memcpy(data_->mutable_data() + data_length_, v.data(), v.size());
  data_length_ += static_cast<int64_t>(v.size());
  LAMINAR_CHECK(data_length_ <= INT32_MAX);
  reinterpret_cast<int32_t*>(offsets_->mutable_data())[length_ + 1] =
      static_cast<int32_t>(data_length_);
  AppendValidity(true);
}

void BinaryBuilder::AppendNull() {
  if (length_ + 1 > capacity_) Reserve(1);
  reinterpret_cast<int32_t*>(offsets_->mutable_data())[length_ + 1] =
      static_cast<int32_t>(data_length_);
  AppendValidity(false);
}

Status BinaryBuilder::AppendScalar(const Scalar& value) {
  if (value.is_null()) {
    AppendNull();
  } else if (auto* s = std::get_if<std::string>(&value.storage())) {
    Append(*s);
  } else {
    Append(value.ToString());
  }
  return Status::OK();
}

void BinaryBuilder::AppendArraySlice(const Array& array, int64_t start, int64_t count) {
  if (count <= 0) return;
  Reserve(count);
  const int32_t* src = array.raw_offsets() + start;
  int64_t bytes = src[count] - src[0];
  ReserveData(bytes);
  if (bytes > 0) {
    std::memcpy(data_->mutable_data() + data_length_, array.buffers()[2]->data() + src[0],
                static_cast<size_t>(bytes));
  }
  int32_t* dst = reinterpret_cast<int32_t*>(offsets_->mutable_data()) + length_;
  const int64_t shift = data_length_ - src[0];
  for (int64_t i = 1; i <= count; ++i) dst[i] = static_cast<int32_t>(src[i] + shift);
  data_length_ += bytes;
  AppendValidityRange(array, start, count);
}

ArrayPtr BinaryBuilder::Finish() {
  if (!offsets_) Reserve(0);
  offsets_->set_size((length_ + 1) * 4);
  data_->set_size(data_length_);
  int64_t n = length_, nulls = null_count_;
  auto validity = FinishValidity();
  auto out = std::make_shared<Array>(
      type_, n, std::vector<BufferPtr>{validity, std::move(offsets_), std::move(data_)},
      std::vector<ArrayPtr>{}, nulls);
  offsets_.reset();
  data_.reset();
  capacity_ = 0;
  data_length_ = 0;
  length_ = 0;
  null_count_ = 0;
  return out;
}

// ---------------------------------------------------------------------------------------------
// List

ListBuilder::ListBuilder(DataTypePtr type)
    : ArrayBuilder(type), values_(MakeBuilder(type->value_type())) {
  offsets_.push_back(0);
}

void ListBuilder::Reserve(int64_t additional) {
  offsets_.reserve(static_cast<size_t>(length_ + additional + 1));
  ReserveValidity(additional);
}

void ListBuilder::CloseLast() {
  if (length_ > 0) offsets_[static_cast<size_t>(length_)] = static_cast<int32_t>(values_->length());
}

void ListBuilder::Append() {
  CloseLast();
  offsets_.push_back(static_cast<int32_t>(values_->length()));
  AppendValidity(true);
}

void ListBuilder::AppendNull() {
  CloseLast();
  offsets_.push_back(static_cast<int32_t>(values_->length()));
  AppendValidity(false);
}

Status ListBuilder::AppendScalar(const Scalar& value) {
  if (value.is_null()) {
    AppendNull();
    return Status::OK();
  }
  auto* items = std::get_if<std::vector<Scalar>>(&value.storage());
  if (!items) return Status::TypeError("cannot append " + value.type()->ToString() + " to a list");
  Append();
  for (const auto& item : *items) LAMINAR_RETURN_NOT_OK(values_->AppendScalar(item));
  return Status::OK();
}

void ListBuilder::AppendArraySlice(const Array& array, int64_t start, int64_t count) {
  for (int64_t i = start; i < start + count; ++i) {
    if (array.IsNull(i)) {
      AppendNull();
    } else {
      Append();
      values_->AppendArraySlice(*array.child(0), array.ListStart(i), array.ListLength(i));
    }
  }
}

ArrayPtr ListBuilder::Finish() {
  CloseLast();
  auto offsets = Buffer::CopyFrom(offsets_.data(), static_cast<int64_t>(offsets_.size()) * 4);
  int64_t n = length_, nulls = null_count_;
  auto validity = FinishValidity();
  auto child = values_->Finish();
  auto out = std::make_shared<Array>(type_, n, std::vector<BufferPtr>{validity, offsets},
                                     std::vector<ArrayPtr>{child}, nulls);
  offsets_.assign(1, 0);
  length_ = 0;
  null_count_ = 0;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Struct

StructBuilder::StructBuilder(DataTypePtr type) : ArrayBuilder(type) {
  for (const auto& f : type->children()) fields_.push_back(MakeBuilder(f->type));
}

void StructBuilder::Reserve(int64_t additional) {
  ReserveValidity(additional);
  for (auto& f : fields_) f->Reserve(additional);
}

void StructBuilder::Append() { AppendValidity(true); }

void StructBuilder::AppendNull() {
  for (auto& f : fields_) f->AppendNull();
  AppendValidity(false);
}

Status StructBuilder::AppendScalar(const Scalar& value) {
  if (value.is_null()) {
    AppendNull();
    return Status::OK();
  }
  auto* items = std::get_if<std::vector<Scalar>>(&value.storage());
  if (!items || items->size() != fields_.size()) {
    return Status::TypeError("cannot append " + value.type()->ToString() + " to " +
                             type_->ToString());
  }
  for (size_t i = 0; i < fields_.size(); ++i)
    LAMINAR_RETURN_NOT_OK(fields_[i]->AppendScalar((*items)[i]));
  Append();
  return Status::OK();
}

void StructBuilder::AppendArraySlice(const Array& array, int64_t start, int64_t count) {
  for (size_t i = 0; i < fields_.size(); ++i) {
    fields_[i]->AppendArraySlice(*array.child(static_cast<int>(i)), array.offset() + start, count);
  }
  AppendValidityRange(array, start, count);
}

ArrayPtr StructBuilder::Finish() {
  std::vector<ArrayPtr> children;
  for (auto& f : fields_) children.push_back(f->Finish());
  int64_t n = length_, nulls = null_count_;
  auto validity = FinishValidity();
  length_ = 0;
  null_count_ = 0;
  return std::make_shared<Array>(type_, n, std::vector<BufferPtr>{validity}, std::move(children),
                                 nulls);
}

ArrayPtr NullBuilder::Finish() {
  auto out = std::make_shared<Array>(type_, length_, std::vector<BufferPtr>{});
  length_ = 0;
  null_count_ = 0;
  return out;
}

// ---------------------------------------------------------------------------------------------

std::unique_ptr<ArrayBuilder> MakeBuilder(const DataTypePtr& type) {
  switch (type->id()) {
    case TypeId::kNull:
      return std::make_unique<NullBuilder>();
    case TypeId::kBoolean:
      return std::make_unique<BooleanBuilder>();
    case TypeId::kInt8:
      return std::make_unique<FixedWidthBuilder<int8_t>>(type);
    case TypeId::kInt16:
      return std::make_unique<FixedWidthBuilder<int16_t>>(type);
    case TypeId::kInt32:
    case TypeId::kDate32:
      return std::make_unique<FixedWidthBuilder<int32_t>>(type);
    case TypeId::kInt64:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
      return std::make_unique<FixedWidthBuilder<int64_t>>(type);
    case TypeId::kFloat32:
      return std::make_unique<FixedWidthBuilder<float>>(type);
    case TypeId::kFloat64:
      return std::make_unique<FixedWidthBuilder<double>>(type);
    case TypeId::kDecimal128:
      return std::make_unique<FixedWidthBuilder<int128_t>>(type);
    case TypeId::kInterval:
      return std::make_unique<FixedWidthBuilder<Interval>>(type);
    case TypeId::kString:
    case TypeId::kBinary:
      return std::make_unique<BinaryBuilder>(type);
    case TypeId::kList:
      return std::make_unique<ListBuilder>(type);
    case TypeId::kStruct:
      return std::make_unique<StructBuilder>(type);
  }
  return std::make_unique<NullBuilder>();
}

Result<ArrayPtr> ArrayFromScalars(const DataTypePtr& type, const std::vector<Scalar>& values) {
  auto b = MakeBuilder(type);
  b->Reserve(static_cast<int64_t>(values.size()));
  for (const auto& v : values) LAMINAR_RETURN_NOT_OK(b->AppendScalar(v));
  return b->Finish();
}

ArrayPtr MakeInt64Array(const std::vector<int64_t>& values) {
  FixedWidthBuilder<int64_t> b(int64());
  b.Reserve(static_cast<int64_t>(values.size()));
  for (auto v : values) b.UnsafeAppend(v);
  return b.Finish();
}

ArrayPtr MakeFloat64Array(const std::vector<double>& values) {
  FixedWidthBuilder<double> b(float64());
  b.Reserve(static_cast<int64_t>(values.size()));
  for (auto v : values) b.UnsafeAppend(v);
  return b.Finish();
}

ArrayPtr MakeStringArray(const std::vector<std::string>& values) {
  BinaryBuilder b(utf8());
  for (const auto& v : values) b.Append(v);
  return b.Finish();
}

ArrayPtr MakeTimestampArray(const std::vector<int64_t>& micros) {
  FixedWidthBuilder<int64_t> b(timestamp());
  b.Reserve(static_cast<int64_t>(micros.size()));
  for (auto v : micros) b.UnsafeAppend(v);
  return b.Finish();
}

}  // namespace laminar::columnar
