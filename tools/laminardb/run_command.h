#pragma once

#include <iosfwd>
#include <string>

#include "laminar/laminar.hpp"

namespace laminar::cli {

/// Options of `laminardb run FILE.sql`.
struct RunOptions {
  std::string file;
  /// Stop after this many seconds; 0 = run until stdin reaches end of file or Ctrl-C.
  double duration_seconds = 0;
  /// File descriptor watched for end of input when no duration is given (-1: not watched).
  int stdin_fd = 0;
};

/// Executes the script's statements in order, subscribes to every stream/MV they create and
/// prints the output batches as they arrive (table mode, each prefixed with the stream name),
/// until stdin closes, the duration elapses or Ctrl-C; then Sync()s, prints the last output and
/// shuts down. Returns the exit code (1 when a statement fails or the file cannot be read).
int RunScriptFile(Database& db, const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace laminar::cli
