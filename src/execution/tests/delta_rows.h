#pragma once

// Test helper shared by the aggregate operator tests: operator output as comparable text.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "columnar/scalar.h"
#include "execution/operator.h"

namespace laminar::execution::testing {

/// Appends every row of the (append-only) deltas as "v1|v2|...", in order; with `mark_batches`,
/// a "--" entry after each delta, so where batches end is compared too.
inline void CollectRows(const std::vector<Delta>& out, std::vector<std::string>* rows,
                        bool mark_batches = false) {
  for (const auto& d : out) {
    ASSERT_FALSE(d.has_weights());
    for (int64_t r = 0; r < d.num_rows(); ++r) {
      std::string line;
      for (int c = 0; c < d.batch->num_columns(); ++c) {
        if (c > 0) line += "|";
        line += columnar::GetScalar(*d.batch->column(c), r).ToString();
      }
      rows->push_back(line);
    }
    if (mark_batches) rows->push_back("--");
  }
}

}  // namespace laminar::execution::testing
