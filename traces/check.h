// MOESIM_CHECK(cond) << "context": invariant checks (programming errors, never input errors).
// A failed check prints file, line, the condition and the streamed context, then aborts.
// Input errors go through moesim::Error instead (see status.h).
#pragma once

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace moesim::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* cond) {
    stream_ << file << ":" << line << ": check failed: " << cond << " ";
  }
  [[noreturn]] ~CheckFailure() {
    std::cerr << "moesim: internal error: " << stream_.str() << std::endl;
    std::abort();
  }
  template <typename T>
  CheckFailure& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  std::ostringstream stream_;
};

}  // namespace moesim::internal

#define MOESIM_CHECK(cond) \
  if (cond) {              \
  } else                   \
    ::moesim::internal::CheckFailure(__FILE__, __LINE__, #cond)
