#include "sim/cli/commands.h"

namespace moesim::cli {

const char* version() { return "0.1.0"; }

}  // namespace moesim::cli
