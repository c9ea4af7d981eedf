#include "traces/trace_csv.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace moesim {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_int64(std::string_view s, int64_t* out) {
  s = trim_spaces(s);
  if (s.empty()) return false;
  const char* first = s.data();
  if (*first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_nonnegative_number(std::string_view s, double* out) {
  s = trim_spaces(s);
  if (s.empty()) return false;
  // Fast path: the logs are almost all plain integers.
  int64_t i = 0;
  {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (ec == std::errc() && ptr == s.data() + s.size()) {
      if (i < 0) return false;
      *out = static_cast<double>(i);
      return true;
    }
  }
  double d = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  if (!std::isfinite(d) || d < 0) return false;
  *out = d;
  return true;
}

CsvReader::CsvReader(std::string_view text, std::string source)
    : text_(text), source_(std::move(source)) {
  // A UTF-8 byte-order mark would otherwise become part of the first column name.
  if (text_.size() >= 3 && std::memcmp(text_.data(), "\xEF\xBB\xBF", 3) == 0) text_.remove_prefix(3);
}

bool CsvReader::next_row() {
  fields_.clear();
  unquoted_.clear();
  while (pos_ < text_.size()) {
    line_ = next_line_;
    size_t i = pos_;
    const size_t n = text_.size();
    bool any_text = false;
    // Split one row; quoted fields may contain commas (never newlines in these logs, but a
    // newline inside quotes is accepted and counted).
    while (true) {
      if (i < n && text_[i] == '"') {
        // Quoted field.
        size_t j = i + 1;
        std::string buf;
        bool has_escape = false;
        size_t seg = j;
        while (true) {
          if (j >= n) {
            status_ = row_error("unterminated quoted field");
            pos_ = n;
            return false;
          }
          if (text_[j] == '\n') ++next_line_;
          if (text_[j] == '"') {
            if (j + 1 < n && text_[j + 1] == '"') {
              buf.append(text_.substr(seg, j + 1 - seg));
              has_escape = true;
              j += 2;
              seg = j;
              continue;
            }
            break;
          }
          ++j;
        }
        std::string_view value = text_.substr(i + 1, j - i - 1);
        if (has_escape) {
          buf.append(text_.substr(seg, j - seg));
          unquoted_.push_back(std::move(buf));
          value = unquoted_.back();
        }
        i = j + 1;
        // Only spaces may follow the closing quote before the separator.
        while (i < n && (text_[i] == ' ' || text_[i] == '\t')) ++i;
        if (i < n && text_[i] != ',' && text_[i] != '\n' && text_[i] != '\r') {
          status_ = row_error("text after the closing quote of field " + std::to_string(fields_.size() + 1));
          pos_ = n;
          return false;
        }
        fields_.push_back(value);
        any_text = true;
      } else {
        // Plain field: up to the next comma or end of line.
        size_t j = i;
        while (j < n && text_[j] != ',' && text_[j] != '\n') ++j;
        size_t end = j;
        if (end > i && text_[end - 1] == '\r' && (j >= n || text_[j] == '\n')) --end;
        std::string_view value = text_.substr(i, end - i);
        if (!trim_spaces(value).empty()) any_text = true;
        fields_.push_back(value);
        i = j;
      }
      if (i < n && text_[i] == ',') {
        any_text = true;  // "a," is a row with an empty second field, not a blank line
        ++i;
        continue;
      }
      if (i < n && text_[i] == '\r') ++i;
      break;
    }
    // Consume the newline.
    if (i < n && text_[i] == '\n') ++i;
    ++next_line_;
    pos_ = i;
    if (!any_text) {  // blank line
      fields_.clear();
      unquoted_.clear();
      continue;
    }
    return true;
  }
  return false;
}

Error CsvReader::row_error(const std::string& what) const {
  return make_error(source_, "line " + std::to_string(line_), what);
}

Error CsvReader::cell_error(size_t column, const std::string& what) const {
  std::string name = column < column_names_.size() ? "'" + column_names_[column] + "'"
                                                   : std::to_string(column + 1);
  return make_error(source_, "line " + std::to_string(line_), "column " + name + ": " + what);
}

Status CsvReader::expect_width(size_t expected) const {
  if (fields_.size() == expected) return {};
  return row_error("expected " + std::to_string(expected) + " fields (as in the header), found " +
                   std::to_string(fields_.size()));
}

Result<double> CsvReader::count(size_t column) const {
  std::string_view s = fields_[column];
  double v = 0;
  if (parse_nonnegative_number(s, &v)) return v;
  std::string_view t = trim_spaces(s);
  if (t.empty()) return cell_error(column, "empty, expected a token count");
  double any = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), any);
  if (ec == std::errc() && ptr == t.data() + t.size() && any < 0) {
    return cell_error(column, "negative token count " + std::string(t));
  }
  return cell_error(column, "'" + std::string(t.substr(0, 40)) + "' is not a number");
}

Result<int64_t> CsvReader::index(size_t column) const {
  int64_t v = 0;
  std::string_view t = trim_spaces(fields_[column]);
  if (!parse_int64(t, &v)) {
    if (t.empty()) return cell_error(column, "empty, expected an integer");
    return cell_error(column, "'" + std::string(t.substr(0, 40)) + "' is not an integer");
  }
  if (v < 0) return cell_error(column, "negative value " + std::string(t));
  return v;
}

}  // namespace moesim
