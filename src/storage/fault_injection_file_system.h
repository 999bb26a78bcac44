#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/file_system.h"

namespace laminar::storage {

/// A FileSystem for crash tests that wraps a real one and simulates what a disk and kernel do on
/// power loss and on I/O errors, deterministically:
///
/// - It remembers, per file written through it, how many bytes were durable at the last
///   successful Sync(). DropUnsyncedData() simulates power loss: every such file is cut back to
///   that size, files created since the last SyncDir() of their directory are deleted, and
///   renames not yet made durable by SyncDir() are undone (the overwritten target comes back).
///   Deletions are treated as durable immediately.
/// - FailNextSyncs(n): the next n Sync()/SyncDir() calls fail with EIO; the data stays unsynced
///   (as Linux may drop the dirty pages). FailSyncAfter(k) lets k syncs succeed first.
/// - SetWriteBudget(b): after b more bytes, Append() writes what fits and fails with ENOSPC.
/// - TearNextWrite(k): the next Append() persists only its first k bytes and the machine
///   "loses power" in the middle of it: every byte up to the tear counts as on disk, the Append
///   fails, and every later mutating call fails until DropUnsyncedData() "reboots".
///
/// Files that existed before this wrapper saw them count as fully durable.
/// Threading: thread-safe (one mutex); meant for tests, not for speed.
/// Lifetime: `base` must outlive this object and every file it opened.
class FaultInjectionFileSystem final : public FileSystem {
 public:
  explicit FaultInjectionFileSystem(FileSystem* base) : base_(base) {}

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> ReopenWritableFile(const std::string& path) override;
  Result<std::unique_ptr<ReadableFile>> NewReadableFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status DeleteFile(const std::string& path) override;
  Status CreateDir(const std::string& path) override;
  Status DeleteDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  Result<uint64_t> GetFileSize(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status Truncate(const std::string& path, uint64_t size) override;

  /// Simulates power loss followed by a reboot (see the class comment). Open files must not be
  /// used afterwards (their writes fail until they are reopened).
  Status DropUnsyncedData();
  /// The next `n` file or directory syncs fail with EIO.
  void FailNextSyncs(int n);
  /// The next `k` file or directory syncs succeed, the one after them fails with EIO (walks a
  /// failure through every sync point of a multi-file protocol such as a checkpoint).
  void FailSyncAfter(int k);
  /// Appends fail with ENOSPC once `bytes` more bytes have been written (nullopt: unlimited).
  void SetWriteBudget(std::optional<uint64_t> bytes);
  /// The next Append() keeps only its first `keep_bytes` and simulates a crash mid-write.
  void TearNextWrite(uint64_t keep_bytes);
  /// True between a torn write and DropUnsyncedData().
  bool crashed() const;
  /// Bytes appended to `path` since its last successful Sync() (0 for untracked files).
  uint64_t UnsyncedBytes(const std::string& path) const;
  /// Number of successful file Sync() calls so far (lets tests check group commit).
  uint64_t successful_syncs() const;

 private:
  friend class FaultWritableFile;

  /// What the simulated disk knows about one file written through this wrapper.
  struct FileState {
    uint64_t size = 0;         // bytes written so far
    uint64_t synced_size = 0;  // bytes durable as of the last successful Sync()
  };
  /// A directory change that is lost on power loss unless its directory was synced.
  struct PendingOp {
    enum Kind { kCreate, kRename } kind;
    std::string dir;                         // directory whose SyncDir() makes the op durable
    std::string path;                        // created file, or rename target
    std::string from;                        // rename source
    std::optional<std::string> overwritten;  // old content of the rename target
  };

  Status CheckNotCrashedLocked() const;
  /// Counts one sync attempt; true when it must fail (FailNextSyncs / FailSyncAfter).
  bool ShouldFailSyncLocked();
  std::shared_ptr<FileState> TrackLocked(const std::string& path, uint64_t size, uint64_t synced);

  FileSystem* base_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<FileState>> files_;
  std::vector<PendingOp> pending_;
  int fail_syncs_ = 0;
  int syncs_before_failure_ = 0;  // syncs that still succeed before fail_syncs_ applies
  std::optional<uint64_t> write_budget_;
  std::optional<uint64_t> tear_keep_;
  bool crashed_ = false;
  uint64_t generation_ = 0;  // bumped on power loss: files opened before it then fail
  uint64_t successful_syncs_ = 0;
};

}  // namespace laminar::storage
