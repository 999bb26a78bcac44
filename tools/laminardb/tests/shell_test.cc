#include "shell.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "demo.h"
#include "run_command.h"
#include "sql_splitter.h"
#include "tests/fake_database.h"

namespace laminar::cli {
namespace {

using fake::FakeEnvironment;

TEST(StatementBufferTest, SplitsOnSemicolonsOutsideQuotesAndComments) {
  auto stmts = SplitStatements(
      "CREATE SOURCE s (a VARCHAR);  -- one; not two\n"
      "INSERT INTO s VALUES ('x;y'), (\"q;\");\n"
      "/* c; */ SELECT 1;\n"
      "-- only a comment;\n"
      "SELECT 2");
  ASSERT_EQ(stmts.size(), 4u);
  EXPECT_EQ(stmts[0], "CREATE SOURCE s (a VARCHAR)");
  EXPECT_EQ(stmts[1], "-- one; not two\nINSERT INTO s VALUES ('x;y'), (\"q;\")");
  EXPECT_EQ(stmts[2], "/* c; */ SELECT 1");
  EXPECT_EQ(stmts[3], "-- only a comment;\nSELECT 2");
}

TEST(StatementBufferTest, ContinuesAcrossLines) {
  StatementBuffer b;
  EXPECT_TRUE(b.IsEmpty());
  b.Append("SELECT 'a;");
  EXPECT_TRUE(b.TakeComplete().empty());
  EXPECT_FALSE(b.IsEmpty());
  b.Append("b' FROM t");
  EXPECT_TRUE(b.TakeComplete().empty());
  b.Append(";  SELECT");
  auto stmts = b.TakeComplete();
  ASSERT_EQ(stmts.size(), 1u);
  EXPECT_EQ(stmts[0], "SELECT 'a;\nb' FROM t");
  EXPECT_FALSE(b.IsEmpty());
  EXPECT_EQ(b.TakeRest(), "SELECT");
  EXPECT_TRUE(b.IsEmpty());
  b.Append("-- just a comment");
  EXPECT_TRUE(b.IsEmpty());
}

struct ShellRun {
  int code;
  std::string out;
  std::string err;
};

ShellRun RunShellInput(Database& db, const std::string& input, ShellOptions options = {}) {
  std::istringstream in(input);
  std::ostringstream out, err;
  auto reader = MakeStreamLineReader(in);
  Shell shell(db, out, err, options);
  int code = shell.Run(*reader, /*interactive=*/false);
  return {code, out.str(), err.str()};
}

std::unique_ptr<Database> OpenFake(FakeEnvironment& env) {
  auto db = env.Opener()(Options{});
  EXPECT_TRUE(db.ok());
  return std::move(db).ValueOrDie();
}

TEST(ShellTest, MultiLineStatementsAndTables) {
  FakeEnvironment env;
  auto db = OpenFake(env);
  auto r = RunShellInput(*db,
                         "CREATE SOURCE s (sym VARCHAR,\n"
                         "  px DOUBLE);\n"
                         "INSERT INTO s VALUES ('A', 1.5), ('B', 2);\n"
                         "SELECT * FROM s;\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("│ sym"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1.5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 rows"), std::string::npos) << r.out;
}

TEST(ShellTest, ErrorsMakeTheExitCodeNonZeroButLaterStatementsRun) {
  FakeEnvironment env;
  auto db = OpenFake(env);
  auto r = RunShellInput(*db, "FAIL nope;\nCREATE SOURCE s (a BIGINT);\n.sources\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("Error: [LDB-0005] nope"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "s\n");
}

TEST(ShellTest, LastStatementWithoutSemicolonRunsAtEof) {
  FakeEnvironment env;
  auto db = OpenFake(env);
  auto r = RunShellInput(*db, "CREATE SOURCE s (a BIGINT);\nSELECT * FROM s");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("0 rows"), std::string::npos) << r.out;
}

TEST(ShellTest, DotCommands) {
  FakeEnvironment env;
  auto db = OpenFake(env);
  auto r = RunShellInput(*db,
                         ".help\n"
                         "CREATE SOURCE s (a BIGINT, b VARCHAR);\n"
                         "CREATE STREAM e AS SELECT * FROM s;\n"
                         ".streams\n"
                         ".schema s\n"
                         ".schema e\n"
                         ".mode csv\n"
                         "INSERT INTO s VALUES (1, 'x');\n"
                         "SELECT * FROM s;\n"
                         ".mode json\n"
                         "SELECT * FROM s;\n"
                         ".timer on\n"
                         "SELECT * FROM s;\n"
                         ".mode nonsense\n"
                         ".frob\n"
                         ".quit\n"
                         "FAIL never runs;\n");
  EXPECT_EQ(r.code, 1);  // .mode nonsense and .frob
  EXPECT_NE(r.out.find(".read FILE"), std::string::npos);
  EXPECT_NE(r.out.find("\ne\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CREATE SOURCE s (\n  a BIGINT,\n  b VARCHAR\n);"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("CREATE STREAM e AS SELECT * FROM s;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a,b\n1,x\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("{\"a\":1,\"b\":\"x\"}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Run Time: "), std::string::npos) << r.out;
  EXPECT_NE(r.err.find(".mode takes"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown command '.frob'"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("never runs"), std::string::npos) << r.err;
}

TEST(ShellTest, ReadFile) {
  namespace fs = std::filesystem;
  fs::path file = fs::temp_directory_path() / "laminardb_shell_test_read.sql";
  std::ofstream(file) << "CREATE SOURCE s (a BIGINT);\nINSERT INTO s VALUES (7)";
  FakeEnvironment env;
  auto db = OpenFake(env);
  auto r =
      RunShellInput(*db, ".read " + file.string() + "\nSELECT * FROM s;\n.read /nonexistent\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("      7 │"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("cannot open '/nonexistent'"), std::string::npos);
  fs::remove(file);
}

TEST(ShellTest, SubscribeStreamsBatches) {
  FakeEnvironment env;
  auto db = OpenFake(env);
  ASSERT_TRUE(db->Execute("CREATE SOURCE s (a BIGINT)").ok());
  ASSERT_TRUE(db->Execute("CREATE STREAM e AS SELECT * FROM s").ok());
  std::thread pusher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(db->Execute("INSERT INTO s VALUES (41), (42)").ok());
  });
  ShellOptions options;
  options.subscribe_idle_timeout = std::chrono::milliseconds(400);
  auto r = RunShellInput(*db, "SUBSCRIBE e;\nSUBSCRIBE nope;\n", options);
  pusher.join();
  EXPECT_EQ(r.code, 1);  // the second SUBSCRIBE fails
  EXPECT_NE(r.out.find("42"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("'nope' not found"), std::string::npos) << r.err;
}

TEST(RunCommandTest, ExecutesScriptAndPrintsOutputs) {
  namespace fs = std::filesystem;
  fs::path file = fs::temp_directory_path() / "laminardb_run_test.sql";
  std::ofstream(file) << "CREATE SOURCE s (a BIGINT);\n"
                         "CREATE STREAM echo AS SELECT * FROM s;\n"
                         "INSERT INTO s VALUES (5), (6);\n";
  FakeEnvironment env;
  auto db = OpenFake(env);
  RunOptions options;
  options.file = file.string();
  options.duration_seconds = 0.1;
  std::ostringstream out, err;
  EXPECT_EQ(RunScriptFile(*db, options, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("echo:\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("      6 │"), std::string::npos) << out.str();

  std::ofstream(file) << "CREATE SOURCE s (a BIGINT);\nFAIL broken;\n";
  auto db2 = OpenFake(env);
  std::ostringstream out2, err2;
  EXPECT_EQ(RunScriptFile(*db2, options, out2, err2), 1);
  EXPECT_NE(err2.str().find("Error in statement 2"), std::string::npos) << err2.str();
  fs::remove(file);
}

TEST(DemoTest, RunsAgainstAPassThroughDatabase) {
  FakeEnvironment env;
  auto db = OpenFake(env);
  DemoOptions options;
  options.duration_seconds = 1.2;
  options.rate = 2000;
  std::ostringstream out, err;
  EXPECT_EQ(RunDemo(*db, options, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("Summary: "), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("ohlc_1s"), std::string::npos);
  EXPECT_EQ(db->OutputNames().size(), 3u);
}

TEST(DemoTest, FailingStatementExitsWithOne) {
  FakeEnvironment env;
  auto db = OpenFake(env);
  ASSERT_TRUE(db->Execute("CREATE SOURCE trades (x BIGINT)").ok());
  std::ostringstream out, err;
  EXPECT_EQ(RunDemo(*db, {}, out, err), 1);
  EXPECT_NE(err.str().find("already exists"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace laminar::cli
