#include "connector/source.h"

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
  return sources_.Add(name, std::move(factory));
}

Result<std::unique_ptr<SourceConnector>> ConnectorRegistry::CreateSource(
    std::string_view name, const ConnectorOptions& options,
    const SchemaPtr& declared_schema) const {
  LAMINAR_ASSIGN_OR_RETURN(auto factory, sources_.Find(name));
  return factory(options, declared_schema);
}

bool ConnectorRegistry::HasSource(std::string_view name) const { return sources_.Contains(name); }

std::vector<std::string> ConnectorRegistry::SourceNames() const { return sources_.Names(); }

}  // namespace laminar::connector
