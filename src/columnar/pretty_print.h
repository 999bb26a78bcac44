#pragma once

#include <string>
#include <vector>

#include "columnar/record_batch.h"

namespace laminar::columnar {

/// Output styles shared by the shell (`.mode`), `laminardb run` and tests.
enum class PrintMode { kTable, kCsv, kJson, kTabs };

struct PrintOptions {
  PrintMode mode = PrintMode::kTable;
  /// Rows beyond this are elided in table mode ("… N more rows"); 0 = no limit.
  int64_t max_rows = 0;
  bool show_header = true;
};

/// Renders batches (all of one schema) as an aligned box table, CSV, JSON lines or TSV.
/// Numbers are right-aligned in tables; NULL shows as NULL.
std::string FormatBatches(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                          const PrintOptions& options = {});
std::string FormatBatch(const RecordBatch& batch, const PrintOptions& options = {});

/// Cell text exactly as the SQL logic test runner compares it (see SQLLOGICTEST.md):
/// NULL, (empty), true/false, timestamps without trailing zero fractions.
std::string FormatCellForTest(const Array& array, int64_t row);

}  // namespace laminar::columnar
