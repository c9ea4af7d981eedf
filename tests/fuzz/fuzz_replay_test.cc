// Replays every fuzz target on its seed corpus (tests/fuzz/corpus/<target>/) and on the inputs
// that once crashed it (tests/fuzz/regressions/<target>/), in the regular build: a fixed bug
// stays fixed even on machines without clang/libFuzzer. A target returns for every input; a
// crash, sanitizer report or failed check fails (or aborts) this test.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fuzz/fuzz_target.h"

namespace moesim::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kFuzzDir = fs::path(MOESIM_SOURCE_DIR) / "tests" / "fuzz";

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class FuzzReplay : public ::testing::TestWithParam<std::string> {};

TEST_P(FuzzReplay, SeedCorpusAndRegressionsRunCleanly) {
  const std::string name = GetParam();
  const FuzzFn fn = fuzz_registry().at(name);
  const auto seeds = files_in(kFuzzDir / "corpus" / name);
  EXPECT_FALSE(seeds.empty()) << "every fuzz target needs a seed corpus in tests/fuzz/corpus/" << name;
  auto inputs = seeds;
  for (const auto& r : files_in(kFuzzDir / "regressions" / name)) inputs.push_back(r);
  for (const auto& p : inputs) {
    SCOPED_TRACE(p.string());
    fn(slurp(p));
  }
}

std::vector<std::string> target_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : fuzz_registry()) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(target_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// A corpus or regression folder without a target would silently never run.
TEST(FuzzReplayLayout, EveryFolderHasATarget) {
  for (const char* kind : {"corpus", "regressions"}) {
    if (!fs::is_directory(kFuzzDir / kind)) continue;
    for (const auto& e : fs::directory_iterator(kFuzzDir / kind)) {
      EXPECT_TRUE(fuzz_registry().count(e.path().filename().string()))
          << e.path() << " names no fuzz target";
    }
  }
}

}  // namespace
}  // namespace moesim::fuzz
