#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connector/sink.h"

namespace laminar::connector {

/// What a `memory` sink has received, shared by every sink instance with the same `id` option
/// (default: the sink name) for the life of the process — so a gtest can reopen a Database in
/// the same process (a simulated crash or a clean restart) and inspect one continuous history.
///
///   CREATE SINK out FROM s INTO MEMORY (id = 'test-1', 'delivery.guarantee' = 'exactly-once')
///   auto store = MemorySinkStore::Get("test-1");
///   store->CommittedRows();   // what a reader of the sink would see
///
/// At-least-once sinks commit every batch at once. Exactly-once sinks stage batches per epoch
/// and publish them on CommitEpoch, exactly as the SinkConnector contract says, which makes the
/// store an oracle for the checkpoint coordinator's two-phase protocol. Failure injection:
/// FailNext() makes the next call of one protocol step fail.
/// Threading: thread-safe.
class MemorySinkStore {
 public:
  enum class Step { kOpen, kWrite, kBegin, kPreCommit, kCommit, kRollback };

  /// The store for `id`, created on first use.
  static std::shared_ptr<MemorySinkStore> Get(const std::string& id);
  /// Forgets the store for `id` (the next Get starts empty).
  static void Reset(const std::string& id);

  /// Committed batches, in commit order.
  std::vector<RecordBatchPtr> CommittedBatches() const;
  /// Committed rows rendered as "v1|v2|…" (Scalar::ToString per column), in commit order.
  std::vector<std::string> CommittedRows() const;
  /// Staged (uncommitted) row count over all epochs.
  int64_t StagedRows() const;
  /// The highest committed epoch (0: none).
  uint64_t committed_epoch() const;
  /// Every protocol call, e.g. "open fresh", "open recovered 3", "begin 4", "precommit 4",
  /// "commit 4", "rollback 5", "close".
  std::vector<std::string> Events() const;
  /// The next `count` calls of `step` fail with an IOError (LDB-5004).
  void FailNext(Step step, int count = 1);

 private:
  friend class MemorySink;
  Status MaybeFail(Step step, const char* what);

  mutable std::mutex mu_;
  std::vector<RecordBatchPtr> committed_;
  std::map<uint64_t, std::vector<RecordBatchPtr>> staged_;  // epoch -> batches
  std::map<uint64_t, bool> precommitted_;
  uint64_t committed_epoch_ = 0;
  std::vector<std::string> events_;
  std::map<Step, int> fail_;
};

/// The `memory` sink connector (see MemorySinkStore). Options: `id`, `changelog` (bool: accept
/// `__weight`), `delivery.guarantee`.
class MemorySink final : public SinkConnector {
 public:
  static Result<std::unique_ptr<SinkConnector>> Make(const ConnectorOptions& options,
                                                     const SinkConfig& config);

  SinkCapabilities capabilities() const override { return {true, changelog_}; }
  DeliveryGuarantee guarantee() const override { return guarantee_; }
  Status Open(const SinkOpenContext& context) override;
  SchemaPtr schema() const override { return schema_; }
  Status WriteBatch(const RecordBatch& batch) override;
  Status BeginEpoch(uint64_t epoch) override;
  Status PreCommit(uint64_t epoch) override;
  Status CommitEpoch(uint64_t epoch) override;
  Status RollbackEpoch(uint64_t epoch) override;
  Status Close() override;
  uint64_t rows_written() const override { return rows_; }
  std::optional<uint64_t> LastCommittedEpoch() const override {
    if (guarantee_ != DeliveryGuarantee::kExactlyOnce) return std::nullopt;
    return store_->committed_epoch();
  }

 private:
  std::shared_ptr<MemorySinkStore> store_;
  bool changelog_ = false;
  DeliveryGuarantee guarantee_ = DeliveryGuarantee::kAtLeastOnce;
  SchemaPtr schema_;
  uint64_t epoch_ = 0;
  uint64_t rows_ = 0;
};

/// The `blackhole` sink: accepts and discards everything (benchmarks, dry runs). Trivially
/// exactly-once and changelog-capable.
class BlackholeSink final : public SinkConnector {
 public:
  static Result<std::unique_ptr<SinkConnector>> Make(const ConnectorOptions& options,
                                                     const SinkConfig& config);

  SinkCapabilities capabilities() const override { return {true, true}; }
  DeliveryGuarantee guarantee() const override { return guarantee_; }
  Status Open(const SinkOpenContext& context) override {
    schema_ = context.schema;
    return Status::OK();
  }
  SchemaPtr schema() const override { return schema_; }
  Status WriteBatch(const RecordBatch& batch) override {
    rows_ += static_cast<uint64_t>(batch.num_rows());
    return Status::OK();
  }
  Status BeginEpoch(uint64_t) override { return Status::OK(); }
  Status PreCommit(uint64_t) override { return Status::OK(); }
  Status CommitEpoch(uint64_t) override { return Status::OK(); }
  Status RollbackEpoch(uint64_t) override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  uint64_t rows_written() const override { return rows_; }

 private:
  DeliveryGuarantee guarantee_ = DeliveryGuarantee::kAtLeastOnce;
  SchemaPtr schema_;
  uint64_t rows_ = 0;
};

}  // namespace laminar::connector
