// COUNT(DISTINCT x), SUM(DISTINCT x), AVG(DISTINCT x): per-group value counts (retractable).
#include <map>

#include "function/aggregate/aggregates_internal.h"

namespace laminar::function::internal {

namespace {

template <typename T>
struct DistinctOps {
  static constexpr const char* kName = "DISTINCT";
  static constexpr bool kRetractable = true;
  static constexpr bool kSkipNulls = true;
  using Traits = ValueTraits<T>;
  using Builder = columnar::ArrayBuilder;
  struct State {
    std::map<T, int64_t> counts;
  };
  DataTypePtr return_type;
  DataTypePtr value_type;
  AccumulatorFactory inner;  // nullptr: COUNT(DISTINCT)
  using Reader = typename Traits::Reader;
  Reader Prepare(std::span<const ArrayPtr> args) const { return Traits::MakeReader(*args[0]); }
  Status Add(State& s, const Reader& r, int64_t i, int64_t w) const {
    auto it = s.counts.find(T(r.Get(i)));
    if (it == s.counts.end()) it = s.counts.emplace(T(r.Get(i)), 0).first;
    it->second += w;
    if (it->second == 0) s.counts.erase(it);
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    for (const auto& [k, c] : s.counts) {
      auto& slot = d.counts[k];
      slot += c;
      if (slot == 0) d.counts.erase(k);
    }
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (!inner) {
      int64_t n = 0;
      for (const auto& [k, c] : s.counts) n += c > 0;
      return b->AppendScalar(Scalar::Int64(n));
    }
    auto vb = columnar::MakeBuilder(value_type);
    for (const auto& [k, c] : s.counts) {
      if (c > 0) Traits::Append(static_cast<typename Traits::Builder*>(vb.get()), k);
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
    for (const auto& [k, c] : s.counts) {
      Traits::Put(out, k);
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
      s->counts[k] = c;
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
