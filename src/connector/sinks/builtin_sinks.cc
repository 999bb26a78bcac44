// Registration of the sink connectors that ship with the library.
#include "connector/sink.h"
#include "connector/sinks/file_sink.h"
#include "connector/sinks/memory_sink.h"

namespace laminar::connector {

void RegisterBuiltinSinks(SinkRegistry& registry) {
  registry.RegisterSink("blackhole", BlackholeSink::Make).IgnoreError();
  registry.RegisterSink("file", FileSink::Make).IgnoreError();
  // REFERENCE.md §4's name for the same connector.
  registry.RegisterSink("files", FileSink::Make).IgnoreError();
  registry.RegisterSink("memory", MemorySink::Make).IgnoreError();
}

}  // namespace laminar::connector
