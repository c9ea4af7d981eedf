#include "traces/trace_npy.h"

#include <algorithm>

#include "traces/trace_shape.h"

namespace moesim {

Result<ExpertLoadTrace> trace_from_npy(const NpyArray& a, const std::string& source) {
  auto shape_text = [&] {
    std::string s = "(";
    for (size_t i = 0; i < a.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(a.shape[i]);
    return s + (a.shape.size() == 1 ? ",)" : ")");
  };
  if (a.shape.size() != 2 && a.shape.size() != 3) {
    return make_error(source, "shape", "is " + shape_text() +
                                           ", expected [steps, layers, experts] or [layers, experts]");
  }
  for (int64_t d : a.shape) {
    if (d <= 0) return make_error(source, "shape", "is " + shape_text() + ": every dimension must be at least 1");
  }
  const size_t steps = a.shape.size() == 3 ? static_cast<size_t>(a.shape[0]) : 1;
  const size_t layers = static_cast<size_t>(a.shape[a.shape.size() - 2]);
  const size_t experts = static_cast<size_t>(a.shape.back());
  if (a.data.size() != steps * layers * experts) {
    return make_error(source, "", "holds " + std::to_string(a.data.size()) + " values for shape " + shape_text());
  }
  ExpertLoadTrace t;
  init_trace_shape(&t, steps, layers, experts, 0);
  std::copy(a.data.begin(), a.data.end(), t.mutable_counts()->mutable_data());
  t.set_format("npy");
  t.set_source(source);
  MOESIM_RETURN_IF_ERROR(validate_expert_load_trace(t, source));
  return t;
}

Result<ExpertLoadTrace> import_npy_trace(const std::string& path) {
  MOESIM_ASSIGN_OR_RETURN(NpyArray a, read_npy(path));
  return trace_from_npy(a, path);
}

NpyArray trace_to_npy(const ExpertLoadTrace& t) {
  NpyArray a;
  a.shape = {static_cast<int64_t>(t.num_steps()), static_cast<int64_t>(t.num_layers()),
             static_cast<int64_t>(t.num_experts())};
  a.data.assign(t.counts().begin(), t.counts().end());
  return a;
}

}  // namespace moesim
