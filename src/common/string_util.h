#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace laminar {

std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

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
