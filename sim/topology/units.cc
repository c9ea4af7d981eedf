#include "sim/topology/units.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace moesim {
namespace {

// Splits "12.5GB/s" into 12.5 and "GB/s" (spaces allowed between).
bool split_number(const std::string& text, double* value, std::string* unit) {
  const char* s = text.c_str();
  while (*s && std::isspace(static_cast<unsigned char>(*s))) ++s;
  char* end = nullptr;
  *value = std::strtod(s, &end);
  if (end == s) return false;
  while (*end && std::isspace(static_cast<unsigned char>(*end))) ++end;
  *unit = end;
  while (!unit->empty() && std::isspace(static_cast<unsigned char>(unit->back()))) unit->pop_back();
  return std::isfinite(*value);
}

}  // namespace

Result<double> parse_bandwidth(const std::string& text) {
  double v;
  std::string u;
  if (!split_number(text, &v, &u)) return Error{"'" + text + "' is not a bandwidth (e.g. 450GB/s, 400Gb/s)"};
  double f = 0;
  if (u.empty() || u == "B/s" || u == "Bps") f = 1;
  else if (u == "KB/s") f = 1e3;
  else if (u == "MB/s") f = 1e6;
  else if (u == "GB/s" || u == "GBps") f = 1e9;
  else if (u == "TB/s") f = 1e12;
  else if (u == "Kb/s" || u == "Kbps") f = 1e3 / 8;
  else if (u == "Mb/s" || u == "Mbps") f = 1e6 / 8;
  else if (u == "Gb/s" || u == "Gbps") f = 1e9 / 8;
  else if (u == "Tb/s" || u == "Tbps") f = 1e12 / 8;
  else return Error{"unknown bandwidth unit '" + u + "' in '" + text + "' (use B/s, MB/s, GB/s, TB/s, Gb/s, Gbps)"};
  return v * f;
}

Result<double> parse_duration(const std::string& text) {
  double v;
  std::string u;
  if (!split_number(text, &v, &u)) return Error{"'" + text + "' is not a duration (e.g. 500ns, 1us)"};
  double f = 0;
  if (u.empty() || u == "s") f = 1;
  else if (u == "ms") f = 1e-3;
  else if (u == "us") f = 1e-6;
  else if (u == "ns") f = 1e-9;
  else if (u == "ps") f = 1e-12;
  else return Error{"unknown time unit '" + u + "' in '" + text + "' (use ns, us, ms, s)"};
  return v * f;
}

Result<double> parse_size(const std::string& text) {
  double v;
  std::string u;
  if (!split_number(text, &v, &u)) return Error{"'" + text + "' is not a size (e.g. 1MiB, 4096)"};
  double f = 0;
  if (u.empty() || u == "B") f = 1;
  else if (u == "K" || u == "KiB") f = 1024.0;
  else if (u == "M" || u == "MiB") f = 1024.0 * 1024;
  else if (u == "G" || u == "GiB") f = 1024.0 * 1024 * 1024;
  else if (u == "KB") f = 1e3;
  else if (u == "MB") f = 1e6;
  else if (u == "GB") f = 1e9;
  else return Error{"unknown size unit '" + u + "' in '" + text + "' (use B, KiB, MiB, GiB, KB, MB, GB)"};
  return v * f;
}

std::string format_size(double bytes) {
  char buf[64];
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (std::fabs(bytes) >= 1024 && i < 4) {
    bytes /= 1024;
    ++i;
  }
  std::snprintf(buf, sizeof buf, i == 0 ? "%.0f %s" : "%.2f %s", bytes, units[i]);
  return buf;
}

std::string format_bandwidth(double bytes_per_s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f GB/s", bytes_per_s / 1e9);
  return buf;
}

std::string format_duration(double s) {
  char buf[64];
  if (s < 1e-3) std::snprintf(buf, sizeof buf, "%.2f us", s * 1e6);
  else if (s < 1) std::snprintf(buf, sizeof buf, "%.3f ms", s * 1e3);
  else std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

}  // namespace moesim
