#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace laminar::cli {

/// Collects SQL typed line by line (shell) or read from a script (`run`, `.read`) and cuts it
/// into statements at `;` outside single-quoted strings, double-quoted identifiers, `--` and
/// `/* */` comments. Statements that contain nothing but whitespace and comments are dropped.
class StatementBuffer {
 public:
  /// Adds text (a line is added with its trailing newline by the caller or not; both work).
  void Append(std::string_view text);
  /// The complete statements (`;`-terminated) buffered so far, trimmed and without the `;`;
  /// they are removed from the buffer.
  std::vector<std::string> TakeComplete();
  /// True when nothing but whitespace and comments is pending (the shell shows the main prompt
  /// again, not the continuation prompt).
  bool IsEmpty() const;
  /// The unterminated rest (trimmed; empty if only comments), clearing the buffer.
  std::string TakeRest();

 private:
  std::string pending_;
};

/// All statements of a script; the final statement may omit its `;`.
std::vector<std::string> SplitStatements(std::string_view script);

}  // namespace laminar::cli
