#include "sim/topology/nccl_xml.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "sim/topology/router.h"
#include "traces/file_io.h"

namespace moesim {
namespace {

// ============================ A small XML reader ============================
// Enough XML for NCCL's files: elements, attributes in single or double quotes, self-closing
// tags, comments, processing instructions (the <?xml ...?> header) and the five predefined and
// numeric character references. No DTDs, no CDATA, no text content (NCCL writes none).

struct XmlNode {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::vector<int> children;
  int parent = -1;
  int line = 0;

  const std::string* attr(const std::string& key) const {
    for (const auto& [k, v] : attrs) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

struct XmlDoc {
  std::vector<XmlNode> nodes;
  int root = -1;
};

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '-' || c == '.';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class XmlReader {
 public:
  XmlReader(const std::string& text, const std::string& source) : s_(text), source_(source) {}

  Result<XmlDoc> read() {
    if (s_.compare(0, 3, "\xEF\xBB\xBF") == 0) i_ = 3;  // UTF-8 byte order mark
    std::vector<int> open;
    while (i_ < s_.size()) {
      if (s_[i_] != '<') {
        const size_t start = i_;
        const int start_line = line_;
        while (i_ < s_.size() && s_[i_] != '<') step();
        const std::string text = s_.substr(start, i_ - start);
        const size_t first = text.find_first_not_of(" \t\r\n");
        if (first != std::string::npos) {
          int l = start_line;
          for (size_t k = 0; k < first; ++k) l += text[k] == '\n';
          std::string shown = text.substr(first, std::min<size_t>(20, text.size() - first));
          shown = shown.substr(0, shown.find_first_of("\r\n"));
          return fail(l, "unexpected text '" + shown + "' (NCCL topology XML has only elements and attributes)");
        }
        continue;
      }
      if (starts("<?")) {
        const int l = line_;
        if (!skip_past("?>")) return fail(l, "'<?' is never closed with '?>'");
      } else if (starts("<!--")) {
        const int l = line_;
        if (!skip_past("-->")) return fail(l, "comment '<!--' is never closed with '-->'");
      } else if (starts("<!")) {
        return fail(line_, "DOCTYPE and CDATA sections are not supported in an NCCL topology XML");
      } else if (starts("</")) {
        const int l = line_;
        i_ += 2;
        const std::string name = read_name();
        skip_space();
        if (name.empty() || i_ >= s_.size() || s_[i_] != '>') return fail(l, "malformed closing tag");
        step();
        if (open.empty()) return fail(l, "</" + name + "> closes an element that was never opened");
        const XmlNode& top = doc_.nodes[open.back()];
        if (top.name != name) {
          return fail(l, "</" + name + "> closes <" + top.name + "> opened at line " + std::to_string(top.line));
        }
        open.pop_back();
      } else {
        const int l = line_;
        step();
        XmlNode node;
        node.name = read_name();
        node.line = l;
        if (node.name.empty()) return fail(l, "expected an element name after '<'");
        if (open.empty() && doc_.root >= 0) {
          return fail(l, "second top-level element <" + node.name + "> (the file has one <system> element)");
        }
        bool self_closing = false;
        while (true) {
          const bool spaced = skip_space();
          if (i_ >= s_.size()) return fail(l, "tag <" + node.name + "> is never closed with '>'");
          if (s_[i_] == '>') { step(); break; }
          if (starts("/>")) { i_ += 2; self_closing = true; break; }
          if (!spaced) return fail(line_, "expected a space, '>' or '/>' in tag <" + node.name + ">");
          const int al = line_;
          if (!is_name_start(s_[i_])) {
            return fail(al, "bad attribute in <" + node.name + ">: unexpected character '" + std::string(1, s_[i_]) + "'");
          }
          const std::string key = read_name();
          skip_space();
          if (i_ >= s_.size() || s_[i_] != '=') return fail(al, "attribute '" + key + "' of <" + node.name + "> has no value");
          step();
          skip_space();
          if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) {
            return fail(al, "value of attribute '" + key + "' of <" + node.name + "> must be in quotes");
          }
          const char quote = s_[i_];
          step();
          const size_t vstart = i_;
          while (i_ < s_.size() && s_[i_] != quote && s_[i_] != '<') step();
          if (i_ >= s_.size() || s_[i_] == '<') {
            return fail(al, "value of attribute '" + key + "' of <" + node.name + "> is never closed with " + quote);
          }
          auto value = decode(s_.substr(vstart, i_ - vstart), al);
          if (!value.ok()) return value.error();
          step();
          if (node.attr(key)) return fail(al, "attribute '" + key + "' appears twice in <" + node.name + ">");
          node.attrs.emplace_back(key, std::move(*value));
        }
        const int id = static_cast<int>(doc_.nodes.size());
        if (!open.empty()) {
          node.parent = open.back();
          doc_.nodes[open.back()].children.push_back(id);
        } else {
          doc_.root = id;
        }
        doc_.nodes.push_back(std::move(node));
        if (!self_closing) {
          if (open.size() >= 256) return fail(l, "elements nested more than 256 deep");
          open.push_back(id);
        }
      }
    }
    if (!open.empty()) {
      const XmlNode& n = doc_.nodes[open.back()];
      return fail(n.line, "<" + n.name + "> opened here is never closed (end of file reached)");
    }
    if (doc_.root < 0) return fail(line_, "no XML element found (empty file?)");
    return std::move(doc_);
  }

 private:
  Error fail(int line, const std::string& what) const { return make_error(source_, std::to_string(line), what); }
  bool starts(const char* p) const { return s_.compare(i_, std::char_traits<char>::length(p), p) == 0; }
  void step() {
    if (s_[i_] == '\n') ++line_;
    ++i_;
  }
  bool skip_space() {
    const size_t start = i_;
    while (i_ < s_.size() && is_space(s_[i_])) step();
    return i_ > start;
  }
  bool skip_past(const char* end) {
    const size_t at = s_.find(end, i_);
    if (at == std::string::npos) return false;
    while (i_ < at + std::char_traits<char>::length(end)) step();
    return true;
  }
  std::string read_name() {
    const size_t start = i_;
    if (i_ < s_.size() && is_name_start(s_[i_])) {
      while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
    }
    return s_.substr(start, i_ - start);
  }
  Result<std::string> decode(const std::string& v, int line) const {
    std::string out;
    for (size_t k = 0; k < v.size(); ++k) {
      if (v[k] != '&') {
        out += v[k];
        continue;
      }
      const size_t semi = v.find(';', k);
      if (semi == std::string::npos) return fail(line, "'&' without ';' in attribute value '" + v + "'");
      const std::string ent = v.substr(k + 1, semi - k - 1);
      if (ent == "amp") out += '&';
      else if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else if (ent.size() > 1 && ent[0] == '#') {
        char* end = nullptr;
        const bool hex = ent[1] == 'x' || ent[1] == 'X';
        const long cp = std::strtol(ent.c_str() + (hex ? 2 : 1), &end, hex ? 16 : 10);
        if (*end != '\0' || cp <= 0 || cp > 0x10FFFF) return fail(line, "bad character reference '&" + ent + ";'");
        // UTF-8 encoding of the code point.
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xF0 | (cp >> 18));
          out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
      } else {
        return fail(line, "unknown entity '&" + ent + ";'");
      }
      k = semi;
    }
    return out;
  }

  const std::string& s_;
  std::string source_;
  size_t i_ = 0;
  int line_ = 1;
  XmlDoc doc_;
};

// ============================ NCCL XML -> Topology ============================

// Latencies of one hop. NCCL's XML carries none (except a NIC's `latency`, in microseconds);
// these are the presets' orders of magnitude (presets.cc), replaced by `moeprof fit`.
constexpr Seconds kHopLatency = 0.25e-6;      // an NVLink, PCIe or inter-socket hop
constexpr Seconds kNetDefaultLatency = 0.5e-6;  // NIC to the first fabric switch
// NCCL's LOC_BW (5000 GB/s): "not a bottleneck", used for NICs listed straight under a <cpu>.
constexpr double kLocalBandwidth = 5000e9;

constexpr long long kNoRank = -1;

// "0000:18:00.0" -> 0x0000180000 style integer, as NCCL's busIdToInt64: hex digits, ':' and '.'
// ignored. Returns -1 when the text has other characters or no digit.
int64_t bus_id_value(const std::string& s) {
  int64_t v = 0;
  int digits = 0;
  for (char c : s) {
    if (c == ':' || c == '.') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)) || digits >= 15) return -1;
    v = v * 16 + (std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10);
    ++digits;
  }
  return digits ? v : -1;
}

bool is_hex_class(const std::string& s) {
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  return std::all_of(s.begin() + 2, s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}
bool class_is(const std::string& cls, const std::string& prefix) {
  if (cls.size() < prefix.size()) return false;
  for (size_t k = 0; k < prefix.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(cls[k])) != prefix[k]) return false;
  }
  return true;
}

struct PlanVertex {
  VertexKind kind;
  std::string name;
  int node, tier;
};
struct PlanLink {
  int a, b;
  double bw;
  Seconds lat;
  LinkClass cls;
  bool duplex;
};
struct PlanGpu {
  int vertex, xml, dev, sm, host, cpu_vertex;
  int64_t rank;
};
struct PendingPciLink {
  int from_vertex, host, line;
  std::string target;
  double bw;
};

class Builder {
 public:
  Builder(const XmlDoc& doc, const std::string& source) : doc_(doc), source_(source) {}

  Result<std::unique_ptr<Topology>> build() {
    const XmlNode& root = doc_.nodes[doc_.root];
    if (root.name != "system") {
      return err(root, "expected <system> as the top element (NCCL_TOPO_DUMP_FILE output), found <" + root.name + ">");
    }
    for (int c : root.children) {
      if (doc_.nodes[c].name != "cpu") continue;
      const std::string* h = doc_.nodes[c].attr("host_hash");
      const std::string key = h ? *h : "";
      if (!hosts_.count(key)) hosts_.emplace(key, static_cast<int>(hosts_.size()));
    }
    for (int c : root.children) {
      if (doc_.nodes[c].name == "cpu") MOESIM_RETURN_IF_ERROR(add_cpu(doc_.nodes[c]));
    }
    if (gpus_.empty()) {
      return make_error(source_, "", "no GPU found: NCCL lists each GPU as <pci busid=... class=0x03...><gpu dev=... sm=... "
                                      "rank=.../></pci> inside a <cpu>");
    }
    connect_cpus();
    MOESIM_RETURN_IF_ERROR(add_nvlinks());
    MOESIM_RETURN_IF_ERROR(add_pci_links());
    keep_nvlink_paths_shortest();
    std::vector<int> rank_of;
    MOESIM_RETURN_IF_ERROR(assign_ranks(&rank_of));

    auto t = std::make_unique<Topology>(std::filesystem::path(source_).stem().string());
    for (const auto& v : vertices_) t->add_vertex(v.kind, v.name, v.node, v.tier);
    for (const auto& l : links_) {
      if (l.duplex) t->add_duplex(l.a, l.b, l.bw, l.lat, l.cls);
      else t->add_link(l.a, l.b, l.bw, l.lat, l.cls);
    }
    for (size_t g = 0; g < gpus_.size(); ++g) t->set_rank(gpus_[g].vertex, rank_of[g]);
    MOESIM_RETURN_IF_ERROR(t->finalize(source_));
    MOESIM_RETURN_IF_ERROR(Router(*t, EcmpMode::kSplit).check_all_pairs(source_));
    return t;
  }

 private:
  Error err(const XmlNode& n, const std::string& what) const {
    return make_error(source_, std::to_string(n.line), what);
  }
  int index_of(const XmlNode& n) const { return static_cast<int>(&n - doc_.nodes.data()); }

  Result<std::string> required(const XmlNode& n, const std::string& key) const {
    const std::string* v = n.attr(key);
    if (!v) return err(n, "<" + n.name + "> has no " + key + " attribute");
    return *v;
  }
  // Integers as NCCL reads them (strtol base 0: decimal or 0x hex).
  Result<long long> integer(const XmlNode& n, const std::string& key, std::optional<long long> def) const {
    const std::string* v = n.attr(key);
    if (!v) {
      if (def) return *def;
      return err(n, "<" + n.name + "> has no " + key + " attribute");
    }
    errno = 0;
    char* end = nullptr;
    const long long x = std::strtoll(v->c_str(), &end, 0);
    if (v->empty() || *end != '\0' || errno == ERANGE) {
      return err(n, "<" + n.name + "> attribute " + key + "=\"" + *v + "\" is not an integer");
    }
    return x;
  }
  Result<double> real(const XmlNode& n, const std::string& key, double def) const {
    const std::string* v = n.attr(key);
    if (!v) return def;
    char* end = nullptr;
    const double x = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0' || !std::isfinite(x)) {
      return err(n, "<" + n.name + "> attribute " + key + "=\"" + *v + "\" is not a number");
    }
    return x;
  }

  std::string prefix(int host) const {
    std::string p;
    if (hosts_.size() > 1) {
      p = "h";
      p.append(std::to_string(host)).push_back('.');
    }
    return p;
  }
  int add_vertex(VertexKind kind, std::string name, int node, int tier) {
    if (!names_.insert(name).second) {
      std::string unique;
      for (int k = 2; unique.empty() || !names_.insert(unique).second; ++k) {
        unique = name;
        unique.append("#").append(std::to_string(k));
      }
      name = unique;
    }
    vertices_.push_back({kind, std::move(name), node, tier});
    return static_cast<int>(vertices_.size()) - 1;
  }
  void link(int a, int b, double bw, Seconds lat, LinkClass cls, bool duplex = true) {
    links_.push_back({a, b, bw, lat, cls, duplex});
  }

  Status add_cpu(const XmlNode& cpu) {
    MOESIM_ASSIGN_OR_RETURN(const long long numaid, integer(cpu, "numaid", std::nullopt));
    const std::string* h = cpu.attr("host_hash");
    const int host = hosts_.at(h ? *h : "");
    if (!cpu_ids_.insert({host, numaid}).second) {
      return err(cpu, "a second <cpu> with numaid=" + std::to_string(numaid) + " on the same host");
    }
    const int v = add_vertex(VertexKind::kSwitch, prefix(host) + "cpu" + std::to_string(numaid), host, 2);
    const std::string* arch = cpu.attr("arch");
    const std::string* vendor = cpu.attr("vendor");
    MOESIM_ASSIGN_OR_RETURN(const long long family, integer(cpu, "familyid", 0));
    MOESIM_ASSIGN_OR_RETURN(const long long model, integer(cpu, "modelid", 0));
    cpus_.push_back({v, host, inter_cpu_bandwidth_bytes_per_s(arch ? *arch : "", vendor ? *vendor : "",
                                                              static_cast<int>(family), static_cast<int>(model))});
    for (int c : cpu.children) {
      const XmlNode& n = doc_.nodes[c];
      if (n.name == "pci") MOESIM_RETURN_IF_ERROR(add_pci(n, v, host, v));
      if (n.name == "nic") MOESIM_RETURN_IF_ERROR(add_nic(n, v, host, kLocalBandwidth));
    }
    return {};
  }

  Result<double> pci_bandwidth(const XmlNode& pci) const {
    MOESIM_ASSIGN_OR_RETURN(const std::string speed, required(pci, "link_speed"));
    MOESIM_ASSIGN_OR_RETURN(const long long width, integer(pci, "link_width", std::nullopt));
    if (width < 0 || width > 32) return err(pci, "link_width=\"" + std::to_string(width) + "\" is not a PCIe lane count (0..32)");
    auto bw = pcie_bandwidth_bytes_per_s(speed, static_cast<int>(width));
    if (!bw.ok()) return err(pci, bw.message());
    return *bw;
  }

  Status add_pci(const XmlNode& pci, int parent, int host, int cpu_vertex) {
    MOESIM_ASSIGN_OR_RETURN(const std::string busid, required(pci, "busid"));
    MOESIM_ASSIGN_OR_RETURN(const std::string cls, required(pci, "class"));
    const int64_t bus = bus_id_value(busid);
    if (bus < 0) return err(pci, "busid=\"" + busid + "\" is not a PCI bus id (like 0000:18:00.0)");
    if (!is_hex_class(cls)) return err(pci, "class=\"" + cls + "\" is not a PCI class code (like 0x030200)");
    if (!bus_ids_.insert({host, bus}).second) return err(pci, "busid " + busid + " appears twice");
    std::vector<int> gpu_children;
    const XmlNode* nic = nullptr;
    bool has_sub = false;
    for (int c : pci.children) {
      const XmlNode& n = doc_.nodes[c];
      if (n.name == "gpu") gpu_children.push_back(c);
      if (n.name == "nic" && !nic) nic = &n;
      if (n.name == "pci" || n.name == "pcilink") has_sub = true;
    }
    if (!gpu_children.empty()) {
      if (gpu_children.size() > 1) {
        return err(doc_.nodes[gpu_children[1]],
                   "several <gpu> in one <pci> (several ranks or MLOPart partitions on one GPU) are not supported");
      }
      const XmlNode& g = doc_.nodes[gpu_children[0]];
      MOESIM_ASSIGN_OR_RETURN(const long long dev, integer(g, "dev", std::nullopt));
      MOESIM_ASSIGN_OR_RETURN(const long long sm, integer(g, "sm", std::nullopt));
      MOESIM_ASSIGN_OR_RETURN(const long long rank, integer(g, "rank", kNoRank));
      if (dev < 0) return err(g, "dev=\"" + std::to_string(dev) + "\" must be >= 0");
      if (sm < 10 || sm > 1000) return err(g, "sm=\"" + std::to_string(sm) + "\" is not a compute capability (90 = H100)");
      if (rank < kNoRank) return err(g, "rank=\"" + std::to_string(rank) + "\" must be >= 0");
      MOESIM_ASSIGN_OR_RETURN(const double bw, pci_bandwidth(pci));
      const int v = add_vertex(VertexKind::kGpu, prefix(host) + "gpu" + std::to_string(dev), host, 0);
      link(v, parent, bw, kHopLatency, LinkClass::kPcie);
      gpus_.push_back({v, gpu_children[0], static_cast<int>(dev), static_cast<int>(sm), host, cpu_vertex, rank});
      gpu_by_bus_[{host, bus}] = static_cast<int>(gpus_.size()) - 1;
      return {};
    }
    if (nic) {
      MOESIM_ASSIGN_OR_RETURN(const double bw, pci_bandwidth(pci));
      return add_nic(*nic, parent, host, bw);
    }
    // A bridge or switch. Leaf devices without GPU or NIC (NVMe, an NVSwitch's own PCI
    // function, a GPU NCCL did not open) carry no traffic moesim models: left out.
    if (!has_sub) return {};
    MOESIM_ASSIGN_OR_RETURN(const double bw, pci_bandwidth(pci));
    const int v = add_vertex(VertexKind::kSwitch, prefix(host) + "pcie." + busid, host, 1);
    link(v, parent, bw, kHopLatency, LinkClass::kPcie);
    switch_by_bus_[{host, bus}] = v;
    for (int c : pci.children) {
      const XmlNode& n = doc_.nodes[c];
      if (n.name == "pci") MOESIM_RETURN_IF_ERROR(add_pci(n, v, host, cpu_vertex));
      if (n.name == "pcilink") {
        MOESIM_ASSIGN_OR_RETURN(const std::string target, required(n, "target"));
        pending_pci_links_.push_back({v, host, n.line, target, bw});
      }
    }
    return {};
  }

  // A NIC (one PCI device) with its ports (<net>); `bw` is its PCIe link.
  Status add_nic(const XmlNode& nic, int parent, int host, double bw) {
    std::vector<const XmlNode*> nets;
    for (int c : nic.children) {
      const XmlNode& n = doc_.nodes[c];
      // NCCL ignores <net> elements without `dev` (ports it did not open).
      if (n.name == "net" && n.attr("dev")) nets.push_back(&n);
    }
    if (nets.empty()) return {};
    std::string name;
    std::vector<std::string> port_names;
    for (const XmlNode* n : nets) {
      MOESIM_ASSIGN_OR_RETURN(const long long dev, integer(*n, "dev", std::nullopt));
      const std::string* nm = n->attr("name");
      port_names.push_back(nm && !nm->empty() ? *nm : "net" + std::to_string(dev));
      name += (name.empty() ? "" : "+") + port_names.back();
    }
    const int v = add_vertex(VertexKind::kNic, prefix(host) + name, host, 1);
    link(v, parent, bw, kHopLatency, LinkClass::kPcie);
    for (size_t k = 0; k < nets.size(); ++k) {
      // speed in Mb/s; NCCL reads <= 0 (some NICs report -1) as 10 Gb/s.
      MOESIM_ASSIGN_OR_RETURN(long long mbps, integer(*nets[k], "speed", 0));
      if (mbps <= 0) mbps = 10000;
      MOESIM_ASSIGN_OR_RETURN(const double latency_us, real(*nets[k], "latency", 0));
      if (latency_us < 0) return err(*nets[k], "latency must be >= 0 (microseconds)");
      const int leaf = add_vertex(VertexKind::kSwitch, prefix(host) + port_names[k] + ".leaf", -1, 3);
      link(v, leaf, static_cast<double>(mbps) * 1e6 / 8, latency_us > 0 ? latency_us * 1e-6 : kNetDefaultLatency,
           LinkClass::kNetwork);
    }
    return {};
  }

  // Every two CPU sockets of a host are joined, as NCCL's ncclTopoConnectCpus does; each
  // direction at the bandwidth of the socket it leaves.
  void connect_cpus() {
    for (const auto& a : cpus_) {
      for (const auto& b : cpus_) {
        if (a.vertex != b.vertex && a.host == b.host) link(a.vertex, b.vertex, a.bw, kHopLatency, LinkClass::kPcie, false);
      }
    }
  }

  Status add_nvlinks() {
    std::map<std::pair<int, int>, long long> gpu_links;  // (gpu, gpu) -> NVLink count
    std::vector<long long> to_switch(gpus_.size(), 0), to_cpu(gpus_.size(), 0);
    std::vector<double> c2c_bw(gpus_.size(), 0);
    for (size_t g = 0; g < gpus_.size(); ++g) {
      for (int c : doc_.nodes[gpus_[g].xml].children) {
        const XmlNode& n = doc_.nodes[c];
        if (n.name == "nvlink") {
          MOESIM_ASSIGN_OR_RETURN(const long long count, integer(n, "count", std::nullopt));
          MOESIM_ASSIGN_OR_RETURN(const std::string tclass, required(n, "tclass"));
          if (count < 1 || count > 1000) return err(n, "count=\"" + std::to_string(count) + "\" must be 1..1000 NVLinks");
          if (!is_hex_class(tclass)) return err(n, "tclass=\"" + tclass + "\" is not a PCI class code (like 0x068000)");
          if (class_is(tclass, "0x068001")) {  // NVLink to the CPU (POWER9)
            to_cpu[g] += count;
          } else if (class_is(tclass, "0x03")) {  // another GPU
            MOESIM_ASSIGN_OR_RETURN(const std::string target, required(n, "target"));
            const int64_t bus = bus_id_value(target);
            auto it = gpu_by_bus_.find({gpus_[g].host, bus});
            if (bus < 0 || it == gpu_by_bus_.end()) {
              return err(n, "nvlink target \"" + target + "\" is not the busid of a GPU in this file");
            }
            if (it->second == static_cast<int>(g)) return err(n, "nvlink target \"" + target + "\" is the GPU itself");
            gpu_links[{static_cast<int>(g), it->second}] += count;
          } else {
            // NVSwitch (0x068000) and, as in NCCL, any other class: the node's NVLink switch.
            to_switch[g] += count;
          }
        } else if (n.name == "c2c") {
          // NVLink-C2C to the CPU (Grace): `bw` in MB/s per link.
          MOESIM_ASSIGN_OR_RETURN(const long long bw, integer(n, "bw", std::nullopt));
          MOESIM_ASSIGN_OR_RETURN(const long long count, integer(n, "count", std::nullopt));
          if (bw <= 0 || count <= 0) return err(n, "<c2c> bw and count must be positive");
          c2c_bw[g] += static_cast<double>(bw) * static_cast<double>(count) * 1e6;
        }
      }
    }
    std::set<int> switch_hosts;
    for (size_t g = 0; g < gpus_.size(); ++g) {
      if (to_switch[g]) switch_hosts.insert(gpus_[g].host);
    }
    if (!switch_hosts.empty()) {
      // One NVLink switch for the whole file, as NCCL builds one NVS node.
      const int node = switch_hosts.size() == 1 ? *switch_hosts.begin() : -1;
      nvswitch_ = add_vertex(VertexKind::kNvSwitch, switch_hosts.size() == 1 ? prefix(node) + "nvswitch" : "nvswitch", node, 1);
    }
    for (size_t g = 0; g < gpus_.size(); ++g) {
      const double per_link = nvlink_bandwidth_per_link_bytes_per_s(gpus_[g].sm);
      if (to_switch[g]) link(gpus_[g].vertex, nvswitch_, static_cast<double>(to_switch[g]) * per_link, kHopLatency, LinkClass::kNvlink);
      if (to_cpu[g]) link(gpus_[g].vertex, gpus_[g].cpu_vertex, static_cast<double>(to_cpu[g]) * per_link, kHopLatency, LinkClass::kNvlink);
      if (c2c_bw[g] > 0) link(gpus_[g].vertex, gpus_[g].cpu_vertex, c2c_bw[g], kHopLatency, LinkClass::kNvlink);
    }
    // Each GPU lists its own NVLinks, so a pair appears once from each side: one direction each.
    for (const auto& [pair, count] : gpu_links) {
      const double per_link = nvlink_bandwidth_per_link_bytes_per_s(gpus_[pair.first].sm);
      link(gpus_[pair.first].vertex, gpus_[pair.second].vertex, static_cast<double>(count) * per_link, kHopLatency,
           LinkClass::kNvlink, false);
    }
    return {};
  }

  Status add_pci_links() {
    for (const auto& p : pending_pci_links_) {
      auto it = switch_by_bus_.find({p.host, bus_id_value(p.target)});
      if (it == switch_by_bus_.end()) {
        return make_error(source_, std::to_string(p.line),
                          "pcilink target \"" + p.target + "\" is not the busid of a PCIe switch in this file");
      }
      if (it->second != p.from_vertex) link(p.from_vertex, it->second, p.bw, kHopLatency, LinkClass::kPcie, false);
    }
    return {};
  }

  // moesim routes over hop-shortest paths; NCCL sends GPU-to-GPU traffic over NVLink whenever
  // there is one. GPU -> NVSwitch -> GPU is two hops, and so is GPU -> PCIe switch (or CPU) ->
  // GPU when two NVSwitch GPUs hang off the same parent: equal-cost paths would then send part of
  // the NVLink traffic over PCIe. Such attachments get one more hop through a port vertex
  // ("gpu3.pcie_port"), which keeps them for GPU<->NIC/CPU traffic and out of GPU<->GPU paths.
  void keep_nvlink_paths_shortest() {
    if (nvswitch_ < 0) return;
    std::vector<char> on_switch(vertices_.size(), 0);
    std::vector<int> gpu_of_vertex(vertices_.size(), -1);
    for (size_t g = 0; g < gpus_.size(); ++g) gpu_of_vertex[gpus_[g].vertex] = static_cast<int>(g);
    for (const auto& l : links_) {
      if (l.b == nvswitch_ && gpu_of_vertex[l.a] >= 0) on_switch[l.a] = 1;
    }
    auto attaches = [&](const PlanLink& l) {
      return l.duplex && on_switch[l.a] && vertices_[l.b].kind != VertexKind::kGpu && l.b != nvswitch_;
    };
    std::map<int, std::set<int>> gpus_at;  // parent vertex -> NVSwitch GPUs attached to it
    for (const auto& l : links_) {
      if (attaches(l)) gpus_at[l.b].insert(l.a);
    }
    std::map<std::pair<int, int>, int> port_of;  // (gpu, parent) -> port vertex
    const size_t n = links_.size();
    for (size_t k = 0; k < n; ++k) {
      PlanLink l = links_[k];
      if (!attaches(l) || gpus_at[l.b].size() < 2) continue;
      auto it = port_of.find({l.a, l.b});
      if (it == port_of.end()) {
        const int port = add_vertex(VertexKind::kSwitch, vertices_[l.a].name + ".pcie_port", vertices_[l.a].node, 1);
        it = port_of.emplace(std::make_pair(l.a, l.b), port).first;
      }
      // GPU -> port carries the link's bandwidth with no latency of its own; port -> parent is
      // the original link.
      links_[k].a = it->second;
      link(l.a, it->second, l.bw, 0.0, l.cls);
    }
  }

  Status assign_ranks(std::vector<int>* rank_of) {
    const size_t n = gpus_.size();
    size_t with_rank = 0;
    std::set<std::pair<int, int>> devs;
    for (const auto& g : gpus_) {
      with_rank += g.rank >= 0;
      if (!devs.insert({g.host, g.dev}).second) {
        return err(doc_.nodes[g.xml], "a second GPU with dev=" + std::to_string(g.dev) + " on the same host");
      }
    }
    if (with_rank != 0 && with_rank != n) {
      for (const auto& g : gpus_) {
        if (g.rank < 0) return err(doc_.nodes[g.xml], "this <gpu> has no rank attribute while others have one");
      }
    }
    std::vector<int> order(n);
    for (size_t g = 0; g < n; ++g) order[g] = static_cast<int>(g);
    // With ranks (NCCL_TOPO_DUMP_FILE output), ranks in rank order, made dense: a dump from the
    // second node of a job holds ranks 8..15, which become 0..7 here. Without, dev order.
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      if (with_rank) return gpus_[a].rank < gpus_[b].rank;
      return std::make_pair(gpus_[a].host, gpus_[a].dev) < std::make_pair(gpus_[b].host, gpus_[b].dev);
    });
    rank_of->assign(n, 0);
    for (size_t r = 0; r < n; ++r) {
      if (with_rank && r > 0 && gpus_[order[r]].rank == gpus_[order[r - 1]].rank) {
        return err(doc_.nodes[gpus_[order[r]].xml], "rank " + std::to_string(gpus_[order[r]].rank) + " is taken by two GPUs");
      }
      (*rank_of)[order[r]] = static_cast<int>(r);
    }
    return {};
  }

  struct PlanCpu {
    int vertex, host;
    double bw;
  };

  const XmlDoc& doc_;
  std::string source_;
  std::map<std::string, int> hosts_;
  std::set<std::pair<int, long long>> cpu_ids_;
  std::set<std::pair<int, int64_t>> bus_ids_;
  std::map<std::pair<int, int64_t>, int> gpu_by_bus_, switch_by_bus_;
  std::vector<PlanVertex> vertices_;
  std::vector<PlanLink> links_;
  std::vector<PlanGpu> gpus_;
  std::vector<PlanCpu> cpus_;
  std::vector<PendingPciLink> pending_pci_links_;
  std::set<std::string> names_;
  int nvswitch_ = -1;
};

}  // namespace

double nvlink_bandwidth_per_link_bytes_per_s(int sm) {
  // ncclTopoNVLinkBw (NCCL src/graph/topo.h), GB/s per link and direction.
  const double gb = sm >= 100 ? 40.1 : sm >= 90 ? 20.6 : sm == 86 ? 12.0 : sm >= 80 ? 20.0 : sm >= 70 ? 20.0
                  : sm >= 60 ? 18.0 : 20.0;
  return gb * 1e9;
}

Result<double> pcie_bandwidth_bytes_per_s(const std::string& link_speed, int link_width) {
  double gts = 8.0;  // "Unknown" or empty: NCCL's fallback is a Gen3 lane
  if (!link_speed.empty() && link_speed != "Unknown") {
    char* end = nullptr;
    gts = std::strtod(link_speed.c_str(), &end);
    std::string rest(end);
    if (end == link_speed.c_str() || (rest != " GT/s" && rest != " GT/s PCIe" && rest != "GT/s")) {
      return Error{"link_speed \"" + link_speed + "\" is not a PCIe speed like \"16.0 GT/s PCIe\""};
    }
  }
  // Line encoding: 8b/10b for Gen1/2, 128b/130b for Gen3-5, FLIT mode (242 of 256 bytes) for Gen6.
  double encoding;
  if (gts == 2.5 || gts == 5.0) encoding = 8.0 / 10.0;
  else if (gts == 8.0 || gts == 16.0 || gts == 32.0) encoding = 128.0 / 130.0;
  else if (gts == 64.0) encoding = 242.0 / 256.0;
  else return Error{"link_speed \"" + link_speed + "\" is not a PCIe rate (2.5, 5, 8, 16, 32 or 64 GT/s)"};
  const int lanes = link_width == 0 ? 16 : link_width;
  // GT/s per lane x lanes x encoding efficiency / 8 bits per byte.
  return gts * 1e9 * lanes * encoding / 8.0;
}

double inter_cpu_bandwidth_bytes_per_s(const std::string& arch, const std::string& vendor, int familyid, int modelid) {
  double gb = 5000;  // NCCL's LOC_BW for CPUs it has no figure for
  if (arch == "ppc64") {
    gb = 32;
  } else if (arch == "arm64") {
    gb = 6;
  } else if (arch == "x86_64" && vendor == "GenuineIntel") {
    // Granite Rapids (0xAD/0xAE) and Sierra Forest (0xAF) carry lower model ids than Emerald Rapids.
    if (familyid == 6 && (modelid >= 0xCF || modelid == 0xAD || modelid == 0xAE || modelid == 0xAF)) gb = 40;
    else if (familyid == 6 && modelid >= 0x8F) gb = 22;
    else if (familyid == 6 && modelid >= 0x55) gb = 10;
    else gb = 6;
  } else if (arch == "x86_64" && vendor == "AuthenticAMD") {
    if (familyid == 26 || familyid == 0xBF) gb = 32;
    else if (familyid == 25 || familyid == 0xAF) gb = 24;
    else gb = 16;
  } else if (arch == "x86_64" && (vendor == "CentaurHauls" || vendor == "  Shanghai  ")) {
    gb = familyid == 7 && modelid == 0x5B ? 9 : 6;
  }
  return gb * 1e9;
}

Result<std::unique_ptr<Topology>> parse_topology_nccl_xml(const std::string& text, const std::string& source) {
  MOESIM_ASSIGN_OR_RETURN(const XmlDoc doc, XmlReader(text, source).read());
  return Builder(doc, source).build();
}

Result<std::unique_ptr<Topology>> load_topology_nccl_xml(const std::string& path) {
  MOESIM_ASSIGN_OR_RETURN(const std::string text, read_file(path));
  return parse_topology_nccl_xml(text, path);
}

}  // namespace moesim
