#include "viz/config_path.h"

#include <cstdlib>
#include <filesystem>
#include <optional>

#include <gtest/gtest.h>

namespace moesim::viz {
namespace {

// Sets or clears an environment variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(ConfigDir, XdgFirstThenHome) {
  {
    ScopedEnv xdg("XDG_CONFIG_HOME", "/tmp/xdg");
    ScopedEnv home("HOME", "/home/someone");
    EXPECT_EQ(config_dir(), "/tmp/xdg/moesim");
  }
  {
    ScopedEnv xdg("XDG_CONFIG_HOME", "relative/not/allowed");  // the XDG spec ignores these
    ScopedEnv home("HOME", "/home/someone");
    EXPECT_EQ(config_dir(), "/home/someone/.config/moesim");
  }
  {
    ScopedEnv xdg("XDG_CONFIG_HOME", nullptr);
    ScopedEnv home("HOME", nullptr);
    EXPECT_EQ(config_dir(), "");
    EXPECT_FALSE(imgui_ini_path().ok());
  }
}

TEST(ImguiIniPath, CreatesTheFolder) {
  const std::string base = ::testing::TempDir() + "/viz_config_test";
  std::filesystem::remove_all(base);
  ScopedEnv xdg("XDG_CONFIG_HOME", base.c_str());
  auto path = imgui_ini_path();
  ASSERT_TRUE(path.ok()) << path.message();
  EXPECT_EQ(path.value(), base + "/moesim/imgui.ini");
  EXPECT_TRUE(std::filesystem::is_directory(base + "/moesim"));
}

}  // namespace
}  // namespace moesim::viz
