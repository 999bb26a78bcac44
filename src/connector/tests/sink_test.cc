// Sink SPI: registry, option validation, row formats, the memory and blackhole sinks.
#include "connector/sink.h"

#include <gtest/gtest.h>

#include "columnar/batch_literal.h"
#include "connector/sinks/memory_sink.h"
#include "connector/sinks/row_format.h"

namespace laminar::connector {
namespace {

RecordBatchPtr Batch(std::string_view schema, std::string_view rows) {
  auto b = columnar::BatchFromLiteral(schema, rows);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return *b;
}

TEST(SinkRegistryTest, BuiltinsAndUnknownNames) {
  auto& r = SinkRegistry::Global();
  EXPECT_TRUE(r.HasSink("blackhole"));
  EXPECT_TRUE(r.HasSink("FILE"));
  EXPECT_TRUE(r.HasSink("files"));
  EXPECT_TRUE(r.HasSink("memory"));
  auto bad = r.CreateSink("blackhol", {}, SinkConfig{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().error_code(), ErrorCode::kConnectorConfig);
  EXPECT_NE(bad.status().message().find("did you mean 'blackhole'"), std::string::npos)
      << bad.status().ToString();
}

TEST(SinkRegistryTest, OptionErrorsNameTheOption) {
  auto& r = SinkRegistry::Global();
  auto no_path = r.CreateSink("file", {}, SinkConfig{});
  ASSERT_FALSE(no_path.ok());
  EXPECT_EQ(no_path.status().error_code(), ErrorCode::kConnectorConfig);
  EXPECT_NE(no_path.status().message().find("'path' is required"), std::string::npos);

  auto typo = r.CreateSink("file", {{"path", "/tmp/x"}, {"pth", "y"}}, SinkConfig{});
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("option 'pth' is not recognised (did you mean 'path'?)"),
            std::string::npos)
      << typo.status().ToString();

  SinkConfig csv;
  csv.format = "avro";
  auto fmt = r.CreateSink("file", {{"path", "/tmp/x"}}, csv);
  ASSERT_FALSE(fmt.ok());
  EXPECT_NE(fmt.status().message().find("format 'avro' is not supported"), std::string::npos);

  auto bad_bool = r.CreateSink("memory", {{"changelog", "maybe"}}, SinkConfig{});
  ASSERT_FALSE(bad_bool.ok());
  EXPECT_NE(bad_bool.status().message().find("'changelog' must be true or false"),
            std::string::npos);
}

TEST(SinkRegistryTest, DeliveryGuaranteeSpellings) {
  EXPECT_EQ(*ParseDeliveryGuarantee("exactly-once"), DeliveryGuarantee::kExactlyOnce);
  EXPECT_EQ(*ParseDeliveryGuarantee("EXACTLY_ONCE"), DeliveryGuarantee::kExactlyOnce);
  EXPECT_EQ(*ParseDeliveryGuarantee("at_least_once"), DeliveryGuarantee::kAtLeastOnce);
  auto bad = ParseDeliveryGuarantee("twice");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().error_code(), ErrorCode::kConnectorConfig);
}

TEST(RowFormatTest, JsonLines) {
  OptionReader reader("file", {});
  auto f = RowFormatter::Make("json", reader).ValueOrDie();
  std::string out;
  f->Append(*Batch("s VARCHAR, n BIGINT, d DOUBLE, b BOOLEAN, ts TIMESTAMP",
                   "'a\"b', 1, 2.5, true, 2024-01-01 00:00:05\nNULL, NULL, NULL, NULL, NULL"),
            &out);
  EXPECT_EQ(out,
            "{\"s\":\"a\\\"b\",\"n\":1,\"d\":2.5,\"b\":true,\"ts\":\"2024-01-01 00:00:05\"}\n"
            "{\"s\":null,\"n\":null,\"d\":null,\"b\":null,\"ts\":null}\n");
  EXPECT_FALSE(f->wants_header());
}

TEST(RowFormatTest, CsvQuotingAndHeader) {
  OptionReader reader("file", {{"csv.delimiter", ";"}});
  auto f = RowFormatter::Make("csv", reader).ValueOrDie();
  ASSERT_TRUE(reader.Finish().ok());
  auto b = Batch("s VARCHAR, n BIGINT", "'x;y', 1\n'q\"', NULL\nplain, 3");
  EXPECT_EQ(f->Header(*b->schema()), "s;n\n");
  std::string out;
  f->Append(*b, &out);
  EXPECT_EQ(out, "\"x;y\";1\n\"q\"\"\";\nplain;3\n");

  OptionReader bad("file", {{"csv.delimiter", "ab"}});
  EXPECT_FALSE(RowFormatter::Make("csv", bad).ok());
}

TEST(MemorySinkTest, ExactlyOnceStagesUntilCommit) {
  MemorySinkStore::Reset("mem-eo");
  SinkConfig config;
  config.sink_name = "out";
  config.guarantee = DeliveryGuarantee::kExactlyOnce;
  auto sink = SinkRegistry::Global().CreateSink("memory", {{"id", "mem-eo"}}, config).ValueOrDie();
  auto store = MemorySinkStore::Get("mem-eo");
  auto b = Batch("x BIGINT", "1\n2");
  ASSERT_TRUE(sink->Open({b->schema(), std::nullopt}).ok());
  ASSERT_TRUE(sink->BeginEpoch(1).ok());
  ASSERT_TRUE(sink->WriteBatch(*b).ok());
  EXPECT_EQ(store->CommittedRows().size(), 0u);
  EXPECT_EQ(store->StagedRows(), 2);
  ASSERT_TRUE(sink->PreCommit(1).ok());
  ASSERT_TRUE(sink->CommitEpoch(1).ok());
  ASSERT_TRUE(sink->CommitEpoch(1).ok());  // idempotent
  EXPECT_EQ(store->CommittedRows(), (std::vector<std::string>{"1", "2"}));
  ASSERT_TRUE(sink->BeginEpoch(2).ok());
  ASSERT_TRUE(sink->WriteBatch(*b).ok());
  ASSERT_TRUE(sink->RollbackEpoch(2).ok());
  EXPECT_EQ(store->StagedRows(), 0);
  EXPECT_EQ(store->CommittedRows().size(), 2u);
  EXPECT_EQ(store->committed_epoch(), 1u);
}

TEST(MemorySinkTest, AtLeastOnceCommitsAtOnceAndFailureInjection) {
  MemorySinkStore::Reset("mem-alo");
  SinkConfig config;
  auto sink = SinkRegistry::Global().CreateSink("memory", {{"id", "mem-alo"}}, config).ValueOrDie();
  auto store = MemorySinkStore::Get("mem-alo");
  auto b = Batch("x BIGINT", "7");
  ASSERT_TRUE(sink->Open({b->schema(), std::nullopt}).ok());
  ASSERT_TRUE(sink->WriteBatch(*b).ok());
  EXPECT_EQ(store->CommittedRows(), (std::vector<std::string>{"7"}));
  store->FailNext(MemorySinkStore::Step::kPreCommit);
  EXPECT_FALSE(sink->PreCommit(1).ok());
  EXPECT_TRUE(sink->PreCommit(1).ok());
}

TEST(BlackholeSinkTest, CountsAndDiscards) {
  auto sink = SinkRegistry::Global().CreateSink("blackhole", {}, SinkConfig{}).ValueOrDie();
  EXPECT_TRUE(sink->capabilities().exactly_once);
  EXPECT_TRUE(sink->capabilities().changelog);
  auto b = Batch("x BIGINT", "1\n2\n3");
  ASSERT_TRUE(sink->Open({b->schema(), std::nullopt}).ok());
  ASSERT_TRUE(sink->WriteBatch(*b).ok());
  EXPECT_EQ(sink->rows_written(), 3u);
}

}  // namespace
}  // namespace laminar::connector
