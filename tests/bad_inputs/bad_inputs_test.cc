// The bad-input catalogue: for every command and input format, malformed, truncated, empty,
// wrong-type, contradictory and absurdly large inputs. Every row runs the built binary once
// (`timeout 10`) in a fresh folder holding the row's input files and checks what a user must
// get: exit code 2, a one-line "moesim: ..." message naming the file, the field or line and
// the problem (the row's substrings), no crash or sanitizer report, an answer within seconds,
// and no output file (nor a temporary one) left behind.
//
// The catalogue is data: add a row to kRows. Inputs are written verbatim (binary included);
// the command runs in the row's folder, so relative paths in it name the row's files.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace moesim {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

struct InputFile {
  std::string name;
  std::string content;
};

struct Row {
  std::string name;                     // test name (letters, digits, _)
  std::string command;                  // "moesim ..." or "moeprof ...", run in the row's folder
  std::vector<InputFile> files;         // written before the run
  std::vector<std::string> stderr_has;  // substrings the message must contain
  std::string out = "out";              // must not exist afterwards ("" = the command writes none)
  int exit_code = 2;
};

// A .npy file: header dict padded to 64 bytes, then raw data.
std::string npy(const std::string& descr, const std::string& shape, const std::string& data, bool fortran = false) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                     ", 'shape': " + shape + ", }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::string out = "\x93NUMPY\x01\x00"s;
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict + data;
}

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// A valid small scenario body (8 GPUs on a star) that rows make wrong in one place.
const std::string kModel =
    "model { name: \"tiny\" num_layers: 2 hidden_size: 64 moe_intermediate_size: 32 num_routed_experts: 8 top_k: 2 "
    "dispatch_bytes_per_element: 2 combine_bytes_per_element: 2 weight_bytes_per_element: 2 }\n";
const std::string kStar8 =
    "parallel { ep: 8 dp: 1 tokens_per_gpu: 16 }\ntopology { preset: \"star\" params { key: \"gpus\" value: \"8\" } }\n"
    "algorithm: \"direct\"\n";
const std::string kSmall = kModel + kStar8;

const std::string kLoads = "10,20,30,40\n5,5,5,5\n";
const std::string kLongCsv = "step,layer,expert,tokens\n0,0,0,5\n0,0,1,7\n";

std::vector<Row> rows() {
  return {
      // ---- simulate: scenario files (text, JSON, binary) ----
      {"sim_scenario_missing", "moesim simulate --scenario nope.textproto --out out", {}, {"nope.textproto", "cannot open"}},
      {"sim_scenario_is_folder", "moesim simulate --scenario dir.textproto --out out", {{"dir.textproto/x", ""}},
       {"dir.textproto", "directory"}},
      {"sim_scenario_unknown_extension", "moesim simulate --scenario s.yaml --out out", {{"s.yaml", "steps: 1\n"}},
       {"s.yaml", "extension"}},
      {"sim_text_truncated", "moesim simulate --scenario s.textproto --out out", {{"s.textproto", "model { num_layers: 4"}},
       {"s.textproto", "1:"}},
      {"sim_text_unknown_field", "moesim simulate --scenario s.textproto --out out", {{"s.textproto", "steps: 1\nmodle { }\n"}},
       {"s.textproto", "2:", "modle"}},
      {"sim_text_wrong_type", "moesim simulate --scenario s.textproto --out out", {{"s.textproto", "steps: \"many\"\n"}},
       {"s.textproto", "steps", "many"}},
      {"sim_text_negative_count", "moesim simulate --scenario s.textproto --out out", {{"s.textproto", "steps: -1\n"}},
       {"s.textproto", "steps"}},
      {"sim_text_binary_garbage", "moesim simulate --scenario s.textproto --out out",
       {{"s.textproto", "\x01\x02\xff\xfe\x00garbage"s}}, {"s.textproto"}},
      {"sim_json_empty", "moesim simulate --scenario s.json --out out", {{"s.json", ""}}, {"s.json", "JSON"}},
      {"sim_json_truncated", "moesim simulate --scenario s.json --out out", {{"s.json", "{\"steps\": 2, \"model\": {"}},
       {"s.json", "JSON"}},
      {"sim_json_wrong_type", "moesim simulate --scenario s.json --out out", {{"s.json", "{\"steps\": \"x\"}"}},
       {"s.json", "steps"}},
      {"sim_json_unknown_field", "moesim simulate --scenario s.json --out out", {{"s.json", "{\"bogus\": 1}"}},
       {"s.json", "bogus"}},
      {"sim_json_deep_nesting", "moesim simulate --scenario s.json --out out",
       {{"s.json", repeat("{\"model\": ", 5000) + "{}" + repeat("}", 5000)}}, {"s.json"}},
      {"sim_json_nan_exponent", "moesim simulate --scenario s.json --out out",
       {{"s.json", "{\"routing\": {\"model\": \"zipf\", \"zipf_exponent\": \"NaN\"}}"}},
       {"s.json", "routing.zipf_exponent"}},
      {"sim_binary_garbage", "moesim simulate --scenario s.pb --out out", {{"s.pb", "\xff\xff\xff\xff"s}}, {"s.pb"}},
      {"sim_binary_empty_model_fields", "moesim simulate --scenario s.pb --out out", {{"s.pb", "\x2a\x00"s}},
       {"s.pb", "model."}},
      // contradictory scenarios
      {"sim_topk_above_experts", "moesim simulate --scenario s.textproto --out out",
       {{"s.textproto", "model { num_layers: 2 hidden_size: 64 moe_intermediate_size: 32 num_routed_experts: 4 top_k: 8 "
                        "dispatch_bytes_per_element: 2 combine_bytes_per_element: 2 weight_bytes_per_element: 2 }\n" +
                            kStar8}},
       {"s.textproto", "model.top_k", "8", "4"}},
      {"sim_first_dense_beyond_layers", "moesim simulate --scenario s.textproto --out out",
       {{"s.textproto", "model { num_layers: 2 first_k_dense: 2 hidden_size: 64 moe_intermediate_size: 32 "
                        "num_routed_experts: 8 top_k: 2 dispatch_bytes_per_element: 2 combine_bytes_per_element: 2 "
                        "weight_bytes_per_element: 2 }\n" +
                            kStar8}},
       {"s.textproto", "model.first_k_dense"}},
      {"sim_partial_model_block", "moesim simulate --scenario s.textproto --out out",
       {{"s.textproto", "model { num_routed_experts: 8 top_k: 2 }\n" + kStar8}}, {"s.textproto", "model."}},
      {"sim_experts_not_dividing_ep", "moesim simulate --scenario s.textproto --out out",
       {{"s.textproto", kModel + "parallel { ep: 3 dp: 1 tokens_per_gpu: 16 }\ntopology { preset: \"star\" params { key: "
                                 "\"gpus\" value: \"3\" } }\nalgorithm: \"direct\"\n"}},
       {"s.textproto", "parallel.ep", "3"}},
      {"sim_topology_gpus_mismatch", "moesim simulate --scenario s.textproto --topology star:gpus=4 --out out",
       {{"s.textproto", kSmall}}, {"s.textproto", "topology", "4", "8"}},
      {"sim_zero_tokens", "moesim simulate --scenario s.textproto --tokens-per-gpu 0 --out out", {{"s.textproto", kSmall}},
       {"s.textproto", "parallel.tokens_per_gpu (from --tokens-per-gpu)"}},
      {"sim_zero_steps_flag", "moesim simulate --steps 0 --out out", {}, {"<default scenario>:steps (from --steps)", "at least 1"}},
      {"sim_unknown_policy_flag", "moesim simulate --placement-policy best --out out", {},
       {"placement.policy (from --placement-policy): unknown placement policy 'best'"}},
      {"sim_bad_mode", "moesim simulate --scenario s.textproto --out out", {{"s.textproto", kSmall + "mode: \"train\"\n"}},
       {"s.textproto", "mode", "train"}},
      {"sim_nan_bytes_per_element", "moesim simulate --scenario s.textproto --out out",
       {{"s.textproto", "model { num_layers: 2 hidden_size: 64 moe_intermediate_size: 32 num_routed_experts: 8 top_k: 2 "
                        "dispatch_bytes_per_element: nan combine_bytes_per_element: 2 weight_bytes_per_element: 2 }\n" +
                            kStar8}},
       {"s.textproto", "model.dispatch_bytes_per_element", "nan"}},
      {"sim_hierarchical_without_nodes", "moesim simulate --scenario s.textproto --algorithm hierarchical --out out",
       {{"s.textproto", "model { num_layers: 2 hidden_size: 64 moe_intermediate_size: 32 num_routed_experts: 8 top_k: 2 "
                        "dispatch_bytes_per_element: 2 combine_bytes_per_element: 2 weight_bytes_per_element: 2 }\n"
                        "parallel { ep: 8 dp: 1 tokens_per_gpu: 16 }\ntopology { dot_file: \"t.dot\" }\n"},
        {"t.dot", "graph g { a [kind=gpu, host=0]; b [kind=gpu, host=0]; c [kind=gpu, host=0]; d [kind=gpu, host=0];"
                  " e [kind=gpu, host=1]; f [kind=gpu, host=1]; g [kind=gpu, host=2]; h [kind=gpu, host=2]; s [kind=switch];"
                  " a -- s [bandwidth=1]; b -- s [bandwidth=1]; c -- s [bandwidth=1]; d -- s [bandwidth=1];"
                  " e -- s [bandwidth=1]; f -- s [bandwidth=1]; g -- s [bandwidth=1]; h -- s [bandwidth=1]; }"}},
       {"algorithm", "hierarchical"}},
      // absurd sizes, refused up front with an estimate
      {"sim_trillion_gpus", "moesim simulate --ep 1000000 --dp 1000000 --out out", {}, {"parallel", "GPUs", "GB"}},
      {"sim_memory_beyond_machine",
       "moesim simulate --ep 65536 --redundant-experts 65280 --topology rail:nodes=8192 --network analytic --out out", {},
       {"parallel", "65536 GPUs", "GB", "this machine"}},
      {"sim_absurd_steps_scenario", "moesim simulate --scenario s.textproto --out out",
       {{"s.textproto", kSmall + "steps: 4000000000\n"}}, {"s.textproto", "steps", "MB"}},
      {"sim_trillion_steps_flag", "moesim simulate --steps 1000000000000 --out out", {}, {"--steps", "1000000000000"}},
      {"sim_absurd_layers", "moesim simulate --scenario s.textproto --out out",
       {{"s.textproto", "model { num_layers: 4000000000 hidden_size: 64 moe_intermediate_size: 32 num_routed_experts: 8 "
                        "top_k: 2 dispatch_bytes_per_element: 2 combine_bytes_per_element: 2 weight_bytes_per_element: 2 }\n" +
                            kStar8}},
       {"s.textproto", "model"}},
      {"sim_absurd_tokens", "moesim simulate --scenario s.textproto --tokens-per-gpu 4000000000 --out out",
       {{"s.textproto", kSmall}}, {"s.textproto", "parallel.tokens_per_gpu"}},
      {"sim_trillion_gpu_topology", "moesim simulate --scenario s.textproto --topology star:gpus=1000000000000 --out out",
       {{"s.textproto", kSmall}}, {"gpus", "1000000000000"}},
      // flags
      {"sim_flag_not_a_number", "moesim simulate --steps abc --out out", {}, {"--steps", "abc"}},
      {"sim_flag_unknown", "moesim simulate --bogus 3 --out out", {}, {"--bogus"}},
      {"sim_flag_missing_value", "moesim simulate --out out --steps", {}, {"--steps", "value"}},
      {"sim_flag_negative_zipf", "moesim simulate --zipf -1 --out out", {}, {"--zipf", "-1"}},
      {"sim_flag_nan_capacity", "moesim simulate --capacity-factor nan --out out", {}, {"--capacity-factor", "nan"}},
      {"sim_flag_unknown_algorithm", "moesim simulate --algorithm bogus --out out", {}, {"algorithm", "bogus"}},
      {"sim_flag_unknown_network", "moesim simulate --network bogus --out out", {}, {"network", "bogus"}},
      {"sim_flag_unknown_routing", "moesim simulate --routing bogus --out out", {}, {"routing.model", "bogus"}},
      {"sim_flag_unknown_hardware", "moesim simulate --hardware bogus --out out", {}, {"hardware", "bogus"}},
      {"sim_flag_unknown_policy", "moesim simulate --placement-policy bogus --out out", {}, {"placement", "bogus"}},
      {"sim_flag_positional", "moesim simulate extra --out out", {}, {"extra"}},
      // files named by flags or the scenario
      {"sim_model_missing", "moesim simulate --model cfg.json --out out", {}, {"cfg.json"}},
      {"sim_model_malformed", "moesim simulate --model config.json --out out", {{"config.json", "{\"model_type\": \"mixtral\","}},
       {"config.json", "JSON"}},
      {"sim_model_wrong_type", "moesim simulate --model config.json --out out",
       {{"config.json", "{\"model_type\": \"mixtral\", \"num_local_experts\": \"eight\", \"num_experts_per_tok\": 2,"
                        " \"hidden_size\": 4096, \"num_hidden_layers\": 32, \"intermediate_size\": 14336,"
                        " \"num_attention_heads\": 32}"}},
       {"config.json", "num_local_experts"}},
      {"sim_model_number_overflow", "moesim simulate --model config.json --out out",
       {{"config.json", "{\"model_type\": \"mixtral\", \"hidden_size\": 1e400}"}}, {"config.json", "JSON"}},
      {"sim_topology_dot_bad", "moesim simulate --scenario s.textproto --topology t.dot --out out",
       {{"s.textproto", kSmall}, {"t.dot", "graph g { a [kind=gpu]; b [kind=gpu]; a -- b; }"}}, {"t.dot", "bandwidth"}},
      {"sim_trace_missing", "moesim simulate --scenario s.textproto --trace nope.csv --out out", {{"s.textproto", kSmall}},
       {"nope.csv"}},
      {"sim_trace_wrong_experts", "moesim simulate --scenario s.textproto --trace t.csv --out out",
       {{"s.textproto", kSmall}, {"t.csv", kLongCsv}}, {"t.csv", "experts"}},
      {"sim_placement_file_bad", "moesim simulate --scenario s.textproto --placement p.json --out out",
       {{"s.textproto", kSmall}, {"p.json", "{\"num_gpus\": 8, \"num_experts\": 8, \"slots_per_gpu\": 1, \"layers\": "
                                            "[{\"phy2log\": [0, 1, 2, 3, 4, 5, 6, 99]}]}"}},
       {"p.json", "phy2log", "99"}},
      {"sim_out_is_a_file", "moesim simulate --scenario s.textproto --steps 1 --out out/x", {{"s.textproto", kSmall}, {"out", "a file"}},
       {"out"}, ""},

      // ---- alltoall: --matrix (CSV/JSON/npy), --topology (presets, DOT), sizes ----
      {"a2a_no_topology", "moesim alltoall --bytes-per-peer 1MiB", {}, {"--topology"}, ""},
      {"a2a_no_size", "moesim alltoall --topology star:gpus=4", {}, {"--bytes-per-peer"}, ""},
      {"a2a_matrix_missing", "moesim alltoall --topology star:gpus=4 --matrix m.csv", {}, {"m.csv", "cannot open"}, ""},
      {"a2a_matrix_empty", "moesim alltoall --topology star:gpus=4 --matrix m.csv", {{"m.csv", ""}}, {"m.csv", "empty"}, ""},
      {"a2a_matrix_wrong_size", "moesim alltoall --topology star:gpus=4 --matrix m.csv", {{"m.csv", "1,2\n3,4\n"}},
       {"m.csv", "2", "4"}, ""},
      {"a2a_matrix_ragged", "moesim alltoall --topology star:gpus=4 --matrix m.csv",
       {{"m.csv", "0,1,2,3\n1,0,2\n1,2,0,3\n1,2,3,0\n"}}, {"m.csv", "line 2", "ragged"}, ""},
      {"a2a_matrix_negative", "moesim alltoall --topology star:gpus=4 --matrix m.csv",
       {{"m.csv", "0,1,2,3\n1,0,2,3\n1,2,0,3\n1,2,-3,0\n"}}, {"m.csv", "negative"}, ""},
      {"a2a_matrix_nan", "moesim alltoall --topology star:gpus=4 --matrix m.csv",
       {{"m.csv", "0,1,2,3\n1,0,nan,3\n1,2,0,3\n1,2,3,0\n"}}, {"m.csv", "finite"}, ""},
      {"a2a_matrix_word", "moesim alltoall --topology star:gpus=2 --matrix m.csv", {{"m.csv", "0,1\n1,lots\n"}},
       {"m.csv", "lots"}, ""},
      {"a2a_matrix_absurd_bytes", "moesim alltoall --topology star:gpus=2 --matrix m.csv", {{"m.csv", "0,1e300\n1,0\n"}},
       {"m.csv", "PiB"}, ""},
      {"a2a_matrix_json_truncated", "moesim alltoall --topology star:gpus=2 --matrix m.json", {{"m.json", "[[0,1],[1,"}},
       {"m.json", "JSON"}, ""},
      {"a2a_matrix_json_wrong_type", "moesim alltoall --topology star:gpus=2 --matrix m.json",
       {{"m.json", "[[0,\"1\"],[1,0]]"}}, {"m.json", "number"}, ""},
      {"a2a_matrix_json_overflow", "moesim alltoall --topology star:gpus=2 --matrix m.json", {{"m.json", "[[0,1e400],[1,0]]"}},
       {"m.json", "JSON"}, ""},
      {"a2a_matrix_npy_truncated", "moesim alltoall --topology star:gpus=2 --matrix m.npy",
       {{"m.npy", npy("<f8", "(2, 2)", std::string(8, '\0'))}}, {"m.npy", "truncated"}, ""},
      {"a2a_matrix_npy_fortran", "moesim alltoall --topology star:gpus=2 --matrix m.npy",
       {{"m.npy", npy("<f8", "(2, 2)", std::string(32, '\0'), true)}}, {"m.npy", "ortran"}, ""},
      {"a2a_matrix_npy_3d", "moesim alltoall --topology star:gpus=2 --matrix m.npy",
       {{"m.npy", npy("<f8", "(2, 2, 1)", std::string(32, '\0'))}}, {"m.npy", "2-D"}, ""},
      {"a2a_matrix_npy_huge_shape", "moesim alltoall --topology star:gpus=2 --matrix m.npy",
       {{"m.npy", npy("<f8", "(1000000000, 1000000000)", std::string(32, '\0'))}}, {"m.npy"}, ""},
      {"a2a_matrix_unknown_extension", "moesim alltoall --topology star:gpus=2 --matrix m.txt", {{"m.txt", "0,1\n1,0\n"}},
       {"m.txt", "extension"}, ""},
      {"a2a_bytes_negative", "moesim alltoall --topology star:gpus=2 --bytes-per-peer -1", {}, {"--bytes-per-peer", "-1"}, ""},
      {"a2a_bytes_word", "moesim alltoall --topology star:gpus=2 --bytes-per-peer lots", {}, {"--bytes-per-peer", "lots"}, ""},
      {"a2a_bytes_absurd", "moesim alltoall --topology star:gpus=8 --bytes-per-peer 1e308", {}, {"--bytes-per-peer", "PiB"}, ""},
      {"a2a_preset_unknown", "moesim alltoall --topology bogus --bytes-per-peer 1", {}, {"bogus"}, ""},
      {"a2a_preset_unknown_param", "moesim alltoall --topology star:gpus=8,bogus=1 --bytes-per-peer 1", {}, {"star", "bogus"}, ""},
      {"a2a_preset_bad_value", "moesim alltoall --topology star:gpus=abc --bytes-per-peer 1", {}, {"gpus", "abc"}, ""},
      {"a2a_preset_zero_bandwidth", "moesim alltoall --topology star:link_bw=0 --bytes-per-peer 1", {}, {"link_bw"}, ""},
      {"a2a_preset_negative_latency", "moesim alltoall --topology star:latency=-1us --bytes-per-peer 1", {}, {"latency"}, ""},
      {"a2a_preset_bad_dims", "moesim alltoall --topology torus2d:dims=0x4 --bytes-per-peer 1", {}, {"dims", "0x4"}, ""},
      {"a2a_preset_trillion_gpus", "moesim alltoall --topology star:gpus=1000000000000 --bytes-per-peer 1", {},
       {"gpus", "1000000000000"}, ""},
      {"a2a_preset_absurd_torus", "moesim alltoall --topology torus3d:dims=100000x100000x100000 --network analytic --bytes-per-peer 1",
       {}, {"torus3d", "GPUs", "GB"}, ""},
      {"a2a_flow_too_many_flows", "moesim alltoall --topology star:gpus=100000 --bytes-per-peer 1MiB", {},
       {"flows", "GB", "analytic"}, ""},
      {"a2a_flag_unknown_algorithm", "moesim alltoall --topology star:gpus=4 --bytes-per-peer 1 --algorithm bogus", {},
       {"bogus"}, ""},
      {"a2a_flag_bad_chunks", "moesim alltoall --topology star:gpus=4 --bytes-per-peer 1 --chunks 0", {}, {"--chunks", "0"}, ""},
      {"a2a_dot_missing", "moesim alltoall --topology t.dot --bytes-per-peer 1", {}, {"t.dot"}, ""},
      {"a2a_dot_empty", "moesim alltoall --topology t.dot --bytes-per-peer 1", {{"t.dot", ""}}, {"t.dot", "DOT"}, ""},
      {"a2a_dot_truncated", "moesim alltoall --topology t.dot --bytes-per-peer 1", {{"t.dot", "graph g { a [kind=gpu"}},
       {"t.dot", "DOT"}, ""},
      {"a2a_dot_no_bandwidth", "moesim alltoall --topology t.dot --bytes-per-peer 1",
       {{"t.dot", "graph g { a [kind=gpu]; b [kind=gpu]; a -- b; }"}}, {"t.dot", "line 1", "a -- b", "bandwidth"}, ""},
      {"a2a_dot_bad_kind", "moesim alltoall --topology t.dot --bytes-per-peer 1",
       {{"t.dot", "graph g {\n a [kind=gpu];\n b [kind=toaster];\n a -- b [bandwidth=1];\n}"}}, {"t.dot", "toaster"}, ""},
      {"a2a_dot_bad_bandwidth", "moesim alltoall --topology t.dot --bytes-per-peer 1",
       {{"t.dot", "graph g { a [kind=gpu]; b [kind=gpu]; a -- b [bandwidth=\"fast\"]; }"}}, {"t.dot", "bandwidth", "fast"}, ""},
      {"a2a_dot_unquoted_unit", "moesim alltoall --topology t.dot --bytes-per-peer 1",
       {{"t.dot", "graph g {\n a [kind=gpu]; b [kind=gpu];\n a -- b [bandwidth=400Gb/s];\n}"}}, {"t.dot", "line 3", "quoted"}, ""},
      {"a2a_dot_disconnected", "moesim alltoall --topology t.dot --bytes-per-peer 1",
       {{"t.dot", "graph g { a [kind=gpu]; b [kind=gpu]; c [kind=switch]; a -- c [bandwidth=1]; }"}}, {"disconnected"}, ""},
      {"a2a_dot_no_gpu", "moesim alltoall --topology t.dot --bytes-per-peer 1", {{"t.dot", "graph g { s [kind=switch]; }"}},
       {"t.dot", "GPU"}, ""},
      {"a2a_dot_duplicate_rank", "moesim alltoall --topology t.dot --bytes-per-peer 1",
       {{"t.dot", "graph g { a [kind=gpu, rank=0]; b [kind=gpu, rank=0]; a -- b [bandwidth=1]; }"}}, {"t.dot", "rank 0"}, ""},
      {"a2a_dot_self_loop", "moesim alltoall --topology t.dot --bytes-per-peer 1",
       {{"t.dot", "graph g { a [kind=gpu]; b [kind=gpu]; a -- a [bandwidth=1]; a -- b [bandwidth=1]; }"}}, {"t.dot", "itself"}, ""},
      {"a2a_dot_empty_vertex_name", "moesim alltoall --topology t.dot --bytes-per-peer 1", {{"t.dot", "graph g { a \"\" ; }"}},
       {"t.dot", "kind"}, ""},
      {"a2a_dot_deep_nesting", "moesim alltoall --topology t.dot --bytes-per-peer 1",
       {{"t.dot", "graph g { " + repeat("subgraph { ", 5000) + repeat("}", 5000) + "}"}}, {"t.dot", "nested"}, ""},
      {"a2a_dot_long_comment", "moesim alltoall --topology t.dot --bytes-per-peer 1",
       {{"t.dot", "/*" + std::string(300000, 'a') + "*/ graph g { a [kind=gpu]; b [kind=gpu]; a -- b; }"}},
       {"t.dot", "bandwidth"}, ""},
      {"a2a_dot_long_number", "moesim alltoall --topology t.dot --bytes-per-peer 1",
       {{"t.dot", "graph g { a [kind=gpu]; b [kind=gpu]; a -- b [bandwidth=" + std::string(300000, '1') + "x]; }"}},
       {"t.dot", "quoted"}, ""},

      // ---- NCCL topology XML (--topology FILE.xml) ----
      {"xml_empty", "moesim topology t.xml --out out.dot", {{"t.xml", ""}}, {"t.xml", "empty"}, "out.dot"},
      {"xml_truncated", "moesim topology t.xml --out out.dot",
       {{"t.xml", "<system version=\"1\">\n<cpu numaid=\"0\">\n<pci busid=\"0000:18:00.0\" class=\"0x030200\" "
                  "link_speed=\"32.0 GT/s PCIe\" link_width=\"16\">\n<gpu dev=\"0\" sm=\"90\" rank=\"0\">\n"}},
       {"t.xml", "4", "gpu", "never closed"}, "out.dot"},
      {"xml_missing_busid", "moesim topology t.xml --out out.dot",
       {{"t.xml", "<system version=\"1\"><cpu numaid=\"0\"><pci class=\"0x030200\" link_speed=\"32.0 GT/s PCIe\" "
                  "link_width=\"16\"><gpu dev=\"0\" sm=\"90\"/></pci></cpu></system>\n"}},
       {"t.xml", "busid"}, "out.dot"},
      {"xml_bad_link_speed", "moesim topology t.xml --out out.dot",
       {{"t.xml", "<system version=\"1\"><cpu numaid=\"0\"><pci busid=\"0000:18:00.0\" class=\"0x030200\" "
                  "link_speed=\"fast\" link_width=\"16\"><gpu dev=\"0\" sm=\"90\"/></pci></cpu></system>\n"}},
       {"t.xml", "link_speed", "fast"}, "out.dot"},
      {"xml_nvlink_to_nowhere", "moesim alltoall --topology t.xml --bytes-per-peer 1",
       {{"t.xml", "<system version=\"1\">\n<cpu numaid=\"0\">\n<pci busid=\"0000:18:00.0\" class=\"0x030200\" "
                  "link_speed=\"32.0 GT/s PCIe\" link_width=\"16\">\n<gpu dev=\"0\" sm=\"90\" rank=\"0\"><nvlink "
                  "target=\"0000:99:00.0\" count=\"4\" tclass=\"0x030200\"/></gpu></pci></cpu></system>\n"}},
       {"t.xml", "4", "0000:99:00.0"}, ""},
      {"xml_deep_nesting", "moesim topology t.xml --out out.dot",
       {{"t.xml", "<system version=\"1\">" +
                      repeat("<pci busid=\"0000:18:00.0\" class=\"0x060400\" link_speed=\"32.0 GT/s PCIe\" link_width=\"16\">",
                             20000) +
                      repeat("</pci>", 20000) + "</system>"}},
       {"t.xml", "nested"}, "out.dot"},

      // ---- calibration files (simulate/alltoall --calibration) ----
      {"calibration_missing", "moesim simulate --calibration c.json --out out", {}, {"c.json"}},
      {"calibration_unknown_field", "moesim simulate --calibration c.json --out out", {{"c.json", "{\"bogus\": 1}"}},
       {"c.json", "bogus"}},
      {"calibration_negative_bandwidth", "moesim simulate --calibration c.json --out out",
       {{"c.json", "{\"links\": [{\"link_class\": \"same-node\", \"latency_s\": 1e-6, \"bandwidth_bytes_per_s\": -5}]}"}},
       {"c.json", "links[0].bandwidth_bytes_per_s", "-5"}},
      {"calibration_truncated", "moesim alltoall --topology star:gpus=4 --bytes-per-peer 1 --calibration c.json",
       {{"c.json", "{\"links\": [{\"link_class\": "}}, {"c.json", "JSON"}, ""},

      // ---- topology ----
      {"topo_unknown_preset", "moesim topology bogus --out out.dot", {}, {"bogus"}, "out.dot"},
      {"topo_dot_malformed", "moesim topology t.dot --out out.dot", {{"t.dot", "digraph { a -> }"}}, {"t.dot"}, "out.dot"},
      {"topo_dot_negative_latency", "moesim topology t.dot --out out.dot",
       {{"t.dot", "graph g { a [kind=gpu]; b [kind=gpu]; a -- b [bandwidth=1, latency=\"-1us\"]; }"}}, {"t.dot", "latency"},
       "out.dot"},
      {"topo_out_in_missing_folder", "moesim topology star:gpus=4 --out nodir/out.dot", {}, {"nodir/out.dot"}, "nodir"},
      {"topo_no_argument", "moesim topology --out out.dot", {}, {"topology"}, "out.dot"},

      // ---- plan --loads (CSV, JSON, npy) ----
      {"plan_no_loads", "moesim plan --replicas 8 --gpus 4 --out out.json", {}, {"--loads"}, "out.json"},
      {"plan_loads_missing", "moesim plan --loads l.csv --replicas 8 --gpus 4 --out out.json", {}, {"l.csv"}, "out.json"},
      {"plan_loads_empty", "moesim plan --loads l.csv --replicas 8 --gpus 4 --out out.json", {{"l.csv", ""}}, {"l.csv", "empty"},
       "out.json"},
      {"plan_loads_header_only", "moesim plan --loads l.csv --replicas 8 --gpus 4 --out out.json", {{"l.csv", "e0,e1,e2\n"}},
       {"l.csv", "empty"}, "out.json"},
      {"plan_loads_ragged", "moesim plan --loads l.csv --replicas 8 --gpus 4 --out out.json", {{"l.csv", "1,2,3,4\n1,2\n"}},
       {"l.csv", "line 2"}, "out.json"},
      {"plan_loads_negative", "moesim plan --loads l.csv --replicas 8 --gpus 4 --out out.json", {{"l.csv", "1,2,3,4\n1,2,-3,4\n"}},
       {"l.csv", "layer 1", "expert 2", "negative"}, "out.json"},
      {"plan_loads_json_not_array", "moesim plan --loads l.json --replicas 8 --gpus 4 --out out.json",
       {{"l.json", "{\"loads\": [1, 2]}"}}, {"l.json", "array"}, "out.json"},
      {"plan_loads_json_deep", "moesim plan --loads l.json --replicas 8 --gpus 4 --out out.json",
       {{"l.json", repeat("[", 100000) + repeat("]", 100000)}}, {"l.json"}, "out.json"},
      {"plan_loads_npy_bad_magic", "moesim plan --loads l.npy --replicas 8 --gpus 4 --out out.json", {{"l.npy", "NUMPY"}},
       {"l.npy"}, "out.json"},
      {"plan_loads_npy_bad_dtype", "moesim plan --loads l.npy --replicas 8 --gpus 4 --out out.json",
       {{"l.npy", npy("<c16", "(1, 4)", std::string(64, '\0'))}}, {"l.npy", "c16"}, "out.json"},
      {"plan_loads_npy_big_endian", "moesim plan --loads l.npy --replicas 8 --gpus 4 --out out.json",
       {{"l.npy", npy(">f8", "(1, 4)", std::string(32, '\0'))}}, {"l.npy", "big-endian"}, "out.json"},
      {"plan_loads_garbage_16mb", "moesim plan --loads l.csv --replicas 8 --gpus 4 --out out.json",
       {{"l.csv", "e0\n" + std::string(16 << 20, 'x')}}, {"l.csv", "line 2"}, "out.json"},
      {"plan_replicas_below_experts", "moesim plan --loads l.csv --replicas 2 --gpus 2 --out out.json", {{"l.csv", kLoads}},
       {"--replicas", "2", "4"}, "out.json"},
      {"plan_replicas_not_dividing", "moesim plan --loads l.csv --replicas 6 --gpus 4 --out out.json", {{"l.csv", kLoads}},
       {"--replicas", "6", "4"}, "out.json"},
      {"plan_gpus_not_dividing_nodes", "moesim plan --loads l.csv --replicas 8 --gpus 4 --nodes 3 --out out.json",
       {{"l.csv", kLoads}}, {"--gpus", "3"}, "out.json"},
      {"plan_groups_not_dividing", "moesim plan --loads l.csv --replicas 8 --gpus 4 --groups 3 --out out.json",
       {{"l.csv", kLoads}}, {"--groups", "3"}, "out.json"},
      {"plan_unknown_policy", "moesim plan --loads l.csv --replicas 8 --gpus 4 --policy bogus --out out.json",
       {{"l.csv", kLoads}}, {"--policy", "bogus"}, "out.json"},
      {"plan_affinity_without_coactivation", "moesim plan --loads l.csv --replicas 8 --gpus 4 --policy affinity --out out.json",
       {{"l.csv", kLoads}}, {"--coactivation"}, "out.json"},
      {"plan_coactivation_wrong_shape",
       "moesim plan --loads l.csv --replicas 8 --gpus 4 --policy affinity --coactivation c.csv --out out.json",
       {{"l.csv", kLoads}, {"c.csv", "1,2\n3,4\n"}}, {"c.csv", "2 x 2", "4 x 4"}, "out.json"},
      {"plan_memory_exceeded",
       "moesim plan --loads l.csv --replicas 8 --gpus 4 --expert-bytes 1e9 --gpu-memory-bytes 1e9 --out out.json",
       {{"l.csv", kLoads}}, {"--gpu-memory-bytes", "exceed"}, "out.json"},
      {"plan_expert_bytes_alone", "moesim plan --loads l.csv --replicas 8 --gpus 4 --expert-bytes 1e9 --out out.json",
       {{"l.csv", kLoads}}, {"--expert-bytes", "--gpu-memory-bytes"}, "out.json"},
      {"plan_out_unknown_extension", "moesim plan --loads l.csv --replicas 8 --gpus 4 --out out.yaml", {{"l.csv", kLoads}},
       {"out.yaml", "extension"}, "out.yaml"},
      {"plan_out_missing_folder", "moesim plan --loads l.csv --replicas 8 --gpus 4 --out nodir/out.json", {{"l.csv", kLoads}},
       {"nodir/out.json"}, "nodir"},
      {"plan_absurd_gpus", "moesim plan --loads l.csv --replicas 8000000 --gpus 4000000 --out out.json", {{"l.csv", kLoads}},
       {"--gpus", "4000000"}, "out.json"},
      {"plan_absurd_replicas", "moesim plan --loads l.csv --replicas 4000000000000 --gpus 4 --out out.json",
       {{"l.csv", kLoads}}, {"--replicas", "4000000000000"}, "out.json"},
      {"plan_flag_unknown", "moesim plan --loads l.csv --replicas 8 --gpus 4 --bogus --out out.json", {{"l.csv", kLoads}},
       {"--bogus"}, "out.json"},

      // ---- trace stats / convert: every importer ----
      {"trace_missing", "moesim trace stats nope.csv", {}, {"nope.csv"}, ""},
      {"trace_empty", "moesim trace stats t.csv", {{"t.csv", ""}}, {"t.csv", "empty"}, ""},
      {"trace_unknown_header", "moesim trace stats t.csv", {{"t.csv", "hello,world\n1,2\n"}}, {"t.csv", "line 1", "header"}, ""},
      {"trace_long_duplicate", "moesim trace stats t.csv", {{"t.csv", "step,layer,expert,tokens\n0,0,0,1\n0,0,0,2\n"}},
       {"t.csv", "line 3", "line 2"}, ""},
      {"trace_long_negative", "moesim trace stats t.csv", {{"t.csv", "step,layer,expert,tokens\n0,0,0,-1\n"}},
       {"t.csv", "line 2", "tokens", "negative"}, ""},
      {"trace_long_ragged", "moesim trace stats t.csv", {{"t.csv", "step,layer,expert,tokens\n0,0,0\n"}},
       {"t.csv", "line 2", "4"}, ""},
      {"trace_long_unterminated_quote", "moesim trace stats t.csv", {{"t.csv", "step,layer,expert,tokens\n0,0,0,\"1\n"}},
       {"t.csv", "line 2", "quote"}, ""},
      {"trace_long_absurd_expert_id", "moesim trace stats t.csv", {{"t.csv", "step,layer,expert,tokens\n0,0,999999999,1\n"}},
       {"t.csv", "too large", "MB"}, ""},
      {"trace_smartmoe_ragged", "moesim trace stats global_layer_expert_counts.csv",
       {{"global_layer_expert_counts.csv", "iter,layer,e0,e1\n1,0,1\n"}}, {"global_layer_expert_counts.csv", "line 2"}, ""},
      {"trace_smartmoe_absurd_layer", "moesim trace stats global_layer_expert_counts.csv",
       {{"global_layer_expert_counts.csv", "iter,layer,e0\n1,999999999,1\n"}}, {"global_layer_expert_counts.csv", "layer"}, ""},
      {"trace_smartmoe_gzip_truncated", "moesim trace stats per_rank_layer_expert_counts.csv.gz",
       {{"per_rank_layer_expert_counts.csv.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" "abc"s}},
       {"per_rank_layer_expert_counts.csv.gz", "gzip"}, ""},
      {"trace_olmoe_word_count", "moesim trace stats expert_counts.csv",
       {{"expert_counts.csv", "model,domain,selection,layer,expert,token_assignments\nolmoe,g,topk,0,0,x\n"}},
       {"expert_counts.csv", "line 2", "token_assignments"}, ""},
      {"trace_olmoe_absurd_ids", "moesim trace stats expert_counts.csv",
       {{"expert_counts.csv", "model,domain,selection,layer,expert,token_assignments\nolmoe,g,topk,999999999,99999,1\n"}},
       {"expert_counts.csv", "line 2"}, ""},
      {"trace_megatron_bad_json", "moesim trace stats router_trace_rank0.jsonl",
       {{"router_trace_rank0.jsonl", "{\"step\": 0, \"layer\": 1, \"top_indices\": [[1, 2]]}\n{\"step\": 0, \"layer\": \n"}},
       {"router_trace_rank0.jsonl", "line 2", "JSON"}, ""},
      {"trace_megatron_wrong_type", "moesim trace stats router_trace_rank0.jsonl",
       {{"router_trace_rank0.jsonl", "{\"step\": \"zero\", \"layer\": 1, \"top_indices\": [[1, 2]]}\n"}},
       {"router_trace_rank0.jsonl", "line 1", "step"}, ""},
      {"trace_megatron_contradictory", "moesim trace stats router_trace_rank0.jsonl",
       {{"router_trace_rank0.jsonl", "{\"step\": 0, \"layer\": 1, \"top_indices\": [[1, 2]], \"num_tokens\": 5}\n"}},
       {"router_trace_rank0.jsonl", "line 1", "num_tokens"}, ""},
      {"trace_megatron_number_overflow", "moesim trace stats router_trace_rank0.jsonl",
       {{"router_trace_rank0.jsonl", "{\"step\": 0, \"layer\": 1, \"top_indices\": [[1e400]]}\n"}},
       {"router_trace_rank0.jsonl", "line 1", "JSON"}, ""},
      {"trace_megatron_absurd_expert", "moesim trace stats router_trace_rank0.jsonl",
       {{"router_trace_rank0.jsonl", "{\"step\": 0, \"layer\": 99999999, \"top_indices\": [[999999999]]}\n"}},
       {"router_trace_rank0.jsonl", "line 1"}, ""},
      {"trace_npy_big_endian", "moesim trace stats t.npy", {{"t.npy", npy(">f8", "(1, 2)", std::string(16, '\0'))}},
       {"t.npy", "big-endian"}, ""},
      {"trace_npy_zero_dim", "moesim trace stats t.npy", {{"t.npy", npy("<f8", "(3, 0, 4)", "")}}, {"t.npy", "shape"}, ""},
      {"trace_npy_huge_shape", "moesim trace stats t.npy",
       {{"t.npy", npy("<f8", "(1000000000, 1000000, 1000)", std::string(16, '\0'))}}, {"t.npy", "truncated"}, ""},
      {"trace_proto_wrong_count", "moesim trace stats t.json",
       {{"t.json", "{\"num_steps\": 2, \"num_layers\": 1, \"num_experts\": 2, \"counts\": [1, 2, 3]}"}},
       {"t.json", "counts", "3", "4"}, ""},
      {"trace_proto_shape_wraps", "moesim trace stats t.json",
       {{"t.json", "{\"num_steps\": 2147483648, \"num_layers\": 2147483648, \"num_experts\": 4}"}}, {"t.json", "counts"}, ""},
      {"trace_unknown_format", "moesim trace stats t.csv --format bogus", {{"t.csv", kLongCsv}}, {"--format", "bogus"}, ""},
      {"trace_forced_wrong_format", "moesim trace stats t.csv --format npy", {{"t.csv", kLongCsv}}, {"t.csv", "npy"}, ""},
      {"trace_unknown_subcommand", "moesim trace bogus t.csv", {{"t.csv", kLongCsv}}, {"bogus"}, ""},
      {"convert_bad_input", "moesim trace convert t.json out.npy",
       {{"t.json", "{\"num_steps\": 2, \"num_layers\": 1, \"num_experts\": 2, \"counts\": [1, 2, 3]}"}}, {"t.json", "counts"},
       "out.npy"},
      {"convert_unknown_output_extension", "moesim trace convert t.csv out.yaml", {{"t.csv", kLongCsv}},
       {"out.yaml", "extension"}, "out.yaml"},
      {"convert_output_missing_folder", "moesim trace convert t.csv nodir/out.json", {{"t.csv", kLongCsv}},
       {"nodir/out.json"}, "nodir"},
      {"convert_missing_out", "moesim trace convert t.csv", {{"t.csv", kLongCsv}}, {"OUT"}, ""},

      // ---- sweep, rebalance, validate, moeprof fit ----
      {"sweep_missing", "moesim sweep nope.textproto --out out.csv", {}, {"nope.textproto"}, "out.csv"},
      {"sweep_malformed", "moesim sweep s.textproto --out out.csv", {{"s.textproto", "axes { zipf_exponents: [0.3, }"}},
       {"s.textproto", "1:"}, "out.csv"},
      {"sweep_unknown_field", "moesim sweep s.textproto --out out.csv", {{"s.textproto", "axis { }"}}, {"s.textproto", "axis"},
       "out.csv"},
      {"sweep_base_missing", "moesim sweep s.textproto --out out.csv", {{"s.textproto", "base_scenario_file: \"nope.textproto\""}},
       {"nope.textproto"}, "out.csv"},
      {"sweep_flag_unknown", "moesim sweep s.textproto --bogus --out out.csv", {{"s.textproto", ""}}, {"--bogus"}, "out.csv"},
      {"rebalance_no_scenario", "moesim rebalance --out out.csv", {}, {"--scenario"}, "out.csv"},
      {"rebalance_bad_every", "moesim rebalance --scenario s.textproto --every 1,x --out out.csv", {{"s.textproto", kSmall}},
       {"--every", "x"}, "out.csv"},
      {"rebalance_bad_scenario", "moesim rebalance --scenario s.textproto --out out.csv", {{"s.textproto", "steps: \"x\""}},
       {"s.textproto"}, "out.csv"},
      {"validate_missing_profile", "moesim validate --profile p.json --calibration c.json", {}, {"p.json"}, ""},
      {"validate_malformed_profile", "moesim validate --profile p.json --calibration c.json",
       {{"p.json", "{\"cases\": ["}, {"c.json", "{}"}}, {"p.json"}, ""},
      {"moeprof_fit_missing_profile", "moeprof fit p.json --out out.json", {}, {"p.json"}, "out.json"},
      {"moeprof_fit_malformed_profile", "moeprof fit p.json --out out.json", {{"p.json", "{\"bogus\": 1}"}}, {"p.json", "bogus"},
       "out.json"},
      {"moeprof_fit_empty_profile", "moeprof fit p.json --out out.json", {{"p.json", "{}"}}, {"p.json"}, "out.json"},
  };
}

struct Outcome {
  int exit_code = -1;
  std::string err;
  double seconds = 0;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Outcome run_in(const fs::path& dir, const std::string& command) {
  const std::string cmd = "cd '" + dir.string() + "' && timeout 10 " + std::string(MOESIM_BIN_DIR) + "/" + command +
                          " >'" + (dir / ".stdout").string() + "' 2>'" + (dir / ".stderr").string() + "'";
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(cmd.c_str());
  Outcome o;
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.err = slurp(dir / ".stderr");
  return o;
}

// gtest prints a failing row by its command line, not its bytes.
void PrintTo(const Row& row, std::ostream* os) { *os << row.command; }

class BadInput : public ::testing::TestWithParam<Row> {};

TEST_P(BadInput, RefusedCleanly) {
  const Row& row = GetParam();
  const std::string program = row.command.substr(0, row.command.find(' '));
  if (!fs::exists(fs::path(MOESIM_BIN_DIR) / program)) GTEST_SKIP() << program << " is not built in " << MOESIM_BIN_DIR;
  const fs::path dir = fs::temp_directory_path() / ("moesim_bad_inputs_" + std::to_string(::getpid())) / row.name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& f : row.files) {
    const fs::path p = dir / f.name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << f.content;
  }
  const Outcome o = run_in(dir, row.command);
  SCOPED_TRACE("command: " + row.command + "\nstderr: " + o.err.substr(0, 2000));
  EXPECT_EQ(o.exit_code, row.exit_code) << (o.exit_code == 124 ? "timed out after 10 s" : "");
  EXPECT_LT(o.seconds, 10.0);
  const std::string prefix = program + ": ";
  EXPECT_EQ(o.err.rfind(prefix, 0), 0u) << "the message must start with '" << prefix << "'";
  for (const auto& s : row.stderr_has) EXPECT_NE(o.err.find(s), std::string::npos) << "stderr lacks '" << s << "'";
  for (const char* bad : {"internal error", "Sanitizer", "runtime error", "terminate called", "Segmentation"}) {
    EXPECT_EQ(o.err.find(bad), std::string::npos) << "stderr shows '" << bad << "'";
  }
  if (!row.out.empty()) {
    EXPECT_FALSE(fs::exists(dir / row.out)) << row.out << " was created by a failed run";
  }
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "temporary left behind: " << e.path();
  }
  fs::remove_all(dir);
}

// Removes this process's scratch folder once every row has run.
class ScratchCleanup : public ::testing::Environment {
 public:
  void TearDown() override { fs::remove_all(fs::temp_directory_path() / ("moesim_bad_inputs_" + std::to_string(::getpid()))); }
};
const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

INSTANTIATE_TEST_SUITE_P(Catalogue, BadInput, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.name; });

}  // namespace
}  // namespace moesim
