#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "columnar/builder.h"
#include "columnar/min_max.h"
#include "columnar/scalar.h"
#include "common/time_util.h"
#include "execution/aggregate_state.h"
#include "execution/hop_aggregate_operator.h"
#include "execution/operator.h"
#include "execution/over_window_operator.h"
#include "execution/state_codec.h"
#include "execution/topn_operator.h"
#include "execution/unnest_operator.h"
#include "function/aggregate/accumulator.h"
#include "function/aggregate/group_table.h"
#include "function/registry.h"

namespace laminar::execution {

using columnar::Array;
using columnar::ArrayPtr;
using columnar::RecordBatch;
using columnar::Scalar;
namespace fn = laminar::function;

namespace {

Delta TakeDelta(const Delta& in, const std::vector<int32_t>& sel) {
  Delta out;
  out.batch = columnar::Take(*in.batch, sel);
  if (in.has_weights()) {
    out.weights.reserve(sel.size());
    for (int32_t i : sel) out.weights.push_back(in.weights[static_cast<size_t>(i)]);
  }
  if (!in.keys.empty()) {
    out.keys.reserve(sel.size());
    for (int32_t i : sel) out.keys.push_back(in.keys[static_cast<size_t>(i)]);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Filter / project

namespace {

// The distinct input columns `exprs` read (ascending), and `exprs` rewritten to read a batch of
// just those columns in that order.
std::vector<int> NarrowColumns(std::vector<fn::ExprPtr>* exprs) {
  std::vector<int> columns;
  for (const auto& e : *exprs) fn::CollectColumnRefs(*e, &columns);
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  std::vector<int> mapping(columns.empty() ? 0 : static_cast<size_t>(columns.back()) + 1, -1);
  for (size_t i = 0; i < columns.size(); ++i) {
    mapping[static_cast<size_t>(columns[i])] = static_cast<int>(i);
  }
  for (auto& e : *exprs) e = fn::RemapColumns(e, mapping);
  return columns;
}

}  // namespace

Result<std::unique_ptr<FilterProjectOperator>> FilterProjectOperator::MakeFilter(
    const function::ExprPtr& predicate) {
  auto op = std::unique_ptr<FilterProjectOperator>(new FilterProjectOperator());
  std::vector<fn::ExprPtr> narrow{predicate};
  op->predicate_columns_ = NarrowColumns(&narrow);
  LAMINAR_ASSIGN_OR_RETURN(op->predicate_, fn::CompiledExpression::Compile(narrow[0]));
  op->predicate_expr_ = predicate;
  op->description_ = "Filter: " + predicate->ToString();
  return op;
}

Result<std::unique_ptr<FilterProjectOperator>> FilterProjectOperator::MakeProject(
    const std::vector<function::ExprPtr>& exprs, SchemaPtr output_schema) {
  auto op = std::unique_ptr<FilterProjectOperator>(new FilterProjectOperator());
  std::string d = "Project: ";
  for (size_t i = 0; i < exprs.size(); ++i) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(exprs[i]));
    op->exprs_.push_back(std::move(c));
    if (i) d += ", ";
    d += exprs[i]->ToString();
  }
  op->output_schema_ = std::move(output_schema);
  op->description_ = d;
  return op;
}

Result<std::unique_ptr<FilterProjectOperator>> FilterProjectOperator::MakeFilterProject(
    const function::ExprPtr& predicate, const std::vector<function::ExprPtr>& exprs,
    SchemaPtr output_schema) {
  LAMINAR_ASSIGN_OR_RETURN(auto op, MakeFilter(predicate));
  std::vector<fn::ExprPtr> narrow = exprs;
  op->project_columns_ = NarrowColumns(&narrow);
  std::string d = "; Project: ";
  for (size_t i = 0; i < narrow.size(); ++i) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(narrow[i]));
    op->exprs_.push_back(std::move(c));
    if (i) d += ", ";
    d += exprs[i]->ToString();
  }
  op->fused_ = true;
  op->output_schema_ = std::move(output_schema);
  op->description_ += d;
  return op;
}

std::unique_ptr<FilterProjectOperator> FilterProjectOperator::MakePassThrough(
    std::string description) {
  auto op = std::unique_ptr<FilterProjectOperator>(new FilterProjectOperator());
  op->pass_through_ = true;
  op->description_ = std::move(description);
  return op;
}

Result<std::vector<int32_t>> FilterProjectOperator::Select(const RecordBatch& batch) const {
  if (static_cast<int>(predicate_columns_.size()) == batch.num_columns()) {
    bool identity = true;
    for (size_t i = 0; i < predicate_columns_.size(); ++i) {
      identity = identity && predicate_columns_[i] == static_cast<int>(i);
    }
    if (identity) return fn::EvaluateFilter(*predicate_, batch, eval_context_);
  }
  return fn::EvaluateFilter(*predicate_, *batch.SelectColumns(predicate_columns_), eval_context_);
}

Result<Delta> FilterProjectOperator::Apply(const Delta& input) const {
  if (pass_through_) return input;
  if (predicate_ && !fused_) {
    LAMINAR_ASSIGN_OR_RETURN(auto sel, Select(*input.batch));
    if (static_cast<int64_t>(sel.size()) == input.num_rows()) return input;
    return TakeDelta(input, sel);
  }
  // A projection; fused: of the selected rows of the columns it reads.
  const Delta* rows = &input;
  Delta selected;
  if (fused_) {
    LAMINAR_ASSIGN_OR_RETURN(auto sel, Select(*input.batch));
    Delta narrow;
    narrow.batch = input.batch->SelectColumns(project_columns_);
    narrow.weights = input.weights;
    narrow.keys = input.keys;
    selected = static_cast<int64_t>(sel.size()) == input.num_rows() ? std::move(narrow)
                                                                    : TakeDelta(narrow, sel);
    rows = &selected;
  }
  std::vector<ArrayPtr> cols;
  cols.reserve(exprs_.size());
  for (const auto& e : exprs_) {
    LAMINAR_ASSIGN_OR_RETURN(auto col, e->Evaluate(*rows->batch, eval_context_));
    cols.push_back(std::move(col));
  }
  Delta out;
  out.batch =
      std::make_shared<const RecordBatch>(output_schema_, rows->num_rows(), std::move(cols));
  out.weights = rows->weights;
  out.keys = rows->keys;
  return out;
}

Status FilterProjectOperator::Process(const Delta& input, std::vector<Delta>* output) {
  LAMINAR_ASSIGN_OR_RETURN(auto out, Apply(input));
  if (out.num_rows() > 0) output->push_back(std::move(out));
  return Status::OK();
}

Status FilterProjectOperator::AdvanceWatermark(int64_t watermark, std::vector<Delta>* /*output*/) {
  eval_context_.watermark_micros = std::max(eval_context_.watermark_micros, watermark);
  return Status::OK();
}

Status FilterProjectOperator::Snapshot(std::string* /*out*/) const { return Status::OK(); }

Status FilterProjectOperator::Restore(std::string_view in) {
  if (in.empty()) return Status::OK();
  return Status::Corruption("state snapshot of a stateless operator is not empty: " + description_);
}

std::string FilterProjectOperator::Describe() const { return description_; }

// ---------------------------------------------------------------------------------------------
// Aggregate

struct AggregateOperator::State {
  AggregateOptions options;
  sql::TimeWindow window;
  SchemaPtr output_schema;
  int num_keys = 0;
  std::vector<std::unique_ptr<fn::CompiledExpression>> key_exprs;
  std::unique_ptr<fn::CompiledExpression> time_expr;
  using Agg = CompiledAggregate;
  std::vector<Agg> aggs;
  std::string description;

  // Group identity. Non-session: table over [window_start, window_end, keys...] (windowed) or
  // [keys...]. Session: `key_table` over [keys...], sessions per key id, groups managed here.
  std::unique_ptr<fn::GroupTable> table;
  uint32_t num_groups = 0;  // accumulators sized to this
  std::vector<int64_t> group_start, group_end;
  std::vector<int64_t> group_rows;  // net weight of rows in the group
  std::vector<uint32_t> group_key;  // session: key id of the group (empty otherwise: all 0)
  // Closing order: (end, start) → groups in creation order.
  std::map<std::pair<int64_t, int64_t>, std::vector<uint32_t>> open_windows;

  struct Session {
    int64_t start, end;
    uint32_t group;
  };
  std::vector<std::vector<Session>> sessions;  // by key id
  std::vector<uint32_t> free_groups;

  // EMIT CHANGES: the last row emitted per group (keys + window + aggregates). Other emit modes
  // never emit a retractable row: both stay empty (read through Emitted(): nothing emitted), so a
  // new group touches two fewer arrays (q8's windows create a group per row).
  std::vector<std::vector<Scalar>> last_emitted;
  std::vector<uint8_t> has_emitted;
  // EMIT EVERY: groups changed since the last publication, in order of first change.
  std::vector<uint32_t> throttled;
  std::vector<uint8_t> throttled_mark;
  int64_t last_publish_us = INT64_MIN;
  std::vector<uint8_t> registered;    // windowed: group is listed in open_windows
  std::vector<uint8_t> seen_scratch;  // Process(): per-group "already listed" marks, all zero
  // Process() scratch, kept across batches so the window expansion's arrays (a few windows per
  // row for HOP) are not allocated and zero-filled again for every batch.
  std::vector<int32_t> window_rows;
  std::vector<int64_t> window_starts, window_ends;
  std::vector<uint32_t> batch_group_ids;
  // Process() scratch of windowed lookups: the groups a batch created and their first rows (kept
  // across batches so a batch of new keys does not regrow them from empty).
  std::vector<uint32_t> batch_new_groups, batch_new_rows;

  int64_t watermark = INT64_MIN;
  uint64_t late_dropped = 0;

  bool windowed() const { return window.kind != sql::WindowKind::kNone; }
  bool session() const { return window.kind == sql::WindowKind::kSession; }
  bool changelog() const { return options.emit == EmitMode::kChanges; }
  /// Whether group g's last emitted row is remembered (EMIT CHANGES, to retract it later).
  bool Emitted(uint32_t g) const { return g < has_emitted.size() && has_emitted[g] != 0; }

  void EnsureGroups(uint32_t n) {
    if (n <= num_groups) return;
    num_groups = n;
    for (auto& a : aggs) a.acc->Resize(n);
    group_start.resize(n, 0);
    group_end.resize(n, 0);
    group_rows.resize(n, 0);
    if (session()) group_key.resize(n, 0);
    if (changelog()) {
      last_emitted.resize(n);
      has_emitted.resize(n, 0);
    }
    registered.resize(n, 0);
  }

  uint32_t NewSessionGroup() {
    uint32_t g;
    if (!free_groups.empty()) {
      g = free_groups.back();
      free_groups.pop_back();
    } else {
      g = num_groups;
      EnsureGroups(num_groups + 1);
    }
    group_rows[g] = 0;
    if (g < has_emitted.size()) has_emitted[g] = 0;
    return g;
  }

  void FreeGroup(uint32_t g) {
    for (auto& a : aggs) a.acc->Reset(g);
    group_rows[g] = 0;
    if (g < has_emitted.size()) {
      has_emitted[g] = 0;
      last_emitted[g].clear();
    }
    registered[g] = 0;
    if (session()) {
      free_groups.push_back(g);
    } else {
      table->Erase(g).IgnoreError();
    }
  }

  // FreeGroup() of a whole closing window: one accumulator call and one table call per list.
  void FreeGroups(const std::vector<uint32_t>& groups) {
    for (auto& a : aggs) a.acc->ResetMany(groups);
    if (has_emitted.empty()) {
      for (uint32_t g : groups) {
        group_rows[g] = 0;
        registered[g] = 0;
      }
    } else {
      const bool changes = changelog();
      for (uint32_t g : groups) {
        group_rows[g] = 0;
        if (g < has_emitted.size()) {
          if (changes || has_emitted[g]) last_emitted[g].clear();
          has_emitted[g] = 0;
        }
        registered[g] = 0;
      }
    }
    if (session()) {
      free_groups.insert(free_groups.end(), groups.begin(), groups.end());
    } else {
      table->EraseMany(groups).IgnoreError();
    }
  }

  // Builds output rows for `groups`: [keys..., window_start, window_end, aggs...].
  Result<RecordBatchPtr> BuildRows(const std::vector<uint32_t>& groups) {
    std::vector<ArrayPtr> cols;
    const int64_t n = static_cast<int64_t>(groups.size());
    if (session()) {
      std::vector<uint32_t> keys;
      keys.reserve(groups.size());
      for (uint32_t g : groups) keys.push_back(group_key[g]);
      LAMINAR_ASSIGN_OR_RETURN(auto key_cols, table->GetKeys(keys));
      for (auto& c : key_cols) cols.push_back(c);
    } else {
      // The window bounds are not read back from the table: they follow from group_start/end.
      LAMINAR_ASSIGN_OR_RETURN(auto key_cols, table->GetKeys(groups, windowed() ? 2 : 0));
      for (auto& c : key_cols) cols.push_back(std::move(c));
    }
    if (windowed()) {
      columnar::FixedWidthBuilder<int64_t> sb(columnar::timestamp()), eb(columnar::timestamp());
      int64_t* s = sb.ResizeForWrite(n);
      int64_t* e = eb.ResizeForWrite(n);
      for (int64_t i = 0; i < n; ++i) {
        s[i] = group_start[groups[static_cast<size_t>(i)]];
        e[i] = group_end[groups[static_cast<size_t>(i)]];
      }
      cols.push_back(sb.Finish());
      cols.push_back(eb.Finish());
    }
    for (auto& a : aggs) {
      LAMINAR_ASSIGN_OR_RETURN(auto arr, a.acc->Finalize(groups));
      cols.push_back(arr);
    }
    return std::make_shared<const RecordBatch>(output_schema, n, std::move(cols));
  }

  static std::string KeyOf(const RecordBatch& rows, int64_t r, int num_key_cols) {
    std::string k;
    for (int c = 0; c < num_key_cols; ++c) {
      k += columnar::GetScalar(*rows.column(c), r).ToString();
      k.push_back('\x1f');
    }
    return k;
  }

  int NumIdentityColumns() const { return num_keys + (windowed() ? 2 : 0); }

  // Emits current values of `groups` according to the emit mode.
  Status EmitGroups(const std::vector<uint32_t>& groups, std::vector<Delta>* output) {
    if (groups.empty()) return Status::OK();
    if (options.emit != EmitMode::kChanges) {
      // EMIT ON WINDOW CLOSE emits every listed group (its caller lists the live ones).
      std::vector<uint32_t> live;
      if (options.emit != EmitMode::kOnClose) {
        for (uint32_t g : groups) {
          if (group_rows[g] > 0) live.push_back(g);
        }
        if (live.empty()) return Status::OK();
      }
      LAMINAR_ASSIGN_OR_RETURN(auto rows,
                               BuildRows(options.emit == EmitMode::kOnClose ? groups : live));
      Delta d;
      d.batch = rows;
      if (options.emit_keys && options.emit == EmitMode::kOnUpdate) {
        for (int64_t r = 0; r < rows->num_rows(); ++r) {
          d.keys.push_back(KeyOf(*rows, r, NumIdentityColumns()));
        }
      }
      output->push_back(std::move(d));
      return Status::OK();
    }
    // Changelog: retract the previous row, insert the new one; skip unchanged groups.
    LAMINAR_ASSIGN_OR_RETURN(auto rows, BuildRows(groups));
    std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders;
    for (const auto& f : output_schema->fields())
      builders.push_back(columnar::MakeBuilder(f->type));
    Delta d;
    const int ncols = output_schema->num_fields();
    for (size_t i = 0; i < groups.size(); ++i) {
      uint32_t g = groups[i];
      std::vector<Scalar> now;
      now.reserve(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c)
        now.push_back(columnar::GetScalar(*rows->column(c), static_cast<int64_t>(i)));
      bool alive = group_rows[g] > 0;
      if (has_emitted[g] && alive && now == last_emitted[g]) continue;
      if (has_emitted[g]) {
        for (int c = 0; c < ncols; ++c)
          LAMINAR_RETURN_NOT_OK(builders[static_cast<size_t>(c)]->AppendScalar(
              last_emitted[g][static_cast<size_t>(c)]));
        d.weights.push_back(-1);
      }
      if (alive) {
        for (int c = 0; c < ncols; ++c)
          LAMINAR_RETURN_NOT_OK(
              builders[static_cast<size_t>(c)]->AppendScalar(now[static_cast<size_t>(c)]));
        d.weights.push_back(1);
        last_emitted[g] = std::move(now);
        has_emitted[g] = 1;
      } else {
        has_emitted[g] = 0;
        last_emitted[g].clear();
      }
    }
    if (d.weights.empty()) return Status::OK();
    std::vector<ArrayPtr> cols;
    for (auto& b : builders) cols.push_back(b->Finish());
    d.batch = std::make_shared<const RecordBatch>(
        output_schema, static_cast<int64_t>(d.weights.size()), std::move(cols));
    output->push_back(std::move(d));
    return Status::OK();
  }
};

AggregateOperator::~AggregateOperator() = default;

AggregateOptions AggregateOptionsFor(const sql::StreamingInfo& info) {
  AggregateOptions opts;
  switch (info.emit) {
    case sql::EmitKind::kOnWindowClose:
    case sql::EmitKind::kFinal:
    case sql::EmitKind::kAfterWatermark:
    case sql::EmitKind::kOnWatermark:
      opts.emit = EmitMode::kOnClose;
      break;
    case sql::EmitKind::kChanges:
      opts.emit = EmitMode::kChanges;
      break;
    default:
      opts.emit = EmitMode::kOnUpdate;
      break;
  }
  opts.allowed_lateness = info.emit == sql::EmitKind::kFinal ? 0 : info.allowed_lateness;
  if (info.emit == sql::EmitKind::kEvery || info.emit == sql::EmitKind::kPeriodically) {
    opts.emit_interval = info.emit_interval;
  }
  return opts;
}

Result<std::unique_ptr<AggregateOperator>> AggregateOperator::Make(const sql::PlanNode& node,
                                                                   AggregateOptions options) {
  auto op = std::unique_ptr<AggregateOperator>(new AggregateOperator());
  op->state_ = std::make_unique<State>();
  State& s = *op->state_;
  s.options = options;
  s.window = node.window;
  s.output_schema = node.schema;
  s.num_keys = static_cast<int>(node.group_exprs.size());
  std::vector<columnar::DataTypePtr> key_types;
  if (s.windowed() && !s.session()) {
    key_types.push_back(columnar::timestamp());
    key_types.push_back(columnar::timestamp());
  }
  for (const auto& e : node.group_exprs) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(e));
    s.key_exprs.push_back(std::move(c));
    key_types.push_back(e->type);
  }
  // Windowed (not session): keys lead with the window bounds, indexed per window.
  s.table = std::make_unique<fn::GroupTable>(key_types, s.windowed() && !s.session());
  if (s.windowed()) {
    LAMINAR_ASSIGN_OR_RETURN(s.time_expr, fn::CompiledExpression::Compile(node.window.time_expr));
  }
  for (const auto& call : node.aggregates) {
    LAMINAR_ASSIGN_OR_RETURN(auto a, CompileAggregate(call));
    s.aggs.push_back(std::move(a));
  }
  s.description = "Aggregate: " + std::to_string(s.num_keys) + " keys" +
                  (s.windowed() ? ", window " + s.window.ToString() : "") + ", " +
                  std::to_string(s.aggs.size()) + " aggregates";
  return op;
}

Status AggregateOperator::Process(const Delta& input, std::vector<Delta>* output) {
  State& s = *state_;
  const RecordBatch& batch = *input.batch;
  const int64_t n = batch.num_rows();
  if (n == 0) return Status::OK();

  std::vector<ArrayPtr> keys;
  for (auto& k : s.key_exprs) {
    LAMINAR_ASSIGN_OR_RETURN(auto col, k->Evaluate(batch));
    keys.push_back(std::move(col));
  }
  // Row expansion for windows: row_idx[i] is the input row of expanded row i.
  std::vector<int32_t>& row_idx = s.window_rows;
  std::vector<int64_t>& starts = s.window_starts;
  std::vector<int64_t>& ends = s.window_ends;
  size_t num_expanded = 0;  // rows in use of row_idx / starts / ends (kept larger)
  bool identity = true;
  // Every kept row lies in window (starts[0], ends[0]) and there are no GROUP BY keys: the whole
  // batch is one group, looked up once (only starts[0] / ends[0] are written).
  bool one_group = false;
  ArrayPtr ts_col;
  if (s.windowed()) {
    LAMINAR_ASSIGN_OR_RETURN(ts_col, s.time_expr->Evaluate(batch));
    const int64_t* ts = ts_col->values<int64_t>();
    const auto& w = s.window;
    const int64_t lateness = s.options.allowed_lateness;
    const bool ts_nulls = ts_col->null_count() != 0 && ts_col->validity() != nullptr;
    const bool check_late = s.watermark != INT64_MIN;
    // Windows are written by index into arrays sized for one window per row (a few for HOP and
    // CUMULATE), grown only when a row needs more room.
    size_t per_row = 1;
    if (w.kind == sql::WindowKind::kHop || w.kind == sql::WindowKind::kCumulate) {
      // At most ceil(size / slide) windows hold a row.
      const int64_t slide = std::max<int64_t>(1, w.slide);
      per_row =
          static_cast<size_t>(std::clamp<int64_t>(w.size / slide + (w.size % slide != 0), 1, 8));
    }
    size_t count = 0;
    int32_t* out_row = nullptr;
    int64_t* out_start = nullptr;
    int64_t* out_end = nullptr;
    auto reserve = [&](size_t need) {
      if (need > row_idx.size()) {
        row_idx.resize(need);
        starts.resize(need);
        ends.resize(need);
      }
      out_row = row_idx.data();
      out_start = starts.data();
      out_end = ends.data();
    };
    const size_t want = static_cast<size_t>(n) * per_row;
    if (row_idx.size() > std::max<size_t>(want * 4, size_t{1} << 16)) {
      // A much larger earlier batch: give its memory back.
      std::vector<int32_t>().swap(row_idx);
      std::vector<int64_t>().swap(starts);
      std::vector<int64_t>().swap(ends);
    }
    reserve(want);
    uint64_t late = 0;
    // Window [st, en) of row r; dropped (counted late) when it already closed.
    const int64_t watermark = s.watermark;
    auto add = [&](int32_t r, int64_t st, int64_t en) __attribute__((always_inline)) {
      if (check_late && en + lateness <= watermark) {
        ++late;
        return;
      }
      out_row[count] = r;
      out_start[count] = st;
      out_end[count] = en;
      ++count;
    };
    // Rows of a batch mostly share their window (TUMBLE) or slide step (HOP): the last step
    // [step_lo, step_hi) is remembered so most rows need no division.
    int64_t step_lo = 0, step_hi = 0;
    bool have_step = false;
    // Window parameters as locals: the stores below cannot alias them, so they stay in
    // registers and the switch is decided once per batch.
    const sql::WindowKind kind = w.kind;
    const int64_t size = w.size, slide = w.slide, offset = w.offset, gap = w.gap;
    const size_t max_hop_windows =
        kind == sql::WindowKind::kHop && slide > 0
            ? static_cast<size_t>(size / slide + (size % slide != 0 ? 1 : 0))
            : 1;
    if (kind == sql::WindowKind::kTumble) {
      // One window per row: the arrays already have room, and the outputs stay in registers.
      int32_t* rows_out = row_idx.data();
      int64_t* starts_out = starts.data();
      int64_t* ends_out = ends.data();
      size_t c = 0;
      // A batch usually lies in one window (a 10 s TUMBLE holds many batches): one vectorised
      // min/max pass proves it, and the bounds are then filled without a per-row branch. Every
      // row is kept (identity), so row_idx is not read and is left unwritten.
      bool one_window = false;
      if (!ts_nulls && n > 0) {
        LAMINAR_DCHECK(ts_col->length() == n);
        const columnar::Int64Range range = ts_col->Int64MinMax();
        const int64_t lo = FloorDiv(range.min - offset, size) * size + offset;
        if (static_cast<uint64_t>(range.max) - static_cast<uint64_t>(lo) <
            static_cast<uint64_t>(size)) {
          one_window = true;
          if (check_late && lo + size + lateness <= watermark) {
            late += static_cast<uint64_t>(n);
          } else if (s.key_exprs.empty()) {
            starts_out[0] = lo;
            ends_out[0] = lo + size;
            one_group = true;
            c = static_cast<size_t>(n);
          } else {
            std::fill(starts_out, starts_out + n, lo);
            std::fill(ends_out, ends_out + n, lo + size);
            c = static_cast<size_t>(n);
          }
        }
      }
      for (int64_t r = 0; !one_window && r < n; ++r) {
        if (ts_nulls && ts_col->IsNull(r)) continue;
        const int64_t t = ts[r];
        if (!have_step || t < step_lo || t >= step_hi) {
          step_lo = FloorDiv(t - offset, size) * size + offset;
          step_hi = step_lo + size;
          have_step = true;
        }
        if (check_late && step_hi + lateness <= watermark) {
          ++late;
          continue;
        }
        rows_out[c] = static_cast<int32_t>(r);
        starts_out[c] = step_lo;
        ends_out[c] = step_hi;
        ++c;
      }
      count = c;
    }
    for (int64_t r = 0; kind != sql::WindowKind::kTumble && r < n; ++r) {
      if (ts_nulls && ts_col->IsNull(r)) continue;
      const int64_t t = ts[r];
      const auto row = static_cast<int32_t>(r);
      switch (kind) {
        case sql::WindowKind::kTumble:  // above
          break;
        case sql::WindowKind::kHop: {
          // Windows holding t, oldest first: starts last - k * slide > t - size.
          if (!have_step || t < step_lo || t >= step_hi) {
            step_lo = FloorDiv(t - offset, slide) * slide + offset;
            step_hi = step_lo + slide;
            have_step = true;
          }
          const int64_t last = step_lo;
          if (last <= t - size) break;  // slide > size: t falls in a gap between windows
          int64_t first = last;
          while (first - slide > t - size) first -= slide;
          // A row holds at most ceil(size / slide) windows (no division per row).
          if (count + max_hop_windows > row_idx.size()) {
            reserve(std::max(row_idx.size() * 2, count + max_hop_windows));
          }
          for (int64_t st = first; st <= last; st += slide) add(row, st, st + size);
          break;
        }
        case sql::WindowKind::kCumulate: {
          int64_t base = FloorDiv(t, size) * size;
          for (int64_t en = base + slide; en <= base + size; en += slide) {
            if (en > t) {
              if (count == row_idx.size()) reserve(count * 2 + 64);
              add(row, base, en);
            }
          }
          break;
        }
        case sql::WindowKind::kSession:
          if (count == row_idx.size()) reserve(count * 2 + 64);
          out_row[count] = row;
          out_start[count] = t;
          out_end[count] = t + gap;
          ++count;
          break;
        case sql::WindowKind::kNone:
          break;
      }
    }
    s.late_dropped += late;
    num_expanded = count;
    // Identity: every row kept exactly once, in order (only TUMBLE and SESSION can be).
    identity = (w.kind == sql::WindowKind::kTumble || w.kind == sql::WindowKind::kSession) &&
               static_cast<int64_t>(count) == n;
  }
  const int64_t m = identity ? n : static_cast<int64_t>(num_expanded);
  const std::span<const int32_t> expanded_rows(row_idx.data(), num_expanded);
  const std::span<const int64_t> expanded_starts(starts.data(), num_expanded);
  const std::span<const int64_t> expanded_ends(ends.data(), num_expanded);
  if (m == 0) return Status::OK();
  auto expand = [&](const ArrayPtr& a) -> ArrayPtr {
    return identity ? a : columnar::Take(*a, expanded_rows);
  };
  // Aggregate inputs first: a failing expression drops the batch before any state changes.
  LAMINAR_ASSIGN_OR_RETURN(
      const AggregateInputs agg_inputs,
      EvaluateAggregateInputs(s.aggs, batch, identity ? std::span<const int32_t>() : expanded_rows,
                              m));

  std::vector<uint32_t>& group_ids = s.batch_group_ids;
  if (s.session()) {
    // Assign each row to a session of its key, merging sessions a row bridges.
    std::vector<ArrayPtr> k;
    for (auto& c : keys) k.push_back(expand(c));
    std::vector<uint32_t> key_ids;
    LAMINAR_RETURN_NOT_OK(s.table->FindOrInsert(k, m, &key_ids));
    if (s.sessions.size() < s.table->num_groups()) s.sessions.resize(s.table->num_groups());
    std::vector<uint32_t> parent;  // union-find over session groups touched now
    auto find = [&](uint32_t g) {
      while (g < parent.size() && parent[g] != g) g = parent[g];
      return g;
    };
    std::vector<std::pair<uint32_t, uint32_t>> merges;  // (src, dst)
    group_ids.resize(static_cast<size_t>(m));
    for (int64_t i = 0; i < m; ++i) {
      auto& list = s.sessions[key_ids[static_cast<size_t>(i)]];
      const int64_t t = starts[static_cast<size_t>(i)];
      const int64_t e = ends[static_cast<size_t>(i)];
      int first = -1;
      for (size_t j = 0; j < list.size();) {
        auto& sess = list[j];
        if (sess.end >= t && sess.start <= e) {
          if (first < 0) {
            first = static_cast<int>(j);
            sess.start = std::min(sess.start, t);
            sess.end = std::max(sess.end, e);
            ++j;
          } else {
            auto& keep = list[static_cast<size_t>(first)];
            keep.start = std::min(keep.start, sess.start);
            keep.end = std::max(keep.end, sess.end);
            if (parent.size() < s.num_groups) {
              size_t old = parent.size();
              parent.resize(s.num_groups);
              for (size_t p = old; p < parent.size(); ++p) parent[p] = static_cast<uint32_t>(p);
            }
            parent[sess.group] = keep.group;
            merges.push_back({sess.group, keep.group});
            list.erase(list.begin() + static_cast<std::ptrdiff_t>(j));
          }
        } else {
          ++j;
        }
      }
      if (first < 0) {
        uint32_t g = s.NewSessionGroup();
        s.group_key[g] = key_ids[static_cast<size_t>(i)];
        list.push_back({t, e, g});
        first = static_cast<int>(list.size() - 1);
      }
      group_ids[static_cast<size_t>(i)] = list[static_cast<size_t>(first)].group;
    }
    if (parent.size() < s.num_groups) {
      size_t old = parent.size();
      parent.resize(s.num_groups);
      for (size_t p = old; p < parent.size(); ++p) parent[p] = static_cast<uint32_t>(p);
    }
    for (auto& g : group_ids) g = find(g);
    for (auto [src, dst] : merges) {
      uint32_t root = find(dst);
      for (auto& a : s.aggs) LAMINAR_RETURN_NOT_OK(a.acc->Merge(root, *a.acc, src));
      s.group_rows[root] += s.group_rows[src];
      if (s.Emitted(src)) {
        // The merged-away session was already published (EMIT CHANGES): retract it.
        std::vector<Delta> tmp;
        s.group_rows[src] = 0;
        LAMINAR_RETURN_NOT_OK(s.EmitGroups({src}, output));
      }
      s.FreeGroup(src);
    }
    // Refresh bounds of touched groups.
    for (auto& list : s.sessions) {
      for (auto& sess : list) {
        s.group_start[sess.group] = sess.start;
        s.group_end[sess.group] = sess.end;
      }
    }
  } else if (s.windowed()) {
    // The table's keys are [window_start, window_end, keys...]: the bounds go in as words and
    // the keys are gathered through row_idx inside the table (no per-batch arrays).
    std::vector<uint32_t>& new_groups = s.batch_new_groups;
    std::vector<uint32_t>& new_rows = s.batch_new_rows;
    new_groups.clear();
    new_rows.clear();
    const uint32_t before = s.table->num_groups();
    if (one_group) {
      LAMINAR_RETURN_NOT_OK(s.table->FindOrInsertWindowed(expanded_starts.first(1),
                                                          expanded_ends.first(1), keys, nullptr,
                                                          &group_ids, &new_groups, &new_rows));
      group_ids.assign(static_cast<size_t>(m), group_ids[0]);
    } else {
      LAMINAR_RETURN_NOT_OK(s.table->FindOrInsertWindowed(expanded_starts, expanded_ends, keys,
                                                          identity ? nullptr : row_idx.data(),
                                                          &group_ids, &new_groups, &new_rows));
    }
    s.EnsureGroups(std::max(s.table->num_groups(), before));
    // Only groups created now can be unregistered (a group is registered when created and
    // unregistered when its window closes, which also erases it). Registered in order of first
    // row, like the closing order within a window requires.
    std::pair<int64_t, int64_t> last_window{0, 0};
    std::vector<uint32_t>* last_list = nullptr;
    for (size_t j = 0; j < new_groups.size(); ++j) {
      const uint32_t g = new_groups[j];
      if (s.registered[g]) continue;
      const size_t i = new_rows[j];
      s.registered[g] = 1;
      s.group_start[g] = starts[i];
      s.group_end[g] = ends[i];
      const std::pair<int64_t, int64_t> window{ends[i], starts[i]};
      if (last_list == nullptr || window != last_window) {
        last_list = &s.open_windows[window];
        last_window = window;
      }
      last_list->push_back(g);
    }
  } else {
    uint32_t before = s.table->num_groups();
    LAMINAR_RETURN_NOT_OK(s.table->FindOrInsert(keys, m, &group_ids));
    s.EnsureGroups(std::max(s.table->num_groups(), before));
  }
  // Weights and filters, expanded.
  std::vector<int64_t> weights;
  const int64_t* wptr = nullptr;
  if (input.has_weights()) {
    weights.resize(static_cast<size_t>(m));
    for (int64_t i = 0; i < m; ++i) {
      weights[static_cast<size_t>(i)] =
          input.weights[static_cast<size_t>(identity ? i : row_idx[static_cast<size_t>(i)])];
    }
    wptr = weights.data();
  }
  // DISTINCT (no aggregates) publishes a key only when it first appears (or disappears). EMIT ON
  // WINDOW CLOSE publishes nothing here (it returns before the changed-group pass), so its
  // DISTINCT windows (q8) skip collecting the keys that appeared.
  const bool key_only = s.aggs.empty() && s.options.emit != EmitMode::kChanges &&
                        s.options.emit != EmitMode::kOnClose;
  std::vector<uint32_t> appeared;
  {
    // Many groups: group_rows[g] is a cache miss per row unless fetched ahead.
    constexpr int64_t kAhead = 16;
    int64_t* group_rows = s.group_rows.data();
    const uint32_t* ids = group_ids.data();
    if (key_only || wptr) {
      for (int64_t i = 0; i < m; ++i) {
        if (i + kAhead < m) __builtin_prefetch(&group_rows[ids[i + kAhead]], 1);
        const uint32_t g = ids[i];
        if (key_only && group_rows[g] == 0) appeared.push_back(g);
        group_rows[g] += wptr ? wptr[i] : 1;
      }
    } else if (one_group) {
      group_rows[ids[0]] += m;
    } else if (s.key_exprs.empty()) {
      // No GROUP BY keys: one group per window (or one in all), so ids come in long runs; a
      // run adds its length once instead of incrementing the same counter row after row.
      for (int64_t i = 0; i < m;) {
        const uint32_t g = ids[i];
        int64_t j = i + 1;
        while (j < m && ids[j] == g) ++j;
        group_rows[g] += j - i;
        i = j;
      }
    } else {
      for (int64_t i = 0; i < m; ++i) {
        if (i + kAhead < m) __builtin_prefetch(&group_rows[ids[i + kAhead]], 1);
        ++group_rows[ids[i]];
      }
    }
  }
  LAMINAR_RETURN_NOT_OK(ApplyAggregates(s.aggs, agg_inputs, group_ids.data(), m, wptr));
  if (s.options.emit == EmitMode::kOnClose) return Status::OK();
  // Changed groups in order of first touch.
  // `seen` is kept across batches (all zero between calls) so this is O(rows), not O(groups).
  std::vector<uint32_t> changed;
  std::vector<uint8_t>& seen = s.seen_scratch;
  if (seen.size() < s.num_groups) seen.resize(s.num_groups, 0);
  for (uint32_t g : key_only ? appeared : group_ids) {
    if (!seen[g]) {
      seen[g] = 1;
      changed.push_back(g);
    }
  }
  for (uint32_t g : changed) seen[g] = 0;
  if (s.options.emit_interval > 0) {
    // EMIT EVERY: collect, publish at most once per processing-time period.
    if (s.throttled_mark.size() < s.num_groups) s.throttled_mark.resize(s.num_groups, 0);
    for (uint32_t g : changed) {
      if (!s.throttled_mark[g]) {
        s.throttled_mark[g] = 1;
        s.throttled.push_back(g);
      }
    }
    const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    if (s.last_publish_us != INT64_MIN && now - s.last_publish_us < s.options.emit_interval) {
      return Status::OK();
    }
    s.last_publish_us = now;
    changed.swap(s.throttled);
    s.throttled.clear();
    for (uint32_t g : changed) s.throttled_mark[g] = 0;
  }
  LAMINAR_RETURN_NOT_OK(s.EmitGroups(changed, output));
  if (!s.windowed()) {
    for (uint32_t g : changed) {
      const bool pending = g < s.throttled_mark.size() && s.throttled_mark[g];
      if (s.group_rows[g] <= 0 && !s.Emitted(g) && !pending) s.FreeGroup(g);
    }
  }
  return Status::OK();
}

Status AggregateOperator::AdvanceWatermark(int64_t watermark, std::vector<Delta>* output) {
  State& s = *state_;
  // A time column trailing the watermark (an upstream stream's window_start) can still bring
  // rows older than it: close only the windows no row can reach any more.
  if (s.window.time_bound.known()) {
    watermark = std::min(watermark, s.window.time_bound.LowerBound(watermark));
  }
  if (watermark <= s.watermark) return Status::OK();
  s.watermark = watermark;
  if (!s.windowed()) return Status::OK();
  const int64_t limit = watermark - s.options.allowed_lateness;
  std::vector<uint32_t> closing;
  if (s.session()) {
    struct Closed {
      int64_t start, end;
      uint32_t group;
    };
    std::vector<Closed> closed;
    for (auto& list : s.sessions) {
      for (size_t j = 0; j < list.size();) {
        if (list[j].end <= limit) {
          closed.push_back({list[j].start, list[j].end, list[j].group});
          list.erase(list.begin() + static_cast<std::ptrdiff_t>(j));
        } else {
          ++j;
        }
      }
    }
    std::stable_sort(closed.begin(), closed.end(), [](const Closed& a, const Closed& b) {
      return a.start != b.start ? a.start < b.start : a.end < b.end;
    });
    for (auto& c : closed) closing.push_back(c.group);
  } else {
    while (!s.open_windows.empty() && s.open_windows.begin()->first.first <= limit) {
      auto& groups = s.open_windows.begin()->second;
      if (closing.empty()) {
        closing.swap(groups);  // one closing window (the usual case): its list, not a copy
      } else {
        closing.insert(closing.end(), groups.begin(), groups.end());
      }
      s.open_windows.erase(s.open_windows.begin());
    }
  }
  if (closing.empty()) return Status::OK();
  if (!s.throttled.empty()) {
    // Closing windows publish their pending EMIT EVERY updates before their state goes.
    std::vector<uint32_t> pending, keep;
    std::vector<uint8_t> is_closing(s.num_groups, 0);
    for (uint32_t g : closing) is_closing[g] = 1;
    for (uint32_t g : s.throttled) {
      if (is_closing[g]) {
        s.throttled_mark[g] = 0;
        pending.push_back(g);
      } else {
        keep.push_back(g);
      }
    }
    s.throttled.swap(keep);
    LAMINAR_RETURN_NOT_OK(s.EmitGroups(pending, output));
  }
  if (s.options.emit == EmitMode::kOnClose) {
    std::vector<uint32_t> live(closing.size());
    size_t num_live = 0;
    for (uint32_t g : closing) {
      live[num_live] = g;
      num_live += s.group_rows[g] > 0 ? 1 : 0;
    }
    live.resize(num_live);
    LAMINAR_RETURN_NOT_OK(s.EmitGroups(live, output));
  }
  s.FreeGroups(closing);
  return Status::OK();
}

Result<RecordBatchPtr> AggregateOperator::Contents() const { return RecordBatchPtr(); }

// Snapshot image of an AggregateOperator (all integers little-endian; docs/checkpoint.md):
//
//   u32 magic "LAGS"  u8 version=1  u8 window kind  u8 emit mode
//   u32 num_keys  u32 num_aggs  u32 num_output_columns          (shape, checked on restore)
//   i64 watermark  u64 late_dropped  u32 num_groups
//   blob group_table                          (GroupTable::Serialize, u32 length prefix)
//   num_aggs x blob                           (Accumulator::Serialize of groups 0..n-1)
//   num_groups x {i64 start, i64 end, i64 rows, u32 key, u8 has_emitted, u8 registered}
//   for each group with has_emitted: num_output_columns scalars (the last emitted row)
//   u32 n_windows x {i64 end, i64 start, u32 n, n x u32 group}   (open windows, close order)
//   u32 n_keys x {u32 n, n x {i64 start, i64 end, u32 group}}     (sessions per key id)
//   u32 n_free, n_free x u32 group                                (recycled session groups)
namespace {
constexpr uint8_t kAggregateSnapshotVersion = 1;
constexpr size_t kGroupRecordBytes = 8 * 3 + 4 + 1 + 1;
}  // namespace

Status AggregateOperator::Snapshot(std::string* out) const {
  const State& s = *state_;
  StateWriter w(out);
  w.Put(kAggregateSnapshotMagic);
  w.Put(kAggregateSnapshotVersion);
  w.Put(static_cast<uint8_t>(s.window.kind));
  w.Put(static_cast<uint8_t>(s.options.emit));
  w.Put(static_cast<uint32_t>(s.num_keys));
  w.Put(static_cast<uint32_t>(s.aggs.size()));
  w.Put(static_cast<uint32_t>(s.output_schema->num_fields()));
  w.Put(s.watermark);
  w.Put(s.late_dropped);
  w.Put(s.num_groups);
  size_t at = w.BeginLength();
  s.table->Serialize(out);
  w.FinishLength(at);
  {
    // Reserve the rest of the image once (accumulator sizes estimated from group 0, emitted
    // rows at one tag + 8 bytes per cell) instead of letting a large buffer double and copy.
    size_t per_group = kGroupRecordBytes;
    std::string sample;
    if (s.num_groups > 0) {
      for (const auto& a : s.aggs) a.acc->Serialize(0, &sample);
    }
    // Capped: one large group-0 value (e.g. a long ARRAY_AGG) must not reserve gigabytes.
    per_group += std::min<size_t>(sample.size(), 64 * s.aggs.size());
    const size_t emitted =
        static_cast<size_t>(std::count(s.has_emitted.begin(), s.has_emitted.end(), 1));
    out->reserve(out->size() + size_t{s.num_groups} * per_group +
                 emitted * static_cast<size_t>(s.output_schema->num_fields()) * 9 + 64);
  }
  WriteAccumulators(s.aggs, s.num_groups, &w, out);
  for (uint32_t g = 0; g < s.num_groups; ++g) {
    w.Put(s.group_start[g]);
    w.Put(s.group_end[g]);
    w.Put(s.group_rows[g]);
    w.Put(g < s.group_key.size() ? s.group_key[g] : uint32_t{0});
    w.Put(static_cast<uint8_t>(s.Emitted(g) ? 1 : 0));
    w.Put(s.registered[g]);
  }
  const size_t ncols = static_cast<size_t>(s.output_schema->num_fields());
  for (uint32_t g = 0; g < s.num_groups; ++g) {
    if (!s.Emitted(g)) continue;
    if (s.last_emitted[g].size() != ncols) {
      return Status::Internal("aggregate state: emitted row of group " + std::to_string(g) +
                              " has the wrong width");
    }
    for (const auto& v : s.last_emitted[g]) w.PutScalar(v);
  }
  w.Put(static_cast<uint32_t>(s.open_windows.size()));
  for (const auto& [bounds, groups] : s.open_windows) {
    w.Put(bounds.first);
    w.Put(bounds.second);
    w.Put(static_cast<uint32_t>(groups.size()));
    for (uint32_t g : groups) w.Put(g);
  }
  w.Put(static_cast<uint32_t>(s.sessions.size()));
  for (const auto& list : s.sessions) {
    w.Put(static_cast<uint32_t>(list.size()));
    for (const auto& sess : list) {
      w.Put(sess.start);
      w.Put(sess.end);
      w.Put(sess.group);
    }
  }
  w.Put(static_cast<uint32_t>(s.free_groups.size()));
  for (uint32_t g : s.free_groups) w.Put(g);
  // EMIT EVERY: groups changed but not yet published (absent in older images = none).
  if (!s.throttled.empty()) {
    w.Put(static_cast<uint32_t>(s.throttled.size()));
    for (uint32_t g : s.throttled) w.Put(g);
  }
  return Status::OK();
}

Status AggregateOperator::Restore(std::string_view in) {
  State& s = *state_;
  auto corrupt = [this](const std::string& what) {
    return Status::Corruption("aggregate state snapshot (" + state_->description + "): " + what);
  };
  StateReader r(in);
  uint32_t magic = 0, num_keys = 0, num_aggs = 0, ncols = 0, num_groups = 0;
  uint8_t version = 0, kind = 0, emit = 0;
  if (!r.Get(&magic) || magic != kAggregateSnapshotMagic) return corrupt("bad magic");
  if (!r.Get(&version) || version != kAggregateSnapshotVersion) {
    return corrupt("unsupported version " + std::to_string(version));
  }
  if (!r.Get(&kind) || !r.Get(&emit) || !r.Get(&num_keys) || !r.Get(&num_aggs) || !r.Get(&ncols)) {
    return corrupt("truncated header");
  }
  if (kind != static_cast<uint8_t>(s.window.kind) || emit != static_cast<uint8_t>(s.options.emit) ||
      num_keys != static_cast<uint32_t>(s.num_keys) || num_aggs != s.aggs.size() ||
      ncols != static_cast<uint32_t>(s.output_schema->num_fields())) {
    return corrupt("it was taken from a differently shaped query");
  }
  int64_t watermark = 0;
  uint64_t late_dropped = 0;
  if (!r.Get(&watermark) || !r.Get(&late_dropped) || !r.Get(&num_groups)) {
    return corrupt("truncated header");
  }
  // Every group needs at least its fixed record: bounds the allocations below.
  if (num_groups > r.remaining() / kGroupRecordBytes) return corrupt("group count too large");

  std::unique_ptr<fn::GroupTable> table;
  std::vector<std::unique_ptr<fn::Accumulator>> accs;
  {
    Status st = ReadGroupState(&r, *s.table, s.aggs, num_groups, !s.session(), &table, &accs);
    if (!st.ok()) return corrupt(st.message());
  }
  std::vector<int64_t> group_start(num_groups), group_end(num_groups), group_rows(num_groups);
  std::vector<uint32_t> group_key(num_groups);
  std::vector<uint8_t> has_emitted(num_groups), registered(num_groups);
  for (uint32_t g = 0; g < num_groups; ++g) {
    if (!r.Get(&group_start[g]) || !r.Get(&group_end[g]) || !r.Get(&group_rows[g]) ||
        !r.Get(&group_key[g]) || !r.Get(&has_emitted[g]) || !r.Get(&registered[g])) {
      return corrupt("truncated group records");
    }
    if (has_emitted[g] > 1 || registered[g] > 1) return corrupt("bad group flags");
    if (!PlausibleGroupRows(group_rows[g])) return corrupt("implausible row count");
    if (s.session() && group_key[g] >= std::max<uint32_t>(table->num_groups(), 1)) {
      return corrupt("session group refers to an unknown key");
    }
  }
  // The last emitted rows. Integer and float cells (most of them) are decoded in place here;
  // other values go through StateReader::GetScalar (same format, same checks).
  namespace tags = state_codec_internal;
  std::vector<const columnar::DataTypePtr*> col_type(ncols);
  std::vector<uint8_t> col_tag(ncols);
  for (uint32_t c = 0; c < ncols; ++c) {
    col_type[c] = &s.output_schema->field(static_cast<int>(c))->type;
    col_tag[c] = tags::TagOf(**col_type[c]);
  }
  std::vector<std::vector<Scalar>> last_emitted(num_groups);
  std::string_view* rest = r.rest();
  for (uint32_t g = 0; g < num_groups; ++g) {
    if (!has_emitted[g]) continue;
    auto& row = last_emitted[g];
    row.reserve(ncols);
    for (uint32_t c = 0; c < ncols; ++c) {
      const uint8_t tag = col_tag[c];
      if ((tag == tags::kInt || tag == tags::kDouble) && rest->size() >= 9 &&
          static_cast<uint8_t>((*rest)[0]) == tag) {
        if (tag == tags::kInt) {
          int64_t x;
          std::memcpy(&x, rest->data() + 1, 8);
          row.emplace_back(*col_type[c], x);
        } else {
          double x;
          std::memcpy(&x, rest->data() + 1, 8);
          row.emplace_back(*col_type[c], x);
        }
        rest->remove_prefix(9);
        continue;
      }
      row.emplace_back();
      Status st = r.GetScalar(*col_type[c], &row.back());
      if (!st.ok()) return corrupt(st.message());
    }
  }
  std::map<std::pair<int64_t, int64_t>, std::vector<uint32_t>> open_windows;
  uint32_t n = 0;
  if (!r.GetCount(&n, 20)) return corrupt("bad open-window count");
  for (uint32_t i = 0; i < n; ++i) {
    int64_t end = 0, start = 0;
    uint32_t m = 0;
    if (!r.Get(&end) || !r.Get(&start) || !r.GetCount(&m, 4)) return corrupt("bad open window");
    auto& groups = open_windows[{end, start}];
    if (!groups.empty()) return corrupt("duplicate open window");
    groups.resize(m);
    for (auto& g : groups) {
      if (!r.Get(&g) || g >= num_groups) return corrupt("open window lists an unknown group");
    }
  }
  std::vector<std::vector<State::Session>> sessions;
  if (!r.GetCount(&n, 4)) return corrupt("bad session key count");
  if (n > 0 && !s.session()) return corrupt("sessions in a non-session aggregate");
  sessions.resize(n);
  for (auto& list : sessions) {
    uint32_t m = 0;
    if (!r.GetCount(&m, 20)) return corrupt("bad session count");
    list.resize(m);
    for (auto& sess : list) {
      if (!r.Get(&sess.start) || !r.Get(&sess.end) || !r.Get(&sess.group) ||
          sess.group >= num_groups) {
        return corrupt("session refers to an unknown group");
      }
    }
  }
  std::vector<uint32_t> free_groups;
  if (!r.GetCount(&n, 4)) return corrupt("bad free-list count");
  free_groups.resize(n);
  for (auto& g : free_groups) {
    if (!r.Get(&g) || g >= num_groups) return corrupt("free list names an unknown group");
  }
  std::vector<uint32_t> throttled;
  if (!r.empty()) {
    if (!r.GetCount(&n, 4)) return corrupt("bad pending-update count");
    throttled.resize(n);
    for (auto& g : throttled) {
      if (!r.Get(&g) || g >= num_groups) return corrupt("pending update names an unknown group");
    }
  }
  if (!r.empty()) return corrupt("trailing bytes");

  // Commit: nothing above touched the live state.
  s.table = std::move(table);
  for (size_t i = 0; i < accs.size(); ++i) s.aggs[i].acc = std::move(accs[i]);
  s.num_groups = num_groups;
  s.group_start = std::move(group_start);
  s.group_end = std::move(group_end);
  s.group_rows = std::move(group_rows);
  s.group_key = std::move(group_key);
  s.has_emitted = std::move(has_emitted);
  s.registered = std::move(registered);
  s.last_emitted = std::move(last_emitted);
  s.open_windows = std::move(open_windows);
  s.sessions = std::move(sessions);
  s.free_groups = std::move(free_groups);
  s.throttled_mark.assign(num_groups, 0);
  for (uint32_t g : throttled) s.throttled_mark[g] = 1;
  s.throttled = std::move(throttled);
  s.watermark = watermark;
  s.late_dropped = late_dropped;
  return Status::OK();
}

int64_t AggregateOperator::StateBytes() const {
  int64_t total = state_->table->MemoryUsage();
  for (const auto& a : state_->aggs) total += a.acc->MemoryUsage();
  return total;
}

std::string AggregateOperator::Describe() const { return state_->description; }

// ---------------------------------------------------------------------------------------------

// Union image: u32 magic "LUNI", u8 version=1, u32 branches, per branch u32 n_ops and
// n_ops x (u32 length + the operator's image).
namespace {
constexpr uint32_t kUnionSnapshotMagic = 0x494e554c;  // "LUNI"
constexpr uint8_t kUnionSnapshotVersion = 1;
}  // namespace

Status UnionOperator::Snapshot(std::string* out) const {
  StateWriter w(out);
  w.Put(kUnionSnapshotMagic);
  w.Put(kUnionSnapshotVersion);
  w.Put(static_cast<uint32_t>(branches_.size()));
  for (const auto& ops : branches_) {
    w.Put(static_cast<uint32_t>(ops.size()));
    for (const auto& op : ops) {
      size_t at = w.BeginLength();
      LAMINAR_RETURN_NOT_OK(op->Snapshot(out));
      w.FinishLength(at);
    }
  }
  return Status::OK();
}

Status UnionOperator::Restore(std::string_view in) {
  StateReader r(in);
  uint32_t magic = 0, branches = 0;
  uint8_t version = 0;
  if (!r.Get(&magic) || magic != kUnionSnapshotMagic || !r.Get(&version) ||
      version != kUnionSnapshotVersion || !r.Get(&branches) || branches != branches_.size()) {
    return Status::Corruption("union state snapshot: bad header or a different number of inputs");
  }
  // Operators restore atomically each; a failure part-way leaves earlier branches restored,
  // which is fine because the caller discards the whole engine on any restore error.
  for (auto& ops : branches_) {
    uint32_t n = 0;
    if (!r.Get(&n) || n != ops.size()) {
      return Status::Corruption("union state snapshot: a branch has a different shape");
    }
    for (auto& op : ops) {
      std::string_view image;
      if (!r.GetView(&image)) return Status::Corruption("union state snapshot: truncated");
      LAMINAR_RETURN_NOT_OK(op->Restore(image));
    }
  }
  if (!r.empty()) return Status::Corruption("union state snapshot: trailing bytes");
  return Status::OK();
}

Status UnionOperator::RunBranch(int input, size_t from, std::vector<Delta> current,
                                std::vector<Delta>* output) {
  auto& ops = branches_[static_cast<size_t>(input)];
  for (size_t i = from; i < ops.size() && !current.empty(); ++i) {
    std::vector<Delta> next;
    for (const auto& d : current) LAMINAR_RETURN_NOT_OK(ops[i]->Process(d, &next));
    current = std::move(next);
  }
  for (auto& d : current) output->push_back(std::move(d));
  return Status::OK();
}

Status UnionOperator::ProcessInput(int input, const Delta& delta, std::vector<Delta>* output) {
  if (input < 0 || input >= num_inputs()) return Status::OK();
  return RunBranch(input, 0, {delta}, output);
}

Status UnionOperator::AdvanceInputWatermark(int input, int64_t watermark,
                                            std::vector<Delta>* output) {
  if (input < 0 || input >= num_inputs()) return Status::OK();
  auto& ops = branches_[static_cast<size_t>(input)];
  for (size_t i = 0; i < ops.size(); ++i) {
    std::vector<Delta> out;
    LAMINAR_RETURN_NOT_OK(ops[i]->AdvanceWatermark(watermark, &out));
    if (!out.empty()) LAMINAR_RETURN_NOT_OK(RunBranch(input, i + 1, std::move(out), output));
  }
  return Status::OK();
}

Status JoinChainOperator::FeedOuter(std::vector<Delta> mid, std::vector<Delta>* output) {
  for (const auto& d : mid) LAMINAR_RETURN_NOT_OK(outer_->ProcessInput(0, d, output));
  return Status::OK();
}

Status JoinChainOperator::ProcessInput(int input, const Delta& delta, std::vector<Delta>* output) {
  const int k = static_cast<int>(inner_is_table_.size());
  if (input < k) {
    std::vector<Delta> mid;
    LAMINAR_RETURN_NOT_OK(inner_->ProcessInput(input, delta, &mid));
    return FeedOuter(std::move(mid), output);
  }
  return outer_->ProcessInput(1, delta, output);
}

Status JoinChainOperator::AdvanceInputWatermark(int input, int64_t watermark,
                                                std::vector<Delta>* output) {
  const int k = static_cast<int>(inner_is_table_.size());
  if (input >= k) return outer_->AdvanceInputWatermark(1, watermark, output);
  std::vector<Delta> mid;
  LAMINAR_RETURN_NOT_OK(inner_->AdvanceInputWatermark(input, watermark, &mid));
  LAMINAR_RETURN_NOT_OK(FeedOuter(std::move(mid), output));
  inner_watermarks_[static_cast<size_t>(input)] = watermark;
  int64_t wm = INT64_MAX;
  for (int i = 0; i < k; ++i) {
    if (!inner_is_table_[static_cast<size_t>(i)])
      wm = std::min(wm, inner_watermarks_[static_cast<size_t>(i)]);
  }
  if (wm == INT64_MAX || wm == INT64_MIN) return Status::OK();
  return outer_->AdvanceInputWatermark(0, inner_->OutputWatermark(wm), output);
}

int64_t JoinChainOperator::OutputWatermark(int64_t input_watermark) const {
  return outer_->OutputWatermark(inner_->OutputWatermark(input_watermark));
}

Status JoinChainOperator::Snapshot(std::string* out) const {
  StateWriter w(out);
  size_t at = w.BeginLength();
  LAMINAR_RETURN_NOT_OK(inner_->Snapshot(out));
  w.FinishLength(at);
  at = w.BeginLength();
  LAMINAR_RETURN_NOT_OK(outer_->Snapshot(out));
  w.FinishLength(at);
  for (int64_t wm : inner_watermarks_) w.Put(wm);
  return Status::OK();
}

Status JoinChainOperator::Restore(std::string_view in) {
  StateReader r(in);
  std::string_view a, b;
  if (!r.GetView(&a) || !r.GetView(&b)) {
    return Status::Corruption("join chain state: truncated", ErrorCode::kStateCorruption);
  }
  std::vector<int64_t> wms(inner_watermarks_.size());
  for (auto& wm : wms) {
    if (!r.Get(&wm))
      return Status::Corruption("join chain state: truncated", ErrorCode::kStateCorruption);
  }
  if (!r.empty())
    return Status::Corruption("join chain state: trailing bytes", ErrorCode::kStateCorruption);
  LAMINAR_RETURN_NOT_OK(inner_->Restore(a));
  LAMINAR_RETURN_NOT_OK(outer_->Restore(b));
  inner_watermarks_ = std::move(wms);
  return Status::OK();
}

Result<std::vector<std::unique_ptr<StreamOperator>>> CompilePipeline(
    const sql::PlanPtr& plan, const AggregateOptions& options, std::vector<std::string>* inputs,
    const TableProvider& tables) {
  std::vector<std::unique_ptr<StreamOperator>> ops;
  if (plan->kind == sql::PlanKind::kScan) {
    inputs->push_back(plan->relation);
    return ops;
  }
  if (plan->kind == sql::PlanKind::kJoin && plan->inputs[0]->kind == sql::PlanKind::kJoin &&
      plan->inputs[1]->kind == sql::PlanKind::kScan) {
    // A chain: compile the inner join (recursively), then join its output with the right side.
    std::vector<std::string> inner_inputs;
    LAMINAR_ASSIGN_OR_RETURN(auto inner_ops,
                             CompilePipeline(plan->inputs[0], options, &inner_inputs, tables));
    if (inner_ops.size() != 1) return Status::Internal("unexpected inner join pipeline");
    std::vector<bool> inner_is_table(inner_inputs.size(), false);
    if (plan->inputs[0]->join.strategy == sql::JoinStrategy::kLookup && inner_inputs.size() == 2) {
      inner_is_table[1] = true;
    }
    LAMINAR_ASSIGN_OR_RETURN(auto outer, JoinOperator::Make(*plan, tables));
    for (auto& n : inner_inputs) inputs->push_back(n);
    inputs->push_back(plan->inputs[1]->relation);
    ops.push_back(std::make_unique<JoinChainOperator>(std::move(inner_ops[0]),
                                                      std::move(inner_is_table), std::move(outer)));
    return ops;
  }
  if (plan->kind == sql::PlanKind::kJoin) {
    if (plan->inputs[0]->kind != sql::PlanKind::kScan ||
        plan->inputs[1]->kind != sql::PlanKind::kScan) {
      return Status::NotImplemented("a continuous join must read two named relations directly");
    }
    inputs->push_back(plan->inputs[0]->relation);
    inputs->push_back(plan->inputs[1]->relation);
    LAMINAR_ASSIGN_OR_RETURN(auto op, JoinOperator::Make(*plan, tables));
    ops.push_back(std::move(op));
    return ops;
  }
  if (plan->kind == sql::PlanKind::kUnion) {
    if (!plan->union_all) {
      return Status::NotImplemented("UNION (distinct) in a continuous query: use UNION ALL");
    }
    std::vector<std::vector<std::unique_ptr<StreamOperator>>> branches;
    for (const auto& in : plan->inputs) {
      std::vector<std::string> branch_inputs;
      LAMINAR_ASSIGN_OR_RETURN(auto branch, CompilePipeline(in, options, &branch_inputs, tables));
      if (branch_inputs.size() != 1 || (!branch.empty() && branch[0]->num_inputs() != 1)) {
        return Status::NotImplemented("each UNION ALL input must read one relation");
      }
      inputs->push_back(branch_inputs[0]);
      branches.push_back(std::move(branch));
    }
    ops.push_back(std::make_unique<UnionOperator>(std::move(branches)));
    return ops;
  }
  if (plan->inputs.size() != 1) {
    return Status::NotImplemented("this plan shape is not supported in a continuous query");
  }
  LAMINAR_ASSIGN_OR_RETURN(ops, CompilePipeline(plan->inputs[0], options, inputs, tables));
  switch (plan->kind) {
    case sql::PlanKind::kFilter: {
      LAMINAR_ASSIGN_OR_RETURN(auto op, FilterProjectOperator::MakeFilter(plan->predicate));
      ops.push_back(std::move(op));
      break;
    }
    case sql::PlanKind::kProject: {
      // Right above a filter: one fused operator, and a pass-through in this slot.
      auto* filter = ops.empty() ? nullptr : dynamic_cast<FilterProjectOperator*>(ops.back().get());
      if (filter != nullptr && filter->IsFilterOnly()) {
        LAMINAR_ASSIGN_OR_RETURN(
            ops.back(), FilterProjectOperator::MakeFilterProject(filter->predicate_expr(),
                                                                 plan->exprs, plan->schema));
        ops.push_back(FilterProjectOperator::MakePassThrough("Project (fused into the filter)"));
        break;
      }
      LAMINAR_ASSIGN_OR_RETURN(auto op,
                               FilterProjectOperator::MakeProject(plan->exprs, plan->schema));
      ops.push_back(std::move(op));
      break;
    }
    case sql::PlanKind::kUnnest: {
      LAMINAR_ASSIGN_OR_RETURN(auto op, UnnestOperator::Make(*plan));
      ops.push_back(std::move(op));
      break;
    }
    case sql::PlanKind::kAggregate: {
      LAMINAR_ASSIGN_OR_RETURN(auto op, MakeStreamingAggregate(*plan, options));
      ops.push_back(std::move(op));
      break;
    }
    case sql::PlanKind::kWindow: {
      if (plan->streaming_over) {  // SUM/AVG/... OVER (ROWS ...): over_window_operator.h
        LAMINAR_ASSIGN_OR_RETURN(auto op, OverWindowOperator::Make(*plan));
        ops.push_back(std::move(op));
        break;
      }
      // Ranking functions with a rank filter (sql/binder/topn_analysis.h).
      if (plan->top_n < 1) {
        return Status::NotImplemented("window functions in a continuous query need a rank filter");
      }
      LAMINAR_ASSIGN_OR_RETURN(auto op, TopNOperator::Make(*plan, options));
      // Right above an inner join, the top-N tests candidate pairs before their rows are built.
      if (ops.size() == 1 && plan->inputs[0]->kind == sql::PlanKind::kJoin) {
        if (auto* join = dynamic_cast<JoinOperator*>(ops[0].get())) {
          op->ConnectToJoin(join, plan->inputs[0]->join.left_columns);
        }
      }
      ops.push_back(std::move(op));
      break;
    }
    default:
      return Status::NotImplemented(
          "ORDER BY / LIMIT / UNION in a continuous query are not supported yet");
  }
  return ops;
}

}  // namespace laminar::execution
