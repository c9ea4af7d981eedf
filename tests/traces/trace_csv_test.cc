// The CSV reader and gzip reader under the importers.
#include "traces/trace_csv.h"
#include "traces/trace_gzip.h"

#include <gtest/gtest.h>

#include "tests/traces/trace_test_util.h"
#include "traces/file_io.h"

namespace moesim {
namespace {

TEST(CsvReader, SplitsRowsQuotedFieldsAndSkipsBlankLines) {
  CsvReader csv("a,b,c\r\n\n1, 2 ,\"[3, 4]\"\n\"x\"\"y\",,z", "mem.csv");
  ASSERT_TRUE(csv.next_row());
  EXPECT_EQ(csv.size(), 3u);
  EXPECT_EQ(csv.line(), 1);
  EXPECT_EQ(csv.field(2), "c");  // the \r is not part of the field
  ASSERT_TRUE(csv.next_row());
  EXPECT_EQ(csv.line(), 3);  // line 2 is blank
  EXPECT_EQ(csv.field(2), "[3, 4]");
  auto v = csv.count(1);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 2.0);
  ASSERT_TRUE(csv.next_row());
  EXPECT_EQ(csv.field(0), "x\"y");
  EXPECT_EQ(csv.field(1), "");
  EXPECT_FALSE(csv.next_row());
  EXPECT_TRUE(csv.status().ok());
}

TEST(CsvReader, CountErrorsNameFileLineAndColumn) {
  CsvReader csv("n,m\n5,-3\nabc,1.5\n", "f.csv");
  csv.set_column_names({"n", "m"});
  ASSERT_TRUE(csv.next_row());
  ASSERT_TRUE(csv.next_row());
  auto neg = csv.count(1);
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.message(), "f.csv:line 2: column 'm': negative token count -3");
  ASSERT_TRUE(csv.next_row());
  auto nan = csv.count(0);
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.message(), "f.csv:line 3: column 'n': 'abc' is not a number");
  EXPECT_EQ(*csv.count(1), 1.5);
  EXPECT_FALSE(csv.index(1).ok());  // 1.5 is no index
}

TEST(CsvReader, UnterminatedQuoteIsAnError) {
  CsvReader csv("a\n\"open,1\n", "q.csv");
  ASSERT_TRUE(csv.next_row());
  EXPECT_FALSE(csv.next_row());
  ASSERT_FALSE(csv.status().ok());
  EXPECT_NE(csv.status().message().find("q.csv:line 2: unterminated quoted field"), std::string::npos);
}

TEST(CsvReader, NumbersRejectInfNanAndTrailingText) {
  double v = 0;
  EXPECT_TRUE(parse_nonnegative_number("  42 ", &v));
  EXPECT_EQ(v, 42);
  EXPECT_TRUE(parse_nonnegative_number("2.5e3", &v));
  EXPECT_EQ(v, 2500);
  EXPECT_FALSE(parse_nonnegative_number("inf", &v));
  EXPECT_FALSE(parse_nonnegative_number("nan", &v));
  EXPECT_FALSE(parse_nonnegative_number("12x", &v));
  EXPECT_FALSE(parse_nonnegative_number("", &v));
}

TEST(Gzip, RoundTripsAndDetectsTruncation) {
  testing::ScratchDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + ",x\n";
  const std::string gz = dir.write_gz("a.csv.gz", text);
  auto back = read_file_maybe_gzip(gz);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, text);
  // Plain files pass through.
  const std::string plain = dir.write("b.csv", "1,2\n");
  EXPECT_EQ(*read_file_maybe_gzip(plain), "1,2\n");
  // Cut the compressed stream in half.
  auto bytes = read_file(gz);
  const std::string cut = dir.write("cut.csv.gz", bytes->substr(0, bytes->size() / 2));
  auto bad = read_file_maybe_gzip(cut);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("cut.csv.gz:byte "), std::string::npos) << bad.message();
  EXPECT_NE(bad.message().find("truncated gzip"), std::string::npos) << bad.message();
  // Corrupt the deflate data.
  std::string corrupt = *bytes;
  for (size_t i = 20; i < 60 && i < corrupt.size(); ++i) corrupt[i] = static_cast<char>(0xff);
  auto bad2 = gunzip(corrupt, "c.gz");
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.message().find("c.gz:byte "), std::string::npos) << bad2.message();
}

}  // namespace
}  // namespace moesim
