#include "sql_splitter.h"

#include <cctype>

#include "common/string_util.h"

namespace laminar::cli {
namespace {

// Calls on_end(pos) for every ';' outside quotes and comments; returns whether any character
// outside comments is not whitespace in [0, limit) — computed for the whole text.
template <typename F>
void Scan(std::string_view text, F&& on_semicolon) {
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\'' || c == '"') {
      size_t end = text.find(c, i + 1);
      i = end == std::string_view::npos ? text.size() : end + 1;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      size_t end = text.find('\n', i);
      i = end == std::string_view::npos ? text.size() : end + 1;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
    } else {
      if (c == ';') on_semicolon(i);
      ++i;
    }
  }
}

// True when `text` has something besides whitespace and comments.
bool HasContent(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      size_t end = text.find('\n', i);
      i = end == std::string_view::npos ? text.size() : end + 1;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
    } else {
      return true;
    }
  }
  return false;
}

}  // namespace

void StatementBuffer::Append(std::string_view text) {
  if (!pending_.empty() && pending_.back() != '\n') pending_ += '\n';
  pending_ += text;
}

std::vector<std::string> StatementBuffer::TakeComplete() {
  std::vector<std::string> out;
  size_t start = 0;
  Scan(pending_, [&](size_t semicolon) {
    std::string_view stmt = std::string_view(pending_).substr(start, semicolon - start);
    if (HasContent(stmt)) out.emplace_back(Trim(stmt));
    start = semicolon + 1;
  });
  pending_.erase(0, start);
  if (!HasContent(pending_)) pending_.clear();
  return out;
}

bool StatementBuffer::IsEmpty() const { return !HasContent(pending_); }

std::string StatementBuffer::TakeRest() {
  std::string rest = HasContent(pending_) ? std::string(Trim(pending_)) : std::string();
  pending_.clear();
  return rest;
}

std::vector<std::string> SplitStatements(std::string_view script) {
  StatementBuffer buffer;
  buffer.Append(script);
  auto out = buffer.TakeComplete();
  std::string rest = buffer.TakeRest();
  if (!rest.empty()) out.push_back(std::move(rest));
  return out;
}

}  // namespace laminar::cli
