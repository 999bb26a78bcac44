#include "shell.h"

#include <fmt/format.h>

#include <fstream>
#include <ostream>
#include <regex>
#include <sstream>

#include "common/string_util.h"
#include "interrupt.h"

namespace laminar::cli {
namespace {

constexpr const char* kHelp =
    "Statements end with ';' and may span lines. Dot commands:\n"
    "  .help                   this text\n"
    "  .sources                list sources\n"
    "  .streams                list streams and materialized views\n"
    "  .schema [NAME]          columns / definition of NAME (or of everything)\n"
    "  .mode table|csv|json    result format\n"
    "  .timer on|off           print how long each statement took\n"
    "  .read FILE              run the statements in FILE\n"
    "  .quit / .exit           leave the shell\n"
    "SUBSCRIBE name;           print a stream's or MV's output as it arrives (Ctrl-C stops)\n";

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

}  // namespace

Shell::Shell(Database& db, std::ostream& out, std::ostream& err, ShellOptions options)
    : db_(db), out_(out), err_(err), options_(options) {}

int Shell::Run(LineReader& reader, bool interactive) {
  interactive_ = interactive;
  bool failed = false;
  if (interactive) {
    out_ << "laminardb 0.1.0 — streaming SQL. Enter \".help\" for usage hints.\n";
    out_.flush();
  }
  while (!quit_) {
    const char* prompt = buffer_.IsEmpty() ? "laminardb> " : "      ...> ";
    auto line = reader.ReadLine(prompt);
    if (!line) break;
    if (!HandleLine(*line)) failed = true;
  }
  std::string rest = buffer_.TakeRest();
  if (!quit_ && !rest.empty() && !RunStatement(rest)) failed = true;
  if (interactive) out_ << '\n';
  out_.flush();
  return failed ? 1 : 0;
}

bool Shell::HandleLine(std::string_view line) {
  if (buffer_.IsEmpty() && !Trim(line).empty() && Trim(line).front() == '.') {
    buffer_.TakeRest();
    return DotCommand(Trim(line));
  }
  buffer_.Append(line);
  bool ok = true;
  for (const auto& stmt : buffer_.TakeComplete()) {
    if (quit_) break;
    if (!RunStatement(stmt)) ok = false;
  }
  return ok;
}

bool Shell::RunScript(std::string_view text) {
  for (const auto& stmt : SplitStatements(text)) {
    if (!RunStatement(stmt)) return false;
  }
  return true;
}

bool Shell::RunStatement(std::string_view sql) {
  static const std::regex kSubscribe(R"(\s*SUBSCRIBE\s+(\S+)\s*;?\s*)", std::regex::icase);
  std::cmatch m;
  if (std::regex_match(sql.data(), sql.data() + sql.size(), m, kSubscribe)) {
    return SubscribeLoop(m[1].str());
  }
  const auto start = std::chrono::steady_clock::now();
  auto result = db_.Execute(sql);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok()) {
    err_ << "Error: " << result.status().ToString() << '\n';
    err_.flush();
    return false;
  }
  PrintResult(*result);
  if (options_.timer) out_ << fmt::format("Run Time: {:.3f} s\n", seconds);
  out_.flush();
  return true;
}

void Shell::PrintBatches(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches) {
  if (!schema) return;
  columnar::PrintOptions po;
  po.mode = options_.mode;
  out_ << columnar::FormatBatches(schema, batches, po);
}

void Shell::PrintResult(const ExecuteResult& result) {
  switch (result.kind) {
    case ExecuteResult::Kind::kQuery:
    case ExecuteResult::Kind::kMetadata:
      PrintBatches(result.schema ? result.schema
                   : result.batches.empty() || !result.batches.front()
                       ? nullptr
                       : result.batches.front()->schema(),
                   result.batches);
      break;
    case ExecuteResult::Kind::kRowsAffected:
      if (interactive_) {
        out_ << fmt::format("{} row{}\n", result.rows_affected,
                            result.rows_affected == 1 ? "" : "s");
      }
      break;
    case ExecuteResult::Kind::kDdl:
      if (interactive_ && !result.statement_type.empty()) {
        out_ << result.statement_type
             << (result.object_name.empty() ? "" : " " + result.object_name) << '\n';
      }
      break;
  }
}

bool Shell::SubscribeLoop(const std::string& name) {
  auto sub = db_.Subscribe(name);
  if (!sub.ok()) {
    err_ << "Error: " << sub.status().ToString() << '\n';
    return false;
  }
  InterruptScope interrupt;
  if (interactive_) out_ << fmt::format("Subscribed to {} — press Ctrl-C to stop.\n", name);
  out_.flush();
  auto idle_since = std::chrono::steady_clock::now();
  bool ok = true;
  while (!InterruptScope::interrupted()) {
    auto next = (*sub)->Next(std::chrono::milliseconds(100));
    if (!next.ok()) {
      if (next.status().code() == StatusCode::kCancelled) break;  // closed by the engine
      err_ << "Error: " << next.status().ToString() << '\n';
      ok = false;
      break;
    }
    if (*next) {
      PrintBatches((*next)->schema(), {*next});
      out_.flush();
      idle_since = std::chrono::steady_clock::now();
    } else if (options_.subscribe_idle_timeout.count() > 0 &&
               std::chrono::steady_clock::now() - idle_since >= options_.subscribe_idle_timeout) {
      break;
    }
  }
  (*sub)->Cancel();
  if (interactive_) out_ << "\nSubscription stopped.\n";
  out_.flush();
  return ok;
}

bool Shell::PrintSchema(const std::string& name) {
  for (const auto& sm : db_.source_metrics()) {
    if (!name.empty() && !EqualsIgnoreCase(sm.name, name)) continue;
    auto src = db_.Source(sm.name);
    if (!src.ok()) continue;
    std::string cols;
    for (const auto& f : (*src)->schema()->fields()) {
      cols += fmt::format("{}  {} {}{}", cols.empty() ? "" : ",\n", f->name, f->type->ToString(),
                          f->nullable ? "" : " NOT NULL");
    }
    out_ << fmt::format("CREATE SOURCE {} (\n{}\n);\n", sm.name, cols);
    if (!name.empty()) return true;
  }
  for (const auto& st : db_.stream_metrics()) {
    if (!name.empty() && !EqualsIgnoreCase(st.name, name)) continue;
    out_ << (st.sql.empty() ? fmt::format("-- stream {}", st.name) : st.sql) << ";\n";
    if (!name.empty()) return true;
  }
  if (name.empty()) return true;
  // Not a source or stream: tables, sinks, … — ask the engine.
  auto result = db_.Execute("DESCRIBE " + name);
  if (!result.ok()) {
    err_ << "Error: " << result.status().ToString() << '\n';
    return false;
  }
  PrintResult(*result);
  return true;
}

bool Shell::DotCommand(std::string_view line) {
  const auto words = Words(line);
  const std::string cmd = ToLower(words[0]);
  auto arg = [&](size_t i) { return words.size() > i ? words[i] : std::string(); };
  if (cmd == ".quit" || cmd == ".exit" || cmd == ".q") {
    quit_ = true;
    return true;
  }
  if (cmd == ".help") {
    out_ << kHelp;
    return true;
  }
  if (cmd == ".sources") {
    for (const auto& sm : db_.source_metrics()) out_ << sm.name << '\n';
    return true;
  }
  if (cmd == ".streams") {
    for (const auto& name : db_.OutputNames()) out_ << name << '\n';
    return true;
  }
  if (cmd == ".schema") return PrintSchema(arg(1));
  if (cmd == ".mode") {
    const std::string m = ToLower(arg(1));
    if (m == "table" || m == "box") {
      options_.mode = columnar::PrintMode::kTable;
    } else if (m == "csv") {
      options_.mode = columnar::PrintMode::kCsv;
    } else if (m == "json") {
      options_.mode = columnar::PrintMode::kJson;
    } else if (m == "tabs") {
      options_.mode = columnar::PrintMode::kTabs;
    } else {
      err_ << "Error: .mode takes table, csv, json or tabs\n";
      return false;
    }
    return true;
  }
  if (cmd == ".timer") {
    const std::string v = ToLower(arg(1));
    if (v != "on" && v != "off") {
      err_ << "Error: .timer takes on or off\n";
      return false;
    }
    options_.timer = v == "on";
    return true;
  }
  if (cmd == ".read") {
    const std::string path = arg(1);
    if (path.empty()) {
      err_ << "Error: .read needs a file name\n";
      return false;
    }
    if (read_depth_ >= 16) {
      err_ << "Error: .read nested too deeply\n";
      return false;
    }
    std::ifstream in(path);
    if (!in) {
      err_ << fmt::format("Error: cannot open '{}'\n", path);
      return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    ++read_depth_;
    bool ok = true;
    std::istringstream lines(text.str());
    std::string l;
    while (!quit_ && std::getline(lines, l)) ok = HandleLine(l) && ok;
    if (std::string rest = buffer_.TakeRest(); !rest.empty()) ok = RunStatement(rest) && ok;
    --read_depth_;
    return ok;
  }
  err_ << fmt::format("Error: unknown command '{}'. Enter \".help\" for usage hints.\n", words[0]);
  return false;
}

}  // namespace laminar::cli
