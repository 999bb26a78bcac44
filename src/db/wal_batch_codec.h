#pragma once

#include <string>
#include <string_view>

#include "columnar/record_batch.h"
#include "common/result.h"

namespace laminar::db {

/// Binary, column-wise encoding of a pushed batch for the engine's input log (WAL record type
/// kLogBatchBinary; layout in docs/wal.md, "Engine records"). Replaces the first format that
/// wrote every cell as text, which cost more than processing the batch.
///
/// Layout (little-endian, no padding):
///   u8  version (= kWalBatchVersion)
///   u64 num_rows
///   u32 num_columns
///   per column, recursively (a column of `n` rows):
///     u8 type id (columnar::TypeId; must equal the schema's)
///     u8 has_validity; if 1: ceil(n/8) bytes of validity bits (LSB first, bit i = row i)
///     NULL: nothing more
///     BOOLEAN: ceil(n/8) bytes of value bits
///     fixed width (ints, floats, DECIMAL, DATE, TIME, TIMESTAMP, INTERVAL): n * width bytes
///     STRING / BINARY: (n + 1) int32 offsets starting at 0, then u64 data length, then data
///     LIST: (n + 1) int32 offsets starting at 0, then the child column with offsets[n] rows
///     STRUCT: each field's column with n rows
/// Slices are normalised on encode (offset 0, offsets rebased), so a record never depends on
/// memory outside the rows it describes.
constexpr uint8_t kWalBatchVersion = 1;

/// Appends the encoding of `batch`'s columns to *out.
void EncodeWalBatch(const columnar::RecordBatch& batch, std::string* out);

/// Decodes one batch encoded by EncodeWalBatch against `schema` (the source's schema), consuming
/// the bytes it reads from *in. Every length, offset and type id is checked against the schema
/// and the remaining input, so corrupt or hostile bytes give Status::Corruption (LDB wal
/// corruption code), never a crash or an out-of-bounds read.
Result<columnar::RecordBatchPtr> DecodeWalBatch(std::string_view* in,
                                                const columnar::SchemaPtr& schema);

}  // namespace laminar::db
