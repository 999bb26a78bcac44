// The two Nexmark window joins in isolation, through the Database push path (rows/s/core),
// each with a hand-written loop computing the same answer from the same batches in the same
// binary:
// - q7 shape: bids (auction, price, ts) joined with one row per 10 s window (wend, maxprice)
//   ON price = maxprice AND ts BETWEEN wend - 10 s AND wend. Every bid is buffered until its
//   window's maximum arrives; about one in 100000 pairs.
// - q8 shape: per 10 s window, persons (id, name, window) and sellers (seller, window), joined
//   ON id = seller AND both window bounds: a three-column key, both sides arriving whole when
//   their window closes.
// The aggregates that feed these joins in Nexmark are not measured here.

#include <absl/container/flat_hash_set.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "columnar/builder.h"
#include "join_bench_util.h"
#include "laminar/laminar.hpp"

namespace laminar {
namespace {

constexpr int64_t kBase = 1704067200000000;  // 2024-01-01
constexpr int64_t kWindow = 10 * 1000000;    // 10 s in µs
constexpr int64_t kBatch = 1024;

// ---- q7 shape -------------------------------------------------------------------------------

// One window of bids (state.range(0) rows in kBatch-row batches, times spread over the
// window) and its maximum price.
struct BidWindow {
  std::vector<RecordBatchPtr> bids;
  RecordBatchPtr max_row;  // (wend, maxprice)
  int64_t max_price = 0;
  int64_t end = 0;
};

BidWindow MakeBidWindow(const SchemaPtr& bid_schema, const SchemaPtr& max_schema, int64_t w,
                        int64_t rows, std::mt19937_64* rng) {
  BidWindow out;
  const int64_t start = kBase + w * kWindow;
  out.end = start + kWindow;
  out.max_price = INT64_MIN;
  for (int64_t first = 0; first < rows; first += kBatch) {
    const int64_t n = std::min(kBatch, rows - first);
    columnar::FixedWidthBuilder<int64_t> auction(columnar::int64()), price(columnar::int64());
    columnar::FixedWidthBuilder<int64_t> ts(columnar::timestamp());
    for (int64_t i = 0; i < n; ++i) {
      const int64_t p = static_cast<int64_t>((*rng)() % 10000000);
      out.max_price = std::max(out.max_price, p);
      auction.Append(static_cast<int64_t>((*rng)() % 1000));
      price.Append(p);
      ts.Append(start + (first + i) * (kWindow - 1) / rows);
    }
    out.bids.push_back(std::make_shared<const RecordBatch>(
        bid_schema, n,
        std::vector<columnar::ArrayPtr>{auction.Finish(), price.Finish(), ts.Finish()}));
  }
  columnar::FixedWidthBuilder<int64_t> wend(columnar::timestamp()), maxprice(columnar::int64());
  wend.Append(out.end);
  maxprice.Append(out.max_price);
  out.max_row = std::make_shared<const RecordBatch>(
      max_schema, 1, std::vector<columnar::ArrayPtr>{wend.Finish(), maxprice.Finish()});
  return out;
}

SchemaPtr BidSchema() {
  return columnar::MakeSchema({{"auction", columnar::int64()},
                               {"price", columnar::int64()},
                               {"ts", columnar::timestamp()}});
}
SchemaPtr MaxSchema() {
  return columnar::MakeSchema({{"wend", columnar::timestamp()}, {"maxprice", columnar::int64()}});
}

void BM_Q7WindowMaxJoin(benchmark::State& state) {
  const int64_t rows = state.range(0);
  int64_t out_rows = 0;
  auto opened = OpenJoinBench(
      state,
      {"CREATE SOURCE b (auction BIGINT, price BIGINT, ts TIMESTAMP, WATERMARK FOR ts)",
       "CREATE SOURCE m (wend TIMESTAMP, maxprice BIGINT, WATERMARK FOR wend)",
       "CREATE STREAM j AS SELECT B.auction, B.price, B.ts FROM b AS B JOIN m AS M "
       "ON B.price = M.maxprice AND B.ts BETWEEN M.wend - INTERVAL '10' SECOND AND M.wend"},
      &out_rows);
  if (!opened.db) return;
  auto& db = opened.db;
  auto b = db->Source("b").ValueOrDie();
  auto m = db->Source("m").ValueOrDie();
  std::mt19937_64 rng(7);
  int64_t events = 0;
  int64_t w = 0;
  // The maximum of window w arrives after the bids of window w + 1 (as an EOWC aggregate's
  // output would, once the bid watermark passed the window's end).
  BidWindow prev;
  for (auto _ : state) {
    state.PauseTiming();
    BidWindow cur = MakeBidWindow(b->schema(), m->schema(), w++, rows, &rng);
    state.ResumeTiming();
    for (const auto& batch : cur.bids) (void)b->Push(batch);
    if (prev.max_row) (void)m->Push(prev.max_row);
    events += rows + 1;
    prev = std::move(cur);
  }
  state.SetItemsProcessed(events);
  state.counters["out_rows"] = static_cast<double>(out_rows);
}
BENCHMARK(BM_Q7WindowMaxJoin)->Arg(100000)->Unit(benchmark::kMillisecond);

// Baseline: the same stream by hand. Bid batches are held per window (a reference each) until
// the window's maximum arrives; then the window's bids are scanned for that price.
void BM_Q7WindowMaxHandWritten(benchmark::State& state) {
  const int64_t rows = state.range(0);
  const SchemaPtr bid_schema = BidSchema(), max_schema = MaxSchema();
  std::mt19937_64 rng(7);
  int64_t events = 0, out_rows = 0;
  int64_t w = 0;
  BidWindow prev;
  std::vector<RecordBatchPtr> held;  // the bids of the window whose maximum is awaited
  std::vector<int64_t> matched;      // (batch << 32 | row) of the output rows
  for (auto _ : state) {
    state.PauseTiming();
    BidWindow cur = MakeBidWindow(bid_schema, max_schema, w++, rows, &rng);
    state.ResumeTiming();
    std::vector<RecordBatchPtr> next_held(cur.bids.begin(), cur.bids.end());
    if (prev.max_row) {
      matched.clear();
      for (size_t bi = 0; bi < held.size(); ++bi) {
        const auto& batch = *held[bi];
        const int64_t* p = batch.column(1)->values<int64_t>();
        for (int64_t i = 0; i < batch.num_rows(); ++i) {
          if (p[i] == prev.max_price) matched.push_back(static_cast<int64_t>(bi) << 32 | i);
        }
      }
      out_rows += static_cast<int64_t>(matched.size());
    }
    held = std::move(next_held);
    events += rows + 1;
    prev = std::move(cur);
  }
  state.SetItemsProcessed(events);
  state.counters["out_rows"] = static_cast<double>(out_rows);
}
BENCHMARK(BM_Q7WindowMaxHandWritten)->Arg(100000)->Unit(benchmark::kMillisecond);

// ---- q8 shape -------------------------------------------------------------------------------

// One window's persons (distinct ids) and sellers (distinct, a third of them persons of the
// window), as the two EOWC GROUP BYs of q8 emit them.
struct PersonWindow {
  RecordBatchPtr persons;  // (id, name, starttime, endtime)
  RecordBatchPtr sellers;  // (seller, starttime, endtime)
};

PersonWindow MakePersonWindow(const SchemaPtr& person_schema, const SchemaPtr& seller_schema,
                              int64_t w, int64_t persons, std::mt19937_64* rng) {
  const int64_t start = kBase + w * kWindow;
  const int64_t first_id = w * persons;
  PersonWindow out;
  columnar::FixedWidthBuilder<int64_t> id(columnar::int64());
  columnar::BinaryBuilder name(columnar::utf8());
  columnar::FixedWidthBuilder<int64_t> ps(columnar::timestamp()), pe(columnar::timestamp());
  for (int64_t i = 0; i < persons; ++i) {
    id.Append(first_id + i);
    name.Append("person" + std::to_string(i % 1000));
    ps.Append(start);
    pe.Append(start + kWindow);
  }
  out.persons = std::make_shared<const RecordBatch>(
      person_schema, persons,
      std::vector<columnar::ArrayPtr>{id.Finish(), name.Finish(), ps.Finish(), pe.Finish()});
  // Sellers: three per person slot, ids from the last two windows' persons and this one's.
  std::vector<int64_t> ids(static_cast<size_t>(persons * 3));
  std::iota(ids.begin(), ids.end(), first_id - 2 * persons);
  std::shuffle(ids.begin(), ids.end(), *rng);
  columnar::FixedWidthBuilder<int64_t> seller(columnar::int64());
  columnar::FixedWidthBuilder<int64_t> ss(columnar::timestamp()), se(columnar::timestamp());
  for (int64_t s : ids) {
    seller.Append(s);
    ss.Append(start);
    se.Append(start + kWindow);
  }
  out.sellers = std::make_shared<const RecordBatch>(
      seller_schema, static_cast<int64_t>(ids.size()),
      std::vector<columnar::ArrayPtr>{seller.Finish(), ss.Finish(), se.Finish()});
  return out;
}

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

void BM_Q8WindowJoin(benchmark::State& state) {
  const int64_t persons = state.range(0);
  int64_t out_rows = 0;
  auto opened = OpenJoinBench(
      state,
      {"CREATE SOURCE p (id BIGINT, name VARCHAR, starttime TIMESTAMP, endtime TIMESTAMP, "
       "WATERMARK FOR starttime)",
       "CREATE SOURCE a (seller BIGINT, starttime TIMESTAMP, endtime TIMESTAMP, "
       "WATERMARK FOR starttime)",
       "CREATE STREAM j AS SELECT P.id, P.name, P.starttime FROM p AS P JOIN a AS A "
       "ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime"},
      &out_rows);
  if (!opened.db) return;
  auto& db = opened.db;
  auto p = db->Source("p").ValueOrDie();
  auto a = db->Source("a").ValueOrDie();
  std::mt19937_64 rng(8);
  int64_t events = 0;
  int64_t w = 0;
  for (auto _ : state) {
    state.PauseTiming();
    PersonWindow cur = MakePersonWindow(p->schema(), a->schema(), w++, persons, &rng);
    state.ResumeTiming();
    (void)a->Push(cur.sellers);
    (void)p->Push(cur.persons);
    events += cur.persons->num_rows() + cur.sellers->num_rows();
  }
  state.SetItemsProcessed(events);
  state.counters["out_rows"] = static_cast<double>(out_rows);
}
BENCHMARK(BM_Q8WindowJoin)->Arg(4000)->Unit(benchmark::kMicrosecond);

// Baseline: per window a hash set of its sellers, probed by its persons; output rows are
// gathered as (batch, row) references.
void BM_Q8WindowHandWritten(benchmark::State& state) {
  const int64_t persons = state.range(0);
  const SchemaPtr person_schema = PersonSchema(), seller_schema = SellerSchema();
  std::mt19937_64 rng(8);
  int64_t events = 0, out_rows = 0;
  int64_t w = 0;
  absl::flat_hash_set<int64_t> sellers;
  std::vector<int64_t> matched;
  for (auto _ : state) {
    state.PauseTiming();
    PersonWindow cur = MakePersonWindow(person_schema, seller_schema, w++, persons, &rng);
    state.ResumeTiming();
    sellers.clear();
    const auto& s = *cur.sellers;
    const int64_t* sid = s.column(0)->values<int64_t>();
    for (int64_t i = 0; i < s.num_rows(); ++i) sellers.insert(sid[i]);
    matched.clear();
    const auto& pb = *cur.persons;
    const int64_t* pid = pb.column(0)->values<int64_t>();
    for (int64_t i = 0; i < pb.num_rows(); ++i) {
      if (sellers.contains(pid[i])) matched.push_back(i);
    }
    out_rows += static_cast<int64_t>(matched.size());
    events += pb.num_rows() + s.num_rows();
  }
  state.SetItemsProcessed(events);
  state.counters["out_rows"] = static_cast<double>(out_rows);
}
BENCHMARK(BM_Q8WindowHandWritten)->Arg(4000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace laminar

BENCHMARK_MAIN();
