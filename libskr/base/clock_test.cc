#include "libskr/base/clock.h"

#include <gtest/gtest.h>

namespace skr {
namespace {

TEST(Rfc3339, ParsesAndFormats) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339("2026-01-02T03:04:05Z"), 1767323045);
  EXPECT_EQ(*ParseRfc3339("2026-01-02T03:04:05.999Z"), 1767323045);
  EXPECT_EQ(*ParseRfc3339("2026-01-02T04:04:05+01:00"), 1767323045);
  EXPECT_EQ(*ParseRfc3339("2024-02-29T00:00:00Z"), 1709164800);
  EXPECT_EQ(FormatRfc3339(1767323045), "2026-01-02T03:04:05Z");
  for (const char* bad : {"", "2026-01-02", "2026-01-02T03:04:05", "2026-13-01T00:00:00Z",
                          "2025-02-29T00:00:00Z", "2026-01-02T24:00:00Z", "2026-01-02T03:04:05Zx",
                          "2026-01-02 03:04:05Z", "2026-01-02T03:04:05.Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

TEST(FixedClock, MovesOnlyWhenTold) {
  FixedClock c(100);
  EXPECT_EQ(c.Now(), 100);
  c.Advance(5);
  EXPECT_EQ(c.Now(), 105);
  c.Set(7);
  EXPECT_EQ(c.Now(), 7);
  EXPECT_GT(SystemClock().Now(), 1700000000);
}

}  // namespace
}  // namespace skr
