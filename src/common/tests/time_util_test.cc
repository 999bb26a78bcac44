#include "common/time_util.h"

#include <gtest/gtest.h>

namespace laminar {
namespace {

TEST(TimeUtilTest, TimestampRoundTrip) {
  EXPECT_EQ(*ParseTimestamp("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(*ParseTimestamp("2024-01-01 00:00:01.5"), 1704067201500000);
  EXPECT_EQ(FormatTimestamp(1704067201500000), "2024-01-01 00:00:01.5");
  EXPECT_EQ(FormatTimestamp(1704067200000000), "2024-01-01 00:00:00");
  EXPECT_EQ(*ParseTimestamp("2024-01-01T00:01:00Z"), 1704067260000000);
  EXPECT_EQ(*ParseTimestamp("2024-01-01"), 1704067200000000);
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(*ParseTimestamp(FormatTimestamp(-1)), -1);
  EXPECT_FALSE(ParseTimestamp("2024-13-01").ok());
  EXPECT_FALSE(ParseTimestamp("2024-02-30 00:00:00").ok());
  EXPECT_FALSE(ParseTimestamp("yesterday").ok());
  EXPECT_FALSE(ParseTimestamp("2024-01-01 00:00:00 junk").ok());
}

TEST(TimeUtilTest, CivilConversionIsInverse) {
  for (int64_t d = -800000; d < 800000; d += 997) {
    int64_t y;
    unsigned m, dd;
    CivilFromDays(d, &y, &m, &dd);
    EXPECT_EQ(DaysFromCivil(y, m, dd), d);
  }
}

TEST(TimeUtilTest, Intervals) {
  EXPECT_EQ(ParseInterval("5", "SECOND")->ToMicros(), 5'000'000);
  EXPECT_EQ(ParseInterval("5 seconds")->ToMicros(), 5'000'000);
  EXPECT_EQ(ParseInterval("1 minute 30 seconds")->ToMicros(), 90'000'000);
  EXPECT_EQ(ParseInterval("100ms")->ToMicros(), 100'000);
  EXPECT_EQ(ParseInterval("1", "day")->days, 1);
  EXPECT_EQ(ParseInterval("2", "MONTH")->months, 2);
  EXPECT_EQ(ParseInterval("00:01:30")->ToMicros(), 90'000'000);
  EXPECT_FALSE(ParseInterval("five seconds").ok());
  EXPECT_FALSE(ParseInterval("5 fortnights").ok());
  EXPECT_EQ(FormatInterval(*ParseInterval("90 seconds")), "1 minute 30 seconds");
  // Month arithmetic clamps to month end.
  int64_t jan31 = *ParseTimestamp("2024-01-31 10:00:00");
  EXPECT_EQ(FormatTimestamp(AddInterval(jan31, Interval{1, 0, 0})), "2024-02-29 10:00:00");
}

}  // namespace
}  // namespace laminar
