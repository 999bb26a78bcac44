#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <thread>
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

/// One round of a fork + SIGKILL crash test. The child runs `child(fd)`: it reports every id it
/// has acknowledged by writing it to `fd` as a 64-bit integer, and never returns. The parent
/// kills it with SIGKILL after `delay` and stores the largest id reported in `*last_acked`
/// (unchanged when the child acknowledged nothing). Call it inside ASSERT_NO_FATAL_FAILURE.
inline void ForkAndKill(const std::function<void(int fd)>& child, std::chrono::microseconds delay,
                        std::optional<int64_t>* last_acked) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1]);
    _exit(99);  // children never return; make sure a broken one does not run the parent's test
  }
  ::close(fds[1]);
  std::this_thread::sleep_for(delay);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited with " << WEXITSTATUS(wstatus);
  int64_t id;
  while (::read(fds[0], &id, sizeof(id)) == sizeof(id)) {
    if (!*last_acked || id > **last_acked) *last_acked = id;
  }
  ::close(fds[0]);
}

/// The shape of a fork + SIGKILL loop: at least `min_rounds` rounds, then more up to
/// `max_rounds` while `budget` lasts; each child is killed `min_delay_us` plus a random part
/// below `spread_us` after it starts.
struct KillLoop {
  int min_rounds;
  int max_rounds;
  std::chrono::seconds budget;
  int64_t min_delay_us;
  uint32_t spread_us;
};

/// Runs a fork + SIGKILL crash test. The kill delays come from a time-seeded generator whose
/// seed is in the trace of every failure. Each round runs `child(fd, seed + round)` in a forked
/// child (see ForkAndKill), kills it, then calls `check(last_acked)` in the parent with the
/// largest id the child reported (nullopt: none). A fatal failure ends the loop. Returns the
/// number of rounds run.
inline int RunKillLoop(const KillLoop& loop,
                       const std::function<void(int fd, uint32_t seed)>& child,
                       const std::function<void(std::optional<int64_t> last_acked)>& check) {
  const uint32_t seed =
      static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const auto deadline = std::chrono::steady_clock::now() + loop.budget;
  int rounds = 0;
  while (rounds < loop.min_rounds ||
         (rounds < loop.max_rounds && std::chrono::steady_clock::now() < deadline)) {
    SCOPED_TRACE("round " + std::to_string(rounds));
    const uint32_t child_seed = seed + static_cast<uint32_t>(rounds);
    std::optional<int64_t> last;
    ForkAndKill([&](int fd) { child(fd, child_seed); },
                std::chrono::microseconds(loop.min_delay_us + rng() % loop.spread_us), &last);
    if (::testing::Test::HasFatalFailure()) break;
    ++rounds;
    check(last);
    if (::testing::Test::HasFatalFailure()) break;
  }
  return rounds;
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
