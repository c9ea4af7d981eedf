#include "sim/moe/hardware.h"

#include <algorithm>
#include <cmath>

namespace moesim {
namespace {

HardwareSpec make(const char* name, double flops, double hbm, double mem) {
  HardwareSpec h;
  h.set_name(name);
  h.set_peak_flops(flops);
  h.set_hbm_bytes_per_s(hbm);
  h.set_gpu_memory_bytes(mem);
  // Efficiency figures are modelling assumptions, not measurements: grouped BF16 GEMMs reach
  // roughly 70% of peak with thousands of tokens per expert and fall off below ~100 tokens;
  // whole transformer layers run at roughly half of peak. Calibrate with `moeprof fit`.
  h.set_kernel_launch_s(5e-6);
  h.set_max_gemm_efficiency(0.7);
  h.set_half_efficiency_tokens(128);
  h.set_dense_efficiency(0.5);
  return h;
}

}  // namespace

const std::vector<HardwarePreset>& hardware_presets() {
  // Dense BF16 peak without sparsity, HBM bandwidth and capacity per GPU:
  //   H100 SXM5: 989 TFLOP/s, 3.35 TB/s, 80 GB (NVIDIA H100 Tensor Core GPU datasheet).
  //   H200 SXM: 989 TFLOP/s, 4.8 TB/s, 141 GB (NVIDIA H200 datasheet).
  //   H800 SXM5: the H100's compute and memory with reduced NVLink (NVIDIA H800 datasheet;
  //              DeepSeek-V3 technical report, section 3.1).
  //   B200: 2.25 PFLOP/s dense BF16, 8 TB/s, 180 GB (NVIDIA DGX B200 datasheet, per GPU).
  static const std::vector<HardwarePreset> table = {
      {"h100", "NVIDIA H100 SXM5: 989 TFLOP/s BF16, 3.35 TB/s HBM3, 80 GB", make("h100", 989e12, 3.35e12, 80e9)},
      {"h200", "NVIDIA H200 SXM: 989 TFLOP/s BF16, 4.8 TB/s HBM3e, 141 GB", make("h200", 989e12, 4.8e12, 141e9)},
      {"h800", "NVIDIA H800 SXM5: H100 compute and memory, NVLink 400 GB/s", make("h800", 989e12, 3.35e12, 80e9)},
      {"b200", "NVIDIA B200: 2.25 PFLOP/s BF16, 8 TB/s HBM3e, 180 GB", make("b200", 2.25e15, 8e12, 180e9)},
  };
  return table;
}

Result<HardwareSpec> resolve_hardware(const HardwareSpec& spec, const std::string& source) {
  const std::string name = spec.name().empty() ? "h100" : spec.name();
  const HardwarePreset* preset = nullptr;
  std::string known;
  for (const auto& p : hardware_presets()) {
    if (name == p.name) preset = &p;
    known += (known.empty() ? "" : ", ") + std::string(p.name);
  }
  if (!preset) return make_error(source, "hardware.name", "unknown GPU '" + name + "' (known: " + known + ")");
  HardwareSpec h = preset->spec;
  h.MergeFrom(spec);  // set fields of the scenario win
  h.set_name(name);
  auto check = [&](double v, const char* field, bool allow_zero) -> Status {
    if (!std::isfinite(v) || v < 0 || (!allow_zero && v == 0)) {
      return make_error(source, std::string("hardware.") + field, "must be a positive finite number, got " + std::to_string(v));
    }
    return {};
  };
  MOESIM_RETURN_IF_ERROR(check(h.peak_flops(), "peak_flops", false));
  MOESIM_RETURN_IF_ERROR(check(h.hbm_bytes_per_s(), "hbm_bytes_per_s", false));
  MOESIM_RETURN_IF_ERROR(check(h.kernel_launch_s(), "kernel_launch_s", true));
  MOESIM_RETURN_IF_ERROR(check(h.max_gemm_efficiency(), "max_gemm_efficiency", false));
  MOESIM_RETURN_IF_ERROR(check(h.half_efficiency_tokens(), "half_efficiency_tokens", true));
  MOESIM_RETURN_IF_ERROR(check(h.dense_efficiency(), "dense_efficiency", false));
  if (h.max_gemm_efficiency() > 1) return make_error(source, "hardware.max_gemm_efficiency", "must be <= 1");
  if (h.dense_efficiency() > 1) return make_error(source, "hardware.dense_efficiency", "must be <= 1");
  return h;
}

Seconds grouped_gemm_time(const HardwareSpec& hw, const double* tokens, int num_experts, double flops_per_token,
                          double weight_bytes, double passes) {
  double compute = 0, bytes = 0;
  for (int e = 0; e < num_experts; ++e) {
    const double t = tokens[e];
    if (t <= 0) continue;
    const double eff = hw.max_gemm_efficiency() * t / (t + hw.half_efficiency_tokens());
    compute += passes * t * flops_per_token / (hw.peak_flops() * eff);
    bytes += passes * weight_bytes;
  }
  if (compute == 0) return 0;
  return std::max(compute, bytes / hw.hbm_bytes_per_s()) + hw.kernel_launch_s();
}

Seconds dense_time(const HardwareSpec& hw, double flops, double bytes) {
  if (flops <= 0 && bytes <= 0) return 0;
  return std::max(flops / (hw.peak_flops() * hw.dense_efficiency()), bytes / hw.hbm_bytes_per_s()) + hw.kernel_launch_s();
}

}  // namespace moesim
