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
 * To be added (laminar_open, laminar_execute, laminar_push, laminar_subscribe, ...). It will
 * exchange data through the Arrow structs declared above.
 * ========================================================================================== */

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* LAMINAR_LAMINAR_H_ */
