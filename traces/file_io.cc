#include "traces/file_io.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include <unistd.h>

namespace moesim {
namespace {

std::mutex g_pending_mu;
std::set<std::string>& pending() {
  static auto* s = new std::set<std::string>();
  return *s;
}
std::atomic<unsigned> g_temp_counter{0};

}  // namespace

Result<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return make_error(path, "", "is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path, "", std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return make_error(path, "", "read failed");
  return ss.str();
}

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(g_temp_counter.fetch_add(1));
  {
    std::lock_guard<std::mutex> lock(g_pending_mu);
    pending().insert(tmp);
  }
  auto forget = [&] {
    std::lock_guard<std::mutex> lock(g_pending_mu);
    pending().erase(tmp);
  };
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    forget();
    return make_error(path, "", std::string("cannot write: ") + std::strerror(errno));
  }
  const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed) {
    std::remove(tmp.c_str());
    forget();
    return make_error(path, "", "write failed (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    forget();
    return make_error(path, "", "cannot rename temporary into place: " + why);
  }
  forget();
  return {};
}

Status make_directories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return make_error(path, "", "cannot create directory: " + ec.message());
  return {};
}

std::string file_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

int remove_pending_temporaries() {
  std::lock_guard<std::mutex> lock(g_pending_mu);
  int n = 0;
  for (const auto& t : pending()) n += (::unlink(t.c_str()) == 0);
  pending().clear();
  return n;
}

}  // namespace moesim
