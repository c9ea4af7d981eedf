// Whole-file reading and all-or-nothing writing.
//
// Every output moesim writes goes through write_file_atomic: the bytes go to a temporary file
// beside the target, which is renamed over the target only when complete, so a reader never
// sees half a file and a failed run leaves no partial output. Temporaries still open when the
// process gets SIGINT/SIGTERM are removed (see remove_pending_temporaries()).
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "traces/status.h"

namespace moesim {

// Reads a whole file; the error names the file and the OS reason.
Result<std::string> read_file(const std::string& path);

// Writes `bytes` to `path` via a temporary file and rename.
Status write_file_atomic(const std::string& path, std::string_view bytes);

// Creates a directory (and parents) if missing.
Status make_directories(const std::string& path);

// Lower-case extension of a path including the dot (".pb", ".gz"); "" if none.
std::string file_extension(const std::string& path);

// Removes every temporary that write_file_atomic has open right now (async-signal tolerant
// enough for a SIGINT handler that then exits). Returns how many were removed.
int remove_pending_temporaries();

}  // namespace moesim
