#pragma once

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/builder.h"
#include "common/macros.h"
#include "function/aggregate/accumulator.h"
#include "function/kernel.h"

namespace laminar::function::internal {

// Little-endian fixed-width encoding of accumulator state (the host is little-endian: x86-64 and
// AArch64 Linux; a static_assert guards the assumption).
static_assert(std::endian::native == std::endian::little, "state encoding assumes little endian");

template <typename T>
inline void PutRaw(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <typename T>
inline bool GetRaw(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}
inline void PutString(std::string* out, std::string_view s) {
  PutRaw<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}
inline bool GetString(std::string_view* in, std::string* s) {
  uint32_t len = 0;
  if (!GetRaw(in, &len) || in->size() < len) return false;
  s->assign(in->data(), len);
  in->remove_prefix(len);
  return true;
}

/// An Accumulator built from an `Ops` policy that describes one aggregate: its per-group
/// `State`, how a row folds into it (`Add`, inlined into the update loop — no per-row virtual
/// call), `Merge`, `Finalize` into the result builder, and the state encoding.
template <typename Ops>
class GenericAccumulator final : public Accumulator {
 public:
  using State = typename Ops::State;
  explicit GenericAccumulator(Ops ops) : ops_(std::move(ops)) {}

  void Resize(uint32_t num_groups) override { states_.resize(num_groups); }

  Status Check(std::span<const columnar::ArrayPtr> args, int64_t num_rows,
               const uint8_t* filter) const override {
    if constexpr (requires(const Ops& o) { o.Check(args, num_rows, filter); }) {
      return ops_.Check(args, num_rows, filter);
    } else {
      return Status::OK();
    }
  }

  Status Update(std::span<const columnar::ArrayPtr> args, const uint32_t* group_ids,
                int64_t num_rows, const int64_t* weights, const uint8_t* filter) override {
    if constexpr (requires(Ops & o) { o.BeginUpdate(weights); }) ops_.BeginUpdate(weights);
    auto reader = ops_.Prepare(args);
    const columnar::Array* nullable[4] = {nullptr, nullptr, nullptr, nullptr};
    int num_nullable = 0;
    if constexpr (Ops::kSkipNulls) {
      for (const auto& a : args) {
        if (num_nullable < 4 &&
            (a->type_id() == TypeId::kNull || (a->null_count() != 0 && a->validity() != nullptr))) {
          nullable[num_nullable++] = a.get();
        }
      }
    }
    if constexpr (!requires(const State& s) { ops_.PrefetchAddress(s, reader, 0); }) {
      if constexpr (requires(State & s) { ops_.AddRun(s, reader, 0, 1); }) {
        if (filter == nullptr && weights == nullptr && num_nullable == 0 && num_rows > 1 &&
            group_ids[0] == group_ids[num_rows - 1]) {
          // Probably long runs of one group (no GROUP BY keys): one AddRun per run. Correct for
          // any ids; only slower than the per-row loop when the runs are short.
          for (int64_t i = 0; i < num_rows;) {
            const uint32_t g = group_ids[i];
            int64_t j = i + 1;
            while (j < num_rows && group_ids[j] == g) ++j;
            LAMINAR_DCHECK(g < states_.size());
            LAMINAR_RETURN_NOT_OK(ops_.AddRun(states_[g], reader, i, j));
            i = j;
          }
          return Status::OK();
        }
      }
      if (filter == nullptr && weights == nullptr && num_nullable == 0) {
        // The common batch (no FILTER, no weights, no NULL arguments): one Add per row, the
        // group's state fetched kStateAhead rows ahead (many groups: a cache miss per row).
        for (int64_t i = 0; i < num_rows; ++i) {
          if (i + kStateAhead < num_rows) __builtin_prefetch(&states_[group_ids[i + kStateAhead]]);
          LAMINAR_DCHECK(group_ids[i] < states_.size());
          LAMINAR_RETURN_NOT_OK(ops_.Add(states_[group_ids[i]], reader, i, 1));
        }
        return Status::OK();
      }
    }
    for (int64_t i = 0; i < num_rows; ++i) {
      if constexpr (requires(const State& s) { ops_.PrefetchAddress(s, reader, i); }) {
        // Per-group states with heap data (DISTINCT hash tables) miss the cache on every row
        // when there are many groups: touch the state header kStateAhead rows ahead, then the
        // slot the value lands in kPrefetchAhead rows ahead (its address needs the header).
        // The prefetch is issued here, not inside Ops: g++ 12 drops a call whose only effect
        // is __builtin_prefetch.
        if (i + kStateAhead < num_rows) {
          __builtin_prefetch(&states_[group_ids[i + kStateAhead]]);
        }
        if (i + kPrefetchAhead < num_rows && (!filter || filter[i + kPrefetchAhead])) {
          const int64_t j = i + kPrefetchAhead;
          if (const void* p = ops_.PrefetchAddress(states_[group_ids[j]], reader, j)) {
            __builtin_prefetch(p);
          }
        }
      }
      if (filter && !filter[i]) continue;
      const int64_t w = weights ? weights[i] : 1;
      if (w == 0) continue;
      if (!Ops::kRetractable && w < 0) {
        return Status::Invalid(
            fmt::format("Cannot compute {} over a changelog input: it cannot retract rows",
                        Ops::kName),
            ErrorCode::kQueryExecutionFailed);
      }
      if constexpr (Ops::kSkipNulls) {
        bool null = false;
        for (int k = 0; k < num_nullable; ++k) null = null || nullable[k]->IsNull(i);
        if (null) continue;
      }
      LAMINAR_DCHECK(group_ids[i] < states_.size());
      LAMINAR_RETURN_NOT_OK(ops_.Add(states_[group_ids[i]], reader, i, w));
    }
    return Status::OK();
  }

  bool SupportsRetract() const override { return Ops::kRetractable; }

  Status Merge(uint32_t dst_group, const Accumulator& other, uint32_t src_group) override {
    const auto* o = dynamic_cast<const GenericAccumulator<Ops>*>(&other);
    if (!o) return Status::Invalid("Merge of different aggregate functions");
    return ops_.Merge(states_[dst_group], o->states_[src_group]);
  }

  void Reset(uint32_t group) override { states_[group] = State{}; }

  void ResetMany(std::span<const uint32_t> groups) override {
    for (uint32_t g : groups) states_[g] = State{};
  }

  Result<columnar::ArrayPtr> Finalize(std::span<const uint32_t> groups) const override {
    auto holder = columnar::MakeBuilder(ops_.return_type);
    auto* b = static_cast<typename Ops::Builder*>(holder.get());
    b->Reserve(static_cast<int64_t>(groups.size()));
    const size_t n = groups.size();
    for (size_t k = 0; k < n; ++k) {
      // Emitted groups are scattered over states_: fetch the state a few groups ahead.
      if (k + kStateAhead < n) __builtin_prefetch(&states_[groups[k + kStateAhead]]);
      LAMINAR_RETURN_NOT_OK(ops_.Finalize(states_[groups[k]], b));
    }
    return b->Finish();
  }

  void Serialize(uint32_t group, std::string* out) const override {
    ops_.Serialize(states_[group], out);
  }

  Status Deserialize(uint32_t group, std::string_view* in) override {
    State s{};
    if (!ops_.Deserialize(&s, in)) {
      return Status::Corruption(fmt::format("corrupt {} aggregate state", Ops::kName));
    }
    states_[group] = std::move(s);
    return Status::OK();
  }

  std::unique_ptr<Accumulator> CloneEmpty() const override {
    return std::make_unique<GenericAccumulator<Ops>>(ops_);
  }

  int64_t MemoryUsage() const override {
    int64_t total = static_cast<int64_t>(states_.capacity() * sizeof(State));
    if constexpr (requires(const State& s) { Ops::HeapBytes(s); }) {
      for (const auto& s : states_) total += Ops::HeapBytes(s);
    }
    return total;
  }

  /// Direct state access (tests, property checks).
  const State& state(uint32_t group) const { return states_[group]; }

 private:
  // Prefetch distances in rows (Update) or groups (Finalize): far enough ahead to cover a
  // memory miss, short enough that the lines are still cached when the row is reached.
  static constexpr int64_t kStateAhead = 16;
  static constexpr int64_t kPrefetchAhead = 8;

  Ops ops_;
  std::vector<State> states_;
};

/// Wraps an Ops value into an accumulator factory.
template <typename Ops>
std::function<std::unique_ptr<Accumulator>()> MakeFactory(Ops ops) {
  return [ops]() -> std::unique_ptr<Accumulator> {
    return std::make_unique<GenericAccumulator<Ops>>(ops);
  };
}

}  // namespace laminar::function::internal
