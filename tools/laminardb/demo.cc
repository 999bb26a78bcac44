#include "demo.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <ostream>
#include <random>
#include <thread>

#include "columnar/builder.h"
#include "columnar/pretty_print.h"
#include "common/time_util.h"
#include "interrupt.h"

namespace laminar::cli {
namespace {

constexpr const char* kStatements[] = {
    "CREATE SOURCE trades (symbol VARCHAR, price DOUBLE, volume BIGINT, ts TIMESTAMP, "
    "WATERMARK FOR ts AS ts - INTERVAL '100' MILLISECOND)",
    "CREATE STREAM ohlc_1s AS SELECT symbol, window_start AS bar_start, "
    "FIRST_VALUE(price) AS open, MAX(price) AS high, MIN(price) AS low, "
    "LAST_VALUE(price) AS close, SUM(volume) AS volume "
    "FROM trades GROUP BY symbol, TUMBLE(ts, INTERVAL '1' SECOND) EMIT ON WINDOW CLOSE",
    "CREATE STREAM vwap_5s AS SELECT symbol, window_start, window_end, "
    "SUM(price * volume) / SUM(volume) AS vwap, SUM(volume) AS volume "
    "FROM trades GROUP BY symbol, HOP(ts, INTERVAL '1' SECOND, INTERVAL '5' SECOND) "
    "EMIT ON WINDOW CLOSE",
    "CREATE STREAM trade_sessions AS SELECT symbol, window_start AS session_start, "
    "window_end AS session_end, COUNT(*) AS trades, SUM(volume) AS volume "
    "FROM trades GROUP BY symbol, SESSION(ts, INTERVAL '2' SECOND) EMIT ON WINDOW CLOSE",
};

struct Output {
  const char* name;
  const char* title;
};
constexpr Output kOutputs[] = {
    {"ohlc_1s", "OHLC bars, 1-second tumbling windows (EMIT ON WINDOW CLOSE)"},
    {"vwap_5s", "VWAP over 5-second windows sliding every second"},
    {"trade_sessions", "Trading sessions closed (a session ends after 2 s without trades)"},
};

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Random-walk trades for a few symbols. Each symbol alternates between trading bursts and quiet
// spells longer than the session gap, so sessions open and close during the demo.
class TradeGenerator {
 public:
  explicit TradeGenerator(uint64_t seed) : rng_(seed) {
    const char* names[] = {"AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "TSLA", "META", "NFLX"};
    const double prices[] = {190, 410, 140, 180, 120, 250, 500, 620};
    const int64_t now = NowMicros();
    for (size_t i = 0; i < 8; ++i) {
      Symbol s;
      s.name = names[i];
      s.price = prices[i];
      s.active = i % 3 != 2;  // a few start quiet
      s.phase_end = now + Uniform(1'000'000, 5'000'000);
      symbols_.push_back(s);
    }
  }

  /// A batch of `n` trades at event time `now` (matching `schema`'s four columns).
  Result<RecordBatchPtr> Next(const SchemaPtr& schema, int64_t n, int64_t now) {
    std::vector<size_t> active;
    for (size_t i = 0; i < symbols_.size(); ++i) {
      Symbol& s = symbols_[i];
      if (now >= s.phase_end) {
        s.active = !s.active;
        s.phase_end =
            now + (s.active ? Uniform(3'000'000, 8'000'000) : Uniform(2'500'000, 4'000'000));
      }
      if (s.active) active.push_back(i);
    }
    std::vector<std::string> syms;
    std::vector<double> prices;
    std::vector<int64_t> volumes, times;
    if (!active.empty()) {
      for (int64_t k = 0; k < n; ++k) {
        Symbol& s = symbols_[active[static_cast<size_t>(
            Uniform(0, static_cast<int64_t>(active.size()) - 1))]];
        s.price *= 1.0 + std::normal_distribution<double>(0, 0.0004)(rng_);
        s.price = std::max(s.price, 1.0);
        syms.push_back(s.name);
        prices.push_back(std::round(s.price * 100) / 100);
        volumes.push_back(Uniform(1, 50) * 10);
        times.push_back(now);
      }
    }
    return columnar::RecordBatch::Make(
        schema, static_cast<int64_t>(syms.size()),
        {columnar::MakeStringArray(syms), columnar::MakeFloat64Array(prices),
         columnar::MakeInt64Array(volumes), columnar::MakeTimestampArray(times)});
  }

 private:
  struct Symbol {
    std::string name;
    double price = 100;
    bool active = true;
    int64_t phase_end = 0;
  };
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  std::mt19937_64 rng_;
  std::vector<Symbol> symbols_;
};

std::string WithCommas(uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace

const char* const* DemoStatements(int* count) {
  *count = static_cast<int>(std::size(kStatements));
  return kStatements;
}

int RunDemo(Database& db, const DemoOptions& options, std::ostream& out, std::ostream& err) {
  out << "LaminarDB demo — a live market-data pipeline in streaming SQL.\n"
         "A generator pushes random-walk trades for 8 symbols (event time = wall clock) into\n"
         "the source `trades`; three continuous queries turn them into 1-second OHLC bars, a\n"
         "5-second hopping VWAP and trading sessions. Every second the rows each query emitted\n"
         "are shown below. Runs for "
      << options.duration_seconds << " s (Ctrl-C stops early).\n\n";
  for (const char* sql : kStatements) {
    auto r = db.Execute(sql);
    if (!r.ok()) {
      err << "Error: " << r.status().ToString() << "\nin: " << sql << '\n';
      return 1;
    }
  }
  auto source = db.Source("trades");
  if (!source.ok()) {
    err << "Error: " << source.status().ToString() << '\n';
    return 1;
  }
  std::vector<std::shared_ptr<Subscription>> subs;
  for (const auto& o : kOutputs) {
    auto sub = db.Subscribe(o.name);
    if (!sub.ok()) {
      err << "Error: " << sub.status().ToString() << '\n';
      return 1;
    }
    subs.push_back(std::move(sub).ValueOrDie());
  }

  InterruptScope interrupt;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> pushed{0};
  std::mutex error_mu;
  Status push_error;
  const auto start = std::chrono::steady_clock::now();
  std::thread generator([&] {
    TradeGenerator gen(options.seed);
    const SchemaPtr schema = (*source)->schema();
    const double rate = static_cast<double>(std::max<int64_t>(options.rate, 1));
    while (!stop.load()) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const int64_t due = static_cast<int64_t>(elapsed * rate) - static_cast<int64_t>(pushed);
      if (due > 0) {
        auto batch = gen.Next(schema, std::min<int64_t>(due, 10000), NowMicros());
        Status st = batch.ok() ? (*source)->Push(*batch) : batch.status();
        if (!st.ok()) {
          std::lock_guard lock(error_mu);
          push_error = st;
          stop.store(true);
          break;
        }
        pushed += static_cast<uint64_t>(std::min<int64_t>(due, 10000));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  std::vector<uint64_t> rows_out(subs.size(), 0);
  auto print_outputs = [&](bool show) {
    for (size_t i = 0; i < subs.size(); ++i) {
      std::vector<RecordBatchPtr> batches;
      for (auto& b : subs[i]->Poll()) {
        if (b && b->num_rows() > 0) batches.push_back(b);
      }
      int64_t n = 0;
      for (const auto& b : batches) n += b->num_rows();
      rows_out[i] += static_cast<uint64_t>(n);
      if (!show || n == 0) continue;
      columnar::PrintOptions po;
      po.max_rows = 16;
      out << kOutputs[i].title << ":\n"
          << columnar::FormatBatches(subs[i]->schema() ? subs[i]->schema() : batches[0]->schema(),
                                     batches, po);
    }
  };

  int second = 0;
  while (!stop.load() && !InterruptScope::interrupted()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed >= options.duration_seconds) break;
    if (elapsed < second + 1) continue;
    ++second;
    out << fmt::format("── t = {} s ── {} trades pushed ──\n", second, WithCommas(pushed.load()));
    print_outputs(true);
    out.flush();
  }
  stop.store(true);
  generator.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  {
    std::lock_guard lock(error_mu);
    if (!push_error.ok()) {
      err << "Error: push failed: " << push_error.ToString() << '\n';
      return 1;
    }
  }
  // Close every open window and session so the summary counts them.
  Status st = (*source)->AdvanceWatermark(NowMicros() + 60 * kMicrosPerSecond);
  if (st.ok()) st = db.Sync();
  if (!st.ok()) {
    err << "Error: " << st.ToString() << '\n';
    return 1;
  }
  out << "── final flush: watermark advanced past every open window ──\n";
  print_outputs(true);

  const uint64_t total = pushed.load();
  out << fmt::format("\nSummary: {} trades pushed in {:.1f} s ({} events/s)\n", WithCommas(total),
                     elapsed, WithCommas(static_cast<uint64_t>(total / std::max(elapsed, 1e-9))));
  for (size_t i = 0; i < subs.size(); ++i) {
    out << fmt::format("  {:<15} {} rows\n", kOutputs[i].name, WithCommas(rows_out[i]));
  }
  for (auto& s : subs) s->Cancel();
  st = db.Shutdown();
  if (!st.ok()) {
    err << "Error: shutdown failed: " << st.ToString() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace laminar::cli
