#pragma once

#include <span>
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

/// UNNEST(list_column) of one column of a batch (see UnnestLists for several lists at once).
/// `list_column` must be a LIST column of `input`; otherwise TypeError.
Result<UnnestResult> Unnest(const columnar::RecordBatch& input, int list_column);

/// The rows that UNNEST of one or more lists, side by side, produces from a batch.
struct UnnestListsResult {
  /// One array per input list: the elements of the output rows. A list shorter than the
  /// longest list of its row is padded with NULLs.
  std::vector<columnar::ArrayPtr> elements;
  /// For each output row, the index of the input row it came from (ascending).
  std::vector<int32_t> parent_rows;
  /// For each output row, its 1-based position within its input row's expansion (WITH
  /// ORDINALITY); 0 for the all-NULL row `keep_empty` adds. Filled only when requested.
  std::vector<int64_t> ordinality;
};

/// UNNEST of `lists` (each a LIST array, or a NULL-typed array, of `num_rows` values), zipped
/// as PostgreSQL and DataFusion do for several set-returning calls in one row: input row i
/// yields max over k of len(lists[k][i]) rows, a NULL list counting as empty. A row whose
/// lists are all NULL or empty yields nothing, or, with `keep_empty` (LEFT JOIN UNNEST(...)
/// ON TRUE), one row of NULL elements. The operator above repeats the input columns by
/// `parent_rows`. Errors: TypeError when some array is not a LIST.
Result<UnnestListsResult> UnnestLists(std::span<const columnar::Array* const> lists,
                                      int64_t num_rows, bool keep_empty, bool with_ordinality);

}  // namespace laminar::function
