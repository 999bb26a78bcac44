#include "columnar/c_data.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "columnar/builder.h"
#include "columnar/scalar.h"

namespace laminar::columnar {
// Named (not anonymous) so the unity build cannot mix these helpers with other test files'.
namespace c_data_test {

// ---------------------------------------------------------------------------------------------
// Sample data

/// Element i of a deterministic sample column: every third element is NULL.
Scalar SampleScalar(const DataTypePtr& t, int64_t i) {
  if (t->id() == TypeId::kNull || i % 3 == 1) return Scalar::Null(t);
  switch (t->id()) {
    case TypeId::kBoolean:
      return Scalar(t, i % 2 == 0);
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      return Scalar(t, int64_t{i * 7 - 20});
    case TypeId::kFloat32:
    case TypeId::kFloat64:
      return Scalar(t, static_cast<double>(i) * 0.5 - 3);
    case TypeId::kDecimal128:
      return Scalar(t, int128_t{i} * 123456789 - 99);
    case TypeId::kString:
      return Scalar(t, std::string(static_cast<size_t>(i % 5), static_cast<char>('a' + i % 26)));
    case TypeId::kBinary:
      return Scalar(t, std::string("\0x", 2) + std::to_string(i));
    case TypeId::kDate32:
      return Scalar(t, int64_t{i * 100 - 500});
    case TypeId::kTime64:
      return Scalar(t, int64_t{i * 1000003});
    case TypeId::kTimestamp:
      return Scalar(t, int64_t{i * 1000000007 - 5});
    case TypeId::kInterval:
      return Scalar(t, Interval{static_cast<int32_t>(i), static_cast<int32_t>(-i), i * 1000});
    case TypeId::kList: {
      std::vector<Scalar> items;
      for (int64_t k = 0; k < i % 4; ++k) items.push_back(SampleScalar(t->value_type(), i * 3 + k));
      return Scalar(t, std::move(items));
    }
    case TypeId::kStruct: {
      std::vector<Scalar> items;
      for (size_t k = 0; k < t->children().size(); ++k) {
        items.push_back(SampleScalar(t->children()[k]->type, i + static_cast<int64_t>(k) + 2));
      }
      return Scalar(t, std::move(items));
    }
    default:
      return Scalar::Null(t);
  }
}

ArrayPtr SampleArray(const DataTypePtr& t, int64_t n) {
  std::vector<Scalar> values;
  for (int64_t i = 0; i < n; ++i) values.push_back(SampleScalar(t, i));
  auto result = ArrayFromScalars(t, values);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return *result;
}

void ExpectSameArray(const Array& expected, const Array& actual) {
  ASSERT_TRUE(expected.type()->Equals(*actual.type()))
      << expected.type()->ToString() << " vs " << actual.type()->ToString();
  ASSERT_EQ(expected.length(), actual.length());
  EXPECT_EQ(expected.null_count(), actual.null_count());
  for (int64_t i = 0; i < expected.length(); ++i) {
    EXPECT_EQ(GetScalar(expected, i), GetScalar(actual, i))
        << "row " << i << ": " << GetScalar(expected, i).ToString() << " vs "
        << GetScalar(actual, i).ToString();
  }
}

void ExpectSameBatch(const RecordBatch& expected, const RecordBatch& actual) {
  ASSERT_TRUE(expected.schema()->Equals(*actual.schema()))
      << expected.schema()->ToString() << " vs " << actual.schema()->ToString();
  ASSERT_EQ(expected.num_rows(), actual.num_rows());
  for (int c = 0; c < expected.num_columns(); ++c) {
    ExpectSameArray(*expected.column(c), *actual.column(c));
  }
}

std::vector<DataTypePtr> AllTypes() {
  return {boolean(),
          int8(),
          int16(),
          int32(),
          int64(),
          float32(),
          float64(),
          decimal128(20, 3),
          utf8(),
          binary(),
          date32(),
          time64(),
          timestamp(),
          interval(),
          list(int64()),
          list(utf8()),
          list(list(int32())),
          struct_({std::make_shared<Field>("a", int64()), std::make_shared<Field>("b", utf8()),
                   std::make_shared<Field>("c", list(boolean()), false)}),
          null_type()};
}

// ---------------------------------------------------------------------------------------------
// Release counting: wraps the release callback of a struct we are about to hand to an importer.

int g_release_calls = 0;
void (*g_original_release)(ArrowArray*) = nullptr;

void CountingRelease(ArrowArray* array) {
  ++g_release_calls;
  array->release = g_original_release;
  array->release(array);
  EXPECT_EQ(array->release, nullptr) << "release must mark the struct released";
}

void InstallCountingRelease(ArrowArray* array) {
  g_release_calls = 0;
  g_original_release = array->release;
  array->release = &CountingRelease;
}

// ---------------------------------------------------------------------------------------------
// A hand-written foreign producer, to feed the importer data we do not produce ourselves
// (other units, malformed structs). Every node counts its release in g_foreign_releases.

int g_foreign_releases = 0;

struct HandNode {
  std::vector<std::vector<uint8_t>> storage;
  std::vector<const void*> buffers;
  std::vector<ArrowArray> children;
  std::vector<ArrowArray*> child_pointers;
};

void ReleaseHand(ArrowArray* array) {
  ASSERT_NE(array->release, nullptr);
  for (int64_t i = 0; i < array->n_children; ++i) {
    if (array->children[i]->release) array->children[i]->release(array->children[i]);
  }
  std::unique_ptr<HandNode> owned(static_cast<HandNode*>(array->private_data));
  array->release = nullptr;
  ++g_foreign_releases;
}

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

/// Builds a foreign ArrowArray; nullopt buffers become NULL pointers.
ArrowArray HandArray(int64_t length, int64_t offset, int64_t null_count,
                     std::vector<std::optional<std::vector<uint8_t>>> buffers,
                     std::vector<ArrowArray> children = {}) {
  auto node = std::make_unique<HandNode>();
  for (auto& b : buffers) {
    if (b) {
      node->storage.push_back(std::move(*b));
      node->buffers.push_back(node->storage.back().data());
    } else {
      node->buffers.push_back(nullptr);
    }
  }
  // storage may have reallocated: recompute the pointers.
  size_t k = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (node->buffers[i] != nullptr) node->buffers[i] = node->storage[k++].data();
  }
  node->children = std::move(children);
  for (auto& c : node->children) node->child_pointers.push_back(&c);
  ArrowArray out{};
  out.length = length;
  out.offset = offset;
  out.null_count = null_count;
  out.n_buffers = static_cast<int64_t>(node->buffers.size());
  out.n_children = static_cast<int64_t>(node->children.size());
  out.buffers = node->buffers.empty() ? nullptr : node->buffers.data();
  out.children = node->child_pointers.empty() ? nullptr : node->child_pointers.data();
  out.release = &ReleaseHand;
  out.private_data = node.release();
  return out;
}

/// A foreign schema node with static strings; counts nothing.
struct HandSchema {
  std::string format;
  std::string name;
  std::vector<std::unique_ptr<HandSchema>> kids;
  std::vector<ArrowSchema> children;
  std::vector<ArrowSchema*> child_pointers;
};

void ReleaseHandSchema(ArrowSchema* schema) {
  for (int64_t i = 0; i < schema->n_children; ++i) {
    if (schema->children[i]->release) schema->children[i]->release(schema->children[i]);
  }
  std::unique_ptr<HandSchema> owned(static_cast<HandSchema*>(schema->private_data));
  schema->release = nullptr;
}

ArrowSchema HandSchemaOf(std::string format, std::vector<ArrowSchema> children = {},
                         int64_t flags = ARROW_FLAG_NULLABLE) {
  auto node = std::make_unique<HandSchema>();
  node->format = std::move(format);
  node->name = "x";
  node->children = std::move(children);
  for (auto& c : node->children) node->child_pointers.push_back(&c);
  ArrowSchema out{};
  out.format = node->format.c_str();
  out.name = node->name.c_str();
  out.flags = flags;
  out.n_children = static_cast<int64_t>(node->children.size());
  out.children = node->child_pointers.empty() ? nullptr : node->child_pointers.data();
  out.release = &ReleaseHandSchema;
  out.private_data = node.release();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Round trips

/// Exports `array`, imports it back both ways (by type and by exported schema), re-exports the
/// imported array and imports that again; all must equal the input.
void RoundTrip(const ArrayPtr& array) {
  SCOPED_TRACE(array->type()->ToString() + " offset " + std::to_string(array->offset()) +
               " length " + std::to_string(array->length()));
  ArrowArray c_array;
  ASSERT_TRUE(ExportArray(array, &c_array).ok());
  EXPECT_EQ(c_array.length, array->length());
  EXPECT_EQ(c_array.offset, array->offset());
  InstallCountingRelease(&c_array);
  ArrayPtr imported;
  {
    auto result = ImportArray(&c_array, array->type());
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(c_array.release, nullptr) << "import must move the struct";
    imported = *result;
  }
  ExpectSameArray(*array, *imported);
  // A NULL-typed array references no foreign buffer, so its release runs during the import.
  const int released_early = array->type_id() == TypeId::kNull ? 1 : 0;
  EXPECT_EQ(g_release_calls, released_early) << "released while buffers are still in use";

  // Import through the schema path (format strings) too.
  ArrowArray c_array2;
  ArrowSchema c_schema;
  ASSERT_TRUE(ExportArray(array, &c_array2).ok());
  ASSERT_TRUE(ExportType(*array->type(), &c_schema).ok());
  auto via_schema = ImportArray(&c_array2, &c_schema);
  ASSERT_TRUE(via_schema.ok()) << via_schema.status().ToString();
  EXPECT_EQ(c_schema.release, nullptr);
  ExpectSameArray(*array, **via_schema);

  // Re-export the imported array (foreign buffers) and import it again.
  ArrowArray c_again;
  ASSERT_TRUE(ExportArray(imported, &c_again).ok());
  imported.reset();
  EXPECT_EQ(g_release_calls, released_early) << "the re-export still references the import";
  auto again = ImportArray(&c_again, array->type());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ExpectSameArray(*array, **again);
  again = Status::Invalid("drop");
  EXPECT_EQ(g_release_calls, 1) << "release must run exactly once";
}

TEST(CDataTest, RoundTripEveryType) {
  for (const auto& type : AllTypes()) {
    auto array = SampleArray(type, 37);
    ASSERT_TRUE(array->Validate().ok());
    RoundTrip(array);
    RoundTrip(array->Slice(3, 29));  // odd bit offset
    RoundTrip(array->Slice(8, 13));  // byte-aligned offset
    RoundTrip(array->Slice(3, 29)->Slice(5, 7));
    RoundTrip(array->Slice(11, 0));   // empty with an offset
    RoundTrip(SampleArray(type, 0));  // empty
    RoundTrip(MakeNullArray(type, 5));
  }
}

TEST(CDataTest, NullArrayOfEveryType) {
  // MakeNullArray shares one zero buffer between validity, values and offsets for flat types:
  // the result must still be a valid all-NULL column, equal to appending NULLs one by one.
  for (const auto& type : AllTypes()) {
    for (int64_t n : {0, 1, 7, 64, 1000}) {
      auto nulls = MakeNullArray(type, n);
      ASSERT_TRUE(nulls->Validate().ok()) << type->ToString();
      EXPECT_EQ(nulls->length(), n);
      EXPECT_EQ(nulls->null_count(), n);
      auto builder = MakeBuilder(type);
      for (int64_t i = 0; i < n; ++i) builder->AppendNull();
      auto expected = builder->Finish();
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_TRUE(nulls->IsNull(i));
        EXPECT_EQ(GetScalar(*nulls, i), GetScalar(*expected, i)) << type->ToString();
      }
      if (type->is_binary_like() && n > 0) {
        EXPECT_EQ(nulls->GetView(n - 1), "");
      }
      if (n > 0) {
        RoundTrip(nulls);
        RoundTrip(nulls->Slice(n / 3, n - n / 3));
      }
    }
  }
}

TEST(CDataTest, StructWithOffsetChildren) {
  // Children with their own offsets under a sliced parent: Arrow indexes child j at
  // parent.offset + i, then the child's own offset.
  auto a = SampleArray(int64(), 40)->Slice(5, 30);
  auto b = SampleArray(utf8(), 40)->Slice(2, 33);
  auto type =
      struct_({std::make_shared<Field>("a", int64()), std::make_shared<Field>("b", utf8())});
  auto parent = std::make_shared<Array>(type, 20, std::vector<BufferPtr>{nullptr},
                                        std::vector<ArrayPtr>{a, b}, 0, 0);
  ASSERT_TRUE(parent->Validate().ok());
  RoundTrip(parent);
  RoundTrip(parent->Slice(3, 17));
  auto sliced = parent->Slice(3, 17);
  ArrowArray c;
  ASSERT_TRUE(ExportArray(sliced, &c).ok());
  auto back = *ImportArray(&c, type);
  EXPECT_EQ(GetScalar(*back->StructField(0), 0), GetScalar(*a, 3));
  EXPECT_EQ(GetScalar(*back->StructField(1), 16), GetScalar(*b, 19));
}

TEST(CDataTest, ExportedMemoryOutlivesTheArray) {
  ArrowArray c;
  {
    FixedWidthBuilder<int64_t> builder(int64());
    for (int64_t i = 0; i < 1000; ++i) builder.Append(i * 3);
    auto array = builder.Finish()->Slice(10, 900);
    ASSERT_TRUE(ExportArray(array, &c).ok());
  }  // the only ArrayPtr is gone; the export keeps the buffer alive
  ASSERT_EQ(c.n_buffers, 2);
  EXPECT_EQ(c.buffers[0], nullptr);  // no nulls: no bitmap
  const int64_t* values = static_cast<const int64_t*>(c.buffers[1]);
  EXPECT_EQ(values[c.offset + 899], (10 + 899) * 3);
  c.release(&c);
  EXPECT_EQ(c.release, nullptr);
}

TEST(CDataTest, ReleasingTheParentSkipsMovedChildren) {
  auto array = SampleArray(AllTypes()[17], 9);  // the struct type
  ArrowArray parent;
  ASSERT_TRUE(ExportArray(array, &parent).ok());
  ASSERT_EQ(parent.n_children, 3);
  // Move child 1 out, as the specification allows.
  ArrowArray moved = *parent.children[1];
  parent.children[1]->release = nullptr;
  parent.release(&parent);
  array.reset();
  // The moved child is independent: still readable, released on its own.
  auto child = ImportArray(&moved, utf8());
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  EXPECT_EQ(GetScalar(**child, 0), SampleScalar(utf8(), 3));
}

TEST(CDataTest, ForeignReleaseRunsOnceAfterLastBuffer) {
  g_foreign_releases = 0;
  uint8_t validity = 0b11111101;  // row 1 null
  ArrowArray c =
      HandArray(5, 0, 1, {std::vector<uint8_t>{validity}, Bytes<int64_t>({1, 2, 3, 4, 5})});
  auto imported = ImportArray(&c, int64());
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(c.release, nullptr);
  ArrayPtr array = *imported;
  imported = Status::Invalid("drop");
  auto slice = array->Slice(2, 2);
  array.reset();
  EXPECT_EQ(g_foreign_releases, 0);
  EXPECT_EQ(slice->values<int64_t>()[1], 4);
  // Re-export keeps it alive past the last C++ reference.
  ArrowArray again;
  ASSERT_TRUE(ExportArray(slice, &again).ok());
  slice.reset();
  EXPECT_EQ(g_foreign_releases, 0);
  again.release(&again);
  EXPECT_EQ(g_foreign_releases, 1);
}

TEST(CDataTest, ExportTypeFormats) {
  auto format_of = [](const DataTypePtr& type) {
    ArrowSchema s;
    EXPECT_TRUE(ExportType(*type, &s).ok());
    std::string f = s.format;
    EXPECT_EQ(s.flags, ARROW_FLAG_NULLABLE);
    s.release(&s);
    return f;
  };
  EXPECT_EQ(format_of(null_type()), "n");
  EXPECT_EQ(format_of(boolean()), "b");
  EXPECT_EQ(format_of(int8()), "c");
  EXPECT_EQ(format_of(int16()), "s");
  EXPECT_EQ(format_of(int32()), "i");
  EXPECT_EQ(format_of(int64()), "l");
  EXPECT_EQ(format_of(float32()), "f");
  EXPECT_EQ(format_of(float64()), "g");
  EXPECT_EQ(format_of(decimal128(10, 2)), "d:10,2");
  EXPECT_EQ(format_of(utf8()), "u");
  EXPECT_EQ(format_of(binary()), "z");
  EXPECT_EQ(format_of(date32()), "tdD");
  EXPECT_EQ(format_of(time64()), "ttu");
  EXPECT_EQ(format_of(timestamp()), "tsu:");
  EXPECT_EQ(format_of(interval()), "tin");
  EXPECT_EQ(format_of(list(int64())), "+l");
  EXPECT_EQ(format_of(struct_({})), "+s");
}

TEST(CDataTest, SchemaRoundTrip) {
  auto schema = *ParseSchema(
      "id BIGINT NOT NULL, name VARCHAR, price DECIMAL(10,2), tags VARCHAR[], "
      "pos STRUCT<x DOUBLE, y DOUBLE>, ts TIMESTAMP NOT NULL");
  ArrowSchema c;
  ASSERT_TRUE(ExportSchema(*schema, &c).ok());
  EXPECT_STREQ(c.format, "+s");
  ASSERT_EQ(c.n_children, 6);
  EXPECT_STREQ(c.children[0]->name, "id");
  EXPECT_EQ(c.children[0]->flags & ARROW_FLAG_NULLABLE, 0);
  EXPECT_EQ(c.children[1]->flags & ARROW_FLAG_NULLABLE, ARROW_FLAG_NULLABLE);
  EXPECT_STREQ(c.children[3]->children[0]->name, "item");
  EXPECT_STREQ(c.children[5]->format, "tsu:");
  auto back = ImportSchema(&c);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(c.release, nullptr);
  EXPECT_TRUE((*back)->Equals(*schema)) << (*back)->ToString();

  ArrowSchema f;
  ASSERT_TRUE(ExportField(*schema->field(0), &f).ok());
  auto field = ImportField(&f);
  ASSERT_TRUE(field.ok());
  EXPECT_TRUE((*field)->Equals(*schema->field(0)));

  // A non-struct schema is not a Schema.
  ArrowSchema t;
  ASSERT_TRUE(ExportType(*int64(), &t).ok());
  EXPECT_FALSE(ImportSchema(&t).ok());
  EXPECT_EQ(t.release, nullptr);
}

TEST(CDataTest, ImportTypeAcceptsOtherUnits) {
  for (const char* f : {"tss:", "tsm:", "tsn:", "tsu:UTC", "tsn:Europe/Paris"}) {
    ArrowSchema s = HandSchemaOf(f);
    auto t = ImportType(&s);
    ASSERT_TRUE(t.ok()) << f << ": " << t.status().ToString();
    EXPECT_EQ((*t)->id(), TypeId::kTimestamp) << f;
  }
  for (const char* f : {"tts", "ttm", "ttn"}) {
    ArrowSchema s = HandSchemaOf(f);
    auto t = ImportType(&s);
    ASSERT_TRUE(t.ok()) << f;
    EXPECT_EQ((*t)->id(), TypeId::kTime64);
  }
  ArrowSchema d = HandSchemaOf("d:38,10,128");
  EXPECT_EQ((*ImportType(&d))->ToString(), "DECIMAL(38,10)");
}

TEST(CDataTest, ImportConvertsUnits) {
  g_foreign_releases = 0;
  {
    // Timestamp in milliseconds, sliced (offset 1), with a null at row 1 of the slice.
    uint8_t validity = 0b11111011;
    ArrowArray a = HandArray(
        3, 1, -1,
        {std::vector<uint8_t>{validity}, Bytes<int64_t>({999, 1700000000123, INT64_MAX, -1500})});
    ArrowSchema s = HandSchemaOf("tsm:UTC");
    auto array = ImportArray(&a, &s);
    ASSERT_TRUE(array.ok()) << array.status().ToString();
    EXPECT_EQ(g_foreign_releases, 1) << "converted columns copy; the foreign array is released";
    EXPECT_EQ((*array)->type_id(), TypeId::kTimestamp);
    EXPECT_EQ((*array)->null_count(), 1);
    EXPECT_EQ((*array)->values<int64_t>()[0], 1700000000123000);
    EXPECT_TRUE((*array)->IsNull(1));  // INT64_MAX is under the null: no overflow error
    EXPECT_EQ((*array)->values<int64_t>()[2], -1500000);
  }
  {
    ArrowArray a = HandArray(2, 0, 0, {std::nullopt, Bytes<int64_t>({-1500, 2999})});
    ArrowSchema s = HandSchemaOf("tsn:");
    auto array = *ImportArray(&a, &s);
    EXPECT_EQ(array->values<int64_t>()[0], -2);  // floor
    EXPECT_EQ(array->values<int64_t>()[1], 2);
  }
  {
    ArrowArray a = HandArray(2, 0, 0, {std::nullopt, Bytes<int32_t>({3600, -1})});
    ArrowSchema s = HandSchemaOf("tts");
    auto array = *ImportArray(&a, &s);
    EXPECT_EQ(array->values<int64_t>()[0], 3600000000);
    EXPECT_EQ(array->values<int64_t>()[1], -1000000);
  }
  {
    ArrowArray a = HandArray(2, 0, 0, {std::nullopt, Bytes<int64_t>({86400000 * 3, -1})});
    ArrowSchema s = HandSchemaOf("tdm");
    auto array = *ImportArray(&a, &s);
    EXPECT_EQ(array->type_id(), TypeId::kDate32);
    EXPECT_EQ(array->values<int32_t>()[0], 3);
    EXPECT_EQ(array->values<int32_t>()[1], -1);
  }
  {
    ArrowArray a = HandArray(1, 0, 0, {std::nullopt, Bytes<int64_t>({INT64_MAX / 10})});
    ArrowSchema s = HandSchemaOf("tss:");
    auto array = ImportArray(&a, &s);
    EXPECT_FALSE(array.ok());
    EXPECT_NE(array.status().message().find("out of range"), std::string::npos);
  }
  EXPECT_EQ(g_foreign_releases, 5);
}

// ---------------------------------------------------------------------------------------------
// Record batches and streams

RecordBatchPtr SampleBatch(int64_t rows, int64_t seed = 0) {
  auto schema = MakeSchema({{"id", int64(), false},
                            {"name", utf8()},
                            {"tags", list(utf8())},
                            {"amount", decimal128(12, 2)}});
  std::vector<ArrayPtr> columns;
  for (const auto& f : schema->fields()) {
    columns.push_back(SampleArray(f->type, rows + seed)->Slice(seed, rows));
  }
  return *RecordBatch::Make(schema, rows, columns);
}

TEST(CDataTest, RecordBatchRoundTrip) {
  auto batch = SampleBatch(50);
  for (const auto& b :
       {batch, batch->Slice(3, 40), batch->Slice(7, 0), RecordBatch::MakeEmpty(batch->schema())}) {
    ArrowArray c;
    ASSERT_TRUE(ExportRecordBatch(*b, &c).ok());
    EXPECT_EQ(c.n_children, 4);
    EXPECT_EQ(c.null_count, 0);
    InstallCountingRelease(&c);
    auto back = ImportRecordBatch(&c, b->schema());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSameBatch(*b, **back);
    EXPECT_EQ(g_release_calls, 0);
    back = Status::Invalid("drop");
    EXPECT_EQ(g_release_calls, 1);

    ArrowArray c2;
    ArrowSchema s2;
    ASSERT_TRUE(ExportRecordBatch(*b, &c2).ok());
    ASSERT_TRUE(ExportSchema(*b->schema(), &s2).ok());
    auto via_schema = ImportRecordBatch(&c2, &s2);
    ASSERT_TRUE(via_schema.ok()) << via_schema.status().ToString();
    ExpectSameBatch(*b, **via_schema);
  }
}

TEST(CDataTest, RecordBatchWithoutColumns) {
  auto schema = std::make_shared<Schema>(std::vector<FieldPtr>{});
  RecordBatch batch(schema, 7, {});
  ArrowArray c;
  ASSERT_TRUE(ExportRecordBatch(batch, &c).ok());
  auto back = ImportRecordBatch(&c, schema);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->num_rows(), 7);
  EXPECT_EQ((*back)->num_columns(), 0);
}

TEST(CDataTest, RecordBatchSchemaMismatch) {
  auto batch = SampleBatch(5);
  ArrowArray c;
  ASSERT_TRUE(ExportRecordBatch(*batch, &c).ok());
  InstallCountingRelease(&c);
  auto back = ImportRecordBatch(&c, MakeSchema({{"id", int64()}}));
  EXPECT_FALSE(back.ok());
  EXPECT_EQ(g_release_calls, 1) << "a failed import still releases the input";
}

TEST(CDataTest, StreamRoundTrip) {
  std::vector<RecordBatchPtr> batches = {SampleBatch(10), SampleBatch(0), SampleBatch(33, 4)};
  auto schema = batches[0]->schema();
  ArrowArrayStream c;
  ASSERT_TRUE(
      ExportRecordBatchReader(std::make_shared<VectorRecordBatchReader>(schema, batches), &c).ok());
  auto reader = ImportRecordBatchReader(&c);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(c.release, nullptr);
  EXPECT_TRUE((*reader)->schema()->Equals(*schema));
  std::vector<RecordBatchPtr> got;
  for (int i = 0; i < 3; ++i) {
    auto next = (*reader)->Next();
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    ASSERT_NE(*next, nullptr);
    got.push_back(*next);
  }
  EXPECT_EQ(*(*reader)->Next(), nullptr);
  EXPECT_EQ(*(*reader)->Next(), nullptr);  // stays at end
  reader = Status::Invalid("drop the reader; batches survive it");
  for (int i = 0; i < 3; ++i)
    ExpectSameBatch(*batches[static_cast<size_t>(i)], *got[static_cast<size_t>(i)]);
}

TEST(CDataTest, StreamCallbacksFollowTheSpec) {
  auto batch = SampleBatch(4);
  ArrowArrayStream c;
  ASSERT_TRUE(ExportRecordBatchReader(std::make_shared<VectorRecordBatchReader>(
                                          batch->schema(), std::vector<RecordBatchPtr>{batch}),
                                      &c)
                  .ok());
  ArrowSchema s;
  ASSERT_EQ(c.get_schema(&c, &s), 0);
  EXPECT_STREQ(s.format, "+s");
  s.release(&s);
  ArrowArray a;
  ASSERT_EQ(c.get_next(&c, &a), 0);
  ASSERT_NE(a.release, nullptr);
  EXPECT_EQ(a.length, 4);
  a.release(&a);
  ASSERT_EQ(c.get_next(&c, &a), 0);
  EXPECT_EQ(a.release, nullptr) << "end of stream";
  EXPECT_EQ(c.get_last_error(&c), nullptr);
  c.release(&c);
  EXPECT_EQ(c.release, nullptr);
}

class FailingReader final : public RecordBatchReader {
 public:
  explicit FailingReader(SchemaPtr schema) : schema_(std::move(schema)) {}
  const SchemaPtr& schema() const override { return schema_; }
  Result<RecordBatchPtr> Next() override { return Status::IOError("disk on fire"); }

 private:
  SchemaPtr schema_;
};

TEST(CDataTest, StreamErrorsCrossTheBoundary) {
  ArrowArrayStream c;
  ASSERT_TRUE(
      ExportRecordBatchReader(std::make_shared<FailingReader>(SampleBatch(1)->schema()), &c).ok());
  ArrowArray a;
  EXPECT_EQ(c.get_next(&c, &a), EIO);
  ASSERT_NE(c.get_last_error(&c), nullptr);
  EXPECT_NE(std::string(c.get_last_error(&c)).find("disk on fire"), std::string::npos);

  auto reader = ImportRecordBatchReader(&c);
  ASSERT_TRUE(reader.ok());
  auto next = (*reader)->Next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.status().message().find("disk on fire"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Untrusted input

void ExpectBadSchema(ArrowSchema schema, const std::string& what) {
  auto t = ImportType(&schema);
  EXPECT_FALSE(t.ok()) << what;
  EXPECT_EQ(schema.release, nullptr) << what << ": a failed import must release the input";
}

TEST(CDataTest, MalformedFormatStrings) {
  for (const char* f : {"", "x", "L", "d:", "d:10", "d:10,", "d:a,b", "d:10,2,256", "d:50,2",
                        "d:10,2,128,1", "tsx:", "ts", "tdX", "+w:4", "+m", "vu", "tiM"}) {
    ExpectBadSchema(HandSchemaOf(f), f);
  }
  ExpectBadSchema(HandSchemaOf("+l"), "list without child");
  std::vector<ArrowSchema> kids;
  kids.push_back(HandSchemaOf("l"));
  ExpectBadSchema(HandSchemaOf("i", std::move(kids)), "primitive with a child");
  ArrowSchema no_format = HandSchemaOf("l");
  no_format.format = nullptr;
  ExpectBadSchema(no_format, "null format");
  ArrowSchema dict = HandSchemaOf("i");
  ArrowSchema values = HandSchemaOf("u");
  dict.dictionary = &values;
  ExpectBadSchema(dict, "dictionary");
  values.release(&values);
  auto unsupported = HandSchemaOf("+m");
  auto st = ImportType(&unsupported).status();
  EXPECT_EQ(st.code(), StatusCode::kNotImplemented);
  EXPECT_NE(st.message().find("'+m'"), std::string::npos) << st.message();
}

void NoopSchemaRelease(ArrowSchema* schema) { schema->release = nullptr; }

TEST(CDataTest, CyclicSchemaIsRejected) {
  // A node that is its own child: unbounded nesting must end in an error, not a stack overflow.
  ArrowSchema node{};
  ArrowSchema* node_pointer = &node;
  node.format = "+s";
  node.name = "loop";
  node.n_children = 1;
  node.children = &node_pointer;
  node.release = &NoopSchemaRelease;
  ArrowSchema root = node;
  auto t = ImportType(&root);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("deeper"), std::string::npos) << t.status().ToString();
  EXPECT_EQ(root.release, nullptr);
}

void ExpectBadArray(ArrowArray array, const DataTypePtr& type, const std::string& what) {
  g_foreign_releases = 0;
  auto result = ImportArray(&array, type);
  EXPECT_FALSE(result.ok()) << what;
  if (!result.ok()) {
    EXPECT_EQ(result.status().error_code(), ErrorCode::kArrowError) << what;
  }
  EXPECT_EQ(array.release, nullptr) << what;
  EXPECT_GE(g_foreign_releases, 1) << what << ": a failed import must release the input";
}

TEST(CDataTest, MalformedArrays) {
  auto ints = [] { return Bytes<int64_t>({1, 2, 3, 4}); };
  ExpectBadArray(HandArray(4, 0, 0, {std::nullopt}), int64(), "n_buffers 1 for int64");
  ExpectBadArray(HandArray(4, 0, 0, {std::nullopt, ints(), ints()}), int64(), "n_buffers 3");
  ExpectBadArray(HandArray(4, 0, 0, {std::nullopt, std::nullopt}), int64(), "null values");
  ExpectBadArray(HandArray(-1, 0, 0, {std::nullopt, ints()}), int64(), "negative length");
  ExpectBadArray(HandArray(1, -3, 0, {std::nullopt, ints()}), int64(), "negative offset");
  ExpectBadArray(HandArray(4, 0, 5, {std::nullopt, ints()}), int64(), "null_count > length");
  ExpectBadArray(HandArray(4, 0, 2, {std::nullopt, ints()}), int64(), "nulls without bitmap");
  ExpectBadArray(HandArray(int64_t{1} << 62, 0, 0, {std::nullopt, ints()}), int64(), "huge");
  {
    std::vector<ArrowArray> kids;
    kids.push_back(HandArray(4, 0, 0, {std::nullopt, ints()}));
    ExpectBadArray(HandArray(4, 0, 0, {std::nullopt, ints()}, std::move(kids)), int64(),
                   "int64 with a child");
  }
  // Strings: decreasing offsets; negative offsets.
  ExpectBadArray(
      HandArray(2, 0, 0, {std::nullopt, Bytes<int32_t>({0, 3, 1}), std::vector<uint8_t>(3)}),
      utf8(), "decreasing offsets");
  ExpectBadArray(
      HandArray(2, 0, 0, {std::nullopt, Bytes<int32_t>({-4, 0, 1}), std::vector<uint8_t>(3)}),
      utf8(), "negative offsets");
  // List offsets past the end of the child.
  {
    std::vector<ArrowArray> kids;
    kids.push_back(HandArray(4, 0, 0, {std::nullopt, ints()}));
    ExpectBadArray(HandArray(2, 0, 0, {std::nullopt, Bytes<int32_t>({0, 2, 9})}, std::move(kids)),
                   list(int64()), "list offsets past the child");
  }
  {
    ExpectBadArray(HandArray(2, 0, 0, {std::nullopt, Bytes<int32_t>({0, 2, 3})}), list(int64()),
                   "list without child");
  }
  // Struct child shorter than parent offset + length.
  {
    auto type = struct_({std::make_shared<Field>("a", int64())});
    std::vector<ArrowArray> kids;
    kids.push_back(HandArray(4, 0, 0, {std::nullopt, ints()}));
    ExpectBadArray(HandArray(3, 2, 0, {std::nullopt}, std::move(kids)), type,
                   "struct child too short");
    std::vector<ArrowArray> none;
    ExpectBadArray(HandArray(3, 0, 0, {std::nullopt}, std::move(none)), type, "struct n_children");
  }
  // A released child.
  {
    auto type = struct_({std::make_shared<Field>("a", int64())});
    std::vector<ArrowArray> kids;
    kids.push_back(HandArray(4, 0, 0, {std::nullopt, ints()}));
    ArrowArray parent = HandArray(3, 0, 0, {std::nullopt}, std::move(kids));
    ArrowArray stolen = *parent.children[0];
    parent.children[0]->release = nullptr;
    ExpectBadArray(parent, type, "released child");
    stolen.release(&stolen);
  }
  // Released input and null pointers.
  ArrowArray released{};
  EXPECT_FALSE(ImportArray(&released, int64()).ok());
  EXPECT_FALSE(ImportArray(static_cast<ArrowArray*>(nullptr), int64()).ok());
  // Record batch with top-level nulls.
  {
    uint8_t validity = 0b101;
    std::vector<ArrowArray> kids;
    kids.push_back(HandArray(3, 0, 0, {std::nullopt, Bytes<int64_t>({1, 2, 3})}));
    ArrowArray c = HandArray(3, 0, 1, {std::vector<uint8_t>{validity}}, std::move(kids));
    EXPECT_FALSE(ImportRecordBatch(&c, MakeSchema({{"a", int64()}})).ok());
    EXPECT_EQ(c.release, nullptr);
  }
}

TEST(CDataTest, LenientWhereTheSpecAllows) {
  // Empty arrays may have NULL buffers; null arrays may carry one (NULL) buffer slot.
  ArrowArray empty = HandArray(0, 0, 0, {std::nullopt, std::nullopt, std::nullopt});
  auto s = ImportArray(&empty, utf8());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->length(), 0);
  ArrowArray nulls = HandArray(6, 0, 6, {std::nullopt});
  auto n = ImportArray(&nulls, null_type());
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ((*n)->null_count(), 6);
  // null_count -1 means "compute it".
  uint8_t validity = 0b0110;
  ArrowArray unknown =
      HandArray(4, 0, -1, {std::vector<uint8_t>{validity}, Bytes<int32_t>({1, 2, 3, 4})});
  auto u = ImportArray(&unknown, int32());
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u)->null_count(), 2);
  EXPECT_TRUE((*u)->IsNull(0));
  EXPECT_EQ((*u)->values<int32_t>()[2], 3);
}

}  // namespace c_data_test
}  // namespace laminar::columnar
