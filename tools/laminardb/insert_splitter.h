#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace laminar::cli {

/// `INSERT INTO target [(columns)] VALUES (…), (…) [;]`, taken apart textually.
struct InsertValues {
  /// Everything up to and including the VALUES keyword, as written.
  std::string prefix;
  /// Each row tuple, parentheses included, as written.
  std::vector<std::string> tuples;
};

/// Recognizes a single INSERT … VALUES statement and splits its row tuples, respecting
/// single-quoted strings ('' escapes), double-quoted identifiers, nested parentheses/brackets and
/// SQL comments. Returns nullopt for anything else (INSERT … SELECT, several statements, trailing
/// clauses, unbalanced text): such statements are executed unchanged.
std::optional<InsertValues> ParseInsertValues(std::string_view sql);

/// Re-splits an INSERT … VALUES with more than `batch_size` rows into several INSERTs of at most
/// `batch_size` rows each (same prefix), so a test runs with different batch boundaries (the
/// `--batch-size` option of `laminardb test`). Any other statement, or `batch_size` <= 0, comes
/// back as a single unchanged element.
std::vector<std::string> SplitInsert(std::string_view sql, int64_t batch_size);

}  // namespace laminar::cli
