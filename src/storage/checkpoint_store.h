#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/file_system.h"
#include "storage/manifest.h"

namespace laminar::storage {

/// Operator state key (e.g. "operator_graph", "mv:<name>") -> opaque snapshot bytes. Strings,
/// because that is what operators serialise into: a snapshot moves into the map without a copy.
using OperatorStateMap = std::map<std::string, std::string>;

struct CheckpointStoreOptions {
  /// States larger than this go to the state.bin sidecar instead of inline base64.
  uint64_t state_inline_threshold = 1u << 20;
};

/// A checkpoint read back from disk with every operator state resolved and verified.
struct LoadedCheckpoint {
  CheckpointManifest manifest;
  OperatorStateMap states;
};

/// The ids the next checkpoint should use.
struct CheckpointIds {
  uint64_t checkpoint_id = 1;
  uint64_t epoch = 1;
};

/// Stores checkpoints on a FileSystem (full format: docs/checkpoint.md):
///
///   <base>/checkpoints/checkpoint_000001/manifest.json   (pretty JSON, see manifest.h)
///   <base>/checkpoints/checkpoint_000001/state.bin       (only when a state > inline threshold)
///   <base>/checkpoints/latest.txt                        ("checkpoint_000001")
///
/// Durability: Save() writes state.bin, then manifest.json, then latest.txt, each as
/// temp -> fsync -> rename -> fsync dir, so a crash at any point leaves the previous checkpoint
/// loadable and never a half-written one. A checkpoint is committed once Save() returns OK.
/// Threading: not thread-safe; one checkpoint coordinator owns it.
class FileCheckpointStore {
 public:
  /// `fs` must outlive the store. Nothing is touched on disk until the first call.
  FileCheckpointStore(FileSystem& fs, std::string base_dir, CheckpointStoreOptions options = {});

  /// "checkpoint_000042".
  static std::string CheckpointDirName(uint64_t id);
  /// "<base>/checkpoints".
  const std::string& checkpoints_dir() const { return checkpoints_dir_; }

  /// Persists `manifest` (checkpoint_id must be > 0) with `states`: states up to the inline
  /// threshold are stored base64 in the manifest, larger ones in state.bin with its SHA-256 in
  /// state_checksum. The manifest's own operator_states/state_checksum are replaced. Returns
  /// the manifest as written.
  Result<CheckpointManifest> Save(const CheckpointManifest& manifest,
                                  const OperatorStateMap& states);
  /// The checkpoint named by latest.txt; nullopt when latest.txt is missing, empty or dangling.
  /// A corrupt checkpoint is an error (use LoadNewestValid() for recovery).
  Result<std::optional<LoadedCheckpoint>> LoadLatest();
  /// Loads and verifies one checkpoint. NotFound (LDB-6002) when it does not exist; Corruption
  /// naming the file when the manifest or sidecar is damaged (sidecar: LDB-6010).
  Result<LoadedCheckpoint> Load(uint64_t id);
  /// Ids of the checkpoint directories present, ascending.
  Result<std::vector<uint64_t>> ListCheckpoints();
  /// Keeps the newest `max_retained` (>= 1) checkpoints and deletes the older ones, except the
  /// one latest.txt names, which is never deleted.
  Status Prune(size_t max_retained);
  /// Recovery: walks checkpoints newest first, skipping (with a warning naming the file) those
  /// that are missing pieces, corrupt, or refused by `accept` (e.g. sinks still Pending), and
  /// returns the newest good one; nullopt when none (fresh start). I/O errors other than
  /// corruption are returned, not skipped.
  Result<std::optional<LoadedCheckpoint>> LoadNewestValid(
      const std::function<Status(const LoadedCheckpoint&)>& accept = nullptr);
  /// (newest id + 1, newest valid epoch + 1), or (1, 1) for an empty store.
  Result<CheckpointIds> NextCheckpointIds();

  /// Two-phase sink commit (docs/checkpoint.md "Sink commit protocol"). The commit marker
  /// (`<checkpoint dir>/commit`, written temp -> fsync -> rename -> fsync dir) records the
  /// decision to commit the sinks' epoch of checkpoint `id`: recovery re-drives the commit of a
  /// checkpoint whose sinks are still Pending when the marker exists, and skips the checkpoint
  /// (LDB-6015) when it does not.
  Status WriteCommitMarker(uint64_t id);
  bool HasCommitMarker(uint64_t id);
  /// Rewrites manifest.json of an existing checkpoint atomically (used to record the sinks'
  /// commit statuses after phase 2). `manifest` must be the one Save() returned.
  Status UpdateManifest(const CheckpointManifest& manifest);

 private:
  std::string CheckpointPath(uint64_t id) const;
  Status DeleteCheckpoint(uint64_t id);
  Result<std::optional<uint64_t>> ReadLatestId();

  FileSystem& fs_;
  std::string base_dir_;
  std::string checkpoints_dir_;
  CheckpointStoreOptions options_;
};

/// Lowercase hex SHA-256 of `data` (the manifest's state_checksum).
std::string Sha256Hex(std::span<const uint8_t> data);

}  // namespace laminar::storage
