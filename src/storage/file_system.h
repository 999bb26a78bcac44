#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace laminar::storage {

/// Views the bytes of a string as a byte span (no copy); handy for Append() and WAL payloads.
inline std::span<const std::byte> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

/// A file opened for appending. All writes go to the end of the file.
///
/// Durability: bytes passed to Append() are handed to the operating system (they survive a
/// process crash) but not to the disk; they survive power loss only once Sync() returns OK.
/// After a failed Sync() the data must be treated as lost: the kernel may have dropped the dirty
/// pages and a later Sync() can succeed without writing them ("fsyncgate"), so callers must not
/// retry a failed Sync() and then acknowledge.
/// Threading: one owner thread calls Append()/Close(); Sync() may also be called from one other
/// thread while the owner appends (the WAL's background syncer does this), and then covers at
/// least every byte whose Append() returned before Sync() started.
class WritableFile {
 public:
  virtual ~WritableFile() = default;

  /// Appends all of `data` (short writes and EINTR are retried internally).
  virtual Status Append(std::span<const std::byte> data) = 0;
  /// Appends `parts` in order as if by one Append() of their concatenation. The POSIX file uses
  /// writev(2), so a caller can write a header and a large payload without copying them into
  /// one buffer first.
  virtual Status AppendV(std::span<const std::span<const std::byte>> parts) {
    for (const auto& part : parts) LAMINAR_RETURN_NOT_OK(Append(part));
    return Status::OK();
  }
  /// Makes every appended byte durable (fdatasync). See the class comment for failure semantics.
  virtual Status Sync() = 0;
  /// Closes the descriptor. Does not sync. Idempotent.
  virtual Status Close() = 0;
  /// Size of the file as seen by this writer (initial size + bytes appended).
  virtual uint64_t Size() const = 0;
  /// The path the file was opened with (for error messages).
  virtual const std::string& path() const = 0;
};

/// A file opened for positional reads.
/// Threading: ReadAt may be called from several threads at once.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;

  /// Reads up to `out.size()` bytes at `offset`; returns the number read, fewer only at the end
  /// of the file (EINTR and short reads are retried internally).
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) const = 0;
  /// Current size of the file.
  virtual Result<uint64_t> Size() const = 0;
  virtual const std::string& path() const = 0;
};

/// Every file-system operation the storage layer performs goes through this interface, so the
/// same WAL and checkpoint code runs on the real disk (`PosixFileSystem`) and on a simulated
/// disk that loses unsynced data, tears writes or fails fsync (`FaultInjectionFileSystem`).
///
/// Errors are `Status::IOError` naming the path and the operating-system error text.
/// Durability: creating, renaming or deleting a file changes its directory; that change is
/// durable only after SyncDir() on the parent directory returns OK.
/// Threading: implementations are thread-safe.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  /// The process-wide POSIX file system. Never null; lives until process exit.
  static FileSystem* Default();

  /// Creates `path` (truncating an existing file) and opens it for appending.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  /// Opens an existing file for appending after its current end (creates it when missing).
  /// Used to continue a WAL segment after recovery.
  virtual Result<std::unique_ptr<WritableFile>> ReopenWritableFile(const std::string& path) = 0;
  /// Opens an existing file for positional reads.
  virtual Result<std::unique_ptr<ReadableFile>> NewReadableFile(const std::string& path) = 0;

  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status DeleteFile(const std::string& path) = 0;
  /// Creates one directory; OK when it already exists as a directory.
  virtual Status CreateDir(const std::string& path) = 0;
  /// Removes an empty directory.
  virtual Status DeleteDir(const std::string& path) = 0;
  /// Names (not paths) of the entries in `path`, without "." and "..", sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& path) = 0;
  /// Makes creations, renames and deletions inside directory `path` durable (fsync on the dir).
  virtual Status SyncDir(const std::string& path) = 0;
  /// Sets the size of `path` to `size` (cuts a torn WAL tail).
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;

  /// Creates `path` and every missing parent (like `mkdir -p`). Does not sync the parents.
  Status CreateDirs(const std::string& path);
  /// Reads a whole file into memory.
  Result<std::string> ReadFileToString(const std::string& path);
};

/// The real file system: open(2) with O_CLOEXEC, write(2)/pread(2) loops that retry EINTR and
/// short transfers, fdatasync(2) for Sync(), fsync(2) on a directory descriptor for SyncDir().
class PosixFileSystem final : public FileSystem {
 public:
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
};

/// The directory part of `path` ("a/b/c" -> "a/b", "c" -> ".", "/c" -> "/").
std::string DirName(const std::string& path);
/// `dir` + "/" + `name` (no doubled slash).
std::string JoinPath(const std::string& dir, const std::string& name);

/// Replaces `path` with `bytes` so that after a crash the file holds either the old or the new
/// content, never a mix: write `path.tmp` -> fsync -> rename over `path` -> fsync the directory.
/// On failure the temporary file is removed (best effort) and `path` is left untouched.
Status WriteFileAtomically(FileSystem& fs, const std::string& path,
                           std::span<const std::byte> bytes);
inline Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view bytes) {
  return WriteFileAtomically(fs, path, AsBytes(bytes));
}

}  // namespace laminar::storage
