// Command-line flags for moesim subcommands: `--name value`, `--name=value`, boolean switches
// and positional arguments. Unknown flags and missing values are input errors that name the
// flag. Thread-safety: plain value type.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "traces/status.h"

namespace moesim::cli {

class FlagSet {
 public:
  explicit FlagSet(std::string command) : command_(std::move(command)) {}

  FlagSet& value(const std::string& name) {
    valued_.insert(name);
    return *this;
  }
  FlagSet& toggle(const std::string& name) {
    toggles_.insert(name);
    return *this;
  }

  Status parse(const std::vector<std::string>& args);

  bool help() const { return help_; }
  bool on(const std::string& name) const { return set_toggles_.count(name) > 0; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& def) const;
  const std::vector<std::string>& positional() const { return positional_; }

  // Typed getters: an error names the flag and what was wrong.
  Result<double> number(const std::string& name, double def, double min_value) const;
  Result<long long> integer(const std::string& name, long long def, long long min_value, long long max_value) const;

 private:
  std::string command_;
  std::set<std::string> valued_, toggles_, set_toggles_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace moesim::cli
