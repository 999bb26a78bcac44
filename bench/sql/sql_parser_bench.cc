// Parse cost of a typical windowed CREATE STREAM, against a baseline that only lexes it (the
// floor any parser built on this lexer can reach) and a hand-written byte loop that classifies
// characters without building tokens.
#include <benchmark/benchmark.h>

#include <string>

#include "sql/parser/lexer.h"
#include "sql/parser/parser.h"

namespace {

const std::string kCreateStream =
    "CREATE STREAM vwap_1m AS\n"
    "SELECT symbol,\n"
    "       TUMBLE_START(ts, INTERVAL '1' MINUTE) AS window_start,\n"
    "       SUM(price * volume) / SUM(volume) AS vwap,\n"
    "       COUNT(*) AS trades,\n"
    "       MAX(price) - MIN(price) AS spread\n"
    "FROM trades\n"
    "WHERE price > 0 AND volume BETWEEN 1 AND 1000000 AND symbol NOT IN ('TEST', 'DUMMY')\n"
    "GROUP BY symbol, TUMBLE(ts, INTERVAL '1' MINUTE)\n"
    "HAVING COUNT(*) > 1\n"
    "EMIT ON WINDOW CLOSE\n"
    "WITH ('retain_history' = '64mb');";

void BM_HandLoopScan(benchmark::State& state) {
  for (auto _ : state) {
    // Counts token starts by character class: the cost of touching every byte once.
    size_t tokens = 0;
    bool in_word = false;
    for (char c : kCreateStream) {
      bool word =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      if (word && !in_word) ++tokens;
      if (!word && c != ' ' && c != '\n') ++tokens;
      in_word = word;
    }
    benchmark::DoNotOptimize(tokens);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kCreateStream.size()));
}
BENCHMARK(BM_HandLoopScan);

void BM_LexOnly(benchmark::State& state) {
  for (auto _ : state) {
    auto tokens = laminar::sql::Tokenize(kCreateStream);
    benchmark::DoNotOptimize(tokens);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kCreateStream.size()));
}
BENCHMARK(BM_LexOnly);

void BM_ParseCreateStream(benchmark::State& state) {
  for (auto _ : state) {
    auto stmts = laminar::sql::Parse(kCreateStream);
    if (!stmts.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(stmts);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kCreateStream.size()));
}
BENCHMARK(BM_ParseCreateStream);

void BM_UnparseCreateStream(benchmark::State& state) {
  auto stmt = laminar::sql::ParseOne(kCreateStream);
  if (!stmt.ok()) {
    state.SkipWithError("parse failed");
    return;
  }
  for (auto _ : state) {
    std::string sql = laminar::sql::ToSql(**stmt);
    benchmark::DoNotOptimize(sql);
  }
}
BENCHMARK(BM_UnparseCreateStream);

void BM_SplitStatements(benchmark::State& state) {
  std::string script;
  for (int i = 0; i < 20; ++i) script += kCreateStream + "\n";
  for (auto _ : state) {
    auto parts = laminar::sql::SplitStatements(script);
    benchmark::DoNotOptimize(parts);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * script.size()));
}
BENCHMARK(BM_SplitStatements);

}  // namespace

BENCHMARK_MAIN();
