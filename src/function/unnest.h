#pragma once

#include <vector>

#include "columnar/record_batch.h"
#include "common/result.h"

namespace laminar::function {

/// The result of unnesting one LIST column.
struct UnnestResult {
  /// The input rows repeated once per list element, with the list column replaced by the
  /// element (same name, element type). Rows whose list is NULL or empty produce no output.
  columnar::RecordBatchPtr batch;
  /// For each output row, the index of the input row it came from.
  std::vector<int32_t> parent_rows;
};

/// UNNEST(list_column) for the executor's table-function operator (lateral and in projection).
/// `list_column` must be a LIST column of `input`; otherwise TypeError.
Result<UnnestResult> Unnest(const columnar::RecordBatch& input, int list_column);

}  // namespace laminar::function
