#include "columnar/type.h"

#include <fmt/format.h>

#include "common/string_util.h"

namespace laminar::columnar {

bool Field::Equals(const Field& other) const {
  return name == other.name && nullable == other.nullable && type->Equals(*other.type);
}

std::string Field::ToString() const {
  return fmt::format("{} {}{}", name, type->ToString(), nullable ? "" : " NOT NULL");
}

bool DataType::Equals(const DataType& other) const {
  if (id_ != other.id_) return false;
  if (id_ == TypeId::kDecimal128) return precision_ == other.precision_ && scale_ == other.scale_;
  if (children_.size() != other.children_.size()) return false;
  for (size_t i = 0; i < children_.size(); ++i) {
    if (id_ == TypeId::kList) {
      if (!children_[i]->type->Equals(*other.children_[i]->type)) return false;
    } else if (!children_[i]->Equals(*other.children_[i])) {
      return false;
    }
  }
  return true;
}

std::string DataType::ToString() const {
  switch (id_) {
    case TypeId::kNull:
      return "NULL";
    case TypeId::kBoolean:
      return "BOOLEAN";
    case TypeId::kInt8:
      return "TINYINT";
    case TypeId::kInt16:
      return "SMALLINT";
    case TypeId::kInt32:
      return "INT";
    case TypeId::kInt64:
      return "BIGINT";
    case TypeId::kFloat32:
      return "FLOAT";
    case TypeId::kFloat64:
      return "DOUBLE";
    case TypeId::kDecimal128:
      return fmt::format("DECIMAL({},{})", precision_, scale_);
    case TypeId::kString:
      return "VARCHAR";
    case TypeId::kBinary:
      return "VARBINARY";
    case TypeId::kDate32:
      return "DATE";
    case TypeId::kTime64:
      return "TIME";
    case TypeId::kTimestamp:
      return "TIMESTAMP";
    case TypeId::kInterval:
      return "INTERVAL";
    case TypeId::kList:
      return fmt::format("{}[]", value_type()->ToString());
    case TypeId::kStruct: {
      std::string out = "STRUCT<";
      for (size_t i = 0; i < children_.size(); ++i) {
        if (i) out += ", ";
        out += children_[i]->name + " " + children_[i]->type->ToString();
      }
      return out + ">";
    }
  }
  return "UNKNOWN";
}

int DataType::byte_width() const {
  switch (id_) {
    case TypeId::kInt8:
      return 1;
    case TypeId::kInt16:
      return 2;
    case TypeId::kInt32:
    case TypeId::kFloat32:
    case TypeId::kDate32:
      return 4;
    case TypeId::kInt64:
    case TypeId::kFloat64:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
      return 8;
    case TypeId::kDecimal128:
    case TypeId::kInterval:
      return 16;
    case TypeId::kBoolean:
    case TypeId::kNull:
      return 0;
    default:
      return -1;
  }
}

#define LAMINAR_TYPE_SINGLETON(fn, id)                           \
  const DataTypePtr& fn() {                                      \
    static const DataTypePtr t = std::make_shared<DataType>(id); \
    return t;                                                    \
  }
LAMINAR_TYPE_SINGLETON(null_type, TypeId::kNull)
LAMINAR_TYPE_SINGLETON(boolean, TypeId::kBoolean)
LAMINAR_TYPE_SINGLETON(int8, TypeId::kInt8)
LAMINAR_TYPE_SINGLETON(int16, TypeId::kInt16)
LAMINAR_TYPE_SINGLETON(int32, TypeId::kInt32)
LAMINAR_TYPE_SINGLETON(int64, TypeId::kInt64)
LAMINAR_TYPE_SINGLETON(float32, TypeId::kFloat32)
LAMINAR_TYPE_SINGLETON(float64, TypeId::kFloat64)
LAMINAR_TYPE_SINGLETON(utf8, TypeId::kString)
LAMINAR_TYPE_SINGLETON(binary, TypeId::kBinary)
LAMINAR_TYPE_SINGLETON(date32, TypeId::kDate32)
LAMINAR_TYPE_SINGLETON(time64, TypeId::kTime64)
LAMINAR_TYPE_SINGLETON(timestamp, TypeId::kTimestamp)
LAMINAR_TYPE_SINGLETON(interval, TypeId::kInterval)
#undef LAMINAR_TYPE_SINGLETON

DataTypePtr decimal128(int precision, int scale) {
  return std::make_shared<DataType>(TypeId::kDecimal128, precision, scale);
}

DataTypePtr list(DataTypePtr value_type) {
  return std::make_shared<DataType>(
      TypeId::kList, std::vector<FieldPtr>{std::make_shared<Field>("item", std::move(value_type))});
}

DataTypePtr struct_(std::vector<FieldPtr> fields) {
  return std::make_shared<DataType>(TypeId::kStruct, std::move(fields));
}

DataTypePtr TypeFromId(TypeId id) {
  switch (id) {
    case TypeId::kNull:
      return null_type();
    case TypeId::kBoolean:
      return boolean();
    case TypeId::kInt8:
      return int8();
    case TypeId::kInt16:
      return int16();
    case TypeId::kInt32:
      return int32();
    case TypeId::kInt64:
      return int64();
    case TypeId::kFloat32:
      return float32();
    case TypeId::kFloat64:
      return float64();
    case TypeId::kDecimal128:
      return decimal128(38, 9);
    case TypeId::kString:
      return utf8();
    case TypeId::kBinary:
      return binary();
    case TypeId::kDate32:
      return date32();
    case TypeId::kTime64:
      return time64();
    case TypeId::kTimestamp:
      return timestamp();
    case TypeId::kInterval:
      return interval();
    case TypeId::kList:
      return list(null_type());
    case TypeId::kStruct:
      return struct_({});
  }
  return null_type();
}

namespace {

class TypeParser {
 public:
  explicit TypeParser(std::string_view s) : s_(s) {}

  Result<DataTypePtr> ParseAll() {
    LAMINAR_ASSIGN_OR_RETURN(auto t, Parse());
    SkipSpaces();
    if (pos_ != s_.size()) return Error("unexpected trailing text");
    return t;
  }

  Result<DataTypePtr> Parse() {
    SkipSpaces();
    std::string word = ToUpper(Word());
    if (word.empty()) return Error("expected a type name");
    DataTypePtr t;
    if (word == "BOOLEAN" || word == "BOOL") {
      t = boolean();
    } else if (word == "TINYINT" || word == "INT8") {
      t = int8();
    } else if (word == "SMALLINT" || word == "INT16") {
      t = int16();
    } else if (word == "INT" || word == "INTEGER" || word == "INT32") {
      t = int32();
    } else if (word == "BIGINT" || word == "INT64") {
      t = int64();
    } else if (word == "FLOAT" || word == "REAL" || word == "FLOAT32") {
      t = float32();
    } else if (word == "DOUBLE" || word == "FLOAT64") {
      SkipSpaces();
      size_t save = pos_;
      if (ToUpper(Word()) != "PRECISION") pos_ = save;
      t = float64();
    } else if (word == "DECIMAL" || word == "NUMERIC") {
      int p = 38, sc = 9;
      SkipSpaces();
      if (Consume('(')) {
        p = Int();
        sc = 0;
        SkipSpaces();
        if (Consume(',')) sc = Int();
        SkipSpaces();
        if (!Consume(')')) return Error("expected ')'");
      }
      if (p < 1 || p > 38 || sc < 0 || sc > p) {
        return Error(
            fmt::format("DECIMAL({},{}) out of range: precision 1..38, scale 0..precision", p, sc));
      }
      t = decimal128(p, sc);
    } else if (word == "VARCHAR" || word == "TEXT" || word == "STRING" || word == "CHAR" ||
               word == "JSON" || word == "JSONB" || word == "UUID" || word == "UTF8") {
      SkipLength();
      t = utf8();
    } else if (word == "VARBINARY" || word == "BYTEA" || word == "BLOB" || word == "BINARY" ||
               word == "BYTES") {
      SkipLength();
      t = binary();
    } else if (word == "DATE") {
      t = date32();
    } else if (word == "TIME") {
      t = time64();
    } else if (word == "TIMESTAMP" || word == "DATETIME") {
      SkipLength();
      t = timestamp();
    } else if (word == "INTERVAL") {
      t = interval();
    } else if (word == "ARRAY" || word == "LIST") {
      SkipSpaces();
      if (!Consume('<')) return Error("expected '<' after ARRAY");
      LAMINAR_ASSIGN_OR_RETURN(auto child, Parse());
      SkipSpaces();
      if (!Consume('>')) return Error("expected '>'");
      t = list(child);
    } else if (word == "STRUCT" || word == "ROW") {
      SkipSpaces();
      if (!Consume('<')) return Error("expected '<' after STRUCT");
      std::vector<FieldPtr> fields;
      while (true) {
        SkipSpaces();
        std::string name = Word();
        if (name.empty()) return Error("expected a field name");
        LAMINAR_ASSIGN_OR_RETURN(auto ft, Parse());
        fields.push_back(std::make_shared<Field>(ToLower(name), ft));
        SkipSpaces();
        if (Consume('>')) break;
        if (!Consume(',')) return Error("expected ',' or '>'");
      }
      t = struct_(std::move(fields));
    } else {
      return Status::Invalid(fmt::format("unknown type '{}'", word), ErrorCode::kSqlUnsupported);
    }
    SkipSpaces();
    while (pos_ + 1 < s_.size() && s_[pos_] == '[' && s_[pos_ + 1] == ']') {
      pos_ += 2;
      t = list(t);
      SkipSpaces();
    }
    return t;
  }

 private:
  Status Error(std::string msg) {
    return Status::Invalid(fmt::format("invalid type '{}': {}", s_, msg),
                           ErrorCode::kSqlUnsupported);
  }
  void SkipSpaces() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string Word() {
    size_t b = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
      ++pos_;
    return std::string(s_.substr(b, pos_ - b));
  }
  int Int() {
    SkipSpaces();
    int v = 0;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])) && v < 100000) {
      v = v * 10 + (s_[pos_++] - '0');
    }
    return v;
  }
  void SkipLength() {
    SkipSpaces();
    if (Consume('(')) {
      while (pos_ < s_.size() && s_[pos_] != ')') ++pos_;
      Consume(')');
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<DataTypePtr> ParseTypeName(std::string_view text) { return TypeParser(text).ParseAll(); }

Schema::Schema(std::vector<FieldPtr> fields) : fields_(std::move(fields)) {
  for (size_t i = 0; i < fields_.size(); ++i) index_.emplace(fields_[i]->name, static_cast<int>(i));
}

int Schema::GetFieldIndex(std::string_view name) const {
  auto it = index_.find(std::string(name));
  if (it != index_.end()) return it->second;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (EqualsIgnoreCase(fields_[i]->name, name)) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string> Schema::field_names() const {
  std::vector<std::string> names;
  names.reserve(fields_.size());
  for (const auto& f : fields_) names.push_back(f->name);
  return names;
}

bool Schema::Equals(const Schema& other) const {
  if (fields_.size() != other.fields_.size()) return false;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (!fields_[i]->Equals(*other.fields_[i])) return false;
  }
  return true;
}

std::string Schema::ToString() const {
  std::string out;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i) out += ", ";
    out += fields_[i]->ToString();
  }
  return out;
}

SchemaPtr MakeSchema(std::vector<Field> fields) {
  std::vector<FieldPtr> ptrs;
  ptrs.reserve(fields.size());
  for (auto& f : fields) ptrs.push_back(std::make_shared<Field>(std::move(f)));
  return std::make_shared<Schema>(std::move(ptrs));
}

Result<SchemaPtr> ParseSchema(std::string_view text) {
  std::vector<FieldPtr> fields;
  // Split on commas at nesting depth 0.
  int depth = 0;
  size_t start = 0;
  std::vector<std::string_view> parts;
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ',';
    if (c == '(' || c == '<') ++depth;
    if (c == ')' || c == '>') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  for (auto part : parts) {
    part = Trim(part);
    if (part.empty()) continue;
    size_t sp = part.find_first_of(" \t:");
    if (sp == std::string_view::npos) {
      return Status::Invalid(fmt::format("schema entry '{}' needs a name and a type", part));
    }
    std::string name(Trim(part.substr(0, sp)));
    std::string_view rest = Trim(part.substr(sp + 1));
    bool nullable = true;
    std::string upper = ToUpper(rest);
    if (upper.size() >= 8 && upper.substr(upper.size() - 8) == "NOT NULL") {
      nullable = false;
      rest = Trim(rest.substr(0, rest.size() - 8));
    }
    LAMINAR_ASSIGN_OR_RETURN(auto type, ParseTypeName(rest));
    fields.push_back(std::make_shared<Field>(name, type, nullable));
  }
  return std::make_shared<Schema>(std::move(fields));
}

}  // namespace laminar::columnar
