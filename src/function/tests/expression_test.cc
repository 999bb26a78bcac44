#include <gtest/gtest.h>

#include "function/tests/test_util.h"

namespace laminar::function {
namespace {

using namespace test_util;  // NOLINT

TEST(Expression, ToStringAndColumns) {
  auto a = ColumnRef(0, columnar::int64(), "a");
  auto b = ColumnRef(3, columnar::int64(), "b");
  auto e = MakeAnd({C("gt", {a, I(1)}), MakeIsNull(b, true), MakeInList(a, {I(1), I(2)}, true)});
  EXPECT_EQ(e->ToString(), "((a > 1) AND (b IS NOT NULL) AND (a NOT IN (1, 2)))");
  std::vector<int> cols;
  CollectColumnRefs(*e, &cols);
  EXPECT_EQ(cols, (std::vector<int>{0, 3}));
  auto remapped = RemapColumns(e, {1, 0, 0, 0});
  cols.clear();
  CollectColumnRefs(*remapped, &cols);
  EXPECT_EQ(cols, (std::vector<int>{1, 0}));
  EXPECT_EQ(Cast(S("it's"), columnar::int64(), true)->ToString(), "TRY_CAST('it''s' AS BIGINT)");
  EXPECT_EQ(MakeCase({B(true), I(1), I(2)}, true, columnar::int64())->ToString(),
            "CASE WHEN true THEN 1 ELSE 2 END");
}

}  // namespace
}  // namespace laminar::function
