#include "db/wal_batch_codec.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <vector>

#include "columnar/buffer.h"

namespace laminar::db {

using columnar::Array;
using columnar::ArrayPtr;
using columnar::Buffer;
using columnar::BufferPtr;
using columnar::DataTypePtr;
using columnar::TypeId;
namespace bit_util = columnar::bit_util;

namespace {

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

// Appends `n` bits starting at bit `offset` of `bits` as ceil(n/8) bytes starting at bit 0.
void PutBits(std::string* out, const uint8_t* bits, int64_t offset, int64_t n) {
  const int64_t bytes = bit_util::BytesForBits(n);
  if (offset % 8 == 0) {
    out->append(reinterpret_cast<const char*>(bits + offset / 8), static_cast<size_t>(bytes));
    // Bits past n in the last byte are not part of the value; clear them for determinism.
    if (n % 8 != 0) out->back() = static_cast<char>(out->back() & ((1 << (n % 8)) - 1));
    return;
  }
  const size_t at = out->size();
  out->append(static_cast<size_t>(bytes), '\0');
  bit_util::CopyBits(bits, offset, n, reinterpret_cast<uint8_t*>(out->data() + at), 0);
}

void EncodeColumn(const Array& a, int64_t n, std::string* out) {
  const TypeId id = a.type_id();
  Put<uint8_t>(out, static_cast<uint8_t>(id));
  const uint8_t* validity = (id == TypeId::kNull) ? nullptr : a.validity();
  Put<uint8_t>(out, validity != nullptr ? 1 : 0);
  if (validity != nullptr) PutBits(out, validity, a.offset(), n);
  switch (id) {
    case TypeId::kNull:
      return;
    case TypeId::kBoolean:
      if (n > 0) PutBits(out, a.bool_bits(), a.offset(), n);
      return;
    case TypeId::kString:
    case TypeId::kBinary:
    case TypeId::kList: {
      // An empty array may have no offsets buffer at all.
      const int32_t* o = n > 0 ? a.raw_offsets() : nullptr;
      const int32_t base = n > 0 ? o[0] : 0;
      Put<int32_t>(out, 0);
      for (int64_t i = 1; i <= n; ++i) Put<int32_t>(out, o[i] - base);
      const int64_t len = n > 0 ? o[n] - base : 0;
      if (id == TypeId::kList) {
        EncodeColumn(*a.child(0)->Slice(base, len), len, out);
        return;
      }
      Put<uint64_t>(out, static_cast<uint64_t>(len));
      if (len > 0)
        out->append(reinterpret_cast<const char*>(a.buffers()[2]->data()) + base,
                    static_cast<size_t>(len));
      return;
    }
    case TypeId::kStruct:
      for (int j = 0; j < static_cast<int>(a.children().size()); ++j) {
        EncodeColumn(*a.StructField(j), n, out);
      }
      return;
    default: {
      const int64_t w = a.type()->byte_width();
      if (n > 0)
        out->append(reinterpret_cast<const char*>(a.buffers()[1]->data()) + a.offset() * w,
                    static_cast<size_t>(n * w));
      return;
    }
  }
}

/// Bounds-checked reader over the record payload.
class Reader {
 public:
  explicit Reader(std::string_view* in) : in_(in) {}

  template <typename T>
  bool Get(T* v) {
    if (in_->size() < sizeof(T)) return false;
    std::memcpy(v, in_->data(), sizeof(T));
    in_->remove_prefix(sizeof(T));
    return true;
  }
  /// Copies `bytes` bytes into a new buffer, or nullptr when the input is too short.
  BufferPtr Take(int64_t bytes) {
    if (bytes < 0 || static_cast<uint64_t>(bytes) > in_->size()) return nullptr;
    auto b = Buffer::Allocate(bytes);
    if (bytes > 0) std::memcpy(b->mutable_data(), in_->data(), static_cast<size_t>(bytes));
    in_->remove_prefix(static_cast<size_t>(bytes));
    return b;
  }
  size_t remaining() const { return in_->size(); }

 private:
  std::string_view* in_;
};

Status Bad(std::string_view what, const DataTypePtr& type) {
  return Status::Corruption(
      fmt::format("corrupt batch record in the input log: {} ({} column)", what, type->ToString()),
      ErrorCode::kWalCorruption);
}

Result<ArrayPtr> DecodeColumn(Reader& r, const DataTypePtr& type, int64_t n) {
  uint8_t id = 0, has_validity = 0;
  if (!r.Get(&id) || !r.Get(&has_validity)) return Bad("truncated column header", type);
  if (id != static_cast<uint8_t>(type->id())) return Bad("column type differs from schema", type);
  if (has_validity > 1) return Bad("bad validity flag", type);
  const int64_t bit_bytes = bit_util::BytesForBits(n);
  BufferPtr validity;
  if (has_validity == 1) {
    validity = r.Take(bit_bytes);
    if (!validity) return Bad("truncated validity bitmap", type);
  }
  std::vector<BufferPtr> buffers{validity};
  std::vector<ArrayPtr> children;
  switch (type->id()) {
    case TypeId::kNull:
      if (has_validity) return Bad("NULL column with a validity bitmap", type);
      return std::make_shared<Array>(type, n, std::vector<BufferPtr>{});
    case TypeId::kBoolean: {
      auto values = r.Take(bit_bytes);
      if (!values) return Bad("truncated boolean values", type);
      buffers.push_back(std::move(values));
      break;
    }
    case TypeId::kString:
    case TypeId::kBinary:
    case TypeId::kList: {
      if (static_cast<uint64_t>(n + 1) * 4 > r.remaining()) return Bad("truncated offsets", type);
      auto offsets = r.Take((n + 1) * 4);
      const int32_t* o = offsets->data_as<int32_t>();
      if (o[0] != 0) return Bad("offsets do not start at 0", type);
      for (int64_t i = 0; i < n; ++i) {
        if (o[i + 1] < o[i]) return Bad("offsets decrease", type);
      }
      const int64_t len = o[n];
      buffers.push_back(std::move(offsets));
      if (type->id() == TypeId::kList) {
        LAMINAR_ASSIGN_OR_RETURN(auto child, DecodeColumn(r, type->value_type(), len));
        children.push_back(std::move(child));
        break;
      }
      uint64_t data_len = 0;
      if (!r.Get(&data_len)) return Bad("truncated data length", type);
      if (data_len != static_cast<uint64_t>(len))
        return Bad("data length differs from offsets", type);
      auto data = r.Take(len);
      if (!data) return Bad("truncated string data", type);
      buffers.push_back(std::move(data));
      break;
    }
    case TypeId::kStruct:
      for (const auto& f : type->children()) {
        LAMINAR_ASSIGN_OR_RETURN(auto child, DecodeColumn(r, f->type, n));
        children.push_back(std::move(child));
      }
      break;
    default: {
      const int64_t w = type->byte_width();
      if (w <= 0) return Bad("unsupported type", type);
      if (static_cast<uint64_t>(n) > r.remaining() / static_cast<uint64_t>(w))
        return Bad("truncated values", type);
      buffers.push_back(r.Take(n * w));
      break;
    }
  }
  auto array = std::make_shared<Array>(type, n, std::move(buffers), std::move(children));
  Status st = array->Validate();
  if (!st.ok()) return Bad(st.message(), type);
  return ArrayPtr(std::move(array));
}

}  // namespace

void EncodeWalBatch(const columnar::RecordBatch& batch, std::string* out) {
  Put<uint8_t>(out, kWalBatchVersion);
  Put<uint64_t>(out, static_cast<uint64_t>(batch.num_rows()));
  Put<uint32_t>(out, static_cast<uint32_t>(batch.num_columns()));
  for (const auto& col : batch.columns()) EncodeColumn(*col, batch.num_rows(), out);
}

Result<columnar::RecordBatchPtr> DecodeWalBatch(std::string_view* in,
                                                const columnar::SchemaPtr& schema) {
  Reader r(in);
  uint8_t version = 0;
  uint64_t rows = 0;
  uint32_t cols = 0;
  if (!r.Get(&version) || !r.Get(&rows) || !r.Get(&cols)) {
    return Status::Corruption("truncated batch record header in the input log",
                              ErrorCode::kWalCorruption);
  }
  if (version != kWalBatchVersion) {
    return Status::Corruption(fmt::format("batch record version {} is not supported (expected {})",
                                          version, kWalBatchVersion),
                              ErrorCode::kWalCorruption);
  }
  // Row indices are int32 throughout the engine (selection vectors, offsets).
  if (rows > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    return Status::Corruption(fmt::format("batch record claims {} rows", rows),
                              ErrorCode::kWalCorruption);
  }
  if (cols != static_cast<uint32_t>(schema->num_fields())) {
    return Status::Corruption(fmt::format("batch record has {} columns but the source has {}", cols,
                                          schema->num_fields()),
                              ErrorCode::kWalCorruption);
  }
  const int64_t n = static_cast<int64_t>(rows);
  std::vector<ArrayPtr> columns;
  columns.reserve(cols);
  for (int c = 0; c < schema->num_fields(); ++c) {
    LAMINAR_ASSIGN_OR_RETURN(auto col, DecodeColumn(r, schema->field(c)->type, n));
    columns.push_back(std::move(col));
  }
  return std::make_shared<const columnar::RecordBatch>(schema, n, std::move(columns));
}

}  // namespace laminar::db
