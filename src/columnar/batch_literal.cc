#include "columnar/batch_literal.h"

#include <fmt/format.h>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "common/string_util.h"

namespace laminar::columnar {
namespace {

// Splits `text` on `seps` outside quotes and brackets.
std::vector<std::string_view> SplitOutside(std::string_view text, std::string_view seps) {
  std::vector<std::string_view> out;
  bool quoted = false;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\'') quoted = !quoted;
    if (quoted) continue;
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (depth == 0 && seps.find(c) != std::string_view::npos) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(text.substr(start));
  return out;
}

}  // namespace

Result<RecordBatchPtr> BatchFromLiteral(const SchemaPtr& schema, std::string_view rows) {
  std::vector<std::unique_ptr<ArrayBuilder>> builders;
  for (const auto& f : schema->fields()) builders.push_back(MakeBuilder(f->type));
  int64_t n = 0;
  for (auto row : SplitOutside(rows, "\n;")) {
    if (Trim(row).empty()) continue;
    auto cells = SplitOutside(row, ",");
    if (static_cast<int>(cells.size()) != schema->num_fields()) {
      return Status::Invalid(fmt::format("row {} has {} values, expected {}: '{}'", n + 1,
                                         cells.size(), schema->num_fields(), Trim(row)));
    }
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string_view cell = Trim(cells[c]);
      const auto& type = schema->field(static_cast<int>(c))->type;
      Result<Scalar> value = Status::Internal("unset");
      if (cell.size() >= 2 && cell.front() == '\'' && cell.back() == '\'') {
        std::string unq;
        for (size_t i = 1; i + 1 < cell.size(); ++i) {
          unq.push_back(cell[i]);
          if (cell[i] == '\'' && cell[i + 1] == '\'') ++i;
        }
        value = Scalar::Parse(type, unq);
      } else if (type->is_binary_like() && EqualsIgnoreCase(cell, "NULL")) {
        value = Scalar::Null(type);
      } else {
        value = Scalar::Parse(type, cell);
      }
      if (!value.ok())
        return value.status().WithContext(fmt::format("row {} column {}", n + 1, c + 1));
      LAMINAR_RETURN_NOT_OK(builders[c]->AppendScalar(*value));
    }
    ++n;
  }
  std::vector<ArrayPtr> cols;
  for (auto& b : builders) cols.push_back(b->Finish());
  return RecordBatch::Make(schema, n, std::move(cols));
}

Result<RecordBatchPtr> BatchFromLiteral(std::string_view schema, std::string_view rows) {
  LAMINAR_ASSIGN_OR_RETURN(auto s, ParseSchema(schema));
  return BatchFromLiteral(s, rows);
}

}  // namespace laminar::columnar
