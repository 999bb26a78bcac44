// The file sink: exactly-once staging/commit, idempotent re-commit after crashes at every byte of
// the commit's append, rollback, fresh vs recovered open, at-least-once appends.
#include "connector/sinks/file_sink.h"

#include <gtest/gtest.h>

#include "columnar/batch_literal.h"
#include "connector/sink.h"
#include "storage/fault_injection_file_system.h"
#include "storage/tests/test_util.h"

namespace laminar::connector {
namespace {

using storage::testing::ScopedTempDir;

RecordBatchPtr Rows(int64_t from, int64_t to) {
  std::string lit;
  for (int64_t i = from; i < to; ++i) lit += std::to_string(i) + ", 'v" + std::to_string(i) + "'\n";
  return columnar::BatchFromLiteral("id BIGINT, s VARCHAR", lit).ValueOrDie();
}

std::string Expected(int64_t from, int64_t to) {
  std::string out;
  for (int64_t i = from; i < to; ++i) {
    out += "{\"id\":" + std::to_string(i) + ",\"s\":\"v" + std::to_string(i) + "\"}\n";
  }
  return out;
}

std::unique_ptr<SinkConnector> MakeSink(storage::FileSystem* fs, const std::string& path,
                                        DeliveryGuarantee g, std::string format = "") {
  SinkConfig config;
  config.sink_name = "out";
  config.guarantee = g;
  config.fs = fs;
  config.format = std::move(format);
  auto sink = SinkRegistry::Global().CreateSink("file", {{"path", path}}, config);
  EXPECT_TRUE(sink.ok()) << sink.status().ToString();
  return std::move(sink).ValueOrDie();
}

std::string Read(const std::string& path) {
  return storage::FileSystem::Default()->ReadFileToString(path).ValueOr(std::string("<missing>"));
}

TEST(FileSinkTest, ExactlyOnceOutputAppearsOnlyAtCommit) {
  ScopedTempDir dir;
  const std::string path = dir.Join("out/result.jsonl");
  auto sink = MakeSink(nullptr, path, DeliveryGuarantee::kExactlyOnce);
  auto batch = Rows(0, 3);
  ASSERT_TRUE(sink->Open({batch->schema(), std::nullopt}).ok());
  ASSERT_TRUE(sink->BeginEpoch(1).ok());
  ASSERT_TRUE(sink->WriteBatch(*batch).ok());
  ASSERT_TRUE(sink->PreCommit(1).ok());
  EXPECT_EQ(Read(path), "");  // staged only
  ASSERT_TRUE(sink->CommitEpoch(1).ok());
  EXPECT_EQ(Read(path), Expected(0, 3));
  ASSERT_TRUE(sink->CommitEpoch(1).ok());  // idempotent
  ASSERT_TRUE(sink->BeginEpoch(2).ok());
  ASSERT_TRUE(sink->WriteBatch(*Rows(3, 5)).ok());
  ASSERT_TRUE(sink->PreCommit(2).ok());
  ASSERT_TRUE(sink->CommitEpoch(2).ok());
  EXPECT_EQ(Read(path), Expected(0, 5));
  ASSERT_TRUE(sink->BeginEpoch(3).ok());
  ASSERT_TRUE(sink->WriteBatch(*Rows(5, 9)).ok());
  ASSERT_TRUE(sink->RollbackEpoch(3).ok());
  ASSERT_TRUE(sink->BeginEpoch(4).ok());
  ASSERT_TRUE(sink->PreCommit(4).ok());  // empty epoch
  ASSERT_TRUE(sink->CommitEpoch(4).ok());
  ASSERT_TRUE(sink->Close().ok());
  EXPECT_EQ(Read(path), Expected(0, 5));
  auto* file_sink = static_cast<FileSink*>(sink.get());
  EXPECT_EQ(file_sink->committed_epoch(), 2u);
  EXPECT_EQ(file_sink->committed_length(), Expected(0, 5).size());
}

// DROP SINK: the runtime rolls the open epoch back and closes the sink; Destroy() then removes
// the staging directory (staged epochs and the commit record) and leaves published output.
TEST(FileSinkTest, DestroyRemovesStagingAndKeepsPublishedOutput) {
  ScopedTempDir dir;
  const std::string path = dir.Join("out.jsonl");
  auto sink = MakeSink(nullptr, path, DeliveryGuarantee::kExactlyOnce);
  auto* fs = storage::FileSystem::Default();
  ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), std::nullopt}).ok());
  ASSERT_TRUE(sink->BeginEpoch(1).ok());
  ASSERT_TRUE(sink->WriteBatch(*Rows(0, 2)).ok());
  ASSERT_TRUE(sink->PreCommit(1).ok());
  ASSERT_TRUE(sink->CommitEpoch(1).ok());
  ASSERT_TRUE(sink->BeginEpoch(2).ok());
  ASSERT_TRUE(sink->WriteBatch(*Rows(2, 4)).ok());
  ASSERT_TRUE(sink->PreCommit(2).ok());  // staged, never decided
  auto* file_sink = static_cast<FileSink*>(sink.get());
  EXPECT_TRUE(fs->FileExists(file_sink->StagedPath(2)));
  ASSERT_TRUE(sink->RollbackEpoch(2).ok());
  ASSERT_TRUE(sink->Close().ok());
  ASSERT_TRUE(sink->Destroy().ok());
  EXPECT_FALSE(fs->FileExists(path + ".laminar"));
  EXPECT_EQ(Read(path), Expected(0, 2));
  ASSERT_TRUE(sink->Destroy().ok());  // idempotent
  // A sink created later under the same path starts after the published output.
  auto again = MakeSink(nullptr, path, DeliveryGuarantee::kExactlyOnce);
  ASSERT_TRUE(again->Open({Rows(0, 1)->schema(), std::nullopt}).ok());
  ASSERT_TRUE(again->BeginEpoch(1).ok());
  ASSERT_TRUE(again->WriteBatch(*Rows(4, 5)).ok());
  ASSERT_TRUE(again->PreCommit(1).ok());
  ASSERT_TRUE(again->CommitEpoch(1).ok());
  EXPECT_EQ(Read(path), Expected(0, 2) + Expected(4, 5));
}

TEST(FileSinkTest, CommitOfSeveralPreCommittedEpochsKeepsOrder) {
  ScopedTempDir dir;
  const std::string path = dir.Join("r.jsonl");
  auto sink = MakeSink(nullptr, path, DeliveryGuarantee::kExactlyOnce);
  ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), std::nullopt}).ok());
  for (uint64_t e = 1; e <= 3; ++e) {
    ASSERT_TRUE(sink->BeginEpoch(e).ok());
    ASSERT_TRUE(sink->WriteBatch(*Rows(static_cast<int64_t>(e) * 10, e * 10 + 2)).ok());
    ASSERT_TRUE(sink->PreCommit(e).ok());
  }
  // A commit of epoch 3 publishes 1 and 2 first (their commits failed or were never driven).
  ASSERT_TRUE(sink->CommitEpoch(3).ok());
  EXPECT_EQ(Read(path), Expected(10, 12) + Expected(20, 22) + Expected(30, 32));
}

TEST(FileSinkTest, RecoveredOpenCutsPartialAppendAndRedrivesCommit) {
  ScopedTempDir dir;
  const std::string path = dir.Join("r.jsonl");
  {
    auto sink = MakeSink(nullptr, path, DeliveryGuarantee::kExactlyOnce);
    ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), std::nullopt}).ok());
    ASSERT_TRUE(sink->BeginEpoch(1).ok());
    ASSERT_TRUE(sink->WriteBatch(*Rows(0, 2)).ok());
    ASSERT_TRUE(sink->PreCommit(1).ok());
    ASSERT_TRUE(sink->CommitEpoch(1).ok());
    ASSERT_TRUE(sink->BeginEpoch(2).ok());
    ASSERT_TRUE(sink->WriteBatch(*Rows(2, 4)).ok());
    ASSERT_TRUE(sink->PreCommit(2).ok());
    // "Crash" in the middle of committing epoch 2: half of its bytes reached the file.
  }
  std::string half = Expected(2, 4).substr(0, 7);
  {
    auto f = storage::FileSystem::Default()->ReopenWritableFile(path).ValueOrDie();
    ASSERT_TRUE(f->Append(storage::AsBytes(half)).ok());
    ASSERT_TRUE(f->Close().ok());
  }
  auto sink = MakeSink(nullptr, path, DeliveryGuarantee::kExactlyOnce);
  ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), 2}).ok());
  EXPECT_EQ(Read(path), Expected(0, 2));   // cut back to the committed length
  ASSERT_TRUE(sink->CommitEpoch(2).ok());  // re-driven by the coordinator
  EXPECT_EQ(Read(path), Expected(0, 4));
  ASSERT_TRUE(sink->CommitEpoch(2).ok());
  EXPECT_EQ(Read(path), Expected(0, 4));
}

TEST(FileSinkTest, FreshOpenDiscardsLeftoversAndKeepsHistory) {
  ScopedTempDir dir;
  const std::string path = dir.Join("r.jsonl");
  {
    auto sink = MakeSink(nullptr, path, DeliveryGuarantee::kExactlyOnce);
    ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), std::nullopt}).ok());
    ASSERT_TRUE(sink->BeginEpoch(1).ok());
    ASSERT_TRUE(sink->WriteBatch(*Rows(0, 2)).ok());
    ASSERT_TRUE(sink->PreCommit(1).ok());
    ASSERT_TRUE(sink->CommitEpoch(1).ok());
    ASSERT_TRUE(sink->BeginEpoch(2).ok());
    ASSERT_TRUE(sink->WriteBatch(*Rows(2, 4)).ok());
    ASSERT_TRUE(sink->PreCommit(2).ok());  // staged, never decided
  }
  auto sink = MakeSink(nullptr, path, DeliveryGuarantee::kExactlyOnce);
  ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), std::nullopt}).ok());
  auto* fs = static_cast<FileSink*>(sink.get());
  EXPECT_FALSE(storage::FileSystem::Default()->FileExists(fs->StagedPath(2)));
  // A new database numbers epochs from 1 again: its epoch 1 is new output, not a re-commit.
  ASSERT_TRUE(sink->BeginEpoch(1).ok());
  ASSERT_TRUE(sink->WriteBatch(*Rows(7, 8)).ok());
  ASSERT_TRUE(sink->PreCommit(1).ok());
  ASSERT_TRUE(sink->CommitEpoch(1).ok());
  EXPECT_EQ(Read(path), Expected(0, 2) + Expected(7, 8));
}

TEST(FileSinkTest, CorruptCommitRecordRefusesRecoveredOpen) {
  ScopedTempDir dir;
  const std::string path = dir.Join("r.jsonl");
  {
    auto sink = MakeSink(nullptr, path, DeliveryGuarantee::kExactlyOnce);
    ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), std::nullopt}).ok());
  }
  storage::testing::FlipBit(path + ".laminar/commit", 0, 1);
  auto sink = MakeSink(nullptr, path, DeliveryGuarantee::kExactlyOnce);
  Status st = sink->Open({Rows(0, 1)->schema(), 1});
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("commit record"), std::string::npos) << st.ToString();
}

TEST(FileSinkTest, AtLeastOnceAppendsWithOneCsvHeader) {
  ScopedTempDir dir;
  const std::string path = dir.Join("r.csv");
  for (int run = 0; run < 2; ++run) {
    auto sink = MakeSink(nullptr, path, DeliveryGuarantee::kAtLeastOnce, "csv");
    ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), std::nullopt}).ok());
    ASSERT_TRUE(sink->BeginEpoch(1).ok());
    ASSERT_TRUE(sink->WriteBatch(*Rows(run, run + 1)).ok());
    ASSERT_TRUE(sink->PreCommit(1).ok());  // flush + fsync
    ASSERT_TRUE(sink->Close().ok());
  }
  EXPECT_EQ(Read(path), "id,s\n0,v0\n1,v1\n");
}

// Power loss at every byte of the commit's append, and before the commit record is durable:
// after "reboot" the recovered sink re-drives the commit and the file holds each row once.
TEST(FileSinkTest, TornCommitAtEveryByteIsRecommittedExactlyOnce) {
  const std::string staged_text = Expected(2, 5);
  for (uint64_t keep = 0; keep <= staged_text.size() + 1; ++keep) {
    SCOPED_TRACE("keep=" + std::to_string(keep));
    ScopedTempDir dir(/*in_memory=*/true);
    storage::FaultInjectionFileSystem fs(storage::FileSystem::Default());
    const std::string path = dir.Join("r.jsonl");
    {
      auto sink = MakeSink(&fs, path, DeliveryGuarantee::kExactlyOnce);
      ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), std::nullopt}).ok());
      ASSERT_TRUE(sink->BeginEpoch(1).ok());
      ASSERT_TRUE(sink->WriteBatch(*Rows(0, 2)).ok());
      ASSERT_TRUE(sink->PreCommit(1).ok());
      ASSERT_TRUE(sink->CommitEpoch(1).ok());
      ASSERT_TRUE(sink->BeginEpoch(2).ok());
      ASSERT_TRUE(sink->WriteBatch(*Rows(2, 5)).ok());
      ASSERT_TRUE(sink->PreCommit(2).ok());
      if (keep <= staged_text.size()) {
        fs.TearNextWrite(keep);  // the append to the file tears
      } else {
        fs.FailNextSyncs(1);  // the append is complete but its fsync fails
      }
      EXPECT_FALSE(sink->CommitEpoch(2).ok());
    }
    ASSERT_TRUE(fs.DropUnsyncedData().ok());
    auto sink = MakeSink(&fs, path, DeliveryGuarantee::kExactlyOnce);
    ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), 2}).ok());
    ASSERT_TRUE(sink->CommitEpoch(2).ok());
    EXPECT_EQ(Read(path), Expected(0, 5));
  }
}

TEST(FileSinkTest, FailedPreCommitFsyncIsReportedAndRolledBack) {
  ScopedTempDir dir(/*in_memory=*/true);
  storage::FaultInjectionFileSystem fs(storage::FileSystem::Default());
  const std::string path = dir.Join("r.jsonl");
  auto sink = MakeSink(&fs, path, DeliveryGuarantee::kExactlyOnce);
  ASSERT_TRUE(sink->Open({Rows(0, 1)->schema(), std::nullopt}).ok());
  ASSERT_TRUE(sink->BeginEpoch(1).ok());
  ASSERT_TRUE(sink->WriteBatch(*Rows(0, 2)).ok());
  fs.FailNextSyncs(1);
  Status st = sink->PreCommit(1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("pre-commit of epoch 1 failed"), std::string::npos) << st.ToString();
  ASSERT_TRUE(sink->RollbackEpoch(1).ok());
  ASSERT_TRUE(sink->BeginEpoch(2).ok());
  ASSERT_TRUE(sink->WriteBatch(*Rows(5, 6)).ok());
  ASSERT_TRUE(sink->PreCommit(2).ok());
  ASSERT_TRUE(sink->CommitEpoch(2).ok());
  EXPECT_EQ(Read(path), Expected(5, 6));
}

}  // namespace
}  // namespace laminar::connector
