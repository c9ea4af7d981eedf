#include "viz/config_path.h"

#include <cstdlib>

#include "traces/file_io.h"

namespace moesim::viz {

std::string config_dir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/moesim";  // spec: absolute only
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') return std::string(home) + "/.config/moesim";
  return "";
}

Result<std::string> imgui_ini_path() {
  const std::string dir = config_dir();
  if (dir.empty()) return make_error("", "", "neither XDG_CONFIG_HOME nor HOME is set");
  MOESIM_RETURN_IF_ERROR(make_directories(dir));
  return dir + "/imgui.ini";
}

}  // namespace moesim::viz
