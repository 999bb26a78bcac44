#include "function/aggregate/group_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "columnar/builder.h"
#include "columnar/record_batch.h"
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

// Tuple mode: the most key columns (the NULL mask is one 64-bit word).
constexpr size_t kMaxTupleColumns = 63;
// Tuple mode slot index load limit: slots_used_ / slots_.size() <= 7 / 10.
constexpr size_t kTupleLoadNum = 7, kTupleLoadDen = 10;
// Window part load limit: used / slots <= 1 / 2 (short linear-probe runs; a part is one window's
// keys, so the larger table is still small).
constexpr size_t kPartLoadNum = 1, kPartLoadDen = 2;

/// Mixes the words of a tuple key; the final HashInt64 spreads every input bit.
inline uint32_t MixTuple(const uint64_t* words, size_t width) {
  uint64_t h = 0x243f6a8885a308d3ULL;
  for (size_t k = 0; k < width; ++k) h = (h ^ words[k]) * 0x9e3779b97f4a7c15ULL;
  return static_cast<uint32_t>(HashInt64(h));
}

/// Hash of a window key's GROUP BY words: one 64x64->128 multiply folded for a single word (every
/// input bit reaches the low bits that pick the slot), MixTuple for more, 0 for none.
inline uint32_t HashWords(const uint64_t* words, size_t count) {
  if (count == 0) return 0;
  if (count == 1) {
    const unsigned __int128 p =
        static_cast<unsigned __int128>(words[0] ^ 0x243f6a8885a308d3ULL) * 0x9e3779b97f4a7c15ULL;
    const uint64_t folded = static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
    return static_cast<uint32_t>(folded ^ (folded >> 32));
  }
  return MixTuple(words, count);
}

// Bytes a HashPadded key's buffer must stay readable past the key's end (their values do not
// matter).
constexpr size_t kHashPad = 8;

/// Hash of an encoded window key's GROUP BY bytes (all 32 bits used: slot index and tag), read as
/// 8-byte words, the last one masked to the key's bytes: no byte-wise tail and no library call for
/// short keys. The buffer must stay readable for kHashPad bytes past the key's end.
inline uint32_t HashPadded(const char* p, size_t n) {
  auto mum = [](uint64_t a, uint64_t b) {
    const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
  };
  constexpr uint64_t kA = 0xa0761d6478bd642fULL, kB = 0xe7037ed1a0b428dbULL,
                     kC = 0x8ebc6af09c88c6e3ULL;
  uint64_t h = kC ^ (n * kA);
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t w;
    std::memcpy(&w, p + k, 8);
    h = mum(w ^ kA, h ^ kB);
  }
  if (k < n) {
    uint64_t w;
    std::memcpy(&w, p + k, 8);  // within the padding
    w &= ~uint64_t{0} >> (64 - 8 * (n - k));
    h = mum(w ^ kA, h ^ kB);
  }
  const uint64_t f = mum(h ^ kC, h ^ kB);
  return static_cast<uint32_t>(f ^ (f >> 32));
}

// Sizes an empty linear-probing table of slots (id_plus_one 0 = empty) for `expect` keys within
// the part load limit, keeping its current size when that is enough.
template <typename Slot>
void SizeSlots(std::vector<Slot>* slots, size_t expect) {
  if (expect == 0 || expect * kPartLoadDen <= slots->size() * kPartLoadNum) return;
  size_t capacity = std::max<size_t>(16, slots->size());
  while (expect * kPartLoadDen > capacity * kPartLoadNum) capacity *= 2;
  slots->assign(capacity, Slot{});
}

// Rehashes a linear-probing table of slots carrying `hash` and `id_plus_one` into one large
// enough for `need` keys (at least twice the old size).
template <typename Slot>
void GrowSlots(std::vector<Slot>* slots, size_t need) {
  size_t capacity = std::max<size_t>(16, slots->size() * 2);
  while (need * kPartLoadDen > capacity * kPartLoadNum) capacity *= 2;
  std::vector<Slot> old(capacity);
  old.swap(*slots);
  const size_t mask = capacity - 1;
  for (const Slot& slot : old) {
    if (slot.id_plus_one == 0) continue;
    size_t pos = slot.hash & mask;
    while ((*slots)[pos].id_plus_one != 0) pos = (pos + 1) & mask;
    (*slots)[pos] = slot;
  }
}

// Removes group `id` (stored with `hash`) from a linear-probing table of slots carrying `hash`
// and `id_plus_one` (0 = empty; size a power of two). Backward shift: later entries of the probe
// chain move into the hole unless their home slot lies cyclically in (hole, j] (moving them
// would put them before their home), so lookups never need tombstones.
template <typename Slot>
void EraseProbedSlot(std::vector<Slot>* table, uint32_t id, uint32_t hash) {
  std::vector<Slot>& slots = *table;
  const size_t mask = slots.size() - 1;
  size_t hole = hash & mask;
  while (slots[hole].id_plus_one != id + 1) hole = (hole + 1) & mask;
  for (size_t j = (hole + 1) & mask; slots[j].id_plus_one != 0; j = (j + 1) & mask) {
    const size_t home = slots[j].hash & mask;
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      slots[hole] = slots[j];
      hole = j;
    }
  }
  slots[hole] = Slot{};
}

}  // namespace

GroupTable::GroupTable(std::vector<DataTypePtr> key_types, bool window_keys)
    : key_types_(std::move(key_types)), window_keys_(window_keys) {
  if (key_types_.empty()) {
    mode_ = Mode::kGlobal;
  } else if (key_types_.size() == 1 && IsFixedKey(key_types_[0]->id())) {
    mode_ = Mode::kFixed;
  } else if (key_types_.size() <= kMaxTupleColumns &&
             std::all_of(key_types_.begin(), key_types_.end(), [](const DataTypePtr& t) {
               return IsFixedKey(t->id()) || t->id() == TypeId::kBoolean;
             })) {
    mode_ = Mode::kTuple;
    tuple_width_ = 1 + key_types_.size();
  } else {
    mode_ = Mode::kGeneral;
  }
  window_parts_ = window_keys_ && IsWindowTable();
  window_encoded_ = window_keys_ && IsGeneralWindowTable();
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
  if (mode_ == Mode::kGeneral) {
    if (window_encoded_) {
      tuple_hash_.push_back(0);
      tuple_part_.push_back(0);
      key_ref_.emplace_back();
    } else {
      general_keys_.emplace_back();
    }
  }
  if (mode_ == Mode::kTuple) {
    tuple_words_.resize(tuple_words_.size() + tuple_width_);
    tuple_hash_.push_back(0);
    if (window_parts_) tuple_part_.push_back(0);
  }
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

uint32_t GroupTable::HashTuple(const uint64_t* words) const {
  return MixTuple(words, tuple_width_);
}

void GroupTable::RehashTuples(size_t capacity) {
  std::vector<TupleSlot> old;
  old.swap(slots_);
  slots_.assign(capacity, TupleSlot{});
  const size_t mask = capacity - 1;
  for (const TupleSlot& slot : old) {
    if (slot.id_plus_one == 0) continue;
    size_t pos = slot.hash & mask;
    while (slots_[pos].id_plus_one != 0) pos = (pos + 1) & mask;
    slots_[pos] = slot;
  }
}

void GroupTable::ReserveTuples(size_t additional) {
  const size_t need = slots_used_ + additional;
  if (need * kTupleLoadDen <= slots_.size() * kTupleLoadNum) return;
  size_t capacity = std::max<size_t>(16, slots_.size() * 2);
  while (need * kTupleLoadDen > capacity * kTupleLoadNum) capacity *= 2;
  RehashTuples(capacity);
}

void GroupTable::InsertTupleSlot(uint32_t id) {
  const size_t mask = slots_.size() - 1;
  const uint32_t h = tuple_hash_[id];
  size_t pos = h & mask;
  while (slots_[pos].id_plus_one != 0) pos = (pos + 1) & mask;
  slots_[pos] = TupleSlot{h, id + 1};
  ++slots_used_;
}

void GroupTable::EraseTupleSlot(uint32_t id) {
  EraseProbedSlot(&slots_, id, tuple_hash_[id]);
  --slots_used_;
}

void GroupTable::EncodeTuple(uint32_t id, std::string* out) const {
  out->clear();
  const uint64_t* w = tuple_words_.data() + static_cast<size_t>(id) * tuple_width_;
  for (size_t c = 0; c < key_types_.size(); ++c) {
    if (w[0] & (uint64_t{1} << c)) {
      out->push_back(0);
      continue;
    }
    out->push_back(1);
    const uint64_t bits = w[1 + c];
    const TypeId type = key_types_[c]->id();
    if (type == TypeId::kBoolean) {
      out->push_back(bits ? 1 : 0);
    } else {
      columnar::VisitFixedWidth(type, [&]<typename T>() {
        if constexpr (std::is_floating_point_v<T>) {
          PutRaw(out, bits);
        } else if constexpr (std::is_arithmetic_v<T>) {
          PutRaw(out, FromKeyBits<T>(bits));
        }
      });
    }
  }
}

bool GroupTable::DecodeTuple(std::string_view in, uint64_t* w) const {
  std::fill(w, w + tuple_width_, 0);
  for (size_t c = 0; c < key_types_.size(); ++c) {
    uint8_t valid = 0;
    if (!GetRaw(&in, &valid) || valid > 1) return false;
    if (!valid) {
      w[0] |= uint64_t{1} << c;
      continue;
    }
    bool ok = true;
    const TypeId type = key_types_[c]->id();
    if (type == TypeId::kBoolean) {
      uint8_t b = 0;
      ok = GetRaw(&in, &b) && b <= 1;
      w[1 + c] = b;
    } else {
      columnar::VisitFixedWidth(type, [&]<typename T>() {
        if constexpr (std::is_floating_point_v<T>) {
          ok = GetRaw(&in, &w[1 + c]);
        } else if constexpr (std::is_arithmetic_v<T>) {
          T v{};
          ok = GetRaw(&in, &v);
          w[1 + c] = KeyBits(v);
        }
      });
    }
    if (!ok) return false;
  }
  return in.empty();
}

void GroupTable::FillTupleColumn(const Array& a, size_t column, size_t word, size_t stride,
                                 const int32_t* gather, size_t n) {
  uint64_t* rows = probe_words_.data();
  uint64_t* out = rows + word;
  // Probe row i takes the key of array row gather[i] (or i when gather is null).
  auto src = [gather](size_t i) { return static_cast<int64_t>(gather ? gather[i] : i); };
  if (a.type_id() == TypeId::kBoolean) {
    for (size_t i = 0; i < n; ++i) out[i * stride] = a.GetBool(src(i)) ? 1 : 0;
  } else {
    columnar::VisitFixedWidth(a.type_id(), [&]<typename T>() {
      if constexpr (std::is_arithmetic_v<T>) {
        const T* v = a.values<T>();
        if (gather) {
          for (size_t i = 0; i < n; ++i) out[i * stride] = KeyBits(v[gather[i]]);
        } else {
          for (size_t i = 0; i < n; ++i) out[i * stride] = KeyBits(v[i]);
        }
      }
    });
  }
  if (a.null_count() != 0 && a.validity() != nullptr) {
    for (size_t i = 0; i < n; ++i) {
      if (a.IsNull(src(i))) {
        out[i * stride] = 0;
        rows[i * stride] |= uint64_t{1} << column;
      }
    }
  }
}

template <size_t kWidth>
void GroupTable::ProbeTuples(size_t n, uint32_t* out, std::vector<uint32_t>* new_groups,
                             std::vector<uint32_t>* new_rows) {
  // kWidth 0: any width (memcmp); otherwise the word compares and copies unroll.
  const size_t width = kWidth != 0 ? kWidth : tuple_width_;
  // [=]: with a constant kWidth the lambda does not read `width` (clang warns on an unused
  // explicit capture).
  auto equal = [=](const uint64_t* a, const uint64_t* b) {
    if constexpr (kWidth != 0) {
      bool same = true;
      for (size_t k = 0; k < kWidth; ++k) same &= a[k] == b[k];
      return same;
    } else {
      return std::memcmp(a, b, width * 8) == 0;
    }
  };
  const uint64_t* rows = probe_words_.data();
  probe_hash_.resize(n);
  uint32_t* hashes = probe_hash_.data();
  for (size_t i = 0; i < n; ++i) hashes[i] = MixTuple(rows + i * width, width);
  ReserveTuples(n);
  const size_t mask = slots_.size() - 1;
  constexpr size_t kPrefetch = 8;
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetch < n) __builtin_prefetch(&slots_[hashes[i + kPrefetch] & mask]);
    const uint64_t* key = rows + i * width;
    // Runs of one key skip the probe.
    if (i > 0 && hashes[i] == hashes[i - 1] && equal(key, key - width)) {
      out[i] = out[i - 1];
      continue;
    }
    const uint32_t h = hashes[i];
    size_t pos = h & mask;
    for (;;) {
      const TupleSlot slot = slots_[pos];
      if (slot.id_plus_one == 0) {
        const uint32_t id = NewId();
        std::memcpy(tuple_words_.data() + static_cast<size_t>(id) * width, key, width * 8);
        tuple_hash_[id] = h;
        slots_[pos] = TupleSlot{h, id + 1};
        ++slots_used_;
        if (new_groups) new_groups->push_back(id);
        if (new_rows) new_rows->push_back(static_cast<uint32_t>(i));
        out[i] = id;
        break;
      }
      if (slot.hash == h &&
          equal(tuple_words_.data() + static_cast<size_t>(slot.id_plus_one - 1) * width, key)) {
        out[i] = slot.id_plus_one - 1;
        break;
      }
      pos = (pos + 1) & mask;
    }
  }
}

void GroupTable::ProbeTuples(size_t n, uint32_t* out, std::vector<uint32_t>* new_groups,
                             std::vector<uint32_t>* new_rows) {
  switch (tuple_width_) {
    case 2:
      return ProbeTuples<2>(n, out, new_groups, new_rows);
    case 3:
      return ProbeTuples<3>(n, out, new_groups, new_rows);
    case 4:
      return ProbeTuples<4>(n, out, new_groups, new_rows);
    case 5:
      return ProbeTuples<5>(n, out, new_groups, new_rows);
    default:
      return ProbeTuples<0>(n, out, new_groups, new_rows);
  }
}

uint32_t GroupTable::PartOf(const Prefix& prefix) {
  auto [it, inserted] = part_index_.try_emplace(prefix, 0);
  if (!inserted) return it->second;
  uint32_t part;
  if (!free_parts_.empty()) {
    part = free_parts_.back();
    free_parts_.pop_back();
  } else {
    part = static_cast<uint32_t>(parts_.size());
    parts_.emplace_back();
  }
  parts_[part].prefix = prefix;
  it->second = part;
  // Windows of a stream hold about as many keys as each other: size a new part like the last
  // closed or largest growing one (part_size_hint_), instead of growing it by doubling as its
  // keys arrive. (Scanning the live parts for their largest was quadratic when thousands of
  // tiny windows are open at once: q6's 1 ms windows over auction expiry.)
  Part& fresh = parts_[part];
  if (window_encoded_) {
    SizeSlots(&fresh.hash_slots, part_size_hint_);
  } else {
    SizeSlots(&fresh.slots, part_size_hint_);
  }
  return part;
}

void GroupTable::GrowPart(uint32_t part_id) {
  Part& part = parts_[part_id];
  const size_t need = part.used + 1;
  const size_t size = window_encoded_ ? part.hash_slots.size() : part.slots.size();
  if (need * kPartLoadDen <= size * kPartLoadNum) return;
  part_size_hint_ = std::max(part_size_hint_, need);
  if (window_encoded_) {
    GrowSlots(&part.hash_slots, need);
  } else {
    GrowSlots(&part.slots, need);
  }
}

void GroupTable::PartInsert(uint32_t id) {
  const uint64_t* w = tuple_words_.data() + static_cast<size_t>(id) * tuple_width_;
  const uint32_t part_id = PartOf(Prefix{w[0], w[1], w[2]});
  const uint32_t h = HashWords(w + 3, tuple_width_ - 3);
  tuple_hash_[id] = h;
  tuple_part_[id] = part_id;
  GrowPart(part_id);
  Part& part = parts_[part_id];
  const size_t mask = part.slots.size() - 1;
  size_t pos = h & mask;
  while (part.slots[pos].id_plus_one != 0) pos = (pos + 1) & mask;
  part.slots[pos] = PartSlot{tuple_width_ > 3 ? w[3] : 0, h, id + 1};
  ++part.used;
}

void GroupTable::PartErase(uint32_t id) {
  const uint32_t part_id = tuple_part_[id];
  Part& part = parts_[part_id];
  if (part.used == 1) {
    DropPart(part_id);
    return;
  }
  if (window_encoded_) {
    EraseProbedSlot(&part.hash_slots, id, tuple_hash_[id]);
  } else {
    EraseProbedSlot(&part.slots, id, tuple_hash_[id]);
  }
  --part.used;
}

void GroupTable::DropPart(uint32_t part_id) {
  Part& part = parts_[part_id];
  part_index_.erase(part.prefix);
  // A window closing whole says how large the next ones will be (key-by-key erases reach here
  // with one key left and say nothing).
  if (part.used > 1) {
    part_size_hint_ = part.used;
    if (window_encoded_) part_bytes_hint_ = part.bytes;
  }
  // A few free parts keep their slots and arena blocks: the next window is usually about as
  // large, and memory already paged in is cheaper than fresh memory.
  constexpr size_t kKeepSlots = 8;
  if (free_parts_.size() < kKeepSlots) {
    std::fill(part.slots.begin(), part.slots.end(), PartSlot{});
    std::fill(part.hash_slots.begin(), part.hash_slots.end(), HashSlot{});
  } else {
    std::vector<PartSlot>().swap(part.slots);
    std::vector<HashSlot>().swap(part.hash_slots);
    std::vector<ArenaBlock>().swap(part.blocks);
  }
  part.block = 0;
  part.fill = 0;
  part.bytes = 0;
  part.used = 0;
  free_parts_.push_back(part_id);
}

template <size_t kSub, bool kDirect>
void GroupTable::ProbeWindowParts(const int64_t* starts, const int64_t* ends, size_t n,
                                  const uint64_t* direct, const int32_t* gather, uint32_t* out,
                                  std::vector<uint32_t>* new_groups,
                                  std::vector<uint32_t>* new_rows) {
  static_assert(!kDirect || kSub == 1);
  const size_t sub = kSub != kAnySub ? kSub : tuple_width_ - 3;
  const size_t stride = 1 + sub;  // probe row: NULL mask, GROUP BY words
  const size_t width = 3 + sub;   // stored row: NULL mask, start, end, GROUP BY words
  const uint64_t* rows = probe_words_.data();
  // Row i's NULL mask and first GROUP BY word: from the probe rows, or (kDirect: one 64-bit key
  // column without NULLs) straight from the column, through `gather` when set.
  auto mask_of = [&](size_t i) -> uint64_t {
    if constexpr (kDirect) {
      return 0;
    } else {
      return rows[i * stride];
    }
  };
  auto word_of = [&](size_t i) -> uint64_t {
    if constexpr (kDirect) {
      return direct[gather ? static_cast<size_t>(gather[i]) : i];
    } else {
      return sub > 0 ? rows[i * stride + 1] : 0;
    }
  };
  // The part of a prefix. The last few windows seen are remembered (the rows of a HOP cycle
  // through the same few windows), so the part map is rarely consulted.
  constexpr size_t kRecent = 8;
  Prefix recent[kRecent] = {};
  uint32_t recent_part[kRecent] = {};
  size_t num_recent = 0, next_recent = 0, last = 0;
  auto find_part = [&](const Prefix& prefix) __attribute__((always_inline))->uint32_t {
    // Start first: the word that tells the windows of a HOP apart.
    auto same = [&prefix](const Prefix& p) {
      return p[1] == prefix[1] && p[2] == prefix[2] && p[0] == prefix[0];
    };
    if (num_recent > 0) {
      // The same window as the last row (TUMBLE), or the one after it in the ring (the rows
      // of a HOP visit their windows in the order they were first seen).
      const size_t next = last + 1 == num_recent ? 0 : last + 1;
      if (same(recent[last])) return recent_part[last];
      if (same(recent[next])) {
        last = next;
        return recent_part[last];
      }
      for (size_t k = 0; k < num_recent; ++k) {
        if (same(recent[k])) {
          last = k;
          return recent_part[k];
        }
      }
    }
    const uint32_t part = PartOf(prefix);
    recent[next_recent] = prefix;
    recent_part[next_recent] = part;
    last = next_recent;
    next_recent = (next_recent + 1) % kRecent;
    num_recent = std::min(num_recent + 1, kRecent);
    return part;
  };
  if constexpr (kSub == 0) {
    // No GROUP BY words: all rows of a window share its one group, so a run of rows of one
    // window takes one lookup.
    for (size_t i = 0; i < n;) {
      const Prefix prefix{mask_of(i), static_cast<uint64_t>(starts[i]),
                          static_cast<uint64_t>(ends[i])};
      size_t j = i + 1;
      while (j < n && starts[j] == starts[i] && ends[j] == ends[i] && mask_of(j) == prefix[0]) {
        ++j;
      }
      const uint32_t part_id = find_part(prefix);
      uint32_t id;
      if (parts_[part_id].used == 0) {
        GrowPart(part_id);
        id = NewId();
        uint64_t* stored = tuple_words_.data() + static_cast<size_t>(id) * width;
        stored[0] = prefix[0];
        stored[1] = prefix[1];
        stored[2] = prefix[2];
        tuple_hash_[id] = 0;
        tuple_part_[id] = part_id;
        Part& part = parts_[part_id];
        part.slots[0] = PartSlot{0, 0, id + 1};  // hash 0: home slot 0 (the part is empty)
        ++part.used;
        if (new_groups) new_groups->push_back(id);
        if (new_rows) new_rows->push_back(static_cast<uint32_t>(i));
      } else {
        const Part& part = parts_[part_id];
        size_t pos = 0;
        while (part.slots[pos].id_plus_one == 0) pos = (pos + 1) & (part.slots.size() - 1);
        id = part.slots[pos].id_plus_one - 1;
      }
      std::fill(out + i, out + j, id);
      i = j;
    }
    return;
  }
  probe_part_.resize(n);
  probe_hash_.resize(n);
  uint32_t* part_of = probe_part_.data();
  uint32_t* hashes = probe_hash_.data();
  // 1. Each row's part and GROUP BY hash.
  for (size_t i = 0; i < n; ++i) {
    const uint32_t part = find_part(
        Prefix{mask_of(i), static_cast<uint64_t>(starts[i]), static_cast<uint64_t>(ends[i])});
    part_of[i] = part;
    if constexpr (kDirect) {
      const uint64_t word = word_of(i);
      hashes[i] = HashWords(&word, 1);
    } else {
      hashes[i] = HashWords(rows + i * stride + 1, kSub != kAnySub ? kSub : sub);
    }
  }
  // Words after the first GROUP BY word are compared in full (keys of 2+ words only). Both pointers
  // are aligned like a probe row: [1] is the first GROUP BY word.
  auto rest_equal = [&](const uint64_t* stored_sub, const uint64_t* key_sub) {
    if constexpr (kSub == 0 || kSub == 1) {
      return true;
    } else {
      return sub <= 1 || std::memcmp(stored_sub + 2, key_sub + 2, (sub - 1) * 8) == 0;
    }
  };
  // 2. Probes, prefetching each row's home slot a few rows ahead.
  constexpr size_t kPrefetch = 16;
  uint64_t prev_key0 = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetch < n) {
      const Part& ahead = parts_[part_of[i + kPrefetch]];
      if (!ahead.slots.empty()) {
        __builtin_prefetch(&ahead.slots[hashes[i + kPrefetch] & (ahead.slots.size() - 1)]);
      }
    }
    // Not kDirect: [0] NULL mask, [1..] GROUP BY words. (kDirect has no probe rows: `rows` is null
    // there, and even unread, an offset from it is undefined.)
    const uint64_t* key = kDirect ? nullptr : rows + i * stride;
    const uint32_t h = hashes[i];
    const uint32_t part_id = part_of[i];
    const uint64_t key0 = word_of(i);
    // Runs of one key (a window's rows when there are no GROUP BY keys) skip the probe.
    const bool same_as_previous = i > 0 && part_id == part_of[i - 1] && h == hashes[i - 1] &&
                                  key0 == prev_key0 && (kDirect || rest_equal(key - stride, key));
    prev_key0 = key0;
    if (same_as_previous) {
      out[i] = out[i - 1];
      continue;
    }
    Part& part = parts_[part_id];
    if ((part.used + 1) * kPartLoadDen > part.slots.size() * kPartLoadNum) GrowPart(part_id);
    const size_t mask = part.slots.size() - 1;
    size_t pos = h & mask;
    for (;;) {
      PartSlot& slot = part.slots[pos];
      if (slot.id_plus_one == 0) {
        const uint32_t id = NewId();
        uint64_t* stored = tuple_words_.data() + static_cast<size_t>(id) * width;
        stored[0] = mask_of(i);
        stored[1] = static_cast<uint64_t>(starts[i]);
        stored[2] = static_cast<uint64_t>(ends[i]);
        if constexpr (kDirect) {
          stored[3] = key0;
        } else {
          for (size_t k = 0; k < sub; ++k) stored[3 + k] = key[1 + k];
        }
        tuple_hash_[id] = h;
        tuple_part_[id] = part_id;
        slot = PartSlot{key0, h, id + 1};
        ++part.used;
        if (new_groups) new_groups->push_back(id);
        if (new_rows) new_rows->push_back(static_cast<uint32_t>(i));
        out[i] = id;
        break;
      }
      if (slot.hash == h && slot.key == key0 &&
          rest_equal(tuple_words_.data() + static_cast<size_t>(slot.id_plus_one - 1) * width + 2,
                     key)) {
        out[i] = slot.id_plus_one - 1;
        break;
      }
      pos = (pos + 1) & mask;
    }
  }
}

void GroupTable::ProbeWindowParts(const int64_t* starts, const int64_t* ends, size_t n,
                                  uint32_t* out, std::vector<uint32_t>* new_groups,
                                  std::vector<uint32_t>* new_rows) {
  switch (tuple_width_) {
    case 3:
      return ProbeWindowParts<0, false>(starts, ends, n, nullptr, nullptr, out, new_groups,
                                        new_rows);
    case 4:
      return ProbeWindowParts<1, false>(starts, ends, n, nullptr, nullptr, out, new_groups,
                                        new_rows);
    default:
      return ProbeWindowParts<kAnySub, false>(starts, ends, n, nullptr, nullptr, out, new_groups,
                                              new_rows);
  }
}

bool GroupTable::IsGeneralWindowTable() const {
  if (mode_ != Mode::kGeneral || key_types_.size() < 2 ||
      key_types_[0]->id() != TypeId::kTimestamp || key_types_[1]->id() != TypeId::kTimestamp) {
    return false;
  }
  return std::all_of(key_types_.begin(), key_types_.end(), [](const DataTypePtr& t) {
    return t->is_binary_like() || t->id() == TypeId::kBoolean || IsFixedKey(t->id());
  });
}

std::span<const GroupTable::EncodedColumn> GroupTable::EncodedColumns(
    std::span<const ArrayPtr> keys) {
  std::vector<EncodedColumn>& cols = encoded_columns_;
  cols.assign(keys.size(), EncodedColumn{});
  for (size_t c = 0; c < keys.size(); ++c) {
    const Array& a = *keys[c];
    EncodedColumn& e = cols[c];
    e.array = &a;
    e.has_nulls = a.null_count() != 0 && a.validity() != nullptr;
    const TypeId id = a.type_id();
    if (a.type()->is_binary_like()) {
      e.kind = EncodedColumn::Kind::kString;
      e.offsets = a.raw_offsets();
      e.data = reinterpret_cast<const char*>(a.buffers()[2]->data());
    } else if (id == TypeId::kBoolean) {
      e.kind = EncodedColumn::Kind::kBool;
    } else if (id == TypeId::kFloat32) {
      e.kind = EncodedColumn::Kind::kFloat32;
      e.values = reinterpret_cast<const uint8_t*>(a.values<float>());
    } else if (id == TypeId::kFloat64) {
      e.kind = EncodedColumn::Kind::kFloat64;
      e.values = reinterpret_cast<const uint8_t*>(a.values<double>());
    } else {
      e.kind = EncodedColumn::Kind::kRaw;
      columnar::VisitFixedWidth(id, [&]<typename T>() {
        if constexpr (std::is_arithmetic_v<T>) {
          e.width = static_cast<uint8_t>(sizeof(T));
          e.values = reinterpret_cast<const uint8_t*>(a.values<T>());
        }
      });
    }
  }
  return cols;
}

__attribute__((always_inline)) inline char* GroupTable::EncodeValue(const EncodedColumn& c,
                                                                    int64_t row, char* out) {
  if (c.has_nulls && c.array->IsNull(row)) {
    *out = 0;
    return out + 1;
  }
  *out++ = 1;
  switch (c.kind) {
    case EncodedColumn::Kind::kString: {
      const int32_t* o = c.offsets + row;
      const auto len = static_cast<uint32_t>(o[1] - o[0]);  // PutString's layout
      std::memcpy(out, &len, 4);
      std::memcpy(out + 4, c.data + o[0], len);
      return out + 4 + len;
    }
    case EncodedColumn::Kind::kBool:
      *out = c.array->GetBool(row) ? 1 : 0;
      return out + 1;
    case EncodedColumn::Kind::kRaw:
      if (c.width == 8) {
        std::memcpy(out, c.values + row * 8, 8);
      } else {
        std::memcpy(out, c.values + row * c.width, c.width);
      }
      return out + c.width;
    case EncodedColumn::Kind::kFloat32: {
      float v;
      std::memcpy(&v, c.values + row * 4, 4);
      const uint64_t bits = KeyBits(v);
      std::memcpy(out, &bits, 8);
      return out + 8;
    }
    case EncodedColumn::Kind::kFloat64: {
      double v;
      std::memcpy(&v, c.values + row * 8, 8);
      const uint64_t bits = KeyBits(v);
      std::memcpy(out, &bits, 8);
      return out + 8;
    }
  }
  return out;
}

size_t GroupTable::EncodeBounds(const Prefix& prefix, char* out) {
  size_t at = 0;
  for (int b = 0; b < 2; ++b) {
    if (prefix[0] & (uint64_t{1} << b)) {
      out[at++] = 0;
    } else {
      out[at++] = 1;
      std::memcpy(out + at, &prefix[1 + static_cast<size_t>(b)], 8);
      at += 8;
    }
  }
  return at;
}

char* GroupTable::ArenaAppend(Part& part, size_t len) {
  part.bytes += len;
  if (!part.blocks.empty()) {
    if (part.fill + len <= part.blocks[part.block].size) {
      char* at = part.blocks[part.block].data.get() + part.fill;
      part.fill += len;
      return at;
    }
    // Blocks kept from an earlier window come next (the rest of this one stays unused).
    while (part.block + 1 < part.blocks.size()) {
      ++part.block;
      part.fill = 0;
      if (len <= part.blocks[part.block].size) {
        part.fill = len;
        return part.blocks[part.block].data.get();
      }
    }
  }
  // A new block: the first sized for as many bytes as the last window held, later ones doubling
  // (a window of n bytes takes O(log n) blocks and no key is ever copied again), capped so that
  // a block stays a modest allocation.
  constexpr size_t kMinBlock = 256, kMaxBlock = size_t{1} << 18;
  part_bytes_hint_ = std::max(part_bytes_hint_, part.bytes);
  size_t size = part.blocks.empty() ? std::clamp(part_bytes_hint_, kMinBlock, kMaxBlock)
                                    : std::min(part.blocks.back().size * 2, kMaxBlock);
  size = std::max(size, len);
  // kHashPad bytes of slack past `size`: keys are copied in whole words.
  part.blocks.push_back(ArenaBlock{std::make_unique_for_overwrite<char[]>(size + kHashPad), size});
  part.block = part.blocks.size() - 1;
  part.fill = len;
  return part.blocks.back().data.get();
}

template <typename Bounds>
void GroupTable::ProbeEncodedWindows(size_t n, Bounds bound, std::span<const EncodedColumn> cols,
                                     const int32_t* src, uint32_t* out,
                                     std::vector<uint32_t>* new_groups,
                                     std::vector<uint32_t>* new_rows) {
  // 1. Every row's GROUP BY bytes (EncodeRow's bytes after the bounds, which are the part's
  // prefix) back to back in scratch_, with its part and hash. scratch_ is sized once for the
  // batch's longest possible keys and written in place.
  size_t fixed = 0;  // bytes per row besides string contents
  for (const EncodedColumn& c : cols) {
    switch (c.kind) {
      case EncodedColumn::Kind::kString:
        fixed += 1 + 4;
        break;
      case EncodedColumn::Kind::kBool:
        fixed += 1 + 1;
        break;
      case EncodedColumn::Kind::kRaw:
        fixed += 1 + c.width;
        break;
      case EncodedColumn::Kind::kFloat32:
      case EncodedColumn::Kind::kFloat64:
        fixed += 1 + 8;
        break;
    }
  }
  size_t capacity = fixed * n;
  for (const EncodedColumn& c : cols) {
    if (c.kind != EncodedColumn::Kind::kString || n == 0) continue;
    const int32_t* o = c.offsets;
    if (src == nullptr) {
      capacity += static_cast<size_t>(o[n] - o[0]);
    } else {
      for (size_t i = 0; i < n; ++i) capacity += static_cast<size_t>(o[src[i] + 1] - o[src[i]]);
    }
  }
  capacity += kHashPad;  // HashPadded reads up to 8 bytes past the last key
  if (scratch_.size() < capacity) scratch_.resize(std::max(capacity, scratch_.size() * 2));
  char* const keys = scratch_.data();
  char* at = keys;
  probe_key_end_.resize(n);
  probe_part_.resize(n);
  probe_hash_.resize(n);
  size_t* key_end = probe_key_end_.data();
  uint32_t* part_of = probe_part_.data();
  uint32_t* hashes = probe_hash_.data();
  Prefix last_prefix{};
  uint32_t last_part = UINT32_MAX;
  for (size_t i = 0; i < n; ++i) {
    int64_t st = 0, en = 0;
    const uint64_t mask = bound(i, &st, &en);
    const int64_t row = src ? src[i] : static_cast<int64_t>(i);
    char* const begin = at;
    for (const EncodedColumn& c : cols) at = EncodeValue(c, row, at);
    key_end[i] = static_cast<size_t>(at - keys);
    const Prefix prefix{mask, static_cast<uint64_t>(st), static_cast<uint64_t>(en)};
    if (last_part == UINT32_MAX || prefix != last_prefix) {
      last_part = PartOf(prefix);
      last_prefix = prefix;
    }
    part_of[i] = last_part;
    hashes[i] = HashPadded(begin, static_cast<size_t>(at - begin));
  }
  // 2. Probes, prefetching each row's home slot a few rows ahead (a window of many keys has a
  // table larger than the caches: the slot load was most of the lookup). New ids and their rows
  // are written by index into the lists grown by n (trimmed after).
  const size_t first_new = new_groups ? new_groups->size() : 0;
  const size_t first_new_row = new_rows ? new_rows->size() : 0;
  if (new_groups) new_groups->resize(first_new + n);
  if (new_rows) new_rows->resize(first_new_row + n);
  uint32_t* const new_ids = new_groups ? new_groups->data() + first_new : nullptr;
  uint32_t* const new_at = new_rows ? new_rows->data() + first_new_row : nullptr;
  size_t num_new = 0;
  // New ids: the free list first (NewId's order), then fresh ids from the per-id arrays grown by n
  // up front (trimmed after), instead of four push_backs per new key.
  const size_t ids_before = live_.size();
  live_.resize(ids_before + n);
  tuple_hash_.resize(ids_before + n);
  tuple_part_.resize(ids_before + n);
  key_ref_.resize(ids_before + n);
  size_t next_fresh = ids_before;
  auto new_id = [&]() -> uint32_t {
    if (!free_.empty()) {
      const uint32_t id = free_.back();
      free_.pop_back();
      live_[id] = 1;
      return id;
    }
    live_[next_fresh] = 1;
    return static_cast<uint32_t>(next_fresh++);
  };
  constexpr size_t kPrefetch = 16;
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetch < n) {
      const Part& ahead = parts_[part_of[i + kPrefetch]];
      if (!ahead.hash_slots.empty()) {
        __builtin_prefetch(
            &ahead.hash_slots[hashes[i + kPrefetch] & (ahead.hash_slots.size() - 1)]);
      }
    }
    const size_t begin = i == 0 ? 0 : key_end[i - 1];
    const std::string_view key(keys + begin, key_end[i] - begin);
    const uint32_t part_id = part_of[i];
    const uint32_t h = hashes[i];
    Part& part = parts_[part_id];
    if ((part.used + 1) * kPartLoadDen > part.hash_slots.size() * kPartLoadNum) GrowPart(part_id);
    const size_t slot_mask = part.hash_slots.size() - 1;
    size_t pos = h & slot_mask;
    for (;;) {
      HashSlot& slot = part.hash_slots[pos];
      if (slot.id_plus_one == 0) {
        const uint32_t id = new_id();
        char* bytes = ArenaAppend(part, key.size());
        // Whole words: both buffers have kHashPad bytes of slack past the key.
        for (size_t k = 0; k < key.size(); k += 8) std::memcpy(bytes + k, key.data() + k, 8);
        key_ref_[id] = KeyRef{bytes, static_cast<uint32_t>(key.size())};
        tuple_hash_[id] = h;
        tuple_part_[id] = part_id;
        slot = HashSlot{h, id + 1};
        ++part.used;
        if (new_groups) new_ids[num_new] = id;
        if (new_rows) new_at[num_new] = static_cast<uint32_t>(i);
        ++num_new;
        out[i] = id;
        break;
      }
      if (slot.hash == h && key_ref_[slot.id_plus_one - 1].size == key.size() &&
          std::memcmp(key_ref_[slot.id_plus_one - 1].data, key.data(), key.size()) == 0) {
        out[i] = slot.id_plus_one - 1;
        break;
      }
      pos = (pos + 1) & slot_mask;
    }
  }
  if (new_groups) new_groups->resize(first_new + num_new);
  if (new_rows) new_rows->resize(first_new_row + num_new);
  live_.resize(next_fresh);
  tuple_hash_.resize(next_fresh);
  tuple_part_.resize(next_fresh);
  key_ref_.resize(next_fresh);
}

std::string_view GroupTable::GeneralKey(uint32_t id) const { return general_keys_[id]; }

bool GroupTable::EncodedPartInsert(uint32_t id, std::string_view key) {
  std::string_view in = key;
  uint64_t mask = 0;
  int64_t bounds[2] = {0, 0};
  for (int b = 0; b < 2; ++b) {
    uint8_t valid = 0;
    if (!GetRaw(&in, &valid) || valid > 1) return false;
    if (!valid) {
      mask |= uint64_t{1} << b;
    } else if (!GetRaw(&in, &bounds[b])) {
      return false;
    }
  }
  const uint32_t part_id =
      PartOf(Prefix{mask, static_cast<uint64_t>(bounds[0]), static_cast<uint64_t>(bounds[1])});
  // `in` is now the GROUP BY bytes: the arena keeps only those.
  if (scratch_.size() < in.size() + kHashPad) scratch_.resize(in.size() + kHashPad);
  if (!in.empty()) std::memcpy(scratch_.data(), in.data(), in.size());
  const uint32_t h = HashPadded(scratch_.data(), in.size());
  tuple_hash_[id] = h;
  tuple_part_[id] = part_id;
  GrowPart(part_id);
  Part& part = parts_[part_id];
  char* bytes = ArenaAppend(part, in.size());
  for (size_t k = 0; k < in.size(); k += 8) std::memcpy(bytes + k, scratch_.data() + k, 8);
  key_ref_[id] = KeyRef{bytes, static_cast<uint32_t>(in.size())};
  const size_t slot_mask = part.hash_slots.size() - 1;
  size_t pos = h & slot_mask;
  while (part.hash_slots[pos].id_plus_one != 0) pos = (pos + 1) & slot_mask;
  part.hash_slots[pos] = HashSlot{h, id + 1};
  ++part.used;
  return true;
}

Status GroupTable::FindOrInsertTuple(std::span<const ArrayPtr> keys, int64_t num_rows,
                                     std::vector<uint32_t>* group_ids,
                                     std::vector<uint32_t>* new_groups) {
  const size_t n = static_cast<size_t>(num_rows);
  if (window_parts_) {
    // Bounds as words (0 with the mask bit when NULL), GROUP BY keys as probe rows.
    const size_t stride = tuple_width_ - 2;
    probe_words_.resize(n * stride);
    for (size_t i = 0; i < n; ++i) probe_words_[i * stride] = 0;
    std::vector<int64_t> bounds[2];
    for (size_t c = 0; c < 2; ++c) {
      const Array& a = *keys[c];
      const int64_t* v = a.values<int64_t>();
      bounds[c].assign(v, v + n);
      if (a.null_count() != 0 && a.validity() != nullptr) {
        for (size_t i = 0; i < n; ++i) {
          if (a.IsNull(static_cast<int64_t>(i))) {
            bounds[c][i] = 0;
            probe_words_[i * stride] |= uint64_t{1} << c;
          }
        }
      }
    }
    for (size_t c = 2; c < keys.size(); ++c) {
      FillTupleColumn(*keys[c], c, c - 1, stride, nullptr, n);
    }
    ProbeWindowParts(bounds[0].data(), bounds[1].data(), n, group_ids->data(), new_groups, nullptr);
    return Status::OK();
  }
  // The batch's keys, row-major, filled column by column; then hashed and probed.
  const size_t width = tuple_width_;
  probe_words_.resize(n * width);
  for (size_t i = 0; i < n; ++i) probe_words_[i * width] = 0;
  for (size_t c = 0; c < keys.size(); ++c) FillTupleColumn(*keys[c], c, 1 + c, width, nullptr, n);
  ProbeTuples(n, group_ids->data(), new_groups, nullptr);
  return Status::OK();
}

bool GroupTable::IsWindowTable() const {
  return mode_ == Mode::kTuple && key_types_.size() >= 2 &&
         key_types_[0]->id() == TypeId::kTimestamp && key_types_[1]->id() == TypeId::kTimestamp;
}

Status GroupTable::FindOrInsertWindowed(std::span<const int64_t> starts,
                                        std::span<const int64_t> ends,
                                        std::span<const ArrayPtr> keys, const int32_t* rows,
                                        std::vector<uint32_t>* group_ids,
                                        std::vector<uint32_t>* new_groups,
                                        std::vector<uint32_t>* new_group_rows) {
  const size_t n = starts.size();
  if (ends.size() != n || keys.size() + 2 != key_types_.size()) {
    return Status::Invalid(fmt::format(
        "GroupTable::FindOrInsertWindowed expects {} key columns and {} window ends, got {} and "
        "{}",
        key_types_.size() - std::min<size_t>(key_types_.size(), 2), n, keys.size(), ends.size()));
  }
  group_ids->resize(n);
  if (window_parts_ && keys.size() == 1 &&
      (keys[0]->null_count() == 0 || keys[0]->validity() == nullptr) &&
      (keys[0]->type_id() == TypeId::kInt64 || keys[0]->type_id() == TypeId::kTimestamp ||
       keys[0]->type_id() == TypeId::kTime64)) {
    // One 64-bit key without NULLs (its canonical bits are its value): read in place.
    ProbeWindowParts<1, true>(starts.data(), ends.data(), n, keys[0]->values<uint64_t>(), rows,
                              group_ids->data(), new_groups, new_group_rows);
    return Status::OK();
  }
  if (window_parts_) {
    const size_t stride = tuple_width_ - 2;
    probe_words_.resize(n * stride);
    for (size_t i = 0; i < n; ++i) probe_words_[i * stride] = 0;
    for (size_t c = 0; c < keys.size(); ++c) {
      FillTupleColumn(*keys[c], 2 + c, 1 + c, stride, rows, n);
    }
    ProbeWindowParts(starts.data(), ends.data(), n, group_ids->data(), new_groups, new_group_rows);
    return Status::OK();
  }
  if (IsWindowTable()) {
    const size_t width = tuple_width_;
    probe_words_.resize(n * width);
    uint64_t* w = probe_words_.data();
    for (size_t i = 0; i < n; ++i) {
      w[i * width] = 0;
      w[i * width + 1] = static_cast<uint64_t>(starts[i]);
      w[i * width + 2] = static_cast<uint64_t>(ends[i]);
    }
    for (size_t c = 0; c < keys.size(); ++c) {
      FillTupleColumn(*keys[c], 2 + c, 3 + c, width, rows, n);
    }
    ProbeTuples(n, group_ids->data(), new_groups, new_group_rows);
    return Status::OK();
  }
  if (window_encoded_) {
    const int64_t* sv = starts.data();
    const int64_t* ev = ends.data();
    auto bound = [sv, ev](size_t i, int64_t* st, int64_t* en) -> uint64_t {
      *st = sv[i];
      *en = ev[i];
      return 0;
    };
    const auto cols = EncodedColumns(keys);
    ProbeEncodedWindows(n, bound, cols, rows, group_ids->data(), new_groups, new_group_rows);
    return Status::OK();
  }
  // Other layouts (e.g. nested keys): materialise the key columns.
  const size_t first_new = new_groups->size();
  std::vector<ArrayPtr> k;
  k.reserve(key_types_.size());
  k.push_back(columnar::MakeTimestampArray(std::vector<int64_t>(starts.begin(), starts.end())));
  k.push_back(columnar::MakeTimestampArray(std::vector<int64_t>(ends.begin(), ends.end())));
  for (const auto& c : keys) {
    k.push_back(rows ? columnar::Take(*c, std::span<const int32_t>(rows, n)) : c);
  }
  LAMINAR_RETURN_NOT_OK(FindOrInsert(k, static_cast<int64_t>(n), group_ids, new_groups));
  if (new_group_rows) {
    // New ids were appended in order of their first row: one forward scan finds those rows.
    size_t j = first_new;
    const uint32_t* ids = group_ids->data();
    for (size_t i = 0; i < n && j < new_groups->size(); ++i) {
      if (ids[i] == (*new_groups)[j]) {
        new_group_rows->push_back(static_cast<uint32_t>(i));
        ++j;
      }
    }
  }
  return Status::OK();
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
    case Mode::kTuple:
      return FindOrInsertTuple(keys, num_rows, group_ids, new_groups);
    case Mode::kGeneral:
      break;
  }
  if (window_encoded_) {
    // Bounds from their arrays (NULL bounds: mask bits, word 0), keys encoded per window part.
    const Array& sa = *keys[0];
    const Array& ea = *keys[1];
    const int64_t* sv = sa.values<int64_t>();
    const int64_t* ev = ea.values<int64_t>();
    const bool nulls = (sa.null_count() != 0 && sa.validity() != nullptr) ||
                       (ea.null_count() != 0 && ea.validity() != nullptr);
    auto bound = [&](size_t i, int64_t* st, int64_t* en) -> uint64_t {
      uint64_t mask = 0;
      *st = sv[i];
      *en = ev[i];
      if (nulls) {
        if (sa.IsNull(static_cast<int64_t>(i))) {
          mask |= 1;
          *st = 0;
        }
        if (ea.IsNull(static_cast<int64_t>(i))) {
          mask |= 2;
          *en = 0;
        }
      }
      return mask;
    };
    const auto cols = EncodedColumns(keys.subspan(2));
    ProbeEncodedWindows(static_cast<size_t>(num_rows), bound, cols, nullptr, group_ids->data(),
                        new_groups, nullptr);
    return Status::OK();
  }
  uint32_t* out = group_ids->data();
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

Result<std::vector<ArrayPtr>> GroupTable::GetKeys(std::span<const uint32_t> groups,
                                                  size_t first_column) const {
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
    if (first_column > 0) out.clear();
    return out;
  }
  if (mode_ == Mode::kTuple) {
    // Column by column straight from the word rows.
    for (size_t c = first_column; c < key_types_.size(); ++c) {
      const auto& type = key_types_[c];
      const uint64_t bit = uint64_t{1} << c;
      const uint64_t* words = tuple_words_.data();
      const size_t width = tuple_width_;
      if (type->id() == TypeId::kBoolean) {
        columnar::BooleanBuilder b;
        b.Reserve(n);
        for (uint32_t g : groups) {
          const uint64_t* w = words + static_cast<size_t>(g) * width;
          if (w[0] & bit) {
            b.AppendNull();
          } else {
            b.Append(w[1 + c] != 0);
          }
        }
        out.push_back(b.Finish());
        continue;
      }
      columnar::VisitFixedWidth(type->id(), [&]<typename T>() {
        if constexpr (std::is_arithmetic_v<T>) {
          columnar::FixedWidthBuilder<T> b(type);
          b.Reserve(n);
          for (uint32_t g : groups) {
            const uint64_t* w = words + static_cast<size_t>(g) * width;
            if (w[0] & bit) {
              b.AppendNull();
            } else {
              b.UnsafeAppend(FromKeyBits<T>(w[1 + c]));
            }
          }
          out.push_back(b.Finish());
        }
      });
    }
    return out;
  }
  if (window_encoded_) return GetEncodedKeys(groups, first_column);
  // Columns before first_column are parsed past, not built (a window's bounds).
  std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders;
  for (size_t c = 0; c < key_types_.size(); ++c) {
    builders.push_back(c >= first_column ? columnar::MakeBuilder(key_types_[c]) : nullptr);
    if (builders.back()) builders.back()->Reserve(n);
  }
  for (uint32_t g : groups) {
    std::string_view in = GeneralKey(g);
    for (size_t c = 0; c < key_types_.size(); ++c) {
      auto* b = builders[c].get();
      const auto& type = key_types_[c];
      uint8_t valid = 0;
      if (!GetRaw(&in, &valid)) return Status::Corruption("bad group key");
      if (!valid) {
        if (b) b->AppendNull();
        continue;
      }
      if (type->is_binary_like()) {
        uint32_t len = 0;  // GetString's layout, read as a view (no copy per key)
        if (!GetRaw(&in, &len) || in.size() < len) return Status::Corruption("bad group key");
        if (b) static_cast<columnar::BinaryBuilder*>(b)->Append(in.substr(0, len));
        in.remove_prefix(len);
      } else if (type->id() == TypeId::kBoolean) {
        uint8_t v = 0;
        if (!GetRaw(&in, &v)) return Status::Corruption("bad group key");
        if (b) static_cast<columnar::BooleanBuilder*>(b)->Append(v != 0);
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
              if (b) static_cast<columnar::FixedWidthBuilder<T>*>(b)->Append(v);
            })) {
          std::string text;
          ok = GetString(&in, &text);
          if (ok && b) {
            LAMINAR_ASSIGN_OR_RETURN(auto s, Scalar::Parse(type, text));
            LAMINAR_RETURN_NOT_OK(b->AppendScalar(s));
          }
        }
        if (!ok) return Status::Corruption("bad group key");
      }
    }
  }
  for (auto& b : builders) {
    if (b) out.push_back(b->Finish());
  }
  return out;
}

Result<std::vector<ArrayPtr>> GroupTable::GetEncodedKeys(std::span<const uint32_t> groups,
                                                         size_t first_column) const {
  namespace bits = columnar::bit_util;
  const size_t n = groups.size();
  const auto length = static_cast<int64_t>(n);
  const size_t num_columns = key_types_.size();
  // One output column per key column from first_column on, written row by row as the keys are
  // parsed: fixed-width values and BOOLEAN bits straight into their buffers, strings as views into
  // the arena (copied once their total is known), NULLs into a bitmap made at the first NULL.
  struct Column {
    EncodedColumn::Kind kind = EncodedColumn::Kind::kRaw;
    size_t width = 0;  // kRaw: bytes per value
    columnar::BufferPtr values;
    std::vector<std::string_view> views;
    columnar::BufferPtr validity;
    int64_t nulls = 0;
  };
  std::vector<Column> cols(num_columns);
  for (size_t c = first_column; c < num_columns; ++c) {
    Column& col = cols[c];
    const DataTypePtr& type = key_types_[c];
    if (type->is_binary_like()) {
      col.kind = EncodedColumn::Kind::kString;
      col.views.resize(n);
    } else if (type->id() == TypeId::kBoolean) {
      col.kind = EncodedColumn::Kind::kBool;
      col.values = columnar::Buffer::Allocate(bits::BytesForBits(length));
    } else {
      columnar::VisitFixedWidth(type->id(), [&]<typename T>() { col.width = sizeof(T); });
      col.kind = type->id() == TypeId::kFloat32   ? EncodedColumn::Kind::kFloat32
                 : type->id() == TypeId::kFloat64 ? EncodedColumn::Kind::kFloat64
                                                  : EncodedColumn::Kind::kRaw;
      col.values =
          columnar::Buffer::AllocateUninitialized(length * static_cast<int64_t>(col.width));
    }
  }
  auto set_null = [&](Column& col, size_t row) {
    if (!col.validity) {
      col.validity = columnar::Buffer::Allocate(bits::BytesForBits(length));
      uint8_t* v = col.validity->mutable_data();
      std::memset(v, 0xff, n / 8);
      for (size_t i = n / 8 * 8; i < n; ++i) bits::SetBit(v, static_cast<int64_t>(i));
    }
    bits::ClearBit(col.validity->mutable_data(), static_cast<int64_t>(row));
    ++col.nulls;
  };
  const auto corrupt = [] { return Status::Corruption("bad group key"); };
  for (size_t r = 0; r < n; ++r) {
    const uint32_t g = groups[r];
    // The bounds, from the part's prefix.
    for (size_t c = first_column; c < 2; ++c) {
      const Prefix& prefix = parts_[tuple_part_[g]].prefix;
      uint64_t v = prefix[1 + c];
      if (prefix[0] & (uint64_t{1} << c)) {
        set_null(cols[c], r);
        v = 0;
      }
      std::memcpy(cols[c].values->mutable_data() + r * 8, &v, 8);
    }
    std::string_view in = EncodedKey(g);
    for (size_t c = 2; c < num_columns; ++c) {
      Column* col = c >= first_column ? &cols[c] : nullptr;
      const auto kind =
          col ? col->kind
              : (key_types_[c]->is_binary_like()           ? EncodedColumn::Kind::kString
                 : key_types_[c]->id() == TypeId::kBoolean ? EncodedColumn::Kind::kBool
                                                           : EncodedColumn::Kind::kRaw);
      uint8_t valid = 0;
      if (!GetRaw(&in, &valid) || valid > 1) return corrupt();
      if (!valid) {
        if (col == nullptr) continue;
        set_null(*col, r);
        if (col->kind == EncodedColumn::Kind::kRaw || col->kind == EncodedColumn::Kind::kFloat32 ||
            col->kind == EncodedColumn::Kind::kFloat64) {
          std::memset(col->values->mutable_data() + r * col->width, 0, col->width);
        }
        continue;
      }
      switch (kind) {
        case EncodedColumn::Kind::kString: {
          uint32_t len = 0;  // PutString's layout, kept as a view (no copy per key)
          if (!GetRaw(&in, &len) || in.size() < len) return corrupt();
          if (col) col->views[r] = in.substr(0, len);
          in.remove_prefix(len);
          break;
        }
        case EncodedColumn::Kind::kBool: {
          uint8_t v = 0;
          if (!GetRaw(&in, &v)) return corrupt();
          if (col && v) bits::SetBit(col->values->mutable_data(), static_cast<int64_t>(r));
          break;
        }
        case EncodedColumn::Kind::kFloat32: {
          uint64_t b = 0;
          if (!GetRaw(&in, &b)) return corrupt();
          const float v = FromKeyBits<float>(b);
          std::memcpy(col->values->mutable_data() + r * 4, &v, 4);
          break;
        }
        case EncodedColumn::Kind::kFloat64:
        case EncodedColumn::Kind::kRaw: {
          // Skipped columns (col null) are fixed width too: their width from the type.
          size_t width = col ? col->width : 0;
          if (col == nullptr) {
            columnar::VisitFixedWidth(key_types_[c]->id(), [&]<typename T>() {
              width = std::is_floating_point_v<T> ? 8 : sizeof(T);
            });
          }
          if (in.size() < width) return corrupt();
          if (col) std::memcpy(col->values->mutable_data() + r * width, in.data(), width);
          in.remove_prefix(width);
          break;
        }
      }
    }
    if (!in.empty()) return corrupt();
  }
  std::vector<ArrayPtr> out;
  out.reserve(num_columns - std::min(first_column, num_columns));
  for (size_t c = first_column; c < num_columns; ++c) {
    Column& col = cols[c];
    columnar::BufferPtr values = std::move(col.values);
    if (col.kind != EncodedColumn::Kind::kString) {
      out.push_back(std::make_shared<Array>(
          key_types_[c], length, std::vector<columnar::BufferPtr>{col.validity, std::move(values)},
          std::vector<ArrayPtr>{}, col.nulls));
      continue;
    }
    size_t total = 0;
    for (std::string_view v : col.views) total += v.size();
    if (total > static_cast<size_t>(INT32_MAX)) {
      return Status::Invalid("group keys exceed the 2 GiB of one string column");
    }
    auto offsets = columnar::Buffer::AllocateUninitialized((length + 1) * 4);
    auto data = columnar::Buffer::AllocateUninitialized(static_cast<int64_t>(total));
    auto* o = reinterpret_cast<int32_t*>(offsets->mutable_data());
    char* d = reinterpret_cast<char*>(data->mutable_data());
    int32_t at = 0;
    o[0] = 0;
    for (size_t r = 0; r < n; ++r) {
      const std::string_view v = col.views[r];
      if (!v.empty()) std::memcpy(d + at, v.data(), v.size());
      at += static_cast<int32_t>(v.size());
      o[r + 1] = at;
    }
    out.push_back(std::make_shared<Array>(
        key_types_[c], length,
        std::vector<columnar::BufferPtr>{col.validity, std::move(offsets), std::move(data)},
        std::vector<ArrayPtr>{}, col.nulls));
  }
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
  } else if (window_encoded_) {
    // The arena gives the bytes back only when they are its last ones (or the part is dropped).
    Part& part = parts_[tuple_part_[group]];
    const KeyRef ref = key_ref_[group];
    if (!part.blocks.empty() && ref.size <= part.fill &&
        ref.data == part.blocks[part.block].data.get() + (part.fill - ref.size)) {
      part.fill -= ref.size;
      part.bytes -= ref.size;
    }
    PartErase(group);
  } else if (mode_ == Mode::kGeneral) {
    general_map_.erase(general_keys_[group]);
    general_keys_[group].clear();
  } else if (window_parts_) {
    PartErase(group);
  } else if (mode_ == Mode::kTuple) {
    EraseTupleSlot(group);
  }
  live_[group] = 0;
  free_.push_back(group);
  return Status::OK();
}

Status GroupTable::EraseMany(std::span<const uint32_t> groups) {
  for (uint32_t g : groups) {
    if (!IsLive(g)) return Status::Invalid(fmt::format("group {} does not exist", g));
  }
  if (window_parts_ || window_encoded_) {
    // Closing windows list whole parts: those are dropped at once, other keys erased singly.
    // The erased ids are written by index into erase_ids_ and the free list, grown by the list's
    // length first (trimmed after).
    std::vector<uint32_t>& erased = erase_ids_;
    erased.resize(groups.size());
    const size_t free_before = free_.size();
    free_.resize(free_before + groups.size());
    uint32_t* const freed = free_.data() + free_before;
    size_t num_erased = 0;
    bool twice = false;
    erase_mark_.assign(parts_.size(), 0);
    for (uint32_t g : groups) {
      if (!live_[g]) {
        twice = true;  // listed twice: erased once, like Erase() would
        continue;
      }
      live_[g] = 0;
      freed[num_erased] = g;
      erased[num_erased] = g;
      ++num_erased;
      ++erase_mark_[tuple_part_[g]];
    }
    free_.resize(free_before + num_erased);
    erased.resize(num_erased);
    // Per part: kDrop (every key goes), kDone (dropped), or a count (erase key by key).
    constexpr uint32_t kDrop = UINT32_MAX, kDone = UINT32_MAX - 1;
    for (uint32_t g : erased) {
      const uint32_t p = tuple_part_[g];
      if (erase_mark_[p] == parts_[p].used) erase_mark_[p] = kDrop;
    }
    for (uint32_t g : erased) {
      const uint32_t p = tuple_part_[g];
      if (erase_mark_[p] == kDone) continue;
      if (erase_mark_[p] == kDrop) {
        DropPart(p);
        erase_mark_[p] = kDone;
      } else {
        PartErase(g);
      }
    }
    if (twice) return Status::Invalid("EraseMany: a group is listed twice");
    return Status::OK();
  }
  if (mode_ != Mode::kTuple || groups.size() * 4 < slots_used_) {
    for (uint32_t g : groups) LAMINAR_RETURN_NOT_OK(Erase(g));
    return Status::OK();
  }
  bool twice = false;
  for (uint32_t g : groups) {
    if (!live_[g]) {
      twice = true;  // listed twice: erased once, like Erase() would
      continue;
    }
    live_[g] = 0;
    free_.push_back(g);
  }
  std::fill(slots_.begin(), slots_.end(), TupleSlot{});
  slots_used_ = 0;
  for (uint32_t id = 0; id < live_.size(); ++id) {
    if (live_[id]) InsertTupleSlot(id);
  }
  if (twice) return Status::Invalid("EraseMany: a group is listed twice");
  return Status::OK();
}

void GroupTable::Clear() {
  fixed_map_.clear();
  fixed_keys_.clear();
  general_map_.clear();
  general_keys_.clear();
  key_ref_.clear();
  live_.clear();
  free_.clear();
  null_group_ = UINT32_MAX;
  tuple_words_.clear();
  tuple_hash_.clear();
  slots_.clear();
  slots_used_ = 0;
  parts_.clear();
  part_index_.clear();
  free_parts_.clear();
  tuple_part_.clear();
}

// Layout (little-endian): u8 version, u8 mode, u32 num_ids, u32 null_group,
// u32 num_free, num_free × u32 (free list order), then per id: u8 live,
// and for live ids: fixed mode u64 key bits / general mode u32 len + encoded tuple.
void GroupTable::Serialize(std::string* out) const {
  const uint32_t num_ids = static_cast<uint32_t>(live_.size());
  const size_t num_live = static_cast<size_t>(std::count(live_.begin(), live_.end(), 1));
  // Size the image up front (exact for fixed/global keys, a close lower bound otherwise) so a
  // large table is written without the buffer doubling and copying as it grows.
  size_t bytes = 2 + 4 * 3 + 4 * free_.size() + num_ids;
  if (mode_ == Mode::kFixed) bytes += 8 * num_live;
  if (mode_ == Mode::kTuple) bytes += num_live * (4 + key_types_.size() * 9);
  if (mode_ == Mode::kGeneral) {
    for (const auto& k : general_keys_) bytes += 4 + k.size();
    for (const KeyRef& k : key_ref_) bytes += 4 + 18 + k.size;  // bounds: at most 18 bytes
  }
  out->reserve(out->size() + bytes);
  PutRaw(out, kFormatVersion);
  PutRaw(out, static_cast<uint8_t>(mode_ == Mode::kTuple ? Mode::kGeneral : mode_));
  PutRaw(out, num_ids);
  PutRaw(out, null_group_);
  PutRaw(out, static_cast<uint32_t>(free_.size()));
  if (!free_.empty()) {
    out->append(reinterpret_cast<const char*>(free_.data()), free_.size() * 4);
  }
  if (mode_ == Mode::kFixed || mode_ == Mode::kGlobal) {
    // Fixed-size records: written straight into the resized buffer.
    const size_t at = out->size();
    out->resize(at + num_ids + (mode_ == Mode::kFixed ? 8 * num_live : 0));
    char* p = out->data() + at;
    for (size_t id = 0; id < num_ids; ++id) {
      *p++ = static_cast<char>(live_[id]);
      if (live_[id] && mode_ == Mode::kFixed) {
        std::memcpy(p, &fixed_keys_[id], 8);
        p += 8;
      }
    }
    return;
  }
  std::string encoded;
  for (size_t id = 0; id < num_ids; ++id) {
    PutRaw(out, live_[id]);
    if (!live_[id]) continue;
    if (window_encoded_) {
      // EncodeRow's bytes: the bounds (rebuilt from the part's prefix), then the GROUP BY bytes.
      char bounds[18];
      const size_t nb = EncodeBounds(parts_[tuple_part_[id]].prefix, bounds);
      const std::string_view key = EncodedKey(static_cast<uint32_t>(id));
      PutRaw(out, static_cast<uint32_t>(nb + key.size()));
      out->append(bounds, nb);
      out->append(key);
    } else if (mode_ == Mode::kGeneral) {
      PutString(out, GeneralKey(static_cast<uint32_t>(id)));
    }
    if (mode_ == Mode::kTuple) {
      EncodeTuple(static_cast<uint32_t>(id), &encoded);
      PutString(out, encoded);
    }
  }
}

void GroupTable::InsertFixedInHashOrder(std::span<const uint32_t> ids) {
  // Inserting millions of keys in id order touches a random bucket per key: a cache (and TLB)
  // miss each, which prefetching does not hide. Instead the ids are first partitioned (one
  // counting-sort pass) by the high bits of their home bucket, so the inserts sweep the table
  // region by region and each region stays in cache. The swiss table's home bucket is derived
  // from the hash bits above its 7 tag bits (`hash >> 7`, then xor-salted per table, which keeps
  // neighbouring buckets together); if that changes the result is still correct, only slower.
  const size_t capacity = fixed_map_.bucket_count();
  constexpr size_t kMinPartitioned = 1 << 16;
  if (ids.size() < kMinPartitioned || capacity < kMinPartitioned) {
    for (uint32_t id : ids) fixed_map_.insert_or_assign(fixed_keys_[id], id);
    return;
  }
  const int capacity_bits = std::bit_width(capacity);  // capacity is 2^k - 1
  constexpr int kPartitionBits = 12;
  const int shift = std::max(0, capacity_bits - kPartitionBits);
  const uint64_t mask = capacity;
  std::vector<uint32_t> part(ids.size());
  std::vector<uint32_t> start((size_t{1} << kPartitionBits) + 1, 0);
  for (size_t i = 0; i < ids.size(); ++i) {
    part[i] = static_cast<uint32_t>(((HashInt64(fixed_keys_[ids[i]]) >> 7) & mask) >> shift);
    ++start[part[i] + 1];
  }
  for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
  // (key, id) pairs in partition order: the insert loop then reads them sequentially.
  std::vector<std::pair<uint64_t, uint32_t>> ordered(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    ordered[start[part[i]]++] = {fixed_keys_[ids[i]], ids[i]};
  }
  for (const auto& [key, id] : ordered) fixed_map_.insert_or_assign(key, id);
}

Status GroupTable::Deserialize(std::string_view* in) {
  Clear();
  uint8_t version = 0, mode = 0;
  uint32_t num_ids = 0, null_group = 0, num_free = 0;
  if (!GetRaw(in, &version) || version != kFormatVersion || !GetRaw(in, &mode) ||
      mode != static_cast<uint8_t>(mode_ == Mode::kTuple ? Mode::kGeneral : mode_) ||
      !GetRaw(in, &num_ids) || !GetRaw(in, &null_group) || !GetRaw(in, &num_free) ||
      num_free > num_ids || in->size() < size_t{num_free} * 4 + num_ids) {
    return Status::Corruption("corrupt group table header");
  }
  free_.resize(num_free);
  for (auto& f : free_) {
    if (!GetRaw(in, &f) || f >= num_ids) return Status::Corruption("corrupt group table free list");
  }
  live_.assign(num_ids, 0);
  if (mode_ == Mode::kFixed) fixed_keys_.assign(num_ids, 0);
  if (mode_ == Mode::kGeneral && !window_encoded_) general_keys_.assign(num_ids, std::string());
  if (window_encoded_) {
    tuple_hash_.assign(num_ids, 0);
    tuple_part_.assign(num_ids, 0);
    key_ref_.assign(num_ids, KeyRef{});
  }
  if (mode_ == Mode::kTuple) {
    tuple_words_.assign(size_t{num_ids} * tuple_width_, 0);
    tuple_hash_.assign(num_ids, 0);
    if (window_parts_) tuple_part_.assign(num_ids, 0);
  }
  null_group_ = null_group;
  // Every live id needs at least its live byte plus a key: bounds the index reservation.
  const size_t max_live = std::min<size_t>(num_ids, in->size() / (mode_ == Mode::kFixed ? 9 : 1));
  if (mode_ == Mode::kFixed) {
    // Fixed-size records, decoded in one pass; the map is sized once for every key (no rehash
    // growth) and each bucket is prefetched a few keys ahead of its insert.
    const char* p = in->data();
    const char* end = p + in->size();
    std::vector<uint32_t> ids;
    ids.reserve(max_live);
    for (uint32_t id = 0; id < num_ids; ++id) {
      if (p == end || static_cast<uint8_t>(*p) > 1) {
        return Status::Corruption("corrupt group table");
      }
      live_[id] = static_cast<uint8_t>(*p++);
      if (!live_[id]) continue;
      if (end - p < 8) return Status::Corruption("corrupt group table key");
      std::memcpy(&fixed_keys_[id], p, 8);
      p += 8;
      if (id != null_group_) ids.push_back(id);
    }
    in->remove_prefix(static_cast<size_t>(p - in->data()));
    fixed_map_.reserve(ids.size());
    InsertFixedInHashOrder(ids);
  } else {
    if (mode_ == Mode::kGeneral && !window_encoded_) general_map_.reserve(max_live);
    if (mode_ == Mode::kTuple && !window_parts_) ReserveTuples(max_live);
    std::string encoded;
    for (uint32_t id = 0; id < num_ids; ++id) {
      if (!GetRaw(in, &live_[id]) || live_[id] > 1) {
        return Status::Corruption("corrupt group table");
      }
      if (!live_[id]) continue;
      if (mode_ == Mode::kGeneral) {
        if (window_encoded_) {
          if (!GetString(in, &encoded) || !EncodedPartInsert(id, encoded)) {
            return Status::Corruption("corrupt group table key");
          }
          continue;
        }
        if (!GetString(in, &general_keys_[id])) {
          return Status::Corruption("corrupt group table key");
        }
        general_map_.insert_or_assign(general_keys_[id], id);
      } else if (mode_ == Mode::kTuple) {
        uint64_t* w = tuple_words_.data() + size_t{id} * tuple_width_;
        if (!GetString(in, &encoded) || !DecodeTuple(encoded, w)) {
          return Status::Corruption("corrupt group table key");
        }
        if (window_parts_) {
          PartInsert(id);
        } else {
          tuple_hash_[id] = HashTuple(w);
          ReserveTuples(1);
          InsertTupleSlot(id);
        }
      }
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
  bytes += static_cast<int64_t>(tuple_words_.capacity() * 8 + tuple_hash_.capacity() * 4 +
                                slots_.capacity() * sizeof(TupleSlot) +
                                probe_words_.capacity() * 8 + probe_hash_.capacity() * 4);
  for (const Part& part : parts_) {
    bytes += static_cast<int64_t>(part.slots.capacity() * sizeof(PartSlot) +
                                  part.hash_slots.capacity() * sizeof(HashSlot));
    for (const ArenaBlock& block : part.blocks) bytes += static_cast<int64_t>(block.size);
  }
  bytes += static_cast<int64_t>(key_ref_.capacity() * sizeof(KeyRef));
  bytes += static_cast<int64_t>(part_index_.capacity() * (sizeof(Prefix) + 5) +
                                tuple_part_.capacity() * 4 + probe_part_.capacity() * 4);
  return bytes;
}

}  // namespace laminar::function
