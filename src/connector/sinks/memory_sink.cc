#include "connector/sinks/memory_sink.h"

#include <fmt/format.h>

#include <algorithm>

#include "columnar/scalar.h"
#include "connector/options.h"

namespace laminar::connector {

namespace {
std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, std::shared_ptr<MemorySinkStore>>& Registry() {
  static auto* stores = new std::map<std::string, std::shared_ptr<MemorySinkStore>>();
  return *stores;
}
}  // namespace

std::shared_ptr<MemorySinkStore> MemorySinkStore::Get(const std::string& id) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto& slot = Registry()[id];
  if (!slot) slot = std::make_shared<MemorySinkStore>();
  return slot;
}

void MemorySinkStore::Reset(const std::string& id) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  Registry().erase(id);
}

std::vector<RecordBatchPtr> MemorySinkStore::CommittedBatches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_;
}

std::vector<std::string> MemorySinkStore::CommittedRows() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& b : committed_) {
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      std::string row;
      for (int c = 0; c < b->num_columns(); ++c) {
        if (c > 0) row += '|';
        row += columnar::GetScalar(*b->column(c), r).ToString();
      }
      out.push_back(std::move(row));
    }
  }
  return out;
}

int64_t MemorySinkStore::StagedRows() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t n = 0;
  for (const auto& [e, batches] : staged_) {
    for (const auto& b : batches) n += b->num_rows();
  }
  return n;
}

uint64_t MemorySinkStore::committed_epoch() const {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_epoch_;
}

std::vector<std::string> MemorySinkStore::Events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

void MemorySinkStore::FailNext(Step step, int count) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_[step] = count;
}

Status MemorySinkStore::MaybeFail(Step step, const char* what) {
  auto it = fail_.find(step);
  if (it == fail_.end() || it->second <= 0) return Status::OK();
  --it->second;
  events_.push_back(fmt::format("{} failed", what));
  return Status::IOError(fmt::format("memory sink: injected {} failure", what),
                         ErrorCode::kConnectorWrite);
}

Result<std::unique_ptr<SinkConnector>> MemorySink::Make(const ConnectorOptions& options,
                                                        const SinkConfig& config) {
  OptionReader reader("memory", options);
  auto sink = std::make_unique<MemorySink>();
  std::string id = reader.GetString("id").value_or(config.sink_name);
  LAMINAR_ASSIGN_OR_RETURN(sink->changelog_, reader.GetBool("changelog", false));
  reader.GetString("delivery.guarantee");
  LAMINAR_RETURN_NOT_OK(reader.Finish());
  sink->store_ = MemorySinkStore::Get(id);
  sink->guarantee_ = config.guarantee;
  return std::unique_ptr<SinkConnector>(std::move(sink));
}

Status MemorySink::Open(const SinkOpenContext& context) {
  schema_ = context.schema;
  std::lock_guard<std::mutex> lock(store_->mu_);
  LAMINAR_RETURN_NOT_OK(store_->MaybeFail(MemorySinkStore::Step::kOpen, "open"));
  if (context.recovered_epoch) {
    store_->events_.push_back(fmt::format("open recovered {}", *context.recovered_epoch));
  } else {
    store_->events_.push_back("open fresh");
    store_->staged_.clear();
    store_->precommitted_.clear();
    store_->committed_epoch_ = 0;  // earlier output is history, never re-committed
  }
  return Status::OK();
}

Status MemorySink::WriteBatch(const RecordBatch& batch) {
  std::lock_guard<std::mutex> lock(store_->mu_);
  LAMINAR_RETURN_NOT_OK(store_->MaybeFail(MemorySinkStore::Step::kWrite, "write"));
  auto copy =
      std::make_shared<const RecordBatch>(batch.schema(), batch.num_rows(), batch.columns());
  rows_ += static_cast<uint64_t>(batch.num_rows());
  if (guarantee_ == DeliveryGuarantee::kExactlyOnce) {
    store_->staged_[epoch_].push_back(std::move(copy));
  } else {
    store_->committed_.push_back(std::move(copy));
  }
  return Status::OK();
}

Status MemorySink::BeginEpoch(uint64_t epoch) {
  std::lock_guard<std::mutex> lock(store_->mu_);
  LAMINAR_RETURN_NOT_OK(store_->MaybeFail(MemorySinkStore::Step::kBegin, "begin"));
  epoch_ = epoch;
  store_->events_.push_back(fmt::format("begin {}", epoch));
  return Status::OK();
}

Status MemorySink::PreCommit(uint64_t epoch) {
  std::lock_guard<std::mutex> lock(store_->mu_);
  LAMINAR_RETURN_NOT_OK(store_->MaybeFail(MemorySinkStore::Step::kPreCommit, "precommit"));
  store_->precommitted_[epoch] = true;
  store_->events_.push_back(fmt::format("precommit {}", epoch));
  return Status::OK();
}

Status MemorySink::CommitEpoch(uint64_t epoch) {
  std::lock_guard<std::mutex> lock(store_->mu_);
  LAMINAR_RETURN_NOT_OK(store_->MaybeFail(MemorySinkStore::Step::kCommit, "commit"));
  store_->events_.push_back(fmt::format("commit {}", epoch));
  if (guarantee_ != DeliveryGuarantee::kExactlyOnce) return Status::OK();
  auto& staged = store_->staged_;
  for (auto it = staged.begin(); it != staged.end() && it->first <= epoch;) {
    if (it->first > store_->committed_epoch_) {
      for (auto& b : it->second) store_->committed_.push_back(b);
      store_->committed_epoch_ = it->first;
    }
    store_->precommitted_.erase(it->first);
    it = staged.erase(it);
  }
  store_->committed_epoch_ = std::max(store_->committed_epoch_, epoch);
  return Status::OK();
}

Status MemorySink::RollbackEpoch(uint64_t epoch) {
  std::lock_guard<std::mutex> lock(store_->mu_);
  LAMINAR_RETURN_NOT_OK(store_->MaybeFail(MemorySinkStore::Step::kRollback, "rollback"));
  store_->events_.push_back(fmt::format("rollback {}", epoch));
  auto& staged = store_->staged_;
  for (auto it = staged.lower_bound(epoch); it != staged.end();) {
    store_->precommitted_.erase(it->first);
    it = staged.erase(it);
  }
  return Status::OK();
}

Status MemorySink::Close() {
  std::lock_guard<std::mutex> lock(store_->mu_);
  store_->events_.push_back("close");
  return Status::OK();
}

Result<std::unique_ptr<SinkConnector>> BlackholeSink::Make(const ConnectorOptions& options,
                                                           const SinkConfig& config) {
  OptionReader reader("blackhole", options);
  reader.GetString("delivery.guarantee");
  LAMINAR_RETURN_NOT_OK(reader.Finish());
  auto sink = std::make_unique<BlackholeSink>();
  sink->guarantee_ = config.guarantee;
  return std::unique_ptr<SinkConnector>(std::move(sink));
}

}  // namespace laminar::connector
