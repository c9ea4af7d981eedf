#include "viz/whatif_runner.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traces/file_io.h"
#include "traces/proto_io.h"

namespace moesim::viz {
namespace {

bool is_executable(const std::string& path) { return !path.empty() && ::access(path.c_str(), X_OK) == 0; }

std::string tail(const std::string& s, size_t max_chars) {
  return s.size() <= max_chars ? s : "..." + s.substr(s.size() - max_chars);
}

}  // namespace

std::vector<std::string> whatif_command(const WhatIfRequest& request, const std::string& scenario_path,
                                        const std::string& out_dir) {
  std::vector<std::string> argv = {request.moesim_path, "simulate", "--scenario", scenario_path};
  if (!request.placement_policy.empty()) {
    argv.push_back("--placement-policy");
    argv.push_back(request.placement_policy);
  }
  if (request.rebalance_every >= 0) {
    argv.push_back("--rebalance-every");
    argv.push_back(std::to_string(request.rebalance_every));
  }
  argv.push_back("--out");
  argv.push_back(out_dir);
  return argv;
}

std::string find_moesim_executable() {
  if (const char* env = std::getenv("MOESIM_EXE"); env != nullptr && is_executable(env)) return env;
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string dir(self);
    dir = dir.substr(0, dir.find_last_of('/'));
    if (is_executable(dir + "/moesim")) return dir + "/moesim";
  }
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string p = path;
    size_t start = 0;
    while (start <= p.size()) {
      const size_t end = p.find(':', start);
      const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!dir.empty() && is_executable(dir + "/moesim")) return dir + "/moesim";
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return "";
}

WhatIfRunner::~WhatIfRunner() { cancel(); }

Status WhatIfRunner::start(WhatIfRequest request) {
  if (state_ == State::kRunning) return make_error("", "", "a what-if run is already going");
  if (thread_.joinable()) thread_.join();
  if (!is_executable(request.moesim_path)) {
    return make_error(request.moesim_path.empty() ? "moesim" : request.moesim_path, "",
                      "simulator executable not found (build the moesim target or set MOESIM_EXE)");
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp") + "/moeviz-whatif-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    return make_error(templ, "", std::string("cannot create work folder: ") + std::strerror(errno));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    message_.clear();
    result_.reset();
    const auto argv = whatif_command(request, templ + "/scenario.textproto", templ + "/out");
    command_line_.clear();
    for (const auto& a : argv) command_line_ += (command_line_.empty() ? "" : " ") + a;
  }
  state_ = State::kRunning;
  cancel_ = false;
  thread_ = std::thread(&WhatIfRunner::run, this, std::move(request), templ);
  return {};
}

void WhatIfRunner::cancel() {
  // Flag first, then look for the child; run() publishes the child first, then looks at the
  // flag. Whatever the interleaving, one of the two sends the signal.
  cancel_ = true;
  const pid_t pid = child_.load();
  if (pid > 0) ::kill(-pid, SIGTERM);
  if (thread_.joinable()) thread_.join();
}

std::string WhatIfRunner::message() const {
  std::lock_guard<std::mutex> lock(mu_);
  return message_;
}

std::string WhatIfRunner::command_line() const {
  std::lock_guard<std::mutex> lock(mu_);
  return command_line_;
}

std::shared_ptr<const Document> WhatIfRunner::take_result() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(result_);
}

void WhatIfRunner::run(WhatIfRequest request, std::string work_dir) {
  const auto started = std::chrono::steady_clock::now();
  auto fail = [&](const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    message_ = why;
    state_ = State::kFailed;
  };
  const std::string scenario_path = work_dir + "/scenario.textproto";
  const std::string out_dir = work_dir + "/out";
  const std::string log_path = work_dir + "/log.txt";
  if (Status st = save_proto(scenario_path, request.scenario); !st.ok()) return fail(st.message());

  const std::vector<std::string> args = whatif_command(request, scenario_path, out_dir);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return fail(log_path + ": cannot create: " + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return fail(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. Its own process group, so cancel()
    // reaches anything it starts.
    ::setpgid(0, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::setpgid(pid, pid);  // also here: whichever runs first, the group exists before cancel()
  child_ = pid;
  if (cancel_) ::kill(-pid, SIGTERM);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  child_ = -1;

  const auto log = read_file(log_path);
  const std::string log_tail = log.ok() ? tail(log.value(), 2000) : "";
  if (WIFSIGNALED(status)) {
    return fail("moesim simulate stopped by signal " + std::to_string(WTERMSIG(status)) + "\n" + log_tail);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return fail("moesim simulate exited with code " + std::to_string(code) +
                (code == 127 ? " (could not start)" : "") + "\n" + log_tail);
  }
  SimResult result;
  if (Status st = load_proto(out_dir + "/result.pb", &result); !st.ok()) return fail(st.message());
  auto labelled = Document::from_result(std::move(result), out_dir + "/result.pb", request.label);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::lock_guard<std::mutex> lock(mu_);
  result_ = std::move(labelled);
  char buf[64];
  std::snprintf(buf, sizeof buf, "done in %.1f s", secs);
  message_ = buf;
  state_ = State::kDone;
}

}  // namespace moesim::viz
