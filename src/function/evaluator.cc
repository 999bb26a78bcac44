#include "function/evaluator.h"

#include <fmt/format.h>

#include <bit>
#include <chrono>
#include <optional>

#include "columnar/record_batch.h"
#include "common/macros.h"
#include "function/scalar/kernel_util.h"

namespace laminar::function {

using columnar::Buffer;
namespace bit_util = columnar::bit_util;

namespace internal {

/// A compiled expression node. Immutable after compilation.
struct Node {
  ExprKind kind = ExprKind::kLiteral;
  DataTypePtr type;
  int column_index = -1;
  Scalar literal;
  std::string function_name;
  const ScalarSignature* sig = nullptr;
  std::shared_ptr<const void> state;
  bool try_cast = false;
  bool has_else = false;
  /// The subtree may fail at run time (so it must only see rows that reach it).
  bool can_error = false;
  /// The subtree reads no columns and is deterministic (foldable).
  bool is_constant = false;
  /// DOUBLE add/subtract/multiply whose argument `widened_arg` is CAST(<BIGINT> AS DOUBLE):
  /// evaluated in one pass that converts each value as it is used (`0.908 * price`), instead of
  /// casting the whole column into a temporary first. -1: not fused.
  int widened_arg = -1;
  /// `MOD(x, d) = 0` (either side) with a BIGINT x and a constant d > 0: evaluated as one
  /// divisibility test per row (a multiply and a compare: x * inverse(d) mod 2^64), without the
  /// remainder column (Nexmark q2's `MOD(auction, 123) = 0`). 0: not fused.
  int64_t divisible_by = 0;
  std::vector<std::unique_ptr<Node>> children;
};

}  // namespace internal

using internal::Node;

namespace {

/// The columns an evaluation sees: the batch's columns, or a gathered subset of rows of them.
struct Input {
  const std::vector<ArrayPtr>* columns;
  int64_t num_rows;
};

Result<Datum> Eval(const Node& node, const Input& in, const EvalContext& ctx);

/// True when a call in the subtree has a volatile result (NOW(): it reads the evaluation time).
bool HasVolatileCall(const Node& node) {
  if (node.sig != nullptr && node.sig->volatile_result) return true;
  for (const auto& child : node.children) {
    if (HasVolatileCall(*child)) return true;
  }
  return false;
}

/// Marks the input columns `node` reads (column references anywhere in the subtree).
void MarkUsedColumns(const Node& node, std::vector<bool>* used) {
  if (node.kind == ExprKind::kColumnRef) {
    const auto idx = static_cast<size_t>(node.column_index);
    if (idx < used->size()) (*used)[idx] = true;
  }
  for (const auto& child : node.children) MarkUsedColumns(*child, used);
}

/// Gathers the rows `sel` of the columns `node` reads (a sub-input for lazy evaluation). The
/// other columns stay null: copying them (e.g. a wide string column next to the price a
/// predicate tests) cost more than evaluating the predicate.
std::vector<ArrayPtr> GatherColumns(const Node& node, const Input& in,
                                    std::span<const int32_t> sel) {
  std::vector<ArrayPtr> out(in.columns->size());
  std::vector<bool> used(out.size(), false);
  MarkUsedColumns(node, &used);
  for (size_t i = 0; i < out.size(); ++i) {
    if (used[i] && (*in.columns)[i]) out[i] = columnar::Take(*(*in.columns)[i], sel);
  }
  return out;
}

/// Evaluates `node` on the rows `sel` of `in` only (all rows when sel.size() == num_rows).
Result<Datum> EvalOnRows(const Node& node, const Input& in, std::span<const int32_t> sel,
                         const EvalContext& ctx, std::vector<ArrayPtr>* holder) {
  if (static_cast<int64_t>(sel.size()) == in.num_rows) return Eval(node, in, ctx);
  *holder = GatherColumns(node, in, sel);
  Input sub{holder, static_cast<int64_t>(sel.size())};
  return Eval(node, sub, ctx);
}

/// Splits a boolean datum into aligned TRUE and FALSE bitmaps (offset 0, `n` bits, padded to
/// whole 64-bit words).
void TrueFalseBits(const Datum& d, int64_t n, std::vector<uint64_t>* t, std::vector<uint64_t>* f) {
  const size_t words = static_cast<size_t>((n + 63) / 64);
  t->assign(words, 0);
  f->assign(words, 0);
  if (d.is_scalar()) {
    if (d.scalar->is_null()) return;
    auto* target = d.scalar->bool_value() ? t : f;
    for (auto& w : *target) w = ~uint64_t{0};
  } else {
    const Array& a = *d.array;
    if (a.type_id() == TypeId::kNull) return;
    uint8_t* tb = reinterpret_cast<uint8_t*>(t->data());
    bit_util::CopyBits(a.bool_bits(), a.offset(), n, tb, 0);
    const uint8_t* v = a.validity();
    if (v) {
      std::vector<uint64_t> valid(words, 0);
      bit_util::CopyBits(v, a.offset(), n, reinterpret_cast<uint8_t*>(valid.data()), 0);
      for (size_t w = 0; w < words; ++w) {
        (*f)[w] = valid[w] & ~(*t)[w];
        (*t)[w] &= valid[w];
      }
    } else {
      for (size_t w = 0; w < words; ++w) (*f)[w] = ~(*t)[w];
    }
  }
  if (n % 64) {
    uint64_t mask = (uint64_t{1} << (n % 64)) - 1;
    t->back() &= mask;
    f->back() &= mask;
  }
}

/// Builds a BOOLEAN array from TRUE/FALSE bitmaps (rows in neither are NULL).
ArrayPtr FromTrueFalse(const std::vector<uint64_t>& t, const std::vector<uint64_t>& f, int64_t n) {
  const int64_t nbytes = bit_util::BytesForBits(n);
  auto values = Buffer::Allocate(nbytes);
  std::memcpy(values->mutable_data(), t.data(), static_cast<size_t>(nbytes));
  int64_t valid_count = 0;
  for (size_t w = 0; w < t.size(); ++w) valid_count += __builtin_popcountll(t[w] | f[w]);
  BufferPtr validity;
  if (valid_count != n) {
    validity = Buffer::Allocate(nbytes);
    std::vector<uint64_t> tmp(t.size());
    for (size_t w = 0; w < t.size(); ++w) tmp[w] = t[w] | f[w];
    std::memcpy(validity->mutable_data(), tmp.data(), static_cast<size_t>(nbytes));
  }
  return MakeFixedArray(columnar::boolean(), n, std::move(validity), std::move(values),
                        n - valid_count);
}

void AppendSetBits(const std::vector<uint64_t>& bits, std::vector<int32_t>* out) {
  for (size_t w = 0; w < bits.size(); ++w) {
    uint64_t word = bits[w];
    while (word) {
      int b = __builtin_ctzll(word);
      out->push_back(static_cast<int32_t>(w * 64 + static_cast<size_t>(b)));
      word &= word - 1;
    }
  }
}

Result<Datum> EvalAndOr(const Node& node, const Input& in, const EvalContext& ctx) {
  const bool is_and = node.kind == ExprKind::kAnd;
  const int64_t n = in.num_rows;
  std::vector<uint64_t> t, f, t2, f2;
  LAMINAR_ASSIGN_OR_RETURN(auto first, Eval(*node.children[0], in, ctx));
  TrueFalseBits(first, n, &t, &f);
  std::vector<int32_t> sel;
  std::vector<ArrayPtr> holder;
  for (size_t c = 1; c < node.children.size(); ++c) {
    // Undecided rows: not yet FALSE (AND) / not yet TRUE (OR).
    const auto& decided = is_and ? f : t;
    int64_t decided_count = 0;
    for (auto w : decided) decided_count += __builtin_popcountll(w);
    if (decided_count == n) break;
    const Node& child = *node.children[c];
    Datum d;
    if (decided_count == 0 || !child.can_error) {
      LAMINAR_ASSIGN_OR_RETURN(d, Eval(child, in, ctx));
      TrueFalseBits(d, n, &t2, &f2);
    } else {
      sel.clear();
      std::vector<uint64_t> undecided(decided.size());
      for (size_t w = 0; w < decided.size(); ++w) undecided[w] = ~decided[w];
      if (n % 64) undecided.back() &= (uint64_t{1} << (n % 64)) - 1;
      AppendSetBits(undecided, &sel);
      LAMINAR_ASSIGN_OR_RETURN(d, EvalOnRows(child, in, sel, ctx, &holder));
      std::vector<uint64_t> st, sf;
      TrueFalseBits(d, static_cast<int64_t>(sel.size()), &st, &sf);
      t2.assign(t.size(), 0);
      f2.assign(t.size(), 0);
      for (size_t k = 0; k < sel.size(); ++k) {
        const size_t row = static_cast<size_t>(sel[k]);
        if ((st[k / 64] >> (k % 64)) & 1) t2[row / 64] |= uint64_t{1} << (row % 64);
        if ((sf[k / 64] >> (k % 64)) & 1) f2[row / 64] |= uint64_t{1} << (row % 64);
      }
    }
    if (is_and) {
      for (size_t w = 0; w < t.size(); ++w) {
        t[w] &= t2[w];
        f[w] |= f2[w];
      }
    } else {
      for (size_t w = 0; w < t.size(); ++w) {
        t[w] |= t2[w];
        f[w] &= f2[w];
      }
    }
  }
  return Datum::FromArray(FromTrueFalse(t, f, n));
}

/// Builds the output of CASE/COALESCE: row r takes element pos[r] of sources[src[r]], or NULL
/// when src[r] == kNoSource.
constexpr uint16_t kNoSource = 0xFFFF;

Result<ArrayPtr> Interleave(const DataTypePtr& type, const std::vector<Datum>& sources,
                            const std::vector<uint16_t>& src, const std::vector<int32_t>& pos) {
  const int64_t n = static_cast<int64_t>(src.size());
  const TypeId id = type->id();
  auto valid_at = [&](int64_t r) {
    if (src[r] == kNoSource) return false;
    return !sources[src[r]].IsNull(pos[r]);
  };
  // Validity.
  auto validity = Buffer::Allocate(bit_util::BytesForBits(n));
  std::memset(validity->mutable_data(), 0, static_cast<size_t>(validity->capacity()));
  int64_t nulls = 0;
  for (int64_t r = 0; r < n; ++r) {
    if (valid_at(r)) {
      bit_util::SetBit(validity->mutable_data(), r);
    } else {
      ++nulls;
    }
  }
  if (id == TypeId::kNull) return columnar::MakeNullArray(type, n);
  ArrayPtr out;
  bool fixed = columnar::VisitFixedWidth(id, [&]<typename T>() {
    std::vector<FixedReader<T>> readers;
    readers.reserve(sources.size());
    for (const auto& s : sources) readers.emplace_back(s);
    auto values = AllocateValuesForOverwrite<T>(n);
    T* dst = reinterpret_cast<T*>(values->mutable_data());
    for (int64_t r = 0; r < n; ++r) dst[r] = src[r] == kNoSource ? T{} : readers[src[r]][pos[r]];
    out = MakeFixedArray(type, n, validity, std::move(values), nulls);
  });
  if (fixed) return out;
  if (id == TypeId::kBoolean) {
    std::vector<BoolReader> readers;
    for (const auto& s : sources) readers.emplace_back(s);
    auto values = Buffer::Allocate(bit_util::BytesForBits(n));
    std::memset(values->mutable_data(), 0, static_cast<size_t>(values->capacity()));
    for (int64_t r = 0; r < n; ++r) {
      if (src[r] != kNoSource && readers[src[r]][pos[r]]) {
        bit_util::SetBit(values->mutable_data(), r);
      }
    }
    return MakeFixedArray(type, n, validity, std::move(values), nulls);
  }
  if (type->is_binary_like()) {
    std::vector<StringReader> readers;
    for (const auto& s : sources) readers.emplace_back(s);
    columnar::BinaryBuilder b(type);
    b.Reserve(n);
    for (int64_t r = 0; r < n; ++r) {
      if (valid_at(r)) {
        b.Append(readers[src[r]][pos[r]]);
      } else {
        b.AppendNull();
      }
    }
    return b.Finish();
  }
  auto b = columnar::MakeBuilder(type);
  b->Reserve(n);
  for (int64_t r = 0; r < n; ++r) {
    if (!valid_at(r)) {
      b->AppendNull();
    } else if (sources[src[r]].is_scalar()) {
      LAMINAR_RETURN_NOT_OK(b->AppendScalar(*sources[src[r]].scalar));
    } else {
      b->AppendArraySlice(*sources[src[r]].array, pos[r], 1);
    }
  }
  return b->Finish();
}

Result<Datum> EvalCase(const Node& node, const Input& in, const EvalContext& ctx) {
  const int64_t n = in.num_rows;
  const size_t pairs = (node.children.size() - (node.has_else ? 1 : 0)) / 2;
  std::vector<uint16_t> src(static_cast<size_t>(n), kNoSource);
  std::vector<int32_t> pos(static_cast<size_t>(n), 0);
  std::vector<Datum> sources;
  std::vector<int32_t> remaining(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) remaining[static_cast<size_t>(i)] = static_cast<int32_t>(i);
  std::vector<ArrayPtr> holder;
  std::vector<int32_t> matched, rest;
  std::vector<uint64_t> t, f;
  for (size_t p = 0; p < pairs && !remaining.empty(); ++p) {
    LAMINAR_ASSIGN_OR_RETURN(auto cond,
                             EvalOnRows(*node.children[2 * p], in, remaining, ctx, &holder));
    TrueFalseBits(cond, static_cast<int64_t>(remaining.size()), &t, &f);
    matched.clear();
    rest.clear();
    for (size_t k = 0; k < remaining.size(); ++k) {
      if ((t[k / 64] >> (k % 64)) & 1) {
        matched.push_back(remaining[k]);
      } else {
        rest.push_back(remaining[k]);
      }
    }
    if (!matched.empty()) {
      LAMINAR_ASSIGN_OR_RETURN(auto val,
                               EvalOnRows(*node.children[2 * p + 1], in, matched, ctx, &holder));
      const auto s = static_cast<uint16_t>(sources.size());
      sources.push_back(std::move(val));
      for (size_t k = 0; k < matched.size(); ++k) {
        src[static_cast<size_t>(matched[k])] = s;
        pos[static_cast<size_t>(matched[k])] = static_cast<int32_t>(k);
      }
    }
    remaining.swap(rest);
  }
  if (node.has_else && !remaining.empty()) {
    LAMINAR_ASSIGN_OR_RETURN(auto val,
                             EvalOnRows(*node.children.back(), in, remaining, ctx, &holder));
    if (static_cast<int64_t>(remaining.size()) == n) {
      return val.is_scalar() ? Datum::FromArray(BroadcastScalar(*val.scalar, n)) : val;
    }
    const auto s = static_cast<uint16_t>(sources.size());
    sources.push_back(std::move(val));
    for (size_t k = 0; k < remaining.size(); ++k) {
      src[static_cast<size_t>(remaining[k])] = s;
      pos[static_cast<size_t>(remaining[k])] = static_cast<int32_t>(k);
    }
  }
  LAMINAR_ASSIGN_OR_RETURN(auto out, Interleave(node.type, sources, src, pos));
  return Datum::FromArray(std::move(out));
}

Result<Datum> EvalCoalesce(const Node& node, const Input& in, const EvalContext& ctx) {
  const int64_t n = in.num_rows;
  std::vector<uint16_t> src(static_cast<size_t>(n), kNoSource);
  std::vector<int32_t> pos(static_cast<size_t>(n), 0);
  std::vector<Datum> sources;
  std::vector<int32_t> remaining(static_cast<size_t>(n)), rest;
  for (int64_t i = 0; i < n; ++i) remaining[static_cast<size_t>(i)] = static_cast<int32_t>(i);
  std::vector<ArrayPtr> holder;
  for (size_t c = 0; c < node.children.size() && !remaining.empty(); ++c) {
    LAMINAR_ASSIGN_OR_RETURN(auto val, EvalOnRows(*node.children[c], in, remaining, ctx, &holder));
    if (c == 0 && !val.is_scalar() && val.array->null_count() == 0) return val;
    const auto s = static_cast<uint16_t>(sources.size());
    rest.clear();
    for (size_t k = 0; k < remaining.size(); ++k) {
      if (val.IsNull(static_cast<int64_t>(k))) {
        rest.push_back(remaining[k]);
      } else {
        src[static_cast<size_t>(remaining[k])] = s;
        pos[static_cast<size_t>(remaining[k])] = static_cast<int32_t>(k);
      }
    }
    sources.push_back(std::move(val));
    remaining.swap(rest);
  }
  LAMINAR_ASSIGN_OR_RETURN(auto out, Interleave(node.type, sources, src, pos));
  return Datum::FromArray(std::move(out));
}

Result<Datum> EvalNot(const Node& node, const Input& in, const EvalContext& ctx) {
  LAMINAR_ASSIGN_OR_RETURN(auto d, Eval(*node.children[0], in, ctx));
  std::vector<uint64_t> t, f;
  TrueFalseBits(d, in.num_rows, &t, &f);
  return Datum::FromArray(FromTrueFalse(f, t, in.num_rows));
}

Result<Datum> EvalIsNull(const Node& node, const Input& in, const EvalContext& ctx) {
  const int64_t n = in.num_rows;
  LAMINAR_ASSIGN_OR_RETURN(auto d, Eval(*node.children[0], in, ctx));
  const bool want_null = node.kind == ExprKind::kIsNull;
  auto values = Buffer::Allocate(bit_util::BytesForBits(n));
  uint8_t* out = values->mutable_data();
  if (d.is_scalar()) {
    bool v = d.scalar->is_null() == want_null;
    std::memset(out, v ? 0xFF : 0, static_cast<size_t>(values->capacity()));
  } else {
    int64_t nc = 0;
    BufferPtr valid = AlignedValidity(*d.array, &nc);
    const int64_t nbytes = bit_util::BytesForBits(n);
    if (!valid) {
      std::memset(out, want_null ? 0 : 0xFF, static_cast<size_t>(nbytes));
    } else {
      for (int64_t i = 0; i < nbytes; ++i) {
        out[i] = want_null ? static_cast<uint8_t>(~valid->data()[i]) : valid->data()[i];
      }
    }
  }
  return Datum::FromArray(MakeFixedArray(columnar::boolean(), n, nullptr, std::move(values), 0));
}

enum class FusedOp { kAdd, kSubtract, kMultiply };

FusedOp FusedOpOf(const std::string& name) {
  return name == "add"        ? FusedOp::kAdd
         : name == "subtract" ? FusedOp::kSubtract
                              : FusedOp::kMultiply;
}

template <FusedOp kOp>
inline double ApplyFused(double a, double b) {
  if constexpr (kOp == FusedOp::kAdd) return a + b;
  if constexpr (kOp == FusedOp::kSubtract) return a - b;
  return a * b;
}

// out[i] = ints[i] (as DOUBLE) op other[i], or other op ints[i] when the integer is on the right.
template <FusedOp kOp>
void FusedLoop(const int64_t* ints, const FixedReader<double>& other, bool int_left, int64_t n,
               double* out) {
  if (other.is_scalar) {
    const double c = other.scalar;
    if (int_left) {
      for (int64_t i = 0; i < n; ++i) out[i] = ApplyFused<kOp>(static_cast<double>(ints[i]), c);
    } else {
      for (int64_t i = 0; i < n; ++i) out[i] = ApplyFused<kOp>(c, static_cast<double>(ints[i]));
    }
    return;
  }
  const double* o = other.values;
  if (int_left) {
    for (int64_t i = 0; i < n; ++i) out[i] = ApplyFused<kOp>(static_cast<double>(ints[i]), o[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = ApplyFused<kOp>(o[i], static_cast<double>(ints[i]));
  }
}

// The fused form of a `widened_arg` call; nullopt when the integer side turned out to be a
// scalar (the general path handles it).
Result<std::optional<Datum>> EvalWidenedCall(const Node& node, const Input& in,
                                             const EvalContext& ctx) {
  const auto w = static_cast<size_t>(node.widened_arg);
  LAMINAR_ASSIGN_OR_RETURN(auto ints, Eval(*node.children[w]->children[0], in, ctx));
  if (ints.is_scalar()) return std::optional<Datum>();
  LAMINAR_ASSIGN_OR_RETURN(auto other, Eval(*node.children[1 - w], in, ctx));
  if (other.is_scalar() && other.scalar->is_null()) {
    return std::optional<Datum>(Datum::FromArray(columnar::MakeNullArray(node.type, in.num_rows)));
  }
  const int64_t n = in.num_rows;
  const Datum both[2] = {ints, other};
  int64_t nc = 0;
  BufferPtr validity = CombineValidity(both, n, &nc);
  auto values = AllocateValuesForOverwrite<double>(n);
  double* out = reinterpret_cast<double*>(values->mutable_data());
  const int64_t* iv = ints.array->values<int64_t>();
  FixedReader<double> o(other);
  const bool int_left = w == 0;
  switch (FusedOpOf(node.function_name)) {
    case FusedOp::kAdd:
      FusedLoop<FusedOp::kAdd>(iv, o, int_left, n, out);
      break;
    case FusedOp::kSubtract:
      FusedLoop<FusedOp::kSubtract>(iv, o, int_left, n, out);
      break;
    case FusedOp::kMultiply:
      FusedLoop<FusedOp::kMultiply>(iv, o, int_left, n, out);
      break;
  }
  return std::optional<Datum>(
      Datum::FromArray(MakeFixedArray(node.type, n, std::move(validity), std::move(values), nc)));
}

// The column `x` of a `divisible_by` node (MOD(x, d) = 0).
const Node& DivisibilityOperand(const Node& node) {
  const bool mod_left = node.children[0]->kind == ExprKind::kCall;
  return *node.children[mod_left ? 0 : 1]->children[0];
}

// The fused form of a `divisible_by` node; nullopt when x turned out to be a scalar. x % d == 0
// exactly when d divides |x|. With d = d0 * 2^k (d0 odd), the unsigned u is a multiple of d iff
// rotr(u * inverse(d0) mod 2^64, k) <= (2^64 - 1) / d (Granlund and Montgomery; Hacker's
// Delight §10-17).
Result<std::optional<Datum>> EvalDivisibility(const Node& node, const Input& in,
                                              const EvalContext& ctx) {
  LAMINAR_ASSIGN_OR_RETURN(auto x, Eval(DivisibilityOperand(node), in, ctx));
  if (x.is_scalar()) return std::optional<Datum>();
  const int64_t n = in.num_rows;
  const auto d = static_cast<uint64_t>(node.divisible_by);
  const int k = std::countr_zero(d);
  const uint64_t d0 = d >> k;
  uint64_t inverse = d0;  // Newton's iteration doubles the correct low bits: 3 → 96 after 5
  for (int i = 0; i < 5; ++i) inverse *= 2 - d0 * inverse;
  const uint64_t limit = UINT64_MAX / d;
  const int64_t* v = x.array->values<int64_t>();
  auto values = Buffer::Allocate(bit_util::BytesForBits(n));
  uint8_t* out = values->mutable_data();
  auto divisible = [&](int64_t i) {
    const auto raw = static_cast<uint64_t>(v[i]);
    const uint64_t u = v[i] < 0 ? uint64_t{0} - raw : raw;
    return std::rotr(u * inverse, k) <= limit;
  };
  internal::FillBits(out, n, divisible);
  int64_t nc = 0;
  BufferPtr validity = CombineValidity(std::span<const Datum>(&x, 1), n, &nc);
  return std::optional<Datum>(Datum::FromArray(
      MakeFixedArray(columnar::boolean(), n, std::move(validity), std::move(values), nc)));
}

Result<Datum> EvalCall(const Node& node, const Input& in, const EvalContext& ctx) {
  if (node.divisible_by > 0) {
    LAMINAR_ASSIGN_OR_RETURN(auto fused, EvalDivisibility(node, in, ctx));
    if (fused) return std::move(*fused);
  }
  if (node.widened_arg >= 0) {
    LAMINAR_ASSIGN_OR_RETURN(auto fused, EvalWidenedCall(node, in, ctx));
    if (fused) return std::move(*fused);
  }
  std::vector<Datum> args;
  args.reserve(node.children.size());
  for (const auto& c : node.children) {
    LAMINAR_ASSIGN_OR_RETURN(auto d, Eval(*c, in, ctx));
    if (node.sig->null_propagating && d.is_scalar() && d.scalar->is_null()) {
      return Datum::FromArray(columnar::MakeNullArray(node.type, in.num_rows));
    }
    args.push_back(std::move(d));
  }
  KernelContext kctx;
  kctx.eval = &ctx;
  kctx.state = node.state.get();
  kctx.out_type = node.type;
  LAMINAR_ASSIGN_OR_RETURN(auto out, node.sig->kernel(kctx, args, in.num_rows));
  LAMINAR_DCHECK(out->length() == in.num_rows);
  return Datum::FromArray(std::move(out));
}

Result<Datum> Eval(const Node& node, const Input& in, const EvalContext& ctx) {
  switch (node.kind) {
    case ExprKind::kColumnRef: {
      const auto idx = static_cast<size_t>(node.column_index);
      if (idx >= in.columns->size() || !(*in.columns)[idx]) {
        return Status::Invalid(fmt::format("column #{} is not in the input batch", idx),
                               ErrorCode::kQueryExecutionFailed);
      }
      return Datum::FromArray((*in.columns)[idx]);
    }
    case ExprKind::kLiteral:
      return Datum::FromScalar(&node.literal);
    case ExprKind::kCall:
      return EvalCall(node, in, ctx);
    case ExprKind::kCast: {
      LAMINAR_ASSIGN_OR_RETURN(auto d, Eval(*node.children[0], in, ctx));
      ArrayPtr arr = MaterializeDatum(d, in.num_rows);
      LAMINAR_ASSIGN_OR_RETURN(auto out, CastArray(arr, node.type, node.try_cast));
      return Datum::FromArray(std::move(out));
    }
    case ExprKind::kAnd:
    case ExprKind::kOr:
      return EvalAndOr(node, in, ctx);
    case ExprKind::kNot:
      return EvalNot(node, in, ctx);
    case ExprKind::kIsNull:
    case ExprKind::kIsNotNull:
      return EvalIsNull(node, in, ctx);
    case ExprKind::kCase:
      return EvalCase(node, in, ctx);
    case ExprKind::kCoalesce:
      return EvalCoalesce(node, in, ctx);
    case ExprKind::kInList:
      break;  // rewritten at compile time
  }
  return Status::Internal("unexpected expression kind in evaluator");
}

// ---------------------------------------------------------------------------------------------
// Compilation.

std::unique_ptr<Node> MakeLiteralNode(Scalar value) {
  auto n = std::make_unique<Node>();
  n->kind = ExprKind::kLiteral;
  n->type = value.type();
  n->literal = std::move(value);
  n->is_constant = true;
  return n;
}

std::unique_ptr<Node> WrapCast(std::unique_ptr<Node> child, const DataTypePtr& to) {
  if (!to || child->type->Equals(*to)) return child;
  if (child->kind == ExprKind::kLiteral) {
    auto r = CastScalar(child->literal, to, false);
    if (r.ok()) return MakeLiteralNode(std::move(r).ValueUnsafe());
  }
  auto n = std::make_unique<Node>();
  n->kind = ExprKind::kCast;
  n->type = to;
  n->is_constant = child->is_constant;
  n->can_error = true;
  n->children.push_back(std::move(child));
  return n;
}

/// Folds a constant subtree into a literal (errors are left for run time: the subtree may sit
/// in a branch that no row reaches).
std::unique_ptr<Node> Fold(std::unique_ptr<Node> node) {
  if (node->kind == ExprKind::kLiteral || !node->is_constant) return node;
  std::vector<ArrayPtr> no_columns;
  Input in{&no_columns, 1};
  EvalContext ctx;
  auto r = Eval(*node, in, ctx);
  if (!r.ok()) return node;
  const Datum& d = *r;
  Scalar value = d.is_scalar() ? *d.scalar : columnar::GetScalar(*d.array, 0);
  if (!value.type()->Equals(*node->type)) value = Scalar(node->type, value.storage());
  return MakeLiteralNode(std::move(value));
}

// Sets widened_arg for DOUBLE add/subtract/multiply where exactly one argument is a
// non-TRY cast of a BIGINT (cannot fail, exact up to 2^53 like the cast itself) to DOUBLE.
void MarkWidenedArithmetic(Node* node) {
  const std::string& f = node->function_name;
  if (node->children.size() != 2 || node->type->id() != TypeId::kFloat64 ||
      (f != "add" && f != "subtract" && f != "multiply")) {
    return;
  }
  auto widened = [](const Node& c) {
    return c.kind == ExprKind::kCast && !c.try_cast && c.type->id() == TypeId::kFloat64 &&
           c.children[0]->type->id() == TypeId::kInt64;
  };
  const bool w0 = widened(*node->children[0]), w1 = widened(*node->children[1]);
  if (w0 == w1) return;
  const Node& other = *node->children[w0 ? 1 : 0];
  if (other.type->id() != TypeId::kFloat64) return;
  node->widened_arg = w0 ? 0 : 1;
}

// Sets divisible_by for `MOD(x, d) = 0` / `0 = MOD(x, d)`: BIGINT x, constant BIGINT d > 0.
void MarkDivisibilityTest(Node* node) {
  if (node->function_name != "eq" || node->children.size() != 2 ||
      node->type->id() != TypeId::kBoolean) {
    return;
  }
  auto is_zero = [](const Node& c) {
    return c.kind == ExprKind::kLiteral && !c.literal.is_null() &&
           c.literal.type()->id() == TypeId::kInt64 && c.literal.int_value() == 0;
  };
  auto modulo = [](const Node& c) -> int64_t {
    if (c.kind != ExprKind::kCall || c.function_name != "modulo" || c.children.size() != 2 ||
        c.type->id() != TypeId::kInt64 || c.children[0]->type->id() != TypeId::kInt64) {
      return 0;
    }
    const Node& d = *c.children[1];
    if (d.kind != ExprKind::kLiteral || d.literal.is_null() ||
        d.literal.type()->id() != TypeId::kInt64 || d.literal.int_value() <= 0) {
      return 0;
    }
    return d.literal.int_value();
  };
  if (is_zero(*node->children[1])) {
    node->divisible_by = modulo(*node->children[0]);
  } else if (is_zero(*node->children[0])) {
    node->divisible_by = modulo(*node->children[1]);
  }
}

Result<std::unique_ptr<Node>> CompileNode(const Expr& e, const FunctionRegistry& registry) {
  auto node = std::make_unique<Node>();
  node->kind = e.kind;
  node->type = e.type;
  switch (e.kind) {
    case ExprKind::kColumnRef:
      node->column_index = e.column_index;
      return node;
    case ExprKind::kLiteral:
      node->literal = e.literal;
      if (!node->type) node->type = e.literal.type();
      node->is_constant = true;
      return node;
    case ExprKind::kCall:
      if ((e.function_name == "if" || e.function_name == "iff") && e.args.size() == 3) {
        // Lazy like CASE: IF(x <> 0, 10 / x, 0) must not divide by zero.
        DataTypePtr t = e.type;
        if (!t) {
          auto st = CommonSuperType(e.args[1]->type, e.args[2]->type);
          if (!st.ok()) return st.status();
          t = *st;
        }
        return CompileNode(*MakeCase({e.args[0], e.args[1], e.args[2]}, true, t), registry);
      }
      break;
    case ExprKind::kInList: {
      // value IN (a, b) ≡ value = a OR value = b (same three-valued result).
      std::vector<ExprPtr> eqs;
      for (size_t i = 1; i < e.args.size(); ++i) {
        eqs.push_back(Call("eq", {e.args[0], e.args[i]}, columnar::boolean()));
      }
      ExprPtr rewritten = eqs.empty() ? Literal(Scalar::Boolean(false)) : MakeOr(std::move(eqs));
      if (e.negated) rewritten = MakeNot(rewritten);
      return CompileNode(*rewritten, registry);
    }
    default:
      break;
  }
  for (const auto& a : e.args) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, CompileNode(*a, registry));
    node->children.push_back(std::move(c));
  }
  bool all_constant = true;
  bool any_error = false;
  for (const auto& c : node->children) {
    all_constant = all_constant && c->is_constant;
    any_error = any_error || c->can_error;
  }
  node->can_error = any_error;
  switch (e.kind) {
    case ExprKind::kCall: {
      node->function_name = e.function_name;
      std::vector<DataTypePtr> arg_types;
      for (const auto& c : node->children) arg_types.push_back(c->type);
      const ScalarSignature* sig = registry.FindExactSignature(e.function_name, arg_types);
      DataTypePtr ret;
      if (sig == nullptr) {
        LAMINAR_ASSIGN_OR_RETURN(auto resolved, registry.ResolveScalar(e.function_name, arg_types));
        for (size_t i = 0; i < node->children.size(); ++i) {
          node->children[i] = WrapCast(std::move(node->children[i]), resolved.param_types[i]);
        }
        sig = registry.FindExactSignature(resolved.name, resolved.param_types);
        if (!sig) {
          return Status::Internal(fmt::format("no kernel for {}", e.function_name));
        }
        ret = resolved.return_type;
      } else {
        std::vector<DataTypePtr> params;
        for (const auto& c : node->children) params.push_back(c->type);
        LAMINAR_ASSIGN_OR_RETURN(ret, sig->return_type(params));
      }
      node->sig = sig;
      node->can_error = node->can_error || sig->can_error;
      node->is_constant = all_constant && !sig->volatile_result;
      if (sig->init) {
        std::vector<const Scalar*> literals;
        for (const auto& c : node->children) {
          literals.push_back(c->kind == ExprKind::kLiteral ? &c->literal : nullptr);
        }
        LAMINAR_ASSIGN_OR_RETURN(node->state, sig->init(literals));
      }
      DataTypePtr declared = e.type;
      node->type = ret;
      MarkWidenedArithmetic(node.get());
      MarkDivisibilityTest(node.get());
      auto folded = Fold(std::move(node));
      if (declared && !declared->Equals(*folded->type))
        return WrapCast(std::move(folded), declared);
      return folded;
    }
    case ExprKind::kCast:
      node->try_cast = e.try_cast;
      node->can_error = true;
      node->is_constant = all_constant;
      if (node->children[0]->type->Equals(*node->type)) return std::move(node->children[0]);
      return Fold(std::move(node));
    case ExprKind::kCase: {
      node->has_else = e.has_else;
      if (!node->type) return Status::Invalid("CASE without a result type");
      const size_t pairs = (node->children.size() - (e.has_else ? 1 : 0)) / 2;
      for (size_t p = 0; p < pairs; ++p) {
        node->children[2 * p] = WrapCast(std::move(node->children[2 * p]), columnar::boolean());
        node->children[2 * p + 1] = WrapCast(std::move(node->children[2 * p + 1]), node->type);
      }
      if (e.has_else)
        node->children.back() = WrapCast(std::move(node->children.back()), node->type);
      node->is_constant = all_constant;
      return Fold(std::move(node));
    }
    case ExprKind::kCoalesce:
      if (!node->type) return Status::Invalid("COALESCE without a result type");
      for (auto& c : node->children) c = WrapCast(std::move(c), node->type);
      node->is_constant = all_constant;
      return Fold(std::move(node));
    default:
      if (!node->type) node->type = columnar::boolean();
      node->is_constant = all_constant;
      return Fold(std::move(node));
  }
}

}  // namespace

CompiledExpression::~CompiledExpression() = default;

bool CompiledExpression::IsConstant() const { return root_->kind == ExprKind::kLiteral; }

Result<std::unique_ptr<CompiledExpression>> CompiledExpression::Compile(
    const ExprPtr& expr, const FunctionRegistry& registry) {
  if (!expr) return Status::Invalid("cannot compile a null expression");
  std::unique_ptr<CompiledExpression> out(new CompiledExpression());
  out->expr_ = expr;
  LAMINAR_ASSIGN_OR_RETURN(out->root_, CompileNode(*expr, registry));
  if (expr->type && !out->root_->type->Equals(*expr->type)) {
    out->root_ = WrapCast(std::move(out->root_), expr->type);
  }
  out->type_ = out->root_->type;
  out->reads_clock_ = HasVolatileCall(*out->root_);
  return out;
}

Result<columnar::ArrayPtr> CompiledExpression::Evaluate(const columnar::RecordBatch& batch,
                                                        const EvalContext& ctx) const {
  Input in{&batch.columns(), batch.num_rows()};
  EvalContext local = ctx;
  if (reads_clock_ && local.now_micros == std::numeric_limits<int64_t>::min()) {
    local.now_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  }
  LAMINAR_ASSIGN_OR_RETURN(auto d, Eval(*root_, in, local));
  if (d.is_scalar()) return BroadcastScalar(*d.scalar, batch.num_rows());
  return d.array;
}

void SelectTrue(const columnar::Array& mask, std::vector<int32_t>* out) {
  const int64_t n = mask.length();
  if (mask.type_id() != TypeId::kBoolean) return;
  const uint8_t* bits = mask.bool_bits();
  const uint8_t* valid = mask.validity();
  const int64_t off = mask.offset();
  if (off % 8 == 0) {
    const uint8_t* b = bits + off / 8;
    const uint8_t* v = valid ? valid + off / 8 : nullptr;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
      uint64_t word, vw = ~uint64_t{0};
      std::memcpy(&word, b + i / 8, 8);
      if (v) std::memcpy(&vw, v + i / 8, 8);
      word &= vw;
      while (word) {
        out->push_back(static_cast<int32_t>(i + __builtin_ctzll(word)));
        word &= word - 1;
      }
    }
    for (; i < n; ++i) {
      if (bit_util::GetBit(b, i) && (!v || bit_util::GetBit(v, i))) {
        out->push_back(static_cast<int32_t>(i));
      }
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (mask.IsValid(i) && mask.GetBool(i)) out->push_back(static_cast<int32_t>(i));
  }
}

Status EvaluateFilter(const CompiledExpression& predicate, const columnar::RecordBatch& batch,
                      const EvalContext& ctx, std::vector<int32_t>* selected) {
  selected->clear();
  if (predicate.type()->id() != TypeId::kBoolean && predicate.type()->id() != TypeId::kNull) {
    return Status::TypeError(fmt::format("filter predicate {} has type {}, expected BOOLEAN",
                                         predicate.expr()->ToString(),
                                         predicate.type()->ToString()));
  }
  LAMINAR_ASSIGN_OR_RETURN(auto mask, predicate.Evaluate(batch, ctx));
  SelectTrue(*mask, selected);
  return Status::OK();
}

Result<std::vector<int32_t>> EvaluateFilter(const CompiledExpression& predicate,
                                            const columnar::RecordBatch& batch,
                                            const EvalContext& ctx) {
  std::vector<int32_t> out;
  LAMINAR_RETURN_NOT_OK(EvaluateFilter(predicate, batch, ctx, &out));
  return out;
}

Result<Scalar> EvaluateConstant(const ExprPtr& expr) {
  std::vector<int> cols;
  CollectColumnRefs(*expr, &cols);
  if (!cols.empty()) {
    return Status::Invalid(
        fmt::format("expression {} must be a constant (it reads columns)", expr->ToString()),
        ErrorCode::kPlanningFailed);
  }
  LAMINAR_ASSIGN_OR_RETURN(auto compiled, CompiledExpression::Compile(expr));
  std::vector<ArrayPtr> no_columns;
  columnar::RecordBatch one_row(columnar::MakeSchema({}), 1, {});
  LAMINAR_ASSIGN_OR_RETURN(auto arr, compiled->Evaluate(one_row));
  return columnar::GetScalar(*arr, 0);
}

}  // namespace laminar::function
