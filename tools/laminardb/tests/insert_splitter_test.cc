#include "insert_splitter.h"

#include <gtest/gtest.h>

namespace laminar::cli {
namespace {

TEST(InsertSplitterTest, ParsesTuplesRespectingQuotesAndParens) {
  auto p = ParseInsertValues(
      "insert into trades VALUES ('A, (x)', 10.0, '2024-01-01 00:00:05'),\n"
      "  ('it''s', ABS(-1), '2024-01-01 00:00:06') , ('[1, 2]', [1,2], NULL);");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->prefix, "insert into trades VALUES");
  ASSERT_EQ(p->tuples.size(), 3u);
  EXPECT_EQ(p->tuples[0], "('A, (x)', 10.0, '2024-01-01 00:00:05')");
  EXPECT_EQ(p->tuples[1], "('it''s', ABS(-1), '2024-01-01 00:00:06')");
  EXPECT_EQ(p->tuples[2], "('[1, 2]', [1,2], NULL)");
}

TEST(InsertSplitterTest, ColumnListAndQualifiedNames) {
  auto p = ParseInsertValues("INSERT INTO s.\"My Src\" (a, \"b c\") VALUES (1, 2), (3, 4)");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->prefix, "INSERT INTO s.\"My Src\" (a, \"b c\") VALUES");
  EXPECT_EQ(p->tuples.size(), 2u);
}

TEST(InsertSplitterTest, CommentsBetweenTuples) {
  auto p = ParseInsertValues("-- leading\nINSERT INTO t VALUES (1), -- first\n /* two */ (2)");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tuples.size(), 2u);
}

TEST(InsertSplitterTest, RejectsOtherStatements) {
  EXPECT_FALSE(ParseInsertValues("INSERT INTO t SELECT * FROM u").has_value());
  EXPECT_FALSE(ParseInsertValues("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)").has_value());
  EXPECT_FALSE(ParseInsertValues("INSERT INTO t VALUES (1) RETURNING *").has_value());
  EXPECT_FALSE(ParseInsertValues("INSERT INTO t VALUES (1, 'unterminated)").has_value());
  EXPECT_FALSE(ParseInsertValues("INSERT INTO t VALUES (1").has_value());
  EXPECT_FALSE(ParseInsertValues("CREATE SOURCE t (a BIGINT)").has_value());
  EXPECT_FALSE(ParseInsertValues("INSERTINTO t VALUES (1)").has_value());
  EXPECT_FALSE(ParseInsertValues("").has_value());
}

TEST(InsertSplitterTest, SplitsIntoBatches) {
  const std::string sql = "INSERT INTO t VALUES (1, 'a'), (2, 'b;c'), (3, 'c'),(4,'d'), (5, 'e');";
  auto one = SplitInsert(sql, 1);
  ASSERT_EQ(one.size(), 5u);
  EXPECT_EQ(one[0], "INSERT INTO t VALUES (1, 'a')");
  EXPECT_EQ(one[1], "INSERT INTO t VALUES (2, 'b;c')");
  EXPECT_EQ(one[4], "INSERT INTO t VALUES (5, 'e')");
  auto two = SplitInsert(sql, 2);
  ASSERT_EQ(two.size(), 3u);
  EXPECT_EQ(two[0], "INSERT INTO t VALUES (1, 'a'), (2, 'b;c')");
  EXPECT_EQ(two[2], "INSERT INTO t VALUES (5, 'e')");
}

TEST(InsertSplitterTest, LeavesSmallOrUnsplittableStatementsAlone) {
  EXPECT_EQ(SplitInsert("INSERT INTO t VALUES (1), (2)", 2),
            std::vector<std::string>{"INSERT INTO t VALUES (1), (2)"});
  EXPECT_EQ(SplitInsert("INSERT INTO t VALUES (1), (2)", 0),
            std::vector<std::string>{"INSERT INTO t VALUES (1), (2)"});
  EXPECT_EQ(SplitInsert("SELECT 1", 1), std::vector<std::string>{"SELECT 1"});
}

}  // namespace
}  // namespace laminar::cli
