#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "laminar/laminar.hpp"
#include "slt_parser.h"

namespace laminar::cli {

/// Opens a database. The binary passes `Database::Open`; unit tests pass a fake, so the runner,
/// shell and `run` command do not depend on the engine library.
using DatabaseOpener = std::function<Result<std::unique_ptr<Database>>(const Options&)>;

/// Options of `laminardb test`.
struct TestOptions {
  /// > 0: every `INSERT … VALUES` with more rows is re-split into INSERTs of at most this many
  /// rows, with a Sync() between them (exposes batch-boundary bugs). 0: statements run as written.
  int64_t batch_size = 0;
  /// Print one line per file with its record count and time.
  bool verbose = false;
};

/// Outcome of one `.slt` file.
struct FileResult {
  std::string path;
  int records_run = 0;
  int records_failed = 0;
  int records_skipped = 0;
  /// The whole file was skipped (`require` of an unsupported feature).
  bool skipped = false;
  std::string skip_reason;
  double seconds = 0;

  bool passed() const { return !skipped && records_failed == 0; }
};

/// Runs streaming SQL logic test files (SQLLOGICTEST.md) and reports failures.
///
/// Each file gets a fresh database opened with `Options{data_dir = new empty temp dir,
/// wal_mode = kSync}`; the directory is deleted afterwards. Records map to API calls as follows:
///   statement ok|error   Execute(sql) [split per --batch-size], subscribe new outputs, Sync()
///   query                Execute(sql), compare the result set
///   poll                 Sync(), drain the runner's subscription of the name with Poll()
///   advance-watermark    Source(name)->AdvanceWatermark(ParseTimestamp(ts)), Sync()
///   checkpoint           Checkpoint() must succeed
///   restart              Shutdown(), destroy, Open() on the same dir, re-subscribe all outputs
///   crash                destroy without Shutdown(), Open() on the same dir, re-subscribe
/// Every stream and MV is subscribed from the moment it appears in OutputNames().
///
/// Threading: single-threaded; one runner runs one file at a time.
class SltRunner {
 public:
  SltRunner(DatabaseOpener opener, TestOptions options, std::ostream& out);

  /// Runs the text of one file; `path` is used in messages.
  FileResult RunText(const std::string& path, std::string_view text);
  /// Reads and runs one file.
  FileResult RunFile(const std::string& path);
  /// Runs files and directories (searched recursively for `*.slt`, in sorted order), prints
  /// failures as they happen and, as the very last line, `N passed, N failed` (files).
  /// Returns the process exit code: 0 when every record of every file passed.
  int RunPaths(const std::vector<std::string>& paths);

  /// Features this runner supports for `require`: `original-batches` (only without
  /// --batch-size: for files whose expected output depends on how rows were batched).
  bool SupportsFeature(std::string_view feature) const;

 private:
  DatabaseOpener opener_;
  TestOptions options_;
  std::ostream& out_;
};

/// The `*.slt` files under the given files/directories, sorted; missing paths are returned in
/// `missing`.
std::vector<std::string> CollectTestFiles(const std::vector<std::string>& paths,
                                          std::vector<std::string>* missing);

}  // namespace laminar::cli
