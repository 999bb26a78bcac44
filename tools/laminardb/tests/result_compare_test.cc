#include "result_compare.h"

#include <gtest/gtest.h>

#include "columnar/batch_literal.h"

namespace laminar::cli {
namespace {

TEST(ResultCompareTest, RealToleranceAndSpellings) {
  EXPECT_TRUE(CellsMatch('R', "2", "2"));
  EXPECT_TRUE(CellsMatch('R', "2.0", "2"));
  EXPECT_TRUE(CellsMatch('R', "2.000", "2"));
  EXPECT_TRUE(CellsMatch('R', "0.3", "0.30000000000000004"));
  EXPECT_TRUE(CellsMatch('R', "1e20", "100000000000000000000"));
  EXPECT_TRUE(CellsMatch('R', "0", "1e-17"));
  EXPECT_FALSE(CellsMatch('R', "2.0001", "2"));
  EXPECT_FALSE(CellsMatch('R', "1000000", "1000001"));
  EXPECT_TRUE(CellsMatch('R', "NULL", "NULL"));
  EXPECT_FALSE(CellsMatch('R', "NULL", "0"));
  EXPECT_TRUE(CellsMatch('R', "NaN", "NaN"));
  EXPECT_TRUE(CellsMatch('R', "inf", "inf"));
  EXPECT_FALSE(CellsMatch('R', "inf", "-inf"));
  // I and T are exact text.
  EXPECT_FALSE(CellsMatch('I', "2.0", "2"));
  EXPECT_FALSE(CellsMatch('T', "2.0", "2"));
  EXPECT_TRUE(CellsMatch('T', "(empty)", "(empty)"));
}

TEST(ResultCompareTest, SplitExpectedRow) {
  EXPECT_EQ(SplitExpectedRow("a\tb c\t3", 3), (TextRow{"a", "b c", "3"}));
  EXPECT_EQ(SplitExpectedRow("a\t\t3", 3), (TextRow{"a", "", "3"}));
  // Lenient: no TAB at all, columns separated by runs of spaces.
  EXPECT_EQ(SplitExpectedRow("A   10   12.5", 3), (TextRow{"A", "10", "12.5"}));
  // One column: the whole line, spaces included.
  EXPECT_EQ(SplitExpectedRow("2024-01-01 00:00:00", 1), (TextRow{"2024-01-01 00:00:00"}));
}

std::vector<TextRow> Rows(std::string_view schema, std::string_view literal) {
  auto batch = columnar::BatchFromLiteral(schema, literal);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  return RenderRows({*batch});
}

TEST(ResultCompareTest, RenderRowsUsesTestCellFormat) {
  auto rows = Rows("s VARCHAR, d DOUBLE, t TIMESTAMP, b BOOLEAN",
                   "'', 2.5, 2024-01-01 00:00:01.5, true\n"
                   "NULL, NULL, 2024-01-01 00:00:00, false");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (TextRow{"(empty)", "2.5", "2024-01-01 00:00:01.5", "true"}));
  EXPECT_EQ(rows[1], (TextRow{"NULL", "NULL", "2024-01-01 00:00:00", "false"}));
}

TEST(ResultCompareTest, MatchingResult) {
  auto actual = Rows("a BIGINT, b DOUBLE", "1, 2.5\n2, 3");
  EXPECT_EQ(CompareResult("IR", SortMode::kNoSort, {"1\t2.50", "2\t3.0"}, actual, 2), std::nullopt);
}

TEST(ResultCompareTest, NoSortIsOrderSensitive) {
  auto actual = Rows("a BIGINT", "2\n1");
  auto diff = CompareResult("I", SortMode::kNoSort, {"1", "2"}, actual, 1);
  ASSERT_TRUE(diff.has_value());
  EXPECT_NE(diff->find("wrong result"), std::string::npos);
  EXPECT_NE(diff->find("expected (2 rows)"), std::string::npos);
  EXPECT_NE(diff->find("! 1"), std::string::npos) << *diff;
}

TEST(ResultCompareTest, RowSortSortsBothSides) {
  auto actual = Rows("s VARCHAR, a BIGINT, r DOUBLE", "b, 2, 10\na, 1, 9.5\nc, 3, 100");
  EXPECT_EQ(CompareResult("TIR", SortMode::kRowSort, {"c\t3\t100.0", "a\t1\t9.50", "b\t2\t10"},
                          actual, 3),
            std::nullopt);
}

TEST(ResultCompareTest, RowCountMismatchShowsSideBySideAndPasteBlock) {
  auto actual = Rows("s VARCHAR, a BIGINT", "A, 1");
  auto diff = CompareResult("TI", SortMode::kNoSort, {"A\t1", "B\t2"}, actual, 2);
  ASSERT_TRUE(diff.has_value());
  EXPECT_NE(diff->find("expected 2, got 1"), std::string::npos) << *diff;
  EXPECT_NE(diff->find("- B  2"), std::string::npos) << *diff;
  EXPECT_NE(diff->find("----\nA\t1\n"), std::string::npos) << *diff;
}

TEST(ResultCompareTest, ColumnCountMismatch) {
  auto actual = Rows("a BIGINT, b BIGINT", "1, 2");
  auto diff = CompareResult("I", SortMode::kNoSort, {"1"}, actual, 2);
  ASSERT_TRUE(diff.has_value());
  EXPECT_NE(diff->find("the types 'I' say 1 but the result has 2"), std::string::npos) << *diff;
}

TEST(ResultCompareTest, ExpectedLineWithWrongCellCount) {
  auto actual = Rows("a BIGINT, b BIGINT", "1, 2");
  auto diff = CompareResult("II", SortMode::kNoSort, {"1\t2\t3"}, actual, 2);
  ASSERT_TRUE(diff.has_value());
  EXPECT_NE(diff->find("expected row 1"), std::string::npos) << *diff;
}

TEST(ResultCompareTest, EmptyExpectationAndEmptyResult) {
  EXPECT_EQ(CompareResult("TTRR", SortMode::kNoSort, {}, {}, 4), std::nullopt);
  EXPECT_EQ(CompareResult("TTRR", SortMode::kNoSort, {}, {}, -1), std::nullopt);
  auto diff = CompareResult("I", SortMode::kNoSort, {}, Rows("a BIGINT", "7"), 1);
  ASSERT_TRUE(diff.has_value());
  EXPECT_NE(diff->find("+ "), std::string::npos) << *diff;
}

TEST(ResultCompareTest, NullAndEmptyString) {
  auto actual = Rows("s VARCHAR, t VARCHAR", "NULL, ''");
  EXPECT_EQ(CompareResult("TT", SortMode::kNoSort, {"NULL\t(empty)"}, actual, 2), std::nullopt);
  EXPECT_TRUE(CompareResult("TT", SortMode::kNoSort, {"(empty)\tNULL"}, actual, 2).has_value());
}

TEST(ResultCompareTest, ValueSort) {
  auto actual = Rows("a BIGINT, b BIGINT", "3, 1\n2, 4");
  EXPECT_EQ(CompareResult("II", SortMode::kValueSort, {"1\t2", "3\t4"}, actual, 2), std::nullopt);
}

}  // namespace
}  // namespace laminar::cli
