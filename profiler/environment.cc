#include "profiler/environment.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>

#include "sim/core/version.h"

namespace moesim::profiler {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t c = line.find(':');
      if (c != std::string::npos) return line.substr(c + 2);
    }
  }
  return "";
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Status describe_ranks(Communicator& comm, const std::string& command_line, Environment* env) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  MOESIM_ASSIGN_OR_RETURN(auto hosts, comm.all_gather(host));
  std::map<std::string, int> node_of;
  std::map<int, int> per_node;
  for (const auto& h : hosts) {
    auto it = node_of.emplace(h, static_cast<int>(node_of.size())).first;
    env->add_hosts(h);
    env->add_rank_node(static_cast<uint32_t>(it->second));
    ++per_node[it->second];
  }
  int rpn = 0;
  for (auto [n, c] : per_node) rpn = std::max(rpn, c);
  env->set_num_ranks(static_cast<uint32_t>(comm.size()));
  env->set_num_nodes(static_cast<uint32_t>(node_of.size()));
  env->set_ranks_per_node(static_cast<uint32_t>(rpn));
  env->set_mpi_version(comm.library_version());
  env->set_cpu_model(cpu_model());
  env->set_cpu_cores(static_cast<uint32_t>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))));
  env->set_command_line(command_line);
  env->set_started_at(utc_now());
  env->set_moeprof_version(kMoesimVersion);
  return {};
}

std::vector<int> rank_nodes(const Environment& env) {
  return std::vector<int>(env.rank_node().begin(), env.rank_node().end());
}

}  // namespace moesim::profiler
