#include "traces/file_io.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace moesim {
namespace {

// Temporaries open right now, as a fixed table of atomic pointers rather than a locked set: the
// SIGINT/SIGTERM handler reads it, and a handler waiting for a mutex the interrupted code holds
// would hang the process forever. Writes beyond kMaxPending at once still work, untracked.
constexpr int kMaxPending = 256;
std::atomic<char*> g_pending[kMaxPending];
std::atomic<unsigned> g_temp_counter{0};

// Records a temporary; returns its slot or -1.
int remember_pending(const std::string& tmp) {
  char* copy = ::strdup(tmp.c_str());
  if (copy == nullptr) return -1;
  for (int i = 0; i < kMaxPending; ++i) {
    char* expected = nullptr;
    if (g_pending[i].compare_exchange_strong(expected, copy)) return i;
  }
  std::free(copy);
  return -1;
}

void forget_pending(int slot) {
  if (slot >= 0) std::free(g_pending[slot].exchange(nullptr));
}

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
  const int slot = remember_pending(tmp);
  auto forget = [&] { forget_pending(slot); };
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
  // Only atomics and unlink(2): safe in a signal handler. The names are not freed (free is not
  // async-signal-safe; the process is about to exit).
  int n = 0;
  for (auto& slot : g_pending) {
    if (char* t = slot.exchange(nullptr)) n += (::unlink(t) == 0);
  }
  return n;
}

}  // namespace moesim
