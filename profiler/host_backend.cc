// The host backend: MPI collectives, CPU reference kernels and a CPU GEMM, timed with the
// steady clock. It makes the whole pipeline (run, fit, validate) work on any machine.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>

#include "kernels/cpu/gating.h"
#include "kernels/cpu/histogram.h"
#include "kernels/cpu/permute.h"
#include "profiler/backend.h"
#include "profiler/cpu_gemm.h"

namespace moesim::profiler {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

class HostBackend final : public Backend {
 public:
  explicit HostBackend(Communicator& comm) : comm_(comm) {}
  std::string name() const override { return "host"; }
  std::string timer() const override { return "steady-clock"; }
  std::string implementation(const std::string& b) const override {
    if (b == "alltoall") return comm_.uses_mpi() ? "MPI_Alltoall" : "memcpy (single rank)";
    if (b == "alltoallv") return comm_.uses_mpi() ? "MPI_Alltoallv" : "memcpy (single rank)";
    if (b == "p2p") return "MPI_Send/MPI_Recv ping-pong";
    if (b == "kernel") return "CPU reference kernels (kernels/cpu)";
    if (b == "gemm") return "cpu blocked GEMM (fp32)";
    return "";
  }
  void describe(Environment*) override {}

  Status reserve(std::size_t bytes) override {
    if (send_.size() < bytes) {
      send_.assign(bytes, 1);
      recv_.assign(bytes, 0);
    }
    return {};
  }
  Result<double> alltoall(std::size_t bytes_per_peer) override {
    const auto t0 = Clock::now();
    MOESIM_RETURN_IF_ERROR(comm_.alltoall(send_.data(), recv_.data(), bytes_per_peer));
    return seconds_since(t0);
  }
  Result<double> alltoallv(const std::vector<std::size_t>& sb, const std::vector<std::size_t>& rb) override {
    std::vector<std::size_t> so(sb.size()), ro(rb.size());
    std::size_t s = 0, r = 0;
    for (size_t i = 0; i < sb.size(); ++i) {
      so[i] = s;
      ro[i] = r;
      s += sb[i];
      r += rb[i];
    }
    if (s > send_.size() || r > recv_.size()) return Error{"alltoallv: buffers not reserved for " + std::to_string(std::max(s, r)) + " bytes"};
    const auto t0 = Clock::now();
    MOESIM_RETURN_IF_ERROR(comm_.alltoallv(send_.data(), sb, so, recv_.data(), rb, ro));
    return seconds_since(t0);
  }
  Result<double> pingpong(int a, int b, std::size_t bytes) override {
    const int me = comm_.rank();
    if (me != a && me != b) return 0.0;
    const auto t0 = Clock::now();
    if (me == a) {
      MOESIM_RETURN_IF_ERROR(comm_.send(send_.data(), bytes, b));
      MOESIM_RETURN_IF_ERROR(comm_.recv(recv_.data(), bytes, b));
    } else {
      MOESIM_RETURN_IF_ERROR(comm_.recv(recv_.data(), bytes, a));
      MOESIM_RETURN_IF_ERROR(comm_.send(send_.data(), bytes, a));
    }
    return seconds_since(t0) / 2;
  }

  Status prepare_kernel(const KernelCase& k) override {
    const size_t t = static_cast<size_t>(k.num_tokens), e = static_cast<size_t>(k.num_experts);
    std::mt19937 rng(12345);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    logits_.resize(t * e);
    for (auto& v : logits_) v = normal(rng);
    config_ = kernels::GatingConfig{};
    config_.num_experts = k.num_experts;
    config_.top_k = k.top_k;
    idx_.resize(t * k.top_k);
    weights_.resize(t * k.top_k);
    MOESIM_RETURN_IF_ERROR(kernels::gating_topk(logits_.data(), nullptr, k.num_tokens, config_, idx_.data(), weights_.data()));
    per_expert_.resize(e);
    expert_to_gpu_.resize(e);
    for (size_t i = 0; i < e; ++i) expert_to_gpu_[i] = static_cast<int32_t>(i * 8 / e);
    per_gpu_.resize(8);
    if (k.kernel == "permute" || k.kernel == "unpermute") {
      x_.assign(t * k.hidden, 0.5f);
      permuted_.resize(t * k.top_k * k.hidden);
      offsets_.resize(e + 1);
      dest_.resize(t * k.top_k);
      layout_ = kernels::PermuteLayout{};
      layout_.expert_offsets = offsets_.data();
      layout_.dest_row = dest_.data();
      layout_.num_tokens_per_expert = per_expert_.data();
      MOESIM_RETURN_IF_ERROR(kernels::permute(x_.data(), k.num_tokens, k.hidden, idx_.data(), k.top_k, k.num_experts,
                                              kernels::kNoCapacityLimit, permuted_.data(), layout_));
    }
    return {};
  }
  Result<double> kernel(const KernelCase& k) override {
    const auto t0 = Clock::now();
    if (k.kernel == "gating_topk") {
      MOESIM_RETURN_IF_ERROR(kernels::gating_topk(logits_.data(), nullptr, k.num_tokens, config_, idx_.data(), weights_.data()));
    } else if (k.kernel == "expert_histogram") {
      MOESIM_RETURN_IF_ERROR(kernels::expert_histogram(idx_.data(), k.num_tokens, k.top_k, k.num_experts, expert_to_gpu_.data(),
                                                       8, per_expert_.data(), per_gpu_.data()));
    } else if (k.kernel == "permute") {
      MOESIM_RETURN_IF_ERROR(kernels::permute(x_.data(), k.num_tokens, k.hidden, idx_.data(), k.top_k, k.num_experts,
                                              kernels::kNoCapacityLimit, permuted_.data(), layout_));
    } else if (k.kernel == "unpermute") {
      MOESIM_RETURN_IF_ERROR(kernels::unpermute(permuted_.data(), dest_.data(), weights_.data(), k.num_tokens, k.top_k,
                                                k.hidden, x_.data()));
    } else {
      return Error{"unknown kernel '" + k.kernel + "'"};
    }
    return seconds_since(t0);
  }
  Status prepare_gemm(int tokens, int hidden, int ffn) override {
    a_.assign(static_cast<size_t>(tokens) * hidden, 0.01f);
    w_.assign(static_cast<size_t>(hidden) * ffn, 0.02f);
    c_.assign(static_cast<size_t>(tokens) * ffn, 0.0f);
    return {};
  }
  Result<double> gemm(int tokens, int hidden, int ffn) override {
    const auto t0 = Clock::now();
    cpu_gemm(a_.data(), w_.data(), c_.data(), tokens, hidden, ffn);
    return seconds_since(t0);
  }

 private:
  Communicator& comm_;
  std::vector<char> send_, recv_;
  std::vector<float> logits_, weights_, x_, permuted_, a_, w_, c_;
  std::vector<int32_t> idx_, per_expert_, per_gpu_, expert_to_gpu_, offsets_, dest_;
  kernels::GatingConfig config_;
  kernels::PermuteLayout layout_;
};

}  // namespace

const std::vector<std::string>& kernel_names() {
  static const std::vector<std::string> k = {"gating_topk", "expert_histogram", "permute", "unpermute"};
  return k;
}

std::unique_ptr<Backend> make_host_backend(Communicator& comm) { return std::make_unique<HostBackend>(comm); }

}  // namespace moesim::profiler
