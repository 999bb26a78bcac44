// Batch-boundary invariance: every operator must give the same answer however the input is cut
// into batches. Each case pushes the same rows as one batch, as two batches split at every
// position, and one row at a time, then compares what each query produced:
//  - append-only outputs (filters, ON WINDOW CLOSE windows, joins): the multiset of rows;
//  - EMIT CHANGES outputs: the consolidated changelog (sum of __weight per row, zeros dropped);
//  - updating MVs: their final contents.
// The watermark delay exceeds the disorder of the data, so no row is late under any split
// (lateness legitimately depends on batch boundaries; that is tested in test/sql/late/).

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "columnar/pretty_print.h"
#include "common/time_util.h"
#include "laminar/laminar.hpp"

namespace laminar {
namespace {

struct Case {
  const char* name;
  std::vector<std::string> ddl;  // sources first, then the queries
  std::string output;            // stream or MV to observe
  enum class Kind { kAppend, kChangelog, kMvContents } kind;
};

std::string Ts(int64_t seconds) {
  return "'" + FormatTimestamp(*ParseTimestamp("2024-01-01 00:00:00") + seconds * 1'000'000) + "'";
}

/// Rows of source `s` (k, v, ts): 48 rows over ~60 s, keys 0..3, bounded disorder of 3 s.
std::vector<std::string> Rows() {
  std::vector<std::string> rows;
  uint32_t x = 12345;
  for (int i = 0; i < 48; ++i) {
    x = x * 1103515245u + 12345u;
    const int64_t disorder = static_cast<int64_t>((x >> 16) % 4);
    const int64_t t = i + (i % 7 == 0 ? 9 : 0) - disorder;  // gaps for sessions, disorder
    rows.push_back("(" + std::to_string((x >> 8) % 4) + ", " + std::to_string((x >> 4) % 100) +
                   ", " + Ts(t < 0 ? 0 : t) + ")");
  }
  return rows;
}

std::string CellRow(const RecordBatch& b, int64_t r, int ncols) {
  std::string row;
  for (int c = 0; c < ncols; ++c) row += columnar::FormatCellForTest(*b.column(c), r) + "|";
  return row;
}

/// Runs `c` with the rows cut at `cuts` (ascending positions) and returns a canonical result.
std::map<std::string, int64_t> RunCase(const Case& c, const std::vector<std::string>& rows,
                                       const std::vector<size_t>& cuts) {
  auto db = Database::Open().ValueOrDie();
  for (const auto& sql : c.ddl) {
    auto r = db->Execute(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }
  auto sub = db->Subscribe(c.output).ValueOrDie();
  size_t begin = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(rows.size());
  for (size_t end : ends) {
    if (end <= begin) continue;
    std::string sql = "INSERT INTO s VALUES ";
    for (size_t i = begin; i < end; ++i) sql += (i > begin ? ", " : "") + rows[i];
    auto r = db->Execute(sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    begin = end;
  }
  // Close every window and flush every join.
  EXPECT_TRUE(db->Source("s").ValueOrDie()->AdvanceWatermark(*ParseTimestamp("2030-01-01")).ok());
  EXPECT_TRUE(db->Sync().ok());
  std::map<std::string, int64_t> out;
  if (c.kind == Case::Kind::kMvContents) {
    auto res = db->Execute("SELECT * FROM " + c.output).ValueOrDie();
    for (const auto& b : res.batches) {
      for (int64_t r = 0; r < b->num_rows(); ++r) ++out[CellRow(*b, r, b->num_columns())];
    }
    return out;
  }
  for (const auto& b : sub->Poll()) {
    const bool weighted = c.kind == Case::Kind::kChangelog;
    const int ncols = b->num_columns() - (weighted ? 1 : 0);
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      int64_t w = 1;
      if (weighted) w = b->column(ncols)->values<int64_t>()[r];
      out[CellRow(*b, r, ncols)] += w;
    }
  }
  for (auto it = out.begin(); it != out.end();) {
    it = it->second == 0 ? out.erase(it) : std::next(it);
  }
  return out;
}

const char* kSource =
    "CREATE SOURCE s (k BIGINT, v BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '10' "
    "SECOND)";

std::vector<Case> Cases() {
  using K = Case::Kind;
  return {
      {"filter_project",
       {kSource, "CREATE STREAM o AS SELECT k, v * 2 AS v2 FROM s WHERE v % 3 <> 0"},
       "o",
       K::kAppend},
      {"tumble_eowc",
       {kSource,
        "CREATE STREAM o AS SELECT k, window_start, COUNT(*) AS n, SUM(v) AS sv, MAX(v) AS mv "
        "FROM s GROUP BY k, TUMBLE(ts, INTERVAL '5' SECOND) EMIT ON WINDOW CLOSE"},
       "o",
       K::kAppend},
      {"hop_eowc",
       {kSource,
        "CREATE STREAM o AS SELECT k, window_start, window_end, COUNT(*) AS n, AVG(v) AS av "
        "FROM s GROUP BY k, HOP(ts, INTERVAL '2' SECOND, INTERVAL '6' SECOND) "
        "EMIT ON WINDOW CLOSE"},
       "o",
       K::kAppend},
      {"session_eowc",
       {kSource,
        "CREATE STREAM o AS SELECT k, window_start, window_end, COUNT(*) AS n FROM s "
        "GROUP BY k, SESSION(ts, INTERVAL '3' SECOND) EMIT ON WINDOW CLOSE"},
       "o",
       K::kAppend},
      {"cumulate_eowc",
       {kSource,
        "CREATE STREAM o AS SELECT window_start, window_end, COUNT(*) AS n, MIN(v) AS lo FROM s "
        "GROUP BY CUMULATE(ts, INTERVAL '2' SECOND, INTERVAL '8' SECOND) EMIT ON WINDOW CLOSE"},
       "o",
       K::kAppend},
      {"tumble_having_eowc",
       {kSource,
        "CREATE STREAM o AS SELECT k, window_end, COUNT(DISTINCT v) AS d FROM s "
        "GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND) HAVING COUNT(*) > 1 EMIT ON WINDOW CLOSE"},
       "o",
       K::kAppend},
      {"group_by_changes",
       {kSource,
        "CREATE STREAM o AS SELECT k, COUNT(*) AS n, SUM(v) AS sv, MIN(v) AS lo FROM s "
        "GROUP BY k EMIT CHANGES"},
       "o",
       K::kChangelog},
      {"tumble_changes",
       {kSource,
        "CREATE STREAM o AS SELECT k, window_start, COUNT(*) AS n FROM s "
        "GROUP BY k, TUMBLE(ts, INTERVAL '5' SECOND) EMIT CHANGES"},
       "o",
       K::kChangelog},
      {"group_by_mv",
       {kSource,
        "CREATE MATERIALIZED VIEW o AS SELECT k, COUNT(*) AS n, AVG(v) AS av, MAX(ts) AS last "
        "FROM s GROUP BY k"},
       "o",
       K::kMvContents},
      {"self_interval_join",
       {kSource,
        "CREATE STREAM o AS SELECT a.k, a.v, b.v AS bv FROM s a JOIN s b ON a.k = b.k AND "
        "b.ts BETWEEN a.ts AND a.ts + INTERVAL '2' SECOND"},
       "o",
       K::kAppend},
      {"cascade",
       {kSource,
        "CREATE STREAM w AS SELECT k, window_start AS ws, SUM(v) AS sv FROM s "
        "GROUP BY k, TUMBLE(ts, INTERVAL '4' SECOND) EMIT ON WINDOW CLOSE",
        "CREATE STREAM o AS SELECT ws, MAX(sv) AS best FROM w GROUP BY TUMBLE(ws, INTERVAL '8' "
        "SECOND), ws EMIT ON WINDOW CLOSE"},
       "o",
       K::kAppend},
  };
}

class BatchSplitTest : public ::testing::TestWithParam<Case> {};

TEST_P(BatchSplitTest, SameResultForEveryCut) {
  const Case& c = GetParam();
  const auto rows = Rows();
  const auto whole = RunCase(c, rows, {});
  ASSERT_FALSE(whole.empty()) << "the case produced nothing; it would test nothing";
  for (size_t p = 1; p < rows.size(); ++p) {
    EXPECT_EQ(RunCase(c, rows, {p}), whole) << c.name << ": split at row " << p;
  }
  std::vector<size_t> singles;
  for (size_t p = 1; p < rows.size(); ++p) singles.push_back(p);
  EXPECT_EQ(RunCase(c, rows, singles), whole) << c.name << ": one row per batch";
}

INSTANTIATE_TEST_SUITE_P(Operators, BatchSplitTest, ::testing::ValuesIn(Cases()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace laminar
