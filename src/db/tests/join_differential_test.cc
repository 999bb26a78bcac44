// Differential tests: on bounded inputs, the final output of a streaming join equals the same
// join computed as an ad-hoc batch query by the engine itself (the batch path is the oracle).

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "columnar/pretty_print.h"
#include "common/time_util.h"
#include "laminar/laminar.hpp"

namespace laminar {
namespace {

std::vector<std::string> Rows(const std::vector<RecordBatchPtr>& batches) {
  std::vector<std::string> out;
  for (const auto& b : batches) {
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      std::string row;
      for (int c = 0; c < b->num_columns(); ++c) {
        row += columnar::FormatCellForTest(*b->column(c), r) + "|";
      }
      out.push_back(row);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Ts(int64_t seconds) {
  return "'" + FormatTimestamp(*ParseTimestamp("2024-01-01 00:00:00") + seconds * 1'000'000) + "'";
}

class JoinDifferentialTest : public ::testing::TestWithParam<int> {};

TEST_P(JoinDifferentialTest, IntervalAndLookupJoinsMatchBatchJoins) {
  const int seed = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(seed));
  auto db = Database::Open().ValueOrDie();
  // A generous watermark delay: nothing is late, so the streams see exactly the batch inputs.
  ASSERT_TRUE(db->Execute("CREATE SOURCE a (k BIGINT, x BIGINT, ts TIMESTAMP, "
                          "WATERMARK FOR ts AS ts - INTERVAL '1' HOUR)")
                  .ok());
  ASSERT_TRUE(db->Execute("CREATE SOURCE b (k BIGINT, y BIGINT, ts TIMESTAMP, "
                          "WATERMARK FOR ts AS ts - INTERVAL '1' HOUR)")
                  .ok());
  ASSERT_TRUE(db->Execute("CREATE TABLE dim (k BIGINT PRIMARY KEY, name VARCHAR)").ok());
  for (int k = 0; k < 8; k += 2) {
    ASSERT_TRUE(db->Execute("INSERT INTO dim VALUES (" + std::to_string(k) + ", 'n" +
                            std::to_string(k) + "')")
                    .ok());
  }
  const std::string on =
      "a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '2' SECOND AND a.ts + INTERVAL '3' SECOND";
  ASSERT_TRUE(
      db->Execute("CREATE STREAM inner_j AS SELECT a.k, a.x, b.y FROM a JOIN b ON " + on).ok());
  ASSERT_TRUE(
      db->Execute("CREATE STREAM left_j AS SELECT a.k, a.x, b.y FROM a LEFT JOIN b ON " + on).ok());
  ASSERT_TRUE(
      db->Execute("CREATE STREAM look AS SELECT a.x, dim.name FROM a LEFT JOIN dim ON a.k = dim.k")
          .ok());
  auto inner_sub = db->Subscribe("inner_j").ValueOrDie();
  auto left_sub = db->Subscribe("left_j").ValueOrDie();
  auto look_sub = db->Subscribe("look").ValueOrDie();

  // Interleave batches of both sides in rough time order with random batch sizes.
  int64_t t = 0;
  int id = 0;
  for (int round = 0; round < 40; ++round) {
    for (const char* side : {"a", "b"}) {
      int n = 1 + static_cast<int>(rng() % 5);
      std::string sql = std::string("INSERT INTO ") + side + " VALUES ";
      for (int i = 0; i < n; ++i) {
        int64_t ts = t + static_cast<int64_t>(rng() % 4);
        sql += (i ? ", (" : "(") + std::to_string(rng() % 8) + ", " + std::to_string(id++) + ", " +
               Ts(ts) + ")";
      }
      ASSERT_TRUE(db->Execute(sql).ok()) << sql;
    }
    t += 1 + static_cast<int64_t>(rng() % 2);
  }
  // Close everything: both watermarks far past the data.
  ASSERT_TRUE(db->Source("a").ValueOrDie()->AdvanceWatermark(*ParseTimestamp("2024-01-02")).ok());
  ASSERT_TRUE(db->Source("b").ValueOrDie()->AdvanceWatermark(*ParseTimestamp("2024-01-02")).ok());
  ASSERT_TRUE(db->Sync().ok());

  auto batch_inner = db->Execute("SELECT a.k, a.x, b.y FROM a JOIN b ON " + on).ValueOrDie();
  auto batch_left = db->Execute("SELECT a.k, a.x, b.y FROM a LEFT JOIN b ON " + on).ValueOrDie();
  auto batch_look =
      db->Execute("SELECT a.x, dim.name FROM a LEFT JOIN dim ON a.k = dim.k").ValueOrDie();
  auto streamed_inner = Rows(inner_sub->Poll());
  EXPECT_GT(streamed_inner.size(), 0u);
  EXPECT_EQ(streamed_inner, Rows(batch_inner.batches));
  EXPECT_EQ(Rows(left_sub->Poll()), Rows(batch_left.batches));
  EXPECT_EQ(Rows(look_sub->Poll()), Rows(batch_look.batches));
}

INSTANTIATE_TEST_SUITE_P(Seeds, JoinDifferentialTest, ::testing::Values(1, 2, 3, 4, 5));

}  // namespace
}  // namespace laminar
