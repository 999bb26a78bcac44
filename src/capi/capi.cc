// The C API (include/laminar/laminar.h, section "LaminarDB database C API") over
// laminar::Database. Every entry point validates its pointers and strings, converts Status
// to a LAMINAR_ERR_* code plus a thread-local message, and catches every C++ exception so none
// crosses into C.

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "capi/capi_internal.h"
#include "columnar/c_data.h"
#include "common/string_util.h"
#include "laminar/laminar.h"
#include "laminar/laminar.hpp"

#ifndef LAMINAR_VERSION_STRING
#define LAMINAR_VERSION_STRING "0.0.0"
#endif

using laminar::ErrorCode;
using laminar::Status;
using laminar::StatusCode;
using laminar::columnar::RecordBatchPtr;

/// The handle behind `laminar_db*`: owns the database.
struct laminar_db {
  std::unique_ptr<laminar::Database> db;
};

/// The handle behind `laminar_result*`: owns the result and its batches.
struct laminar_result {
  laminar::ExecuteResult result;
};

/// State shared between a callback subscription's engine-side closure and its handle, so the
/// handle can be freed while the engine still holds the closure: `active` is cleared (under
/// `mu`) before the handle goes away, and the closure checks it under the same mutex.
struct CallbackState {
  std::mutex mu;
  bool active = true;
  laminar_batch_callback callback = nullptr;
  void* user_data = nullptr;
};

/// The handle behind `laminar_subscription*`. Poll() hands out every pending batch at once;
/// the C API returns one batch per call, so the rest wait in `pending`.
struct laminar_subscription {
  std::shared_ptr<laminar::Subscription> sub;
  std::deque<RecordBatchPtr> pending;
  std::shared_ptr<CallbackState> callback;  // set for laminar_subscribe_callback
};

/// The handle behind `laminar_batch*`.
struct laminar_batch {
  RecordBatchPtr batch;
};

/// The handle behind `laminar_schema*`.
struct laminar_schema {
  laminar::columnar::SchemaPtr schema;
};

/// The handle behind `laminar_stream*`: a query's batches, handed out in order.
struct laminar_stream {
  laminar::columnar::SchemaPtr schema;
  std::vector<RecordBatchPtr> batches;
  size_t next = 0;
  bool cancelled = false;
};

/// The handle behind `laminar_writer*`: the source handle and the database to flush.
struct laminar_writer {
  laminar::Database* db = nullptr;
  std::shared_ptr<laminar::SourceHandle> source;
  bool closed = false;
};

namespace laminar::capi {

namespace {

/// The thread-local "last error" of the calling thread.
struct LastError {
  std::string message;
  int32_t code = LAMINAR_OK;
  int32_t ldb = 0;
};

LastError& TlsError() {
  thread_local LastError error;
  return error;
}

void ClearError() {
  LastError& e = TlsError();
  e.message.clear();
  e.code = LAMINAR_OK;
  e.ldb = 0;
}

int32_t SetError(int32_t code, std::string message, int32_t ldb = 0) {
  LastError& e = TlsError();
  e.code = code;
  e.ldb = ldb;
  e.message = std::move(message);
  return code;
}

int32_t NullPointer(const char* what) {
  return SetError(LAMINAR_ERR_NULL_POINTER, std::string("argument '") + what + "' is NULL");
}

int32_t SetStatus(const Status& st, ApiContext context) {
  return SetError(StatusToCode(st, context), st.ToString(), ErrorCodeNumber(st.error_code()));
}

/// Runs `body` with the error cleared and every exception converted to LAMINAR_ERR_INTERNAL.
template <typename F>
int32_t Guard(F&& body) noexcept {
  try {
    ClearError();
    return body();
  } catch (const std::bad_alloc&) {
    return SetError(LAMINAR_ERR_INTERNAL, "[LDB-8001] out of memory", 8001);
  } catch (const std::exception& e) {
    return SetError(LAMINAR_ERR_INTERNAL, std::string("[LDB-8001] internal error: ") + e.what(),
                    8001);
  } catch (...) {
    return SetError(LAMINAR_ERR_INTERNAL, "[LDB-8001] internal error: unknown exception", 8001);
  }
}

/// Validates a required C string argument.
int32_t CheckString(const char* s, const char* what) {
  if (s == nullptr) return NullPointer(what);
  if (!IsValidUtf8(std::string_view(s))) {
    return SetError(LAMINAR_ERR_INVALID_UTF8,
                    std::string("argument '") + what + "' is not valid UTF-8");
  }
  return LAMINAR_OK;
}

/// Exports a batch (and optionally its schema); on failure nothing is left to release.
int32_t ExportBatch(const RecordBatchPtr& batch, ArrowArray* out_array, ArrowSchema* out_schema) {
  if (out_schema != nullptr) {
    Status st = columnar::ExportSchema(*batch->schema(), out_schema);
    if (!st.ok()) return SetStatus(st, ApiContext::kQuery);
  }
  Status st = columnar::ExportRecordBatch(*batch, out_array);
  if (!st.ok()) {
    if (out_schema != nullptr && out_schema->release != nullptr) out_schema->release(out_schema);
    return SetStatus(st, ApiContext::kQuery);
  }
  return LAMINAR_OK;
}

/// The error of an index outside [0, size): "[LDB-0005] <what> index i is out of range (n <unit>)".
int32_t OutOfRange(const char* what, int64_t index, int64_t size, const char* unit) {
  return SetError(LAMINAR_ERR_QUERY,
                  std::string("[LDB-0005] ") + what + " index " + std::to_string(index) +
                      " is out of range (" + std::to_string(size) + " " + unit + ")",
                  5);
}

/// Batch `index` of `result`; nullptr (with the error set) when there is none.
const RecordBatchPtr* ResultBatchAt(const laminar_result* result, int64_t index) {
  const auto& batches = result->result.batches;
  const auto size = static_cast<int64_t>(batches.size());
  if (index < 0 || index >= size) {
    OutOfRange("batch", index, size, "batches");
    return nullptr;
  }
  return &batches[static_cast<size_t>(index)];
}

/// Releases caller-provided input structs (ownership rule of laminar_push_arrow on failure).
void ReleaseInputs(ArrowArray* array, ArrowSchema* schema) {
  if (array != nullptr && array->release != nullptr) array->release(array);
  if (schema != nullptr && schema->release != nullptr) schema->release(schema);
}

int32_t RunSql(laminar_db* db, const char* sql, laminar_result** out, bool query) {
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    if (int32_t rc = CheckString(sql, "sql"); rc != LAMINAR_OK) return rc;
    auto r = query ? db->db->Query(sql) : db->db->Execute(sql);
    if (!r.ok()) return SetStatus(r.status(), ApiContext::kQuery);
    if (out != nullptr) {
      auto handle = std::make_unique<laminar_result>();
      handle->result = std::move(*r);
      *out = handle.release();
    }
    return LAMINAR_OK;
  });
}

int32_t NextBatch(laminar_subscription* sub, bool wait, int64_t timeout_ms, ArrowArray* out_array,
                  ArrowSchema* out_schema, int32_t* has_batch) {
  return Guard([&]() -> int32_t {
    if (sub == nullptr || !sub->sub) return NullPointer("sub");
    if (out_array == nullptr) return NullPointer("out_array");
    if (has_batch == nullptr) return NullPointer("has_batch");
    if (sub->pending.empty()) {
      for (auto& b : sub->sub->Poll()) sub->pending.push_back(std::move(b));
    }
    if (sub->pending.empty() && wait && sub->callback == nullptr) {
      auto next = sub->sub->Next(std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms));
      if (!next.ok()) return SetStatus(next.status(), ApiContext::kSubscription);
      if (*next) sub->pending.push_back(std::move(*next));
    }
    if (sub->pending.empty()) {
      *has_batch = 0;
      return LAMINAR_OK;
    }
    int32_t rc = ExportBatch(sub->pending.front(), out_array, out_schema);
    if (rc != LAMINAR_OK) return rc;
    sub->pending.pop_front();
    *has_batch = 1;
    return LAMINAR_OK;
  });
}

int32_t Subscribe(laminar_db* db, const char* name, laminar_batch_callback callback,
                  void* user_data, bool with_callback, laminar_subscription** out) {
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    if (int32_t rc = CheckString(name, "name"); rc != LAMINAR_OK) return rc;
    if (with_callback && callback == nullptr) return NullPointer("callback");
    if (out == nullptr) return NullPointer("out");
    auto handle = std::make_unique<laminar_subscription>();
    Result<std::shared_ptr<Subscription>> sub = Status::Internal("unset");
    if (with_callback) {
      auto state = std::make_shared<CallbackState>();
      state->callback = callback;
      state->user_data = user_data;
      handle->callback = state;
      sub = db->db->Subscribe(name, [state](const RecordBatchPtr& batch) {
        // Never let an exception escape into the engine thread.
        try {
          std::lock_guard<std::mutex> lock(state->mu);
          if (!state->active) return;
          ArrowArray array;
          ArrowSchema schema;
          std::memset(&array, 0, sizeof(array));
          std::memset(&schema, 0, sizeof(schema));
          if (!columnar::ExportSchema(*batch->schema(), &schema).ok()) return;
          if (!columnar::ExportRecordBatch(*batch, &array).ok()) {
            schema.release(&schema);
            return;
          }
          state->callback(state->user_data, &array, &schema);
          // Whatever the callee did not move out is released here.
          if (array.release != nullptr) array.release(&array);
          if (schema.release != nullptr) schema.release(&schema);
        } catch (...) {
        }
      });
    } else {
      sub = db->db->Subscribe(name);
    }
    if (!sub.ok()) return SetStatus(sub.status(), ApiContext::kSubscription);
    handle->sub = std::move(*sub);
    *out = handle.release();
    return LAMINAR_OK;
  });
}

}  // namespace

int32_t StatusToCode(const Status& st, ApiContext context) {
  if (st.ok()) return LAMINAR_OK;
  switch (st.error_code()) {
    case ErrorCode::kSourceNotFound:
    case ErrorCode::kSinkNotFound:
    case ErrorCode::kTableNotFound:
      return LAMINAR_ERR_TABLE_NOT_FOUND;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kSinkAlreadyExists:
      return LAMINAR_ERR_TABLE_EXISTS;
    case ErrorCode::kSchemaMismatch:
      return LAMINAR_ERR_SCHEMA_MISMATCH;
    case ErrorCode::kShutdown:
      return LAMINAR_ERR_SHUTDOWN;
    case ErrorCode::kConnectionFailed:
    case ErrorCode::kConnectorAuth:
    case ErrorCode::kConnectorRead:
    case ErrorCode::kConnectorConfig:
      return LAMINAR_ERR_CONNECTION;
    case ErrorCode::kInternal:
      return LAMINAR_ERR_INTERNAL;
    default:
      break;
  }
  switch (st.code()) {
    case StatusCode::kNotFound:
      return LAMINAR_ERR_TABLE_NOT_FOUND;
    case StatusCode::kAlreadyExists:
      return LAMINAR_ERR_TABLE_EXISTS;
    case StatusCode::kInternal:
      return LAMINAR_ERR_INTERNAL;
    case StatusCode::kCancelled:
      return LAMINAR_ERR_SHUTDOWN;
    default:
      break;
  }
  switch (context) {
    case ApiContext::kQuery:
      return LAMINAR_ERR_QUERY;
    case ApiContext::kIngestion:
      // A batch whose columns do not fit the source is a schema mismatch, whatever the
      // importer called it.
      if (st.code() == StatusCode::kTypeError) return LAMINAR_ERR_SCHEMA_MISMATCH;
      return LAMINAR_ERR_INGESTION;
    case ApiContext::kSubscription:
      return LAMINAR_ERR_SUBSCRIPTION;
    case ApiContext::kInternal:
      return LAMINAR_ERR_INTERNAL;
  }
  return LAMINAR_ERR_INTERNAL;
}

}  // namespace laminar::capi

namespace laminar::capi {
namespace {

/// A copy of `s` in malloc'ed memory for the caller (freed by laminar_string_free).
char* OwnedString(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, s.data(), s.size() + 1);
  return out;
}

/// Field `index` of `schema`, or an error set for an index out of range.
int32_t FieldAt(const laminar_schema* schema, int64_t index, const columnar::Field** out) {
  if (schema == nullptr || !schema->schema) return NullPointer("schema");
  if (index < 0 || index >= schema->schema->num_fields()) {
    return OutOfRange("field", index, schema->schema->num_fields(), "fields");
  }
  *out = schema->schema->field(static_cast<int>(index)).get();
  return LAMINAR_OK;
}

/// The getter shape of the API: checks the handle and the out-parameter, then writes
/// value(*handle) to *out.
template <typename Handle, typename T, typename F>
int32_t Read(const Handle* handle, const char* what, T* out, F value) {
  return Guard([&]() -> int32_t {
    if (handle == nullptr) return NullPointer(what);
    if (out == nullptr) return NullPointer("out");
    *out = value(*handle);
    return LAMINAR_OK;
  });
}

/// Checks `db`, `source` and `out`, looks the source up (a failure reported as in `context`),
/// then writes make(database, source handle) to *out.
template <typename T, typename F>
int32_t FromSource(laminar_db* db, const char* source, T** out, ApiContext context, F make) {
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    if (int32_t c = CheckString(source, "source"); c != LAMINAR_OK) return c;
    if (out == nullptr) return NullPointer("out");
    auto handle = db->db->Source(source);
    if (!handle.ok()) return SetStatus(handle.status(), context);
    *out = make(db->db.get(), std::move(*handle));
    return LAMINAR_OK;
  });
}

/// A malloc'ed string made from field `index` of `schema` by `text(field)`.
template <typename F>
int32_t FieldText(const laminar_schema* schema, int64_t index, char** out, F text) {
  return Guard([&]() -> int32_t {
    if (out == nullptr) return NullPointer("out");
    const columnar::Field* field = nullptr;
    if (int32_t c = FieldAt(schema, index, &field); c != LAMINAR_OK) return c;
    *out = OwnedString(text(*field));
    return LAMINAR_OK;
  });
}

/// Hands out the stream's next batch, or NULL when none is left.
int32_t NextBatch(laminar_stream* stream, laminar_batch** out) {
  if (stream == nullptr) return NullPointer("stream");
  if (out == nullptr) return NullPointer("out");
  if (stream->cancelled || stream->next >= stream->batches.size()) {
    *out = nullptr;
    return LAMINAR_OK;
  }
  *out = new laminar_batch{stream->batches[stream->next++]};
  return LAMINAR_OK;
}

}  // namespace
}  // namespace laminar::capi

using laminar::capi::ApiContext;

extern "C" {

const char* laminar_last_error(void) { return laminar::capi::TlsError().message.c_str(); }

int32_t laminar_last_error_code(void) { return laminar::capi::TlsError().code; }

int32_t laminar_last_error_ldb(void) { return laminar::capi::TlsError().ldb; }

void laminar_clear_error(void) { laminar::capi::ClearError(); }

const char* laminar_version(void) { return LAMINAR_VERSION_STRING; }

int32_t laminar_open(const char* data_dir, laminar_db** out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (out == nullptr) return NullPointer("out");
    laminar::Options options;
    if (data_dir != nullptr) {
      if (int32_t rc = CheckString(data_dir, "data_dir"); rc != LAMINAR_OK) return rc;
      options.data_dir = data_dir;
    }
    auto db = laminar::Database::Open(std::move(options));
    if (!db.ok()) return SetStatus(db.status(), ApiContext::kInternal);
    auto handle = std::make_unique<laminar_db>();
    handle->db = std::move(*db);
    *out = handle.release();
    return LAMINAR_OK;
  });
}

int32_t laminar_options_init(laminar_options* options) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (options == nullptr) return NullPointer("options");
    const laminar::Options defaults;
    *options = laminar_options{};
    options->struct_size = sizeof(laminar_options);
    options->data_dir = nullptr;
    options->buffer_size = static_cast<int64_t>(defaults.buffer_size);
    options->backpressure = LAMINAR_BACKPRESSURE_BLOCK;
    options->ingest_mode = LAMINAR_INGEST_INLINE;
    options->max_future_skew_ms = -1;
    options->source_idle_timeout_ms = -1;
    options->checkpoint_interval_ms = 0;
    return LAMINAR_OK;
  });
}

int32_t laminar_open_with_options(const laminar_options* options, laminar_db** out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (options == nullptr) return NullPointer("options");
    if (out == nullptr) return NullPointer("out");
    auto invalid = [](const std::string& what) {
      return SetStatus(Status::Invalid("laminar_options: " + what, ErrorCode::kInvalidConfig),
                       ApiContext::kQuery);
    };
    if (options->struct_size < sizeof(laminar_options)) {
      return invalid(
          "struct_size is smaller than this library's laminar_options; call "
          "laminar_options_init first");
    }
    laminar::Options o;
    if (options->data_dir != nullptr) {
      if (int32_t rc = CheckString(options->data_dir, "data_dir"); rc != LAMINAR_OK) return rc;
      o.data_dir = options->data_dir;
    }
    if (options->buffer_size < 4 || options->buffer_size > 1048576) {
      return invalid("buffer_size must be in 4..=1048576, got " +
                     std::to_string(options->buffer_size));
    }
    o.buffer_size = static_cast<size_t>(options->buffer_size);
    switch (options->backpressure) {
      case LAMINAR_BACKPRESSURE_BLOCK:
        o.backpressure = laminar::BackpressurePolicy::kBlock;
        break;
      case LAMINAR_BACKPRESSURE_DROP_OLDEST:
        o.backpressure = laminar::BackpressurePolicy::kDropOldest;
        break;
      case LAMINAR_BACKPRESSURE_REJECT:
        o.backpressure = laminar::BackpressurePolicy::kReject;
        break;
      default:
        return invalid("unknown backpressure " + std::to_string(options->backpressure));
    }
    switch (options->ingest_mode) {
      case LAMINAR_INGEST_INLINE:
        o.ingest_mode = laminar::IngestMode::kInline;
        break;
      case LAMINAR_INGEST_QUEUED:
        o.ingest_mode = laminar::IngestMode::kQueued;
        break;
      default:
        return invalid("unknown ingest_mode " + std::to_string(options->ingest_mode));
    }
    if (options->max_future_skew_ms >= 0) {
      o.max_future_skew = std::chrono::milliseconds(options->max_future_skew_ms);
    }
    if (options->source_idle_timeout_ms >= 0) {
      o.source_idle_timeout = std::chrono::milliseconds(options->source_idle_timeout_ms);
    }
    if (options->checkpoint_interval_ms < 0) return invalid("checkpoint_interval_ms < 0");
    o.checkpoint_interval = std::chrono::milliseconds(options->checkpoint_interval_ms);
    auto db = laminar::Database::Open(std::move(o));
    if (!db.ok()) return SetStatus(db.status(), ApiContext::kInternal);
    auto handle = std::make_unique<laminar_db>();
    handle->db = std::move(*db);
    *out = handle.release();
    return LAMINAR_OK;
  });
}

int32_t laminar_close(laminar_db* db) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (db == nullptr) return NullPointer("db");
    std::unique_ptr<laminar_db> owned(db);
    if (!owned->db) return LAMINAR_OK;
    Status st = owned->db->Shutdown();
    if (!st.ok()) return SetStatus(st, ApiContext::kInternal);
    return LAMINAR_OK;
  });
}

int32_t laminar_start(laminar_db* db) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    Status st = db->db->Start();
    if (!st.ok()) return SetStatus(st, ApiContext::kInternal);
    return LAMINAR_OK;
  });
}

int32_t laminar_is_closed(laminar_db* db, int32_t* out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    if (out == nullptr) return NullPointer("out");
    *out = db->db->state() == laminar::PipelineState::kStopped ? 1 : 0;
    return LAMINAR_OK;
  });
}

int32_t laminar_execute(laminar_db* db, const char* sql, laminar_result** out) {
  return laminar::capi::RunSql(db, sql, out, /*query=*/false);
}

int32_t laminar_query(laminar_db* db, const char* sql, laminar_result** out) {
  return laminar::capi::RunSql(db, sql, out, /*query=*/true);
}

int32_t laminar_sync(laminar_db* db) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    Status st = db->db->Sync();
    if (!st.ok()) return SetStatus(st, ApiContext::kInternal);
    return LAMINAR_OK;
  });
}

int32_t laminar_checkpoint(laminar_db* db, uint64_t* checkpoint_id) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    auto r = db->db->Checkpoint();
    if (!r.ok()) return SetStatus(r.status(), ApiContext::kInternal);
    if (!r->success) {
      return SetError(LAMINAR_ERR_INTERNAL, "[LDB-6001] checkpoint failed: " + r->error, 6001);
    }
    if (checkpoint_id != nullptr) *checkpoint_id = r->checkpoint_id;
    return LAMINAR_OK;
  });
}

int32_t laminar_result_kind(const laminar_result* result, int32_t* out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (result == nullptr) return NullPointer("result");
    if (out == nullptr) return NullPointer("out");
    switch (result->result.kind) {
      case laminar::ExecuteResult::Kind::kDdl:
        *out = LAMINAR_RESULT_DDL;
        break;
      case laminar::ExecuteResult::Kind::kRowsAffected:
        *out = LAMINAR_RESULT_ROWS_AFFECTED;
        break;
      case laminar::ExecuteResult::Kind::kQuery:
        *out = LAMINAR_RESULT_QUERY;
        break;
      case laminar::ExecuteResult::Kind::kMetadata:
        *out = LAMINAR_RESULT_METADATA;
        break;
    }
    return LAMINAR_OK;
  });
}

int32_t laminar_result_statement_type(const laminar_result* result, const char** out) {
  return laminar::capi::Read(result, "result", out, [](const laminar_result& r) {
    return r.result.statement_type.c_str();
  });
}

int32_t laminar_result_object_name(const laminar_result* result, const char** out) {
  return laminar::capi::Read(result, "result", out,
                             [](const laminar_result& r) { return r.result.object_name.c_str(); });
}

int32_t laminar_result_rows_affected(const laminar_result* result, uint64_t* out) {
  return laminar::capi::Read(result, "result", out,
                             [](const laminar_result& r) { return r.result.rows_affected; });
}

int32_t laminar_result_num_batches(const laminar_result* result, int64_t* out) {
  return laminar::capi::Read(result, "result", out, [](const laminar_result& r) {
    return static_cast<int64_t>(r.result.batches.size());
  });
}

int32_t laminar_result_num_rows(const laminar_result* result, int64_t* out) {
  return laminar::capi::Read(result, "result", out,
                             [](const laminar_result& r) { return r.result.num_rows(); });
}

int32_t laminar_result_schema(const laminar_result* result, struct ArrowSchema* out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (result == nullptr) return NullPointer("result");
    if (out == nullptr) return NullPointer("out");
    laminar::columnar::SchemaPtr schema = result->result.schema;
    if (!schema && !result->result.batches.empty()) schema = result->result.batches[0]->schema();
    if (!schema) {
      return SetError(LAMINAR_ERR_QUERY,
                      "[LDB-0005] the result of '" + result->result.statement_type +
                          "' has no schema: it is not a query result",
                      5);
    }
    Status st = laminar::columnar::ExportSchema(*schema, out);
    if (!st.ok()) return SetStatus(st, ApiContext::kQuery);
    return LAMINAR_OK;
  });
}

int32_t laminar_result_batch(const laminar_result* result, int64_t index,
                             struct ArrowArray* out_array, struct ArrowSchema* out_schema) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (result == nullptr) return NullPointer("result");
    if (out_array == nullptr) return NullPointer("out_array");
    const RecordBatchPtr* batch = ResultBatchAt(result, index);
    if (batch == nullptr) return LAMINAR_ERR_QUERY;
    return ExportBatch(*batch, out_array, out_schema);
  });
}

void laminar_result_free(laminar_result* result) { delete result; }

int32_t laminar_push_arrow(laminar_db* db, const char* source, struct ArrowArray* array,
                           struct ArrowSchema* schema) {
  using namespace laminar::capi;
  int32_t rc = Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    if (int32_t c = CheckString(source, "source"); c != LAMINAR_OK) return c;
    if (array == nullptr) return NullPointer("array");
    if (array->release == nullptr) {
      return SetError(LAMINAR_ERR_INGESTION, "[LDB-7002] argument 'array' is already released",
                      7002);
    }
    auto handle = db->db->Source(source);
    if (!handle.ok()) return SetStatus(handle.status(), ApiContext::kIngestion);
    laminar::Result<RecordBatchPtr> batch = laminar::Status::Internal("unset");
    if (schema != nullptr) {
      if (schema->release == nullptr) {
        return SetError(LAMINAR_ERR_INGESTION, "[LDB-7002] argument 'schema' is already released",
                        7002);
      }
      // Both structs are consumed by the importer from here on, success or not.
      ArrowArray* a = array;
      ArrowSchema* s = schema;
      array = nullptr;
      schema = nullptr;
      batch = laminar::columnar::ImportRecordBatch(a, s);
    } else {
      ArrowArray* a = array;
      array = nullptr;
      batch = laminar::columnar::ImportRecordBatch(a, (*handle)->schema());
    }
    if (!batch.ok()) return SetStatus(batch.status(), ApiContext::kIngestion);
    Status st = (*handle)->Push(std::move(*batch));
    if (!st.ok()) return SetStatus(st, ApiContext::kIngestion);
    return LAMINAR_OK;
  });
  // Whatever the importer has not consumed is released here (the documented ownership rule).
  ReleaseInputs(array, schema);
  return rc;
}

int32_t laminar_advance_watermark(laminar_db* db, const char* source, int64_t timestamp_micros) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    if (int32_t c = CheckString(source, "source"); c != LAMINAR_OK) return c;
    auto handle = db->db->Source(source);
    if (!handle.ok()) return SetStatus(handle.status(), ApiContext::kIngestion);
    Status st = (*handle)->AdvanceWatermark(timestamp_micros);
    if (!st.ok()) return SetStatus(st, ApiContext::kIngestion);
    return LAMINAR_OK;
  });
}

int32_t laminar_source_queue(laminar_db* db, const char* source, uint64_t* pending,
                             uint64_t* capacity, int32_t* is_backpressured) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    if (int32_t c = CheckString(source, "source"); c != LAMINAR_OK) return c;
    auto handle = db->db->Source(source);
    if (!handle.ok()) return SetStatus(handle.status(), ApiContext::kIngestion);
    if (pending != nullptr) *pending = (*handle)->pending();
    if (capacity != nullptr) *capacity = (*handle)->capacity();
    if (is_backpressured != nullptr) *is_backpressured = (*handle)->is_backpressured() ? 1 : 0;
    return LAMINAR_OK;
  });
}

int32_t laminar_subscribe(laminar_db* db, const char* name, laminar_subscription** out) {
  return laminar::capi::Subscribe(db, name, nullptr, nullptr, /*with_callback=*/false, out);
}

int32_t laminar_subscribe_callback(laminar_db* db, const char* name,
                                   laminar_batch_callback callback, void* user_data,
                                   laminar_subscription** out) {
  return laminar::capi::Subscribe(db, name, callback, user_data, /*with_callback=*/true, out);
}

int32_t laminar_subscription_schema(laminar_subscription* sub, struct ArrowSchema* out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (sub == nullptr || !sub->sub) return NullPointer("sub");
    if (out == nullptr) return NullPointer("out");
    Status st = laminar::columnar::ExportSchema(*sub->sub->schema(), out);
    if (!st.ok()) return SetStatus(st, ApiContext::kSubscription);
    return LAMINAR_OK;
  });
}

int32_t laminar_subscription_poll(laminar_subscription* sub, struct ArrowArray* out_array,
                                  struct ArrowSchema* out_schema, int32_t* has_batch) {
  return laminar::capi::NextBatch(sub, /*wait=*/false, 0, out_array, out_schema, has_batch);
}

int32_t laminar_subscription_next(laminar_subscription* sub, int64_t timeout_ms,
                                  struct ArrowArray* out_array, struct ArrowSchema* out_schema,
                                  int32_t* has_batch) {
  return laminar::capi::NextBatch(sub, /*wait=*/true, timeout_ms, out_array, out_schema, has_batch);
}

int32_t laminar_subscription_cancel(laminar_subscription* sub) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (sub == nullptr || !sub->sub) return NullPointer("sub");
    if (sub->callback) {
      std::lock_guard<std::mutex> lock(sub->callback->mu);
      sub->callback->active = false;
    }
    sub->sub->Cancel();
    return LAMINAR_OK;
  });
}

void laminar_subscription_free(laminar_subscription* sub) {
  if (sub == nullptr) return;
  try {
    if (sub->callback) {
      std::lock_guard<std::mutex> lock(sub->callback->mu);
      sub->callback->active = false;
    }
    if (sub->sub) sub->sub->Cancel();
  } catch (...) {
  }
  delete sub;
}

// --- batches, schemas, streams, writers ----------------------------------------------------

void laminar_string_free(char* s) { std::free(s); }

int32_t laminar_list_sources(laminar_db* db, char** out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    if (out == nullptr) return NullPointer("out");
    std::string json = "[";
    for (const auto& m : db->db->source_metrics()) {
      if (json.size() > 1) json += ", ";
      json += "\"" + laminar::JsonEscape(m.name) + "\"";
    }
    json += "]";
    *out = OwnedString(json);
    return LAMINAR_OK;
  });
}

int32_t laminar_get_schema(laminar_db* db, const char* source, laminar_schema** out) {
  return laminar::capi::FromSource(
      db, source, out, ApiContext::kQuery,
      [](laminar::Database*, std::shared_ptr<laminar::SourceHandle> handle) {
        return new laminar_schema{handle->schema()};
      });
}

int32_t laminar_schema_num_fields(const laminar_schema* schema, int64_t* out) {
  return laminar::capi::Read(schema, "schema", out, [](const laminar_schema& s) {
    return static_cast<int64_t>(s.schema->num_fields());
  });
}

int32_t laminar_schema_field_name(const laminar_schema* schema, int64_t index, char** out) {
  return laminar::capi::FieldText(schema, index, out,
                                  [](const laminar::columnar::Field& f) { return f.name; });
}

int32_t laminar_schema_field_type(const laminar_schema* schema, int64_t index, char** out) {
  return laminar::capi::FieldText(
      schema, index, out, [](const laminar::columnar::Field& f) { return f.type->ToString(); });
}

int32_t laminar_schema_export(const laminar_schema* schema, struct ArrowSchema* out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (schema == nullptr || !schema->schema) return NullPointer("schema");
    if (out == nullptr) return NullPointer("out");
    Status st = laminar::columnar::ExportSchema(*schema->schema, out);
    if (!st.ok()) return SetStatus(st, ApiContext::kQuery);
    return LAMINAR_OK;
  });
}

void laminar_schema_free(laminar_schema* schema) { delete schema; }

int32_t laminar_result_get_batch(const laminar_result* result, int64_t index, laminar_batch** out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (result == nullptr) return NullPointer("result");
    if (out == nullptr) return NullPointer("out");
    const RecordBatchPtr* batch = ResultBatchAt(result, index);
    if (batch == nullptr) return LAMINAR_ERR_QUERY;
    *out = new laminar_batch{*batch};
    return LAMINAR_OK;
  });
}

int32_t laminar_batch_num_rows(const laminar_batch* batch, int64_t* out) {
  return laminar::capi::Read(batch, "batch", out,
                             [](const laminar_batch& b) { return b.batch->num_rows(); });
}

int32_t laminar_batch_num_columns(const laminar_batch* batch, int64_t* out) {
  return laminar::capi::Read(batch, "batch", out, [](const laminar_batch& b) {
    return static_cast<int64_t>(b.batch->num_columns());
  });
}

int32_t laminar_batch_schema(const laminar_batch* batch, laminar_schema** out) {
  return laminar::capi::Read(batch, "batch", out, [](const laminar_batch& b) {
    return new laminar_schema{b.batch->schema()};
  });
}

int32_t laminar_batch_export(const laminar_batch* batch, struct ArrowArray* out_array,
                             struct ArrowSchema* out_schema) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (batch == nullptr || !batch->batch) return NullPointer("batch");
    if (out_array == nullptr) return NullPointer("out_array");
    return ExportBatch(batch->batch, out_array, out_schema);
  });
}

int32_t laminar_batch_export_column(const laminar_batch* batch, int64_t index,
                                    struct ArrowArray* out_array, struct ArrowSchema* out_schema) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (batch == nullptr || !batch->batch) return NullPointer("batch");
    if (out_array == nullptr) return NullPointer("out_array");
    if (out_schema == nullptr) return NullPointer("out_schema");
    const auto& b = *batch->batch;
    if (index < 0 || index >= b.num_columns()) {
      return OutOfRange("column", index, b.num_columns(), "columns");
    }
    const int c = static_cast<int>(index);
    Status st = laminar::columnar::ExportField(*b.schema()->field(c), out_schema);
    if (!st.ok()) return SetStatus(st, ApiContext::kQuery);
    st = laminar::columnar::ExportArray(b.column(c), out_array);
    if (!st.ok()) {
      out_schema->release(out_schema);
      return SetStatus(st, ApiContext::kQuery);
    }
    return LAMINAR_OK;
  });
}

int32_t laminar_batch_import(struct ArrowArray* array, struct ArrowSchema* schema,
                             laminar_batch** out) {
  using namespace laminar::capi;
  int32_t rc = Guard([&]() -> int32_t {
    if (array == nullptr) return NullPointer("array");
    if (schema == nullptr) return NullPointer("schema");
    if (out == nullptr) return NullPointer("out");
    if (array->release == nullptr || schema->release == nullptr) {
      return SetError(LAMINAR_ERR_INGESTION,
                      "[LDB-7002] argument 'array' or 'schema' is already released", 7002);
    }
    ArrowArray* a = array;
    ArrowSchema* s = schema;
    array = nullptr;  // consumed by the importer from here on, success or not
    schema = nullptr;
    auto batch = laminar::columnar::ImportRecordBatch(a, s);
    if (!batch.ok()) return SetStatus(batch.status(), ApiContext::kIngestion);
    *out = new laminar_batch{std::move(*batch)};
    return LAMINAR_OK;
  });
  ReleaseInputs(array, schema);
  return rc;
}

int32_t laminar_batch_create(struct ArrowArray* array, struct ArrowSchema* schema,
                             laminar_batch** out) {
  return laminar_batch_import(array, schema, out);
}

void laminar_batch_free(laminar_batch* batch) { delete batch; }

int32_t laminar_query_stream(laminar_db* db, const char* sql, laminar_stream** out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (db == nullptr || !db->db) return NullPointer("db");
    if (int32_t c = CheckString(sql, "sql"); c != LAMINAR_OK) return c;
    if (out == nullptr) return NullPointer("out");
    auto r = db->db->Query(sql);
    if (!r.ok()) return SetStatus(r.status(), ApiContext::kQuery);
    auto stream = std::make_unique<laminar_stream>();
    stream->schema = r->schema;
    if (!stream->schema && !r->batches.empty()) stream->schema = r->batches[0]->schema();
    if (!stream->schema) {
      return SetError(LAMINAR_ERR_QUERY,
                      "[LDB-0005] '" + r->statement_type +
                          "' returns no rows to stream: use laminar_execute for statements",
                      5);
    }
    stream->batches = std::move(r->batches);
    *out = stream.release();
    return LAMINAR_OK;
  });
}

int32_t laminar_stream_schema(const laminar_stream* stream, laminar_schema** out) {
  return laminar::capi::Read(stream, "stream", out, [](const laminar_stream& st) {
    return new laminar_schema{st.schema};
  });
}

int32_t laminar_stream_next(laminar_stream* stream, laminar_batch** out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t { return NextBatch(stream, out); });
}

int32_t laminar_stream_try_next(laminar_stream* stream, laminar_batch** out) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t { return NextBatch(stream, out); });
}

int32_t laminar_stream_is_active(const laminar_stream* stream, int32_t* out) {
  return laminar::capi::Read(stream, "stream", out, [](const laminar_stream& st) {
    return !st.cancelled && st.next < st.batches.size() ? 1 : 0;
  });
}

int32_t laminar_stream_cancel(laminar_stream* stream) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (stream == nullptr) return NullPointer("stream");
    stream->cancelled = true;
    stream->batches.clear();
    return LAMINAR_OK;
  });
}

void laminar_stream_free(laminar_stream* stream) { delete stream; }

int32_t laminar_writer_create(laminar_db* db, const char* source, laminar_writer** out) {
  return laminar::capi::FromSource(
      db, source, out, ApiContext::kIngestion,
      [](laminar::Database* database, std::shared_ptr<laminar::SourceHandle> handle) {
        return new laminar_writer{database, std::move(handle), false};
      });
}

int32_t laminar_writer_write(laminar_writer* writer, laminar_batch* batch) {
  using namespace laminar::capi;
  std::unique_ptr<laminar_batch> owned(batch);  // consumed, success or not
  return Guard([&]() -> int32_t {
    if (writer == nullptr) return NullPointer("writer");
    if (!owned || !owned->batch) return NullPointer("batch");
    if (writer->closed) {
      return SetError(LAMINAR_ERR_INGESTION, "[LDB-7002] the writer is closed", 7002);
    }
    Status st = writer->source->Push(owned->batch);
    if (!st.ok()) return SetStatus(st, ApiContext::kIngestion);
    return LAMINAR_OK;
  });
}

int32_t laminar_writer_flush(laminar_writer* writer) {
  using namespace laminar::capi;
  return Guard([&]() -> int32_t {
    if (writer == nullptr) return NullPointer("writer");
    if (writer->closed) return LAMINAR_OK;
    Status st = writer->db->Sync();
    if (!st.ok()) return SetStatus(st, ApiContext::kIngestion);
    return LAMINAR_OK;
  });
}

int32_t laminar_writer_close(laminar_writer* writer) {
  const int32_t rc = laminar_writer_flush(writer);  // nothing to do once closed
  if (writer != nullptr) writer->closed = true;     // closed even when the flush failed
  return rc;
}

void laminar_writer_free(laminar_writer* writer) { delete writer; }

}  // extern "C"
