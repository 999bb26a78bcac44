#include "columnar/pretty_print.h"

#include <fmt/format.h>

#include "columnar/scalar.h"
#include "common/string_util.h"

namespace laminar::columnar {
namespace {

size_t DisplayWidth(std::string_view s) {
  size_t w = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++w;  // count UTF-8 code points
  }
  return w;
}

std::string CsvEscape(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool RightAlign(const DataType& t) { return t.is_numeric(); }

}  // namespace

std::string FormatCellForTest(const Array& array, int64_t row) {
  if (array.IsNull(row)) return "NULL";
  std::string s = GetScalar(array, row).ToString();
  if (s.empty() && array.type()->is_binary_like()) return "(empty)";
  return s;
}

std::string FormatBatches(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                          const PrintOptions& options) {
  const int ncols = schema->num_fields();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<bool>> nulls;
  int64_t total = 0;
  for (const auto& b : batches) total += b->num_rows();
  int64_t limit = options.max_rows > 0 ? std::min(options.max_rows, total) : total;
  for (const auto& b : batches) {
    for (int64_t r = 0; r < b->num_rows() && static_cast<int64_t>(rows.size()) < limit; ++r) {
      std::vector<std::string> row;
      std::vector<bool> nrow;
      for (int c = 0; c < ncols; ++c) {
        const auto& col = *b->column(c);
        nrow.push_back(col.IsNull(r));
        row.push_back(col.IsNull(r) ? "NULL" : GetScalar(col, r).ToString());
      }
      rows.push_back(std::move(row));
      nulls.push_back(std::move(nrow));
    }
  }
  std::string out;
  switch (options.mode) {
    case PrintMode::kCsv:
    case PrintMode::kTabs: {
      const char* sep = options.mode == PrintMode::kCsv ? "," : "\t";
      auto esc = [&](const std::string& s) {
        return options.mode == PrintMode::kCsv ? CsvEscape(s) : s;
      };
      if (options.show_header) {
        for (int c = 0; c < ncols; ++c) out += (c ? sep : "") + esc(schema->field(c)->name);
        out += "\n";
      }
      for (size_t r = 0; r < rows.size(); ++r) {
        for (int c = 0; c < ncols; ++c) {
          out += c ? sep : "";
          out += nulls[r][static_cast<size_t>(c)] && options.mode == PrintMode::kCsv
                     ? ""
                     : esc(rows[r][static_cast<size_t>(c)]);
        }
        out += "\n";
      }
      return out;
    }
    case PrintMode::kJson: {
      for (size_t r = 0; r < rows.size(); ++r) {
        out += "{";
        for (int c = 0; c < ncols; ++c) {
          const auto& f = *schema->field(c);
          if (c) out += ",";
          out += "\"" + JsonEscape(f.name) + "\":";
          const std::string& v = rows[r][static_cast<size_t>(c)];
          if (nulls[r][static_cast<size_t>(c)]) {
            out += "null";
          } else if (f.type->is_numeric() || f.type->id() == TypeId::kBoolean) {
            out += v;
          } else {
            out += "\"" + JsonEscape(v) + "\"";
          }
        }
        out += "}\n";
      }
      return out;
    }
    case PrintMode::kTable:
      break;
  }
  std::vector<size_t> width(static_cast<size_t>(ncols));
  for (int c = 0; c < ncols; ++c) {
    width[static_cast<size_t>(c)] = std::max(DisplayWidth(schema->field(c)->name),
                                             DisplayWidth(schema->field(c)->type->ToString()));
  }
  for (const auto& row : rows) {
    for (int c = 0; c < ncols; ++c) {
      width[static_cast<size_t>(c)] =
          std::max(width[static_cast<size_t>(c)], DisplayWidth(row[static_cast<size_t>(c)]));
    }
  }
  auto line = [&](const char* l, const char* m, const char* r) {
    std::string s = l;
    for (int c = 0; c < ncols; ++c) {
      if (c) s += m;
      for (size_t k = 0; k < width[static_cast<size_t>(c)] + 2; ++k) s += "─";
    }
    return s + r + "\n";
  };
  auto cell = [&](const std::string& v, size_t w, bool right) {
    size_t pad = w - DisplayWidth(v);
    return right ? " " + std::string(pad, ' ') + v + " " : " " + v + std::string(pad, ' ') + " ";
  };
  out += line("┌", "┬", "┐");
  if (options.show_header) {
    out += "│";
    for (int c = 0; c < ncols; ++c) {
      out += cell(schema->field(c)->name, width[static_cast<size_t>(c)], false) + "│";
    }
    out += "\n│";
    for (int c = 0; c < ncols; ++c) {
      out += cell(schema->field(c)->type->ToString(), width[static_cast<size_t>(c)], false) + "│";
    }
    out += "\n" + line("├", "┼", "┤");
  }
  for (const auto& row : rows) {
    out += "│";
    for (int c = 0; c < ncols; ++c) {
      out += cell(row[static_cast<size_t>(c)], width[static_cast<size_t>(c)],
                  RightAlign(*schema->field(c)->type)) +
             "│";
    }
    out += "\n";
  }
  out += line("└", "┴", "┘");
  if (total > limit) out += fmt::format("… {} more rows\n", total - limit);
  out += fmt::format("{} row{}\n", total, total == 1 ? "" : "s");
  return out;
}

std::string FormatBatch(const RecordBatch& batch, const PrintOptions& options) {
  auto ptr = std::make_shared<const RecordBatch>(batch);
  return FormatBatches(batch.schema(), {ptr}, options);
}

}  // namespace laminar::columnar
