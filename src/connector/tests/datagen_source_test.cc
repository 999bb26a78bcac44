#include "connector/generator/datagen_source.h"

#include <gtest/gtest.h>

#include "columnar/record_batch.h"
#include "columnar/scalar.h"
#include "connector/source.h"

namespace laminar::connector {
namespace {

using columnar::RecordBatchPtr;

columnar::SchemaPtr Schema(const char* text) { return columnar::ParseSchema(text).ValueOrDie(); }

std::vector<RecordBatchPtr> Drain(SourceConnector& src, int64_t max_rows, int limit = 100000) {
  std::vector<RecordBatchPtr> out;
  for (int i = 0; i < limit; ++i) {
    auto b = src.NextBatch(max_rows).ValueOrDie();
    if (!b) break;
    out.push_back(b);
  }
  return out;
}

TEST(DatagenSourceTest, SequenceAndRandomBounds) {
  auto src = DatagenSource::Make({{"rows.per.second", "0"},
                                  {"max.rows", "1000"},
                                  {"fields.id.kind", "sequence"},
                                  {"fields.id.start", "7"},
                                  {"fields.v.min", "-5"},
                                  {"fields.v.max", "5"},
                                  {"fields.s.length", "4"},
                                  {"fields.d.min", "2.5"},
                                  {"fields.d.max", "3.5"}},
                                 Schema("id BIGINT, v INT, s VARCHAR, d DOUBLE, ts TIMESTAMP"))
                 .ValueOrDie();
  auto all = columnar::Concatenate(Drain(*src, 300)).ValueOrDie();
  ASSERT_EQ(all->num_rows(), 1000);
  EXPECT_EQ(src->rows_emitted(), 1000);
  const int64_t* id = all->column(0)->values<int64_t>();
  const int32_t* v = all->column(1)->values<int32_t>();
  const double* d = all->column(3)->values<double>();
  const int64_t* ts = all->column(4)->values<int64_t>();
  bool saw_min = false, saw_max = false;
  for (int64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(id[i], 7 + i);
    ASSERT_GE(v[i], -5);
    ASSERT_LE(v[i], 5);
    saw_min |= v[i] == -5;
    saw_max |= v[i] == 5;
    ASSERT_EQ(all->column(2)->GetView(i).size(), 4u);
    ASSERT_GE(d[i], 2.5);
    ASSERT_LE(d[i], 3.5);
    if (i > 0) {
      EXPECT_GT(ts[i], ts[i - 1]);  // rowtime: base + row * 1 ms (unpaced)
    }
  }
  EXPECT_TRUE(saw_min && saw_max);
}

TEST(DatagenSourceTest, ReproducibleAcrossBatchSizes) {
  const auto schema = Schema("a BIGINT, b VARCHAR, c BOOLEAN, e DATE, f DECIMAL(10,2)");
  ConnectorOptions o = {
      {"rows.per.second", "0"}, {"max.rows", "500"}, {"seed", "9"}, {"fields.a.null.rate", "0.1"}};
  auto x = DatagenSource::Make(o, schema).ValueOrDie();
  auto y = DatagenSource::Make(o, schema).ValueOrDie();
  auto bx = columnar::Concatenate(Drain(*x, 500)).ValueOrDie();
  auto by = columnar::Concatenate(Drain(*y, 7)).ValueOrDie();
  ASSERT_EQ(bx->num_rows(), 500);
  ASSERT_EQ(by->num_rows(), 500);
  int64_t nulls = 0;
  for (int64_t r = 0; r < 500; ++r) {
    for (int c = 0; c < 5; ++c) {
      ASSERT_EQ(columnar::GetScalar(*bx->column(c), r).ToString(),
                columnar::GetScalar(*by->column(c), r).ToString());
    }
    nulls += bx->column(0)->IsNull(r) ? 1 : 0;
  }
  EXPECT_GT(nulls, 20);
  EXPECT_LT(nulls, 90);
}

TEST(DatagenSourceTest, BoundedSequenceEndsTheSource) {
  auto src = DatagenSource::Make({{"rows.per.second", "0"},
                                  {"fields.k.kind", "sequence"},
                                  {"fields.k.start", "1"},
                                  {"fields.k.end", "10"}},
                                 Schema("k INT"))
                 .ValueOrDie();
  auto all = Drain(*src, 4);
  int64_t rows = 0;
  for (auto& b : all) rows += b->num_rows();
  EXPECT_EQ(rows, 10);
  EXPECT_EQ(src->NextBatch(4).ValueOrDie(), nullptr);
}

TEST(DatagenSourceTest, RateLimitsRows) {
  auto src =
      DatagenSource::Make({{"rows.per.second", "1"}, {"batch.max.size", "5"}}, Schema("k BIGINT"))
          .ValueOrDie();
  // The first batch is immediate; right after it, the rate allows nothing more.
  EXPECT_EQ(src->NextBatch(100).ValueOrDie()->num_rows(), 5);
  EXPECT_EQ(src->NextBatch(100).ValueOrDie()->num_rows(), 0);
}

TEST(DatagenSourceTest, BadOptionsNameTheOption) {
  const auto schema = Schema("price BIGINT, name VARCHAR, ts TIMESTAMP");
  auto expect_error = [&](ConnectorOptions o, const std::string& needle) {
    auto r = DatagenSource::Make(o, schema);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().ToString();
  };
  expect_error({{"rows.per.second", "fast"}}, "'rows.per.second'");
  expect_error({{"max.rows", "-3"}}, "'max.rows'");
  expect_error({{"row.per.second", "5"}}, "did you mean 'rows.per.second'");
  expect_error({{"fields.price.kind", "zipf"}}, "'fields.price.kind'");
  expect_error({{"fields.prise.kind", "random"}}, "did you mean 'price'");
  expect_error({{"fields.price.mn", "1"}}, "did you mean 'min'");
  expect_error({{"fields.price.min", "10"}, {"fields.price.max", "1"}}, "'fields.price.min'");
  expect_error({{"fields.price.min", "abc"}}, "'fields.price.min'");
  expect_error({{"fields.name.min", "1"}}, "'fields.name.min'");
  expect_error({{"fields.ts.kind", "sequence"}}, "'fields.ts.kind'");
  expect_error({{"fields.name.null.rate", "2"}}, "'fields.name.null.rate'");
  auto unsupported = DatagenSource::Make({}, Schema("t TIME"));
  ASSERT_FALSE(unsupported.ok());
  EXPECT_NE(unsupported.status().message().find("'t'"), std::string::npos);
  EXPECT_FALSE(DatagenSource::Make({}, nullptr).ok());
}

TEST(DatagenSourceTest, TimestampBoundsAcceptText) {
  auto src = DatagenSource::Make({{"rows.per.second", "0"},
                                  {"max.rows", "200"},
                                  {"fields.ts.kind", "random"},
                                  {"fields.ts.min", "2024-01-01 00:00:00"},
                                  {"fields.ts.max", "2024-01-01 00:00:01"}},
                                 Schema("ts TIMESTAMP"))
                 .ValueOrDie();
  auto b = src->NextBatch(200).ValueOrDie();
  const int64_t lo = ParseTimestamp("2024-01-01 00:00:00").ValueOrDie();
  for (int64_t i = 0; i < b->num_rows(); ++i) {
    ASSERT_GE(b->column(0)->values<int64_t>()[i], lo);
    ASSERT_LE(b->column(0)->values<int64_t>()[i], lo + 1'000'000);
  }
}

}  // namespace
}  // namespace laminar::connector
