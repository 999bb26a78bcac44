// COUNT(DISTINCT x), SUM(DISTINCT x), AVG(DISTINCT x): per-group value counts (retractable).
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <map>
#include <type_traits>
#include <utility>
#include <vector>

#include "function/aggregate/aggregates_internal.h"

namespace laminar::function::internal {

namespace {

// Integer and string values are counted in a hash map (an updating COUNT(DISTINCT) over a
// growing group, Nexmark q15/q16, spent most of its time walking a std::map). Floating-point
// values keep the ordered map: its equivalence (-0.0 == 0.0, NaN) is what DISTINCT has always
// meant for them, and a hash map would treat NaNs differently.
template <typename T>
inline constexpr bool kHashDistinct = std::is_integral_v<T> || std::is_same_v<T, std::string>;
template <typename T>
using DistinctCounts =
    std::conditional_t<kHashDistinct<T>, absl::flat_hash_map<T, int64_t>, std::map<T, int64_t>>;

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
      auto [it, inserted] = s->counts.emplace(std::move(k), 0);
      s->distinct -= it->second > 0;
      it->second = c;
      s->distinct += c > 0;
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
