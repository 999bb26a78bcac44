// Sinks wired into the engine: CREATE/DROP/SHOW SINK, WHERE and changelog handling, the
// exactly-once start checks (LDB-5030..5033), the two-phase commit in the checkpoint
// coordinator, recovery (re-driven commits, skipped Pending checkpoints, rolled-back epochs) and
// the final checkpoint on Shutdown.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "columnar/scalar.h"
#include "connector/sink.h"
#include "connector/sinks/memory_sink.h"
#include "laminar/laminar.hpp"
#include "storage/checkpoint_store.h"
#include "storage/file_system.h"
#include "storage/manifest.h"
#include "storage/tests/test_util.h"

namespace laminar {
namespace {

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

void Exec(Database& db, const std::string& sql) {
  auto r = db.Execute(sql);
  ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
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

}  // namespace
}  // namespace laminar
