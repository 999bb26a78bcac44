#include "storage/checkpoint_store.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <thread>

#include "common/logging.h"
#include "storage/coding.h"

namespace laminar::storage {

namespace {
constexpr std::string_view kDirPrefix = "checkpoint_";
constexpr char kManifestFile[] = "manifest.json";
constexpr char kStateFile[] = "state.bin";
constexpr char kLatestFile[] = "latest.txt";
constexpr char kCommitMarkerFile[] = "commit";

/// Parses "checkpoint_<digits>"; nullopt for anything else.
std::optional<uint64_t> ParseDirName(std::string_view name) {
  if (!name.starts_with(kDirPrefix)) return std::nullopt;
  std::string_view digits = name.substr(kDirPrefix.size());
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  uint64_t id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + static_cast<uint64_t>(c - '0');
  }
  if (id == 0) return std::nullopt;
  return id;
}
}  // namespace

std::string Sha256Hex(std::span<const uint8_t> data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

FileCheckpointStore::FileCheckpointStore(FileSystem& fs, std::string base_dir,
                                         CheckpointStoreOptions options)
    : fs_(fs),
      base_dir_(std::move(base_dir)),
      checkpoints_dir_(JoinPath(base_dir_, "checkpoints")),
      options_(options) {}

std::string FileCheckpointStore::CheckpointDirName(uint64_t id) {
  return fmt::format("{}{:06d}", kDirPrefix, id);
}

std::string FileCheckpointStore::CheckpointPath(uint64_t id) const {
  return JoinPath(checkpoints_dir_, CheckpointDirName(id));
}

Result<CheckpointManifest> FileCheckpointStore::Save(const CheckpointManifest& manifest,
                                                     const OperatorStateMap& states) {
  if (manifest.checkpoint_id == 0) {
    return Status::Invalid("checkpoint_id must be > 0", ErrorCode::kCheckpointFailed);
  }
  CheckpointManifest m = manifest;
  m.operator_states.clear();
  m.state_checksum.reset();
  // Large states go to state.bin in map order, straight from the caller's buffers (no
  // concatenated copy).
  std::vector<const std::string*> external;
  uint64_t sidecar_size = 0;
  for (const auto& [key, bytes] : states) {
    OperatorStateRef ref;
    if (bytes.size() > options_.state_inline_threshold) {
      ref.external = true;
      ref.external_offset = sidecar_size;
      ref.external_length = bytes.size();
      sidecar_size += bytes.size();
      external.push_back(&bytes);
    } else {
      ref.state_b64 = Base64Encode(bytes);
    }
    m.operator_states[key] = std::move(ref);
  }
  // The SHA-256 of state.bin goes into the manifest. It is computed on a second thread while
  // state.bin is written and synced (both only read the caller's buffers); the manifest is
  // built once both are done.
  std::string sha_hex;
  std::thread hasher;
  if (!external.empty()) {
    hasher = std::thread([&external, &sha_hex] {
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
      for (const auto* bytes : external) EVP_DigestUpdate(ctx, bytes->data(), bytes->size());
      unsigned char md[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      EVP_DigestFinal_ex(ctx, md, &len);
      EVP_MD_CTX_free(ctx);
      sha_hex.reserve(2 * len);
      for (unsigned int k = 0; k < len; ++k) sha_hex += fmt::format("{:02x}", md[k]);
    });
  }
  struct JoinOnExit {
    std::thread& t;
    ~JoinOnExit() {
      if (t.joinable()) t.join();
    }
  } join_hasher{hasher};

  const std::string dir = CheckpointPath(m.checkpoint_id);
  // Durability order (docs/checkpoint.md): state.bin and manifest.json are durable, and so are
  // their directory entries, before latest.txt names the checkpoint. state.bin needs no
  // temp + rename: nothing refers to it until manifest.json exists, and manifest.json (written
  // temp -> rename) carries its size and checksum. The new directory's own entry in
  // checkpoints/ becomes durable with the same fsync that makes latest.txt's rename durable.
  auto persist = [&]() -> Status {
    const bool first_checkpoint = !fs_.FileExists(checkpoints_dir_);
    LAMINAR_RETURN_NOT_OK(fs_.CreateDirs(dir));
    if (first_checkpoint) LAMINAR_RETURN_NOT_OK(fs_.SyncDir(base_dir_));
    if (!external.empty()) {
      LAMINAR_ASSIGN_OR_RETURN(auto file, fs_.NewWritableFile(JoinPath(dir, kStateFile)));
      for (const auto* bytes : external) {
        LAMINAR_RETURN_NOT_OK(file->Append(std::span<const std::byte>(
            reinterpret_cast<const std::byte*>(bytes->data()), bytes->size())));
      }
      LAMINAR_RETURN_NOT_OK(file->Sync());
      LAMINAR_RETURN_NOT_OK(file->Close());
    }
    if (hasher.joinable()) {
      hasher.join();
      m.state_checksum = sha_hex;
    }
    LAMINAR_ASSIGN_OR_RETURN(std::string json, ManifestToJson(m));
    const std::string manifest_path = JoinPath(dir, kManifestFile);
    {
      LAMINAR_ASSIGN_OR_RETURN(auto file, fs_.NewWritableFile(manifest_path + ".tmp"));
      LAMINAR_RETURN_NOT_OK(file->Append(AsBytes(json)));
      LAMINAR_RETURN_NOT_OK(file->Sync());
      LAMINAR_RETURN_NOT_OK(file->Close());
    }
    LAMINAR_RETURN_NOT_OK(fs_.RenameFile(manifest_path + ".tmp", manifest_path));
    LAMINAR_RETURN_NOT_OK(fs_.SyncDir(dir));
    return WriteFileAtomically(fs_, JoinPath(checkpoints_dir_, kLatestFile),
                               CheckpointDirName(m.checkpoint_id));
  };
  Status st = persist();
  if (!st.ok()) {
    return Status(st.code(), ErrorCode::kManifestPersistFailed,
                  fmt::format("saving checkpoint {} failed: {}", m.checkpoint_id, st.message()));
  }
  return m;
}

Result<LoadedCheckpoint> FileCheckpointStore::Load(uint64_t id) {
  const std::string dir = CheckpointPath(id);
  const std::string manifest_path = JoinPath(dir, kManifestFile);
  auto text = fs_.ReadFileToString(manifest_path);
  if (!text.ok()) {
    if (text.status().IsNotFound()) {
      return Status::NotFound(
          fmt::format("checkpoint {} not found ('{}' is missing)", id, manifest_path),
          ErrorCode::kCheckpointNotFound);
    }
    return text.status();
  }
  auto parsed = ParseManifestJson(*text);
  if (!parsed.ok()) return parsed.status().WithContext(fmt::format("'{}'", manifest_path));
  LoadedCheckpoint out;
  out.manifest = std::move(parsed).ValueUnsafe();
  if (out.manifest.checkpoint_id != id) {
    return Status::Corruption(
        fmt::format("'{}': manifest has checkpoint_id {} but lives in {}", manifest_path,
                    out.manifest.checkpoint_id, CheckpointDirName(id)),
        ErrorCode::kStateCorruption);
  }

  const std::string state_path = JoinPath(dir, kStateFile);
  auto sidecar_error = [&](std::string_view why) {
    return Status::Corruption(fmt::format("'{}': {}", state_path, why),
                              ErrorCode::kSidecarCorruption);
  };
  std::vector<std::pair<const std::string*, const OperatorStateRef*>> external;
  for (const auto& [key, ref] : out.manifest.operator_states) {
    if (ref.external) {
      external.emplace_back(&key, &ref);
      continue;
    }
    auto decoded = Base64Decode(*ref.state_b64);
    if (!decoded.ok()) {
      return Status::Corruption(fmt::format("'{}': operator state '{}': {}", manifest_path, key,
                                            decoded.status().message()),
                                ErrorCode::kStateCorruption);
    }
    out.states[key].assign(reinterpret_cast<const char*>(decoded->data()), decoded->size());
  }
  if (external.empty()) return out;

  auto file = fs_.NewReadableFile(state_path);
  if (!file.ok()) {
    if (file.status().IsNotFound()) return sidecar_error("state sidecar is missing");
    return file.status();
  }
  LAMINAR_ASSIGN_OR_RETURN(const uint64_t size, (*file)->Size());
  for (const auto& [key, ref] : external) {
    if (ref->external_offset > size || ref->external_length > size - ref->external_offset) {
      return sidecar_error(
          fmt::format("operator state '{}' at [{}, +{}) lies beyond the end of the {}-byte file",
                      *key, ref->external_offset, ref->external_length, size));
    }
  }
  // Each state is read straight into its own string (no whole-file buffer and copy). The
  // SHA-256 covers the whole file, so it is computed in file order while reading; a layout that
  // does not tile the file (gaps, overlaps: not ours, but valid) is hashed in a separate pass.
  std::sort(external.begin(), external.end(), [](const auto& a, const auto& b) {
    return a.second->external_offset < b.second->external_offset;
  });
  uint64_t expect = 0;
  for (const auto& [key, ref] : external) {
    if (ref->external_offset != expect) break;
    expect += ref->external_length;
  }
  const bool tiles = expect == size;
  EVP_MD_CTX* sha = EVP_MD_CTX_new();
  EVP_DigestInit_ex(sha, EVP_sha256(), nullptr);
  auto read_range = [&](uint64_t offset, std::string* dst) -> Status {
    auto n = (*file)->ReadAt(offset, {reinterpret_cast<std::byte*>(dst->data()), dst->size()});
    if (!n.ok()) return n.status();
    if (*n != dst->size()) return sidecar_error("file shrank while it was read");
    return Status::OK();
  };
  Status st;
  for (const auto& [key, ref] : external) {
    std::string& dst = out.states[*key];
    dst.resize(ref->external_length);
    st = read_range(ref->external_offset, &dst);
    if (!st.ok()) break;
    if (tiles) EVP_DigestUpdate(sha, dst.data(), dst.size());
  }
  if (st.ok() && !tiles) {
    std::string chunk;
    for (uint64_t at = 0; at < size && st.ok(); at += chunk.size()) {
      chunk.resize(static_cast<size_t>(std::min<uint64_t>(size - at, 8u << 20)));
      st = read_range(at, &chunk);
      if (st.ok()) EVP_DigestUpdate(sha, chunk.data(), chunk.size());
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(sha, md, &len);
  EVP_MD_CTX_free(sha);
  LAMINAR_RETURN_NOT_OK(st);
  if (out.manifest.state_checksum) {
    std::string actual;
    actual.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) actual += fmt::format("{:02x}", md[i]);
    if (actual != *out.manifest.state_checksum) {
      return sidecar_error(fmt::format("checksum mismatch (manifest {}, file {})",
                                       *out.manifest.state_checksum, actual));
    }
  }
  return out;
}

Result<std::vector<uint64_t>> FileCheckpointStore::ListCheckpoints() {
  if (!fs_.FileExists(checkpoints_dir_)) return std::vector<uint64_t>{};
  LAMINAR_ASSIGN_OR_RETURN(auto names, fs_.ListDir(checkpoints_dir_));
  std::vector<uint64_t> ids;
  for (const auto& name : names) {
    if (auto id = ParseDirName(name)) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<std::optional<uint64_t>> FileCheckpointStore::ReadLatestId() {
  const std::string path = JoinPath(checkpoints_dir_, kLatestFile);
  if (!fs_.FileExists(path)) return std::optional<uint64_t>();
  LAMINAR_ASSIGN_OR_RETURN(std::string text, fs_.ReadFileToString(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto id = ParseDirName(text);
  if (!id) {
    if (!text.empty()) Log(LogLevel::kWarn, "ignoring malformed '{}'", path);
    return std::optional<uint64_t>();
  }
  if (!fs_.FileExists(CheckpointPath(*id))) {
    Log(LogLevel::kWarn, "'{}' names missing {}", path, text);
    return std::optional<uint64_t>();
  }
  return id;
}

Result<std::optional<LoadedCheckpoint>> FileCheckpointStore::LoadLatest() {
  LAMINAR_ASSIGN_OR_RETURN(auto id, ReadLatestId());
  if (!id) return std::optional<LoadedCheckpoint>();
  LAMINAR_ASSIGN_OR_RETURN(LoadedCheckpoint cp, Load(*id));
  return std::optional<LoadedCheckpoint>(std::move(cp));
}

Result<std::optional<LoadedCheckpoint>> FileCheckpointStore::LoadNewestValid(
    const std::function<Status(const LoadedCheckpoint&)>& accept) {
  LAMINAR_ASSIGN_OR_RETURN(auto ids, ListCheckpoints());
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    auto cp = Load(*it);
    if (!cp.ok()) {
      const Status& st = cp.status();
      if (!st.IsCorruption() && !st.IsNotFound()) return st;
      Log(LogLevel::kWarn, "recovery: skipping checkpoint {}: {}", CheckpointDirName(*it),
          st.ToString());
      continue;
    }
    if (accept) {
      Status verdict = accept(*cp);
      if (!verdict.ok()) {
        Log(LogLevel::kWarn, "recovery: skipping checkpoint {} ('{}'): {}", CheckpointDirName(*it),
            JoinPath(CheckpointPath(*it), kManifestFile), verdict.ToString());
        continue;
      }
    }
    return std::optional<LoadedCheckpoint>(std::move(cp).ValueUnsafe());
  }
  return std::optional<LoadedCheckpoint>();
}

Result<CheckpointIds> FileCheckpointStore::NextCheckpointIds() {
  LAMINAR_ASSIGN_OR_RETURN(auto ids, ListCheckpoints());
  CheckpointIds next;
  if (ids.empty()) return next;
  next.checkpoint_id = ids.back() + 1;
  LAMINAR_ASSIGN_OR_RETURN(auto newest, LoadNewestValid());
  next.epoch = newest ? newest->manifest.epoch + 1 : 1;
  return next;
}

Status FileCheckpointStore::WriteCommitMarker(uint64_t id) {
  const std::string dir = CheckpointPath(id);
  if (!fs_.FileExists(dir)) {
    return Status::NotFound(fmt::format("checkpoint {} not found", id),
                            ErrorCode::kCheckpointNotFound);
  }
  return WriteFileAtomically(fs_, JoinPath(dir, kCommitMarkerFile),
                             fmt::format("commit {}\n", CheckpointDirName(id)));
}

bool FileCheckpointStore::HasCommitMarker(uint64_t id) {
  return fs_.FileExists(JoinPath(CheckpointPath(id), kCommitMarkerFile));
}

Status FileCheckpointStore::UpdateManifest(const CheckpointManifest& manifest) {
  const std::string dir = CheckpointPath(manifest.checkpoint_id);
  if (!fs_.FileExists(JoinPath(dir, kManifestFile))) {
    return Status::NotFound(fmt::format("checkpoint {} not found", manifest.checkpoint_id),
                            ErrorCode::kCheckpointNotFound);
  }
  LAMINAR_ASSIGN_OR_RETURN(std::string json, ManifestToJson(manifest));
  Status st = WriteFileAtomically(fs_, JoinPath(dir, kManifestFile), json);
  if (!st.ok()) {
    return Status(st.code(), ErrorCode::kManifestPersistFailed,
                  fmt::format("updating the manifest of checkpoint {} failed: {}",
                              manifest.checkpoint_id, st.message()));
  }
  return Status::OK();
}

Status FileCheckpointStore::DeleteCheckpoint(uint64_t id) {
  const std::string dir = CheckpointPath(id);
  LAMINAR_ASSIGN_OR_RETURN(auto names, fs_.ListDir(dir));
  for (const auto& name : names) LAMINAR_RETURN_NOT_OK(fs_.DeleteFile(JoinPath(dir, name)));
  return fs_.DeleteDir(dir);
}

Status FileCheckpointStore::Prune(size_t max_retained) {
  if (max_retained == 0) {
    return Status::Invalid("max_retained must be >= 1", ErrorCode::kPruneFailed);
  }
  LAMINAR_ASSIGN_OR_RETURN(auto ids, ListCheckpoints());
  LAMINAR_ASSIGN_OR_RETURN(auto latest, ReadLatestId());
  // Keep the newest `max_retained`, plus whatever latest.txt names.
  const size_t first_kept = ids.size() > max_retained ? ids.size() - max_retained : 0;
  bool deleted = false;
  for (size_t i = 0; i < first_kept; ++i) {
    const uint64_t id = ids[i];
    if (latest && id == *latest) continue;
    Status st = DeleteCheckpoint(id);
    if (!st.ok()) {
      return Status(st.code(), ErrorCode::kPruneFailed,
                    fmt::format("pruning {}: {}", CheckpointDirName(id), st.message()));
    }
    deleted = true;
  }
  return deleted ? fs_.SyncDir(checkpoints_dir_) : Status::OK();
}

}  // namespace laminar::storage
