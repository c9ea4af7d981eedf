// GraphViz DOT topologies (`--topology FILE.dot`). A topology that parses must be exported
// by topology_to_dot into DOT that reads back to the same graph (the same vertices and links,
// possibly numbered in another order): anything else would be a silently wrong answer.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "sim/topology/dot_io.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

// The DOT lines after the header, sorted: the graph without its name and link numbering.
std::vector<std::string> body_lines(const std::string& dot) {
  std::vector<std::string> lines;
  std::istringstream in(dot);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

MOESIM_FUZZ_TARGET(dot) {
  auto t = moesim::parse_topology_dot(std::string(input), "fuzz.dot");
  if (!t.ok()) return;
  const std::string dot = moesim::topology_to_dot(**t);
  auto back = moesim::parse_topology_dot(dot, "fuzz.dot (exported)");
  if (!back.ok()) moesim::fuzz::fuzz_fail("dot", "exported DOT does not read back: " + back.message() + "\n" + dot);
  if ((*back)->num_gpus() != (*t)->num_gpus() || (*back)->num_links() != (*t)->num_links() ||
      body_lines(moesim::topology_to_dot(**back)) != body_lines(dot)) {
    moesim::fuzz::fuzz_fail("dot", "exported DOT reads back to a different topology:\n" + dot);
  }
}
