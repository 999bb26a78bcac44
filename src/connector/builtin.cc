// Registration of the connectors that ship with the library.
#include "connector/generator/datagen_source.h"
#include "connector/generator/nexmark_source.h"
#include "connector/source.h"

namespace laminar::connector {

void RegisterBuiltinConnectors(ConnectorRegistry& registry) {
  registry.RegisterSource("nexmark", NexmarkSource::Make).IgnoreError();
  registry.RegisterSource("datagen", DatagenSource::Make).IgnoreError();
  // REFERENCE.md's name for the same connector.
  registry.RegisterSource("generator", DatagenSource::Make).IgnoreError();
}

}  // namespace laminar::connector
