// Ports every test of the reference system's laminar_core/streaming/checkpoint.rs (names: the
// Rust `test_foo_bar` becomes `FooBar`), then adds checks of the exact error messages and of
// malformed input.
#include "storage/stream_checkpoint.h"

#include <gtest/gtest.h>

#include <cstddef>

#include "common/crc32c.h"

namespace laminar::storage {
namespace {

uint32_t Crc32cForTest(std::span<const uint8_t> s) { return Crc32c(s.data(), s.size()); }

constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

StreamCheckpointConfig EnabledConfig() {
  StreamCheckpointConfig config;
  config.interval_ms = 1000;
  return config;
}

std::shared_ptr<std::atomic<uint64_t>> Seq(uint64_t v) {
  return std::make_shared<std::atomic<uint64_t>>(v);
}
std::shared_ptr<std::atomic<int64_t>> Wm(int64_t v) {
  return std::make_shared<std::atomic<int64_t>>(v);
}

// -- Config / disabled tests --

TEST(StreamCheckpointSeedTest, CheckpointDisabledByDefault) {
  StreamCheckpointConfig config;
  StreamCheckpointManager mgr(config);
  // Default config is valid but has no interval — still "enabled" because Validate() passes.
  // Disabled means Validate() fails.
  EXPECT_TRUE(mgr.is_enabled());
  // A truly disabled manager:
  StreamCheckpointManager mgr2 = StreamCheckpointManager::Disabled();
  EXPECT_FALSE(mgr2.is_enabled());
}

TEST(StreamCheckpointSeedTest, CheckpointNoOpWhenDisabled) {
  StreamCheckpointManager mgr = StreamCheckpointManager::Disabled();
  EXPECT_FALSE(mgr.is_enabled());
  EXPECT_EQ(mgr.last_checkpoint_id(), std::nullopt);
}

TEST(StreamCheckpointSeedTest, CheckpointConfigRequiresDataDir) {
  StreamCheckpointConfig config;
  config.wal_mode = WalMode::kSync;
  EXPECT_FALSE(config.Validate().ok());
  // With data_dir set, validation passes.
  StreamCheckpointConfig config2;
  config2.wal_mode = WalMode::kSync;
  config2.data_dir = "/tmp/test";
  EXPECT_TRUE(config2.Validate().ok());
}

TEST(StreamCheckpointSeedTest, WalRequiresCheckpoint) {
  StreamCheckpointConfig config;
  config.wal_mode = WalMode::kAsync;  // data_dir missing
  Status result = config.Validate();
  // CheckpointError::InvalidConfig(_) in the reference.
  EXPECT_TRUE(result.IsInvalid());
  EXPECT_EQ(result.error_code(), ErrorCode::kInvalidConfig);
  EXPECT_EQ(result.message().rfind("invalid checkpoint config: ", 0), 0u);
}

// -- Source registration --

TEST(StreamCheckpointSeedTest, RegisterSource) {
  StreamCheckpointManager mgr(EnabledConfig());
  auto seq = Seq(0);
  auto wm = Wm(kI64Min);
  mgr.RegisterSource("trades", seq, wm);
  EXPECT_TRUE(mgr.is_enabled());
}

// -- Trigger / capture --

TEST(StreamCheckpointSeedTest, TriggerCheckpoint) {
  StreamCheckpointManager mgr(EnabledConfig());
  EXPECT_EQ(mgr.Trigger(), std::optional<uint64_t>(1));
  EXPECT_EQ(mgr.Trigger(), std::optional<uint64_t>(2));
}

TEST(StreamCheckpointSeedTest, CheckpointCapturesSequences) {
  StreamCheckpointManager mgr(EnabledConfig());
  auto seq = Seq(0);
  auto wm = Wm(kI64Min);
  mgr.RegisterSource("src1", seq, wm);
  seq->store(42, std::memory_order_release);  // simulate pushes
  auto id = mgr.Trigger();
  ASSERT_TRUE(id.has_value());
  const StreamCheckpoint* cp = mgr.GetCheckpoint(*id);
  ASSERT_NE(cp, nullptr);
  EXPECT_EQ(cp->source_sequences.at("src1"), 42u);
}

TEST(StreamCheckpointSeedTest, CheckpointCapturesWatermarks) {
  StreamCheckpointManager mgr(EnabledConfig());
  mgr.RegisterSource("src1", Seq(0), Wm(5000));
  auto id = mgr.Trigger();
  ASSERT_TRUE(id.has_value());
  const StreamCheckpoint* cp = mgr.GetCheckpoint(*id);
  ASSERT_NE(cp, nullptr);
  EXPECT_EQ(cp->watermarks.at("src1"), 5000);
}

TEST(StreamCheckpointSeedTest, RestoreFromCheckpoint) {
  StreamCheckpointManager mgr(EnabledConfig());
  mgr.RegisterSource("src1", Seq(10), Wm(1000));
  mgr.Trigger();
  auto restored = mgr.Restore();
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ((*restored)->source_sequences.at("src1"), 10u);
  EXPECT_EQ((*restored)->watermarks.at("src1"), 1000);
}

// -- Changelog buffer --

TEST(StreamCheckpointSeedTest, ChangelogBufferPushPop) {
  StreamChangelogBuffer buf(4, OverflowPolicy::kDropNew);
  EXPECT_TRUE(buf.is_empty());
  StreamChangelogEntry entry(0, StreamChangeOp::kPush, 1, kI64Min);
  EXPECT_TRUE(buf.Push(entry));
  EXPECT_EQ(buf.len(), 1u);
  auto popped = buf.Pop();
  ASSERT_TRUE(popped.has_value());
  EXPECT_EQ(popped->sequence, 1u);
  EXPECT_TRUE(buf.is_empty());
}

TEST(StreamCheckpointSeedTest, ChangelogBufferOverflow) {
  // DropNew policy
  StreamChangelogBuffer buf(2, OverflowPolicy::kDropNew);
  StreamChangelogEntry e1(0, StreamChangeOp::kPush, 1, kI64Min);
  StreamChangelogEntry e2(0, StreamChangeOp::kPush, 2, kI64Min);
  StreamChangelogEntry e3(0, StreamChangeOp::kPush, 3, kI64Min);
  EXPECT_TRUE(buf.Push(e1));
  EXPECT_TRUE(buf.Push(e2));
  EXPECT_TRUE(buf.is_full());
  EXPECT_FALSE(buf.Push(e3));  // dropped
  EXPECT_EQ(buf.overflow_count(), 1u);
  // Verify oldest is still there.
  EXPECT_EQ(buf.Pop()->sequence, 1u);

  // OverwriteOldest policy
  StreamChangelogBuffer buf2(2, OverflowPolicy::kOverwriteOldest);
  EXPECT_TRUE(buf2.Push(e1));
  EXPECT_TRUE(buf2.Push(e2));
  EXPECT_TRUE(buf2.Push(e3));  // overwrites e1
  EXPECT_EQ(buf2.overflow_count(), 1u);
  EXPECT_EQ(buf2.Pop()->sequence, 2u);  // e1 was overwritten
}

// -- Prune --

TEST(StreamCheckpointSeedTest, CheckpointPruneOld) {
  StreamCheckpointConfig config;
  config.interval_ms = 1000;
  config.max_retained = 2;
  StreamCheckpointManager mgr(config);
  mgr.Trigger();  // id=1
  mgr.Trigger();  // id=2
  mgr.Trigger();  // id=3 — prunes id=1
  EXPECT_EQ(mgr.checkpoints().size(), 2u);
  EXPECT_EQ(mgr.GetCheckpoint(1), nullptr);
  EXPECT_NE(mgr.GetCheckpoint(2), nullptr);
  EXPECT_NE(mgr.GetCheckpoint(3), nullptr);
}

// -- Serialization --

TEST(StreamCheckpointSeedTest, CheckpointSerialization) {
  StreamCheckpoint cp;
  cp.id = 42;
  cp.epoch = 7;
  cp.source_sequences = {{"src1", 100}, {"src2", 200}};
  cp.sink_positions = {{"sink1", 50}};
  cp.watermarks = {{"src1", 5000}, {"src2", 6000}};
  cp.operator_states = {{"op1", {1, 2, 3, 4}}};
  cp.created_at = 1'706'400'000'000;

  auto bytes = cp.ToBytes();
  ASSERT_TRUE(bytes.ok());
  auto restored = StreamCheckpoint::FromBytes(*bytes);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->id, 42u);
  EXPECT_EQ(restored->epoch, 7u);
  EXPECT_EQ(restored->created_at, 1'706'400'000'000u);
  EXPECT_EQ(restored->source_sequences.at("src1"), 100u);
  EXPECT_EQ(restored->source_sequences.at("src2"), 200u);
  EXPECT_EQ(restored->sink_positions.at("sink1"), 50u);
  EXPECT_EQ(restored->watermarks.at("src1"), 5000);
  EXPECT_EQ(restored->watermarks.at("src2"), 6000);
  EXPECT_EQ(restored->operator_states.at("op1"), (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST(StreamCheckpointSeedTest, ChangelogEntrySize) {
  EXPECT_EQ(sizeof(StreamChangelogEntry), 24u) << "StreamChangelogEntry must be exactly 24 bytes";
}

// -- Source sequence counter tests --

TEST(StreamCheckpointSeedTest, SourceSequenceCounter) {
  auto seq = Seq(0);
  EXPECT_EQ(seq->load(std::memory_order_acquire), 0u);
  seq->fetch_add(1, std::memory_order_relaxed);
  seq->fetch_add(1, std::memory_order_relaxed);
  seq->fetch_add(1, std::memory_order_relaxed);
  EXPECT_EQ(seq->load(std::memory_order_acquire), 3u);
}

TEST(StreamCheckpointSeedTest, SourceCloneSharesSequence) {
  auto seq = Seq(0);
  auto seq2 = seq;  // Arc::clone
  seq->fetch_add(1, std::memory_order_relaxed);
  EXPECT_EQ(seq2->load(std::memory_order_acquire), 1u);
  seq2->fetch_add(5, std::memory_order_relaxed);
  EXPECT_EQ(seq->load(std::memory_order_acquire), 6u);
}

TEST(StreamCheckpointSeedTest, StreamCheckpointCrcRoundtrip) {
  StreamCheckpoint cp;
  cp.id = 42;
  cp.epoch = 10;
  cp.source_sequences["kafka"] = 1000;
  cp.watermarks["src"] = 500;
  cp.operator_states["agg"] = {1, 2, 3};
  auto bytes = cp.ToBytes();
  ASSERT_TRUE(bytes.ok());
  auto restored = StreamCheckpoint::FromBytes(*bytes);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->id, 42u);
  EXPECT_EQ(restored->epoch, 10u);
  EXPECT_EQ(restored->source_sequences.at("kafka"), 1000u);
  EXPECT_EQ(restored->watermarks.at("src"), 500);
  EXPECT_EQ(restored->operator_states.at("agg"), (std::vector<uint8_t>{1, 2, 3}));
}

TEST(StreamCheckpointSeedTest, StreamCheckpointCrcCorruptionDetected) {
  StreamCheckpoint cp;
  cp.id = 1;
  cp.epoch = 1;
  auto bytes = cp.ToBytes();
  ASSERT_TRUE(bytes.ok());
  (*bytes)[5] ^= 0xFF;  // a payload byte (not the version or CRC)
  auto result = StreamCheckpoint::FromBytes(*bytes);
  ASSERT_FALSE(result.ok());
  std::string err = result.status().ToString();
  EXPECT_NE(err.find("CRC mismatch"), std::string::npos) << "got: " << err;
}

TEST(StreamCheckpointSeedTest, StreamCheckpointV1Rejected) {
  std::vector<uint8_t> bytes(41, 0);
  bytes[0] = 1;
  auto result = StreamCheckpoint::FromBytes(bytes);
  ASSERT_FALSE(result.ok());
  std::string err = result.status().ToString();
  EXPECT_NE(err.find("unsupported checkpoint version: 1"), std::string::npos) << "got: " << err;
}

// -- Beyond the seed: exact messages, layout, malformed input --

TEST(StreamCheckpointTest, ExactConfigErrorMessages) {
  StreamCheckpointConfig wal_only;
  wal_only.wal_mode = WalMode::kSync;
  EXPECT_EQ(wal_only.Validate().message(),
            "invalid checkpoint config: WAL mode requires data_dir to be set");
  StreamCheckpointConfig zero_cap;
  zero_cap.changelog_capacity = 0;
  EXPECT_EQ(zero_cap.Validate().message(),
            "invalid checkpoint config: changelog_capacity must be > 0");
  EXPECT_FALSE(StreamCheckpointManager(zero_cap).is_enabled());
  EXPECT_EQ(checkpoint_error::Disabled().message(), "checkpointing is disabled");
  EXPECT_EQ(checkpoint_error::NoCheckpoint().message(), "no checkpoint available");
  EXPECT_EQ(checkpoint_error::DataDirRequired().message(), "data directory is required");
  EXPECT_EQ(checkpoint_error::WalRequiresCheckpoint().message(), "WAL mode requires checkpointing");
  EXPECT_EQ(checkpoint_error::Timeout().message(), "checkpoint operation timed out");
}

TEST(StreamCheckpointTest, DisabledManagerErrors) {
  StreamCheckpointManager mgr = StreamCheckpointManager::Disabled();
  EXPECT_EQ(mgr.Trigger(), std::nullopt);
  EXPECT_EQ(mgr.Checkpoint().status().message(), "checkpointing is disabled");
  EXPECT_EQ(mgr.Restore().status().message(), "checkpointing is disabled");
  StreamCheckpointManager enabled(EnabledConfig());
  EXPECT_TRUE(enabled.Restore().status().IsNotFound());
  EXPECT_EQ(enabled.Restore().status().message(), "no checkpoint available");
  auto id = enabled.Checkpoint();
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, std::optional<uint64_t>(1));
  EXPECT_EQ(enabled.epoch(), 1u);
}

TEST(StreamCheckpointTest, ChangelogConfiguredOnlyWhenEnabledAndRequested) {
  StreamCheckpointConfig config = EnabledConfig();
  EXPECT_EQ(StreamCheckpointManager(config).changelog(), nullptr);
  config.changelog_capacity = 8;
  config.overflow_policy = OverflowPolicy::kOverwriteOldest;
  StreamCheckpointManager mgr(config);
  ASSERT_NE(mgr.changelog(), nullptr);
  EXPECT_EQ(mgr.changelog()->capacity(), 8u);
  for (uint64_t i = 0; i < 10; ++i) {
    mgr.mutable_changelog()->Push({1, StreamChangeOp::kWatermark, i, 7});
  }
  std::vector<StreamChangelogEntry> out;
  mgr.mutable_changelog()->Drain(3, &out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].sequence, 2u);
  mgr.mutable_changelog()->DrainAll(&out);
  EXPECT_EQ(out.size(), 8u);
  EXPECT_EQ(out.back().sequence, 9u);
  EXPECT_TRUE(mgr.changelog()->is_empty());
  EXPECT_EQ(mgr.changelog()->overflow_count(), 2u);
}

TEST(StreamCheckpointTest, ChangelogEntryLayout) {
  EXPECT_EQ(offsetof(StreamChangelogEntry, source_id), 0u);
  EXPECT_EQ(offsetof(StreamChangelogEntry, op), 2u);
  EXPECT_EQ(offsetof(StreamChangelogEntry, padding), 3u);
  EXPECT_EQ(offsetof(StreamChangelogEntry, reserved), 4u);
  EXPECT_EQ(offsetof(StreamChangelogEntry, sequence), 8u);
  EXPECT_EQ(offsetof(StreamChangelogEntry, watermark), 16u);
  StreamChangelogEntry e(3, StreamChangeOp::kBarrier, 9, -1);
  EXPECT_EQ(e.op_type(), StreamChangeOp::kBarrier);
  e.op = 77;
  EXPECT_EQ(e.op_type(), std::nullopt);
}

TEST(StreamCheckpointTest, ZeroCapacityBufferStoresNothing) {
  StreamChangelogBuffer buf(0, OverflowPolicy::kOverwriteOldest);
  EXPECT_FALSE(buf.Push({}));
  EXPECT_EQ(buf.overflow_count(), 1u);
  EXPECT_EQ(buf.Pop(), std::nullopt);
}

TEST(StreamCheckpointTest, ExactBytesOfEmptyCheckpoint) {
  StreamCheckpoint cp;
  cp.id = 1;
  cp.epoch = 2;
  cp.created_at = 3;
  auto bytes = cp.ToBytes();
  ASSERT_TRUE(bytes.ok());
  ASSERT_EQ(bytes->size(), 1u + 24 + 16 + 4);
  EXPECT_EQ((*bytes)[0], 2);
  EXPECT_EQ((*bytes)[1], 1);   // id LE
  EXPECT_EQ((*bytes)[9], 2);   // epoch LE
  EXPECT_EQ((*bytes)[17], 3);  // created_at LE
}

TEST(StreamCheckpointTest, ReferenceErrorMessages) {
  EXPECT_EQ(StreamCheckpoint::FromBytes({}).status().message(),
            "checkpoint I/O error: empty checkpoint data");
  std::vector<uint8_t> v3 = {3, 0, 0, 0, 0};
  EXPECT_EQ(StreamCheckpoint::FromBytes(v3).status().message(),
            "checkpoint I/O error: unsupported checkpoint version: 3 (expected 2)");
  std::vector<uint8_t> short_data = {2, 0, 0};
  EXPECT_EQ(StreamCheckpoint::FromBytes(short_data).status().message(),
            "checkpoint I/O error: checkpoint too short for CRC");
  // Valid CRC over a payload that ends early.
  std::vector<uint8_t> truncated = {2, 1, 2, 3};
  uint32_t crc = Crc32cForTest(std::span(truncated).subspan(1));
  for (int i = 0; i < 4; ++i) truncated.push_back(static_cast<uint8_t>(crc >> (8 * i)));
  EXPECT_EQ(StreamCheckpoint::FromBytes(truncated).status().message(),
            "checkpoint I/O error: truncated u64");
  EXPECT_TRUE(StreamCheckpoint::FromBytes(truncated).status().IsCorruption());
}

TEST(StreamCheckpointTest, EveryTruncationAndBitFlipIsRejected) {
  StreamCheckpoint cp;
  cp.id = 5;
  cp.epoch = 6;
  cp.source_sequences = {{"a", 1}};
  cp.sink_positions = {{"b", 2}};
  cp.watermarks = {{"a", -3}};
  cp.operator_states = {{"op", {9, 8, 7}}};
  auto bytes = cp.ToBytes();
  ASSERT_TRUE(bytes.ok());
  for (size_t len = 0; len < bytes->size(); ++len) {
    EXPECT_FALSE(StreamCheckpoint::FromBytes(std::span(bytes->data(), len)).ok()) << len;
  }
  for (size_t i = 0; i < bytes->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> copy = *bytes;
      copy[i] ^= static_cast<uint8_t>(1 << bit);
      EXPECT_FALSE(StreamCheckpoint::FromBytes(copy).ok()) << i << ":" << bit;
    }
  }
}

TEST(StreamCheckpointTest, InvalidUtf8NameRejected) {
  std::vector<uint8_t> b = {2};
  auto put64 = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  auto put32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  put64(1);
  put64(1);
  put64(0);
  put32(1);
  put32(2);
  b.push_back(0xC0);  // overlong
  b.push_back(0x80);
  put64(1);
  put32(0);
  put32(0);
  put32(0);
  put32(Crc32cForTest(std::span(b).subspan(1)));
  EXPECT_EQ(StreamCheckpoint::FromBytes(b).status().message(),
            "checkpoint I/O error: invalid utf8");
}

}  // namespace
}  // namespace laminar::storage
