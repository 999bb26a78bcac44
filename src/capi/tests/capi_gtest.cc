#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "capi/capi_internal.h"
#include "columnar/builder.h"
#include "columnar/c_data.h"
#include "laminar/laminar.h"

namespace laminar::capi {
namespace {

using columnar::RecordBatch;

class CapiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(laminar_open(nullptr, &db_), LAMINAR_OK) << laminar_last_error();
    ASSERT_EQ(laminar_execute(db_,
                              "CREATE SOURCE trades (symbol VARCHAR, price DOUBLE, qty BIGINT); "
                              "CREATE STREAM big AS SELECT symbol, qty FROM trades WHERE qty > 10",
                              nullptr),
              LAMINAR_OK)
        << laminar_last_error();
  }
  void TearDown() override {
    if (db_ != nullptr) {
      EXPECT_EQ(laminar_close(db_), LAMINAR_OK) << laminar_last_error();
    }
  }

  /// Exports a (symbol, price, qty) batch as Arrow structs.
  static void MakeArrow(const std::vector<int64_t>& qty, ArrowArray* array, ArrowSchema* schema) {
    std::vector<std::string> syms;
    std::vector<double> prices;
    for (size_t i = 0; i < qty.size(); ++i) {
      syms.push_back("S" + std::to_string(i));
      prices.push_back(1.0 + static_cast<double>(i));
    }
    auto schema_ptr = std::make_shared<columnar::Schema>(std::vector<columnar::FieldPtr>{
        std::make_shared<columnar::Field>("symbol", columnar::utf8()),
        std::make_shared<columnar::Field>("price", columnar::float64()),
        std::make_shared<columnar::Field>("qty", columnar::int64())});
    RecordBatch batch(schema_ptr, static_cast<int64_t>(qty.size()),
                      {columnar::MakeStringArray(syms), columnar::MakeFloat64Array(prices),
                       columnar::MakeInt64Array(qty)});
    ASSERT_TRUE(columnar::ExportRecordBatch(batch, array).ok());
    if (schema != nullptr) {
      ASSERT_TRUE(columnar::ExportSchema(*schema_ptr, schema).ok());
    }
  }

  laminar_db* db_ = nullptr;
};

TEST(CapiUnitTest, StatusMapping) {
  EXPECT_EQ(StatusToCode(Status::OK(), ApiContext::kQuery), LAMINAR_OK);
  EXPECT_EQ(StatusToCode(Status::NotFound("x", ErrorCode::kSourceNotFound), ApiContext::kQuery),
            LAMINAR_ERR_TABLE_NOT_FOUND);
  EXPECT_EQ(StatusToCode(Status::AlreadyExists("x"), ApiContext::kQuery), LAMINAR_ERR_TABLE_EXISTS);
  EXPECT_EQ(StatusToCode(Status::Invalid("x", ErrorCode::kSchemaMismatch), ApiContext::kQuery),
            LAMINAR_ERR_SCHEMA_MISMATCH);
  EXPECT_EQ(StatusToCode(Status::Cancelled("x"), ApiContext::kIngestion), LAMINAR_ERR_SHUTDOWN);
  EXPECT_EQ(StatusToCode(Status::Internal("x"), ApiContext::kQuery), LAMINAR_ERR_INTERNAL);
  EXPECT_EQ(StatusToCode(Status::Invalid("x", ErrorCode::kSqlUnsupported), ApiContext::kQuery),
            LAMINAR_ERR_QUERY);
  EXPECT_EQ(StatusToCode(Status::Invalid("x"), ApiContext::kIngestion), LAMINAR_ERR_INGESTION);
  EXPECT_EQ(StatusToCode(Status::TypeError("x"), ApiContext::kIngestion),
            LAMINAR_ERR_SCHEMA_MISMATCH);
  EXPECT_EQ(StatusToCode(Status::Invalid("x"), ApiContext::kSubscription),
            LAMINAR_ERR_SUBSCRIPTION);
  EXPECT_EQ(StatusToCode(Status::IOError("x", ErrorCode::kConnectionFailed), ApiContext::kQuery),
            LAMINAR_ERR_CONNECTION);
}

TEST(CapiUnitTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8(std::string_view("a\x80", 2)));
}

TEST(CapiUnitTest, NullArgumentsEverywhere) {
  laminar_db* db = nullptr;
  EXPECT_EQ(laminar_open(nullptr, nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_close(nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_start(nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_sync(nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_checkpoint(nullptr, nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_query(nullptr, "SELECT 1", nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_subscribe(nullptr, "x", nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_push_arrow(nullptr, "x", nullptr, nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_advance_watermark(nullptr, "x", 0), LAMINAR_ERR_NULL_POINTER);
  int32_t v = 0;
  EXPECT_EQ(laminar_result_kind(nullptr, &v), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_subscription_poll(nullptr, nullptr, nullptr, &v), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_subscription_cancel(nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_NE(std::string(laminar_last_error()).find("sub"), std::string::npos);
  ASSERT_EQ(laminar_open(nullptr, &db), LAMINAR_OK);
  EXPECT_EQ(laminar_last_error_code(), LAMINAR_OK);  // a successful call clears the error
  EXPECT_EQ(laminar_subscribe(db, "x", nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_subscribe_callback(db, "x", nullptr, nullptr, nullptr),
            LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_close(db), LAMINAR_OK);
}

TEST(CapiOptionsTest, OpenWithOptionsQueuesAndReportsTheQueue) {
  laminar_options options;
  ASSERT_EQ(laminar_options_init(&options), LAMINAR_OK);
  EXPECT_EQ(options.buffer_size, 65536);
  EXPECT_EQ(options.max_future_skew_ms, -1);
  options.buffer_size = 3;
  laminar_db* db = nullptr;
  EXPECT_EQ(laminar_open_with_options(&options, &db), LAMINAR_ERR_QUERY);
  EXPECT_EQ(laminar_last_error_ldb(), 1);
  EXPECT_NE(std::string(laminar_last_error()).find("4..=1048576"), std::string::npos);
  options.buffer_size = 16;
  options.backpressure = 7;
  EXPECT_EQ(laminar_open_with_options(&options, &db), LAMINAR_ERR_QUERY);
  options.backpressure = LAMINAR_BACKPRESSURE_REJECT;
  options.ingest_mode = LAMINAR_INGEST_QUEUED;
  options.max_future_skew_ms = 0;
  ASSERT_EQ(laminar_open_with_options(&options, &db), LAMINAR_OK) << laminar_last_error();
  ASSERT_EQ(laminar_execute(db,
                            "CREATE SOURCE s (v BIGINT); "
                            "CREATE MATERIALIZED VIEW c AS SELECT COUNT(*) AS n FROM s; "
                            "INSERT INTO s VALUES (1), (2), (3)",
                            nullptr),
            LAMINAR_OK)
      << laminar_last_error();
  ASSERT_EQ(laminar_sync(db), LAMINAR_OK);
  uint64_t pending = 99, capacity = 0;
  int32_t backpressured = -1;
  ASSERT_EQ(laminar_source_queue(db, "s", &pending, &capacity, &backpressured), LAMINAR_OK);
  EXPECT_EQ(pending, 0u);
  EXPECT_EQ(capacity, 16u);
  EXPECT_EQ(backpressured, 0);
  EXPECT_EQ(laminar_source_queue(db, "nope", nullptr, nullptr, nullptr),
            LAMINAR_ERR_TABLE_NOT_FOUND);
  laminar_result* r = nullptr;
  ASSERT_EQ(laminar_query(db, "SELECT n FROM c", &r), LAMINAR_OK) << laminar_last_error();
  int64_t rows = 0;
  ASSERT_EQ(laminar_result_num_rows(r, &rows), LAMINAR_OK);
  EXPECT_EQ(rows, 1);
  laminar_result_free(r);
  EXPECT_EQ(laminar_close(db), LAMINAR_OK);
}

TEST_F(CapiTest, QueryResultExportsBatches) {
  ASSERT_EQ(laminar_execute(db_, "INSERT INTO trades VALUES ('A', 1.0, 1), ('B', 2.0, 2)", nullptr),
            LAMINAR_OK)
      << laminar_last_error();
  laminar_result* r = nullptr;
  ASSERT_EQ(laminar_query(db_, "SELECT symbol, qty FROM trades", &r), LAMINAR_OK)
      << laminar_last_error();
  int32_t kind = -1;
  ASSERT_EQ(laminar_result_kind(r, &kind), LAMINAR_OK);
  EXPECT_EQ(kind, LAMINAR_RESULT_QUERY);
  int64_t rows = 0, batches = 0;
  ASSERT_EQ(laminar_result_num_rows(r, &rows), LAMINAR_OK);
  ASSERT_EQ(laminar_result_num_batches(r, &batches), LAMINAR_OK);
  EXPECT_EQ(rows, 2);
  ASSERT_GE(batches, 1);
  ArrowSchema schema;
  ASSERT_EQ(laminar_result_schema(r, &schema), LAMINAR_OK);
  auto imported_schema = columnar::ImportSchema(&schema);
  ASSERT_TRUE(imported_schema.ok());
  EXPECT_EQ((*imported_schema)->num_fields(), 2);
  int64_t seen = 0;
  for (int64_t i = 0; i < batches; ++i) {
    ArrowArray a;
    ArrowSchema s;
    ASSERT_EQ(laminar_result_batch(r, i, &a, &s), LAMINAR_OK);
    auto b = columnar::ImportRecordBatch(&a, &s);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    seen += (*b)->num_rows();
  }
  EXPECT_EQ(seen, 2);
  ArrowArray a;
  EXPECT_EQ(laminar_result_batch(r, batches, &a, nullptr), LAMINAR_ERR_QUERY);
  EXPECT_NE(std::string(laminar_last_error()).find("out of range"), std::string::npos);
  laminar_result_free(r);
}

// The reference's handle-based names: sources and schemas, batches in and out, query
// streams and writers.
TEST_F(CapiTest, SchemasBatchesStreamsAndWriters) {
  char* names = nullptr;
  ASSERT_EQ(laminar_list_sources(db_, &names), LAMINAR_OK) << laminar_last_error();
  EXPECT_STREQ(names, "[\"trades\"]");
  laminar_string_free(names);

  laminar_schema* schema = nullptr;
  ASSERT_EQ(laminar_get_schema(db_, "trades", &schema), LAMINAR_OK) << laminar_last_error();
  int64_t fields = 0;
  ASSERT_EQ(laminar_schema_num_fields(schema, &fields), LAMINAR_OK);
  EXPECT_EQ(fields, 3);
  char* text = nullptr;
  ASSERT_EQ(laminar_schema_field_name(schema, 2, &text), LAMINAR_OK);
  EXPECT_STREQ(text, "qty");
  laminar_string_free(text);
  ASSERT_EQ(laminar_schema_field_type(schema, 1, &text), LAMINAR_OK);
  EXPECT_STREQ(text, "DOUBLE");
  laminar_string_free(text);
  EXPECT_EQ(laminar_schema_field_name(schema, 3, &text), LAMINAR_ERR_QUERY);
  ArrowSchema exported;
  ASSERT_EQ(laminar_schema_export(schema, &exported), LAMINAR_OK);
  auto imported = columnar::ImportSchema(&exported);
  ASSERT_TRUE(imported.ok());
  EXPECT_EQ((*imported)->field(0)->name, "symbol");
  laminar_schema_free(schema);
  EXPECT_EQ(laminar_get_schema(db_, "big", &schema), LAMINAR_ERR_TABLE_NOT_FOUND);
  EXPECT_EQ(laminar_get_schema(db_, "nope", &schema), LAMINAR_ERR_TABLE_NOT_FOUND);

  // A writer pushes imported batches; the stream sees them.
  laminar_writer* writer = nullptr;
  ASSERT_EQ(laminar_writer_create(db_, "trades", &writer), LAMINAR_OK) << laminar_last_error();
  for (const std::vector<int64_t>& qty : {std::vector<int64_t>{5, 50}, {500}}) {
    ArrowArray a;
    ArrowSchema s;
    MakeArrow(qty, &a, &s);
    laminar_batch* batch = nullptr;
    ASSERT_EQ(laminar_batch_create(&a, &s, &batch), LAMINAR_OK) << laminar_last_error();
    int64_t rows = 0, cols = 0;
    ASSERT_EQ(laminar_batch_num_rows(batch, &rows), LAMINAR_OK);
    ASSERT_EQ(laminar_batch_num_columns(batch, &cols), LAMINAR_OK);
    EXPECT_EQ(rows, static_cast<int64_t>(qty.size()));
    EXPECT_EQ(cols, 3);
    ASSERT_EQ(laminar_writer_write(writer, batch), LAMINAR_OK) << laminar_last_error();
  }
  ASSERT_EQ(laminar_writer_flush(writer), LAMINAR_OK);
  ASSERT_EQ(laminar_writer_close(writer), LAMINAR_OK);
  ASSERT_EQ(laminar_writer_close(writer), LAMINAR_OK);  // idempotent
  {
    ArrowArray a;
    ArrowSchema s;
    MakeArrow({1}, &a, &s);
    laminar_batch* batch = nullptr;
    ASSERT_EQ(laminar_batch_import(&a, &s, &batch), LAMINAR_OK);
    EXPECT_EQ(laminar_writer_write(writer, batch), LAMINAR_ERR_INGESTION);  // closed; consumed
  }
  laminar_writer_free(writer);

  // A query stream hands the result out batch by batch, then NULL.
  laminar_stream* stream = nullptr;
  ASSERT_EQ(laminar_query_stream(db_, "SELECT qty FROM trades", &stream), LAMINAR_OK)
      << laminar_last_error();
  laminar_schema* stream_schema = nullptr;
  ASSERT_EQ(laminar_stream_schema(stream, &stream_schema), LAMINAR_OK);
  ASSERT_EQ(laminar_schema_num_fields(stream_schema, &fields), LAMINAR_OK);
  EXPECT_EQ(fields, 1);
  laminar_schema_free(stream_schema);
  int64_t total = 0, sum = 0;
  int32_t active = 0;
  ASSERT_EQ(laminar_stream_is_active(stream, &active), LAMINAR_OK);
  EXPECT_EQ(active, 1);
  for (;;) {
    laminar_batch* batch = nullptr;
    ASSERT_EQ(laminar_stream_next(stream, &batch), LAMINAR_OK);
    if (batch == nullptr) break;
    ArrowArray col;
    ArrowSchema col_schema;
    ASSERT_EQ(laminar_batch_export_column(batch, 0, &col, &col_schema), LAMINAR_OK);
    auto type = columnar::ImportType(&col_schema);
    ASSERT_TRUE(type.ok());
    auto values = columnar::ImportArray(&col, *type);
    ASSERT_TRUE(values.ok()) << values.status().ToString();
    for (int64_t r = 0; r < (*values)->length(); ++r) sum += (*values)->values<int64_t>()[r];
    total += (*values)->length();
    EXPECT_EQ(laminar_batch_export_column(batch, 1, &col, &col_schema), LAMINAR_ERR_QUERY);
    laminar_batch_free(batch);
  }
  EXPECT_EQ(total, 3);
  EXPECT_EQ(sum, 555);
  ASSERT_EQ(laminar_stream_is_active(stream, &active), LAMINAR_OK);
  EXPECT_EQ(active, 0);
  laminar_stream_free(stream);
  EXPECT_EQ(laminar_query_stream(db_, "CREATE SOURCE x (a BIGINT)", &stream), LAMINAR_ERR_QUERY);

  // A result's batch as a handle, exported whole.
  laminar_result* r = nullptr;
  ASSERT_EQ(laminar_query(db_, "SELECT symbol, qty FROM trades", &r), LAMINAR_OK);
  laminar_batch* first = nullptr;
  ASSERT_EQ(laminar_result_get_batch(r, 0, &first), LAMINAR_OK);
  ArrowArray a;
  ArrowSchema s;
  ASSERT_EQ(laminar_batch_export(first, &a, &s), LAMINAR_OK);
  auto back = columnar::ImportRecordBatch(&a, &s);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->num_columns(), 2);
  laminar_batch_free(first);
  EXPECT_EQ(laminar_result_get_batch(r, 99, &first), LAMINAR_ERR_QUERY);
  laminar_result_free(r);

  // NULL handles are reported, never dereferenced.
  int64_t n = 0;
  EXPECT_EQ(laminar_batch_num_rows(nullptr, &n), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_stream_next(nullptr, &first), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_writer_flush(nullptr), LAMINAR_ERR_NULL_POINTER);
  EXPECT_EQ(laminar_schema_num_fields(nullptr, &n), LAMINAR_ERR_NULL_POINTER);
  laminar_batch_free(nullptr);
  laminar_schema_free(nullptr);
  laminar_stream_free(nullptr);
  laminar_writer_free(nullptr);
  laminar_string_free(nullptr);
}

TEST_F(CapiTest, DdlResultHasNoSchema) {
  laminar_result* r = nullptr;
  ASSERT_EQ(laminar_execute(db_, "CREATE SOURCE other (a BIGINT)", &r), LAMINAR_OK);
  ArrowSchema schema;
  EXPECT_EQ(laminar_result_schema(r, &schema), LAMINAR_ERR_QUERY);
  laminar_result_free(r);
}

TEST_F(CapiTest, PushWithForeignSchemaAndPollOneBatchPerCall) {
  laminar_subscription* sub = nullptr;
  ASSERT_EQ(laminar_subscribe(db_, "big", &sub), LAMINAR_OK);
  ArrowSchema out_schema;
  ASSERT_EQ(laminar_subscription_schema(sub, &out_schema), LAMINAR_OK);
  EXPECT_EQ(out_schema.n_children, 2);
  out_schema.release(&out_schema);
  for (int i = 0; i < 3; ++i) {
    ArrowArray a;
    ArrowSchema s;
    MakeArrow({5, 20, 30}, &a, &s);
    ASSERT_EQ(laminar_push_arrow(db_, "trades", &a, &s), LAMINAR_OK) << laminar_last_error();
    EXPECT_EQ(a.release, nullptr);
    EXPECT_EQ(s.release, nullptr);
  }
  int batches = 0;
  int64_t rows = 0;
  while (true) {
    ArrowArray out;
    int32_t has = 0;
    ASSERT_EQ(laminar_subscription_poll(sub, &out, nullptr, &has), LAMINAR_OK);
    if (!has) break;
    ++batches;
    rows += out.length;
    out.release(&out);
  }
  EXPECT_EQ(batches, 3);
  EXPECT_EQ(rows, 6);
  laminar_subscription_free(sub);
}

TEST_F(CapiTest, PushRejectsMismatchedBatchAndReleasesIt) {
  // Two columns where the source has three.
  auto schema_ptr = std::make_shared<columnar::Schema>(
      std::vector<columnar::FieldPtr>{std::make_shared<columnar::Field>("a", columnar::int64())});
  RecordBatch batch(schema_ptr, 1, {columnar::MakeInt64Array({1})});
  ArrowArray a;
  ArrowSchema s;
  ASSERT_TRUE(columnar::ExportRecordBatch(batch, &a).ok());
  ASSERT_TRUE(columnar::ExportSchema(*schema_ptr, &s).ok());
  int32_t rc = laminar_push_arrow(db_, "trades", &a, &s);
  EXPECT_NE(rc, LAMINAR_OK);
  EXPECT_TRUE(rc == LAMINAR_ERR_SCHEMA_MISMATCH || rc == LAMINAR_ERR_INGESTION) << rc;
  EXPECT_EQ(a.release, nullptr);
  EXPECT_EQ(s.release, nullptr);
  // Same batch without a schema: imported with the source schema, so the child count is wrong.
  ASSERT_TRUE(columnar::ExportRecordBatch(batch, &a).ok());
  EXPECT_NE(laminar_push_arrow(db_, "trades", &a, nullptr), LAMINAR_OK);
  EXPECT_EQ(a.release, nullptr);
  // Invalid UTF-8 source name: still consumed.
  ASSERT_TRUE(columnar::ExportRecordBatch(batch, &a).ok());
  EXPECT_EQ(laminar_push_arrow(db_, "tr\xff", &a, nullptr), LAMINAR_ERR_INVALID_UTF8);
  EXPECT_EQ(a.release, nullptr);
}

struct CallbackSink {
  std::vector<ArrowArray> kept;
  int calls = 0;
};

void KeepBatch(void* user_data, ArrowArray* array, ArrowSchema* /*schema*/) {
  auto* sink = static_cast<CallbackSink*>(user_data);
  ++sink->calls;
  sink->kept.push_back(*array);  // move out
  array->release = nullptr;
}

TEST_F(CapiTest, CallbackMayMoveBatchesOutAndStopsOnCancel) {
  CallbackSink sink;
  laminar_subscription* sub = nullptr;
  ASSERT_EQ(laminar_subscribe_callback(db_, "big", KeepBatch, &sink, &sub), LAMINAR_OK);
  ArrowArray a;
  MakeArrow({50, 60}, &a, nullptr);
  ASSERT_EQ(laminar_push_arrow(db_, "trades", &a, nullptr), LAMINAR_OK) << laminar_last_error();
  ASSERT_EQ(sink.calls, 1);
  ASSERT_EQ(sink.kept.size(), 1u);
  EXPECT_EQ(sink.kept[0].length, 2);
  // Poll on a callback subscription never yields batches.
  ArrowArray out;
  int32_t has = 1;
  ASSERT_EQ(laminar_subscription_next(sub, 5, &out, nullptr, &has), LAMINAR_OK);
  EXPECT_EQ(has, 0);
  ASSERT_EQ(laminar_subscription_cancel(sub), LAMINAR_OK);
  MakeArrow({70}, &a, nullptr);
  ASSERT_EQ(laminar_push_arrow(db_, "trades", &a, nullptr), LAMINAR_OK);
  EXPECT_EQ(sink.calls, 1);
  laminar_subscription_free(sub);
  for (auto& k : sink.kept) k.release(&k);
}

TEST_F(CapiTest, WatermarkAndSubscribeErrors) {
  EXPECT_EQ(laminar_advance_watermark(db_, "trades", 1000), LAMINAR_OK) << laminar_last_error();
  EXPECT_EQ(laminar_advance_watermark(db_, "nope", 1000), LAMINAR_ERR_TABLE_NOT_FOUND);
  EXPECT_EQ(laminar_last_error_ldb(), 5010);
  laminar_subscription* sub = nullptr;
  EXPECT_EQ(laminar_subscribe(db_, "trades", &sub), LAMINAR_ERR_TABLE_NOT_FOUND);
  EXPECT_EQ(sub, nullptr);
  EXPECT_NE(std::string(laminar_last_error()).find("trades"), std::string::npos);
}

TEST_F(CapiTest, ClosedDatabaseReportsShutdown) {
  laminar_subscription* sub = nullptr;
  ASSERT_EQ(laminar_subscribe(db_, "big", &sub), LAMINAR_OK);
  int32_t closed = -1;
  ASSERT_EQ(laminar_is_closed(db_, &closed), LAMINAR_OK);
  EXPECT_EQ(closed, 0);
  ASSERT_EQ(laminar_close(db_), LAMINAR_OK);
  db_ = nullptr;
  ArrowArray out;
  int32_t has = 0;
  EXPECT_EQ(laminar_subscription_next(sub, 1, &out, nullptr, &has), LAMINAR_ERR_SHUTDOWN);
  laminar_subscription_free(sub);
}

TEST(CapiDurableTest, CheckpointWithDataDir) {
  auto dir =
      std::filesystem::temp_directory_path() / ("laminar_capi_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  laminar_db* db = nullptr;
  ASSERT_EQ(laminar_open(dir.c_str(), &db), LAMINAR_OK) << laminar_last_error();
  ASSERT_EQ(
      laminar_execute(db, "CREATE SOURCE s (a BIGINT); INSERT INTO s VALUES (1), (2)", nullptr),
      LAMINAR_OK)
      << laminar_last_error();
  uint64_t id = 0;
  ASSERT_EQ(laminar_checkpoint(db, &id), LAMINAR_OK) << laminar_last_error();
  EXPECT_GT(id, 0u);
  ASSERT_EQ(laminar_close(db), LAMINAR_OK);
  // Reopen: the catalog is recovered.
  ASSERT_EQ(laminar_open(dir.c_str(), &db), LAMINAR_OK) << laminar_last_error();
  EXPECT_EQ(laminar_execute(db, "CREATE SOURCE s (a BIGINT)", nullptr), LAMINAR_ERR_TABLE_EXISTS);
  ASSERT_EQ(laminar_close(db), LAMINAR_OK);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace laminar::capi
