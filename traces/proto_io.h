// Loading and saving protobuf messages, format chosen by file extension:
//   .pb / .bin           binary wire format
//   .json                protobuf JSON (field names as in the .proto; unknown fields rejected)
//   .textproto / .txtpb / .pbtxt / .txt   protobuf text format (unknown fields rejected)
// Errors name the file and, for text and JSON, the line/column and the field.
// Thread-safe (no shared state).
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "traces/status.h"

namespace moesim {

enum class ProtoFormat { kBinary, kJson, kText };

// The format for a path's extension, or an error naming the file and the extensions known.
Result<ProtoFormat> proto_format_for_path(const std::string& path);

// Parses `content` (read from `source_name`) into `msg`.
Status parse_proto(const std::string& content, ProtoFormat format, const std::string& source_name,
                   google::protobuf::Message* msg);

// Reads a file into `msg`.
Status load_proto(const std::string& path, google::protobuf::Message* msg);

// Serialises a message; JSON is pretty-printed with the .proto field names.
std::string format_proto(const google::protobuf::Message& msg, ProtoFormat format);

// Writes a message to a file atomically (temporary + rename).
Status save_proto(const std::string& path, const google::protobuf::Message& msg);

}  // namespace moesim
