/* LaminarDB public C API.
 *
 * This header is C99 and C++ compatible. It is organised in sections; each section is owned by
 * one part of the project and delimited by a banner comment. Add new sections below the last one
 * rather than interleaving declarations.
 */
#ifndef LAMINAR_LAMINAR_H_
#define LAMINAR_LAMINAR_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================================================
 * Section: Arrow C Data Interface and C Stream Interface
 *
 * The ABI-stable structs defined by the Apache Arrow specification
 * (https://arrow.apache.org/docs/format/CDataInterface.html and CStreamInterface.html).
 * Columns, schemas and result streams cross the LaminarDB C API in these structs, so any Arrow
 * implementation (pyarrow, arrow-rs, nanoarrow, DuckDB, Polars, ...) can exchange data with
 * LaminarDB without copying. The guard macros are the ones the specification prescribes, so this
 * header can be included together with any other header that declares the same structs.
 * See docs/columnar.md for how LaminarDB types map to Arrow format strings.
 * ========================================================================================== */

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS 4

/* Describes the type (and field name) of an array; a tree for nested types. */
struct ArrowSchema {
  /* Array type description */
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;

  /* Release callback; NULL once released. */
  void (*release)(struct ArrowSchema*);
  /* Opaque producer-specific data */
  void* private_data;
};

/* Describes the buffers and children of an array; a tree for nested types. */
struct ArrowArray {
  /* Array data description */
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;

  /* Release callback; NULL once released. */
  void (*release)(struct ArrowArray*);
  /* Opaque producer-specific data */
  void* private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

/* A pull-based stream of arrays (record batches) sharing one schema. The callbacks return 0 on
 * success or an errno-compatible error code; get_next marks `out` released at end of stream. */
struct ArrowArrayStream {
  /* Callbacks providing stream functionality */
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);

  /* Release callback; NULL once released. */
  void (*release)(struct ArrowArrayStream*);

  /* Opaque producer-specific data */
  void* private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

/* ============================================================================================
 * End of section: Arrow C Data Interface and C Stream Interface
 * ========================================================================================== */

/* ============================================================================================
 * Section: LaminarDB database C API
 *
 * A C99 surface over laminar::Database (library `laminar_capi`) for bindings and programs in
 * other languages. Data crosses it in the Arrow structs declared above, without copies.
 *
 * Conventions
 * - Every function returns an int32_t status: LAMINAR_OK (0) or one of the LAMINAR_ERR_*
 *   codes below; results come back through out-parameters, which are written only on success.
 * - Every pointer argument is checked: NULL where an object or out-parameter is required gives
 *   LAMINAR_ERR_NULL_POINTER; strings must be NUL-terminated UTF-8 (LAMINAR_ERR_INVALID_UTF8).
 * - On failure, laminar_last_error() / laminar_last_error_code() / laminar_last_error_ldb()
 *   describe it. The error is thread-local and describes the most recent call on this thread:
 *   every call clears it on entry. No C++ exception ever crosses this boundary.
 * - Objects returned through `**out` are owned by the caller and freed with the matching
 *   laminar_*_free / laminar_close. The *_free functions accept NULL (like free()).
 * - Arrow structs written by the API (`struct ArrowArray* out`, `struct ArrowSchema* out`) are
 *   caller-allocated; on success the caller owns them and must call their `release`.
 *   Structs passed in (laminar_push_arrow) are consumed, even when the call fails.
 *
 * Threading: a laminar_db may be used from several threads at once. A laminar_result or
 * laminar_subscription must be used by one thread at a time.
 * ========================================================================================== */

/* Status codes (match the reference system's C FFI). */
#define LAMINAR_OK 0
#define LAMINAR_ERR_NULL_POINTER (-1)
#define LAMINAR_ERR_INVALID_UTF8 (-2)
#define LAMINAR_ERR_CONNECTION 100
#define LAMINAR_ERR_TABLE_NOT_FOUND 200
#define LAMINAR_ERR_TABLE_EXISTS 201
#define LAMINAR_ERR_SCHEMA_MISMATCH 202
#define LAMINAR_ERR_INGESTION 300
#define LAMINAR_ERR_QUERY 400
#define LAMINAR_ERR_SUBSCRIPTION 500
#define LAMINAR_ERR_INTERNAL 900
#define LAMINAR_ERR_SHUTDOWN 901

/* laminar_result_kind() values (laminar::ExecuteResult::Kind). */
#define LAMINAR_RESULT_DDL 0
#define LAMINAR_RESULT_ROWS_AFFECTED 1
#define LAMINAR_RESULT_QUERY 2
#define LAMINAR_RESULT_METADATA 3

/* Opaque handles. */
typedef struct laminar_db laminar_db;
typedef struct laminar_result laminar_result;
typedef struct laminar_subscription laminar_subscription;
typedef struct laminar_batch laminar_batch;   /* one record batch */
typedef struct laminar_schema laminar_schema; /* one schema */
typedef struct laminar_stream laminar_stream; /* the batches of a query, one at a time */
typedef struct laminar_writer laminar_writer; /* pushes batches into one source */

/* Receives each batch a callback subscription emits. `array` and `schema` are valid during the
 * call. To keep the batch, move them out (copy the structs, then set the originals' `release`
 * to NULL, as the Arrow C Data Interface allows) and release the copies later, on any thread;
 * otherwise they are released when the callback returns. Runs on the engine thread (in the
 * embedded default: the thread that pushed the input), so it must be quick and must not call
 * back into the same laminar_db. */
typedef void (*laminar_batch_callback)(void* user_data, struct ArrowArray* array,
                                       struct ArrowSchema* schema);

/* --- errors and version ---------------------------------------------------------------------- */

/* Message of the last failed call on this thread, "[LDB-NNNN] message"; "" if none. The pointer
 * stays valid until the next laminar_* call on this thread. */
const char* laminar_last_error(void);
/* LAMINAR_ERR_* code of the last failed call on this thread; LAMINAR_OK if none. */
int32_t laminar_last_error_code(void);
/* The LDB-NNNN number of the last failure (e.g. 5010 for a missing source); 0 if none. */
int32_t laminar_last_error_ldb(void);
void laminar_clear_error(void);
/* Library version, e.g. "0.1.0". Static storage. */
const char* laminar_version(void);

/* --- database -------------------------------------------------------------------------------- */

/* Opens a database. `data_dir` NULL or "" = in-memory; otherwise the catalog, WAL and
 * checkpoints live there and are recovered on open. */
int32_t laminar_open(const char* data_dir, laminar_db** out);

/* laminar_options.backpressure: what a full source input queue does. */
#define LAMINAR_BACKPRESSURE_BLOCK 0
#define LAMINAR_BACKPRESSURE_DROP_OLDEST 1
#define LAMINAR_BACKPRESSURE_REJECT 2
/* laminar_options.ingest_mode: process pushes on the caller's thread, or queue them. */
#define LAMINAR_INGEST_INLINE 0
#define LAMINAR_INGEST_QUEUED 1

/* Database options (laminar::Options). Fill with laminar_options_init, then change fields;
 * `struct_size` lets later versions add fields at the end without breaking old callers. */
typedef struct laminar_options {
  uint32_t struct_size; /* sizeof(laminar_options); set by laminar_options_init */
  const char* data_dir; /* NULL or "" = in-memory */
  int64_t buffer_size;  /* rows per source input queue (default 65536) */
  int32_t backpressure; /* LAMINAR_BACKPRESSURE_* (default BLOCK) */
  int32_t ingest_mode;  /* LAMINAR_INGEST_* (default INLINE) */
  /* Future-skew guard in ms: -1 = LAMINAR_MAX_FUTURE_SKEW_MS or 5 minutes; 0 disables. */
  int64_t max_future_skew_ms;
  /* Idle-source timeout in ms: -1 = LAMINAR_SOURCE_IDLE_TIMEOUT_MS or off; 0 disables. */
  int64_t source_idle_timeout_ms;
  int64_t checkpoint_interval_ms; /* 0 = only on request */
} laminar_options;

/* Writes the defaults into `*options`. */
int32_t laminar_options_init(laminar_options* options);
/* Opens a database with `options` (see laminar_options); like laminar_open otherwise. Invalid
 * values (buffer_size outside 4..=1048576, unknown enum values) are LAMINAR_ERR_QUERY with
 * LDB-0001. */
int32_t laminar_open_with_options(const laminar_options* options, laminar_db** out);
/* Shuts the database down gracefully (cancelling subscriptions) and frees the handle, even when
 * the shutdown reports an error. Results and subscriptions stay valid and must still be freed. */
int32_t laminar_close(laminar_db* db);
/* Starts the pipeline (idempotent; also implicit). */
int32_t laminar_start(laminar_db* db);
/* *out = 1 once the database has been shut down, else 0. */
int32_t laminar_is_closed(laminar_db* db, int32_t* out);
/* Runs one or more ';'-separated statements and returns the last result. `out` may be NULL to
 * discard the result. Stops at the first error (earlier statements stay applied). */
int32_t laminar_execute(laminar_db* db, const char* sql, laminar_result** out);
/* Ad-hoc SELECT over MVs, tables and sources' retained rows. */
int32_t laminar_query(laminar_db* db, const char* sql, laminar_result** out);
/* Waits until everything pushed so far is processed and durable (per the WAL mode). */
int32_t laminar_sync(laminar_db* db);
/* Takes a checkpoint; `checkpoint_id` (may be NULL) receives its id. Fails for an in-memory
 * database. */
int32_t laminar_checkpoint(laminar_db* db, uint64_t* checkpoint_id);

/* --- results ---------------------------------------------------------------------------------- */

/* *out = LAMINAR_RESULT_DDL / _ROWS_AFFECTED / _QUERY / _METADATA. */
int32_t laminar_result_kind(const laminar_result* result, int32_t* out);
/* "CREATE SOURCE", "INSERT", "SELECT", ... Valid until laminar_result_free. */
int32_t laminar_result_statement_type(const laminar_result* result, const char** out);
/* Object a DDL statement created or dropped ("" otherwise). Valid until laminar_result_free. */
int32_t laminar_result_object_name(const laminar_result* result, const char** out);
int32_t laminar_result_rows_affected(const laminar_result* result, uint64_t* out);
int32_t laminar_result_num_batches(const laminar_result* result, int64_t* out);
int32_t laminar_result_num_rows(const laminar_result* result, int64_t* out);
/* Schema of a query/metadata result as a struct ("+s") ArrowSchema. */
int32_t laminar_result_schema(const laminar_result* result, struct ArrowSchema* out);
/* Exports batch `index` (0-based) as a struct array; `out_schema` may be NULL. Zero-copy: the
 * exported buffers stay valid after laminar_result_free until released. */
int32_t laminar_result_batch(const laminar_result* result, int64_t index,
                             struct ArrowArray* out_array, struct ArrowSchema* out_schema);
void laminar_result_free(laminar_result* result);

/* --- ingestion -------------------------------------------------------------------------------- */

/* Pushes one record batch into a source. `array` is a struct array (Arrow's batch convention)
 * with one child per source column, matched by position. `schema` describes it ("+s") or is
 * NULL to import `array` with the source's own schema. Both structs are consumed (released)
 * even on failure. Zero-copy for matching types. */
int32_t laminar_push_arrow(laminar_db* db, const char* source, struct ArrowArray* array,
                           struct ArrowSchema* schema);
/* Advances a source's watermark (µs since the epoch); lower values are ignored. */
int32_t laminar_advance_watermark(laminar_db* db, const char* source, int64_t timestamp_micros);
/* Input-queue state of a source: rows queued but not processed (always 0 for inline
 * ingestion), the queue's capacity in rows, and whether more than 80 % of it is in use. Any
 * out-parameter may be NULL. */
int32_t laminar_source_queue(laminar_db* db, const char* source, uint64_t* pending,
                             uint64_t* capacity, int32_t* is_backpressured);

/* --- subscriptions ---------------------------------------------------------------------------- */

/* Subscribes to a stream or materialized view (a bare source is LAMINAR_ERR_TABLE_NOT_FOUND). */
int32_t laminar_subscribe(laminar_db* db, const char* name, laminar_subscription** out);
/* Subscribes with a callback that receives every emitted batch (see laminar_batch_callback).
 * Poll/next on such a subscription always report no batch. The callback stops as soon as
 * laminar_subscription_cancel or laminar_subscription_free returns. */
int32_t laminar_subscribe_callback(laminar_db* db, const char* name,
                                   laminar_batch_callback callback, void* user_data,
                                   laminar_subscription** out);
/* Output schema of the subscribed stream ("+s"). */
int32_t laminar_subscription_schema(laminar_subscription* sub, struct ArrowSchema* out);
/* Non-blocking: one pending batch, if any. *has_batch = 1 and `out_array` (and `out_schema`,
 * which may be NULL) filled when there was one; *has_batch = 0 otherwise. */
int32_t laminar_subscription_poll(laminar_subscription* sub, struct ArrowArray* out_array,
                                  struct ArrowSchema* out_schema, int32_t* has_batch);
/* Like poll, but waits up to `timeout_ms` for a batch. A cancelled or shut-down subscription
 * with nothing pending is LAMINAR_ERR_SHUTDOWN. */
int32_t laminar_subscription_next(laminar_subscription* sub, int64_t timeout_ms,
                                  struct ArrowArray* out_array, struct ArrowSchema* out_schema,
                                  int32_t* has_batch);
/* Stops delivery; batches already pending can still be polled. */
int32_t laminar_subscription_cancel(laminar_subscription* sub);
void laminar_subscription_free(laminar_subscription* sub);

/* --- batches, schemas, streams, writers (the reference's handle-based API) ------------------ */

/* Frees a string the API allocated (laminar_list_sources, laminar_schema_field_*). NULL is
 * accepted. */
void laminar_string_free(char* s);

/* Names of the sources as a JSON array, e.g. ["orders", "trades"] ("[]" when none), in name
 * order (case-insensitive). Free with laminar_string_free. */
int32_t laminar_list_sources(laminar_db* db, char** out);
/* Schema of a source (a stream or view is LAMINAR_ERR_TABLE_NOT_FOUND; use
 * laminar_subscription_schema for those). */
int32_t laminar_get_schema(laminar_db* db, const char* source, laminar_schema** out);
int32_t laminar_schema_num_fields(const laminar_schema* schema, int64_t* out);
/* Name / SQL type (e.g. "BIGINT", "TIMESTAMP") of field `index`; an index out of range is
 * LAMINAR_ERR_QUERY. Free with laminar_string_free. */
int32_t laminar_schema_field_name(const laminar_schema* schema, int64_t index, char** out);
int32_t laminar_schema_field_type(const laminar_schema* schema, int64_t index, char** out);
/* The schema as a struct ("+s") ArrowSchema. */
int32_t laminar_schema_export(const laminar_schema* schema, struct ArrowSchema* out);
void laminar_schema_free(laminar_schema* schema);

/* Batch `index` of a query result as a handle (shares the result's buffers). */
int32_t laminar_result_get_batch(const laminar_result* result, int64_t index, laminar_batch** out);
int32_t laminar_batch_num_rows(const laminar_batch* batch, int64_t* out);
int32_t laminar_batch_num_columns(const laminar_batch* batch, int64_t* out);
int32_t laminar_batch_schema(const laminar_batch* batch, laminar_schema** out);
/* Exports the batch as a struct array; `out_schema` may be NULL. Zero-copy. */
int32_t laminar_batch_export(const laminar_batch* batch, struct ArrowArray* out_array,
                             struct ArrowSchema* out_schema);
/* Exports column `index` as a plain array with its field's schema. */
int32_t laminar_batch_export_column(const laminar_batch* batch, int64_t index,
                                    struct ArrowArray* out_array, struct ArrowSchema* out_schema);
/* Imports a struct array + its "+s" schema as a batch. Both structs are consumed (released), even
 * on failure. laminar_batch_create is the same call, named for batches built to be written. */
int32_t laminar_batch_import(struct ArrowArray* array, struct ArrowSchema* schema,
                             laminar_batch** out);
int32_t laminar_batch_create(struct ArrowArray* array, struct ArrowSchema* schema,
                             laminar_batch** out);
void laminar_batch_free(laminar_batch* batch);

/* Runs an ad-hoc query (as laminar_query) and hands its result out batch by batch. */
int32_t laminar_query_stream(laminar_db* db, const char* sql, laminar_stream** out);
int32_t laminar_stream_schema(const laminar_stream* stream, laminar_schema** out);
/* The next batch, or *out = NULL once every batch was handed out (or the stream was
 * cancelled). laminar_stream_try_next is the same: a query stream never waits. */
int32_t laminar_stream_next(laminar_stream* stream, laminar_batch** out);
int32_t laminar_stream_try_next(laminar_stream* stream, laminar_batch** out);
/* *out = 1 while batches remain and the stream is not cancelled, else 0. */
int32_t laminar_stream_is_active(const laminar_stream* stream, int32_t* out);
int32_t laminar_stream_cancel(laminar_stream* stream);
void laminar_stream_free(laminar_stream* stream);

/* A writer pushes batches into one source (laminar_push_arrow with a handle). Use it only while
 * its database is open; freeing it after laminar_close is allowed. */
int32_t laminar_writer_create(laminar_db* db, const char* source, laminar_writer** out);
/* Pushes `batch` (consumed: freed by this call, even on failure). Columns are matched by
 * position and cast to the source's types as for laminar_push_arrow. Writing after
 * laminar_writer_close is LAMINAR_ERR_INGESTION. */
int32_t laminar_writer_write(laminar_writer* writer, laminar_batch* batch);
/* Waits until everything written is processed and durable (laminar_sync). */
int32_t laminar_writer_flush(laminar_writer* writer);
/* Flushes, then refuses further writes. Idempotent; the handle must still be freed. */
int32_t laminar_writer_close(laminar_writer* writer);
void laminar_writer_free(laminar_writer* writer);

/* ============================================================================================
 * End of section: LaminarDB database C API
 * ========================================================================================== */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LAMINAR_LAMINAR_H_ */
