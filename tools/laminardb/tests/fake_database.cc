#include "tests/fake_database.h"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <regex>

#include "columnar/batch_literal.h"
#include "common/string_util.h"
#include "insert_splitter.h"

namespace laminar::cli::fake {
namespace {

class FakeSubscription final : public Subscription {
 public:
  FakeSubscription(std::string name, SchemaPtr schema,
                   std::function<void(const RecordBatchPtr&)> callback)
      : name_(std::move(name)), schema_(std::move(schema)), callback_(std::move(callback)) {}

  const std::string& name() const override { return name_; }
  SchemaPtr schema() const override { return schema_; }
  std::vector<RecordBatchPtr> Poll() override {
    std::lock_guard lock(mu_);
    std::vector<RecordBatchPtr> out(queue_.begin(), queue_.end());
    queue_.clear();
    return out;
  }
  Result<RecordBatchPtr> Next(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || cancelled_; });
    if (cancelled_) return Status::Cancelled("subscription cancelled");
    if (queue_.empty()) return RecordBatchPtr();
    auto b = queue_.front();
    queue_.pop_front();
    return b;
  }
  void Cancel() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  void Deliver(const RecordBatchPtr& batch) {
    if (callback_) {
      callback_(batch);
      return;
    }
    std::lock_guard lock(mu_);
    if (cancelled_) return;
    queue_.push_back(batch);
    cv_.notify_all();
  }

 private:
  std::string name_;
  SchemaPtr schema_;
  std::function<void(const RecordBatchPtr&)> callback_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RecordBatchPtr> queue_;
  bool cancelled_ = false;
};

class FakeDatabase;

class FakeSource final : public SourceHandle {
 public:
  FakeSource(FakeDatabase* db, std::string name, SchemaPtr schema)
      : db_(db), name_(std::move(name)), schema_(std::move(schema)) {}
  const std::string& name() const override { return name_; }
  SchemaPtr schema() const override { return schema_; }
  Status Push(RecordBatchPtr batch) override;
  Status PushRows(const std::vector<std::vector<Scalar>>&) override {
    return Status::NotImplemented("fake: PushRows");
  }
  Status AdvanceWatermark(int64_t timestamp_micros) override;
  int64_t watermark() const override;
  size_t pending() const override { return 0; }
  size_t capacity() const override { return 1024; }
  bool is_backpressured() const override { return false; }

 private:
  FakeDatabase* db_;  // outlives the handle in tests
  std::string name_;
  SchemaPtr schema_;
};

class FakeDatabase final : public Database {
 public:
  explicit FakeDatabase(std::shared_ptr<FakeDisk> disk) : disk_(std::move(disk)) {}

  Result<ExecuteResult> Execute(std::string_view sql_in) override {
    std::lock_guard lock(mu_);
    std::string sql(Trim(sql_in));
    disk_->executed.push_back(sql);
    while (!sql.empty() && (sql.back() == ';' || isspace(static_cast<unsigned char>(sql.back()))))
      sql.pop_back();
    const auto icase = std::regex::icase;
    std::smatch m;
    ExecuteResult result;
    if (std::regex_match(sql, m, std::regex(R"(FAIL\s+([\s\S]*))", icase))) {
      return Status::Invalid(m[1].str());
    }
    if (std::regex_match(sql, m,
                         std::regex(R"(CREATE\s+SOURCE\s+(\w+)\s*\(([\s\S]*)\)\s*)", icase))) {
      const std::string name = m[1].str();
      if (disk_->sources.count(name) || disk_->streams.count(name)) {
        return Status::AlreadyExists(fmt::format("source '{}' already exists", name));
      }
      std::string cols;
      for (const auto& part : Split(m[2].str(), ',')) {
        if (ToUpper(Trim(part)).rfind("WATERMARK", 0) == 0) continue;
        if (!cols.empty()) cols += ", ";
        cols += std::string(Trim(part));
      }
      LAMINAR_ASSIGN_OR_RETURN(auto schema, columnar::ParseSchema(cols));
      disk_->sources[name].schema = schema;
      result.statement_type = "CREATE SOURCE";
      result.object_name = name;
      return result;
    }
    if (std::regex_match(
            sql, m,
            std::regex(
                R"(CREATE\s+(STREAM|MATERIALIZED\s+VIEW)\s+(\w+)\s+AS\s+SELECT\s[\s\S]*?\sFROM\s+(\w+)[\s\S]*)",
                icase))) {
      const std::string name = m[2].str();
      const std::string from = m[3].str();
      if (disk_->sources.count(name) || disk_->streams.count(name)) {
        return Status::AlreadyExists(fmt::format("stream '{}' already exists", name));
      }
      if (!SchemaOf(from)) return Status::NotFound(fmt::format("source '{}' not found", from));
      disk_->streams[name] = FakeDisk::StreamDef{from, sql};
      result.statement_type = "CREATE STREAM";
      result.object_name = name;
      return result;
    }
    if (std::regex_match(sql, m, std::regex(R"(DROP\s+STREAM\s+(\w+))", icase))) {
      if (!disk_->streams.erase(m[1].str())) {
        return Status::NotFound(fmt::format("stream '{}' not found", m[1].str()));
      }
      result.statement_type = "DROP STREAM";
      return result;
    }
    if (std::regex_match(sql, m, std::regex(R"(INSERT\s+INTO\s+(\w+)[\s\S]*)", icase))) {
      auto it = disk_->sources.find(m[1].str());
      if (it == disk_->sources.end()) {
        return Status::NotFound(fmt::format("source '{}' not found", m[1].str()));
      }
      auto parsed = ParseInsertValues(sql);
      if (!parsed) return Status::Invalid("fake: cannot parse INSERT");
      std::string rows;
      for (const auto& t : parsed->tuples) rows += t.substr(1, t.size() - 2) + "\n";
      LAMINAR_ASSIGN_OR_RETURN(auto batch, columnar::BatchFromLiteral(it->second.schema, rows));
      DeliverLocked(m[1].str(), batch);
      result.kind = ExecuteResult::Kind::kRowsAffected;
      result.statement_type = "INSERT";
      result.rows_affected = static_cast<uint64_t>(batch->num_rows());
      return result;
    }
    if (std::regex_match(sql, m, std::regex(R"(SELECT\s+\*\s+FROM\s+(\w+))", icase))) {
      const std::string name = m[1].str();
      SchemaPtr schema = SchemaOf(name);
      if (!schema) return Status::NotFound(fmt::format("table '{}' not found", name));
      result.kind = ExecuteResult::Kind::kQuery;
      result.statement_type = "SELECT";
      result.schema = schema;
      result.batches = RowsOf(name);
      return result;
    }
    return Status::NotImplemented(fmt::format("fake database: unsupported statement: {}", sql));
  }

  Result<ExecuteResult> Query(std::string_view sql) override { return Execute(sql); }

  Result<std::shared_ptr<SourceHandle>> Source(std::string_view name) override {
    std::lock_guard lock(mu_);
    auto it = disk_->sources.find(std::string(name));
    if (it == disk_->sources.end()) {
      return Status::NotFound(fmt::format("source '{}' not found", name));
    }
    return std::shared_ptr<SourceHandle>(
        std::make_shared<FakeSource>(this, std::string(name), it->second.schema));
  }

  Result<std::shared_ptr<Subscription>> Subscribe(std::string_view name) override {
    return Subscribe(name, nullptr);
  }
  Result<std::shared_ptr<Subscription>> Subscribe(
      std::string_view name, std::function<void(const RecordBatchPtr&)> callback) override {
    std::lock_guard lock(mu_);
    if (!disk_->streams.count(std::string(name))) {
      return Status::NotFound(fmt::format("stream '{}' not found", name));
    }
    auto sub =
        std::make_shared<FakeSubscription>(std::string(name), SchemaOf(name), std::move(callback));
    subs_.emplace_back(std::string(name), sub);
    return std::shared_ptr<Subscription>(sub);
  }

  Status Start() override { return Status::OK(); }
  Status Shutdown() override {
    std::lock_guard lock(mu_);
    if (!shut_down_) ++disk_->shutdowns;
    shut_down_ = true;
    return Status::OK();
  }
  Status Sync() override {
    std::lock_guard lock(mu_);
    ++disk_->syncs;
    return Status::OK();
  }
  Result<CheckpointResult> Checkpoint() override {
    std::lock_guard lock(mu_);
    CheckpointResult r;
    r.success = true;
    r.checkpoint_id = static_cast<uint64_t>(++disk_->checkpoints);
    return r;
  }
  PipelineState state() const override { return PipelineState::kRunning; }
  PipelineMetrics metrics() const override { return {}; }
  std::vector<SourceMetrics> source_metrics() const override {
    std::lock_guard lock(mu_);
    std::vector<SourceMetrics> out;
    for (const auto& [name, def] : disk_->sources) {
      SourceMetrics sm;
      sm.name = name;
      sm.watermark = def.watermark;
      out.push_back(sm);
    }
    return out;
  }
  std::vector<StreamMetrics> stream_metrics() const override {
    std::lock_guard lock(mu_);
    std::vector<StreamMetrics> out;
    for (const auto& [name, def] : disk_->streams) {
      StreamMetrics sm;
      sm.name = name;
      sm.sql = def.sql;
      out.push_back(sm);
    }
    return out;
  }
  std::vector<std::string> OutputNames() const override {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [name, def] : disk_->streams) out.push_back(name);
    return out;
  }

  Status PushFromHandle(const std::string& source, RecordBatchPtr batch) {
    std::lock_guard lock(mu_);
    auto it = disk_->sources.find(source);
    if (it == disk_->sources.end()) return Status::NotFound("source dropped");
    if (batch->num_columns() != it->second.schema->num_fields()) {
      return Status::TypeError("fake: column count mismatch");
    }
    DeliverLocked(source, batch->WithSchema(it->second.schema));
    return Status::OK();
  }
  Status SetWatermark(const std::string& source, int64_t wm) {
    std::lock_guard lock(mu_);
    auto& def = disk_->sources[source];
    def.watermark = std::max(def.watermark, wm);
    return Status::OK();
  }
  int64_t Watermark(const std::string& source) const {
    std::lock_guard lock(mu_);
    auto it = disk_->sources.find(source);
    return it == disk_->sources.end() ? INT64_MIN : it->second.watermark;
  }

 private:
  SchemaPtr SchemaOf(std::string_view name) const {
    if (auto it = disk_->sources.find(std::string(name)); it != disk_->sources.end()) {
      return it->second.schema;
    }
    if (auto it = disk_->streams.find(std::string(name)); it != disk_->streams.end()) {
      return SchemaOf(it->second.from);
    }
    return nullptr;
  }

  std::vector<RecordBatchPtr> RowsOf(const std::string& name) const {
    if (auto it = disk_->sources.find(name); it != disk_->sources.end()) return it->second.rows;
    if (auto it = disk_->streams.find(name); it != disk_->streams.end()) {
      return RowsOf(it->second.from);
    }
    return {};
  }

  void DeliverLocked(const std::string& input, const RecordBatchPtr& batch) {
    if (auto it = disk_->sources.find(input); it != disk_->sources.end()) {
      it->second.rows.push_back(batch);
    }
    for (const auto& [name, def] : disk_->streams) {
      if (def.from != input) continue;
      for (const auto& [sub_name, sub] : subs_) {
        if (sub_name == name) sub->Deliver(batch);
      }
      DeliverLocked(name, batch);
    }
  }

  mutable std::mutex mu_;
  std::shared_ptr<FakeDisk> disk_;
  std::vector<std::pair<std::string, std::shared_ptr<FakeSubscription>>> subs_;
  bool shut_down_ = false;
};

Status FakeSource::Push(RecordBatchPtr batch) { return db_->PushFromHandle(name_, batch); }
Status FakeSource::AdvanceWatermark(int64_t ts) { return db_->SetWatermark(name_, ts); }
int64_t FakeSource::watermark() const { return db_->Watermark(name_); }

}  // namespace

DatabaseOpener FakeEnvironment::Opener() {
  return [this](const Options& options) -> Result<std::unique_ptr<Database>> {
    std::shared_ptr<FakeDisk> disk =
        options.data_dir.empty() ? std::make_shared<FakeDisk>() : Disk(options.data_dir);
    {
      std::lock_guard lock(mu_);
      opened_dirs_.push_back(options.data_dir);
      ++disk->opens;
    }
    return std::unique_ptr<Database>(std::make_unique<FakeDatabase>(disk));
  };
}

std::shared_ptr<FakeDisk> FakeEnvironment::Disk(const std::string& data_dir) {
  std::lock_guard lock(mu_);
  auto& d = disks_[data_dir];
  if (!d) d = std::make_shared<FakeDisk>();
  return d;
}

std::vector<std::string> FakeEnvironment::opened_dirs() const {
  std::lock_guard lock(mu_);
  return opened_dirs_;
}

}  // namespace laminar::cli::fake
