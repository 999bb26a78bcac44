#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace laminar {
namespace {

TEST(Crc32cTest, CheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(internal::Crc32cExtendPortable(0, "123456789", 9), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, KnownVectors) {
  // RFC 3720 (iSCSI) B.4 test vectors.
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(Crc32c(ones), 0x62A8AB43u);
  std::string inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  EXPECT_EQ(Crc32c(inc), 0x46DD794Eu);
}

TEST(Crc32cTest, HardwareAndPortableAgreeOnEveryLengthAndAlignment) {
  std::mt19937 rng(42);
  std::string buf(1100, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (size_t off = 0; off < 9; ++off) {
    for (size_t len = 0; len < 1000; len += (len < 64 ? 1 : 37)) {
      uint32_t p = internal::Crc32cExtendPortable(0, buf.data() + off, len);
      if (internal::HasSse42()) {
        EXPECT_EQ(p, internal::Crc32cExtendSse42(0, buf.data() + off, len)) << off << " " << len;
      }
      EXPECT_EQ(p, Crc32c(buf.data() + off, len));
    }
  }
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string a = "hello, ", b = "streaming world";
  EXPECT_EQ(Crc32cExtend(Crc32c(a), b.data(), b.size()), Crc32c(a + b));
}

}  // namespace
}  // namespace laminar
