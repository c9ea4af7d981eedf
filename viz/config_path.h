// Where moeviz keeps its settings (ImGui's window layout, imgui.ini): $XDG_CONFIG_HOME/moesim,
// else $HOME/.config/moesim. Thread-safe (reads the environment only).
#pragma once

#include <string>

#include "traces/status.h"

namespace moesim::viz {

// The settings folder, or "" when neither XDG_CONFIG_HOME nor HOME is set.
std::string config_dir();

// config_dir()/imgui.ini, creating the folder; an error when it cannot be created or when no
// folder is known (the caller then runs without saving the layout).
Result<std::string> imgui_ini_path();

}  // namespace moesim::viz
