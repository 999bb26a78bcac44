#include "storage/wal.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "common/crc32c.h"
#include "common/logging.h"
#include "storage/coding.h"

namespace laminar::storage {

namespace {

constexpr char kSegmentMagic[8] = {'L', 'D', 'B', 'W', 'A', 'L', '\r', '\n'};
constexpr uint32_t kSegmentVersion = 1;
constexpr std::string_view kSegmentPrefix = "wal-";
constexpr std::string_view kSegmentSuffix = ".log";
constexpr size_t kSegmentDigits = 20;
constexpr size_t kReadChunk = 1u << 20;

std::array<std::byte, kWalSegmentHeaderSize> EncodeSegmentHeader(uint64_t first_lsn) {
  std::array<std::byte, kWalSegmentHeaderSize> h{};
  std::memcpy(h.data(), kSegmentMagic, 8);
  EncodeFixed32(h.data() + 8, kSegmentVersion);
  EncodeFixed32(h.data() + 12, 0);
  EncodeFixed64(h.data() + 16, first_lsn);
  EncodeFixed32(h.data() + 24, internal::MaskCrc(Crc32c(h.data(), 24)));
  return h;
}

/// Checks a segment header; returns "" when valid, else why not.
std::string CheckSegmentHeader(std::span<const std::byte> h, uint64_t first_lsn) {
  if (h.size() < kWalSegmentHeaderSize) return "segment header is truncated";
  if (std::memcmp(h.data(), kSegmentMagic, 8) != 0) return "bad segment magic";
  if (DecodeFixed32(h.data() + 24) != internal::MaskCrc(Crc32c(h.data(), 24))) {
    return "segment header checksum mismatch";
  }
  if (DecodeFixed32(h.data() + 8) != kSegmentVersion) {
    return fmt::format("unsupported WAL segment version {}", DecodeFixed32(h.data() + 8));
  }
  if (DecodeFixed64(h.data() + 16) != first_lsn) {
    return fmt::format("segment header first_lsn {} does not match its file name",
                       DecodeFixed64(h.data() + 16));
  }
  return "";
}

uint32_t RecordCrc(std::span<const std::byte> header_tail, std::span<const std::byte> payload) {
  uint32_t crc = Crc32c(header_tail.data(), header_tail.size());
  return internal::MaskCrc(Crc32cExtend(crc, payload.data(), payload.size()));
}

}  // namespace

std::string WalSegmentFileName(uint64_t first_lsn) {
  return fmt::format("{}{:020d}{}", kSegmentPrefix, first_lsn, kSegmentSuffix);
}

namespace internal {
Result<std::vector<uint64_t>> ListWalSegments(FileSystem& fs, const std::string& dir) {
  LAMINAR_ASSIGN_OR_RETURN(auto names, fs.ListDir(dir));
  std::vector<uint64_t> out;
  for (const std::string& name : names) {
    if (name.size() != kSegmentPrefix.size() + kSegmentDigits + kSegmentSuffix.size() ||
        !name.starts_with(kSegmentPrefix) || !name.ends_with(kSegmentSuffix)) {
      continue;
    }
    std::string_view digits = std::string_view(name).substr(kSegmentPrefix.size(), kSegmentDigits);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    // 20 digits can exceed 2^64-1; such a name cannot come from us.
    if (digits > "18446744073709551615") continue;
    uint64_t lsn = 0;
    for (char c : digits) lsn = lsn * 10 + static_cast<uint64_t>(c - '0');
    if (lsn == 0) continue;
    out.push_back(lsn);
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace internal

// ---------------------------------------------------------------------------------------------
// WalWriter

WalWriter::WalWriter(FileSystem& fs, std::string dir, const WalOptions& options)
    : fs_(fs),
      dir_(std::move(dir)),
      options_(options),
      last_sync_(std::chrono::steady_clock::now()) {}

WalWriter::~WalWriter() { Close().IgnoreError(); }

Result<std::unique_ptr<WalWriter>> WalWriter::Open(FileSystem& fs, const std::string& dir,
                                                   const WalOptions& options) {
  if (options.segment_size < kWalSegmentHeaderSize + kWalRecordHeaderSize) {
    return Status::Invalid(
        fmt::format("WAL segment_size {} is too small (minimum {})", options.segment_size,
                    kWalSegmentHeaderSize + kWalRecordHeaderSize),
        ErrorCode::kInvalidConfig);
  }
  std::unique_ptr<WalWriter> writer(new WalWriter(fs, dir, options));
  LAMINAR_RETURN_NOT_OK(writer->Recover());
  if (options.sync_mode == WalSyncMode::kAsync) {
    writer->syncer_ = std::thread([w = writer.get()] { w->SyncerLoop(); });
  }
  return writer;
}

Status WalWriter::Recover() {
  LAMINAR_RETURN_NOT_OK(fs_.CreateDirs(dir_));
  LAMINAR_ASSIGN_OR_RETURN(segments_, internal::ListWalSegments(fs_, dir_));
  if (segments_.empty()) {
    LAMINAR_RETURN_NOT_OK(StartSegment(1));
    segments_.push_back(1);
    return Status::OK();
  }
  // Validate the last segment and find where its valid records end.
  const uint64_t first = segments_.back();
  WalReaderOptions ropts;
  ropts.start_lsn = first;
  LAMINAR_ASSIGN_OR_RETURN(auto reader, WalReader::Open(fs_, dir_, ropts));
  WalRecord record;
  while (true) {
    LAMINAR_ASSIGN_OR_RETURN(bool more, reader->Next(&record));
    if (!more) break;
  }
  const WalTail& tail = reader->tail();
  const std::string path = JoinPath(dir_, WalSegmentFileName(first));
  next_lsn_ = tail.last_lsn != 0 ? tail.last_lsn + 1 : first;
  written_lsn_ = next_lsn_ - 1;
  durable_lsn_ = next_lsn_ - 1;
  if (tail.dropped_bytes > 0) {
    Log(LogLevel::kWarn, "WAL '{}': cut {} bytes of torn tail at offset {} ({})", path,
        tail.dropped_bytes, tail.valid_end, tail.reason);
  }
  if (tail.valid_end < kWalSegmentHeaderSize) {
    // Even the header was torn: the segment holds nothing, write it again.
    return StartSegment(first);
  }
  if (tail.dropped_bytes > 0) LAMINAR_RETURN_NOT_OK(fs_.Truncate(path, tail.valid_end));
  LAMINAR_ASSIGN_OR_RETURN(file_, fs_.ReopenWritableFile(path));
  segment_bytes_ = file_->Size();
  if (tail.dropped_bytes > 0) LAMINAR_RETURN_NOT_OK(file_->Sync());  // make the cut durable
  return Status::OK();
}

Status WalWriter::StartSegment(uint64_t first_lsn) {
  const std::string path = JoinPath(dir_, WalSegmentFileName(first_lsn));
  LAMINAR_ASSIGN_OR_RETURN(file_, fs_.NewWritableFile(path));
  auto header = EncodeSegmentHeader(first_lsn);
  LAMINAR_RETURN_NOT_OK(file_->Append(header));
  segment_bytes_ = header.size();
  if (options_.sync_mode != WalSyncMode::kOff) LAMINAR_RETURN_NOT_OK(file_->Sync());
  // The new directory entry must be durable before records in it are acknowledged.
  return fs_.SyncDir(dir_);
}

Status WalWriter::Fail(Status st) {
  if (failed_.ok()) {
    failed_ = st.WithContext(fmt::format("WAL '{}' failed permanently (reopen to recover)", dir_));
  }
  return failed_;
}

void WalWriter::SyncerLoop() {
  std::unique_lock<std::mutex> lock(sync_mu_);
  while (!syncer_stop_) {
    sync_cv_.wait_for(lock, options_.async_flush_interval,
                      [&] { return syncer_stop_ || syncer_wake_; });
    syncer_wake_ = false;
    if (syncer_stop_ || !syncer_status_.ok() || file_ == nullptr) continue;
    // Every byte of the records up to `target` was written before this Sync() starts, so the
    // fdatasync covers them even while the owner keeps appending.
    const uint64_t target = written_lsn_.load(std::memory_order_acquire);
    if (target <= durable_lsn_.load(std::memory_order_relaxed)) continue;
    WritableFile* file = file_.get();
    syncer_busy_ = true;
    lock.unlock();
    Status st = file->Sync();
    lock.lock();
    syncer_busy_ = false;
    if (st.ok()) {
      if (durable_lsn_.load(std::memory_order_relaxed) < target) {
        durable_lsn_.store(target, std::memory_order_release);
      }
    } else {
      syncer_status_ = std::move(st);
      syncer_failed_.store(true, std::memory_order_release);
    }
    sync_cv_.notify_all();
  }
}

std::unique_lock<std::mutex> WalWriter::PauseSyncer() {
  std::unique_lock<std::mutex> lock(sync_mu_);
  sync_cv_.wait(lock, [&] { return !syncer_busy_; });
  return lock;
}

Status WalWriter::CheckSyncer() {
  if (!syncer_failed_.load(std::memory_order_acquire)) return Status::OK();
  std::lock_guard<std::mutex> lock(sync_mu_);
  return Fail(syncer_status_);
}

void WalWriter::WakeSyncer() {
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    syncer_wake_ = true;
  }
  sync_cv_.notify_all();
}

void WalWriter::StopSyncer() {
  if (!syncer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    syncer_stop_ = true;
  }
  sync_cv_.notify_all();
  syncer_.join();
}

Status WalWriter::WriteBuffer() {
  if (buffer_.empty()) return Status::OK();
  Status st = file_->Append(buffer_);
  buffer_.clear();
  if (!st.ok()) return Fail(std::move(st));
  written_lsn_.store(next_lsn_ - 1, std::memory_order_release);
  return Status::OK();
}

Status WalWriter::SyncLocked() {
  LAMINAR_RETURN_NOT_OK(WriteBuffer());
  last_sync_ = std::chrono::steady_clock::now();
  bytes_since_sync_ = 0;
  if (options_.sync_mode == WalSyncMode::kOff) return Status::OK();
  const uint64_t target = written_lsn_.load(std::memory_order_relaxed);
  if (durable_lsn_.load(std::memory_order_relaxed) >= target) return CheckSyncer();
  auto lock = PauseSyncer();
  if (!syncer_status_.ok()) return Fail(syncer_status_);
  if (durable_lsn_.load(std::memory_order_relaxed) >= target) return Status::OK();
  Status st = file_->Sync();
  if (!st.ok()) return Fail(std::move(st));
  durable_lsn_.store(target, std::memory_order_release);
  return Status::OK();
}

Status WalWriter::RollSegment() {
  LAMINAR_RETURN_NOT_OK(WriteBuffer());
  auto lock = PauseSyncer();
  if (!syncer_status_.ok()) return Fail(syncer_status_);
  // Always sync the finished segment, even in kOff: only the last segment may have a torn tail.
  Status st = file_->Sync();
  if (st.ok()) st = file_->Close();
  if (!st.ok()) return Fail(std::move(st));
  durable_lsn_.store(written_lsn_.load(std::memory_order_relaxed), std::memory_order_release);
  st = StartSegment(next_lsn_);
  if (!st.ok()) {
    file_.reset();  // closed above; the syncer must not touch it
    return Fail(std::move(st));
  }
  segments_.push_back(next_lsn_);
  return Status::OK();
}

Result<uint64_t> WalWriter::Append(std::span<const std::byte> payload, uint8_t type) {
  if (!failed_.ok()) return failed_;
  LAMINAR_RETURN_NOT_OK(CheckSyncer());
  if (type == 0) return Status::Invalid("WAL record type 0 is reserved", ErrorCode::kWalError);
  if (payload.size() > kWalMaxRecordPayload) {
    return Status::Invalid(fmt::format("WAL record of {} bytes exceeds the limit of {} bytes",
                                       payload.size(), kWalMaxRecordPayload),
                           ErrorCode::kWalError);
  }
  const uint64_t record_size = kWalRecordHeaderSize + payload.size();
  if (segment_bytes_ > kWalSegmentHeaderSize &&
      segment_bytes_ + record_size > options_.segment_size) {
    LAMINAR_RETURN_NOT_OK(RollSegment());
  }
  const uint64_t lsn = next_lsn_;
  std::byte header[kWalRecordHeaderSize];
  EncodeFixed32(header + 4, static_cast<uint32_t>(payload.size()));
  header[8] = static_cast<std::byte>(type);
  EncodeFixed64(header + 9, lsn);
  EncodeFixed32(header, RecordCrc({header + 4, kWalRecordHeaderSize - 4}, payload));
  buffer_.insert(buffer_.end(), header, header + kWalRecordHeaderSize);
  ++next_lsn_;
  segment_bytes_ += record_size;
  bytes_since_sync_ += record_size;
  if (payload.size() >= options_.direct_write_threshold) {
    // Large record: hand the pending buffer, this header and the caller's payload to the OS in
    // one writev instead of copying the payload into the buffer first.
    const std::span<const std::byte> parts[] = {buffer_, payload};
    Status st = file_->AppendV(parts);
    buffer_.clear();
    if (!st.ok()) return Fail(std::move(st));
    written_lsn_.store(lsn, std::memory_order_release);
  } else {
    buffer_.insert(buffer_.end(), payload.begin(), payload.end());
    if (buffer_.size() >= options_.write_buffer_size) LAMINAR_RETURN_NOT_OK(WriteBuffer());
  }
  if (options_.sync_mode == WalSyncMode::kAsync) LAMINAR_RETURN_NOT_OK(SyncIfDue());
  return lsn;
}

Status WalWriter::Sync() {
  if (!failed_.ok()) return failed_;
  return SyncLocked();
}

Status WalWriter::Flush() {
  if (!failed_.ok()) return failed_;
  LAMINAR_RETURN_NOT_OK(CheckSyncer());
  return WriteBuffer();
}

Status WalWriter::SyncIfDue() {
  if (!failed_.ok()) return failed_;
  LAMINAR_RETURN_NOT_OK(CheckSyncer());
  if (options_.sync_mode != WalSyncMode::kAsync || bytes_since_sync_ == 0) return Status::OK();
  const auto now = std::chrono::steady_clock::now();
  if (bytes_since_sync_ >= options_.async_flush_bytes ||
      now - last_sync_ >= options_.async_flush_interval) {
    // Hand everything to the OS and let the syncer fdatasync it; never wait for the disk here.
    LAMINAR_RETURN_NOT_OK(WriteBuffer());
    last_sync_ = now;
    bytes_since_sync_ = 0;
    WakeSyncer();
  }
  return Status::OK();
}

Status WalWriter::TruncateBefore(uint64_t lsn) {
  if (!failed_.ok()) return failed_;
  size_t removed = 0;
  // Segment i holds LSNs [segments_[i], segments_[i+1]); the last one is active and kept.
  while (removed + 1 < segments_.size() && segments_[removed + 1] <= lsn) {
    LAMINAR_RETURN_NOT_OK(fs_.DeleteFile(JoinPath(dir_, WalSegmentFileName(segments_[removed]))));
    ++removed;
  }
  if (removed == 0) return Status::OK();
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(removed));
  return fs_.SyncDir(dir_);
}

Status WalWriter::Close() {
  StopSyncer();
  if (file_ == nullptr) return failed_;
  Status st = failed_.ok() ? SyncLocked() : failed_;
  Status close_st = file_->Close();
  file_.reset();
  if (st.ok() && !close_st.ok()) st = Fail(close_st);
  if (failed_.ok()) failed_ = Status::Invalid(fmt::format("WAL '{}' is closed", dir_));
  return st;
}

// ---------------------------------------------------------------------------------------------
// WalReader

/// Sequential, buffered access to one segment file.
class WalReader::SegmentCursor {
 public:
  SegmentCursor(std::unique_ptr<ReadableFile> file, uint64_t size)
      : file_(std::move(file)), size_(size) {}

  uint64_t size() const { return size_; }
  const std::string& path() const { return file_->path(); }

  /// Bytes [offset, offset + n) clipped to the file end; valid until the next call.
  Result<std::span<const std::byte>> Read(uint64_t offset, size_t n) {
    if (offset >= size_) return std::span<const std::byte>();
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
    if (offset < buf_offset_ || offset + n > buf_offset_ + buf_.size()) {
      size_t want =
          static_cast<size_t>(std::min<uint64_t>(std::max(n, kReadChunk), size_ - offset));
      buf_.resize(want);
      LAMINAR_ASSIGN_OR_RETURN(size_t got, file_->ReadAt(offset, buf_));
      buf_.resize(got);
      buf_offset_ = offset;
      n = std::min(n, got);
    }
    return std::span<const std::byte>(buf_.data() + (offset - buf_offset_), n);
  }

 private:
  std::unique_ptr<ReadableFile> file_;
  uint64_t size_;
  std::vector<std::byte> buf_;
  uint64_t buf_offset_ = 0;
};

WalReader::WalReader(FileSystem& fs, std::string dir, const WalReaderOptions& options)
    : fs_(fs), dir_(std::move(dir)), options_(options) {}

WalReader::~WalReader() = default;

Result<std::unique_ptr<WalReader>> WalReader::Open(FileSystem& fs, const std::string& dir,
                                                   const WalReaderOptions& options) {
  std::unique_ptr<WalReader> reader(new WalReader(fs, dir, options));
  LAMINAR_ASSIGN_OR_RETURN(reader->segments_, internal::ListWalSegments(fs, dir));
  auto& segs = reader->segments_;
  if (segs.empty()) {
    reader->done_ = true;
    return reader;
  }
  const uint64_t start = std::max<uint64_t>(options.start_lsn, 1);
  if (start < segs.front()) {
    return Status::NotFound(
        fmt::format("WAL '{}' starts at LSN {}; records from LSN {} were truncated", dir,
                    segs.front(), start),
        ErrorCode::kWalError);
  }
  // The segment holding `start` is the last one whose first LSN is <= start.
  auto index =
      static_cast<size_t>(std::upper_bound(segs.begin(), segs.end(), start) - segs.begin() - 1);
  LAMINAR_RETURN_NOT_OK(reader->OpenSegment(index));
  return reader;
}

Status WalReader::OpenSegment(size_t index) {
  segment_index_ = index;
  const std::string path = JoinPath(dir_, WalSegmentFileName(segments_[index]));
  if (expected_lsn_ != 0 && segments_[index] != expected_lsn_) {
    return Status::Corruption(
        fmt::format("WAL segment '{}' starts at LSN {} but LSN {} was expected (records missing)",
                    path, segments_[index], expected_lsn_),
        ErrorCode::kWalCorruption);
  }
  LAMINAR_ASSIGN_OR_RETURN(auto file, fs_.NewReadableFile(path));
  LAMINAR_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  cursor_ = std::make_unique<SegmentCursor>(std::move(file), size);
  expected_lsn_ = segments_[index];
  tail_.segment_path = path;
  tail_.valid_end = 0;
  LAMINAR_ASSIGN_OR_RETURN(auto header, cursor_->Read(0, kWalSegmentHeaderSize));
  std::string why = CheckSegmentHeader(header, segments_[index]);
  offset_ = 0;
  if (!why.empty()) return HandleBad(0, why);
  offset_ = kWalSegmentHeaderSize;
  tail_.valid_end = offset_;
  return Status::OK();
}

Result<std::string> WalReader::ParseAt(uint64_t offset, WalRecord* rec) {
  LAMINAR_ASSIGN_OR_RETURN(auto h, cursor_->Read(offset, kWalRecordHeaderSize));
  if (h.size() < kWalRecordHeaderSize) {
    return fmt::format("truncated record header ({} of {} bytes)", h.size(), kWalRecordHeaderSize);
  }
  const uint32_t length = DecodeFixed32(h.data() + 4);
  if (length > kWalMaxRecordPayload) {
    return fmt::format("record length {} exceeds the limit {}", length, kWalMaxRecordPayload);
  }
  const uint64_t remaining = cursor_->size() - offset - kWalRecordHeaderSize;
  if (length > remaining) {
    return fmt::format("truncated record: length {} but {} bytes remain", length, remaining);
  }
  LAMINAR_ASSIGN_OR_RETURN(auto whole, cursor_->Read(offset, kWalRecordHeaderSize + length));
  if (whole.size() < kWalRecordHeaderSize + length) return std::string("short read");
  const uint32_t stored_crc = DecodeFixed32(whole.data());
  const uint32_t actual_crc =
      RecordCrc(whole.subspan(4, kWalRecordHeaderSize - 4), whole.subspan(kWalRecordHeaderSize));
  if (stored_crc != actual_crc) {
    return fmt::format("record checksum mismatch (stored {:#010x}, computed {:#010x})", stored_crc,
                       actual_crc);
  }
  const auto type = static_cast<uint8_t>(whole[8]);
  const uint64_t lsn = DecodeFixed64(whole.data() + 9);
  if (type == 0) return std::string("record type 0 is invalid");
  if (lsn != expected_lsn_) {
    return fmt::format("record has LSN {} where {} was expected", lsn, expected_lsn_);
  }
  rec->lsn = lsn;
  rec->type = type;
  rec->payload = whole.subspan(kWalRecordHeaderSize);
  return std::string();
}

Result<bool> WalReader::ValidRecordFollows(uint64_t from) {
  const uint64_t size = cursor_->size();
  if (from + kWalRecordHeaderSize > size) return false;
  LAMINAR_ASSIGN_OR_RETURN(auto rest, cursor_->Read(from, static_cast<size_t>(size - from)));
  const uint64_t max_lsn = expected_lsn_ + size / kWalRecordHeaderSize + 1;
  for (size_t p = 0; p + kWalRecordHeaderSize <= rest.size(); ++p) {
    const std::byte* h = rest.data() + p;
    const uint64_t lsn = DecodeFixed64(h + 9);
    if (lsn < expected_lsn_ || lsn > max_lsn || h[8] == std::byte{0}) continue;
    const uint32_t length = DecodeFixed32(h + 4);
    if (length > rest.size() - p - kWalRecordHeaderSize) continue;
    std::span<const std::byte> whole(h, kWalRecordHeaderSize + length);
    if (DecodeFixed32(h) == RecordCrc(whole.subspan(4, kWalRecordHeaderSize - 4),
                                      whole.subspan(kWalRecordHeaderSize))) {
      return true;
    }
  }
  return false;
}

Status WalReader::HandleBad(uint64_t offset, const std::string& why) {
  const bool last = segment_index_ + 1 == segments_.size();
  auto corruption = [&](std::string_view extra) {
    return Status::Corruption(fmt::format("WAL segment '{}' is corrupt at offset {}: {}{}",
                                          cursor_->path(), offset, why, extra),
                              ErrorCode::kWalCorruption);
  };
  if (!last || options_.recovery_mode == WalRecoveryMode::kAbsoluteConsistency) {
    return corruption("");
  }
  if (options_.recovery_mode == WalRecoveryMode::kTolerateCorruptedTail) {
    LAMINAR_ASSIGN_OR_RETURN(bool later, ValidRecordFollows(offset + 1));
    if (later) return corruption(" (valid records follow, so this is not a torn tail)");
  }
  tail_.valid_end = offset;
  tail_.dropped_bytes = cursor_->size() - offset;
  tail_.reason = why;
  done_ = true;
  return Status::OK();
}

Result<bool> WalReader::Next(WalRecord* record) {
  while (!done_) {
    if (offset_ >= cursor_->size()) {
      if (segment_index_ + 1 < segments_.size()) {
        LAMINAR_RETURN_NOT_OK(OpenSegment(segment_index_ + 1));
        continue;
      }
      done_ = true;
      break;
    }
    LAMINAR_ASSIGN_OR_RETURN(std::string why, ParseAt(offset_, record));
    if (!why.empty()) {
      LAMINAR_RETURN_NOT_OK(HandleBad(offset_, why));
      break;
    }
    offset_ += kWalRecordHeaderSize + record->payload.size();
    tail_.valid_end = offset_;
    tail_.last_lsn = record->lsn;
    ++expected_lsn_;
    if (record->lsn >= options_.start_lsn) return true;
  }
  return false;
}

}  // namespace laminar::storage
