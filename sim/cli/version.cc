#include "sim/cli/commands.h"
#include "sim/core/version.h"

namespace moesim::cli {

const char* version() { return kMoesimVersion; }

}  // namespace moesim::cli
