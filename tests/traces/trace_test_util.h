// Helpers for the trace importer tests: a scratch folder per test, small files written into
// it (plain or gzip), and the shared real-data folder (tests skip when it is absent).
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <zlib.h>

namespace moesim::testing {

class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("moesim_trace_test_" + std::to_string(rd()) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path(const std::string& rel = "") const { return rel.empty() ? path_.string() : (path_ / rel).string(); }

  // Writes `text` to `rel` (creating folders) and returns the full path.
  std::string write(const std::string& rel, const std::string& text) const {
    const auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  // Writes `text` gzip-compressed.
  std::string write_gz(const std::string& rel, const std::string& text) const {
    const auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    gzFile f = gzopen(p.string().c_str(), "wb");
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

inline std::string shared_data(const std::string& rel) { return std::string(MOESIM_SHARED_DATA_DIR) + "/" + rel; }

#define MOESIM_SKIP_IF_MISSING(path)                                        \
  do {                                                                      \
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "no shared data at " << (path); \
  } while (0)

}  // namespace moesim::testing
