#include "cli.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/fake_database.h"

namespace laminar::cli {
namespace {

int Cli(std::vector<std::string> args, const DatabaseOpener& opener) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return RunCli(static_cast<int>(argv.size()), argv.data(), opener);
}

TEST(CliTest, TestSubcommandExitCodes) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "laminardb_cli_test_cmd";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "ok.slt") << "statement ok\nCREATE SOURCE s (a BIGINT)\n";
  fake::FakeEnvironment env;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(Cli({"laminardb", "test", dir.string(), "--batch-size", "1", "-v"}, env.Opener()), 0);
  std::ofstream(dir / "bad.slt") << "statement ok\nFAIL x\n";
  EXPECT_EQ(Cli({"laminardb", "test", dir.string()}, env.Opener()), 1);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("1 passed, 0 failed\n"), std::string::npos) << out;
  EXPECT_NE(out.find("1 passed, 1 failed\n"), std::string::npos) << out;
  fs::remove_all(dir);
}

TEST(CliTest, BenchStubAndBadArguments) {
  fake::FakeEnvironment env;
  // `bench` without a benchmark name prints the usage of `bench nexmark` and exits with 2.
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(Cli({"laminardb", "bench", "--whatever"}, env.Opener()), 2);
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("bench nexmark"), std::string::npos);
  ::testing::internal::CaptureStderr();
  EXPECT_NE(Cli({"laminardb", "test"}, env.Opener()), 0);
  EXPECT_NE(Cli({"laminardb", "test", "x", "--batch-size", "0"}, env.Opener()), 0);
  EXPECT_NE(Cli({"laminardb", "frobnicate"}, env.Opener()), 0);
  ::testing::internal::GetCapturedStderr();
}

TEST(CliTest, Version) {
  fake::FakeEnvironment env;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(Cli({"laminardb", "--version"}, env.Opener()), 0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "laminardb 0.1.0\n");
}

}  // namespace
}  // namespace laminar::cli
