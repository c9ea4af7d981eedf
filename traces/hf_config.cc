#include "traces/hf_config.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "traces/file_io.h"

namespace moesim {
namespace {

using nlohmann::json;

// Reads typed fields of one config and collects the names of required ones that are absent,
// so an unknown architecture gets one error listing everything it lacks.
class Fields {
 public:
  Fields(const json& j, const std::string& source) : j_(j), source_(source) {}

  bool has(const char* name) const { return j_.contains(name) && !j_[name].is_null(); }

  // A non-negative integer; absent/null gives `fallback` (and, when required, a missing note).
  Result<uint32_t> uint(const char* name, bool required, uint32_t fallback = 0) {
    if (!has(name)) {
      if (required) missing_.push_back(name);
      return fallback;
    }
    const json& v = j_[name];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > UINT32_MAX) {
      return make_error(source_, "field '" + std::string(name) + "'",
                        "expected a non-negative integer, found " + v.dump());
    }
    return static_cast<uint32_t>(v.get<int64_t>());
  }

  Result<std::string> str(const char* name, const std::string& fallback) {
    if (!has(name)) return fallback;
    const json& v = j_[name];
    if (!v.is_string()) return make_error(source_, "field '" + std::string(name) + "'", "expected a string, found " + v.dump());
    return v.get<std::string>();
  }

  // The first of several alternative names that is present.
  Result<uint32_t> any_of(std::initializer_list<const char*> names, bool required) {
    for (const char* n : names) {
      if (has(n)) return uint(n, false);
    }
    if (required) {
      std::string alt;
      for (const char* n : names) alt += (alt.empty() ? "" : " | ") + std::string(n);
      missing_.push_back(alt);
    }
    return 0u;
  }

  Status check_missing(const std::string& family) const {
    if (missing_.empty()) return {};
    std::string list;
    for (const auto& m : missing_) list += (list.empty() ? "" : ", ") + m;
    return make_error(source_, "", family + ": missing field(s) " + list);
  }

  const std::string& source() const { return source_; }

 private:
  const json& j_;
  std::string source_;
  std::vector<std::string> missing_;
};

// Line and column of a byte offset (1-based), for JSON parse errors.
std::string position_of(const std::string& text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

double weight_bytes(const json& j) {
  if (j.contains("quantization_config") && j["quantization_config"].is_object()) {
    const json& q = j["quantization_config"];
    if (q.contains("quant_method") && q["quant_method"] == "fp8") return 1;
  }
  const std::string key = j.contains("torch_dtype") ? "torch_dtype" : "dtype";
  if (j.contains(key) && j[key].is_string()) {
    const std::string d = j[key].get<std::string>();
    if (d == "float32") return 4;
    if (d == "float8_e4m3fn" || d == "float8_e5m2") return 1;
  }
  return 2;
}

// The common decoder-only fields.
Status read_decoder_common(Fields& f, ModelSpec* m) {
  MOESIM_ASSIGN_OR_RETURN(uint32_t layers, f.uint("num_hidden_layers", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t hidden, f.uint("hidden_size", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t heads, f.uint("num_attention_heads", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t head_dim, f.uint("head_dim", false));
  MOESIM_ASSIGN_OR_RETURN(uint32_t top_k, f.uint("num_experts_per_tok", true));
  m->set_num_layers(layers);
  m->set_hidden_size(hidden);
  m->set_num_attention_heads(heads);
  m->set_head_dim(head_dim);
  m->set_top_k(top_k);
  m->set_moe_layer_interval(1);
  m->set_gated_ffn(true);  // SwiGLU (hidden_act silu with gate/up/down) in every decoder family here
  m->set_scoring_func("softmax");
  return {};
}

Status read_deepseek(Fields& f, const std::string& model_type, ModelSpec* m) {
  MOESIM_RETURN_IF_ERROR(read_decoder_common(f, m));
  MOESIM_ASSIGN_OR_RETURN(uint32_t routed, f.uint("n_routed_experts", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t shared, f.uint("n_shared_experts", false));
  MOESIM_ASSIGN_OR_RETURN(uint32_t moe_inter, f.uint("moe_intermediate_size", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t dense_inter, f.uint("intermediate_size", false));
  MOESIM_ASSIGN_OR_RETURN(uint32_t first_dense, f.uint("first_k_dense_replace", false));
  MOESIM_ASSIGN_OR_RETURN(uint32_t freq, f.uint("moe_layer_freq", false, 1));
  MOESIM_ASSIGN_OR_RETURN(uint32_t n_group, f.uint("n_group", false));
  MOESIM_ASSIGN_OR_RETURN(uint32_t topk_group, f.uint("topk_group", false));
  MOESIM_ASSIGN_OR_RETURN(std::string topk_method, f.str("topk_method", "greedy"));
  MOESIM_ASSIGN_OR_RETURN(std::string scoring, f.str("scoring_func", "softmax"));
  MOESIM_ASSIGN_OR_RETURN(uint32_t nope, f.uint("qk_nope_head_dim", false));
  MOESIM_ASSIGN_OR_RETURN(uint32_t rope, f.uint("qk_rope_head_dim", false));
  MOESIM_RETURN_IF_ERROR(f.check_missing(model_type));
  if (freq == 0) return make_error(f.source(), "field 'moe_layer_freq'", "must be at least 1");
  if (scoring != "softmax" && scoring != "sigmoid") {
    return make_error(f.source(), "field 'scoring_func'", "is '" + scoring + "', expected softmax or sigmoid");
  }
  m->set_num_routed_experts(routed);
  m->set_num_shared_experts(shared);
  m->set_moe_intermediate_size(moe_inter);
  m->set_shared_intermediate_size(shared > 0 ? moe_inter : 0);
  m->set_dense_intermediate_size(dense_inter);
  m->set_first_k_dense(first_dense);
  m->set_moe_layer_interval(freq);
  m->set_scoring_func(scoring);
  // Only these methods restrict a token to its best topk_group of n_group groups.
  if ((topk_method == "group_limited_greedy" || topk_method == "noaux_tc") && n_group > 1) {
    if (topk_group == 0 || topk_group > n_group) {
      return make_error(f.source(), "field 'topk_group'",
                        "is " + std::to_string(topk_group) + ", expected 1.." + std::to_string(n_group));
    }
    if (routed % n_group != 0) {
      return make_error(f.source(), "field 'n_group'",
                        std::to_string(routed) + " routed experts do not split into " + std::to_string(n_group) +
                            " equal groups");
    }
    m->set_n_group(n_group);
    m->set_topk_group(topk_group);
  }
  if (m->head_dim() == 0 && nope + rope > 0) m->set_head_dim(nope + rope);
  // DeepSeek-V3 dispatches tokens in FP8 (its technical report, section 3.3); combine stays BF16.
  if (model_type == "deepseek_v3") m->set_dispatch_bytes_per_element(1);
  return {};
}

Status read_mixtral_like(Fields& f, const std::string& family, const char* experts_key, ModelSpec* m) {
  MOESIM_RETURN_IF_ERROR(read_decoder_common(f, m));
  MOESIM_ASSIGN_OR_RETURN(uint32_t experts, f.uint(experts_key, true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t inter, f.uint("intermediate_size", true));
  MOESIM_RETURN_IF_ERROR(f.check_missing(family));
  m->set_num_routed_experts(experts);
  m->set_moe_intermediate_size(inter);  // every layer is MoE; intermediate_size is one expert's width
  return {};
}

Status read_qwen_moe(Fields& f, const std::string& family, const json& j, ModelSpec* m) {
  MOESIM_RETURN_IF_ERROR(read_decoder_common(f, m));
  MOESIM_ASSIGN_OR_RETURN(uint32_t experts, f.uint("num_experts", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t moe_inter, f.uint("moe_intermediate_size", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t dense_inter, f.uint("intermediate_size", false));
  MOESIM_ASSIGN_OR_RETURN(uint32_t shared_inter, f.uint("shared_expert_intermediate_size", false));
  MOESIM_ASSIGN_OR_RETURN(uint32_t step, f.uint("decoder_sparse_step", false, 1));
  MOESIM_RETURN_IF_ERROR(f.check_missing(family));
  if (step == 0) return make_error(f.source(), "field 'decoder_sparse_step'", "must be at least 1");
  m->set_num_routed_experts(experts);
  m->set_moe_intermediate_size(moe_inter);
  m->set_dense_intermediate_size(dense_inter);
  if (shared_inter > 0) {
    m->set_num_shared_experts(1);
    m->set_shared_intermediate_size(shared_inter);
  }
  // Hugging Face: layer i is sparse when i is not in mlp_only_layers and (i + 1) % step == 0.
  // ModelSpec says: the first k layers dense, then every interval-th layer MoE starting at k.
  std::vector<int64_t> mlp_only;
  if (j.contains("mlp_only_layers") && !j["mlp_only_layers"].is_null()) {
    const json& v = j["mlp_only_layers"];
    if (!v.is_array()) return make_error(f.source(), "field 'mlp_only_layers'", "expected a list of layer indices");
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number_integer() || v[i].get<int64_t>() < 0) {
        return make_error(f.source(), "field 'mlp_only_layers[" + std::to_string(i) + "]'",
                          "expected a layer index, found " + v[i].dump());
      }
      mlp_only.push_back(v[i].get<int64_t>());
    }
    std::sort(mlp_only.begin(), mlp_only.end());
    mlp_only.erase(std::unique(mlp_only.begin(), mlp_only.end()), mlp_only.end());
  }
  const uint32_t layers = m->num_layers();
  std::vector<bool> sparse(layers);
  for (uint32_t i = 0; i < layers; ++i) {
    sparse[i] = (i + 1) % step == 0 && !std::binary_search(mlp_only.begin(), mlp_only.end(), i);
  }
  uint32_t first = 0;
  while (first < layers && !sparse[first]) ++first;
  for (uint32_t i = 0; i < layers; ++i) {
    const bool modelled = i >= first && (i - first) % step == 0;
    if (modelled != sparse[i]) {
      return make_error(f.source(), "field 'mlp_only_layers'",
                        "this pattern of dense and MoE layers (layer " + std::to_string(i) + " is " +
                            (sparse[i] ? "MoE" : "dense") +
                            ") is not 'k dense layers, then every interval-th layer MoE', which moesim models");
    }
  }
  m->set_first_k_dense(first);
  m->set_moe_layer_interval(step);
  return {};
}

Status read_switch(Fields& f, const json& j, ModelSpec* m) {
  MOESIM_ASSIGN_OR_RETURN(uint32_t experts, f.uint("num_experts", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t d_model, f.uint("d_model", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t d_ff, f.uint("d_ff", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t d_kv, f.uint("d_kv", false));
  MOESIM_ASSIGN_OR_RETURN(uint32_t heads, f.uint("num_heads", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t enc_layers, f.uint("num_layers", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t dec_layers, f.uint("num_decoder_layers", false, enc_layers));
  MOESIM_ASSIGN_OR_RETURN(uint32_t enc_sparse, f.uint("num_sparse_encoder_layers", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t dec_sparse, f.uint("num_sparse_decoder_layers", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t capacity, f.uint("expert_capacity", false));
  MOESIM_ASSIGN_OR_RETURN(uint32_t top_k, f.uint("num_selected_experts", false, 1));
  MOESIM_RETURN_IF_ERROR(f.check_missing("switch_transformers"));
  // Hugging Face SwitchTransformersConfig: sparse_step = num_layers / num_sparse_layers, and
  // layer i of a stack is sparse when i % sparse_step == 1 (or sparse_step == 1).
  auto step_of = [](uint32_t layers, uint32_t sparse) { return sparse > 0 ? layers / sparse : 0; };
  const uint32_t enc_step = step_of(enc_layers, enc_sparse), dec_step = step_of(dec_layers, dec_sparse);
  if (enc_step == 0 || enc_step != dec_step || enc_layers % enc_step != 0) {
    return make_error(f.source(), "field 'num_sparse_encoder_layers'",
                      "encoder (" + std::to_string(enc_sparse) + " of " + std::to_string(enc_layers) +
                          ") and decoder (" + std::to_string(dec_sparse) + " of " + std::to_string(dec_layers) +
                          ") sparse layers do not form one 'every interval-th layer' pattern");
  }
  m->set_num_layers(enc_layers + dec_layers);
  m->set_first_k_dense(enc_step == 1 ? 0 : 1);
  m->set_moe_layer_interval(enc_step);
  m->set_hidden_size(d_model);
  m->set_num_attention_heads(heads);
  m->set_head_dim(d_kv);
  m->set_num_routed_experts(experts);
  m->set_top_k(top_k);
  m->set_moe_intermediate_size(d_ff);
  m->set_dense_intermediate_size(d_ff);
  m->set_expert_capacity(capacity);
  m->set_scoring_func("softmax");
  bool gated = false;
  if (j.contains("is_gated_act") && j["is_gated_act"].is_boolean()) gated = j["is_gated_act"].get<bool>();
  if (j.contains("feed_forward_proj") && j["feed_forward_proj"].is_string()) {
    gated = gated || j["feed_forward_proj"].get<std::string>().rfind("gated-", 0) == 0;
  }
  m->set_gated_ffn(gated);
  return {};
}

Status read_generic(Fields& f, const std::string& model_type, ModelSpec* m) {
  MOESIM_ASSIGN_OR_RETURN(uint32_t layers, f.uint("num_hidden_layers", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t hidden, f.uint("hidden_size", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t heads, f.uint("num_attention_heads", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t top_k, f.uint("num_experts_per_tok", true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t experts, f.any_of({"num_experts", "num_local_experts", "n_routed_experts"}, true));
  MOESIM_ASSIGN_OR_RETURN(uint32_t inter, f.any_of({"moe_intermediate_size", "intermediate_size"}, true));
  MOESIM_RETURN_IF_ERROR(
      f.check_missing("unknown MoE architecture '" + (model_type.empty() ? std::string("(no model_type)") : model_type) +
                      "'"));
  m->set_num_layers(layers);
  m->set_hidden_size(hidden);
  m->set_num_attention_heads(heads);
  m->set_top_k(top_k);
  m->set_num_routed_experts(experts);
  m->set_moe_intermediate_size(inter);
  m->set_moe_layer_interval(1);
  m->set_gated_ffn(true);
  m->set_scoring_func("softmax");
  return {};
}

}  // namespace

Result<ModelSpec> parse_hf_config(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return make_error(source, position_of(text, e.byte > 0 ? e.byte - 1 : 0), std::string("invalid JSON: ") + e.what());
  } catch (const json::exception& e) {  // out_of_range: a number beyond double (1e400)
    return make_error(source, "", std::string("invalid JSON: ") + e.what());
  }
  if (!j.is_object()) return make_error(source, "", "expected a JSON object (a Hugging Face config.json)");
  Fields f(j, source);
  MOESIM_ASSIGN_OR_RETURN(std::string model_type, f.str("model_type", ""));
  std::string arch;
  if (j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty() &&
      j["architectures"][0].is_string()) {
    arch = j["architectures"][0].get<std::string>();
  }
  ModelSpec m;
  MOESIM_ASSIGN_OR_RETURN(std::string name, f.str("_name_or_path", ""));
  m.set_name(!name.empty() ? name : !arch.empty() ? arch : model_type);
  m.set_dispatch_bytes_per_element(2);
  m.set_combine_bytes_per_element(2);
  m.set_weight_bytes_per_element(weight_bytes(j));

  const bool deepseek = model_type == "deepseek" || model_type == "deepseek_v2" || model_type == "deepseek_v3";
  if (deepseek) {
    MOESIM_RETURN_IF_ERROR(read_deepseek(f, model_type, &m));
  } else if (model_type == "mixtral") {
    MOESIM_RETURN_IF_ERROR(read_mixtral_like(f, model_type, "num_local_experts", &m));
  } else if (model_type == "olmoe") {
    MOESIM_RETURN_IF_ERROR(read_mixtral_like(f, model_type, "num_experts", &m));
  } else if (model_type == "qwen2_moe" || model_type == "qwen3_moe") {
    MOESIM_RETURN_IF_ERROR(read_qwen_moe(f, model_type, j, &m));
  } else if (model_type == "switch_transformers") {
    MOESIM_RETURN_IF_ERROR(read_switch(f, j, &m));
  } else {
    MOESIM_RETURN_IF_ERROR(read_generic(f, model_type, &m));
  }
  if (m.num_routed_experts() == 0) return make_error(source, "", "the model has 0 routed experts: not an MoE model");
  if (m.top_k() == 0 || m.top_k() > m.num_routed_experts()) {
    return make_error(source, "field 'num_experts_per_tok'",
                      "is " + std::to_string(m.top_k()) + ", expected 1.." + std::to_string(m.num_routed_experts()));
  }
  if (m.first_k_dense() > m.num_layers()) {
    return make_error(source, "", "more dense layers (" + std::to_string(m.first_k_dense()) + ") than layers (" +
                                      std::to_string(m.num_layers()) + ")");
  }
  return m;
}

Result<ModelSpec> load_hf_config(const std::string& path) {
  MOESIM_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_hf_config(text, path);
}

}  // namespace moesim
