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
  return sinks_.Add(name, std::move(factory));
}

Result<std::unique_ptr<SinkConnector>> SinkRegistry::CreateSink(std::string_view name,
                                                                const ConnectorOptions& options,
                                                                const SinkConfig& config) const {
  LAMINAR_ASSIGN_OR_RETURN(auto factory, sinks_.Find(name));
  return factory(options, config);
}

bool SinkRegistry::HasSink(std::string_view name) const { return sinks_.Contains(name); }

std::vector<std::string> SinkRegistry::SinkNames() const { return sinks_.Names(); }

}  // namespace laminar::connector
