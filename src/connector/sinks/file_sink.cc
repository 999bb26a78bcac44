#include "connector/sinks/file_sink.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/crc32c.h"
#include "common/logging.h"
#include "common/string_util.h"

namespace laminar::connector {

namespace {
constexpr std::string_view kStagedPrefix = "epoch_";
constexpr std::string_view kStagedSuffix = ".staged";
constexpr char kCommitFile[] = "commit";
constexpr size_t kCopyChunk = 1 << 20;

std::optional<uint64_t> ParseStagedName(std::string_view name) {
  if (!name.starts_with(kStagedPrefix) || !name.ends_with(kStagedSuffix)) return std::nullopt;
  std::string_view digits =
      name.substr(kStagedPrefix.size(), name.size() - kStagedPrefix.size() - kStagedSuffix.size());
  int64_t v = 0;
  if (digits.empty() || !ParseInt64(digits, &v) || v <= 0) return std::nullopt;
  return static_cast<uint64_t>(v);
}
}  // namespace

Result<std::unique_ptr<SinkConnector>> FileSink::Make(const ConnectorOptions& options,
                                                      const SinkConfig& config) {
  // FORMAT ... WITH (delimiter = ';') reads like csv.delimiter.
  ConnectorOptions all = options;
  std::string format = config.format;
  for (const auto& [k, v] : config.format_options) {
    std::string key = ToLower(k);
    if (!format.empty() && !key.starts_with(ToLower(format) + "."))
      key = ToLower(format) + "." + key;
    all[key] = v;
  }
  OptionReader reader("file", all);
  std::unique_ptr<FileSink> sink(new FileSink());
  auto path = reader.GetString("path");
  if (!path || Trim(*path).empty()) {
    return reader.Error("path", "is required (the file the sink appends to)");
  }
  sink->path_ = *path;
  sink->staging_dir_ = sink->path_ + ".laminar";
  auto format_opt = reader.GetString("format");
  if (format.empty()) format = format_opt.value_or("json");
  LAMINAR_ASSIGN_OR_RETURN(sink->formatter_, RowFormatter::Make(format, reader));
  LAMINAR_ASSIGN_OR_RETURN(int64_t buffer, reader.GetInt64("buffer.bytes", 1 << 20, 0, 1 << 30));
  sink->buffer_limit_ = static_cast<size_t>(buffer);
  reader.GetString("delivery.guarantee");  // the runtime reads it (config.guarantee)
  LAMINAR_RETURN_NOT_OK(reader.Finish());
  sink->guarantee_ = config.guarantee;
  sink->sink_name_ = config.sink_name;
  sink->fs_ = config.fs != nullptr ? config.fs : storage::FileSystem::Default();
  return std::unique_ptr<SinkConnector>(std::move(sink));
}

FileSink::~FileSink() = default;

std::string FileSink::StagedPath(uint64_t epoch) const {
  return storage::JoinPath(staging_dir_,
                           fmt::format("{}{:06d}{}", kStagedPrefix, epoch, kStagedSuffix));
}

Status FileSink::Error(const std::string& what, const Status& st) const {
  return Status(st.code(),
                st.error_code() == ErrorCode::kNone ? ErrorCode::kConnectorWrite : st.error_code(),
                fmt::format("sink '{}' ({}): {}: {}", sink_name_, path_, what, st.message()));
}

Status FileSink::WriteCommitRecord() {
  std::string body = fmt::format("{} {}", committed_epoch_, committed_length_);
  std::string text = fmt::format("{} {:08x}\n", body, Crc32c(body));
  return storage::WriteFileAtomically(*fs_, storage::JoinPath(staging_dir_, kCommitFile), text);
}

Status FileSink::ReadCommitRecord(bool* found) {
  const std::string file = storage::JoinPath(staging_dir_, kCommitFile);
  *found = false;
  if (!fs_->FileExists(file)) return Status::OK();
  LAMINAR_ASSIGN_OR_RETURN(std::string text, fs_->ReadFileToString(file));
  auto parts = Split(Trim(text), ' ');
  int64_t epoch = 0, length = 0;
  if (parts.size() != 3 || !ParseInt64(parts[0], &epoch) || !ParseInt64(parts[1], &length) ||
      epoch < 0 || length < 0 ||
      fmt::format("{:08x}", Crc32c(parts[0] + " " + parts[1])) != parts[2]) {
    return Status::Corruption(
        fmt::format("sink '{}': commit record '{}' is corrupt", sink_name_, file),
        ErrorCode::kRecoveryFailed);
  }
  committed_epoch_ = static_cast<uint64_t>(epoch);
  committed_length_ = static_cast<uint64_t>(length);
  *found = true;
  return Status::OK();
}

Result<std::vector<uint64_t>> FileSink::ListStaged() {
  std::vector<uint64_t> out;
  if (!fs_->FileExists(staging_dir_)) return out;
  LAMINAR_ASSIGN_OR_RETURN(auto names, fs_->ListDir(staging_dir_));
  for (const auto& n : names) {
    if (auto e = ParseStagedName(n)) out.push_back(*e);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status FileSink::Open(const SinkOpenContext& context) {
  schema_ = context.schema;
  const std::string parent = storage::DirName(path_);
  auto open = [&]() -> Status {
    LAMINAR_RETURN_NOT_OK(fs_->CreateDirs(parent));
    if (!fs_->FileExists(path_)) {
      LAMINAR_ASSIGN_OR_RETURN(auto f, fs_->NewWritableFile(path_));
      LAMINAR_RETURN_NOT_OK(f->Close());
      LAMINAR_RETURN_NOT_OK(fs_->SyncDir(parent));
    }
    LAMINAR_ASSIGN_OR_RETURN(uint64_t size, fs_->GetFileSize(path_));
    std::string header;
    if (size == 0 && formatter_->wants_header()) header = formatter_->Header(*schema_);
    if (!exactly_once()) {
      LAMINAR_ASSIGN_OR_RETURN(out_, fs_->ReopenWritableFile(path_));
      if (!header.empty()) LAMINAR_RETURN_NOT_OK(out_->Append(storage::AsBytes(header)));
      return Status::OK();
    }
    const bool new_dir = !fs_->FileExists(staging_dir_);
    LAMINAR_RETURN_NOT_OK(fs_->CreateDir(staging_dir_));
    if (new_dir) LAMINAR_RETURN_NOT_OK(fs_->SyncDir(parent));
    if (context.recovered_epoch) {
      bool found = false;
      LAMINAR_RETURN_NOT_OK(ReadCommitRecord(&found));
      if (!found) {
        committed_epoch_ = 0;
        committed_length_ = size;
        return WriteCommitRecord();
      }
      if (size < committed_length_) {
        return Status::Corruption(
            fmt::format("the file is {} bytes but {} bytes were committed (epoch {}); it was cut "
                        "by something other than this sink",
                        size, committed_length_, committed_epoch_),
            ErrorCode::kRecoveryFailed);
      }
      if (size > committed_length_) {
        // A commit cut short by a crash: its epoch is re-driven, so drop the partial append.
        Log(LogLevel::kInfo, "sink '{}': cutting '{}' back from {} to {} committed bytes",
            sink_name_, path_, size, committed_length_);
        LAMINAR_RETURN_NOT_OK(fs_->Truncate(path_, committed_length_));
      }
      return Status::OK();
    }
    // A fresh sink: staged epochs of an earlier life are garbage; what the file holds is
    // history this sink never re-commits.
    LAMINAR_ASSIGN_OR_RETURN(auto staged, ListStaged());
    for (uint64_t e : staged) LAMINAR_RETURN_NOT_OK(fs_->DeleteFile(StagedPath(e)));
    if (!header.empty()) {
      LAMINAR_ASSIGN_OR_RETURN(auto f, fs_->ReopenWritableFile(path_));
      LAMINAR_RETURN_NOT_OK(f->Append(storage::AsBytes(header)));
      LAMINAR_RETURN_NOT_OK(f->Sync());
      LAMINAR_RETURN_NOT_OK(f->Close());
      size += header.size();
    }
    committed_epoch_ = 0;
    committed_length_ = size;
    return WriteCommitRecord();
  };
  Status st = open();
  if (!st.ok()) return Error("open failed", st);
  open_ = true;
  return Status::OK();
}

Status FileSink::FlushBuffer() {
  if (buffer_.empty()) return Status::OK();
  if (!out_) {
    if (!exactly_once()) return Status::Invalid("sink is not open");
    LAMINAR_ASSIGN_OR_RETURN(out_, fs_->NewWritableFile(StagedPath(epoch_)));
  }
  LAMINAR_RETURN_NOT_OK(out_->Append(storage::AsBytes(buffer_)));
  buffer_.clear();
  return Status::OK();
}

Status FileSink::WriteBatch(const RecordBatch& batch) {
  if (!open_) {
    return Status::Invalid(fmt::format("sink '{}' is not open", sink_name_),
                           ErrorCode::kConnectorWrite);
  }
  formatter_->Append(batch, &buffer_);
  rows_ += static_cast<uint64_t>(batch.num_rows());
  // At-least-once output reaches the file (the OS) batch by batch; exactly-once output is
  // staged anyway, so it is buffered up to buffer.bytes.
  if (!exactly_once() || buffer_.size() >= buffer_limit_) {
    Status st = FlushBuffer();
    if (!st.ok()) return Error("write failed", st);
  }
  return Status::OK();
}

Status FileSink::BeginEpoch(uint64_t epoch) {
  if (exactly_once() && out_) {
    return Status::Invalid(fmt::format("sink '{}': BeginEpoch({}) while epoch {} is still open",
                                       sink_name_, epoch, epoch_),
                           ErrorCode::kInvalidOperation);
  }
  epoch_ = epoch;
  return Status::OK();
}

Status FileSink::PreCommit(uint64_t epoch) {
  if (!open_) return Status::OK();
  auto run = [&]() -> Status {
    LAMINAR_RETURN_NOT_OK(FlushBuffer());
    if (!exactly_once()) return out_ ? out_->Sync() : Status::OK();
    if (epoch != epoch_) {
      return Status::Invalid(fmt::format("PreCommit({}) but the open epoch is {}", epoch, epoch_));
    }
    if (!out_) return Status::OK();  // nothing written in this epoch
    LAMINAR_RETURN_NOT_OK(out_->Sync());
    LAMINAR_RETURN_NOT_OK(out_->Close());
    out_.reset();
    return fs_->SyncDir(staging_dir_);  // the staged file's directory entry
  };
  Status st = run();
  if (!st.ok()) return Error(fmt::format("pre-commit of epoch {} failed", epoch), st);
  return Status::OK();
}

Status FileSink::AppendStaged(uint64_t epoch) {
  const std::string staged = StagedPath(epoch);
  LAMINAR_ASSIGN_OR_RETURN(uint64_t size, fs_->GetFileSize(path_));
  if (size < committed_length_) {
    return Status::Corruption(
        fmt::format("the file is {} bytes but {} bytes were committed", size, committed_length_),
        ErrorCode::kRecoveryFailed);
  }
  if (size > committed_length_) LAMINAR_RETURN_NOT_OK(fs_->Truncate(path_, committed_length_));
  LAMINAR_ASSIGN_OR_RETURN(auto in, fs_->NewReadableFile(staged));
  LAMINAR_ASSIGN_OR_RETURN(uint64_t staged_size, in->Size());
  LAMINAR_ASSIGN_OR_RETURN(auto out, fs_->ReopenWritableFile(path_));
  std::vector<std::byte> chunk(std::min<uint64_t>(kCopyChunk, std::max<uint64_t>(staged_size, 1)));
  uint64_t offset = 0;
  while (offset < staged_size) {
    LAMINAR_ASSIGN_OR_RETURN(size_t n, in->ReadAt(offset, chunk));
    if (n == 0) {
      return Status::IOError(fmt::format("'{}' ended early at byte {}", staged, offset),
                             ErrorCode::kConnectorWrite);
    }
    LAMINAR_RETURN_NOT_OK(out->Append(std::span<const std::byte>(chunk.data(), n)));
    offset += n;
  }
  LAMINAR_RETURN_NOT_OK(out->Sync());
  LAMINAR_RETURN_NOT_OK(out->Close());
  const uint64_t old_epoch = committed_epoch_, old_length = committed_length_;
  committed_epoch_ = epoch;
  committed_length_ = old_length + staged_size;
  Status st = WriteCommitRecord();
  if (!st.ok()) {
    // Not recorded: the epoch is still uncommitted and a retry cuts the append off again.
    committed_epoch_ = old_epoch;
    committed_length_ = old_length;
    return st;
  }
  // The commit record is authoritative; a staged file that survives a crash here is deleted by
  // the next commit (its epoch is <= the committed one).
  return fs_->DeleteFile(staged);
}

Status FileSink::CommitEpoch(uint64_t epoch) {
  if (!exactly_once() || !open_) return Status::OK();
  auto run = [&]() -> Status {
    if (out_ && epoch_ <= epoch) {
      return Status::Invalid(fmt::format("epoch {} was not pre-committed", epoch_));
    }
    LAMINAR_ASSIGN_OR_RETURN(auto staged, ListStaged());
    for (uint64_t e : staged) {
      if (e > epoch) break;
      if (e <= committed_epoch_) {
        LAMINAR_RETURN_NOT_OK(fs_->DeleteFile(StagedPath(e)));  // committed before a crash
        continue;
      }
      LAMINAR_RETURN_NOT_OK(AppendStaged(e));
    }
    return Status::OK();
  };
  Status st = run();
  if (!st.ok()) return Error(fmt::format("commit of epoch {} failed", epoch), st);
  return Status::OK();
}

Status FileSink::RollbackEpoch(uint64_t epoch) {
  if (!exactly_once()) return Status::OK();
  auto run = [&]() -> Status {
    if (out_ && epoch_ >= epoch) {
      out_->Close().IgnoreError();
      out_.reset();
    }
    if (epoch_ >= epoch) buffer_.clear();
    LAMINAR_ASSIGN_OR_RETURN(auto staged, ListStaged());
    for (uint64_t e : staged) {
      if (e >= epoch && e > committed_epoch_) LAMINAR_RETURN_NOT_OK(fs_->DeleteFile(StagedPath(e)));
    }
    return Status::OK();
  };
  Status st = run();
  if (!st.ok()) {
    return Status(st.code(), ErrorCode::kSinkRollbackFailed,
                  fmt::format("sink '{}' ({}): rollback of epoch {} failed: {}", sink_name_, path_,
                              epoch, st.message()));
  }
  return Status::OK();
}

Status FileSink::Close() {
  if (!open_) return Status::OK();
  open_ = false;
  Status st;
  if (!exactly_once()) {
    st = FlushBuffer();
    if (st.ok() && out_) st = out_->Sync();
  } else {
    buffer_.clear();  // uncommitted output of the open epoch is abandoned
  }
  if (out_) {
    Status c = out_->Close();
    if (st.ok()) st = c;
    out_.reset();
  }
  if (!st.ok()) return Error("close failed", st);
  return Status::OK();
}

Status FileSink::Destroy() {
  if (!fs_->FileExists(staging_dir_)) return Status::OK();
  auto run = [&]() -> Status {
    LAMINAR_ASSIGN_OR_RETURN(auto names, fs_->ListDir(staging_dir_));
    for (const auto& n : names) {
      LAMINAR_RETURN_NOT_OK(fs_->DeleteFile(storage::JoinPath(staging_dir_, n)));
    }
    LAMINAR_RETURN_NOT_OK(fs_->DeleteDir(staging_dir_));
    return fs_->SyncDir(storage::DirName(path_));
  };
  Status st = run();
  if (!st.ok()) return Error("removing the staging directory failed", st);
  return Status::OK();
}

}  // namespace laminar::connector
