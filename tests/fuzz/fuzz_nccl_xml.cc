// NCCL topology XML (NCCL_TOPO_DUMP_FILE; `--topology FILE.xml`). A topology that parses must
// export to DOT that moesim reads back with as many GPUs and links.
#include <string>

#include "sim/topology/dot_io.h"
#include "sim/topology/nccl_xml.h"
#include "tests/fuzz/fuzz_target.h"

MOESIM_FUZZ_TARGET(nccl_xml) {
  auto t = moesim::parse_topology_nccl_xml(std::string(input), "fuzz.xml");
  if (!t.ok()) {
    if (t.message().empty()) moesim::fuzz::fuzz_fail("nccl_xml", "error without a message");
    return;
  }
  const std::string dot = moesim::topology_to_dot(**t);
  auto back = moesim::parse_topology_dot(dot, "fuzz.xml (as DOT)");
  if (!back.ok()) moesim::fuzz::fuzz_fail("nccl_xml", "exported DOT does not read back: " + back.message() + "\n" + dot);
  if ((*back)->num_gpus() != (*t)->num_gpus() || (*back)->num_links() != (*t)->num_links()) {
    moesim::fuzz::fuzz_fail("nccl_xml", "exported DOT reads back to a different topology:\n" + dot);
  }
}
