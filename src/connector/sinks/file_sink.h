#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "connector/sink.h"
#include "connector/sinks/row_format.h"
#include "storage/file_system.h"

namespace laminar::connector {

/// The `file` sink (alias `files`): appends rows as JSON lines or CSV to one file.
///
///   CREATE SINK out FROM s INTO FILE (path = '/data/out.jsonl',
///                                     'delivery.guarantee' = 'exactly-once') FORMAT JSON
///
/// Options: `path` (required), `format` (json|csv; the FORMAT clause wins), `csv.delimiter`,
/// `csv.header` (default true: a header line starts an empty file), `buffer.bytes` (staging
/// buffer of exactly-once epochs, default 1 MiB), `delivery.guarantee` (handled by the runtime).
///
/// At-least-once: each batch is appended to `path` as it arrives; PreCommit (every checkpoint) and
/// Close flush and fsync, so everything before a checkpoint survives a crash; output produced again
/// by WAL replay after a crash may appear twice.
///
/// Exactly-once: the sink keeps `<path>.laminar/`, holding
///   epoch_<e>.staged   rows of epoch e, invisible to readers of `path`
///   commit             "<epoch> <length> <crc32c>\n": the last epoch appended to `path` and the
///                      length of `path` after it (written temp -> fsync -> rename -> fsync dir)
/// PreCommit(e) fsyncs epoch_<e>.staged. CommitEpoch(e) appends every staged epoch <= e that is
/// newer than `commit` says, in order: cut `path` back to the committed length (removing a
/// partial append from a crash), append, fsync `path`, then record the new epoch and length in
/// `commit`, then delete the staged file. A crash anywhere in between leaves `commit` at the old
/// epoch, so the re-driven commit cuts and appends again: each epoch lands exactly once.
/// Open() in recovery cuts `path` back to the committed length; a fresh Open() discards staged
/// epochs and takes the current end of `path` as the committed baseline.
/// Threading: not thread-safe (SinkConnector contract).
class FileSink final : public SinkConnector {
 public:
  static Result<std::unique_ptr<SinkConnector>> Make(const ConnectorOptions& options,
                                                     const SinkConfig& config);
  ~FileSink() override;

  SinkCapabilities capabilities() const override { return {true, false}; }
  DeliveryGuarantee guarantee() const override { return guarantee_; }
  Status Open(const SinkOpenContext& context) override;
  SchemaPtr schema() const override { return schema_; }
  Status WriteBatch(const RecordBatch& batch) override;
  Status BeginEpoch(uint64_t epoch) override;
  Status PreCommit(uint64_t epoch) override;
  Status CommitEpoch(uint64_t epoch) override;
  Status RollbackEpoch(uint64_t epoch) override;
  Status Close() override;
  /// Deletes `<path>.laminar/` (staged epochs and the commit record); `path` stays.
  Status Destroy() override;
  uint64_t rows_written() const override { return rows_; }
  std::optional<uint64_t> LastCommittedEpoch() const override {
    if (guarantee_ != DeliveryGuarantee::kExactlyOnce || !open_) return std::nullopt;
    return committed_epoch_;
  }

  /// The epoch and length recorded in `commit` (exactly-once; tests and docs).
  uint64_t committed_epoch() const { return committed_epoch_; }
  uint64_t committed_length() const { return committed_length_; }
  /// "<path>.laminar/epoch_<e>.staged".
  std::string StagedPath(uint64_t epoch) const;

 private:
  FileSink() = default;
  bool exactly_once() const { return guarantee_ == DeliveryGuarantee::kExactlyOnce; }
  Status FlushBuffer();
  Status WriteCommitRecord();
  Status ReadCommitRecord(bool* found);
  /// Staged epochs present in the staging directory, ascending.
  Result<std::vector<uint64_t>> ListStaged();
  Status AppendStaged(uint64_t epoch);
  Status Error(const std::string& what, const Status& st) const;

  storage::FileSystem* fs_ = nullptr;
  std::string sink_name_;
  std::string path_;
  std::string staging_dir_;
  std::unique_ptr<RowFormatter> formatter_;
  DeliveryGuarantee guarantee_ = DeliveryGuarantee::kAtLeastOnce;
  size_t buffer_limit_ = 1 << 20;
  SchemaPtr schema_;
  bool open_ = false;

  std::string buffer_;                          // formatted rows not yet handed to the OS
  std::unique_ptr<storage::WritableFile> out_;  // at-least-once: `path`; exactly-once: staged
  uint64_t epoch_ = 0;                          // current epoch (exactly-once)
  uint64_t committed_epoch_ = 0;
  uint64_t committed_length_ = 0;
  uint64_t rows_ = 0;
};

}  // namespace laminar::connector
