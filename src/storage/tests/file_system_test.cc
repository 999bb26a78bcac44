#include "storage/file_system.h"

#include <gtest/gtest.h>

#include "storage/fault_injection_file_system.h"
#include "storage/tests/test_util.h"

namespace laminar::storage {
namespace {

using testing::ScopedTempDir;

TEST(PosixFileSystemTest, WriteReadRoundTrip) {
  ScopedTempDir dir;
  FileSystem& fs = *FileSystem::Default();
  std::string path = dir.Join("a.txt");
  auto file = fs.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_OK((*file)->Append(AsBytes("hello ")));
  ASSERT_OK((*file)->Append(AsBytes("world")));
  EXPECT_EQ((*file)->Size(), 11u);
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Close());
  ASSERT_OK((*file)->Close());  // idempotent
  EXPECT_TRUE(fs.FileExists(path));
  EXPECT_EQ(*fs.GetFileSize(path), 11u);
  EXPECT_EQ(*fs.ReadFileToString(path), "hello world");

  auto reader = fs.NewReadableFile(path);
  ASSERT_TRUE(reader.ok());
  std::byte buf[5];
  auto n = (*reader)->ReadAt(6, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 5), "world");
  n = (*reader)->ReadAt(9, buf);
  EXPECT_EQ(*n, 2u);  // short only at end of file
}

TEST(PosixFileSystemTest, AppendVWritesPartsInOrder) {
  ScopedTempDir dir;
  FileSystem& fs = *FileSystem::Default();
  std::string path = dir.Join("v.txt");
  auto file = fs.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  // More parts than one writev() takes (16), some empty.
  std::vector<std::string> parts;
  std::string expected;
  for (int i = 0; i < 40; ++i) {
    parts.push_back(i % 7 == 0 ? std::string()
                               : std::string(static_cast<size_t>(i * 13), 'a' + i % 26));
    expected += parts.back();
  }
  std::vector<std::span<const std::byte>> spans;
  for (const auto& p : parts) spans.push_back(AsBytes(p));
  ASSERT_OK((*file)->AppendV(spans));
  EXPECT_EQ((*file)->Size(), expected.size());
  ASSERT_OK((*file)->Close());
  EXPECT_EQ(*fs.ReadFileToString(path), expected);
}

TEST(PosixFileSystemTest, ReopenAppendsAfterExistingBytes) {
  ScopedTempDir dir;
  FileSystem& fs = *FileSystem::Default();
  std::string path = dir.Join("seg");
  ASSERT_OK(WriteFileAtomically(fs, path, "abc"));
  auto file = fs.ReopenWritableFile(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->Size(), 3u);
  ASSERT_OK((*file)->Append(AsBytes("def")));
  ASSERT_OK((*file)->Close());
  EXPECT_EQ(*fs.ReadFileToString(path), "abcdef");
  ASSERT_OK(fs.Truncate(path, 2));
  EXPECT_EQ(*fs.ReadFileToString(path), "ab");
}

TEST(PosixFileSystemTest, DirectoriesRenameDeleteList) {
  ScopedTempDir dir;
  FileSystem& fs = *FileSystem::Default();
  std::string nested = dir.Join("x/y/z");
  ASSERT_OK(fs.CreateDirs(nested));
  ASSERT_OK(fs.CreateDirs(nested));  // idempotent
  ASSERT_OK(fs.CreateDir(nested));
  ASSERT_OK(WriteFileAtomically(fs, JoinPath(nested, "b"), "2"));
  ASSERT_OK(WriteFileAtomically(fs, JoinPath(nested, "a"), "1"));
  auto names = fs.ListDir(nested);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));  // sorted, no temp files left
  ASSERT_OK(fs.RenameFile(JoinPath(nested, "a"), JoinPath(nested, "c")));
  EXPECT_FALSE(fs.FileExists(JoinPath(nested, "a")));
  EXPECT_EQ(*fs.ReadFileToString(JoinPath(nested, "c")), "1");
  ASSERT_OK(fs.SyncDir(nested));
  ASSERT_OK(fs.DeleteFile(JoinPath(nested, "b")));
  ASSERT_OK(fs.DeleteFile(JoinPath(nested, "c")));
  ASSERT_OK(fs.DeleteDir(nested));
  EXPECT_FALSE(fs.FileExists(nested));
}

TEST(PosixFileSystemTest, ErrorsNamePathAndErrnoText) {
  ScopedTempDir dir;
  FileSystem& fs = *FileSystem::Default();
  std::string missing = dir.Join("nope/file");
  auto file = fs.NewWritableFile(missing);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsIOError());
  EXPECT_NE(file.status().message().find(missing), std::string::npos);
  EXPECT_NE(file.status().message().find("No such file or directory"), std::string::npos)
      << file.status().ToString();
  Status st = fs.DeleteFile(missing);
  EXPECT_TRUE(st.IsIOError());
  EXPECT_NE(st.message().find(missing), std::string::npos);
  EXPECT_FALSE(fs.GetFileSize(missing).ok());
  EXPECT_FALSE(fs.ListDir(missing).ok());
  EXPECT_TRUE(fs.NewReadableFile(missing).status().IsNotFound());
  // A file where a directory is expected.
  ASSERT_OK(WriteFileAtomically(fs, dir.Join("f"), "x"));
  EXPECT_FALSE(fs.CreateDir(dir.Join("f")).ok());
}

TEST(PathTest, DirNameAndJoin) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("a/b/c/"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
}

class FaultInjectionTest : public ::testing::Test {
 protected:
  ScopedTempDir dir_;
  FaultInjectionFileSystem fs_{FileSystem::Default()};
};

TEST_F(FaultInjectionTest, DropUnsyncedDataKeepsOnlySyncedPrefix) {
  std::string path = dir_.Join("f");
  auto file = fs_.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK((*file)->Append(AsBytes("durable")));
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Append(AsBytes("-lost")));
  EXPECT_EQ(fs_.UnsyncedBytes(path), 5u);
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(*fs_.ReadFileToString(path), "durable");
  // The old handle belongs to the "previous boot".
  EXPECT_FALSE((*file)->Append(AsBytes("x")).ok());
}

TEST_F(FaultInjectionTest, UnsyncedCreateIsForgotten) {
  std::string path = dir_.Join("new");
  auto file = fs_.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_OK((*file)->Append(AsBytes("data")));
  ASSERT_OK((*file)->Sync());  // data synced, but the directory entry is not
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_FALSE(fs_.FileExists(path));
}

TEST_F(FaultInjectionTest, UnsyncedRenameIsUndoneAndOldTargetReturns) {
  std::string path = dir_.Join("latest");
  ASSERT_OK(WriteFileAtomically(fs_, path, "v1"));  // fully durable
  // Rename without the final directory sync.
  auto tmp = fs_.NewWritableFile(path + ".tmp");
  ASSERT_TRUE(tmp.ok());
  ASSERT_OK((*tmp)->Append(AsBytes("v2")));
  ASSERT_OK((*tmp)->Sync());
  ASSERT_OK((*tmp)->Close());
  ASSERT_OK(fs_.RenameFile(path + ".tmp", path));
  EXPECT_EQ(*fs_.ReadFileToString(path), "v2");
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(*fs_.ReadFileToString(path), "v1");
  EXPECT_FALSE(fs_.FileExists(path + ".tmp"));  // its creation was never made durable either
}

TEST_F(FaultInjectionTest, AtomicWriteSurvivesPowerLoss) {
  std::string path = dir_.Join("m.json");
  ASSERT_OK(WriteFileAtomically(fs_, path, "v1"));
  ASSERT_OK(WriteFileAtomically(fs_, path, "v2"));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(*fs_.ReadFileToString(path), "v2");
}

TEST_F(FaultInjectionTest, FailedSyncReportsEioAndKeepsDataUnsynced) {
  std::string path = dir_.Join("f");
  auto file = fs_.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK((*file)->Append(AsBytes("abc")));
  fs_.FailNextSyncs(1);
  Status st = (*file)->Sync();
  EXPECT_TRUE(st.IsIOError());
  EXPECT_EQ(st.error_code(), ErrorCode::kWalFsyncFailed);
  EXPECT_EQ(fs_.UnsyncedBytes(path), 3u);
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(*fs_.ReadFileToString(path), "");
}

TEST_F(FaultInjectionTest, WriteBudgetGivesEnospcAfterPrefix) {
  std::string path = dir_.Join("f");
  auto file = fs_.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  fs_.SetWriteBudget(4);
  ASSERT_OK((*file)->Append(AsBytes("ab")));
  Status st = (*file)->Append(AsBytes("cdef"));
  EXPECT_TRUE(st.IsIOError());
  EXPECT_NE(st.message().find("No space left on device"), std::string::npos);
  EXPECT_EQ(*fs_.ReadFileToString(path), "abcd");
  fs_.SetWriteBudget(std::nullopt);
  ASSERT_OK((*file)->Append(AsBytes("g")));
}

TEST_F(FaultInjectionTest, TornWriteKeepsPrefixAndCrashes) {
  std::string path = dir_.Join("f");
  auto file = fs_.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK((*file)->Append(AsBytes("12345")));
  ASSERT_OK((*file)->Sync());
  fs_.TearNextWrite(2);
  EXPECT_FALSE((*file)->Append(AsBytes("abcdef")).ok());
  EXPECT_TRUE(fs_.crashed());
  EXPECT_FALSE((*file)->Sync().ok());
  EXPECT_FALSE(fs_.NewWritableFile(dir_.Join("g")).ok());
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_FALSE(fs_.crashed());
  EXPECT_EQ(*fs_.ReadFileToString(path), "12345ab");
}

}  // namespace
}  // namespace laminar::storage
