// Fuzzes the checkpoint images of the windowed aggregate operators (StreamOperator::Restore of
// AggregateOperator's "LAGS" and HopSliceAggregateOperator's "LHOP" images). Input: one byte
// choosing the query shape, then the image. An image that restores must snapshot to bytes that
// restore again and snapshot identically, and the operator must then take input and close every
// window without crashing (a Status error is fine).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "columnar/builder.h"
#include "execution/hop_aggregate_operator.h"
#include "function/expression.h"

namespace {

using namespace laminar;  // NOLINT(build/namespaces): a fuzz target's own translation unit
namespace fn = laminar::function;

// SELECT <key>, window_start, window_end, COUNT(*), SUM(v), MAX(v)
// GROUP BY <key>, HOP(ts, INTERVAL 2 s, INTERVAL 10 s) (µs) over (k BIGINT, s VARCHAR, ts, v).
sql::PlanNode HopPlan(bool string_key) {
  auto input = std::make_shared<sql::PlanNode>();
  input->kind = sql::PlanKind::kScan;
  input->schema = columnar::MakeSchema({{"k", columnar::int64()},
                                        {"s", columnar::utf8()},
                                        {"ts", columnar::timestamp()},
                                        {"v", columnar::int64()}});
  sql::PlanNode node;
  node.kind = sql::PlanKind::kAggregate;
  node.inputs = {input};
  node.group_exprs = {string_key ? fn::ColumnRef(1, columnar::utf8(), "s")
                                 : fn::ColumnRef(0, columnar::int64(), "k")};
  node.window.kind = sql::WindowKind::kHop;
  node.window.time_expr = fn::ColumnRef(2, columnar::timestamp(), "ts");
  node.window.size = 10'000'000;
  node.window.slide = 2'000'000;
  auto call = [](const char* f, bool star) {
    sql::AggregateCall c;
    c.function = f;
    c.count_star = star;
    if (!star) c.args = {fn::ColumnRef(3, columnar::int64(), "v")};
    c.type = columnar::int64();
    return c;
  };
  node.aggregates = {call("count", true), call("sum", false), call("max", false)};
  node.schema = columnar::MakeSchema({{"key", string_key ? columnar::utf8() : columnar::int64()},
                                      {"window_start", columnar::timestamp()},
                                      {"window_end", columnar::timestamp()},
                                      {"n", columnar::int64()},
                                      {"total", columnar::int64()},
                                      {"top", columnar::int64()}});
  return node;
}

std::unique_ptr<execution::StreamOperator> Make(uint8_t shape) {
  execution::AggregateOptions options;
  options.emit = execution::EmitMode::kOnClose;
  const auto node = HopPlan(shape == 2);
  if (shape == 1) {
    auto op = execution::AggregateOperator::Make(node, options);
    if (!op.ok()) std::abort();
    return std::move(*op);
  }
  auto op = execution::HopSliceAggregateOperator::Make(node, options);
  if (!op.ok()) std::abort();
  return std::move(*op);
}

execution::Delta SomeRows(const sql::PlanNode& node) {
  execution::Delta d;
  d.batch = std::make_shared<const columnar::RecordBatch>(
      node.inputs[0]->schema, 3,
      std::vector<columnar::ArrayPtr>{columnar::MakeInt64Array({1, 2, 1}),
                                      columnar::MakeStringArray({"a", "b", "a"}),
                                      columnar::MakeTimestampArray({0, 5'000'000, 11'000'000}),
                                      columnar::MakeInt64Array({4, 5, 6})});
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t shape = data[0] % 3;
  const std::string_view image(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto op = Make(shape);
  if (!op->Restore(image).ok()) return 0;
  std::string first;
  if (!op->Snapshot(&first).ok()) std::abort();
  auto again = Make(shape);
  if (!again->Restore(first).ok()) std::abort();
  std::string second;
  if (!again->Snapshot(&second).ok() || second != first) std::abort();
  std::vector<execution::Delta> out;
  (void)op->Process(SomeRows(HopPlan(shape == 2)), &out);
  (void)op->AdvanceWatermark(INT64_MAX, &out);
  (void)op->StateBytes();
  return 0;
}
