#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/record_batch.h"
#include "common/result.h"
#include "connector/factory_map.h"
#include "connector/source.h"

namespace laminar::storage {
class FileSystem;
}

namespace laminar::connector {

using columnar::RecordBatch;

/// What a sink promises about its output after a crash (REFERENCE §3.5). Configured per sink
/// with `'delivery.guarantee' = 'at-least-once' | 'exactly-once'`.
enum class DeliveryGuarantee : uint8_t { kAtLeastOnce, kExactlyOnce };

/// "at-least-once" / "exactly-once".
const char* DeliveryGuaranteeName(DeliveryGuarantee g);

/// What a sink connector can do; fixed once the factory returned.
struct SinkCapabilities {
  /// Supports the two-phase protocol below (staged epochs, idempotent commit), so it can run
  /// with `'delivery.guarantee' = 'exactly-once'`.
  bool exactly_once = false;
  /// Accepts Z-set changelog batches with their trailing `__weight BIGINT` column. Sinks
  /// without it get only the rows with `__weight > 0`, with the column removed (REFERENCE §2.5).
  bool changelog = false;
};

/// Everything a sink factory needs besides the connector options.
struct SinkConfig {
  /// The sink's name in the catalog (for error messages and per-sink files).
  std::string sink_name;
  /// FORMAT clause (lower case; empty when absent) and its WITH options.
  std::string format;
  ConnectorOptions format_options;
  /// The guarantee the sink must provide. A factory may reject kExactlyOnce when it cannot do it,
  /// but the runtime checks SinkCapabilities::exactly_once first (LDB-5031).
  DeliveryGuarantee guarantee = DeliveryGuarantee::kAtLeastOnce;
  /// File system for sinks that write files (tests inject faults here). Never null when the
  /// runtime builds the config; factories fall back to the POSIX one when it is.
  storage::FileSystem* fs = nullptr;
};

/// Passed to SinkConnector::Open().
struct SinkOpenContext {
  /// The schema of every batch WriteBatch() will receive (already without `__weight` for a
  /// non-changelog sink).
  SchemaPtr schema;
  /// Recovery: the epoch the restored checkpoint recorded for this sink (`sink_epochs` in the
  /// manifest). nullopt for a sink that starts fresh: it must discard staged epochs left over
  /// from an earlier life and treat whatever it committed before as history it never re-commits.
  std::optional<uint64_t> recovered_epoch;
};

/// The SPI every output connector implements (REFERENCE §3.5 sink trait): the runtime pushes
/// every output batch of the sink's input into WriteBatch(), and the checkpoint coordinator
/// drives a two-phase commit per epoch for exactly-once sinks.
///
/// Lifecycle: factory (validates options, touches nothing) → Open() → BeginEpoch(e) →
/// WriteBatch()* → PreCommit(e) → CommitEpoch(e) | RollbackEpoch(e) → BeginEpoch(e+1) → … →
/// Close(). Epoch e is the epoch of the checkpoint that will commit it; epochs only grow.
///
/// Exactly-once contract (when running kExactlyOnce):
/// - Output written in epoch e is invisible to readers until CommitEpoch(e).
/// - PreCommit(e) makes epoch e's output durable (fsync); after it returns OK, CommitEpoch(e)
///   must succeed eventually, even in a new process after a crash (the coordinator re-drives
///   it during recovery).
/// - CommitEpoch(e) publishes every pre-committed epoch <= e that is not published yet, in epoch
///   order, and is idempotent: calling it again (after a crash, or twice) publishes nothing twice.
/// - RollbackEpoch(e) discards the staged output of every epoch >= e that is not committed.
/// At-least-once sinks may write through directly; PreCommit is then a flush that makes output
/// written so far durable, and CommitEpoch/RollbackEpoch do nothing.
///
/// Threading: not thread-safe; the database calls it under its mutex.
class SinkConnector {
 public:
  virtual ~SinkConnector() = default;

  virtual SinkCapabilities capabilities() const = 0;
  /// The guarantee this instance runs with (from SinkConfig).
  virtual DeliveryGuarantee guarantee() const = 0;

  /// Acquires resources (files, connections) and resolves recovery state (see SinkOpenContext).
  virtual Status Open(const SinkOpenContext& context) = 0;
  /// The schema given to Open() (nullptr before).
  virtual SchemaPtr schema() const = 0;
  /// One batch of output (may be large; never empty).
  virtual Status WriteBatch(const RecordBatch& batch) = 0;

  virtual Status BeginEpoch(uint64_t epoch) = 0;
  virtual Status PreCommit(uint64_t epoch) = 0;
  virtual Status CommitEpoch(uint64_t epoch) = 0;
  virtual Status RollbackEpoch(uint64_t epoch) = 0;
  /// Releases resources. Publishes nothing and discards nothing that is staged (a later Open
  /// in recovery decides). Idempotent.
  virtual Status Close() = 0;

  /// DROP SINK, after Close(): removes what the sink keeps only for its own recovery (staging
  /// files, commit records), so nothing of the dropped sink lingers or is picked up by a sink
  /// created later under the same name. Output already published to readers stays. The runtime
  /// rolls the open epoch back before Close(), so nothing uncommitted is published. Default:
  /// nothing to remove.
  virtual Status Destroy() { return Status::OK(); }

  /// Rows accepted by WriteBatch() so far (metrics, SHOW SINKS).
  virtual uint64_t rows_written() const = 0;
  /// The newest epoch this sink has published, when it can tell (exactly-once sinks that keep
  /// a commit record). Recovery refuses to restore a checkpoint older than this epoch: replaying
  /// from it would publish that epoch's output a second time.
  virtual std::optional<uint64_t> LastCommittedEpoch() const { return std::nullopt; }
};

/// Builds a sink from its INTO-clause options and the rest of its configuration. Invalid
/// options fail here with LDB-5005 (use OptionReader), before anything is opened.
using SinkFactory = std::function<Result<std::unique_ptr<SinkConnector>>(
    const ConnectorOptions& options, const SinkConfig& config)>;

/// Name → factory map for sink connectors. Names are case-insensitive.
/// Threading: thread-safe. The built-in sinks (`blackhole`, `file` alias `files`, `memory`) are
/// registered when Global() is first used.
class SinkRegistry {
 public:
  /// The process-wide registry with the built-in sinks.
  static SinkRegistry& Global();

  /// Adds a sink connector; AlreadyExists when the name is taken.
  Status RegisterSink(std::string_view name, SinkFactory factory);
  /// Creates a sink; NotFound (LDB-5005, with a "did you mean" hint) for an unknown name, the
  /// factory's error for bad options.
  Result<std::unique_ptr<SinkConnector>> CreateSink(std::string_view name,
                                                    const ConnectorOptions& options,
                                                    const SinkConfig& config) const;
  bool HasSink(std::string_view name) const;
  /// Registered names, sorted.
  std::vector<std::string> SinkNames() const;

 private:
  FactoryMap<SinkFactory> sinks_{"sink"};
};

/// Registers the sinks that ship with the library; called by SinkRegistry::Global().
void RegisterBuiltinSinks(SinkRegistry& registry);

/// Parses a `delivery.guarantee` value: at-least-once / exactly-once (also with '_', any case).
Result<DeliveryGuarantee> ParseDeliveryGuarantee(std::string_view text);

}  // namespace laminar::connector
