// A fast reader for the comma-separated logs that expert-load importers read (SmartMoE,
// OLMoE, HarMoEny, long CSV): tens of megabytes of small integers, so it works on one
// in-memory buffer with string_views and std::from_chars, never an iostream per cell.
//
// Rules: rows end in "\n" or "\r\n"; blank lines are skipped; a field that starts with '"'
// runs to the closing quote ("" inside is a literal quote) and may contain commas.
// Errors name the source, the 1-based line and the column (by header name when known).
// Ownership: the reader borrows `text`; it must outlive the reader and the field views.
// Thread-safety: one reader per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <deque>
#include <vector>

#include "traces/status.h"

namespace moesim {

class CsvReader {
 public:
  CsvReader(std::string_view text, std::string source);

  // Reads the next non-blank row into fields(). Returns false at the end of the text, or
  // on a malformed row (unterminated quote), in which case status() holds the error.
  bool next_row();
  Status status() const { return status_; }

  int line() const { return line_; }
  const std::vector<std::string_view>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  std::string_view field(size_t i) const { return fields_[i]; }
  const std::string& source() const { return source_; }

  // Column names used in error messages (normally the header row).
  void set_column_names(std::vector<std::string> names) { column_names_ = std::move(names); }

  // Errors about the current row: "<source>:line N: <what>" and, for one cell,
  // "<source>:line N: column 'name': <what>".
  Error row_error(const std::string& what) const;
  Error cell_error(size_t column, const std::string& what) const;

  // Fails unless the row has exactly `expected` fields (a ragged row).
  Status expect_width(size_t expected) const;

  // Parses a token count: a finite, non-negative number (integer or decimal).
  Result<double> count(size_t column) const;
  // Parses a non-negative integer (an iteration, layer, expert or rank id).
  Result<int64_t> index(size_t column) const;

 private:
  std::string_view text_;
  std::string source_;
  size_t pos_ = 0;
  int line_ = 0;
  int next_line_ = 1;
  std::vector<std::string_view> fields_;
  std::deque<std::string> unquoted_;  // stable storage for quoted fields that contained ""
  std::vector<std::string> column_names_;
  Status status_;
};

// Parses a finite, non-negative number from `s` (no surrounding text); false otherwise.
bool parse_nonnegative_number(std::string_view s, double* out);
// Parses a signed 64-bit integer from `s`; false otherwise.
bool parse_int64(std::string_view s, int64_t* out);

// Strips ASCII spaces and tabs from both ends.
std::string_view trim_spaces(std::string_view s);

}  // namespace moesim
