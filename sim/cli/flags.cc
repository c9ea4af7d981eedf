#include "sim/cli/flags.h"

#include <cmath>
#include <cerrno>
#include <cstdlib>

namespace moesim::cli {

Status FlagSet::parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    if (name == "--help" || name == "-h") {
      help_ = true;
      continue;
    }
    if (name.rfind("--", 0) != 0 || name == "--") {
      positional_.push_back(name);
      continue;
    }
    std::optional<std::string> inline_value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (toggles_.count(name)) {
      if (inline_value) return Error{command_ + ": flag " + name + " takes no value"};
      set_toggles_.insert(name);
      continue;
    }
    if (!valued_.count(name)) {
      return Error{command_ + ": unknown flag '" + name + "' (moesim " + command_ + " --help lists them)"};
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) return Error{command_ + ": flag " + name + " needs a value"};
      inline_value = args[++i];
    }
    if (values_.count(name)) return Error{command_ + ": flag " + name + " given twice"};
    values_[name] = *inline_value;
  }
  return {};
}

std::optional<std::string> FlagSet::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string FlagSet::get_or(const std::string& name, const std::string& def) const {
  auto v = get(name);
  return v ? *v : def;
}

Result<double> FlagSet::number(const std::string& name, double def, double min_value) const {
  auto v = get(name);
  if (!v) return def;
  char* end = nullptr;
  const double x = std::strtod(v->c_str(), &end);
  if (end == v->c_str() || *end != '\0' || !std::isfinite(x)) {
    return Error{command_ + ": flag " + name + ": '" + *v + "' is not a number"};
  }
  if (x < min_value) return Error{command_ + ": flag " + name + ": must be >= " + std::to_string(min_value) + ", got " + *v};
  return x;
}

Result<long long> FlagSet::integer(const std::string& name, long long def, long long min_value,
                                   long long max_value) const {
  auto v = get(name);
  if (!v) return def;
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v->c_str(), &end, 10);
  if (end == v->c_str() || *end != '\0' || errno == ERANGE) {
    return Error{command_ + ": flag " + name + ": '" + *v + "' is not an integer"};
  }
  if (x < min_value || x > max_value) {
    return Error{command_ + ": flag " + name + ": must be between " + std::to_string(min_value) + " and " +
                 std::to_string(max_value) + ", got " + *v};
  }
  return x;
}

}  // namespace moesim::cli
