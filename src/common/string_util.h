#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace laminar {

std::string_view Trim(std::string_view s);
/// ASCII lower case of one byte; other bytes (UTF-8 included) are unchanged. Identifiers fold
/// case this way everywhere, independent of the C locale.
constexpr char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

/// Orders strings as their ToLower() forms do, without building them. Transparent: a map keyed
/// by lower-cased names is searched with a name in any case and no allocation (the engine
/// looks up a source by name on every push).
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const {
    const size_t n = a.size() < b.size() ? a.size() : b.size();
    for (size_t i = 0; i < n; ++i) {
      const auto x = static_cast<unsigned char>(AsciiLower(a[i]));
      const auto y = static_cast<unsigned char>(AsciiLower(b[i]));
      if (x != y) return x < y;
    }
    return a.size() < b.size();
  }
};

/// Levenshtein distance, used for "did you mean …?" hints.
size_t EditDistance(std::string_view a, std::string_view b);

/// The candidate closest to `name` (case-insensitive), or empty when none is close enough
/// (distance > max(2, len/3)).
std::string ClosestMatch(std::string_view name, const std::vector<std::string>& candidates);

/// The contents of a JSON string literal for `s` (quotes, backslashes and control characters
/// escaped; no surrounding quotes).
std::string JsonEscape(std::string_view s);

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s);

/// Splits on a single character; empty pieces are kept.
std::vector<std::string> Split(std::string_view s, char sep);

}  // namespace laminar
