#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/record_batch.h"
#include "common/result.h"
#include "connector/factory_map.h"

namespace laminar::connector {

using columnar::RecordBatchPtr;
using columnar::SchemaPtr;

/// Connector options as written in `FROM CONNECTOR name (key = 'value', …)` / `WITH (…)`.
/// Keys are matched case-insensitively (they are lowercased when the options are read).
using ConnectorOptions = std::map<std::string, std::string>;

/// A pull-based source of record batches: the SPI every input connector (generators, files,
/// Kafka, CDC) implements so the runtime can drive them uniformly.
///
/// Lifecycle: created by a factory with validated options (invalid options fail the factory,
/// never NextBatch) → NextBatch() repeatedly → destroyed. Open resources are released by the
/// destructor.
/// Threading: not thread-safe; one I/O or compute thread owns an instance.
class SourceConnector {
 public:
  virtual ~SourceConnector() = default;

  /// The schema of every batch this source returns (fixed after construction).
  virtual SchemaPtr schema() const = 0;

  /// Up to `max_rows` rows (max_rows > 0). Returns nullptr once the source is exhausted (a
  /// bounded source reached its end). An empty batch means "nothing available right now" (a
  /// rate-limited or live source): call again later.
  virtual Result<RecordBatchPtr> NextBatch(int64_t max_rows) = 0;

  /// The event-time watermark the source can vouch for (µs since epoch): no row returned later
  /// has an event time below it. INT64_MIN when the source has no event-time notion.
  virtual int64_t watermark() const { return INT64_MIN; }

  /// Rows returned so far; used for source offsets and metrics.
  virtual int64_t rows_emitted() const = 0;
};

/// Builds a source from its options and the schema the user declared (nullptr or an empty
/// schema when the user listed no columns; the connector then supplies its own).
using SourceFactory = std::function<Result<std::unique_ptr<SourceConnector>>(
    const ConnectorOptions& options, const SchemaPtr& declared_schema)>;

/// Name → factory map for source connectors. Names are case-insensitive.
/// Threading: thread-safe. The built-in connectors (`nexmark`, `datagen`, alias `generator`)
/// are registered when Global() is first used, so static-library linking cannot drop them.
class ConnectorRegistry {
 public:
  /// The process-wide registry with the built-in connectors.
  static ConnectorRegistry& Global();

  /// Adds a connector; AlreadyExists when the name is taken.
  Status RegisterSource(std::string_view name, SourceFactory factory);

  /// Creates a source; NotFound (with a "did you mean" hint) for an unknown name, the
  /// factory's error for bad options (which names the offending option).
  Result<std::unique_ptr<SourceConnector>> CreateSource(std::string_view name,
                                                        const ConnectorOptions& options,
                                                        const SchemaPtr& declared_schema) const;

  bool HasSource(std::string_view name) const;
  /// Registered names, sorted.
  std::vector<std::string> SourceNames() const;

 private:
  FactoryMap<SourceFactory> sources_{"source"};
};

/// Registers the connectors that ship with the library; called by Global().
void RegisterBuiltinConnectors(ConnectorRegistry& registry);

}  // namespace laminar::connector
