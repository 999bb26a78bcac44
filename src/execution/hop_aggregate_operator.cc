#include "execution/hop_aggregate_operator.h"

#include <algorithm>
#include <map>

#include "columnar/builder.h"
#include "common/time_util.h"
#include "execution/aggregate_state.h"
#include "execution/state_codec.h"
#include "function/aggregate/accumulator.h"
#include "function/aggregate/group_table.h"

namespace laminar::execution {

using columnar::ArrayPtr;
using columnar::RecordBatch;
namespace fn = laminar::function;

namespace {

// Image: u32 magic "LHOP", u8 version=1,
//   u32 num_keys  u32 num_aggs  u32 num_output_columns        (shape, checked on restore)
//   i64 watermark  i64 closed_limit  u64 late_dropped  u64 next_seq  u32 num_groups
//   blob group_table                              (GroupTable::Serialize, u32 length prefix)
//   num_aggs x blob                               (Accumulator::Serialize of groups 0..n-1)
//   num_groups x {i64 rows, u64 first_seq}
//   u32 n_slices x {i64 start, u32 n, n x u32 group}          (slices in time order)
constexpr uint32_t kHopSnapshotMagic = 0x504f484c;  // "LHOP"
constexpr uint8_t kHopSnapshotVersion = 1;
constexpr size_t kGroupRecordBytes = 16;

}  // namespace

struct HopSliceAggregateOperator::State {
  AggregateOptions options;
  sql::TimeWindow window;
  SchemaPtr output_schema;
  int num_keys = 0;
  int64_t windows_per_slice = 0;  // size / slide: the windows holding one slice
  std::vector<std::unique_ptr<fn::CompiledExpression>> key_exprs;
  std::unique_ptr<fn::CompiledExpression> time_expr;
  using Agg = CompiledAggregate;
  std::vector<Agg> aggs;
  std::vector<columnar::DataTypePtr> key_types;  // the GROUP BY keys only
  // Groups of (slice, keys): the table's keys are [slice_start, slice_end, keys...].
  std::unique_ptr<fn::GroupTable> table;
  uint32_t num_groups = 0;          // accumulators and the arrays below sized to this
  std::vector<int64_t> group_rows;  // net weight of the group's rows
  std::vector<uint64_t> group_seq;  // input position of the group's first row (output order)
  std::map<int64_t, std::vector<uint32_t>> slices;  // slice start → its groups, in creation order
  int64_t watermark = INT64_MIN;
  int64_t closed_limit = INT64_MIN;  // every window ending at or before it has been emitted
  uint64_t late_dropped = 0;
  uint64_t next_seq = 0;  // input rows seen (positions for group_seq)
  std::string description;
  // Built with the operator; once an AggregateOperator image was restored into it
  // (use_legacy), it runs the query from then on.
  std::unique_ptr<AggregateOperator> legacy;
  bool use_legacy = false;

  // Process() scratch, kept across batches.
  std::vector<int64_t> starts, ends;
  std::vector<int32_t> rows;
  std::vector<uint32_t> ids, new_groups, new_rows;

  int64_t size() const { return window.size; }
  int64_t slide() const { return window.slide; }

  void EnsureGroups(uint32_t n) {
    if (n <= num_groups) return;
    num_groups = n;
    for (auto& a : aggs) a.acc->Resize(n);
    group_rows.resize(n, 0);
    group_seq.resize(n, 0);
  }

  // Windows holding a row of the slice starting at `lo` that have closed at `wm` (a closed
  // window ends at or before wm - lateness); 0 for an on-time row.
  int64_t ClosedWindowsOf(int64_t lo, int64_t wm) const {
    const int64_t lateness = options.allowed_lateness;
    int64_t closed = 0;
    for (int64_t k = 0; k < windows_per_slice; ++k) {
      const int64_t start = lo - k * slide();
      if (start + size() + lateness <= wm) ++closed;
    }
    return closed;
  }

  // The merged rows of window [start, start + size): one per group with rows, ordered by its
  // first row in the window. Null when the window holds no such group.
  Result<RecordBatchPtr> WindowRows(int64_t start, fn::GroupTable* merge_table) const {
    std::vector<uint32_t> src;
    for (auto it = slices.lower_bound(start); it != slices.end() && it->first < start + size();
         ++it) {
      src.insert(src.end(), it->second.begin(), it->second.end());
    }
    if (src.empty()) return RecordBatchPtr();
    std::vector<uint32_t> out_ids;
    uint32_t num_out = 1;
    if (num_keys > 0) {
      LAMINAR_ASSIGN_OR_RETURN(auto keys, table->GetKeys(src, 2));
      merge_table->Clear();
      LAMINAR_RETURN_NOT_OK(
          merge_table->FindOrInsert(keys, static_cast<int64_t>(src.size()), &out_ids));
      num_out = merge_table->num_groups();
    } else {
      out_ids.assign(src.size(), 0);
    }
    std::vector<int64_t> rows_out(num_out, 0);
    std::vector<uint64_t> seq_out(num_out, UINT64_MAX);
    for (size_t i = 0; i < src.size(); ++i) {
      // Wrapping: restored counts are bounded by 2^62, but many slices could still add past it.
      rows_out[out_ids[i]] = static_cast<int64_t>(static_cast<uint64_t>(rows_out[out_ids[i]]) +
                                                  static_cast<uint64_t>(group_rows[src[i]]));
      seq_out[out_ids[i]] = std::min(seq_out[out_ids[i]], group_seq[src[i]]);
    }
    std::vector<uint32_t> live;
    for (uint32_t o = 0; o < num_out; ++o) {
      if (rows_out[o] > 0) live.push_back(o);
    }
    if (live.empty()) return RecordBatchPtr();
    std::sort(live.begin(), live.end(),
              [&](uint32_t a, uint32_t b) { return seq_out[a] < seq_out[b]; });
    std::vector<ArrayPtr> cols;
    if (num_keys > 0) {
      LAMINAR_ASSIGN_OR_RETURN(auto keys, merge_table->GetKeys(live));
      for (auto& k : keys) cols.push_back(std::move(k));
    }
    const auto n = static_cast<int64_t>(live.size());
    cols.push_back(columnar::MakeTimestampArray(std::vector<int64_t>(live.size(), start)));
    cols.push_back(columnar::MakeTimestampArray(std::vector<int64_t>(live.size(), start + size())));
    for (const auto& a : aggs) {
      auto merged = a.acc->CloneEmpty();
      merged->Resize(num_out);
      for (size_t i = 0; i < src.size(); ++i) {
        LAMINAR_RETURN_NOT_OK(merged->Merge(out_ids[i], *a.acc, src[i]));
      }
      LAMINAR_ASSIGN_OR_RETURN(auto values, merged->Finalize(live));
      cols.push_back(std::move(values));
    }
    return std::make_shared<const RecordBatch>(output_schema, n, std::move(cols));
  }

  // Forgets the slice starting at `start` (its last window has closed).
  void DropSlice(std::map<int64_t, std::vector<uint32_t>>::iterator it) {
    const auto& groups = it->second;
    for (auto& a : aggs) a.acc->ResetMany(groups);
    for (uint32_t g : groups) group_rows[g] = 0;
    table->EraseMany(groups).IgnoreError();
    slices.erase(it);
  }
};

bool HopSliceAggregateOperator::Applies(const sql::PlanNode& node,
                                        const AggregateOptions& options) {
  const auto& w = node.window;
  if (w.kind != sql::WindowKind::kHop || w.slide <= 0 || w.size <= w.slide ||
      w.size % w.slide != 0) {
    return false;
  }
  if (options.emit != EmitMode::kOnClose || options.emit_interval != 0 || options.emit_keys) {
    return false;
  }
  for (const auto& call : node.aggregates) {
    if (call.distinct) return false;
    if (call.function == "count") continue;
    if (call.args.size() != 1 || !call.args[0]->type) return false;
    const auto& t = *call.args[0]->type;
    if (call.function == "sum" || call.function == "avg") {
      // Integer and decimal sums are exact in any order; floating-point ones are not.
      if (!t.is_integer() && t.id() != columnar::TypeId::kDecimal128) return false;
    } else if (call.function == "min" || call.function == "max") {
      // Floating-point -0.0 / NaN resolve by arrival order, which merging slices changes.
      if (t.is_floating() || t.is_nested()) return false;
    } else {
      return false;
    }
  }
  return true;
}

Result<std::unique_ptr<HopSliceAggregateOperator>> HopSliceAggregateOperator::Make(
    const sql::PlanNode& node, AggregateOptions options) {
  if (!Applies(node, options)) {
    return Status::Invalid("HopSliceAggregateOperator: not a sliceable HOP aggregate");
  }
  auto op = std::unique_ptr<HopSliceAggregateOperator>(new HopSliceAggregateOperator());
  op->state_ = std::make_unique<State>();
  State& s = *op->state_;
  s.options = options;
  s.window = node.window;
  s.output_schema = node.schema;
  s.num_keys = static_cast<int>(node.group_exprs.size());
  s.windows_per_slice = s.size() / s.slide();
  std::vector<columnar::DataTypePtr> table_types{columnar::timestamp(), columnar::timestamp()};
  for (const auto& e : node.group_exprs) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(e));
    s.key_exprs.push_back(std::move(c));
    s.key_types.push_back(e->type);
    table_types.push_back(e->type);
  }
  s.table = std::make_unique<fn::GroupTable>(table_types, /*window_keys=*/true);
  LAMINAR_ASSIGN_OR_RETURN(s.time_expr, fn::CompiledExpression::Compile(node.window.time_expr));
  for (const auto& call : node.aggregates) {
    LAMINAR_ASSIGN_OR_RETURN(auto a, CompileAggregate(call));
    s.aggs.push_back(std::move(a));
  }
  // The operator an AggregateOperator image restores into (built now: the plan node does not
  // outlive Make()).
  LAMINAR_ASSIGN_OR_RETURN(s.legacy, AggregateOperator::Make(node, options));
  s.description =
      s.legacy->Describe() + ", in " + std::to_string(s.windows_per_slice) + " slices per window";
  return op;
}

HopSliceAggregateOperator::~HopSliceAggregateOperator() = default;

Status HopSliceAggregateOperator::Process(const Delta& input, std::vector<Delta>* output) {
  State& s = *state_;
  if (s.use_legacy) return s.legacy->Process(input, output);
  const RecordBatch& batch = *input.batch;
  const int64_t n = batch.num_rows();
  if (n == 0) return Status::OK();
  std::vector<ArrayPtr> keys;
  for (auto& k : s.key_exprs) {
    LAMINAR_ASSIGN_OR_RETURN(auto col, k->Evaluate(batch));
    keys.push_back(std::move(col));
  }
  LAMINAR_ASSIGN_OR_RETURN(auto ts_col, s.time_expr->Evaluate(batch));
  const int64_t* ts = ts_col->values<int64_t>();
  const bool ts_nulls = ts_col->null_count() != 0 && ts_col->validity() != nullptr;
  const int64_t size = s.size(), slide = s.slide(), offset = s.window.offset;
  const int64_t lateness = s.options.allowed_lateness;
  const int64_t watermark = s.watermark;
  const bool check_late = watermark != INT64_MIN;
  // The oldest window holding a slice starts (windows_per_slice - 1) slides before it.
  const int64_t reach = (s.windows_per_slice - 1) * slide;
  s.starts.resize(static_cast<size_t>(n));
  s.ends.resize(static_cast<size_t>(n));
  s.rows.resize(static_cast<size_t>(n));
  int64_t* starts = s.starts.data();
  int64_t* ends = s.ends.data();
  int32_t* rows = s.rows.data();
  size_t count = 0;
  uint64_t late = 0;
  int64_t lo = 0, hi = 0;
  bool have_slice = false;
  for (int64_t r = 0; r < n; ++r) {
    if (ts_nulls && ts_col->IsNull(r)) continue;
    const int64_t t = ts[r];
    if (!have_slice || t < lo || t >= hi) {
      lo = FloorDiv(t - offset, slide) * slide + offset;
      hi = lo + slide;
      have_slice = true;
    }
    if (check_late && lo - reach + size + lateness <= watermark) {
      // Some window holding the row has closed: it counts as late there, as it does in
      // AggregateOperator; when every one has closed the row is dropped.
      const int64_t closed = s.ClosedWindowsOf(lo, watermark);
      late += static_cast<uint64_t>(closed);
      if (closed == s.windows_per_slice) continue;
    }
    rows[count] = static_cast<int32_t>(r);
    starts[count] = lo;
    ends[count] = hi;
    ++count;
  }
  s.late_dropped += late;
  const uint64_t seq0 = s.next_seq;
  s.next_seq += static_cast<uint64_t>(n);
  if (count == 0) return Status::OK();
  const bool identity = static_cast<int64_t>(count) == n;
  const auto m = static_cast<int64_t>(count);
  // Aggregate inputs first: a failing expression drops the batch before any state changes.
  LAMINAR_ASSIGN_OR_RETURN(
      const AggregateInputs agg_inputs,
      EvaluateAggregateInputs(
          s.aggs, batch,
          identity ? std::span<const int32_t>() : std::span<const int32_t>(rows, count), m));
  s.new_groups.clear();
  s.new_rows.clear();
  const uint32_t before = s.table->num_groups();
  LAMINAR_RETURN_NOT_OK(s.table->FindOrInsertWindowed(
      std::span<const int64_t>(starts, count), std::span<const int64_t>(ends, count), keys,
      identity ? nullptr : rows, &s.ids, &s.new_groups, &s.new_rows));
  s.EnsureGroups(std::max(s.table->num_groups(), before));
  std::vector<uint32_t>* last_list = nullptr;
  int64_t last_start = 0;
  for (size_t j = 0; j < s.new_groups.size(); ++j) {
    const uint32_t g = s.new_groups[j];
    const size_t i = s.new_rows[j];
    if (last_list == nullptr || starts[i] != last_start) {
      last_list = &s.slices[starts[i]];
      last_start = starts[i];
    }
    last_list->push_back(g);
    s.group_rows[g] = 0;
    s.group_seq[g] = seq0 + static_cast<uint64_t>(identity ? i : static_cast<size_t>(rows[i]));
  }
  std::vector<int64_t> weights;
  const int64_t* wptr = nullptr;
  if (input.has_weights()) {
    weights.resize(count);
    for (size_t i = 0; i < count; ++i) {
      weights[i] = input.weights[identity ? i : static_cast<size_t>(rows[i])];
    }
    wptr = weights.data();
  }
  int64_t* group_rows = s.group_rows.data();
  const uint32_t* ids = s.ids.data();
  for (int64_t i = 0; i < m; ++i) group_rows[ids[i]] += wptr ? wptr[i] : 1;
  LAMINAR_RETURN_NOT_OK(ApplyAggregates(s.aggs, agg_inputs, ids, m, wptr));
  (void)output;  // windows publish when they close
  return Status::OK();
}

Status HopSliceAggregateOperator::AdvanceWatermark(int64_t watermark, std::vector<Delta>* output) {
  State& s = *state_;
  if (s.use_legacy) return s.legacy->AdvanceWatermark(watermark, output);
  // As AggregateOperator: a time column trailing the watermark can still bring older rows.
  if (s.window.time_bound.known()) {
    watermark = std::min(watermark, s.window.time_bound.LowerBound(watermark));
  }
  if (watermark <= s.watermark) return Status::OK();
  s.watermark = watermark;
  const int64_t limit = watermark - s.options.allowed_lateness;
  if (s.slices.empty()) {
    s.closed_limit = std::max(s.closed_limit, limit);
    return Status::OK();
  }
  // The windows closing now: those ending in (closed_limit, limit] that hold a slice. Window
  // starts lie on the slice grid; the first one that can hold the oldest slice starts
  // size / slide - 1 slides before it. Walking the grid from there (past the windows already
  // emitted), a window without a slice jumps to the first window of the next slice, so the walk
  // costs one step per closing window or live slice, not per slice and window it holds.
  const int64_t slide = s.slide(), size = s.size();
  const int64_t reach = (s.windows_per_slice - 1) * slide;
  // The first window on the grid from `first` on that has not been emitted yet.
  auto unemitted = [&](int64_t first) {
    if (first + size > s.closed_limit) return first;
    return first + ((s.closed_limit - (first + size)) / slide + 1) * slide;
  };
  int64_t start = unemitted(s.slices.begin()->first - reach);
  const int64_t last_slice = s.slices.rbegin()->first;
  std::vector<int64_t> closing;
  while (start <= last_slice && start + size <= limit) {
    const auto it = s.slices.lower_bound(start);  // exists: start <= last_slice
    if (it->first >= start + size) {
      // No slice in this window: on to the next slice's first window. (Those are never emitted
      // already while an earlier slice is still live; unemitted() keeps it so regardless.)
      start = unemitted(it->first - reach);
      continue;
    }
    closing.push_back(start);
    start += slide;
  }
  std::vector<RecordBatchPtr> batches;
  if (!closing.empty()) {
    std::unique_ptr<fn::GroupTable> merge_table;
    if (s.num_keys > 0) merge_table = std::make_unique<fn::GroupTable>(s.key_types);
    for (int64_t w : closing) {
      LAMINAR_ASSIGN_OR_RETURN(auto rows, s.WindowRows(w, merge_table.get()));
      if (rows) batches.push_back(std::move(rows));
    }
  }
  // A slice's last window starts with it: once that has closed, nothing reads the slice.
  while (!s.slices.empty() && s.slices.begin()->first + size <= limit) {
    s.DropSlice(s.slices.begin());
  }
  s.closed_limit = std::max(s.closed_limit, limit);
  if (batches.empty()) return Status::OK();
  // One batch for every window closed by this watermark, as AggregateOperator publishes.
  Delta d;
  LAMINAR_ASSIGN_OR_RETURN(d.batch, columnar::Concatenate(batches));
  output->push_back(std::move(d));
  return Status::OK();
}

Status HopSliceAggregateOperator::Snapshot(std::string* out) const {
  const State& s = *state_;
  if (s.use_legacy) return s.legacy->Snapshot(out);
  StateWriter w(out);
  w.Put(kHopSnapshotMagic);
  w.Put(kHopSnapshotVersion);
  w.Put(static_cast<uint32_t>(s.num_keys));
  w.Put(static_cast<uint32_t>(s.aggs.size()));
  w.Put(static_cast<uint32_t>(s.output_schema->num_fields()));
  w.Put(s.watermark);
  w.Put(s.closed_limit);
  w.Put(s.late_dropped);
  w.Put(s.next_seq);
  w.Put(s.num_groups);
  size_t at = w.BeginLength();
  s.table->Serialize(out);
  w.FinishLength(at);
  WriteAccumulators(s.aggs, s.num_groups, &w, out);
  for (uint32_t g = 0; g < s.num_groups; ++g) {
    w.Put(s.group_rows[g]);
    w.Put(s.group_seq[g]);
  }
  w.Put(static_cast<uint32_t>(s.slices.size()));
  for (const auto& [start, groups] : s.slices) {
    w.Put(start);
    w.Put(static_cast<uint32_t>(groups.size()));
    for (uint32_t g : groups) w.Put(g);
  }
  return Status::OK();
}

Status HopSliceAggregateOperator::Restore(std::string_view in) {
  State& s = *state_;
  auto corrupt = [&s](const std::string& what) {
    return Status::Corruption("HOP aggregate state snapshot (" + s.description + "): " + what);
  };
  StateReader r(in);
  uint32_t magic = 0;
  if (!r.Get(&magic)) return corrupt("bad magic");
  if (magic == kAggregateSnapshotMagic) {
    // Taken while the query ran as an AggregateOperator (before slicing existed): it goes on
    // as one.
    LAMINAR_RETURN_NOT_OK(s.legacy->Restore(in));
    s.use_legacy = true;
    return Status::OK();
  }
  if (magic != kHopSnapshotMagic) return corrupt("bad magic");
  uint8_t version = 0;
  uint32_t num_keys = 0, num_aggs = 0, ncols = 0, num_groups = 0;
  if (!r.Get(&version) || version != kHopSnapshotVersion) {
    return corrupt("unsupported version " + std::to_string(version));
  }
  if (!r.Get(&num_keys) || !r.Get(&num_aggs) || !r.Get(&ncols)) return corrupt("truncated header");
  if (num_keys != static_cast<uint32_t>(s.num_keys) || num_aggs != s.aggs.size() ||
      ncols != static_cast<uint32_t>(s.output_schema->num_fields())) {
    return corrupt("it was taken from a differently shaped query");
  }
  int64_t watermark = 0, closed_limit = 0;
  uint64_t late_dropped = 0, next_seq = 0;
  if (!r.Get(&watermark) || !r.Get(&closed_limit) || !r.Get(&late_dropped) || !r.Get(&next_seq) ||
      !r.Get(&num_groups)) {
    return corrupt("truncated header");
  }
  if (num_groups > r.remaining() / kGroupRecordBytes) return corrupt("group count too large");
  std::unique_ptr<fn::GroupTable> table;
  std::vector<std::unique_ptr<fn::Accumulator>> accs;
  {
    Status st = ReadGroupState(&r, *s.table, s.aggs, num_groups, true, &table, &accs);
    if (!st.ok()) return corrupt(st.message());
  }
  std::vector<int64_t> group_rows(num_groups);
  std::vector<uint64_t> group_seq(num_groups);
  for (uint32_t g = 0; g < num_groups; ++g) {
    if (!r.Get(&group_rows[g]) || !r.Get(&group_seq[g])) return corrupt("truncated groups");
    if (!PlausibleGroupRows(group_rows[g])) return corrupt("implausible row count");
  }
  std::map<int64_t, std::vector<uint32_t>> slices;
  uint32_t n = 0;
  if (!r.GetCount(&n, 12)) return corrupt("bad slice count");
  for (uint32_t i = 0; i < n; ++i) {
    int64_t start = 0;
    uint32_t m = 0;
    if (!r.Get(&start) || !r.GetCount(&m, 4)) return corrupt("truncated slice");
    auto& groups = slices[start];
    if (!groups.empty()) return corrupt("duplicate slice");
    groups.resize(m);
    for (auto& g : groups) {
      if (!r.Get(&g) || !table->IsLive(g)) return corrupt("slice lists an unknown group");
    }
  }
  if (!r.empty()) return corrupt("trailing bytes");
  s.table = std::move(table);
  for (size_t i = 0; i < accs.size(); ++i) s.aggs[i].acc = std::move(accs[i]);
  s.num_groups = num_groups;
  s.group_rows = std::move(group_rows);
  s.group_seq = std::move(group_seq);
  s.slices = std::move(slices);
  s.watermark = watermark;
  s.closed_limit = closed_limit;
  s.late_dropped = late_dropped;
  s.next_seq = next_seq;
  return Status::OK();
}

int64_t HopSliceAggregateOperator::StateBytes() const {
  const State& s = *state_;
  if (s.use_legacy) return s.legacy->StateBytes();
  int64_t total = s.table->MemoryUsage();
  for (const auto& a : s.aggs) total += a.acc->MemoryUsage();
  total += static_cast<int64_t>(s.num_groups) * 16;
  return total;
}

std::string HopSliceAggregateOperator::Describe() const {
  const State& s = *state_;
  return s.use_legacy ? s.legacy->Describe() : s.description;
}

Result<std::unique_ptr<StreamOperator>> MakeStreamingAggregate(const sql::PlanNode& node,
                                                               AggregateOptions options) {
  if (HopSliceAggregateOperator::Applies(node, options)) {
    LAMINAR_ASSIGN_OR_RETURN(auto op, HopSliceAggregateOperator::Make(node, options));
    return std::unique_ptr<StreamOperator>(std::move(op));
  }
  LAMINAR_ASSIGN_OR_RETURN(auto op, AggregateOperator::Make(node, options));
  return std::unique_ptr<StreamOperator>(std::move(op));
}

}  // namespace laminar::execution
