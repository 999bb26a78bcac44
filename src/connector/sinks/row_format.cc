#include "connector/sinks/row_format.h"

#include <fmt/format.h>

#include <cmath>

#include "columnar/scalar.h"
#include "common/string_util.h"
#include "common/time_util.h"

namespace laminar::connector {

using columnar::TypeId;

Result<std::unique_ptr<RowFormatter>> RowFormatter::Make(const std::string& format,
                                                         OptionReader& reader) {
  std::unique_ptr<RowFormatter> f(new RowFormatter());
  std::string name = ToLower(format);
  if (name.empty() || name == "json" || name == "jsonl" || name == "ndjson" ||
      name == "json-lines" || name == "jsonlines") {
    f->name_ = "json";
  } else if (name == "csv") {
    f->name_ = "csv";
    f->csv_ = true;
    auto delim = reader.GetString("csv.delimiter");
    if (delim) {
      if (delim->size() != 1 || (*delim)[0] == '"' || (*delim)[0] == '\n' || (*delim)[0] == '\r') {
        return reader.Error("csv.delimiter",
                            fmt::format("must be one character other than a quote or a line "
                                        "break, got '{}'",
                                        *delim));
      }
      f->delimiter_ = (*delim)[0];
    }
    LAMINAR_ASSIGN_OR_RETURN(f->header_, reader.GetBool("csv.header", true));
  } else {
    return Status::Invalid(fmt::format("connector '{}': format '{}' is not supported by this sink "
                                       "(supported: json, csv)",
                                       reader.connector(), format),
                           ErrorCode::kConnectorConfig);
  }
  return f;
}

std::string RowFormatter::Header(const columnar::Schema& schema) const {
  if (!csv_) return {};
  std::string out;
  for (int c = 0; c < schema.num_fields(); ++c) {
    if (c > 0) out += delimiter_;
    AppendCsvField(schema.field(c)->name, &out);
  }
  out += '\n';
  return out;
}

void RowFormatter::AppendCsvField(std::string_view text, std::string* out) const {
  bool quote = text.find_first_of(std::string{delimiter_, '"', '\n', '\r'}) != std::string::npos;
  if (!quote) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char ch : text) {
    if (ch == '"') out->push_back('"');
    out->push_back(ch);
  }
  out->push_back('"');
}

void RowFormatter::AppendValue(const columnar::Array& column, int64_t row, std::string* out) const {
  const TypeId id = column.type()->id();
  if (column.IsNull(row)) {
    if (!csv_) out->append("null");
    return;
  }
  // Numbers and booleans are bare in both formats; the rest is text (quoted in JSON).
  switch (id) {
    case TypeId::kBoolean:
      out->append(column.GetBool(row) ? "true" : "false");
      return;
    case TypeId::kInt8:
      fmt::format_to(std::back_inserter(*out), "{}", column.values<int8_t>()[row]);
      return;
    case TypeId::kInt16:
      fmt::format_to(std::back_inserter(*out), "{}", column.values<int16_t>()[row]);
      return;
    case TypeId::kInt32:
      fmt::format_to(std::back_inserter(*out), "{}", column.values<int32_t>()[row]);
      return;
    case TypeId::kInt64:
      fmt::format_to(std::back_inserter(*out), "{}", column.values<int64_t>()[row]);
      return;
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      double v =
          id == TypeId::kFloat32 ? column.values<float>()[row] : column.values<double>()[row];
      if (std::isfinite(v)) {
        fmt::format_to(std::back_inserter(*out), "{}", v);
      } else {
        std::string s = std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
        if (csv_) {
          out->append(s);
        } else {
          out->push_back('"');
          out->append(s);
          out->push_back('"');
        }
      }
      return;
    }
    default:
      break;
  }
  std::string text;
  std::string_view view;
  if (id == TypeId::kString || id == TypeId::kBinary) {
    view = column.GetView(row);
  } else if (id == TypeId::kTimestamp) {
    text = FormatTimestamp(column.values<int64_t>()[row]);
    view = text;
  } else {
    text = columnar::GetScalar(column, row).ToString();
    view = text;
  }
  if (csv_) {
    AppendCsvField(view, out);
  } else {
    out->push_back('"');
    out->append(JsonEscape(view));
    out->push_back('"');
  }
}

void RowFormatter::Append(const columnar::RecordBatch& batch, std::string* out) const {
  const auto& schema = *batch.schema();
  std::vector<std::string> keys;
  if (!csv_) {
    for (int c = 0; c < schema.num_fields(); ++c) {
      keys.push_back("\"" + JsonEscape(schema.field(c)->name) + "\":");
    }
  }
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    if (!csv_) out->push_back('{');
    for (int c = 0; c < batch.num_columns(); ++c) {
      if (c > 0) out->push_back(csv_ ? delimiter_ : ',');
      if (!csv_) out->append(keys[static_cast<size_t>(c)]);
      AppendValue(*batch.column(c), r, out);
    }
    if (!csv_) out->push_back('}');
    out->push_back('\n');
  }
}

}  // namespace laminar::connector
