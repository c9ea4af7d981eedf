#include "sim/topology/dot_io.h"

#include <cstdio>
#include <cctype>
#include <sstream>

#include <boost/graph/graphviz.hpp>

#include "sim/topology/units.h"
#include "traces/file_io.h"

namespace moesim {
namespace {

struct DotVertex {
  std::string id, kind, rank, node;
};
struct DotEdge {
  std::string bandwidth, latency, link_class;
};

template <typename Directedness>
using DotGraph = boost::adjacency_list<boost::vecS, boost::vecS, Directedness, DotVertex, DotEdge>;

// Line (1-based) of the first line that mentions `a` (and `b` if given) as whole words, else 0.
int find_line(const std::string& text, const std::string& a, const std::string& b = "") {
  auto has_word = [](const std::string& line, const std::string& w) {
    if (w.empty()) return false;  // a vertex named "" (find("") never advances: an endless loop)
    size_t pos = 0;
    while ((pos = line.find(w, pos)) != std::string::npos) {
      const bool left = pos == 0 || !(std::isalnum(static_cast<unsigned char>(line[pos - 1])) || line[pos - 1] == '_' || line[pos - 1] == '.');
      const size_t e = pos + w.size();
      const bool right = e >= line.size() || !(std::isalnum(static_cast<unsigned char>(line[e])) || line[e] == '_' || line[e] == '.');
      if (left && right) return true;
      pos = e;
    }
    return false;
  };
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (has_word(line, a) && (b.empty() || has_word(line, b))) return n;
  }
  return 0;
}

std::string where(const std::string& text, const std::string& what, const std::string& a, const std::string& b = "") {
  const int line = find_line(text, a, b);
  return (line > 0 ? "line " + std::to_string(line) + ": " : std::string()) + what;
}

template <typename G>
Result<std::unique_ptr<Topology>> build(const std::string& text, const std::string& source, bool undirected) {
  G g;
  boost::dynamic_properties dp(boost::ignore_other_properties);
  dp.property("node_id", boost::get(&DotVertex::id, g));
  dp.property("kind", boost::get(&DotVertex::kind, g));
  dp.property("rank", boost::get(&DotVertex::rank, g));
  dp.property("host", boost::get(&DotVertex::node, g));
  dp.property("bandwidth", boost::get(&DotEdge::bandwidth, g));
  dp.property("latency", boost::get(&DotEdge::latency, g));
  dp.property("class", boost::get(&DotEdge::link_class, g));
  try {
    if (!boost::read_graphviz(text, g, dp, "node_id")) return make_error(source, "", "not a GraphViz DOT graph");
  } catch (const std::exception& e) {
    return make_error(source, "", std::string("malformed DOT: ") + e.what());
  }
  auto topo = std::make_unique<Topology>(source);
  const int nv = static_cast<int>(boost::num_vertices(g));
  if (nv == 0) return make_error(source, "", "graph has no vertices");
  std::vector<VertexKind> kinds(nv);
  for (int v = 0; v < nv; ++v) {
    const auto& p = g[v];
    VertexKind k;
    if (p.kind == "gpu") k = VertexKind::kGpu;
    else if (p.kind == "nvswitch") k = VertexKind::kNvSwitch;
    else if (p.kind == "nic") k = VertexKind::kNic;
    else if (p.kind == "switch") k = VertexKind::kSwitch;
    else {
      return make_error(source, where(text, "vertex " + p.id, p.id),
                        p.kind.empty() ? "missing attribute kind (gpu, nvswitch, nic or switch)"
                                       : "kind '" + p.kind + "' is not one of gpu, nvswitch, nic, switch");
    }
    kinds[v] = k;
    int node = -1;
    if (!p.node.empty()) {
      char* end = nullptr;
      const long n = std::strtol(p.node.c_str(), &end, 10);
      if (*end != '\0' || n < 0) return make_error(source, where(text, "vertex " + p.id, p.id), "host '" + p.node + "' is not a non-negative integer");
      node = static_cast<int>(n);
    }
    const int id = topo->add_vertex(k, p.id, node);
    if (!p.rank.empty()) {
      if (k != VertexKind::kGpu) return make_error(source, where(text, "vertex " + p.id, p.id), "only GPUs take a rank");
      char* end = nullptr;
      const long r = std::strtol(p.rank.c_str(), &end, 10);
      if (*end != '\0' || r < 0) return make_error(source, where(text, "vertex " + p.id, p.id), "rank '" + p.rank + "' is not a non-negative integer");
      topo->set_rank(id, static_cast<int>(r));
    }
  }
  for (auto [it, end] = boost::edges(g); it != end; ++it) {
    const int s = static_cast<int>(boost::source(*it, g));
    const int d = static_cast<int>(boost::target(*it, g));
    const auto& e = g[*it];
    const std::string sep = undirected ? " -- " : " -> ";
    const std::string loc = where(text, "edge " + g[s].id + sep + g[d].id, g[s].id, g[d].id);
    if (e.bandwidth.empty()) return make_error(source, loc, "missing attribute bandwidth (e.g. bandwidth=\"400Gb/s\")");
    auto bw = parse_bandwidth(e.bandwidth);
    if (!bw.ok()) return make_error(source, loc, "bandwidth: " + bw.message());
    if (!(*bw > 0)) return make_error(source, loc, "bandwidth must be positive, got '" + e.bandwidth + "'");
    double lat = 0;
    if (!e.latency.empty()) {
      auto l = parse_duration(e.latency);
      if (!l.ok()) return make_error(source, loc, "latency: " + l.message());
      if (!(*l >= 0)) return make_error(source, loc, "latency must be non-negative, got '" + e.latency + "'");
      lat = *l;
    }
    LinkClass cls;
    if (e.link_class == "nvlink") cls = LinkClass::kNvlink;
    else if (e.link_class == "pcie") cls = LinkClass::kPcie;
    else if (e.link_class == "network") cls = LinkClass::kNetwork;
    else if (!e.link_class.empty()) return make_error(source, loc, "class '" + e.link_class + "' is not one of nvlink, pcie, network");
    else {
      const VertexKind a = kinds[s], b = kinds[d];
      auto is = [&](VertexKind k) { return a == k || b == k; };
      if (is(VertexKind::kSwitch)) cls = LinkClass::kNetwork;
      else if (is(VertexKind::kNic)) cls = (a == VertexKind::kNic && b == VertexKind::kNic) ? LinkClass::kNetwork : LinkClass::kPcie;
      else cls = LinkClass::kNvlink;
    }
    if (s == d) return make_error(source, loc, "a link may not join a vertex to itself");
    if (undirected) topo->add_duplex(s, d, *bw, lat, cls);
    else topo->add_link(s, d, *bw, lat, cls);
  }
  MOESIM_RETURN_IF_ERROR(topo->finalize(source));
  return topo;
}

// Hand-written scanners below, not std::regex: libstdc++'s regex matcher recurses once per
// character, so a long comment, run of spaces or number overflowed the stack (segfault).
bool is_unit_char(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '/'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Finds `= [+-]digits[.digits]<letter or />` in a line without its quoted strings: a value with
// a unit that DOT would split. Returns the offending text, or "" when there is none.
std::string unquoted_unit_value(const std::string& bare) {
  for (size_t eq = bare.find('='); eq != std::string::npos; eq = bare.find('=', eq + 1)) {
    size_t i = eq + 1;
    while (i < bare.size() && std::isspace(static_cast<unsigned char>(bare[i]))) ++i;
    if (i < bare.size() && (bare[i] == '+' || bare[i] == '-')) ++i;
    const size_t int_begin = i;
    while (i < bare.size() && is_digit(bare[i])) ++i;
    size_t end = i;
    bool has_digits = i > int_begin;
    if (i < bare.size() && bare[i] == '.') {
      const size_t frac_begin = ++i;
      while (i < bare.size() && is_digit(bare[i])) ++i;
      has_digits = i > frac_begin;  // "5." followed by a letter is not a number with a unit
      end = i;
    }
    if (has_digits && end < bare.size() && is_unit_char(bare[end])) return bare.substr(eq + 1, end + 1 - (eq + 1));
  }
  return "";
}

// Boost's DOT lexer reads an unquoted 1e9 or 400Gb/s as the number 1 or 400 followed by junk
// it ignores: a silently wrong bandwidth. Such values must be quoted.
Status check_unquoted_units(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string bare;  // the line without quoted strings
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) quoted = !quoted;
      else if (!quoted) bare += line[i];
    }
    const std::string bad = unquoted_unit_value(bare);
    if (!bad.empty()) {
      return make_error(source, "line " + std::to_string(n),
                        "value '" + bad.substr(0, 40) + "...' must be quoted (e.g. bandwidth=\"400Gb/s\", latency=\"1e-6\")");
    }
  }
  return {};
}

bool starts_with_nocase(const std::string& text, size_t pos, const char* word) {
  for (size_t k = 0; word[k] != '\0'; ++k) {
    if (pos + k >= text.size() || std::tolower(static_cast<unsigned char>(text[pos + k])) != word[k]) return false;
  }
  return true;
}

// The header keyword after comments and white space: [strict] (graph|digraph). Returns 1 for a
// digraph, 0 for a graph, -1 when the text does not start like a DOT file.
int dot_header_kind(const std::string& text) {
  size_t i = 0;
  for (;;) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (text.compare(i, 2, "//") == 0 || text.compare(i, 1, "#") == 0) {
      i = text.find('\n', i);
      if (i == std::string::npos) return -1;
    } else if (text.compare(i, 2, "/*") == 0) {
      i = text.find("*/", i + 2);
      if (i == std::string::npos) return -1;
      i += 2;
    } else {
      break;
    }
  }
  if (starts_with_nocase(text, i, "strict") && i + 6 < text.size() && std::isspace(static_cast<unsigned char>(text[i + 6]))) {
    i += 6;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  }
  const bool directed = starts_with_nocase(text, i, "di");
  if (directed) i += 2;
  if (!starts_with_nocase(text, i, "graph")) return -1;
  i += 5;
  if (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) return -1;
  return directed ? 1 : 0;
}

// boost::read_graphviz parses nested subgraphs recursively; thousands of levels overflow the
// stack. Real topologies nest a few levels, so deeper files are refused up front.
constexpr int kMaxDotNesting = 64;

Status check_nesting(const std::string& text, const std::string& source) {
  int depth = 0, line = 1;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (c == '"' && (i == 0 || text[i - 1] != '\\')) quoted = !quoted;
    if (quoted) continue;
    if (c == '{' && ++depth > kMaxDotNesting) {
      return make_error(source, "line " + std::to_string(line),
                        "braces nested more than " + std::to_string(kMaxDotNesting) + " deep");
    }
    if (c == '}') --depth;
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Topology>> parse_topology_dot(const std::string& text, const std::string& source) {
  MOESIM_RETURN_IF_ERROR(check_unquoted_units(text, source));
  MOESIM_RETURN_IF_ERROR(check_nesting(text, source));
  const int kind = dot_header_kind(text);
  if (kind < 0) {
    return make_error(source, "line 1", "not a GraphViz DOT file (expected 'graph' or 'digraph')");
  }
  const bool directed = kind == 1;
  if (directed) return build<DotGraph<boost::directedS>>(text, source, false);
  return build<DotGraph<boost::undirectedS>>(text, source, true);
}

Result<std::unique_ptr<Topology>> load_topology_dot(const std::string& path) {
  MOESIM_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_topology_dot(text, path);
}

std::string topology_to_dot(const Topology& t) {
  std::ostringstream o;
  o << "digraph \"" << t.name() << "\" {\n";
  for (int v = 0; v < t.num_vertices(); ++v) {
    const auto& p = t.vertex(v);
    o << "  \"" << p.name << "\" [kind=" << vertex_kind_name(p.kind);
    if (p.kind == VertexKind::kGpu) o << ", rank=" << p.rank;
    if (p.node >= 0) o << ", host=" << p.node;
    o << "];\n";
  }
  char buf[64];
  for (int l = 0; l < t.num_links(); ++l) {
    o << "  \"" << t.vertex(t.link_src(l)).name << "\" -> \"" << t.vertex(t.link_dst(l)).name << "\" [";
    std::snprintf(buf, sizeof buf, "%.17g", t.link_bandwidth(l));
    o << "bandwidth=\"" << buf << "\", ";
    std::snprintf(buf, sizeof buf, "%.17g", t.link_latency(l));
    o << "latency=\"" << buf << "\", class=" << link_class_name(t.link_class(l)) << "];\n";
  }
  o << "}\n";
  return o.str();
}

}  // namespace moesim
