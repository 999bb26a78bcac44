#include "connector/generator/nexmark_source.h"

#include <fmt/format.h>

#include <algorithm>

#include "connector/options.h"

namespace laminar::connector {

Result<NexmarkSourceOptions> ParseNexmarkOptions(const ConnectorOptions& options) {
  OptionReader r("nexmark", options);
  NexmarkSourceOptions out;
  NexmarkConfig& c = out.config;
  LAMINAR_ASSIGN_OR_RETURN(std::string table,
                           r.GetEnum("table", "bid", {"person", "auction", "bid"}));
  out.table = table == "person"    ? NexmarkTable::kPerson
              : table == "auction" ? NexmarkTable::kAuction
                                   : NexmarkTable::kBid;
  constexpr int64_t kMax = INT64_MAX;
  LAMINAR_ASSIGN_OR_RETURN(c.max_events, r.GetInt64("events", c.max_events, 0, kMax));
  LAMINAR_ASSIGN_OR_RETURN(c.event_rate, r.GetDouble("event.rate", c.event_rate, 1e-6, 1e12));
  LAMINAR_ASSIGN_OR_RETURN(int64_t seed, r.GetInt64("seed", 0, INT64_MIN, kMax));
  c.seed = static_cast<uint64_t>(seed);
  LAMINAR_ASSIGN_OR_RETURN(
      c.max_out_of_order_ms,
      r.GetInt64("max.out.of.order.ms", c.max_out_of_order_ms, 0, kMax / 1000));
  LAMINAR_ASSIGN_OR_RETURN(
      c.out_of_order_group_size,
      r.GetInt64("out.of.order.group.size", c.out_of_order_group_size, 1, kMax));
  LAMINAR_ASSIGN_OR_RETURN(c.base_time_ms,
                           r.GetInt64("base.time.ms", c.base_time_ms, 0, int64_t{1} << 50));
  LAMINAR_ASSIGN_OR_RETURN(int64_t gens, r.GetInt64("generators", 1, 1, 1 << 16));
  c.num_event_generators = static_cast<int>(gens);
  LAMINAR_ASSIGN_OR_RETURN(c.person_proportion,
                           r.GetInt64("person.proportion", c.person_proportion, 1, 1 << 20));
  LAMINAR_ASSIGN_OR_RETURN(c.auction_proportion,
                           r.GetInt64("auction.proportion", c.auction_proportion, 1, 1 << 20));
  LAMINAR_ASSIGN_OR_RETURN(c.bid_proportion,
                           r.GetInt64("bid.proportion", c.bid_proportion, 1, 1 << 20));
  LAMINAR_ASSIGN_OR_RETURN(c.person_avg_size,
                           r.GetInt64("person.avg.size", c.person_avg_size, 0, 1 << 20));
  LAMINAR_ASSIGN_OR_RETURN(c.auction_avg_size,
                           r.GetInt64("auction.avg.size", c.auction_avg_size, 0, 1 << 20));
  LAMINAR_ASSIGN_OR_RETURN(c.bid_avg_size, r.GetInt64("bid.avg.size", c.bid_avg_size, 0, 1 << 20));
  LAMINAR_ASSIGN_OR_RETURN(c.hot_auction_ratio,
                           r.GetInt64("hot.auction.ratio", c.hot_auction_ratio, 1, 1 << 20));
  LAMINAR_ASSIGN_OR_RETURN(c.hot_bidders_ratio,
                           r.GetInt64("hot.bidder.ratio", c.hot_bidders_ratio, 1, 1 << 20));
  LAMINAR_ASSIGN_OR_RETURN(c.hot_sellers_ratio,
                           r.GetInt64("hot.seller.ratio", c.hot_sellers_ratio, 1, 1 << 20));
  LAMINAR_ASSIGN_OR_RETURN(c.num_in_flight_auctions,
                           r.GetInt64("in.flight.auctions", c.num_in_flight_auctions, 1, kMax));
  LAMINAR_ASSIGN_OR_RETURN(c.num_active_people,
                           r.GetInt64("active.people", c.num_active_people, 1, kMax));
  LAMINAR_ASSIGN_OR_RETURN(c.flink_bidder_offset,
                           r.GetBool("flink.bidder.offset", c.flink_bidder_offset));
  LAMINAR_ASSIGN_OR_RETURN(c.lowercase_states, r.GetBool("lowercase.states", c.lowercase_states));
  LAMINAR_RETURN_NOT_OK(r.Finish());
  LAMINAR_RETURN_NOT_OK(c.Validate());
  return out;
}

Result<std::unique_ptr<SourceConnector>> NexmarkSource::Make(const ConnectorOptions& options,
                                                             const SchemaPtr& declared_schema) {
  LAMINAR_ASSIGN_OR_RETURN(auto parsed, ParseNexmarkOptions(options));
  const auto& builtin = NexmarkSchema(parsed.table);
  SchemaPtr schema = builtin;
  if (declared_schema && declared_schema->num_fields() > 0) {
    const char* table = NexmarkTableName(parsed.table);
    if (declared_schema->num_fields() != builtin->num_fields()) {
      return Status::Invalid(
          fmt::format("connector 'nexmark': the {} table has {} columns ({}), the source declares "
                      "{}",
                      table, builtin->num_fields(), NexmarkColumnsSql(parsed.table),
                      declared_schema->num_fields()),
          ErrorCode::kConnectorSchema);
    }
    for (int i = 0; i < builtin->num_fields(); ++i) {
      const auto& want = builtin->field(i);
      const auto& got = declared_schema->field(i);
      if (!got->type->Equals(*want->type)) {
        return Status::Invalid(
            fmt::format("connector 'nexmark': column {} '{}' is declared {}, but the {} table's "
                        "column '{}' is {}",
                        i + 1, got->name, got->type->ToString(), table, want->name,
                        want->type->ToString()),
            ErrorCode::kConnectorSchema);
      }
    }
    schema = declared_schema;
  }
  LAMINAR_ASSIGN_OR_RETURN(auto gen, NexmarkGenerator::Make(parsed.config, {parsed.table}));
  return std::unique_ptr<SourceConnector>(
      new NexmarkSource(std::move(gen), parsed.table, std::move(schema)));
}

Result<RecordBatchPtr> NexmarkSource::NextBatch(int64_t max_rows) {
  if (max_rows <= 0) {
    return Status::Invalid("NextBatch: max_rows must be positive", ErrorCode::kInvalidOperation);
  }
  const NexmarkConfig& c = generator_->config();
  int64_t proportion = table_ == NexmarkTable::kPerson    ? c.person_proportion
                       : table_ == NexmarkTable::kAuction ? c.auction_proportion
                                                          : c.bid_proportion;
  while (!pending_ || pending_->num_rows() == 0) {
    if (generator_->exhausted()) return RecordBatchPtr();
    // Enough events for about max_rows rows of this kind.
    const int64_t events = std::max<int64_t>(1, max_rows * c.total_proportion() / proportion);
    NexmarkBatches b = generator_->NextBatches(events);
    pending_ = table_ == NexmarkTable::kPerson    ? b.person
               : table_ == NexmarkTable::kAuction ? b.auction
                                                  : b.bid;
  }
  RecordBatchPtr out;
  if (pending_->num_rows() <= max_rows) {
    out = std::move(pending_);
    pending_.reset();
  } else {
    out = pending_->Slice(0, max_rows);
    pending_ = pending_->Slice(max_rows, pending_->num_rows() - max_rows);
  }
  rows_emitted_ += out->num_rows();
  if (schema_ != out->schema()) out = out->WithSchema(schema_);
  return out;
}

int64_t NexmarkSource::watermark() const {
  // Rows still pending were generated before the generator's position: bound by their times.
  if (pending_ && pending_->num_rows() > 0) {
    const auto& times = *pending_->column(pending_->schema()->GetFieldIndex("date_time"));
    const int64_t* t = times.values<int64_t>();
    return std::min(*std::min_element(t, t + times.length()), generator_->WatermarkMicros());
  }
  return generator_->WatermarkMicros();
}

}  // namespace laminar::connector
