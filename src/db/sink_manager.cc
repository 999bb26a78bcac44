#include "db/sink_manager.h"

#include <fmt/format.h>

#include "common/logging.h"
#include "common/string_util.h"
#include "sql/binder/binder.h"

namespace laminar::db {

using connector::DeliveryGuarantee;

struct SinkManager::Entry {
  std::string name;
  std::string input;
  std::string input_key;  // lower case
  std::string connector;
  std::string format;
  std::unique_ptr<connector::SinkConnector> conn;  // null: a sink without a connector
  std::unique_ptr<function::CompiledExpression> where;
  bool strip_weight = false;  // changelog input, sink without changelog capability
  int weight_index = -1;
  columnar::SchemaPtr output_schema;
  DeliveryGuarantee guarantee = DeliveryGuarantee::kAtLeastOnce;
  bool explicit_guarantee = false;
  bool opened = false;
  bool closed = false;
  uint64_t where_errors = 0;
  std::vector<int32_t> selected;  // scratch for WHERE / weight filtering

  bool active() const { return conn && opened && !closed; }
  bool exactly_once() const { return guarantee == DeliveryGuarantee::kExactlyOnce; }
};

SinkManager::SinkManager() = default;
SinkManager::~SinkManager() = default;

SinkManager::Entry* SinkManager::Find(const std::string& name) const {
  auto it = sinks_.find(ToLower(name));
  return it == sinks_.end() ? nullptr : it->second.get();
}

bool SinkManager::Has(const std::string& name) const { return Find(name) != nullptr; }

Status SinkManager::CheckGuarantee(const Entry& e, const SinkEnvironment& env) const {
  if (!e.conn) return Status::OK();
  if (pipeline_guarantee_ == DeliveryGuarantee::kExactlyOnce && !e.exactly_once()) {
    if (e.explicit_guarantee) {
      return Status::Invalid(
          fmt::format("the pipeline is exactly-once but sink '{}' is configured "
                      "'delivery.guarantee' = 'at-least-once'; mixed delivery guarantees are "
                      "not allowed (SET delivery.guarantee = 'at-least-once' or drop the option)",
                      e.name),
          ErrorCode::kMixedDeliveryCapabilities);
    }
    return Status::Invalid(
        fmt::format("exactly-once requires all sinks to run exactly-once, but sink "
                    "'{}' runs at-least-once. Add 'delivery.guarantee' = 'exactly-once' to its "
                    "options",
                    e.name),
        ErrorCode::kExactlyOnceSinkUnsupported);
  }
  if (!e.exactly_once()) return Status::OK();
  if (!e.conn->capabilities().exactly_once) {
    return Status::Invalid(
        fmt::format("exactly-once requires all sinks to support exactly-once "
                    "semantics, but sink '{}' (connector '{}') does not. Use at-least-once or "
                    "configure a transactional sink",
                    e.name, e.connector),
        ErrorCode::kExactlyOnceSinkUnsupported);
  }
  if (!env.checkpointing) {
    return Status::Invalid(
        fmt::format("exactly-once requires checkpointing to be enabled, but the "
                    "database of sink '{}' is in-memory. Open it with Options::data_dir",
                    e.name),
        ErrorCode::kExactlyOnceNoCheckpoint);
  }
  if (!env.non_replayable_source.empty()) {
    return Status::Invalid(
        fmt::format("exactly-once requires all sources to support replay, but source "
                    "'{}' does not: pushed input is replayable only through the WAL, which is "
                    "off (WalMode::kOff). Use WalMode::kSync or kAsync, or at-least-once for "
                    "sink '{}'",
                    env.non_replayable_source, e.name),
        ErrorCode::kExactlyOnceNonReplayable);
  }
  return Status::OK();
}

Status SinkManager::Create(const SinkSpec& spec, const SinkEnvironment& env, bool replaying) {
  const std::string key = ToLower(spec.name);
  if (sinks_.count(key) != 0) {
    return Status::AlreadyExists(fmt::format("Sink '{}' already exists", spec.name),
                                 ErrorCode::kSinkAlreadyExists);
  }
  LAMINAR_ASSIGN_OR_RETURN(std::unique_ptr<Entry> e, Build(spec, env, replaying));
  // A sink without a connector only records its name: nothing to open.
  if (e->conn && !recovering_) LAMINAR_RETURN_NOT_OK(OpenEntry(e.get(), std::nullopt));
  order_.push_back(e.get());
  sinks_[key] = std::move(e);
  return Status::OK();
}

Status SinkManager::Validate(const SinkSpec& spec, const SinkEnvironment& env,
                             bool replaying) const {
  return Build(spec, env, replaying).status();
}

Result<std::unique_ptr<SinkManager::Entry>> SinkManager::Build(const SinkSpec& spec,
                                                               const SinkEnvironment& env,
                                                               bool replaying) const {
  auto e = std::make_unique<Entry>();
  e->name = spec.name;
  e->input = spec.input;
  e->input_key = ToLower(spec.input);
  e->connector = spec.connector;
  e->output_schema = spec.input_schema;
  if (spec.where != nullptr) {
    auto bound = sql::BindScalar(*spec.where, spec.input_schema, spec.where_text);
    if (!bound.ok()) return bound.status().WithContext("WHERE of sink '" + spec.name + "'");
    LAMINAR_ASSIGN_OR_RETURN(e->where, function::CompiledExpression::Compile(*bound));
    if (e->where->type()->id() != columnar::TypeId::kBoolean) {
      return Status::Invalid(fmt::format("WHERE of sink '{}' must be BOOLEAN, got {}", spec.name,
                                         e->where->type()->ToString()),
                             ErrorCode::kTypeMismatch);
    }
  }
  if (spec.connector.empty()) return e;
  connector::ConnectorOptions options;
  std::optional<std::string> guarantee_text;
  for (const auto& [k, v] : spec.options) {
    std::string lk = ToLower(k);
    if (lk == "delivery.guarantee" || lk == "delivery_guarantee" || lk == "delivery") {
      guarantee_text = v;
    } else {
      options[lk] = v;
    }
  }
  if (guarantee_text) {
    auto g = connector::ParseDeliveryGuarantee(*guarantee_text);
    if (!g.ok()) {
      return Status::Invalid(
          fmt::format("connector '{}': {}", spec.connector, g.status().message()),
          ErrorCode::kConnectorConfig);
    }
    e->guarantee = *g;
    e->explicit_guarantee = true;
  }
  connector::SinkConfig config;
  config.sink_name = spec.name;
  config.format = ToLower(spec.format);
  config.format_options = spec.format_options;
  config.guarantee = e->guarantee;
  config.fs = env.fs;
  auto made = connector::SinkRegistry::Global().CreateSink(spec.connector, options, config);
  if (!made.ok()) return made.status();
  e->conn = std::move(*made);
  e->format = config.format;
  if (e->format.empty()) {
    auto it = options.find("format");
    if (it != options.end()) e->format = ToLower(it->second);
  }
  if (spec.input_changelog && !e->conn->capabilities().changelog) {
    const auto& fields = spec.input_schema->fields();
    e->strip_weight = true;
    e->weight_index = spec.input_schema->num_fields() - 1;
    e->output_schema = std::make_shared<columnar::Schema>(
        std::vector<columnar::FieldPtr>(fields.begin(), fields.end() - 1));
  }
  Status check = CheckGuarantee(*e, env);
  if (!check.ok()) {
    if (!replaying) return check;
    Log(LogLevel::kWarn, "recovery: sink '{}': {}", spec.name, check.ToString());
  }
  return e;
}

Status SinkManager::OpenEntry(Entry* e, std::optional<uint64_t> recovered_epoch) {
  connector::SinkOpenContext ctx;
  ctx.schema = e->output_schema;
  ctx.recovered_epoch = recovered_epoch;
  LAMINAR_RETURN_NOT_OK(e->conn->Open(ctx));
  if (!recovered_epoch && e->exactly_once()) {
    LAMINAR_RETURN_NOT_OK(e->conn->RollbackEpoch(epoch_));
  }
  LAMINAR_RETURN_NOT_OK(e->conn->BeginEpoch(epoch_));
  e->opened = true;
  return Status::OK();
}

Status SinkManager::PrepareDrop(const std::string& name) {
  Entry* e = Find(name);
  if (e == nullptr || !e->active() || !e->exactly_once() || epoch_ <= 1) return Status::OK();
  // Epochs < epoch_ were decided by a checkpoint; CommitEpoch publishes those still staged.
  Status st = e->conn->CommitEpoch(epoch_ - 1);
  if (!st.ok()) {
    return st.WithContext(fmt::format(
        "DROP SINK '{}': epoch {} was decided but could not be published; the sink stays", name,
        epoch_ - 1));
  }
  return Status::OK();
}

Status SinkManager::Drop(const std::string& name) {
  auto it = sinks_.find(ToLower(name));
  if (it == sinks_.end()) return Status::OK();
  Entry* e = it->second.get();
  auto warn = [&](const char* step, const Status& st) {
    if (!st.ok()) Log(LogLevel::kWarn, "DROP SINK '{}': {}: {}", name, step, st.ToString());
  };
  if (e->active()) {
    if (e->exactly_once()) {
      warn("publishing decided epochs", PrepareDrop(name));
      warn("rolling back the open epoch", e->conn->RollbackEpoch(epoch_));
    }
    warn("close", e->conn->Close());
    e->closed = true;
  }
  if (e->conn && e->opened) warn("removing recovery files", e->conn->Destroy());
  order_.erase(std::remove(order_.begin(), order_.end(), e), order_.end());
  sinks_.erase(it);
  return Status::OK();
}

void SinkManager::Clear() {
  order_.clear();
  sinks_.clear();
  pipeline_guarantee_ = DeliveryGuarantee::kAtLeastOnce;
}

Status SinkManager::Deliver(const std::string& input, const columnar::RecordBatchPtr& batch) {
  if (batch == nullptr || batch->num_rows() == 0) return Status::OK();
  std::string key;
  for (Entry* e : order_) {
    if (!e->active()) continue;
    if (key.empty()) key = ToLower(input);
    if (e->input_key != key) continue;
    columnar::RecordBatchPtr b = batch;
    if (e->where) {
      Status st = function::EvaluateFilter(*e->where, *b, {}, &e->selected);
      if (!st.ok()) {
        ++e->where_errors;
        Log(LogLevel::kWarn, "sink '{}': WHERE failed, batch of {} rows skipped: {}", e->name,
            b->num_rows(), st.ToString());
        continue;
      }
      if (static_cast<int64_t>(e->selected.size()) != b->num_rows()) {
        b = columnar::Take(*b, e->selected);
      }
    }
    if (e->strip_weight && b->num_rows() > 0) {
      const auto& w = *b->column(e->weight_index);
      e->selected.clear();
      for (int64_t r = 0; r < b->num_rows(); ++r) {
        if (!w.IsNull(r) && w.values<int64_t>()[r] > 0) {
          e->selected.push_back(static_cast<int32_t>(r));
        }
      }
      if (static_cast<int64_t>(e->selected.size()) != b->num_rows()) {
        b = columnar::Take(*b, e->selected);
      }
      auto cols = b->columns();
      cols.pop_back();
      b = std::make_shared<const columnar::RecordBatch>(e->output_schema, b->num_rows(),
                                                        std::move(cols));
    }
    if (b->num_rows() == 0) continue;
    Status st = e->conn->WriteBatch(*b);
    if (!st.ok()) {
      fault_ = Status(st.code(), ErrorCode::kConnectorWrite,
                      fmt::format("sink '{}' failed to write and stopped the pipeline: {}. "
                                  "Reopen the database: recovery replays the lost output",
                                  e->name, st.message()));
      Log(LogLevel::kError, "{}", fault_.ToString());
      return fault_;
    }
  }
  return Status::OK();
}

Status SinkManager::SetPipelineGuarantee(DeliveryGuarantee guarantee, const SinkEnvironment& env,
                                         bool replaying) {
  if (replaying) {
    // Re-applied on reopen: the setting was accepted when it was made.
    pipeline_guarantee_ = DeliveryGuarantee::kAtLeastOnce;
    Status st = SetPipelineGuarantee(guarantee, env, false);
    if (!st.ok()) {
      Log(LogLevel::kWarn, "recovery: SET delivery.guarantee: {}", st.ToString());
      pipeline_guarantee_ = guarantee;
    }
    return Status::OK();
  }
  DeliveryGuarantee old = pipeline_guarantee_;
  pipeline_guarantee_ = guarantee;
  for (Entry* e : order_) {
    Status st = CheckGuarantee(*e, env);
    if (!st.ok()) {
      pipeline_guarantee_ = old;
      return st;
    }
  }
  if (guarantee == DeliveryGuarantee::kExactlyOnce) {
    // The environment checks apply to the pipeline even before it has a sink.
    if (!env.checkpointing) {
      pipeline_guarantee_ = old;
      return Status::Invalid(
          "exactly-once requires checkpointing to be enabled, but the database is "
          "in-memory. Open it with Options::data_dir",
          ErrorCode::kExactlyOnceNoCheckpoint);
    }
    if (!env.non_replayable_source.empty()) {
      pipeline_guarantee_ = old;
      return Status::Invalid(fmt::format("exactly-once requires all sources to support replay, but "
                                         "source '{}' does not: the WAL is off (WalMode::kOff)",
                                         env.non_replayable_source),
                             ErrorCode::kExactlyOnceNonReplayable);
    }
  }
  return Status::OK();
}

Status SinkManager::PreCommit(uint64_t epoch, storage::CheckpointManifest* m) {
  if (!fault_.ok()) return fault_;
  for (Entry* e : order_) {
    if (!e->active()) continue;
    LAMINAR_RETURN_NOT_OK(e->conn->PreCommit(epoch));
    if (e->exactly_once()) {
      m->sink_epochs[e->name] = epoch;
      m->sink_commit_statuses[e->name] = storage::SinkCommitStatus{};  // Pending
    }
  }
  return Status::OK();
}

void SinkManager::FailEpoch(uint64_t epoch, const Status& why) {
  bool any = false;
  std::string rollback_errors;
  for (Entry* e : order_) {
    if (!e->active()) continue;
    any = true;
    if (!e->exactly_once()) continue;
    Status st = e->conn->RollbackEpoch(epoch);
    if (!st.ok()) rollback_errors += "; " + st.ToString();
  }
  if (!any || !fault_.ok()) return;
  fault_ = Status(
      StatusCode::kIOError, ErrorCode::kCheckpointFailed,
      fmt::format("checkpoint of epoch {} failed before the sink commit decision ({}); the "
                  "epoch was rolled back on the sinks{} and the pipeline stopped. Reopen the "
                  "database: recovery replays the rolled-back output from the WAL",
                  epoch, why.message(), rollback_errors));
  Log(LogLevel::kError, "{}", fault_.ToString());
}

Status SinkManager::Commit(storage::FileCheckpointStore& store,
                           const storage::CheckpointManifest& saved) {
  const uint64_t epoch = saved.epoch;
  if (!saved.sink_commit_statuses.empty()) {
    Status decided = store.WriteCommitMarker(saved.checkpoint_id);
    if (!decided.ok()) {
      FailEpoch(epoch, decided);
      return decided;
    }
    storage::CheckpointManifest m = saved;
    for (Entry* e : order_) {
      if (!e->active() || !e->exactly_once()) continue;
      Status st = e->conn->CommitEpoch(epoch);
      storage::SinkCommitStatus status;
      if (st.ok()) {
        status.state = storage::SinkCommitStatus::State::kCommitted;
      } else {
        // Decided: never rolled back. The staged output stays and the next commit (or
        // recovery) publishes it.
        status.state = storage::SinkCommitStatus::State::kFailed;
        status.message = st.message();
        Log(LogLevel::kWarn, "sink '{}': commit of epoch {} failed (re-driven later): {}", e->name,
            epoch, st.ToString());
      }
      m.sink_commit_statuses[e->name] = status;
    }
    Status updated = store.UpdateManifest(m);
    if (!updated.ok()) {
      Log(LogLevel::kWarn,
          "checkpoint {}: sink statuses not recorded ({}); recovery re-drives "
          "the commit",
          saved.checkpoint_id, updated.ToString());
    }
  }
  epoch_ = epoch + 1;
  for (Entry* e : order_) {
    if (!e->active()) continue;
    Status st = e->conn->BeginEpoch(epoch_);
    if (!st.ok() && fault_.ok()) {
      fault_ =
          Status(st.code(), ErrorCode::kConnectorWrite,
                 fmt::format("sink '{}' cannot begin epoch {}: {}", e->name, epoch_, st.message()));
    }
  }
  return Status::OK();
}

Status SinkManager::CheckRecoverable(const storage::LoadedCheckpoint& cp,
                                     storage::FileCheckpointStore& store) const {
  for (const auto& [name, status] : cp.manifest.sink_commit_statuses) {
    if (status.state != storage::SinkCommitStatus::State::kPending) continue;
    if (store.HasCommitMarker(cp.manifest.checkpoint_id)) return Status::OK();
    return Status(StatusCode::kInvalid, kSinksPendingErrorCode,
                  fmt::format("sink '{}' is still Pending for epoch {} and the commit was never "
                              "decided; its epoch is rolled back and an older checkpoint is used",
                              name, cp.manifest.epoch));
  }
  return Status::OK();
}

void SinkManager::BeginRecovery() { recovering_ = true; }

Status SinkManager::FinishRecovery(const storage::CheckpointManifest* restored, uint64_t next_epoch,
                                   storage::FileCheckpointStore* store) {
  recovering_ = false;
  epoch_ = next_epoch;
  std::optional<storage::CheckpointManifest> updated;
  for (Entry* e : order_) {
    if (!e->conn || e->opened) continue;
    std::optional<uint64_t> recovered;
    if (restored != nullptr && e->exactly_once()) {
      auto it = restored->sink_epochs.find(e->name);
      if (it != restored->sink_epochs.end()) recovered = it->second;
    }
    auto context = [&](const Status& st) {
      return st.WithContext(fmt::format("recovery of sink '{}'", e->name));
    };
    connector::SinkOpenContext ctx;
    ctx.schema = e->output_schema;
    ctx.recovered_epoch = recovered;
    Status st = e->conn->Open(ctx);
    if (!st.ok()) return context(st);
    if (recovered) {
      auto last = e->conn->LastCommittedEpoch();
      if (last && *last > *recovered) {
        return Status::Corruption(
            fmt::format("recovery of sink '{}': it already published epoch {}, but the newest "
                        "usable checkpoint is epoch {} (a newer checkpoint is missing or "
                        "corrupt); restoring it would publish output twice. Repair the newer "
                        "checkpoint or move the sink's output away",
                        e->name, *last, *recovered),
            ErrorCode::kRecoveryFailed);
      }
      auto status_it = restored->sink_commit_statuses.find(e->name);
      const bool committed =
          status_it != restored->sink_commit_statuses.end() &&
          status_it->second.state == storage::SinkCommitStatus::State::kCommitted;
      if (!committed) {
        // Decided (CheckRecoverable accepted the checkpoint) but not confirmed: re-drive.
        Log(LogLevel::kInfo, "recovery: re-driving the commit of epoch {} on sink '{}'", *recovered,
            e->name);
        st = e->conn->CommitEpoch(*recovered);
        if (!st.ok()) return context(st);
        if (!updated) updated = *restored;
        updated->sink_commit_statuses[e->name] =
            storage::SinkCommitStatus{storage::SinkCommitStatus::State::kCommitted, ""};
      }
    }
    if (e->exactly_once()) {
      st = e->conn->RollbackEpoch(next_epoch);
      if (!st.ok()) return context(st);
    }
    st = e->conn->BeginEpoch(next_epoch);
    if (!st.ok()) return context(st);
    e->opened = true;
  }
  if (updated && store != nullptr) {
    Status st = store->UpdateManifest(*updated);
    if (!st.ok()) Log(LogLevel::kWarn, "recovery: {}", st.ToString());
  }
  return Status::OK();
}

Status SinkManager::CloseAll() {
  Status first;
  for (Entry* e : order_) {
    if (!e->active()) continue;
    Status st = e->conn->Close();
    e->closed = true;
    if (!st.ok() && first.ok()) first = st;
  }
  return first;
}

std::optional<SinkManager::Info> SinkManager::Describe(const std::string& name) const {
  const Entry* e = Find(name);
  if (e == nullptr) return std::nullopt;
  Info info;
  info.name = e->name;
  info.input = e->input;
  info.connector = e->connector;
  info.format = e->format;
  info.guarantee = e->conn ? connector::DeliveryGuaranteeName(e->guarantee) : "";
  info.rows = e->conn ? e->conn->rows_written() : 0;
  return info;
}

}  // namespace laminar::db
