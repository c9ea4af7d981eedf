// traces/loads_matrix and traces/npy: the formats `moesim plan --loads` reads.
#include "traces/loads_matrix.h"

#include <cstring>
#include <filesystem>

#include <gtest/gtest.h>

#include "traces/file_io.h"
#include "traces/npy.h"

namespace moesim {
namespace {

std::string temp_path(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() /
           ("moesim_loads_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  std::filesystem::create_directories(d);
  return (d / name).string();
}

// A hand-built .npy v1.0 file: header dict padded so the data starts at a multiple of 64.
std::string npy_bytes(const std::string& dict, const std::string& data) {
  std::string header = dict;
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string b = "\x93NUMPY";
  b += '\x01';
  b += '\x00';
  b += static_cast<char>(header.size() & 0xff);
  b += static_cast<char>(header.size() >> 8);
  return b + header + data;
}

TEST(LoadsMatrixTest, CsvWithHeader) {
  auto m = parse_count_matrix_csv("e0,e1,e2\n1,2,3\n\n4, 5 ,6\n", "x.csv");
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(*m, (CountMatrix{{1, 2, 3}, {4, 5, 6}}));
}

TEST(LoadsMatrixTest, CsvErrorsNameLine) {
  auto ragged = parse_count_matrix_csv("1,2,3\n4,5\n", "x.csv", "layer", "expert");
  ASSERT_FALSE(ragged.ok());
  EXPECT_NE(ragged.message().find("x.csv:line 2: ragged matrix"), std::string::npos) << ragged.message();
  auto bad = parse_count_matrix_csv("1,2\n3,abc\n", "x.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("x.csv:line 2, column 2: 'abc' is not a number"), std::string::npos) << bad.message();
  auto nan = parse_count_matrix_csv("1,nan\n", "x.csv", "layer", "expert");
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.message().find("layer 0, expert 1: value is not a finite number"), std::string::npos) << nan.message();
}

TEST(LoadsMatrixTest, JsonNegativeNamesLayerAndExpert) {
  auto ok = parse_count_matrix_json("[[1, 2.5], [3, 4]]", "x.json");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (CountMatrix{{1, 2.5}, {3, 4}}));
  auto neg = parse_count_matrix_json("[[1, 2], [3, -4]]", "x.json", "layer", "expert");
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.message().find("x.json:layer 1, expert 1: negative count -4"), std::string::npos) << neg.message();
  auto notarr = parse_count_matrix_json("{\"a\": 1}", "x.json");
  EXPECT_FALSE(notarr.ok());
}

TEST(LoadsMatrixTest, NpyRoundTripAndDtypes) {
  const std::string path = temp_path("m.npy");
  ASSERT_TRUE(write_npy(path, NpyArray{{2, 3}, {1, 2, 3, 4, 5, 6.5}}).ok());
  auto m = read_loads_matrix(path);
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(*m, (CountMatrix{{1, 2, 3}, {4, 5, 6.5}}));

  // int32 little-endian [2, 2] = [[7, 8], [9, 10]].
  std::string data(16, '\0');
  const int32_t v[4] = {7, 8, 9, 10};
  std::memcpy(data.data(), v, 16);
  auto i4 = parse_npy(npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", data), "i.npy");
  ASSERT_TRUE(i4.ok()) << i4.message();
  EXPECT_EQ(i4->shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(i4->data, (std::vector<double>{7, 8, 9, 10}));
  // uint8 1-D.
  auto u1 = parse_npy(npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", "\x01\x02\xff"), "u.npy");
  ASSERT_TRUE(u1.ok()) << u1.message();
  EXPECT_EQ(u1->data, (std::vector<double>{1, 2, 255}));
}

TEST(LoadsMatrixTest, NpyRejectsFortranBigEndianTruncated) {
  const std::string data(16, '\0');
  auto f = parse_npy(npy_bytes("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2), }", data), "f.npy");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.message().find("f.npy:header: fortran_order"), std::string::npos) << f.message();
  auto be = parse_npy(npy_bytes("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", data), "b.npy");
  ASSERT_FALSE(be.ok());
  EXPECT_NE(be.message().find("big-endian"), std::string::npos) << be.message();
  auto tr = parse_npy(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data), "t.npy");
  ASSERT_FALSE(tr.ok());
  EXPECT_NE(tr.message().find("truncated"), std::string::npos) << tr.message();
  auto magic = parse_npy("hello world", "h.npy");
  EXPECT_FALSE(magic.ok());
}

TEST(LoadsMatrixTest, NpyMustBeTwoDimensional) {
  const std::string path = temp_path("v.npy");
  ASSERT_TRUE(write_npy(path, NpyArray{{3}, {1, 2, 3}}).ok());
  auto m = read_loads_matrix(path);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.message().find("expected a 2-D array [layer][expert]"), std::string::npos) << m.message();
}

TEST(LoadsMatrixTest, UnknownExtension) {
  auto m = read_loads_matrix("loads.txt");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.message().find("expected .json, .csv or .npy"), std::string::npos);
}

}  // namespace
}  // namespace moesim
