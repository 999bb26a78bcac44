// Sinks wired into the engine: CREATE/DROP/SHOW SINK, WHERE and changelog handling, the
// exactly-once start checks (LDB-5030..5033), the two-phase commit in the checkpoint
// coordinator, recovery (re-driven commits, skipped Pending checkpoints, rolled-back epochs) and
// the final checkpoint on Shutdown.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "columnar/scalar.h"
#include "connector/sink.h"
#include "connector/sinks/memory_sink.h"
#include "db/tests/db_test_util.h"
#include "laminar/laminar.hpp"
#include "storage/checkpoint_store.h"
#include "storage/file_system.h"
#include "storage/manifest.h"
#include "storage/tests/test_util.h"

namespace laminar {
namespace {

using db::testing::Exec;

using connector::MemorySinkStore;
using storage::testing::ScopedTempDir;
using Step = MemorySinkStore::Step;

std::unique_ptr<Database> Open(const std::string& dir, WalMode wal = WalMode::kSync) {
  Options o;
  o.data_dir = dir;
  o.wal_mode = wal;
  auto db = Database::Open(o);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(*db) : nullptr;
}

std::string ReadFile(const std::string& path) {
  return storage::FileSystem::Default()->ReadFileToString(path).ValueOr(std::string("<missing>"));
}

const char* kSource = "CREATE SOURCE ev (id BIGINT, k VARCHAR)";

std::string Insert(int from, int to) {
  std::string sql = "INSERT INTO ev VALUES ";
  for (int i = from; i < to; ++i) {
    sql += (i == from ? "(" : ", (") + std::to_string(i) + ", 'k" + std::to_string(i % 2) + "')";
  }
  return sql;
}

std::vector<std::string> Ids(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(std::to_string(i) + "|k" + std::to_string(i % 2));
  return out;
}

std::string EoSink(const std::string& id) {
  return "CREATE SINK out FROM ev INTO MEMORY (id = '" + id +
         "', 'delivery.guarantee' = 'exactly-once')";
}

storage::CheckpointManifest NewestManifest(const std::string& dir, uint64_t* id) {
  storage::FileCheckpointStore store(*storage::FileSystem::Default(), dir);
  auto ids = store.ListCheckpoints().ValueOrDie();
  EXPECT_FALSE(ids.empty());
  *id = ids.back();
  return store.Load(ids.back()).ValueOrDie().manifest;
}

TEST(SinkEngineTest, FileSinkGetsStreamOutputWithWhere) {
  ScopedTempDir tmp;
  const std::string path = tmp.Join("out/big.jsonl");
  auto db = Database::Open(Options{}).ValueOrDie();
  Exec(*db, kSource);
  Exec(*db, "CREATE STREAM doubled AS SELECT id, id * 2 AS d FROM ev");
  Exec(*db,
       "CREATE SINK big FROM doubled WHERE d >= 4 INTO FILE (path = '" + path + "') FORMAT JSON");
  Exec(*db, Insert(0, 4));
  EXPECT_EQ(ReadFile(path), "{\"id\":2,\"d\":4}\n{\"id\":3,\"d\":6}\n");
  auto show = db->Execute("SHOW SINKS").ValueOrDie();
  ASSERT_EQ(show.num_rows(), 1);
  auto row = [&](int c) { return columnar::GetScalar(*show.batches[0]->column(c), 0).ToString(); };
  EXPECT_EQ(row(0), "big");
  EXPECT_EQ(row(1), "doubled");
  EXPECT_EQ(row(2), "file");
  EXPECT_EQ(row(3), "json");
  Exec(*db, "DROP SINK big");
  Exec(*db, Insert(4, 6));
  EXPECT_EQ(ReadFile(path), "{\"id\":2,\"d\":4}\n{\"id\":3,\"d\":6}\n");
  auto bad = db->Execute("CREATE SINK s2 FROM doubled WHERE d + 1 INTO BLACKHOLE ()");
  EXPECT_FALSE(bad.ok());
  auto unknown = db->Execute("CREATE SINK s3 FROM doubled INTO KAFKAA (topic = 'x')");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().error_code(), ErrorCode::kConnectorConfig);
  auto typo = db->Execute("CREATE SINK s4 FROM doubled INTO FILE (paht = 'x')");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("'path' is required"), std::string::npos)
      << typo.status().ToString();
}

TEST(SinkEngineTest, ChangelogInputIsFilteredForNonChangelogSinks) {
  MemorySinkStore::Reset("cl-plain");
  MemorySinkStore::Reset("cl-full");
  auto db = Database::Open(Options{}).ValueOrDie();
  Exec(*db, kSource);
  Exec(*db, "CREATE STREAM per_k AS SELECT k, COUNT(*) AS c FROM ev GROUP BY k EMIT CHANGES");
  Exec(*db, "CREATE SINK plain FROM per_k INTO MEMORY (id = 'cl-plain')");
  Exec(*db, "CREATE SINK full FROM per_k INTO MEMORY (id = 'cl-full', changelog = 'true')");
  Exec(*db, Insert(0, 1));
  Exec(*db, Insert(2, 3));
  // k0: +1 (k0,1), then -1 (k0,1) +1 (k0,2).
  EXPECT_EQ(MemorySinkStore::Get("cl-plain")->CommittedRows(),
            (std::vector<std::string>{"k0|1", "k0|2"}));
  EXPECT_EQ(MemorySinkStore::Get("cl-full")->CommittedRows(),
            (std::vector<std::string>{"k0|1|1", "k0|1|-1", "k0|2|1"}));
  auto batches = MemorySinkStore::Get("cl-plain")->CommittedBatches();
  ASSERT_FALSE(batches.empty());
  EXPECT_EQ(batches[0]->schema()->num_fields(), 2);  // no __weight
}

// A sink connector without exactly-once support, for LDB-5031.
class PlainSink final : public connector::SinkConnector {
 public:
  connector::SinkCapabilities capabilities() const override { return {false, false}; }
  connector::DeliveryGuarantee guarantee() const override { return g_; }
  Status Open(const connector::SinkOpenContext& c) override {
    schema_ = c.schema;
    return Status::OK();
  }
  SchemaPtr schema() const override { return schema_; }
  Status WriteBatch(const RecordBatch&) override { return Status::OK(); }
  Status BeginEpoch(uint64_t) override { return Status::OK(); }
  Status PreCommit(uint64_t) override { return Status::OK(); }
  Status CommitEpoch(uint64_t) override { return Status::OK(); }
  Status RollbackEpoch(uint64_t) override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  uint64_t rows_written() const override { return 0; }
  connector::DeliveryGuarantee g_ = connector::DeliveryGuarantee::kAtLeastOnce;
  SchemaPtr schema_;
};

TEST(SinkEngineTest, ExactlyOnceStartChecks) {
  connector::SinkRegistry::Global()
      .RegisterSink(
          "plain-test",
          [](const connector::ConnectorOptions&,
             const connector::SinkConfig& c) -> Result<std::unique_ptr<connector::SinkConnector>> {
            auto s = std::make_unique<PlainSink>();
            s->g_ = c.guarantee;
            return std::unique_ptr<connector::SinkConnector>(std::move(s));
          })
      .IgnoreError();
  auto code_of = [](Database& db, const std::string& sql) {
    auto r = db.Execute(sql);
    return r.ok() ? ErrorCode::kNone : r.status().error_code();
  };
  const std::string eo = "'delivery.guarantee' = 'exactly-once'";
  {
    auto mem = Database::Open(Options{}).ValueOrDie();
    Exec(*mem, kSource);
    EXPECT_EQ(code_of(*mem, "CREATE SINK a FROM ev INTO BLACKHOLE (" + eo + ")"),
              ErrorCode::kExactlyOnceNoCheckpoint);
    EXPECT_EQ(code_of(*mem, "SET delivery.guarantee = 'exactly-once'"),
              ErrorCode::kExactlyOnceNoCheckpoint);
  }
  ScopedTempDir tmp;
  {
    auto off = Open(tmp.Join("off"), WalMode::kOff);
    Exec(*off, kSource);
    auto r = off->Execute("CREATE SINK a FROM ev INTO BLACKHOLE (" + eo + ")");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().error_code(), ErrorCode::kExactlyOnceNonReplayable);
    EXPECT_NE(r.status().message().find("source 'ev'"), std::string::npos);
  }
  auto db = Open(tmp.Join("db"));
  Exec(*db, kSource);
  EXPECT_EQ(code_of(*db, "CREATE SINK a FROM ev INTO PLAIN_TEST (" + eo + ")"),
            ErrorCode::kExactlyOnceSinkUnsupported);
  Exec(*db, "CREATE SINK b FROM ev INTO BLACKHOLE ()");
  // The pipeline cannot become exactly-once while an at-least-once sink exists.
  EXPECT_EQ(code_of(*db, "SET delivery.guarantee = 'exactly-once'"),
            ErrorCode::kExactlyOnceSinkUnsupported);
  Exec(*db, "DROP SINK b");
  Exec(*db, "SET delivery.guarantee = 'exactly-once'");
  EXPECT_EQ(code_of(*db, "CREATE SINK c FROM ev INTO BLACKHOLE ()"),
            ErrorCode::kExactlyOnceSinkUnsupported);
  EXPECT_EQ(code_of(*db,
                    "CREATE SINK c FROM ev INTO BLACKHOLE ('delivery.guarantee' = "
                    "'at-least-once')"),
            ErrorCode::kMixedDeliveryCapabilities);
  EXPECT_EQ(code_of(*db, "CREATE SINK c FROM ev INTO BLACKHOLE (" + eo + ")"), ErrorCode::kNone);
  EXPECT_EQ(code_of(*db, "CREATE SINK d FROM ev INTO BLACKHOLE ('delivery.guarantee' = 'twice')"),
            ErrorCode::kConnectorConfig);
}

TEST(SinkEngineTest, CheckpointRunsTwoPhaseCommit) {
  MemorySinkStore::Reset("2pc");
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  auto db = Open(dir);
  Exec(*db, kSource);
  Exec(*db, EoSink("2pc"));
  auto store = MemorySinkStore::Get("2pc");
  Exec(*db, Insert(0, 3));
  EXPECT_TRUE(store->CommittedRows().empty());
  EXPECT_EQ(store->StagedRows(), 3);
  Exec(*db, "CHECKPOINT");
  EXPECT_EQ(store->CommittedRows(), Ids(0, 3));
  EXPECT_EQ(store->Events(), (std::vector<std::string>{"open fresh", "rollback 1", "begin 1",
                                                       "precommit 1", "commit 1", "begin 2"}));
  uint64_t id = 0;
  auto m = NewestManifest(dir, &id);
  EXPECT_EQ(m.sink_epochs.at("out"), 1u);
  EXPECT_EQ(m.sink_commit_statuses.at("out").state, storage::SinkCommitStatus::State::kCommitted);
  EXPECT_TRUE(std::filesystem::exists(
      dir + "/checkpoints/" + storage::FileCheckpointStore::CheckpointDirName(id) + "/commit"));
}

TEST(SinkEngineTest, CrashReplaysUncommittedOutputIntoANewEpoch) {
  MemorySinkStore::Reset("crash");
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  auto store = MemorySinkStore::Get("crash");
  {
    auto db = Open(dir);
    Exec(*db, kSource);
    Exec(*db, EoSink("crash"));
    Exec(*db, Insert(0, 2));
    Exec(*db, "CHECKPOINT");
    Exec(*db, Insert(2, 5));  // staged in epoch 2, then the process "crashes"
  }
  EXPECT_EQ(store->CommittedRows(), Ids(0, 2));
  {
    auto db = Open(dir);
    EXPECT_EQ(store->CommittedRows(), Ids(0, 2));
    EXPECT_EQ(store->StagedRows(), 3);  // the WAL replay re-produced rows 2..4
    Exec(*db, Insert(5, 6));
    Exec(*db, "CHECKPOINT");
    EXPECT_EQ(store->CommittedRows(), Ids(0, 6));
  }
  auto ev = store->Events();
  EXPECT_NE(std::find(ev.begin(), ev.end(), "open recovered 1"), ev.end());
}

TEST(SinkEngineTest, CommitFailureAfterDecisionIsRedrivenOnRecovery) {
  MemorySinkStore::Reset("redrive");
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  auto store = MemorySinkStore::Get("redrive");
  uint64_t id = 0;
  {
    auto db = Open(dir);
    Exec(*db, kSource);
    Exec(*db, EoSink("redrive"));
    Exec(*db, Insert(0, 2));
    Exec(*db, "CHECKPOINT");
    Exec(*db, Insert(2, 4));
    store->FailNext(Step::kCommit);
    Exec(*db, "CHECKPOINT");  // decided: the checkpoint stands, the sink reports Failed
    auto m = NewestManifest(dir, &id);
    EXPECT_EQ(m.sink_commit_statuses.at("out").state, storage::SinkCommitStatus::State::kFailed);
    EXPECT_EQ(store->CommittedRows(), Ids(0, 2));
  }
  {
    auto db = Open(dir);
    EXPECT_EQ(store->CommittedRows(), Ids(0, 4));  // re-driven before anything else
    uint64_t id2 = 0;
    auto m = NewestManifest(dir, &id2);
    EXPECT_EQ(id2, id);
    EXPECT_EQ(m.sink_commit_statuses.at("out").state, storage::SinkCommitStatus::State::kCommitted);
    Exec(*db, "CHECKPOINT");
    EXPECT_EQ(store->CommittedRows(), Ids(0, 4));
  }
}

TEST(SinkEngineTest, PendingCheckpointWithoutDecisionIsSkipped) {
  MemorySinkStore::Reset("pending");
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  auto store = MemorySinkStore::Get("pending");
  {
    auto db = Open(dir);
    Exec(*db, kSource);
    Exec(*db, EoSink("pending"));
    Exec(*db, Insert(0, 2));
    Exec(*db, "CHECKPOINT");
    Exec(*db, Insert(2, 4));
    store->FailNext(Step::kCommit);
    Exec(*db, "CHECKPOINT");
  }
  // Turn checkpoint 2 into one that crashed between the manifest and the commit decision.
  uint64_t id = 0;
  auto m = NewestManifest(dir, &id);
  m.sink_commit_statuses["out"] = storage::SinkCommitStatus{};
  storage::FileCheckpointStore cs(*storage::FileSystem::Default(), dir);
  ASSERT_TRUE(cs.UpdateManifest(m).ok());
  const std::string cp_dir =
      dir + "/checkpoints/" + storage::FileCheckpointStore::CheckpointDirName(id);
  ASSERT_TRUE(std::filesystem::remove(cp_dir + "/commit"));
  {
    auto db = Open(dir);
    // Checkpoint 1 restored; epoch 2 rolled back and produced again by the WAL replay.
    EXPECT_EQ(store->CommittedRows(), Ids(0, 2));
    EXPECT_EQ(store->StagedRows(), 2);
    EXPECT_EQ(db->metrics().last_checkpoint_id, id - 1);
    Exec(*db, "CHECKPOINT");
    EXPECT_EQ(store->CommittedRows(), Ids(0, 4));
  }
}

TEST(SinkEngineTest, FailureBeforeDecisionRollsBackAndStopsThePipeline) {
  MemorySinkStore::Reset("fail");
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  auto store = MemorySinkStore::Get("fail");
  {
    auto db = Open(dir);
    Exec(*db, kSource);
    Exec(*db, EoSink("fail"));
    Exec(*db, Insert(0, 2));
    store->FailNext(Step::kPreCommit);
    auto cp = db->Checkpoint();
    ASSERT_FALSE(cp.ok());
    EXPECT_EQ(store->StagedRows(), 0);  // rolled back
    auto ev = store->Events();
    EXPECT_NE(std::find(ev.begin(), ev.end(), "rollback 1"), ev.end());
    auto push = db->Execute(Insert(2, 3));
    ASSERT_FALSE(push.ok());
    EXPECT_EQ(push.status().error_code(), ErrorCode::kCheckpointFailed);
    EXPECT_NE(push.status().message().find("Reopen the database"), std::string::npos);
    EXPECT_TRUE(db->Shutdown().ok());
  }
  {
    auto db = Open(dir);
    Exec(*db, Insert(2, 3));
    Exec(*db, "CHECKPOINT");
    EXPECT_EQ(store->CommittedRows(), Ids(0, 3));
  }
}

TEST(SinkEngineTest, ShutdownTakesAFinalCheckpoint) {
  MemorySinkStore::Reset("final");
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  const std::string path = tmp.Join("final.csv");
  auto store = MemorySinkStore::Get("final");
  uint64_t final_id = 0;
  {
    auto db = Open(dir);
    Exec(*db, kSource);
    Exec(*db, EoSink("final"));
    Exec(*db, "CREATE SINK f FROM ev INTO FILE (path = '" + path +
                  "', 'delivery.guarantee' = 'exactly-once') FORMAT CSV");
    Exec(*db, Insert(0, 3));
    EXPECT_EQ(ReadFile(path), "id,k\n");
    ASSERT_TRUE(db->Shutdown().ok());
    final_id = db->metrics().last_checkpoint_id;
    EXPECT_GT(final_id, 0u);
  }
  EXPECT_EQ(store->CommittedRows(), Ids(0, 3));
  EXPECT_EQ(ReadFile(path), "id,k\n0,k0\n1,k1\n2,k0\n");
  uint64_t id = 0;
  auto m = NewestManifest(dir, &id);
  EXPECT_EQ(id, final_id);
  {
    auto db = Open(dir);
    EXPECT_EQ(db->metrics().last_checkpoint_id, final_id);
    EXPECT_EQ(store->StagedRows(), 0);  // nothing replayed
    ASSERT_TRUE(db->Shutdown().ok());   // idle: no new checkpoint
    EXPECT_EQ(db->metrics().last_checkpoint_id, final_id);
  }
  EXPECT_EQ(ReadFile(path), "id,k\n0,k0\n1,k1\n2,k0\n");
}

// CREATE SINK ... FROM (query): the query runs as a hidden stream whose state is checkpointed
// with the rest; the sink comes back on reopen and every closed window reaches the exactly-once
// sink once, although the window was half-full at the checkpoint and the process crashed.
TEST(SinkEngineTest, QuerySinkIsExactlyOnceAcrossCrashAndRestart) {
  MemorySinkStore::Reset("q-win");
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  const std::string path = tmp.Join("win.csv");
  auto store = MemorySinkStore::Get("q-win");
  const std::string query =
      "(SELECT k, window_start, COUNT(*) AS c FROM tev GROUP BY k, "
      "TUMBLE(ts, INTERVAL '10' SECOND) EMIT ON WINDOW CLOSE)";
  auto push = [](Database& db, const std::string& k, int second) {
    Exec(db, "INSERT INTO tev VALUES ('" + k + "', TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '" +
                 std::to_string(second) + "' SECOND)");
  };
  {
    auto db = Open(dir);
    Exec(*db, "CREATE SOURCE tev (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts)");
    Exec(*db, "CREATE SINK wins FROM " + query +
                  " WHERE c > 0 INTO MEMORY (id = 'q-win', 'delivery.guarantee' = 'exactly-once')");
    Exec(*db, "CREATE SINK wfile FROM " + query + " INTO FILE (path = '" + path +
                  "', 'delivery.guarantee' = 'exactly-once') FORMAT CSV");
    // The hidden query is not a visible stream.
    EXPECT_EQ(db->Execute("SHOW STREAMS").ValueOrDie().num_rows(), 0);
    for (const auto& n : db->OutputNames()) EXPECT_EQ(n.find("__sink_"), std::string::npos) << n;
    EXPECT_FALSE(db->Execute("SELECT * FROM __sink_wins").ok());
    push(*db, "a", 1);
    push(*db, "a", 2);
    push(*db, "b", 3);
    Exec(*db, "CHECKPOINT");  // window [0, 10) half-full
    push(*db, "a", 4);
    push(*db, "b", 12);  // closes [0, 10): staged in epoch 2, then the process crashes
    EXPECT_EQ(store->StagedRows(), 2);
  }
  EXPECT_TRUE(store->CommittedRows().empty());
  {
    auto db = Open(dir);
    auto show = db->Execute("SHOW SINKS").ValueOrDie();
    ASSERT_EQ(show.num_rows(), 2);
    EXPECT_EQ(columnar::GetScalar(*show.batches[0]->column(1), 0).ToString(), query);
    Exec(*db, "CHECKPOINT");
    EXPECT_EQ(store->CommittedRows(),
              (std::vector<std::string>{"a|2024-01-01 00:00:00|3", "b|2024-01-01 00:00:00|1"}));
    push(*db, "b", 15);
    ASSERT_TRUE(db->Shutdown().ok());  // final checkpoint; [10, 20) still open
  }
  {
    auto db = Open(dir);
    push(*db, "a", 25);  // closes [10, 20)
    Exec(*db, "CHECKPOINT");
  }
  EXPECT_EQ(store->CommittedRows(),
            (std::vector<std::string>{"a|2024-01-01 00:00:00|3", "b|2024-01-01 00:00:00|1",
                                      "b|2024-01-01 00:00:10|2"}));
  EXPECT_EQ(ReadFile(path),
            "k,window_start,c\na,2024-01-01 00:00:00,3\nb,2024-01-01 00:00:00,1\n"
            "b,2024-01-01 00:00:10,2\n");
}

TEST(SinkEngineTest, QuerySinkErrorsLeaveNothingBehind) {
  ScopedTempDir tmp;
  auto db = Open(tmp.Join("db"));
  Exec(*db, kSource);
  auto bad = db->Execute("CREATE SINK s FROM (SELECT nope FROM ev) INTO BLACKHOLE ()");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("nope"), std::string::npos) << bad.status().ToString();
  EXPECT_NE(bad.status().ToString().find("sink 's'"), std::string::npos) << bad.status().ToString();
  auto bad_where = db->Execute(
      "CREATE SINK s FROM (SELECT id FROM ev) WHERE k = 'x' INTO "
      "BLACKHOLE ()");
  ASSERT_FALSE(bad_where.ok());
  // Neither attempt left a hidden stream or a sink: the name is free.
  Exec(*db, "CREATE SINK s FROM (SELECT id FROM ev WHERE id > 1) INTO BLACKHOLE ()");
  auto dep = db->Execute("DROP SOURCE ev");
  ASSERT_FALSE(dep.ok());
  EXPECT_NE(dep.status().message().find("sink s"), std::string::npos) << dep.status().ToString();
  Exec(*db, "DROP SOURCE ev CASCADE");
  EXPECT_EQ(db->Execute("SHOW SINKS").ValueOrDie().num_rows(), 0);
  Exec(*db, kSource);
  Exec(*db, "CREATE SINK s FROM (SELECT id FROM ev) INTO BLACKHOLE ()");
  Exec(*db, "DROP SINK s");
  Exec(*db, "CREATE STREAM t AS SELECT id FROM ev");
  Exec(*db, "CREATE SINK named FROM t INTO BLACKHOLE ()");
  auto named_dep = db->Execute("DROP STREAM t");
  ASSERT_FALSE(named_dep.ok());
  EXPECT_NE(named_dep.status().message().find("sink named"), std::string::npos);
}

// DROP SINK rolls the open epoch back: staged output never becomes visible, committed output
// stays, the file sink's staging directory is removed; the same holds when the DROP is replayed
// from the WAL after a crash.
TEST(SinkEngineTest, DropSinkRollsBackTheOpenEpoch) {
  MemorySinkStore::Reset("drop");
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  const std::string path = tmp.Join("drop.jsonl");
  const std::string staging = path + ".laminar";
  auto store = MemorySinkStore::Get("drop");
  {
    auto db = Open(dir);
    Exec(*db, kSource);
    Exec(*db, EoSink("drop"));
    Exec(*db, "CREATE SINK f FROM ev INTO FILE (path = '" + path +
                  "', 'delivery.guarantee' = 'exactly-once') FORMAT JSON");
    Exec(*db, Insert(0, 2));
    Exec(*db, "CHECKPOINT");
    Exec(*db, Insert(2, 4));  // epoch 2, staged
    EXPECT_EQ(store->StagedRows(), 2);
    Exec(*db, "DROP SINK out");
    Exec(*db, "DROP SINK f");
    EXPECT_EQ(store->StagedRows(), 0);
    EXPECT_EQ(store->CommittedRows(), Ids(0, 2));
    auto ev = store->Events();
    ASSERT_GE(ev.size(), 2u);
    EXPECT_EQ(ev[ev.size() - 2], "rollback 2");
    EXPECT_EQ(ev.back(), "close");
    EXPECT_FALSE(std::filesystem::exists(staging));
    EXPECT_EQ(ReadFile(path), "{\"id\":0,\"k\":\"k0\"}\n{\"id\":1,\"k\":\"k1\"}\n");
    Exec(*db, Insert(4, 5));
    Exec(*db, "CHECKPOINT");
  }
  EXPECT_EQ(store->CommittedRows(), Ids(0, 2));
  // Crash between the DROP and the next checkpoint: recovery re-creates both sinks from the
  // checkpoint, the WAL replay stages rows 2..3 again, and the replayed DROP discards them.
  MemorySinkStore::Reset("drop2");
  auto store2 = MemorySinkStore::Get("drop2");
  const std::string dir2 = tmp.Join("db2");
  const std::string path2 = tmp.Join("drop2.jsonl");
  {
    auto db = Open(dir2);
    Exec(*db, kSource);
    Exec(*db,
         "CREATE SINK out FROM ev INTO MEMORY (id = 'drop2', "
         "'delivery.guarantee' = 'exactly-once')");
    Exec(*db, "CREATE SINK f FROM ev INTO FILE (path = '" + path2 +
                  "', 'delivery.guarantee' = 'exactly-once') FORMAT JSON");
    Exec(*db, Insert(0, 2));
    Exec(*db, "CHECKPOINT");
    Exec(*db, Insert(2, 4));
    Exec(*db, "DROP SINK out");
    Exec(*db, "DROP SINK f");
  }
  {
    auto db = Open(dir2);
    EXPECT_EQ(db->Execute("SHOW SINKS").ValueOrDie().num_rows(), 0);
    EXPECT_EQ(store2->StagedRows(), 0);
    EXPECT_EQ(store2->CommittedRows(), Ids(0, 2));
    EXPECT_FALSE(std::filesystem::exists(path2 + ".laminar"));
    EXPECT_EQ(ReadFile(path2), "{\"id\":0,\"k\":\"k0\"}\n{\"id\":1,\"k\":\"k1\"}\n");
    Exec(*db, Insert(4, 6));
    ASSERT_TRUE(db->Shutdown().ok());
  }
  EXPECT_EQ(store2->CommittedRows(), Ids(0, 2));
}

// SET delivery.guarantee is pipeline-wide and survives restart (checkpoint catalog) and crash
// (WAL), so an at-least-once sink cannot sneak into an exactly-once pipeline after a reopen.
TEST(SinkEngineTest, PipelineGuaranteeSurvivesReopen) {
  ScopedTempDir tmp;
  const std::string al = "CREATE SINK al FROM ev INTO BLACKHOLE ()";
  for (bool checkpoint : {false, true}) {
    const std::string dir = tmp.Join(checkpoint ? "cp" : "wal");
    {
      auto db = Open(dir);
      Exec(*db, kSource);
      Exec(*db, "SET delivery.guarantee = 'exactly-once'");
      if (checkpoint) Exec(*db, "CHECKPOINT");
    }  // crash
    {
      auto db = Open(dir);
      auto r = db->Execute(al);
      ASSERT_FALSE(r.ok()) << "checkpoint=" << checkpoint;
      EXPECT_EQ(r.status().error_code(), ErrorCode::kExactlyOnceSinkUnsupported);
      ASSERT_TRUE(db->Shutdown().ok());
    }
    {
      auto db = Open(dir);  // after a clean restart (final checkpoint)
      EXPECT_FALSE(db->Execute(al).ok());
      Exec(*db, "SET delivery.guarantee = 'at-least-once'");
    }
    {
      auto db = Open(dir);
      Exec(*db, al);
    }
  }
}

// SHOW CHECKPOINT STATUS as in the reference: one row always; the newest checkpoint's id, epoch,
// time and the source/sink names of its manifest (", "-separated, sorted); the number of
// checkpoints in the store. Also after a reopen (the restored checkpoint).
TEST(SinkEngineTest, ShowCheckpointStatusMatchesTheReference) {
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  auto status = [](Database& db) {
    auto r = db.Execute("SHOW CHECKPOINT STATUS").ValueOrDie();
    EXPECT_EQ(r.num_rows(), 1);
    std::vector<std::string> names;
    for (const auto& f : r.schema->fields()) names.push_back(f->name);
    EXPECT_EQ(names, (std::vector<std::string>{"checkpoint_id", "epoch", "timestamp_ms", "sources",
                                               "sinks", "total_checkpoints"}));
    std::vector<std::string> row;
    for (int c = 0; c < r.batches[0]->num_columns(); ++c) {
      row.push_back(columnar::GetScalar(*r.batches[0]->column(c), 0).ToString());
    }
    return row;
  };
  {
    auto db = Open(dir);
    auto none = status(*db);
    EXPECT_EQ(none, (std::vector<std::string>{"0", "0", "0", "", "", "0"}));
    Exec(*db, kSource);
    Exec(*db, "CREATE SOURCE other (x BIGINT)");
    Exec(*db, "CREATE SINK zz FROM ev INTO BLACKHOLE ()");
    Exec(*db, "CREATE SINK aa FROM (SELECT id FROM ev) INTO BLACKHOLE ()");
    Exec(*db, "CHECKPOINT");
    Exec(*db, "CHECKPOINT");
    Exec(*db, "DROP SINK zz");  // not in the newest manifest yet
    auto row = status(*db);
    EXPECT_EQ(row[0], "2");
    EXPECT_EQ(row[1], "2");
    EXPECT_GT(std::stoll(row[2]), 0);
    EXPECT_EQ(row[3], "ev, other");
    EXPECT_EQ(row[4], "aa, zz");
    EXPECT_EQ(row[5], "2");
  }
  auto db = Open(dir);
  auto row = status(*db);
  EXPECT_EQ(row[0], "2");
  EXPECT_EQ(row[4], "aa, zz");
  Exec(*db, "CHECKPOINT");
  row = status(*db);
  EXPECT_EQ(row[0], "3");
  EXPECT_EQ(row[4], "aa");
  EXPECT_EQ(row[5], "3");
}

// SET checkpoint_interval (REFERENCE §1.2) starts, changes and stops the interval checkpoints,
// and like every SET it survives a crash (WAL) and a restart (checkpoint catalog).
TEST(SinkEngineTest, CheckpointIntervalIsASetPropertyThatSurvivesReopen) {
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  auto wait_for_checkpoint = [](Database& db) {
    for (int i = 0; i < 2000 && db.metrics().checkpoints_completed == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return db.metrics().checkpoints_completed;
  };
  {
    auto mem = Database::Open(Options{}).ValueOrDie();
    EXPECT_FALSE(mem->Execute("SET checkpoint_interval = '1s'").ok());
    Exec(*mem, "SET checkpoint_interval = 'off'");
  }
  {
    auto db = Open(dir);
    auto bad = db->Execute("SET checkpoint_interval = 'soon'");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.status().message().find("'soon'"), std::string::npos);
    Exec(*db, kSource);
    Exec(*db, "SET checkpoint_interval = '20ms'");
    Exec(*db, Insert(0, 1));
    EXPECT_GE(wait_for_checkpoint(*db), 1u);
    Exec(*db, Insert(1, 2));  // logged after the interval checkpoint; then a crash
  }
  {
    auto db = Open(dir);  // the interval came back: checkpoints without another SET
    Exec(*db, Insert(2, 3));
    EXPECT_GE(wait_for_checkpoint(*db), 1u);
    Exec(*db, "SET checkpoint_interval = 'off'");
    ASSERT_TRUE(db->Shutdown().ok());
  }
  {
    auto db = Open(dir);
    Exec(*db, Insert(3, 4));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(db->metrics().checkpoints_completed, 0u);  // 'off' came back too
    auto rows = db->Execute("SELECT COUNT(*) FROM ev").ValueOrDie();
    EXPECT_EQ(columnar::GetScalar(*rows.batches[0]->column(0), 0).ToString(), "4");
  }
}

// A sink's hidden query keeps no rows for ad-hoc SELECT (nothing can read them), so its
// checkpoint entry stays small while a visible stream with the same query retains its output.
TEST(SinkEngineTest, HiddenSinkQueryRetainsNoRows) {
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  auto db = Open(dir);
  Exec(*db, kSource);
  Exec(*db, "CREATE STREAM visible AS SELECT id, k FROM ev WHERE id >= 0");
  Exec(*db, "CREATE SINK s FROM (SELECT id, k FROM ev WHERE id >= 0) INTO BLACKHOLE ()");
  Exec(*db, Insert(0, 200));
  Exec(*db, "CHECKPOINT");
  storage::FileCheckpointStore store(*storage::FileSystem::Default(), dir);
  auto ids = store.ListCheckpoints().ValueOrDie();
  ASSERT_FALSE(ids.empty());
  auto cp = store.Load(ids.back()).ValueOrDie();
  ASSERT_TRUE(cp.states.count("mv:__sink_s"));
  ASSERT_TRUE(cp.states.count("mv:visible"));
  EXPECT_LT(cp.states.at("mv:__sink_s").size(), 64u);
  EXPECT_GT(cp.states.at("mv:visible").size(), 200u * 8);
  auto rows = db->Execute("SELECT COUNT(*) FROM visible").ValueOrDie();
  EXPECT_EQ(columnar::GetScalar(*rows.batches[0]->column(0), 0).ToString(), "200");
}

// A checkpoint written before sinks ran their query (a connector-less FROM (query) sink had no
// hidden stream, so no state for it) still restores: the query starts empty.
TEST(SinkEngineTest, CheckpointWithoutHiddenQueryStateStillRestores) {
  ScopedTempDir tmp;
  const std::string dir = tmp.Join("db");
  {
    auto db = Open(dir);
    Exec(*db, kSource);
    Exec(*db, "CREATE SINK s FROM (SELECT id FROM ev)");
    Exec(*db, Insert(0, 3));
    Exec(*db, "CHECKPOINT");
  }
  storage::FileCheckpointStore store(*storage::FileSystem::Default(), dir);
  auto ids = store.ListCheckpoints().ValueOrDie();
  ASSERT_EQ(ids.size(), 1u);
  auto cp = store.Load(ids.back()).ValueOrDie();
  ASSERT_EQ(cp.states.erase("stream:__sink_s"), 1u);
  ASSERT_EQ(cp.states.erase("mv:__sink_s"), 1u);
  storage::CheckpointManifest m = cp.manifest;
  m.checkpoint_id = 2;
  m.epoch = 2;
  ASSERT_TRUE(store.Save(m, cp.states).ok());
  auto db = Open(dir);
  auto st = db->Execute("SHOW CHECKPOINT STATUS").ValueOrDie();
  EXPECT_EQ(columnar::GetScalar(*st.batches[0]->column(0), 0).ToString(), "2");  // not skipped
  EXPECT_EQ(db->Execute("SHOW SINKS").ValueOrDie().num_rows(), 1);
  Exec(*db, Insert(3, 4));
  Exec(*db, "CHECKPOINT");
}

}  // namespace
}  // namespace laminar
