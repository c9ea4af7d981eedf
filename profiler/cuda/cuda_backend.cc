#include "profiler/cuda/cuda_backend.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "kernels/api.h"
#include "kernels/bf16.h"
#include "profiler/cuda/check.h"

namespace moesim::profiler {
namespace {

int local_rank() {
  for (const char* v : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"}) {
    if (const char* s = std::getenv(v)) return std::atoi(s);
  }
  return 0;
}

std::string version_text(int v, int major_div, int minor_div) {
  return std::to_string(v / major_div) + "." + std::to_string((v % major_div) / minor_div);
}

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(Communicator& comm) : comm_(comm) {}
  ~CudaBackend() override {
    if (nccl_) ncclCommDestroy(nccl_);
    if (cublas_) cublasDestroy(cublas_);
    for (void* p : {send_, recv_, d_logits_, d_weights_, d_idx_, d_per_expert_, d_per_gpu_, d_e2g_, d_x_, d_perm_,
                    d_offsets_, d_dest_, d_ws_, d_a_, d_w_, d_c_}) {
      if (p) cudaFree(p);
    }
    if (start_) cudaEventDestroy(start_);
    if (stop_) cudaEventDestroy(stop_);
    if (stream_) cudaStreamDestroy(stream_);
  }

  Status init() {
    int count = 0;
    CUDA_CHECK(cudaGetDeviceCount(&count));
    device_ = local_rank() % count;
    CUDA_CHECK(cudaSetDevice(device_));
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    CUDA_CHECK(cudaEventCreate(&start_));
    CUDA_CHECK(cudaEventCreate(&stop_));
    // Ask NCCL for the topology it detects (rank 0), unless the user chose a file.
    if (comm_.rank() == 0 && !std::getenv("NCCL_TOPO_DUMP_FILE")) {
      topo_dump_ = "/tmp/moeprof_nccl_topo_" + std::to_string(getpid()) + ".xml";
      setenv("NCCL_TOPO_DUMP_FILE", topo_dump_.c_str(), 0);
    } else if (const char* f = std::getenv("NCCL_TOPO_DUMP_FILE")) {
      topo_dump_ = f;
    }
    ncclUniqueId id;
    if (comm_.rank() == 0) NCCL_CHECK(ncclGetUniqueId(&id));
    MOESIM_RETURN_IF_ERROR(comm_.broadcast(&id, sizeof id));
    NCCL_CHECK(ncclCommInitRank(&nccl_, comm_.size(), id, comm_.rank()));
    CUBLAS_CHECK(cublasCreate(&cublas_));
    CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
    return {};
  }

  std::string name() const override { return "cuda"; }
  std::string timer() const override { return "cuda-events"; }
  std::string implementation(const std::string& b) const override {
    if (b == "alltoall") return "ncclAlltoAll";
    if (b == "alltoallv") return "grouped ncclSend/ncclRecv";
    if (b == "p2p") return "ncclSend/ncclRecv ping-pong";
    if (b == "kernel") return "CUDA routing kernels (kernels/api.h)";
    if (b == "gemm") return "cublasGemmEx BF16 in, FP32 accumulate";
    return "";
  }
  void describe(Environment* env) override {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, device_) == cudaSuccess) env->set_gpu_model(prop.name);
    int v = 0;
    if (cudaDriverGetVersion(&v) == cudaSuccess) env->set_driver_version(version_text(v, 1000, 10));
    if (cudaRuntimeGetVersion(&v) == cudaSuccess) env->set_cuda_version(version_text(v, 1000, 10));
    if (ncclGetVersion(&v) == ncclSuccess) {
      // NCCL >= 2.9 encodes major * 10000 + minor * 100 + patch.
      env->set_nccl_version(std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." + std::to_string(v % 100));
    }
    if (!topo_dump_.empty()) {
      std::ifstream in(topo_dump_);
      std::stringstream ss;
      ss << in.rdbuf();
      env->set_nccl_topology(ss.str());
    }
  }

  Status reserve(std::size_t bytes) override {
    if (bytes <= capacity_) return {};
    if (send_) CUDA_CHECK(cudaFree(send_));
    if (recv_) CUDA_CHECK(cudaFree(recv_));
    send_ = recv_ = nullptr;
    CUDA_CHECK(cudaMalloc(&send_, bytes));
    CUDA_CHECK(cudaMalloc(&recv_, bytes));
    CUDA_CHECK(cudaMemset(send_, 1, bytes));
    capacity_ = bytes;
    return {};
  }

  Result<double> alltoall(std::size_t per_peer) override {
    CUDA_CHECK(cudaEventRecord(start_, stream_));
    NCCL_CHECK(ncclAlltoAll(send_, recv_, per_peer, ncclUint8, nccl_, stream_));
    CUDA_CHECK(cudaEventRecord(stop_, stream_));
    return wait_elapsed();
  }

  Result<double> alltoallv(const std::vector<std::size_t>& sb, const std::vector<std::size_t>& rb) override {
    std::size_t so = 0, ro = 0;
    for (size_t p = 0; p < sb.size(); ++p) {
      so += sb[p];
      ro += rb[p];
    }
    if (so > capacity_ || ro > capacity_) return Error{"alltoallv: buffers not reserved"};
    CUDA_CHECK(cudaEventRecord(start_, stream_));
    NCCL_CHECK(ncclGroupStart());
    so = ro = 0;
    for (size_t p = 0; p < sb.size(); ++p) {
      if (sb[p]) NCCL_CHECK(ncclSend(static_cast<char*>(send_) + so, sb[p], ncclUint8, static_cast<int>(p), nccl_, stream_));
      if (rb[p]) NCCL_CHECK(ncclRecv(static_cast<char*>(recv_) + ro, rb[p], ncclUint8, static_cast<int>(p), nccl_, stream_));
      so += sb[p];
      ro += rb[p];
    }
    NCCL_CHECK(ncclGroupEnd());
    CUDA_CHECK(cudaEventRecord(stop_, stream_));
    return wait_elapsed();
  }

  Result<double> pingpong(int a, int b, std::size_t bytes) override {
    const int me = comm_.rank();
    if (me != a && me != b) return 0.0;
    const int peer = me == a ? b : a;
    CUDA_CHECK(cudaEventRecord(start_, stream_));
    if (me == a) {
      NCCL_CHECK(ncclSend(send_, bytes, ncclUint8, peer, nccl_, stream_));
      NCCL_CHECK(ncclRecv(recv_, bytes, ncclUint8, peer, nccl_, stream_));
    } else {
      NCCL_CHECK(ncclRecv(recv_, bytes, ncclUint8, peer, nccl_, stream_));
      NCCL_CHECK(ncclSend(send_, bytes, ncclUint8, peer, nccl_, stream_));
    }
    CUDA_CHECK(cudaEventRecord(stop_, stream_));
    MOESIM_ASSIGN_OR_RETURN(double t, wait_elapsed());
    return t / 2;
  }

  Status prepare_kernel(const KernelCase& k) override {
    const size_t t = static_cast<size_t>(k.num_tokens), e = static_cast<size_t>(k.num_experts);
    std::vector<float> logits(t * e);
    std::mt19937 rng(12345);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (auto& v : logits) v = normal(rng);
    config_ = kernels::GatingConfig{};
    config_.num_experts = k.num_experts;
    config_.top_k = k.top_k;
    MOESIM_RETURN_IF_ERROR(grow(&d_logits_, logits.size() * sizeof(float)));
    CUDA_CHECK(cudaMemcpy(d_logits_, logits.data(), logits.size() * sizeof(float), cudaMemcpyHostToDevice));
    MOESIM_RETURN_IF_ERROR(grow(&d_idx_, t * k.top_k * sizeof(int32_t)));
    MOESIM_RETURN_IF_ERROR(grow(&d_weights_, t * k.top_k * sizeof(float)));
    MOESIM_RETURN_IF_ERROR(grow(&d_per_expert_, e * sizeof(int32_t)));
    MOESIM_RETURN_IF_ERROR(grow(&d_per_gpu_, 8 * sizeof(int32_t)));
    std::vector<int32_t> e2g(e);
    for (size_t i = 0; i < e; ++i) e2g[i] = static_cast<int32_t>(i * 8 / e);
    MOESIM_RETURN_IF_ERROR(grow(&d_e2g_, e * sizeof(int32_t)));
    CUDA_CHECK(cudaMemcpy(d_e2g_, e2g.data(), e * sizeof(int32_t), cudaMemcpyHostToDevice));
    MOESIM_RETURN_IF_ERROR(kernels::cuda::gating_topk(static_cast<float*>(d_logits_), nullptr, k.num_tokens, config_,
                                                      static_cast<int32_t*>(d_idx_), static_cast<float*>(d_weights_), stream_));
    if (k.kernel == "permute" || k.kernel == "unpermute") {
      const size_t rows = t * k.top_k;
      MOESIM_RETURN_IF_ERROR(grow(&d_x_, t * k.hidden * sizeof(kernels::BFloat16)));
      CUDA_CHECK(cudaMemset(d_x_, 0, t * k.hidden * sizeof(kernels::BFloat16)));
      MOESIM_RETURN_IF_ERROR(grow(&d_perm_, rows * k.hidden * sizeof(kernels::BFloat16)));
      MOESIM_RETURN_IF_ERROR(grow(&d_offsets_, (e + 1) * sizeof(int32_t)));
      MOESIM_RETURN_IF_ERROR(grow(&d_dest_, rows * sizeof(int32_t)));
      ws_bytes_ = kernels::cuda::permute_workspace_bytes(k.num_tokens, k.top_k, k.num_experts);
      MOESIM_RETURN_IF_ERROR(grow(&d_ws_, ws_bytes_));
      layout_ = kernels::PermuteLayout{};
      layout_.expert_offsets = static_cast<int32_t*>(d_offsets_);
      layout_.dest_row = static_cast<int32_t*>(d_dest_);
      layout_.num_tokens_per_expert = static_cast<int32_t*>(d_per_expert_);
      MOESIM_RETURN_IF_ERROR(run_kernel(k));
    }
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    return {};
  }

  Result<double> kernel(const KernelCase& k) override {
    CUDA_CHECK(cudaEventRecord(start_, stream_));
    MOESIM_RETURN_IF_ERROR(run_kernel(k));
    CUDA_CHECK(cudaEventRecord(stop_, stream_));
    return wait_elapsed();
  }

  Status prepare_gemm(int tokens, int hidden, int ffn) override {
    MOESIM_RETURN_IF_ERROR(grow(&d_a_, static_cast<size_t>(tokens) * hidden * sizeof(kernels::BFloat16)));
    MOESIM_RETURN_IF_ERROR(grow(&d_w_, static_cast<size_t>(hidden) * ffn * sizeof(kernels::BFloat16)));
    MOESIM_RETURN_IF_ERROR(grow(&d_c_, static_cast<size_t>(tokens) * ffn * sizeof(kernels::BFloat16)));
    CUDA_CHECK(cudaMemset(d_a_, 0, static_cast<size_t>(tokens) * hidden * sizeof(kernels::BFloat16)));
    CUDA_CHECK(cudaMemset(d_w_, 0, static_cast<size_t>(hidden) * ffn * sizeof(kernels::BFloat16)));
    return {};
  }

  Result<double> gemm(int tokens, int hidden, int ffn) override {
    // Row-major C[t x F] = A[t x H] W[H x F] is column-major C^T = W^T A^T.
    const float alpha = 1.0f, beta = 0.0f;
    CUDA_CHECK(cudaEventRecord(start_, stream_));
    CUBLAS_CHECK(cublasGemmEx(cublas_, CUBLAS_OP_N, CUBLAS_OP_N, ffn, tokens, hidden, &alpha, d_w_, CUDA_R_16BF, ffn, d_a_,
                              CUDA_R_16BF, hidden, &beta, d_c_, CUDA_R_16BF, ffn, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    CUDA_CHECK(cudaEventRecord(stop_, stream_));
    return wait_elapsed();
  }

 private:
  Status grow(void** p, size_t bytes) {
    auto& have = sizes_[p];
    if (bytes <= have && *p) return {};
    if (*p) CUDA_CHECK(cudaFree(*p));
    *p = nullptr;
    CUDA_CHECK(cudaMalloc(p, std::max<size_t>(bytes, 16)));
    have = bytes;
    return {};
  }

  Status run_kernel(const KernelCase& k) {
    using namespace kernels::cuda;
    if (k.kernel == "gating_topk") {
      return gating_topk(static_cast<float*>(d_logits_), nullptr, k.num_tokens, config_, static_cast<int32_t*>(d_idx_),
                         static_cast<float*>(d_weights_), stream_);
    }
    if (k.kernel == "expert_histogram") {
      return expert_histogram(static_cast<int32_t*>(d_idx_), k.num_tokens, k.top_k, k.num_experts,
                              static_cast<int32_t*>(d_e2g_), 8, static_cast<int32_t*>(d_per_expert_),
                              static_cast<int32_t*>(d_per_gpu_), stream_);
    }
    if (k.kernel == "permute") {
      return permute(static_cast<kernels::BFloat16*>(d_x_), k.num_tokens, k.hidden, static_cast<int32_t*>(d_idx_), k.top_k,
                     k.num_experts, kernels::kNoCapacityLimit, static_cast<kernels::BFloat16*>(d_perm_), layout_, d_ws_, ws_bytes_,
                     stream_);
    }
    if (k.kernel == "unpermute") {
      return unpermute(static_cast<kernels::BFloat16*>(d_perm_), static_cast<int32_t*>(d_dest_), static_cast<float*>(d_weights_),
                       k.num_tokens, k.top_k, k.hidden, static_cast<kernels::BFloat16*>(d_x_), stream_);
    }
    return Error{"unknown kernel '" + k.kernel + "'"};
  }

  // Waits for the stop event while watching NCCL for asynchronous errors (a peer that died,
  // a network failure), so those surface as errors rather than hangs.
  Result<double> wait_elapsed() {
    for (;;) {
      const cudaError_t q = cudaEventQuery(stop_);
      if (q == cudaSuccess) break;
      if (q != cudaErrorNotReady) CUDA_CHECK(q);
      ncclResult_t async = ncclSuccess;
      NCCL_CHECK(ncclCommGetAsyncError(nccl_, &async));
      if (async != ncclSuccess && async != ncclInProgress) {
        ncclCommAbort(nccl_);
        nccl_ = nullptr;
        return Error{std::string("NCCL asynchronous error: ") + ncclGetErrorString(async)};
      }
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return static_cast<double>(ms) * 1e-3;
  }

  Communicator& comm_;
  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
  ncclComm_t nccl_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  std::string topo_dump_;
  void* send_ = nullptr;
  void* recv_ = nullptr;
  std::size_t capacity_ = 0;
  void *d_logits_ = nullptr, *d_weights_ = nullptr, *d_idx_ = nullptr, *d_per_expert_ = nullptr, *d_per_gpu_ = nullptr,
       *d_e2g_ = nullptr, *d_x_ = nullptr, *d_perm_ = nullptr, *d_offsets_ = nullptr, *d_dest_ = nullptr, *d_ws_ = nullptr,
       *d_a_ = nullptr, *d_w_ = nullptr, *d_c_ = nullptr;
  std::size_t ws_bytes_ = 0;
  std::map<void**, size_t> sizes_;
  kernels::GatingConfig config_;
  kernels::PermuteLayout layout_;
};

}  // namespace

Status cuda_device_status() { return kernels::cuda::device_available(); }

Result<std::unique_ptr<Backend>> make_cuda_backend(Communicator& comm) {
  auto b = std::make_unique<CudaBackend>(comm);
  if (auto st = b->init(); !st.ok()) return Error{"cuda backend on rank " + std::to_string(comm.rank()) + ": " + st.message()};
  return std::unique_ptr<Backend>(std::move(b));
}

}  // namespace moesim::profiler
