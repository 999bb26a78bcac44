#include "line_reader.h"

#include <editline/readline.h>

#include <cstdlib>
#include <istream>

namespace laminar::cli {
namespace {

class StreamLineReader final : public LineReader {
 public:
  explicit StreamLineReader(std::istream& in) : in_(in) {}
  std::optional<std::string> ReadLine(const std::string&) override {
    std::string line;
    if (!std::getline(in_, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }

 private:
  std::istream& in_;
};

class EditlineReader final : public LineReader {
 public:
  explicit EditlineReader(std::string history_path) : history_path_(std::move(history_path)) {
    using_history();
    stifle_history(2000);
    if (!history_path_.empty()) read_history(history_path_.c_str());
  }
  ~EditlineReader() override {
    if (!history_path_.empty()) write_history(history_path_.c_str());
  }
  std::optional<std::string> ReadLine(const std::string& prompt) override {
    char* raw = readline(prompt.c_str());
    if (raw == nullptr) return std::nullopt;
    std::string line(raw);
    std::free(raw);
    if (!line.empty() && line != last_) {
      add_history(line.c_str());
      last_ = line;
    }
    return line;
  }

 private:
  std::string history_path_;
  std::string last_;  // not added twice in a row
};

}  // namespace

std::unique_ptr<LineReader> MakeStreamLineReader(std::istream& in) {
  return std::make_unique<StreamLineReader>(in);
}

std::unique_ptr<LineReader> MakeEditlineReader(std::string history_path) {
  return std::make_unique<EditlineReader>(std::move(history_path));
}

std::string DefaultHistoryPath() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return "";
  return std::string(home) + "/.laminardb_history";
}

}  // namespace laminar::cli
