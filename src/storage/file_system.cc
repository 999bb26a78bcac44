#include "storage/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace laminar::storage {

namespace {

/// "<op> '<path>': <strerror>" as an IOError. fsync failures get their own code so operators can
/// alert on them: after one the data is in an unknown state.
Status PosixError(std::string_view op, const std::string& path, int err) {
  std::string msg =
      fmt::format("{} '{}': {}", op, path, std::error_code(err, std::generic_category()).message());
  ErrorCode code =
      (op == "fdatasync" || op == "fsync dir") ? ErrorCode::kWalFsyncFailed : ErrorCode::kWalError;
  return Status::IOError(std::move(msg), code);
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override { Close().IgnoreError(); }

  Status Append(std::span<const std::byte> data) override {
    if (fd_ < 0) return Status::IOError(fmt::format("append to closed file '{}'", path_));
    const std::byte* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("write", path_, errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
      size_ += static_cast<uint64_t>(n);
    }
    return Status::OK();
  }

  Status AppendV(std::span<const std::span<const std::byte>> parts) override {
    if (fd_ < 0) return Status::IOError(fmt::format("append to closed file '{}'", path_));
    constexpr size_t kMaxIov = 16;
    while (!parts.empty()) {
      struct iovec iov[kMaxIov];
      size_t n = 0;
      size_t total = 0;
      for (; n < kMaxIov && n < parts.size(); ++n) {
        iov[n].iov_base = const_cast<std::byte*>(parts[n].data());
        iov[n].iov_len = parts[n].size();
        total += parts[n].size();
      }
      ssize_t w = ::writev(fd_, iov, static_cast<int>(n));
      if (w < 0) {
        if (errno == EINTR) continue;
        return PosixError("write", path_, errno);
      }
      size_ += static_cast<uint64_t>(w);
      if (static_cast<size_t>(w) == total) {
        parts = parts.subspan(n);
        continue;
      }
      // Short write: finish the part it stopped in with Append(), then continue after it.
      size_t done = static_cast<size_t>(w);
      size_t i = 0;
      while (done >= parts[i].size()) done -= parts[i++].size();
      LAMINAR_RETURN_NOT_OK(Append(parts[i].subspan(done)));
      parts = parts.subspan(i + 1);
    }
    return Status::OK();
  }

  Status Sync() override {
    if (fd_ < 0) return Status::IOError(fmt::format("sync of closed file '{}'", path_));
    int rc;
    do {
      rc = ::fdatasync(fd_);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) return PosixError("fdatasync", path_, errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    int fd = fd_;
    fd_ = -1;
    // Never retry close() on EINTR: Linux has already released the descriptor.
    if (::close(fd) != 0 && errno != EINTR) return PosixError("close", path_, errno);
    return Status::OK();
  }

  uint64_t Size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixReadableFile() override { ::close(fd_); }

  Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) const override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("read", path_, errno);
      }
      if (n == 0) break;  // end of file
      done += static_cast<size_t>(n);
    }
    return done;
  }

  Result<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return PosixError("fstat", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
};

int OpenRetry(const std::string& path, int flags, mode_t mode = 0) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

}  // namespace

FileSystem* FileSystem::Default() {
  static PosixFileSystem* fs = new PosixFileSystem();  // never destroyed: usable at exit
  return fs;
}

Status FileSystem::CreateDirs(const std::string& path) {
  if (path.empty()) return Status::Invalid("CreateDirs: empty path");
  if (FileExists(path)) return CreateDir(path);  // reports "not a directory" if it is a file
  std::string parent = DirName(path);
  if (parent != path && parent != "." && parent != "/") {
    LAMINAR_RETURN_NOT_OK(CreateDirs(parent));
  }
  return CreateDir(path);
}

Result<std::string> FileSystem::ReadFileToString(const std::string& path) {
  LAMINAR_ASSIGN_OR_RETURN(auto file, NewReadableFile(path));
  LAMINAR_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string out(size, '\0');
  LAMINAR_ASSIGN_OR_RETURN(size_t n,
                           file->ReadAt(0, {reinterpret_cast<std::byte*>(out.data()), out.size()}));
  out.resize(n);  // the file may have shrunk between Size() and ReadAt()
  return out;
}

Result<std::unique_ptr<WritableFile>> PosixFileSystem::NewWritableFile(const std::string& path) {
  int fd = OpenRetry(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return PosixError("open for write", path, errno);
  return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd, 0));
}

Result<std::unique_ptr<WritableFile>> PosixFileSystem::ReopenWritableFile(const std::string& path) {
  int fd = OpenRetry(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return PosixError("open for append", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status st_err = PosixError("fstat", path, errno);
    ::close(fd);
    return st_err;
  }
  return std::unique_ptr<WritableFile>(
      new PosixWritableFile(path, fd, static_cast<uint64_t>(st.st_size)));
}

Result<std::unique_ptr<ReadableFile>> PosixFileSystem::NewReadableFile(const std::string& path) {
  int fd = OpenRetry(path, O_RDONLY);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return Status::NotFound(fmt::format("open for read '{}': no such file", path),
                              ErrorCode::kWalError);
    }
    return PosixError("open for read", path, err);
  }
  return std::unique_ptr<ReadableFile>(new PosixReadableFile(path, fd));
}

Status PosixFileSystem::RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return PosixError(fmt::format("rename to '{}' of", to), from, errno);
  }
  return Status::OK();
}

Status PosixFileSystem::DeleteFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return PosixError("unlink", path, errno);
  return Status::OK();
}

Status PosixFileSystem::CreateDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0) return Status::OK();
  int err = errno;
  struct stat st;
  if (err == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::OK();
  }
  return PosixError("mkdir", path, err);
}

Status PosixFileSystem::DeleteDir(const std::string& path) {
  if (::rmdir(path.c_str()) != 0) return PosixError("rmdir", path, errno);
  return Status::OK();
}

Result<std::vector<std::string>> PosixFileSystem::ListDir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return PosixError("opendir", path, errno);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return PosixError("readdir", path, err);
  std::sort(names.begin(), names.end());
  return names;
}

bool PosixFileSystem::FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<uint64_t> PosixFileSystem::GetFileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return PosixError("stat", path, errno);
  return static_cast<uint64_t>(st.st_size);
}

Status PosixFileSystem::SyncDir(const std::string& path) {
  int fd = OpenRetry(path, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return PosixError("open dir", path, errno);
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  int err = errno;
  ::close(fd);
  if (rc != 0) return PosixError("fsync dir", path, err);
  return Status::OK();
}

Status PosixFileSystem::Truncate(const std::string& path, uint64_t size) {
  int rc;
  do {
    rc = ::truncate(path.c_str(), static_cast<off_t>(size));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return PosixError("truncate", path, errno);
  return Status::OK();
}

std::string DirName(const std::string& path) {
  size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;  // ignore trailing slashes
  size_t slash = path.rfind('/', end - 1);
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

Status WriteFileAtomically(FileSystem& fs, const std::string& path,
                           std::span<const std::byte> bytes) {
  const std::string tmp = path + ".tmp";
  auto write_tmp = [&]() -> Status {
    LAMINAR_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(tmp));
    LAMINAR_RETURN_NOT_OK(file->Append(bytes));
    LAMINAR_RETURN_NOT_OK(file->Sync());
    return file->Close();
  };
  Status st = write_tmp();
  if (st.ok()) st = fs.RenameFile(tmp, path);
  if (!st.ok()) {
    if (fs.FileExists(tmp)) fs.DeleteFile(tmp).IgnoreError();
    return st;
  }
  return fs.SyncDir(DirName(path));
}

}  // namespace laminar::storage
