// Date/time and string kernels with literal arguments (Nexmark q14/q22 shapes) vs hand-written
// loops over the same columns: date_part('hour', ts), date_trunc('minute', ts),
// split_part(url, '/', 4|6), length(url), CAST(ts AS VARCHAR) and a lazy AND whose right side
// may fail, 1M rows in 8K-row batches. The hand loops are the previous implementations (byte-wise
// UTF-8 count, fmt-based FormatTimestamp, one find() per field), so ratios show the kernel gain.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "columnar/builder.h"
#include "columnar/record_batch.h"
#include "common/time_util.h"
#include "function/evaluator.h"
#include "function/scalar/timestamp_text.h"

namespace laminar::function {
namespace {

constexpr int64_t kKernelRows = 1 << 20;
constexpr int64_t kKernelBatch = 8192;

/// ts TIMESTAMP (µs, spread over ~1 year), url VARCHAR (Nexmark-style bid URLs).
const std::vector<columnar::RecordBatchPtr>& KernelData() {
  static const std::vector<columnar::RecordBatchPtr> batches = [] {
    std::vector<columnar::RecordBatchPtr> out;
    std::mt19937_64 rng(11);
    auto schema = columnar::MakeSchema({{"ts", columnar::timestamp()}, {"url", columnar::utf8()}});
    const int64_t base = int64_t{1'700'000'000} * kMicrosPerSecond;
    for (int64_t off = 0; off < kKernelRows; off += kKernelBatch) {
      columnar::FixedWidthBuilder<int64_t> ts(columnar::timestamp());
      columnar::BinaryBuilder url(columnar::utf8());
      for (int64_t i = 0; i < kKernelBatch; ++i) {
        ts.Append(base + static_cast<int64_t>(rng() % (uint64_t{365} * 86'400'000'000)));
        url.Append("https://www.nexmark.com/" + std::to_string(rng() % 1000) + "/" +
                   std::to_string(rng() % 100000) + "/item.htm?query=1");
      }
      out.push_back(std::make_shared<const columnar::RecordBatch>(
          schema, kKernelBatch, std::vector<columnar::ArrayPtr>{ts.Finish(), url.Finish()}));
    }
    return out;
  }();
  return batches;
}

ExprPtr Ts() { return ColumnRef(0, columnar::timestamp(), "ts"); }
ExprPtr Url() { return ColumnRef(1, columnar::utf8(), "url"); }

void RunCompiled(benchmark::State& state, const ExprPtr& expr) {
  const auto& data = KernelData();
  auto compiled = CompiledExpression::Compile(expr);
  if (!compiled.ok()) {
    state.SkipWithError("compile failed");
    return;
  }
  EvalContext ctx;
  ctx.now_micros = 0;
  int64_t rows = 0;
  for (auto _ : state) {
    for (const auto& b : data) {
      auto r = (*compiled)->Evaluate(*b, ctx);
      if (!r.ok()) {
        state.SkipWithError("evaluate failed");
        return;
      }
      rows += (*r)->length();
      benchmark::DoNotOptimize(r);
    }
  }
  benchmark::DoNotOptimize(rows);
  state.SetItemsProcessed(state.iterations() * kKernelRows);
}

inline int64_t FloorDivBench(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b) != 0 && a < 0) --q;
  return q;
}

void BM_DatePartHour_Compiled(benchmark::State& state) {
  RunCompiled(state,
              Call("date_part", {Literal(Scalar::String("hour")), Ts()}, columnar::float64()));
}
BENCHMARK(BM_DatePartHour_Compiled)->Unit(benchmark::kMillisecond);

void BM_DatePartHour_HandLoop(benchmark::State& state) {
  const auto& data = KernelData();
  for (auto _ : state) {
    for (const auto& b : data) {
      const auto& col = *b->column(0);
      const int64_t* ts = col.values<int64_t>();
      columnar::FixedWidthBuilder<double> out(columnar::float64());
      out.Reserve(b->num_rows());
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        int64_t t = ts[i];
        int64_t mod = t - FloorDivBench(t, kMicrosPerDay) * kMicrosPerDay;
        out.UnsafeAppend(static_cast<double>(mod / kMicrosPerHour));
      }
      auto arr = out.Finish();
      benchmark::DoNotOptimize(arr);
    }
  }
  state.SetItemsProcessed(state.iterations() * kKernelRows);
}
BENCHMARK(BM_DatePartHour_HandLoop)->Unit(benchmark::kMillisecond);

void BM_DateTruncMinute_Compiled(benchmark::State& state) {
  RunCompiled(state,
              Call("date_trunc", {Literal(Scalar::String("minute")), Ts()}, columnar::timestamp()));
}
BENCHMARK(BM_DateTruncMinute_Compiled)->Unit(benchmark::kMillisecond);

void BM_DateTruncMinute_HandLoop(benchmark::State& state) {
  const auto& data = KernelData();
  for (auto _ : state) {
    for (const auto& b : data) {
      const int64_t* ts = b->column(0)->values<int64_t>();
      columnar::FixedWidthBuilder<int64_t> out(columnar::timestamp());
      out.Reserve(b->num_rows());
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        out.UnsafeAppend(FloorDivBench(ts[i], kMicrosPerMinute) * kMicrosPerMinute);
      }
      auto arr = out.Finish();
      benchmark::DoNotOptimize(arr);
    }
  }
  state.SetItemsProcessed(state.iterations() * kKernelRows);
}
BENCHMARK(BM_DateTruncMinute_HandLoop)->Unit(benchmark::kMillisecond);

/// SPLIT_PART(url, '/', field) through the compiled-expression path.
void SplitPartCompiled(benchmark::State& state, int64_t field) {
  RunCompiled(state, Call("split_part",
                          {Url(), Literal(Scalar::String("/")), Literal(Scalar::Int64(field))},
                          columnar::utf8()));
}

void BM_SplitPart_Compiled(benchmark::State& state) { SplitPartCompiled(state, 4); }
BENCHMARK(BM_SplitPart_Compiled)->Unit(benchmark::kMillisecond);

/// The previous SPLIT_PART kernel as a hand loop: one memchr (string_view::find) per field.
void SplitPartFindLoop(benchmark::State& state, int field) {
  const auto& data = KernelData();
  for (auto _ : state) {
    for (const auto& b : data) {
      const auto& col = *b->column(1);
      columnar::BinaryBuilder out(columnar::utf8());
      out.Reserve(b->num_rows());
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        std::string_view s = col.GetView(i);
        size_t pos = 0;
        bool found = true;
        for (int k = 1; k < field && found; ++k) {
          size_t f = s.find('/', pos);
          found = f != std::string_view::npos;
          pos = f + 1;
        }
        if (!found) {
          out.Append({});
          continue;
        }
        size_t e = s.find('/', pos);
        out.Append(s.substr(pos, e == std::string_view::npos ? std::string_view::npos : e - pos));
      }
      auto arr = out.Finish();
      benchmark::DoNotOptimize(arr);
    }
  }
  state.SetItemsProcessed(state.iterations() * kKernelRows);
}

void BM_SplitPart_HandLoop(benchmark::State& state) { SplitPartFindLoop(state, 4); }
BENCHMARK(BM_SplitPart_HandLoop)->Unit(benchmark::kMillisecond);

void BM_SplitPartField6_Compiled(benchmark::State& state) { SplitPartCompiled(state, 6); }
BENCHMARK(BM_SplitPartField6_Compiled)->Unit(benchmark::kMillisecond);

void BM_SplitPartField6_FindLoop(benchmark::State& state) { SplitPartFindLoop(state, 6); }
BENCHMARK(BM_SplitPartField6_FindLoop)->Unit(benchmark::kMillisecond);

void BM_Length_Compiled(benchmark::State& state) {
  RunCompiled(state, Call("length", {Url()}, columnar::int64()));
}
BENCHMARK(BM_Length_Compiled)->Unit(benchmark::kMillisecond);

/// Previous kernel body: one byte per iteration.
void BM_Length_ByteLoop(benchmark::State& state) {
  const auto& data = KernelData();
  for (auto _ : state) {
    for (const auto& b : data) {
      const auto& col = *b->column(1);
      columnar::FixedWidthBuilder<int64_t> out(columnar::int64());
      out.Reserve(b->num_rows());
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        int64_t count = 0;
        for (unsigned char c : col.GetView(i)) count += (c & 0xC0) != 0x80;
        out.UnsafeAppend(count);
      }
      auto arr = out.Finish();
      benchmark::DoNotOptimize(arr);
    }
  }
  state.SetItemsProcessed(state.iterations() * kKernelRows);
}
BENCHMARK(BM_Length_ByteLoop)->Unit(benchmark::kMillisecond);

void BM_CastTimestampToVarchar_Compiled(benchmark::State& state) {
  RunCompiled(state, Cast(Ts(), columnar::utf8()));
}
BENCHMARK(BM_CastTimestampToVarchar_Compiled)->Unit(benchmark::kMillisecond);

/// Previous kernel body: FormatTimestamp (fmt::format for date and time, concatenated).
void BM_CastTimestampToVarchar_FormatTimestampLoop(benchmark::State& state) {
  const auto& data = KernelData();
  for (auto _ : state) {
    for (const auto& b : data) {
      const int64_t* ts = b->column(0)->values<int64_t>();
      columnar::BinaryBuilder out(columnar::utf8());
      out.Reserve(b->num_rows());
      for (int64_t i = 0; i < b->num_rows(); ++i) out.Append(FormatTimestamp(ts[i]));
      auto arr = out.Finish();
      benchmark::DoNotOptimize(arr);
    }
  }
  state.SetItemsProcessed(state.iterations() * kKernelRows);
}
BENCHMARK(BM_CastTimestampToVarchar_FormatTimestampLoop)->Unit(benchmark::kMillisecond);

/// length(url) > 46 AND CAST(ts AS VARCHAR) = 'x': the right side may fail (a CAST), so it runs
/// only on the rows the left side left undecided, gathered from the columns it reads (ts).
void BM_LazyAnd_Compiled(benchmark::State& state) {
  RunCompiled(
      state,
      MakeAnd({Call("gt", {Call("length", {Url()}, columnar::int64()), Literal(Scalar::Int64(46))},
                    columnar::boolean()),
               Call("eq", {Cast(Ts(), columnar::utf8()), Literal(Scalar::String("x"))},
                    columnar::boolean())}));
}
BENCHMARK(BM_LazyAnd_Compiled)->Unit(benchmark::kMillisecond);

/// Same predicate as one fused hand-written loop (no gathering, no intermediate columns).
void BM_LazyAnd_HandLoop(benchmark::State& state) {
  const auto& data = KernelData();
  for (auto _ : state) {
    for (const auto& b : data) {
      const int64_t* ts = b->column(0)->values<int64_t>();
      const auto& url = *b->column(1);
      columnar::BooleanBuilder out;
      out.Reserve(b->num_rows());
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        bool v = url.GetView(i).size() > 46;
        if (v) {
          char buf[internal::kMaxTimestampTextSize];
          v = std::string_view(buf, internal::WriteTimestampText(ts[i], buf)) == "x";
        }
        out.Append(v);
      }
      auto arr = out.Finish();
      benchmark::DoNotOptimize(arr);
    }
  }
  state.SetItemsProcessed(state.iterations() * kKernelRows);
}
BENCHMARK(BM_LazyAnd_HandLoop)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace laminar::function
