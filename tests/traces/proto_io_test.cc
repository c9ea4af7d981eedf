#include "traces/proto_io.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "traces/proto/cluster.pb.h"

namespace moesim {
namespace {

TEST(ProtoIo, FormatByExtension) {
  EXPECT_EQ(*proto_format_for_path("x.pb"), ProtoFormat::kBinary);
  EXPECT_EQ(*proto_format_for_path("x.json"), ProtoFormat::kJson);
  EXPECT_EQ(*proto_format_for_path("x.textproto"), ProtoFormat::kText);
  auto bad = proto_format_for_path("x.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("x.yaml"), std::string::npos);
}

TEST(ProtoIo, TextErrorNamesLineAndField) {
  TopologySpec spec;
  auto st = parse_proto("preset: \"rail\"\nnot_a_field: 3\n", ProtoFormat::kText, "s.textproto", &spec);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("s.textproto:2:"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("not_a_field"), std::string::npos) << st.message();
}

TEST(ProtoIo, JsonRejectsUnknownField) {
  TopologySpec spec;
  auto st = parse_proto(R"({"preset": "rail", "bogus": 1})", ProtoFormat::kJson, "s.json", &spec);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("bogus"), std::string::npos) << st.message();
}

TEST(ProtoIo, RoundTripAllFormats) {
  TopologySpec spec;
  spec.set_preset("fat-tree");
  (*spec.mutable_params())["nodes"] = "16";
  const auto dir = std::filesystem::temp_directory_path() / "moesim_proto_io_test";
  std::filesystem::create_directories(dir);
  for (const char* ext : {".pb", ".json", ".textproto"}) {
    const std::string path = (dir / (std::string("spec") + ext)).string();
    ASSERT_TRUE(save_proto(path, spec).ok());
    TopologySpec back;
    ASSERT_TRUE(load_proto(path, &back).ok()) << ext;
    EXPECT_EQ(back.preset(), "fat-tree");
    EXPECT_EQ(back.params().at("nodes"), "16");
  }
}

TEST(ProtoIo, TruncatedBinaryIsAnError) {
  TopologySpec spec;
  auto st = parse_proto(std::string("\x0a\x50", 2), ProtoFormat::kBinary, "t.pb", &spec);
  EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace moesim
