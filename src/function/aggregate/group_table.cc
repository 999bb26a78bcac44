#include "function/aggregate/group_table.h"

#include <absl/strings/string_view.h>
#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "function/aggregate/generic_accumulator.h"

namespace laminar::function {

using columnar::Array;
using columnar::ArrayPtr;
using columnar::TypeId;
using internal::GetRaw;
using internal::GetString;
using internal::PutRaw;
using internal::PutString;

namespace {

bool IsFixedKey(TypeId id) {
  switch (id) {
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kFloat32:
    case TypeId::kFloat64:
    case TypeId::kDate32:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
      return true;
    default:
      return false;
  }
}

/// Canonical 64-bit image of a fixed-width key (so -0.0 == 0.0 and all NaNs group together).
template <typename T>
inline uint64_t KeyBits(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    double d = static_cast<double>(v);
    if (d == 0) d = 0;
    if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
    uint64_t b;
    std::memcpy(&b, &d, 8);
    return b;
  } else {
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  }
}

template <typename T>
inline T FromKeyBits(uint64_t b) {
  if constexpr (std::is_floating_point_v<T>) {
    double d;
    std::memcpy(&d, &b, 8);
    return static_cast<T>(d);
  } else {
    return static_cast<T>(static_cast<int64_t>(b));
  }
}

constexpr uint8_t kFormatVersion = 1;

}  // namespace

GroupTable::GroupTable(std::vector<DataTypePtr> key_types) : key_types_(std::move(key_types)) {
  if (key_types_.empty()) {
    mode_ = Mode::kGlobal;
  } else if (key_types_.size() == 1 && IsFixedKey(key_types_[0]->id())) {
    mode_ = Mode::kFixed;
  } else {
    mode_ = Mode::kGeneral;
  }
}

uint32_t GroupTable::NewId() {
  if (!free_.empty()) {
    uint32_t id = free_.back();
    free_.pop_back();
    live_[id] = 1;
    return id;
  }
  live_.push_back(1);
  if (mode_ == Mode::kFixed) fixed_keys_.push_back(0);
  if (mode_ == Mode::kGeneral) general_keys_.emplace_back();
  return static_cast<uint32_t>(live_.size() - 1);
}

Status GroupTable::FindOrInsertFixed(const Array& key, int64_t n, std::vector<uint32_t>* ids,
                                     std::vector<uint32_t>* new_groups) {
  uint32_t* out = ids->data();
  const bool has_nulls = key.null_count() != 0 && key.validity() != nullptr;
  columnar::VisitFixedWidth(key.type_id(), [&]<typename T>() {
    if constexpr (std::is_arithmetic_v<T>) {
      const T* v = key.values<T>();
      for (int64_t i = 0; i < n; ++i) {
        if (has_nulls && key.IsNull(i)) {
          if (null_group_ == UINT32_MAX) {
            null_group_ = NewId();
            if (new_groups) new_groups->push_back(null_group_);
          }
          out[i] = null_group_;
          continue;
        }
        const uint64_t bits = KeyBits(v[i]);
        auto [it, inserted] = fixed_map_.try_emplace(bits, 0);
        if (inserted) {
          it->second = NewId();
          fixed_keys_[it->second] = bits;
          if (new_groups) new_groups->push_back(it->second);
        }
        out[i] = it->second;
      }
    }
  });
  return Status::OK();
}

void GroupTable::EncodeRow(std::span<const ArrayPtr> keys, int64_t row, std::string* out) const {
  out->clear();
  for (const auto& col : keys) {
    const Array& a = *col;
    if (a.IsNull(row)) {
      out->push_back(0);
      continue;
    }
    out->push_back(1);
    const TypeId id = a.type_id();
    if (a.type()->is_binary_like()) {
      PutString(out, a.GetView(row));
    } else if (id == TypeId::kBoolean) {
      out->push_back(a.GetBool(row) ? 1 : 0);
    } else if (!columnar::VisitFixedWidth(id, [&]<typename T>() {
                 T v = a.values<T>()[row];
                 if constexpr (std::is_floating_point_v<T>) {
                   PutRaw(out, KeyBits(v));
                 } else {
                   PutRaw(out, v);
                 }
               })) {
      // Nested keys: their canonical text (rare; correctness over speed).
      PutString(out, columnar::GetScalar(a, row).ToString());
    }
  }
}

bool GroupTable::EncodeFixedRows(std::span<const ArrayPtr> keys, int64_t num_rows) {
  if (num_rows <= 0) return false;
  size_t stride = 0;
  for (const auto& col : keys) {
    const TypeId id = col->type_id();
    if (!IsFixedKey(id) || (col->null_count() != 0 && col->validity() != nullptr)) return false;
    stride += 1 + (col->type()->is_floating() ? 8 : static_cast<size_t>(col->type()->byte_width()));
  }
  batch_keys_.resize(stride * static_cast<size_t>(num_rows));
  char* base = batch_keys_.data();
  size_t at = 0;
  for (const auto& col : keys) {
    const Array& a = *col;
    columnar::VisitFixedWidth(a.type_id(), [&]<typename T>() {
      if constexpr (std::is_arithmetic_v<T>) {
        const T* v = a.values<T>();
        char* p = base + at;
        for (int64_t i = 0; i < num_rows; ++i, p += stride) {
          p[0] = 1;
          if constexpr (std::is_floating_point_v<T>) {
            const uint64_t bits = KeyBits(v[i]);
            std::memcpy(p + 1, &bits, 8);
          } else {
            std::memcpy(p + 1, &v[i], sizeof(T));
          }
        }
        at += 1 + (std::is_floating_point_v<T> ? 8 : sizeof(T));
      }
    });
  }
  return true;
}

Status GroupTable::FindOrInsert(std::span<const ArrayPtr> keys, int64_t num_rows,
                                std::vector<uint32_t>* group_ids,
                                std::vector<uint32_t>* new_groups) {
  if (keys.size() != key_types_.size()) {
    return Status::Invalid(
        fmt::format("GroupTable expects {} key columns, got {}", key_types_.size(), keys.size()));
  }
  group_ids->resize(static_cast<size_t>(num_rows));
  switch (mode_) {
    case Mode::kGlobal:
      if (live_.empty() && num_rows > 0) {
        NewId();
        if (new_groups) new_groups->push_back(0);
      }
      std::fill(group_ids->begin(), group_ids->end(), 0u);
      return Status::OK();
    case Mode::kFixed:
      return FindOrInsertFixed(*keys[0], num_rows, group_ids, new_groups);
    case Mode::kGeneral:
      break;
  }
  uint32_t* out = group_ids->data();
  if (EncodeFixedRows(keys, num_rows)) {
    // Every key column fixed width without NULLs: all rows were encoded column by column into
    // equal-stride slots (the same bytes EncodeRow writes), looked up without copying.
    const size_t stride = batch_keys_.size() / static_cast<size_t>(num_rows);
    for (int64_t i = 0; i < num_rows; ++i) {
      // absl::string_view (not std:: in this Abseil build) for the map's transparent lookup.
      absl::string_view key(batch_keys_.data() + static_cast<size_t>(i) * stride, stride);
      auto it = general_map_.find(key);
      if (it == general_map_.end()) {
        uint32_t id = NewId();
        general_keys_[id] = std::string(key);
        general_map_.emplace(general_keys_[id], id);
        if (new_groups) new_groups->push_back(id);
        out[i] = id;
      } else {
        out[i] = it->second;
      }
    }
    return Status::OK();
  }
  for (int64_t i = 0; i < num_rows; ++i) {
    EncodeRow(keys, i, &scratch_);
    auto it = general_map_.find(scratch_);
    if (it == general_map_.end()) {
      uint32_t id = NewId();
      general_keys_[id] = scratch_;
      general_map_.emplace(scratch_, id);
      if (new_groups) new_groups->push_back(id);
      out[i] = id;
    } else {
      out[i] = it->second;
    }
  }
  return Status::OK();
}

Result<std::vector<ArrayPtr>> GroupTable::GetKeys(std::span<const uint32_t> groups) const {
  for (uint32_t g : groups) {
    if (!IsLive(g)) return Status::Invalid(fmt::format("group {} does not exist", g));
  }
  std::vector<ArrayPtr> out;
  const auto n = static_cast<int64_t>(groups.size());
  if (mode_ == Mode::kGlobal) return out;
  if (mode_ == Mode::kFixed) {
    const auto& type = key_types_[0];
    columnar::VisitFixedWidth(type->id(), [&]<typename T>() {
      if constexpr (std::is_arithmetic_v<T>) {
        columnar::FixedWidthBuilder<T> b(type);
        b.Reserve(n);
        for (uint32_t g : groups) {
          if (g == null_group_) {
            b.AppendNull();
          } else {
            b.Append(FromKeyBits<T>(fixed_keys_[g]));
          }
        }
        out.push_back(b.Finish());
      }
    });
    return out;
  }
  std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders;
  for (const auto& t : key_types_) {
    builders.push_back(columnar::MakeBuilder(t));
    builders.back()->Reserve(n);
  }
  for (uint32_t g : groups) {
    std::string_view in = general_keys_[g];
    for (size_t c = 0; c < key_types_.size(); ++c) {
      auto* b = builders[c].get();
      const auto& type = key_types_[c];
      uint8_t valid = 0;
      if (!GetRaw(&in, &valid)) return Status::Corruption("bad group key");
      if (!valid) {
        b->AppendNull();
        continue;
      }
      if (type->is_binary_like()) {
        std::string s;
        if (!GetString(&in, &s)) return Status::Corruption("bad group key");
        static_cast<columnar::BinaryBuilder*>(b)->Append(s);
      } else if (type->id() == TypeId::kBoolean) {
        uint8_t v = 0;
        if (!GetRaw(&in, &v)) return Status::Corruption("bad group key");
        static_cast<columnar::BooleanBuilder*>(b)->Append(v != 0);
      } else {
        bool ok = true;
        if (!columnar::VisitFixedWidth(type->id(), [&]<typename T>() {
              T v{};
              if constexpr (std::is_floating_point_v<T>) {
                uint64_t bits = 0;
                ok = GetRaw(&in, &bits);
                v = FromKeyBits<T>(bits);
              } else {
                ok = GetRaw(&in, &v);
              }
              static_cast<columnar::FixedWidthBuilder<T>*>(b)->Append(v);
            })) {
          std::string text;
          ok = GetString(&in, &text);
          if (ok) {
            LAMINAR_ASSIGN_OR_RETURN(auto s, Scalar::Parse(type, text));
            LAMINAR_RETURN_NOT_OK(b->AppendScalar(s));
          }
        }
        if (!ok) return Status::Corruption("bad group key");
      }
    }
  }
  for (auto& b : builders) out.push_back(b->Finish());
  return out;
}

Status GroupTable::Erase(uint32_t group) {
  if (!IsLive(group)) return Status::Invalid(fmt::format("group {} does not exist", group));
  if (mode_ == Mode::kFixed) {
    if (group == null_group_) {
      null_group_ = UINT32_MAX;
    } else {
      fixed_map_.erase(fixed_keys_[group]);
    }
  } else if (mode_ == Mode::kGeneral) {
    general_map_.erase(general_keys_[group]);
    general_keys_[group].clear();
  }
  live_[group] = 0;
  free_.push_back(group);
  return Status::OK();
}

void GroupTable::Clear() {
  fixed_map_.clear();
  fixed_keys_.clear();
  general_map_.clear();
  general_keys_.clear();
  live_.clear();
  free_.clear();
  null_group_ = UINT32_MAX;
}

// Layout (little-endian): u8 version, u8 mode, u32 num_ids, u32 null_group,
// u32 num_free, num_free × u32 (free list order), then per id: u8 live,
// and for live ids: fixed mode u64 key bits / general mode u32 len + encoded tuple.
void GroupTable::Serialize(std::string* out) const {
  PutRaw(out, kFormatVersion);
  PutRaw(out, static_cast<uint8_t>(mode_));
  PutRaw(out, static_cast<uint32_t>(live_.size()));
  PutRaw(out, null_group_);
  PutRaw(out, static_cast<uint32_t>(free_.size()));
  for (uint32_t f : free_) PutRaw(out, f);
  for (size_t id = 0; id < live_.size(); ++id) {
    PutRaw(out, live_[id]);
    if (!live_[id]) continue;
    if (mode_ == Mode::kFixed) PutRaw(out, fixed_keys_[id]);
    if (mode_ == Mode::kGeneral) PutString(out, general_keys_[id]);
  }
}

Status GroupTable::Deserialize(std::string_view* in) {
  Clear();
  uint8_t version = 0, mode = 0;
  uint32_t num_ids = 0, null_group = 0, num_free = 0;
  if (!GetRaw(in, &version) || version != kFormatVersion || !GetRaw(in, &mode) ||
      mode != static_cast<uint8_t>(mode_) || !GetRaw(in, &num_ids) || !GetRaw(in, &null_group) ||
      !GetRaw(in, &num_free) || num_free > num_ids || in->size() < size_t{num_free} * 4) {
    return Status::Corruption("corrupt group table header");
  }
  free_.resize(num_free);
  for (auto& f : free_) {
    if (!GetRaw(in, &f) || f >= num_ids) return Status::Corruption("corrupt group table free list");
  }
  live_.assign(num_ids, 0);
  if (mode_ == Mode::kFixed) fixed_keys_.assign(num_ids, 0);
  if (mode_ == Mode::kGeneral) general_keys_.assign(num_ids, std::string());
  null_group_ = null_group;
  for (uint32_t id = 0; id < num_ids; ++id) {
    if (!GetRaw(in, &live_[id]) || live_[id] > 1) return Status::Corruption("corrupt group table");
    if (!live_[id]) continue;
    if (mode_ == Mode::kFixed) {
      if (!GetRaw(in, &fixed_keys_[id])) return Status::Corruption("corrupt group table key");
      if (id != null_group_) fixed_map_[fixed_keys_[id]] = id;
    } else if (mode_ == Mode::kGeneral) {
      if (!GetString(in, &general_keys_[id])) return Status::Corruption("corrupt group table key");
      general_map_[general_keys_[id]] = id;
    }
  }
  if (null_group_ != UINT32_MAX && (null_group_ >= num_ids || !live_[null_group_])) {
    return Status::Corruption("corrupt group table null group");
  }
  return Status::OK();
}

int64_t GroupTable::MemoryUsage() const {
  int64_t bytes =
      static_cast<int64_t>(fixed_map_.capacity() * (sizeof(uint64_t) + 5) +
                           fixed_keys_.capacity() * 8 + live_.capacity() + free_.capacity() * 4);
  bytes += static_cast<int64_t>(general_map_.capacity() * (sizeof(std::string) + 5));
  for (const auto& k : general_keys_) bytes += static_cast<int64_t>(k.capacity() * 2);
  return bytes;
}

}  // namespace laminar::function
