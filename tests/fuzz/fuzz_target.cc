#include "tests/fuzz/fuzz_target.h"

#include <cstdlib>
#include <iostream>

namespace moesim::fuzz {

std::map<std::string, FuzzFn>& fuzz_registry() {
  static auto* r = new std::map<std::string, FuzzFn>();
  return *r;
}

void fuzz_fail(const char* target, const std::string& what) {
  std::cerr << "fuzz target " << target << ": " << what << std::endl;
  std::abort();
}

}  // namespace moesim::fuzz
