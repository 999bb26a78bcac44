// Round trip and corrupt-input behaviour of the binary WAL batch encoding (db/wal_batch_codec.h).
#include "db/wal_batch_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "columnar/batch_literal.h"
#include "columnar/scalar.h"

namespace laminar::db {
namespace {

using columnar::BatchFromLiteral;
using columnar::RecordBatchPtr;

constexpr const char* kSchema =
    "id BIGINT, name VARCHAR, ok BOOLEAN, px DOUBLE, ts TIMESTAMP, d DATE, n INT, "
    "amt DECIMAL(12,2), tags LIST<BIGINT>, blob VARBINARY";

RecordBatchPtr Sample() {
  auto b =
      BatchFromLiteral(kSchema,
                       "1, 'a', true, 1.5, 2024-01-01 00:00:01, 2024-01-01, 7, 1.25, [1, 2], x\n"
                       "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL\n"
                       "3, 'ccc', false, -2, 2024-01-01 00:00:03, 2024-02-01, -1, 3.00, [], yy\n"
                       "4, '', true, 0, 2024-01-01 00:00:04, 2024-03-01, 0, 0.01, [5], z");
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return *b;
}

void ExpectSameRows(const columnar::RecordBatch& a, const columnar::RecordBatch& b) {
  ASSERT_EQ(a.num_rows(), b.num_rows());
  ASSERT_EQ(a.num_columns(), b.num_columns());
  for (int c = 0; c < a.num_columns(); ++c) {
    for (int64_t r = 0; r < a.num_rows(); ++r) {
      EXPECT_EQ(columnar::GetScalar(*a.column(c), r), columnar::GetScalar(*b.column(c), r))
          << "column " << c << " row " << r;
    }
  }
}

TEST(WalBatchCodecTest, RoundTripsEveryTypeAndSlices) {
  auto batch = Sample();
  for (int64_t off = 0; off <= batch->num_rows(); ++off) {
    for (int64_t len = 0; off + len <= batch->num_rows(); ++len) {
      auto slice = batch->Slice(off, len);
      std::string bytes;
      EncodeWalBatch(*slice, &bytes);
      std::string_view in = bytes;
      auto back = DecodeWalBatch(&in, batch->schema());
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_TRUE(in.empty());
      ExpectSameRows(*slice, **back);
      EXPECT_TRUE((*back)->Validate().ok());
    }
  }
}

TEST(WalBatchCodecTest, EveryTruncationIsCorruption) {
  auto batch = Sample();
  std::string bytes;
  EncodeWalBatch(*batch, &bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::string_view in(bytes.data(), n);
    auto r = DecodeWalBatch(&in, batch->schema());
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  }
}

TEST(WalBatchCodecTest, RejectsWrongSchemaVersionAndBadOffsets) {
  auto batch = Sample();
  std::string bytes;
  EncodeWalBatch(*batch, &bytes);
  {
    std::string bad = bytes;
    bad[0] = 9;  // version
    std::string_view in = bad;
    EXPECT_FALSE(DecodeWalBatch(&in, batch->schema()).ok());
  }
  {
    auto other = BatchFromLiteral("id VARCHAR", "'x'");
    ASSERT_TRUE(other.ok());
    std::string_view in = bytes;
    EXPECT_FALSE(DecodeWalBatch(&in, (*other)->schema()).ok());  // column count
  }
  {
    auto one = BatchFromLiteral("s VARCHAR", "'abc'\n'de'");
    ASSERT_TRUE(one.ok());
    std::string b;
    EncodeWalBatch(**one, &b);
    // Header 13 bytes, type + validity flag 2, offsets at 15: make offsets decrease.
    std::string bad = b;
    int32_t big = 100;
    std::memcpy(&bad[15 + 4], &big, 4);
    std::string_view in = bad;
    auto r = DecodeWalBatch(&in, (*one)->schema());
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    // A huge row count must not allocate or read past the input.
    bad = b;
    uint64_t rows = uint64_t{1} << 40;
    std::memcpy(&bad[1], &rows, 8);
    in = bad;
    EXPECT_FALSE(DecodeWalBatch(&in, (*one)->schema()).ok());
    rows = 0x7fffffff;
    std::memcpy(&bad[1], &rows, 8);
    in = bad;
    EXPECT_FALSE(DecodeWalBatch(&in, (*one)->schema()).ok());
  }
}

TEST(WalBatchCodecTest, RandomBitFlipsNeverCrash) {
  auto batch = Sample();
  std::string bytes;
  EncodeWalBatch(*batch, &bytes);
  std::mt19937 rng(42);
  int rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string bad = bytes;
    bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
    std::string_view in = bad;
    auto r = DecodeWalBatch(&in, batch->schema());
    if (!r.ok()) {
      ++rejected;
    } else {
      EXPECT_TRUE((*r)->Validate().ok());
    }
  }
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace laminar::db
