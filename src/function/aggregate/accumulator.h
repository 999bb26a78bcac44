#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/array.h"
#include "common/result.h"

namespace laminar::function {

using columnar::DataTypePtr;

/// Incremental state of one aggregate call (e.g. `SUM(price)`) for many groups at once. One
/// instance per aggregate call per operator; groups are dense ids handed out by a GroupTable.
///
/// Lifecycle: created empty by ResolvedAggregate::factory; Resize() before using new group ids;
/// Update() once per input batch; Finalize() whenever results are emitted (it does not consume
/// state, so ON UPDATE emission can finalize repeatedly); Reset() when a group id is recycled.
/// Durability: Serialize()/Deserialize() are the checkpoint format of one group's state:
/// little-endian, byte-stable (serialize(deserialize(x)) == x), versioned by the operator.
/// Threading: not thread-safe; owned by one operator on one compute thread.
class Accumulator {
 public:
  virtual ~Accumulator() = default;
  /// Grows (or shrinks) the number of groups; groups [old, num_groups) start empty.
  virtual void Resize(uint32_t num_groups) = 0;
  /// args: argument columns (already evaluated); group_ids[i] for row i; weights: nullptr = +1
  /// for every row, else Z-set weights (+1 insert, -1 retract; may be any int64); filter:
  /// nullptr or per-row 0/1 bytes (FILTER (WHERE ..)).
  virtual Status Update(std::span<const columnar::ArrayPtr> args, const uint32_t* group_ids,
                        int64_t num_rows, const int64_t* weights, const uint8_t* filter) = 0;
  /// Returns the error Update would fail with on these inputs because of their values (e.g.
  /// JSON_OBJECT_AGG's NULL key), without changing any state, so callers can reject a batch
  /// before they apply any of it. Arguments as for Update. Default: nothing to check.
  virtual Status Check(std::span<const columnar::ArrayPtr> /*args*/, int64_t /*num_rows*/,
                       const uint8_t* /*filter*/) const {
    return Status::OK();
  }
  /// false → Update with negative weights returns an error.
  virtual bool SupportsRetract() const = 0;
  /// Folds `other`'s state of `src_group` into `dst_group` (same function and types).
  virtual Status Merge(uint32_t dst_group, const Accumulator& other, uint32_t src_group) = 0;
  /// Back to empty (the group id is about to be reused, e.g. after a window closed).
  virtual void Reset(uint32_t group) = 0;
  /// Reset() of many groups at once (a closing window frees all its groups): one virtual call.
  virtual void ResetMany(std::span<const uint32_t> groups) {
    for (uint32_t g : groups) Reset(g);
  }
  /// One value per listed group, in order.
  virtual Result<columnar::ArrayPtr> Finalize(std::span<const uint32_t> groups) const = 0;
  /// Appends the group's state (byte-stable, little-endian).
  virtual void Serialize(uint32_t group, std::string* out) const = 0;
  /// Replaces the group's state with bytes consumed from the front of *in; corrupt input →
  /// Status::Corruption.
  virtual Status Deserialize(uint32_t group, std::string_view* in) = 0;
  /// A fresh accumulator of the same function and types, with no groups.
  virtual std::unique_ptr<Accumulator> CloneEmpty() const = 0;
  /// Approximate heap bytes held.
  virtual int64_t MemoryUsage() const = 0;
};

/// An aggregate call resolved against argument types: what the planner needs to build the
/// aggregate operator.
struct ResolvedAggregate {
  std::string name;                      // canonical function name (lower case)
  std::vector<DataTypePtr> param_types;  // exact argument types (the binder casts to these)
  DataTypePtr return_type;
  bool retractable = false;  // Update accepts negative weights
  std::function<std::unique_ptr<Accumulator>()> factory;
};

}  // namespace laminar::function
