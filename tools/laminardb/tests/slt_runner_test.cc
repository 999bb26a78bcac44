#include "slt_runner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/fake_database.h"

namespace laminar::cli {
namespace {

using fake::FakeEnvironment;

constexpr const char* kSetup =
    "statement ok\n"
    "CREATE SOURCE trades (symbol VARCHAR, price DOUBLE, ts TIMESTAMP,\n"
    "  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)\n"
    "\n"
    "statement ok\n"
    "CREATE STREAM echo AS SELECT * FROM trades\n"
    "\n";

struct Run {
  FileResult result;
  std::string output;
};

Run RunSlt(FakeEnvironment& env, const std::string& text, TestOptions options = {}) {
  std::ostringstream out;
  SltRunner runner(env.Opener(), options, out);
  Run r;
  r.result = runner.RunText("t.slt", text);
  r.output = out.str();
  return r;
}

TEST(SltRunnerTest, PassingFile) {
  FakeEnvironment env;
  auto r = RunSlt(env, std::string(kSetup) +
                           "statement ok\n"
                           "INSERT INTO trades VALUES ('A', 10.0, '2024-01-01 00:00:05'), "
                           "('B', 12.5, '2024-01-01 00:00:40')\n"
                           "\n"
                           "poll echo TRT\n"
                           "----\n"
                           "A\t10\t2024-01-01 00:00:05\n"
                           "B\t12.50\t2024-01-01 00:00:40\n"
                           "\n"
                           "# nothing new since the previous poll\n"
                           "poll echo TRT\n"
                           "----\n"
                           "\n"
                           "query TRT rowsort\n"
                           "SELECT * FROM trades\n"
                           "----\n"
                           "B\t12.5\t2024-01-01 00:00:40\n"
                           "A\t10.0\t2024-01-01 00:00:05\n"
                           "\n"
                           "statement error\n"
                           "CREATE SOURCE trades (x BIGINT)\n"
                           "----\n"
                           "already exists\n"
                           "\n"
                           "advance-watermark trades 2024-01-01 00:01:00\n"
                           "\n"
                           "checkpoint\n");
  EXPECT_TRUE(r.result.passed()) << r.output;
  EXPECT_EQ(r.result.records_run, 9);
  EXPECT_EQ(r.result.records_failed, 0);
  EXPECT_EQ(r.output, "");
  // The fresh data dir was used in sync WAL mode and removed afterwards.
  auto dirs = env.opened_dirs();
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_FALSE(dirs[0].empty());
  EXPECT_FALSE(std::filesystem::exists(dirs[0]));
  auto disk = env.Disk(dirs[0]);
  EXPECT_EQ(disk->sources["trades"].watermark, 1704067260000000);
  EXPECT_EQ(disk->checkpoints, 1);
  EXPECT_GE(disk->syncs, 8);
}

TEST(SltRunnerTest, WrongResultIsReportedWithFileLineSqlAndDiff) {
  FakeEnvironment env;
  auto r = RunSlt(env, std::string(kSetup) +
                           "statement ok\n"
                           "INSERT INTO trades VALUES ('A', 10.0, '2024-01-01 00:00:05')\n"
                           "\n"
                           "query TRT\n"
                           "SELECT * FROM trades\n"
                           "----\n"
                           "A\t11\t2024-01-01 00:00:05\n"
                           "\n"
                           "poll echo TRT\n"
                           "----\n"
                           "A\t10\t2024-01-01 00:00:05\n");
  EXPECT_FALSE(r.result.passed());
  EXPECT_EQ(r.result.records_failed, 1);
  EXPECT_NE(r.output.find("FAILED t.slt:11: query TRT"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  | SELECT * FROM trades"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("! A  11"), std::string::npos) << r.output;
  // The record after the failure still ran (and passed).
  EXPECT_EQ(r.result.records_run, 5);
}

TEST(SltRunnerTest, StatementFailuresAndErrorMismatch) {
  FakeEnvironment env;
  auto r = RunSlt(env,
                  "statement ok\n"
                  "FAIL boom\n"
                  "\n"
                  "statement error\n"
                  "FAIL something else\n"
                  "----\n"
                  "must be positive\n"
                  "\n"
                  "statement error\n"
                  "CREATE SOURCE s (a BIGINT)\n"
                  "\n"
                  "statement error\n"
                  "FAIL window size must be positive\n"
                  "----\n"
                  "must be positive\n");
  EXPECT_EQ(r.result.records_failed, 3);
  EXPECT_NE(r.output.find("FAILED t.slt:1: statement ok"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("error: [LDB-0005] boom"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("FAILED t.slt:4: statement error"), std::string::npos);
  EXPECT_NE(r.output.find("actual error:                 [LDB-0005] something else"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("FAILED t.slt:9: statement error"), std::string::npos);
  EXPECT_NE(r.output.find("but the statement succeeded"), std::string::npos);
  EXPECT_EQ(r.output.find("t.slt:12"), std::string::npos) << r.output;
}

TEST(SltRunnerTest, MalformedRecordsAreFailuresNotCrashes) {
  FakeEnvironment env;
  auto r = RunSlt(env,
                  "query Q\nSELECT 1\n----\n1\n\n"
                  "frobnicate\n\n"
                  "advance-watermark nope 2024-01-01\n\n"
                  "advance-watermark nope not-a-time\n\n"
                  "poll missing I\n----\n");
  EXPECT_EQ(r.result.records_failed, 5);
  EXPECT_NE(r.output.find("FAILED t.slt:1: query Q"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("FAILED t.slt:6: frobnicate"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown record type 'frobnicate'"), std::string::npos);
  EXPECT_NE(r.output.find("source 'nope' not found"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("invalid timestamp 'not-a-time'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no stream or materialized view 'missing'"), std::string::npos)
      << r.output;
}

TEST(SltRunnerTest, RestartShutsDownAndCrashDoesNotAndOutputsAreResubscribed) {
  FakeEnvironment env;
  auto r = RunSlt(env, std::string(kSetup) +
                           "restart\n\n"
                           "statement ok\n"
                           "INSERT INTO trades VALUES ('A', 1, '2024-01-01 00:00:01')\n\n"
                           "poll echo TRT\n----\nA\t1\t2024-01-01 00:00:01\n\n"
                           "crash\n\n"
                           "statement ok\n"
                           "INSERT INTO trades VALUES ('B', 2, '2024-01-01 00:00:02')\n\n"
                           "poll echo TRT\n----\nB\t2\t2024-01-01 00:00:02\n\n"
                           "query TRT\nSELECT * FROM trades\n----\n"
                           "A\t1\t2024-01-01 00:00:01\nB\t2\t2024-01-01 00:00:02\n");
  EXPECT_TRUE(r.result.passed()) << r.output;
  auto dirs = env.opened_dirs();
  ASSERT_EQ(dirs.size(), 3u);
  EXPECT_EQ(dirs[0], dirs[1]);
  EXPECT_EQ(dirs[1], dirs[2]);
  auto disk = env.Disk(dirs[0]);
  EXPECT_EQ(disk->opens, 3);
  // One Shutdown for `restart`, none for `crash`, one at the end of the file.
  EXPECT_EQ(disk->shutdowns, 2);
}

TEST(SltRunnerTest, BatchSizeSplitsInserts) {
  FakeEnvironment env;
  const std::string text = std::string(kSetup) +
                           "statement ok\n"
                           "INSERT INTO trades VALUES ('A', 1, '2024-01-01 00:00:01'),\n"
                           "  ('B', 2, '2024-01-01 00:00:02'), ('C', 3, '2024-01-01 00:00:03')\n"
                           "\n"
                           "poll echo TRT\n----\n"
                           "A\t1\t2024-01-01 00:00:01\nB\t2\t2024-01-01 00:00:02\n"
                           "C\t3\t2024-01-01 00:00:03\n";
  TestOptions options;
  options.batch_size = 1;
  auto r = RunSlt(env, text, options);
  EXPECT_TRUE(r.result.passed()) << r.output;
  auto disk = env.Disk(env.opened_dirs().at(0));
  EXPECT_EQ(disk->sources["trades"].rows.size(), 3u);  // three batches of one row
  int inserts = 0;
  for (const auto& s : disk->executed) inserts += s.rfind("INSERT", 0) == 0;
  EXPECT_EQ(inserts, 3);

  FakeEnvironment env2;
  auto r2 = RunSlt(env2, text);
  EXPECT_TRUE(r2.result.passed()) << r2.output;
  EXPECT_EQ(env2.Disk(env2.opened_dirs().at(0))->sources["trades"].rows.size(), 1u);
}

TEST(SltRunnerTest, SkipHaltAndRequire) {
  FakeEnvironment env;
  auto r = RunSlt(env,
                  "mode skip\n\nstatement ok\nFAIL skipped\n\nmode unskip\n\n"
                  "hash-threshold 10\n\n"
                  "statement ok\nCREATE SOURCE s (a BIGINT)\n\n"
                  "halt\n\nstatement ok\nFAIL after halt\n");
  EXPECT_TRUE(r.result.passed()) << r.output;
  EXPECT_EQ(r.result.records_skipped, 1);
  EXPECT_EQ(r.result.records_run, 1);

  auto req = RunSlt(env, "require original-batches\n\nstatement ok\nCREATE SOURCE s (a BIGINT)\n");
  EXPECT_TRUE(req.result.passed());
  TestOptions batch1;
  batch1.batch_size = 1;
  auto skipped = RunSlt(env, "require original-batches\n\nstatement ok\nFAIL x\n", batch1);
  EXPECT_TRUE(skipped.result.skipped);
  auto unknown = RunSlt(env, "require parquet\n\nstatement ok\nFAIL x\n");
  EXPECT_TRUE(unknown.result.skipped);
  EXPECT_EQ(unknown.result.skip_reason, "requires 'parquet'");
}

TEST(SltRunnerTest, DroppedStreamIsForgottenAndRecreatedOneResubscribed) {
  FakeEnvironment env;
  auto r = RunSlt(env, std::string(kSetup) +
                           "statement ok\nDROP STREAM echo\n\n"
                           "statement ok\nCREATE STREAM echo AS SELECT * FROM trades\n\n"
                           "statement ok\n"
                           "INSERT INTO trades VALUES ('A', 1, '2024-01-01 00:00:01')\n\n"
                           "poll echo TRT\n----\nA\t1\t2024-01-01 00:00:01\n");
  EXPECT_TRUE(r.result.passed()) << r.output;
}

TEST(SltRunnerTest, RunPathsPrintsSummaryAsLastLine) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "laminardb_cli_test_paths";
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "a.slt") << kSetup;
  std::ofstream(dir / "sub" / "b.slt") << "statement ok\nFAIL no\n";
  std::ofstream(dir / "ignored.txt") << "statement ok\nFAIL no\n";
  FakeEnvironment env;
  std::ostringstream out;
  TestOptions options;
  options.verbose = true;
  SltRunner runner(env.Opener(), options, out);
  int code = runner.RunPaths({dir.string(), (dir / "missing.slt").string()});
  EXPECT_EQ(code, 1);
  const std::string text = out.str();
  EXPECT_TRUE(text.size() > 20 && text.substr(text.size() - 19) == "1 passed, 2 failed\n") << text;
  EXPECT_NE(text.find("PASS " + (dir / "a.slt").string()), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL " + (dir / "sub" / "b.slt").string()), std::string::npos) << text;
  EXPECT_NE(text.find("missing.slt: no such file"), std::string::npos) << text;

  std::ostringstream out2;
  SltRunner runner2(env.Opener(), {}, out2);
  EXPECT_EQ(runner2.RunPaths({(dir / "a.slt").string()}), 0);
  EXPECT_EQ(out2.str(), "1 passed, 0 failed\n");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace laminar::cli
