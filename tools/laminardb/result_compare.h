#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/record_batch.h"
#include "slt_parser.h"

namespace laminar::cli {

/// One result row as the test runner sees it: one text cell per column.
using TextRow = std::vector<std::string>;

/// Renders batches cell by cell with columnar::FormatCellForTest (NULL, (empty), true/false,
/// timestamps without trailing zero fractions) — the text `.slt` files are written in.
std::vector<TextRow> RenderRows(const std::vector<columnar::RecordBatchPtr>& batches);

/// Splits one expected line into cells. Columns are separated by one TAB. Leniency: when the
/// line contains no TAB and has `num_columns` > 1, it is split on runs of spaces instead (so
/// hand-aligned expectations work); a single-column line is always taken whole.
TextRow SplitExpectedRow(std::string_view line, size_t num_columns);

/// Whether an expected cell matches an actual cell under a column type letter:
/// `R` compares numerically, |a-b| <= 1e-9 * max(|a|,|b|) (or both within 1e-12 of zero), when
/// both sides parse as numbers (so 2, 2.0 and 2.000 match); otherwise — and for `I`/`T` — the
/// text must be identical.
bool CellsMatch(char type, std::string_view expected, std::string_view actual);

/// Compares a result against the expected lines of a query/poll record. Returns nullopt when
/// they match, else a human-readable explanation: column-count mismatch, malformed expected
/// line, or a side-by-side diff of expected vs actual rows followed by the actual rows in
/// paste-ready `.slt` form. `actual_num_columns` is the width of the result schema (-1 when
/// unknown, e.g. a poll that received nothing from a subscription without schema).
std::optional<std::string> CompareResult(std::string_view types, SortMode sort_mode,
                                         const std::vector<std::string>& expected_lines,
                                         std::vector<TextRow> actual, int actual_num_columns);

}  // namespace laminar::cli
