#include "connector/generator/nexmark_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "columnar/pretty_print.h"
#include "columnar/record_batch.h"
#include "connector/generator/nexmark_source.h"
#include "connector/generator/random.h"
#include "connector/source.h"

namespace laminar::connector {
namespace {

using columnar::RecordBatchPtr;

NexmarkConfig SmallConfig(int64_t events, uint64_t seed = 42) {
  NexmarkConfig c;
  c.max_events = events;
  c.seed = seed;
  return c;
}

// Generates a whole bounded run in chunks of `chunk` events and concatenates each table.
NexmarkBatches GenerateAll(const NexmarkConfig& config, int64_t chunk,
                           std::vector<NexmarkTable> kinds = {}) {
  auto gen = NexmarkGenerator::Make(config, kinds).ValueOrDie();
  std::vector<RecordBatchPtr> p, a, b;
  while (!gen->exhausted()) {
    auto out = gen->NextBatches(chunk);
    if (out.person) p.push_back(out.person);
    if (out.auction) a.push_back(out.auction);
    if (out.bid) b.push_back(out.bid);
  }
  NexmarkBatches all;
  if (!p.empty()) all.person = columnar::Concatenate(p).ValueOrDie();
  if (!a.empty()) all.auction = columnar::Concatenate(a).ValueOrDie();
  if (!b.empty()) all.bid = columnar::Concatenate(b).ValueOrDie();
  return all;
}

// Row-by-row text of a batch, for exact comparisons with readable failures.
std::vector<std::string> Rows(const RecordBatchPtr& batch) {
  std::vector<std::string> out;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    std::string row;
    for (int c = 0; c < batch->num_columns(); ++c) {
      const auto& col = *batch->column(c);
      if (col.type()->is_binary_like()) {
        row += std::string(col.GetView(r));
      } else {
        row += std::to_string(col.values<int64_t>()[r]);
      }
      row += '|';
    }
    out.push_back(std::move(row));
  }
  return out;
}

const int64_t* Int64s(const RecordBatchPtr& b, const char* name) {
  return b->GetColumnByName(name)->values<int64_t>();
}

class NexmarkChunkTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(NexmarkChunkTest, OutputDoesNotDependOnChunkSize) {
  auto reference = GenerateAll(SmallConfig(5000), 5000);
  auto chunked = GenerateAll(SmallConfig(5000), GetParam());
  EXPECT_EQ(Rows(reference.person), Rows(chunked.person));
  EXPECT_EQ(Rows(reference.auction), Rows(chunked.auction));
  EXPECT_EQ(Rows(reference.bid), Rows(chunked.bid));
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, NexmarkChunkTest, ::testing::Values(1, 3, 50, 1024));

// Every generated date_time column records its exact bounds (ingest and window assignment use
// them instead of a pass over the column); Validate() checks them against the values.
TEST(NexmarkGeneratorTest, TimeColumnsRecordTheirExactRange) {
  NexmarkConfig c = SmallConfig(20000);
  c.max_out_of_order_ms = 50;  // times that are not monotonic
  auto gen = NexmarkGenerator::Make(c).ValueOrDie();
  int batches = 0;
  while (!gen->exhausted()) {
    auto out = gen->NextBatches(777);
    for (const auto& b : {out.person, out.auction, out.bid}) {
      if (!b || b->num_rows() == 0) continue;
      const auto& t = *b->GetColumnByName("date_time");
      ASSERT_TRUE(t.value_range().has_value());
      ASSERT_TRUE(t.Validate().ok()) << t.Validate().ToString();
      const int64_t* v = t.values<int64_t>();
      EXPECT_EQ(t.value_range()->min, *std::min_element(v, v + t.length()));
      EXPECT_EQ(t.value_range()->max, *std::max_element(v, v + t.length()));
      ++batches;
    }
  }
  EXPECT_GT(batches, 50);
}

TEST(NexmarkGeneratorTest, SameSeedSameEventsDifferentSeedDifferentFields) {
  auto a = GenerateAll(SmallConfig(3000, 7), 700);
  auto b = GenerateAll(SmallConfig(3000, 7), 700);
  auto c = GenerateAll(SmallConfig(3000, 8), 700);
  EXPECT_EQ(Rows(a.bid), Rows(b.bid));
  EXPECT_EQ(Rows(a.person), Rows(b.person));
  EXPECT_NE(Rows(a.bid), Rows(c.bid));
  // Ids and times do not depend on the seed.
  for (int64_t i = 0; i < a.auction->num_rows(); ++i) {
    EXPECT_EQ(Int64s(a.auction, "id")[i], Int64s(c.auction, "id")[i]);
    EXPECT_EQ(Int64s(a.auction, "date_time")[i], Int64s(c.auction, "date_time")[i]);
  }
}

TEST(NexmarkGeneratorTest, SeekAndKindSubsetsReproduceTheFullRun) {
  auto full = GenerateAll(SmallConfig(4000), 4000);
  auto bids_only = GenerateAll(SmallConfig(4000), 333, {NexmarkTable::kBid});
  EXPECT_EQ(bids_only.person, nullptr);
  EXPECT_EQ(bids_only.auction, nullptr);
  EXPECT_EQ(Rows(full.bid), Rows(bids_only.bid));

  auto gen = NexmarkGenerator::Make(SmallConfig(4000)).ValueOrDie();
  gen->Seek(2500);
  auto tail = gen->NextBatches(10'000);
  EXPECT_EQ(tail.events, 1500);
  EXPECT_TRUE(gen->exhausted());
  auto all_rows = Rows(full.bid);
  auto tail_rows = Rows(tail.bid);
  ASSERT_LE(tail_rows.size(), all_rows.size());
  EXPECT_TRUE(std::equal(tail_rows.begin(), tail_rows.end(),
                         all_rows.end() - static_cast<std::ptrdiff_t>(tail_rows.size())));
}

TEST(NexmarkGeneratorTest, MixIsExactlyOneThreeFortySix) {
  auto all = GenerateAll(SmallConfig(5000), 999);
  EXPECT_EQ(all.person->num_rows(), 100);
  EXPECT_EQ(all.auction->num_rows(), 300);
  EXPECT_EQ(all.bid->num_rows(), 4600);
  // The same holds with reordering inside groups.
  NexmarkConfig c = SmallConfig(5000);
  c.out_of_order_group_size = 50;
  auto shuffled = GenerateAll(c, 777);
  EXPECT_EQ(shuffled.person->num_rows(), 100);
  EXPECT_EQ(shuffled.auction->num_rows(), 300);
  EXPECT_EQ(shuffled.bid->num_rows(), 4600);
}

TEST(NexmarkGeneratorTest, IdSpacesAndFieldDomains) {
  const int64_t events = 50'000;
  auto all = GenerateAll(SmallConfig(events), 4096);
  // Person ids are dense from 1000; auction ids dense from 1000, three per 50 events.
  const int64_t* pid = Int64s(all.person, "id");
  for (int64_t i = 0; i < all.person->num_rows(); ++i) ASSERT_EQ(pid[i], 1000 + i);
  const int64_t* aid = Int64s(all.auction, "id");
  for (int64_t i = 0; i < all.auction->num_rows(); ++i) ASSERT_EQ(aid[i], 1000 + i);
  const int64_t max_person = 1000 + events / 50 - 1;
  const int64_t max_auction = 1000 + events / 50 * 3 - 1;

  const int64_t* seller = Int64s(all.auction, "seller");
  const int64_t* category = Int64s(all.auction, "category");
  const int64_t* a_time = Int64s(all.auction, "date_time");
  const int64_t* expires = Int64s(all.auction, "expires");
  const int64_t* initial = Int64s(all.auction, "initial_bid");
  const int64_t* reserve = Int64s(all.auction, "reserve");
  for (int64_t i = 0; i < all.auction->num_rows(); ++i) {
    ASSERT_GE(seller[i], 1000);
    ASSERT_LE(seller[i], max_person + 10);
    ASSERT_GE(category[i], 10);
    ASSERT_LE(category[i], 14);
    ASSERT_GT(expires[i], a_time[i]);
    ASSERT_GT(reserve[i], initial[i]);
  }

  const int64_t* auction = Int64s(all.bid, "auction");
  const int64_t* bidder = Int64s(all.bid, "bidder");
  const int64_t* price = Int64s(all.bid, "price");
  const auto& channel = *all.bid->GetColumnByName("channel");
  const auto& url = *all.bid->GetColumnByName("url");
  const auto& extra = *all.bid->GetColumnByName("extra");
  std::map<int64_t, int64_t> auction_counts;
  int64_t rank[3] = {0, 0, 0}, hot_channel = 0, with_channel_id = 0;
  const int64_t n = all.bid->num_rows();
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_GE(auction[i], 1000);
    ASSERT_LE(auction[i], max_auction + 10);
    ASSERT_GE(bidder[i], 1000);
    ASSERT_LE(bidder[i], max_person + 11);
    ASSERT_GE(price[i], 100);
    ASSERT_LE(price[i], 100'000'000);
    ++rank[price[i] < 10'000 ? 0 : price[i] < 1'000'000 ? 1 : 2];
    ++auction_counts[auction[i]];
    std::string_view ch = channel.GetView(i);
    if (ch == "Google" || ch == "Facebook" || ch == "Baidu" || ch == "Apple") ++hot_channel;
    std::string_view u = url.GetView(i);
    ASSERT_EQ(u.substr(0, 24), "https://www.nexmark.com/");
    if (u.find("&channel_id=") != std::string_view::npos) ++with_channel_id;
    ASSERT_GE(extra.GetView(i).size(), 54u);
    ASSERT_LE(extra.GetView(i).size(), 81u);
  }
  // Log-uniform prices: a third per bucket (GENERATOR_SPEC.md §7).
  for (int64_t r : rank)
    EXPECT_NEAR(static_cast<double>(r) / static_cast<double>(n), 1.0 / 3, 0.02);
  EXPECT_NEAR(static_cast<double>(hot_channel) / static_cast<double>(n), 0.5, 0.02);
  // Cold channels carry a channel_id with P = 9/10 (per channel; 10,000 channels).
  EXPECT_NEAR(static_cast<double>(with_channel_id) / static_cast<double>(n - hot_channel), 0.9,
              0.03);
  // Hot auctions: about half of all bids go to block-leader auctions (id multiple of 100).
  int64_t hot = 0;
  for (const auto& [id, count] : auction_counts) {
    if ((id - 1000) % 100 == 0) hot += count;
  }
  EXPECT_GT(static_cast<double>(hot) / static_cast<double>(n), 0.45);

  const auto& card = *all.person->GetColumnByName("credit_card");
  const auto& state = *all.person->GetColumnByName("state");
  const std::set<std::string_view> states = {"AZ", "CA", "ID", "OR", "WA", "WY"};
  for (int64_t i = 0; i < all.person->num_rows(); ++i) {
    ASSERT_EQ(card.GetView(i).size(), 19u);
    ASSERT_EQ(states.count(state.GetView(i)), 1u) << state.GetView(i);
  }
}

TEST(NexmarkGeneratorTest, LogUniformPriceRoundsLikeExp) {
  // The table + polynomial price equals round(exp(6u ln 10) * 100) computed with libm; a
  // difference is only possible when the exact value is within ~1e-7 of a half-integer.
  LogUniformPrice price;
  FastRandom rng(12345);
  int64_t differ = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    const uint64_t bits = rng.Next();
    const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
    const auto want = static_cast<int64_t>(std::exp(u * 6.0 * std::log(10.0)) * 100.0 + 0.5);
    const int64_t got = price.FromBits(bits);
    ASSERT_LE(std::abs(got - want), 1) << "u=" << u;
    differ += got != want;
  }
  EXPECT_LE(differ, 2);
  EXPECT_EQ(price.FromBits(0), 100);
  EXPECT_EQ(price.FromBits(~uint64_t{0}), 100'000'000);
  EXPECT_EQ(price.FromBits(uint64_t{1} << 63), 100'000);  // u = 1/2: 10^3 * 100
}

TEST(NexmarkGeneratorTest, ChannelUrlsFollowTheSpec) {
  auto all = GenerateAll(SmallConfig(20'000), 4096, {NexmarkTable::kBid});
  const auto& channel = *all.bid->GetColumnByName("channel");
  const auto& url = *all.bid->GetColumnByName("url");
  std::map<std::string, std::string> url_of_channel;
  for (int64_t i = 0; i < all.bid->num_rows(); ++i) {
    const std::string ch(channel.GetView(i));
    std::string_view u = url.GetView(i);
    // Every channel always has the same URL.
    auto [it, inserted] = url_of_channel.emplace(ch, std::string(u));
    ASSERT_EQ(it->second, u);
    ASSERT_EQ(u.substr(0, 24), "https://www.nexmark.com/");
    u.remove_prefix(24);
    for (int segment = 0; segment < 3; ++segment) {
      const size_t slash = u.find('/');
      ASSERT_NE(slash, std::string_view::npos) << url.GetView(i);
      ASSERT_GE(slash, 3u);
      ASSERT_LE(slash, 4u);
      for (char c : u.substr(0, slash)) ASSERT_TRUE(c == '_' || (c >= 'a' && c <= 'z'));
      u.remove_prefix(slash + 1);
    }
    ASSERT_EQ(u.substr(0, 16), "item.htm?query=1");
    u.remove_prefix(16);
    if (ch.rfind("channel-", 0) != 0) {
      ASSERT_TRUE(u.empty()) << ch;  // hot channels have no channel_id
      continue;
    }
    if (u.empty()) continue;
    // "&channel_id=" + |Integer.reverse(j)|.
    const auto j = static_cast<uint32_t>(std::stoul(ch.substr(8)));
    uint32_t r = 0;
    for (int b = 0; b < 32; ++b) r |= ((j >> b) & 1u) << (31 - b);
    const int64_t v = static_cast<int32_t>(r);
    ASSERT_EQ(u, "&channel_id=" + std::to_string(v < 0 ? -v : v)) << ch;
  }
  EXPECT_GT(url_of_channel.size(), 1000u);
}

TEST(NexmarkGeneratorTest, RecycledColumnMemoryKeepsOutputsIntact) {
  // Chunks dropped by the consumer give their memory back to the generator's pool; the next
  // chunks must not depend on it, and a retained batch must not be overwritten by them.
  auto reference = GenerateAll(SmallConfig(20'000), 20'000);
  auto gen = NexmarkGenerator::Make(SmallConfig(20'000)).ValueOrDie();
  auto first = gen->NextBatches(1000);  // retained while later chunks reuse memory
  const auto first_bids = Rows(first.bid);
  std::vector<std::string> bids = first_bids;
  while (!gen->exhausted()) {
    auto out = gen->NextBatches(1000);
    for (auto& row : Rows(out.bid)) bids.push_back(std::move(row));
  }
  gen.reset();  // buffers outlive the generator and its pool
  EXPECT_EQ(Rows(first.bid), first_bids);
  EXPECT_EQ(bids, Rows(reference.bid));
}

TEST(NexmarkGeneratorTest, HandCheckedFirstEvents) {
  auto all = GenerateAll(SmallConfig(100), 100);
  // Event 0 is the first person, events 1..3 auctions, 4..49 bids; event time advances
  // 100 µs per event at 10,000 events/s, truncated to milliseconds.
  const int64_t base = 1'704'067'200'000'000;
  EXPECT_EQ(Int64s(all.person, "id")[0], 1000);
  EXPECT_EQ(Int64s(all.person, "id")[1], 1001);
  EXPECT_EQ(Int64s(all.person, "date_time")[0], base);
  EXPECT_EQ(Int64s(all.person, "date_time")[1], base + 5000);  // event 50: 5 ms
  EXPECT_EQ(Int64s(all.auction, "id")[2], 1002);
  EXPECT_EQ(Int64s(all.auction, "date_time")[2], base);     // event 3: 300 µs → 0 ms
  EXPECT_EQ(Int64s(all.bid, "date_time")[6], base + 1000);  // event 10: 1 ms
  // The first bids see auctions 0..2 (ids 1000..1002): hot = 1000, cold within [1000, 1012].
  for (int i = 0; i < 46; ++i) {
    EXPECT_LE(Int64s(all.bid, "auction")[i], 1012);
    // Hot bidder is person 1 of the block (1001); cold ones within [1000, 1010].
    EXPECT_LE(Int64s(all.bid, "bidder")[i], 1010);
  }
}

TEST(NexmarkGeneratorTest, EventTimeFollowsTheRate) {
  NexmarkConfig c = SmallConfig(200'000);
  c.event_rate = 100'000;
  auto all = GenerateAll(c, 65'536);
  const int64_t* t = Int64s(all.bid, "date_time");
  const int64_t n = all.bid->num_rows();
  for (int64_t i = 1; i < n; ++i) ASSERT_LE(t[i - 1], t[i]);
  // 200k events at 100k/s cover 2 s of event time.
  EXPECT_NEAR(static_cast<double>(t[n - 1] - t[0]), 2e6, 2e3);
}

TEST(NexmarkGeneratorTest, BoundedDisorder) {
  NexmarkConfig c = SmallConfig(100'000);
  c.max_out_of_order_ms = 250;
  auto gen = NexmarkGenerator::Make(c, {NexmarkTable::kBid}).ValueOrDie();
  int64_t max_seen = 0, inversions = 0;
  while (!gen->exhausted()) {
    auto out = gen->NextBatches(8192);
    const int64_t* t = Int64s(out.bid, "date_time");
    for (int64_t i = 0; i < out.bid->num_rows(); ++i) {
      if (t[i] < max_seen) ++inversions;
      ASSERT_GE(t[i], max_seen - 250'000) << "row " << i;
      max_seen = std::max(max_seen, t[i]);
    }
    // The generator's watermark never passes an event it has yet to produce.
    const int64_t wm = gen->WatermarkMicros();
    auto peek = NexmarkGenerator::Make(c, {NexmarkTable::kBid}).ValueOrDie();
    peek->Seek(gen->next_index());
    auto next = peek->NextBatches(1000);
    for (int64_t i = 0; i < next.bid->num_rows(); ++i) {
      ASSERT_GE(Int64s(next.bid, "date_time")[i], wm);
    }
  }
  EXPECT_GT(inversions, 1000);
}

TEST(NexmarkGeneratorTest, FlinkQuirkSwitches) {
  NexmarkConfig c = SmallConfig(2000);
  c.flink_bidder_offset = true;
  c.lowercase_states = true;
  auto all = GenerateAll(c, 2000);
  for (int64_t i = 0; i < all.bid->num_rows(); ++i) ASSERT_GE(Int64s(all.bid, "bidder")[i], 2000);
  auto v = all.person->GetColumnByName("state")->GetView(0);
  EXPECT_FALSE(v.empty());
  for (char ch : v) EXPECT_TRUE(ch >= 'a' && ch <= 'z');
}

TEST(NexmarkGeneratorTest, InvalidConfig) {
  NexmarkConfig c;
  c.bid_proportion = 0;
  EXPECT_FALSE(NexmarkGenerator::Make(c).ok());
  c = NexmarkConfig{};
  c.event_rate = 0;
  EXPECT_FALSE(NexmarkGenerator::Make(c).ok());
}

// --- the `nexmark` connector ------------------------------------------------------------------

TEST(NexmarkSourceTest, ThreeSourcesSeeOneRun) {
  auto full = GenerateAll(SmallConfig(5000, 3), 5000);
  int64_t counts[3] = {0, 0, 0};
  const char* tables[3] = {"person", "auction", "bid"};
  for (int t = 0; t < 3; ++t) {
    auto src = ConnectorRegistry::Global()
                   .CreateSource("NEXMARK",
                                 {{"table", tables[t]}, {"events", "5000"}, {"seed", "3"}}, nullptr)
                   .ValueOrDie();
    std::vector<RecordBatchPtr> batches;
    while (true) {
      auto b = src->NextBatch(64).ValueOrDie();
      if (!b) break;
      ASSERT_LE(b->num_rows(), 64);
      counts[t] += b->num_rows();
      batches.push_back(b);
    }
    EXPECT_EQ(src->rows_emitted(), counts[t]);
    auto joined = columnar::Concatenate(batches).ValueOrDie();
    const auto& expected = t == 0 ? full.person : t == 1 ? full.auction : full.bid;
    EXPECT_EQ(Rows(joined), Rows(expected)) << tables[t];
  }
  EXPECT_EQ(counts[0], 100);
  EXPECT_EQ(counts[1], 300);
  EXPECT_EQ(counts[2], 4600);
}

TEST(NexmarkSourceTest, DeclaredSchemaRenamesButMustMatchTypes) {
  auto renamed = columnar::ParseSchema(
                     "auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, "
                     "dateTime TIMESTAMP, extra VARCHAR")
                     .ValueOrDie();
  auto src = NexmarkSource::Make({{"events", "100"}}, renamed).ValueOrDie();
  auto b = src->NextBatch(1000).ValueOrDie();
  EXPECT_EQ(b->schema()->field(5)->name, "dateTime");

  auto wrong = columnar::ParseSchema(
                   "auction BIGINT, bidder BIGINT, price VARCHAR, channel VARCHAR, url VARCHAR, "
                   "date_time TIMESTAMP, extra VARCHAR")
                   .ValueOrDie();
  auto bad = NexmarkSource::Make({}, wrong);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'price'"), std::string::npos) << bad.status().ToString();
  auto short_schema = columnar::ParseSchema("auction BIGINT").ValueOrDie();
  EXPECT_FALSE(NexmarkSource::Make({}, short_schema).ok());
}

TEST(NexmarkSourceTest, BadOptionsNameTheOption) {
  auto expect_error = [](ConnectorOptions o, const std::string& needle) {
    auto r = NexmarkSource::Make(o, nullptr);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().ToString();
    EXPECT_EQ(r.status().error_code(), ErrorCode::kConnectorConfig);
  };
  expect_error({{"events", "-1"}}, "'events'");
  expect_error({{"events", "ten"}}, "'events'");
  expect_error({{"table", "bids"}}, "'table'");
  expect_error({{"evnts", "10"}}, "did you mean 'events'");
  expect_error({{"event.rate", "0"}}, "'event.rate'");
  expect_error({{"max.out.of.order.ms", "x"}}, "'max.out.of.order.ms'");
  expect_error({{"lowercase.states", "maybe"}}, "'lowercase.states'");
}

TEST(NexmarkSourceTest, WatermarkBoundsLaterRows) {
  auto src = NexmarkSource::Make(
                 {{"events", "20000"}, {"max.out.of.order.ms", "40"}, {"table", "bid"}}, nullptr)
                 .ValueOrDie();
  int64_t wm = INT64_MIN;
  while (true) {
    auto b = src->NextBatch(100).ValueOrDie();
    if (!b) break;
    const int64_t* t = b->column(5)->values<int64_t>();
    for (int64_t i = 0; i < b->num_rows(); ++i) ASSERT_GE(t[i], wm);
    EXPECT_GE(src->watermark(), wm);
    wm = src->watermark();
  }
}

}  // namespace
}  // namespace laminar::connector
