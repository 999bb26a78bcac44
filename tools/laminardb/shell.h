#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>

#include "columnar/pretty_print.h"
#include "laminar/laminar.hpp"
#include "line_reader.h"
#include "sql_splitter.h"

namespace laminar::cli {

/// Options of the interactive shell.
struct ShellOptions {
  columnar::PrintMode mode = columnar::PrintMode::kTable;
  bool timer = false;
  /// SUBSCRIBE stops after this long without output (zero = only on Ctrl-C). Tests use it.
  std::chrono::milliseconds subscribe_idle_timeout{0};
};

/// The `laminardb` shell, in the manner of sqlite3/duckdb: statements end with `;` and may span
/// lines; lines starting with `.` are dot commands (.help lists them); `SUBSCRIBE name` streams a
/// stream's or MV's output until Ctrl-C. Results print as aligned tables (or CSV/JSON lines).
/// Lifecycle: `db` must outlive the shell. Threading: single-threaded.
class Shell {
 public:
  Shell(Database& db, std::ostream& out, std::ostream& err, ShellOptions options = {});

  /// Reads and runs input until end of input or `.quit`. Interactive mode shows prompts and a
  /// banner and keeps going after errors; otherwise no prompts. Returns the exit code: 1 if any
  /// statement or command failed, else 0.
  int Run(LineReader& reader, bool interactive);

  /// Runs one line of input (a dot command or SQL text, buffered until `;`). Returns false if
  /// something in it failed.
  bool HandleLine(std::string_view line);
  /// Runs every statement of a script (`.read`, `laminardb run`). Returns false on the first
  /// failing statement.
  bool RunScript(std::string_view text);
  /// Runs one complete statement (without `;`) and prints its result.
  bool RunStatement(std::string_view sql);

  bool quit_requested() const { return quit_; }
  /// Statements still waiting for their `;`.
  const StatementBuffer& buffer() const { return buffer_; }

 private:
  bool DotCommand(std::string_view line);
  bool SubscribeLoop(const std::string& name);
  void PrintResult(const ExecuteResult& result);
  void PrintBatches(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches);
  bool PrintSchema(const std::string& name);

  Database& db_;
  std::ostream& out_;
  std::ostream& err_;
  ShellOptions options_;
  StatementBuffer buffer_;
  bool interactive_ = false;
  bool quit_ = false;
  int read_depth_ = 0;  // nesting of .read (guards against a file reading itself)
};

}  // namespace laminar::cli
