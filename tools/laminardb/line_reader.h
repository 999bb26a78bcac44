#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace laminar::cli {

/// Where the shell's input lines come from: libedit (interactive terminal, with history) or a
/// plain stream (pipes, files, tests).
class LineReader {
 public:
  virtual ~LineReader() = default;
  /// The next line without its newline, or nullopt at end of input.
  virtual std::optional<std::string> ReadLine(const std::string& prompt) = 0;
};

/// Reads lines from `in` without printing prompts. `in` must outlive the reader.
std::unique_ptr<LineReader> MakeStreamLineReader(std::istream& in);

/// Line editing and history through libedit's readline interface. History is loaded from
/// `history_path` (if non-empty) and saved back when the reader is destroyed.
std::unique_ptr<LineReader> MakeEditlineReader(std::string history_path);

/// `$HOME/.laminardb_history`, or empty when HOME is not set.
std::string DefaultHistoryPath();

}  // namespace laminar::cli
