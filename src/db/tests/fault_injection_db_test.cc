// The whole engine over a FaultInjectionFileSystem (Options::file_system): power loss that drops
// unsynced writes, failed fsyncs, ENOSPC, torn writes and bit flips in manifest, state.bin and
// WAL segments. Every case either restores exactly the state of the acknowledged statements
// (compared with an in-memory oracle that ran them) or refuses to open with an error naming the
// damaged file — never wrong results. A failed fsync or write fails the pipeline: nothing is
// acknowledged after it.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "db/tests/db_test_util.h"
#include "laminar/laminar.hpp"
#include "storage/fault_injection_file_system.h"
#include "storage/file_system.h"
#include "storage/tests/test_util.h"
#include "storage/wal.h"

namespace laminar {
namespace {

using db::testing::Rows;

using storage::testing::FlipBit;
using storage::testing::ScopedTempDir;

constexpr const char* kPipeline[] = {
    "CREATE SOURCE ev (k VARCHAR, v BIGINT, ts TIMESTAMP, "
    "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)",
    "CREATE MATERIALIZED VIEW totals AS SELECT k, COUNT(*) AS c, SUM(v) AS s, "
    "COUNT(DISTINCT v) AS d FROM ev GROUP BY k",
    "CREATE STREAM bars AS SELECT k, window_start, COUNT(*) AS c, MAX(v) AS hi FROM ev "
    "GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND) EMIT ON WINDOW CLOSE",
    "CREATE MATERIALIZED VIEW bar_log AS SELECT k, window_start, c, hi FROM bars",
};

// Rows i in [from, to): key k<i%3>, value i%7, one row every two seconds.
std::string InsertRows(int from, int to) {
  std::string sql = "INSERT INTO ev VALUES ";
  for (int i = from; i < to; ++i) {
    sql += fmt::format("{}('k{}', {}, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '{}' SECOND)",
                       i == from ? "" : ", ", i % 3, i % 7, i * 2);
  }
  return sql;
}

// Everything a query can observe of the pipeline.
std::vector<std::string> Observe(Database& db) {
  return db::testing::Observe(
      db, {"SELECT k, c, s, d FROM totals", "SELECT k, window_start, c, hi FROM bar_log",
           "SELECT k, v, ts FROM ev"});
}

// The oracle: the same statements on an in-memory database.
std::vector<std::string> Reference(const std::vector<std::string>& statements) {
  auto db = Database::Open(Options{});
  EXPECT_TRUE(db.ok());
  for (const auto& s : statements) {
    auto r = (*db)->Execute(s);
    EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
  }
  return Observe(**db);
}

std::vector<std::string> SortedFiles(const std::string& dir, std::string_view prefix) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class FaultInjectionDbTest : public ::testing::Test {
 protected:
  Options Opts(WalMode mode = WalMode::kSync) const {
    Options o;
    o.data_dir = tmp_.path();
    o.file_system = const_cast<storage::FaultInjectionFileSystem*>(&fault_);
    o.wal_mode = mode;
    o.max_retained_checkpoints = 3;
    return o;
  }
  std::unique_ptr<Database> OpenOrDie(WalMode mode = WalMode::kSync) {
    auto db = Database::Open(Opts(mode));
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }
  /// Runs `sql`; remembers it as acknowledged when it returned OK.
  Status Run(Database& db, const std::string& sql) {
    auto r = db.Execute(sql);
    if (r.ok()) acked_.push_back(sql);
    return r.status();
  }
  void RunOrDie(Database& db, const std::string& sql) {
    Status st = Run(db, sql);
    ASSERT_TRUE(st.ok()) << sql << ": " << st.ToString();
  }
  /// Pipeline, rows, checkpoint 1, rows, checkpoint 2, rows (WAL only); the database stays open.
  std::unique_ptr<Database> BuildTwoCheckpoints(WalMode mode = WalMode::kSync) {
    auto db = OpenOrDie(mode);
    if (!db) return nullptr;
    for (const char* s : kPipeline) RunOrDie(*db, s);
    for (int phase = 0; phase < 3; ++phase) {
      RunOrDie(*db, InsertRows(phase * 15, (phase + 1) * 15));
      if (phase < 2) {
        EXPECT_TRUE(db->Checkpoint().ok());
      }
    }
    return db;
  }
  std::string newest_checkpoint() const {
    auto dirs = SortedFiles(tmp_.Join("checkpoints"), "checkpoint_");
    return dirs.empty() ? std::string() : dirs.back();
  }
  std::string last_wal_segment() const {
    auto files = SortedFiles(tmp_.Join("wal"), "wal-");
    return files.empty() ? std::string() : files.back();
  }

  ScopedTempDir tmp_;
  storage::FaultInjectionFileSystem fault_{storage::FileSystem::Default()};
  std::vector<std::string> acked_;
};

TEST_F(FaultInjectionDbTest, PowerLossKeepsEveryAcknowledgedStatement) {
  auto db = BuildTwoCheckpoints();
  ASSERT_NE(db, nullptr);
  ASSERT_OK(fault_.DropUnsyncedData());  // power loss with the database open
  db.reset();
  auto reopened = OpenOrDie();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(Observe(*reopened), Reference(acked_));
  // And it keeps going: new statements are acknowledged and survive another power loss.
  RunOrDie(*reopened, InsertRows(45, 50));
  ASSERT_OK(fault_.DropUnsyncedData());
  reopened.reset();
  reopened = OpenOrDie();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(Observe(*reopened), Reference(acked_));
}

TEST_F(FaultInjectionDbTest, AsyncPowerLossRestoresAPrefixNeverWrongResults) {
  auto db = BuildTwoCheckpoints(WalMode::kAsync);
  ASSERT_NE(db, nullptr);
  for (int i = 0; i < 5; ++i) RunOrDie(*db, InsertRows(45 + i * 5, 50 + i * 5));
  ASSERT_OK(fault_.DropUnsyncedData());
  db.reset();
  auto reopened = OpenOrDie(WalMode::kAsync);
  ASSERT_NE(reopened, nullptr);
  const auto observed = Observe(*reopened);
  // kAsync may lose the statements of the last interval, but what comes back is exactly the
  // state after some prefix of them, and at least everything the last checkpoint covered.
  const size_t checkpointed = std::size(kPipeline) + 2;
  bool matched = false;
  for (size_t n = acked_.size(); n >= checkpointed && !matched; --n) {
    matched = observed == Reference({acked_.begin(), acked_.begin() + static_cast<ptrdiff_t>(n)});
  }
  EXPECT_TRUE(matched) << "recovered state is not the state after any prefix of the statements";
}

TEST_F(FaultInjectionDbTest, TornWalWriteKeepsAcknowledgedPrefix) {
  auto db = BuildTwoCheckpoints();
  ASSERT_NE(db, nullptr);
  for (uint64_t keep : {0u, 1u, 16u, 40u}) {
    fault_.TearNextWrite(keep);
    EXPECT_FALSE(db->Execute(InsertRows(100, 110)).ok());  // power fails mid-write
    ASSERT_TRUE(fault_.crashed());
    ASSERT_OK(fault_.DropUnsyncedData());
    db.reset();
    db = OpenOrDie();
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(Observe(*db), Reference(acked_)) << "tear after " << keep << " bytes";
  }
}

TEST_F(FaultInjectionDbTest, FailedWalFsyncFailsThePipelineAndNothingLaterIsAcknowledged) {
  auto db = BuildTwoCheckpoints();
  ASSERT_NE(db, nullptr);
  fault_.FailNextSyncs(1);
  Status st = Run(*db, InsertRows(45, 50));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find("Input/output error"), std::string::npos) << st.ToString();
  // The failed fsync is never retried into an acknowledgement.
  EXPECT_FALSE(Run(*db, InsertRows(50, 55)).ok());
  EXPECT_FALSE(db->Checkpoint().ok());
  EXPECT_FALSE(Run(*db, InsertRows(55, 60)).ok());
  // The kernel may have dropped the pages of the failed fsync: simulate exactly that.
  ASSERT_OK(fault_.DropUnsyncedData());
  db.reset();
  auto reopened = OpenOrDie();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(Observe(*reopened), Reference(acked_));
}

TEST_F(FaultInjectionDbTest, EnospcOnWalWriteFailsThePipelineAndReopenRestoresAckedState) {
  for (bool power_loss : {false, true}) {
    SCOPED_TRACE(power_loss ? "with power loss" : "process restart");
    acked_.clear();
    auto db = BuildTwoCheckpoints();
    ASSERT_NE(db, nullptr);
    fault_.SetWriteBudget(100);  // the next statement's WAL record is longer
    Status st = Run(*db, InsertRows(45, 60));
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.ToString().find("No space left on device"), std::string::npos) << st.ToString();
    fault_.SetWriteBudget(std::nullopt);  // space is back, but the WAL stays failed
    EXPECT_FALSE(Run(*db, InsertRows(60, 65)).ok());
    if (power_loss) ASSERT_OK(fault_.DropUnsyncedData());
    db.reset();
    auto reopened = OpenOrDie();  // the partial record is a torn tail: cut
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(Observe(*reopened), Reference(acked_));
    reopened.reset();
    std::filesystem::remove_all(tmp_.path());
    std::filesystem::create_directories(tmp_.path());
  }
}

TEST_F(FaultInjectionDbTest, FailedCheckpointFsyncNeverYieldsWrongResults) {
  // Walk the failure through every sync of a checkpoint (state files, manifest, directories,
  // latest.txt, WAL truncation): whatever the checkpoint reports, after power loss the database
  // restores exactly the acknowledged state (from this checkpoint, an older one, or the WAL).
  for (int k = 0;; ++k) {
    SCOPED_TRACE(fmt::format("sync #{} of the checkpoint fails", k + 1));
    acked_.clear();
    auto db = BuildTwoCheckpoints();
    ASSERT_NE(db, nullptr);
    RunOrDie(*db, InsertRows(45, 50));
    fault_.FailSyncAfter(k);
    auto cp = db->Checkpoint();
    const bool failure_hit = !cp.ok();
    fault_.FailNextSyncs(0);
    if (failure_hit) {
      // Later statements either fail or are durable; never acknowledged and lost.
      Run(*db, InsertRows(50, 55)).IgnoreError();
    }
    ASSERT_OK(fault_.DropUnsyncedData());
    db.reset();
    auto reopened = OpenOrDie();
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(Observe(*reopened), Reference(acked_));
    reopened.reset();
    std::filesystem::remove_all(tmp_.path());
    std::filesystem::create_directories(tmp_.path());
    if (!failure_hit) break;  // k is past the checkpoint's last sync
    ASSERT_LT(k, 50) << "checkpoint never stopped failing";
  }
}

TEST_F(FaultInjectionDbTest, BitFlipInNewestManifestFallsBackWithWarningNamingTheFile) {
  auto db = BuildTwoCheckpoints();
  ASSERT_NE(db, nullptr);
  db.reset();
  const std::string manifest = newest_checkpoint() + "/manifest.json";
  FlipBit(manifest, 40, 2);
  testing::internal::CaptureStderr();
  auto reopened = OpenOrDie();
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(Observe(*reopened), Reference(acked_));
  EXPECT_NE(log.find(manifest), std::string::npos) << log;
}

TEST_F(FaultInjectionDbTest, BitFlipInWalSegmentRefusesToOpenNamingTheSegment) {
  auto db = BuildTwoCheckpoints();
  ASSERT_NE(db, nullptr);
  RunOrDie(*db, InsertRows(45, 50));  // a valid record after the one we damage
  db.reset();
  const std::string segment = last_wal_segment();
  ASSERT_FALSE(segment.empty());
  // A payload byte of the first record after the segment header (a statement): the records
  // after it are valid, so this is corruption, not a torn tail.
  FlipBit(segment, storage::kWalSegmentHeaderSize + storage::kWalRecordHeaderSize + 3, 0);
  auto reopened = Database::Open(Opts());
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.status().ToString().find(segment), std::string::npos)
      << reopened.status().ToString();
}

// A state over the inline threshold (1 MiB) goes to state.bin; a flip there must be caught by
// the sidecar checksum and recovery falls back to the older checkpoint plus the WAL.
TEST_F(FaultInjectionDbTest, BitFlipInStateSidecarFallsBackWithWarningNamingTheFile) {
  constexpr int64_t kKeys = 30000;  // ~3 MB of MV + aggregate state
  auto db = OpenOrDie();
  ASSERT_NE(db, nullptr);
  RunOrDie(*db, "CREATE SOURCE big (k BIGINT, v BIGINT)");
  RunOrDie(*db,
           "CREATE MATERIALIZED VIEW agg AS SELECT k, COUNT(*) AS c, SUM(v) AS s FROM big "
           "GROUP BY k");
  auto src = db->Source("big");
  ASSERT_TRUE(src.ok());
  int64_t pushed_sum = 0, pushed_rows = 0;
  auto push = [&](int64_t from, int64_t to) {
    std::vector<int64_t> k, v;
    for (int64_t i = from; i < to; ++i) {
      k.push_back(i % kKeys);
      v.push_back(i % 11);
      pushed_sum += i % 11;
      ++pushed_rows;
    }
    auto batch = std::make_shared<const columnar::RecordBatch>(
        (*src)->schema(), static_cast<int64_t>(k.size()),
        std::vector<columnar::ArrayPtr>{columnar::MakeInt64Array(k), columnar::MakeInt64Array(v)});
    ASSERT_OK((*src)->Push(batch));
  };
  push(0, kKeys);
  ASSERT_TRUE(db->Checkpoint().ok());
  push(kKeys, kKeys + 5000);
  ASSERT_TRUE(db->Checkpoint().ok());
  push(kKeys + 5000, kKeys + 6000);
  src->reset();
  db.reset();
  const std::string sidecar = newest_checkpoint() + "/state.bin";
  ASSERT_TRUE(std::filesystem::exists(sidecar));
  FlipBit(sidecar, std::filesystem::file_size(sidecar) / 2, 5);
  testing::internal::CaptureStderr();
  auto reopened = OpenOrDie();
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_NE(reopened, nullptr);
  EXPECT_NE(log.find(sidecar), std::string::npos) << log;
  EXPECT_EQ(Rows(*reopened, "SELECT COUNT(*), SUM(c), SUM(s) FROM agg"),
            std::vector<std::string>{fmt::format("{}|{}|{}", kKeys, pushed_rows, pushed_sum)});
}

}  // namespace
}  // namespace laminar
