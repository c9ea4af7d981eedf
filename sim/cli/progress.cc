#include "sim/cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace moesim::cli {

Progress::Progress(std::string what, bool quiet)
    : what_(std::move(what)), quiet_(quiet), tty_(::isatty(2) != 0), start_(std::chrono::steady_clock::now()) {}

void Progress::update(long done, long total) {
  if (quiet_ || total <= 0) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = done > 0 ? elapsed * (total - done) / done : 0;
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done / total);
    std::fprintf(stderr, "\r%s [%.*s%*s] %ld/%ld, ETA %.0fs ", what_.c_str(), filled,
                 "##############################", kWidth - filled, "", done, total, eta);
    drew_ = true;
  } else {
    const int decile = static_cast<int>(10 * done / total);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s: %ld/%ld (%d%%), ETA %.0fs\n", what_.c_str(), done, total, decile * 10, eta);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (drew_) std::fprintf(stderr, "\n");
  drew_ = false;
}

}  // namespace moesim::cli
