#pragma once

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/string_util.h"

namespace laminar::connector {

/// Case-insensitive name → factory map shared by the source and sink registries: one place for
/// the duplicate-name check and the "unknown connector … did you mean" error.
/// `kind` ("source", "sink") names the connector kind in messages.
/// Threading: thread-safe.
template <typename Factory>
class FactoryMap {
 public:
  explicit FactoryMap(const char* kind) : kind_(kind) {}

  Status Add(std::string_view name, Factory factory) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string key = ToLower(name);
    if (map_.count(key) != 0) {
      return Status::AlreadyExists(
          fmt::format("{} connector '{}' is already registered", kind_, name),
          ErrorCode::kAlreadyExists);
    }
    map_.emplace(std::move(key), std::move(factory));
    return Status::OK();
  }

  /// The factory of `name`; NotFound (LDB-5005) with a "did you mean" hint, or the list of
  /// available names when nothing is close.
  Result<Factory> Find(std::string_view name) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(ToLower(name));
    if (it != map_.end()) return it->second;
    std::vector<std::string> names = NamesLocked();
    std::string hint = ClosestMatch(name, names);
    return Status::NotFound(
        fmt::format("unknown {} connector '{}'{}", kind_, name,
                    hint.empty() ? fmt::format(" (available: {})", fmt::join(names, ", "))
                                 : fmt::format(" (did you mean '{}'?)", hint)),
        ErrorCode::kConnectorConfig);
  }

  bool Contains(std::string_view name) const {
    std::lock_guard<std::mutex> lock(mu_);
    return map_.count(ToLower(name)) != 0;
  }

  /// Registered names, sorted.
  std::vector<std::string> Names() const {
    std::lock_guard<std::mutex> lock(mu_);
    return NamesLocked();
  }

 private:
  std::vector<std::string> NamesLocked() const {
    std::vector<std::string> out;
    for (const auto& [n, f] : map_) out.push_back(n);
    return out;
  }

  const char* kind_;
  mutable std::mutex mu_;
  std::map<std::string, Factory> map_;
};

}  // namespace laminar::connector
