// Front-end cost of a typical windowed CREATE STREAM: parse, parse + bind, and parse + bind +
// plan (the rewrite rules), in microseconds per statement. The parse-only figure is the
// baseline the binder and planner add to; an ad-hoc join query exercises push-down.
#include <benchmark/benchmark.h>

#include <map>
#include <string>

#include "sql/binder/binder.h"
#include "sql/parser/parser.h"
#include "sql/planner/planner.h"

namespace {

using laminar::sql::BindMode;
using laminar::sql::RelationInfo;

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
    "EMIT ON WINDOW CLOSE";

const std::string kAdHocJoin =
    "SELECT t.symbol, n.full_name, t.price * t.volume AS notional\n"
    "FROM trades t JOIN names n ON t.symbol = n.symbol\n"
    "WHERE t.price > 10 AND n.exchange = 'XNAS' AND t.volume > 100";

class BenchCatalog : public laminar::sql::CatalogView {
 public:
  BenchCatalog() {
    using laminar::columnar::Field;
    namespace c = laminar::columnar;
    RelationInfo trades;
    trades.name = "trades";
    trades.schema = std::make_shared<c::Schema>(
        std::vector<c::FieldPtr>{std::make_shared<Field>("symbol", c::utf8()),
                                 std::make_shared<Field>("price", c::float64()),
                                 std::make_shared<Field>("volume", c::int64()),
                                 std::make_shared<Field>("ts", c::timestamp()),
                                 std::make_shared<Field>("venue", c::utf8())});
    trades.watermark_column = 3;
    trades.has_watermark = true;
    relations_["trades"] = trades;
    RelationInfo names;
    names.name = "names";
    names.kind = RelationInfo::Kind::kTable;
    names.schema = std::make_shared<c::Schema>(
        std::vector<c::FieldPtr>{std::make_shared<Field>("symbol", c::utf8()),
                                 std::make_shared<Field>("full_name", c::utf8()),
                                 std::make_shared<Field>("exchange", c::utf8())});
    names.primary_key = {"symbol"};
    relations_["names"] = names;
  }
  const RelationInfo* FindRelation(std::string_view name) const override {
    auto it = relations_.find(std::string(name));
    return it == relations_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> RelationNames() const override { return {"trades", "names"}; }

 private:
  std::map<std::string, RelationInfo> relations_;
};

const laminar::sql::Query& QueryOf(const laminar::sql::Statement& s) {
  if (s.kind == laminar::sql::StatementKind::kCreateStream) {
    return *s.As<laminar::sql::CreateStreamStmt>().query;
  }
  return *s.As<laminar::sql::QueryStmt>().query;
}

// Baseline: parsing alone.
void BM_Parse(benchmark::State& state) {
  for (auto _ : state) {
    auto stmt = laminar::sql::ParseOne(kCreateStream);
    if (!stmt.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(stmt);
  }
}
BENCHMARK(BM_Parse)->Unit(benchmark::kMicrosecond);

// Parse, bind and (with `plan`) optimise `sql` once per iteration. Stops at the first error
// (reported through SkipWithError) instead of reading a failed result.
void RunFrontEnd(benchmark::State& state, const std::string& sql, BindMode mode, bool plan) {
  BenchCatalog cat;
  for (auto _ : state) {
    auto stmt = laminar::sql::ParseOne(sql);
    if (!stmt.ok()) {
      state.SkipWithError("parse failed");
      break;
    }
    auto bound = laminar::sql::BindQuery(QueryOf(**stmt), cat, mode);
    if (!bound.ok()) {
      state.SkipWithError(bound.status().ToString().c_str());
      break;
    }
    if (!plan) {
      benchmark::DoNotOptimize(bound);
      continue;
    }
    auto optimized = laminar::sql::OptimizePlan(bound->plan, mode);
    if (!optimized.ok()) {
      state.SkipWithError("plan failed");
      break;
    }
    benchmark::DoNotOptimize(optimized);
  }
}

void BM_ParseBind(benchmark::State& state) {
  RunFrontEnd(state, kCreateStream, BindMode::kStreaming, /*plan=*/false);
}
BENCHMARK(BM_ParseBind)->Unit(benchmark::kMicrosecond);

void BM_ParseBindPlan(benchmark::State& state) {
  RunFrontEnd(state, kCreateStream, BindMode::kStreaming, /*plan=*/true);
}
BENCHMARK(BM_ParseBindPlan)->Unit(benchmark::kMicrosecond);

void BM_ParseBindPlanAdHocJoin(benchmark::State& state) {
  RunFrontEnd(state, kAdHocJoin, BindMode::kAdHoc, /*plan=*/true);
}
BENCHMARK(BM_ParseBindPlanAdHocJoin)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
