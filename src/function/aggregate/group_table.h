#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/array.h"
#include "common/hash.h"
#include "common/result.h"

namespace laminar::function {

using columnar::DataTypePtr;

/// Maps GROUP BY key tuples to dense group ids (0, 1, 2, ...) that index Accumulator state.
///
/// Keys may be of any type and any number of columns; NULL keys form their own group (SQL
/// GROUP BY semantics: NULLs group together). Fast paths: zero key columns → one global group
/// (id 0); a single fixed-width key (integers, floats, DATE, TIME, TIMESTAMP) → a swiss table of
/// 64-bit keys; several fixed-width or BOOLEAN keys (e.g. a window's bounds plus its GROUP BY
/// keys) → a tuple table: keys live as rows of 64-bit words in one flat array and an
/// open-addressing index over it, hashed column by column per batch (no per-key allocation);
/// otherwise each row's key tuple is encoded to bytes and looked up in a swiss table of strings.
///
/// Ids stay valid until Erase(); an erased id goes on a free list and the next new key may
/// reuse it (the caller must Reset() accumulator state for reused ids — `new_groups` reports
/// them). num_groups() is the size of the id space (erased ids included), the size to
/// Resize() accumulators to.
/// Durability: Serialize()/Deserialize() round-trip the table byte for byte (ids preserved).
/// Threading: not thread-safe; owned by one operator.
class GroupTable {
 public:
  explicit GroupTable(std::vector<DataTypePtr> key_types);

  /// Looks up (inserting when new) the key of every row of `keys` (one array per key column,
  /// each `num_rows` long); writes one group id per row into *group_ids (resized). When
  /// `new_groups` is not null, the ids created by this call are appended to it, in order.
  Status FindOrInsert(std::span<const columnar::ArrayPtr> keys, int64_t num_rows,
                      std::vector<uint32_t>* group_ids,
                      std::vector<uint32_t>* new_groups = nullptr);
  /// Size of the id space: every id handed out is < num_groups().
  uint32_t num_groups() const { return static_cast<uint32_t>(live_.size()); }
  /// Groups currently holding a key (num_groups() minus erased ids).
  uint32_t num_live_groups() const { return num_groups() - static_cast<uint32_t>(free_.size()); }
  /// True when `group` holds a key (not erased).
  bool IsLive(uint32_t group) const { return group < live_.size() && live_[group]; }
  /// The key columns of the listed groups (one array per key column). Erased → error.
  Result<std::vector<columnar::ArrayPtr>> GetKeys(std::span<const uint32_t> groups) const;
  /// Frees a group id for reuse.
  Status Erase(uint32_t group);
  /// Erase() of every listed group (ids freed in list order). Cheaper than one Erase() per
  /// group when the list is a large part of the table (a closing window): the tuple index is
  /// then rebuilt from the survivors instead of being patched per key. Not live → error, and
  /// nothing is erased.
  Status EraseMany(std::span<const uint32_t> groups);
  /// Removes every group.
  void Clear();

  void Serialize(std::string* out) const;
  Status Deserialize(std::string_view* in);
  int64_t MemoryUsage() const;

  const std::vector<DataTypePtr>& key_types() const { return key_types_; }

 private:
  // The serialized mode byte: kTuple tables serialize as kGeneral (same encoded tuples), so
  // checkpoints do not depend on which in-memory layout the key types select.
  enum class Mode : uint8_t { kGlobal = 0, kFixed = 1, kGeneral = 2, kTuple = 3 };
  struct FixedHash {
    size_t operator()(uint64_t k) const { return static_cast<size_t>(HashInt64(k)); }
  };

  uint32_t NewId();
  void EncodeRow(std::span<const columnar::ArrayPtr> keys, int64_t row, std::string* out) const;
  Status FindOrInsertFixed(const columnar::Array& key, int64_t num_rows,
                           std::vector<uint32_t>* group_ids, std::vector<uint32_t>* new_groups);
  /// Deserialize helper: adds the keys of `ids` (fixed mode, distinct, map already reserved)
  /// to fixed_map_, in an order that keeps the inserts cache-friendly.
  void InsertFixedInHashOrder(std::span<const uint32_t> ids);
  Status FindOrInsertTuple(std::span<const columnar::ArrayPtr> keys, int64_t num_rows,
                           std::vector<uint32_t>* group_ids, std::vector<uint32_t>* new_groups);

  // Tuple mode helpers.
  /// Hash of one key row of tuple_width_ words (all 32 bits used: slot index and tag).
  uint32_t HashTuple(const uint64_t* words) const;
  /// Rebuilds the slot index with `capacity` slots (a power of two).
  void RehashTuples(size_t capacity);
  /// Makes room for `additional` more keys without exceeding the load limit.
  void ReserveTuples(size_t additional);
  /// Inserts id into the slot index (the key must not be present).
  void InsertTupleSlot(uint32_t id);
  /// Removes id from the slot index (backward-shift deletion keeps probe chains intact).
  void EraseTupleSlot(uint32_t id);
  /// EncodeRow's byte encoding of a stored tuple (the serialized form) and back.
  void EncodeTuple(uint32_t id, std::string* out) const;
  bool DecodeTuple(std::string_view in, uint64_t* words) const;

  std::vector<DataTypePtr> key_types_;
  Mode mode_;
  // Fixed mode: key bits → id; the NULL key has its own id.
  absl::flat_hash_map<uint64_t, uint32_t, FixedHash> fixed_map_;
  std::vector<uint64_t> fixed_keys_;  // per id: key bits
  uint32_t null_group_ = UINT32_MAX;  // fixed mode: id of the NULL key
  // General mode: encoded tuple → id.
  absl::flat_hash_map<std::string, uint32_t> general_map_;
  std::vector<std::string> general_keys_;  // per id: encoded tuple
  std::vector<uint8_t> live_;              // per id: 1 = holds a key
  std::vector<uint32_t> free_;             // erased ids, reused LIFO
  std::string scratch_;

  // Tuple mode. Key of id g: words [g * tuple_width_, (g + 1) * tuple_width_) of tuple_words_:
  // word 0 = NULL mask (bit c set: column c is NULL), word 1 + c = column c's canonical bits
  // (KeyBits; 0 when NULL). Erased ids keep stale words until reused.
  struct TupleSlot {
    uint32_t hash = 0;         // HashTuple of the key; its low bits are the home slot
    uint32_t id_plus_one = 0;  // 0 = empty
  };
  size_t tuple_width_ = 0;
  std::vector<uint64_t> tuple_words_;
  std::vector<uint32_t> tuple_hash_;  // per id: hash (finds the slot on Erase)
  std::vector<TupleSlot> slots_;      // linear probing; size is 0 or a power of two
  size_t slots_used_ = 0;
  std::vector<uint64_t> probe_words_;  // FindOrInsert scratch: the batch's keys, row-major
  std::vector<uint32_t> probe_hash_;   // FindOrInsert scratch: their hashes
};

}  // namespace laminar::function
