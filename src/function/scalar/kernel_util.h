#pragma once

// Helpers private to the built-in scalar function families.

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>

#include "function/registry.h"

namespace laminar::function::internal {

static_assert(std::endian::native == std::endian::little,
              "SplitFieldByByte assumes little-endian word loads");

/// Row-wise kernel body: for every row where no argument is NULL, `f(i, builder)` appends one
/// value (or a NULL); rows with a NULL argument get NULL. The per-row call is inlined (no
/// virtual dispatch); use it for functions whose work per row dominates (strings, dates).
template <typename Builder, typename F>
Result<ArrayPtr> MapRows(const KernelContext& ctx, std::span<const Datum> args, int64_t n, F&& f) {
  auto holder = columnar::MakeBuilder(ctx.out_type);
  auto* b = static_cast<Builder*>(holder.get());
  b->Reserve(n);
  bool any_nulls = false;
  for (const auto& a : args) {
    any_nulls |= a.is_scalar() ? a.scalar->is_null() : a.array->null_count() != 0;
  }
  if constexpr (std::is_same_v<Builder, columnar::BinaryBuilder>) {
    // String results are usually about as long as the first string argument (REPLACE, TRIM,
    // LOWER...): reserving that once saves the doubling copies.
    if (!args.empty() && !args[0].is_scalar() && args[0].array->type()->is_binary_like() && n > 0) {
      const int32_t* o = args[0].array->raw_offsets();
      b->ReserveData(o[n] - o[0]);
    }
  }
  if (!any_nulls) {
    for (int64_t i = 0; i < n; ++i) LAMINAR_RETURN_NOT_OK(f(i, b));
    return b->Finish();
  }
  for (int64_t i = 0; i < n; ++i) {
    bool null = false;
    for (const auto& a : args) {
      if (a.IsNull(i)) {
        null = true;
        break;
      }
    }
    if (null) {
      b->AppendNull();
      continue;
    }
    LAMINAR_RETURN_NOT_OK(f(i, b));
  }
  return b->Finish();
}

/// Same as MapRows, but the body also sees rows with NULL arguments (for NULL-tolerant
/// functions such as CONCAT and CONCAT_WS).
template <typename Builder, typename F>
Result<ArrayPtr> MapAllRows(const KernelContext& ctx, int64_t n, F&& f) {
  auto holder = columnar::MakeBuilder(ctx.out_type);
  auto* b = static_cast<Builder*>(holder.get());
  b->Reserve(n);
  for (int64_t i = 0; i < n; ++i) LAMINAR_RETURN_NOT_OK(f(i, b));
  return b->Finish();
}

using StringBuilder = columnar::BinaryBuilder;
using BoolBuilder = columnar::BooleanBuilder;
using Int64Builder = columnar::FixedWidthBuilder<int64_t>;
using Int32Builder = columnar::FixedWidthBuilder<int32_t>;
using DoubleBuilder = columnar::FixedWidthBuilder<double>;

/// Fills a bitmap with f(i) for i in [0, n), eight rows per output byte (comparisons, fused
/// predicates).
template <typename F>
inline void FillBits(uint8_t* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint8_t byte = 0;
    for (int j = 0; j < 8; ++j) byte |= static_cast<uint8_t>(f(i + j)) << j;
    out[i >> 3] = byte;
  }
  if (i < n) {
    uint8_t byte = 0;
    for (int j = 0; i + j < n; ++j) byte |= static_cast<uint8_t>(f(i + j)) << j;
    out[i >> 3] = byte;
  }
}

inline TypeMatcher E(TypeId id) { return TypeMatcher::Exact(id); }

inline ScalarSignature MakeSig(std::vector<TypeMatcher> params, ReturnTypeFn ret,
                               ScalarKernel kernel, bool can_error = false) {
  ScalarSignature s;
  s.params = std::move(params);
  s.return_type = std::move(ret);
  s.kernel = std::move(kernel);
  s.can_error = can_error;
  return s;
}

/// Registers `fn` (a programming error in a built-in aborts at start-up).
inline void Add(FunctionRegistry* registry, ScalarFunction fn) {
  LAMINAR_CHECK(registry->RegisterScalar(std::move(fn)).ok());
}

/// Length in bytes of the UTF-8 sequence starting with `lead` (1 for invalid bytes).
inline int Utf8Len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

/// Number of code points: bytes minus continuation bytes (10xxxxxx), so invalid sequences count
/// one per byte exactly as a byte-at-a-time scan would. Works on 8 bytes at a time: a word
/// without high bits is all ASCII (LENGTH of Nexmark's `extra` is mostly that), otherwise the
/// continuation bytes are those with bit 7 set and bit 6 clear, summed by a multiply.
inline int64_t Utf8Length(std::string_view s) {
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  const char* p = s.data();
  const size_t n = s.size();
  int64_t continuation = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, sizeof(w));
    if ((w & kHighBits) == 0) continue;
    // Bit 7 of each byte: set iff the byte is 10xxxxxx (bit 6 shifted up into bit 7's place).
    const uint64_t cont = (w & ~(w << 1) & kHighBits) >> 7;
    continuation += static_cast<int64_t>((cont * 0x0101010101010101ULL) >> 56);
  }
  for (; i < n; ++i) continuation += (static_cast<unsigned char>(p[i]) & 0xC0) == 0x80;
  return static_cast<int64_t>(n) - continuation;
}

/// Division of non-negative int64 values by one positive divisor without a hardware divide: a
/// 128-bit multiply and a shift (Granlund and Montgomery, "Division by invariant integers using
/// multiplication", 1994, theorem 4.2 with N = 63): with l = ceil(log2 d) and
/// m = ceil(2^(63+l) / d), floor(n / d) = (n * m) >> (63 + l) for every 0 <= n < 2^63, and m
/// fits in 64 bits. `x % 123` over a column (Nexmark q2) spent most of its time in idiv.
class PositiveDivisor {
 public:
  explicit PositiveDivisor(int64_t d) : d_(d) {
    const auto ud = static_cast<uint64_t>(d);
    const int l = ud == 1 ? 0 : 64 - std::countl_zero(ud - 1);
    shift_ = 63 + l;
    const unsigned __int128 one = 1;
    magic_ = static_cast<uint64_t>(((one << shift_) + ud - 1) / ud);
  }
  /// n / d for n >= 0.
  int64_t Quotient(int64_t n) const {
    const unsigned __int128 p = static_cast<unsigned __int128>(static_cast<uint64_t>(n)) * magic_;
    return static_cast<int64_t>(p >> shift_);
  }
  /// n % d for n >= 0.
  int64_t Remainder(int64_t n) const { return n - Quotient(n) * d_; }

 private:
  int64_t d_;
  uint64_t magic_;
  int shift_;
};

/// True when no byte of [p, p + n) has its high bit set (pure ASCII), 32 bytes per step.
inline bool IsAscii(const char* p, size_t n) {
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  uint64_t any = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    std::memcpy(w, p + i, sizeof(w));
    any |= w[0] | w[1] | w[2] | w[3];
    if ((any & kHighBits) != 0) return false;
  }
  for (; i < n; ++i) any |= static_cast<unsigned char>(p[i]);
  return (any & kHighBits) == 0;
}

/// Field `k` (1-based, k >= 1) of `s` split on the byte `delim`, as a view into `s`; "" when `s`
/// has fewer fields. SPLIT_PART with a one-byte delimiter (Nexmark q22 splits URLs on '/'): one
/// pass over 8-byte words marks every delimiter byte at once, instead of one memchr call per
/// (short) field.
inline std::string_view SplitFieldByByte(std::string_view s, char delim, int64_t k) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  const char* p = s.data();
  const size_t n = s.size();
  const uint64_t pattern = kOnes * static_cast<unsigned char>(delim);
  int64_t to_skip = k - 1;  // delimiters before the field starts
  size_t start = 0;
  // Visits the delimiters marked in `hits` (high bit of each matching byte of the word at `i`);
  // true once the field's end is found (then `*field` is set).
  auto visit = [&](uint64_t hits, size_t i, std::string_view* field) {
    while (hits != 0) {
      // Bytes are loaded little-endian on the targets we build for (x86-64, AArch64).
      const size_t pos = i + static_cast<size_t>(__builtin_ctzll(hits)) / 8;
      hits &= hits - 1;
      if (to_skip > 0) {
        if (--to_skip == 0) start = pos + 1;
      } else {
        *field = s.substr(start, pos - start);
        return true;
      }
    }
    return false;
  };
  // High bit of each byte set exactly where the byte equals `delim` (no carries across bytes).
  auto match = [&](uint64_t w) {
    const uint64_t x = w ^ pattern;
    return ~(((x & kLow7) + kLow7) | x | kLow7);
  };
  std::string_view field;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, sizeof(w));
    const uint64_t hits = match(w);
    if (hits != 0 && visit(hits, i, &field)) return field;
  }
  if (i < n) {
    uint64_t w = 0;
    if (n >= 8) {
      // The last 8 bytes, shifted so the unscanned ones start at byte 0 (a fixed-size load).
      std::memcpy(&w, p + n - 8, sizeof(w));
      w >>= 8 * (8 - (n - i));
    } else {
      std::memcpy(&w, p + i, n - i);
    }
    const uint64_t hits = match(w) & ((uint64_t{1} << (8 * (n - i))) - 1);
    if (visit(hits, i, &field)) return field;
  }
  return to_skip > 0 ? std::string_view() : s.substr(start);
}

/// Byte offset of code point `cp` (clamped to the end).
inline size_t Utf8Offset(std::string_view s, int64_t cp) {
  size_t i = 0;
  while (cp > 0 && i < s.size()) {
    i += static_cast<size_t>(Utf8Len(static_cast<unsigned char>(s[i])));
    --cp;
  }
  return std::min(i, s.size());
}

/// A compiled SQL LIKE pattern (`%` any sequence, `_` one code point, optional escape).
class LikeMatcher {
 public:
  static Result<std::shared_ptr<LikeMatcher>> Compile(std::string_view pattern, char escape,
                                                      bool case_insensitive);
  bool Match(std::string_view s) const;

 private:
  enum class Kind : uint8_t { kExact, kPrefix, kSuffix, kContains, kGeneral };
  struct Element {
    enum Type : uint8_t { kLiteral, kOne, kAny } type;
    char c;
  };
  bool MatchGeneral(std::string_view s) const;
  Kind kind_ = Kind::kGeneral;
  bool case_insensitive_ = false;
  std::string literal_;
  std::vector<Element> elements_;
};

}  // namespace laminar::function::internal
