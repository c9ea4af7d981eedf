// NCCL topology XML import: a small hand-written file with every figure computed by hand, the
// examples in examples/nccl/, and malformed files that must fail with file:line and the problem.
#include "sim/topology/nccl_xml.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "sim/topology/presets.h"
#include "sim/topology/router.h"

namespace moesim {
namespace {

// Two Skylake sockets; socket 0 has a Gen4 x16 switch with two A100s joined by 4 NVLinks each way
// (one GPU on a Gen3 x8 link); socket 1 has a Gen3 x16 100 Gb/s NIC.
constexpr const char* kSmall = R"(<?xml version="1.0"?>
<!-- hand-written test topology -->
<system version="1">
  <cpu numaid="0" arch="x86_64" vendor="GenuineIntel" familyid="6" modelid="85">
    <pci busid="0000:01:00.0" class="0x060400" link_speed="16.0 GT/s PCIe" link_width="16">
      <pci busid="0000:02:00.0" class="0x030200" link_speed="16.0 GT/s PCIe" link_width="16">
        <gpu dev="0" sm="80" rank="9" gdr="1">
          <nvlink target="0000:03:00.0" count="4" tclass="0x030200"/>
        </gpu>
      </pci>
      <pci busid='0000:03:00.0' class='0x030200' link_speed='8.0 GT/s PCIe' link_width='8'>
        <gpu dev="1" sm="80" rank="8" gdr="1"><nvlink target="0000:02:00.0" count="4" tclass="0x030200"/></gpu>
      </pci>
      <pci busid="0000:04:00.0" class="0x010802" link_speed="16.0 GT/s PCIe" link_width="4"/>
    </pci>
  </cpu>
  <cpu numaid="1" arch="x86_64" vendor="GenuineIntel" familyid="6" modelid="85">
    <pci busid="0000:81:00.0" class="0x020000" link_speed="8.0 GT/s PCIe" link_width="16">
      <nic>
        <net name="mlx5_0" dev="0" speed="100000" port="1" latency="2.5" gdr="1"/>
      </nic>
    </pci>
  </cpu>
</system>
)";

std::string example(const std::string& name) { return std::string(MOESIM_SOURCE_DIR) + "/examples/nccl/" + name; }

int vertex_named(const Topology& t, const std::string& name) {
  for (int v = 0; v < t.num_vertices(); ++v) {
    if (t.vertex(v).name == name) return v;
  }
  return -1;
}

// The directed links a -> b (there may be parallel ones).
std::vector<uint32_t> links_between(const Topology& t, const std::string& a, const std::string& b) {
  std::vector<uint32_t> out;
  const int va = vertex_named(t, a), vb = vertex_named(t, b);
  for (int l = 0; l < t.num_links(); ++l) {
    if (t.link_src(l) == va && t.link_dst(l) == vb) out.push_back(static_cast<uint32_t>(l));
  }
  return out;
}

double bandwidth(const Topology& t, const std::string& a, const std::string& b) {
  auto ls = links_between(t, a, b);
  EXPECT_EQ(ls.size(), 1u) << a << " -> " << b;
  return ls.empty() ? 0.0 : t.link_bandwidth(ls[0]);
}

std::string error_of(const std::string& xml) {
  auto r = parse_topology_nccl_xml(xml, "bad.xml");
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.message();
}

TEST(NcclXml, HandWrittenFileGivesHandComputedGraph) {
  auto r = parse_topology_nccl_xml(kSmall, "small.xml");
  ASSERT_TRUE(r.ok()) << r.message();
  const Topology& t = **r;
  EXPECT_EQ(t.name(), "small");
  // cpu0, cpu1, one PCIe switch, two GPUs, one NIC, its leaf. The NVMe leaf is left out.
  EXPECT_EQ(t.num_vertices(), 7);
  EXPECT_EQ(t.num_gpus(), 2);
  EXPECT_EQ(t.num_nodes(), 1);
  EXPECT_EQ(vertex_named(t, "pcie.0000:04:00.0"), -1);
  // 2 inter-socket + 2x2 GPU uplinks + 2 switch uplink + 2 NIC uplink + 2 network + 2 NVLink.
  EXPECT_EQ(t.num_links(), 14);

  // Ranks 9 and 8 become dense in rank order: gpu1 (rank 8) is rank 0.
  EXPECT_EQ(t.vertex(t.gpu_vertex(0)).name, "gpu1");
  EXPECT_EQ(t.vertex(t.gpu_vertex(1)).name, "gpu0");
  EXPECT_EQ(t.vertex(vertex_named(t, "mlx5_0")).kind, VertexKind::kNic);
  EXPECT_EQ(t.vertex(vertex_named(t, "cpu0")).kind, VertexKind::kSwitch);

  // PCIe Gen4 x16: 16 GT/s x 16 lanes x 128/130 / 8 = 31.5077 GB/s per direction.
  const double gen4x16 = 16e9 * 16 * 128 / 130 / 8;
  EXPECT_NEAR(bandwidth(t, "gpu0", "pcie.0000:01:00.0"), gen4x16, 1);
  EXPECT_NEAR(bandwidth(t, "pcie.0000:01:00.0", "gpu0"), gen4x16, 1);
  EXPECT_NEAR(bandwidth(t, "pcie.0000:01:00.0", "cpu0"), gen4x16, 1);
  // Gen3 x8: 8 x 8 x 128/130 / 8 = 7.8769 GB/s; Gen3 x16 NIC: 15.7538 GB/s.
  EXPECT_NEAR(bandwidth(t, "gpu1", "pcie.0000:01:00.0"), 7.876923e9, 1e3);
  EXPECT_NEAR(bandwidth(t, "mlx5_0", "cpu1"), 15.753846e9, 1e3);
  // NVLink on SM80: 4 links x 20 GB/s (NCCL's SM80_NVLINK_BW) = 80 GB/s each way.
  EXPECT_DOUBLE_EQ(bandwidth(t, "gpu0", "gpu1"), 80e9);
  EXPECT_DOUBLE_EQ(bandwidth(t, "gpu1", "gpu0"), 80e9);
  EXPECT_EQ(t.link_class(links_between(t, "gpu0", "gpu1")[0]), LinkClass::kNvlink);
  // Skylake sockets: NCCL's SKL_QPI_BW = 10 GB/s.
  EXPECT_DOUBLE_EQ(bandwidth(t, "cpu0", "cpu1"), 10e9);
  EXPECT_DOUBLE_EQ(bandwidth(t, "cpu1", "cpu0"), 10e9);
  EXPECT_EQ(t.link_class(links_between(t, "cpu0", "cpu1")[0]), LinkClass::kPcie);
  // 100,000 Mb/s = 12.5 GB/s, latency 2.5 us from the file.
  const auto net = links_between(t, "mlx5_0", "mlx5_0.leaf");
  ASSERT_EQ(net.size(), 1u);
  EXPECT_DOUBLE_EQ(t.link_bandwidth(net[0]), 12.5e9);
  EXPECT_DOUBLE_EQ(t.link_latency(net[0]), 2.5e-6);
  EXPECT_EQ(t.link_class(net[0]), LinkClass::kNetwork);

  // GPU to GPU goes over the direct NVLink (one hop), not through the switch.
  Router router(t, EcmpMode::kSplit);
  DistanceField f;
  router.distances_to(vertex_named(t, "gpu1"), &f);
  EXPECT_EQ(f.dist[vertex_named(t, "gpu0")], 1u);
}

TEST(NcclXml, FiguresFollowNcclAndPciSig) {
  EXPECT_DOUBLE_EQ(nvlink_bandwidth_per_link_bytes_per_s(90), 20.6e9);
  EXPECT_DOUBLE_EQ(nvlink_bandwidth_per_link_bytes_per_s(80), 20e9);
  EXPECT_DOUBLE_EQ(nvlink_bandwidth_per_link_bytes_per_s(86), 12e9);
  EXPECT_DOUBLE_EQ(nvlink_bandwidth_per_link_bytes_per_s(70), 20e9);
  EXPECT_DOUBLE_EQ(nvlink_bandwidth_per_link_bytes_per_s(60), 18e9);
  EXPECT_DOUBLE_EQ(nvlink_bandwidth_per_link_bytes_per_s(100), 40.1e9);
  // Gen1 x1: 2.5 GT/s x 8b/10b / 8 = 0.25 GB/s. Gen5 x16: 32 x 16 x 128/130 / 8 = 63.015 GB/s.
  EXPECT_DOUBLE_EQ(*pcie_bandwidth_bytes_per_s("2.5 GT/s PCIe", 1), 0.25e9);
  EXPECT_NEAR(*pcie_bandwidth_bytes_per_s("32.0 GT/s PCIe", 16), 63.0154e9, 1e5);
  EXPECT_NEAR(*pcie_bandwidth_bytes_per_s("32 GT/s", 16), 63.0154e9, 1e5);
  // Gen6 x16 FLIT mode: 64 x 16 x 242/256 / 8 = 121 GB/s.
  EXPECT_DOUBLE_EQ(*pcie_bandwidth_bytes_per_s("64.0 GT/s PCIe", 16), 121e9);
  // Width 0 (sysfs did not say) counts as x16; "Unknown" speed as 8 GT/s.
  EXPECT_NEAR(*pcie_bandwidth_bytes_per_s("16.0 GT/s PCIe", 0), 31.5077e9, 1e5);
  EXPECT_NEAR(*pcie_bandwidth_bytes_per_s("Unknown", 16), 15.7538e9, 1e5);
  EXPECT_FALSE(pcie_bandwidth_bytes_per_s("fast", 16).ok());
  EXPECT_FALSE(pcie_bandwidth_bytes_per_s("12.0 GT/s PCIe", 16).ok());
  EXPECT_DOUBLE_EQ(inter_cpu_bandwidth_bytes_per_s("x86_64", "GenuineIntel", 6, 143), 22e9);  // Sapphire Rapids
  EXPECT_DOUBLE_EQ(inter_cpu_bandwidth_bytes_per_s("x86_64", "GenuineIntel", 6, 207), 40e9);  // Emerald Rapids
  EXPECT_DOUBLE_EQ(inter_cpu_bandwidth_bytes_per_s("x86_64", "GenuineIntel", 6, 79), 6e9);    // Broadwell
  EXPECT_DOUBLE_EQ(inter_cpu_bandwidth_bytes_per_s("x86_64", "AuthenticAMD", 23, 49), 16e9);  // Rome
  EXPECT_DOUBLE_EQ(inter_cpu_bandwidth_bytes_per_s("x86_64", "AuthenticAMD", 25, 1), 24e9);   // Milan
  EXPECT_DOUBLE_EQ(inter_cpu_bandwidth_bytes_per_s("arm64", "", 0, 0), 6e9);
  EXPECT_DOUBLE_EQ(inter_cpu_bandwidth_bytes_per_s("", "", 0, 0), 5000e9);
}

// Every GPU pair must route over NVLink links only, in `hops` hops.
void expect_nvlink_between_all_pairs(const Topology& t, uint32_t hops) {
  Router router(t, EcmpMode::kSplit);
  DistanceField f;
  PathScratch scratch;
  for (int d = 0; d < t.num_gpus(); ++d) {
    router.distances_to(t.gpu_vertex(d), &f);
    for (int s = 0; s < t.num_gpus(); ++s) {
      if (s == d) continue;
      EXPECT_EQ(f.dist[t.gpu_vertex(s)], hops) << s << " -> " << d;
      std::vector<LinkShare> shares;
      ASSERT_GE(router.route(t.gpu_vertex(s), f, 0, &scratch, &shares), 0.0);
      for (const auto& sh : shares) EXPECT_EQ(t.link_class(sh.link), LinkClass::kNvlink) << t.link_name(sh.link);
    }
  }
}

TEST(NcclXml, DgxH100LikeExampleIsOneNvSwitchNode) {
  auto r = load_topology_nccl_xml(example("dgx_h100_like.xml"));
  ASSERT_TRUE(r.ok()) << r.message();
  const Topology& t = **r;
  EXPECT_EQ(t.num_gpus(), 8);
  EXPECT_EQ(t.num_nodes(), 1);
  EXPECT_EQ(t.gpus_per_node(), 8);
  std::map<VertexKind, int> kinds;
  for (int v = 0; v < t.num_vertices(); ++v) ++kinds[t.vertex(v).kind];
  EXPECT_EQ(kinds[VertexKind::kNvSwitch], 1);
  EXPECT_EQ(kinds[VertexKind::kNic], 8);
  // 2 CPUs + 4 PCIe switches + 8 sub-switches + 8 NIC leaves; no port vertex needed (one GPU
  // per sub-switch).
  EXPECT_EQ(kinds[VertexKind::kSwitch], 22);
  for (int g = 0; g < 8; ++g) {
    const std::string gpu = "gpu" + std::to_string(g);
    EXPECT_EQ(t.vertex(t.gpu_vertex(g)).name, gpu);
    // 5+4+4+5 = 18 NVLinks x 20.6 GB/s (SM90) = 370.8 GB/s each way.
    EXPECT_NEAR(bandwidth(t, gpu, "nvswitch"), 370.8e9, 1);
    EXPECT_NEAR(bandwidth(t, "nvswitch", gpu), 370.8e9, 1);
    // ConnectX-7: 400,000 Mb/s = 50 GB/s.
    EXPECT_DOUBLE_EQ(bandwidth(t, "mlx5_" + std::to_string(g), "mlx5_" + std::to_string(g) + ".leaf"), 50e9);
  }
  // Sapphire Rapids sockets: 22 GB/s.
  EXPECT_DOUBLE_EQ(bandwidth(t, "cpu0", "cpu1"), 22e9);
  expect_nvlink_between_all_pairs(t, 2);
}

TEST(NcclXml, SharedPcieSwitchDoesNotStealNvlinkTraffic) {
  auto r = load_topology_nccl_xml(example("hgx_a100_like.xml"));
  ASSERT_TRUE(r.ok()) << r.message();
  const Topology& t = **r;
  EXPECT_EQ(t.num_gpus(), 8);
  EXPECT_EQ(t.num_nodes(), 1);
  // 12 NVLinks x 20 GB/s (SM80) = 240 GB/s.
  EXPECT_DOUBLE_EQ(bandwidth(t, "gpu0", "nvswitch"), 240e9);
  // Two NVSwitch GPUs per PCIe switch: each reaches it through a port, PCIe figures unchanged.
  const double gen4x16 = 16e9 * 16 * 128 / 130 / 8;
  ASSERT_GE(vertex_named(t, "gpu0.pcie_port"), 0);
  EXPECT_NEAR(bandwidth(t, "gpu0", "gpu0.pcie_port"), gen4x16, 1);
  EXPECT_NEAR(bandwidth(t, "gpu0.pcie_port", "pcie.0000:40:00.0"), gen4x16, 1);
  EXPECT_TRUE(links_between(t, "gpu0", "pcie.0000:40:00.0").empty());
  expect_nvlink_between_all_pairs(t, 2);
  // The NIC next to gpu0 is still reached over PCIe: gpu0 -> port -> switch -> NIC.
  Router router(t, EcmpMode::kSplit);
  DistanceField f;
  router.distances_to(vertex_named(t, "mlx5_0"), &f);
  EXPECT_EQ(f.dist[vertex_named(t, "gpu0")], 3u);
}

TEST(NcclXml, PcieOnlyServerRanksByDevAndRoutesThroughSwitches) {
  auto r = load_topology_nccl_xml(example("pcie_4gpu_server.xml"));
  ASSERT_TRUE(r.ok()) << r.message();
  const Topology& t = **r;
  EXPECT_EQ(t.num_gpus(), 4);
  EXPECT_EQ(t.num_nodes(), 1);
  for (int g = 0; g < 4; ++g) EXPECT_EQ(t.vertex(t.gpu_vertex(g)).name, "gpu" + std::to_string(g));
  Router router(t, EcmpMode::kSplit);
  DistanceField f;
  router.distances_to(t.gpu_vertex(0), &f);
  EXPECT_EQ(f.dist[t.gpu_vertex(1)], 2u);  // same switch
  EXPECT_EQ(f.dist[t.gpu_vertex(2)], 4u);  // switch -> cpu0 -> switch
  for (int l = 0; l < t.num_links(); ++l) EXPECT_NE(t.link_class(l), LinkClass::kNvlink);
}

TEST(NcclXml, BuildTopologyAcceptsXmlFiles) {
  auto spec = parse_topology_arg("examples/nccl/dgx_h100_like.xml");
  ASSERT_TRUE(spec.ok());
  auto r = build_topology(*spec, "scenario.textproto", MOESIM_SOURCE_DIR);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ((*r)->num_gpus(), 8);
}

TEST(NcclXml, HostsBecomeNodes) {
  // Two hosts (host_hash) whose GPUs share one NVLink domain, as in a multi-node NVLink dump.
  const std::string xml = R"(<system version="1">
  <cpu host_hash="0xa" numaid="0" arch="arm64">
    <pci busid="0000:01:00.0" class="0x030200" link_speed="32.0 GT/s PCIe" link_width="16">
      <gpu dev="0" sm="100" rank="0" gdr="1"><nvlink target="fffffff:ff:ff.0" count="18" tclass="0x068000"/></gpu>
    </pci>
  </cpu>
  <cpu host_hash="0xb" numaid="0" arch="arm64">
    <pci busid="0000:01:00.0" class="0x030200" link_speed="32.0 GT/s PCIe" link_width="16">
      <gpu dev="0" sm="100" rank="1" gdr="1"><nvlink target="fffffff:ff:ff.0" count="18" tclass="0x068000"/></gpu>
    </pci>
  </cpu>
</system>)";
  auto r = parse_topology_nccl_xml(xml, "mnnvl.xml");
  ASSERT_TRUE(r.ok()) << r.message();
  const Topology& t = **r;
  EXPECT_EQ(t.num_nodes(), 2);
  EXPECT_EQ(t.vertex(t.gpu_vertex(1)).name, "h1.gpu0");
  // 18 x 40.1 GB/s (SM100).
  EXPECT_NEAR(bandwidth(t, "h0.gpu0", "nvswitch"), 721.8e9, 1);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(NcclXml, MalformedXmlNamesFileLineAndProblem) {
  EXPECT_EQ(error_of("<system>\n  <cpu numaid=\"0\">\n</system>\n"),
            "bad.xml:3: </system> closes <cpu> opened at line 2");
  EXPECT_EQ(error_of("<system>\n  <cpu numaid=\"0\">\n"),
            "bad.xml:2: <cpu> opened here is never closed (end of file reached)");
  EXPECT_EQ(error_of("<system>\n<cpu numaid=0/>\n</system>"), "bad.xml:2: value of attribute 'numaid' of <cpu> must be in quotes");
  EXPECT_EQ(error_of("<system>\n<cpu numaid/>\n</system>"), "bad.xml:2: attribute 'numaid' of <cpu> has no value");
  EXPECT_EQ(error_of("<system>\n<cpu numaid=\"0\" numaid=\"1\"/>\n</system>"),
            "bad.xml:2: attribute 'numaid' appears twice in <cpu>");
  EXPECT_EQ(error_of("<system>\n<cpu numaid=\"0\"numa=\"1\"/>\n</system>"),
            "bad.xml:2: expected a space, '>' or '/>' in tag <cpu>");
  EXPECT_EQ(error_of("<system>\n<cpu numaid=\"0/>\n</system>"),
            "bad.xml:2: value of attribute 'numaid' of <cpu> is never closed with \"");
  EXPECT_EQ(error_of("<system>\n  hello\n</system>"),
            "bad.xml:2: unexpected text 'hello' (NCCL topology XML has only elements and attributes)");
  EXPECT_EQ(error_of("<system>\n<!-- never closed\n</system>"), "bad.xml:2: comment '<!--' is never closed with '-->'");
  EXPECT_EQ(error_of("<system/>\n<system/>"), "bad.xml:2: second top-level element <system> (the file has one <system> element)");
  EXPECT_EQ(error_of("<system>\n</cpu>"), "bad.xml:2: </cpu> closes <system> opened at line 1");
  EXPECT_EQ(error_of("<system x=\"&bogus;\"/>"), "bad.xml:1: unknown entity '&bogus;'");
  EXPECT_EQ(error_of(""), "bad.xml:1: no XML element found (empty file?)");
  EXPECT_EQ(error_of("<!DOCTYPE system>\n<system/>"),
            "bad.xml:1: DOCTYPE and CDATA sections are not supported in an NCCL topology XML");
}

TEST(NcclXml, WrongContentNamesFileLineAndProblem) {
  // Line numbers in kSmall: 5 switch, 6 first GPU's <pci>, 7 its <gpu>, 8 its <nvlink>.
  EXPECT_EQ(error_of(replaced(kSmall, "target=\"0000:03:00.0\"", "target=\"0000:99:00.0\"")),
            "bad.xml:8: nvlink target \"0000:99:00.0\" is not the busid of a GPU in this file");
  EXPECT_EQ(error_of(replaced(kSmall, "<gpu dev=\"0\" sm=\"80\"", "<gpu sm=\"80\"")), "bad.xml:7: <gpu> has no dev attribute");
  EXPECT_EQ(error_of(replaced(kSmall, "<gpu dev=\"0\"", "<gpu dev=\"zero\"")),
            "bad.xml:7: <gpu> attribute dev=\"zero\" is not an integer");
  EXPECT_EQ(error_of(replaced(kSmall, "<gpu dev=\"0\" sm=\"80\" rank=\"9\"", "<gpu dev=\"0\" sm=\"80\" rank=\"8\"")),
            "bad.xml:12: rank 8 is taken by two GPUs");
  EXPECT_EQ(error_of(replaced(kSmall, " rank=\"9\"", "")), "bad.xml:7: this <gpu> has no rank attribute while others have one");
  EXPECT_EQ(error_of(replaced(kSmall, "<gpu dev=\"1\"", "<gpu dev=\"0\"")), "bad.xml:12: a second GPU with dev=0 on the same host");
  EXPECT_EQ(error_of(replaced(kSmall, "16.0 GT/s PCIe\" link_width=\"16\">\n      <pci", "fast\" link_width=\"16\">\n      <pci")),
            "bad.xml:5: link_speed \"fast\" is not a PCIe speed like \"16.0 GT/s PCIe\"");
  EXPECT_EQ(error_of(replaced(kSmall, "busid=\"0000:02:00.0\"", "busid=\"0000:0g:00.0\"")),
            "bad.xml:6: busid=\"0000:0g:00.0\" is not a PCI bus id (like 0000:18:00.0)");
  EXPECT_EQ(error_of(replaced(kSmall, "busid=\"0000:02:00.0\"", "busid=\"0000:01:00.0\"")), "bad.xml:6: busid 0000:01:00.0 appears twice");
  EXPECT_EQ(error_of(replaced(kSmall, "count=\"4\" tclass=\"0x030200\"/>\n", "count=\"4\"/>\n")),
            "bad.xml:8: <nvlink> has no tclass attribute");
  EXPECT_EQ(error_of("<topology/>"),
            "bad.xml:1: expected <system> as the top element (NCCL_TOPO_DUMP_FILE output), found <topology>");
  EXPECT_NE(error_of("<system><cpu numaid=\"0\"/></system>").find("bad.xml: no GPU found"), std::string::npos);
  // Two hosts with nothing between them: no path from one GPU to the other.
  const std::string two_hosts = R"(<system>
  <cpu host_hash="0xa" numaid="0"><pci busid="0000:01:00.0" class="0x030200" link_speed="8 GT/s" link_width="16"><gpu dev="0" sm="80"/></pci></cpu>
  <cpu host_hash="0xb" numaid="0"><pci busid="0000:01:00.0" class="0x030200" link_speed="8 GT/s" link_width="16"><gpu dev="0" sm="80"/></pci></cpu>
</system>)";
  EXPECT_NE(error_of(two_hosts).find("the topology is disconnected"), std::string::npos);
}

TEST(NcclXml, ReaderAcceptsXmlItDoesNotNeed) {
  // Header, comments anywhere, single quotes, entities, CRLF line ends, a byte order mark,
  // unknown elements and attributes (newer NCCL versions add some) are all fine.
  const std::string xml =
      "\xEF\xBB\xBF<?xml version='1.0' encoding='UTF-8'?>\r\n<!-- a -->\r\n<system version='2' note='a &amp; b &#x41;'>\r\n"
      "  <cpu numaid='0' arch='x86_64' vendor='GenuineIntel' familyid='0x6' modelid='0x8f'><!-- b -->\r\n"
      "    <pci busid='0000:01:00.0' class='0x030200' link_speed='32.0 GT/s PCIe' link_width='16' future='1'>\r\n"
      "      <gpu dev='0' sm='90'><future/></gpu></pci>\r\n"
      "    <pci busid='0000:02:00.0' class='0x030000' link_speed='32.0 GT/s PCIe' link_width='16'><gpu dev='1' sm='90'/></pci>\r\n"
      "  </cpu>\r\n</system>\r\n<!-- c -->\r\n";
  auto r = parse_topology_nccl_xml(xml, "ok.xml");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ((*r)->num_gpus(), 2);
}

}  // namespace
}  // namespace moesim
