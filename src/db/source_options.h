#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "laminar/laminar.hpp"

namespace laminar::db {

/// How the compute thread waits for input of a queued source (WITH ('wait_strategy' = ...)).
/// kPark sleeps on a condition variable at once; kSpinYield / kSpin poll (with / without
/// yielding the CPU) for a short bounded window before parking, trading CPU for wake-up
/// latency. Nothing spins forever: the machine may have fewer cores than threads.
enum class WaitStrategy { kPark, kSpinYield, kSpin };
const char* WaitStrategyName(WaitStrategy w);

/// The engine-level settings of one source: WITH options the core honours (REFERENCE §2.1)
/// layered over the database Options.
struct SourceSettings {
  size_t buffer_size = 65536;  // rows the input queue holds
  BackpressurePolicy backpressure = BackpressurePolicy::kBlock;
  WaitStrategy wait_strategy = WaitStrategy::kPark;
  bool track_stats = false;  // time batches spend queued (SourceMetrics::max_queue_wait)
  IngestMode ingest = IngestMode::kInline;
};

/// Limits of WITH ('buffer_size' = n).
inline constexpr int64_t kMinBufferSize = 4;
inline constexpr int64_t kMaxBufferSize = 1048576;

/// `value` with every `${NAME}` replaced by config_vars[NAME], else the environment variable
/// NAME, and every `${NAME:-default}` by that or `default`. An unresolved name is an error
/// (LDB-0003) naming it and the option `key`; an unterminated `${` is kept as written.
Result<std::string> ResolveConfigVars(std::string_view value, std::string_view key,
                                      const std::map<std::string, std::string>& config_vars);

/// The settings a new source starts from (Options::buffer_size, backpressure, ingest_mode).
SourceSettings DefaultSourceSettings(const Options& options);

/// Validates the engine keys among `options` (lower-cased key, unquoted value) and applies them
/// over `base`. Keys: buffer_size (4..=1048576), backpressure (block|drop_oldest|reject),
/// wait_strategy (spin|spin_yield|park), track_stats (bool), ingest (inline|queued).
/// `channel` and `type` are rejected (the core picks the channel), names starting with
/// `laminar.` are reserved. Other keys are returned in `rest` (connector options of the
/// WITH ('connector' = ...) form); the caller decides whether they are allowed.
/// Errors are LDB-0001 and name the source, the option and the accepted values.
Result<SourceSettings> ApplySourceOptions(
    const std::string& source, const std::vector<std::pair<std::string, std::string>>& options,
    const SourceSettings& base, std::vector<std::pair<std::string, std::string>>* rest);

/// The engine option names (for "did you mean" hints).
const std::vector<std::string>& SourceOptionNames();

/// Watermark guards resolved from Options and the environment, in microseconds; 0 = off.
///   max_future_skew:  Options::max_future_skew, else LAMINAR_MAX_FUTURE_SKEW_MS, else 5 min.
///   idle_timeout:     Options::source_idle_timeout, else LAMINAR_SOURCE_IDLE_TIMEOUT_MS,
///                     else disabled.
/// A malformed environment value is ignored with a warning (the default applies).
struct WatermarkGuards {
  int64_t max_future_skew_us = 0;
  int64_t idle_timeout_us = 0;
};
WatermarkGuards ResolveWatermarkGuards(const Options& options);

}  // namespace laminar::db
