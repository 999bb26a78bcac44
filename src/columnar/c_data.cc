#include "columnar/c_data.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "common/time_util.h"

namespace laminar::columnar {
namespace {

/// Nesting limit for imported trees: a malicious producer could hand us a cyclic or absurdly deep
/// tree; recursion must stay bounded.
constexpr int kMaxNestingDepth = 64;
/// Lengths and offsets above this are rejected so `(offset + length + 1) * 16` cannot overflow.
constexpr int64_t kMaxElements = std::numeric_limits<int64_t>::max() / 64;

Status ArrowError(std::string msg) {
  return Status::Invalid("Arrow C data import: " + std::move(msg), ErrorCode::kArrowError);
}

Status Unsupported(std::string msg) {
  return Status::NotImplemented("Arrow C data interface: " + std::move(msg),
                                ErrorCode::kArrowError);
}

// =============================================================================================
// Export: schemas
// =============================================================================================

/// private_data of every exported ArrowSchema node. Owns the strings its pointers refer to and
/// the child structs (each child has its own ExportedSchema, so a consumer may move a child out).
struct ExportedSchema {
  std::string format;
  std::string name;
  std::vector<ArrowSchema> children;
  std::vector<ArrowSchema*> child_pointers;
};

// Releases one exported node (ArrowSchema or ArrowArray): its children and dictionary unless
// a consumer moved them out (their release is then NULL), then its private data `Owned`.
template <typename Owned, typename Node>
void ReleaseExportedNode(Node* node) {
  if (node == nullptr || node->release == nullptr) return;
  for (int64_t i = 0; i < node->n_children; ++i) {
    Node* child = node->children[i];
    if (child->release != nullptr) child->release(child);
  }
  if (node->dictionary != nullptr && node->dictionary->release != nullptr) {
    node->dictionary->release(node->dictionary);
  }
  std::unique_ptr<Owned> owned(static_cast<Owned*>(node->private_data));
  node->private_data = nullptr;
  node->release = nullptr;
}

void ReleaseExportedSchema(ArrowSchema* schema) { ReleaseExportedNode<ExportedSchema>(schema); }

Result<std::string> FormatOf(const DataType& type) {
  switch (type.id()) {
    case TypeId::kNull:
      return std::string("n");
    case TypeId::kBoolean:
      return std::string("b");
    case TypeId::kInt8:
      return std::string("c");
    case TypeId::kInt16:
      return std::string("s");
    case TypeId::kInt32:
      return std::string("i");
    case TypeId::kInt64:
      return std::string("l");
    case TypeId::kFloat32:
      return std::string("f");
    case TypeId::kFloat64:
      return std::string("g");
    case TypeId::kDecimal128:
      return fmt::format("d:{},{}", type.precision(), type.scale());
    case TypeId::kString:
      return std::string("u");
    case TypeId::kBinary:
      return std::string("z");
    case TypeId::kDate32:
      return std::string("tdD");
    case TypeId::kTime64:
      return std::string("ttu");
    case TypeId::kTimestamp:
      return std::string("tsu:");
    case TypeId::kInterval:
      return std::string("tin");
    case TypeId::kList:
      return std::string("+l");
    case TypeId::kStruct:
      return std::string("+s");
  }
  return Unsupported(fmt::format("cannot export type id {}", static_cast<int>(type.id())));
}

Status ExportSchemaNode(std::string_view name, const DataType& type, int64_t flags,
                        ArrowSchema* out) {
  *out = ArrowSchema{};
  auto priv = std::make_unique<ExportedSchema>();
  LAMINAR_ASSIGN_OR_RETURN(priv->format, FormatOf(type));
  priv->name = std::string(name);
  const std::vector<FieldPtr>& fields = type.children();
  if (type.id() == TypeId::kList && fields.size() != 1) {
    return Status::Invalid("cannot export a LIST type without exactly one child field",
                           ErrorCode::kArrowError);
  }
  const size_t n = type.is_nested() ? fields.size() : 0;
  priv->children.resize(n);  // value-initialised: release == NULL until exported
  for (auto& child : priv->children) priv->child_pointers.push_back(&child);

  out->format = priv->format.c_str();
  out->name = priv->name.c_str();
  out->metadata = nullptr;
  out->flags = flags;
  out->n_children = static_cast<int64_t>(n);
  out->children = n > 0 ? priv->child_pointers.data() : nullptr;
  out->dictionary = nullptr;
  out->release = &ReleaseExportedSchema;
  ExportedSchema* raw = priv.release();
  out->private_data = raw;
  for (size_t i = 0; i < n; ++i) {
    const Field& f = *fields[i];
    Status st =
        ExportSchemaNode(f.name, *f.type, f.nullable ? ARROW_FLAG_NULLABLE : 0, &raw->children[i]);
    if (!st.ok()) {
      out->release(out);  // releases the children exported so far
      return st;
    }
  }
  return Status::OK();
}

// =============================================================================================
// Export: arrays
// =============================================================================================

/// private_data of every exported ArrowArray node. Holding the ArrayPtr keeps all buffers of
/// this node alive; children are separate nodes with their own ExportedArray.
struct ExportedArray {
  ArrayPtr array;
  std::vector<const void*> buffers;
  std::vector<ArrowArray> children;
  std::vector<ArrowArray*> child_pointers;
};

void ReleaseExportedArray(ArrowArray* array) { ReleaseExportedNode<ExportedArray>(array); }

/// Number of buffers the Arrow layout of `id` has (validity included).
int BufferCount(TypeId id) {
  switch (id) {
    case TypeId::kNull:
      return 0;
    case TypeId::kString:
    case TypeId::kBinary:
      return 3;
    case TypeId::kStruct:
      return 1;
    default:
      return 2;
  }
}

Status ExportArrayNode(const ArrayPtr& array, ArrowArray* out) {
  *out = ArrowArray{};
  const DataType& type = *array->type();
  size_t n_children = 0;
  if (type.id() == TypeId::kList) {
    n_children = 1;
  } else if (type.id() == TypeId::kStruct) {
    n_children = type.children().size();
  }
  if (array->children().size() != n_children) {
    return Status::Invalid(fmt::format("cannot export {} array with {} children, expected {}",
                                       type.ToString(), array->children().size(), n_children),
                           ErrorCode::kArrowError);
  }
  auto priv = std::make_unique<ExportedArray>();
  priv->array = array;
  const int n_buffers = BufferCount(type.id());
  priv->buffers.resize(static_cast<size_t>(n_buffers), nullptr);
  if (n_buffers > 0) priv->buffers[0] = array->validity();  // NULL when there are no nulls
  for (int i = 1; i < n_buffers; ++i) {
    const auto& bufs = array->buffers();
    if (static_cast<size_t>(i) < bufs.size() && bufs[static_cast<size_t>(i)]) {
      priv->buffers[static_cast<size_t>(i)] = bufs[static_cast<size_t>(i)]->data();
    } else if (array->length() > 0) {
      return Status::Invalid(
          fmt::format("cannot export {} array: buffer {} is missing", type.ToString(), i),
          ErrorCode::kArrowError);
    }
  }
  priv->children.resize(n_children);
  for (auto& child : priv->children) priv->child_pointers.push_back(&child);

  out->length = array->length();
  out->null_count = array->null_count();
  out->offset = array->offset();
  out->n_buffers = n_buffers;
  out->n_children = static_cast<int64_t>(n_children);
  out->buffers = n_buffers > 0 ? priv->buffers.data() : nullptr;
  out->children = n_children > 0 ? priv->child_pointers.data() : nullptr;
  out->dictionary = nullptr;
  out->release = &ReleaseExportedArray;
  ExportedArray* raw = priv.release();
  out->private_data = raw;
  for (size_t i = 0; i < n_children; ++i) {
    Status st = ExportArrayNode(array->children()[i], &raw->children[i]);
    if (!st.ok()) {
      out->release(out);
      return st;
    }
  }
  return Status::OK();
}

// =============================================================================================
// Import: types
// =============================================================================================

/// How imported values are brought to our representation. Anything but kNone copies the values.
enum class Conversion : uint8_t {
  kNone,
  kTimestampSeconds,  // tss: int64 s  -> µs
  kTimestampMillis,   // tsm: int64 ms -> µs
  kTimestampNanos,    // tsn: int64 ns -> µs (floor)
  kTime32Seconds,     // tts: int32 s  -> int64 µs
  kTime32Millis,      // ttm: int32 ms -> int64 µs
  kTime64Nanos,       // ttn: int64 ns -> µs (floor)
  kDate64Millis,      // tdm: int64 ms -> int32 days (floor)
};

/// A type as the producer described it: our type plus how to convert the values, per node.
struct ImportedType {
  DataTypePtr type;
  Conversion conversion = Conversion::kNone;
  std::vector<ImportedType> children;  // parallel to type->children() for LIST/STRUCT
};

ImportedType FromDataType(const DataTypePtr& type) {
  ImportedType t;
  t.type = type;
  if (type->is_nested()) {
    for (const auto& f : type->children()) t.children.push_back(FromDataType(f->type));
  }
  return t;
}

Result<DataTypePtr> ParseDecimal(std::string_view format) {
  // "d:precision,scale[,bitwidth]"
  std::string_view rest = format.substr(2);
  int values[3] = {0, 0, 128};
  int count = 0;
  while (true) {
    if (count == 3) return ArrowError(fmt::format("malformed decimal format '{}'", format));
    const char* begin = rest.data();
    const char* end = rest.data() + rest.size();
    auto [ptr, ec] = std::from_chars(begin, end, values[count]);
    if (ec != std::errc() || ptr == begin) {
      return ArrowError(fmt::format("malformed decimal format '{}'", format));
    }
    ++count;
    rest.remove_prefix(static_cast<size_t>(ptr - begin));
    if (rest.empty()) break;
    if (rest[0] != ',') return ArrowError(fmt::format("malformed decimal format '{}'", format));
    rest.remove_prefix(1);
  }
  if (count < 2) return ArrowError(fmt::format("malformed decimal format '{}'", format));
  if (values[2] != 128) {
    return Unsupported(fmt::format("decimal bit width {} (format '{}'); only 128 is supported",
                                   values[2], format));
  }
  if (values[0] < 1 || values[0] > 38 || values[1] < 0 || values[1] > values[0]) {
    return Unsupported(
        fmt::format("decimal format '{}': precision must be 1..38 and scale 0..precision", format));
  }
  return decimal128(values[0], values[1]);
}

Result<ImportedType> ImportSchemaNode(const ArrowSchema* schema, int depth) {
  if (depth > kMaxNestingDepth) {
    return ArrowError(fmt::format("type nesting deeper than {}", kMaxNestingDepth));
  }
  if (schema == nullptr) return ArrowError("null ArrowSchema child");
  if (schema->release == nullptr) return ArrowError("ArrowSchema is already released");
  if (schema->format == nullptr) return ArrowError("ArrowSchema has no format string");
  const std::string_view f(schema->format);
  if (schema->dictionary != nullptr) {
    return Unsupported(fmt::format("dictionary-encoded arrays (index format '{}')", f));
  }
  if (schema->n_children < 0 || (schema->n_children > 0 && schema->children == nullptr)) {
    return ArrowError(
        fmt::format("format '{}' has invalid children (n_children {})", f, schema->n_children));
  }
  ImportedType out;
  if (f == "+l" || f == "+s") {
    if (f == "+l" && schema->n_children != 1) {
      return ArrowError(fmt::format("list format '+l' needs 1 child, got {}", schema->n_children));
    }
    std::vector<FieldPtr> fields;
    for (int64_t i = 0; i < schema->n_children; ++i) {
      const ArrowSchema* child = schema->children[i];
      LAMINAR_ASSIGN_OR_RETURN(ImportedType child_type, ImportSchemaNode(child, depth + 1));
      fields.push_back(std::make_shared<Field>(child->name ? child->name : "", child_type.type,
                                               (child->flags & ARROW_FLAG_NULLABLE) != 0));
      out.children.push_back(std::move(child_type));
    }
    out.type =
        std::make_shared<DataType>(f == "+l" ? TypeId::kList : TypeId::kStruct, std::move(fields));
    return out;
  }
  if (schema->n_children != 0) {
    return ArrowError(
        fmt::format("format '{}' must have no children, got {}", f, schema->n_children));
  }
  if (f == "n") {
    out.type = null_type();
  } else if (f == "b") {
    out.type = boolean();
  } else if (f == "c") {
    out.type = int8();
  } else if (f == "s") {
    out.type = int16();
  } else if (f == "i") {
    out.type = int32();
  } else if (f == "l") {
    out.type = int64();
  } else if (f == "f") {
    out.type = float32();
  } else if (f == "g") {
    out.type = float64();
  } else if (f == "u") {
    out.type = utf8();
  } else if (f == "z") {
    out.type = binary();
  } else if (f == "tdD") {
    out.type = date32();
  } else if (f == "tdm") {
    out.type = date32();
    out.conversion = Conversion::kDate64Millis;
  } else if (f == "ttu") {
    out.type = time64();
  } else if (f == "tts" || f == "ttm" || f == "ttn") {
    out.type = time64();
    out.conversion = f == "tts"   ? Conversion::kTime32Seconds
                     : f == "ttm" ? Conversion::kTime32Millis
                                  : Conversion::kTime64Nanos;
  } else if (f.size() >= 4 && f.substr(0, 2) == "ts" && f[3] == ':') {
    // The zone (if any) is dropped: Arrow timestamps are UTC epoch instants either way.
    out.type = timestamp();
    switch (f[2]) {
      case 'u':
        break;
      case 's':
        out.conversion = Conversion::kTimestampSeconds;
        break;
      case 'm':
        out.conversion = Conversion::kTimestampMillis;
        break;
      case 'n':
        out.conversion = Conversion::kTimestampNanos;
        break;
      default:
        return ArrowError(fmt::format("malformed timestamp format '{}'", f));
    }
  } else if (f == "tin") {
    out.type = interval();
  } else if (f.size() >= 2 && f.substr(0, 2) == "d:") {
    LAMINAR_ASSIGN_OR_RETURN(out.type, ParseDecimal(f));
  } else {
    return Unsupported(fmt::format("unsupported or malformed format '{}'", f));
  }
  return out;
}

/// Takes ownership of a foreign root struct (ArrowSchema, ArrowArray or ArrowArrayStream) by
/// moving it, and releases it when destroyed. Moving the root is allowed by the specification.
template <typename T>
class Moved {
 public:
  explicit Moved(T* source) {
    if (source != nullptr) {
      value_ = *source;
      source->release = nullptr;
    }
  }
  Moved(const Moved&) = delete;
  Moved& operator=(const Moved&) = delete;
  ~Moved() {
    if (value_.release != nullptr) value_.release(&value_);
  }
  T* get() { return &value_; }
  bool released() const { return value_.release == nullptr; }

 private:
  T value_{};
};

// =============================================================================================
// Import: arrays
// =============================================================================================

/// The foreign root ArrowArray, moved into shared ownership. Every Buffer wrapping foreign memory
/// holds a reference, so the producer's release runs exactly once, after the last buffer is gone.
struct ImportedArrayOwner {
  ImportedArrayOwner() = default;
  ImportedArrayOwner(const ImportedArrayOwner&) = delete;
  ImportedArrayOwner& operator=(const ImportedArrayOwner&) = delete;
  ~ImportedArrayOwner() {
    if (array.release != nullptr) array.release(&array);
  }
  ArrowArray array{};
};
using OwnerPtr = std::shared_ptr<ImportedArrayOwner>;

/// Copies and converts a temporal column with a foreign unit to our representation. The result
/// has offset 0; null slots hold 0.
Result<ArrayPtr> ConvertTemporal(const ImportedType& t, const ArrowArray& a, const void* values,
                                 const uint8_t* validity) {
  const int64_t n = a.length;
  BufferPtr out_validity;
  int64_t nulls = 0;
  if (validity != nullptr && a.null_count != 0) {
    out_validity = Buffer::Allocate(bit_util::BytesForBits(n));
    bit_util::CopyBits(validity, a.offset, n, out_validity->mutable_data(), 0);
    nulls = n - bit_util::CountSetBits(out_validity->data(), 0, n);
    if (nulls == 0) out_validity.reset();
  }
  auto valid = [&](int64_t i) {
    return !out_validity || bit_util::GetBit(out_validity->data(), i);
  };
  const bool to_days = t.conversion == Conversion::kDate64Millis;
  auto out_values = Buffer::Allocate(n * (to_days ? 4 : 8));
  auto overflow = [&](int64_t i) {
    return ArrowError(fmt::format("{} value at row {} is out of range after unit conversion",
                                  t.type->ToString(), i));
  };
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = a.offset + i;
    if (!valid(i)) continue;  // Allocate() zero-filled the slot
    int64_t in = 0;
    if (t.conversion == Conversion::kTime32Seconds || t.conversion == Conversion::kTime32Millis) {
      in = static_cast<const int32_t*>(values)[k];
    } else {
      in = static_cast<const int64_t*>(values)[k];
    }
    int64_t result = 0;
    switch (t.conversion) {
      case Conversion::kTimestampSeconds:
      case Conversion::kTime32Seconds:
        if (__builtin_mul_overflow(in, int64_t{1000000}, &result)) return overflow(i);
        break;
      case Conversion::kTimestampMillis:
      case Conversion::kTime32Millis:
        if (__builtin_mul_overflow(in, int64_t{1000}, &result)) return overflow(i);
        break;
      case Conversion::kTimestampNanos:
      case Conversion::kTime64Nanos:
        result = FloorDiv(in, 1000);
        break;
      case Conversion::kDate64Millis:
        result = FloorDiv(in, 86400000);
        if (result < std::numeric_limits<int32_t>::min() ||
            result > std::numeric_limits<int32_t>::max()) {
          return overflow(i);
        }
        break;
      case Conversion::kNone:
        break;
    }
    if (to_days) {
      reinterpret_cast<int32_t*>(out_values->mutable_data())[i] = static_cast<int32_t>(result);
    } else {
      reinterpret_cast<int64_t*>(out_values->mutable_data())[i] = result;
    }
  }
  return std::make_shared<Array>(t.type, n, std::vector<BufferPtr>{out_validity, out_values},
                                 std::vector<ArrayPtr>{}, nulls);
}

Result<ArrayPtr> ImportArrayNode(const ArrowArray* a, const ImportedType& t, const OwnerPtr& owner,
                                 int depth) {
  const DataType& type = *t.type;
  const std::string type_name = type.ToString();
  if (depth > kMaxNestingDepth) {
    return ArrowError(fmt::format("array nesting deeper than {}", kMaxNestingDepth));
  }
  if (a == nullptr) return ArrowError(fmt::format("{} child array is null", type_name));
  if (a->release == nullptr) {
    return ArrowError(fmt::format("{} array is already released", type_name));
  }
  if (a->length < 0 || a->offset < 0 || a->length > kMaxElements || a->offset > kMaxElements) {
    return ArrowError(fmt::format("{} array has invalid length {} or offset {}", type_name,
                                  a->length, a->offset));
  }
  if (a->null_count < -1 || a->null_count > a->length) {
    return ArrowError(fmt::format("{} array has invalid null_count {} for length {}", type_name,
                                  a->null_count, a->length));
  }
  if (a->dictionary != nullptr) {
    return Unsupported(fmt::format("dictionary-encoded {} array", type_name));
  }
  const int expected_buffers = BufferCount(type.id());
  // A null array has no buffers; some producers still pass a (null) validity slot.
  const bool buffers_ok =
      a->n_buffers == expected_buffers || (type.id() == TypeId::kNull && a->n_buffers == 1);
  if (!buffers_ok) {
    return ArrowError(fmt::format("{} array has {} buffers, expected {}", type_name, a->n_buffers,
                                  expected_buffers));
  }
  if (a->n_buffers > 0 && a->buffers == nullptr) {
    return ArrowError(fmt::format("{} array has a null buffers pointer", type_name));
  }
  const int64_t expected_children = static_cast<int64_t>(t.children.size());
  if (a->n_children != expected_children) {
    return ArrowError(fmt::format("{} array has {} children, expected {}", type_name, a->n_children,
                                  expected_children));
  }
  if (a->n_children > 0 && a->children == nullptr) {
    return ArrowError(fmt::format("{} array has a null children pointer", type_name));
  }

  const int64_t length = a->length;
  const int64_t end = a->offset + length;
  if (type.id() == TypeId::kNull) {
    return std::make_shared<Array>(t.type, length, std::vector<BufferPtr>{});
  }

  // Wraps foreign buffer i of `size` bytes. A missing buffer is only acceptable when it would
  // hold no bytes the array uses; then an owned zeroed buffer stands in.
  auto wrap = [&](int i, int64_t size) -> Result<BufferPtr> {
    const void* p = a->buffers[i];
    if (p == nullptr) {
      if (length == 0 || size == 0) return Buffer::Allocate(size);
      return ArrowError(
          fmt::format("{} array of length {} has a null buffer {}", type_name, length, i));
    }
    return Buffer::Wrap(static_cast<const uint8_t*>(p), size, [owner] {});
  };

  BufferPtr validity;
  const void* raw_validity = a->buffers[0];
  if (raw_validity == nullptr) {
    if (a->null_count > 0) {
      return ArrowError(fmt::format("{} array has null_count {} but no validity bitmap", type_name,
                                    a->null_count));
    }
  } else if (a->null_count != 0) {
    validity = Buffer::Wrap(static_cast<const uint8_t*>(raw_validity), bit_util::BytesForBits(end),
                            [owner] {});
  }

  std::vector<BufferPtr> buffers{validity};
  std::vector<ArrayPtr> children;
  switch (type.id()) {
    case TypeId::kBoolean: {
      LAMINAR_ASSIGN_OR_RETURN(auto values, wrap(1, bit_util::BytesForBits(end)));
      buffers.push_back(std::move(values));
      break;
    }
    case TypeId::kString:
    case TypeId::kBinary:
    case TypeId::kList: {
      LAMINAR_ASSIGN_OR_RETURN(auto offsets, wrap(1, (end + 1) * 4));
      int64_t last = 0;
      if (length > 0) {
        last = offsets->data_as<int32_t>()[end];
        if (last < 0) {
          return ArrowError(fmt::format("{} array has a negative offset {}", type_name, last));
        }
      }
      buffers.push_back(std::move(offsets));
      if (type.id() == TypeId::kList) {
        LAMINAR_ASSIGN_OR_RETURN(auto child,
                                 ImportArrayNode(a->children[0], t.children[0], owner, depth + 1));
        children.push_back(std::move(child));
      } else {
        LAMINAR_ASSIGN_OR_RETURN(auto data, wrap(2, last));
        buffers.push_back(std::move(data));
      }
      break;
    }
    case TypeId::kStruct:
      for (size_t i = 0; i < t.children.size(); ++i) {
        LAMINAR_ASSIGN_OR_RETURN(auto child,
                                 ImportArrayNode(a->children[i], t.children[i], owner, depth + 1));
        children.push_back(std::move(child));
      }
      break;
    default: {
      if (t.conversion != Conversion::kNone) {
        const void* values = a->buffers[1];
        if (values == nullptr && length > 0) {
          return ArrowError(fmt::format("{} array has a null values buffer", type_name));
        }
        return ConvertTemporal(t, *a, values, validity ? validity->data() : nullptr);
      }
      const int width = type.byte_width();
      if (width <= 0) return ArrowError(fmt::format("cannot import {} array", type_name));
      LAMINAR_ASSIGN_OR_RETURN(auto values, wrap(1, end * width));
      buffers.push_back(std::move(values));
      break;
    }
  }
  const int64_t null_count = validity ? a->null_count : 0;
  return std::make_shared<Array>(t.type, length, std::move(buffers), std::move(children),
                                 null_count, a->offset);
}

/// Imports the (already moved) root array and validates the whole tree.
Result<ArrayPtr> ImportOwned(OwnerPtr owner, const ImportedType& t) {
  LAMINAR_ASSIGN_OR_RETURN(auto array, ImportArrayNode(&owner->array, t, owner, 0));
  LAMINAR_RETURN_NOT_OK(array->Validate().WithContext("Arrow C data import"));
  return array;
}

Result<OwnerPtr> TakeArray(ArrowArray* array) {
  if (array == nullptr) return ArrowError("null ArrowArray");
  if (array->release == nullptr) return ArrowError("ArrowArray is already released");
  auto owner = std::make_shared<ImportedArrayOwner>();
  owner->array = *array;
  array->release = nullptr;  // moved: the producer's struct is now ours to release
  return owner;
}

Result<RecordBatchPtr> BatchFromStruct(const ArrayPtr& array, SchemaPtr schema) {
  if (array->null_count() != 0) {
    return ArrowError(
        fmt::format("a record batch cannot have top-level nulls ({} found)", array->null_count()));
  }
  std::vector<ArrayPtr> columns;
  columns.reserve(static_cast<size_t>(schema->num_fields()));
  for (int i = 0; i < schema->num_fields(); ++i) columns.push_back(array->StructField(i));
  return std::make_shared<const RecordBatch>(std::move(schema), array->length(),
                                             std::move(columns));
}

/// Parses a foreign "+s" schema (not consuming it) into our schema and its import description.
Result<std::pair<SchemaPtr, ImportedType>> ParseBatchSchema(const ArrowSchema* schema) {
  if (schema == nullptr) return ArrowError("null ArrowSchema");
  if (schema->format == nullptr || std::string_view(schema->format) != "+s") {
    return ArrowError(fmt::format("a schema must have struct format '+s', got '{}'",
                                  schema->format ? schema->format : "(null)"));
  }
  LAMINAR_ASSIGN_OR_RETURN(ImportedType t, ImportSchemaNode(schema, 0));
  auto result_schema = std::make_shared<const Schema>(t.type->children());
  return std::make_pair(std::move(result_schema), std::move(t));
}

// =============================================================================================
// Streams
// =============================================================================================

/// private_data of an exported ArrowArrayStream.
struct ExportedStream {
  std::shared_ptr<RecordBatchReader> reader;
  std::string last_error;  // returned by get_last_error; valid until the next call
};

ExportedStream* StreamState(ArrowArrayStream* stream) {
  return static_cast<ExportedStream*>(stream->private_data);
}

// The callbacks are C entry points: nothing may propagate out of them.
int StreamGetSchema(ArrowArrayStream* stream, ArrowSchema* out) {
  ExportedStream* state = StreamState(stream);
  try {
    Status st = ExportSchema(*state->reader->schema(), out);
    if (!st.ok()) {
      state->last_error = st.ToString();
      return EINVAL;
    }
    state->last_error.clear();
    return 0;
  } catch (...) {
    state->last_error = "out of memory exporting the stream schema";
    return ENOMEM;
  }
}

int StreamGetNext(ArrowArrayStream* stream, ArrowArray* out) {
  ExportedStream* state = StreamState(stream);
  try {
    auto next = state->reader->Next();
    if (!next.ok()) {
      state->last_error = next.status().ToString();
      return EIO;
    }
    if (*next == nullptr) {
      *out = ArrowArray{};  // release == NULL marks the end of the stream
      state->last_error.clear();
      return 0;
    }
    Status st = ExportRecordBatch(**next, out);
    if (!st.ok()) {
      state->last_error = st.ToString();
      return EINVAL;
    }
    state->last_error.clear();
    return 0;
  } catch (...) {
    state->last_error = "unexpected exception while reading the next batch";
    return EIO;
  }
}

const char* StreamGetLastError(ArrowArrayStream* stream) {
  ExportedStream* state = StreamState(stream);
  return state->last_error.empty() ? nullptr : state->last_error.c_str();
}

void StreamRelease(ArrowArrayStream* stream) {
  if (stream == nullptr || stream->release == nullptr) return;
  std::unique_ptr<ExportedStream> owned(StreamState(stream));
  stream->private_data = nullptr;
  stream->release = nullptr;
}

/// A RecordBatchReader pulling from a foreign ArrowArrayStream it owns.
class ImportedStreamReader final : public RecordBatchReader {
 public:
  explicit ImportedStreamReader(ArrowArrayStream* stream) : stream_(stream) {}

  Status Init() {
    ArrowArrayStream* s = stream_.get();
    if (s->get_schema == nullptr || s->get_next == nullptr || s->get_last_error == nullptr) {
      return ArrowError("ArrowArrayStream is missing a callback");
    }
    ArrowSchema c_schema{};
    int rc = s->get_schema(s, &c_schema);
    if (rc != 0) return StreamError("get_schema", rc);
    Moved<ArrowSchema> guard(&c_schema);
    if (guard.released()) return ArrowError("get_schema returned a released schema");
    LAMINAR_ASSIGN_OR_RETURN(auto parsed, ParseBatchSchema(guard.get()));
    schema_ = std::move(parsed.first);
    type_ = std::move(parsed.second);
    return Status::OK();
  }

  const SchemaPtr& schema() const override { return schema_; }

  Result<RecordBatchPtr> Next() override {
    if (finished_) return RecordBatchPtr{};
    ArrowArray next{};
    ArrowArrayStream* s = stream_.get();
    int rc = s->get_next(s, &next);
    if (rc != 0) return StreamError("get_next", rc);
    if (next.release == nullptr) {
      finished_ = true;
      return RecordBatchPtr{};
    }
    LAMINAR_ASSIGN_OR_RETURN(auto owner, TakeArray(&next));
    LAMINAR_ASSIGN_OR_RETURN(auto array, ImportOwned(std::move(owner), type_));
    return BatchFromStruct(array, schema_);
  }

 private:
  Status StreamError(const char* call, int rc) {
    ArrowArrayStream* s = stream_.get();
    const char* message = s->get_last_error(s);
    return Status::IOError(
        fmt::format("Arrow stream {} failed ({}): {}", call, std::generic_category().message(rc),
                    message ? message : "no details"),
        ErrorCode::kArrowError);
  }

  Moved<ArrowArrayStream> stream_;
  SchemaPtr schema_;
  ImportedType type_;
  bool finished_ = false;
};

}  // namespace

// =============================================================================================
// Public API
// =============================================================================================

Status ExportType(const DataType& type, ArrowSchema* out) {
  return ExportSchemaNode("", type, ARROW_FLAG_NULLABLE, out);
}

Status ExportField(const Field& field, ArrowSchema* out) {
  return ExportSchemaNode(field.name, *field.type, field.nullable ? ARROW_FLAG_NULLABLE : 0, out);
}

Status ExportSchema(const Schema& schema, ArrowSchema* out) {
  DataType type(TypeId::kStruct, schema.fields());
  return ExportSchemaNode("", type, 0, out);
}

Status ExportArray(const ArrayPtr& array, ArrowArray* out) {
  if (array == nullptr) {
    *out = ArrowArray{};
    return Status::Invalid("cannot export a null ArrayPtr", ErrorCode::kArrowError);
  }
  return ExportArrayNode(array, out);
}

Status ExportRecordBatch(const RecordBatch& batch, ArrowArray* out) {
  // Arrow's convention: a batch is a struct array with no validity bitmap and offset 0; every
  // column keeps its own offset.
  auto as_struct = std::make_shared<Array>(struct_(batch.schema()->fields()), batch.num_rows(),
                                           std::vector<BufferPtr>{nullptr}, batch.columns(),
                                           /*null_count=*/0, /*offset=*/0);
  return ExportArrayNode(as_struct, out);
}

Result<DataTypePtr> ImportType(ArrowSchema* schema) {
  if (schema == nullptr) return ArrowError("null ArrowSchema");
  Moved<ArrowSchema> guard(schema);
  if (guard.released()) return ArrowError("ArrowSchema is already released");
  LAMINAR_ASSIGN_OR_RETURN(ImportedType t, ImportSchemaNode(guard.get(), 0));
  return t.type;
}

Result<FieldPtr> ImportField(ArrowSchema* schema) {
  if (schema == nullptr) return ArrowError("null ArrowSchema");
  Moved<ArrowSchema> guard(schema);
  if (guard.released()) return ArrowError("ArrowSchema is already released");
  LAMINAR_ASSIGN_OR_RETURN(ImportedType t, ImportSchemaNode(guard.get(), 0));
  const ArrowSchema* s = guard.get();
  return std::make_shared<const Field>(s->name ? s->name : "", t.type,
                                       (s->flags & ARROW_FLAG_NULLABLE) != 0);
}

Result<SchemaPtr> ImportSchema(ArrowSchema* schema) {
  if (schema == nullptr) return ArrowError("null ArrowSchema");
  Moved<ArrowSchema> guard(schema);
  if (guard.released()) return ArrowError("ArrowSchema is already released");
  LAMINAR_ASSIGN_OR_RETURN(auto parsed, ParseBatchSchema(guard.get()));
  return std::move(parsed.first);
}

Result<ArrayPtr> ImportArray(ArrowArray* array, const DataTypePtr& type) {
  LAMINAR_ASSIGN_OR_RETURN(auto owner, TakeArray(array));
  if (type == nullptr) return ArrowError("null type");
  return ImportOwned(std::move(owner), FromDataType(type));
}

Result<ArrayPtr> ImportArray(ArrowArray* array, ArrowSchema* schema) {
  LAMINAR_ASSIGN_OR_RETURN(auto owner, TakeArray(array));
  if (schema == nullptr) return ArrowError("null ArrowSchema");
  Moved<ArrowSchema> guard(schema);
  if (guard.released()) return ArrowError("ArrowSchema is already released");
  LAMINAR_ASSIGN_OR_RETURN(ImportedType t, ImportSchemaNode(guard.get(), 0));
  return ImportOwned(std::move(owner), t);
}

Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, const SchemaPtr& schema) {
  LAMINAR_ASSIGN_OR_RETURN(auto owner, TakeArray(array));
  if (schema == nullptr) return ArrowError("null schema");
  LAMINAR_ASSIGN_OR_RETURN(auto imported,
                           ImportOwned(std::move(owner), FromDataType(struct_(schema->fields()))));
  return BatchFromStruct(imported, schema);
}

Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, ArrowSchema* schema) {
  LAMINAR_ASSIGN_OR_RETURN(auto owner, TakeArray(array));
  if (schema == nullptr) return ArrowError("null ArrowSchema");
  Moved<ArrowSchema> guard(schema);
  if (guard.released()) return ArrowError("ArrowSchema is already released");
  LAMINAR_ASSIGN_OR_RETURN(auto parsed, ParseBatchSchema(guard.get()));
  LAMINAR_ASSIGN_OR_RETURN(auto imported, ImportOwned(std::move(owner), parsed.second));
  return BatchFromStruct(imported, std::move(parsed.first));
}

Status ExportRecordBatchReader(std::shared_ptr<RecordBatchReader> reader, ArrowArrayStream* out) {
  *out = ArrowArrayStream{};
  if (reader == nullptr) {
    return Status::Invalid("cannot export a null RecordBatchReader", ErrorCode::kArrowError);
  }
  auto state = std::make_unique<ExportedStream>();
  state->reader = std::move(reader);
  out->get_schema = &StreamGetSchema;
  out->get_next = &StreamGetNext;
  out->get_last_error = &StreamGetLastError;
  out->release = &StreamRelease;
  out->private_data = state.release();
  return Status::OK();
}

Result<std::shared_ptr<RecordBatchReader>> ImportRecordBatchReader(ArrowArrayStream* stream) {
  if (stream == nullptr) return ArrowError("null ArrowArrayStream");
  if (stream->release == nullptr) return ArrowError("ArrowArrayStream is already released");
  auto reader = std::make_shared<ImportedStreamReader>(stream);
  LAMINAR_RETURN_NOT_OK(reader->Init());
  return std::static_pointer_cast<RecordBatchReader>(reader);
}

}  // namespace laminar::columnar
