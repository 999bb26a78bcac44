#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <memory>
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
/// A windowed aggregate's table (`window_keys`: the first two key columns are the window's
/// TIMESTAMP start and end) keeps one small index per window instead (see Part below).
///
/// Ids stay valid until Erase(); an erased id goes on a free list and the next new key may
/// reuse it (the caller must Reset() accumulator state for reused ids — `new_groups` reports
/// them). num_groups() is the size of the id space (erased ids included), the size to
/// Resize() accumulators to.
/// Durability: Serialize()/Deserialize() round-trip the table byte for byte (ids preserved).
/// Threading: not thread-safe; owned by one operator.
class GroupTable {
 public:
  /// `window_keys`: key columns are [window_start, window_end (TIMESTAMP), keys...] and rows of one
  /// window arrive together: the index is then split per window (ignored for other key types). Only
  /// the in-memory layout differs; ids and images are the same.
  explicit GroupTable(std::vector<DataTypePtr> key_types, bool window_keys = false);

  /// Looks up (inserting when new) the key of every row of `keys` (one array per key column,
  /// each `num_rows` long); writes one group id per row into *group_ids (resized). When
  /// `new_groups` is not null, the ids created by this call are appended to it, in order.
  Status FindOrInsert(std::span<const columnar::ArrayPtr> keys, int64_t num_rows,
                      std::vector<uint32_t>* group_ids,
                      std::vector<uint32_t>* new_groups = nullptr);
  /// FindOrInsert() for a windowed aggregate's table, whose key columns are [window_start,
  /// window_end (both TIMESTAMP), keys...]: key row i is (starts[i], ends[i], row rows[i] of each
  /// array of `keys`), or row i of `keys` when `rows` is null. The bounds come as plain words and
  /// the keys are gathered in place, so no per-batch timestamp arrays or Take()n key columns are
  /// built (tables of other layouts, e.g. string keys, do build them). New ids are appended to
  /// *new_groups (required) and, when `new_group_rows` is not null, the row each first appeared at
  /// to *new_group_rows. Same ids as FindOrInsert() over the built columns.
  Status FindOrInsertWindowed(std::span<const int64_t> starts, std::span<const int64_t> ends,
                              std::span<const columnar::ArrayPtr> keys, const int32_t* rows,
                              std::vector<uint32_t>* group_ids, std::vector<uint32_t>* new_groups,
                              std::vector<uint32_t>* new_group_rows = nullptr);
  /// Size of the id space: every id handed out is < num_groups().
  uint32_t num_groups() const { return static_cast<uint32_t>(live_.size()); }
  /// Groups currently holding a key (num_groups() minus erased ids).
  uint32_t num_live_groups() const { return num_groups() - static_cast<uint32_t>(free_.size()); }
  /// True when `group` holds a key (not erased).
  bool IsLive(uint32_t group) const { return group < live_.size() && live_[group]; }
  /// The key columns of the listed groups (one array per key column). Erased → error.
  /// `first_column`: skip the key columns before it (a window aggregate reads its bounds
  /// elsewhere); the result then holds key_types().size() - first_column arrays.
  Result<std::vector<columnar::ArrayPtr>> GetKeys(std::span<const uint32_t> groups,
                                                  size_t first_column = 0) const;
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
  /// The constructor's `window_keys` (to build a table of the same layout).
  bool window_keys() const { return window_keys_; }

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
  /// Tuple mode with TIMESTAMP window bounds as the first two key columns.
  bool IsWindowTable() const;
  /// Writes key column `column` (its canonical bits, NULL mask bit `column`) of n probe rows into
  /// probe_words_ (already sized, mask words zeroed): word `word` of each row of `stride` words.
  /// Probe row i reads array row gather[i] (row i when gather is null).
  void FillTupleColumn(const columnar::Array& a, size_t column, size_t word, size_t stride,
                       const int32_t* gather, size_t n);
  /// Looks up (inserting when new) the n key rows in probe_words_; ids into out[0, n); new ids and
  /// the rows they first appeared at appended to the lists that are not null. kWidth: tuple_width_
  /// when it is a compile-time constant (word compares), 0 for any.
  template <size_t kWidth>
  void ProbeTuples(size_t n, uint32_t* out, std::vector<uint32_t>* new_groups,
                   std::vector<uint32_t>* new_rows);
  void ProbeTuples(size_t n, uint32_t* out, std::vector<uint32_t>* new_groups,
                   std::vector<uint32_t>* new_rows);

  // Window parts: a window table's index, split by the key's first three words (NULL mask,
  // window_start, window_end) into one small open-addressing table per window. A batch's rows find
  // their part once per run of rows of one window; probes hash and compare only the GROUP BY words
  // (the first one is stored in the slot, so a one-word key is matched without reading
  // tuple_words_); a closing window drops its whole part (EraseMany) instead of erasing its keys
  // one by one from a shared index.
  using Prefix = std::array<uint64_t, 3>;
  struct PartSlot {
    uint64_t key = 0;          // first GROUP BY word (0 when there is none)
    uint32_t hash = 0;         // HashWords of the GROUP BY words; low bits: the home slot
    uint32_t id_plus_one = 0;  // 0 = empty
  };
  /// An encoded part's slot: the key's bytes are compared in the arena (through key_ref_), so a
  /// slot is half a PartSlot and more of a large window's index stays in cache.
  struct HashSlot {
    uint32_t hash = 0;         // HashPadded of the GROUP BY bytes; low bits: the home slot
    uint32_t id_plus_one = 0;  // 0 = empty
  };
  /// One block of an encoded part's key arena. Blocks never move (a full block is followed by a
  /// new one, not reallocated), so KeyRefs point straight into them.
  struct ArenaBlock {
    std::unique_ptr<char[]> data;
    size_t size = 0;
  };
  struct Part {
    Prefix prefix{};
    std::vector<PartSlot> slots;       // linear probing; size 0 or a power of two
    std::vector<HashSlot> hash_slots;  // encoded parts' slots instead of `slots` (same rules)
    size_t used = 0;
    // Encoded parts: the window's GROUP BY key bytes (EncodeRow's bytes after the two bounds,
    // which are the part's prefix), back to back in blocks (see KeyRef). A dropped part kept
    // for reuse keeps its blocks, so the next window writes into memory already paged in.
    std::vector<ArenaBlock> blocks;
    size_t block = 0;  // the block being filled (blocks after it are empty, kept for reuse)
    size_t fill = 0;   // bytes used of blocks[block]
    size_t bytes = 0;  // key bytes appended since the part was created (sizes later parts)
  };
  /// Where an encoded part's key lives: its GROUP BY bytes [data, data + size) in its part's arena.
  struct KeyRef {
    const char* data = nullptr;
    uint32_t size = 0;
  };
  /// ProbeTuples() for window parts: probe_words_ rows are [NULL mask, GROUP BY words...]
  /// (tuple_width_ - 2 words), the bounds of row i are starts[i] and ends[i]. kSub: the number of
  /// GROUP BY words when fixed at compile time (0 or 1), kAnySub otherwise.
  static constexpr size_t kAnySub = ~size_t{0};
  /// kDirect (kSub 1 only): the GROUP BY word of row i is direct[gather[i]] (direct[i] when gather
  /// is null) and no key is NULL; probe_words_ is not read.
  template <size_t kSub, bool kDirect>
  void ProbeWindowParts(const int64_t* starts, const int64_t* ends, size_t n,
                        const uint64_t* direct, const int32_t* gather, uint32_t* out,
                        std::vector<uint32_t>* new_groups, std::vector<uint32_t>* new_rows);
  void ProbeWindowParts(const int64_t* starts, const int64_t* ends, size_t n, uint32_t* out,
                        std::vector<uint32_t>* new_groups, std::vector<uint32_t>* new_rows);
  /// The part of a key prefix, created when missing.
  uint32_t PartOf(const Prefix& prefix);
  /// Makes room in the part for one more key.
  void GrowPart(uint32_t part);
  /// Indexes stored tuple `id` (Deserialize).
  void PartInsert(uint32_t id);
  /// Removes id from its part (backward-shift deletion); an emptied part is dropped.
  void PartErase(uint32_t id);
  /// Forgets every key of the part and puts it on the free list (its slots are kept for reuse while
  /// few parts are free).
  void DropPart(uint32_t part);

  // Window parts over encoded keys: a window table whose GROUP BY keys include strings (general
  // mode, e.g. q8's GROUP BY id, name, TUMBLE(...)) keeps the same per-window parts over the
  // EncodeRow bytes of the GROUP BY columns; the bounds' bytes are the same for every key of a
  // part, so they are neither stored nor hashed, and Serialize() rebuilds the full EncodeRow bytes
  // (the serialized form) from the part's prefix. The keys live back to back in their part's arena
  // (Part::blocks, key_ref_ per id) instead of general_keys_ and general_map_ (both unused): a
  // batch's keys are encoded into one presized buffer and compared in place, a new key is one copy
  // into the arena, and a closing window frees all its keys at once. Keys erased singly leave their
  // bytes in the arena until the window's part is dropped (unless they were the last ones added).
  /// How one key column is encoded (EncodeRow's bytes, per row without type dispatch).
  struct EncodedColumn {
    enum class Kind : uint8_t { kString, kBool, kRaw, kFloat32, kFloat64 } kind = Kind::kRaw;
    uint8_t width = 0;  // kRaw: bytes per value
    const columnar::Array* array = nullptr;
    const uint8_t* values = nullptr;   // fixed width: the values (offset applied)
    const int32_t* offsets = nullptr;  // kString: offsets (offset applied) into `data`
    const char* data = nullptr;
    bool has_nulls = false;
  };
  /// True when every key column can be encoded by EncodedColumn (no nested types).
  bool IsGeneralWindowTable() const;
  /// Writes row `row` of `c` in EncodeRow's encoding at `out` (room checked by the caller);
  /// returns the end of what it wrote.
  static char* EncodeValue(const EncodedColumn& c, int64_t row, char* out);
  /// Probes n rows: window bounds from bound(i, &start, &end) (returns the NULL mask of the bounds,
  /// bit 0 start, bit 1 end), GROUP BY key columns `cols` read at row src[i] (i when src is null).
  template <typename Bounds>
  void ProbeEncodedWindows(size_t n, Bounds bound, std::span<const EncodedColumn> cols,
                           const int32_t* src, uint32_t* out, std::vector<uint32_t>* new_groups,
                           std::vector<uint32_t>* new_rows);
  /// The encoders of a batch's key columns (in encoded_columns_, valid until the next call).
  std::span<const EncodedColumn> EncodedColumns(std::span<const columnar::ArrayPtr> keys);
  /// Indexes general_keys_[id] in its window's part (Deserialize); false when the bounds do not
  /// decode.
  bool EncodedPartInsert(uint32_t id, std::string_view key);
  /// The encoded key of general-mode id `id` (general_keys_; not for window_encoded_ tables,
  /// whose arena holds only the GROUP BY bytes: see EncodedKey).
  std::string_view GeneralKey(uint32_t id) const;
  /// The GROUP BY bytes of encoded-part id `id` (its key without the bounds).
  std::string_view EncodedKey(uint32_t id) const {
    return std::string_view(key_ref_[id].data, key_ref_[id].size);
  }
  /// EncodeRow's bytes of a window bound pair, rebuilt from a part's prefix into out[0, 18);
  /// returns their length.
  static size_t EncodeBounds(const Prefix& prefix, char* out);
  /// Room for `len` more key bytes in the part's arena (a new block when the current one is full);
  /// writable for 8 more bytes past them (keys are copied in whole words).
  char* ArenaAppend(Part& part, size_t len);
  /// GetKeys() of an encoded-parts table: columns decoded from the arena (bounds from the parts'
  /// prefixes) straight into presized buffers.
  Result<std::vector<columnar::ArrayPtr>> GetEncodedKeys(std::span<const uint32_t> groups,
                                                         size_t first_column) const;

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

  // Window parts (see Prefix above).
  bool window_keys_ = false;     // constructor flag
  bool window_parts_ = false;    // window_keys_ and the key types allow it (tuple mode)
  bool window_encoded_ = false;  // window_keys_ and general mode with encodable keys
  std::vector<Part> parts_;
  absl::flat_hash_map<Prefix, uint32_t> part_index_;  // live parts by prefix
  std::vector<uint32_t> free_parts_;                  // dropped parts, reused LIFO
  size_t part_size_hint_ = 0;                         // keys a new part is sized for (see PartOf)
  size_t part_bytes_hint_ = 0;         // encoded parts: key bytes a new part's arena is sized for
  std::vector<uint32_t> tuple_part_;   // per id: its part
  std::vector<KeyRef> key_ref_;        // encoded parts, per id: its key's bytes
  std::vector<size_t> probe_key_end_;  // encoded probe scratch: row i's key end
  std::vector<uint32_t> probe_part_;   // FindOrInsert scratch: row → part
  std::vector<uint32_t> erase_mark_;   // EraseMany scratch, per part
  std::vector<uint32_t> erase_ids_;    // EraseMany scratch: the ids erased
  std::vector<EncodedColumn> encoded_columns_;  // EncodedColumns scratch
};

}  // namespace laminar::function
