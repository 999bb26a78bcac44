// Streaming OVER window. See OverWindowOperator in over_window_operator.h for the contract.

#include "execution/over_window_operator.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "columnar/builder.h"
#include "common/string_util.h"
#include "execution/state_codec.h"
#include "function/evaluator.h"

namespace laminar::execution {

using columnar::ArrayPtr;
using columnar::RecordBatch;
using columnar::Scalar;
namespace fn = laminar::function;

namespace {

enum class OverFunction : uint8_t { kSum, kAvg, kCount, kMin, kMax, kLag, kFirst, kLast, kNth };

/// Lexicographic CompareScalars over two equally long key lists (as the batch path compares
/// partition keys).
int CompareKeys(const std::vector<Scalar>& a, const std::vector<Scalar>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const int c = columnar::CompareScalars(a[i], b[i]);
    if (c != 0) return c;
  }
  return 0;
}

struct KeyLess {
  bool operator()(const std::vector<Scalar>& a, const std::vector<Scalar>& b) const {
    return CompareKeys(a, b) < 0;
  }
};

// The value of an integer constant argument (LAG's offset, NTH_VALUE's n), or `fallback`.
Result<int64_t> ConstantInt(const std::vector<fn::ExprPtr>& args, size_t i, int64_t fallback) {
  if (args.size() <= i) return fallback;
  LAMINAR_ASSIGN_OR_RETURN(auto v, fn::EvaluateConstant(args[i]));
  if (v.is_null() || !v.type()->is_integer()) {
    return Status::Internal("streaming OVER window: a non-constant offset");
  }
  return v.int_value();
}

std::string FrameText(int64_t start, int64_t end) {
  auto bound = [](int64_t b) -> std::string {
    if (b == INT64_MIN) return "UNBOUNDED PRECEDING";
    if (b == 0) return "CURRENT ROW";
    return fmt::format("{} PRECEDING", -b);
  };
  return "ROWS BETWEEN " + bound(start) + " AND " + bound(end);
}

}  // namespace

struct OverWindowOperator::State {
  /// One call: its function, frame (row offsets relative to the current row, <= 0) and argument.
  struct Call {
    OverFunction function = OverFunction::kSum;
    bool count_star = false;
    int64_t frame_start = INT64_MIN;  // INT64_MIN: UNBOUNDED PRECEDING
    int64_t frame_end = 0;
    int64_t offset = 0;              // LAG: rows back; NTH_VALUE: n (1-based)
    columnar::DataTypePtr type;      // result type
    columnar::DataTypePtr arg_type;  // argument type (BIGINT for COUNT(*))
    std::unique_ptr<fn::CompiledExpression> arg;
    std::unique_ptr<fn::CompiledExpression> fallback;  // LAG's default, per row (null: NULL)
  };
  /// An aggregate over a sequence of argument values, accumulated in frame order exactly as the
  /// batch path does (integer sums in int64, every sum also in double, min/max by
  /// CompareScalars).
  struct Accumulator {
    int64_t count = 0;
    int64_t isum = 0;
    double dsum = 0;
    Scalar best;

    void Add(const Call& c, const Scalar& v) {
      if (c.function == OverFunction::kFirst || c.function == OverFunction::kNth) {
        // Value functions count every row, NULL or not (RESPECT NULLS); `best` is the first
        // (n-th) row's value once it entered.
        ++count;
        if (count == (c.function == OverFunction::kFirst ? 1 : c.offset)) best = v;
        return;
      }
      if (c.count_star) {
        ++count;
        return;
      }
      if (v.is_null()) return;
      ++count;
      if (c.function == OverFunction::kSum || c.function == OverFunction::kAvg) {
        if (const auto* x = std::get_if<int64_t>(&v.storage())) {
          isum += *x;
          dsum += static_cast<double>(*x);
        } else {
          dsum += v.ToDouble();
        }
      } else if (c.function == OverFunction::kMin || c.function == OverFunction::kMax) {
        const int cmp = best.is_null() ? 1 : columnar::CompareScalars(v, best);
        if (best.is_null() || (c.function == OverFunction::kMin ? cmp < 0 : cmp > 0)) best = v;
      }
    }
    Scalar Result(const Call& c) const {
      if (c.function == OverFunction::kCount) return Scalar(c.type, count);
      if (c.function == OverFunction::kFirst || c.function == OverFunction::kNth) {
        const int64_t need = c.function == OverFunction::kFirst ? 1 : c.offset;
        return count >= need ? best : Scalar::Null(c.type);
      }
      if (count == 0) return Scalar::Null(c.type);
      switch (c.function) {
        case OverFunction::kAvg:
          return Scalar(c.type, dsum / static_cast<double>(count));
        case OverFunction::kSum:
          return c.type->is_integer() ? Scalar(c.type, isum) : Scalar(c.type, dsum);
        default:
          return Scalar(c.type, best.storage());
      }
    }
  };
  /// A partition: argument values (one per call) of its last `keep` rows, oldest first, and the
  /// running accumulators of UNBOUNDED PRECEDING calls.
  struct Partition {
    std::deque<std::vector<Scalar>> ring;
    std::vector<Accumulator> running;
  };
  /// A row waiting for the watermark.
  struct Pending {
    int64_t time = 0;
    std::vector<Scalar> ties;  // ORDER BY keys after the time column
    uint64_t seq = 0;          // arrival number: the last tie-breaker
    std::vector<Scalar> partition;
    std::vector<Scalar> args;      // one per call
    std::vector<Scalar> defaults;  // one per call: LAG's default for this row (else empty)
    columnar::RecordBatchPtr batch;
    int32_t row = 0;
  };
  struct PendingLess {
    const std::vector<bool>* descending = nullptr;  // of the tie keys
    bool operator()(const Pending& a, const Pending& b) const {
      if (a.time != b.time) return a.time < b.time;
      for (size_t i = 0; i < a.ties.size(); ++i) {
        int c = columnar::CompareScalars(a.ties[i], b.ties[i]);
        if ((*descending)[i]) c = -c;
        if (c != 0) return c < 0;
      }
      return a.seq < b.seq;
    }
  };

  std::vector<Call> calls;
  std::vector<std::unique_ptr<fn::CompiledExpression>> partition_exprs;
  std::vector<columnar::DataTypePtr> partition_types;
  std::unique_ptr<fn::CompiledExpression> time_expr;
  std::vector<std::unique_ptr<fn::CompiledExpression>> tie_exprs;
  std::vector<bool> tie_descending;
  sql::TimeColumnBound time_bound;
  size_t keep = 1;  // rows each partition's ring holds
  columnar::SchemaPtr input_schema;
  columnar::SchemaPtr output_schema;
  std::string description;

  std::set<Pending, PendingLess> pending{PendingLess{&tie_descending}};
  std::map<std::vector<Scalar>, Partition, KeyLess> partitions;
  uint64_t next_seq = 0;
  uint64_t late_dropped = 0;
  int64_t watermark = INT64_MIN;
  // StateBytes() estimate, kept current as partitions are created and rings grow (so polling
  // Database::metrics() costs O(1)): kPendingBytes per pending row, per partition
  // kPartitionBytes + kValueBytes per key value, kValueBytes per ring value (ring rows x calls).
  // RecountStateBytes() walks the state and must agree.
  static constexpr int64_t kPendingBytes = 128;
  static constexpr int64_t kPartitionBytes = 64;
  static constexpr int64_t kValueBytes = 32;
  int64_t partition_bytes = 0;  // partitions and their keys
  int64_t ring_rows = 0;        // rows held by all rings

  static int64_t PartitionBytes(const std::vector<Scalar>& key) {
    return kPartitionBytes + static_cast<int64_t>(key.size()) * kValueBytes;
  }

  /// The lowest time a row can still arrive with: rows below it are final.
  int64_t Frontier() const {
    return watermark == INT64_MIN ? INT64_MIN : time_bound.LowerBound(watermark);
  }

  /// Evaluates the keys and arguments of every row of `batch` into pending entries (rows with
  /// a NULL time get time = INT64_MIN and `null_time` set).
  Result<std::vector<Pending>> Evaluate(const columnar::RecordBatchPtr& batch,
                                        std::vector<uint8_t>* null_time) const {
    const int64_t n = batch->num_rows();
    std::vector<ArrayPtr> parts, ties, args;
    for (const auto& e : partition_exprs) {
      LAMINAR_ASSIGN_OR_RETURN(auto a, e->Evaluate(*batch));
      parts.push_back(std::move(a));
    }
    LAMINAR_ASSIGN_OR_RETURN(auto tcol, time_expr->Evaluate(*batch));
    for (const auto& e : tie_exprs) {
      LAMINAR_ASSIGN_OR_RETURN(auto a, e->Evaluate(*batch));
      ties.push_back(std::move(a));
    }
    std::vector<ArrayPtr> defaults;
    for (const auto& c : calls) {
      if (c.arg) {
        LAMINAR_ASSIGN_OR_RETURN(auto a, c.arg->Evaluate(*batch));
        args.push_back(std::move(a));
      } else {
        args.push_back(nullptr);
      }
      if (c.fallback) {
        LAMINAR_ASSIGN_OR_RETURN(auto d, c.fallback->Evaluate(*batch));
        defaults.push_back(std::move(d));
      } else {
        defaults.push_back(nullptr);
      }
    }
    const bool any_default = std::any_of(defaults.begin(), defaults.end(),
                                         [](const ArrayPtr& d) { return d != nullptr; });
    std::vector<Pending> out(static_cast<size_t>(n));
    null_time->assign(static_cast<size_t>(n), 0);
    const int64_t* t = tcol->values<int64_t>();
    for (int64_t r = 0; r < n; ++r) {
      Pending& p = out[static_cast<size_t>(r)];
      if (tcol->IsNull(r)) {
        (*null_time)[static_cast<size_t>(r)] = 1;
        p.time = INT64_MIN;
      } else {
        p.time = t[r];
      }
      for (const auto& a : ties) p.ties.push_back(columnar::GetScalar(*a, r));
      for (const auto& a : parts) p.partition.push_back(columnar::GetScalar(*a, r));
      for (size_t i = 0; i < calls.size(); ++i) {
        p.args.push_back(args[i] ? columnar::GetScalar(*args[i], r)
                                 : Scalar::Null(calls[i].arg_type));
      }
      if (any_default) {
        for (size_t i = 0; i < calls.size(); ++i) {
          p.defaults.push_back(defaults[i] ? columnar::GetScalar(*defaults[i], r)
                                           : Scalar::Null(calls[i].type));
        }
      }
      p.batch = batch;
      p.row = static_cast<int32_t>(r);
    }
    return out;
  }

  /// A value read from the ring as the call's result type (NULL keeps the type).
  static Scalar Typed(const Call& c, const Scalar& v) {
    return v.is_null() ? Scalar::Null(c.type) : v;
  }

  /// Adds `row` to its partition and returns one result per call.
  std::vector<Scalar> Compute(const Pending& row) {
    auto it = partitions.find(row.partition);
    if (it == partitions.end()) {
      it = partitions.emplace(row.partition, Partition()).first;
      it->second.running.resize(calls.size());
      partition_bytes += PartitionBytes(it->first);
    }
    Partition& part = it->second;
    part.ring.push_back(row.args);
    if (part.ring.size() > keep) {
      part.ring.pop_front();
    } else {
      ++ring_rows;
    }
    const int64_t last = static_cast<int64_t>(part.ring.size()) - 1;  // the current row
    std::vector<Scalar> out;
    out.reserve(calls.size());
    for (size_t i = 0; i < calls.size(); ++i) {
      const Call& c = calls[i];
      if (c.function == OverFunction::kLag) {
        // The partition's row `offset` rows back, else the default.
        const int64_t back = last - c.offset;
        if (back >= 0) {
          out.push_back(Typed(c, part.ring[static_cast<size_t>(back)][i]));
        } else {
          out.push_back(row.defaults.empty() ? Scalar::Null(c.type) : row.defaults[i]);
        }
        continue;
      }
      // The frame, as ring positions [lo, hi] (empty when hi < lo).
      const int64_t lo =
          c.frame_start == INT64_MIN ? 0 : std::max<int64_t>(0, last + c.frame_start);
      const int64_t hi = last + c.frame_end;
      const bool value_function = c.function == OverFunction::kFirst ||
                                  c.function == OverFunction::kLast ||
                                  c.function == OverFunction::kNth;
      if (value_function && (c.frame_start != INT64_MIN || c.function == OverFunction::kLast)) {
        // One row of the frame: the first, the last or the n-th. (UNBOUNDED PRECEDING
        // FIRST_VALUE / NTH_VALUE keep that row's value in the running accumulator below.)
        const int64_t at = c.function == OverFunction::kFirst  ? lo
                           : c.function == OverFunction::kLast ? hi
                                                               : lo + c.offset - 1;
        out.push_back(lo <= hi && at <= hi ? Typed(c, part.ring[static_cast<size_t>(at)][i])
                                           : Scalar::Null(c.type));
        continue;
      }
      if (c.frame_start == INT64_MIN) {
        // The row `-frame_end` rows back (the frame's end, hi) enters the frame now, once the
        // partition has it.
        if (hi >= 0) part.running[i].Add(c, part.ring[static_cast<size_t>(hi)][i]);
        out.push_back(part.running[i].Result(c));
        continue;
      }
      Accumulator acc;
      for (int64_t j = lo; j <= hi; ++j) {
        acc.Add(c, part.ring[static_cast<size_t>(j)][i]);
      }
      out.push_back(acc.Result(c));
    }
    return out;
  }

  /// Emits, in order, every pending row that is final.
  Status EmitFinal(std::vector<Delta>* output) {
    if (pending.empty() || watermark == INT64_MIN) return Status::OK();
    const int64_t frontier = Frontier();
    const bool arrival_ties = tie_exprs.empty();
    std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders;
    std::vector<std::vector<Scalar>> results(calls.size());
    int64_t n = 0;
    while (!pending.empty()) {
      const Pending& p = *pending.begin();
      if (!(p.time < frontier || (p.time == frontier && arrival_ties))) break;
      if (builders.empty()) {
        for (const auto& f : input_schema->fields()) {
          builders.push_back(columnar::MakeBuilder(f->type));
        }
      }
      auto node = pending.extract(pending.begin());
      const Pending& row = node.value();
      for (int c = 0; c < input_schema->num_fields(); ++c) {
        builders[static_cast<size_t>(c)]->AppendArraySlice(*row.batch->column(c), row.row, 1);
      }
      auto values = Compute(row);
      for (size_t i = 0; i < calls.size(); ++i) results[i].push_back(std::move(values[i]));
      ++n;
    }
    if (n == 0) return Status::OK();
    std::vector<ArrayPtr> cols;
    for (auto& b : builders) cols.push_back(b->Finish());
    for (size_t i = 0; i < calls.size(); ++i) {
      LAMINAR_ASSIGN_OR_RETURN(auto a, columnar::ArrayFromScalars(calls[i].type, results[i]));
      cols.push_back(std::move(a));
    }
    Delta d;
    d.batch = std::make_shared<const RecordBatch>(output_schema, n, std::move(cols));
    output->push_back(std::move(d));
    return Status::OK();
  }
};

Result<std::unique_ptr<OverWindowOperator>> OverWindowOperator::Make(const sql::PlanNode& node) {
  if (node.kind != sql::PlanKind::kWindow || !node.streaming_over || node.analytics.empty() ||
      node.inputs.size() != 1 || !node.over_time.known()) {
    return Status::Internal("OverWindowOperator needs a streaming OVER window node");
  }
  auto op = std::unique_ptr<OverWindowOperator>(new OverWindowOperator());
  op->state_ = std::make_unique<State>();
  State& s = *op->state_;
  s.input_schema = node.inputs[0]->schema;
  s.output_schema = node.schema;
  s.time_bound = node.over_time;
  const sql::AnalyticCall& first = node.analytics[0];
  if (first.order_by.empty()) return Status::Internal("streaming OVER window without ORDER BY");
  std::string parts, orders, calls;
  for (const auto& e : first.partition_by) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(e));
    s.partition_exprs.push_back(std::move(c));
    s.partition_types.push_back(e->type);
    parts += (parts.empty() ? "" : ", ") + e->ToString();
  }
  LAMINAR_ASSIGN_OR_RETURN(s.time_expr, fn::CompiledExpression::Compile(first.order_by[0]));
  orders = first.order_by[0]->ToString();
  for (size_t i = 1; i < first.order_by.size(); ++i) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(first.order_by[i]));
    s.tie_exprs.push_back(std::move(c));
    s.tie_descending.push_back(first.descending[i]);
    orders += ", " + first.order_by[i]->ToString() + (first.descending[i] ? " DESC" : "");
  }
  for (const auto& a : node.analytics) {
    State::Call c;
    if (a.function == "sum") {
      c.function = OverFunction::kSum;
    } else if (a.function == "avg") {
      c.function = OverFunction::kAvg;
    } else if (a.function == "count") {
      c.function = OverFunction::kCount;
    } else if (a.function == "min") {
      c.function = OverFunction::kMin;
    } else if (a.function == "max") {
      c.function = OverFunction::kMax;
    } else if (a.function == "lag") {
      c.function = OverFunction::kLag;
    } else if (a.function == "first_value") {
      c.function = OverFunction::kFirst;
    } else if (a.function == "last_value") {
      c.function = OverFunction::kLast;
    } else if (a.function == "nth_value") {
      c.function = OverFunction::kNth;
    } else {
      return Status::NotImplemented(a.function + " is not supported in a streaming OVER window",
                                    ErrorCode::kSqlUnsupported);
    }
    const bool lag = c.function == OverFunction::kLag;
    if (!lag && (!a.has_frame || a.range_frame || a.frame_end > 0 || a.frame_start > a.frame_end)) {
      return Status::Internal("streaming OVER window with an unsupported frame");
    }
    c.count_star = a.count_star || a.args.empty();
    c.frame_start = lag ? 0 : a.frame_start;
    c.frame_end = lag ? 0 : a.frame_end;
    if (lag || c.function == OverFunction::kNth) {
      LAMINAR_ASSIGN_OR_RETURN(c.offset, ConstantInt(a.args, 1, 1));
      if (c.offset < (lag ? 0 : 1)) {
        return Status::Internal("streaming OVER window: offset out of range");
      }
    }
    if (lag && a.args.size() >= 3) {
      LAMINAR_ASSIGN_OR_RETURN(c.fallback, fn::CompiledExpression::Compile(a.args[2]));
    }
    c.type = a.type;
    c.arg_type = columnar::int64();
    if (!c.count_star) {
      LAMINAR_ASSIGN_OR_RETURN(c.arg, fn::CompiledExpression::Compile(a.args[0]));
      c.arg_type = a.args[0]->type;
    }
    // Rows the ring must hold: back to the frame start (bounded), or to the frame end (the row
    // that enters a running accumulator).
    const int64_t reach =
        lag ? c.offset : (c.frame_start == INT64_MIN ? -c.frame_end : -c.frame_start);
    s.keep = std::max(s.keep, static_cast<size_t>(reach) + 1);
    if (lag) {
      calls +=
          fmt::format("{}LAG({}, {})", calls.empty() ? "" : ", ", a.args[0]->ToString(), c.offset);
    } else {
      calls += fmt::format("{}{}({}) {}", calls.empty() ? "" : ", ", ToUpper(a.function),
                           c.count_star ? "*" : a.args[0]->ToString(),
                           FrameText(c.frame_start, c.frame_end));
    }
    s.calls.push_back(std::move(c));
  }
  s.description = fmt::format("OverWindow: {} PARTITION BY ({}) ORDER BY {}", calls, parts, orders);
  return op;
}

OverWindowOperator::~OverWindowOperator() = default;

Status OverWindowOperator::Process(const Delta& input, std::vector<Delta>* output) {
  State& s = *state_;
  if (input.num_rows() == 0) return Status::OK();
  for (int64_t w : input.weights) {
    if (w <= 0) {
      return Status::NotImplemented(
          "a streaming OVER window cannot consume retractions (changelog input)",
          ErrorCode::kSqlUnsupported);
    }
  }
  std::vector<uint8_t> null_time;
  LAMINAR_ASSIGN_OR_RETURN(auto rows, s.Evaluate(input.batch, &null_time));
  const int64_t frontier = s.Frontier();
  for (size_t r = 0; r < rows.size(); ++r) {
    // NULL times and times already below the emitted order cannot be placed: dropped.
    if (null_time[r] || (s.watermark != INT64_MIN && rows[r].time < frontier)) {
      ++s.late_dropped;
      continue;
    }
    rows[r].seq = s.next_seq++;
    s.pending.insert(std::move(rows[r]));
  }
  return s.EmitFinal(output);
}

Status OverWindowOperator::AdvanceWatermark(int64_t watermark, std::vector<Delta>* output) {
  State& s = *state_;
  if (watermark <= s.watermark) return Status::OK();
  s.watermark = watermark;
  return s.EmitFinal(output);
}

namespace {
constexpr uint32_t kOverStateMagic = 0x5752564F;  // "OVRW"
constexpr uint8_t kOverStateVersion = 1;
}  // namespace

Status OverWindowOperator::Snapshot(std::string* out) const {
  const State& s = *state_;
  std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders;
  for (const auto& f : s.input_schema->fields()) {
    builders.push_back(columnar::MakeBuilder(f->type));
  }
  for (const auto& p : s.pending) {
    for (int c = 0; c < s.input_schema->num_fields(); ++c) {
      builders[static_cast<size_t>(c)]->AppendArraySlice(*p.batch->column(c), p.row, 1);
    }
  }
  std::vector<ArrayPtr> cols;
  for (auto& b : builders) cols.push_back(b->Finish());
  RecordBatch rows(s.input_schema, static_cast<int64_t>(s.pending.size()), std::move(cols));
  StateWriter w(out);
  w.Put(kOverStateMagic);
  w.Put(kOverStateVersion);
  w.Put(s.next_seq);
  w.Put(s.late_dropped);
  w.Put(s.watermark);
  w.PutBatch(rows);
  for (const auto& p : s.pending) w.Put(p.seq);
  w.Put(static_cast<uint32_t>(s.partitions.size()));
  for (const auto& [key, part] : s.partitions) {
    for (const auto& v : key) w.PutScalar(v);
    w.Put(static_cast<uint32_t>(part.ring.size()));
    for (const auto& args : part.ring) {
      for (const auto& v : args) w.PutScalar(v);
    }
    for (const auto& acc : part.running) {
      w.Put(acc.count);
      w.Put(acc.isum);
      w.Put(acc.dsum);
      w.PutScalar(acc.best);
    }
  }
  return Status::OK();
}

Status OverWindowOperator::Restore(std::string_view in) {
  State& s = *state_;
  StateReader r(in);
  auto bad = [](const std::string& what) {
    return Status::Corruption("OVER window operator state: " + what, ErrorCode::kStateCorruption);
  };
  uint32_t magic = 0;
  uint8_t version = 0;
  uint64_t next_seq = 0, late = 0;
  int64_t watermark = 0;
  if (!r.Get(&magic) || magic != kOverStateMagic) return bad("bad magic");
  if (!r.Get(&version) || version != kOverStateVersion) return bad("unsupported version");
  if (!r.Get(&next_seq) || !r.Get(&late) || !r.Get(&watermark)) return bad("truncated header");
  LAMINAR_ASSIGN_OR_RETURN(auto batch, r.GetBatch(s.input_schema));
  std::vector<uint8_t> null_time;
  auto evaluated = s.Evaluate(batch, &null_time);
  if (!evaluated.ok()) return bad("pending rows: " + evaluated.status().ToString());
  std::set<State::Pending, State::PendingLess> pending{State::PendingLess{&s.tie_descending}};
  for (size_t i = 0; i < evaluated->size(); ++i) {
    State::Pending& p = (*evaluated)[i];
    if (!r.Get(&p.seq)) return bad("truncated arrival numbers");
    if (null_time[i] || p.seq >= next_seq) return bad("bad pending row");
    if (!pending.empty() && !pending.key_comp()(*pending.rbegin(), p)) {
      return bad("pending rows out of order");
    }
    pending.insert(pending.end(), std::move(p));
  }
  uint32_t nparts = 0;
  if (!r.GetCount(&nparts, 5)) return bad("bad partition count");
  std::map<std::vector<Scalar>, State::Partition, KeyLess> parts;
  int64_t partition_bytes = 0, ring_rows = 0;
  for (uint32_t i = 0; i < nparts; ++i) {
    std::vector<Scalar> key(s.partition_types.size());
    for (size_t k = 0; k < key.size(); ++k) {
      LAMINAR_RETURN_NOT_OK(r.GetScalar(s.partition_types[k], &key[k]));
    }
    State::Partition part;
    uint32_t ring = 0;
    if (!r.GetCount(&ring, s.calls.size()) || ring > s.keep) return bad("bad ring size");
    for (uint32_t j = 0; j < ring; ++j) {
      std::vector<Scalar> args(s.calls.size());
      for (size_t c = 0; c < args.size(); ++c) {
        LAMINAR_RETURN_NOT_OK(r.GetScalar(s.calls[c].arg_type, &args[c]));
      }
      part.ring.push_back(std::move(args));
    }
    part.running.resize(s.calls.size());
    for (size_t c = 0; c < s.calls.size(); ++c) {
      auto& acc = part.running[c];
      if (!r.Get(&acc.count) || !r.Get(&acc.isum) || !r.Get(&acc.dsum)) {
        return bad("truncated accumulator");
      }
      LAMINAR_RETURN_NOT_OK(r.GetScalar(s.calls[c].arg_type, &acc.best));
    }
    if (!parts.empty() && !KeyLess()(parts.rbegin()->first, key)) {
      return bad("partitions out of order");
    }
    partition_bytes += State::PartitionBytes(key);
    ring_rows += static_cast<int64_t>(part.ring.size());
    parts.emplace_hint(parts.end(), std::move(key), std::move(part));
  }
  if (!r.empty()) return bad("trailing bytes");
  s.pending = std::move(pending);
  s.partitions = std::move(parts);
  s.next_seq = next_seq;
  s.late_dropped = late;
  s.watermark = watermark;
  s.partition_bytes = partition_bytes;
  s.ring_rows = ring_rows;
  return Status::OK();
}

int64_t OverWindowOperator::StateBytes() const {
  const State& s = *state_;
  const int64_t ring_values = s.ring_rows * static_cast<int64_t>(s.calls.size());
  return std::max<int64_t>(0, static_cast<int64_t>(s.pending.size()) * State::kPendingBytes +
                                  s.partition_bytes + ring_values * State::kValueBytes);
}

int64_t OverWindowOperator::RecountStateBytes() const {
  const State& s = *state_;
  int64_t bytes = static_cast<int64_t>(s.pending.size()) * State::kPendingBytes;
  for (const auto& [k, p] : s.partitions) {
    bytes += State::PartitionBytes(k);
    for (const auto& values : p.ring) {
      bytes += static_cast<int64_t>(values.size()) * State::kValueBytes;
    }
  }
  return bytes;
}

std::string OverWindowOperator::Describe() const { return state_->description; }

uint64_t OverWindowOperator::late_dropped() const { return state_->late_dropped; }

}  // namespace laminar::execution
