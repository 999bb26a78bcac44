#include "slt_runner.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "common/string_util.h"
#include "common/time_util.h"
#include "insert_splitter.h"
#include "result_compare.h"

namespace laminar::cli {
namespace {

namespace fs = std::filesystem;

std::string Indent(std::string_view text, std::string_view prefix) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line =
        text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (nl == std::string_view::npos && line.empty()) break;
    out += prefix;
    out += line;
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

// A fresh, empty temporary directory (the data dir of one test file).
Result<std::string> MakeTempDir() {
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string templ = (base / "laminardb-slt-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    return Status::IOError(
        fmt::format("cannot create a temporary directory under {}", base.string()));
  }
  return templ;
}

// Runs the records of one file against one database (re-opened on restart/crash).
class FileRun {
 public:
  FileRun(const SltRunner& runner, const DatabaseOpener& opener, const TestOptions& options,
          std::ostream& out, std::string path)
      : runner_(runner), opener_(opener), options_(options), out_(out), path_(std::move(path)) {}

  ~FileRun() {
    subscriptions_.clear();
    if (db_) db_->Shutdown().IgnoreError();
    db_.reset();
    if (!data_dir_.empty()) {
      std::error_code ec;
      fs::remove_all(data_dir_, ec);
    }
  }

  FileResult Run(std::string_view text) {
    FileResult result;
    result.path = path_;
    const auto start = std::chrono::steady_clock::now();
    auto records = ParseSlt(text);
    if (!Open(&result)) {
      result.records_failed = std::max(result.records_failed, 1);
    } else {
      bool skipping = false;
      for (const auto& rec : records) {
        using Kind = SltRecord::Kind;
        if (rec.kind == Kind::kHalt) break;
        if (rec.kind == Kind::kSkipOn || rec.kind == Kind::kSkipOff) {
          skipping = rec.kind == Kind::kSkipOn;
          continue;
        }
        if (rec.kind == Kind::kIgnored) continue;
        if (rec.kind == Kind::kRequire) {
          if (!runner_.SupportsFeature(rec.name)) {
            result.skipped = true;
            result.skip_reason = fmt::format("requires '{}'", rec.name);
            break;
          }
          continue;
        }
        if (skipping) {
          ++result.records_skipped;
          continue;
        }
        ++result.records_run;
        bool ok = false;
        try {
          ok = RunRecord(rec);
        } catch (const std::exception& e) {
          ok = Fail(rec, fmt::format("exception thrown: {}", e.what()));
        } catch (...) {
          ok = Fail(rec, "unknown exception thrown");
        }
        if (!ok) ++result.records_failed;
        if (fatal_) {
          out_ << fmt::format("{}: stopping this file: the database could not be reopened\n\n",
                              path_);
          break;
        }
      }
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (result.skipped) result.records_failed = 0;
    return result;
  }

 private:
  bool Open(FileResult* result) {
    auto dir = MakeTempDir();
    if (!dir.ok()) {
      out_ << fmt::format("{}: {}\n", path_, dir.status().ToString());
      return false;
    }
    data_dir_ = *dir;
    options_db_.data_dir = data_dir_;
    options_db_.wal_mode = WalMode::kSync;
    auto db = opener_(options_db_);
    if (!db.ok()) {
      out_ << fmt::format("{}: cannot open a database in {}: {}\n", path_, data_dir_,
                          db.status().ToString());
      (void)result;
      return false;
    }
    db_ = std::move(db).ValueOrDie();
    return true;
  }

  // Prints a failure block; always returns false so callers can `return Fail(...)`.
  bool Fail(const SltRecord& rec, std::string_view detail, std::string_view sql = {}) {
    std::string sql_text(sql.empty() ? std::string_view(rec.sql) : sql);
    std::string msg = fmt::format("FAILED {}:{}: {}\n", path_, rec.line, rec.header);
    if (!sql_text.empty()) msg += Indent(sql_text, "  | ");
    msg += Indent(detail, "  ");
    out_ << msg << '\n';
    out_.flush();
    return false;
  }

  bool RunRecord(const SltRecord& rec) {
    using Kind = SltRecord::Kind;
    if (rec.kind == Kind::kMalformed) return Fail(rec, "malformed record: " + rec.error);
    if (!db_) return Fail(rec, "the database is not open");
    switch (rec.kind) {
      case Kind::kStatementOk:
        return RunStatementOk(rec);
      case Kind::kStatementError:
        return RunStatementError(rec);
      case Kind::kQuery:
        return RunQuery(rec);
      case Kind::kPoll:
        return RunPoll(rec);
      case Kind::kAdvanceWatermark:
        return RunAdvanceWatermark(rec);
      case Kind::kCheckpoint:
        return RunCheckpoint(rec);
      case Kind::kRestart:
      case Kind::kCrash:
        return Reopen(rec, rec.kind == Kind::kRestart);
      default:
        return Fail(rec, "internal error: unexpected record kind");
    }
  }

  // Deterministic mode: everything pushed so far has been processed and delivered.
  bool SyncAfter(const SltRecord& rec) {
    Status st = db_->Sync();
    if (!st.ok()) return Fail(rec, "Sync() failed after this record: " + st.ToString());
    return true;
  }

  // Subscribes to every stream/MV not subscribed yet; forgets subscriptions of dropped outputs.
  bool SubscribeNewOutputs(const SltRecord& rec) {
    std::vector<std::string> names = db_->OutputNames();
    for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
      // Dropped, or replaced by CREATE OR REPLACE (the old subscription is closed).
      if (std::find(names.begin(), names.end(), it->first) == names.end() || it->second->closed()) {
        it->second->Cancel();
        it = subscriptions_.erase(it);
      } else {
        ++it;
      }
    }
    bool ok = true;
    for (const auto& name : names) {
      if (subscriptions_.count(name)) continue;
      auto sub = db_->Subscribe(name);
      if (!sub.ok()) {
        ok = Fail(rec, fmt::format("could not subscribe to the new output '{}': {}", name,
                                   sub.status().ToString()));
        continue;
      }
      subscriptions_[name] = std::move(sub).ValueOrDie();
    }
    return ok;
  }

  bool RunStatementOk(const SltRecord& rec) {
    std::vector<std::string> pieces = SplitInsert(rec.sql, options_.batch_size);
    for (size_t i = 0; i < pieces.size(); ++i) {
      auto res = db_->Execute(pieces[i]);
      if (!res.ok()) {
        std::string detail = "error: " + res.status().ToString();
        if (pieces.size() > 1) {
          detail = fmt::format("part {} of {} (--batch-size {}) failed:\n{}\n{}", i + 1,
                               pieces.size(), options_.batch_size, pieces[i], detail);
        }
        SubscribeNewOutputs(rec);
        return Fail(rec, detail);
      }
      if (pieces.size() > 1 && !SyncAfter(rec)) return false;
    }
    bool ok = SubscribeNewOutputs(rec);
    return SyncAfter(rec) && ok;
  }

  bool RunStatementError(const SltRecord& rec) {
    auto res = db_->Execute(rec.sql);
    bool ok = SubscribeNewOutputs(rec);
    if (!SyncAfter(rec)) return false;
    if (res.ok()) {
      return Fail(rec, rec.expected_error.empty()
                           ? "expected an error, but the statement succeeded"
                           : fmt::format("expected an error containing '{}', but the statement "
                                         "succeeded",
                                         rec.expected_error));
    }
    const std::string message = res.status().ToString();
    if (!rec.expected_error.empty() && message.find(rec.expected_error) == std::string::npos) {
      return Fail(rec,
                  fmt::format("expected an error containing: {}\nactual error:                 {}",
                              rec.expected_error, message));
    }
    return ok;
  }

  bool RunQuery(const SltRecord& rec) {
    auto res = db_->Execute(rec.sql);
    if (!res.ok()) return Fail(rec, "error: " + res.status().ToString());
    const ExecuteResult& er = *res;
    int ncols = -1;
    if (er.schema) {
      ncols = er.schema->num_fields();
    } else if (!er.batches.empty() && er.batches.front()) {
      ncols = er.batches.front()->num_columns();
    } else if (er.kind != ExecuteResult::Kind::kQuery &&
               er.kind != ExecuteResult::Kind::kMetadata) {
      return Fail(rec, fmt::format("the statement returned no result set ({}); use "
                                   "'statement ok' for statements",
                                   er.statement_type.empty() ? "DDL" : er.statement_type));
    }
    auto diff =
        CompareResult(rec.types, rec.sort_mode, rec.expected_rows, RenderRows(er.batches), ncols);
    if (diff) return Fail(rec, *diff);
    return SyncAfter(rec);
  }

  bool RunPoll(const SltRecord& rec) {
    if (!SyncAfter(rec)) return false;
    auto it = subscriptions_.find(rec.name);
    if (it == subscriptions_.end()) {
      // Not a known output yet: maybe created in a way OutputNames() does not list.
      auto sub = db_->Subscribe(rec.name);
      if (!sub.ok()) {
        std::vector<std::string> names;
        for (const auto& [n, s] : subscriptions_) names.push_back(n);
        std::string hint = ClosestMatch(rec.name, names);
        return Fail(
            rec, fmt::format("no stream or materialized view '{}' to poll: {}{}\nknown "
                             "outputs: {}",
                             rec.name, sub.status().ToString(),
                             hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint),
                             names.empty() ? "(none)" : fmt::format("{}", fmt::join(names, ", "))));
      }
      it = subscriptions_.emplace(rec.name, std::move(sub).ValueOrDie()).first;
    }
    Subscription& sub = *it->second;
    std::vector<RecordBatchPtr> batches = sub.Poll();
    int ncols = -1;
    if (auto schema = sub.schema()) {
      ncols = schema->num_fields();
    } else if (!batches.empty() && batches.front()) {
      ncols = batches.front()->num_columns();
    }
    auto diff =
        CompareResult(rec.types, rec.sort_mode, rec.expected_rows, RenderRows(batches), ncols);
    if (diff) return Fail(rec, *diff);
    return true;
  }

  bool RunAdvanceWatermark(const SltRecord& rec) {
    auto ts = ParseTimestamp(rec.timestamp);
    if (!ts.ok()) {
      return Fail(rec,
                  fmt::format("invalid timestamp '{}': {}", rec.timestamp, ts.status().ToString()));
    }
    auto source = db_->Source(rec.name);
    if (!source.ok()) return Fail(rec, "error: " + source.status().ToString());
    Status st = (*source)->AdvanceWatermark(*ts);
    if (!st.ok()) return Fail(rec, "AdvanceWatermark failed: " + st.ToString());
    return SyncAfter(rec);
  }

  bool RunCheckpoint(const SltRecord& rec) {
    auto cp = db_->Checkpoint();
    if (!cp.ok()) return Fail(rec, "checkpoint failed: " + cp.status().ToString());
    if (!cp->success) {
      return Fail(rec, "checkpoint failed: " + (cp->error.empty() ? "(no message)" : cp->error));
    }
    return SyncAfter(rec);
  }

  // restart (graceful) or crash (the destructor without Shutdown() is the crash).
  bool Reopen(const SltRecord& rec, bool graceful) {
    for (auto& [name, sub] : subscriptions_) sub->Cancel();
    subscriptions_.clear();
    bool ok = true;
    if (graceful) {
      Status st = db_->Shutdown();
      if (!st.ok()) ok = Fail(rec, "Shutdown() failed: " + st.ToString());
    }
    db_.reset();
    auto db = opener_(options_db_);
    if (!db.ok()) {
      fatal_ = true;
      return Fail(rec, fmt::format("reopening the database in {} failed: {}", data_dir_,
                                   db.status().ToString()));
    }
    db_ = std::move(db).ValueOrDie();
    ok = SubscribeNewOutputs(rec) && ok;
    return SyncAfter(rec) && ok;
  }

  const SltRunner& runner_;
  const DatabaseOpener& opener_;
  const TestOptions& options_;
  std::ostream& out_;
  std::string path_;
  std::string data_dir_;
  Options options_db_;
  std::unique_ptr<Database> db_;
  // Declared after db_ so they are destroyed first.
  std::map<std::string, std::shared_ptr<Subscription>> subscriptions_;
  bool fatal_ = false;
};

}  // namespace

SltRunner::SltRunner(DatabaseOpener opener, TestOptions options, std::ostream& out)
    : opener_(std::move(opener)), options_(options), out_(out) {}

bool SltRunner::SupportsFeature(std::string_view feature) const {
  if (feature == "original-batches") return options_.batch_size <= 0;
  return false;
}

FileResult SltRunner::RunText(const std::string& path, std::string_view text) {
  FileRun run(*this, opener_, options_, out_, path);
  return run.Run(text);
}

FileResult SltRunner::RunFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    FileResult r;
    r.path = path;
    r.records_failed = 1;
    out_ << fmt::format("FAILED {}: cannot read the file\n\n", path);
    return r;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return RunText(path, buffer.str());
}

std::vector<std::string> CollectTestFiles(const std::vector<std::string>& paths,
                                          std::vector<std::string>* missing) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".slt") {
          found.push_back(it->path().string());
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      missing->push_back(p);
    }
  }
  return files;
}

int SltRunner::RunPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> missing;
  std::vector<std::string> files = CollectTestFiles(paths, &missing);
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  for (const auto& m : missing) {
    out_ << fmt::format("FAILED {}: no such file or directory\n\n", m);
    ++failed;
  }
  for (const auto& file : files) {
    FileResult r = RunFile(file);
    if (r.skipped) {
      ++skipped;
      out_ << fmt::format("SKIP {} ({})\n", file, r.skip_reason);
      continue;
    }
    if (r.passed()) {
      ++passed;
    } else {
      ++failed;
    }
    if (options_.verbose || !r.passed()) {
      out_ << fmt::format("{} {} ({} records, {} failed{}, {:.3f} s)\n",
                          r.passed() ? "PASS" : "FAIL", file, r.records_run, r.records_failed,
                          r.records_skipped ? fmt::format(", {} skipped", r.records_skipped) : "",
                          r.seconds);
    }
  }
  if (skipped > 0) out_ << fmt::format("{} file{} skipped\n", skipped, skipped == 1 ? "" : "s");
  out_ << fmt::format("{} passed, {} failed\n", passed, failed);
  out_.flush();
  return failed == 0 ? 0 : 1;
}

}  // namespace laminar::cli
