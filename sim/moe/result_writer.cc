#include "sim/moe/result_writer.h"

#include <cstdio>
#include <string>

#include "traces/file_io.h"
#include "traces/proto_io.h"

namespace moesim {
namespace {

void append(std::string* out, const char* fmt, auto... args) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof buf, fmt, args...);
  if (n > 0) out->append(buf, static_cast<size_t>(std::min<int>(n, sizeof buf - 1)));
}

const char* kind_name(TimelineEvent::Kind k) {
  switch (k) {
    case TimelineEvent::DENSE: return "dense";
    case TimelineEvent::GATING: return "gating";
    case TimelineEvent::DISPATCH: return "dispatch";
    case TimelineEvent::EXPERT: return "expert";
    case TimelineEvent::COMBINE: return "combine";
    case TimelineEvent::WAIT: return "wait";
    case TimelineEvent::MIGRATION: return "migration";
    default: return "other";
  }
}

bool is_comm(TimelineEvent::Kind k) {
  return k == TimelineEvent::DISPATCH || k == TimelineEvent::COMBINE || k == TimelineEvent::MIGRATION;
}

}  // namespace

std::string steps_csv(const SimResult& r) {
  std::string out =
      "step,step_time_s,dispatch_time_s,combine_time_s,expert_compute_time_s,dense_compute_time_s,"
      "straggler_wait_time_s,imbalance_max_over_mean,tokens_dropped,migration_time_s\n";
  for (const auto& s : r.steps()) {
    append(&out, "%u,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", s.step(), s.step_time_s(), s.dispatch_time_s(),
           s.combine_time_s(), s.expert_compute_time_s(), s.dense_compute_time_s(), s.straggler_wait_time_s(),
           s.imbalance_max_over_mean(), s.tokens_dropped(), s.migration_time_s());
  }
  return out;
}

std::string chrome_trace_json(const SimResult& r) {
  // Trace Event Format: "X" complete events with ts/dur in microseconds; pid = GPU, tid 0 =
  // compute, 1 = communication; "M" metadata events name them.
  std::string out = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  bool first = true;
  auto sep = [&] {
    if (!first) out += ",\n";
    first = false;
  };
  const uint32_t gpus = r.summary().num_gpus();
  for (uint32_t g = 0; g < gpus; ++g) {
    sep();
    append(&out, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":0,\"args\":{\"name\":\"GPU %u\"}}", g, g);
    sep();
    append(&out, "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%u,\"tid\":0,\"args\":{\"sort_index\":%u}}", g, g);
    sep();
    append(&out, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":0,\"args\":{\"name\":\"compute\"}}", g);
    sep();
    append(&out, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":1,\"args\":{\"name\":\"comm\"}}", g);
  }
  for (const auto& e : r.timeline()) {
    sep();
    append(&out,
           "{\"name\":\"%s%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":%u,\"tid\":%d,\"ts\":%.4f,\"dur\":%.4f,"
           "\"args\":{\"step\":%u,\"layer\":%u,\"backward\":%s}}",
           kind_name(e.kind()), e.backward() ? " (bwd)" : "", is_comm(e.kind()) ? "comm" : "compute", e.gpu(),
           is_comm(e.kind()) ? 1 : 0, e.start_s() * 1e6, e.duration_s() * 1e6, e.step(), e.layer(),
           e.backward() ? "true" : "false");
  }
  out += "\n]}\n";
  return out;
}

Status write_simulation_outputs(const std::string& dir, const SimResult& r) {
  MOESIM_RETURN_IF_ERROR(make_directories(dir));
  MOESIM_RETURN_IF_ERROR(save_proto(dir + "/result.pb", r));
  MOESIM_RETURN_IF_ERROR(write_file_atomic(dir + "/summary.json", format_proto(r.summary(), ProtoFormat::kJson) + "\n"));
  MOESIM_RETURN_IF_ERROR(write_file_atomic(dir + "/steps.csv", steps_csv(r)));
  MOESIM_RETURN_IF_ERROR(write_file_atomic(dir + "/trace.json", chrome_trace_json(r)));
  return {};
}

}  // namespace moesim
