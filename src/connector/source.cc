#include "connector/source.h"

#include <fmt/format.h>

#include "common/string_util.h"

namespace laminar::connector {

ConnectorRegistry& ConnectorRegistry::Global() {
  static ConnectorRegistry* registry = [] {
    auto* r = new ConnectorRegistry();
    RegisterBuiltinConnectors(*r);
    return r;
  }();
  return *registry;
}

Status ConnectorRegistry::RegisterSource(std::string_view name, SourceFactory factory) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = ToLower(name);
  if (sources_.count(key) != 0) {
    return Status::AlreadyExists(fmt::format("source connector '{}' is already registered", name),
                                 ErrorCode::kAlreadyExists);
  }
  sources_.emplace(std::move(key), std::move(factory));
  return Status::OK();
}

Result<std::unique_ptr<SourceConnector>> ConnectorRegistry::CreateSource(
    std::string_view name, const ConnectorOptions& options,
    const SchemaPtr& declared_schema) const {
  SourceFactory factory;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sources_.find(ToLower(name));
    if (it == sources_.end()) {
      std::vector<std::string> names;
      for (const auto& [n, f] : sources_) names.push_back(n);
      std::string hint = ClosestMatch(name, names);
      return Status::NotFound(
          fmt::format("unknown source connector '{}'{}", name,
                      hint.empty() ? fmt::format(" (available: {})", fmt::join(names, ", "))
                                   : fmt::format(" (did you mean '{}'?)", hint)),
          ErrorCode::kConnectorConfig);
    }
    factory = it->second;
  }
  return factory(options, declared_schema);
}

bool ConnectorRegistry::HasSource(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return sources_.count(ToLower(name)) != 0;
}

std::vector<std::string> ConnectorRegistry::SourceNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [n, f] : sources_) out.push_back(n);
  return out;
}

}  // namespace laminar::connector
