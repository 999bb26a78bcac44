// String functions and operators (concat `||`, LIKE/ILIKE, ...).
#include "common/string_util.h"
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

}  // namespace

void RegisterStringFunctions(FunctionRegistry* r) {
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
