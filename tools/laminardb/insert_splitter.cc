#include "insert_splitter.h"

#include <cctype>

#include "common/string_util.h"

namespace laminar::cli {
namespace {

// A tiny cursor over SQL text that knows about whitespace and comments.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  size_t pos() const { return pos_; }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }

  void SkipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '-' && Peek(1) == '-') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '/' && Peek(1) == '*') {
        size_t end = text_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? text_.size() : end + 2;
      } else {
        break;
      }
    }
  }

  /// Consumes a keyword (case-insensitive, whole word).
  bool Keyword(std::string_view kw) {
    SkipSpace();
    if (pos_ + kw.size() > text_.size()) return false;
    if (!EqualsIgnoreCase(text_.substr(pos_, kw.size()), kw)) return false;
    if (pos_ + kw.size() < text_.size() && IsWordChar(text_[pos_ + kw.size()])) return false;
    pos_ += kw.size();
    return true;
  }

  bool Char(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  /// Consumes a possibly dotted, possibly double-quoted identifier.
  bool Identifier() {
    SkipSpace();
    bool any = false;
    while (true) {
      if (pos_ < text_.size() && text_[pos_] == '"') {
        size_t end = text_.find('"', pos_ + 1);
        if (end == std::string_view::npos) return false;
        pos_ = end + 1;
      } else {
        size_t start = pos_;
        while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
        if (pos_ == start) return false;
      }
      any = true;
      if (pos_ < text_.size() && text_[pos_] == '.') {
        ++pos_;
        continue;
      }
      return any;
    }
  }

  /// At '(' : consumes a balanced group and returns it (parentheses included); nullopt when
  /// unbalanced.
  std::optional<std::string_view> Group() {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != '(') return std::nullopt;
    const size_t start = pos_;
    int depth = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\'' || c == '"') {
        size_t end = text_.find(c, pos_ + 1);  // '' inside strings reads as close + reopen
        if (end == std::string_view::npos) return std::nullopt;
        pos_ = end + 1;
        continue;
      }
      if (c == '-' && Peek(1) == '-') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        continue;
      }
      if (c == '(' || c == '[') ++depth;
      if (c == ')' || c == ']') --depth;
      ++pos_;
      if (depth == 0) return text_.substr(start, pos_ - start);
      if (depth < 0) return std::nullopt;
    }
    return std::nullopt;
  }

 private:
  static bool IsWordChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  }
  char Peek(size_t ahead) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<InsertValues> ParseInsertValues(std::string_view sql) {
  Cursor cur(sql);
  if (!cur.Keyword("INSERT") || !cur.Keyword("INTO") || !cur.Identifier()) return std::nullopt;
  cur.SkipSpace();
  if (!cur.Keyword("VALUES")) {
    if (!cur.Group()) return std::nullopt;  // column list
    if (!cur.Keyword("VALUES")) return std::nullopt;
  }
  InsertValues out;
  out.prefix = std::string(Trim(sql.substr(0, cur.pos())));
  while (true) {
    auto tuple = cur.Group();
    if (!tuple) return std::nullopt;
    out.tuples.emplace_back(*tuple);
    if (cur.Char(',')) continue;
    if (cur.Char(';')) return cur.AtEnd() ? std::optional(std::move(out)) : std::nullopt;
    if (cur.AtEnd()) return out;
    return std::nullopt;
  }
}

std::vector<std::string> SplitInsert(std::string_view sql, int64_t batch_size) {
  if (batch_size <= 0) return {std::string(sql)};
  auto parsed = ParseInsertValues(sql);
  if (!parsed || static_cast<int64_t>(parsed->tuples.size()) <= batch_size) {
    return {std::string(sql)};
  }
  std::vector<std::string> out;
  const size_t step = static_cast<size_t>(batch_size);
  for (size_t i = 0; i < parsed->tuples.size(); i += step) {
    std::string stmt = parsed->prefix;
    for (size_t j = i; j < std::min(i + step, parsed->tuples.size()); ++j) {
      stmt += j == i ? " " : ", ";
      stmt += parsed->tuples[j];
    }
    out.push_back(std::move(stmt));
  }
  return out;
}

}  // namespace laminar::cli
