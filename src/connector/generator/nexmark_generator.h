#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "columnar/record_batch.h"
#include "common/result.h"

namespace laminar::connector {

/// The three Nexmark event kinds. Values are the upstream `event_type` codes.
enum class NexmarkTable : int { kPerson = 0, kAuction = 1, kBid = 2 };

/// Parameters of a Nexmark run; the defaults are the Flink NexmarkConfiguration defaults (see
/// ../shared/nexmark/GENERATOR_SPEC.md §2), with the Beam/nexmark-rs choices where Flink
/// differs (bidder offset, per-event seeding).
struct NexmarkConfig {
  /// Events to generate in total (all three kinds); 0 = unbounded.
  int64_t max_events = 0;
  /// Events per second of *event time* (first-event.rate). Fixes how much event time a run
  /// covers, not how fast it is generated.
  double event_rate = 10'000;
  /// Number of parallel generators sharing the timeline (Flink's parallelism): multiplies the
  /// inter-event delay. Generation here is one logical sequence; this only shapes timestamps.
  int num_event_generators = 1;
  /// Event time of event number 0, ms since epoch (Flink uses the wall clock at start; a fixed
  /// default keeps runs reproducible): 2024-01-01 00:00:00 UTC.
  int64_t base_time_ms = 1'704'067'200'000;
  /// Seed of the per-event random streams (field values); ids, kinds and times do not depend
  /// on it.
  uint64_t seed = 0;
  int64_t first_event_id = 0;
  int64_t first_event_number = 0;
  /// outOfOrderGroupSize: events are permuted inside groups of this many (1 = in order).
  int64_t out_of_order_group_size = 1;
  /// Extra bounded disorder: each event's date_time is moved back by uniform[0, this] ms.
  /// A watermark delay of at least this much makes the stream lossless.
  int64_t max_out_of_order_ms = 0;

  int64_t person_proportion = 1;
  int64_t auction_proportion = 3;
  int64_t bid_proportion = 46;
  int64_t person_avg_size = 200;
  int64_t auction_avg_size = 500;
  int64_t bid_avg_size = 100;
  int64_t hot_auction_ratio = 2;
  int64_t hot_bidders_ratio = 4;
  int64_t hot_sellers_ratio = 4;
  int64_t num_in_flight_auctions = 100;
  int64_t num_active_people = 1000;
  /// Flink's BidGenerator adds FIRST_PERSON_ID twice (bidders are person id + 1000).
  bool flink_bidder_offset = false;
  /// nexmark-rs emits states in lower case ('or'); Flink/Beam upper case ('OR').
  bool lowercase_states = false;

  /// Rejects inconsistent settings (zero proportions, negative counts, ...).
  Status Validate() const;
  int64_t total_proportion() const {
    return person_proportion + auction_proportion + bid_proportion;
  }
};

/// The Nexmark schemas with RisingWave / nexmark-rs (snake_case) column names:
///   person(id, name, email_address, credit_card, city, state, date_time, extra)
///   auction(id, item_name, description, initial_bid, reserve, date_time, expires, seller,
///           category, extra)
///   bid(auction, bidder, price, channel, url, date_time, extra)
/// BIGINT ids/prices, VARCHAR text, TIMESTAMP (µs) times.
const columnar::SchemaPtr& NexmarkSchema(NexmarkTable table);
const char* NexmarkTableName(NexmarkTable table);
/// The `CREATE SOURCE` column list for a table (without WATERMARK), e.g. for harnesses.
std::string NexmarkColumnsSql(NexmarkTable table);

/// The three per-kind batches of one generated chunk. A kind the generator was not asked for
/// is nullptr; otherwise a batch (possibly with zero rows).
struct NexmarkBatches {
  columnar::RecordBatchPtr person;
  columnar::RecordBatchPtr auction;
  columnar::RecordBatchPtr bid;
  int64_t events = 0;  // events the chunk covers (all kinds, including skipped kinds)
};

/// Columnar Nexmark event generator, faithful to GENERATOR_SPEC.md: the 1:3:46 mix, dense person
/// and auction id spaces, hot auctions/bidders/sellers, log-uniform prices, event time derived
/// from the event number and the configured rate, and optional bounded disorder.
///
/// Determinism: every event's fields come from a random stream seeded by (seed, event id), so the
/// output depends only on the config, never on batch sizes, on which kinds are generated, or on
/// where generation started (Seek). Chunks can be generated in parallel by several instances.
/// Threading: not thread-safe; one instance per thread (instances share nothing mutable).
class NexmarkGenerator {
 public:
  /// `kinds`: which tables to build (the others are skipped cheaply). Empty = all three.
  static Result<std::unique_ptr<NexmarkGenerator>> Make(NexmarkConfig config,
                                                        std::vector<NexmarkTable> kinds = {});
  ~NexmarkGenerator();

  /// Generates the next `n` events (fewer at the end of a bounded run) as three batches.
  NexmarkBatches NextBatches(int64_t n);

  /// Continues from event index `k` (0-based count of events since the start of the run).
  void Seek(int64_t k) { next_index_ = k; }
  int64_t next_index() const { return next_index_; }
  bool exhausted() const { return config_.max_events > 0 && next_index_ >= config_.max_events; }
  const NexmarkConfig& config() const { return config_; }

  /// Event time (µs) of the k-th event before disorder; non-decreasing in k when
  /// out_of_order_group_size == 1.
  int64_t TimestampMicros(int64_t event_number) const;
  /// A watermark that no later event can fall below: the undisturbed time of the next event
  /// minus the disorder bound (µs).
  int64_t WatermarkMicros() const;

 private:
  struct Impl;
  explicit NexmarkGenerator(std::unique_ptr<Impl> impl, NexmarkConfig config);
  std::unique_ptr<Impl> impl_;
  NexmarkConfig config_;
  int64_t next_index_ = 0;
};

}  // namespace laminar::connector
