#include "common/status.h"

#include <gtest/gtest.h>

#include "common/result.h"
#include "common/string_util.h"

namespace laminar {
namespace {

Result<int> ParsePositive(int x) {
  if (x <= 0) return Status::Invalid("must be positive", ErrorCode::kWindowSizeInvalid);
  return x;
}

Result<int> Twice(int x) {
  LAMINAR_ASSIGN_OR_RETURN(int v, ParsePositive(x));
  return v * 2;
}

Status Check(int x) {
  LAMINAR_RETURN_NOT_OK(Twice(x).status());
  return Status::OK();
}

TEST(StatusTest, OkIsCheapAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.error_code(), ErrorCode::kNone);
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::NotFound("Source 'x' not found", ErrorCode::kSourceNotFound);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.ToString(), "[LDB-5010] Source 'x' not found");
  Status copy = s;
  EXPECT_EQ(copy.ToString(), s.ToString());
  EXPECT_EQ(s.WithContext("open").message(), "open: Source 'x' not found");
  EXPECT_EQ(FormatErrorCode(ErrorCode::kShutdown), "LDB-0004");
}

TEST(ResultTest, PropagatesErrorsThroughMacros) {
  EXPECT_EQ(*Twice(4), 8);
  Result<int> bad = Twice(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().error_code(), ErrorCode::kWindowSizeInvalid);
  EXPECT_TRUE(Check(3).ok());
  EXPECT_EQ(Check(0).ToString(), "[LDB-2003] must be positive");
  EXPECT_EQ(bad.ValueOr(7), 7);
}

TEST(StringUtilTest, ClosestMatchSuggestsNearNames) {
  EXPECT_EQ(EditDistance("price", "prise"), 1u);
  EXPECT_EQ(ClosestMatch("prcie", {"price", "symbol", "ts"}), "price");
  EXPECT_EQ(ClosestMatch("zzzzzz", {"price", "symbol"}), "");
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
}

}  // namespace
}  // namespace laminar
