// Fuzzes WAL recovery: the input becomes the last segment of a WAL directory, which is read in
// every recovery mode and then recovered by WalWriter::Open. Must never crash, hang or return a
// record whose checksum does not match.
//
// Input: [flags u8][segment bytes...]. flags bit 0: prepend a valid segment header (so the fuzzer
// reaches record parsing quickly); bit 1: also place a valid one-record segment before it (so
// the input is the second segment and mid-log rules apply to the first).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "common/crc32c.h"
#include "storage/coding.h"
#include "storage/file_system.h"
#include "storage/wal.h"

namespace {

using laminar::storage::FileSystem;
using laminar::storage::JoinPath;
using laminar::storage::WalRecord;
using laminar::storage::WalRecoveryMode;

std::string Header(uint64_t first_lsn) {
  std::string h("LDBWAL\r\n", 8);
  auto put32 = [&](uint32_t v) { h.append(reinterpret_cast<const char*>(&v), 4); };
  auto put64 = [&](uint64_t v) { h.append(reinterpret_cast<const char*>(&v), 8); };
  put32(1);
  put32(0);
  put64(first_lsn);
  put32(laminar::storage::internal::MaskCrc(laminar::Crc32c(h.data(), h.size())));
  return h;
}

std::string OneRecordSegment() {
  std::string seg = Header(1);
  std::string rec(17, '\0');
  uint32_t len = 3;
  std::memcpy(&rec[4], &len, 4);
  rec[8] = 1;
  uint64_t lsn = 1;
  std::memcpy(&rec[9], &lsn, 8);
  rec += "abc";
  uint32_t crc =
      laminar::storage::internal::MaskCrc(laminar::Crc32c(rec.data() + 4, rec.size() - 4));
  std::memcpy(&rec[0], &crc, 4);
  return seg + rec;
}

/// A private scratch directory (in memory when /dev/shm exists), removed at exit. Leaked on
/// purpose so it is still alive when the exit handler runs.
const std::string& Dir() {
  static const std::string* dir = [] {
    std::filesystem::path root = std::filesystem::exists("/dev/shm")
                                     ? std::filesystem::path("/dev/shm")
                                     : std::filesystem::temp_directory_path();
    auto d = root / ("laminar_wal_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    auto* path = new std::string(d.string());
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(Dir(), ec);
    });
    return path;
  }();
  return *dir;
}

void Write(const std::string& path, const std::string& bytes) {
  auto file = FileSystem::Default()->NewWritableFile(path);
  if (!file.ok()) std::abort();
  if (!(*file)->Append(laminar::storage::AsBytes(bytes)).ok()) std::abort();
  (*file)->Close().IgnoreError();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  FileSystem& fs = *FileSystem::Default();
  const std::string& dir = Dir();
  auto names = fs.ListDir(dir);
  if (!names.ok()) std::abort();
  for (const auto& name : *names) fs.DeleteFile(JoinPath(dir, name)).IgnoreError();

  const uint8_t flags = data[0];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  uint64_t first_lsn = 1;
  if (flags & 2) {
    Write(JoinPath(dir, laminar::storage::WalSegmentFileName(1)), OneRecordSegment());
    first_lsn = 2;
  }
  if (flags & 1) body = Header(first_lsn) + body;
  Write(JoinPath(dir, laminar::storage::WalSegmentFileName(first_lsn)), body);

  for (auto mode : {WalRecoveryMode::kTolerateCorruptedTail, WalRecoveryMode::kPointInTime,
                    WalRecoveryMode::kAbsoluteConsistency}) {
    laminar::storage::WalReaderOptions opts;
    opts.recovery_mode = mode;
    auto reader = laminar::storage::WalReader::Open(fs, dir, opts);
    if (!reader.ok()) continue;
    WalRecord rec;
    uint64_t expected = 1;
    while (true) {
      auto more = (*reader)->Next(&rec);
      if (!more.ok() || !*more) break;
      if (rec.lsn != expected++ || rec.type == 0) std::abort();  // reader broke its contract
    }
  }
  // Recovery by the writer: cuts a torn tail and must then append and read back cleanly.
  auto writer = laminar::storage::WalWriter::Open(fs, dir);
  if (writer.ok()) {
    auto lsn = (*writer)->Append(laminar::storage::AsBytes("after-recovery"));
    if (lsn.ok() && (*writer)->Close().ok()) {
      auto reader = laminar::storage::WalReader::Open(fs, dir);
      if (!reader.ok()) std::abort();
      WalRecord rec;
      uint64_t last = 0;
      while (true) {
        auto more = (*reader)->Next(&rec);
        if (!more.ok()) std::abort();  // a recovered WAL must read cleanly
        if (!*more) break;
        last = rec.lsn;
      }
      if (last != *lsn) std::abort();
    }
  }
  return 0;
}
