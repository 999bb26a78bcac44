#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "columnar/builder.h"
#include "columnar/record_batch.h"
#include "columnar/scalar.h"
#include "common/result.h"
#include "common/status.h"
#include "common/time_util.h"

namespace laminar::execution {

// Byte-level building blocks of operator and engine state snapshots (docs/checkpoint.md,
// "Engine checkpoints"). Every integer is little-endian fixed width; strings and nested blobs
// are u32-length-prefixed. Values are encoded by their physical storage class, so the decoder
// needs the column type (always known from the operator's schema) and round-trips bit for bit:
// Encode(Decode(x)) == x. The reader never trusts a length: every read is bounds-checked and a
// short or malformed input is reported as false / Status::Corruption, never a crash.

static_assert(std::endian::native == std::endian::little,
              "state snapshots are little-endian; add byte swaps for big-endian hosts");

/// Appends fixed-width integers, strings and scalars to a snapshot buffer.
class StateWriter {
 public:
  explicit StateWriter(std::string* out) : out_(out) {}

  template <typename T>
  void Put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_->append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void PutString(std::string_view s) {
    Put(static_cast<uint32_t>(s.size()));
    out_->append(s);
  }
  /// Appends a u32 placeholder; FinishLength() later fills in the bytes written since.
  size_t BeginLength() {
    size_t at = out_->size();
    Put(uint32_t{0});
    return at;
  }
  void FinishLength(size_t at) {
    uint32_t n = static_cast<uint32_t>(out_->size() - at - 4);
    std::memcpy(out_->data() + at, &n, 4);
  }
  /// A value of a column: a tag for its storage class, then the payload (lists/structs
  /// recursively).
  void PutScalar(const columnar::Scalar& v);
  /// Column count, row count, then every cell row by row (PutScalar).
  void PutBatch(const columnar::RecordBatch& batch);

  std::string* out() { return out_; }

 private:
  std::string* out_;
};

/// Bounds-checked reader over a snapshot buffer; every Get returns false on short input.
class StateReader {
 public:
  explicit StateReader(std::string_view in) : in_(in) {}

  template <typename T>
  [[nodiscard]] bool Get(T* v) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  [[nodiscard]] bool GetString(std::string* s) {
    std::string_view v;
    if (!GetView(&v)) return false;
    s->assign(v);
    return true;
  }
  /// A u32-length-prefixed blob, returned as a view into the input.
  [[nodiscard]] bool GetView(std::string_view* v) {
    uint32_t n;
    if (!Get(&n) || in_.size() < n) return false;
    *v = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  /// A count that must be plausible: each of the `count` items needs at least `min_item_bytes`
  /// more input. Guards allocations against corrupt lengths.
  [[nodiscard]] bool GetCount(uint32_t* count, size_t min_item_bytes) {
    if (!Get(count)) return false;
    return min_item_bytes == 0 || *count <= in_.size() / min_item_bytes;
  }
  /// A value of `type` written by StateWriter::PutScalar.
  Status GetScalar(const columnar::DataTypePtr& type, columnar::Scalar* v, int depth = 0);
  /// A batch of `schema` written by StateWriter::PutBatch.
  Result<columnar::RecordBatchPtr> GetBatch(const columnar::SchemaPtr& schema);

  std::string_view* rest() { return &in_; }
  size_t remaining() const { return in_.size(); }
  bool empty() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// --- inline implementations (header-only so every library can use it without a link dep) ---

namespace state_codec_internal {
enum : uint8_t {
  kNull = 0,
  kBool = 1,
  kInt = 2,
  kDouble = 3,
  kDecimal = 4,
  kString = 5,
  kInterval = 6,
  kChildren = 7,
};
/// The storage tag a non-null value of `type` must carry (what Scalar stores it as).
inline uint8_t TagOf(const columnar::DataType& type) {
  using columnar::TypeId;
  switch (type.id()) {
    case TypeId::kNull:
      return kNull;
    case TypeId::kBoolean:
      return kBool;
    case TypeId::kFloat32:
    case TypeId::kFloat64:
      return kDouble;
    case TypeId::kDecimal128:
      return kDecimal;
    case TypeId::kString:
    case TypeId::kBinary:
      return kString;
    case TypeId::kInterval:
      return kInterval;
    case TypeId::kList:
    case TypeId::kStruct:
      return kChildren;
    default:
      return kInt;
  }
}
}  // namespace state_codec_internal

inline void StateWriter::PutScalar(const columnar::Scalar& v) {
  namespace t = state_codec_internal;
  const auto& s = v.storage();
  switch (s.index()) {
    case 0:
      Put(uint8_t{t::kNull});
      break;
    case 1:
      Put(uint8_t{t::kBool});
      Put(static_cast<uint8_t>(std::get<bool>(s) ? 1 : 0));
      break;
    case 2:
      Put(uint8_t{t::kInt});
      Put(std::get<int64_t>(s));
      break;
    case 3:
      Put(uint8_t{t::kDouble});
      Put(std::get<double>(s));
      break;
    case 4:
      Put(uint8_t{t::kDecimal});
      Put(std::get<columnar::int128_t>(s));
      break;
    case 5:
      Put(uint8_t{t::kString});
      PutString(std::get<std::string>(s));
      break;
    case 6: {
      const auto& iv = std::get<Interval>(s);
      Put(uint8_t{t::kInterval});
      Put(iv.months);
      Put(iv.days);
      Put(iv.nanos);
      break;
    }
    default: {
      const auto& kids = std::get<std::vector<columnar::Scalar>>(s);
      Put(uint8_t{t::kChildren});
      Put(static_cast<uint32_t>(kids.size()));
      for (const auto& k : kids) PutScalar(k);
      break;
    }
  }
}

inline void StateWriter::PutBatch(const columnar::RecordBatch& batch) {
  Put(static_cast<uint32_t>(batch.num_columns()));
  Put(static_cast<uint64_t>(batch.num_rows()));
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    for (int c = 0; c < batch.num_columns(); ++c) {
      PutScalar(columnar::GetScalar(*batch.column(c), r));
    }
  }
}

inline Status StateReader::GetScalar(const columnar::DataTypePtr& type, columnar::Scalar* v,
                                     int depth) {
  namespace t = state_codec_internal;
  auto bad = [] { return Status::Corruption("truncated or malformed value in state snapshot"); };
  if (depth > 64) return Status::Corruption("value nesting too deep in state snapshot");
  uint8_t tag;
  if (!Get(&tag)) return bad();
  if (tag != t::kNull && tag != t::TagOf(*type)) {
    return Status::Corruption("state snapshot value does not match its column type " +
                              type->ToString());
  }
  switch (tag) {
    case t::kNull:
      *v = columnar::Scalar::Null(type);
      return Status::OK();
    case t::kBool: {
      uint8_t b;
      if (!Get(&b) || b > 1) return bad();
      *v = columnar::Scalar(type, b == 1);
      return Status::OK();
    }
    case t::kInt: {
      int64_t x;
      if (!Get(&x)) return bad();
      *v = columnar::Scalar(type, x);
      return Status::OK();
    }
    case t::kDouble: {
      double x;
      if (!Get(&x)) return bad();
      *v = columnar::Scalar(type, x);
      return Status::OK();
    }
    case t::kDecimal: {
      columnar::int128_t x;
      if (!Get(&x)) return bad();
      *v = columnar::Scalar(type, x);
      return Status::OK();
    }
    case t::kString: {
      std::string x;
      if (!GetString(&x)) return bad();
      *v = columnar::Scalar(type, std::move(x));
      return Status::OK();
    }
    case t::kInterval: {
      Interval iv;
      if (!Get(&iv.months) || !Get(&iv.days) || !Get(&iv.nanos)) return bad();
      *v = columnar::Scalar(type, iv);
      return Status::OK();
    }
    case t::kChildren: {
      uint32_t n;
      if (!GetCount(&n, 1)) return bad();
      const auto& kids_types = type->children();
      const bool is_list = type->id() == columnar::TypeId::kList;
      if (kids_types.empty() || (!is_list && kids_types.size() != n)) return bad();
      std::vector<columnar::Scalar> kids(n);
      for (uint32_t i = 0; i < n; ++i) {
        const auto& kt = is_list ? kids_types[0]->type : kids_types[i]->type;
        LAMINAR_RETURN_NOT_OK(GetScalar(kt, &kids[i], depth + 1));
      }
      *v = columnar::Scalar(type, std::move(kids));
      return Status::OK();
    }
    default:
      return bad();
  }
}

inline Result<columnar::RecordBatchPtr> StateReader::GetBatch(const columnar::SchemaPtr& schema) {
  uint32_t ncols;
  uint64_t nrows;
  if (!Get(&ncols) || !Get(&nrows) || ncols != static_cast<uint32_t>(schema->num_fields()) ||
      nrows > remaining()) {
    return Status::Corruption("malformed batch in state snapshot");
  }
  std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders;
  for (const auto& f : schema->fields()) builders.push_back(columnar::MakeBuilder(f->type));
  columnar::Scalar v;
  for (uint64_t r = 0; r < nrows; ++r) {
    for (int c = 0; c < schema->num_fields(); ++c) {
      LAMINAR_RETURN_NOT_OK(GetScalar(schema->field(c)->type, &v));
      Status st = builders[static_cast<size_t>(c)]->AppendScalar(v);
      if (!st.ok()) return Status::Corruption("state snapshot value does not fit its column");
    }
  }
  std::vector<columnar::ArrayPtr> cols;
  for (auto& b : builders) cols.push_back(b->Finish());
  return std::make_shared<const columnar::RecordBatch>(schema, static_cast<int64_t>(nrows),
                                                       std::move(cols));
}

}  // namespace laminar::execution
