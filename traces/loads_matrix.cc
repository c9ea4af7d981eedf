#include "traces/loads_matrix.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "traces/file_io.h"
#include "traces/npy.h"

namespace moesim {
namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '"')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '"')) --e;
  return s.substr(b, e - b);
}

// Parses a whole field as a number (accepting "nan"/"inf" so validation can name them).
bool parse_number(const std::string& field, double* out) {
  if (field.empty()) return false;
  errno = 0;
  char* end = nullptr;
  *out = std::strtod(field.c_str(), &end);
  return end == field.c_str() + field.size() && errno != ERANGE;
}

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> fields;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      fields.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  fields.push_back(trim(cur));
  return fields;
}

}  // namespace

Status validate_count_matrix(const CountMatrix& m, const std::string& source, const std::string& row_name,
                             const std::string& col_name) {
  if (m.empty()) return make_error(source, "", "empty matrix (no " + row_name + "s)");
  if (m[0].empty()) return make_error(source, row_name + " 0", "no " + col_name + "s");
  for (size_t r = 0; r < m.size(); ++r) {
    if (m[r].size() != m[0].size()) {
      return make_error(source, row_name + " " + std::to_string(r),
                        "ragged matrix: " + std::to_string(m[r].size()) + " " + col_name + "s, " + row_name +
                            " 0 has " + std::to_string(m[0].size()));
    }
    for (size_t c = 0; c < m[r].size(); ++c) {
      const double v = m[r][c];
      const std::string where = row_name + " " + std::to_string(r) + ", " + col_name + " " + std::to_string(c);
      if (!std::isfinite(v)) return make_error(source, where, "value is not a finite number");
      if (v < 0) {
        std::ostringstream os;
        os << "negative count " << v << " (counts must be >= 0)";
        return make_error(source, where, os.str());
      }
    }
  }
  return {};
}

Result<CountMatrix> parse_count_matrix_csv(const std::string& text, const std::string& source,
                                           const std::string& row_name, const std::string& col_name) {
  CountMatrix m;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  bool first_content_line = true;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;
    const auto fields = split_commas(line);
    double v = 0;
    if (first_content_line) {
      first_content_line = false;
      // A header names the columns: its first field is not a number.
      if (!parse_number(fields[0], &v)) continue;
    }
    std::vector<double> row;
    row.reserve(fields.size());
    for (size_t c = 0; c < fields.size(); ++c) {
      if (!parse_number(fields[c], &v)) {
        return make_error(source, "line " + std::to_string(line_no) + ", column " + std::to_string(c + 1),
                          "'" + fields[c] + "' is not a number");
      }
      row.push_back(v);
    }
    if (!m.empty() && row.size() != m[0].size()) {
      return make_error(source, "line " + std::to_string(line_no),
                        "ragged matrix: " + std::to_string(row.size()) + " " + col_name + "s, the first " +
                            row_name + " has " + std::to_string(m[0].size()));
    }
    m.push_back(std::move(row));
  }
  MOESIM_RETURN_IF_ERROR(validate_count_matrix(m, source, row_name, col_name));
  return m;
}

Result<CountMatrix> parse_count_matrix_json(const std::string& text, const std::string& source,
                                            const std::string& row_name, const std::string& col_name) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return make_error(source, "byte " + std::to_string(e.byte), std::string("invalid JSON: ") + e.what());
  } catch (const nlohmann::json::exception& e) {  // out_of_range: a number beyond double (1e400)
    return make_error(source, "", std::string("invalid JSON: ") + e.what());
  }
  if (!j.is_array()) return make_error(source, "", "expected a JSON array of arrays ([" + row_name + "][" + col_name + "])");
  CountMatrix m;
  for (size_t r = 0; r < j.size(); ++r) {
    const auto& row = j[r];
    if (!row.is_array()) {
      return make_error(source, row_name + " " + std::to_string(r), "expected an array of numbers");
    }
    std::vector<double> out;
    out.reserve(row.size());
    for (size_t c = 0; c < row.size(); ++c) {
      if (!row[c].is_number()) {
        return make_error(source, row_name + " " + std::to_string(r) + ", " + col_name + " " + std::to_string(c),
                          "expected a number, got " + std::string(row[c].type_name()));
      }
      out.push_back(row[c].get<double>());
    }
    m.push_back(std::move(out));
  }
  MOESIM_RETURN_IF_ERROR(validate_count_matrix(m, source, row_name, col_name));
  return m;
}

Result<CountMatrix> read_count_matrix(const std::string& path, const std::string& row_name,
                                      const std::string& col_name) {
  const std::string ext = file_extension(path);
  if (ext == ".npy") {
    MOESIM_ASSIGN_OR_RETURN(NpyArray a, read_npy(path));
    if (a.shape.size() != 2) {
      return make_error(path, "", "expected a 2-D array [" + row_name + "][" + col_name + "], got " +
                                      std::to_string(a.shape.size()) + " dimensions");
    }
    CountMatrix m(static_cast<size_t>(a.shape[0]));
    const size_t cols = static_cast<size_t>(a.shape[1]);
    for (size_t r = 0; r < m.size(); ++r) {
      m[r].assign(a.data.begin() + static_cast<std::ptrdiff_t>(r * cols),
                  a.data.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
    }
    MOESIM_RETURN_IF_ERROR(validate_count_matrix(m, path, row_name, col_name));
    return m;
  }
  if (ext != ".json" && ext != ".csv") {
    return make_error(path, "", "unknown extension '" + ext + "' (expected .json, .csv or .npy)");
  }
  MOESIM_ASSIGN_OR_RETURN(std::string text, read_file(path));
  if (ext == ".json") return parse_count_matrix_json(text, path, row_name, col_name);
  return parse_count_matrix_csv(text, path, row_name, col_name);
}

}  // namespace moesim
