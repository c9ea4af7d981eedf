// Reading gzip-compressed logs (SmartMoE's per-rank counts ship as .csv.gz) with zlib.
//
// A truncated or corrupt stream is an error naming the file and the byte offset reached,
// never a silently shortened text. Concatenated gzip members (as `cat a.gz b.gz` makes) are
// decompressed one after the other, as gzip(1) does.
// Thread-safety: stateless functions, safe to call concurrently.
#pragma once

#include <string>
#include <string_view>

#include "traces/status.h"

namespace moesim {

// True when `bytes` starts with the gzip magic number (1f 8b).
bool is_gzip(std::string_view bytes);

// Decompresses a whole gzip stream; `source` names it in errors.
Result<std::string> gunzip(std::string_view bytes, const std::string& source);

// Reads a file and decompresses it when it is gzip (by content, not by name).
Result<std::string> read_file_maybe_gzip(const std::string& path);

}  // namespace moesim
