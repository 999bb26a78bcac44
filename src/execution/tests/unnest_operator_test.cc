// UnnestOperator: output rows equal a row-by-row model for input batches of 1, 3 and all rows
// (one list, zipped lists, WITH ORDINALITY, keeping empty rows); changelog weights follow their
// row; upsert keys are rejected; the operator is stateless (empty snapshot, non-empty restore
// image is corruption).

#include "execution/unnest_operator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "columnar/batch_literal.h"
#include "columnar/scalar.h"

namespace laminar::execution {
namespace {

namespace fn = laminar::function;
using columnar::RecordBatchPtr;

constexpr const char* kSchema = "id BIGINT, a BIGINT[], s VARCHAR[]";
constexpr const char* kRows =
    "1, [10, 20], ['x']; 2, NULL, ['y', 'z']; 3, [], NULL; 4, [30], []; 5, NULL, NULL; "
    "6, [40, 50, 60], ['u', 'v', 'w']";

RecordBatchPtr Input() {
  auto b = columnar::BatchFromLiteral(kSchema, kRows);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return *b;
}

// A kUnnest node over the input's list columns `lists` (1 = a, 2 = s).
sql::PlanNode Node(const RecordBatchPtr& in, const std::vector<int>& lists, bool ordinality,
                   bool keep_empty) {
  auto scan = std::make_shared<sql::PlanNode>();
  scan->kind = sql::PlanKind::kScan;
  scan->schema = in->schema();
  sql::PlanNode n;
  n.kind = sql::PlanKind::kUnnest;
  n.inputs = {scan};
  n.unnest_ordinality = ordinality;
  n.unnest_keep_empty = keep_empty;
  std::vector<columnar::FieldPtr> fields = in->schema()->fields();
  for (int c : lists) {
    const auto& f = in->schema()->field(c);
    n.exprs.push_back(fn::ColumnRef(c, f->type, f->name));
    fields.push_back(std::make_shared<columnar::Field>("e" + f->name, f->type->value_type()));
  }
  if (ordinality) fields.push_back(std::make_shared<columnar::Field>("n", columnar::int64()));
  n.schema = std::make_shared<columnar::Schema>(std::move(fields));
  return n;
}

std::vector<std::string> Rows(const std::vector<Delta>& out, bool with_weight) {
  std::vector<std::string> rows;
  for (const auto& d : out) {
    for (int64_t r = 0; r < d.num_rows(); ++r) {
      std::string line;
      for (int c = 0; c < d.batch->num_columns(); ++c) {
        line += (c ? "|" : "") + columnar::GetScalar(*d.batch->column(c), r).ToString();
      }
      if (with_weight) line += " w=" + std::to_string(d.weights[static_cast<size_t>(r)]);
      rows.push_back(line);
    }
  }
  return rows;
}

// Row-by-row model of the same UNNEST (lists zip, NULL pads, NULL/empty lists yield nothing).
std::vector<std::string> Model(const RecordBatchPtr& in, const std::vector<int>& lists,
                               bool ordinality, bool keep_empty) {
  std::vector<std::string> rows;
  for (int64_t r = 0; r < in->num_rows(); ++r) {
    std::vector<columnar::Scalar> values;
    for (int c = 0; c < in->num_columns(); ++c) {
      values.push_back(columnar::GetScalar(*in->column(c), r));
    }
    int64_t n = 0;
    for (int c : lists) {
      const auto& v = values[static_cast<size_t>(c)];
      if (!v.is_null()) n = std::max<int64_t>(n, static_cast<int64_t>(v.children().size()));
    }
    const bool pad_row = n == 0 && keep_empty;
    for (int64_t j = 0; j < (pad_row ? 1 : n); ++j) {
      std::string line;
      for (size_t c = 0; c < values.size(); ++c) line += (c ? "|" : "") + values[c].ToString();
      for (int c : lists) {
        const auto& v = values[static_cast<size_t>(c)];
        const bool has = !v.is_null() && j < static_cast<int64_t>(v.children().size());
        line += "|" + (has ? v.children()[static_cast<size_t>(j)].ToString() : "NULL");
      }
      if (ordinality) line += "|" + (pad_row ? std::string("NULL") : std::to_string(j + 1));
      rows.push_back(line);
    }
  }
  return rows;
}

struct Case {
  std::vector<int> lists;
  bool ordinality;
  bool keep_empty;
};

class UnnestOperatorTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(UnnestOperatorTest, MatchesRowModel) {
  const int64_t batch_size = GetParam();
  auto in = Input();
  for (const Case& c : {Case{{1}, false, false}, Case{{2}, true, false}, Case{{1, 2}, true, false},
                        Case{{1, 2}, false, true}, Case{{2, 1}, true, true}}) {
    auto op = UnnestOperator::Make(Node(in, c.lists, c.ordinality, c.keep_empty));
    ASSERT_TRUE(op.ok()) << op.status().ToString();
    std::vector<Delta> out;
    for (int64_t start = 0; start < in->num_rows(); start += batch_size) {
      std::vector<int32_t> idx;
      for (int64_t r = start; r < std::min(in->num_rows(), start + batch_size); ++r) {
        idx.push_back(static_cast<int32_t>(r));
      }
      Delta d;
      d.batch = columnar::Take(*in, idx);
      ASSERT_TRUE((*op)->Process(d, &out).ok());
    }
    for (const auto& d : out) EXPECT_GT(d.num_rows(), 0);  // no empty deltas
    EXPECT_EQ(Rows(out, false), Model(in, c.lists, c.ordinality, c.keep_empty))
        << "lists " << c.lists.size() << " ordinality " << c.ordinality << " keep_empty "
        << c.keep_empty << " batch " << batch_size;
  }
}

INSTANTIATE_TEST_SUITE_P(BatchSizes, UnnestOperatorTest, ::testing::Values(1, 3, 1024));

TEST(UnnestOperator, WeightsFollowTheirRowsAndKeysAreRejected) {
  auto in = Input();
  auto op = UnnestOperator::Make(Node(in, {1}, false, false));
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  Delta d;
  d.batch = in;
  d.weights = {1, 1, 1, -1, 1, -1};
  std::vector<Delta> out;
  ASSERT_TRUE((*op)->Process(d, &out).ok());
  EXPECT_EQ(Rows(out, true),
            (std::vector<std::string>{"1|[10, 20]|[x]|10 w=1", "1|[10, 20]|[x]|20 w=1",
                                      "4|[30]|[]|30 w=-1", "6|[40, 50, 60]|[u, v, w]|40 w=-1",
                                      "6|[40, 50, 60]|[u, v, w]|50 w=-1",
                                      "6|[40, 50, 60]|[u, v, w]|60 w=-1"}));
  Delta keyed;
  keyed.batch = in;
  keyed.keys.assign(static_cast<size_t>(in->num_rows()), "k");
  EXPECT_FALSE((*op)->Process(keyed, &out).ok());
}

TEST(UnnestOperator, StatelessSnapshot) {
  auto in = Input();
  auto op = UnnestOperator::Make(Node(in, {1}, true, false));
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  std::string image;
  ASSERT_TRUE((*op)->Snapshot(&image).ok());
  EXPECT_TRUE(image.empty());
  EXPECT_TRUE((*op)->Restore("").ok());
  EXPECT_EQ((*op)->Restore("x").code(), StatusCode::kCorruption);
  EXPECT_NE((*op)->Describe().find("WITH ORDINALITY"), std::string::npos);
}

TEST(UnnestOperator, RejectsMismatchedPlan) {
  auto in = Input();
  sql::PlanNode n = Node(in, {1}, false, false);
  n.unnest_ordinality = true;  // schema lacks the ordinality column
  EXPECT_FALSE(UnnestOperator::Make(n).ok());
}

}  // namespace
}  // namespace laminar::execution
