#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "connector/source.h"

namespace laminar::connector {

/// Typed, validated access to one connector's options. Every getter marks its key as known, so
/// Finish() can reject keys nobody read (usually typos) with a "did you mean" hint. Every error
/// is `LDB-5005` and names the connector and the option, e.g.
/// `connector 'nexmark': option 'events' must be an integer >= 0, got 'ten'`.
/// Threading: not thread-safe; lives for one factory call.
class OptionReader {
 public:
  OptionReader(std::string connector, const ConnectorOptions& options);

  /// The raw value, if present.
  std::optional<std::string> GetString(std::string_view key);
  Result<int64_t> GetInt64(std::string_view key, int64_t default_value, int64_t min_value,
                           int64_t max_value);
  Result<double> GetDouble(std::string_view key, double default_value, double min_value,
                           double max_value);
  /// true/false/1/0/yes/no/on/off, case-insensitive.
  Result<bool> GetBool(std::string_view key, bool default_value);
  /// One of `allowed` (case-insensitive; the lowercase spelling is returned).
  Result<std::string> GetEnum(std::string_view key, std::string_view default_value,
                              const std::vector<std::string>& allowed);

  /// Keys starting with `prefix` (marked known), lowercased, with their values.
  std::vector<std::pair<std::string, std::string>> TakePrefix(std::string_view prefix);

  /// Error for the first key no getter asked for.
  Status Finish() const;

  /// An error naming this connector and `key`.
  Status Error(std::string_view key, std::string_view message) const;
  const std::string& connector() const { return connector_; }

 private:
  std::string connector_;
  std::vector<std::pair<std::string, std::string>> options_;  // lowercased keys
  std::set<std::string> known_;
};

/// Parses a whole-string integer (optional sign); false on junk or overflow.
bool ParseInt64(std::string_view text, int64_t* out);
/// Parses a whole-string floating-point number; false on junk.
bool ParseDouble(std::string_view text, double* out);

}  // namespace laminar::connector
