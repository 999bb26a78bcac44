#include "columnar/record_batch.h"

#include <fmt/format.h>

#include "columnar/builder.h"

namespace laminar::columnar {

Result<RecordBatchPtr> RecordBatch::Make(SchemaPtr schema, int64_t num_rows,
                                         std::vector<ArrayPtr> columns) {
  if (static_cast<int>(columns.size()) != schema->num_fields()) {
    return Status::Invalid(fmt::format("batch has {} columns but the schema has {}", columns.size(),
                                       schema->num_fields()),
                           ErrorCode::kSchemaMismatch);
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto& f = schema->field(static_cast<int>(i));
    if (!columns[i]) return Status::Invalid("column '" + f->name + "' is missing");
    if (!columns[i]->type()->Equals(*f->type)) {
      return Status::Invalid(fmt::format("column '{}' has type {} but the schema says {}", f->name,
                                         columns[i]->type()->ToString(), f->type->ToString()),
                             ErrorCode::kSchemaMismatch);
    }
    if (columns[i]->length() != num_rows) {
      return Status::Invalid(fmt::format("column '{}' has {} rows, expected {}", f->name,
                                         columns[i]->length(), num_rows),
                             ErrorCode::kSchemaMismatch);
    }
  }
  return std::make_shared<const RecordBatch>(std::move(schema), num_rows, std::move(columns));
}

RecordBatchPtr RecordBatch::MakeEmpty(SchemaPtr schema) {
  std::vector<ArrayPtr> cols;
  for (const auto& f : schema->fields()) cols.push_back(MakeBuilder(f->type)->Finish());
  return std::make_shared<const RecordBatch>(std::move(schema), 0, std::move(cols));
}

ArrayPtr RecordBatch::GetColumnByName(std::string_view name) const {
  int i = schema_->GetFieldIndex(name);
  return i < 0 ? nullptr : columns_[static_cast<size_t>(i)];
}

RecordBatchPtr RecordBatch::Slice(int64_t offset, int64_t length) const {
  offset = std::clamp<int64_t>(offset, 0, num_rows_);
  length = std::clamp<int64_t>(length, 0, num_rows_ - offset);
  std::vector<ArrayPtr> cols;
  cols.reserve(columns_.size());
  for (const auto& c : columns_) cols.push_back(c->Slice(offset, length));
  return std::make_shared<const RecordBatch>(schema_, length, std::move(cols));
}

RecordBatchPtr RecordBatch::SelectColumns(const std::vector<int>& indices) const {
  std::vector<FieldPtr> fields;
  std::vector<ArrayPtr> cols;
  for (int i : indices) {
    fields.push_back(schema_->field(i));
    cols.push_back(columns_[static_cast<size_t>(i)]);
  }
  return std::make_shared<const RecordBatch>(std::make_shared<Schema>(std::move(fields)), num_rows_,
                                             std::move(cols));
}

RecordBatchPtr RecordBatch::WithSchema(SchemaPtr schema) const {
  return std::make_shared<const RecordBatch>(std::move(schema), num_rows_, columns_);
}

Status RecordBatch::Validate() const {
  for (const auto& c : columns_) LAMINAR_RETURN_NOT_OK(c->Validate());
  return Status::OK();
}

int64_t RecordBatch::ByteSize() const {
  int64_t total = 0;
  std::function<void(const Array&)> add = [&](const Array& a) {
    for (const auto& b : a.buffers()) {
      if (b) total += b->size();
    }
    for (const auto& c : a.children()) add(*c);
  };
  for (const auto& c : columns_) add(*c);
  return total;
}

Result<ArrayPtr> Concatenate(const std::vector<ArrayPtr>& arrays) {
  if (arrays.empty()) return Status::Invalid("cannot concatenate zero arrays");
  if (arrays.size() == 1) return arrays[0];
  const DataTypePtr& type = arrays[0]->type();
  int64_t total = 0;
  for (const auto& a : arrays) {
    if (!a->type()->Equals(*type)) {
      return Status::TypeError(
          fmt::format("cannot concatenate {} with {}", type->ToString(), a->type()->ToString()));
    }
    total += a->length();
  }
  auto b = MakeBuilder(type);
  b->Reserve(total);
  for (const auto& a : arrays) b->AppendArraySlice(*a, 0, a->length());
  return b->Finish();
}

Result<RecordBatchPtr> Concatenate(const std::vector<RecordBatchPtr>& batches) {
  if (batches.empty()) return Status::Invalid("cannot concatenate zero batches");
  if (batches.size() == 1) return batches[0];
  const auto& schema = batches[0]->schema();
  int64_t rows = 0;
  for (const auto& b : batches) {
    if (b->num_columns() != schema->num_fields()) {
      return Status::Invalid("cannot concatenate batches with different schemas",
                             ErrorCode::kSchemaMismatch);
    }
    rows += b->num_rows();
  }
  std::vector<ArrayPtr> cols;
  for (int c = 0; c < schema->num_fields(); ++c) {
    std::vector<ArrayPtr> parts;
    parts.reserve(batches.size());
    for (const auto& b : batches) parts.push_back(b->column(c));
    LAMINAR_ASSIGN_OR_RETURN(auto col, Concatenate(parts));
    cols.push_back(std::move(col));
  }
  return std::make_shared<const RecordBatch>(schema, rows, std::move(cols));
}

namespace {

BufferPtr TakeValidity(const Array& array, std::span<const int32_t> idx, int64_t* nulls) {
  *nulls = 0;
  const uint8_t* src = array.validity();
  if (src == nullptr) return nullptr;
  auto buf = Buffer::Allocate(bit_util::BytesForBits(static_cast<int64_t>(idx.size())));
  uint8_t* dst = buf->mutable_data();
  const int64_t off = array.offset();
  for (size_t i = 0; i < idx.size(); ++i) {
    bool valid = bit_util::GetBit(src, off + idx[i]);
    if (valid) {
      bit_util::SetBit(dst, static_cast<int64_t>(i));
    } else {
      ++*nulls;
    }
  }
  if (*nulls == 0) return nullptr;
  return buf;
}

}  // namespace

ArrayPtr Take(const Array& array, std::span<const int32_t> indices) {
  const auto n = static_cast<int64_t>(indices.size());
  const TypeId id = array.type_id();
  ArrayPtr out;
  bool done = VisitFixedWidth(id, [&]<typename T>() {
    int64_t nulls = 0;
    auto validity = TakeValidity(array, indices, &nulls);
    auto values = Buffer::Allocate(n * static_cast<int64_t>(sizeof(T)));
    T* dst = reinterpret_cast<T*>(values->mutable_data());
    const T* src = array.values<T>();
    for (int64_t i = 0; i < n; ++i) dst[i] = src[indices[static_cast<size_t>(i)]];
    out = std::make_shared<Array>(array.type(), n, std::vector<BufferPtr>{validity, values},
                                  std::vector<ArrayPtr>{}, nulls);
  });
  if (done) return out;
  if (id == TypeId::kString || id == TypeId::kBinary) {
    int64_t nulls = 0;
    auto validity = TakeValidity(array, indices, &nulls);
    auto offsets = Buffer::Allocate((n + 1) * 4);
    int32_t* o = reinterpret_cast<int32_t*>(offsets->mutable_data());
    const int32_t* so = array.raw_offsets();
    int64_t bytes = 0;
    for (int64_t i = 0; i < n; ++i) {
      int32_t k = indices[static_cast<size_t>(i)];
      o[i] = static_cast<int32_t>(bytes);
      bytes += so[k + 1] - so[k];
    }
    o[n] = static_cast<int32_t>(bytes);
    auto data = Buffer::Allocate(bytes);
    const uint8_t* sd = array.buffers()[2]->data();
    uint8_t* dd = data->mutable_data();
    for (int64_t i = 0; i < n; ++i) {
      int32_t k = indices[static_cast<size_t>(i)];
      std::memcpy(dd + o[i], sd + so[k], static_cast<size_t>(so[k + 1] - so[k]));
    }
    return std::make_shared<Array>(array.type(), n, std::vector<BufferPtr>{validity, offsets, data},
                                   std::vector<ArrayPtr>{}, nulls);
  }
  auto b = MakeBuilder(array.type());
  b->Reserve(n);
  for (int32_t k : indices) b->AppendArraySlice(array, k, 1);
  return b->Finish();
}

RecordBatchPtr Take(const RecordBatch& batch, std::span<const int32_t> indices) {
  std::vector<ArrayPtr> cols;
  cols.reserve(static_cast<size_t>(batch.num_columns()));
  for (const auto& c : batch.columns()) cols.push_back(Take(*c, indices));
  return std::make_shared<const RecordBatch>(batch.schema(), static_cast<int64_t>(indices.size()),
                                             std::move(cols));
}

RecordBatchPtr Filter(const RecordBatch& batch, const Array& mask) {
  std::vector<int32_t> sel;
  sel.reserve(static_cast<size_t>(mask.length()));
  for (int64_t i = 0; i < mask.length(); ++i) {
    if (mask.IsValid(i) && mask.GetBool(i)) sel.push_back(static_cast<int32_t>(i));
  }
  if (static_cast<int64_t>(sel.size()) == batch.num_rows()) {
    return std::make_shared<const RecordBatch>(batch);
  }
  return Take(batch, sel);
}

}  // namespace laminar::columnar
