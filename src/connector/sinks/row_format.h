#pragma once

#include <memory>
#include <string>

#include "columnar/record_batch.h"
#include "common/result.h"
#include "connector/options.h"

namespace laminar::connector {

/// Turns record batches into the bytes a text sink writes: one line per row.
///
/// - `json` (aliases `jsonl`, `ndjson`, `json-lines`): one JSON object per line, keys in column
///   order; integers and finite floats as JSON numbers (NaN/±Inf as strings), BOOLEAN as
///   true/false, NULL as null, everything else (strings, timestamps "YYYY-MM-DD HH:MM:SS[.ffffff]",
///   dates, decimals, intervals) as JSON strings.
/// - `csv`: RFC 4180 — fields containing the delimiter, a quote, CR or LF are quoted with quotes
///   doubled; NULL is an empty field. Header() returns the column names line.
/// Threading: not thread-safe (reuses scratch space).
class RowFormatter {
 public:
  /// Builds a formatter for `format`; options are read from `reader` (csv: `csv.delimiter`,
  /// single character, default ','; `csv.header`, default true). Unknown format names fail with
  /// LDB-5005 naming the supported ones.
  static Result<std::unique_ptr<RowFormatter>> Make(const std::string& format,
                                                    OptionReader& reader);

  /// The canonical format name ("json" or "csv").
  const std::string& name() const { return name_; }
  /// File extension-like suffix for part files ("jsonl" / "csv").
  const char* extension() const { return csv_ ? "csv" : "jsonl"; }
  /// True when a header line should start a new, empty file (csv with csv.header = true).
  bool wants_header() const { return csv_ && header_; }
  /// The header line (with '\n') for `schema`; empty for json.
  std::string Header(const columnar::Schema& schema) const;
  /// Appends every row of `batch` to `out`, each terminated by '\n'.
  void Append(const columnar::RecordBatch& batch, std::string* out) const;

 private:
  RowFormatter() = default;
  void AppendValue(const columnar::Array& column, int64_t row, std::string* out) const;
  void AppendCsvField(std::string_view text, std::string* out) const;

  std::string name_;
  bool csv_ = false;
  bool header_ = true;
  char delimiter_ = ',';
};

}  // namespace laminar::connector
