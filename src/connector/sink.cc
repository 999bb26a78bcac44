#include "connector/sink.h"

#include <fmt/format.h>

#include "common/string_util.h"

namespace laminar::connector {

const char* DeliveryGuaranteeName(DeliveryGuarantee g) {
  return g == DeliveryGuarantee::kExactlyOnce ? "exactly-once" : "at-least-once";
}

Result<DeliveryGuarantee> ParseDeliveryGuarantee(std::string_view text) {
  std::string v = ToLower(Trim(text));
  for (char& c : v) {
    if (c == '_') c = '-';
  }
  if (v == "exactly-once") return DeliveryGuarantee::kExactlyOnce;
  if (v == "at-least-once") return DeliveryGuarantee::kAtLeastOnce;
  return Status::Invalid(
      fmt::format("option 'delivery.guarantee' must be 'at-least-once' or 'exactly-once', got '{}'",
                  text),
      ErrorCode::kConnectorConfig);
}

SinkRegistry& SinkRegistry::Global() {
  static SinkRegistry* registry = [] {
    auto* r = new SinkRegistry();
    RegisterBuiltinSinks(*r);
    return r;
  }();
  return *registry;
}

Status SinkRegistry::RegisterSink(std::string_view name, SinkFactory factory) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = ToLower(name);
  if (sinks_.count(key) != 0) {
    return Status::AlreadyExists(fmt::format("sink connector '{}' is already registered", name),
                                 ErrorCode::kAlreadyExists);
  }
  sinks_.emplace(std::move(key), std::move(factory));
  return Status::OK();
}

Result<std::unique_ptr<SinkConnector>> SinkRegistry::CreateSink(std::string_view name,
                                                                const ConnectorOptions& options,
                                                                const SinkConfig& config) const {
  SinkFactory factory;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sinks_.find(ToLower(name));
    if (it == sinks_.end()) {
      std::vector<std::string> names;
      for (const auto& [n, f] : sinks_) names.push_back(n);
      std::string hint = ClosestMatch(name, names);
      return Status::NotFound(
          fmt::format("unknown sink connector '{}'{}", name,
                      hint.empty() ? fmt::format(" (available: {})", fmt::join(names, ", "))
                                   : fmt::format(" (did you mean '{}'?)", hint)),
          ErrorCode::kConnectorConfig);
    }
    factory = it->second;
  }
  return factory(options, config);
}

bool SinkRegistry::HasSink(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return sinks_.count(ToLower(name)) != 0;
}

std::vector<std::string> SinkRegistry::SinkNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [n, f] : sinks_) out.push_back(n);
  return out;
}

}  // namespace laminar::connector
