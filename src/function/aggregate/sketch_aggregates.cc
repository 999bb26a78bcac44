// APPROX_COUNT_DISTINCT (HyperLogLog), APPROX_PERCENTILE_CONT / APPROX_MEDIAN (a mergeable
// centroid digest), MEDIAN / PERCENTILE_CONT (exact, retractable).
#include <algorithm>
#include <cmath>
#include <map>

#include "common/hash.h"
#include "function/aggregate/aggregates_internal.h"

namespace laminar::function::internal {

namespace {

using Factory = AccumulatorFactory;

// ---------------------------------------------------------------------------------------------
// HyperLogLog with 2^12 registers (standard error ≈ 1.6%). Registers are allocated on the first
// value, so empty groups cost nothing.

constexpr int kHllBits = 12;
constexpr size_t kHllRegisters = size_t{1} << kHllBits;

template <typename T>
uint64_t HashValue(const T& v) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    return HashString(v);
  } else if constexpr (std::is_same_v<T, int128_t>) {
    return HashCombine(HashInt64(static_cast<uint64_t>(v)),
                       HashInt64(static_cast<uint64_t>(v >> 64)));
  } else if constexpr (std::is_floating_point_v<T>) {
    double d = static_cast<double>(v);
    if (d == 0) d = 0;
    uint64_t b;
    std::memcpy(&b, &d, 8);
    return HashInt64(b);
  } else {
    return HashInt64(static_cast<uint64_t>(static_cast<int64_t>(v)));
  }
}

template <typename T>
struct HllOps {
  static constexpr const char* kName = "APPROX_COUNT_DISTINCT";
  static constexpr bool kRetractable = false;
  static constexpr bool kSkipNulls = true;
  using Builder = columnar::FixedWidthBuilder<int64_t>;
  struct State {
    std::vector<uint8_t> registers;  // empty: no values yet
  };
  DataTypePtr return_type = columnar::int64();
  using Reader = typename ValueTraits<T>::Reader;
  Reader Prepare(std::span<const ArrayPtr> args) const {
    return ValueTraits<T>::MakeReader(*args[0]);
  }
  Status Add(State& s, const Reader& r, int64_t i, int64_t) const {
    if (s.registers.empty()) s.registers.assign(kHllRegisters, 0);
    uint64_t h = HashValue(r.Get(i));
    size_t idx = h >> (64 - kHllBits);
    uint64_t rest = (h << kHllBits) | (uint64_t{1} << (kHllBits - 1));
    uint8_t rho = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
    if (rho > s.registers[idx]) s.registers[idx] = rho;
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    if (s.registers.empty()) return Status::OK();
    if (d.registers.empty()) d.registers.assign(kHllRegisters, 0);
    for (size_t i = 0; i < kHllRegisters; ++i)
      d.registers[i] = std::max(d.registers[i], s.registers[i]);
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (s.registers.empty()) {
      b->Append(0);
      return Status::OK();
    }
    const double m = static_cast<double>(kHllRegisters);
    double sum = 0;
    int zeros = 0;
    for (uint8_t r : s.registers) {
      sum += std::ldexp(1.0, -r);
      zeros += r == 0;
    }
    const double alpha = 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0) e = m * std::log(m / zeros);
    b->Append(static_cast<int64_t>(std::llround(e)));
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw<uint8_t>(out, s.registers.empty() ? 0 : 1);
    if (!s.registers.empty()) {
      out->append(reinterpret_cast<const char*>(s.registers.data()), s.registers.size());
    }
  }
  bool Deserialize(State* s, std::string_view* in) const {
    uint8_t has = 0;
    if (!GetRaw(in, &has) || has > 1) return false;
    if (!has) return true;
    if (in->size() < kHllRegisters) return false;
    s->registers.assign(in->begin(), in->begin() + kHllRegisters);
    in->remove_prefix(kHllRegisters);
    for (uint8_t r : s->registers) {
      if (r > 64 - kHllBits + 1) return false;
    }
    return true;
  }
  static int64_t HeapBytes(const State& s) { return static_cast<int64_t>(s.registers.capacity()); }
};

// ---------------------------------------------------------------------------------------------
// Percentile digest: (mean, weight) centroids, compressed t-digest style (centroids near the
// tails stay small) whenever the buffer exceeds 2·kCompression. Mergeable by concatenation.

constexpr size_t kCompression = 200;

double ReadP(const columnar::Array* p, int64_t i) {
  return p && !p->IsNull(i) ? p->values<double>()[i] : 0.5;
}

Status CheckP(double p) {
  if (!(p >= 0 && p <= 1)) {
    return ExecError(
        fmt::format("percentile must be between 0 and 1, got {}", columnar::FormatDouble(p)));
  }
  return Status::OK();
}

struct DigestOps {
  static constexpr const char* kName = "APPROX_PERCENTILE_CONT";
  static constexpr bool kRetractable = false;
  static constexpr bool kSkipNulls = true;
  using Builder = columnar::FixedWidthBuilder<double>;
  struct State {
    double p = 0.5;
    double total = 0;
    std::vector<std::pair<double, double>> centroids;
  };
  DataTypePtr return_type = columnar::float64();
  double fixed_p = -1;  // >= 0: APPROX_MEDIAN
  struct Reader {
    const double* x;
    const columnar::Array* p;
  };
  Reader Prepare(std::span<const ArrayPtr> args) const {
    return {args[0]->values<double>(), args.size() > 1 ? args[1].get() : nullptr};
  }
  static void Compress(State& s) {
    auto& c = s.centroids;
    std::sort(c.begin(), c.end());
    std::vector<std::pair<double, double>> out;
    double cum = 0;
    for (const auto& [mean, w] : c) {
      if (!out.empty()) {
        double q = (cum + out.back().second / 2) / s.total;
        double limit = std::max(1.0, 4 * s.total * q * (1 - q) / kCompression);
        if (out.back().second + w <= limit) {
          auto& last = out.back();
          double nw = last.second + w;
          last.first += (mean - last.first) * w / nw;
          last.second = nw;
          continue;
        }
        cum += out.back().second;
      }
      out.emplace_back(mean, w);
    }
    c.swap(out);
  }
  Status Add(State& s, const Reader& r, int64_t i, int64_t) const {
    if (s.centroids.empty()) {
      s.p = fixed_p >= 0 ? fixed_p : ReadP(r.p, i);
      LAMINAR_RETURN_NOT_OK(CheckP(s.p));
    }
    s.centroids.emplace_back(r.x[i], 1.0);
    s.total += 1;
    if (s.centroids.size() > 2 * kCompression) Compress(s);
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    if (d.centroids.empty()) d.p = s.p;
    d.centroids.insert(d.centroids.end(), s.centroids.begin(), s.centroids.end());
    d.total += s.total;
    if (d.centroids.size() > 2 * kCompression) Compress(d);
    return Status::OK();
  }
  Status Finalize(const State& in, Builder* b) const {
    if (in.centroids.empty()) {
      b->AppendNull();
      return Status::OK();
    }
    State s = in;
    Compress(s);
    const auto& c = s.centroids;
    if (c.size() == 1) {
      b->Append(c[0].first);
      return Status::OK();
    }
    const double target = s.p * s.total;
    double cum = 0;
    double prev_mid = 0, prev_mean = c[0].first;
    for (size_t k = 0; k < c.size(); ++k) {
      double mid = cum + c[k].second / 2;
      if (target <= mid) {
        if (k == 0) {
          b->Append(c[0].first);
        } else {
          double t = (target - prev_mid) / (mid - prev_mid);
          b->Append(prev_mean + t * (c[k].first - prev_mean));
        }
        return Status::OK();
      }
      prev_mid = mid;
      prev_mean = c[k].first;
      cum += c[k].second;
    }
    b->Append(c.back().first);
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw(out, s.p);
    PutRaw(out, s.total);
    PutRaw<uint32_t>(out, static_cast<uint32_t>(s.centroids.size()));
    for (const auto& [m, w] : s.centroids) {
      PutRaw(out, m);
      PutRaw(out, w);
    }
  }
  bool Deserialize(State* s, std::string_view* in) const {
    uint32_t n = 0;
    if (!GetRaw(in, &s->p) || !GetRaw(in, &s->total) || !GetRaw(in, &n)) return false;
    if (in->size() < size_t{n} * 16) return false;
    s->centroids.resize(n);
    for (auto& [m, w] : s->centroids) {
      if (!GetRaw(in, &m) || !GetRaw(in, &w)) return false;
    }
    return true;
  }
  static int64_t HeapBytes(const State& s) {
    return static_cast<int64_t>(s.centroids.capacity() * 16);
  }
};

// ---------------------------------------------------------------------------------------------
// Exact MEDIAN / PERCENTILE_CONT over a per-group ordered multiset (retractable).

struct ExactPercentileOps {
  static constexpr const char* kName = "PERCENTILE_CONT";
  static constexpr bool kRetractable = true;
  static constexpr bool kSkipNulls = true;
  using Builder = columnar::FixedWidthBuilder<double>;
  struct State {
    double p = 0.5;
    int64_t n = 0;
    std::map<double, int64_t> counts;
  };
  DataTypePtr return_type = columnar::float64();
  double fixed_p = -1;
  /// PERCENTILE_DISC: the smallest value whose cumulative share of the rows reaches p (no
  /// interpolation between neighbours).
  bool discrete = false;
  struct Reader {
    const double* x;
    const columnar::Array* p;
  };
  Reader Prepare(std::span<const ArrayPtr> args) const {
    return {args[0]->values<double>(), args.size() > 1 ? args[1].get() : nullptr};
  }
  Status Add(State& s, const Reader& r, int64_t i, int64_t w) const {
    if (s.counts.empty()) {
      s.p = fixed_p >= 0 ? fixed_p : ReadP(r.p, i);
      LAMINAR_RETURN_NOT_OK(CheckP(s.p));
    }
    auto& c = s.counts[r.x[i]];
    c += w;
    if (c == 0) s.counts.erase(r.x[i]);
    s.n += w;
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    if (d.counts.empty()) d.p = s.p;
    for (const auto& [v, c] : s.counts) {
      auto& slot = d.counts[v];
      slot += c;
      if (slot == 0) d.counts.erase(v);
    }
    d.n += s.n;
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (s.n <= 0) {
      b->AppendNull();
      return Status::OK();
    }
    if (discrete) {
      // 1-based rank ceil(p * n), at least 1.
      const auto rank =
          std::max<int64_t>(1, static_cast<int64_t>(std::ceil(s.p * static_cast<double>(s.n))));
      int64_t seen = 0;
      for (const auto& [v, c] : s.counts) {
        if (c <= 0) continue;
        seen += c;
        if (seen >= rank) {
          b->Append(v);
          return Status::OK();
        }
      }
      b->AppendNull();
      return Status::OK();
    }
    const double pos = s.p * static_cast<double>(s.n - 1);
    const auto lo = static_cast<int64_t>(std::floor(pos));
    const auto hi = static_cast<int64_t>(std::ceil(pos));
    double lo_v = 0, hi_v = 0;
    int64_t seen = 0;
    bool got_lo = false;
    for (const auto& [v, c] : s.counts) {
      if (c <= 0) continue;
      if (!got_lo && lo < seen + c) {
        lo_v = v;
        got_lo = true;
      }
      if (hi < seen + c) {
        hi_v = v;
        break;
      }
      seen += c;
    }
    b->Append(lo_v + (hi_v - lo_v) * (pos - static_cast<double>(lo)));
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw(out, s.p);
    PutRaw(out, s.n);
    PutRaw<uint32_t>(out, static_cast<uint32_t>(s.counts.size()));
    for (const auto& [v, c] : s.counts) {
      PutRaw(out, v);
      PutRaw(out, c);
    }
  }
  bool Deserialize(State* s, std::string_view* in) const {
    uint32_t n = 0;
    if (!GetRaw(in, &s->p) || !GetRaw(in, &s->n) || !GetRaw(in, &n)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      double v;
      int64_t c;
      if (!GetRaw(in, &v) || !GetRaw(in, &c)) return false;
      s->counts[v] = c;
    }
    return true;
  }
  static int64_t HeapBytes(const State& s) { return static_cast<int64_t>(s.counts.size() * 64); }
};

AggregateSignature DoubleSig(int nargs, std::function<Factory()> make) {
  AggregateSignature s;
  s.params.assign(static_cast<size_t>(nargs), TypeMatcher::Exact(TypeId::kFloat64));
  s.return_type = Returns(columnar::float64());
  s.retractable = true;
  s.make_factory = [make](const std::vector<DataTypePtr>&, const DataTypePtr&,
                          bool distinct) -> Result<Factory> {
    if (distinct) return Status::NotImplemented("DISTINCT is not supported for this aggregate");
    return make();
  };
  return s;
}

}  // namespace

void RegisterSketchAggregates(FunctionRegistry* r) {
  {
    AggregateFunction fn{"approx_count_distinct", {"approx_distinct"}, {}, "HyperLogLog"};
    AggregateSignature s;
    s.params = {TypeMatcher::Unified([](const columnar::DataType& t) {
      return !t.is_nested() && t.id() != TypeId::kInterval && t.id() != TypeId::kNull;
    })};
    s.return_type = Returns(columnar::int64());
    s.make_factory = [](const std::vector<DataTypePtr>& p, const DataTypePtr&,
                        bool) -> Result<Factory> {
      Result<Factory> out = Status::TypeError("unsupported APPROX_COUNT_DISTINCT type");
      VisitOrderable(p[0]->id(), [&]<typename T>() { out = MakeFactory(HllOps<T>{}); });
      return out;
    };
    fn.signatures.push_back(s);
    LAMINAR_CHECK(r->RegisterAggregate(std::move(fn)).ok());
  }
  {
    AggregateFunction fn{"approx_percentile_cont", {"approx_percentile"}, {}, "digest"};
    fn.signatures.push_back(DoubleSig(2, [] { return MakeFactory(DigestOps{}); }));
    LAMINAR_CHECK(r->RegisterAggregate(std::move(fn)).ok());
    AggregateFunction med{"approx_median", {}, {}, "digest median"};
    med.signatures.push_back(DoubleSig(1, [] {
      DigestOps ops;
      ops.fixed_p = 0.5;
      return MakeFactory(ops);
    }));
    LAMINAR_CHECK(r->RegisterAggregate(std::move(med)).ok());
  }
  {
    AggregateFunction fn{"percentile_cont", {}, {}, "exact percentile"};
    fn.signatures.push_back(DoubleSig(2, [] { return MakeFactory(ExactPercentileOps{}); }));
    LAMINAR_CHECK(r->RegisterAggregate(std::move(fn)).ok());
    AggregateFunction disc{"percentile_disc", {}, {}, "exact discrete percentile"};
    disc.signatures.push_back(DoubleSig(2, [] {
      ExactPercentileOps ops;
      ops.discrete = true;
      return MakeFactory(ops);
    }));
    LAMINAR_CHECK(r->RegisterAggregate(std::move(disc)).ok());
    AggregateFunction med{"median", {}, {}, "exact median"};
    med.signatures.push_back(DoubleSig(1, [] {
      ExactPercentileOps ops;
      ops.fixed_p = 0.5;
      return MakeFactory(ops);
    }));
    LAMINAR_CHECK(r->RegisterAggregate(std::move(med)).ok());
  }
}

}  // namespace laminar::function::internal
