// The output formats of `moesim simulate --out DIR` as a reader sees them (trace.json against the
// Trace Event Format, steps.csv, summary.json), and NCCL topology XML files on the command line.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/cli_test_util.h"

namespace moesim {
namespace {

using testing::run_moesim;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A small training scenario: a 4-layer MoE (1 dense, 3 MoE layers of 32 experts, top-4), EP8 on
// one dgx-h100 node, 2 of the 3 MoE layers simulated, 3 steps.
constexpr const char* kScenario = R"(name: "formats-e2e"
mode: "training"
steps: 3
seed: 11
model {
  name: "tiny-moe" num_layers: 4 first_k_dense: 1 moe_layer_interval: 1
  hidden_size: 1024 moe_intermediate_size: 512 dense_intermediate_size: 2048
  num_routed_experts: 32 num_shared_experts: 1 top_k: 4 scoring_func: "softmax"
  num_attention_heads: 8 seq_len: 1024 gated_ffn: true
  dispatch_bytes_per_element: 2 combine_bytes_per_element: 2 weight_bytes_per_element: 2
}
parallel { ep: 8 dp: 1 tokens_per_gpu: 256 micro_batches: 1 }
routing { model: "zipf" zipf_exponent: 1.0 capacity_factor: 1.25 }
topology { preset: "dgx-h100" }
simulated_layers: 2
)";

class SimulateOutputs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // ctest runs each test of the suite in its own process, two at a time: one folder per
    // process, or one process's clean-up deletes the outputs another is reading.
    dir_ = new std::string(
        (std::filesystem::temp_directory_path() / ("moesim_formats_e2e." + std::to_string(::getpid()))).string());
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    {
      std::ofstream(*dir_ + "/scenario.textproto") << kScenario;
    }
    run_ = new testing::CliResult(
        run_moesim("simulate --scenario " + *dir_ + "/scenario.textproto --out " + *dir_ + "/out --quiet"));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete run_;
  }
  void SetUp() override { ASSERT_EQ(run_->exit_code, 0) << run_->err << run_->out; }
  static std::string out(const std::string& name) { return *dir_ + "/out/" + name; }

  static std::string* dir_;
  static testing::CliResult* run_;
};
std::string* SimulateOutputs::dir_ = nullptr;
testing::CliResult* SimulateOutputs::run_ = nullptr;

TEST_F(SimulateOutputs, QuietRunPrintsNoProgress) { EXPECT_EQ(run_->err, ""); }

TEST_F(SimulateOutputs, TraceJsonFollowsTheTraceEventFormat) {
  const auto doc = nlohmann::json::parse(slurp(out("trace.json")), nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(doc.is_discarded()) << "trace.json is not valid JSON";
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc.contains("traceEvents"));
  ASSERT_TRUE(doc["traceEvents"].is_array());

  struct Span {
    double ts, end;
    std::string name;
  };
  std::map<std::pair<int, int>, std::vector<Span>> tracks;
  std::map<int, std::string> process_names;
  int complete = 0;
  for (const auto& e : doc["traceEvents"]) {
    // Required by every event: name, ph, pid, tid (Trace Event Format, "Event Descriptions").
    ASSERT_TRUE(e.contains("name") && e["name"].is_string()) << e.dump();
    ASSERT_TRUE(e.contains("ph") && e["ph"].is_string()) << e.dump();
    ASSERT_TRUE(e.contains("pid") && e["pid"].is_number_integer()) << e.dump();
    ASSERT_TRUE(e.contains("tid") && e["tid"].is_number_integer()) << e.dump();
    const std::string ph = e["ph"];
    if (ph == "X") {
      // Complete events: ts and dur in microseconds, dur >= 0.
      ASSERT_TRUE(e.contains("ts") && e["ts"].is_number()) << e.dump();
      ASSERT_TRUE(e.contains("dur") && e["dur"].is_number()) << e.dump();
      const double ts = e["ts"], dur = e["dur"];
      EXPECT_GE(ts, 0.0);
      EXPECT_GE(dur, 0.0);
      tracks[{e["pid"], e["tid"]}].push_back({ts, ts + dur, e["name"]});
      ++complete;
    } else if (ph == "M") {
      ASSERT_TRUE(e.contains("args") && e["args"].is_object()) << e.dump();
      if (e["name"] == "process_name") process_names[e["pid"]] = e["args"]["name"];
    } else {
      ADD_FAILURE() << "unexpected phase '" << ph << "' in " << e.dump();
    }
  }
  EXPECT_GT(complete, 0);

  // Metadata names each of the 8 GPUs, and every track belongs to a named GPU.
  ASSERT_EQ(process_names.size(), 8u);
  for (int g = 0; g < 8; ++g) EXPECT_EQ(process_names[g], "GPU " + std::to_string(g));
  std::set<int> pids_with_events;
  for (const auto& [key, spans] : tracks) pids_with_events.insert(key.first);
  EXPECT_EQ(pids_with_events.size(), 8u);

  // Per track, X events must nest (viewers draw them as a stack): sorted by start, each next
  // event either starts after the enclosing one ends or ends within it. ts and dur are printed
  // with 4 decimals of a microsecond, so edges may disagree by that rounding.
  constexpr double kRoundingUs = 2e-4;
  for (auto& [key, spans] : tracks) {
    std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
      return a.ts < b.ts || (a.ts == b.ts && a.end > b.end);
    });
    std::vector<const Span*> open;
    for (const auto& s : spans) {
      while (!open.empty() && open.back()->end <= s.ts + kRoundingUs) open.pop_back();
      if (!open.empty()) {
        EXPECT_LE(s.end, open.back()->end + kRoundingUs)
            << "pid " << key.first << " tid " << key.second << ": '" << s.name << "' [" << s.ts << ", " << s.end
            << "] overlaps '" << open.back()->name << "' [" << open.back()->ts << ", " << open.back()->end
            << "] without nesting";
      }
      open.push_back(&s);
    }
  }
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, sep)) out.push_back(cell);
  return out;
}

TEST_F(SimulateOutputs, StepsCsvHasHeaderAndOneNumericRowPerStep) {
  std::stringstream in(slurp(out("steps.csv")));
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto header = split(line, ',');
  const std::vector<std::string> expected = {"step", "step_time_s", "dispatch_time_s", "combine_time_s",
                                             "expert_compute_time_s", "dense_compute_time_s", "straggler_wait_time_s",
                                             "imbalance_max_over_mean", "tokens_dropped", "migration_time_s"};
  EXPECT_EQ(header, expected);
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto cells = split(line, ',');
    ASSERT_EQ(cells.size(), header.size()) << line;
    EXPECT_EQ(cells[0], std::to_string(rows)) << "steps numbered from 0 in order";
    for (size_t c = 0; c < cells.size(); ++c) {
      char* end = nullptr;
      const double v = std::strtod(cells[c].c_str(), &end);
      EXPECT_TRUE(end != cells[c].c_str() && *end == '\0' && std::isfinite(v)) << header[c] << " = '" << cells[c] << "'";
    }
    EXPECT_GT(std::strtod(cells[1].c_str(), nullptr), 0.0) << "step_time_s";
    ++rows;
  }
  EXPECT_EQ(rows, 3);
}

TEST_F(SimulateOutputs, SummaryJsonHasTheHeadlineFields) {
  const auto doc = nlohmann::json::parse(slurp(out("summary.json")), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  for (const char* field : {"step_time_s", "dispatch_time_s", "combine_time_s", "expert_compute_time_s",
                            "straggler_wait_time_s", "imbalance_max_over_mean", "tokens_dropped"}) {
    ASSERT_TRUE(doc.contains(field)) << field;
    EXPECT_TRUE(doc[field].is_number()) << field;
    EXPECT_GE(doc[field].get<double>(), 0.0) << field;
  }
  EXPECT_GT(doc["step_time_s"].get<double>(), 0.0);
  EXPECT_GT(doc["dispatch_time_s"].get<double>(), 0.0);
  // max/mean of tokens per GPU is at least 1 by definition.
  EXPECT_GE(doc["imbalance_max_over_mean"].get<double>(), 1.0);
  EXPECT_EQ(doc["num_gpus"].get<int>(), 8);
  EXPECT_EQ(doc["num_steps"].get<int>(), 3);
  // The parts on the critical path cannot exceed the step.
  EXPECT_LE(doc["dispatch_time_s"].get<double>() + doc["combine_time_s"].get<double>(), doc["step_time_s"].get<double>());
  EXPECT_TRUE(std::filesystem::exists(out("result.pb")));
}

std::string example(const std::string& name) { return std::string(MOESIM_SOURCE_DIR) + "/examples/nccl/" + name; }

TEST(NcclXmlCli, TopologyPrintsTheNode) {
  auto r = run_moesim("topology " + example("dgx_h100_like.xml"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("8 on 1 node(s), 8 per node"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 nvswitch"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("8 nic"), std::string::npos) << r.out;
  auto dot = run_moesim("topology " + example("dgx_h100_like.xml") + " --dot");
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_NE(dot.out.find("\"gpu0\" -> \"nvswitch\" [bandwidth=\"370800000000\""), std::string::npos);
}

double alltoall_time_s(const std::string& topology) {
  auto r = run_moesim("alltoall --topology " + topology + " --bytes-per-peer 1MiB --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << r.out;
  if (doc.is_discarded() || !doc.contains("completion_time_s")) return -1;
  return doc["completion_time_s"].get<double>();
}

TEST(NcclXmlCli, AlltoallTimesTheNode) {
  const double t = alltoall_time_s(example("dgx_h100_like.xml"));
  // 1 MiB to each of 7 peers through an 18 x 20.6 = 370.8 GB/s NVSwitch port takes at least
  // 7 MiB / 370.8 GB/s = 19.8 us, plus the 10 us default launch overhead.
  EXPECT_GE(t, 7 * 1048576.0 / 370.8e9 + 10e-6);
  // Between GPUs the imported node is the dgx-h100 preset with NCCL's NVLink figure: same time.
  EXPECT_NEAR(t, alltoall_time_s("dgx-h100:nvlink_bw=370.8GB/s"), 1e-9 * t);
}

TEST(NcclXmlCli, BadXmlIsAnInputError) {
  const std::string dir = testing::fresh_temp_dir();
  const std::string path = testing::write_temp_file(dir, "bad.xml", "<system>\n  <cpu numaid=\"0\">\n");
  auto r = run_moesim("topology " + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("moesim: " + path + ":2: <cpu> opened here is never closed"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace moesim
