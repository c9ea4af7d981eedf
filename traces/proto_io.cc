#include "traces/proto_io.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <cctype>

#include "traces/file_io.h"

namespace moesim {
namespace {

// Collects the first text-format error with its position.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (!has_error_) {
      has_error_ = true;
      line_ = line + 1;
      column_ = column + 1;
      message_ = message;
    }
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  bool has_error_ = false;
  int line_ = 0;
  int column_ = 0;
  std::string message_;
};

// " (field NAME)" when the text-format error sits in the value of `NAME:` on its line, so that
// a message like "Expected integer, got: -" also names the field.
std::string field_before(const std::string& content, int line, int column) {
  size_t pos = 0;
  for (int l = 1; l < line && pos != std::string::npos; ++l) {
    pos = content.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  if (pos == std::string::npos) return "";
  const size_t end = content.find('\n', pos);
  std::string text = content.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
  if (column >= 1 && static_cast<size_t>(column - 1) < text.size()) text.resize(column - 1);
  // The last "identifier:" before the error column.
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return "";
  size_t b = colon;
  while (b > 0 && std::isspace(static_cast<unsigned char>(text[b - 1]))) --b;
  size_t a = b;
  while (a > 0 && (std::isalnum(static_cast<unsigned char>(text[a - 1])) || text[a - 1] == '_')) --a;
  if (a == b) return "";
  return " (field " + text.substr(a, b - a) + ")";
}

}  // namespace

Result<ProtoFormat> proto_format_for_path(const std::string& path) {
  const std::string ext = file_extension(path);
  if (ext == ".pb" || ext == ".bin") return ProtoFormat::kBinary;
  if (ext == ".json") return ProtoFormat::kJson;
  if (ext == ".textproto" || ext == ".txtpb" || ext == ".pbtxt" || ext == ".txt") return ProtoFormat::kText;
  return make_error(path, "", "unknown extension '" + ext +
                                  "' (expected .pb, .json, .textproto, .txtpb or .pbtxt)");
}

Status parse_proto(const std::string& content, ProtoFormat format, const std::string& source_name,
                   google::protobuf::Message* msg) {
  msg->Clear();
  switch (format) {
    case ProtoFormat::kBinary:
      if (!msg->ParseFromString(content)) {
        return make_error(source_name, "", "not a valid binary " + msg->GetTypeName() +
                                               " (truncated or wrong file type)");
      }
      return {};
    case ProtoFormat::kJson: {
      google::protobuf::util::JsonParseOptions opts;
      opts.ignore_unknown_fields = false;
      auto st = google::protobuf::util::JsonStringToMessage(content, msg, opts);
      if (!st.ok()) {
        return make_error(source_name, "", "invalid JSON for " + msg->GetTypeName() + ": " +
                                               std::string(st.message()));
      }
      return {};
    }
    case ProtoFormat::kText: {
      google::protobuf::TextFormat::Parser parser;
      FirstErrorCollector errors;
      parser.RecordErrorsTo(&errors);
      if (!parser.ParseFromString(content, msg)) {
        if (errors.has_error_) {
          return make_error(source_name, std::to_string(errors.line_) + ":" + std::to_string(errors.column_),
                            errors.message_ + field_before(content, errors.line_, errors.column_));
        }
        return make_error(source_name, "", "invalid text format for " + msg->GetTypeName());
      }
      return {};
    }
  }
  return make_error(source_name, "", "unknown format");
}

Status load_proto(const std::string& path, google::protobuf::Message* msg) {
  MOESIM_ASSIGN_OR_RETURN(ProtoFormat format, proto_format_for_path(path));
  MOESIM_ASSIGN_OR_RETURN(std::string content, read_file(path));
  return parse_proto(content, format, path, msg);
}

std::string format_proto(const google::protobuf::Message& msg, ProtoFormat format) {
  std::string out;
  switch (format) {
    case ProtoFormat::kBinary:
      msg.SerializeToString(&out);
      break;
    case ProtoFormat::kJson: {
      google::protobuf::util::JsonPrintOptions opts;
      opts.add_whitespace = true;
      opts.preserve_proto_field_names = true;
      opts.always_print_primitive_fields = true;
      (void)google::protobuf::util::MessageToJsonString(msg, &out, opts);
      break;
    }
    case ProtoFormat::kText:
      google::protobuf::TextFormat::PrintToString(msg, &out);
      break;
  }
  return out;
}

Status save_proto(const std::string& path, const google::protobuf::Message& msg) {
  MOESIM_ASSIGN_OR_RETURN(ProtoFormat format, proto_format_for_path(path));
  if (format == ProtoFormat::kBinary) {
    // Deterministic serialisation so the same result gives byte-identical files.
    std::string out;
    google::protobuf::io::StringOutputStream sos(&out);
    {
      google::protobuf::io::CodedOutputStream cos(&sos);
      cos.SetSerializationDeterministic(true);
      msg.SerializeToCodedStream(&cos);
    }
    return write_file_atomic(path, out);
  }
  return write_file_atomic(path, format_proto(msg, format));
}

}  // namespace moesim
