#include "slt_parser.h"

#include <gtest/gtest.h>

namespace laminar::cli {
namespace {

using Kind = SltRecord::Kind;

TEST(SltParserTest, ParsesTheSpecExample) {
  const char* text =
      "# a comment\n"
      "statement ok\n"
      "CREATE SOURCE trades (symbol VARCHAR, price DOUBLE, ts TIMESTAMP,\n"
      "  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)\n"
      "\n"
      "poll bars TTRR\n"
      "----\n"
      "\n"
      "poll bars TTRR rowsort\n"
      "----\n"
      "A\t2024-01-01 00:00:00\t10\t12.5\n"
      "\n"
      "statement error\n"
      "CREATE STREAM bad AS SELECT 1\n"
      "----\n"
      "must be positive\n"
      "\n"
      "query IT rowsort\n"
      "SELECT a,\n"
      "  b FROM t\n"
      "----\n"
      "1\tx\n"
      "2\ty\n"
      "\n"
      "advance-watermark trades 2024-01-01 00:01:00\n"
      "\n"
      "checkpoint\n"
      "\n"
      "restart\n"
      "\n"
      "crash\n";
  auto recs = ParseSlt(text);
  ASSERT_EQ(recs.size(), 9u);
  EXPECT_EQ(recs[0].kind, Kind::kStatementOk);
  EXPECT_EQ(recs[0].line, 2);
  EXPECT_EQ(recs[0].sql,
            "CREATE SOURCE trades (symbol VARCHAR, price DOUBLE, ts TIMESTAMP,\n"
            "  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)");
  EXPECT_EQ(recs[1].kind, Kind::kPoll);
  EXPECT_EQ(recs[1].name, "bars");
  EXPECT_EQ(recs[1].types, "TTRR");
  EXPECT_EQ(recs[1].sort_mode, SortMode::kNoSort);
  EXPECT_TRUE(recs[1].expected_rows.empty());
  EXPECT_EQ(recs[2].sort_mode, SortMode::kRowSort);
  ASSERT_EQ(recs[2].expected_rows.size(), 1u);
  EXPECT_EQ(recs[2].expected_rows[0], "A\t2024-01-01 00:00:00\t10\t12.5");
  EXPECT_EQ(recs[3].kind, Kind::kStatementError);
  EXPECT_EQ(recs[3].expected_error, "must be positive");
  EXPECT_EQ(recs[4].kind, Kind::kQuery);
  EXPECT_EQ(recs[4].sql, "SELECT a,\n  b FROM t");
  EXPECT_EQ(recs[4].expected_rows.size(), 2u);
  EXPECT_EQ(recs[5].kind, Kind::kAdvanceWatermark);
  EXPECT_EQ(recs[5].name, "trades");
  EXPECT_EQ(recs[5].timestamp, "2024-01-01 00:01:00");
  EXPECT_EQ(recs[6].kind, Kind::kCheckpoint);
  EXPECT_EQ(recs[7].kind, Kind::kRestart);
  EXPECT_EQ(recs[8].kind, Kind::kCrash);
  EXPECT_EQ(recs[8].line, 31);
}

TEST(SltParserTest, StatementErrorWithoutExpectedMessageAcceptsAnyError) {
  auto recs = ParseSlt("statement error\nDROP STREAM nope\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].kind, Kind::kStatementError);
  EXPECT_EQ(recs[0].expected_error, "");
}

TEST(SltParserTest, CommentLinesInsideSqlAreDropped) {
  auto recs = ParseSlt("statement ok\n# why\nSELECT 1\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].sql, "SELECT 1");
}

TEST(SltParserTest, CrLfLineEndings) {
  auto recs = ParseSlt("query I\r\nSELECT 1\r\n----\r\n1\r\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].sql, "SELECT 1");
  ASSERT_EQ(recs[0].expected_rows.size(), 1u);
  EXPECT_EQ(recs[0].expected_rows[0], "1");
}

TEST(SltParserTest, DuckDbRecordsAreAccepted) {
  auto recs = ParseSlt(
      "hash-threshold 8\n\nrequire parquet\n\nmode skip\n\nmode unskip\n\nmode output_result\n\n"
      "halt\n");
  ASSERT_EQ(recs.size(), 6u);
  EXPECT_EQ(recs[0].kind, Kind::kIgnored);
  EXPECT_EQ(recs[1].kind, Kind::kRequire);
  EXPECT_EQ(recs[1].name, "parquet");
  EXPECT_EQ(recs[2].kind, Kind::kSkipOn);
  EXPECT_EQ(recs[3].kind, Kind::kSkipOff);
  EXPECT_EQ(recs[4].kind, Kind::kIgnored);
  EXPECT_EQ(recs[5].kind, Kind::kHalt);
}

TEST(SltParserTest, MalformedRecordsCarryLineAndReason) {
  auto recs = ParseSlt(
      "statement maybe\nSELECT 1\n\n"
      "query X\nSELECT 1\n\n"
      "query I sideways\nSELECT 1\n\n"
      "poll s\n----\n\n"
      "poll s I\nSELECT 1\n----\n\n"
      "loop i 1 10\n\n"
      "statement ok\n\n"
      "statement ok\nSELECT 1\n----\n1\n\n"
      "checkpoint now\n\n"
      "restart\nSELECT 1\n\n"
      "advance-watermark trades\n");
  ASSERT_EQ(recs.size(), 11u);
  for (const auto& r : recs) {
    EXPECT_EQ(r.kind, Kind::kMalformed) << r.header;
    EXPECT_FALSE(r.error.empty()) << r.header;
  }
  EXPECT_EQ(recs[0].line, 1);
  EXPECT_EQ(recs[1].line, 4);
  EXPECT_NE(recs[1].error.find("I (integer)"), std::string::npos);
  EXPECT_NE(recs[2].error.find("sideways"), std::string::npos);
  EXPECT_NE(recs[5].error.find("unknown record type 'loop'"), std::string::npos);
}

TEST(SltParserTest, GarbageNeverThrows) {
  std::string garbage = "----\n\n\t\n  query\n----\n\x01\x02\n#\n\npoll\n\n";
  for (size_t i = 0; i < garbage.size(); ++i) {
    auto recs = ParseSlt(std::string_view(garbage).substr(i));
    for (const auto& r : recs) EXPECT_GT(r.line, 0);
  }
}

TEST(SltParserTest, QuotedWatermarkTimestamp) {
  auto recs = ParseSlt("advance-watermark  trades   '2024-01-01 00:00:05.5'\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].timestamp, "2024-01-01 00:00:05.5");
}

}  // namespace
}  // namespace laminar::cli
