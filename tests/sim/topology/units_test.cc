#include "sim/topology/units.h"

#include <gtest/gtest.h>

namespace moesim {
namespace {

TEST(Units, Bandwidth) {
  EXPECT_DOUBLE_EQ(*parse_bandwidth("450GB/s"), 450e9);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("400Gb/s"), 50e9);   // 400 gigabits = 50 gigabytes
  EXPECT_DOUBLE_EQ(*parse_bandwidth("400Gbps"), 50e9);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("1.8 TB/s"), 1.8e12);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("5e10"), 5e10);       // plain bytes/s
  EXPECT_FALSE(parse_bandwidth("10 furlongs").ok());
  EXPECT_NE(parse_bandwidth("10GiB/s").message().find("unknown bandwidth unit"), std::string::npos);
  EXPECT_FALSE(parse_bandwidth("fast").ok());
}

TEST(Units, Duration) {
  EXPECT_DOUBLE_EQ(*parse_duration("500ns"), 500e-9);
  EXPECT_DOUBLE_EQ(*parse_duration("1.5us"), 1.5e-6);
  EXPECT_DOUBLE_EQ(*parse_duration("2ms"), 2e-3);
  EXPECT_DOUBLE_EQ(*parse_duration("1e-6"), 1e-6);
  EXPECT_FALSE(parse_duration("3 fortnights").ok());
}

TEST(Units, Size) {
  EXPECT_DOUBLE_EQ(*parse_size("1KiB"), 1024);
  EXPECT_DOUBLE_EQ(*parse_size("1MiB"), 1048576);
  EXPECT_DOUBLE_EQ(*parse_size("1G"), 1073741824.0);
  EXPECT_DOUBLE_EQ(*parse_size("1MB"), 1e6);
  EXPECT_DOUBLE_EQ(*parse_size("4096"), 4096);
  EXPECT_FALSE(parse_size("1 parsec").ok());
}

}  // namespace
}  // namespace moesim
