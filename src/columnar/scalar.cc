#include "columnar/scalar.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "common/string_util.h"

namespace laminar::columnar {

std::string FormatDecimal(int128_t unscaled, int scale) {
  bool neg = unscaled < 0;
  // Work on the magnitude as unsigned so INT128_MIN is safe.
  auto mag = neg ? static_cast<unsigned __int128>(-(unscaled + 1)) + 1
                 : static_cast<unsigned __int128>(unscaled);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(mag % 10)));
    mag /= 10;
  } while (mag != 0);
  while (static_cast<int>(digits.size()) <= scale) digits.push_back('0');
  std::string out(digits.rbegin(), digits.rend());
  if (scale > 0) out.insert(out.size() - static_cast<size_t>(scale), ".");
  return neg ? "-" + out : out;
}

Result<int128_t> ParseDecimal(std::string_view text_in, int precision, int scale) {
  std::string_view text = Trim(text_in);
  auto bad = [&]() {
    return Status::Invalid(
        fmt::format("cannot parse '{}' as DECIMAL({},{})", text_in, precision, scale),
        ErrorCode::kTypeMismatch);
  };
  if (text.empty()) return bad();
  bool neg = false;
  size_t i = 0;
  if (text[0] == '-' || text[0] == '+') {
    neg = text[0] == '-';
    i = 1;
  }
  int128_t v = 0;
  int int_digits = 0, frac_digits = 0;
  bool seen_dot = false, any = false;
  bool round_up = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (seen_dot) return bad();
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') return bad();
    any = true;
    if (seen_dot) {
      if (frac_digits >= scale) {
        if (frac_digits == scale) round_up = c >= '5';
        ++frac_digits;
        continue;
      }
      ++frac_digits;
    } else if (v != 0 || c != '0') {
      ++int_digits;
    }
    if (int_digits > precision - scale) {
      return Status::OutOfRange(
          fmt::format("value '{}' does not fit DECIMAL({},{})", text_in, precision, scale),
          ErrorCode::kTypeMismatch);
    }
    v = v * 10 + (c - '0');
  }
  if (!any) return bad();
  for (int f = std::min(frac_digits, scale); f < scale; ++f) v *= 10;
  if (round_up) v += 1;
  return neg ? -v : v;
}

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

double Scalar::ToDouble() const {
  if (auto* i = std::get_if<int64_t>(&value_)) return static_cast<double>(*i);
  if (auto* d = std::get_if<double>(&value_)) return *d;
  if (auto* b = std::get_if<bool>(&value_)) return *b ? 1 : 0;
  if (auto* dec = std::get_if<int128_t>(&value_)) {
    return static_cast<double>(*dec) / std::pow(10.0, type_->scale());
  }
  return 0;
}

std::string Scalar::ToString() const {
  if (is_null()) return "NULL";
  switch (type_->id()) {
    case TypeId::kNull:
      return "NULL";
    case TypeId::kBoolean:
      return bool_value() ? "true" : "false";
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      return std::to_string(int_value());
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      if (type_->id() == TypeId::kFloat32) {
        float f = static_cast<float>(double_value());
        if (std::isfinite(f) && f != std::floor(f)) return fmt::format("{}", f);
      }
      return FormatDouble(double_value());
    }
    case TypeId::kDecimal128:
      return FormatDecimal(decimal_value(), type_->scale());
    case TypeId::kString:
      return string_value();
    case TypeId::kBinary: {
      std::string out = "\\x";
      for (unsigned char c : string_value()) out += fmt::format("{:02x}", c);
      return out;
    }
    case TypeId::kDate32:
      return FormatDate(static_cast<int32_t>(int_value()));
    case TypeId::kTime64:
      return FormatTime(int_value());
    case TypeId::kTimestamp:
      return FormatTimestamp(int_value());
    case TypeId::kInterval:
      return FormatInterval(interval_value());
    case TypeId::kList: {
      std::string out = "[";
      const auto& items = children();
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        out += items[i].ToString();
      }
      return out + "]";
    }
    case TypeId::kStruct: {
      std::string out = "{";
      const auto& items = children();
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        out += type_->children()[i]->name + ": " + items[i].ToString();
      }
      return out + "}";
    }
  }
  return "?";
}

namespace {

Status ParseError(const DataTypePtr& type, std::string_view text) {
  return Status::Invalid(fmt::format("cannot parse '{}' as {}", text, type->ToString()),
                         ErrorCode::kTypeMismatch);
}

// Splits "[a, b, [c, d]]" body elements at depth 0 (quotes respected).
std::vector<std::string_view> SplitTopLevel(std::string_view body) {
  std::vector<std::string_view> out;
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\'') quoted = !quoted;
    if (quoted) continue;
    if (c == '[' || c == '{' || c == '(') ++depth;
    if (c == ']' || c == '}' || c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(Trim(body.substr(start, i - start)));
      start = i + 1;
    }
  }
  std::string_view last = Trim(body.substr(start));
  if (!last.empty() || !out.empty()) out.push_back(last);
  return out;
}

std::string Unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') {
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
      out.push_back(s[i]);
      if (s[i] == '\'' && i + 2 < s.size() && s[i + 1] == '\'') ++i;
    }
    return out;
  }
  return std::string(s);
}

}  // namespace

Result<Scalar> Scalar::Parse(const DataTypePtr& type, std::string_view text_in) {
  std::string_view text = type->is_binary_like() ? text_in : Trim(text_in);
  if (!type->is_binary_like() && EqualsIgnoreCase(text, "NULL")) return Null(type);
  switch (type->id()) {
    case TypeId::kNull:
      return Null(type);
    case TypeId::kBoolean: {
      std::string l = ToLower(text);
      if (l == "true" || l == "t" || l == "1" || l == "yes") return Scalar(type, true);
      if (l == "false" || l == "f" || l == "0" || l == "no") return Scalar(type, false);
      return ParseError(type, text);
    }
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64: {
      int64_t v = 0;
      std::string_view t = text;
      if (!t.empty() && t[0] == '+') t.remove_prefix(1);
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec == std::errc::result_out_of_range) {
        return Status::OutOfRange(
            fmt::format("value '{}' is out of range for {}", text, type->ToString()),
            ErrorCode::kTypeMismatch);
      }
      if (ec != std::errc() || p != t.data() + t.size() || t.empty()) return ParseError(type, text);
      int bits = type->byte_width() * 8;
      if (bits < 64) {
        int64_t lo = -(int64_t{1} << (bits - 1)), hi = (int64_t{1} << (bits - 1)) - 1;
        if (v < lo || v > hi) {
          return Status::OutOfRange(
              fmt::format("value '{}' is out of range for {}", text, type->ToString()),
              ErrorCode::kTypeMismatch);
        }
      }
      return Scalar(type, v);
    }
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      std::string s(text);
      std::string l = ToLower(s);
      if (l == "nan") return Scalar(type, std::numeric_limits<double>::quiet_NaN());
      if (l == "inf" || l == "infinity")
        return Scalar(type, std::numeric_limits<double>::infinity());
      if (l == "-inf" || l == "-infinity")
        return Scalar(type, -std::numeric_limits<double>::infinity());
      char* end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) return ParseError(type, text);
      return Scalar(type, v);
    }
    case TypeId::kDecimal128: {
      LAMINAR_ASSIGN_OR_RETURN(auto v, ParseDecimal(text, type->precision(), type->scale()));
      return Scalar(type, v);
    }
    case TypeId::kString:
    case TypeId::kBinary:
      return Scalar(type, std::string(text));
    case TypeId::kDate32: {
      LAMINAR_ASSIGN_OR_RETURN(auto d, ParseDate(Unquote(text)));
      return Scalar(type, int64_t{d});
    }
    case TypeId::kTime64: {
      LAMINAR_ASSIGN_OR_RETURN(auto t, ParseTime(Unquote(text)));
      return Scalar(type, t);
    }
    case TypeId::kTimestamp: {
      LAMINAR_ASSIGN_OR_RETURN(auto t, ParseTimestamp(Unquote(text)));
      return Scalar(type, t);
    }
    case TypeId::kInterval: {
      LAMINAR_ASSIGN_OR_RETURN(auto iv, ParseInterval(Unquote(text)));
      return Scalar(type, iv);
    }
    case TypeId::kList: {
      if (text.size() < 2 || text.front() != '[' || text.back() != ']')
        return ParseError(type, text);
      std::vector<Scalar> items;
      for (auto part : SplitTopLevel(text.substr(1, text.size() - 2))) {
        std::string item = Unquote(part);
        LAMINAR_ASSIGN_OR_RETURN(auto s, Parse(type->value_type(), item));
        items.push_back(std::move(s));
      }
      return Scalar(type, std::move(items));
    }
    case TypeId::kStruct: {
      if (text.size() < 2 || text.front() != '{' || text.back() != '}')
        return ParseError(type, text);
      auto parts = SplitTopLevel(text.substr(1, text.size() - 2));
      if (parts.size() != type->children().size()) return ParseError(type, text);
      std::vector<Scalar> items;
      for (size_t i = 0; i < parts.size(); ++i) {
        std::string_view p = parts[i];
        size_t colon = p.find(':');
        if (colon != std::string_view::npos) p = Trim(p.substr(colon + 1));
        LAMINAR_ASSIGN_OR_RETURN(auto s, Parse(type->children()[i]->type, Unquote(p)));
        items.push_back(std::move(s));
      }
      return Scalar(type, std::move(items));
    }
  }
  return ParseError(type, text);
}

bool Scalar::Equals(const Scalar& other) const {
  if (!type_->Equals(*other.type_)) return false;
  return value_ == other.value_;
}

int CompareScalars(const Scalar& a, const Scalar& b) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null() ? 0 : (a.is_null() ? 1 : -1);
  const auto& sa = a.storage();
  const auto& sb = b.storage();
  auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (sa.index() == sb.index()) {
    if (auto* x = std::get_if<bool>(&sa)) return cmp(*x, std::get<bool>(sb));
    if (auto* x = std::get_if<int64_t>(&sa)) return cmp(*x, std::get<int64_t>(sb));
    if (auto* x = std::get_if<double>(&sa)) return cmp(*x, std::get<double>(sb));
    if (auto* x = std::get_if<int128_t>(&sa)) {
      if (a.type()->scale() == b.type()->scale()) return cmp(*x, std::get<int128_t>(sb));
      return cmp(a.ToDouble(), b.ToDouble());
    }
    if (auto* x = std::get_if<std::string>(&sa))
      return x->compare(std::get<std::string>(sb)) < 0 ? -1
                                                       : (*x == std::get<std::string>(sb) ? 0 : 1);
    if (auto* x = std::get_if<Interval>(&sa)) {
      const auto& y = std::get<Interval>(sb);
      if (x->months != y.months) return cmp(x->months, y.months);
      if (x->days != y.days) return cmp(x->days, y.days);
      return cmp(x->nanos, y.nanos);
    }
    if (auto* x = std::get_if<std::vector<Scalar>>(&sa)) {
      const auto& y = std::get<std::vector<Scalar>>(sb);
      for (size_t i = 0; i < x->size() && i < y.size(); ++i) {
        int c = CompareScalars((*x)[i], y[i]);
        if (c != 0) return c;
      }
      return cmp(x->size(), y.size());
    }
    return 0;
  }
  return cmp(a.ToDouble(), b.ToDouble());
}

Scalar GetScalar(const Array& a, int64_t i) {
  const DataTypePtr& t = a.type();
  if (a.IsNull(i)) return Scalar::Null(t);
  switch (t->id()) {
    case TypeId::kNull:
      return Scalar::Null(t);
    case TypeId::kBoolean:
      return Scalar(t, a.GetBool(i));
    case TypeId::kInt8:
      return Scalar(t, int64_t{a.values<int8_t>()[i]});
    case TypeId::kInt16:
      return Scalar(t, int64_t{a.values<int16_t>()[i]});
    case TypeId::kInt32:
    case TypeId::kDate32:
      return Scalar(t, int64_t{a.values<int32_t>()[i]});
    case TypeId::kInt64:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
      return Scalar(t, a.values<int64_t>()[i]);
    case TypeId::kFloat32:
      return Scalar(t, double{a.values<float>()[i]});
    case TypeId::kFloat64:
      return Scalar(t, a.values<double>()[i]);
    case TypeId::kDecimal128:
      return Scalar(t, a.values<int128_t>()[i]);
    case TypeId::kInterval:
      return Scalar(t, a.values<Interval>()[i]);
    case TypeId::kString:
    case TypeId::kBinary:
      return Scalar(t, std::string(a.GetView(i)));
    case TypeId::kList: {
      std::vector<Scalar> items;
      const auto& child = *a.child(0);
      for (int64_t k = a.ListStart(i); k < a.ListStart(i) + a.ListLength(i); ++k) {
        items.push_back(GetScalar(child, k));
      }
      return Scalar(t, std::move(items));
    }
    case TypeId::kStruct: {
      std::vector<Scalar> items;
      for (const auto& c : a.children()) items.push_back(GetScalar(*c, a.offset() + i));
      return Scalar(t, std::move(items));
    }
  }
  return Scalar::Null(t);
}

}  // namespace laminar::columnar
