#include "function/unnest.h"

#include <fmt/format.h>

#include <algorithm>

#include "columnar/builder.h"

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

Result<UnnestListsResult> UnnestLists(std::span<const columnar::Array* const> lists,
                                      int64_t num_rows, bool keep_empty, bool with_ordinality) {
  for (const columnar::Array* list : lists) {
    if (list->type_id() != columnar::TypeId::kList && list->type_id() != columnar::TypeId::kNull) {
      return Status::TypeError(
          fmt::format("UNNEST needs an ARRAY argument, got {}", list->type()->ToString()));
    }
    if (list->length() < num_rows) return Status::Invalid("UNNEST list shorter than its batch");
  }
  // Rows per input row, and the output row count.
  auto length_of = [](const columnar::Array& list, int64_t row) -> int64_t {
    if (list.type_id() == columnar::TypeId::kNull || list.IsNull(row)) return 0;
    return list.ListLength(row);
  };
  UnnestListsResult out;
  bool padded = false;  // some list is shorter than another in its row (or keep_empty added one)
  for (int64_t i = 0; i < num_rows; ++i) {
    int64_t n = 0;
    for (const columnar::Array* list : lists) n = std::max(n, length_of(*list, i));
    for (const columnar::Array* list : lists) padded |= length_of(*list, i) != n;
    if (n == 0 && keep_empty) {
      out.parent_rows.push_back(static_cast<int32_t>(i));
      if (with_ordinality) out.ordinality.push_back(0);
      padded = true;
      continue;
    }
    for (int64_t j = 0; j < n; ++j) {
      out.parent_rows.push_back(static_cast<int32_t>(i));
      if (with_ordinality) out.ordinality.push_back(j + 1);
    }
  }
  const auto total = static_cast<int64_t>(out.parent_rows.size());
  for (const columnar::Array* list : lists) {
    if (list->type_id() == columnar::TypeId::kNull) {
      out.elements.push_back(columnar::MakeNullArray(list->type(), total));
      continue;
    }
    const columnar::Array& child = *list->child(0);
    if (!padded) {
      // Every output row reads an element: gather them by index.
      std::vector<int32_t> child_rows;
      child_rows.reserve(out.parent_rows.size());
      for (int64_t i = 0; i < num_rows; ++i) {
        if (list->IsNull(i)) continue;
        const int64_t start = list->ListStart(i), len = list->ListLength(i);
        for (int64_t j = 0; j < len; ++j) child_rows.push_back(static_cast<int32_t>(start + j));
      }
      out.elements.push_back(columnar::Take(child, child_rows));
      continue;
    }
    auto builder = columnar::MakeBuilder(list->type()->value_type());
    builder->Reserve(total);
    for (size_t r = 0; r < out.parent_rows.size();) {
      const int64_t i = out.parent_rows[r];
      size_t run = r;
      while (run < out.parent_rows.size() && out.parent_rows[run] == i) ++run;
      const auto rows = static_cast<int64_t>(run - r);  // output rows of input row i
      const int64_t len = length_of(*list, i);
      if (len > 0) builder->AppendArraySlice(child, list->ListStart(i), len);
      for (int64_t j = len; j < rows; ++j) builder->AppendNull();
      r = run;
    }
    out.elements.push_back(builder->Finish());
  }
  return out;
}

}  // namespace laminar::function
