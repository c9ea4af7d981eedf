#include "viz/png_writer.h"

#include <random>

#include <gtest/gtest.h>

#include "tests/viz/png_decode.h"
#include "traces/file_io.h"

namespace moesim::viz {
namespace {

TEST(EncodePng, HeaderAndChunks) {
  const uint8_t px[2 * 1 * 3] = {255, 0, 0, 0, 0, 255};
  const std::string png = encode_png(2, 1, 3, px);
  ASSERT_GT(png.size(), 8u + 25 + 12);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  // IHDR: width 2, height 1, depth 8, colour type 2 (RGB).
  EXPECT_EQ(png.substr(16, 8), std::string("\0\0\0\2\0\0\0\1", 8));
  EXPECT_EQ(png[24], 8);
  EXPECT_EQ(png[25], 2);
  EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");
}

TEST(EncodePng, RoundTripsRgbAndRgba) {
  std::mt19937 rng(7);
  for (int channels : {3, 4}) {
    const int w = 61, h = 37;  // odd sizes exercise every filter's edges
    std::vector<uint8_t> px(static_cast<size_t>(w) * h * channels);
    for (size_t i = 0; i < px.size(); ++i) {
      // Smooth gradients with noise so different rows pick different filters.
      px[i] = static_cast<uint8_t>((i % (w * channels)) * 3 + (i / (w * channels)) * 5 + rng() % 8);
    }
    testing::Image img;
    std::string error;
    ASSERT_TRUE(testing::decode_png(encode_png(w, h, channels, px.data()), &img, &error)) << error;
    EXPECT_EQ(img.width, w);
    EXPECT_EQ(img.height, h);
    EXPECT_EQ(img.channels, channels);
    EXPECT_EQ(img.pixels, px);
  }
}

TEST(EncodePng, FlatImagesCompressWell) {
  std::vector<uint8_t> px(1000 * 1000 * 3, 40);
  EXPECT_LT(encode_png(1000, 1000, 3, px.data()).size(), 10000u);
}

TEST(WritePng, WritesAFile) {
  const std::string path = ::testing::TempDir() + "/viz_png_writer_test.png";
  const uint8_t px[4] = {1, 2, 3, 4};
  ASSERT_TRUE(write_png(path, 1, 1, 4, px).ok());
  auto bytes = read_file(path);
  ASSERT_TRUE(bytes.ok());
  testing::Image img;
  std::string error;
  ASSERT_TRUE(testing::decode_png(bytes.value(), &img, &error)) << error;
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_FALSE(write_png("/nonexistent-dir/x.png", 1, 1, 4, px).ok());
}

}  // namespace
}  // namespace moesim::viz
