#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/file_system.h"

namespace laminar::storage::testing {

/// A fresh directory under $TMPDIR, removed with its contents when the test ends. With
/// `in_memory`, under /dev/shm when it exists: for fault-injection tests that fsync thousands
/// of times and do not need a real disk (the fault layer simulates it).
class ScopedTempDir {
 public:
  explicit ScopedTempDir(bool in_memory = false) {
    std::filesystem::path root = std::filesystem::temp_directory_path();
    std::error_code ec;
    if (in_memory && std::filesystem::is_directory("/dev/shm", ec)) root = "/dev/shm";
    std::string tmpl = (root / "laminar_storage_XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    char* made = ::mkdtemp(buf.data());
    EXPECT_NE(made, nullptr);
    path_ = made != nullptr ? std::string(made) : std::string();
  }
  ~ScopedTempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return JoinPath(path_, name); }

 private:
  std::string path_;
};

/// Flips one bit of a file in place, bypassing every FileSystem wrapper.
inline void FlipBit(const std::string& path, uint64_t offset, int bit) {
  auto* fs = FileSystem::Default();
  auto content = fs->ReadFileToString(path);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  ASSERT_LT(offset, content->size());
  (*content)[offset] = static_cast<char>((*content)[offset] ^ (1 << bit));
  ASSERT_TRUE(WriteFileAtomically(*fs, path, *content).ok());
}

/// Writes `bytes` to `path` (no fsync), bypassing every wrapper.
inline void OverwriteFile(const std::string& path, const std::string& bytes) {
  auto file = FileSystem::Default()->NewWritableFile(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Append(AsBytes(bytes)).ok());
  ASSERT_TRUE((*file)->Close().ok());
}

#define ASSERT_OK(expr)                                       \
  do {                                                        \
    ::laminar::Status _st = (expr);                           \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (false)

#define EXPECT_OK(expr)                                       \
  do {                                                        \
    ::laminar::Status _st = (expr);                           \
    EXPECT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (false)

}  // namespace laminar::storage::testing
