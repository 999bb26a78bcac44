#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace laminar::cli {

/// How rows are ordered before comparison (SQLLOGICTEST.md).
enum class SortMode {
  kNoSort,     // compare in emission/result order
  kRowSort,    // sort actual and expected rows as text
  kValueSort,  // DuckDB extension: sort all individual values (rarely useful; kept for imports)
};

/// One record of an `.slt` file. Which fields are meaningful depends on `kind`.
struct SltRecord {
  enum class Kind {
    kStatementOk,
    kStatementError,
    kQuery,
    kPoll,
    kAdvanceWatermark,
    kCheckpoint,
    kRestart,
    kCrash,
    kSkipOn,     // `mode skip`: following records are not run until `mode unskip`
    kSkipOff,    // `mode unskip`
    kHalt,       // stop running the rest of the file
    kRequire,    // `require <feature>`: skip the whole file when the feature is unknown
    kIgnored,    // `hash-threshold`, unknown `mode …`: accepted and ignored
    kMalformed,  // a record the parser could not understand; `error` says why
  };

  Kind kind = Kind::kMalformed;
  /// 1-based line of the record header (what failure messages point at).
  int line = 0;
  /// The header line as written, e.g. "query II rowsort".
  std::string header;
  /// statement / query SQL (lines joined with '\n').
  std::string sql;
  /// statement error: substring the error message must contain (empty = any error).
  std::string expected_error;
  /// query / poll: one letter per column (I, R or T).
  std::string types;
  SortMode sort_mode = SortMode::kNoSort;
  /// query / poll: expected rows, one string per line as written.
  std::vector<std::string> expected_rows;
  /// poll: stream or MV name; advance-watermark: source name; require: feature name.
  std::string name;
  /// advance-watermark: the timestamp text.
  std::string timestamp;
  /// kMalformed: what is wrong, and how to fix it.
  std::string error;
};

/// The name of a record kind as written in files ("statement ok", "poll", ...).
const char* RecordKindName(SltRecord::Kind kind);

/// Parses the text of an `.slt` file into records. Never fails: anything it cannot understand
/// becomes a kMalformed record carrying the line and the reason, so the runner reports it as a
/// failure and continues with the next record (records are separated by blank lines).
std::vector<SltRecord> ParseSlt(std::string_view text);

}  // namespace laminar::cli
