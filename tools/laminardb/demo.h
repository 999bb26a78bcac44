#pragma once

#include <cstdint>
#include <iosfwd>

#include "laminar/laminar.hpp"

namespace laminar::cli {

/// Options of `laminardb demo` (what `make run` starts).
struct DemoOptions {
  double duration_seconds = 10;
  /// Trades pushed per second (across all symbols).
  int64_t rate = 5000;
  /// Seed of the random walk (the demo is reproducible up to wall-clock timing).
  uint64_t seed = 42;
};

/// The live market-data demo: creates a `trades` source and three streams (1-second OHLC bars,
/// a 5-second/1-second hopping VWAP, trade sessions with a 2-second gap), pushes random-walk
/// trades for 8 symbols from a generator thread with event time = wall clock, prints the
/// results every second and a summary at the end. Returns the exit code (1 if any statement
/// or push fails). Ctrl-C ends it early.
int RunDemo(Database& db, const DemoOptions& options, std::ostream& out, std::ostream& err);

/// The demo's SQL, one statement per element (shown by `--help` and the README).
const char* const* DemoStatements(int* count);

}  // namespace laminar::cli
