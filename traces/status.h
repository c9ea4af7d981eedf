// Error values for every boundary where input enters moesim (files, flags, configs).
//
// Library code never exits on bad input: it returns an `Error` (or a `Result<T>` holding
// either a value or an Error) whose message already names the file, the field or line, and
// the problem. Only main() turns an Error into `moesim: <message>` and exit code 2.
// Thread-safety: plain values, safe to copy between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace moesim {

// An input error. `message` reads "<file>:<where>: <what is wrong>" where a file is involved.
struct Error {
  std::string message;
};

// Builds "<file>:<where>: <what>" (empty parts are left out).
inline Error make_error(const std::string& file, const std::string& where, const std::string& what) {
  std::string m;
  if (!file.empty()) m += file + ":";
  if (!where.empty()) m += where + ":";
  if (!m.empty()) m += " ";
  m += what;
  return Error{std::move(m)};
}

// Either success or an Error.
class Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e)) {}  // NOLINT: implicit by design, `return make_error(...)`.
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }
  const std::string& message() const { return error_->message; }

 private:
  std::optional<Error> error_;
};

// A value or an Error (C++23's std::expected, trimmed to what moesim needs).
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design.
  Result(Error e) : v_(std::move(e)) {}      // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  const std::string& message() const { return error().message; }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace moesim

// Propagates an error from an expression returning Status or Result<T>.
#define MOESIM_RETURN_IF_ERROR(expr)              \
  do {                                            \
    auto moesim_status_ = (expr);                 \
    if (!moesim_status_.ok()) return moesim_status_.error(); \
  } while (0)

#define MOESIM_CONCAT_INNER_(a, b) a##b
#define MOESIM_CONCAT_(a, b) MOESIM_CONCAT_INNER_(a, b)
// `MOESIM_ASSIGN_OR_RETURN(auto x, load(...));`
#define MOESIM_ASSIGN_OR_RETURN(lhs, expr)                                   \
  auto MOESIM_CONCAT_(moesim_result_, __LINE__) = (expr);                    \
  if (!MOESIM_CONCAT_(moesim_result_, __LINE__).ok())                        \
    return MOESIM_CONCAT_(moesim_result_, __LINE__).error();                 \
  lhs = std::move(MOESIM_CONCAT_(moesim_result_, __LINE__)).value()
