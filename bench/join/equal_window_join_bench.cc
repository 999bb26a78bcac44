// The equal-window join of Nexmark q8 at the operator (no database, no aggregates): per 10 s
// window, `persons` rows (id, name, starttime, endtime) and `sellers` rows (seller, starttime,
// endtime) joined ON id = seller AND both window bounds, each side cut into `batch`-row batches
// (q8's EOWC aggregates emit a window whole: batch = the window), the sellers first, then the
// persons, then both watermarks pass the window so its rows are dropped. Half the sellers are
// persons of the window, so about sellers / 2 rows pair.
// The baseline computes the same seven output columns from the same batches by hand: a hash
// map of the window's sellers probed by its persons, then the matched rows gathered column by
// column.

#include <absl/container/flat_hash_map.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "columnar/builder.h"
#include "execution/operator.h"

namespace laminar {
namespace {

namespace fn = laminar::function;
using columnar::ArrayPtr;
using columnar::RecordBatch;
using columnar::RecordBatchPtr;
using columnar::SchemaPtr;

constexpr int64_t kBase = 1704067200000000;  // 2024-01-01
constexpr int64_t kWindow = 10 * 1000000;    // 10 s in µs

SchemaPtr PersonSchema() {
  return columnar::MakeSchema({{"id", columnar::int64()},
                               {"name", columnar::utf8()},
                               {"starttime", columnar::timestamp()},
                               {"endtime", columnar::timestamp()}});
}
SchemaPtr SellerSchema() {
  return columnar::MakeSchema({{"seller", columnar::int64()},
                               {"starttime", columnar::timestamp()},
                               {"endtime", columnar::timestamp()}});
}

// The plan node the binder makes for q8's join: an interval join with equal bounds (0, 0) on
// the window starts, keys (id, starttime, endtime) = (seller, starttime, endtime), window
// streams trailing their watermark by the window size.
sql::PlanNode EqualWindowJoinNode() {
  auto left = std::make_shared<sql::PlanNode>();
  left->kind = sql::PlanKind::kScan;
  left->schema = PersonSchema();
  auto right = std::make_shared<sql::PlanNode>();
  right->kind = sql::PlanKind::kScan;
  right->schema = SellerSchema();
  sql::PlanNode node;
  node.kind = sql::PlanKind::kJoin;
  node.join_kind = sql::JoinKind::kInner;
  node.inputs = {left, right};
  auto fields = left->schema->fields();
  for (const auto& f : right->schema->fields()) fields.push_back(f);
  node.schema = std::make_shared<columnar::Schema>(fields);
  sql::JoinSpec& js = node.join;
  js.strategy = sql::JoinStrategy::kInterval;
  js.left_columns = 4;
  js.left_time = 2;
  js.right_time = 1;
  js.left_time_lag = kWindow;
  js.right_time_lag = kWindow;
  std::vector<fn::ExprPtr> eqs;
  const std::pair<int, int> keys[] = {{0, 0}, {2, 1}, {3, 2}};
  for (const auto& [l, r] : keys) {
    const auto& type = right->schema->field(r)->type;
    js.left_keys.push_back(fn::ColumnRef(l, type));
    js.right_keys.push_back(fn::ColumnRef(r, type));
    eqs.push_back(
        fn::Call("eq", {fn::ColumnRef(l, type), fn::ColumnRef(4 + r, type)}, columnar::boolean()));
  }
  node.join_condition = fn::MakeAnd(eqs);
  return node;
}

// One window of both sides, in `batch`-row batches.
struct Window {
  std::vector<RecordBatchPtr> persons, sellers;
  int64_t end = 0;
  int64_t rows = 0;
};

Window MakeWindow(int64_t w, int64_t persons, int64_t sellers, int64_t batch,
                  std::mt19937_64* rng) {
  const SchemaPtr person_schema = PersonSchema(), seller_schema = SellerSchema();
  const int64_t start = kBase + w * kWindow;
  const int64_t first_id = w * persons;
  Window out;
  out.end = start + kWindow;
  std::vector<int64_t> pid(static_cast<size_t>(persons));
  std::iota(pid.begin(), pid.end(), first_id);
  std::shuffle(pid.begin(), pid.end(), *rng);
  for (int64_t from = 0; from < persons; from += batch) {
    const int64_t n = std::min(batch, persons - from);
    columnar::FixedWidthBuilder<int64_t> id(columnar::int64());
    columnar::BinaryBuilder name(columnar::utf8());
    columnar::FixedWidthBuilder<int64_t> ps(columnar::timestamp()), pe(columnar::timestamp());
    for (int64_t i = from; i < from + n; ++i) {
      id.Append(pid[static_cast<size_t>(i)]);
      name.Append("person name " + std::to_string(pid[static_cast<size_t>(i)] % 5000));
      ps.Append(start);
      pe.Append(start + kWindow);
    }
    out.persons.push_back(std::make_shared<const RecordBatch>(
        person_schema, n,
        std::vector<ArrayPtr>{id.Finish(), name.Finish(), ps.Finish(), pe.Finish()}));
  }
  // Sellers (distinct): every other one a person of this window while there are any, the rest
  // older persons' ids.
  std::vector<int64_t> sid(static_cast<size_t>(sellers));
  for (int64_t i = 0; i < sellers; ++i) {
    const bool person = i % 2 == 0 && i / 2 < persons;
    sid[static_cast<size_t>(i)] = person ? first_id + i / 2 : first_id - 1 - i;
  }
  std::shuffle(sid.begin(), sid.end(), *rng);
  for (int64_t from = 0; from < sellers; from += batch) {
    const int64_t n = std::min(batch, sellers - from);
    columnar::FixedWidthBuilder<int64_t> seller(columnar::int64());
    columnar::FixedWidthBuilder<int64_t> ss(columnar::timestamp()), se(columnar::timestamp());
    for (int64_t i = from; i < from + n; ++i) {
      seller.Append(sid[static_cast<size_t>(i)]);
      ss.Append(start);
      se.Append(start + kWindow);
    }
    out.sellers.push_back(std::make_shared<const RecordBatch>(
        seller_schema, n, std::vector<ArrayPtr>{seller.Finish(), ss.Finish(), se.Finish()}));
  }
  out.rows = persons + sellers;
  return out;
}

void BM_EqualWindowJoinOperator(benchmark::State& state) {
  const int64_t persons = state.range(0), sellers = state.range(1), batch = state.range(2);
  auto op = execution::JoinOperator::Make(EqualWindowJoinNode(), nullptr).ValueOrDie();
  std::mt19937_64 rng(8);
  int64_t events = 0, out_rows = 0, w = 0;
  std::vector<execution::Delta> out;
  for (auto _ : state) {
    state.PauseTiming();
    const Window cur = MakeWindow(w++, persons, sellers, batch, &rng);
    out.clear();
    state.ResumeTiming();
    for (const auto& b : cur.sellers) (void)op->ProcessInput(1, execution::Delta{b, {}, {}}, &out);
    for (const auto& b : cur.persons) (void)op->ProcessInput(0, execution::Delta{b, {}, {}}, &out);
    // Both watermarks pass the window's end: its rows go.
    (void)op->AdvanceInputWatermark(0, cur.end + kWindow, &out);
    (void)op->AdvanceInputWatermark(1, cur.end + kWindow, &out);
    for (const auto& d : out) out_rows += d.num_rows();
    events += cur.rows;
  }
  state.SetItemsProcessed(events);
  state.counters["out_rows"] = static_cast<double>(out_rows);
}

// A column of `rows` gathered from one batch's column (no NULLs in this data).
template <typename T>
ArrayPtr GatherFixed(const columnar::Array& src, const std::vector<int32_t>& rows) {
  const auto n = static_cast<int64_t>(rows.size());
  auto values = columnar::Buffer::Allocate(n * static_cast<int64_t>(sizeof(T)));
  T* dst = reinterpret_cast<T*>(values->mutable_data());
  const T* s = src.values<T>();
  for (int64_t i = 0; i < n; ++i) dst[i] = s[rows[static_cast<size_t>(i)]];
  return std::make_shared<columnar::Array>(src.type(), n,
                                           std::vector<columnar::BufferPtr>{nullptr, values});
}

ArrayPtr GatherString(const columnar::Array& src, const std::vector<int32_t>& rows) {
  const auto n = static_cast<int64_t>(rows.size());
  auto offsets = columnar::Buffer::Allocate((n + 1) * 4);
  auto* o = reinterpret_cast<int32_t*>(offsets->mutable_data());
  const int32_t* so = src.raw_offsets();
  int32_t bytes = 0;
  for (int64_t i = 0; i < n; ++i) {
    o[i] = bytes;
    const int32_t r = rows[static_cast<size_t>(i)];
    bytes += so[r + 1] - so[r];
  }
  o[n] = bytes;
  auto data = columnar::Buffer::Allocate(bytes);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t r = rows[static_cast<size_t>(i)];
    std::memcpy(data->mutable_data() + o[i], src.buffers()[2]->data() + so[r],
                static_cast<size_t>(o[i + 1] - o[i]));
  }
  return std::make_shared<columnar::Array>(
      src.type(), n, std::vector<columnar::BufferPtr>{nullptr, offsets, data});
}

// Baseline: per person batch, the window's sellers (one batch here: batch >= sellers) in a
// hash map by id, probed by each person; the pairs' columns gathered into one output batch.
void BM_EqualWindowJoinHandWritten(benchmark::State& state) {
  const int64_t persons = state.range(0), sellers = state.range(1), batch = state.range(2);
  std::mt19937_64 rng(8);
  int64_t events = 0, out_rows = 0, w = 0;
  const SchemaPtr person_schema = PersonSchema(), seller_schema = SellerSchema();
  auto fields = person_schema->fields();
  for (const auto& f : seller_schema->fields()) fields.push_back(f);
  const auto out_schema = std::make_shared<columnar::Schema>(fields);
  absl::flat_hash_map<int64_t, std::pair<int32_t, int32_t>> by_id;  // id -> (batch, row)
  std::vector<int32_t> lrows, rrows;
  for (auto _ : state) {
    state.PauseTiming();
    const Window cur = MakeWindow(w++, persons, sellers, batch, &rng);
    state.ResumeTiming();
    by_id.clear();
    by_id.reserve(static_cast<size_t>(sellers));
    for (size_t b = 0; b < cur.sellers.size(); ++b) {
      const auto& s = *cur.sellers[b];
      const int64_t* id = s.column(0)->values<int64_t>();
      for (int64_t i = 0; i < s.num_rows(); ++i) {
        by_id.try_emplace(id[i], static_cast<int32_t>(b), static_cast<int32_t>(i));
      }
    }
    for (const auto& pb : cur.persons) {
      lrows.clear();
      rrows.clear();
      const int64_t* id = pb->column(0)->values<int64_t>();
      for (int64_t i = 0; i < pb->num_rows(); ++i) {
        auto it = by_id.find(id[i]);
        if (it == by_id.end()) continue;
        lrows.push_back(static_cast<int32_t>(i));
        rrows.push_back(it->second.second);  // one seller batch: its row
      }
      const auto& s = *cur.sellers[0];
      std::vector<ArrayPtr> cols = {
          GatherFixed<int64_t>(*pb->column(0), lrows), GatherString(*pb->column(1), lrows),
          GatherFixed<int64_t>(*pb->column(2), lrows), GatherFixed<int64_t>(*pb->column(3), lrows),
          GatherFixed<int64_t>(*s.column(0), rrows),   GatherFixed<int64_t>(*s.column(1), rrows),
          GatherFixed<int64_t>(*s.column(2), rrows)};
      auto joined = std::make_shared<const RecordBatch>(
          out_schema, static_cast<int64_t>(lrows.size()), std::move(cols));
      out_rows += joined->num_rows();
      benchmark::DoNotOptimize(joined);
    }
    events += cur.rows;
  }
  state.SetItemsProcessed(events);
  state.counters["out_rows"] = static_cast<double>(out_rows);
}

// Whole windows (q8 at 2M events: about 20000 persons and 20000 sellers per window), and
// 1024-row batches for the operator (the baseline assumes one seller batch).
BENCHMARK(BM_EqualWindowJoinOperator)
    ->Args({20000, 20000, 1 << 20})
    ->Args({20000, 20000, 1024})
    ->Args({2000, 20000, 1 << 20})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EqualWindowJoinHandWritten)
    ->Args({20000, 20000, 1 << 20})
    ->Args({2000, 20000, 1 << 20})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace laminar

BENCHMARK_MAIN();
