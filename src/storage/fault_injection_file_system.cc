#include "storage/fault_injection_file_system.h"

#include <fmt/format.h>

#include <algorithm>

namespace laminar::storage {

namespace {
Status SimulatedCrash(const std::string& path) {
  return Status::IOError(fmt::format("'{}': simulated power loss (file system crashed)", path));
}
}  // namespace

/// Forwards to the wrapped file and reports every write and sync to the simulated disk.
class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionFileSystem* fs, std::unique_ptr<WritableFile> base,
                    std::shared_ptr<FaultInjectionFileSystem::FileState> state, uint64_t generation)
      : fs_(fs), base_(std::move(base)), state_(std::move(state)), generation_(generation) {}

  Status Append(std::span<const std::byte> data) override {
    uint64_t allowed = data.size();
    bool tear = false;
    bool enospc = false;
    {
      std::lock_guard<std::mutex> lock(fs_->mu_);
      if (fs_->crashed_ || generation_ != fs_->generation_) return SimulatedCrash(path());
      if (fs_->tear_keep_) {
        allowed = std::min<uint64_t>(allowed, *fs_->tear_keep_);
        fs_->tear_keep_.reset();
        tear = true;
      }
      if (fs_->write_budget_) {
        if (*fs_->write_budget_ < allowed) {
          allowed = *fs_->write_budget_;
          enospc = true;
        }
        *fs_->write_budget_ -= allowed;
      }
    }
    Status st = base_->Append(data.first(allowed));
    std::lock_guard<std::mutex> lock(fs_->mu_);
    state_->size += allowed;
    if (!st.ok()) return st;
    if (tear) {
      // Power fails mid-write: what reached the platter stays, the rest of the system stops.
      state_->synced_size = state_->size;
      fs_->crashed_ = true;
      return Status::IOError(fmt::format("write '{}': simulated power loss after {} of {} bytes",
                                         path(), allowed, data.size()));
    }
    if (enospc) {
      return Status::IOError(fmt::format("write '{}': No space left on device", path()));
    }
    return Status::OK();
  }

  Status Sync() override {
    // Only bytes appended before the sync started are covered: an Append() on the owner thread
    // may run concurrently (see WritableFile::Sync).
    uint64_t covered = 0;
    {
      std::lock_guard<std::mutex> lock(fs_->mu_);
      if (fs_->crashed_ || generation_ != fs_->generation_) return SimulatedCrash(path());
      if (fs_->ShouldFailSyncLocked()) {
        return Status::IOError(fmt::format("fdatasync '{}': Input/output error", path()),
                               ErrorCode::kWalFsyncFailed);
      }
      covered = state_->size;
    }
    LAMINAR_RETURN_NOT_OK(base_->Sync());
    std::lock_guard<std::mutex> lock(fs_->mu_);
    state_->synced_size = std::max(state_->synced_size, covered);
    ++fs_->successful_syncs_;
    return Status::OK();
  }

  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultInjectionFileSystem* fs_;
  std::unique_ptr<WritableFile> base_;
  std::shared_ptr<FaultInjectionFileSystem::FileState> state_;
  uint64_t generation_;
};

Status FaultInjectionFileSystem::CheckNotCrashedLocked() const {
  if (crashed_) return SimulatedCrash("<fs>");
  return Status::OK();
}

std::shared_ptr<FaultInjectionFileSystem::FileState> FaultInjectionFileSystem::TrackLocked(
    const std::string& path, uint64_t size, uint64_t synced) {
  auto state = std::make_shared<FileState>();
  state->size = size;
  state->synced_size = synced;
  files_[path] = state;
  return state;
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::NewWritableFile(
    const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  LAMINAR_RETURN_NOT_OK(CheckNotCrashedLocked());
  bool existed = base_->FileExists(path);
  LAMINAR_ASSIGN_OR_RETURN(auto file, base_->NewWritableFile(path));
  // Truncating an existing file is modelled pessimistically: nothing of it is durable any more.
  auto state = TrackLocked(path, 0, 0);
  if (!existed) pending_.push_back({PendingOp::kCreate, DirName(path), path, "", std::nullopt});
  return std::unique_ptr<WritableFile>(
      new FaultWritableFile(this, std::move(file), std::move(state), generation_));
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::ReopenWritableFile(
    const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  LAMINAR_RETURN_NOT_OK(CheckNotCrashedLocked());
  bool existed = base_->FileExists(path);
  LAMINAR_ASSIGN_OR_RETURN(auto file, base_->ReopenWritableFile(path));
  std::shared_ptr<FileState> state;
  auto it = files_.find(path);
  if (it != files_.end()) {
    state = it->second;
  } else {
    state = TrackLocked(path, file->Size(), file->Size());  // unseen files count as durable
  }
  if (!existed) pending_.push_back({PendingOp::kCreate, DirName(path), path, "", std::nullopt});
  return std::unique_ptr<WritableFile>(
      new FaultWritableFile(this, std::move(file), std::move(state), generation_));
}

Result<std::unique_ptr<ReadableFile>> FaultInjectionFileSystem::NewReadableFile(
    const std::string& path) {
  return base_->NewReadableFile(path);
}

Status FaultInjectionFileSystem::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  LAMINAR_RETURN_NOT_OK(CheckNotCrashedLocked());
  std::optional<std::string> overwritten;
  if (base_->FileExists(to)) {
    LAMINAR_ASSIGN_OR_RETURN(std::string old, base_->ReadFileToString(to));
    overwritten = std::move(old);
  }
  LAMINAR_RETURN_NOT_OK(base_->RenameFile(from, to));
  auto it = files_.find(from);
  if (it != files_.end()) {
    files_[to] = it->second;
    files_.erase(from);
  } else {
    files_.erase(to);
  }
  pending_.push_back({PendingOp::kRename, DirName(to), to, from, std::move(overwritten)});
  return Status::OK();
}

Status FaultInjectionFileSystem::DeleteFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  LAMINAR_RETURN_NOT_OK(CheckNotCrashedLocked());
  LAMINAR_RETURN_NOT_OK(base_->DeleteFile(path));
  files_.erase(path);
  return Status::OK();
}

Status FaultInjectionFileSystem::CreateDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  LAMINAR_RETURN_NOT_OK(CheckNotCrashedLocked());
  return base_->CreateDir(path);
}

Status FaultInjectionFileSystem::DeleteDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  LAMINAR_RETURN_NOT_OK(CheckNotCrashedLocked());
  return base_->DeleteDir(path);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::ListDir(const std::string& path) {
  return base_->ListDir(path);
}

bool FaultInjectionFileSystem::FileExists(const std::string& path) {
  return base_->FileExists(path);
}

Result<uint64_t> FaultInjectionFileSystem::GetFileSize(const std::string& path) {
  return base_->GetFileSize(path);
}

Status FaultInjectionFileSystem::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  LAMINAR_RETURN_NOT_OK(CheckNotCrashedLocked());
  if (ShouldFailSyncLocked()) {
    return Status::IOError(fmt::format("fsync dir '{}': Input/output error", path),
                           ErrorCode::kWalFsyncFailed);
  }
  LAMINAR_RETURN_NOT_OK(base_->SyncDir(path));
  std::erase_if(pending_, [&](const PendingOp& op) { return op.dir == path; });
  return Status::OK();
}

Status FaultInjectionFileSystem::Truncate(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  LAMINAR_RETURN_NOT_OK(CheckNotCrashedLocked());
  LAMINAR_RETURN_NOT_OK(base_->Truncate(path, size));
  auto it = files_.find(path);
  if (it != files_.end()) {
    it->second->size = size;
    it->second->synced_size = std::min(it->second->synced_size, size);
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::DropUnsyncedData() {
  std::lock_guard<std::mutex> lock(mu_);
  // 1. Unsynced bytes vanish.
  for (auto& [path, state] : files_) {
    if (!base_->FileExists(path)) continue;
    LAMINAR_ASSIGN_OR_RETURN(uint64_t size, base_->GetFileSize(path));
    if (size > state->synced_size) {
      LAMINAR_RETURN_NOT_OK(base_->Truncate(path, state->synced_size));
    }
    state->size = state->synced_size;
  }
  // 2. Directory changes that were never synced are undone, newest first.
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
    if (it->kind == PendingOp::kCreate) {
      if (base_->FileExists(it->path)) LAMINAR_RETURN_NOT_OK(base_->DeleteFile(it->path));
      files_.erase(it->path);
      continue;
    }
    if (base_->FileExists(it->path)) {
      LAMINAR_RETURN_NOT_OK(base_->RenameFile(it->path, it->from));
      auto f = files_.find(it->path);
      if (f != files_.end()) {
        files_[it->from] = f->second;
        files_.erase(it->path);
      }
    }
    if (it->overwritten) {
      LAMINAR_ASSIGN_OR_RETURN(auto file, base_->NewWritableFile(it->path));
      LAMINAR_RETURN_NOT_OK(file->Append(AsBytes(*it->overwritten)));
      LAMINAR_RETURN_NOT_OK(file->Close());
      TrackLocked(it->path, it->overwritten->size(), it->overwritten->size());
    }
  }
  pending_.clear();
  crashed_ = false;
  tear_keep_.reset();
  ++generation_;
  return Status::OK();
}

void FaultInjectionFileSystem::FailNextSyncs(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_syncs_ = n;
  syncs_before_failure_ = 0;
}

void FaultInjectionFileSystem::FailSyncAfter(int k) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_syncs_ = 1;
  syncs_before_failure_ = k;
}

bool FaultInjectionFileSystem::ShouldFailSyncLocked() {
  if (fail_syncs_ == 0) return false;
  if (syncs_before_failure_ > 0) {
    --syncs_before_failure_;
    return false;
  }
  --fail_syncs_;
  return true;
}

void FaultInjectionFileSystem::SetWriteBudget(std::optional<uint64_t> bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  write_budget_ = bytes;
}

void FaultInjectionFileSystem::TearNextWrite(uint64_t keep_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  tear_keep_ = keep_bytes;
}

bool FaultInjectionFileSystem::crashed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return crashed_;
}

uint64_t FaultInjectionFileSystem::UnsyncedBytes(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return 0;
  return it->second->size - std::min(it->second->size, it->second->synced_size);
}

uint64_t FaultInjectionFileSystem::successful_syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return successful_syncs_;
}

}  // namespace laminar::storage
