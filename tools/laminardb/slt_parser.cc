#include "slt_parser.h"

#include <fmt/format.h>

#include "common/string_util.h"

namespace laminar::cli {
namespace {

bool IsBlank(std::string_view line) { return Trim(line).empty(); }

bool IsComment(std::string_view line) { return !line.empty() && line.front() == '#'; }

std::vector<std::string> SplitWhitespace(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

// The body of a record split at its `----` separator line.
struct Body {
  std::vector<std::string> before;  // SQL lines (comment lines removed)
  std::vector<std::string> after;   // expected lines, as written
  bool has_separator = false;
};

Body SplitBody(const std::vector<std::string>& lines) {
  Body body;
  for (const auto& line : lines) {
    if (!body.has_separator && Trim(line) == "----") {
      body.has_separator = true;
      continue;
    }
    if (body.has_separator) {
      body.after.push_back(line);
    } else if (!IsComment(line)) {
      body.before.push_back(line);
    }
  }
  return body;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

// Validates a type string such as "ITRR"; returns an error text or "".
std::string CheckTypes(std::string_view types) {
  if (types.empty()) return "missing column types (one letter per column: I, R or T)";
  for (char c : types) {
    if (c != 'I' && c != 'R' && c != 'T') {
      return fmt::format(
          "invalid column types '{}': use one upper-case letter per column, I (integer), "
          "R (floating point/decimal) or T (anything else)",
          types);
    }
  }
  return "";
}

// Parses an optional sort mode token; returns an error text or "".
std::string ParseSortMode(const std::vector<std::string>& tokens, size_t index, SortMode* mode) {
  *mode = SortMode::kNoSort;
  if (tokens.size() <= index) return "";
  const std::string& t = tokens[index];
  if (t == "nosort") return "";
  if (t == "rowsort") {
    *mode = SortMode::kRowSort;
    return "";
  }
  if (t == "valuesort") {
    *mode = SortMode::kValueSort;
    return "";
  }
  return fmt::format("unknown sort mode '{}' (expected nosort or rowsort)", t);
}

SltRecord Malformed(SltRecord record, std::string error) {
  record.kind = SltRecord::Kind::kMalformed;
  record.error = std::move(error);
  return record;
}

SltRecord ParseRecord(int line_no, const std::string& header,
                      const std::vector<std::string>& body_lines) {
  SltRecord r;
  r.line = line_no;
  r.header = std::string(Trim(header));
  const auto tokens = SplitWhitespace(header);
  const std::string& head = tokens[0];
  const Body body = SplitBody(body_lines);
  auto require_no_body = [&](SltRecord rec) {
    if (!body_lines.empty()) {
      return Malformed(std::move(rec), fmt::format("'{}' takes no body; separate records with a "
                                                   "blank line",
                                                   head));
    }
    return rec;
  };

  if (head == "statement") {
    if (tokens.size() != 2 || (tokens[1] != "ok" && tokens[1] != "error")) {
      return Malformed(r, "expected 'statement ok' or 'statement error'");
    }
    r.sql = JoinLines(body.before);
    if (Trim(r.sql).empty()) return Malformed(r, "statement without SQL");
    if (tokens[1] == "ok") {
      r.kind = SltRecord::Kind::kStatementOk;
      if (body.has_separator) {
        return Malformed(r,
                         "'statement ok' has no ---- section (to expect an error use "
                         "'statement error'; to check rows use 'query')");
      }
    } else {
      r.kind = SltRecord::Kind::kStatementError;
      r.expected_error = std::string(Trim(JoinLines(body.after)));
    }
    return r;
  }
  if (head == "query") {
    r.kind = SltRecord::Kind::kQuery;
    if (tokens.size() < 2) return Malformed(r, "expected 'query <types> [nosort|rowsort]'");
    r.types = tokens[1];
    if (auto e = CheckTypes(r.types); !e.empty()) return Malformed(r, e);
    if (auto e = ParseSortMode(tokens, 2, &r.sort_mode); !e.empty()) return Malformed(r, e);
    // A fourth token is DuckDB's result label; accepted and ignored.
    if (tokens.size() > 4) return Malformed(r, "too many words in the query header");
    r.sql = JoinLines(body.before);
    if (Trim(r.sql).empty()) return Malformed(r, "query without SQL");
    r.expected_rows = body.after;
    return r;
  }
  if (head == "poll") {
    r.kind = SltRecord::Kind::kPoll;
    if (tokens.size() < 3 || tokens.size() > 4) {
      return Malformed(r, "expected 'poll <stream-or-mv> <types> [nosort|rowsort]'");
    }
    r.name = tokens[1];
    r.types = tokens[2];
    if (auto e = CheckTypes(r.types); !e.empty()) return Malformed(r, e);
    if (auto e = ParseSortMode(tokens, 3, &r.sort_mode); !e.empty()) return Malformed(r, e);
    if (!body.before.empty()) {
      return Malformed(r, "poll takes no SQL: the line after the header must be ----");
    }
    r.expected_rows = body.after;
    return r;
  }
  if (head == "advance-watermark") {
    r.kind = SltRecord::Kind::kAdvanceWatermark;
    if (tokens.size() < 3) {
      return Malformed(r, "expected 'advance-watermark <source> <timestamp>'");
    }
    r.name = tokens[1];
    // The timestamp is the rest of the line (it contains a space).
    std::string_view rest = Trim(header);
    rest = Trim(rest.substr(rest.find(head) + head.size()));
    rest = Trim(rest.substr(rest.find(r.name) + r.name.size()));
    r.timestamp = std::string(rest);
    if (r.timestamp.size() >= 2 && r.timestamp.front() == '\'' && r.timestamp.back() == '\'') {
      r.timestamp = r.timestamp.substr(1, r.timestamp.size() - 2);
    }
    return require_no_body(std::move(r));
  }
  if (head == "checkpoint" || head == "restart" || head == "crash" || head == "halt") {
    r.kind = head == "checkpoint" ? SltRecord::Kind::kCheckpoint
             : head == "restart"  ? SltRecord::Kind::kRestart
             : head == "crash"    ? SltRecord::Kind::kCrash
                                  : SltRecord::Kind::kHalt;
    if (tokens.size() != 1) return Malformed(r, fmt::format("'{}' takes no arguments", head));
    return require_no_body(std::move(r));
  }
  if (head == "mode") {
    if (tokens.size() != 2) return Malformed(r, "expected 'mode skip' or 'mode unskip'");
    r.kind = tokens[1] == "skip"     ? SltRecord::Kind::kSkipOn
             : tokens[1] == "unskip" ? SltRecord::Kind::kSkipOff
                                     : SltRecord::Kind::kIgnored;
    return require_no_body(std::move(r));
  }
  if (head == "require") {
    r.kind = SltRecord::Kind::kRequire;
    if (tokens.size() != 2) return Malformed(r, "expected 'require <feature>'");
    r.name = tokens[1];
    return require_no_body(std::move(r));
  }
  if (head == "hash-threshold") {
    r.kind = SltRecord::Kind::kIgnored;
    return require_no_body(std::move(r));
  }
  return Malformed(r, fmt::format("unknown record type '{}' (expected statement ok|error, query, "
                                  "poll, advance-watermark, checkpoint, restart, crash, mode, "
                                  "halt, require, hash-threshold)",
                                  head));
}

}  // namespace

const char* RecordKindName(SltRecord::Kind kind) {
  switch (kind) {
    case SltRecord::Kind::kStatementOk:
      return "statement ok";
    case SltRecord::Kind::kStatementError:
      return "statement error";
    case SltRecord::Kind::kQuery:
      return "query";
    case SltRecord::Kind::kPoll:
      return "poll";
    case SltRecord::Kind::kAdvanceWatermark:
      return "advance-watermark";
    case SltRecord::Kind::kCheckpoint:
      return "checkpoint";
    case SltRecord::Kind::kRestart:
      return "restart";
    case SltRecord::Kind::kCrash:
      return "crash";
    case SltRecord::Kind::kSkipOn:
      return "mode skip";
    case SltRecord::Kind::kSkipOff:
      return "mode unskip";
    case SltRecord::Kind::kHalt:
      return "halt";
    case SltRecord::Kind::kRequire:
      return "require";
    case SltRecord::Kind::kIgnored:
      return "ignored";
    case SltRecord::Kind::kMalformed:
      return "malformed";
  }
  return "unknown";
}

std::vector<SltRecord> ParseSlt(std::string_view text) {
  std::vector<std::string> lines;
  for (auto& l : Split(text, '\n')) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(std::move(l));
  }
  if (!lines.empty() && lines.back().empty()) lines.pop_back();

  std::vector<SltRecord> records;
  size_t i = 0;
  while (i < lines.size()) {
    if (IsBlank(lines[i]) || IsComment(lines[i])) {
      ++i;
      continue;
    }
    const int header_line = static_cast<int>(i) + 1;
    const std::string header = lines[i++];
    std::vector<std::string> body;
    while (i < lines.size() && !IsBlank(lines[i])) body.push_back(lines[i++]);
    records.push_back(ParseRecord(header_line, header, body));
  }
  return records;
}

}  // namespace laminar::cli
