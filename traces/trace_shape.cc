#include "traces/trace_shape.h"

#include <cmath>
#include <cstdio>
#include <vector>

namespace moesim {

void init_trace_shape(ExpertLoadTrace* t, size_t num_steps, size_t num_layers, size_t num_experts,
                      size_t num_ranks) {
  t->set_num_steps(static_cast<uint32_t>(num_steps));
  t->set_num_layers(static_cast<uint32_t>(num_layers));
  t->set_num_experts(static_cast<uint32_t>(num_experts));
  t->set_num_ranks(static_cast<uint32_t>(num_ranks));
  t->mutable_counts()->Clear();
  t->mutable_counts()->Resize(static_cast<int>(num_steps * num_layers * num_experts), 0.0);
  t->mutable_rank_counts()->Clear();
  if (num_ranks > 0) {
    t->mutable_rank_counts()->Resize(static_cast<int>(num_steps * num_ranks * num_layers * num_experts), 0.0);
  }
  t->mutable_step_ids()->Clear();
  for (size_t s = 0; s < num_steps; ++s) t->add_step_ids(static_cast<int64_t>(s));
}

void sum_rank_counts(ExpertLoadTrace* t) {
  const size_t block = static_cast<size_t>(t->num_layers()) * t->num_experts();
  double* out = t->mutable_counts()->mutable_data();
  const double* in = t->rank_counts().data();
  for (size_t s = 0; s < t->num_steps(); ++s) {
    double* dst = out + s * block;
    std::fill(dst, dst + block, 0.0);
    for (size_t r = 0; r < t->num_ranks(); ++r) {
      const double* src = in + (s * t->num_ranks() + r) * block;
      for (size_t i = 0; i < block; ++i) dst[i] += src[i];
    }
  }
}

namespace {

std::string element_name(const ExpertLoadTrace& t, size_t flat) {
  const size_t e = flat % t.num_experts();
  const size_t l = (flat / t.num_experts()) % t.num_layers();
  const size_t s = flat / (static_cast<size_t>(t.num_experts()) * t.num_layers());
  return "counts[step " + std::to_string(s) + "][layer " + std::to_string(l) + "][expert " +
         std::to_string(e) + "]";
}

// A product of dimensions as an integer ("4"), or "6.4e+28" when beyond any real file.
std::string exact_count(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

Status validate_expert_load_trace(const ExpertLoadTrace& t, const std::string& source) {
  if (t.num_steps() == 0) return make_error(source, "num_steps", "trace has no steps (empty)");
  if (t.num_layers() == 0) return make_error(source, "num_layers", "trace has no layers");
  if (t.num_experts() == 0) return make_error(source, "num_experts", "trace has no experts");
  const size_t block = static_cast<size_t>(t.num_layers()) * t.num_experts();
  const size_t expected = t.num_steps() * block;
  // Compared in double: the size_t product of three uint32 dimensions can wrap around to the
  // (small) number of values a file really holds. Exact below 2^53; counts_size() < 2^31.
  const double expected_exact = static_cast<double>(t.num_steps()) * static_cast<double>(block);
  if (static_cast<double>(t.counts_size()) != expected_exact) {
    return make_error(source, "counts",
                      "has " + std::to_string(t.counts_size()) + " values, expected num_steps x num_layers x "
                      "num_experts = " + std::to_string(t.num_steps()) + " x " + std::to_string(t.num_layers()) +
                      " x " + std::to_string(t.num_experts()) + " = " + exact_count(expected_exact));
  }
  for (size_t i = 0; i < expected; ++i) {
    const double v = t.counts(static_cast<int>(i));
    if (!std::isfinite(v)) return make_error(source, element_name(t, i), "is not a finite number");
    if (v < 0) return make_error(source, element_name(t, i), "negative token count " + std::to_string(v));
  }
  if (t.step_ids_size() != 0 && static_cast<uint32_t>(t.step_ids_size()) != t.num_steps()) {
    return make_error(source, "step_ids", "has " + std::to_string(t.step_ids_size()) +
                                              " entries, expected num_steps = " + std::to_string(t.num_steps()));
  }
  for (int i = 1; i < t.step_ids_size(); ++i) {
    if (t.step_ids(i) <= t.step_ids(i - 1)) {
      return make_error(source, "step_ids[" + std::to_string(i) + "]",
                        "step ids must increase (" + std::to_string(t.step_ids(i - 1)) + " then " +
                            std::to_string(t.step_ids(i)) + ")");
    }
  }
  if (t.layer_names_size() != 0 && static_cast<uint32_t>(t.layer_names_size()) != t.num_layers()) {
    return make_error(source, "layer_names", "has " + std::to_string(t.layer_names_size()) +
                                                 " entries, expected num_layers = " + std::to_string(t.num_layers()));
  }
  if (t.step_names_size() != 0 && static_cast<uint32_t>(t.step_names_size()) != t.num_steps()) {
    return make_error(source, "step_names", "has " + std::to_string(t.step_names_size()) +
                                                " entries, expected num_steps = " + std::to_string(t.num_steps()));
  }
  if (t.num_ranks() == 0) {
    if (t.rank_counts_size() != 0) {
      return make_error(source, "rank_counts", "present but num_ranks is 0");
    }
    return {};
  }
  const double expected_ranks = expected_exact * t.num_ranks();
  if (static_cast<double>(t.rank_counts_size()) != expected_ranks) {
    return make_error(source, "rank_counts",
                      "has " + std::to_string(t.rank_counts_size()) + " values, expected num_steps x num_ranks x "
                      "num_layers x num_experts = " + exact_count(expected_ranks));
  }
  std::vector<double> sum(block);
  for (size_t s = 0; s < t.num_steps(); ++s) {
    std::fill(sum.begin(), sum.end(), 0.0);
    for (size_t r = 0; r < t.num_ranks(); ++r) {
      for (size_t i = 0; i < block; ++i) {
        const double v = t.rank_counts(static_cast<int>((s * t.num_ranks() + r) * block + i));
        if (!std::isfinite(v) || v < 0) {
          return make_error(source, "rank_counts[step " + std::to_string(s) + "][rank " + std::to_string(r) + "]",
                            "negative or non-finite token count");
        }
        sum[i] += v;
      }
    }
    for (size_t i = 0; i < block; ++i) {
      const double c = t.counts(static_cast<int>(s * block + i));
      if (std::fabs(sum[i] - c) > 1e-6 * std::max(1.0, std::fabs(c))) {
        return make_error(source, element_name(t, s * block + i),
                          "is " + std::to_string(c) + " but rank_counts sum to " + std::to_string(sum[i]) +
                              " (counts must be the sum over ranks)");
      }
    }
  }
  return {};
}

}  // namespace moesim
