#include "cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "demo.h"
#include "line_reader.h"
#include "nexmark_harness.h"
#include "run_command.h"
#include "shell.h"

namespace laminar::cli {
namespace {

Result<std::unique_ptr<Database>> OpenOrReport(const DatabaseOpener& opener,
                                               const std::string& data_dir) {
  Options options;
  options.data_dir = data_dir;
  auto db = opener(options);
  if (!db.ok()) {
    std::cerr << "Error: cannot open the database"
              << (data_dir.empty() ? std::string() : " in " + data_dir) << ": "
              << db.status().ToString() << '\n';
  }
  return db;
}

int RunShell(const DatabaseOpener& opener, const std::string& data_dir) {
  auto db = OpenOrReport(opener, data_dir);
  if (!db.ok()) return 1;
  const bool interactive = ::isatty(STDIN_FILENO) != 0;
  int code = 0;
  {
    Shell shell(**db, std::cout, std::cerr);
    if (interactive) {
      auto reader = MakeEditlineReader(DefaultHistoryPath());
      code = shell.Run(*reader, true);
    } else {
      auto reader = MakeStreamLineReader(std::cin);
      code = shell.Run(*reader, false);
    }
  }
  Status st = (*db)->Shutdown();
  if (!st.ok()) {
    std::cerr << "Error: shutdown failed: " << st.ToString() << '\n';
    return 1;
  }
  return code;
}

}  // namespace

int RunCli(int argc, char** argv, const DatabaseOpener& opener) {
  CLI::App app{
      "LaminarDB — embedded streaming SQL database (\"SQLite for streams\").\n"
      "Without a command, starts the interactive shell.",
      "laminardb"};
  app.set_version_flag("--version", std::string("laminardb ") + kVersion);
  app.require_subcommand(0, 1);

  std::vector<std::string> test_paths;
  TestOptions test_options;
  auto* test =
      app.add_subcommand("test", "Run SQL logic test files (.slt) — see test/sql/README.md");
  test->add_option("paths", test_paths, "Files or directories (searched for *.slt)")->required();
  test->add_option("--batch-size", test_options.batch_size,
                   "Re-split every INSERT … VALUES into statements of at most N rows")
      ->check(CLI::PositiveNumber);
  test->add_flag("-v,--verbose", test_options.verbose, "Print every file with its timing");

  std::string shell_dir;
  auto* shell = app.add_subcommand("shell", "Interactive SQL shell (the default)");
  shell->add_option("--data-dir", shell_dir, "Data directory (default: in-memory)");

  RunOptions run_options;
  std::string run_dir;
  auto* run = app.add_subcommand(
      "run", "Execute a SQL script and print the output of every stream it creates");
  run->add_option("file", run_options.file, "SQL script")->required()->check(CLI::ExistingFile);
  run->add_option("--data-dir", run_dir, "Data directory (default: in-memory)");
  run->add_option("--duration", run_options.duration_seconds,
                  "Stop after SECONDS (default: when stdin closes or Ctrl-C)")
      ->check(CLI::Range(0, 100));

  DemoOptions demo_options;
  auto* demo = app.add_subcommand("demo", "Live market-data streaming demo (what `make run` runs)");
  demo->add_option("--duration", demo_options.duration_seconds, "Seconds to run")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  demo->add_option("--rate", demo_options.rate, "Trades per second")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  auto* bench = app.add_subcommand("bench", "Benchmarks");
  bench->allow_extras();
  bench::NexmarkBenchOptions nexmark_options;
  std::string nexmark_query = "all";
  auto* nexmark = bench->add_subcommand(
      "nexmark", "Nexmark q0-q22 over pre-generated events, with hand-written baselines");
  nexmark->add_option("--query", nexmark_query, "qN, a comma-separated list, or all")
      ->capture_default_str();
  nexmark->add_option("--events", nexmark_options.events, "Events to generate")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  nexmark->add_option("--batch-size", nexmark_options.batch_size, "Events per pushed chunk")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  nexmark->add_option("--threads", nexmark_options.threads, "Generation and engine threads")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  nexmark->add_option("--event-rate", nexmark_options.event_rate, "Event-time density in events/s")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  nexmark->add_option("--seed", nexmark_options.seed, "Generator seed")->capture_default_str();
  nexmark->add_option("--queries-dir", nexmark_options.queries_dir,
                      "Directory of q*.sql (default: bench/nexmark/queries)");
  nexmark->add_flag("--json", nexmark_options.json, "Machine-readable output");
  bool no_baseline = false;
  nexmark->add_flag("--no-baseline", no_baseline, "Skip the hand-written C++ loops");
  nexmark
      ->add_option("--warmup", nexmark_options.warmup,
                   "Untimed runs of each query and of its hand-written loop before measuring "
                   "them (a run otherwise pays for memory the queries before it did not need)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (*test) {
    SltRunner runner(opener, test_options, std::cout);
    return runner.RunPaths(test_paths);
  }
  if (*run) {
    auto db = OpenOrReport(opener, run_dir);
    if (!db.ok()) return 1;
    return RunScriptFile(**db, run_options, std::cout, std::cerr);
  }
  if (*demo) {
    auto db = OpenOrReport(opener, "");
    if (!db.ok()) return 1;
    return RunDemo(**db, demo_options, std::cout, std::cerr);
  }
  if (*nexmark) {
    nexmark_options.queries = {nexmark_query};
    nexmark_options.baseline = !no_baseline;
    return bench::RunNexmarkBench(nexmark_options, opener, std::cout, std::cerr);
  }
  if (*bench) {
    std::cerr << "usage: laminardb bench nexmark [--query qN|all] [--events N] [--batch-size B] "
                 "[--threads T] [--json]\n";
    return 2;
  }
  return RunShell(opener, *shell ? shell_dir : std::string());
}

}  // namespace laminar::cli
