#include "db/source_options.h"

#include <fmt/format.h>

#include <cstdlib>
#include <optional>

#include "common/logging.h"
#include "common/string_util.h"
#include "connector/options.h"
#include "db/ingest_queue.h"

namespace laminar::db {

namespace {

constexpr int64_t kDefaultMaxFutureSkewUs = 5LL * 60 * 1000 * 1000;

Status OptionError(const std::string& source, std::string_view key, std::string_view why) {
  return Status::Invalid(fmt::format("source '{}': option '{}' {}", source, key, why),
                         ErrorCode::kInvalidConfig);
}

bool ParseBool(std::string_view text, bool* out) {
  std::string t = ToLower(text);
  if (t == "true" || t == "1" || t == "yes" || t == "on") {
    *out = true;
  } else if (t == "false" || t == "0" || t == "no" || t == "off") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

// An environment variable in milliseconds: nullopt when unset or malformed (warned).
std::optional<int64_t> EnvMillis(const char* name) {
  const char* raw = std::getenv(name);
  if (raw == nullptr || *raw == '\0') return std::nullopt;
  int64_t v = 0;
  if (!connector::ParseInt64(raw, &v) || v < 0 || v > INT64_MAX / 1000) {
    Log(LogLevel::kWarn, "{}='{}' is not a number of milliseconds >= 0; using the default", name,
        raw);
    return std::nullopt;
  }
  return v;
}

}  // namespace

const char* WaitStrategyName(WaitStrategy w) {
  switch (w) {
    case WaitStrategy::kPark:
      return "park";
    case WaitStrategy::kSpinYield:
      return "spin_yield";
    case WaitStrategy::kSpin:
      return "spin";
  }
  return "park";
}

SourceSettings DefaultSourceSettings(const Options& options) {
  SourceSettings s;
  s.buffer_size = options.buffer_size;
  s.backpressure = options.backpressure;
  s.ingest = options.ingest_mode;
  return s;
}

const std::vector<std::string>& SourceOptionNames() {
  static const std::vector<std::string> names = {"buffer_size", "backpressure", "wait_strategy",
                                                 "track_stats", "ingest"};
  return names;
}

Result<SourceSettings> ApplySourceOptions(
    const std::string& source, const std::vector<std::pair<std::string, std::string>>& options,
    const SourceSettings& base, std::vector<std::pair<std::string, std::string>>* rest) {
  SourceSettings s = base;
  for (const auto& [raw_key, value] : options) {
    const std::string key = ToLower(raw_key);
    if (key.rfind("laminar.", 0) == 0) {
      return OptionError(source, raw_key, "uses the reserved prefix 'laminar.'");
    }
    if (key == "channel" || key == "type") {
      return OptionError(source, raw_key,
                         "cannot be set: the engine chooses the channel type of a source; "
                         "use 'buffer_size', 'backpressure' and 'wait_strategy'");
    }
    if (key == "buffer_size") {
      int64_t v = 0;
      if (!connector::ParseInt64(value, &v) || v < kMinBufferSize || v > kMaxBufferSize) {
        return OptionError(source, raw_key,
                           fmt::format("must be an integer in {}..={} (rows), got '{}'",
                                       kMinBufferSize, kMaxBufferSize, value));
      }
      s.buffer_size = static_cast<size_t>(v);
    } else if (key == "backpressure") {
      if (!ParseBackpressurePolicy(value, &s.backpressure)) {
        return OptionError(
            source, raw_key,
            fmt::format("must be 'block', 'drop_oldest' or 'reject', got '{}'", value));
      }
    } else if (key == "wait_strategy") {
      std::string v = ToLower(value);
      if (v == "park") {
        s.wait_strategy = WaitStrategy::kPark;
      } else if (v == "spin_yield") {
        s.wait_strategy = WaitStrategy::kSpinYield;
      } else if (v == "spin") {
        s.wait_strategy = WaitStrategy::kSpin;
      } else {
        return OptionError(source, raw_key,
                           fmt::format("must be 'spin', 'spin_yield' or 'park', got '{}'", value));
      }
    } else if (key == "track_stats") {
      if (!ParseBool(value, &s.track_stats)) {
        return OptionError(source, raw_key, fmt::format("must be true or false, got '{}'", value));
      }
    } else if (key == "ingest") {
      std::string v = ToLower(value);
      if (v == "inline") {
        s.ingest = IngestMode::kInline;
      } else if (v == "queued") {
        s.ingest = IngestMode::kQueued;
      } else {
        return OptionError(source, raw_key,
                           fmt::format("must be 'inline' or 'queued', got '{}'", value));
      }
    } else {
      rest->emplace_back(key, value);
    }
  }
  return s;
}

WatermarkGuards ResolveWatermarkGuards(const Options& options) {
  WatermarkGuards g;
  if (options.max_future_skew) {
    g.max_future_skew_us = std::max<int64_t>(0, options.max_future_skew->count()) * 1000;
  } else if (auto env = EnvMillis("LAMINAR_MAX_FUTURE_SKEW_MS")) {
    g.max_future_skew_us = *env * 1000;
  } else {
    g.max_future_skew_us = kDefaultMaxFutureSkewUs;
  }
  if (options.source_idle_timeout) {
    g.idle_timeout_us = std::max<int64_t>(0, options.source_idle_timeout->count()) * 1000;
  } else if (auto env = EnvMillis("LAMINAR_SOURCE_IDLE_TIMEOUT_MS")) {
    g.idle_timeout_us = *env * 1000;
  }
  return g;
}

Result<std::string> ResolveConfigVars(std::string_view value, std::string_view key,
                                      const std::map<std::string, std::string>& config_vars) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t open = value.find("${", pos);
    const size_t close = open == std::string_view::npos ? open : value.find('}', open + 2);
    if (close == std::string_view::npos) {
      out.append(value.substr(pos));
      return out;
    }
    out.append(value.substr(pos, open - pos));
    std::string_view body = value.substr(open + 2, close - open - 2);
    std::optional<std::string_view> fallback;
    if (const size_t dash = body.find(":-"); dash != std::string_view::npos) {
      fallback = body.substr(dash + 2);
      body = body.substr(0, dash);
    }
    const std::string name(body);
    if (auto it = config_vars.find(name); it != config_vars.end()) {
      out += it->second;
    } else if (const char* env = name.empty() ? nullptr : std::getenv(name.c_str())) {
      out += env;
    } else if (fallback) {
      out.append(*fallback);
    } else {
      return Status::Invalid(
          fmt::format("unresolved config variable '${{{}}}' in option '{}'; set it in "
                      "Options::config_vars or the environment, or write '${{{}:-default}}'",
                      name, key, name),
          ErrorCode::kUnresolvedConfigVar);
    }
    pos = close + 1;
  }
}

}  // namespace laminar::db
