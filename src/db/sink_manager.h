#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "columnar/record_batch.h"
#include "common/result.h"
#include "connector/sink.h"
#include "function/evaluator.h"
#include "storage/checkpoint_store.h"
#include "storage/manifest.h"

namespace laminar::sql {
struct Expr;
}

namespace laminar::db {

/// LDB-6015: a checkpoint whose exactly-once sinks are still Pending without a commit decision
/// (not yet in common/error_codes.h; the number is the reference system's).
inline constexpr ErrorCode kSinksPendingErrorCode = ErrorCode::kSinksPending;

/// What CREATE SINK asks for, resolved by the database against its catalog.
struct SinkSpec {
  std::string name;
  /// The relation whose output the sink receives (a source, stream, MV, or the hidden stream of
  /// `FROM (query)`), and its schema (with `__weight` last when `input_changelog`).
  std::string input;
  columnar::SchemaPtr input_schema;
  bool input_changelog = false;
  /// Optional `WHERE` over the input's columns; `where_text` is its SQL for error messages.
  const sql::Expr* where = nullptr;
  std::string where_text;
  /// Connector name (INTO <name> or WITH ('connector' = …)); empty: a sink without a
  /// connector, which only records its name (nothing is written anywhere).
  std::string connector;
  /// INTO (…) options merged with WITH (…) options (keys lower case).
  connector::ConnectorOptions options;
  std::string format;
  connector::ConnectorOptions format_options;
};

/// Facts about the database the delivery-guarantee checks need (REFERENCE §3.5).
struct SinkEnvironment {
  /// Checkpoints can be taken (the database has a data_dir).
  bool checkpointing = false;
  /// A source whose input cannot be replayed after a crash (pushed input with the WAL off);
  /// empty when every source is replayable.
  std::string non_replayable_source;
  /// File system for file-writing sinks (never null).
  storage::FileSystem* fs = nullptr;
};

/// The runtime side of CREATE SINK: owns every sink connector, feeds it its input's output
/// batches (WHERE applied; `__weight` handled per the sink's changelog capability), and runs the
/// sinks' part of the checkpoint protocol (docs/sinks.md, docs/checkpoint.md):
///
///   checkpoint epoch e:  PreCommit(e) on every sink  → manifest saved with sink_epochs = e and
///                        statuses "Pending" → commit marker (the decision) → CommitEpoch(e) →
///                        statuses "Committed" / {"Failed": msg} → BeginEpoch(e + 1)
///   failure before the decision: RollbackEpoch(e) and the database faults (pushes are refused
///                        until it is reopened; recovery replays the rolled-back output from
///                        the WAL into a new epoch, so nothing is lost or duplicated)
///   recovery:            Pending without a marker → checkpoint skipped (LDB-6015); restored
///                        checkpoint Pending/Failed with a marker → CommitEpoch re-driven;
///                        every exactly-once sink rolls back epochs after the restored one,
///                        then begins the next epoch before the WAL is replayed into it.
///
/// Threading: not thread-safe; the database calls it under its mutex.
class SinkManager {
 public:
  SinkManager();
  ~SinkManager();

  /// Validates and creates a sink (LDB-5005 for bad options, LDB-5030/5031/5032/5033 for
  /// exactly-once requirements). Outside recovery the sink is opened fresh and begins the
  /// current epoch at once. `replaying`: re-created from the catalog or the WAL — environment
  /// checks are then only logged, so a database whose options changed still opens.
  Status Create(const SinkSpec& spec, const SinkEnvironment& env, bool replaying);
  /// Runs every check of Create() (WHERE, connector and format options, delivery guarantee)
  /// without opening or registering anything: CREATE OR REPLACE SINK validates the new sink
  /// before it drops the old one. A spec without `input_schema` skips the WHERE check.
  Status Validate(const SinkSpec& spec, const SinkEnvironment& env, bool replaying) const;
  /// DROP SINK, step 1: an exactly-once sink publishes every epoch whose commit was decided but
  /// not confirmed (a commit that failed after the decision), so dropping it loses nothing a
  /// checkpoint promised. Idempotent; an error leaves the sink untouched and the DROP fails.
  Status PrepareDrop(const std::string& name);
  /// DROP SINK, step 2 (after the DROP is logged): completes decided commits (best effort, see
  /// PrepareDrop), rolls back the open epoch (exactly-once: its staged output is discarded and
  /// never becomes visible; at-least-once: what was written stays and is flushed), closes the
  /// connector, removes its private recovery files (SinkConnector::Destroy) and forgets it.
  /// Errors of these steps are logged, never returned: the sink is gone either way.
  Status Drop(const std::string& name);
  /// Forgets every sink and the pipeline guarantee without closing or committing anything
  /// (engine reset during recovery).
  void Clear();
  bool empty() const { return sinks_.empty(); }
  bool Has(const std::string& name) const;

  /// Feeds one output batch of relation `input` to every sink reading it. A failing sink
  /// faults the database (see fault()); the batch is not retried.
  Status Deliver(const std::string& input, const columnar::RecordBatchPtr& batch);

  /// `SET delivery.guarantee = …`: with exactly-once, every sink (existing and future) must run
  /// exactly-once and the environment must allow it.
  /// `replaying`: re-applied from the catalog or the WAL on reopen — the guarantee is set even
  /// when a check fails (the failure is logged), so a database whose options changed still opens.
  Status SetPipelineGuarantee(connector::DeliveryGuarantee guarantee, const SinkEnvironment& env,
                              bool replaying = false);
  connector::DeliveryGuarantee pipeline_guarantee() const { return pipeline_guarantee_; }

  // --- checkpoint coordinator -----------------------------------------------------------------
  /// Phase 1 for checkpoint epoch `epoch`: flushes at-least-once sinks, pre-commits
  /// exactly-once ones and records them in `m` (sink_epochs, statuses Pending). On error the
  /// caller must call FailEpoch().
  Status PreCommit(uint64_t epoch, storage::CheckpointManifest* m);
  /// Rolls back `epoch` on every exactly-once sink and faults the database with `why`.
  void FailEpoch(uint64_t epoch, const Status& why);
  /// Phase 2 after `saved` (the manifest as Save() wrote it) is durable: writes the commit
  /// marker (failure = FailEpoch and the error is returned), commits every exactly-once sink,
  /// records the statuses in the manifest, begins the next epoch. Commit failures after the
  /// decision are recorded as Failed and re-driven by the next commit or by recovery.
  Status Commit(storage::FileCheckpointStore& store, const storage::CheckpointManifest& saved);

  // --- recovery -------------------------------------------------------------------------------
  /// LoadNewestValid's accept test: refuses a checkpoint with Pending sinks and no commit
  /// marker (LDB-6015).
  Status CheckRecoverable(const storage::LoadedCheckpoint& cp,
                          storage::FileCheckpointStore& store) const;
  /// From now until FinishRecovery(), created sinks are not opened.
  void BeginRecovery();
  /// Opens the sinks created while restoring `restored` (nullptr: no checkpoint), re-drives
  /// decided commits, rolls back later epochs and begins `next_epoch`.
  Status FinishRecovery(const storage::CheckpointManifest* restored, uint64_t next_epoch,
                        storage::FileCheckpointStore* store);

  /// Graceful close of every sink (Shutdown). Sinks stay registered but receive nothing more.
  Status CloseAll();

  /// Not OK once a sink failed or an epoch was rolled back: the database must be reopened.
  const Status& fault() const { return fault_; }
  uint64_t epoch() const { return epoch_; }

  /// SHOW SINKS / metrics view of one sink.
  struct Info {
    std::string name;
    std::string input;
    std::string connector;
    std::string format;
    std::string guarantee;
    uint64_t rows = 0;
  };
  std::optional<Info> Describe(const std::string& name) const;

 private:
  struct Entry;
  Entry* Find(const std::string& name) const;
  /// Create() without the duplicate check, Open() and registration.
  Result<std::unique_ptr<Entry>> Build(const SinkSpec& spec, const SinkEnvironment& env,
                                       bool replaying) const;
  Status OpenEntry(Entry* e, std::optional<uint64_t> recovered_epoch);
  Status CheckGuarantee(const Entry& e, const SinkEnvironment& env) const;

  std::map<std::string, std::unique_ptr<Entry>> sinks_;  // lower-case name -> sink
  std::vector<Entry*> order_;                            // creation order
  uint64_t epoch_ = 1;
  bool recovering_ = false;
  connector::DeliveryGuarantee pipeline_guarantee_ = connector::DeliveryGuarantee::kAtLeastOnce;
  Status fault_;
};

}  // namespace laminar::db
