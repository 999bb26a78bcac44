#include "function/unnest.h"

#include <fmt/format.h>

namespace laminar::function {

Result<UnnestResult> Unnest(const columnar::RecordBatch& input, int list_column) {
  if (list_column < 0 || list_column >= input.num_columns()) {
    return Status::Invalid(fmt::format("UNNEST column {} out of range", list_column));
  }
  const columnar::Array& list = *input.column(list_column);
  if (list.type_id() != columnar::TypeId::kList) {
    return Status::TypeError(
        fmt::format("UNNEST needs an ARRAY argument, got {}", list.type()->ToString()));
  }
  UnnestResult out;
  std::vector<int32_t> child_rows;
  for (int64_t i = 0; i < input.num_rows(); ++i) {
    if (list.IsNull(i)) continue;
    const int64_t start = list.ListStart(i), len = list.ListLength(i);
    for (int64_t j = 0; j < len; ++j) {
      out.parent_rows.push_back(static_cast<int32_t>(i));
      child_rows.push_back(static_cast<int32_t>(start + j));
    }
  }
  std::vector<columnar::ArrayPtr> cols;
  std::vector<columnar::FieldPtr> fields;
  for (int c = 0; c < input.num_columns(); ++c) {
    const auto& f = input.schema()->field(c);
    if (c == list_column) {
      cols.push_back(columnar::Take(*list.child(0), child_rows));
      fields.push_back(std::make_shared<columnar::Field>(f->name, list.type()->value_type(), true));
    } else {
      cols.push_back(columnar::Take(*input.column(c), out.parent_rows));
      fields.push_back(f);
    }
  }
  out.batch = std::make_shared<const columnar::RecordBatch>(
      std::make_shared<columnar::Schema>(std::move(fields)),
      static_cast<int64_t>(out.parent_rows.size()), std::move(cols));
  return out;
}

}  // namespace laminar::function
