// COUNT, SUM, AVG, MIN, MAX.
#include <map>

#include "function/aggregate/aggregates_internal.h"

namespace laminar::function::internal {

namespace {

constexpr int128_t Pow10(int n) {
  int128_t r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

int128_t RoundDiv(int128_t num, int128_t den) {
  int128_t q = num / den, r = num % den;
  int128_t ar = r < 0 ? -r : r, ad = den < 0 ? -den : den;
  if (ar * 2 >= ad) q += ((num < 0) != (den < 0)) ? -1 : 1;
  return q;
}

// ---------------------------------------------------------------------------------------------
// COUNT(*) / COUNT(x): rows (weighted) where x is not NULL.

// Row counts (weighted) of COUNT, SUM and AVG: far from the int64 range with real input, but a
// corrupted checkpoint image or absurd changelog weights must not overflow them.
Status AddCount(int64_t* count, int64_t w) {
  if (__builtin_add_overflow(*count, w, count)) return ExecError("integer overflow in a row count");
  return Status::OK();
}

struct CountOps {
  static constexpr const char* kName = "COUNT";
  static constexpr bool kRetractable = true;
  static constexpr bool kSkipNulls = true;
  using Builder = columnar::FixedWidthBuilder<int64_t>;
  struct State {
    int64_t count = 0;
  };
  DataTypePtr return_type = columnar::int64();
  struct Reader {};
  Reader Prepare(std::span<const ArrayPtr>) const { return {}; }
  Status Add(State& s, const Reader&, int64_t, int64_t w) const { return AddCount(&s.count, w); }
  Status Merge(State& d, const State& s) const { return AddCount(&d.count, s.count); }
  Status Finalize(const State& s, Builder* b) const {
    b->Append(s.count);
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const { PutRaw(out, s.count); }
  bool Deserialize(State* s, std::string_view* in) const { return GetRaw(in, &s->count); }
};

// ---------------------------------------------------------------------------------------------
// SUM: In → Acc (int64 for integers with overflow errors, int128 for decimals, double).

template <typename In, typename Acc>
struct SumOps {
  static constexpr const char* kName = "SUM";
  static constexpr bool kRetractable = true;
  static constexpr bool kSkipNulls = true;
  using Builder = columnar::FixedWidthBuilder<Acc>;
  struct State {
    Acc sum{};
    int64_t count = 0;
  };
  DataTypePtr return_type;
  struct Reader {
    const In* v;
  };
  Reader Prepare(std::span<const ArrayPtr> args) const { return {args[0]->values<In>()}; }
  Status Add(State& s, const Reader& r, int64_t i, int64_t w) const {
    if constexpr (std::is_floating_point_v<Acc>) {
      s.sum += static_cast<Acc>(r.v[i]) * static_cast<Acc>(w);
    } else {
      Acc prod;
      if (w == 1) {
        prod = static_cast<Acc>(r.v[i]);
      } else if (__builtin_mul_overflow(static_cast<Acc>(r.v[i]), static_cast<Acc>(w), &prod)) {
        return Overflow();
      }
      if (__builtin_add_overflow(s.sum, prod, &s.sum)) return Overflow();
    }
    return AddCount(&s.count, w);
  }
  static Status Overflow() { return ExecError("integer overflow in SUM"); }
  Status Merge(State& d, const State& s) const {
    if constexpr (std::is_floating_point_v<Acc>) {
      d.sum += s.sum;
    } else if (__builtin_add_overflow(d.sum, s.sum, &d.sum)) {
      return Overflow();
    }
    return AddCount(&d.count, s.count);
  }
  Status Finalize(const State& s, Builder* b) const {
    if (s.count <= 0) {
      b->AppendNull();
      return Status::OK();
    }
    if constexpr (std::is_same_v<Acc, int128_t>) {
      if (s.sum >= Pow10(38) || s.sum <= -Pow10(38)) return ExecError("decimal overflow in SUM");
    }
    b->Append(s.sum);
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw(out, s.sum);
    PutRaw(out, s.count);
  }
  bool Deserialize(State* s, std::string_view* in) const {
    return GetRaw(in, &s->sum) && GetRaw(in, &s->count);
  }
};

// ---------------------------------------------------------------------------------------------
// AVG: DOUBLE for integers and floats; DECIMAL(38, max(s, 6)) for decimals.

template <typename In, typename Acc, bool kDecimalOut>
struct AvgOps {
  static constexpr const char* kName = "AVG";
  static constexpr bool kRetractable = true;
  static constexpr bool kSkipNulls = true;
  using Out = std::conditional_t<kDecimalOut, int128_t, double>;
  using Builder = columnar::FixedWidthBuilder<Out>;
  struct State {
    Acc sum{};
    int64_t count = 0;
  };
  DataTypePtr return_type;
  int in_scale = 0;
  struct Reader {
    const In* v;
  };
  Reader Prepare(std::span<const ArrayPtr> args) const { return {args[0]->values<In>()}; }
  Status Add(State& s, const Reader& r, int64_t i, int64_t w) const {
    if constexpr (std::is_floating_point_v<Acc>) {
      s.sum += static_cast<Acc>(r.v[i]) * static_cast<Acc>(w);
    } else {
      Acc prod;
      if (__builtin_mul_overflow(static_cast<Acc>(r.v[i]), static_cast<Acc>(w), &prod) ||
          __builtin_add_overflow(s.sum, prod, &s.sum)) {
        return ExecError("integer overflow in AVG");
      }
    }
    return AddCount(&s.count, w);
  }
  Status Merge(State& d, const State& s) const {
    if constexpr (std::is_floating_point_v<Acc>) {
      d.sum += s.sum;
    } else if (__builtin_add_overflow(d.sum, s.sum, &d.sum)) {
      return ExecError("integer overflow in AVG");
    }
    return AddCount(&d.count, s.count);
  }
  Status Finalize(const State& s, Builder* b) const {
    if (s.count <= 0) {
      b->AppendNull();
    } else if constexpr (kDecimalOut) {
      int128_t num;
      if (__builtin_mul_overflow(s.sum, Pow10(return_type->scale() - in_scale), &num)) {
        return ExecError("decimal overflow in AVG");
      }
      b->Append(RoundDiv(num, s.count));
    } else {
      b->Append(static_cast<double>(s.sum) / static_cast<double>(s.count));
    }
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw(out, s.sum);
    PutRaw(out, s.count);
  }
  bool Deserialize(State* s, std::string_view* in) const {
    return GetRaw(in, &s->sum) && GetRaw(in, &s->count);
  }
};

// ---------------------------------------------------------------------------------------------
// MIN / MAX. Insert-only input (Update without weights) keeps a running value per group. Once
// an Update carries weights (a changelog input), every group also keeps an ordered multiset of
// its values so retracting the current extreme can fall back to the next one. A retraction
// reaching a group that was filled before weights appeared is an error (its history is gone).

template <typename T, bool kMax>
struct MinMaxOps {
  static constexpr const char* kName = kMax ? "MAX" : "MIN";
  static constexpr bool kRetractable = true;
  static constexpr bool kSkipNulls = true;
  using Traits = ValueTraits<T>;
  using Builder = typename Traits::Builder;
  struct State {
    bool has = false;
    T value{};
    std::unique_ptr<std::map<T, int64_t>> multiset;
  };
  DataTypePtr return_type;
  bool track = false;  // a weighted update was seen: keep multisets
  using Reader = typename Traits::Reader;

  void BeginUpdate(const int64_t* weights) {
    if (weights) track = true;
  }
  Reader Prepare(std::span<const ArrayPtr> args) const { return Traits::MakeReader(*args[0]); }
  static bool Better(const auto& a, const T& b) { return kMax ? (b < a) : (a < b); }

  Status Add(State& s, const Reader& r, int64_t i, int64_t w) const {
    if (!track && !s.multiset && w > 0) [[likely]] {
      // Insert-only input (no multiset kept): a compare per row, inlined into the update loop.
      auto v = r.Get(i);
      if (!s.has || Better(v, s.value)) {
        s.value = T(v);
        s.has = true;
      }
      return Status::OK();
    }
    return AddWeighted(s, r, i, w);
  }
  /// Add() of rows [begin, end), all of one group, weight 1 (a window without GROUP BY keys): the
  /// running extreme stays in a register instead of going through the state row after row. The
  /// same compares in the same order as Add(), so ties (-0.0 / 0.0) and NaNs resolve alike.
  Status AddRun(State& s, const Reader& r, int64_t begin, int64_t end) const {
    if (track || s.multiset) {
      for (int64_t i = begin; i < end; ++i) LAMINAR_RETURN_NOT_OK(Add(s, r, i, 1));
      return Status::OK();
    }
    using V = decltype(r.Get(begin));
    bool has = s.has;
    bool changed = false;
    V cur = has ? V(s.value) : V{};
    for (int64_t i = begin; i < end; ++i) {
      const V v = r.Get(i);
      if (!has || (kMax ? (cur < v) : (v < cur))) {
        cur = v;
        has = true;
        changed = true;
      }
    }
    if (changed) {
      s.value = T(cur);
      s.has = true;
    }
    return Status::OK();
  }
  // Add() with weights: keeps a multiset per group so retractions can restore the extreme.
  [[gnu::noinline]] Status AddWeighted(State& s, const Reader& r, int64_t i, int64_t w) const {
    auto v = r.Get(i);
    if (track && !s.multiset && (!s.has || w > 0)) {
      if (s.has) {
        return Status::Invalid(
            fmt::format("{} cannot retract rows inserted before weighted input", kName),
            ErrorCode::kQueryExecutionFailed);
      }
      s.multiset = std::make_unique<std::map<T, int64_t>>();
    }
    if (s.multiset) {
      auto it = s.multiset->find(T(v));
      if (it == s.multiset->end()) it = s.multiset->emplace(T(v), 0).first;
      it->second += w;
      if (it->second == 0) s.multiset->erase(it);
      Refresh(s);
      return Status::OK();
    }
    if (w < 0) {
      return Status::Invalid(fmt::format("{} cannot retract rows of insert-only input", kName),
                             ErrorCode::kQueryExecutionFailed);
    }
    if (!s.has || Better(v, s.value)) {
      s.value = T(v);
      s.has = true;
    }
    return Status::OK();
  }
  static void Refresh(State& s) {
    if (s.multiset->empty()) {
      s.has = false;
      s.value = T{};
      return;
    }
    // Entries with negative net counts (retraction before insertion) are not values.
    s.has = false;
    if constexpr (kMax) {
      for (auto it = s.multiset->rbegin(); it != s.multiset->rend(); ++it) {
        if (it->second > 0) {
          s.value = it->first;
          s.has = true;
          break;
        }
      }
    } else {
      for (auto it = s.multiset->begin(); it != s.multiset->end(); ++it) {
        if (it->second > 0) {
          s.value = it->first;
          s.has = true;
          break;
        }
      }
    }
  }
  Status Merge(State& d, const State& s) const {
    if (s.multiset) {
      if (!d.multiset) {
        d.multiset = std::make_unique<std::map<T, int64_t>>();
        if (d.has) (*d.multiset)[d.value] += 1;
      }
      for (const auto& [k, c] : *s.multiset) {
        auto& slot = (*d.multiset)[k];
        slot += c;
        if (slot == 0) d.multiset->erase(k);
      }
      Refresh(d);
      return Status::OK();
    }
    if (!s.has) return Status::OK();
    if (d.multiset) {
      (*d.multiset)[s.value] += 1;
      Refresh(d);
    } else if (!d.has || Better(s.value, d.value)) {
      d.value = s.value;
      d.has = true;
    }
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (!s.has) {
      b->AppendNull();
    } else {
      Traits::Append(b, s.value);
    }
    return Status::OK();
  }
  // Layout: u8 flags (bit0 has, bit1 multiset), value if has, then u32 n + n × (value, i64).
  void Serialize(const State& s, std::string* out) const {
    uint8_t flags = (s.has ? 1 : 0) | (s.multiset ? 2 : 0);
    PutRaw(out, flags);
    if (s.has) Traits::Put(out, s.value);
    if (s.multiset) {
      PutRaw<uint32_t>(out, static_cast<uint32_t>(s.multiset->size()));
      for (const auto& [k, c] : *s.multiset) {
        Traits::Put(out, k);
        PutRaw(out, c);
      }
    }
  }
  bool Deserialize(State* s, std::string_view* in) const {
    uint8_t flags = 0;
    if (!GetRaw(in, &flags) || flags > 3) return false;
    s->has = flags & 1;
    if (s->has && !Traits::Take(in, &s->value)) return false;
    if (flags & 2) {
      uint32_t n = 0;
      if (!GetRaw(in, &n)) return false;
      s->multiset = std::make_unique<std::map<T, int64_t>>();
      for (uint32_t i = 0; i < n; ++i) {
        T k{};
        int64_t c = 0;
        if (!Traits::Take(in, &k) || !GetRaw(in, &c)) return false;
        (*s->multiset)[k] = c;
      }
    }
    return true;
  }
  static int64_t HeapBytes(const State& s) {
    int64_t b = Traits::HeapBytes(s.value);
    if (s.multiset) b += static_cast<int64_t>(s.multiset->size() * (sizeof(T) + 48));
    return b;
  }
};

AggregateSignature Unary(TypeMatcher m, ReturnTypeFn ret,
                         decltype(AggregateSignature::make_factory) make) {
  AggregateSignature s;
  s.params = {std::move(m)};
  s.return_type = std::move(ret);
  s.retractable = true;
  s.make_factory = std::move(make);
  return s;
}

using Factory = std::function<std::unique_ptr<Accumulator>()>;

}  // namespace

Result<Factory> MakeCountFactory(const std::vector<DataTypePtr>& params, bool distinct) {
  if (distinct) return MakeCountDistinctFactory(params);
  return MakeFactory(CountOps{});
}

Result<Factory> MakeSumFactory(const DataTypePtr& in, const DataTypePtr& ret) {
  const TypeId id = in->id();
  switch (id) {
    case TypeId::kInt8:
      return MakeFactory(SumOps<int8_t, int64_t>{ret});
    case TypeId::kInt16:
      return MakeFactory(SumOps<int16_t, int64_t>{ret});
    case TypeId::kInt32:
      return MakeFactory(SumOps<int32_t, int64_t>{ret});
    case TypeId::kInt64:
      return MakeFactory(SumOps<int64_t, int64_t>{ret});
    case TypeId::kFloat32:
      return MakeFactory(SumOps<float, double>{ret});
    case TypeId::kFloat64:
      return MakeFactory(SumOps<double, double>{ret});
    case TypeId::kDecimal128:
      return MakeFactory(SumOps<int128_t, int128_t>{ret});
    default:
      return Status::TypeError("SUM needs a numeric argument");
  }
}

Result<Factory> MakeAvgFactory(const DataTypePtr& in, const DataTypePtr& ret) {
  switch (in->id()) {
    case TypeId::kInt8:
      return MakeFactory(AvgOps<int8_t, int128_t, false>{ret});
    case TypeId::kInt16:
      return MakeFactory(AvgOps<int16_t, int128_t, false>{ret});
    case TypeId::kInt32:
      return MakeFactory(AvgOps<int32_t, int128_t, false>{ret});
    case TypeId::kInt64:
      return MakeFactory(AvgOps<int64_t, int128_t, false>{ret});
    case TypeId::kFloat32:
      return MakeFactory(AvgOps<float, double, false>{ret});
    case TypeId::kFloat64:
      return MakeFactory(AvgOps<double, double, false>{ret});
    case TypeId::kDecimal128: {
      AvgOps<int128_t, int128_t, true> ops{ret};
      ops.in_scale = in->scale();
      return MakeFactory(ops);
    }
    default:
      return Status::TypeError("AVG needs a numeric argument");
  }
}

template <bool kMax>
Result<Factory> MakeMinMaxFactory(const DataTypePtr& in) {
  Result<Factory> out =
      Status::TypeError(fmt::format("{} does not accept {}", kMax ? "MAX" : "MIN", in->ToString()));
  VisitOrderable(in->id(), [&]<typename T>() { out = MakeFactory(MinMaxOps<T, kMax>{in}); });
  return out;
}

DataTypePtr SumReturnType(const DataTypePtr& in) {
  if (in->is_integer()) return columnar::int64();
  if (in->id() == TypeId::kDecimal128) return columnar::decimal128(38, in->scale());
  return columnar::float64();
}

DataTypePtr AvgReturnType(const DataTypePtr& in) {
  if (in->id() == TypeId::kDecimal128) {
    return columnar::decimal128(38, std::min(38, std::max(6, in->scale())));
  }
  return columnar::float64();
}

void RegisterBasicAggregates(FunctionRegistry* r) {
  auto numeric = TypeMatcher::Unified([](const columnar::DataType& t) { return t.is_numeric(); });
  auto orderable = TypeMatcher::Unified([](const columnar::DataType& t) {
    return !t.is_nested() && t.id() != TypeId::kInterval && t.id() != TypeId::kNull;
  });

  AggregateFunction count{"count", {}, {}, "number of rows / non-NULL values"};
  {
    AggregateSignature star;
    star.return_type = Returns(columnar::int64());
    star.retractable = true;
    star.make_factory = [](const std::vector<DataTypePtr>& p, const DataTypePtr&, bool distinct) {
      return MakeCountFactory(p, distinct);
    };
    count.signatures.push_back(star);
    AggregateSignature one = star;
    one.params = {TypeMatcher::Any()};
    count.signatures.push_back(one);
  }
  LAMINAR_CHECK(r->RegisterAggregate(std::move(count)).ok());

  AggregateFunction sum{"sum", {}, {}, "sum of non-NULL values; NULL when there are none"};
  sum.signatures.push_back(Unary(
      numeric,
      [](const std::vector<DataTypePtr>& p) -> Result<DataTypePtr> { return SumReturnType(p[0]); },
      [](const std::vector<DataTypePtr>& p, const DataTypePtr& ret,
         bool distinct) -> Result<Factory> {
        if (distinct) return MakeDistinctFactory("sum", p, ret);
        return MakeSumFactory(p[0], ret);
      }));
  LAMINAR_CHECK(r->RegisterAggregate(std::move(sum)).ok());

  AggregateFunction avg{"avg", {"mean"}, {}, "mean of non-NULL values"};
  avg.signatures.push_back(Unary(
      numeric,
      [](const std::vector<DataTypePtr>& p) -> Result<DataTypePtr> { return AvgReturnType(p[0]); },
      [](const std::vector<DataTypePtr>& p, const DataTypePtr& ret,
         bool distinct) -> Result<Factory> {
        if (distinct) return MakeDistinctFactory("avg", p, ret);
        return MakeAvgFactory(p[0], ret);
      }));
  LAMINAR_CHECK(r->RegisterAggregate(std::move(avg)).ok());

  for (bool is_max : {false, true}) {
    AggregateFunction fn{is_max ? "max" : "min", {}, {}, "extreme value"};
    fn.signatures.push_back(Unary(
        orderable, ReturnsParam(0),
        [is_max](const std::vector<DataTypePtr>& p, const DataTypePtr&, bool) -> Result<Factory> {
          return is_max ? MakeMinMaxFactory<true>(p[0]) : MakeMinMaxFactory<false>(p[0]);
        }));
    LAMINAR_CHECK(r->RegisterAggregate(std::move(fn)).ok());
  }
}

}  // namespace laminar::function::internal
