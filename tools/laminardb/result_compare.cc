#include "result_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "columnar/pretty_print.h"
#include "columnar/scalar.h"

namespace laminar::cli {
namespace {

std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string_view t = text;
  if (t.front() == '+') t.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

// The text rows are sorted by: numeric cells of R columns re-rendered in canonical form, so that
// "2.0" (expected) and "2" (actual) sort to the same place.
std::string SortKey(std::string_view types, const TextRow& row) {
  std::string key;
  for (size_t c = 0; c < row.size(); ++c) {
    if (c) key += '\t';
    if (c < types.size() && types[c] == 'R') {
      if (auto v = ParseNumber(row[c])) {
        key += columnar::FormatDouble(*v);
        continue;
      }
    }
    key += row[c];
  }
  return key;
}

void SortRows(std::string_view types, std::vector<TextRow>* rows) {
  std::vector<std::pair<std::string, TextRow>> keyed;
  keyed.reserve(rows->size());
  for (auto& r : *rows) keyed.emplace_back(SortKey(types, r), std::move(r));
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  rows->clear();
  for (auto& [k, r] : keyed) rows->push_back(std::move(r));
}

// DuckDB's valuesort: every value sorted individually, compared as a one-column list.
std::vector<TextRow> ValueSorted(const std::vector<TextRow>& rows) {
  std::vector<std::string> values;
  for (const auto& r : rows) values.insert(values.end(), r.begin(), r.end());
  std::sort(values.begin(), values.end(), [](const std::string& a, const std::string& b) {
    return SortKey("R", {a}) < SortKey("R", {b});
  });
  std::vector<TextRow> out;
  for (auto& v : values) out.push_back({std::move(v)});
  return out;
}

bool RowsMatch(std::string_view types, const TextRow& expected, const TextRow& actual) {
  if (expected.size() != actual.size()) return false;
  for (size_t c = 0; c < expected.size(); ++c) {
    char t = c < types.size() ? types[c] : 'T';
    if (!CellsMatch(t, expected[c], actual[c])) return false;
  }
  return true;
}

std::string RowsNoun(size_t n) { return fmt::format("{} row{}", n, n == 1 ? "" : "s"); }

// Expected and actual rows next to each other, columns aligned across both sides.
// Markers: ' ' equal, '!' different, '-' only expected, '+' only actual.
std::string SideBySide(std::string_view types, const std::vector<TextRow>& expected,
                       const std::vector<TextRow>& actual) {
  std::vector<size_t> widths;
  auto measure = [&](const std::vector<TextRow>& rows) {
    for (const auto& r : rows) {
      if (widths.size() < r.size()) widths.resize(r.size(), 0);
      for (size_t c = 0; c < r.size(); ++c) widths[c] = std::max(widths[c], r[c].size());
    }
  };
  measure(expected);
  measure(actual);
  auto render = [&](const TextRow& r) {
    std::string s;
    for (size_t c = 0; c < r.size(); ++c) {
      if (c) s += "  ";
      s += r[c];
      if (c + 1 < r.size()) s.append(widths[c] - r[c].size(), ' ');
    }
    return s;
  };
  std::vector<std::string> left, right;
  for (const auto& r : expected) left.push_back(render(r));
  for (const auto& r : actual) right.push_back(render(r));
  std::string left_title = "expected (" + RowsNoun(expected.size()) + ")";
  size_t left_width = left_title.size();
  for (const auto& l : left) left_width = std::max(left_width, l.size());

  std::string out =
      fmt::format("    {:<{}} | actual ({})\n", left_title, left_width, RowsNoun(actual.size()));
  const size_t n = std::max(left.size(), right.size());
  for (size_t i = 0; i < n; ++i) {
    char marker = ' ';
    if (i >= left.size()) {
      marker = '+';
    } else if (i >= right.size()) {
      marker = '-';
    } else if (!RowsMatch(types, expected[i], actual[i])) {
      marker = '!';
    }
    out += fmt::format("  {} {:<{}} | {}\n", marker, i < left.size() ? left[i] : "", left_width,
                       i < right.size() ? right[i] : "");
  }
  return out;
}

std::string PasteBlock(const std::vector<TextRow>& actual) {
  std::string out = "actual result, as .slt lines:\n----\n";
  for (const auto& r : actual) {
    for (size_t c = 0; c < r.size(); ++c) {
      if (c) out += '\t';
      out += r[c];
    }
    out += '\n';
  }
  return out;
}

}  // namespace

std::vector<TextRow> RenderRows(const std::vector<columnar::RecordBatchPtr>& batches) {
  std::vector<TextRow> rows;
  for (const auto& b : batches) {
    if (!b) continue;
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      TextRow row;
      row.reserve(static_cast<size_t>(b->num_columns()));
      for (int c = 0; c < b->num_columns(); ++c) {
        row.push_back(columnar::FormatCellForTest(*b->column(c), r));
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

TextRow SplitExpectedRow(std::string_view line, size_t num_columns) {
  TextRow cells;
  if (line.find('\t') != std::string_view::npos || num_columns <= 1) {
    size_t start = 0;
    while (true) {
      size_t tab = line.find('\t', start);
      if (tab == std::string_view::npos || num_columns <= 1) {
        cells.emplace_back(line.substr(start));
        break;
      }
      cells.emplace_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    return cells;
  }
  // Lenient fallback: runs of spaces separate columns.
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) cells.emplace_back(line.substr(start, i - start));
  }
  return cells;
}

bool CellsMatch(char type, std::string_view expected, std::string_view actual) {
  if (expected == actual) return true;
  if (type != 'R') return false;
  auto e = ParseNumber(expected);
  auto a = ParseNumber(actual);
  if (!e || !a) return false;
  if (std::isnan(*e) || std::isnan(*a)) return std::isnan(*e) && std::isnan(*a);
  if (std::isinf(*e) || std::isinf(*a)) return *e == *a;
  const double diff = std::fabs(*e - *a);
  if (diff <= 1e-9 * std::max(std::fabs(*e), std::fabs(*a))) return true;
  return std::fabs(*e) < 1e-12 && std::fabs(*a) < 1e-12;
}

std::optional<std::string> CompareResult(std::string_view types, SortMode sort_mode,
                                         const std::vector<std::string>& expected_lines,
                                         std::vector<TextRow> actual, int actual_num_columns) {
  const size_t ncols = types.size();
  if (actual_num_columns >= 0 && static_cast<size_t>(actual_num_columns) != ncols) {
    std::string msg =
        fmt::format("wrong number of columns: the types '{}' say {} but the result has {}\n", types,
                    ncols, actual_num_columns);
    if (!actual.empty()) msg += PasteBlock(actual);
    return msg;
  }
  std::vector<TextRow> expected;
  for (size_t i = 0; i < expected_lines.size(); ++i) {
    TextRow row = SplitExpectedRow(expected_lines[i], ncols);
    if (row.size() != ncols) {
      return fmt::format(
          "expected row {} ('{}') has {} value{}, but the types '{}' say {} columns (separate "
          "columns with one TAB)\n",
          i + 1, expected_lines[i], row.size(), row.size() == 1 ? "" : "s", types, ncols);
    }
    expected.push_back(std::move(row));
  }
  for (const auto& r : actual) {
    if (r.size() != ncols) {
      return fmt::format("result row has {} values, expected {}\n", r.size(), ncols);
    }
  }
  std::string effective_types(types);
  if (sort_mode == SortMode::kRowSort) {
    SortRows(types, &expected);
    SortRows(types, &actual);
  } else if (sort_mode == SortMode::kValueSort) {
    expected = ValueSorted(expected);
    actual = ValueSorted(actual);
    effective_types = "R";  // numbers compare numerically, the rest exactly
  }
  auto match_types = [&](size_t) -> std::string_view {
    return sort_mode == SortMode::kValueSort ? std::string_view(effective_types) : types;
  };
  bool equal = expected.size() == actual.size();
  for (size_t i = 0; equal && i < expected.size(); ++i) {
    equal = RowsMatch(match_types(i), expected[i], actual[i]);
  }
  if (equal) return std::nullopt;
  std::string msg = expected.size() == actual.size()
                        ? std::string("wrong result")
                        : fmt::format("wrong number of rows: expected {}, got {}", expected.size(),
                                      actual.size());
  msg += sort_mode == SortMode::kRowSort ? " (rows sorted: rowsort)\n" : "\n";
  msg += SideBySide(match_types(0), expected, actual);
  msg += PasteBlock(actual);
  return msg;
}

}  // namespace laminar::cli
