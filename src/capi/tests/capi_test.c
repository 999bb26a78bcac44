/* End-to-end check of the C API from a plain C99 program: open, DDL, push an Arrow batch built
 * by hand, poll the stream's output, and the error paths. Exits non-zero on the first failure. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "laminar/laminar.h"

static int failures = 0;

#define CHECK(cond)                                                                            \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
              laminar_last_error());                                                           \
      ++failures;                                                                              \
    }                                                                                          \
  } while (0)

/* --- a hand-built batch: (symbol VARCHAR, price DOUBLE, qty BIGINT), 3 rows ------------------ */

static int root_released = 0;

static int32_t sym_offsets[4] = {0, 4, 8, 11};
static const char sym_data[] = "AAPLMSFTIBM";
static double prices[3] = {10.0, 20.0, 30.0};
static int64_t qtys[3] = {5, 50, 100};

static const void* sym_buffers[3];
static const void* price_buffers[2];
static const void* qty_buffers[2];
static const void* root_buffers[1];
static struct ArrowArray sym_array, price_array, qty_array;
static struct ArrowArray* root_children[3];

static void ReleaseChild(struct ArrowArray* a) { a->release = NULL; }

static void ReleaseRoot(struct ArrowArray* a) {
  int i;
  for (i = 0; i < a->n_children; ++i) {
    if (a->children[i]->release != NULL) a->children[i]->release(a->children[i]);
  }
  a->release = NULL;
  ++root_released;
}

static void InitChild(struct ArrowArray* a, int64_t n_buffers, const void** buffers) {
  memset(a, 0, sizeof(*a));
  a->length = 3;
  a->n_buffers = n_buffers;
  a->buffers = buffers;
  a->release = ReleaseChild;
}

static void MakeBatch(struct ArrowArray* root) {
  sym_buffers[0] = NULL;
  sym_buffers[1] = sym_offsets;
  sym_buffers[2] = sym_data;
  price_buffers[0] = NULL;
  price_buffers[1] = prices;
  qty_buffers[0] = NULL;
  qty_buffers[1] = qtys;
  root_buffers[0] = NULL;
  InitChild(&sym_array, 3, sym_buffers);
  InitChild(&price_array, 2, price_buffers);
  InitChild(&qty_array, 2, qty_buffers);
  root_children[0] = &sym_array;
  root_children[1] = &price_array;
  root_children[2] = &qty_array;
  memset(root, 0, sizeof(*root));
  root->length = 3;
  root->n_buffers = 1;
  root->buffers = root_buffers;
  root->n_children = 3;
  root->children = root_children;
  root->release = ReleaseRoot;
}

/* --- callback subscription -------------------------------------------------------------------- */

static int64_t callback_rows = 0;

static void OnBatch(void* user_data, struct ArrowArray* array, struct ArrowSchema* schema) {
  int64_t* rows = (int64_t*)user_data;
  *rows += array->length;
  (void)schema; /* not moved out: the library releases both after we return */
}

int main(void) {
  laminar_db* db = NULL;
  laminar_result* result = NULL;
  laminar_subscription* sub = NULL;
  laminar_subscription* cb_sub = NULL;
  struct ArrowArray batch;
  struct ArrowArray out;
  struct ArrowSchema out_schema;
  int32_t has_batch = 0;
  int32_t kind = -1;
  const char* text = NULL;
  uint64_t checkpoint_id = 0;

  CHECK(strlen(laminar_version()) > 0);
  CHECK(laminar_open(NULL, &db) == LAMINAR_OK);
  CHECK(db != NULL);
  if (db == NULL) return 1;

  CHECK(laminar_execute(db, "CREATE SOURCE trades (symbol VARCHAR, price DOUBLE, qty BIGINT)",
                        &result) == LAMINAR_OK);
  CHECK(laminar_result_kind(result, &kind) == LAMINAR_OK && kind == LAMINAR_RESULT_DDL);
  CHECK(laminar_result_statement_type(result, &text) == LAMINAR_OK &&
        strcmp(text, "CREATE SOURCE") == 0);
  CHECK(laminar_result_object_name(result, &text) == LAMINAR_OK && strcmp(text, "trades") == 0);
  laminar_result_free(result);
  result = NULL;

  CHECK(laminar_execute(db,
                        "CREATE STREAM big AS SELECT symbol, price * CAST(qty AS DOUBLE) AS "
                        "notional FROM trades WHERE qty > 10",
                        NULL) == LAMINAR_OK);
  CHECK(laminar_subscribe(db, "big", &sub) == LAMINAR_OK);
  CHECK(laminar_subscribe_callback(db, "big", OnBatch, &callback_rows, &cb_sub) == LAMINAR_OK);

  /* Nothing yet. */
  CHECK(laminar_subscription_poll(sub, &out, NULL, &has_batch) == LAMINAR_OK && has_batch == 0);

  MakeBatch(&batch);
  CHECK(laminar_push_arrow(db, "trades", &batch, NULL) == LAMINAR_OK);
  CHECK(batch.release == NULL); /* consumed (moved) by the import */

  CHECK(laminar_subscription_next(sub, 1000, &out, &out_schema, &has_batch) == LAMINAR_OK);
  CHECK(has_batch == 1);
  if (has_batch == 1) {
    const double* notional;
    CHECK(out.length == 2);
    CHECK(out.n_children == 2);
    CHECK(out_schema.n_children == 2);
    CHECK(strcmp(out_schema.format, "+s") == 0);
    CHECK(strcmp(out_schema.children[1]->name, "notional") == 0);
    CHECK(strcmp(out_schema.children[1]->format, "g") == 0);
    notional = (const double*)out.children[1]->buffers[1];
    CHECK(notional[out.children[1]->offset + 0] == 1000.0);
    CHECK(notional[out.children[1]->offset + 1] == 3000.0);
    out.release(&out);
    out_schema.release(&out_schema);
  }
  CHECK(laminar_subscription_poll(sub, &out, NULL, &has_batch) == LAMINAR_OK && has_batch == 0);
  CHECK(callback_rows == 2);

  /* INSERT reports rows affected. */
  CHECK(laminar_execute(db, "INSERT INTO trades VALUES ('X', 1.5, 20)", &result) == LAMINAR_OK);
  {
    uint64_t rows = 0;
    CHECK(laminar_result_kind(result, &kind) == LAMINAR_OK && kind == LAMINAR_RESULT_ROWS_AFFECTED);
    CHECK(laminar_result_rows_affected(result, &rows) == LAMINAR_OK && rows == 1);
  }
  laminar_result_free(result);
  result = NULL;
  CHECK(laminar_subscription_poll(sub, &out, NULL, &has_batch) == LAMINAR_OK && has_batch == 1);
  if (has_batch == 1) out.release(&out);

  /* Error paths. */
  CHECK(laminar_execute(NULL, "SELECT 1", NULL) == LAMINAR_ERR_NULL_POINTER);
  CHECK(laminar_last_error_code() == LAMINAR_ERR_NULL_POINTER);
  CHECK(laminar_execute(db, NULL, NULL) == LAMINAR_ERR_NULL_POINTER);
  CHECK(laminar_execute(db, "SELECT '\xff'", NULL) == LAMINAR_ERR_INVALID_UTF8);
  CHECK(laminar_execute(db, "SELEC nonsense", NULL) == LAMINAR_ERR_QUERY);
  CHECK(strstr(laminar_last_error(), "LDB-") != NULL);
  CHECK(laminar_execute(db, "CREATE SOURCE trades (a BIGINT)", NULL) == LAMINAR_ERR_TABLE_EXISTS);
  CHECK(laminar_last_error_ldb() == 5012);
  CHECK(laminar_subscribe(db, "nope", &sub) == LAMINAR_ERR_TABLE_NOT_FOUND);
  CHECK(laminar_subscribe(db, "trades", &sub) == LAMINAR_ERR_TABLE_NOT_FOUND);
  MakeBatch(&batch);
  CHECK(laminar_push_arrow(db, "missing", &batch, NULL) == LAMINAR_ERR_TABLE_NOT_FOUND);
  CHECK(batch.release == NULL); /* consumed even on failure */
  CHECK(laminar_last_error_ldb() == 5010);
  CHECK(laminar_checkpoint(db, &checkpoint_id) != LAMINAR_OK); /* in-memory */
  laminar_clear_error();
  CHECK(laminar_last_error_code() == LAMINAR_OK);
  CHECK(strcmp(laminar_last_error(), "") == 0);
  CHECK(laminar_sync(db) == LAMINAR_OK);

  laminar_subscription_free(cb_sub);
  CHECK(laminar_close(db) == LAMINAR_OK);
  /* After close the subscription reports shutdown once drained. */
  CHECK(laminar_subscription_next(sub, 10, &out, NULL, &has_batch) == LAMINAR_ERR_SHUTDOWN);
  laminar_subscription_free(sub);
  laminar_subscription_free(NULL);
  laminar_result_free(NULL);
  CHECK(root_released == 2); /* both pushed batches released exactly once */

  if (failures == 0) printf("capi_c_test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
