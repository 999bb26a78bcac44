// COUNT(DISTINCT x), SUM(DISTINCT x), AVG(DISTINCT x): per-group value counts (retractable).
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "function/aggregate/aggregates_internal.h"

namespace laminar::function::internal {

namespace {

/// Value -> net weight for integer DISTINCT: open addressing with linear probing over
/// (value, weight) slots, a weight of 0 marking an empty slot (entries whose net weight drops to
/// 0 are erased, so a stored weight is never 0). Written for COUNT(DISTINCT) over many small
/// groups (Nexmark q16, ~10,000 channels x 8 DISTINCT aggregates): a row's slot address follows
/// from the value and the group's header alone, so the update loop can prefetch it rows ahead
/// (absl's raw_hash_set::prefetch() compiles to nothing with g++ 12 at -O2), and a lookup touches
/// one array instead of a control-byte array and a slot array.
template <typename T>
class IntDistinctCounts {
 public:
  using Slot = std::pair<T, int64_t>;

  /// Iterates the occupied slots (unordered).
  class Iterator {
   public:
    Iterator(const Slot* pos, const Slot* end) : pos_(pos), end_(end) { Skip(); }
    const Slot& operator*() const { return *pos_; }
    Iterator& operator++() {
      ++pos_;
      Skip();
      return *this;
    }
    bool operator==(const Iterator& o) const { return pos_ == o.pos_; }

   private:
    void Skip() {
      while (pos_ != end_ && pos_->second == 0) ++pos_;
    }
    const Slot* pos_;
    const Slot* end_;
  };

  Iterator begin() const { return Iterator(slots_.get(), slots_.get() + capacity()); }
  Iterator end() const { return Iterator(slots_.get() + capacity(), slots_.get() + capacity()); }
  size_t size() const { return size_; }
  size_t capacity() const { return slots_ ? mask_ + 1 : 0; }

  /// Where `key`'s probe starts (to prefetch); nullptr while nothing was ever inserted.
  const Slot* SlotAddress(T key) const { return slots_ ? &slots_[Home(key)] : nullptr; }

  /// Adds w (!= 0) to key's weight, inserting or erasing the entry; returns the weight before.
  int64_t Add(T key, int64_t w) {
    // At most 3/4 full: as fast as 1/2 on Nexmark q16 and ~15% less peak memory.
    if ((size_ + 1) * 4 > capacity() * 3) Grow();
    size_t i = Home(key);
    while (slots_[i].second != 0 && slots_[i].first != key) i = (i + 1) & mask_;
    const int64_t before = slots_[i].second;
    if (before == 0) {
      slots_[i].first = key;
      ++size_;
    }
    slots_[i].second = before + w;
    if (slots_[i].second == 0) EraseAt(i);
    return before;
  }

 private:
  // Fibonacci hashing: the top bits of value * 2^64/phi spread consecutive ids (bidders,
  // auctions) over the table.
  size_t Home(T key) const {
    return static_cast<size_t>((static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void Grow() {
    const size_t new_capacity = slots_ ? 2 * (mask_ + 1) : 8;
    std::unique_ptr<Slot[]> old = std::move(slots_);
    const size_t old_capacity = old ? mask_ + 1 : 0;
    slots_ = std::make_unique<Slot[]>(new_capacity);  // value-initialized: all weights 0
    mask_ = new_capacity - 1;
    shift_ = 64 - std::countr_zero(new_capacity);
    for (size_t j = 0; j < old_capacity; ++j) {
      if (old[j].second == 0) continue;
      size_t i = Home(old[j].first);
      while (slots_[i].second != 0) i = (i + 1) & mask_;
      slots_[i] = old[j];
    }
  }

  // Backward-shift deletion: later entries of the probe run move into the hole when their home
  // slot is not between the hole and their position, so lookups need no tombstones.
  void EraseAt(size_t hole) {
    --size_;
    for (size_t j = (hole + 1) & mask_; slots_[j].second != 0; j = (j + 1) & mask_) {
      const size_t home = Home(slots_[j].first);
      if (((j - home) & mask_) >= ((j - hole) & mask_)) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].second = 0;
  }

  std::unique_ptr<Slot[]> slots_;  // capacity() slots, a power of two; null while never used
  size_t mask_ = 0;                // capacity() - 1
  int shift_ = 64;                 // 64 - log2(capacity())
  size_t size_ = 0;                // occupied slots
};

// Integer values are counted in IntDistinctCounts, strings in an absl hash map (an updating
// COUNT(DISTINCT) over a growing group, Nexmark q15/q16, spent most of its time walking a
// std::map). Floating-point values keep the ordered map: its equivalence (-0.0 == 0.0, NaN) is
// what DISTINCT has always meant for them, and a hash map would treat NaNs differently.
template <typename T>
inline constexpr bool kHashDistinct = std::is_integral_v<T> || std::is_same_v<T, std::string>;
template <typename T>
using DistinctCounts = std::conditional_t<
    std::is_integral_v<T>, IntDistinctCounts<T>,
    std::conditional_t<kHashDistinct<T>, absl::flat_hash_map<T, int64_t>, std::map<T, int64_t>>>;

template <typename T>
struct DistinctOps {
  static constexpr const char* kName = "DISTINCT";
  static constexpr bool kRetractable = true;
  static constexpr bool kSkipNulls = true;
  using Traits = ValueTraits<T>;
  using Builder = columnar::ArrayBuilder;
  struct State {
    DistinctCounts<T> counts;  // value -> net weight; entries at 0 are erased
    int64_t distinct = 0;      // entries whose net weight is > 0: COUNT(DISTINCT) in O(1)
  };
  DataTypePtr return_type;
  DataTypePtr value_type;
  AccumulatorFactory inner;  // nullptr: COUNT(DISTINCT)
  using Reader = typename Traits::Reader;
  Reader Prepare(std::span<const ArrayPtr> args) const { return Traits::MakeReader(*args[0]); }

  template <typename Key>
  static void AddWeight(State& s, const Key& key, int64_t w) {
    if constexpr (std::is_integral_v<T>) {
      const int64_t before = s.counts.Add(key, w);
      const int64_t after = before + w;
      s.distinct += static_cast<int64_t>(after > 0) - static_cast<int64_t>(before > 0);
    } else {
      auto it = s.counts.end();
      if constexpr (std::is_same_v<Key, std::string_view>) {
        it = s.counts.find(absl::string_view(key.data(), key.size()));  // no std::string per row
        if (it == s.counts.end()) it = s.counts.emplace(T(key), 0).first;
      } else {
        it = s.counts.try_emplace(key, 0).first;  // one probe, also for a new value
      }
      const int64_t before = it->second;
      it->second += w;
      s.distinct += static_cast<int64_t>(it->second > 0) - static_cast<int64_t>(before > 0);
      if (it->second == 0) s.counts.erase(it);
    }
  }
  // The (value, weight) entries in value order (what SUM/AVG and the state encoding see).
  static std::vector<std::pair<const T*, int64_t>> Sorted(const State& s) {
    std::vector<std::pair<const T*, int64_t>> out;
    out.reserve(s.counts.size());
    for (const auto& [k, c] : s.counts) out.emplace_back(&k, c);
    if constexpr (kHashDistinct<T>) {
      std::sort(out.begin(), out.end(),
                [](const auto& a, const auto& b) { return *a.first < *b.first; });
    }
    return out;
  }

  /// The address row i's value will probe first, for the update loop to prefetch a few rows
  /// ahead of Add; nullptr when there is nothing useful to prefetch.
  const void* PrefetchAddress(const State& s, const Reader& r, int64_t i) const {
    if constexpr (std::is_integral_v<T>) {
      return s.counts.SlotAddress(r.Get(i));
    } else {
      return nullptr;
    }
  }

  Status Add(State& s, const Reader& r, int64_t i, int64_t w) const {
    AddWeight(s, r.Get(i), w);
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    for (const auto& [k, c] : s.counts) AddWeight(d, k, c);
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (!inner) return b->AppendScalar(Scalar::Int64(s.distinct));
    auto vb = columnar::MakeBuilder(value_type);
    for (const auto& [k, c] : Sorted(s)) {
      if (c > 0) Traits::Append(static_cast<typename Traits::Builder*>(vb.get()), *k);
    }
    ArrayPtr values = vb->Finish();
    auto acc = inner();
    acc->Resize(1);
    std::vector<uint32_t> gids(static_cast<size_t>(values->length()), 0);
    std::vector<ArrayPtr> args{values};
    LAMINAR_RETURN_NOT_OK(acc->Update(args, gids.data(), values->length(), nullptr, nullptr));
    uint32_t g = 0;
    LAMINAR_ASSIGN_OR_RETURN(auto out, acc->Finalize(std::span<const uint32_t>(&g, 1)));
    b->AppendArraySlice(*out, 0, 1);
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw<uint32_t>(out, static_cast<uint32_t>(s.counts.size()));
    for (const auto& [k, c] : Sorted(s)) {
      Traits::Put(out, *k);
      PutRaw(out, c);
    }
  }
  bool Deserialize(State* s, std::string_view* in) const {
    uint32_t n = 0;
    if (!GetRaw(in, &n)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      T k{};
      int64_t c = 0;
      if (!Traits::Take(in, &k) || !GetRaw(in, &c)) return false;
      if constexpr (std::is_integral_v<T>) {
        // Valid state never holds a 0 weight (such entries are erased); a repeated value sums.
        if (c != 0) AddWeight(*s, k, c);
      } else {
        auto [it, inserted] = s->counts.emplace(std::move(k), 0);
        s->distinct -= it->second > 0;
        it->second = c;
        s->distinct += c > 0;
      }
    }
    return true;
  }
  static int64_t HeapBytes(const State& s) {
    return static_cast<int64_t>(s.counts.size() * (sizeof(T) + 48));
  }
};

template <typename Make>
Result<AccumulatorFactory> VisitDistinct(const DataTypePtr& value_type, Make make) {
  Result<AccumulatorFactory> out =
      Status::TypeError(fmt::format("DISTINCT is not supported for {}", value_type->ToString()));
  VisitOrderable(value_type->id(), [&]<typename T>() { out = make.template operator()<T>(); });
  return out;
}

}  // namespace

Result<AccumulatorFactory> MakeCountDistinctFactory(const std::vector<DataTypePtr>& params) {
  if (params.size() != 1) return Status::Invalid("COUNT(DISTINCT ...) takes one argument");
  return VisitDistinct(params[0], [&]<typename T>() -> Result<AccumulatorFactory> {
    return MakeFactory(DistinctOps<T>{columnar::int64(), params[0], nullptr});
  });
}

Result<AccumulatorFactory> MakeDistinctFactory(const std::string& inner,
                                               const std::vector<DataTypePtr>& params,
                                               const DataTypePtr& return_type) {
  AccumulatorFactory inner_factory;
  if (inner == "sum") {
    LAMINAR_ASSIGN_OR_RETURN(inner_factory, MakeSumFactory(params[0], return_type));
  } else {
    LAMINAR_ASSIGN_OR_RETURN(inner_factory, MakeAvgFactory(params[0], return_type));
  }
  return VisitDistinct(params[0], [&]<typename T>() -> Result<AccumulatorFactory> {
    return MakeFactory(DistinctOps<T>{return_type, params[0], inner_factory});
  });
}

}  // namespace laminar::function::internal

namespace laminar::function {

void RegisterAggregateFunctions(FunctionRegistry* registry) {
  internal::RegisterBasicAggregates(registry);
  internal::RegisterStatisticalAggregates(registry);
  internal::RegisterCollectionAggregates(registry);
  internal::RegisterSketchAggregates(registry);
}

}  // namespace laminar::function
