#include "storage/manifest.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "common/crc32c.h"
#include "storage/coding.h"

namespace laminar::storage {

namespace {

constexpr std::string_view kCrcKey = "\"manifest_crc32c\": \"";

// ---------------------------------------------------------------------------------------------
// Writer

/// Minimal pretty JSON writer for the manifest's fixed shape.
class JsonWriter {
 public:
  Status status() const { return status_; }
  std::string Take() { return std::move(out_); }

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key) {
    Separator();
    Quoted(key);
    out_ += ": ";
    after_key_ = true;
  }
  void String(std::string_view s) {
    ValueStart();
    Quoted(s);
  }
  void Uint(uint64_t v) {
    ValueStart();
    out_ += std::to_string(v);
  }
  void Int(int64_t v) {
    ValueStart();
    out_ += std::to_string(v);
  }
  void Bool(bool v) {
    ValueStart();
    out_ += v ? "true" : "false";
  }

 private:
  void Quoted(std::string_view s) {
    if (!IsValidUtf8(s)) {
      if (status_.ok()) {
        status_ =
            Status::Invalid(fmt::format("manifest string is not valid UTF-8: '{}'", Printable(s)),
                            ErrorCode::kSerializationFailed);
      }
      s = "";
    }
    out_.push_back('"');
    for (char c : s) {
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            out_ += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
          } else {
            out_.push_back(c);
          }
      }
    }
    out_.push_back('"');
  }
  static std::string Printable(std::string_view s) {
    std::string out;
    for (char c : s) out.push_back(static_cast<unsigned char>(c) < 0x80 ? c : '?');
    return out;
  }
  void Separator() {
    if (!first_.empty() && !first_.back()) out_.push_back(',');
    if (!first_.empty()) first_.back() = false;
    Newline();
  }
  void ValueStart() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) Separator();
  }
  void Newline() {
    out_.push_back('\n');
    out_.append(2 * first_.size(), ' ');
  }
  void Open(char c) {
    ValueStart();
    out_.push_back(c);
    first_.push_back(true);
  }
  void Close(char c) {
    bool empty = first_.back();
    first_.pop_back();
    if (!empty) Newline();
    out_.push_back(c);
  }

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
  Status status_;
};

void WriteStringMap(JsonWriter& w, const std::map<std::string, std::string>& m) {
  w.BeginObject();
  for (const auto& [k, v] : m) {
    w.Key(k);
    w.String(v);
  }
  w.EndObject();
}

void WriteOffsets(JsonWriter& w, const std::map<std::string, SourceOffset>& m) {
  w.BeginObject();
  for (const auto& [name, off] : m) {
    w.Key(name);
    w.BeginObject();
    w.Key("offsets");
    WriteStringMap(w, off.offsets);
    w.Key("epoch");
    w.Uint(off.epoch);
    w.Key("metadata");
    WriteStringMap(w, off.metadata);
    w.EndObject();
  }
  w.EndObject();
}

void WriteNames(JsonWriter& w, const std::vector<std::string>& names) {
  w.BeginArray();
  for (const auto& n : names) w.String(n);
  w.EndArray();
}

// ---------------------------------------------------------------------------------------------
// Parser

using simdjson::dom::element;
using simdjson::dom::object;

Status Bad(std::string_view what) {
  return Status::Corruption(fmt::format("invalid checkpoint manifest: {}", what),
                            ErrorCode::kStateCorruption);
}

/// Looks up `key`; nullopt when absent or null.
std::optional<element> Field(const object& obj, std::string_view key) {
  element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  return e;
}

Result<uint64_t> AsU64(const element& e, std::string_view what) {
  uint64_t v;
  if (e.get_uint64().get(v) != simdjson::SUCCESS) {
    return Bad(fmt::format("'{}' must be a non-negative integer", what));
  }
  return v;
}

Result<int64_t> AsI64(const element& e, std::string_view what) {
  int64_t v;
  if (e.get_int64().get(v) != simdjson::SUCCESS) {
    return Bad(fmt::format("'{}' must be a 64-bit integer", what));
  }
  return v;
}

Result<std::string> AsString(const element& e, std::string_view what) {
  std::string_view v;
  if (e.get_string().get(v) != simdjson::SUCCESS) {
    return Bad(fmt::format("'{}' must be a string", what));
  }
  return std::string(v);
}

Result<object> AsObject(const element& e, std::string_view what) {
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) {
    return Bad(fmt::format("'{}' must be an object", what));
  }
  return o;
}

Result<std::map<std::string, std::string>> ParseStringMap(const element& e, std::string_view what) {
  LAMINAR_ASSIGN_OR_RETURN(object o, AsObject(e, what));
  std::map<std::string, std::string> out;
  for (auto field : o) {
    std::string key(field.key);
    LAMINAR_ASSIGN_OR_RETURN(out[key], AsString(field.value, fmt::format("{}.{}", what, key)));
  }
  return out;
}

Result<std::map<std::string, SourceOffset>> ParseOffsets(const object& root,
                                                         std::string_view what) {
  std::map<std::string, SourceOffset> out;
  auto e = Field(root, what);
  if (!e) return out;
  LAMINAR_ASSIGN_OR_RETURN(object o, AsObject(*e, what));
  for (auto field : o) {
    std::string name(field.key);
    std::string path = fmt::format("{}.{}", what, name);
    LAMINAR_ASSIGN_OR_RETURN(object so, AsObject(field.value, path));
    SourceOffset off;
    if (auto x = Field(so, "offsets")) {
      LAMINAR_ASSIGN_OR_RETURN(off.offsets, ParseStringMap(*x, path + ".offsets"));
    }
    if (auto x = Field(so, "epoch")) {
      LAMINAR_ASSIGN_OR_RETURN(off.epoch, AsU64(*x, path + ".epoch"));
    }
    if (auto x = Field(so, "metadata")) {
      LAMINAR_ASSIGN_OR_RETURN(off.metadata, ParseStringMap(*x, path + ".metadata"));
    }
    out[name] = std::move(off);
  }
  return out;
}

Result<std::vector<std::string>> ParseNames(const object& root, std::string_view what) {
  std::vector<std::string> out;
  auto e = Field(root, what);
  if (!e) return out;
  simdjson::dom::array arr;
  if (e->get_array().get(arr) != simdjson::SUCCESS) {
    return Bad(fmt::format("'{}' must be an array", what));
  }
  for (element item : arr) {
    LAMINAR_ASSIGN_OR_RETURN(std::string s, AsString(item, what));
    out.push_back(std::move(s));
  }
  return out;
}

Status CheckManifestCrc(std::string_view json) {
  size_t at = json.rfind(kCrcKey);
  if (at == std::string_view::npos) return Status::OK();  // written by another implementation
  size_t digits = at + kCrcKey.size();
  if (digits + 9 > json.size() || json[digits + 8] != '"') {
    return Bad("malformed manifest_crc32c");
  }
  uint32_t stored = 0;
  for (size_t i = 0; i < 8; ++i) {
    char c = json[digits + i];
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return Bad("malformed manifest_crc32c");
    stored = (stored << 4) | static_cast<uint32_t>(d);
  }
  uint32_t crc = Crc32c(json.data(), digits);
  crc = Crc32cExtend(crc, "00000000", 8);
  crc = Crc32cExtend(crc, json.data() + digits + 8, json.size() - digits - 8);
  if (crc != stored) {
    return Bad(
        fmt::format("manifest checksum mismatch (stored {:08x}, computed {:08x})", stored, crc));
  }
  return Status::OK();
}

Result<CheckpointManifest> ParseManifestUnchecked(std::string_view json) {
  LAMINAR_RETURN_NOT_OK(CheckManifestCrc(json));
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  element doc;
  if (auto err = parser.parse(padded).get(doc); err != simdjson::SUCCESS) {
    return Bad(fmt::format("not valid JSON ({})", simdjson::error_message(err)));
  }
  LAMINAR_ASSIGN_OR_RETURN(object root, AsObject(doc, "<root>"));
  CheckpointManifest m;

  auto required = [&](std::string_view key) -> Result<uint64_t> {
    auto e = Field(root, key);
    if (!e) return Bad(fmt::format("missing '{}'", key));
    return AsU64(*e, key);
  };
  LAMINAR_ASSIGN_OR_RETURN(uint64_t version, required("version"));
  if (version != 1) return Bad(fmt::format("unsupported manifest version {}", version));
  m.version = 1;
  LAMINAR_ASSIGN_OR_RETURN(m.checkpoint_id, required("checkpoint_id"));
  LAMINAR_ASSIGN_OR_RETURN(m.epoch, required("epoch"));
  if (auto e = Field(root, "timestamp_ms")) {
    LAMINAR_ASSIGN_OR_RETURN(m.timestamp_ms, AsU64(*e, "timestamp_ms"));
  }
  LAMINAR_ASSIGN_OR_RETURN(m.source_offsets, ParseOffsets(root, "source_offsets"));
  LAMINAR_ASSIGN_OR_RETURN(m.table_offsets, ParseOffsets(root, "table_offsets"));
  if (auto e = Field(root, "sink_epochs")) {
    LAMINAR_ASSIGN_OR_RETURN(object o, AsObject(*e, "sink_epochs"));
    for (auto field : o) {
      std::string name(field.key);
      LAMINAR_ASSIGN_OR_RETURN(m.sink_epochs[name], AsU64(field.value, "sink_epochs." + name));
    }
  }
  if (auto e = Field(root, "sink_commit_statuses")) {
    LAMINAR_ASSIGN_OR_RETURN(object o, AsObject(*e, "sink_commit_statuses"));
    for (auto field : o) {
      std::string name(field.key);
      std::string path = "sink_commit_statuses." + name;
      SinkCommitStatus st;
      std::string_view text;
      object failed;
      if (field.value.get_string().get(text) == simdjson::SUCCESS) {
        if (text == "Pending") {
          st.state = SinkCommitStatus::State::kPending;
        } else if (text == "Committed") {
          st.state = SinkCommitStatus::State::kCommitted;
        } else {
          return Bad(fmt::format("'{}' has unknown status '{}'", path, text));
        }
      } else if (field.value.get_object().get(failed) == simdjson::SUCCESS) {
        auto msg = Field(failed, "Failed");
        if (!msg)
          return Bad(
              fmt::format("'{}' must be \"Pending\", \"Committed\" or {{\"Failed\": msg}}", path));
        st.state = SinkCommitStatus::State::kFailed;
        LAMINAR_ASSIGN_OR_RETURN(st.message, AsString(*msg, path + ".Failed"));
      } else {
        return Bad(fmt::format("'{}' must be a string or an object", path));
      }
      m.sink_commit_statuses[name] = std::move(st);
    }
  }
  if (auto e = Field(root, "operator_states")) {
    LAMINAR_ASSIGN_OR_RETURN(object o, AsObject(*e, "operator_states"));
    for (auto field : o) {
      std::string key(field.key);
      std::string path = "operator_states." + key;
      LAMINAR_ASSIGN_OR_RETURN(object so, AsObject(field.value, path));
      OperatorStateRef ref;
      if (auto x = Field(so, "state_b64")) {
        LAMINAR_ASSIGN_OR_RETURN(ref.state_b64, AsString(*x, path + ".state_b64"));
      }
      if (auto x = Field(so, "external")) {
        if (x->get_bool().get(ref.external) != simdjson::SUCCESS) {
          return Bad(fmt::format("'{}.external' must be a boolean", path));
        }
      }
      if (auto x = Field(so, "external_offset")) {
        LAMINAR_ASSIGN_OR_RETURN(ref.external_offset, AsU64(*x, path + ".external_offset"));
      }
      if (auto x = Field(so, "external_length")) {
        LAMINAR_ASSIGN_OR_RETURN(ref.external_length, AsU64(*x, path + ".external_length"));
      }
      if (!ref.external && !ref.state_b64) {
        return Bad(fmt::format("'{}' has neither state_b64 nor external state", path));
      }
      m.operator_states[key] = std::move(ref);
    }
  }
  if (auto e = Field(root, "table_store_checkpoint_path")) {
    LAMINAR_ASSIGN_OR_RETURN(m.table_store_checkpoint_path,
                             AsString(*e, "table_store_checkpoint_path"));
  }
  if (auto e = Field(root, "watermark")) {
    LAMINAR_ASSIGN_OR_RETURN(m.watermark, AsI64(*e, "watermark"));
  }
  if (auto e = Field(root, "source_watermarks")) {
    LAMINAR_ASSIGN_OR_RETURN(object o, AsObject(*e, "source_watermarks"));
    for (auto field : o) {
      std::string name(field.key);
      LAMINAR_ASSIGN_OR_RETURN(m.source_watermarks[name],
                               AsI64(field.value, "source_watermarks." + name));
    }
  }
  LAMINAR_ASSIGN_OR_RETURN(m.source_names, ParseNames(root, "source_names"));
  LAMINAR_ASSIGN_OR_RETURN(m.sink_names, ParseNames(root, "sink_names"));
  if (auto e = Field(root, "pipeline_hash")) {
    LAMINAR_ASSIGN_OR_RETURN(m.pipeline_hash, AsU64(*e, "pipeline_hash"));
  }
  if (auto e = Field(root, "vnode_count")) {
    LAMINAR_ASSIGN_OR_RETURN(uint64_t v, AsU64(*e, "vnode_count"));
    if (v > 0xFFFF) return Bad("'vnode_count' does not fit in 16 bits");
    m.vnode_count = static_cast<uint16_t>(v);
  }
  if (auto e = Field(root, "state_checksum")) {
    LAMINAR_ASSIGN_OR_RETURN(m.state_checksum, AsString(*e, "state_checksum"));
  }
  if (auto e = Field(root, "wal_position")) {
    LAMINAR_ASSIGN_OR_RETURN(m.wal_position, AsU64(*e, "wal_position"));
  }
  return m;
}

}  // namespace

Result<std::string> ManifestToJson(const CheckpointManifest& m) {
  JsonWriter w;
  w.BeginObject();
  w.Key("version");
  w.Uint(m.version);
  w.Key("checkpoint_id");
  w.Uint(m.checkpoint_id);
  w.Key("epoch");
  w.Uint(m.epoch);
  w.Key("timestamp_ms");
  w.Uint(m.timestamp_ms);
  w.Key("source_offsets");
  WriteOffsets(w, m.source_offsets);
  w.Key("sink_epochs");
  w.BeginObject();
  for (const auto& [name, epoch] : m.sink_epochs) {
    w.Key(name);
    w.Uint(epoch);
  }
  w.EndObject();
  w.Key("sink_commit_statuses");
  w.BeginObject();
  for (const auto& [name, st] : m.sink_commit_statuses) {
    w.Key(name);
    switch (st.state) {
      case SinkCommitStatus::State::kPending:
        w.String("Pending");
        break;
      case SinkCommitStatus::State::kCommitted:
        w.String("Committed");
        break;
      case SinkCommitStatus::State::kFailed:
        w.BeginObject();
        w.Key("Failed");
        w.String(st.message);
        w.EndObject();
        break;
    }
  }
  w.EndObject();
  w.Key("table_offsets");
  WriteOffsets(w, m.table_offsets);
  w.Key("operator_states");
  w.BeginObject();
  for (const auto& [key, ref] : m.operator_states) {
    w.Key(key);
    w.BeginObject();
    if (ref.state_b64) {
      w.Key("state_b64");
      w.String(*ref.state_b64);
    }
    w.Key("external");
    w.Bool(ref.external);
    w.Key("external_offset");
    w.Uint(ref.external_offset);
    w.Key("external_length");
    w.Uint(ref.external_length);
    w.EndObject();
  }
  w.EndObject();
  if (m.table_store_checkpoint_path) {
    w.Key("table_store_checkpoint_path");
    w.String(*m.table_store_checkpoint_path);
  }
  if (m.watermark) {
    w.Key("watermark");
    w.Int(*m.watermark);
  }
  w.Key("source_watermarks");
  w.BeginObject();
  for (const auto& [name, wm] : m.source_watermarks) {
    w.Key(name);
    w.Int(wm);
  }
  w.EndObject();
  w.Key("source_names");
  WriteNames(w, m.source_names);
  w.Key("sink_names");
  WriteNames(w, m.sink_names);
  if (m.pipeline_hash) {
    w.Key("pipeline_hash");
    w.Uint(*m.pipeline_hash);
  }
  w.Key("vnode_count");
  w.Uint(m.vnode_count);
  if (m.state_checksum) {
    w.Key("state_checksum");
    w.String(*m.state_checksum);
  }
  w.Key("wal_position");
  w.Uint(m.wal_position);
  w.Key("manifest_crc32c");
  w.String("00000000");
  w.EndObject();
  LAMINAR_RETURN_NOT_OK(w.status());
  std::string json = w.Take();
  json.push_back('\n');
  size_t digits = json.rfind(kCrcKey) + kCrcKey.size();
  std::string hex = fmt::format("{:08x}", Crc32c(json));
  json.replace(digits, 8, hex);
  return json;
}

Result<CheckpointManifest> ParseManifestJson(std::string_view json) {
  try {
    return ParseManifestUnchecked(json);
  } catch (const std::exception& e) {  // allocation failure inside simdjson
    return Bad(fmt::format("cannot parse ({})", e.what()));
  }
}

}  // namespace laminar::storage
