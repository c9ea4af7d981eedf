// Determinism and interruption, end to end through the built binaries.
//
// Determinism: the same inputs and seed give byte-identical result.pb, summary.json, steps.csv
// and trace.json whatever the order of the flags, their spelling (--seed 7 / --seed=7), the
// environment (thread-count variables, locale, time zone) and, for the commands that run in
// parallel (sweep, rebalance), the number of threads.
//
// Interruption: SIGINT/SIGTERM during a run exits 128 + signal, says the run did not finish,
// and leaves neither partial outputs nor temporaries. The write itself is interrupted for
// certain, not by luck of timing: the output folder holds a FIFO where write_file_atomic's first
// temporary will be, so the process blocks opening it until the signal arrives. moeprof keeps
// every measurement it finished.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "traces/proto/profile.pb.h"
#include "traces/proto_io.h"

namespace moesim {
namespace {

namespace fs = std::filesystem;

const std::string kBin = MOESIM_BIN_DIR;

// 16 GPUs on two rail-connected nodes; skewed routing that drifts, capacity dropping, replicas
// re-placed every two steps (migration), traffic and timelines recorded: every output path runs.
const char* kScenario = R"(name: "determinism"
mode: "training"
steps: 4
seed: 3
model { name: "small" num_layers: 4 first_k_dense: 1 hidden_size: 512 moe_intermediate_size: 256
        dense_intermediate_size: 1024 num_routed_experts: 32 num_shared_experts: 1 top_k: 4
        n_group: 4 topk_group: 2 num_attention_heads: 8 head_dim: 64 seq_len: 512
        dispatch_bytes_per_element: 2 combine_bytes_per_element: 2 weight_bytes_per_element: 2 }
parallel { ep: 16 dp: 1 tp: 1 tokens_per_gpu: 256 micro_batches: 2 overlap: true }
topology { preset: "rail" params { key: "nodes" value: "2" } }
algorithm: "hierarchical"
network: "flow"
routing { model: "zipf" zipf_exponent: 1.1 drift_per_step: 0.2 capacity_factor: 1.2
          balancing: "bias" bias_update_speed: 0.01 max_nodes_per_token: 2 sampled_tokens_per_gpu: 128 }
placement { policy: "balanced" redundant_experts: 16 rebalance_every: 2 }
hardware { name: "h100" }
)";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("moesim_determinism_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Runs `env ... moesim ARGS` in `dir`; returns the exit code.
int run(const fs::path& dir, const std::string& env, const std::string& args) {
  const std::string cmd = "cd '" + dir.string() + "' && env " + env + " timeout 120 " + kBin + "/" + args +
                          " >'" + (dir / "stdout.txt").string() + "' 2>'" + (dir / "stderr.txt").string() + "'";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void expect_same_file(const fs::path& a, const fs::path& b) {
  ASSERT_TRUE(fs::exists(a)) << a;
  ASSERT_TRUE(fs::exists(b)) << b;
  const std::string x = slurp(a), y = slurp(b);
  EXPECT_FALSE(x.empty()) << a;
  EXPECT_TRUE(x == y) << a << " and " << b << " differ (" << x.size() << " vs " << y.size() << " bytes)";
}

TEST(Determinism, SimulateIgnoresFlagOrderSpellingAndEnvironment) {
  const fs::path d = fresh_dir("simulate");
  std::ofstream(d / "s.textproto") << kScenario;
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"", "moesim simulate --scenario s.textproto --steps 4 --seed 7 --traffic --timeline-steps 2 --quiet --out a"},
      {"OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 LC_ALL=C TZ=UTC",
       "moesim simulate --out=b --quiet --timeline-steps=2 --traffic --seed=7 --steps=4 --scenario=s.textproto"},
      {"OMP_NUM_THREADS=64 LC_ALL=C.UTF-8 LANG=de_DE.UTF-8 LC_NUMERIC=de_DE.UTF-8 TZ=Asia/Kolkata",
       "moesim simulate --traffic --seed 7 --out c --scenario s.textproto --timeline-steps 2 --steps 4 --quiet"},
  };
  for (const auto& [env, args] : runs) ASSERT_EQ(run(d, env, args), 0) << args << "\n" << slurp(d / "stderr.txt");
  for (const char* f : {"result.pb", "summary.json", "steps.csv", "trace.json"}) {
    expect_same_file(d / "a" / f, d / "b" / f);
    expect_same_file(d / "a" / f, d / "c" / f);
  }
  // Another seed must give another run: equality above is not because the seed is ignored.
  ASSERT_EQ(run(d, "", "moesim simulate --scenario s.textproto --steps 4 --seed 8 --traffic --timeline-steps 2 --quiet --out e"), 0);
  EXPECT_NE(slurp(d / "a" / "result.pb"), slurp(d / "e" / "result.pb"));
}

TEST(Determinism, SweepIsTheSameOnOneOrManyThreads) {
  const fs::path d = fresh_dir("sweep");
  std::ofstream(d / "s.textproto") << kScenario;
  std::ofstream(d / "sweep.textproto") << "base_scenario_file: \"s.textproto\"\n"
                                          "base { steps: 2 }\n"
                                          "axes { placement_policies: [\"contiguous\", \"balanced\"]\n"
                                          "       zipf_exponents: [0.5, 1.2] network_modes: [\"flow\", \"analytic\"] }\n";
  ASSERT_EQ(run(d, "", "moesim sweep sweep.textproto --quiet --jobs 1 --out one.csv"), 0) << slurp(d / "stderr.txt");
  ASSERT_EQ(run(d, "OMP_NUM_THREADS=3", "moesim sweep --jobs=3 --out=three.csv sweep.textproto --quiet"), 0)
      << slurp(d / "stderr.txt");
  expect_same_file(d / "one.csv", d / "three.csv");
}

TEST(Determinism, RebalanceIsTheSameOnOneOrManyThreads) {
  const fs::path d = fresh_dir("rebalance");
  std::ofstream(d / "s.textproto") << kScenario;
  ASSERT_EQ(run(d, "", "moesim rebalance --scenario s.textproto --every 1,2 --steps 4 --jobs 1 --quiet --out one.csv"), 0)
      << slurp(d / "stderr.txt");
  const std::string one_stdout = slurp(d / "stdout.txt");
  ASSERT_EQ(run(d, "", "moesim rebalance --quiet --jobs 3 --out three.csv --steps 4 --every 1,2 --scenario s.textproto"), 0)
      << slurp(d / "stderr.txt");
  expect_same_file(d / "one.csv", d / "three.csv");
  std::string three_stdout = slurp(d / "stdout.txt");  // the report names its --out file
  three_stdout.replace(three_stdout.find("three.csv"), 9, "one.csv");
  EXPECT_EQ(one_stdout, three_stdout);
}

// ---- interruption ----

struct Child {
  pid_t pid = -1;
};

Child spawn(const fs::path& dir, const std::vector<std::string>& argv) {
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    if (::chdir(dir.c_str()) != 0) std::_Exit(126);
    const int err = ::open((dir / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int out = ::open((dir / "stdout.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(err, 2);
    ::dup2(out, 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  return c;
}

int wait_exit(pid_t pid, double timeout_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

// True once `pid` sleeps in open(2) of a FIFO without a reader.
bool blocked_on_fifo(pid_t pid) {
  std::string wchan = slurp("/proc/" + std::to_string(pid) + "/wchan");
  return wchan.find("fifo") != std::string::npos || wchan.find("wait_for_partner") != std::string::npos;
}

std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp.") != std::string::npos) out.push_back(e.path().string());
  }
  return out;
}

void interrupt_while_writing(int sig) {
  const fs::path d = fresh_dir("interrupt_" + std::to_string(sig));
  std::ofstream(d / "s.textproto") << kScenario;
  fs::create_directories(d / "out");
  Child c = spawn(d, {kBin + "/moesim", "simulate", "--scenario", "s.textproto", "--steps", "2", "--quiet", "--out", "out"});
  ASSERT_GT(c.pid, 0);
  // write_file_atomic's first temporary is <out>/<name>.tmp.<pid>.0; whichever output comes
  // first, its temporary is a FIFO, and opening it blocks until the signal.
  for (const char* name : {"result.pb", "summary.json", "steps.csv", "trace.json"}) {
    const fs::path fifo = d / "out" / (std::string(name) + ".tmp." + std::to_string(c.pid) + ".0");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0) << fifo;
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!blocked_on_fifo(c.pid) && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(blocked_on_fifo(c.pid)) << "moesim never reached its first output write";
  ::kill(c.pid, sig);
  EXPECT_EQ(wait_exit(c.pid, 30), 128 + sig);
  const std::string err = slurp(d / "stderr.txt");
  EXPECT_NE(err.find("interrupted (signal " + std::to_string(sig) + ")"), std::string::npos) << err;
  EXPECT_NE(err.find("not finished"), std::string::npos) << err;
  EXPECT_NE(err.find("1 partial output(s) removed"), std::string::npos) << err;
  // Exactly the temporary it had open is gone; the three FIFOs it never reached are ours.
  EXPECT_EQ(temporaries(d / "out").size(), 3u);
  for (const char* name : {"result.pb", "summary.json", "steps.csv", "trace.json"}) {
    EXPECT_FALSE(fs::exists(d / "out" / name)) << name << " written by an interrupted run";
  }
}

TEST(Interrupt, SigintDuringTheWriteRemovesTheTemporary) { interrupt_while_writing(SIGINT); }
TEST(Interrupt, SigtermDuringTheWriteRemovesTheTemporary) { interrupt_while_writing(SIGTERM); }

TEST(Interrupt, SigintDuringTheRunWritesNothing) {
  const fs::path d = fresh_dir("interrupt_run");
  // The embedded default (DeepSeek-V3 on 64 GPUs) for many steps: seconds per step.
  Child c = spawn(d, {kBin + "/moesim", "simulate", "--steps", "100000", "--quiet", "--out", "out"});
  ASSERT_GT(c.pid, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(c.pid, SIGINT);
  EXPECT_EQ(wait_exit(c.pid, 30), 130);
  const std::string err = slurp(d / "stderr.txt");
  EXPECT_NE(err.find("interrupted (signal 2); run not finished"), std::string::npos) << err;
  EXPECT_TRUE(!fs::exists(d / "out") || fs::is_empty(d / "out"));
  EXPECT_TRUE(temporaries(d).empty());
}

TEST(Interrupt, MoeprofKeepsWhatItMeasured) {
  if (!fs::exists(kBin + "/moeprof")) GTEST_SKIP() << "moeprof is not built";
  const fs::path d = fresh_dir("moeprof");
  // One process, host backend: a GEMM sweep long enough to be interrupted after a few points.
  Child c = spawn(d, {kBin + "/moeprof", "run", "--backend", "host", "--benchmarks", "gemm", "--gemm-tokens",
                      "1,2,4,8,16,32,64,128,256,512,1024,2048,4096,8192,16384,32768,65536", "--gemm-hidden", "512",
                      "--gemm-ffn", "512", "--warmup", "1", "--iters", "5", "--time-budget", "0.05", "--quiet", "--out",
                      "profile.pb"});
  ASSERT_GT(c.pid, 0);
  // Wait for the first measurements to reach the file, then interrupt.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < end) {
    Profile p;
    if (fs::exists(d / "profile.pb") && load_proto((d / "profile.pb").string(), &p).ok() && p.records_size() >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(c.pid, SIGINT);
  const int code = wait_exit(c.pid, 30);
  EXPECT_EQ(code, 130) << slurp(d / "stderr.txt");
  Profile p;
  ASSERT_TRUE(load_proto((d / "profile.pb").string(), &p).ok()) << "the profile on disk must stay whole";
  EXPECT_GE(p.records_size(), 2);
  EXPECT_TRUE(temporaries(d).empty());
}

// Removes this process's scratch folders once every test has run.
class ScratchCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    fs::remove_all(fs::temp_directory_path() / ("moesim_determinism_" + std::to_string(::getpid())));
  }
};
const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

}  // namespace
}  // namespace moesim
