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
/// 64-bit keys; otherwise each row's key tuple is encoded to bytes and looked up in a swiss
/// table of strings.
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
  /// Removes every group.
  void Clear();

  void Serialize(std::string* out) const;
  Status Deserialize(std::string_view* in);
  int64_t MemoryUsage() const;

  const std::vector<DataTypePtr>& key_types() const { return key_types_; }

 private:
  enum class Mode : uint8_t { kGlobal = 0, kFixed = 1, kGeneral = 2 };
  struct FixedHash {
    size_t operator()(uint64_t k) const { return static_cast<size_t>(HashInt64(k)); }
  };

  uint32_t NewId();
  void EncodeRow(std::span<const columnar::ArrayPtr> keys, int64_t row, std::string* out) const;
  /// General mode fast path: when every key column is fixed width with no NULLs, encodes all
  /// rows (as EncodeRow would) into batch_keys_ at a fixed stride and returns true.
  bool EncodeFixedRows(std::span<const columnar::ArrayPtr> keys, int64_t num_rows);
  Status FindOrInsertFixed(const columnar::Array& key, int64_t num_rows,
                           std::vector<uint32_t>* group_ids, std::vector<uint32_t>* new_groups);

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
  std::string batch_keys_;  // EncodeFixedRows output, reused across batches
};

}  // namespace laminar::function
