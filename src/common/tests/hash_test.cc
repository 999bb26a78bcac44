#include "common/hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace laminar {
namespace {

TEST(HashTest, DistinctInputsGiveDistinctHashes) {
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(HashInt64(static_cast<uint64_t>(i)));
  EXPECT_EQ(seen.size(), 10000u);
  seen.clear();
  for (int i = 0; i < 10000; ++i) seen.insert(HashString("key-" + std::to_string(i)));
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(HashTest, StableForEqualBytesAndLengthSensitive) {
  std::string a = "symbol";
  EXPECT_EQ(HashString(a), HashString(std::string("symbol")));
  EXPECT_NE(HashString(""), HashString(std::string(1, '\0')));
  EXPECT_NE(HashString("ab"), HashString("ba"));
  EXPECT_NE(HashCombine(1, 2), HashCombine(2, 1));
}

}  // namespace
}  // namespace laminar
