#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "columnar/batch_literal.h"
#include "columnar/builder.h"
#include "columnar/min_max.h"
#include "columnar/pretty_print.h"
#include "columnar/record_batch.h"
#include "columnar/scalar.h"

namespace laminar::columnar {
namespace {

TEST(TypeTest, ParseAndPrintTypes) {
  EXPECT_EQ((*ParseTypeName("bigint"))->ToString(), "BIGINT");
  EXPECT_EQ((*ParseTypeName("DECIMAL(10, 2)"))->ToString(), "DECIMAL(10,2)");
  EXPECT_EQ((*ParseTypeName("varchar(20)"))->id(), TypeId::kString);
  EXPECT_EQ((*ParseTypeName("BIGINT[]"))->ToString(), "BIGINT[]");
  EXPECT_EQ((*ParseTypeName("ARRAY<DOUBLE>"))->ToString(), "DOUBLE[]");
  EXPECT_EQ((*ParseTypeName("STRUCT<a INT, b VARCHAR>"))->ToString(), "STRUCT<a INT, b VARCHAR>");
  EXPECT_EQ((*ParseTypeName("double precision"))->id(), TypeId::kFloat64);
  EXPECT_FALSE(ParseTypeName("DECIMAL(50,2)").ok());
  EXPECT_FALSE(ParseTypeName("WIDGET").ok());
  auto schema = *ParseSchema("a BIGINT NOT NULL, b DECIMAL(10,2), c VARCHAR");
  EXPECT_EQ(schema->num_fields(), 3);
  EXPECT_FALSE(schema->field(0)->nullable);
  EXPECT_EQ(schema->GetFieldIndex("C"), 2);
  EXPECT_EQ(schema->GetFieldIndex("zz"), -1);
}

TEST(BuilderTest, NumericWithNulls) {
  FixedWidthBuilder<int64_t> b(int64());
  b.Append(1);
  b.AppendNull();
  b.Append(3);
  auto a = b.Finish();
  EXPECT_EQ(a->length(), 3);
  EXPECT_EQ(a->null_count(), 1);
  EXPECT_TRUE(a->IsNull(1));
  EXPECT_EQ(a->values<int64_t>()[2], 3);
  EXPECT_TRUE(a->Validate().ok());
  // Builder is reusable after Finish.
  b.Append(7);
  auto a2 = b.Finish();
  EXPECT_EQ(a2->length(), 1);
  EXPECT_EQ(a2->null_count(), 0);
  EXPECT_EQ(a2->validity(), nullptr);
}

// The validity bitmap is created at the first NULL and grows with the builder; growing it must
// keep the bits of every earlier element (it once kept only the first 64, so a string column
// with a NULL early on read as NULL from row 64 up to its last growth).
TEST(BuilderTest, ValidityBitsSurviveGrowth) {
  constexpr int64_t kRows = 5000;
  auto is_null_row = [](int64_t i) { return i == 3 || i == 700 || i == 4999; };
  FixedWidthBuilder<int64_t> ints(int64());
  BooleanBuilder bools;
  BinaryBuilder strings(utf8());
  for (int64_t i = 0; i < kRows; ++i) {
    if (is_null_row(i)) {
      ints.AppendNull();
      bools.AppendNull();
      strings.AppendNull();
    } else {
      ints.Append(i);
      bools.Append(i % 2 == 0);
      strings.Append("v" + std::to_string(i));
    }
  }
  // The range path (AppendArraySlice) as well, onto a builder whose bitmap already exists.
  BinaryBuilder appended(utf8());
  appended.AppendNull();
  auto first = strings.Finish();
  appended.AppendArraySlice(*first, 0, kRows);
  auto second = appended.Finish();
  for (const auto& a : {ints.Finish(), bools.Finish(), first}) {
    ASSERT_EQ(a->length(), kRows);
    EXPECT_EQ(a->null_count(), 3);
    for (int64_t i = 0; i < kRows; ++i) ASSERT_EQ(a->IsNull(i), is_null_row(i)) << "row " << i;
  }
  ASSERT_EQ(second->length(), kRows + 1);
  EXPECT_EQ(second->null_count(), 4);
  for (int64_t i = 0; i < kRows; ++i) {
    ASSERT_EQ(second->IsNull(i + 1), is_null_row(i)) << "row " << i;
  }
}

TEST(BuilderTest, StringsAndSlices) {
  BinaryBuilder b(utf8());
  for (int i = 0; i < 100; ++i) {
    if (i % 10 == 0) {
      b.AppendNull();
    } else {
      b.Append("v" + std::to_string(i));
    }
  }
  auto a = b.Finish();
  EXPECT_EQ(a->null_count(), 10);
  auto s = a->Slice(15, 10);
  EXPECT_EQ(s->length(), 10);
  EXPECT_EQ(s->GetView(0), "v15");
  EXPECT_TRUE(s->IsNull(5));
  EXPECT_EQ(s->null_count(), 1);
  EXPECT_TRUE(s->Validate().ok());
}

TEST(BuilderTest, ListsAndStructs) {
  auto lt = list(int64());
  auto la =
      *ArrayFromScalars(lt, {Scalar(lt, std::vector<Scalar>{Scalar::Int64(1), Scalar::Int64(2)}),
                             Scalar::Null(lt), Scalar(lt, std::vector<Scalar>{})});
  EXPECT_EQ(la->length(), 3);
  EXPECT_EQ(GetScalar(*la, 0).ToString(), "[1, 2]");
  EXPECT_EQ(GetScalar(*la, 1).ToString(), "NULL");
  EXPECT_EQ(GetScalar(*la, 2).ToString(), "[]");
  EXPECT_TRUE(la->Validate().ok());
  auto st = struct_({std::make_shared<Field>("a", int64()), std::make_shared<Field>("b", utf8())});
  auto sa = *ArrayFromScalars(
      st,
      {Scalar(st, std::vector<Scalar>{Scalar::Int64(1), Scalar::String("x")}), Scalar::Null(st)});
  EXPECT_EQ(GetScalar(*sa, 0).ToString(), "{a: 1, b: x}");
  EXPECT_EQ(GetScalar(*sa->Slice(1, 1), 0).ToString(), "NULL");
}

TEST(ScalarTest, ParseAndFormat) {
  EXPECT_EQ(Scalar::Parse(decimal128(10, 2), "123.456")->ToString(), "123.46");
  EXPECT_EQ(Scalar::Parse(decimal128(10, 2), "-0.5")->ToString(), "-0.50");
  EXPECT_FALSE(Scalar::Parse(decimal128(4, 2), "123.4").ok());
  EXPECT_EQ(Scalar::Parse(float64(), "2.50")->ToString(), "2.5");
  EXPECT_EQ(Scalar::Parse(float64(), "2")->ToString(), "2");
  EXPECT_FALSE(Scalar::Parse(int8(), "300").ok());
  EXPECT_FALSE(Scalar::Parse(int64(), "12x").ok());
  EXPECT_EQ(Scalar::Parse(timestamp(), "2024-01-01 00:00:01.500")->ToString(),
            "2024-01-01 00:00:01.5");
  EXPECT_EQ(Scalar::Parse(interval(), "5 seconds")->ToString(), "5 seconds");
  EXPECT_TRUE(Scalar::Parse(int64(), "null")->is_null());
  EXPECT_FALSE(Scalar::Parse(utf8(), "null")->is_null());
  EXPECT_EQ(FormatDecimal(-5, 3), "-0.005");
}

TEST(RecordBatchTest, LiteralConcatTakeFilter) {
  auto b1 = *BatchFromLiteral("sym VARCHAR, px DOUBLE, ts TIMESTAMP",
                              "'A', 10.5, 2024-01-01 00:00:05\n'B', NULL, 2024-01-01 00:00:06");
  auto b2 = *BatchFromLiteral(b1->schema(), "'C, Inc.', 3, 2024-01-01 00:00:07");
  EXPECT_EQ(b1->num_rows(), 2);
  auto all = *Concatenate(std::vector<RecordBatchPtr>{b1, b2});
  EXPECT_EQ(all->num_rows(), 3);
  EXPECT_EQ(FormatCellForTest(*all->column(0), 2), "C, Inc.");
  EXPECT_EQ(FormatCellForTest(*all->column(1), 1), "NULL");
  EXPECT_EQ(FormatCellForTest(*all->column(2), 0), "2024-01-01 00:00:05");
  std::vector<int32_t> idx = {2, 0};
  auto t = Take(*all, idx);
  EXPECT_EQ(FormatCellForTest(*t->column(0), 0), "C, Inc.");
  EXPECT_EQ(FormatCellForTest(*t->column(1), 1), "10.5");
  auto mask = *ArrayFromScalars(
      boolean(), {Scalar::Boolean(false), Scalar::Boolean(true), Scalar::Null(boolean())});
  auto f = Filter(*all, *mask);
  ASSERT_EQ(f->num_rows(), 1);
  EXPECT_EQ(FormatCellForTest(*f->column(0), 0), "B");
  auto sl = all->Slice(1, 5);
  EXPECT_EQ(sl->num_rows(), 2);
  auto cat_slices = *Concatenate(std::vector<RecordBatchPtr>{sl, sl});
  EXPECT_EQ(FormatCellForTest(*cat_slices->column(0), 3), "C, Inc.");
  EXPECT_FALSE(BatchFromLiteral("a BIGINT", "1, 2").ok());
  EXPECT_FALSE(BatchFromLiteral("a BIGINT", "abc").ok());
}

TEST(RecordBatchTest, MakeChecksSchema) {
  auto schema = MakeSchema({{"a", int64()}});
  EXPECT_FALSE(RecordBatch::Make(schema, 1, {MakeStringArray({"x"})}).ok());
  EXPECT_FALSE(RecordBatch::Make(schema, 2, {MakeInt64Array({1})}).ok());
  EXPECT_TRUE(RecordBatch::Make(schema, 1, {MakeInt64Array({1})}).ok());
  EXPECT_EQ(RecordBatch::MakeEmpty(schema)->num_rows(), 0);
}

TEST(PrettyPrintTest, TableAndCsv) {
  auto b = *BatchFromLiteral("sym VARCHAR, n BIGINT", "'A', 1\n'BB', NULL");
  std::string table = FormatBatch(*b);
  EXPECT_NE(table.find("│ sym"), std::string::npos);
  EXPECT_NE(table.find("NULL"), std::string::npos);
  EXPECT_NE(table.find("2 rows"), std::string::npos);
  PrintOptions csv;
  csv.mode = PrintMode::kCsv;
  EXPECT_EQ(FormatBatch(*b, csv), "sym,n\nA,1\nBB,\n");
  PrintOptions json;
  json.mode = PrintMode::kJson;
  EXPECT_EQ(FormatBatch(*b, json), "{\"sym\":\"A\",\"n\":1}\n{\"sym\":\"BB\",\"n\":null}\n");
}

}  // namespace
}  // namespace laminar::columnar

namespace laminar::columnar {
namespace {

// Every length 0..70 (vector body, tail, both) and extreme values, against a plain loop.
TEST(MinMaxTest, MatchesScalarLoop) {
  std::mt19937_64 rng(7);
  for (int64_t n = 0; n <= 70; ++n) {
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (auto& x : v) x = static_cast<int64_t>(rng());
    if (n > 3) v[static_cast<size_t>(n / 2)] = INT64_MIN;
    if (n > 5) v[static_cast<size_t>(n - 1)] = INT64_MAX;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int64_t x : v) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    const Int64Range r = MinMaxInt64(v.data(), n);
    EXPECT_EQ(r.min, lo) << "n=" << n;
    EXPECT_EQ(r.max, hi) << "n=" << n;
  }
}

// A recorded value range stands in for the min/max pass, survives a whole-array slice, is
// dropped by a partial one, and Validate() rejects one that does not match the values.
TEST(ValueRangeTest, RecordedRangeIsUsedCheckedAndNotInheritedBySlices) {
  // A fresh (not yet shared) array over a built column's buffers.
  auto fresh = [](const ArrayPtr& built) {
    return std::make_shared<Array>(built->type(), built->length(), built->buffers(),
                                   std::vector<ArrayPtr>{}, built->null_count());
  };
  auto make = [&](std::vector<int64_t> v) {
    FixedWidthBuilder<int64_t> b(int64());
    for (int64_t x : v) b.Append(x);
    return fresh(b.Finish());
  };
  auto a = make({5, -3, 9, 4});
  EXPECT_FALSE(a->value_range().has_value());
  EXPECT_EQ(a->Int64MinMax().min, -3);
  EXPECT_EQ(a->Int64MinMax().max, 9);

  a->SetValueRange(Int64Range{-3, 9});
  ASSERT_TRUE(a->Validate().ok());
  ASSERT_TRUE(a->value_range().has_value());
  EXPECT_TRUE(a->Slice(0, 4)->value_range().has_value());
  EXPECT_FALSE(a->Slice(1, 2)->value_range().has_value());
  EXPECT_EQ(a->Slice(1, 2)->Int64MinMax().min, -3);
  EXPECT_EQ(a->Slice(1, 2)->Int64MinMax().max, 9);
  EXPECT_EQ(a->Slice(2, 2)->Int64MinMax().min, 4);

  // A wrong range is caught by Validate() (and by Int64MinMax() in debug builds).
  auto wrong = make({1, 2, 3});
  wrong->SetValueRange(Int64Range{1, 4});
  const Status st = wrong->Validate();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("recorded value range [1, 4] but the values span [1, 3]"),
            std::string::npos)
      << st.ToString();

  // Only for 8-byte integer columns without NULLs.
  FixedWidthBuilder<int64_t> nb(int64());
  nb.Append(1);
  nb.AppendNull();
  auto with_null = fresh(nb.Finish());
  with_null->SetValueRange(Int64Range{1, 1});
  EXPECT_FALSE(with_null->Validate().ok());
}

TEST(BufferTest, UninitializedAllocationZeroesOnlyPadding) {
  auto b = Buffer::AllocateUninitialized(13);
  EXPECT_EQ(b->size(), 13);
  ASSERT_GE(b->capacity(), 64);
  for (int64_t i = 13; i < b->capacity(); ++i) EXPECT_EQ(b->data()[i], 0) << i;
  auto c = Buffer::CopyFrom("abcdefg", 7);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(c->data()), 7), "abcdefg");
  for (int64_t i = 7; i < c->capacity(); ++i) EXPECT_EQ(c->data()[i], 0) << i;
}

// Batch-sized blocks freed on a thread are reused by its next allocations of about the same size
// (buffer.cc's block cache): a reused block must look exactly like a fresh one.
TEST(BufferTest, ReusedBlocksAreZeroedLikeFreshOnes) {
  for (int round = 0; round < 3; ++round) {
    std::vector<BufferPtr> dirty;
    for (int64_t size : {100'000, 70'000, 20'000, 5'000}) {
      auto b = Buffer::AllocateUninitialized(size);
      std::memset(b->mutable_data(), 0xAB, static_cast<size_t>(b->capacity()));
      dirty.push_back(std::move(b));
    }
    dirty.clear();  // back to the cache (or to malloc)
    auto zeroed = Buffer::Allocate(90'000);
    ASSERT_GE(zeroed->capacity(), 90'000);
    for (int64_t i = 0; i < zeroed->capacity(); ++i) ASSERT_EQ(zeroed->data()[i], 0) << i;
    auto raw = Buffer::AllocateUninitialized(65'000);
    ASSERT_GE(raw->capacity(), 65'000);
    for (int64_t i = 65'000; i < raw->capacity(); ++i) ASSERT_EQ(raw->data()[i], 0) << i;
    // Growth keeps the contents and zeroes the rest.
    auto grown = Buffer::AllocateUninitialized(16);
    std::memset(grown->mutable_data(), 7, 16);
    grown->Reserve(80'000);
    ASSERT_GE(grown->capacity(), 80'000);
    for (int64_t i = 0; i < grown->capacity(); ++i) ASSERT_EQ(grown->data()[i], i < 16 ? 7 : 0);
  }
}

// A buffer freed while its thread exits, after that thread's block cache is gone (here: held by a
// thread_local constructed before the cache, so destroyed after it), is freed outright.
struct ThreadExitHolder {
  BufferPtr held;
};
thread_local ThreadExitHolder t_exit_holder;

TEST(BufferTest, BuffersFreedAfterTheThreadCacheAreFreed) {
  for (int i = 0; i < 4; ++i) {
    std::thread t([] {
      t_exit_holder.held = nullptr;                 // the holder first
      (void)Buffer::AllocateUninitialized(64'000);  // then the cache (a block goes into it)
      t_exit_holder.held = Buffer::AllocateUninitialized(64'000);
    });
    t.join();
  }
  auto b = Buffer::Allocate(64'000);
  EXPECT_EQ(b->data()[63'999], 0);
}

}  // namespace
}  // namespace laminar::columnar
