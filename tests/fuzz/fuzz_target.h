// One fuzz target per parser, written once and built two ways:
//   - with -DMOESIM_FUZZ_LIBFUZZER (the MOESIM_FUZZ build, clang): the body becomes
//     LLVMFuzzerTestOneInput of its own libFuzzer executable;
//   - otherwise (every build): the body registers itself by name in fuzz_registry(), and
//     fuzz_replay_test runs it on tests/fuzz/corpus/<name>/ and tests/fuzz/regressions/<name>/,
//     so inputs that once crashed stay fixed even where no clang is installed.
// A target must accept any bytes: it returns normally for every input (a parser may refuse the
// input with an Error); a crash, sanitizer report or failed MOESIM_CHECK is a bug.
// Thread-safety: registration happens during static initialisation only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace moesim::fuzz {

using FuzzFn = void (*)(std::string_view input);

std::map<std::string, FuzzFn>& fuzz_registry();

struct FuzzRegistrar {
  FuzzRegistrar(const char* name, FuzzFn fn) { fuzz_registry()[name] = fn; }
};

// Stops the target when an invariant the parser promised does not hold (a silently wrong
// answer, e.g. a DOT file that does not read back to the same topology).
[[noreturn]] void fuzz_fail(const char* target, const std::string& what);

}  // namespace moesim::fuzz

#ifdef MOESIM_FUZZ_LIBFUZZER
#define MOESIM_FUZZ_TARGET(name)                                                      \
  static void moesim_fuzz_body_##name(std::string_view input);                        \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {           \
    moesim_fuzz_body_##name(std::string_view(reinterpret_cast<const char*>(data), size)); \
    return 0;                                                                         \
  }                                                                                   \
  static void moesim_fuzz_body_##name(std::string_view input)
#else
#define MOESIM_FUZZ_TARGET(name)                                                                 \
  static void moesim_fuzz_body_##name(std::string_view input);                                   \
  static const ::moesim::fuzz::FuzzRegistrar moesim_fuzz_registrar_##name(#name, moesim_fuzz_body_##name); \
  static void moesim_fuzz_body_##name(std::string_view input)
#endif
