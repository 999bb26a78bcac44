#pragma once

#include <memory>

#include "connector/generator/nexmark_generator.h"
#include "connector/source.h"

namespace laminar::connector {

/// Options of the `nexmark` source connector, parsed and validated.
struct NexmarkSourceOptions {
  NexmarkConfig config;
  NexmarkTable table = NexmarkTable::kBid;
};

/// Reads `table` (person|auction|bid, default bid), `events` (0 = unbounded), `event.rate`,
/// `seed`, `max.out.of.order.ms`, `out.of.order.group.size`, `base.time.ms`, `generators`,
/// `person.proportion`/`auction.proportion`/`bid.proportion`, `person.avg.size`/
/// `auction.avg.size`/`bid.avg.size`, `hot.auction.ratio`/`hot.bidder.ratio`/
/// `hot.seller.ratio`, `in.flight.auctions`, `active.people`, `flink.bidder.offset`,
/// `lowercase.states`. Unknown or malformed options fail with a message naming the option.
Result<NexmarkSourceOptions> ParseNexmarkOptions(const ConnectorOptions& options);

/// One Nexmark table as a source: runs the shared event sequence and keeps only its own kind,
/// so three sources with equal options together see exactly one generator's events.
/// Threading: not thread-safe.
class NexmarkSource final : public SourceConnector {
 public:
  /// `declared_schema`: the user's column list (names may differ, e.g. camelCase; count and
  /// types must match the table); nullptr/empty = the built-in schema.
  static Result<std::unique_ptr<SourceConnector>> Make(const ConnectorOptions& options,
                                                       const SchemaPtr& declared_schema);

  SchemaPtr schema() const override { return schema_; }
  Result<RecordBatchPtr> NextBatch(int64_t max_rows) override;
  int64_t watermark() const override;
  int64_t rows_emitted() const override { return rows_emitted_; }

 private:
  NexmarkSource(std::unique_ptr<NexmarkGenerator> generator, NexmarkTable table, SchemaPtr schema)
      : generator_(std::move(generator)), table_(table), schema_(std::move(schema)) {}

  std::unique_ptr<NexmarkGenerator> generator_;
  NexmarkTable table_;
  SchemaPtr schema_;
  RecordBatchPtr pending_;  // rows generated beyond the last max_rows, returned next
  int64_t rows_emitted_ = 0;
};

}  // namespace laminar::connector
