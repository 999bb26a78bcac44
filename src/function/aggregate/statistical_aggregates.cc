// STDDEV/VARIANCE (sample, population), COVAR_SAMP/COVAR_POP, CORR, the REGR_* linear
// regression family, BOOL_AND/BOOL_OR and BIT_AND/BIT_OR/BIT_XOR.
// Moments use weighted Welford updates, which also remove rows (negative weights) exactly as
// they were added, so all of these are retractable.
#include <array>
#include <bit>
#include <cmath>

#include "function/aggregate/aggregates_internal.h"

namespace laminar::function::internal {

namespace {

using Factory = AccumulatorFactory;

enum class Moment {
  kVarSamp,
  kVarPop,
  kStddevSamp,
  kStddevPop,
  kCovarSamp,
  kCovarPop,
  kCorr,
  // REGR_*(y, x): the first argument is the dependent variable (state x), the second the
  // independent one (state y), as in SQL:2003.
  kRegrSlope,
  kRegrIntercept,
  kRegrR2,
  kRegrAvgX,
  kRegrAvgY,
  kRegrSxx,
  kRegrSyy,
  kRegrSxy,
};

const char* MomentName(Moment m) {
  switch (m) {
    case Moment::kVarSamp:
      return "VAR_SAMP";
    case Moment::kVarPop:
      return "VAR_POP";
    case Moment::kStddevSamp:
      return "STDDEV_SAMP";
    case Moment::kStddevPop:
      return "STDDEV_POP";
    case Moment::kCovarSamp:
      return "COVAR_SAMP";
    case Moment::kCovarPop:
      return "COVAR_POP";
    case Moment::kCorr:
      return "CORR";
    case Moment::kRegrSlope:
      return "REGR_SLOPE";
    case Moment::kRegrIntercept:
      return "REGR_INTERCEPT";
    case Moment::kRegrR2:
      return "REGR_R2";
    case Moment::kRegrAvgX:
      return "REGR_AVGX";
    case Moment::kRegrAvgY:
      return "REGR_AVGY";
    case Moment::kRegrSxx:
      return "REGR_SXX";
    case Moment::kRegrSyy:
      return "REGR_SYY";
    case Moment::kRegrSxy:
      return "REGR_SXY";
  }
  return "?";
}

struct MomentOps {
  static constexpr const char* kName = "STATISTICAL AGGREGATE";
  static constexpr bool kRetractable = true;
  static constexpr bool kSkipNulls = true;
  using Builder = columnar::FixedWidthBuilder<double>;
  struct State {
    int64_t n = 0;
    double mean_x = 0, mean_y = 0, m2_x = 0, m2_y = 0, c_xy = 0;
  };
  DataTypePtr return_type = columnar::float64();
  Moment moment = Moment::kVarSamp;
  struct Reader {
    const double* x;
    const double* y;
  };
  Reader Prepare(std::span<const ArrayPtr> args) const {
    return {args[0]->values<double>(), args.size() > 1 ? args[1]->values<double>() : nullptr};
  }
  static void Apply(State& s, double x, double y, int64_t w) {
    const int64_t n2 = s.n + w;
    if (n2 <= 0) {
      s = State{};
      if (n2 < 0) s.n = n2;  // more retractions than insertions: keep the count honest
      return;
    }
    const double dx = x - s.mean_x, dy = y - s.mean_y;
    const double fw = static_cast<double>(w), fn = static_cast<double>(n2);
    s.mean_x += fw * dx / fn;
    s.mean_y += fw * dy / fn;
    s.m2_x += fw * dx * (x - s.mean_x);
    s.m2_y += fw * dy * (y - s.mean_y);
    s.c_xy += fw * dx * (y - s.mean_y);
    s.n = n2;
  }
  Status Add(State& s, const Reader& r, int64_t i, int64_t w) const {
    Apply(s, r.x[i], r.y ? r.y[i] : 0.0, w);
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    if (s.n == 0) return Status::OK();
    if (d.n == 0) {
      d = s;
      return Status::OK();
    }
    const double na = static_cast<double>(d.n), nb = static_cast<double>(s.n), n = na + nb;
    const double dx = s.mean_x - d.mean_x, dy = s.mean_y - d.mean_y;
    d.m2_x += s.m2_x + dx * dx * na * nb / n;
    d.m2_y += s.m2_y + dy * dy * na * nb / n;
    d.c_xy += s.c_xy + dx * dy * na * nb / n;
    d.mean_x += dx * nb / n;
    d.mean_y += dy * nb / n;
    d.n += s.n;
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    const double n = static_cast<double>(s.n);
    const bool samp = moment == Moment::kVarSamp || moment == Moment::kStddevSamp ||
                      moment == Moment::kCovarSamp || moment == Moment::kCorr;
    if (s.n < (samp ? 2 : 1)) {
      b->AppendNull();
      return Status::OK();
    }
    double v = 0;
    switch (moment) {
      case Moment::kVarSamp:
        v = std::max(0.0, s.m2_x / (n - 1));
        break;
      case Moment::kVarPop:
        v = std::max(0.0, s.m2_x / n);
        break;
      case Moment::kStddevSamp:
        v = std::sqrt(std::max(0.0, s.m2_x / (n - 1)));
        break;
      case Moment::kStddevPop:
        v = std::sqrt(std::max(0.0, s.m2_x / n));
        break;
      case Moment::kCovarSamp:
        v = s.c_xy / (n - 1);
        break;
      case Moment::kCovarPop:
        v = s.c_xy / n;
        break;
      case Moment::kCorr: {
        double den = std::sqrt(s.m2_x * s.m2_y);
        if (den == 0) {
          b->AppendNull();
          return Status::OK();
        }
        v = s.c_xy / den;
        break;
      }
      // Regression of the first argument (state x) on the second (state y).
      case Moment::kRegrSlope:
      case Moment::kRegrIntercept:
        if (s.m2_y == 0) {
          b->AppendNull();
          return Status::OK();
        }
        v = s.c_xy / s.m2_y;
        if (moment == Moment::kRegrIntercept) v = s.mean_x - v * s.mean_y;
        break;
      case Moment::kRegrR2:
        if (s.m2_y == 0) {
          b->AppendNull();
          return Status::OK();
        }
        v = s.m2_x == 0 ? 1.0 : (s.c_xy * s.c_xy) / (s.m2_x * s.m2_y);
        break;
      case Moment::kRegrAvgX:
        v = s.mean_y;
        break;
      case Moment::kRegrAvgY:
        v = s.mean_x;
        break;
      case Moment::kRegrSxx:
        v = std::max(0.0, s.m2_y);
        break;
      case Moment::kRegrSyy:
        v = std::max(0.0, s.m2_x);
        break;
      case Moment::kRegrSxy:
        v = s.c_xy;
        break;
    }
    b->Append(v);
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw(out, s.n);
    PutRaw(out, s.mean_x);
    PutRaw(out, s.mean_y);
    PutRaw(out, s.m2_x);
    PutRaw(out, s.m2_y);
    PutRaw(out, s.c_xy);
  }
  bool Deserialize(State* s, std::string_view* in) const {
    return GetRaw(in, &s->n) && GetRaw(in, &s->mean_x) && GetRaw(in, &s->mean_y) &&
           GetRaw(in, &s->m2_x) && GetRaw(in, &s->m2_y) && GetRaw(in, &s->c_xy);
  }
};

template <bool kAnd>
struct BoolOps {
  static constexpr const char* kName = kAnd ? "BOOL_AND" : "BOOL_OR";
  static constexpr bool kRetractable = true;
  static constexpr bool kSkipNulls = true;
  using Builder = columnar::BooleanBuilder;
  struct State {
    int64_t trues = 0;
    int64_t falses = 0;
  };
  DataTypePtr return_type = columnar::boolean();
  struct Reader {
    const columnar::Array* a;
  };
  Reader Prepare(std::span<const ArrayPtr> args) const { return {args[0].get()}; }
  Status Add(State& s, const Reader& r, int64_t i, int64_t w) const {
    (r.a->GetBool(i) ? s.trues : s.falses) += w;
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    d.trues += s.trues;
    d.falses += s.falses;
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (s.trues + s.falses <= 0) {
      b->AppendNull();
    } else {
      b->Append(kAnd ? s.falses <= 0 : s.trues > 0);
    }
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw(out, s.trues);
    PutRaw(out, s.falses);
  }
  bool Deserialize(State* s, std::string_view* in) const {
    return GetRaw(in, &s->trues) && GetRaw(in, &s->falses);
  }
};

enum class BitOp { kAnd, kOr, kXor };

/// BIT_AND / BIT_OR / BIT_XOR over BIGINT. Each keeps, per bit, how many rows have it set (and
/// the row count), so removing a row (negative weight) is exact for all three.
template <BitOp kOp>
struct BitOps {
  static constexpr const char* kName = kOp == BitOp::kAnd  ? "BIT_AND"
                                       : kOp == BitOp::kOr ? "BIT_OR"
                                                           : "BIT_XOR";
  static constexpr bool kRetractable = true;
  static constexpr bool kSkipNulls = true;
  using Builder = columnar::FixedWidthBuilder<int64_t>;
  struct State {
    int64_t n = 0;
    std::array<int64_t, 64> ones{};
  };
  DataTypePtr return_type = columnar::int64();
  struct Reader {
    const int64_t* v;
  };
  Reader Prepare(std::span<const ArrayPtr> args) const { return {args[0]->values<int64_t>()}; }
  Status Add(State& s, const Reader& r, int64_t i, int64_t w) const {
    auto bits = static_cast<uint64_t>(r.v[i]);
    s.n += w;
    while (bits != 0) {
      s.ones[static_cast<size_t>(std::countr_zero(bits))] += w;
      bits &= bits - 1;
    }
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    d.n += s.n;
    for (size_t k = 0; k < 64; ++k) d.ones[k] += s.ones[k];
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (s.n <= 0) {
      b->AppendNull();
      return Status::OK();
    }
    uint64_t out = 0;
    for (size_t k = 0; k < 64; ++k) {
      const int64_t c = s.ones[k];
      const bool set = kOp == BitOp::kAnd ? c == s.n : kOp == BitOp::kOr ? c > 0 : (c & 1) != 0;
      if (set) out |= uint64_t{1} << k;
    }
    b->Append(static_cast<int64_t>(out));
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw(out, s.n);
    for (int64_t c : s.ones) PutRaw(out, c);
  }
  bool Deserialize(State* s, std::string_view* in) const {
    if (!GetRaw(in, &s->n)) return false;
    for (auto& c : s->ones) {
      if (!GetRaw(in, &c)) return false;
    }
    return true;
  }
};

AggregateSignature Sig(std::vector<TypeMatcher> params, DataTypePtr ret,
                       std::function<Factory()> make) {
  AggregateSignature s;
  s.params = std::move(params);
  s.return_type = Returns(std::move(ret));
  s.retractable = true;
  s.make_factory = [make](const std::vector<DataTypePtr>&, const DataTypePtr&,
                          bool distinct) -> Result<Factory> {
    if (distinct) return Status::NotImplemented("DISTINCT is not supported for this aggregate");
    return make();
  };
  return s;
}

}  // namespace

void RegisterStatisticalAggregates(FunctionRegistry* r) {
  const TypeMatcher kD = TypeMatcher::Exact(TypeId::kFloat64);
  struct Entry {
    const char* name;
    std::vector<std::string> aliases;
    Moment m;
    int args;
  };
  const Entry entries[] = {
      {"stddev_samp", {"stddev", "std"}, Moment::kStddevSamp, 1},
      {"stddev_pop", {}, Moment::kStddevPop, 1},
      {"var_samp", {"variance", "var"}, Moment::kVarSamp, 1},
      {"var_pop", {}, Moment::kVarPop, 1},
      {"covar_samp", {"covar"}, Moment::kCovarSamp, 2},
      {"covar_pop", {}, Moment::kCovarPop, 2},
      {"corr", {}, Moment::kCorr, 2},
      {"regr_slope", {}, Moment::kRegrSlope, 2},
      {"regr_intercept", {}, Moment::kRegrIntercept, 2},
      {"regr_r2", {}, Moment::kRegrR2, 2},
      {"regr_avgx", {}, Moment::kRegrAvgX, 2},
      {"regr_avgy", {}, Moment::kRegrAvgY, 2},
      {"regr_sxx", {}, Moment::kRegrSxx, 2},
      {"regr_syy", {}, Moment::kRegrSyy, 2},
      {"regr_sxy", {}, Moment::kRegrSxy, 2},
  };
  for (const auto& e : entries) {
    AggregateFunction fn{e.name, e.aliases, {}, MomentName(e.m)};
    Moment m = e.m;
    std::vector<TypeMatcher> params(static_cast<size_t>(e.args), kD);
    fn.signatures.push_back(Sig(params, columnar::float64(), [m]() {
      MomentOps ops;
      ops.moment = m;
      return MakeFactory(ops);
    }));
    LAMINAR_CHECK(r->RegisterAggregate(std::move(fn)).ok());
  }
  const TypeMatcher kB = TypeMatcher::Exact(TypeId::kBoolean);
  AggregateFunction band{"bool_and", {"every"}, {}, "TRUE when every value is TRUE"};
  band.signatures.push_back(
      Sig({kB}, columnar::boolean(), [] { return MakeFactory(BoolOps<true>{}); }));
  LAMINAR_CHECK(r->RegisterAggregate(std::move(band)).ok());
  AggregateFunction bor{"bool_or", {"any", "some"}, {}, "TRUE when any value is TRUE"};
  bor.signatures.push_back(
      Sig({kB}, columnar::boolean(), [] { return MakeFactory(BoolOps<false>{}); }));
  LAMINAR_CHECK(r->RegisterAggregate(std::move(bor)).ok());
  const TypeMatcher kI = TypeMatcher::Exact(TypeId::kInt64);
  AggregateFunction bit_and{"bit_and", {}, {}, "bitwise AND of the non-NULL values"};
  bit_and.signatures.push_back(
      Sig({kI}, columnar::int64(), [] { return MakeFactory(BitOps<BitOp::kAnd>{}); }));
  LAMINAR_CHECK(r->RegisterAggregate(std::move(bit_and)).ok());
  AggregateFunction bit_or{"bit_or", {}, {}, "bitwise OR of the non-NULL values"};
  bit_or.signatures.push_back(
      Sig({kI}, columnar::int64(), [] { return MakeFactory(BitOps<BitOp::kOr>{}); }));
  LAMINAR_CHECK(r->RegisterAggregate(std::move(bit_or)).ok());
  AggregateFunction bit_xor{"bit_xor", {}, {}, "bitwise XOR of the non-NULL values"};
  bit_xor.signatures.push_back(
      Sig({kI}, columnar::int64(), [] { return MakeFactory(BitOps<BitOp::kXor>{}); }));
  LAMINAR_CHECK(r->RegisterAggregate(std::move(bit_xor)).ok());
}

}  // namespace laminar::function::internal
