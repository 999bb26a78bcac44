// Errors of the SQL forms added with subqueries and set operations: each test asserts the
// LDB code, the position (line, column) and the message text.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "columnar/builder.h"
#include "execution/batch_executor.h"
#include "sql/binder/binder.h"
#include "sql/parser/parser.h"
#include "sql/planner/planner.h"

namespace laminar::sql {
namespace {

using columnar::Field;

class ErrorCatalog : public CatalogView {
 public:
  ErrorCatalog() {
    Add("t", RelationInfo::Kind::kTable, {{"a", columnar::int32()}, {"b", columnar::utf8()}});
    Add("s", RelationInfo::Kind::kSource,
        {{"a", columnar::int32()}, {"ts", columnar::timestamp()}});
  }
  const RelationInfo* FindRelation(std::string_view name) const override {
    auto it = relations_.find(std::string(name));
    return it == relations_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> RelationNames() const override { return {"t", "s"}; }

 private:
  void Add(const std::string& name, RelationInfo::Kind kind,
           std::vector<std::pair<std::string, columnar::DataTypePtr>> cols) {
    std::vector<columnar::FieldPtr> fields;
    for (auto& [n, ty] : cols) fields.push_back(std::make_shared<Field>(n, ty));
    RelationInfo info;
    info.name = name;
    info.kind = kind;
    info.schema = std::make_shared<columnar::Schema>(fields);
    relations_[name] = info;
  }
  std::map<std::string, RelationInfo> relations_;
};

struct BindErrorCase {
  const char* sql;
  BindMode mode;
  ErrorCode code;
  const char* position;  // "(line L, column C)"
  const char* message;
};

class FrontEndErrorTest : public ::testing::TestWithParam<BindErrorCase> {};

TEST_P(FrontEndErrorTest, CodePositionAndMessage) {
  const BindErrorCase& c = GetParam();
  ErrorCatalog cat;
  auto stmt = ParseOne(c.sql);
  ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
  auto bound = BindQuery(*(*stmt)->As<QueryStmt>().query, cat, c.mode, c.sql);
  ASSERT_FALSE(bound.ok()) << c.sql;
  EXPECT_EQ(bound.status().error_code(), c.code) << bound.status().ToString();
  EXPECT_NE(bound.status().message().find(c.position), std::string::npos)
      << bound.status().ToString();
  EXPECT_NE(bound.status().message().find(c.message), std::string::npos)
      << bound.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(
    Subqueries, FrontEndErrorTest,
    ::testing::Values(
        BindErrorCase{"SELECT a FROM s WHERE a IN (SELECT a FROM t)", BindMode::kStreaming,
                      ErrorCode::kSqlUnsupported, "(line 1, column 25)",
                      "IN (SELECT ...) is not supported in a continuous query"},
        BindErrorCase{"SELECT a FROM s\nWHERE EXISTS (SELECT 1 FROM t)", BindMode::kStreaming,
                      ErrorCode::kSqlUnsupported, "(line 2, column 7)",
                      "EXISTS (SELECT ...) is not supported in a continuous query"},
        BindErrorCase{"SELECT a + (SELECT MAX(a) FROM t) FROM s", BindMode::kStreaming,
                      ErrorCode::kSqlUnsupported, "(line 1, column 12)",
                      "a scalar subquery (SELECT ...) is not supported in a continuous query"},
        BindErrorCase{"SELECT a FROM t WHERE a IN (SELECT a, b FROM t)", BindMode::kAdHoc,
                      ErrorCode::kPlanningFailed, "(line 1, column 25)",
                      "IN (SELECT ...) must return exactly one column, but returns 2"},
        BindErrorCase{"SELECT (SELECT a, b FROM t)", BindMode::kAdHoc, ErrorCode::kPlanningFailed,
                      "(line 1, column 8)",
                      "a scalar subquery (SELECT ...) must return exactly one column"},
        BindErrorCase{"SELECT a FROM t WHERE a IN (SELECT b FROM t)", BindMode::kAdHoc,
                      ErrorCode::kTypeMismatch, "(line 1, column 25)",
                      "IN (SELECT ...) compares INT with a subquery column of type VARCHAR"},
        BindErrorCase{"SELECT b, COUNT(*) FROM t x GROUP BY b\nHAVING COUNT(*) > (SELECT COUNT(*) "
                      "FROM t y WHERE y.b = x.b)",
                      BindMode::kAdHoc, ErrorCode::kSqlUnsupported, "(line 2, column 19)",
                      "correlated a scalar subquery (SELECT ...) is only supported in WHERE"},
        BindErrorCase{"SELECT a FROM t x WHERE EXISTS (SELECT 1 FROM t y WHERE EXISTS (SELECT 1 "
                      "FROM t z WHERE z.a = x.a))",
                      BindMode::kAdHoc, ErrorCode::kSqlUnsupported, "(line 1, column 95)",
                      "column 'x.a' belongs to a query two or more levels out"},
        BindErrorCase{"SELECT a FROM s INTERSECT SELECT a FROM t", BindMode::kStreaming,
                      ErrorCode::kSqlUnsupported, "(line 1, column 17)",
                      "INTERSECT is not supported in a continuous query"},
        BindErrorCase{"SELECT a, b FROM t EXCEPT SELECT a FROM t", BindMode::kAdHoc,
                      ErrorCode::kPlanningFailed, "(line 1, column 20)",
                      "EXCEPT inputs have 2 and 1 columns"}));

TEST(FrontEndErrorTest, ScalarSubqueryWithTwoRowsFailsAtRunTime) {
  ErrorCatalog cat;
  const char* sql = "SELECT (SELECT a FROM t)";
  auto stmt = ParseOne(sql);
  ASSERT_TRUE(stmt.ok());
  auto bound = BindQuery(*(*stmt)->As<QueryStmt>().query, cat, BindMode::kAdHoc, sql);
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  auto plan = OptimizePlan(bound->plan, BindMode::kAdHoc);
  ASSERT_TRUE(plan.ok());
  auto two_rows = [](const std::string&) -> Result<std::vector<columnar::RecordBatchPtr>> {
    auto schema = std::make_shared<columnar::Schema>(
        std::vector<columnar::FieldPtr>{std::make_shared<Field>("a", columnar::int32()),
                                        std::make_shared<Field>("b", columnar::utf8())});
    std::vector<columnar::ArrayPtr> cols = {
        *columnar::ArrayFromScalars(columnar::int32(),
                                    {columnar::Scalar::Int32(1), columnar::Scalar::Int32(2)}),
        *columnar::ArrayFromScalars(
            columnar::utf8(), {columnar::Scalar::String("x"), columnar::Scalar::String("y")})};
    return std::vector<columnar::RecordBatchPtr>{
        std::make_shared<const columnar::RecordBatch>(schema, 2, cols)};
  };
  auto r = execution::ExecuteBatchPlan(*plan, two_rows);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().error_code(), ErrorCode::kQueryExecutionFailed);
  EXPECT_NE(r.status().message().find("scalar subquery returned 2 rows"), std::string::npos)
      << r.status().ToString();
}

}  // namespace
}  // namespace laminar::sql
