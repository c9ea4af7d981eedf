#include "traces/file_io.h"

#include <filesystem>

#include <gtest/gtest.h>

namespace moesim {
namespace {

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path() /
           ("moesim_file_io_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::create_directories(d);
  return d.string();
}

TEST(FileIo, AtomicWriteLeavesOnlyTheTarget) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/out.txt";
  ASSERT_TRUE(write_file_atomic(path, "hello").ok());
  auto r = read_file(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "hello");
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1) << "no temporary may be left beside the output";
}

TEST(FileIo, WriteIntoMissingDirectoryFailsWithPath) {
  auto st = write_file_atomic("/nonexistent_dir_moesim/x.txt", "x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent_dir_moesim/x.txt"), std::string::npos);
}

TEST(FileIo, ReadMissingFileNamesIt) {
  auto r = read_file("/no/such/file.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("/no/such/file.csv"), std::string::npos);
}

TEST(FileIo, Extension) {
  EXPECT_EQ(file_extension("a/b/c.TextProto"), ".textproto");
  EXPECT_EQ(file_extension("noext"), "");
}

}  // namespace
}  // namespace moesim
