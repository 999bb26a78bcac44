#include "storage/checkpoint_store.h"

#include <gtest/gtest.h>

#include "storage/coding.h"
#include "storage/fault_injection_file_system.h"
#include "storage/manifest.h"
#include "storage/tests/test_util.h"

namespace laminar::storage {
namespace {

using testing::ScopedTempDir;

CheckpointManifest SampleManifest(uint64_t id) {
  CheckpointManifest m;
  m.checkpoint_id = id;
  m.epoch = id;
  m.timestamp_ms = 1'706'400'000'000;
  m.source_offsets["kafka_in"] =
      SourceOffset{{{"partition-0", "1234"}, {"partition-1", "7"}}, id, {{"topic", "trades"}}};
  m.sink_epochs["out"] = id;
  m.sink_commit_statuses["out"] = {SinkCommitStatus::State::kCommitted, ""};
  m.sink_commit_statuses["bad"] = {SinkCommitStatus::State::kFailed, "broker \"down\"\n"};
  m.table_offsets["dim"] = SourceOffset{{{"version", "42"}}, 0, {}};
  m.watermark = -5;
  m.source_watermarks = {{"kafka_in", 1000}, {"pg", -1}};
  m.source_names = {"kafka_in", "pg"};
  m.sink_names = {"bad", "out"};
  m.pipeline_hash = 18446744073709551615ull;
  m.wal_position = 99;
  return m;
}

std::string Bytes(size_t n, uint8_t seed) {
  std::string v(n, '\0');
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<char>(seed + i * 31);
  return v;
}

TEST(CodingTest, Base64RoundTripAndRejects) {
  std::vector<std::string> inputs = {"",     "f",     "fo",     "foo",
                                     "foob", "fooba", "foobar", std::string("\0\xff", 2)};
  for (const std::string& s : inputs) {
    auto decoded = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(Base64Decode("Zm9").ok());
  EXPECT_FALSE(Base64Decode("Zm9*").ok());
  EXPECT_FALSE(Base64Decode("Zm9=Zm9v").ok());
  EXPECT_FALSE(Base64Decode("Zm9=").ok());  // non-zero trailing bits
}

TEST(CodingTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));          // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

TEST(ManifestTest, JsonRoundTripIsExact) {
  CheckpointManifest m = SampleManifest(3);
  m.operator_states["operator_graph"] = OperatorStateRef{"AQID", false, 0, 0};
  m.operator_states["mv:big"] = OperatorStateRef{std::nullopt, true, 10, 20};
  m.state_checksum = std::string(64, 'a');
  m.table_store_checkpoint_path = "/data/tables";
  auto json = ManifestToJson(m);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto parsed = ParseManifestJson(*json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << *json;
  EXPECT_EQ(*parsed, m);
  // Pretty-printed with the reference field names.
  EXPECT_NE(json->find("\n  \"checkpoint_id\": 3,\n"), std::string::npos) << *json;
  EXPECT_NE(json->find("\"vnode_count\": 256"), std::string::npos);
  EXPECT_NE(json->find("\"Committed\""), std::string::npos);
  EXPECT_NE(json->find("\"Failed\": \"broker \\\"down\\\"\\n\""), std::string::npos);
  EXPECT_NE(json->find("\"wal_position\": 99"), std::string::npos);
  EXPECT_NE(json->find("\"manifest_crc32c\": \""), std::string::npos);
}

TEST(ManifestTest, AcceptsReferenceManifestWithoutCrcAndWithNulls) {
  const char* json = R"({
    "version": 1, "checkpoint_id": 7, "epoch": 8, "timestamp_ms": 5,
    "source_offsets": {"s": {"offsets": {"lsn": "0/ABCDEF"}, "epoch": 8, "metadata": {}}},
    "sink_epochs": {}, "sink_commit_statuses": {"k": "Pending"}, "table_offsets": {},
    "operator_states": {"operator_graph": {"state_b64": "AQI=", "external": false,
                                           "external_offset": 0, "external_length": 0}},
    "table_store_checkpoint_path": null, "watermark": null, "source_watermarks": {},
    "source_names": ["s"], "sink_names": [], "pipeline_hash": null, "vnode_count": 256,
    "state_checksum": null, "future_field": [1, 2, 3]})";
  auto parsed = ParseManifestJson(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->checkpoint_id, 7u);
  EXPECT_EQ(parsed->source_offsets.at("s").offsets.at("lsn"), "0/ABCDEF");
  EXPECT_EQ(parsed->sink_commit_statuses.at("k").state, SinkCommitStatus::State::kPending);
  EXPECT_FALSE(parsed->watermark.has_value());
  EXPECT_EQ(parsed->wal_position, 0u);
}

TEST(ManifestTest, MalformedInputIsCorruption) {
  const char* cases[] = {
      "",
      "not json",
      "[]",
      "{}",
      R"({"version": 2, "checkpoint_id": 1, "epoch": 1})",
      R"({"version": 1, "epoch": 1})",
      R"({"version": 1, "checkpoint_id": -1, "epoch": 1})",
      R"({"version": 1, "checkpoint_id": "1", "epoch": 1})",
      R"({"version": 1, "checkpoint_id": 1, "epoch": 1, "vnode_count": 70000})",
      R"({"version": 1, "checkpoint_id": 1, "epoch": 1, "sink_commit_statuses": {"a": "Maybe"}})",
      R"({"version": 1, "checkpoint_id": 1, "epoch": 1, "sink_commit_statuses": {"a": {}}})",
      R"({"version": 1, "checkpoint_id": 1, "epoch": 1, "operator_states": {"a": {}}})",
      R"({"version": 1, "checkpoint_id": 1, "epoch": 1, "source_names": [1]})",
      R"({"version": 1, "checkpoint_id": 1, "epoch": 1, "watermark": 1.5})",
      R"({"version": 1, "checkpoint_id": 1, "epoch": 1, "manifest_crc32c": "zz"})",
      R"({"version": 1, "checkpoint_id": 1, "epoch": 1, "manifest_crc32c": "00000000"})",
      "{\"version\": 1, \"checkpoint_id\": 1, \"epoch\": 1, \"x\": \"\xff\"}",
      R"({"version": 1, "checkpoint_id": 1, "epoch": 1)",
  };
  for (const char* c : cases) {
    auto parsed = ParseManifestJson(c);
    EXPECT_TRUE(parsed.status().IsCorruption()) << c << " -> " << parsed.status().ToString();
  }
}

TEST(ManifestTest, EveryBitFlipIsDetected) {
  auto json = ManifestToJson(SampleManifest(1));
  ASSERT_TRUE(json.ok());
  int accepted = 0;
  for (size_t i = 0; i < json->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string copy = *json;
      copy[i] = static_cast<char>(copy[i] ^ (1 << bit));
      auto parsed = ParseManifestJson(copy);
      if (parsed.ok()) {
        ++accepted;
        // Only a flip that destroys the checksum key itself can slip through, and then the
        // content is untouched.
        EXPECT_EQ(*parsed, SampleManifest(1)) << "byte " << i << " bit " << bit;
      }
    }
  }
  EXPECT_LT(accepted, 8 * 20);
}

TEST(ManifestTest, RejectsInvalidUtf8Names) {
  CheckpointManifest m = SampleManifest(1);
  m.source_names.push_back("\xff");
  EXPECT_TRUE(ManifestToJson(m).status().IsInvalid());
}

class CheckpointStoreTest : public ::testing::Test {
 protected:
  ScopedTempDir tmp_;
  FileSystem& fs_ = *FileSystem::Default();
  std::string base() const { return tmp_.Join("data"); }
};

TEST_F(CheckpointStoreTest, SaveLoadInlineAndSidecarStates) {
  CheckpointStoreOptions opts;
  opts.state_inline_threshold = 100;
  FileCheckpointStore store(fs_, base(), opts);
  auto ids = store.NextCheckpointIds();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->checkpoint_id, 1u);
  EXPECT_EQ(ids->epoch, 1u);
  OperatorStateMap states = {{"operator_graph", Bytes(100, 1)},
                             {"mv:a", Bytes(101, 2)},
                             {"mv:b", Bytes(5000, 3)},
                             {"empty", {}}};
  auto saved = store.Save(SampleManifest(1), states);
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  EXPECT_FALSE(saved->operator_states.at("operator_graph").external);
  EXPECT_TRUE(saved->operator_states.at("mv:a").external);
  EXPECT_TRUE(saved->state_checksum.has_value());

  std::string dir = JoinPath(store.checkpoints_dir(), "checkpoint_000001");
  EXPECT_TRUE(fs_.FileExists(JoinPath(dir, "manifest.json")));
  EXPECT_EQ(*fs_.GetFileSize(JoinPath(dir, "state.bin")), 5101u);
  EXPECT_EQ(*fs_.ReadFileToString(JoinPath(store.checkpoints_dir(), "latest.txt")),
            "checkpoint_000001");
  EXPECT_EQ(*fs_.ListDir(dir), (std::vector<std::string>{"manifest.json", "state.bin"}));

  auto latest = store.LoadLatest();
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->states, states);
  EXPECT_EQ((*latest)->manifest, *saved);
  EXPECT_EQ((*latest)->manifest.wal_position, 99u);

  auto next = store.NextCheckpointIds();
  EXPECT_EQ(next->checkpoint_id, 2u);
  EXPECT_EQ(next->epoch, 2u);
}

TEST_F(CheckpointStoreTest, CommitMarkerAndManifestUpdate) {
  FileCheckpointStore store(fs_, base());
  CheckpointManifest m = SampleManifest(1);
  m.sink_epochs["out"] = 1;
  m.sink_commit_statuses["out"] = SinkCommitStatus{};
  auto saved = store.Save(m, {{"s", Bytes(10, 0)}});
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  EXPECT_FALSE(store.HasCommitMarker(1));
  ASSERT_TRUE(store.WriteCommitMarker(1).ok());
  EXPECT_TRUE(store.HasCommitMarker(1));
  EXPECT_FALSE(store.HasCommitMarker(2));
  EXPECT_TRUE(store.WriteCommitMarker(2).IsNotFound());
  CheckpointManifest updated = *saved;
  updated.sink_commit_statuses["out"] =
      SinkCommitStatus{SinkCommitStatus::State::kFailed, "disk full"};
  ASSERT_TRUE(store.UpdateManifest(updated).ok());
  auto cp = store.Load(1);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->manifest, updated);
  EXPECT_EQ(cp->states.at("s"), Bytes(10, 0));
  updated.checkpoint_id = 7;
  EXPECT_TRUE(store.UpdateManifest(updated).IsNotFound());
}

TEST_F(CheckpointStoreTest, NoSidecarWhenEverythingIsSmall) {
  FileCheckpointStore store(fs_, base());
  ASSERT_TRUE(store.Save(SampleManifest(1), {{"s", Bytes(10, 0)}}).ok());
  EXPECT_FALSE(fs_.FileExists(JoinPath(store.checkpoints_dir(), "checkpoint_000001/state.bin")));
  auto cp = store.Load(1);
  ASSERT_TRUE(cp.ok());
  EXPECT_FALSE(cp->manifest.state_checksum.has_value());
}

TEST_F(CheckpointStoreTest, EmptyStoreAndDanglingLatest) {
  FileCheckpointStore store(fs_, base());
  auto latest = store.LoadLatest();
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->has_value());
  EXPECT_TRUE(store.Load(5).status().IsNotFound());
  EXPECT_EQ(store.Load(5).status().error_code(), ErrorCode::kCheckpointNotFound);
  auto newest = store.LoadNewestValid();
  ASSERT_TRUE(newest.ok());
  EXPECT_FALSE(newest->has_value());
  ASSERT_OK(fs_.CreateDirs(store.checkpoints_dir()));
  ASSERT_OK(WriteFileAtomically(fs_, JoinPath(store.checkpoints_dir(), "latest.txt"), ""));
  EXPECT_FALSE(store.LoadLatest()->has_value());
  ASSERT_OK(WriteFileAtomically(fs_, JoinPath(store.checkpoints_dir(), "latest.txt"),
                                "checkpoint_000009"));
  EXPECT_FALSE(store.LoadLatest()->has_value());
}

TEST_F(CheckpointStoreTest, ListAndPruneKeepNewest) {
  FileCheckpointStore store(fs_, base());
  for (uint64_t id = 1; id <= 5; ++id) ASSERT_TRUE(store.Save(SampleManifest(id), {}).ok());
  ASSERT_OK(fs_.CreateDir(JoinPath(store.checkpoints_dir(), "not_a_checkpoint")));
  EXPECT_EQ(*store.ListCheckpoints(), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(store.Prune(0).IsInvalid());
  ASSERT_OK(store.Prune(2));
  EXPECT_EQ(*store.ListCheckpoints(), (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ((*store.LoadLatest())->manifest.checkpoint_id, 5u);
}

TEST_F(CheckpointStoreTest, PruneNeverDeletesTheLatestPointer) {
  FileCheckpointStore store(fs_, base());
  for (uint64_t id = 1; id <= 3; ++id) ASSERT_TRUE(store.Save(SampleManifest(id), {}).ok());
  ASSERT_OK(WriteFileAtomically(fs_, JoinPath(store.checkpoints_dir(), "latest.txt"),
                                "checkpoint_000001"));
  ASSERT_OK(store.Prune(1));
  EXPECT_EQ(*store.ListCheckpoints(), (std::vector<uint64_t>{1, 3}));
}

TEST_F(CheckpointStoreTest, LoadNewestValidSkipsCorruptAndRefused) {
  FileCheckpointStore store(fs_, base(), CheckpointStoreOptions{16});
  for (uint64_t id = 1; id <= 4; ++id) {
    ASSERT_TRUE(
        store.Save(SampleManifest(id), {{"big", Bytes(64, static_cast<uint8_t>(id))}}).ok());
  }
  std::string cps = store.checkpoints_dir();
  // 4: sidecar bit flip; 3: manifest truncated; 2: refused by the caller; 1: good.
  testing::FlipBit(JoinPath(cps, "checkpoint_000004/state.bin"), 10, 2);
  auto corrupt = store.Load(4);
  EXPECT_EQ(corrupt.status().error_code(), ErrorCode::kSidecarCorruption);
  EXPECT_NE(corrupt.status().message().find("checkpoint_000004/state.bin"), std::string::npos);
  EXPECT_TRUE(store.LoadLatest().status().IsCorruption());
  ASSERT_OK(fs_.Truncate(JoinPath(cps, "checkpoint_000003/manifest.json"), 40));
  EXPECT_NE(store.Load(3).status().message().find("checkpoint_000003/manifest.json"),
            std::string::npos);
  auto newest = store.LoadNewestValid([](const LoadedCheckpoint& cp) {
    return cp.manifest.checkpoint_id == 2 ? Status::Invalid("sink 'out' still Pending")
                                          : Status::OK();
  });
  ASSERT_TRUE(newest.ok()) << newest.status().ToString();
  ASSERT_TRUE(newest->has_value());
  EXPECT_EQ((*newest)->manifest.checkpoint_id, 1u);
  EXPECT_EQ((*newest)->states.at("big"), Bytes(64, 1));
  // Ids are never reused, even past corrupt checkpoints.
  auto next = store.NextCheckpointIds();
  EXPECT_EQ(next->checkpoint_id, 5u);
  EXPECT_EQ(next->epoch, 3u);
}

TEST_F(CheckpointStoreTest, SidecarOutOfRangeOrMissingIsCorruption) {
  FileCheckpointStore store(fs_, base(), CheckpointStoreOptions{16});
  ASSERT_TRUE(store.Save(SampleManifest(1), {{"big", Bytes(64, 1)}}).ok());
  std::string state = JoinPath(store.checkpoints_dir(), "checkpoint_000001/state.bin");
  ASSERT_OK(fs_.DeleteFile(state));
  EXPECT_EQ(store.Load(1).status().error_code(), ErrorCode::kSidecarCorruption);
}

// A state.bin layout we never write but the format allows (a gap, overlapping ranges, ranges
// out of order): each range is still read exactly, and the SHA-256 covers the whole file, so a
// flip in the gap is caught too.
TEST_F(CheckpointStoreTest, SidecarRangesThatDoNotTileTheFileAreReadAndFullyVerified) {
  FileCheckpointStore store(fs_, base(), CheckpointStoreOptions{16});
  ASSERT_TRUE(store.Save(SampleManifest(1), {{"seed", Bytes(64, 1)}}).ok());
  const std::string dir = JoinPath(store.checkpoints_dir(), "checkpoint_000001");
  std::string sidecar = Bytes(300, 7);
  for (size_t i = 0; i < sidecar.size(); ++i) sidecar[i] = static_cast<char>(i * 31 + 5);
  ASSERT_OK(WriteFileAtomically(fs_, JoinPath(dir, "state.bin"), sidecar));
  CheckpointManifest m = SampleManifest(1);
  auto ext = [](uint64_t offset, uint64_t length) {
    OperatorStateRef ref;
    ref.external = true;
    ref.external_offset = offset;
    ref.external_length = length;
    return ref;
  };
  m.operator_states["a"] = ext(200, 50);  // after a gap [150, 200)
  m.operator_states["b"] = ext(0, 150);
  m.operator_states["c"] = ext(100, 20);  // overlaps b
  m.state_checksum =
      Sha256Hex(std::span(reinterpret_cast<const uint8_t*>(sidecar.data()), sidecar.size()));
  auto json = ManifestToJson(m);
  ASSERT_TRUE(json.ok());
  ASSERT_OK(WriteFileAtomically(fs_, JoinPath(dir, "manifest.json"), *json));
  auto loaded = store.Load(1);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->states.at("a"), sidecar.substr(200, 50));
  EXPECT_EQ(loaded->states.at("b"), sidecar.substr(0, 150));
  EXPECT_EQ(loaded->states.at("c"), sidecar.substr(100, 20));
  sidecar[170] ^= 1;  // inside the gap: no state reads it, the checksum still must
  ASSERT_OK(WriteFileAtomically(fs_, JoinPath(dir, "state.bin"), sidecar));
  EXPECT_EQ(store.Load(1).status().error_code(), ErrorCode::kSidecarCorruption);
}

TEST_F(CheckpointStoreTest, MismatchedIdIsCorruption) {
  FileCheckpointStore store(fs_, base());
  ASSERT_TRUE(store.Save(SampleManifest(1), {}).ok());
  ASSERT_OK(fs_.RenameFile(JoinPath(store.checkpoints_dir(), "checkpoint_000001"),
                           JoinPath(store.checkpoints_dir(), "checkpoint_000002")));
  EXPECT_TRUE(store.Load(2).status().IsCorruption());
}

}  // namespace
}  // namespace laminar::storage
