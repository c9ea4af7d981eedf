// Hugging Face config.json of MoE models (`moesim simulate --model config.json`).
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "traces/hf_config.h"

MOESIM_FUZZ_TARGET(hf_config) {
  auto m = moesim::parse_hf_config(std::string(input), "config.json");
  if (!m.ok() && m.message().empty()) moesim::fuzz::fuzz_fail("hf_config", "error without a message");
}
