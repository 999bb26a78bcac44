// fork + SIGKILL loop for a sink over an inline query: `CREATE SINK ... FROM (SELECT ... GROUP BY
// TUMBLE ... EMIT ON WINDOW CLOSE) INTO FILE (... exactly-once)`. The child inserts one row per
// statement (one second apart, ten per window) and checkpoints every few rows, reporting each
// acknowledged id; SIGKILL lands anywhere — with a window half-full at the last checkpoint, in
// the middle of a commit, between the manifest and the commit marker. After each kill the parent
// reopens (the hidden query comes back from the catalog with its window state, the WAL replays
// into a new epoch) and shuts down (final checkpoint): the file must then hold every closed
// window exactly once, in order, with the right count and sum.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "columnar/scalar.h"
#include "common/time_util.h"
#include "db/tests/db_test_util.h"
#include "laminar/laminar.hpp"
#include "storage/file_system.h"
#include "storage/tests/test_util.h"

namespace laminar {
namespace {

using db::testing::InsertUntilKilled;
using db::testing::Lines;
using db::testing::OpenOrDie;
using db::testing::QueryInt64;
using storage::testing::RunKillLoop;
using storage::testing::ScopedTempDir;

constexpr int kCheckpointEvery = 7;
constexpr int64_t kRowsPerWindow = 10;                   // one row per second, 10 s windows
constexpr int64_t kBaseMicros = 1704067200LL * 1000000;  // 2024-01-01 00:00:00

std::string TsOf(int64_t id) { return FormatTimestamp(kBaseMicros + id * 1000000); }

int64_t RowCount(Database& db) { return QueryInt64(db, "SELECT COUNT(*) FROM ev"); }

/// The JSON line the sink writes for window `k` (ids k*10 .. k*10+9).
std::string WindowLine(int64_t k) {
  const int64_t first = k * kRowsPerWindow;
  const int64_t sum = (first + first + kRowsPerWindow - 1) * kRowsPerWindow / 2;
  return fmt::format("{{\"window_start\":\"{}\",\"c\":{},\"s\":{}}}", TsOf(first), kRowsPerWindow,
                     sum);
}

TEST(SinkCrashTest, ForkAndSigkillQuerySinkIsExactlyOnce) {
  ScopedTempDir tmp(/*in_memory=*/true);
  const std::string dir = tmp.Join("db");
  const std::string out = tmp.Join("sink/windows.jsonl");
  int64_t acked = 0;
  int64_t seen_windows = 0;
  {
    auto db = OpenOrDie(dir);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Execute("CREATE SOURCE ev (id BIGINT, ts TIMESTAMP, WATERMARK FOR ts)").ok());
    auto sink = db->Execute(
        "CREATE SINK wins FROM (SELECT window_start, COUNT(*) AS c, SUM(id) AS s FROM ev "
        "GROUP BY TUMBLE(ts, INTERVAL '10' SECOND) EMIT ON WINDOW CLOSE) INTO FILE (path = '" +
        out + "', 'delivery.guarantee' = 'exactly-once') FORMAT JSON");
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    ASSERT_TRUE(db->Shutdown().ok());
  }
  const int kills = RunKillLoop(
      {50, 120, std::chrono::seconds(15), 3000, 40000},
      [&](int fd, uint32_t) {
        InsertUntilKilled(
            dir, fd, {}, "SELECT COUNT(*) FROM ev",
            [](int64_t id) {
              return fmt::format("INSERT INTO ev VALUES ({}, '{}')", id, TsOf(id));
            },
            kCheckpointEvery);
      },
      [&](std::optional<int64_t> last) {
        if (last) acked = std::max(acked, *last + 1);

        auto db = OpenOrDie(dir);
        ASSERT_NE(db, nullptr);
        const int64_t rows = RowCount(*db);
        ASSERT_GE(rows, acked) << "acknowledged rows lost";
        ASSERT_LE(rows, acked + 1);
        ASSERT_TRUE(db->Shutdown().ok());  // final checkpoint commits the replayed epoch
        // Window k closes once the watermark (the newest ts, no delay) reaches its end, i.e. once
        // row (k + 1) * 10 exists.
        const int64_t closed = rows == 0 ? 0 : (rows - 1) / kRowsPerWindow;
        const std::vector<std::string> lines = Lines(out);
        ASSERT_EQ(static_cast<int64_t>(lines.size()), closed)
            << "windows missing or duplicated (" << rows << " rows)";
        for (int64_t k = 0; k < closed; ++k) {
          ASSERT_EQ(lines[static_cast<size_t>(k)], WindowLine(k)) << "window " << k;
        }
        ASSERT_GE(closed, seen_windows);
        seen_windows = closed;
        acked = std::max(acked, rows);
      });
  EXPECT_GE(kills, 50);
  EXPECT_GT(seen_windows, 0);
}

}  // namespace
}  // namespace laminar
