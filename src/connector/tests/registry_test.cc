#include <gtest/gtest.h>

#include "connector/source.h"

namespace laminar::connector {
namespace {

TEST(ConnectorRegistryTest, BuiltinsAndAliases) {
  auto& r = ConnectorRegistry::Global();
  EXPECT_TRUE(r.HasSource("nexmark"));
  EXPECT_TRUE(r.HasSource("datagen"));
  EXPECT_TRUE(r.HasSource("Generator"));
  auto schema = columnar::ParseSchema("x BIGINT").ValueOrDie();
  auto src = r.CreateSource("generator", {{"max.rows", "3"}, {"rows.per.second", "0"}}, schema);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_EQ((*src)->NextBatch(10).ValueOrDie()->num_rows(), 3);
}

TEST(ConnectorRegistryTest, UnknownNameSuggests) {
  auto r = ConnectorRegistry::Global().CreateSource("nexmrk", {}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("did you mean 'nexmark'"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(r.status().error_code(), ErrorCode::kConnectorConfig);
}

TEST(ConnectorRegistryTest, DuplicateRegistrationFails) {
  ConnectorRegistry local;
  auto factory = [](const ConnectorOptions&,
                    const SchemaPtr&) -> Result<std::unique_ptr<SourceConnector>> {
    return Status::NotImplemented("test");
  };
  EXPECT_TRUE(local.RegisterSource("x", factory).ok());
  EXPECT_FALSE(local.RegisterSource("X", factory).ok());
  EXPECT_EQ(local.SourceNames(), std::vector<std::string>{"x"});
}

}  // namespace
}  // namespace laminar::connector
