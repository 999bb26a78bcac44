#include "run_command.h"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "columnar/pretty_print.h"
#include "interrupt.h"
#include "sql_splitter.h"

namespace laminar::cli {
namespace {

// Subscriptions of every output, in creation order of discovery.
class OutputPrinter {
 public:
  OutputPrinter(Database& db, std::ostream& out, std::ostream& err)
      : db_(db), out_(out), err_(err) {}

  bool SubscribeNew() {
    bool ok = true;
    for (const auto& name : db_.OutputNames()) {
      if (subs_.count(name)) continue;
      auto sub = db_.Subscribe(name);
      if (!sub.ok()) {
        err_ << fmt::format("Error: cannot subscribe to '{}': {}\n", name, sub.status().ToString());
        ok = false;
        continue;
      }
      subs_[name] = std::move(sub).ValueOrDie();
    }
    return ok;
  }

  /// Prints whatever arrived; returns the number of rows printed.
  int64_t Drain() {
    int64_t rows = 0;
    for (auto& [name, sub] : subs_) {
      auto batches = sub->Poll();
      std::vector<RecordBatchPtr> nonempty;
      for (auto& b : batches) {
        if (b && b->num_rows() > 0) nonempty.push_back(b);
      }
      if (nonempty.empty()) continue;
      SchemaPtr schema = sub->schema() ? sub->schema() : nonempty.front()->schema();
      for (const auto& b : nonempty) rows += b->num_rows();
      out_ << fmt::format("{}:\n", name) << columnar::FormatBatches(schema, nonempty);
    }
    out_.flush();
    return rows;
  }

  void CancelAll() {
    for (auto& [name, sub] : subs_) sub->Cancel();
  }

 private:
  Database& db_;
  std::ostream& out_;
  std::ostream& err_;
  std::map<std::string, std::shared_ptr<Subscription>> subs_;
};

// Waits up to `ms` for input on fd; returns false once the fd reached end of file.
bool StdinStillOpen(int fd, int ms) {
  struct pollfd pfd = {fd, POLLIN, 0};
  int r = ::poll(&pfd, 1, ms);
  if (r <= 0) return true;  // timeout or EINTR
  if (pfd.revents & (POLLIN | POLLHUP)) {
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    return n > 0;
  }
  return !(pfd.revents & (POLLERR | POLLNVAL));
}

}  // namespace

int RunScriptFile(Database& db, const RunOptions& options, std::ostream& out, std::ostream& err) {
  std::ifstream in(options.file);
  if (!in) {
    err << fmt::format("Error: cannot open '{}'\n", options.file);
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  OutputPrinter printer(db, out, err);
  InterruptScope interrupt;
  int index = 0;
  for (const auto& stmt : SplitStatements(text.str())) {
    ++index;
    auto result = db.Execute(stmt);
    if (!result.ok()) {
      err << fmt::format("Error in statement {} of {}: {}\n{}\n", index, options.file,
                         result.status().ToString(), stmt);
      printer.CancelAll();
      return 1;
    }
    if (result->kind == ExecuteResult::Kind::kQuery ||
        result->kind == ExecuteResult::Kind::kMetadata) {
      if (result->schema) out << columnar::FormatBatches(result->schema, result->batches);
    }
    if (!printer.SubscribeNew()) return 1;
  }
  if (Status st = db.Sync(); !st.ok()) err << "Error: " << st.ToString() << '\n';
  printer.Drain();

  const auto start = std::chrono::steady_clock::now();
  while (!InterruptScope::interrupted()) {
    if (options.duration_seconds > 0) {
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
          options.duration_seconds) {
        break;
      }
      ::usleep(50 * 1000);
    } else if (options.stdin_fd < 0) {
      ::usleep(50 * 1000);
    } else if (!StdinStillOpen(options.stdin_fd, 50)) {
      break;
    }
    printer.SubscribeNew();
    printer.Drain();
  }
  if (Status st = db.Sync(); !st.ok()) err << "Error: " << st.ToString() << '\n';
  printer.Drain();
  printer.CancelAll();
  Status st = db.Shutdown();
  if (!st.ok()) {
    err << "Error: shutdown failed: " << st.ToString() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace laminar::cli
