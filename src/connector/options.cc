#include "connector/options.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "common/string_util.h"

namespace laminar::connector {

bool ParseInt64(std::string_view text, int64_t* out) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool ParseDouble(std::string_view text, double* out) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(*out);
}

OptionReader::OptionReader(std::string connector, const ConnectorOptions& options)
    : connector_(std::move(connector)) {
  for (const auto& [k, v] : options) options_.emplace_back(ToLower(Trim(k)), v);
}

Status OptionReader::Error(std::string_view key, std::string_view message) const {
  return Status::Invalid(fmt::format("connector '{}': option '{}' {}", connector_, key, message),
                         ErrorCode::kConnectorConfig);
}

std::optional<std::string> OptionReader::GetString(std::string_view key) {
  known_.insert(std::string(key));
  // The last occurrence wins, as in SQL WITH clauses that repeat a key.
  std::optional<std::string> value;
  for (const auto& [k, v] : options_) {
    if (k == key) value = v;
  }
  return value;
}

Result<int64_t> OptionReader::GetInt64(std::string_view key, int64_t default_value,
                                       int64_t min_value, int64_t max_value) {
  auto raw = GetString(key);
  if (!raw) return default_value;
  int64_t v;
  if (!ParseInt64(*raw, &v) || v < min_value || v > max_value) {
    std::string range = max_value == INT64_MAX ? fmt::format(">= {}", min_value)
                                               : fmt::format("in [{}, {}]", min_value, max_value);
    return Error(key, fmt::format("must be an integer {}, got '{}'", range, *raw));
  }
  return v;
}

Result<double> OptionReader::GetDouble(std::string_view key, double default_value, double min_value,
                                       double max_value) {
  auto raw = GetString(key);
  if (!raw) return default_value;
  double v;
  if (!ParseDouble(*raw, &v) || v < min_value || v > max_value) {
    return Error(key,
                 fmt::format("must be a number in [{}, {}], got '{}'", min_value, max_value, *raw));
  }
  return v;
}

Result<bool> OptionReader::GetBool(std::string_view key, bool default_value) {
  auto raw = GetString(key);
  if (!raw) return default_value;
  std::string v = ToLower(Trim(*raw));
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return Error(key, fmt::format("must be true or false, got '{}'", *raw));
}

Result<std::string> OptionReader::GetEnum(std::string_view key, std::string_view default_value,
                                          const std::vector<std::string>& allowed) {
  auto raw = GetString(key);
  if (!raw) return std::string(default_value);
  std::string v = ToLower(Trim(*raw));
  for (const auto& a : allowed) {
    if (a == v) return v;
  }
  return Error(key, fmt::format("must be one of {}, got '{}'", fmt::join(allowed, "|"), *raw));
}

std::vector<std::pair<std::string, std::string>> OptionReader::TakePrefix(std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : options_) {
    if (k.size() >= prefix.size() && std::string_view(k).substr(0, prefix.size()) == prefix) {
      known_.insert(k);
      out.emplace_back(k, v);
    }
  }
  return out;
}

Status OptionReader::Finish() const {
  for (const auto& [k, v] : options_) {
    if (known_.count(k) != 0) continue;
    // "connector"/"format" may be passed along with WITH (...) options by the SQL layer.
    if (k == "connector" || k == "format" || k == "type") continue;
    std::vector<std::string> candidates(known_.begin(), known_.end());
    std::string hint = ClosestMatch(k, candidates);
    return Error(k, hint.empty() ? std::string("is not recognised")
                                 : fmt::format("is not recognised (did you mean '{}'?)", hint));
  }
  return Status::OK();
}

}  // namespace laminar::connector
