// libFuzzer target for the SQL front end past the parser: every query that parses is bound
// against a fixed catalog (ad-hoc and streaming), rewritten by the planner, and — when small
// enough — run by the batch executor over three-row tables. Any input must end in a plan or a
// Status: never a crash, an assert or a hang. The optimized plan must produce the same rows as
// the bound one (the planner's rewrites preserve results).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "execution/batch_executor.h"
#include "sql/binder/binder.h"
#include "sql/parser/parser.h"
#include "sql/planner/planner.h"

namespace {

using laminar::columnar::Scalar;
namespace columnar = laminar::columnar;
namespace sql = laminar::sql;

class FuzzCatalog : public sql::CatalogView {
 public:
  FuzzCatalog() {
    Add("t", sql::RelationInfo::Kind::kTable,
        {{"a", columnar::int32()},
         {"b", columnar::utf8()},
         {"c", columnar::float64()},
         {"ts", columnar::timestamp()}},
        {{Scalar::Int32(1), Scalar::String("x"), Scalar::Float64(1.5), Scalar::Timestamp(0)},
         {Scalar::Int32(2), Scalar::Null(columnar::utf8()), Scalar::Float64(-2.0),
          Scalar::Timestamp(60000000)},
         {Scalar::Null(columnar::int32()), Scalar::String("y"), Scalar::Float64(0.0),
          Scalar::Null(columnar::timestamp())}});
    Add("u", sql::RelationInfo::Kind::kTable, {{"a", columnar::int32()}, {"d", columnar::int64()}},
        {{Scalar::Int32(2), Scalar::Int64(20)},
         {Scalar::Int32(2), Scalar::Int64(21)},
         {Scalar::Null(columnar::int32()), Scalar::Int64(0)}});
    Add("s", sql::RelationInfo::Kind::kSource,
        {{"a", columnar::int32()}, {"b", columnar::utf8()}, {"ts", columnar::timestamp()}},
        {{Scalar::Int32(1), Scalar::String("x"), Scalar::Timestamp(1000)},
         {Scalar::Int32(3), Scalar::String("z"), Scalar::Timestamp(2000)},
         {Scalar::Int32(3), Scalar::String("z"), Scalar::Timestamp(2000)}});
    relations_["s"].watermark_column = 2;
    relations_["s"].has_watermark = true;
  }

  const sql::RelationInfo* FindRelation(std::string_view name) const override {
    auto it = relations_.find(std::string(name));
    return it == relations_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> RelationNames() const override { return {"t", "u", "s"}; }

  laminar::Result<std::vector<columnar::RecordBatchPtr>> Scan(const std::string& name) const {
    auto it = data_.find(name);
    if (it == data_.end()) return laminar::Status::NotFound("no relation " + name);
    return std::vector<columnar::RecordBatchPtr>{it->second};
  }

 private:
  void Add(const std::string& name, sql::RelationInfo::Kind kind,
           std::vector<std::pair<std::string, columnar::DataTypePtr>> cols,
           std::vector<std::vector<Scalar>> rows) {
    std::vector<columnar::FieldPtr> fields;
    for (auto& [n, ty] : cols) fields.push_back(std::make_shared<columnar::Field>(n, ty));
    auto schema = std::make_shared<columnar::Schema>(fields);
    sql::RelationInfo info;
    info.name = name;
    info.kind = kind;
    info.schema = schema;
    relations_[name] = info;
    std::vector<columnar::ArrayPtr> arrays;
    for (size_t c = 0; c < cols.size(); ++c) {
      std::vector<Scalar> values;
      for (const auto& r : rows) values.push_back(r[c]);
      arrays.push_back(*columnar::ArrayFromScalars(cols[c].second, values));
    }
    data_[name] = std::make_shared<const columnar::RecordBatch>(
        schema, static_cast<int64_t>(rows.size()), std::move(arrays));
  }

  std::map<std::string, sql::RelationInfo> relations_;
  std::map<std::string, columnar::RecordBatchPtr> data_;
};

// Plans with many joins or subqueries can multiply three-row inputs into huge intermediate
// results; only small plans are executed.
int Weight(const sql::PlanNode& n) {
  int w = (n.kind == sql::PlanKind::kJoin || n.kind == sql::PlanKind::kApply ||
           n.kind == sql::PlanKind::kSubqueries || n.kind == sql::PlanKind::kWindow)
              ? 1
              : 0;
  for (const auto& in : n.inputs) w += Weight(*in);
  return w;
}

std::vector<std::string> Rows(const laminar::Result<std::vector<columnar::RecordBatchPtr>>& r) {
  std::vector<std::string> rows;
  for (const auto& b : *r) {
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      std::string row;
      for (int c = 0; c < b->num_columns(); ++c) {
        row += columnar::GetScalar(*b->column(c), i).ToString() + "|";
      }
      rows.push_back(row);
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

void Check(const FuzzCatalog& cat, const sql::Query& q, sql::BindMode mode) {
  auto bound = sql::BindQuery(q, cat, mode);
  if (!bound.ok()) return;
  auto opt = sql::OptimizePlan(bound->plan, mode);
  if (!opt.ok()) return;
  (void)(*opt)->ToString();
  if (mode != sql::BindMode::kAdHoc || Weight(*bound->plan) > 3) return;
  auto scan = [&](const std::string& name) { return cat.Scan(name); };
  auto before = laminar::execution::ExecuteBatchPlan(bound->plan, scan);
  auto after = laminar::execution::ExecuteBatchPlan(*opt, scan);
  if (!before.ok() || !after.ok()) return;  // run-time errors may surface in either order
  // ORDER BY with LIMIT picks rows by position: only compare whole results without LIMIT.
  if (q.limit || q.offset) return;
  if (Rows(before) != Rows(after)) {
    std::fprintf(stderr, "sql_binder_fuzz: optimized plan changed the result\n%s\n--- vs ---\n%s\n",
                 bound->plan->ToString().c_str(), (*opt)->ToString().c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  static const FuzzCatalog* catalog = new FuzzCatalog();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = sql::Parse(text);
  if (!parsed.ok()) return 0;
  for (const auto& stmt : *parsed) {
    const sql::Query* q = nullptr;
    if (stmt->kind == sql::StatementKind::kQuery) {
      q = stmt->As<sql::QueryStmt>().query.get();
    } else if (stmt->kind == sql::StatementKind::kCreateStream) {
      q = stmt->As<sql::CreateStreamStmt>().query.get();
    }
    if (q == nullptr) continue;
    Check(*catalog, *q, sql::BindMode::kAdHoc);
    Check(*catalog, *q, sql::BindMode::kStreaming);
  }
  return 0;
}
