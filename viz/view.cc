#include "viz/view.h"

#include <cerrno>
#include <cstdlib>

namespace moesim::viz {

Status View::set_option(const std::string& key, const std::string& value) {
  return make_error("--view-option", key, std::string("view '") + name() + "' has no option '" + key + "'");
}

Result<long long> parse_int_option(const std::string& key, const std::string& value) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0) {
    return make_error("--view-option", key, "expected an integer, got '" + value + "'");
  }
  return v;
}

Result<double> parse_double_option(const std::string& key, const std::string& value) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || errno != 0) {
    return make_error("--view-option", key, "expected a number, got '" + value + "'");
  }
  return v;
}

}  // namespace moesim::viz
