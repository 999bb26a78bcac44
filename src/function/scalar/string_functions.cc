// String functions and operators (concat `||`, LIKE/ILIKE, ...).
#include <re2/re2.h>

#include <cmath>

#include "common/string_util.h"
#include "function/evaluator.h"
#include "function/scalar/kernel_util.h"

namespace laminar::function {

using namespace internal;  // NOLINT(build/namespaces): private helpers of this family

namespace {

using columnar::utf8;

// ---------------------------------------------------------------------------------------------
// LIKE family: like(s, pattern[, escape]); the pattern is compiled once when it is a literal.

struct LikeState {
  std::shared_ptr<LikeMatcher> matcher;
};

char EscapeChar(const Scalar* s) {
  if (!s || s->is_null() || s->string_value().empty()) return '\\';
  return s->string_value()[0];
}

KernelInit LikeInit(bool ci) {
  return [ci](const std::vector<const Scalar*>& lit) -> Result<std::shared_ptr<const void>> {
    if (!lit[1] || lit[1]->is_null()) return std::shared_ptr<const void>();
    if (lit.size() > 2 && !lit[2]) return std::shared_ptr<const void>();
    char esc = lit.size() > 2 ? EscapeChar(lit[2]) : '\\';
    LAMINAR_ASSIGN_OR_RETURN(auto m, LikeMatcher::Compile(lit[1]->string_value(), esc, ci));
    auto st = std::make_shared<LikeState>();
    st->matcher = std::move(m);
    return std::shared_ptr<const void>(st);
  };
}

ScalarKernel LikeKernel(bool ci, bool negate) {
  return [ci, negate](const KernelContext& ctx, std::span<const Datum> args,
                      int64_t n) -> Result<ArrayPtr> {
    StringReader s(args[0]), p(args[1]);
    const auto* state = static_cast<const LikeState*>(ctx.state);
    std::shared_ptr<LikeMatcher> cached;
    std::string cached_pattern;
    char cached_escape = 0;
    return MapRows<BoolBuilder>(ctx, args, n, [&](int64_t i, BoolBuilder* b) -> Status {
      const LikeMatcher* m = state ? state->matcher.get() : nullptr;
      if (!m) {
        char esc = '\\';
        if (args.size() > 2) {
          StringReader e(args[2]);
          esc = e[i].empty() ? '\\' : e[i][0];
        }
        if (!cached || cached_pattern != p[i] || cached_escape != esc) {
          LAMINAR_ASSIGN_OR_RETURN(cached, LikeMatcher::Compile(p[i], esc, ci));
          cached_pattern = std::string(p[i]);
          cached_escape = esc;
        }
        m = cached.get();
      }
      b->Append(m->Match(s[i]) != negate);
      return Status::OK();
    });
  };
}

void RegisterLike(FunctionRegistry* r, const char* name, bool ci, bool negate) {
  ScalarFunction fn;
  fn.name = name;
  for (int nargs : {2, 3}) {
    std::vector<TypeMatcher> params(static_cast<size_t>(nargs), E(TypeId::kString));
    auto sig = MakeSig(params, Returns(columnar::boolean()), LikeKernel(ci, negate), true);
    sig.init = LikeInit(ci);
    fn.signatures.push_back(std::move(sig));
  }
  Add(r, std::move(fn));
}

Result<ArrayPtr> ConcatOperator(const KernelContext& ctx, std::span<const Datum> args, int64_t n) {
  StringReader a(args[0]), b(args[1]);
  std::string buf;
  return MapRows<StringBuilder>(ctx, args, n, [&](int64_t i, StringBuilder* out) {
    buf.assign(a[i]);
    buf.append(b[i]);
    out->Append(buf);
    return Status::OK();
  });
}

// ---------------------------------------------------------------------------------------------
// Scalar string functions.

using internal::Utf8Len;
using internal::Utf8Length;
using internal::Utf8Offset;

ReturnTypeFn Str() { return Returns(utf8()); }
ReturnTypeFn I64() { return Returns(columnar::int64()); }
ReturnTypeFn Bool() { return Returns(columnar::boolean()); }
const TypeMatcher kStr = E(TypeId::kString);
const TypeMatcher kInt = E(TypeId::kInt64);

inline std::string_view SV(std::span<const Datum> args, size_t k, int64_t i) {
  const Datum& d = args[k];
  return d.is_scalar() ? std::string_view(d.scalar->string_value()) : d.array->GetView(i);
}
inline int64_t IV(std::span<const Datum> args, size_t k, int64_t i) {
  const Datum& d = args[k];
  return d.is_scalar() ? d.scalar->int_value() : d.array->values<int64_t>()[i];
}

std::string Lower(std::string_view s) { return ToLower(s); }
std::string Upper(std::string_view s) { return ToUpper(s); }

bool InSet(std::string_view set, char c) { return set.find(c) != std::string_view::npos; }

std::string_view TrimChars(std::string_view s, std::string_view chars, bool left, bool right) {
  size_t b = 0, e = s.size();
  if (left) {
    while (b < e && InSet(chars, s[b])) ++b;
  }
  if (right) {
    while (e > b && InSet(chars, s[e - 1])) --e;
  }
  return s.substr(b, e - b);
}

/// SUBSTRING(s, start[, len]) with SQL semantics: 1-based, start may be <= 0 (consumes length).
std::string_view Substring(std::string_view s, int64_t start, int64_t len, bool has_len) {
  int64_t from = start - 1;
  int64_t to = has_len ? from + len : INT64_MAX;
  if (has_len && len < 0) return {};
  from = std::max<int64_t>(from, 0);
  if (to <= from) return {};
  size_t bf = Utf8Offset(s, from);
  size_t bt = to == INT64_MAX ? s.size() : Utf8Offset(s, to);
  return s.substr(bf, bt - bf);
}

std::string Pad(std::string_view s, int64_t len, std::string_view fill, bool left) {
  if (len <= 0) return {};
  int64_t cur = Utf8Length(s);
  if (cur >= len) return std::string(s.substr(0, Utf8Offset(s, len)));
  if (fill.empty()) return std::string(s);
  std::string padding;
  int64_t need = len - cur;
  size_t fi = 0;
  while (need > 0) {
    int l = Utf8Len(static_cast<unsigned char>(fill[fi]));
    padding.append(fill.substr(fi, static_cast<size_t>(l)));
    fi += static_cast<size_t>(l);
    if (fi >= fill.size()) fi = 0;
    --need;
  }
  return left ? padding + std::string(s) : std::string(s) + padding;
}

std::string Reverse(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = s.size();
  std::vector<std::pair<size_t, size_t>> cps;
  for (size_t k = 0; k < s.size();) {
    size_t l = static_cast<size_t>(Utf8Len(static_cast<unsigned char>(s[k])));
    cps.emplace_back(k, std::min(l, s.size() - k));
    k += l;
  }
  (void)i;
  for (auto it = cps.rbegin(); it != cps.rend(); ++it) out.append(s.substr(it->first, it->second));
  return out;
}

std::string InitCap(std::string_view s) {
  std::string out(s);
  bool start = true;
  for (auto& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      c = static_cast<char>(start ? std::toupper(u) : std::tolower(u));
      start = false;
    } else {
      start = true;
    }
  }
  return out;
}

std::string EncodeUtf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

uint32_t DecodeUtf8(std::string_view s) {
  if (s.empty()) return 0;
  unsigned char c = static_cast<unsigned char>(s[0]);
  int l = Utf8Len(c);
  if (l == 1 || static_cast<size_t>(l) > s.size()) return c;
  uint32_t cp = c & (0xFF >> (l + 1));
  for (int k = 1; k < l; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[static_cast<size_t>(k)]) & 0x3F);
  return cp;
}

// MD5 (RFC 1321), used only for the MD5() SQL function.
std::string Md5Hex(std::string_view input) {
  static const uint32_t kS[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                  5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  static uint32_t kK[64];
  static bool init = [] {
    for (int i = 0; i < 64; ++i) {
      kK[i] = static_cast<uint32_t>(std::floor(std::fabs(std::sin(i + 1.0)) * 4294967296.0));
    }
    return true;
  }();
  (void)init;
  uint32_t a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
  std::string msg(input);
  uint64_t bit_len = static_cast<uint64_t>(input.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back(0);
  for (int i = 0; i < 8; ++i) msg.push_back(static_cast<char>((bit_len >> (8 * i)) & 0xFF));
  for (size_t off = 0; off < msg.size(); off += 64) {
    uint32_t m[16];
    for (int i = 0; i < 16; ++i) {
      const auto* p =
          reinterpret_cast<const unsigned char*>(msg.data() + off + 4 * static_cast<size_t>(i));
      m[i] = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
    }
    uint32_t a = a0, b = b0, c = c0, d = d0;
    for (uint32_t i = 0; i < 64; ++i) {
      uint32_t f, g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      f = f + a + kK[i] + m[g];
      a = d;
      d = c;
      c = b;
      b = b + ((f << kS[i]) | (f >> (32 - kS[i])));
    }
    a0 += a;
    b0 += b;
    c0 += c;
    d0 += d;
  }
  std::string out;
  for (uint32_t v : {a0, b0, c0, d0}) {
    for (int i = 0; i < 4; ++i) out += fmt::format("{:02x}", (v >> (8 * i)) & 0xFF);
  }
  return out;
}

// RE2-backed regular expressions; literal patterns compile once per call site.
struct RegexState {
  std::unique_ptr<re2::RE2> re;
};

Result<std::unique_ptr<re2::RE2>> CompileRegex(std::string_view pattern) {
  auto re =
      std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), re2::RE2::Quiet);
  if (!re->ok()) {
    return Status::Invalid(fmt::format("invalid regular expression '{}': {}", pattern, re->error()),
                           ErrorCode::kQueryExecutionFailed);
  }
  return re;
}

KernelInit RegexInit() {
  return [](const std::vector<const Scalar*>& lit) -> Result<std::shared_ptr<const void>> {
    if (!lit[1] || lit[1]->is_null()) return std::shared_ptr<const void>();
    auto st = std::make_shared<RegexState>();
    LAMINAR_ASSIGN_OR_RETURN(st->re, CompileRegex(lit[1]->string_value()));
    return std::shared_ptr<const void>(st);
  };
}

/// Returns the regex for row i (the compiled literal, or a per-batch cache of the last one).
struct RegexCache {
  const RegexState* state;
  std::unique_ptr<re2::RE2> last;
  std::string last_pattern;
  Result<const re2::RE2*> Get(std::string_view pattern) {
    if (state && state->re) return state->re.get();
    if (!last || last_pattern != pattern) {
      LAMINAR_ASSIGN_OR_RETURN(last, CompileRegex(pattern));
      last_pattern = std::string(pattern);
    }
    return last.get();
  }
};

enum class RegexOp { kLike, kReplace, kExtract, kMatch };

ScalarKernel RegexKernel(RegexOp op) {
  return
      [op](const KernelContext& ctx, std::span<const Datum> args, int64_t n) -> Result<ArrayPtr> {
        RegexCache cache{static_cast<const RegexState*>(ctx.state), nullptr, {}};
        auto body = [&](int64_t i, auto* b) -> Status {
          LAMINAR_ASSIGN_OR_RETURN(const re2::RE2* re, cache.Get(SV(args, 1, i)));
          std::string_view s = SV(args, 0, i);
          re2::StringPiece sp(s.data(), s.size());
          using B = std::remove_pointer_t<decltype(b)>;
          if constexpr (std::is_same_v<B, BoolBuilder>) {
            b->Append(re2::RE2::PartialMatch(sp, *re));
          } else if constexpr (std::is_same_v<B, StringBuilder>) {
            if (op == RegexOp::kReplace) {
              std::string out(s);
              std::string rewrite(SV(args, 2, i));
              // PostgreSQL-style \1 backreferences are RE2's \1 too; global replace.
              re2::RE2::GlobalReplace(&out, *re, rewrite);
              b->Append(out);
            } else {
              int group = args.size() > 2 ? static_cast<int>(IV(args, 2, i)) : 0;
              if (group < 0 || group > re->NumberOfCapturingGroups()) {
                return ExecError(fmt::format("regexp_extract: group {} does not exist", group));
              }
              std::vector<re2::StringPiece> m(static_cast<size_t>(group) + 1);
              if (re->Match(sp, 0, sp.size(), re2::RE2::UNANCHORED, m.data(), group + 1)) {
                b->Append(std::string_view(m[static_cast<size_t>(group)].data(),
                                           m[static_cast<size_t>(group)].size()));
              } else {
                b->AppendNull();
              }
            }
          } else {
            // regexp_match: LIST<VARCHAR> of capture groups (or the whole match), NULL if none.
            int groups = re->NumberOfCapturingGroups();
            int k = std::max(groups, 0) + 1;
            std::vector<re2::StringPiece> m(static_cast<size_t>(k));
            if (!re->Match(sp, 0, sp.size(), re2::RE2::UNANCHORED, m.data(), k)) {
              b->AppendNull();
              return Status::OK();
            }
            b->Append();
            auto* vb = static_cast<StringBuilder*>(b->value_builder());
            for (int g = groups == 0 ? 0 : 1; g < k; ++g) {
              if (m[static_cast<size_t>(g)].data() == nullptr)
                vb->AppendNull();
              else
                vb->Append(std::string_view(m[static_cast<size_t>(g)].data(),
                                            m[static_cast<size_t>(g)].size()));
            }
          }
          return Status::OK();
        };
        switch (op) {
          case RegexOp::kLike:
            return MapRows<BoolBuilder>(ctx, args, n, body);
          case RegexOp::kMatch:
            return MapRows<columnar::ListBuilder>(ctx, args, n, body);
          default:
            return MapRows<StringBuilder>(ctx, args, n, body);
        }
      };
}

/// Start of the field after skipping `skip` delimiters from `pos`, or npos when `s` has fewer.
size_t SkipFields(std::string_view s, std::string_view d, int64_t skip) {
  size_t pos = 0;
  for (int64_t j = 0; j < skip; ++j) {
    size_t f = d.size() == 1 ? s.find(d[0], pos) : s.find(d, pos);
    if (f == std::string_view::npos) return std::string_view::npos;
    pos = f + d.size();
  }
  return pos;
}

/// SPLIT_PART(s, d, k) as a view into `s` (no allocation): field k (1-based; negative counts
/// from the end) of `s` split on `d`; "" when there is no such field. `k` must not be 0.
std::string_view SplitPartView(std::string_view s, std::string_view d, int64_t k) {
  if (d.empty()) return (k == 1 || k == -1) ? s : std::string_view();
  if (k < 0) {
    // Field count = delimiters + 1 (non-overlapping, left to right, as for positive k).
    int64_t fields = 1;
    for (size_t pos = 0;;) {
      size_t f = d.size() == 1 ? s.find(d[0], pos) : s.find(d, pos);
      if (f == std::string_view::npos) break;
      ++fields;
      pos = f + d.size();
    }
    k = fields + k + 1;
    if (k <= 0) return {};
  }
  size_t pos = SkipFields(s, d, k - 1);
  if (pos == std::string_view::npos) return {};
  size_t e = d.size() == 1 ? s.find(d[0], pos) : s.find(d, pos);
  return e == std::string_view::npos ? s.substr(pos) : s.substr(pos, e - pos);
}

/// split_part kernel. The common shape — a string column with a literal delimiter and index —
/// resolves both once per batch and appends views of the input straight into the output builder.
Result<ArrayPtr> SplitPartKernel(const KernelContext& ctx, std::span<const Datum> args, int64_t n) {
  if (!args[0].is_scalar() && args[1].is_scalar() && args[2].is_scalar()) {
    const Array& col = *args[0].array;
    if (args[1].scalar->is_null() || args[2].scalar->is_null() || col.null_count() == n) {
      return columnar::MakeNullArray(ctx.out_type, n);
    }
    const std::string_view d = args[1].scalar->string_value();
    const int64_t k = args[2].scalar->int_value();
    if (k == 0) return ExecError("split_part: field position must not be zero");
    columnar::BinaryBuilder b(ctx.out_type);
    b.Reserve(n);
    if (n > 0) b.ReserveData(col.raw_offsets()[n] - col.raw_offsets()[0]);
    if (col.null_count() == 0 && d.size() == 1 && k > 0) {
      for (int64_t i = 0; i < n; ++i) b.Append(internal::SplitFieldByByte(col.GetView(i), d[0], k));
    } else if (col.null_count() == 0) {
      for (int64_t i = 0; i < n; ++i) b.Append(SplitPartView(col.GetView(i), d, k));
    } else {
      for (int64_t i = 0; i < n; ++i) {
        if (col.IsNull(i)) {
          b.AppendNull();
        } else {
          b.Append(SplitPartView(col.GetView(i), d, k));
        }
      }
    }
    return b.Finish();
  }
  StringReader s(args[0]), d(args[1]);
  FixedReader<int64_t> k(args[2]);
  return MapRows<StringBuilder>(ctx, args, n, [&](int64_t i, StringBuilder* b) -> Status {
    if (k[i] == 0) return ExecError("split_part: field position must not be zero");
    b->Append(SplitPartView(s[i], d[i], k[i]));
    return Status::OK();
  });
}

template <typename Builder, typename F>
ScalarKernel K(F f) {
  return [f](const KernelContext& ctx, std::span<const Datum> args, int64_t n) -> Result<ArrayPtr> {
    return MapRows<Builder>(ctx, args, n,
                            [&](int64_t i, Builder* b) -> Status { return f(args, i, b); });
  };
}

using Args = std::span<const Datum>;

void Simple(FunctionRegistry* r, const char* name, std::vector<std::string> aliases,
            std::vector<ScalarSignature> sigs) {
  ScalarFunction fn;
  fn.name = name;
  fn.aliases = std::move(aliases);
  fn.signatures = std::move(sigs);
  Add(r, std::move(fn));
}

// LENGTH over a column: when the column's bytes are all ASCII (one pass over the data buffer),
// every length is the offset difference; otherwise code points per row. NULL rows keep the
// input's validity (their offsets are valid, so computing them is harmless).
Result<ArrayPtr> LengthKernel(const KernelContext& ctx, Args a, int64_t n) {
  if (a[0].is_scalar()) {
    return MapRows<Int64Builder>(ctx, a, n, [&](int64_t i, Int64Builder* b) {
      b->Append(Utf8Length(SV(a, 0, i)));
      return Status::OK();
    });
  }
  const Array& str = *a[0].array;
  const int32_t* o = str.raw_offsets();
  const char* data = reinterpret_cast<const char*>(str.buffers()[2]->data());
  auto values = AllocateValuesForOverwrite<int64_t>(n);
  int64_t* out = reinterpret_cast<int64_t*>(values->mutable_data());
  if (n > 0 && internal::IsAscii(data + o[0], static_cast<size_t>(o[n] - o[0]))) {
    for (int64_t i = 0; i < n; ++i) out[i] = o[i + 1] - o[i];
  } else {
    for (int64_t i = 0; i < n; ++i) {
      out[i] = Utf8Length(std::string_view(data + o[i], static_cast<size_t>(o[i + 1] - o[i])));
    }
  }
  int64_t null_count = 0;
  BufferPtr validity = AlignedValidity(str, &null_count);
  return MakeFixedArray(ctx.out_type, n, std::move(validity), std::move(values), null_count);
}

}  // namespace

void RegisterStringFunctions(FunctionRegistry* r) {
  Simple(r, "length", {"char_length", "character_length"}, {MakeSig({kStr}, I64(), LengthKernel)});
  Simple(r, "octet_length", {},
         {MakeSig({kStr}, I64(), K<Int64Builder>([](Args a, int64_t i, Int64Builder* b) {
                    b->Append(static_cast<int64_t>(SV(a, 0, i).size()));
                    return Status::OK();
                  }))});
  Simple(r, "lower", {},
         {MakeSig({kStr}, Str(), K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
                    b->Append(Lower(SV(a, 0, i)));
                    return Status::OK();
                  }))});
  Simple(r, "upper", {},
         {MakeSig({kStr}, Str(), K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
                    b->Append(Upper(SV(a, 0, i)));
                    return Status::OK();
                  }))});
  for (auto [name, left, right] : {std::tuple{"trim", true, true}, std::tuple{"ltrim", true, false},
                                   std::tuple{"rtrim", false, true}}) {
    bool l = left, rt = right;
    auto k = K<StringBuilder>([l, rt](Args a, int64_t i, StringBuilder* b) {
      std::string_view chars = a.size() > 1 ? SV(a, 1, i) : std::string_view(" ");
      b->Append(TrimChars(SV(a, 0, i), chars, l, rt));
      return Status::OK();
    });
    Simple(r, name, {}, {MakeSig({kStr}, Str(), k), MakeSig({kStr, kStr}, Str(), k)});
  }
  auto substr = K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
    bool has_len = a.size() > 2;
    b->Append(Substring(SV(a, 0, i), IV(a, 1, i), has_len ? IV(a, 2, i) : 0, has_len));
    return Status::OK();
  });
  Simple(r, "substring", {"substr"},
         {MakeSig({kStr, kInt}, Str(), substr), MakeSig({kStr, kInt, kInt}, Str(), substr)});
  Simple(
      r, "replace", {},
      {MakeSig({kStr, kStr, kStr}, Str(), K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
                 std::string_view s = SV(a, 0, i), from = SV(a, 1, i), to = SV(a, 2, i);
                 size_t f = from.empty() ? std::string_view::npos : s.find(from);
                 if (f == std::string_view::npos) {
                   b->Append(s);
                   return Status::OK();
                 }
                 // One buffer per thread, reused: no allocation per row.
                 thread_local std::string out;
                 out.clear();
                 size_t pos = 0;
                 do {
                   out.append(s.data() + pos, f - pos);
                   out.append(to);
                   pos = f + from.size();
                   f = s.find(from, pos);
                 } while (f != std::string_view::npos);
                 out.append(s.data() + pos, s.size() - pos);
                 b->Append(out);
                 return Status::OK();
               }))});
  {
    // CONCAT skips NULLs (never NULL); CONCAT_WS(sep, ...) skips NULL values, NULL sep → NULL.
    ScalarSignature concat =
        MakeSig({TypeMatcher::Any()}, Str(),
                [](const KernelContext& ctx, Args a, int64_t n) -> Result<ArrayPtr> {
                  std::vector<ArrayPtr> strs;
                  for (const auto& d : a) {
                    LAMINAR_ASSIGN_OR_RETURN(auto s, CastArray(MaterializeDatum(d, n), utf8()));
                    strs.push_back(s);
                  }
                  std::string buf;
                  return MapAllRows<StringBuilder>(ctx, n, [&](int64_t i, StringBuilder* b) {
                    buf.clear();
                    for (const auto& s : strs) {
                      if (!s->IsNull(i)) buf.append(s->GetView(i));
                    }
                    b->Append(buf);
                    return Status::OK();
                  });
                });
    concat.variadic = true;
    concat.min_args = 1;
    concat.null_propagating = false;
    Simple(r, "concat", {}, {concat});
    ScalarSignature ws =
        MakeSig({kStr, TypeMatcher::Any()}, Str(),
                [](const KernelContext& ctx, Args a, int64_t n) -> Result<ArrayPtr> {
                  std::vector<ArrayPtr> strs;
                  for (const auto& d : a) {
                    LAMINAR_ASSIGN_OR_RETURN(auto s, CastArray(MaterializeDatum(d, n), utf8()));
                    strs.push_back(s);
                  }
                  std::string buf;
                  return MapAllRows<StringBuilder>(ctx, n, [&](int64_t i, StringBuilder* b) {
                    if (strs[0]->IsNull(i)) {
                      b->AppendNull();
                      return Status::OK();
                    }
                    buf.clear();
                    bool first = true;
                    for (size_t k = 1; k < strs.size(); ++k) {
                      if (strs[k]->IsNull(i)) continue;
                      if (!first) buf.append(strs[0]->GetView(i));
                      buf.append(strs[k]->GetView(i));
                      first = false;
                    }
                    b->Append(buf);
                    return Status::OK();
                  });
                });
    ws.variadic = true;
    ws.min_args = 2;
    ws.null_propagating = false;
    Simple(r, "concat_ws", {}, {ws});
  }
  Simple(r, "split_part", {}, {MakeSig({kStr, kStr, kInt}, Str(), SplitPartKernel, true)});
  Simple(r, "strpos", {"position", "instr"},
         {MakeSig({kStr, kStr}, I64(), K<Int64Builder>([](Args a, int64_t i, Int64Builder* b) {
                    std::string_view s = SV(a, 0, i);
                    size_t f = s.find(SV(a, 1, i));
                    b->Append(f == std::string_view::npos ? 0 : Utf8Length(s.substr(0, f)) + 1);
                    return Status::OK();
                  }))});
  Simple(r, "starts_with", {},
         {MakeSig({kStr, kStr}, Bool(), K<BoolBuilder>([](Args a, int64_t i, BoolBuilder* b) {
                    b->Append(SV(a, 0, i).starts_with(SV(a, 1, i)));
                    return Status::OK();
                  }))});
  Simple(r, "ends_with", {},
         {MakeSig({kStr, kStr}, Bool(), K<BoolBuilder>([](Args a, int64_t i, BoolBuilder* b) {
                    b->Append(SV(a, 0, i).ends_with(SV(a, 1, i)));
                    return Status::OK();
                  }))});
  for (auto [name, op] : {std::pair{"regexp_like", RegexOp::kLike}}) {
    auto sig = MakeSig({kStr, kStr}, Bool(), RegexKernel(op), true);
    sig.init = RegexInit();
    Simple(r, name, {"regexp_matches_bool", "rlike"}, {sig});
  }
  {
    auto sig =
        MakeSig({kStr, kStr}, Returns(columnar::list(utf8())), RegexKernel(RegexOp::kMatch), true);
    sig.init = RegexInit();
    Simple(r, "regexp_match", {}, {sig});
    auto rep = MakeSig({kStr, kStr, kStr}, Str(), RegexKernel(RegexOp::kReplace), true);
    rep.init = RegexInit();
    Simple(r, "regexp_replace", {}, {rep});
    auto ex2 = MakeSig({kStr, kStr}, Str(), RegexKernel(RegexOp::kExtract), true);
    ex2.init = RegexInit();
    auto ex3 = MakeSig({kStr, kStr, kInt}, Str(), RegexKernel(RegexOp::kExtract), true);
    ex3.init = RegexInit();
    Simple(r, "regexp_extract", {"regexp_substr"}, {ex2, ex3});
  }
  Simple(r, "string_to_array", {"split"},
         {MakeSig({kStr, kStr}, Returns(columnar::list(utf8())),
                  K<columnar::ListBuilder>([](Args a, int64_t i, columnar::ListBuilder* b) {
                    std::string_view s = SV(a, 0, i), d = SV(a, 1, i);
                    b->Append();
                    auto* vb = static_cast<StringBuilder*>(b->value_builder());
                    if (s.empty()) return Status::OK();
                    if (d.empty()) {
                      vb->Append(s);
                      return Status::OK();
                    }
                    size_t pos = 0;
                    while (true) {
                      size_t f = s.find(d, pos);
                      if (f == std::string_view::npos) {
                        vb->Append(s.substr(pos));
                        break;
                      }
                      vb->Append(s.substr(pos, f - pos));
                      pos = f + d.size();
                    }
                    return Status::OK();
                  }))});
  for (bool left : {true, false}) {
    auto k = K<StringBuilder>([left](Args a, int64_t i, StringBuilder* b) {
      int64_t len = IV(a, 1, i);
      if (len > (int64_t{1} << 28)) return ExecError("pad length too large");
      b->Append(Pad(SV(a, 0, i), len, a.size() > 2 ? SV(a, 2, i) : std::string_view(" "), left));
      return Status::OK();
    });
    Simple(r, left ? "lpad" : "rpad", {},
           {MakeSig({kStr, kInt}, Str(), k, true), MakeSig({kStr, kInt, kStr}, Str(), k, true)});
  }
  Simple(r, "md5", {},
         {MakeSig({kStr}, Str(), K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
                    b->Append(Md5Hex(SV(a, 0, i)));
                    return Status::OK();
                  }))});
  Simple(r, "reverse", {},
         {MakeSig({kStr}, Str(), K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
                    b->Append(Reverse(SV(a, 0, i)));
                    return Status::OK();
                  }))});
  Simple(r, "initcap", {},
         {MakeSig({kStr}, Str(), K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
                    b->Append(InitCap(SV(a, 0, i)));
                    return Status::OK();
                  }))});
  Simple(r, "left", {},
         {MakeSig({kStr, kInt}, Str(), K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
                    std::string_view s = SV(a, 0, i);
                    int64_t k = IV(a, 1, i);
                    int64_t len = Utf8Length(s);
                    int64_t take = k >= 0 ? std::min(k, len) : std::max<int64_t>(0, len + k);
                    b->Append(s.substr(0, Utf8Offset(s, take)));
                    return Status::OK();
                  }))});
  Simple(r, "right", {},
         {MakeSig({kStr, kInt}, Str(), K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
                    std::string_view s = SV(a, 0, i);
                    int64_t k = IV(a, 1, i);
                    int64_t len = Utf8Length(s);
                    int64_t take = k >= 0 ? std::min(k, len) : std::max<int64_t>(0, len + k);
                    b->Append(s.substr(Utf8Offset(s, len - take)));
                    return Status::OK();
                  }))});
  Simple(r, "repeat", {},
         {MakeSig({kStr, kInt}, Str(), K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
                    std::string_view s = SV(a, 0, i);
                    int64_t k = IV(a, 1, i);
                    if (k > 0 && static_cast<int64_t>(s.size()) * k > (int64_t{1} << 28)) {
                      return ExecError("repeat: result too large");
                    }
                    std::string out;
                    for (int64_t j = 0; j < k; ++j) out.append(s);
                    b->Append(out);
                    return Status::OK();
                  }),
                  true)});
  Simple(r, "ascii", {},
         {MakeSig({kStr}, I64(), K<Int64Builder>([](Args a, int64_t i, Int64Builder* b) {
                    b->Append(DecodeUtf8(SV(a, 0, i)));
                    return Status::OK();
                  }))});
  Simple(r, "chr", {},
         {MakeSig({kInt}, Str(), K<StringBuilder>([](Args a, int64_t i, StringBuilder* b) {
                    int64_t cp = IV(a, 0, i);
                    if (cp < 0 || cp > 0x10FFFF)
                      return ExecError(fmt::format("chr: invalid code point {}", cp));
                    b->Append(EncodeUtf8(static_cast<uint32_t>(cp)));
                    return Status::OK();
                  }),
                  true)});
  RegisterLike(r, "like", false, false);
  RegisterLike(r, "ilike", true, false);
  RegisterLike(r, "not_like", false, true);
  RegisterLike(r, "not_ilike", true, true);
  // `a || b` is "concat_op" (NULL-propagating); CONCAT(...) is "concat" (skips NULLs).
  ScalarFunction op{"concat_op", {}, {}, "a || b"};
  op.signatures.push_back(
      MakeSig({E(TypeId::kString), E(TypeId::kString)}, Returns(utf8()), ConcatOperator));
  Add(r, std::move(op));
}

}  // namespace laminar::function
