#include "common/string_util.h"
#include "function/scalar/kernel_util.h"

namespace laminar::function::internal {

Result<std::shared_ptr<LikeMatcher>> LikeMatcher::Compile(std::string_view pattern, char escape,
                                                          bool case_insensitive) {
  auto m = std::make_shared<LikeMatcher>();
  m->case_insensitive_ = case_insensitive;
  std::string p = case_insensitive ? ToLower(pattern) : std::string(pattern);
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (escape != 0 && c == escape) {
      if (i + 1 >= p.size()) {
        return Status::Invalid(
            fmt::format("LIKE pattern '{}' must not end with the escape character", pattern),
            ErrorCode::kQueryExecutionFailed);
      }
      m->elements_.push_back({Element::kLiteral, p[++i]});
    } else if (c == '%') {
      if (m->elements_.empty() || m->elements_.back().type != Element::kAny) {
        m->elements_.push_back({Element::kAny, 0});
      }
    } else if (c == '_') {
      m->elements_.push_back({Element::kOne, 0});
    } else {
      m->elements_.push_back({Element::kLiteral, c});
    }
  }
  // Classify the common shapes: 'abc', 'abc%', '%abc', '%abc%'.
  const auto& el = m->elements_;
  size_t begin = 0, end = el.size();
  bool lead_any = !el.empty() && el.front().type == Element::kAny;
  bool trail_any = el.size() > (lead_any ? 1u : 0u) && el.back().type == Element::kAny;
  if (lead_any) ++begin;
  if (trail_any) --end;
  bool all_literal = true;
  for (size_t i = begin; i < end; ++i) {
    if (el[i].type != Element::kLiteral) all_literal = false;
  }
  if (all_literal) {
    for (size_t i = begin; i < end; ++i) m->literal_.push_back(el[i].c);
    if (!lead_any && !trail_any)
      m->kind_ = Kind::kExact;
    else if (!lead_any)
      m->kind_ = Kind::kPrefix;
    else if (!trail_any)
      m->kind_ = Kind::kSuffix;
    else
      m->kind_ = Kind::kContains;
  }
  return m;
}

bool LikeMatcher::MatchGeneral(std::string_view s) const {
  const size_t np = elements_.size();
  size_t si = 0, pi = 0, mark = 0;
  std::ptrdiff_t star = -1;
  while (si < s.size()) {
    if (pi < np && elements_[pi].type == Element::kOne) {
      si += static_cast<size_t>(Utf8Len(static_cast<unsigned char>(s[si])));
      ++pi;
    } else if (pi < np && elements_[pi].type == Element::kLiteral && elements_[pi].c == s[si]) {
      ++si;
      ++pi;
    } else if (pi < np && elements_[pi].type == Element::kAny) {
      star = static_cast<std::ptrdiff_t>(pi++);
      mark = si;
    } else if (star >= 0) {
      pi = static_cast<size_t>(star) + 1;
      mark += static_cast<size_t>(Utf8Len(static_cast<unsigned char>(s[mark])));
      si = mark;
    } else {
      return false;
    }
  }
  while (pi < np && elements_[pi].type == Element::kAny) ++pi;
  return pi == np && si <= s.size();
}

bool LikeMatcher::Match(std::string_view input) const {
  std::string lowered;
  std::string_view s = input;
  if (case_insensitive_) {
    lowered = ToLower(input);
    s = lowered;
  }
  switch (kind_) {
    case Kind::kExact:
      return s == literal_;
    case Kind::kPrefix:
      return s.starts_with(literal_);
    case Kind::kSuffix:
      return s.ends_with(literal_);
    case Kind::kContains:
      return s.find(literal_) != std::string_view::npos;
    case Kind::kGeneral:
      return MatchGeneral(s);
  }
  return false;
}

}  // namespace laminar::function::internal
