#include "storage/wal.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "storage/coding.h"
#include "storage/fault_injection_file_system.h"
#include "storage/tests/test_util.h"

namespace laminar::storage {
namespace {

using testing::ScopedTempDir;

std::string Payload(uint64_t i, size_t size = 0) {
  std::string s = "record-" + std::to_string(i);
  if (size > s.size()) s.resize(size, static_cast<char>('a' + i % 26));
  return s;
}

/// Reads every record from `start_lsn`; fails the test on a read error.
std::vector<std::pair<uint64_t, std::string>> ReadAll(FileSystem& fs, const std::string& dir,
                                                      uint64_t start_lsn = 1,
                                                      WalTail* tail = nullptr) {
  std::vector<std::pair<uint64_t, std::string>> out;
  WalReaderOptions opts;
  opts.start_lsn = start_lsn;
  auto reader = WalReader::Open(fs, dir, opts);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  WalRecord rec;
  while (true) {
    auto more = (*reader)->Next(&rec);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    out.emplace_back(rec.lsn, std::string(reinterpret_cast<const char*>(rec.payload.data()),
                                          rec.payload.size()));
  }
  if (tail != nullptr) *tail = (*reader)->tail();
  return out;
}

class WalTest : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_.Join("wal"); }
  std::unique_ptr<WalWriter> OpenWriter(WalOptions opts = {}) {
    auto w = WalWriter::Open(*FileSystem::Default(), dir(), opts);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? std::move(w).ValueUnsafe() : nullptr;
  }
  ScopedTempDir tmp_;
  FileSystem& fs_ = *FileSystem::Default();
};

TEST_F(WalTest, SegmentFileNameHasTwentyDigits) {
  EXPECT_EQ(WalSegmentFileName(1), "wal-00000000000000000001.log");
  EXPECT_EQ(WalSegmentFileName(18446744073709551615ull), "wal-18446744073709551615.log");
}

TEST_F(WalTest, AppendSyncReadBack) {
  auto w = OpenWriter();
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->next_lsn(), 1u);
  for (uint64_t i = 1; i <= 100; ++i) {
    auto lsn = w->Append(AsBytes(Payload(i)));
    ASSERT_TRUE(lsn.ok());
    EXPECT_EQ(*lsn, i);
  }
  EXPECT_EQ(w->durable_lsn(), 0u);
  ASSERT_OK(w->Sync());
  EXPECT_EQ(w->durable_lsn(), 100u);
  auto records = ReadAll(fs_, dir());
  ASSERT_EQ(records.size(), 100u);
  for (uint64_t i = 1; i <= 100; ++i) {
    EXPECT_EQ(records[i - 1].first, i);
    EXPECT_EQ(records[i - 1].second, Payload(i));
  }
}

TEST_F(WalTest, EmptyPayloadAndCustomTypeRoundTrip) {
  auto w = OpenWriter();
  ASSERT_TRUE(w->Append({}, 7).ok());
  ASSERT_OK(w->Sync());
  auto reader = WalReader::Open(fs_, dir());
  ASSERT_TRUE(reader.ok());
  WalRecord rec;
  ASSERT_TRUE(*(*reader)->Next(&rec));
  EXPECT_EQ(rec.type, 7);
  EXPECT_EQ(rec.lsn, 1u);
  EXPECT_TRUE(rec.payload.empty());
  EXPECT_FALSE(*(*reader)->Next(&rec));
}

TEST_F(WalTest, RejectsTypeZeroAndOversizedRecords) {
  auto w = OpenWriter();
  EXPECT_TRUE(w->Append(AsBytes("x"), 0).status().IsInvalid());
  std::vector<std::byte> huge(size_t{kWalMaxRecordPayload} + 1);
  EXPECT_TRUE(w->Append(huge).status().IsInvalid());
  // Rejected input does not poison the writer.
  EXPECT_TRUE(w->Append(AsBytes("ok")).ok());
  EXPECT_OK(w->status());
}

TEST_F(WalTest, RejectsTinySegmentSize) {
  WalOptions opts;
  opts.segment_size = 10;
  EXPECT_TRUE(WalWriter::Open(fs_, dir(), opts).status().IsInvalid());
}

TEST_F(WalTest, RollsSegmentsAndReadsAcrossThem) {
  WalOptions opts;
  opts.segment_size = 1024;
  auto w = OpenWriter(opts);
  for (uint64_t i = 1; i <= 200; ++i) ASSERT_TRUE(w->Append(AsBytes(Payload(i, 50))).ok());
  // A record larger than a segment gets a segment of its own.
  ASSERT_TRUE(w->Append(AsBytes(Payload(201, 5000))).ok());
  ASSERT_TRUE(w->Append(AsBytes(Payload(202))).ok());
  ASSERT_OK(w->Sync());
  EXPECT_GT(w->segments().size(), 10u);
  auto names = fs_.ListDir(dir());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), w->segments().size());
  EXPECT_EQ(names->front(), WalSegmentFileName(1));
  auto records = ReadAll(fs_, dir());
  ASSERT_EQ(records.size(), 202u);
  for (uint64_t i = 1; i <= 202; ++i) {
    EXPECT_EQ(records[i - 1].first, i);
    EXPECT_EQ(records[i - 1].second, Payload(i, i == 201 ? 5000 : (i == 202 ? 0 : 50)));
  }
  // Reading from the middle starts in the right segment.
  auto tail_records = ReadAll(fs_, dir(), 150);
  ASSERT_EQ(tail_records.size(), 53u);
  EXPECT_EQ(tail_records.front().first, 150u);
}

TEST_F(WalTest, ReopenContinuesWithNextLsn) {
  {
    auto w = OpenWriter();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(w->Append(AsBytes("a")).ok());
    ASSERT_OK(w->Close());
    EXPECT_FALSE(w->Append(AsBytes("after close")).ok());
  }
  auto w = OpenWriter();
  EXPECT_EQ(w->next_lsn(), 6u);
  EXPECT_EQ(w->durable_lsn(), 5u);
  auto lsn = w->Append(AsBytes("b"));
  ASSERT_TRUE(lsn.ok());
  EXPECT_EQ(*lsn, 6u);
  ASSERT_OK(w->Sync());
  EXPECT_EQ(ReadAll(fs_, dir()).size(), 6u);
}

TEST_F(WalTest, TruncateBeforeDeletesOnlyWholeSegmentsBelowLsn) {
  WalOptions opts;
  opts.segment_size = 256;
  auto w = OpenWriter(opts);
  for (uint64_t i = 1; i <= 60; ++i) ASSERT_TRUE(w->Append(AsBytes(Payload(i, 40))).ok());
  ASSERT_OK(w->Sync());
  std::vector<uint64_t> before = w->segments();
  ASSERT_GT(before.size(), 4u);
  const uint64_t keep_from = before[2] + 1;  // inside segment 2
  ASSERT_OK(w->TruncateBefore(keep_from));
  EXPECT_EQ(w->segments().front(), before[2]);
  auto records = ReadAll(fs_, dir(), keep_from);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.front().first, keep_from);
  EXPECT_EQ(records.back().first, 60u);
  // Records that were truncated away are reported, not silently skipped.
  WalReaderOptions ropts;
  ropts.start_lsn = 1;
  EXPECT_TRUE(WalReader::Open(fs_, dir(), ropts).status().IsNotFound());
  // The active segment survives even when everything is checkpointed.
  ASSERT_OK(w->TruncateBefore(1000));
  EXPECT_EQ(w->segments().size(), 1u);
  ASSERT_TRUE(w->Append(AsBytes("more")).ok());
  ASSERT_OK(w->Sync());
}

TEST_F(WalTest, GroupCommitUsesOneFsyncPerBatch) {
  FaultInjectionFileSystem fault(FileSystem::Default());
  auto w = WalWriter::Open(fault, dir());
  ASSERT_TRUE(w.ok());
  uint64_t syncs_before = fault.successful_syncs();
  for (int batch = 0; batch < 3; ++batch) {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE((*w)->Append(AsBytes("x")).ok());
    ASSERT_OK((*w)->Sync());
  }
  ASSERT_OK((*w)->Sync());  // nothing new: no fsync
  EXPECT_EQ(fault.successful_syncs() - syncs_before, 3u);
}

/// Polls until `done()` holds or 30 s pass (a liveness bound, not a timing assertion).
template <typename F>
bool Eventually(F done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST_F(WalTest, AsyncModeSyncsInTheBackgroundWhenBytesThresholdIsReached) {
  FaultInjectionFileSystem fault(FileSystem::Default());
  WalOptions opts;
  opts.sync_mode = WalSyncMode::kAsync;
  opts.async_flush_bytes = 1000;
  opts.async_flush_interval = std::chrono::hours(1);
  auto w = WalWriter::Open(fault, dir(), opts);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(AsBytes(Payload(1, 100))).ok());
  EXPECT_EQ((*w)->durable_lsn(), 0u);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*w)->Append(AsBytes(Payload(1, 100))).ok());
  EXPECT_TRUE(Eventually([&] { return (*w)->durable_lsn() >= 9u; }));
  // What the syncer reported durable really is: power loss keeps those records.
  const uint64_t durable = (*w)->durable_lsn();
  w->reset();
  ASSERT_OK(fault.DropUnsyncedData());
  EXPECT_GE(ReadAll(fault, dir()).size(), durable);
}

TEST_F(WalTest, AsyncModeSyncsOnTheTimerWithoutFurtherAppends) {
  WalOptions opts;
  opts.sync_mode = WalSyncMode::kAsync;
  opts.async_flush_interval = std::chrono::milliseconds(1);
  auto w = OpenWriter(opts);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->Append(AsBytes(Payload(1))).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_OK(w->SyncIfDue());  // hands the buffer to the OS, wakes the syncer
  EXPECT_TRUE(Eventually([&] { return w->durable_lsn() == 1u; }));
}

TEST_F(WalTest, AsyncBackgroundSyncFailureFailsTheWriterForGood) {
  FaultInjectionFileSystem fault(FileSystem::Default());
  WalOptions opts;
  opts.sync_mode = WalSyncMode::kAsync;
  opts.async_flush_bytes = 1;
  opts.async_flush_interval = std::chrono::hours(1);
  auto w = WalWriter::Open(fault, dir(), opts);
  ASSERT_TRUE(w.ok());
  fault.FailNextSyncs(1);
  ASSERT_TRUE((*w)->Append(AsBytes(Payload(1))).ok());  // wakes the syncer, whose sync fails
  Status st;
  EXPECT_TRUE(Eventually([&] {
    auto lsn = (*w)->Append(AsBytes(Payload(2)));
    if (lsn.ok()) return false;
    st = lsn.status();
    return true;
  }));
  EXPECT_NE(st.ToString().find("Input/output error"), std::string::npos) << st.ToString();
  EXPECT_EQ((*w)->durable_lsn(), 0u);
  EXPECT_FALSE((*w)->Sync().ok());  // never "succeeds" after a failed fsync
  EXPECT_FALSE((*w)->status().ok());
}

TEST_F(WalTest, AsyncAppendsConcurrentWithBackgroundSyncsKeepEveryDurableRecord) {
  FaultInjectionFileSystem fault(FileSystem::Default());
  WalOptions opts;
  opts.sync_mode = WalSyncMode::kAsync;
  opts.async_flush_bytes = 4096;
  opts.write_buffer_size = 1024;
  opts.segment_size = 64 << 10;  // several rolls while the syncer runs
  auto w = WalWriter::Open(fault, dir(), opts);
  ASSERT_TRUE(w.ok());
  for (uint64_t i = 1; i <= 2000; ++i) ASSERT_TRUE((*w)->Append(AsBytes(Payload(i, 300))).ok());
  const uint64_t durable = (*w)->durable_lsn();
  EXPECT_GT((*w)->segments().size(), 3u);
  ASSERT_OK(fault.DropUnsyncedData());  // power loss while the writer is open
  w->reset();
  auto records = ReadAll(fault, dir());  // a prefix: no torn record in a non-last segment
  EXPECT_GE(records.size(), durable);
  for (uint64_t i = 1; i <= records.size(); ++i) EXPECT_EQ(records[i - 1].second, Payload(i, 300));
}

TEST_F(WalTest, LargeRecordsAreWrittenDirectlyAndReadBack) {
  WalOptions opts;
  opts.direct_write_threshold = 100;
  auto w = OpenWriter(opts);
  ASSERT_NE(w, nullptr);
  // Small records stay buffered in front of a direct one: the order on disk must hold.
  ASSERT_TRUE(w->Append(AsBytes(Payload(1))).ok());
  ASSERT_TRUE(w->Append(AsBytes(Payload(2, 5000))).ok());
  ASSERT_TRUE(w->Append(AsBytes(Payload(3))).ok());
  ASSERT_TRUE(w->Append(AsBytes(Payload(4, 101))).ok());
  ASSERT_OK(w->Sync());
  auto records = ReadAll(fs_, dir());
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].second, Payload(1));
  EXPECT_EQ(records[1].second, Payload(2, 5000));
  EXPECT_EQ(records[2].second, Payload(3));
  EXPECT_EQ(records[3].second, Payload(4, 101));
}

TEST_F(WalTest, OffModeNeverSyncsButFlushesOnSync) {
  FaultInjectionFileSystem fault(FileSystem::Default());
  WalOptions opts;
  opts.sync_mode = WalSyncMode::kOff;
  auto w = WalWriter::Open(fault, dir(), opts);
  ASSERT_TRUE(w.ok());
  uint64_t syncs = fault.successful_syncs();
  ASSERT_TRUE((*w)->Append(AsBytes("abc")).ok());
  ASSERT_OK((*w)->Sync());
  EXPECT_EQ(fault.successful_syncs(), syncs);
  EXPECT_EQ(ReadAll(fault, dir()).size(), 1u);  // handed to the OS
}

TEST_F(WalTest, EmptyDirectoryReadsNothing) {
  ASSERT_OK(fs_.CreateDirs(dir()));
  WalTail tail;
  EXPECT_TRUE(ReadAll(fs_, dir(), 1, &tail).empty());
  EXPECT_EQ(tail.last_lsn, 0u);
}

TEST_F(WalTest, IgnoresForeignFiles) {
  auto w = OpenWriter();
  ASSERT_TRUE(w->Append(AsBytes("a")).ok());
  ASSERT_OK(w->Sync());
  ASSERT_OK(WriteFileAtomically(fs_, JoinPath(dir(), "README"), "hi"));
  ASSERT_OK(WriteFileAtomically(fs_, JoinPath(dir(), "wal-x.log"), "hi"));
  EXPECT_EQ(ReadAll(fs_, dir()).size(), 1u);
}

TEST_F(WalTest, TornTailIsCutOnReopenAndLsnsContinue) {
  {
    auto w = OpenWriter();
    for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(w->Append(AsBytes(Payload(i, 30))).ok());
    ASSERT_OK(w->Close());
  }
  std::string seg = JoinPath(dir(), WalSegmentFileName(1));
  uint64_t size = *fs_.GetFileSize(seg);
  ASSERT_OK(fs_.Truncate(seg, size - 5));  // tear record 10
  WalTail tail;
  auto records = ReadAll(fs_, dir(), 1, &tail);
  ASSERT_EQ(records.size(), 9u);
  EXPECT_EQ(tail.last_lsn, 9u);
  EXPECT_EQ(tail.dropped_bytes, kWalRecordHeaderSize + 30 - 5);
  EXPECT_EQ(tail.valid_end, size - (kWalRecordHeaderSize + 30));
  {
    WalReaderOptions strict;
    strict.recovery_mode = WalRecoveryMode::kAbsoluteConsistency;
    auto reader = WalReader::Open(fs_, dir(), strict);
    ASSERT_TRUE(reader.ok());
    WalRecord rec;
    Result<bool> more = true;
    while (more.ok() && *more) more = (*reader)->Next(&rec);
    EXPECT_TRUE(more.status().IsCorruption());
  }
  auto w = OpenWriter();
  EXPECT_EQ(w->next_lsn(), 10u);
  EXPECT_EQ(*fs_.GetFileSize(seg), tail.valid_end);
  ASSERT_TRUE(w->Append(AsBytes("new ten")).ok());
  ASSERT_OK(w->Sync());
  records = ReadAll(fs_, dir());
  ASSERT_EQ(records.size(), 10u);
  EXPECT_EQ(records.back(), std::make_pair(uint64_t{10}, std::string("new ten")));
}

TEST_F(WalTest, CorruptionInNonLastSegmentIsAnErrorNamingFileAndOffset) {
  WalOptions opts;
  opts.segment_size = 512;
  {
    auto w = OpenWriter(opts);
    for (uint64_t i = 1; i <= 40; ++i) ASSERT_TRUE(w->Append(AsBytes(Payload(i, 40))).ok());
    ASSERT_OK(w->Close());
  }
  std::string seg = JoinPath(dir(), WalSegmentFileName(1));
  const uint64_t offset = kWalSegmentHeaderSize + kWalRecordHeaderSize + 3;  // record 1 payload
  testing::FlipBit(seg, offset, 0);
  auto reader = WalReader::Open(fs_, dir());
  ASSERT_TRUE(reader.ok());
  WalRecord rec;
  auto more = (*reader)->Next(&rec);
  ASSERT_FALSE(more.ok());
  EXPECT_TRUE(more.status().IsCorruption());
  EXPECT_EQ(more.status().error_code(), ErrorCode::kWalCorruption);
  EXPECT_NE(more.status().message().find(seg), std::string::npos) << more.status().ToString();
  EXPECT_NE(more.status().message().find("offset 28"), std::string::npos);
  // The writer refuses to open only if the last segment is damaged; here it is not.
  EXPECT_NE(OpenWriter(opts), nullptr);
}

TEST_F(WalTest, BitFlipInMiddleOfLastSegmentIsNotMistakenForTornTail) {
  {
    auto w = OpenWriter();
    for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(w->Append(AsBytes(Payload(i, 30))).ok());
    ASSERT_OK(w->Close());
  }
  std::string seg = JoinPath(dir(), WalSegmentFileName(1));
  testing::FlipBit(seg, kWalSegmentHeaderSize + 4 * (kWalRecordHeaderSize + 30) + 20, 3);
  auto reader = WalReader::Open(fs_, dir());
  ASSERT_TRUE(reader.ok());
  WalRecord rec;
  int good = 0;
  Result<bool> more = true;
  while (true) {
    more = (*reader)->Next(&rec);
    if (!more.ok() || !*more) break;
    ++good;
  }
  EXPECT_EQ(good, 4);
  EXPECT_TRUE(more.status().IsCorruption()) << more.status().ToString();
  // The writer refuses to open a WAL whose acknowledged records are damaged.
  EXPECT_TRUE(WalWriter::Open(fs_, dir()).status().IsCorruption());
  // Point-in-time recovery is the explicit way out.
  WalReaderOptions pit;
  pit.recovery_mode = WalRecoveryMode::kPointInTime;
  auto pit_reader = WalReader::Open(fs_, dir(), pit);
  ASSERT_TRUE(pit_reader.ok());
  good = 0;
  while (*(*pit_reader)->Next(&rec)) ++good;
  EXPECT_EQ(good, 4);
}

TEST_F(WalTest, TornSegmentHeaderOfLastSegmentIsRewritten) {
  WalOptions opts;
  opts.segment_size = 256;
  uint64_t last_first = 0;
  {
    auto w = OpenWriter(opts);
    for (uint64_t i = 1; i <= 20; ++i) ASSERT_TRUE(w->Append(AsBytes(Payload(i, 40))).ok());
    ASSERT_OK(w->Close());
    last_first = w->segments().back();
  }
  std::string seg = JoinPath(dir(), WalSegmentFileName(last_first));
  ASSERT_OK(fs_.Truncate(seg, 10));
  WalTail tail;
  auto records = ReadAll(fs_, dir(), 1, &tail);
  EXPECT_EQ(records.size(), last_first - 1);
  EXPECT_EQ(tail.valid_end, 0u);
  auto w = OpenWriter(opts);
  EXPECT_EQ(w->next_lsn(), last_first);
  ASSERT_TRUE(w->Append(AsBytes("x")).ok());
  ASSERT_OK(w->Sync());
  EXPECT_EQ(ReadAll(fs_, dir()).size(), last_first);
}

}  // namespace
}  // namespace laminar::storage
