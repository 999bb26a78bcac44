#include "sql/parser/lexer.h"

#include <algorithm>
#include <cstdint>

#include "common/string_util.h"

namespace laminar::sql {

namespace {

bool IsIdentStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
bool IsIdentChar(unsigned char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$'; }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

/// Scans the input once; tracks line/column as it goes.
class Lexer {
 public:
  explicit Lexer(std::string_view sql) : sql_(sql) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      LAMINAR_RETURN_NOT_OK(SkipSpaceAndComments());
      Token tok;
      tok.pos = Pos();
      if (i_ >= sql_.size()) {
        tok.kind = TokenKind::kEof;
        tok.end_offset = static_cast<int>(i_);
        tokens.push_back(std::move(tok));
        return tokens;
      }
      LAMINAR_RETURN_NOT_OK(Next(&tok));
      tok.end_offset = static_cast<int>(i_);
      tok.raw = sql_.substr(static_cast<size_t>(tok.pos.offset), i_ - tok.pos.offset);
      tokens.push_back(std::move(tok));
    }
  }

 private:
  SourcePos Pos() const {
    return SourcePos{line_, static_cast<int>(i_ - line_start_) + 1, static_cast<int>(i_)};
  }
  char Peek(size_t ahead = 0) const { return i_ + ahead < sql_.size() ? sql_[i_ + ahead] : '\0'; }
  bool AtEnd(size_t ahead = 0) const { return i_ + ahead >= sql_.size(); }
  void Advance() {
    if (sql_[i_] == '\n') {
      ++line_;
      line_start_ = i_ + 1;
    }
    ++i_;
  }

  Status SkipSpaceAndComments() {
    while (!AtEnd()) {
      char c = Peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        Advance();
      } else if (c == '-' && Peek(1) == '-') {
        while (!AtEnd() && Peek() != '\n') Advance();
      } else if (c == '/' && Peek(1) == '*') {
        SourcePos start = Pos();
        Advance();
        Advance();
        int depth = 1;
        while (depth > 0) {
          if (AtEnd()) {
            return SyntaxError(sql_, start, "unterminated comment",
                               "a '/*' comment must be closed with '*/'");
          }
          if (Peek() == '/' && Peek(1) == '*') {
            Advance();
            Advance();
            ++depth;
          } else if (Peek() == '*' && Peek(1) == '/') {
            Advance();
            Advance();
            --depth;
          } else {
            Advance();
          }
        }
      } else {
        break;
      }
    }
    return Status::OK();
  }

  Status Next(Token* tok) {
    unsigned char c = static_cast<unsigned char>(Peek());
    if ((c == 'e' || c == 'E') && Peek(1) == '\'') {
      Advance();
      return LexString(tok, /*escapes=*/true);
    }
    if (IsIdentStart(c)) {
      size_t start = i_;
      while (!AtEnd() && IsIdentChar(static_cast<unsigned char>(Peek()))) Advance();
      tok->kind = TokenKind::kWord;
      tok->text.assign(sql_.data() + start, i_ - start);
      for (char& ch : tok->text) {
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      }
      return Status::OK();
    }
    if (IsDigit(c) || (c == '.' && IsDigit(static_cast<unsigned char>(Peek(1))))) {
      return LexNumber(tok);
    }
    if (c == '\'') return LexString(tok, /*escapes=*/false);
    if (c == '"') return LexQuotedIdentifier(tok);
    if (c == '$' && IsDigit(static_cast<unsigned char>(Peek(1)))) {
      Advance();
      size_t start = i_;
      while (!AtEnd() && IsDigit(static_cast<unsigned char>(Peek()))) Advance();
      if (i_ - start > 6) return SyntaxError(sql_, tok->pos, "parameter number too large");
      tok->kind = TokenKind::kParameter;
      tok->text = std::string(sql_.substr(start, i_ - start));
      return Status::OK();
    }
    auto one = [&](TokenKind k) {
      Advance();
      tok->kind = k;
      return Status::OK();
    };
    auto two = [&](TokenKind k) {
      Advance();
      Advance();
      tok->kind = k;
      return Status::OK();
    };
    switch (c) {
      case '(':
        return one(TokenKind::kLParen);
      case ')':
        return one(TokenKind::kRParen);
      case '[':
        return one(TokenKind::kLBracket);
      case ']':
        return one(TokenKind::kRBracket);
      case ',':
        return one(TokenKind::kComma);
      case ';':
        return one(TokenKind::kSemicolon);
      case '.':
        return one(TokenKind::kDot);
      case '+':
        return one(TokenKind::kPlus);
      case '-':
        if (Peek(1) == '>') {
          if (Peek(2) == '>') {
            Advance();
            return two(TokenKind::kLongArrow);
          }
          return two(TokenKind::kArrow);
        }
        return one(TokenKind::kMinus);
      case '*':
        return one(TokenKind::kStar);
      case '/':
        return one(TokenKind::kSlash);
      case '%':
        return one(TokenKind::kPercent);
      case '^':
        return one(TokenKind::kCaret);
      case '|':
        if (Peek(1) == '|') return two(TokenKind::kConcat);
        break;
      case '=':
        if (Peek(1) == '=') return two(TokenKind::kEq);
        return one(TokenKind::kEq);
      case '!':
        if (Peek(1) == '=') return two(TokenKind::kNotEq);
        break;
      case '<':
        if (Peek(1) == '>') return two(TokenKind::kNotEq);
        if (Peek(1) == '=') return two(TokenKind::kLtEq);
        return one(TokenKind::kLt);
      case '>':
        if (Peek(1) == '=') return two(TokenKind::kGtEq);
        return one(TokenKind::kGt);
      case ':':
        if (Peek(1) == ':') return two(TokenKind::kColonColon);
        return one(TokenKind::kColon);
      default:
        break;
    }
    static const char kHex[] = "0123456789abcdef";
    std::string shown;
    if (c >= 0x20 && c < 0x7f) {
      shown.push_back(static_cast<char>(c));
    } else {
      shown.append("\\x");
      shown.push_back(kHex[c >> 4]);
      shown.push_back(kHex[c & 15]);
    }
    return SyntaxError(sql_, tok->pos, "unexpected character '" + shown + "'");
  }

  Status LexNumber(Token* tok) {
    size_t start = i_;
    bool has_dot = false, has_exp = false;
    while (!AtEnd() && IsDigit(static_cast<unsigned char>(Peek()))) Advance();
    if (Peek() == '.' && IsDigit(static_cast<unsigned char>(Peek(1)))) {
      has_dot = true;
      Advance();
      while (!AtEnd() && IsDigit(static_cast<unsigned char>(Peek()))) Advance();
    }
    if ((Peek() == 'e' || Peek() == 'E') &&
        (IsDigit(static_cast<unsigned char>(Peek(1))) ||
         ((Peek(1) == '+' || Peek(1) == '-') && IsDigit(static_cast<unsigned char>(Peek(2)))))) {
      has_exp = true;
      Advance();
      if (Peek() == '+' || Peek() == '-') Advance();
      while (!AtEnd() && IsDigit(static_cast<unsigned char>(Peek()))) Advance();
    }
    tok->kind = has_exp ? TokenKind::kFloat : has_dot ? TokenKind::kDecimal : TokenKind::kInteger;
    tok->text = std::string(sql_.substr(start, i_ - start));
    return Status::OK();
  }

  Status LexString(Token* tok, bool escapes) {
    SourcePos start = tok->pos;
    Advance();  // opening quote
    std::string out;
    while (true) {
      if (AtEnd()) {
        return SyntaxError(sql_, start, "unterminated string literal",
                           "the string starting at line " + std::to_string(start.line) +
                               ", column " + std::to_string(start.column) +
                               " is never closed; add a closing quote (write '' for a quote "
                               "inside a string)");
      }
      char c = Peek();
      if (c == '\'') {
        if (Peek(1) == '\'') {
          out.push_back('\'');
          Advance();
          Advance();
          continue;
        }
        Advance();
        break;
      }
      if (escapes && c == '\\' && !AtEnd(1)) {
        Advance();
        char e = Peek();
        Advance();
        switch (e) {
          case 'n':
            out.push_back('\n');
            break;
          case 't':
            out.push_back('\t');
            break;
          case 'r':
            out.push_back('\r');
            break;
          case 'b':
            out.push_back('\b');
            break;
          case 'f':
            out.push_back('\f');
            break;
          case '0':
            out.push_back('\0');
            break;
          case 'x': {
            int v = 0, n = 0;
            while (n < 2 && HexValue(Peek()) >= 0) {
              v = v * 16 + HexValue(Peek());
              Advance();
              ++n;
            }
            if (n == 0) return SyntaxError(sql_, Pos(), "invalid \\x escape in string");
            out.push_back(static_cast<char>(v));
            break;
          }
          case 'u': {
            uint32_t v = 0;
            for (int n = 0; n < 4; ++n) {
              int h = HexValue(Peek());
              if (h < 0) return SyntaxError(sql_, Pos(), "invalid \\u escape in string");
              v = v * 16 + static_cast<uint32_t>(h);
              Advance();
            }
            AppendUtf8(v, &out);
            break;
          }
          default:
            out.push_back(e);
            break;
        }
        continue;
      }
      out.push_back(c);
      Advance();
    }
    tok->kind = TokenKind::kString;
    tok->text = std::move(out);
    return Status::OK();
  }

  Status LexQuotedIdentifier(Token* tok) {
    SourcePos start = tok->pos;
    Advance();
    std::string out;
    while (true) {
      if (AtEnd()) {
        return SyntaxError(sql_, start, "unterminated quoted identifier",
                           "the identifier starting at line " + std::to_string(start.line) +
                               ", column " + std::to_string(start.column) +
                               " is never closed with '\"'");
      }
      char c = Peek();
      if (c == '"') {
        if (Peek(1) == '"') {
          out.push_back('"');
          Advance();
          Advance();
          continue;
        }
        Advance();
        break;
      }
      out.push_back(c);
      Advance();
    }
    if (out.empty()) return SyntaxError(sql_, start, "zero-length quoted identifier");
    tok->kind = TokenKind::kQuotedIdentifier;
    tok->text = std::move(out);
    return Status::OK();
  }

  std::string_view sql_;
  size_t i_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view sql) { return Lexer(sql).Run(); }

std::string FormatSyntaxError(std::string_view sql, const SourcePos& pos, std::string_view message,
                              std::string_view hint) {
  std::string out = "syntax error at line " + std::to_string(pos.line) + ", column " +
                    std::to_string(pos.column) + ": " + std::string(message);
  size_t off = std::min(static_cast<size_t>(pos.offset < 0 ? 0 : pos.offset), sql.size());
  size_t line_start = 0;
  if (off > 0) {
    size_t nl = sql.rfind('\n', off - 1);
    if (nl != std::string_view::npos) line_start = nl + 1;
  }
  size_t line_end = sql.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = sql.size();
  std::string_view line = sql.substr(line_start, line_end - line_start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  out += "\n";
  out += line;
  out += "\n";
  for (size_t k = line_start; k < off && k - line_start < line.size(); ++k) {
    out.push_back(sql[k] == '\t' ? '\t' : ' ');
  }
  out += "^";
  if (!hint.empty()) {
    out += "\nhint: ";
    out += hint;
  }
  return out;
}

Status SyntaxError(std::string_view sql, const SourcePos& pos, std::string_view message,
                   std::string_view hint) {
  return Status(StatusCode::kInvalid, ErrorCode::kSqlUnsupported,
                FormatSyntaxError(sql, pos, message, hint));
}

std::string DescribeToken(const Token& token) {
  if (token.kind == TokenKind::kEof) return "end of input";
  size_t limit = token.kind == TokenKind::kWord ? 64 : 30;
  std::string out = token.kind == TokenKind::kString ? "string " : "'";
  out.append(token.raw.data(), std::min(token.raw.size(), limit));
  if (token.raw.size() > limit) out.append("...");
  if (token.kind != TokenKind::kString) out.push_back('\'');
  return out;
}

}  // namespace laminar::sql
