#pragma once

#include <memory>

#include "columnar/record_batch.h"
#include "columnar/record_batch_reader.h"
#include "laminar/laminar.h"

namespace laminar::columnar {

/// Zero-copy exchange of types, arrays, batches and batch streams with any Arrow implementation
/// through the Arrow C Data Interface and C Stream Interface (structs in laminar/laminar.h).
/// The type mapping and the ownership rules are documented in docs/columnar.md.
///
/// Export: `out` must point to caller-owned, uninitialised (or released) memory. On success it
/// holds a struct whose buffers point straight into our Buffers; the struct's `release` callback
/// (which the consumer must call exactly once, on the root only) drops our references. The data
/// stays valid after the caller drops its own ArrayPtr/RecordBatchPtr. On error `out` is left
/// released (`out->release == NULL`).
///
/// Import: the function takes ownership of the struct, even when it fails (as Arrow C++ does):
/// the input is marked released and the producer's `release` runs exactly once — immediately on
/// failure, otherwise when the last Buffer that wraps its memory goes away. The input is
/// untrusted: malformed formats, wrong buffer or child counts, and out-of-range offsets are
/// reported as errors (LDB-7002), never crashes. Buffer sizes are derived from length + offset
/// and the type, as the specification prescribes; memory beyond those sizes is never read.
///
/// Threading: the functions are thread-safe. The release callbacks of exported structs may run
/// on any thread.

/// Exports a type as an anonymous, nullable field.
Status ExportType(const DataType& type, ArrowSchema* out);
/// Exports a field: name, type and ARROW_FLAG_NULLABLE from Field::nullable.
Status ExportField(const Field& field, ArrowSchema* out);
/// Exports a schema as a struct type ("+s") with one child per field.
Status ExportSchema(const Schema& schema, ArrowSchema* out);
/// Exports an array (any offset; sliced arrays keep their offset).
Status ExportArray(const ArrayPtr& array, ArrowArray* out);
/// Exports a batch as a struct array without a validity bitmap, Arrow's batch convention.
Status ExportRecordBatch(const RecordBatch& batch, ArrowArray* out);

/// Imports a type. Accepts every format ExportType produces plus, for interoperability,
/// timestamps with a time zone (the zone is dropped: values are UTC epoch instants either way),
/// timestamps in s/ms/ns, time32 (s/ms) and time64 (ns) and date64 ("tdm"); arrays of those are
/// converted to our µs/day representation on import (a copy, see ImportArray(ArrowArray*,
/// ArrowSchema*)). Dictionary-encoded and other unsupported formats yield NotImplemented naming
/// the format.
Result<DataTypePtr> ImportType(ArrowSchema* schema);
/// Imports a field (name, type, nullability).
Result<FieldPtr> ImportField(ArrowSchema* schema);
/// Imports a struct-typed ("+s") schema as a Schema.
Result<SchemaPtr> ImportSchema(ArrowSchema* schema);

/// Imports an array whose layout is exactly `type`'s (format strings as ExportType produces them).
/// Zero-copy: the array's buffers wrap the foreign memory.
Result<ArrayPtr> ImportArray(ArrowArray* array, const DataTypePtr& type);
/// Imports an array described by a foreign schema (consumed too). Supports the unit conversions
/// listed at ImportType; converted columns are copied, everything else is zero-copy.
Result<ArrayPtr> ImportArray(ArrowArray* array, ArrowSchema* schema);
/// Imports a struct array as a batch of `schema` (one child per field, no top-level nulls).
Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, const SchemaPtr& schema);
/// Imports a batch described by a foreign "+s" schema (consumed too), with unit conversions.
Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, ArrowSchema* schema);

/// Exports a reader as an ArrowArrayStream. The stream owns the reader; its callbacks follow the
/// C Stream Interface: get_next marks `out` released at end of stream, errors return EIO (reader
/// error) or EINVAL (export error) with the message available from get_last_error.
/// Threading: the stream must be used by one thread at a time, like the reader.
Status ExportRecordBatchReader(std::shared_ptr<RecordBatchReader> reader, ArrowArrayStream* out);
/// Imports a stream (takes ownership, even on failure). Reads the schema eagerly; each Next()
/// pulls and imports one batch (with the unit conversions of ImportType). The stream is released
/// when the reader is destroyed; imported batches stay valid beyond that.
Result<std::shared_ptr<RecordBatchReader>> ImportRecordBatchReader(ArrowArrayStream* stream);

}  // namespace laminar::columnar
