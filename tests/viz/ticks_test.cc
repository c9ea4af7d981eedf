#include "viz/ticks.h"

#include <gtest/gtest.h>

namespace moesim::viz {
namespace {

TEST(NiceTickStep, OneTwoFiveSeries) {
  EXPECT_DOUBLE_EQ(nice_tick_step(10, 10), 1);
  EXPECT_DOUBLE_EQ(nice_tick_step(10, 4), 5);      // 2.5 rounds up to 5
  EXPECT_DOUBLE_EQ(nice_tick_step(10, 6), 2);      // 1.67 rounds up to 2
  EXPECT_NEAR(nice_tick_step(0.0037, 5), 0.001, 1e-15);  // 0.00074 -> 0.001
  EXPECT_DOUBLE_EQ(nice_tick_step(5000, 10), 500);
}

TEST(TickValues, InclusiveMultiplesOfTheStep) {
  const auto t = tick_values(0, 1, 5);
  ASSERT_EQ(t.size(), 6u);  // 0, 0.2, ..., 1.0
  EXPECT_NEAR(t[3], 0.6, 1e-12);
  const auto u = tick_values(1, 5001, 10);  // step 500: 500, 1000, ..., 5000
  ASSERT_EQ(u.size(), 10u);
  EXPECT_DOUBLE_EQ(u.front(), 500);
  EXPECT_DOUBLE_EQ(u.back(), 5000);
  EXPECT_TRUE(tick_values(3, 3, 5).empty());
}

TEST(Format, TimesBytesCounts) {
  EXPECT_EQ(format_time_s(0.0015), "1.50 ms");
  EXPECT_EQ(format_time_s(2.5e-4), "250 us");
  EXPECT_EQ(format_time_s(12), "12.0 s");
  EXPECT_EQ(format_time_s(0), "0 s");
  EXPECT_EQ(format_bytes(1.5e9), "1.50 GB");
  EXPECT_EQ(format_bytes(730e3), "730 KB");
  EXPECT_EQ(format_count(12345), "12.3k");
  EXPECT_EQ(format_count(812), "812");
  EXPECT_EQ(format_count(4.5e6), "4.5M");
  EXPECT_EQ(format_count(8192.3), "8192");
  EXPECT_EQ(format_count(2.345), "2.35");
  EXPECT_EQ(format_count(-0.0), "0");
}

}  // namespace
}  // namespace moesim::viz
