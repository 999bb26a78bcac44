#pragma once

#include <string_view>

#include "columnar/record_batch.h"

namespace laminar::columnar {

/// Builds a batch from a compact literal — the test helper of the whole project:
///
///   BatchFromLiteral("symbol VARCHAR, price DOUBLE, ts TIMESTAMP",
///                    "'A', 10.5, 2024-01-01 00:00:05\n"
///                    "'B', NULL, 2024-01-01 00:00:06");
///
/// Rows are separated by newlines or ';', values by ','. Strings may be single-quoted (needed
/// when they contain ',' or ';'; '' escapes a quote); NULL is a null; lists are `[1, 2]`.
Result<RecordBatchPtr> BatchFromLiteral(std::string_view schema, std::string_view rows);
Result<RecordBatchPtr> BatchFromLiteral(const SchemaPtr& schema, std::string_view rows);

}  // namespace laminar::columnar
