// Engine checkpoints and recovery (docs/checkpoint.md, "Engine checkpoints"): snapshot byte
// stability, fallback past corrupt checkpoints, refusal on a corrupt WAL, torn WAL tails, the
// interval timer, and fork + SIGKILL loops that check exactly-once results (engine state, and the
// output of an exactly-once file sink).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "columnar/scalar.h"
#include "db/tests/db_test_util.h"
#include "laminar/laminar.hpp"
#include "storage/checkpoint_store.h"
#include "storage/file_system.h"
#include "storage/tests/test_util.h"

namespace laminar {
namespace {

using db::testing::Exec;
using db::testing::InsertUntilKilled;
using db::testing::Lines;
using db::testing::OpenOrDie;
using db::testing::QueryInt64;
using db::testing::Rows;

using storage::testing::FlipBit;
using storage::testing::RunKillLoop;
using storage::testing::ScopedTempDir;

namespace fs = std::filesystem;

constexpr const char* kPipeline[] = {
    "CREATE SOURCE ev (k VARCHAR, v BIGINT, ts TIMESTAMP, "
    "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)",
    "CREATE MATERIALIZED VIEW totals AS SELECT k, COUNT(*) AS c, SUM(v) AS s, "
    "COUNT(DISTINCT v) AS d FROM ev GROUP BY k",
    "CREATE STREAM bars AS SELECT k, window_start, COUNT(*) AS c, MAX(v) AS hi FROM ev "
    "GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND) EMIT ON WINDOW CLOSE",
    "CREATE MATERIALIZED VIEW bar_log AS SELECT k, window_start, c, hi FROM bars",
    "CREATE STREAM sess AS SELECT k, window_start, window_end, SUM(v) AS s FROM ev "
    "GROUP BY k, SESSION(ts, INTERVAL '3' SECOND) EMIT CHANGES",
    "CREATE MATERIALIZED VIEW sess_sum AS SELECT k, SUM(s) AS total FROM sess GROUP BY k",
};

// '2024-01-01 00:00:00' plus `seconds` (less than a month), as a SQL string literal.
std::string TsLiteral(int64_t seconds) {
  return fmt::format("'2024-01-{:02d} {:02d}:{:02d}:{:02d}'", 1 + seconds / 86400,
                     seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
}

// Rows i in [from, to): key k<i%3>, value i%7, one row every two seconds.
std::string InsertRows(int from, int to) {
  std::string sql = "INSERT INTO ev VALUES ";
  for (int i = from; i < to; ++i) {
    sql += fmt::format("{}('k{}', {}, {})", i == from ? "" : ", ", i % 3, i % 7, TsLiteral(i * 2));
  }
  return sql;
}

// Everything a query can observe of the pipeline.
std::vector<std::string> Observe(Database& db) {
  return db::testing::Observe(
      db, {"SELECT k, c, s, d FROM totals", "SELECT k, window_start, c, hi FROM bar_log",
           "SELECT k, total FROM sess_sum", "SELECT k, v, ts FROM ev"});
}

// The same statements on an in-memory database: what any recovery must reproduce.
std::vector<std::string> Reference(const std::vector<std::string>& statements) {
  auto db = Database::Open(Options{});
  EXPECT_TRUE(db.ok());
  for (const auto& s : statements) Exec(**db, s);
  return Observe(**db);
}

std::string NewestCheckpointDir(const std::string& data_dir) {
  std::vector<std::string> dirs;
  for (const auto& e : fs::directory_iterator(data_dir + "/checkpoints")) {
    if (e.is_directory()) dirs.push_back(e.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs.empty() ? std::string() : dirs.back();
}

std::string WalSegment(const std::string& data_dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(data_dir + "/wal")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files.empty() ? std::string() : files.back();
}

// Builds: pipeline, rows, checkpoint 1, rows, checkpoint 2, rows (WAL only). Returns every
// statement run, for the reference.
std::vector<std::string> BuildTwoCheckpoints(const std::string& dir, int rows_per_phase) {
  std::vector<std::string> stmts(std::begin(kPipeline), std::end(kPipeline));
  auto db = OpenOrDie(dir);
  for (const auto& s : stmts) Exec(*db, s);
  for (int phase = 0; phase < 3; ++phase) {
    std::string ins = InsertRows(phase * rows_per_phase, (phase + 1) * rows_per_phase);
    Exec(*db, ins);
    stmts.push_back(ins);
    if (phase < 2) Exec(*db, "CHECKPOINT");
  }
  return stmts;  // dropped without Shutdown: a crash
}

TEST(DurabilityTest, CheckpointThenRestoreIsByteStable) {
  ScopedTempDir tmp;
  BuildTwoCheckpoints(tmp.path(), 20);
  {
    auto db = OpenOrDie(tmp.path());
    Exec(*db, "CHECKPOINT");  // checkpoint 3: state after replaying the WAL
    ASSERT_TRUE(db->Shutdown().ok());
  }
  auto db = OpenOrDie(tmp.path());
  Exec(*db, "CHECKPOINT");  // checkpoint 4: restored from 3, nothing replayed
  storage::FileCheckpointStore store(*storage::FileSystem::Default(), tmp.path());
  auto three = store.Load(3);
  auto four = store.Load(4);
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  ASSERT_TRUE(four.ok()) << four.status().ToString();
  EXPECT_EQ(three->manifest.wal_position, four->manifest.wal_position);
  ASSERT_EQ(three->states.size(), four->states.size());
  for (const auto& [key, bytes] : three->states) {
    ASSERT_TRUE(four->states.count(key)) << key;
    EXPECT_TRUE(four->states.at(key) == bytes) << "state '" << key << "' changed across restore";
  }
  EXPECT_TRUE(three->states.count("catalog"));
  EXPECT_TRUE(three->states.count("stream:bars"));
  EXPECT_TRUE(three->states.count("mv:totals"));
  EXPECT_TRUE(three->states.count("source:ev"));
  EXPECT_EQ(three->manifest.source_names, std::vector<std::string>{"ev"});
  EXPECT_TRUE(three->manifest.source_watermarks.count("ev"));
}

TEST(DurabilityTest, RecoveryMatchesUninterruptedRun) {
  ScopedTempDir tmp;
  auto stmts = BuildTwoCheckpoints(tmp.path(), 25);
  auto db = OpenOrDie(tmp.path());
  EXPECT_EQ(Observe(*db), Reference(stmts));
  auto m = db->metrics();
  EXPECT_EQ(m.last_checkpoint_id, 2u);
  EXPECT_EQ(m.last_checkpoint_epoch, 2u);
  EXPECT_EQ(m.checkpoints_completed, 0u);
  auto cp = db->Checkpoint();
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_TRUE(cp->success);
  EXPECT_EQ(cp->checkpoint_id, 3u);
  EXPECT_EQ(cp->epoch, 3u);
  m = db->metrics();
  EXPECT_EQ(m.checkpoints_completed, 1u);
  EXPECT_EQ(m.checkpoints_failed, 0u);
  EXPECT_GT(m.last_checkpoint_bytes, 0u);
  EXPECT_EQ(Rows(*db, "SHOW CHECKPOINT STATUS").size(), 1u);
}

// Corrupts the newest checkpoint's manifest (several single-bit flips, each on a fresh copy):
// recovery must fall back to checkpoint 1 plus the WAL and produce the same results.
TEST(DurabilityTest, BitFlipInNewestManifestFallsBackToOlderCheckpoint) {
  ScopedTempDir tmp;
  const std::string pristine = tmp.Join("pristine");
  auto expected = Reference(BuildTwoCheckpoints(pristine, 15));
  const std::string manifest_rel =
      fs::relative(NewestCheckpointDir(pristine), pristine).string() + "/manifest.json";
  const uint64_t size = fs::file_size(pristine + "/" + manifest_rel);
  std::mt19937 rng(42);
  for (int trial = 0; trial < 6; ++trial) {
    const std::string dir = tmp.Join("trial" + std::to_string(trial));
    fs::copy(pristine, dir, fs::copy_options::recursive);
    const uint64_t offset = trial == 0 ? size / 2 : rng() % size;
    FlipBit(dir + "/" + manifest_rel, offset, static_cast<int>(rng() % 8));
    SCOPED_TRACE("flip at " + std::to_string(offset));
    auto db = OpenOrDie(dir);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(Observe(*db), expected);
    EXPECT_EQ(db->metrics().last_checkpoint_id, 1u);
  }
}

// A state large enough for the state.bin sidecar (> 1 MiB); a flip there is caught by the
// manifest's SHA-256. With both checkpoints damaged, recovery replays the whole WAL.
TEST(DurabilityTest, CorruptSidecarAndAllCheckpointsCorruptFallBack) {
  ScopedTempDir tmp;
  const std::string dir = tmp.path();
  std::vector<std::string> stmts = {
      "CREATE SOURCE big (id BIGINT, name VARCHAR)",
      "CREATE MATERIALIZED VIEW per_id AS SELECT id, COUNT(*) AS c, MAX(name) AS n FROM big "
      "GROUP BY id"};
  {
    auto db = OpenOrDie(dir);
    for (const auto& s : stmts) Exec(*db, s);
    auto src = db->Source("big");
    ASSERT_TRUE(src.ok());
    for (int round = 0; round < 2; ++round) {
      std::vector<std::vector<Scalar>> rows;
      for (int i = 0; i < 20000; ++i) {
        rows.push_back({Scalar::Int64(i + round * 7),
                        Scalar::String(fmt::format("name-{:08d}-{}", i, round))});
      }
      ASSERT_TRUE((*src)->PushRows(rows).ok());
      Exec(*db, "CHECKPOINT");
    }
    Exec(*db, "INSERT INTO big VALUES (5, 'zzz')");
  }
  const std::string newest = NewestCheckpointDir(dir);
  ASSERT_TRUE(fs::exists(newest + "/state.bin")) << "state below the sidecar threshold";
  const std::string query = "SELECT COUNT(*), SUM(c), MAX(n) FROM per_id";
  std::vector<std::string> expected = {"20007|40001|zzz"};
  FlipBit(newest + "/state.bin", fs::file_size(newest + "/state.bin") / 3, 2);
  {
    auto db = OpenOrDie(dir);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(Rows(*db, query), expected);
    EXPECT_EQ(db->metrics().last_checkpoint_id, 1u);
    // Dropped without Shutdown(), which would take a final checkpoint 3.
  }
  // Now damage checkpoint 1 as well: only the full WAL is left.
  const std::string oldest =
      dir + "/checkpoints/" + storage::FileCheckpointStore::CheckpointDirName(1);
  FlipBit(oldest + "/manifest.json", 40, 0);
  auto db = OpenOrDie(dir);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Rows(*db, query), expected);
  EXPECT_EQ(db->metrics().last_checkpoint_id, 0u);
}

TEST(DurabilityTest, CorruptWalRecordInTheMiddleRefusesToOpen) {
  for (bool with_checkpoint : {false, true}) {
    SCOPED_TRACE(with_checkpoint ? "after a checkpoint" : "no checkpoint");
    ScopedTempDir tmp;
    {
      auto db = OpenOrDie(tmp.path());
      for (const char* s : kPipeline) Exec(*db, s);
      if (with_checkpoint) Exec(*db, "CHECKPOINT");
      for (int i = 0; i < 10; ++i) Exec(*db, InsertRows(i * 3, i * 3 + 3));
      ASSERT_TRUE(db->Shutdown().ok());
    }
    const std::string segment = WalSegment(tmp.path());
    const uint64_t size = fs::file_size(segment);
    FlipBit(segment, with_checkpoint ? size - size / 4 : size / 2, 3);
    Options o;
    o.data_dir = tmp.path();
    auto db = Database::Open(o);
    ASSERT_FALSE(db.ok()) << "opened a database with a corrupt WAL record";
    EXPECT_EQ(db.status().error_code(), ErrorCode::kWalCorruption) << db.status().ToString();
    EXPECT_NE(db.status().ToString().find("LDB-6006"), std::string::npos) << db.status().ToString();
  }
}

// Cuts the last WAL record at several byte offsets: the acknowledged prefix (everything but
// the torn record) survives, with and without a checkpoint before it.
TEST(DurabilityTest, TornWalTailKeepsAcknowledgedPrefix) {
  for (bool with_checkpoint : {false, true}) {
    SCOPED_TRACE(with_checkpoint ? "after a checkpoint" : "no checkpoint");
    ScopedTempDir tmp;
    const std::string pristine = tmp.Join("pristine");
    std::vector<std::string> stmts(std::begin(kPipeline), std::end(kPipeline));
    uint64_t size_before_last = 0;
    {
      auto db = OpenOrDie(pristine);
      for (const auto& s : stmts) Exec(*db, s);
      for (int i = 0; i < 6; ++i) {
        if (with_checkpoint && i == 4) Exec(*db, "CHECKPOINT");
        stmts.push_back(InsertRows(i * 4, i * 4 + 4));
        Exec(*db, stmts.back());
      }
      size_before_last = fs::file_size(WalSegment(pristine));
      Exec(*db, InsertRows(100, 104));  // the record to tear
    }
    const std::string rel = fs::relative(WalSegment(pristine), pristine).string();
    const uint64_t full = fs::file_size(pristine + "/" + rel);
    ASSERT_GT(full, size_before_last);
    const auto expected = Reference(stmts);
    for (uint64_t cut :
         {size_before_last + 1, size_before_last + 17, (size_before_last + full) / 2, full - 1}) {
      SCOPED_TRACE("cut at " + std::to_string(cut));
      const std::string dir = tmp.Join("cut" + std::to_string(cut));
      fs::copy(pristine, dir, fs::copy_options::recursive);
      fs::resize_file(dir + "/" + rel, cut);
      auto db = OpenOrDie(dir);
      ASSERT_NE(db, nullptr);
      EXPECT_EQ(Observe(*db), expected);
      // The writer continues after the cut; the next crash keeps the new row too.
      Exec(*db, InsertRows(200, 201));
      db.reset();
      auto again = OpenOrDie(dir);
      ASSERT_NE(again, nullptr);
      EXPECT_EQ(Rows(*again, "SELECT COUNT(*) FROM ev"),
                std::vector<std::string>{std::to_string(6 * 4 + 1)});
    }
  }
}

TEST(DurabilityTest, IntervalTimerTakesCheckpoints) {
  ScopedTempDir tmp;
  Options o;
  o.data_dir = tmp.path();
  o.checkpoint_interval = std::chrono::milliseconds(5);
  o.max_retained_checkpoints = 2;
  {
    auto db = Database::Open(o);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    for (const char* s : kPipeline) Exec(**db, s);
    for (int i = 0; i < 30; ++i) {
      Exec(**db, InsertRows(i, i + 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((*db)->metrics().checkpoints_completed < 2 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    EXPECT_GE((*db)->metrics().checkpoints_completed, 2u);
    EXPECT_EQ((*db)->metrics().checkpoints_failed, 0u);
  }  // crash while the timer may be running
  storage::FileCheckpointStore store(*storage::FileSystem::Default(), tmp.path());
  auto ids = store.ListCheckpoints();
  ASSERT_TRUE(ids.ok());
  EXPECT_LE(ids->size(), 2u) << "retention not applied";
  std::vector<std::string> stmts(std::begin(kPipeline), std::end(kPipeline));
  for (int i = 0; i < 30; ++i) stmts.push_back(InsertRows(i, i + 1));
  auto db = OpenOrDie(tmp.path());
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Observe(*db), Reference(stmts));
}

// -- fork + SIGKILL --------------------------------------------------------------------------

constexpr int kCheckpointEvery = 7;
constexpr int kWindowSeconds = 10;

constexpr const char* kKillPipeline[] = {
    "CREATE SOURCE IF NOT EXISTS ev (id BIGINT, ts TIMESTAMP, WATERMARK FOR ts)",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS counts AS SELECT window_start, COUNT(*) AS c, "
    "SUM(id) AS s FROM ev GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)",
    "CREATE STREAM IF NOT EXISTS closed AS SELECT window_start, COUNT(*) AS c, SUM(id) AS s "
    "FROM ev GROUP BY TUMBLE(ts, INTERVAL '10' SECOND) EMIT ON WINDOW CLOSE",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS closed_log AS SELECT window_start, c, s FROM closed",
};

int64_t CountRows(Database& db) { return QueryInt64(db, "SELECT SUM(c) FROM counts"); }

// Rows of `sql` as (window_start µs → (count, sum)); duplicates are reported in *dups.
std::map<int64_t, std::pair<int64_t, int64_t>> WindowRows(Database& db, const std::string& sql,
                                                          int* dups) {
  std::map<int64_t, std::pair<int64_t, int64_t>> out;
  auto r = db.Execute(sql);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return out;
  for (const auto& b : r->batches) {
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      int64_t w = columnar::GetScalar(*b->column(0), i).int_value();
      auto c = columnar::GetScalar(*b->column(1), i).int_value();
      auto s = columnar::GetScalar(*b->column(2), i).int_value();
      if (out.count(w)) ++*dups;
      out[w] = {c, s};
    }
  }
  return out;
}

TEST(DurabilityTest, ForkAndSigkillKeepsExactlyOnceResults) {
  ScopedTempDir tmp(/*in_memory=*/true);
  const std::string dir = tmp.Join("db");
  const int64_t base = 1704067200LL * 1000000;  // 2024-01-01 00:00:00 in µs
  int64_t acked = 0;                            // rows acknowledged so far (ids 0..acked-1)
  int64_t seen = 0;                             // rows the database held at the previous check
  {
    auto db = OpenOrDie(dir);
    ASSERT_NE(db, nullptr);
    for (const char* s : kKillPipeline) Exec(*db, s);
    ASSERT_TRUE(db->Shutdown().ok());
  }
  const int kills = RunKillLoop(
      {50, 120, std::chrono::seconds(15), 3000, 40000},
      [&](int fd, uint32_t) {
        InsertUntilKilled(
            dir, fd, kKillPipeline, "SELECT SUM(c) FROM counts",
            [](int64_t id) {
              return fmt::format("INSERT INTO ev VALUES ({}, {})", id, TsLiteral(id));
            },
            kCheckpointEvery);
      },
      [&](std::optional<int64_t> last) {
        if (last) acked = std::max(acked, *last + 1);

        auto db = OpenOrDie(dir);
        ASSERT_NE(db, nullptr);
        const int64_t n = CountRows(*db);
        // Every acknowledged row, plus at most the one in flight; never fewer than seen before.
        ASSERT_GE(n, acked);
        ASSERT_LE(n, acked + 1);
        ASSERT_GE(n, seen);
        seen = n;
        acked = std::max(acked, n);  // an in-flight row that survived is part of the history now
        int dups = 0;
        auto counts = WindowRows(*db, "SELECT window_start, c, s FROM counts", &dups);
        auto closed = WindowRows(*db, "SELECT window_start, c, s FROM closed_log", &dups);
        EXPECT_EQ(dups, 0);
        const int64_t watermark = n - 1;  // seconds; zero watermark delay
        for (int64_t w = 0; w * kWindowSeconds < n; ++w) {
          int64_t c = 0, s = 0;
          for (int64_t i = w * kWindowSeconds; i < std::min(n, (w + 1) * kWindowSeconds); ++i) {
            ++c;
            s += i;
          }
          const int64_t start = base + w * kWindowSeconds * 1000000;
          auto it = counts.find(start);
          ASSERT_NE(it, counts.end()) << "window " << w << " missing from counts";
          EXPECT_EQ(it->second, std::make_pair(c, s)) << "window " << w;
          const bool is_closed = (w + 1) * kWindowSeconds <= watermark;
          auto ct = closed.find(start);
          if (is_closed) {
            ASSERT_NE(ct, closed.end()) << "closed window " << w << " not emitted";
            EXPECT_EQ(ct->second, std::make_pair(c, s)) << "closed window " << w;
          } else {
            EXPECT_EQ(ct, closed.end()) << "open window " << w << " emitted";
          }
        }
        EXPECT_EQ(counts.size(), static_cast<size_t>((n + kWindowSeconds - 1) / kWindowSeconds));
        ASSERT_TRUE(db->Shutdown().ok());
      });
  EXPECT_GE(kills, 50);
  EXPECT_GT(seen, 0);
}

// -- fork + SIGKILL with an exactly-once file sink ---------------------------------------------
//
// The child inserts one row per statement into a source read by a file sink in exactly-once
// mode and checkpoints every few rows (each checkpoint pre-commits, persists the manifest,
// decides and commits the sink epoch), reporting each acknowledged id. SIGKILL lands anywhere,
// including between the manifest and the commit marker, in the middle of the commit's append
// and before the statuses are updated. After each kill the parent reopens (recovery: re-driven
// commits, rolled-back epochs, WAL replay into a new epoch) and shuts down (final checkpoint):
// the file must then hold exactly the ids 0..n-1 once each, in order, with n >= every
// acknowledged id.

// The ids in the sink's JSON lines output, in file order.
std::vector<int64_t> SinkIds(const std::string& path) {
  std::vector<int64_t> ids;
  for (const std::string& line : Lines(path)) {
    int64_t id = -1;
    if (std::sscanf(line.c_str(), "{\"id\":%ld}", &id) != 1) ADD_FAILURE() << "bad line " << line;
    ids.push_back(id);
  }
  return ids;
}

TEST(DurabilityTest, ForkAndSigkillFileSinkIsExactlyOnce) {
  ScopedTempDir tmp(/*in_memory=*/true);
  const std::string dir = tmp.Join("db");
  const std::string out = tmp.Join("sink/out.jsonl");
  int64_t acked = 0;
  int64_t seen = 0;
  {
    auto db = OpenOrDie(dir);
    ASSERT_NE(db, nullptr);
    Exec(*db, "CREATE SOURCE ev (id BIGINT)");
    Exec(*db, "CREATE SINK out FROM ev INTO FILE (path = '" + out +
                  "', 'delivery.guarantee' = 'exactly-once') FORMAT JSON");
    ASSERT_TRUE(db->Shutdown().ok());
  }
  const int kills = RunKillLoop(
      {50, 120, std::chrono::seconds(15), 3000, 40000},
      [&](int fd, uint32_t) {
        InsertUntilKilled(
            dir, fd, {}, "SELECT COUNT(*) FROM ev",
            [](int64_t id) { return fmt::format("INSERT INTO ev VALUES ({})", id); },
            kCheckpointEvery);
      },
      [&](std::optional<int64_t> last) {
        if (last) acked = std::max(acked, *last + 1);

        auto db = OpenOrDie(dir);
        ASSERT_NE(db, nullptr);
        ASSERT_TRUE(db->Shutdown().ok());  // final checkpoint commits the replayed epoch
        const std::vector<int64_t> ids = SinkIds(out);
        const int64_t n = static_cast<int64_t>(ids.size());
        ASSERT_GE(n, acked) << "acknowledged rows missing from the sink output";
        ASSERT_LE(n, acked + 1);
        ASSERT_GE(n, seen);
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_EQ(ids[static_cast<size_t>(i)], i)
              << "duplicate, missing or reordered id at line " << i;
        }
        seen = n;
        acked = std::max(acked, n);
      });
  EXPECT_GE(kills, 50);
  EXPECT_GT(seen, 0);
}

}  // namespace
}  // namespace laminar
