#include "connector/generator/nexmark_generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include "columnar/type.h"
#include "connector/generator/column_writer.h"
#include "connector/generator/random.h"

namespace laminar::connector {

namespace {

using columnar::Field;
using columnar::Schema;
using columnar::SchemaPtr;

// Constants of the model generators (GENERATOR_SPEC.md §2).
constexpr int64_t kFirstPersonId = 1000;
constexpr int64_t kFirstAuctionId = 1000;
constexpr int64_t kFirstCategoryId = 10;
constexpr int64_t kNumCategories = 5;
constexpr int64_t kPersonIdLead = 10;
constexpr int64_t kAuctionIdLead = 10;
constexpr int64_t kHotBatch = 100;  // hot auction / seller / bidder block size
constexpr int64_t kHotChannelsRatio = 2;
constexpr int64_t kNumHotChannels = 4;
constexpr int64_t kNumColdChannels = 10'000;
// `extra` is a substring at a random offset of one random lowercase string. Flink's is 1 MiB;
// 16 KiB stays in L1 (the content is random letters either way; the longest `extra` the default
// sizes ask for is about 470 bytes). Copying a bid's `extra` from a 64 KiB pool waited on L2 for
// ~8% of generation; 16 KiB gives 6% more events per CPU-second.
constexpr int64_t kExtraPoolSize = 1 << 14;
constexpr int64_t kOutOfOrderMultiplier = 953;
// Bid `extra` values up to this long are copied with a fixed number of blocks; the pool keeps
// kExtraPoolSlack readable bytes past its end for that.
constexpr int64_t kBidExtraFastMax = 96;
constexpr int64_t kExtraPoolSlack = 128;
// Longest hot channel name and hot channel URL (prefix + "abcde/abcde/abcde" + suffix).
constexpr int64_t kHotChannelMax = 32;
constexpr int64_t kHotUrlMax = 64;
// Released column memory a generator keeps for reuse (a few chunks' worth).
constexpr int64_t kMaxCachedColumnBytes = 64 << 20;

constexpr std::array<std::string_view, 11> kFirstNames = {
    "Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"};
constexpr std::array<std::string_view, 9> kLastNames = {
    "Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};
constexpr std::array<std::string_view, 10> kCities = {
    "Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
    "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
constexpr std::array<std::string_view, 6> kStatesUpper = {"AZ", "CA", "ID", "OR", "WA", "WY"};
constexpr std::array<std::string_view, 6> kStatesLower = {"az", "ca", "id", "or", "wa", "wy"};
constexpr std::array<std::string_view, 4> kHotChannels = {"Google", "Facebook", "Baidu", "Apple"};
// A channel URL is kUrlPrefix + path + kUrlSuffix, plus kUrlChannelId + id for most cold channels.
constexpr std::string_view kUrlPrefix = "https://www.nexmark.com/";
constexpr std::string_view kUrlSuffix = "/item.htm?query=1";
// kUrlSuffix + "&channel_id=" padded to 32 bytes, so a cold URL's tail is one fixed-size copy.
constexpr char kUrlTail[33] = "/item.htm?query=1&channel_id=\0\0\0";
constexpr int64_t kUrlTailWithIdLength = 29;
static_assert(kUrlPrefix.size() == 24 && kUrlSuffix.size() == 17);

SchemaPtr MakeNexmarkSchema(std::vector<std::pair<std::string, columnar::DataTypePtr>> cols) {
  std::vector<columnar::FieldPtr> fields;
  for (auto& [n, t] : cols) fields.push_back(std::make_shared<Field>(n, t, true));
  return std::make_shared<Schema>(std::move(fields));
}

// Character of nextString for a draw c in [0, 338): `special` for c < 26 (probability 1/13),
// else 'a' + (c - 26) % 26. A table instead of the modulo per character.
template <char kSpecial>
struct StringCharTable {
  constexpr StringCharTable() : chars() {
    for (int c = 0; c < 338; ++c)
      chars[c] = c < 26 ? kSpecial : static_cast<char>('a' + (c - 26) % 26);
  }
  char chars[338];
};
constexpr StringCharTable<' '> kSpaceChars;
constexpr StringCharTable<'_'> kUnderscoreChars;

// nextString(maxLen, special): length 3 + uniform[0, maxLen - 3); each character is `special`
// with probability 1/13, else a uniform lowercase letter; the result is trimmed of spaces.
// Writes at most max_len bytes to `out`; returns the length. One 64-bit draw yields seven
// characters (each consumes log2(338) ≈ 8.4 bits by multiply-shift). `special` is ' ' or '_'.
int64_t NextString(FastRandom& rng, int64_t max_len, char special, char* out) {
  LAMINAR_DCHECK(special == ' ' || special == '_');
  const char* chars = special == ' ' ? kSpaceChars.chars : kUnderscoreChars.chars;
  const int64_t len = 3 + static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(max_len - 3)));
  int64_t i = 0;
  while (i < len) {
    uint64_t bits = rng.Next();
    const int64_t stop = std::min<int64_t>(len, i + 7);
    for (; i < stop; ++i) {
      __uint128_t m = static_cast<__uint128_t>(bits) * 338u;
      out[i] = chars[static_cast<unsigned>(m >> 64)];
      bits = static_cast<uint64_t>(m);
    }
  }
  if (special != ' ') return len;
  int64_t begin = 0, end = len;
  while (begin < end && out[begin] == ' ') ++begin;
  while (end > begin && out[end - 1] == ' ') --end;
  if (begin > 0) std::memmove(out, out + begin, static_cast<size_t>(end - begin));
  return end - begin;
}

// Length of nextExtra(currentSize, desiredAverageSize).
int64_t NextExtraLength(FastRandom& rng, int64_t current, int64_t desired) {
  if (current > desired) return 0;
  const int64_t d = std::min(desired - current, kExtraPoolSize * 4 / 5);
  const int64_t delta = static_cast<int64_t>(std::llround(0.2 * static_cast<double>(d)));
  if (delta == 0) return d;
  return d - delta + static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(2 * delta)));
}

void WriteDigits4(int64_t v, char* out) {
  out[3] = static_cast<char>('0' + v % 10);
  out[2] = static_cast<char>('0' + (v / 10) % 10);
  out[1] = static_cast<char>('0' + (v / 100) % 10);
  out[0] = static_cast<char>('0' + (v / 1000) % 10);
}

}  // namespace

Status NexmarkConfig::Validate() const {
  auto bad = [](std::string msg) {
    return Status::Invalid("nexmark: " + std::move(msg), ErrorCode::kConnectorConfig);
  };
  if (max_events < 0) return bad("events must be >= 0");
  if (!(event_rate > 0) || !std::isfinite(event_rate)) return bad("event.rate must be > 0");
  if (num_event_generators < 1) return bad("generators must be >= 1");
  if (person_proportion < 1 || auction_proportion < 1 || bid_proportion < 1) {
    return bad("person/auction/bid proportions must each be >= 1");
  }
  if (out_of_order_group_size < 1) return bad("out.of.order.group.size must be >= 1");
  if (max_out_of_order_ms < 0) return bad("max.out.of.order.ms must be >= 0");
  if (hot_auction_ratio < 1 || hot_bidders_ratio < 1 || hot_sellers_ratio < 1) {
    return bad("hot ratios must be >= 1");
  }
  if (num_in_flight_auctions < 1 || num_active_people < 1) {
    return bad("in-flight auctions and active people must be >= 1");
  }
  if (person_avg_size < 0 || auction_avg_size < 0 || bid_avg_size < 0) {
    return bad("average sizes must be >= 0");
  }
  if (first_event_id < 0 || first_event_number < 0)
    return bad("first event id/number must be >= 0");
  return Status::OK();
}

const SchemaPtr& NexmarkSchema(NexmarkTable table) {
  using columnar::int64;
  using columnar::timestamp;
  using columnar::utf8;
  static const SchemaPtr kPerson = MakeNexmarkSchema({{"id", int64()},
                                                      {"name", utf8()},
                                                      {"email_address", utf8()},
                                                      {"credit_card", utf8()},
                                                      {"city", utf8()},
                                                      {"state", utf8()},
                                                      {"date_time", timestamp()},
                                                      {"extra", utf8()}});
  static const SchemaPtr kAuction = MakeNexmarkSchema({{"id", int64()},
                                                       {"item_name", utf8()},
                                                       {"description", utf8()},
                                                       {"initial_bid", int64()},
                                                       {"reserve", int64()},
                                                       {"date_time", timestamp()},
                                                       {"expires", timestamp()},
                                                       {"seller", int64()},
                                                       {"category", int64()},
                                                       {"extra", utf8()}});
  static const SchemaPtr kBid = MakeNexmarkSchema({{"auction", int64()},
                                                   {"bidder", int64()},
                                                   {"price", int64()},
                                                   {"channel", utf8()},
                                                   {"url", utf8()},
                                                   {"date_time", timestamp()},
                                                   {"extra", utf8()}});
  switch (table) {
    case NexmarkTable::kPerson:
      return kPerson;
    case NexmarkTable::kAuction:
      return kAuction;
    case NexmarkTable::kBid:
      break;
  }
  return kBid;
}

const char* NexmarkTableName(NexmarkTable table) {
  switch (table) {
    case NexmarkTable::kPerson:
      return "person";
    case NexmarkTable::kAuction:
      return "auction";
    case NexmarkTable::kBid:
      break;
  }
  return "bid";
}

std::string NexmarkColumnsSql(NexmarkTable table) {
  std::string out;
  for (const auto& f : NexmarkSchema(table)->fields()) {
    if (!out.empty()) out += ", ";
    out += f->name + " " + f->type->ToString();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/// Everything a generator precomputes from the config: the 1 MiB pool `extra` is cut from and
/// the channel/URL tables. Depends only on the seed, so independent instances agree.
struct NexmarkGenerator::Impl {
  /// A string stored in `arena` (which keeps kCopySlack readable bytes past every string).
  struct Span {
    uint32_t offset = 0;
    uint32_t length = 0;
  };
  Span Add(std::string_view s) {
    Span span{static_cast<uint32_t>(arena.size()), static_cast<uint32_t>(s.size())};
    arena.append(s);
    return span;
  }

  bool want[3] = {false, false, false};
  std::string extra_pool;  // kExtraPoolSize letters + copy slack
  // Channel names and URLs, contiguous so a bid's lookup touches one compact table.
  std::string arena;
  std::array<Span, kNumHotChannels> hot_channels;
  std::array<Span, kNumHotChannels> hot_urls;
  /// Cold channel j as one 32-byte record: the name is "channel-" + j and the URL is
  /// kUrlPrefix + path + kUrlSuffix [+ "&channel_id=" + id], so only the variable parts are
  /// stored. Whole strings (~90 bytes each, 0.9 MB for 10,000 channels) did not stay in cache
  /// and their random lookups were the largest single cost of a bid; this table is 320 KB.
  struct alignas(32) ColdChannel {
    char path[16];       // "abc/defg/hij": three nextString(5, '_') joined by '/'
    char id_digits[10];  // |Integer.reverse(j)| in decimal, when the URL has a channel_id
    char j_digits[4];    // j in decimal
    uint8_t path_length;
    uint8_t lengths;  // id_digits length (0 = no channel_id) | j_digits length << 4
  };
  static_assert(sizeof(ColdChannel) == 32);
  std::vector<ColdChannel> cold;
  LogUniformPrice price;  // nextPrice(): round(10^(U[0,1) * 6) * 100)
  double inter_event_delay_us = 0;
  int64_t events_for_auctions = 0;  // events until num_in_flight_auctions more auctions exist

  // Column memory comes back here when the consumer drops a batch (see ColumnMemoryPool).
  std::shared_ptr<ColumnMemoryPool> pool;
  // Event times record their bounds on the batch (Array::value_range).
  Int64ColumnWriter p_id;
  RangedInt64ColumnWriter p_time;
  StringColumnWriter p_name, p_email, p_card, p_city, p_state, p_extra;
  Int64ColumnWriter a_id, a_initial, a_reserve, a_expires, a_seller, a_category;
  RangedInt64ColumnWriter a_time;
  StringColumnWriter a_item, a_desc, a_extra;
  Int64ColumnWriter b_auction, b_bidder, b_price;
  RangedInt64ColumnWriter b_time;
  StringColumnWriter b_channel, b_url, b_extra;
};

NexmarkGenerator::NexmarkGenerator(std::unique_ptr<Impl> impl, NexmarkConfig config)
    : impl_(std::move(impl)), config_(std::move(config)) {}
NexmarkGenerator::~NexmarkGenerator() = default;

Result<std::unique_ptr<NexmarkGenerator>> NexmarkGenerator::Make(NexmarkConfig config,
                                                                 std::vector<NexmarkTable> kinds) {
  LAMINAR_RETURN_NOT_OK(config.Validate());
  auto impl = std::make_unique<Impl>();
  if (kinds.empty()) kinds = {NexmarkTable::kPerson, NexmarkTable::kAuction, NexmarkTable::kBid};
  for (auto k : kinds) impl->want[static_cast<int>(k)] = true;

  FastRandom setup(HashCombine(config.seed, 0x51ed270b27a5c3b1ULL));
  impl->extra_pool.resize(kExtraPoolSize + kExtraPoolSlack);
  for (int64_t i = 0; i < kExtraPoolSize; ++i) {
    impl->extra_pool[static_cast<size_t>(i)] = static_cast<char>('a' + setup.Uniform(26));
  }
  // The three random path segments of a channel URL (GENERATOR_SPEC.md §5), "abc/defg/hij".
  auto url_path = [&] {
    char part[8];
    std::string path;
    for (int i = 0; i < 3; ++i) {
      if (i > 0) path += '/';
      path.append(part, static_cast<size_t>(NextString(setup, 5, '_', part)));
    }
    return path;
  };
  for (int64_t i = 0; i < kNumHotChannels; ++i) {
    impl->hot_channels[static_cast<size_t>(i)] = impl->Add(kHotChannels[static_cast<size_t>(i)]);
    impl->hot_urls[static_cast<size_t>(i)] =
        impl->Add(std::string(kUrlPrefix) + url_path() + std::string(kUrlSuffix));
    LAMINAR_CHECK(impl->hot_channels[static_cast<size_t>(i)].length <= kHotChannelMax);
    LAMINAR_CHECK(impl->hot_urls[static_cast<size_t>(i)].length <= kHotUrlMax);
  }
  impl->cold.resize(kNumColdChannels);
  for (int64_t j = 0; j < kNumColdChannels; ++j) {
    Impl::ColdChannel& rec = impl->cold[static_cast<size_t>(j)];
    std::memset(&rec, 0, sizeof(rec));
    const std::string j_text = std::to_string(j);
    std::memcpy(rec.j_digits, j_text.data(), j_text.size());
    const std::string path = url_path();
    std::memcpy(rec.path, path.data(), path.size());
    rec.path_length = static_cast<uint8_t>(path.size());
    size_t id_length = 0;
    if (setup.Uniform(10) > 0) {
      // Java: Math.abs(Integer.reverse(j)).
      uint32_t x = static_cast<uint32_t>(j), r = 0;
      for (int b = 0; b < 32; ++b) r |= ((x >> b) & 1u) << (31 - b);
      int64_t v = static_cast<int32_t>(r);
      const std::string id_text = std::to_string(v < 0 ? -v : v);
      std::memcpy(rec.id_digits, id_text.data(), id_text.size());
      id_length = id_text.size();
    }
    rec.lengths = static_cast<uint8_t>(id_length | (j_text.size() << 4));
  }
  impl->arena.append(StringColumnWriter::kCopySlack, '\0');
  impl->pool = std::make_shared<ColumnMemoryPool>(kMaxCachedColumnBytes);
  for (Int64ColumnWriter* w :
       {&impl->p_id, static_cast<Int64ColumnWriter*>(&impl->p_time), &impl->a_id, &impl->a_initial,
        &impl->a_reserve, static_cast<Int64ColumnWriter*>(&impl->a_time), &impl->a_expires,
        &impl->a_seller, &impl->a_category, &impl->b_auction, &impl->b_bidder, &impl->b_price,
        static_cast<Int64ColumnWriter*>(&impl->b_time)}) {
    w->SetPool(impl->pool);
  }
  for (auto* w : {&impl->p_name, &impl->p_email, &impl->p_card, &impl->p_city, &impl->p_state,
                  &impl->p_extra, &impl->a_item, &impl->a_desc, &impl->a_extra, &impl->b_channel,
                  &impl->b_url, &impl->b_extra}) {
    w->SetPool(impl->pool);
  }
  impl->inter_event_delay_us = 1e6 / config.event_rate * config.num_event_generators;
  impl->events_for_auctions =
      config.num_in_flight_auctions * config.total_proportion() / config.auction_proportion;
  return std::unique_ptr<NexmarkGenerator>(new NexmarkGenerator(std::move(impl), config));
}

namespace {

// Event time of an event number, whole milliseconds (GENERATOR_SPEC.md §4). Inline in the event
// loop: as a call it was 5-6% of generation.
inline int64_t EventTimeMicros(int64_t base_time_ms, double inter_event_delay_us,
                               int64_t event_number) {
  const auto offset_us =
      static_cast<int64_t>(static_cast<double>(event_number) * inter_event_delay_us);
  return (base_time_ms + offset_us / 1000) * 1000;
}

}  // namespace

int64_t NexmarkGenerator::TimestampMicros(int64_t event_number) const {
  return EventTimeMicros(config_.base_time_ms, impl_->inter_event_delay_us, event_number);
}

int64_t NexmarkGenerator::WatermarkMicros() const {
  const int64_t n = config_.first_event_number + next_index_;
  const int64_t g = config_.out_of_order_group_size;
  return TimestampMicros((n / g) * g) - config_.max_out_of_order_ms * 1000;
}

NexmarkBatches NexmarkGenerator::NextBatches(int64_t n) {
  Impl& s = *impl_;
  const NexmarkConfig& c = config_;
  int64_t end = next_index_ + std::max<int64_t>(n, 0);
  if (c.max_events > 0) end = std::min(end, c.max_events);
  const int64_t count = std::max<int64_t>(end - next_index_, 0);

  const int64_t total = c.total_proportion();
  const int64_t pp = c.person_proportion, ap = c.auction_proportion;
  const int64_t base_time_ms = c.base_time_ms;
  const double inter_event_delay_us = s.inter_event_delay_us;
  // Upper bounds of rows per kind in this chunk (exact counts need the permutation).
  const int64_t max_epochs = count / total + 2;
  const int64_t cap_person = std::min(count, max_epochs * pp);
  const int64_t cap_auction = std::min(count, max_epochs * ap);
  const int64_t cap_bid = count;
  if (s.want[0]) {
    s.p_id.Start(cap_person);
    s.p_time.Start(cap_person);
    s.p_name.Start(cap_person, cap_person * 12);
    s.p_email.Start(cap_person, cap_person * 14);
    s.p_card.Start(cap_person, cap_person * 19);
    s.p_city.Start(cap_person, cap_person * 9);
    s.p_state.Start(cap_person, cap_person * 2);
    s.p_extra.Start(cap_person, cap_person * std::max<int64_t>(c.person_avg_size - 50, 16));
  }
  if (s.want[1]) {
    for (auto* w :
         {&s.a_id, &s.a_initial, &s.a_reserve, &s.a_expires, &s.a_seller, &s.a_category}) {
      w->Start(cap_auction);
    }
    s.a_time.Start(cap_auction);
    s.a_item.Start(cap_auction, cap_auction * 14);
    s.a_desc.Start(cap_auction, cap_auction * 58);
    s.a_extra.Start(cap_auction, cap_auction * std::max<int64_t>(c.auction_avg_size - 100, 16));
  }
  if (s.want[2]) {
    for (auto* w : {&s.b_auction, &s.b_bidder, &s.b_price}) w->Start(cap_bid);
    s.b_time.Start(cap_bid);
    s.b_channel.Start(cap_bid, cap_bid * 10);
    s.b_url.Start(cap_bid, cap_bid * 70);
    s.b_extra.Start(cap_bid, cap_bid * std::max<int64_t>(c.bid_avg_size - 32, 16));
  }

  const int64_t g = c.out_of_order_group_size;
  const int64_t max_delay_ms = c.max_out_of_order_ms;
  const char* pool = s.extra_pool.data();
  const auto& states = c.lowercase_states ? kStatesLower : kStatesUpper;
  const uint64_t run_key = FastRandom::RunKey(c.seed);
  // A bid's `extra` length draw depends only on the config (its current size is fixed at 32):
  // NextExtraLength(rng, 32, bid_avg_size) == bid_extra_base + Uniform(bid_extra_span), or
  // bid_extra_base without a draw when the span is 0.
  int64_t bid_extra_base = 0, bid_extra_span = 0;
  if (32 <= c.bid_avg_size) {
    const int64_t d = std::min(c.bid_avg_size - 32, kExtraPoolSize * 4 / 5);
    const int64_t delta = static_cast<int64_t>(std::llround(0.2 * static_cast<double>(d)));
    bid_extra_base = d - delta;
    bid_extra_span = 2 * delta;
  }
  // Longest bid `extra`; the default config's (81) takes the branch-free fixed-size copy.
  const int64_t bid_extra_max = bid_extra_base + std::max<int64_t>(bid_extra_span - 1, 0);
  // In-order runs (g == 1): event ids are consecutive, so (epoch, offset in the 1:3:46 mix)
  // advance by counting instead of a 64-bit division per event.
  int64_t seq_epoch = 0, seq_off = 0;
  if (g == 1) {
    const int64_t first_id = c.first_event_id + c.first_event_number + next_index_;
    seq_epoch = first_id / total;
    seq_off = first_id % total;
  }

  // A bid's channel comes from its own stream (seeded by the event id, like the other fields),
  // so it can be drawn kChannelLookahead events early and the cold channel's record
  // prefetched: those random lookups in a 320 KB table missed the cache on every cold bid.
  const uint64_t channel_key = FastRandom::RunKey(c.seed ^ 0x1f83d9abfb41bd6bULL);
  auto event_id_of = [&](int64_t index) {
    const int64_t event_num = c.first_event_number + index;
    return c.first_event_id +
           (g == 1 ? event_num : (event_num / g) * g + (event_num * kOutOfOrderMultiplier) % g);
  };
  // Channel code: < kNumHotChannels is hot channel i, otherwise cold channel code - 4.
  auto channel_code = [&](int64_t index) {
    FastRandom ch =
        FastRandom::ForEventOfRun(channel_key, static_cast<uint64_t>(event_id_of(index)));
    if (ch.Uniform(kHotChannelsRatio) > 0)
      return static_cast<uint32_t>(ch.Uniform(kNumHotChannels));
    return static_cast<uint32_t>(kNumHotChannels + ch.Uniform(kNumColdChannels));
  };
  constexpr int64_t kChannelLookahead = 8;
  uint32_t channel_ring[16];  // codes of events k .. k + kChannelLookahead, by index & 15
  const bool lookahead = s.want[2];
  if (lookahead) {
    for (int64_t k = next_index_; k < std::min(end, next_index_ + kChannelLookahead); ++k) {
      channel_ring[k & 15] = channel_code(k);
    }
  }

  for (int64_t k = next_index_; k < end; ++k) {
    if (lookahead && k + kChannelLookahead < end) {
      const uint32_t code = channel_code(k + kChannelLookahead);
      channel_ring[(k + kChannelLookahead) & 15] = code;
      if (code >= kNumHotChannels) __builtin_prefetch(&s.cold[code - kNumHotChannels]);
    }
    const int64_t num = c.first_event_number + k;
    int64_t adjusted, epoch, off;
    if (g == 1) {
      adjusted = num;
      epoch = seq_epoch;
      off = seq_off;
      if (++seq_off == total) {
        seq_off = 0;
        ++seq_epoch;
      }
    } else {
      adjusted = (num / g) * g + (num * kOutOfOrderMultiplier) % g;
      epoch = (c.first_event_id + adjusted) / total;
      off = (c.first_event_id + adjusted) % total;
    }
    const int64_t event_id = c.first_event_id + adjusted;
    const int kind = off < pp ? 0 : (off < pp + ap ? 1 : 2);
    if (!s.want[kind]) continue;

    const int64_t ts_us = EventTimeMicros(base_time_ms, inter_event_delay_us, adjusted);
    int64_t time_us = ts_us;
    if (max_delay_ms > 0) {
      const uint64_t h =
          HashCombine(c.seed ^ 0x3c6ef372fe94f82bULL, static_cast<uint64_t>(event_id));
      time_us -= static_cast<int64_t>(h % static_cast<uint64_t>(max_delay_ms + 1)) * 1000;
    }
    FastRandom rng = FastRandom::ForEventOfRun(run_key, static_cast<uint64_t>(event_id));

    // Derived ids (base 0). See GENERATOR_SPEC.md §3.
    const int64_t last_person = epoch * pp + std::min(off, pp - 1);
    auto next_person = [&] {
      const int64_t num_people = last_person + 1;
      const int64_t active = std::min(num_people, c.num_active_people);
      return num_people - active +
             static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(active + kPersonIdLead)));
    };

    if (kind == 0) {
      s.p_id.Append(last_person + kFirstPersonId);
      int64_t current = 8;
      {
        std::string_view first = kFirstNames[rng.Uniform(kFirstNames.size())];
        std::string_view last = kLastNames[rng.Uniform(kLastNames.size())];
        char* p = s.p_name.Reserve(static_cast<int64_t>(first.size() + 1 + last.size()));
        std::memcpy(p, first.data(), first.size());
        p[first.size()] = ' ';
        std::memcpy(p + first.size() + 1, last.data(), last.size());
        const auto len = static_cast<int64_t>(first.size() + 1 + last.size());
        s.p_name.Commit(len);
        current += len;
      }
      {
        char* p = s.p_email.Reserve(7 + 1 + 5 + 4);
        int64_t len = NextString(rng, 7, ' ', p);
        p[len++] = '@';
        len += NextString(rng, 5, ' ', p + len);
        std::memcpy(p + len, ".com", 4);
        len += 4;
        s.p_email.Commit(len);
        current += len;
      }
      {
        char* p = s.p_card.Reserve(19);
        for (int i = 0; i < 4; ++i) {
          WriteDigits4(static_cast<int64_t>(rng.Uniform(10000)), p + i * 5);
          if (i < 3) p[i * 5 + 4] = ' ';
        }
        s.p_card.Commit(19);
        current += 19;
      }
      std::string_view city = kCities[rng.Uniform(kCities.size())];
      std::string_view state = states[rng.Uniform(states.size())];
      s.p_city.Append(city);
      s.p_state.Append(state);
      current += static_cast<int64_t>(city.size() + state.size());
      s.p_time.Append(time_us);
      const int64_t extra_len = NextExtraLength(rng, current, c.person_avg_size);
      s.p_extra.AppendFromPadded(
          pool + rng.Uniform(static_cast<uint64_t>(kExtraPoolSize - extra_len + 1)), extra_len);
    } else if (kind == 1) {
      int64_t last_auction;
      if (off < pp) {
        last_auction = (epoch - 1) * ap + ap - 1;
      } else if (off >= pp + ap) {
        last_auction = epoch * ap + ap - 1;
      } else {
        last_auction = epoch * ap + (off - pp);
      }
      s.a_id.Append(last_auction + kFirstAuctionId);
      int64_t seller;
      if (rng.Uniform(static_cast<uint64_t>(c.hot_sellers_ratio)) > 0) {
        seller = (last_person / kHotBatch) * kHotBatch;
      } else {
        seller = next_person();
      }
      s.a_seller.Append(seller + kFirstPersonId);
      s.a_category.Append(kFirstCategoryId + static_cast<int64_t>(rng.Uniform(kNumCategories)));
      // Prices hold their random bits until the pass after the loop (see there).
      s.a_initial.Append(static_cast<int64_t>(rng.Next()));
      const int64_t horizon_ms =
          (EventTimeMicros(base_time_ms, inter_event_delay_us, adjusted + s.events_for_auctions) -
           ts_us) /
          1000;
      const int64_t length_ms =
          1 + static_cast<int64_t>(
                  rng.Uniform(static_cast<uint64_t>(std::max<int64_t>(horizon_ms * 2, 1))));
      s.a_time.Append(time_us);
      s.a_expires.Append(ts_us + length_ms * 1000);
      int64_t current = 8 + 40;
      {
        char* p = s.a_item.Reserve(20);
        const int64_t len = NextString(rng, 20, ' ', p);
        s.a_item.Commit(len);
        current += len;
      }
      {
        char* p = s.a_desc.Reserve(100);
        const int64_t len = NextString(rng, 100, ' ', p);
        s.a_desc.Commit(len);
        current += len;
      }
      s.a_reserve.Append(static_cast<int64_t>(rng.Next()));
      const int64_t extra_len = NextExtraLength(rng, current, c.auction_avg_size);
      s.a_extra.AppendFromPadded(
          pool + rng.Uniform(static_cast<uint64_t>(kExtraPoolSize - extra_len + 1)), extra_len);
    } else {
      // A bid's event is past this epoch's auctions, so the last auction id is the epoch's last.
      const int64_t last_auction = epoch * ap + ap - 1;
      int64_t auction;
      if (rng.Uniform(static_cast<uint64_t>(c.hot_auction_ratio)) > 0) {
        auction = (last_auction / kHotBatch) * kHotBatch;
      } else {
        const int64_t min_auction = std::max<int64_t>(last_auction - c.num_in_flight_auctions, 0);
        const auto span = static_cast<uint64_t>(last_auction - min_auction + 1 + kAuctionIdLead);
        auction = min_auction + static_cast<int64_t>(rng.Uniform(span));
      }
      s.b_auction.Append(auction + kFirstAuctionId);
      int64_t bidder;
      if (rng.Uniform(static_cast<uint64_t>(c.hot_bidders_ratio)) > 0) {
        bidder = (last_person / kHotBatch) * kHotBatch + 1;
      } else {
        bidder = next_person();
      }
      s.b_bidder.Append(bidder + kFirstPersonId + (c.flink_bidder_offset ? kFirstPersonId : 0));
      s.b_price.Append(static_cast<int64_t>(rng.Next()));
      const uint32_t code = channel_ring[k & 15];
      if (code < kNumHotChannels) {
        const Impl::Span channel = s.hot_channels[code], url = s.hot_urls[code];
        // Fixed-count block copies (hot names are <= 8 bytes, hot URLs <= 58; the arena keeps
        // kCopySlack readable bytes past its last string).
        s.b_channel.AppendFromPaddedAtMost<kHotChannelMax>(s.arena.data() + channel.offset,
                                                           channel.length);
        s.b_url.AppendFromPaddedAtMost<kHotUrlMax>(s.arena.data() + url.offset, url.length);
      } else {
        const Impl::ColdChannel& rec = s.cold[code - kNumHotChannels];
        // Fixed-size copies into the writers' slack; only the lengths vary.
        char* p = s.b_channel.Reserve(16);
        std::memcpy(p, "channel-", 8);
        std::memcpy(p + 8, rec.j_digits, 4);
        s.b_channel.Commit(8 + (rec.lengths >> 4));
        p = s.b_url.Reserve(24 + 16 + 32 + 16);
        std::memcpy(p, kUrlPrefix.data(), 24);
        std::memcpy(p + 24, rec.path, 16);
        char* tail = p + 24 + rec.path_length;
        std::memcpy(tail, kUrlTail, 32);
        const int64_t id_length = rec.lengths & 15;
        std::memcpy(tail + kUrlTailWithIdLength, rec.id_digits, 16);
        s.b_url.Commit(24 + rec.path_length +
                       (id_length == 0 ? static_cast<int64_t>(kUrlSuffix.size())
                                       : kUrlTailWithIdLength + id_length));
      }
      s.b_time.Append(time_us);
      const int64_t extra_len =
          bid_extra_span == 0
              ? bid_extra_base
              : bid_extra_base +
                    static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(bid_extra_span)));
      if (bid_extra_max <= kBidExtraFastMax) {
        s.b_extra.AppendFromPaddedAtMost<kBidExtraFastMax>(
            pool + rng.Uniform(static_cast<uint64_t>(kExtraPoolSize - extra_len + 1)), extra_len);
      } else {
        s.b_extra.AppendFromPadded(
            pool + rng.Uniform(static_cast<uint64_t>(kExtraPoolSize - extra_len + 1)), extra_len);
      }
    }
  }
  next_index_ = end;
  // nextPrice() from the stored random bits. A separate loop of independent iterations: inside
  // the event loop, each price's floating-point dependency chain stalled the rest of the event.
  if (s.want[1]) {
    int64_t* initial = s.a_initial.mutable_values();
    int64_t* reserve = s.a_reserve.mutable_values();
    for (int64_t i = 0; i < s.a_initial.length(); ++i) {
      initial[i] = s.price.FromBits(static_cast<uint64_t>(initial[i]));
      reserve[i] = initial[i] + s.price.FromBits(static_cast<uint64_t>(reserve[i]));
    }
  }
  if (s.want[2]) {
    int64_t* price = s.b_price.mutable_values();
    for (int64_t i = 0; i < s.b_price.length(); ++i) {
      price[i] = s.price.FromBits(static_cast<uint64_t>(price[i]));
    }
  }

  NexmarkBatches out;
  out.events = count;
  using columnar::int64;
  using columnar::timestamp;
  using columnar::utf8;
  if (s.want[0]) {
    const int64_t rows = s.p_id.length();
    out.person = std::make_shared<columnar::RecordBatch>(
        NexmarkSchema(NexmarkTable::kPerson), rows,
        std::vector<columnar::ArrayPtr>{s.p_id.Finish(int64()), s.p_name.Finish(utf8()),
                                        s.p_email.Finish(utf8()), s.p_card.Finish(utf8()),
                                        s.p_city.Finish(utf8()), s.p_state.Finish(utf8()),
                                        s.p_time.Finish(timestamp()), s.p_extra.Finish(utf8())});
  }
  if (s.want[1]) {
    const int64_t rows = s.a_id.length();
    out.auction = std::make_shared<columnar::RecordBatch>(
        NexmarkSchema(NexmarkTable::kAuction), rows,
        std::vector<columnar::ArrayPtr>{s.a_id.Finish(int64()), s.a_item.Finish(utf8()),
                                        s.a_desc.Finish(utf8()), s.a_initial.Finish(int64()),
                                        s.a_reserve.Finish(int64()), s.a_time.Finish(timestamp()),
                                        s.a_expires.Finish(timestamp()), s.a_seller.Finish(int64()),
                                        s.a_category.Finish(int64()), s.a_extra.Finish(utf8())});
  }
  if (s.want[2]) {
    const int64_t rows = s.b_auction.length();
    out.bid = std::make_shared<columnar::RecordBatch>(
        NexmarkSchema(NexmarkTable::kBid), rows,
        std::vector<columnar::ArrayPtr>{s.b_auction.Finish(int64()), s.b_bidder.Finish(int64()),
                                        s.b_price.Finish(int64()), s.b_channel.Finish(utf8()),
                                        s.b_url.Finish(utf8()), s.b_time.Finish(timestamp()),
                                        s.b_extra.Finish(utf8())});
  }
  return out;
}

}  // namespace laminar::connector
