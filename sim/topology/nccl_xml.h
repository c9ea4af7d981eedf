// Import of the node topology XML that NCCL writes with NCCL_TOPO_DUMP_FILE (and reads back
// with NCCL_TOPO_FILE): the GPUs, NVLinks, NVSwitches, PCIe tree, NICs and CPU sockets of a node,
// as NCCL itself sees them. The schema is NCCL's (src/graph/xml.cc writes it, topo.cc reads it):
//
//   <system version="1">
//     <cpu numaid="0" arch="x86_64" vendor="GenuineIntel" familyid="6" modelid="143" ...>
//       <pci busid="0000:16:00.0" class="0x060400" link_speed="32.0 GT/s PCIe" link_width="16">
//         <pci busid="0000:18:00.0" class="0x030200" link_speed="32.0 GT/s PCIe" link_width="16">
//           <gpu dev="0" sm="90" rank="0" gdr="1">
//             <nvlink target="0000:07:00.0" count="5" tclass="0x068000"/>
//           </gpu>
//         </pci>
//         <pci busid="0000:19:00.0" class="0x020000" link_speed="32.0 GT/s PCIe" link_width="16">
//           <nic><net name="mlx5_0" dev="0" speed="400000" port="1" latency="0.000000" gdr="1"/></nic>
//         </pci>
//       </pci>
//     </cpu>
//   </system>
//
// Mapping to a moesim Topology (docs/FORMATS.md "NCCL topology XML" has the full table):
//   <cpu>                 -> `switch` vertex "cpu<numaid>" (the socket's root complex); every two
//                            CPUs of a host are joined by a pcie-class link at NCCL's inter-socket
//                            figure (QPI/UPI/Infinity Fabric, inter_cpu_bandwidth_bytes_per_s).
//   <pci> bridge/switch   -> `switch` vertex "pcie.<busid>", pcie link to its parent.
//   <pci><gpu>            -> `gpu` vertex "gpu<dev>", pcie link to its parent; rank from `rank`
//                            (made dense 0..N-1 in rank order) or, without ranks, in dev order.
//   <nvlink tclass=GPU>   -> directed nvlink link to the target GPU, count x per-link bandwidth.
//   <nvlink tclass=NVS>   -> all such links of a node end at one `nvswitch` vertex (as in NCCL).
//   <nvlink tclass=CPU>, <c2c> -> nvlink-class link to the GPU's CPU.
//   <pci><nic><net>       -> `nic` vertex named after its ports (mlx5_0), pcie link to its parent,
//                            and per port a network link (the `speed` attribute) to a `switch`
//                            vertex "<port>.leaf" standing for the first switch of the fabric.
//   <pcilink target=...>  -> pcie link between two PCIe switches (Broadcom P2P links).
// Routing in moesim takes hop-shortest paths, while NCCL always prefers NVLink between GPUs; where
// a GPU's PCIe (or C2C) attachment would give a path as short as its NVSwitch path to another
// GPU, the attachment goes through a "<gpu>.pcie_port" `switch` vertex so NVLink stays shorter.
// Errors name the file, the line and the problem (malformed XML, missing attributes, NVLink
// targets that are not GPUs of the file, ...). The XML reader is self-contained.
// Thread-safety: pure functions.
#pragma once

#include <memory>
#include <string>

#include "sim/topology/topology.h"
#include "traces/status.h"

namespace moesim {

Result<std::unique_ptr<Topology>> parse_topology_nccl_xml(const std::string& text, const std::string& source);
Result<std::unique_ptr<Topology>> load_topology_nccl_xml(const std::string& path);

// ---- Figures, with NCCL's own numbers (src/graph/topo.h) ----
// Bandwidth of one NVLink, one direction, for a GPU of compute capability `sm` (90 = H100):
// NCCL's ncclTopoNVLinkBw table: SM60 18, SM70 20, SM80 20, SM86 12, SM90 20.6, SM100+ 40.1 GB/s
// (achievable figures; NVLink 4's signalling rate is 25 GB/s per link and direction).
double nvlink_bandwidth_per_link_bytes_per_s(int sm);

// One direction of a PCIe link: GT/s x lanes x encoding / 8 bits, encoding 8b/10b up to 5 GT/s,
// 128b/130b at 8-32 GT/s, 242/256 (FLIT) at 64 GT/s. `link_speed` as Linux sysfs and NCCL
// write it ("16.0 GT/s PCIe", "8 GT/s"); "Unknown" or empty falls back to 8 GT/s as NCCL does;
// width 0 (not reported by sysfs) counts as x16, as NCCL does.
Result<double> pcie_bandwidth_bytes_per_s(const std::string& link_speed, int link_width);

// One direction between two CPU sockets, from NCCL's ncclTopoGetInterCpuBw: Intel Broadwell 6,
// Skylake..Ice Lake 10, Sapphire Rapids 22, Emerald/Granite Rapids 40; AMD Zen1/2 16, Zen3/4 24,
// Zen5 32; POWER9 32; arm64 6; Zhaoxin 6 (Yongfeng 9) GB/s; anything else 5000 GB/s (NCCL's
// LOC_BW: not a bottleneck).
double inter_cpu_bandwidth_bytes_per_s(const std::string& arch, const std::string& vendor, int familyid, int modelid);

}  // namespace moesim
