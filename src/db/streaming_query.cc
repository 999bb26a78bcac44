// StreamingQuery (F082): SQL → Ring 0 (stateless filter/project, vectorised plus an optional
// per-row program) → bridge → Ring 1 (stateful operators) with the seed's lifecycle, metrics,
// checkpoint image and hot swap. See include/laminar/streaming_query.hpp.

#include "laminar/streaming_query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <map>

#include "columnar/builder.h"
#include "common/crc32c.h"
#include "common/hash.h"
#include "common/string_util.h"
#include "execution/hop_aggregate_operator.h"
#include "execution/operator.h"
#include "execution/topn_operator.h"
#include "execution/unnest_operator.h"
#include "function/evaluator.h"
#include "sql/binder/binder.h"
#include "sql/parser/parser.h"

namespace laminar {

using columnar::ArrayPtr;
using columnar::DataTypePtr;
using columnar::RecordBatch;
using columnar::RecordBatchPtr;
using columnar::SchemaPtr;
using columnar::TypeId;
using execution::Delta;
using execution::StreamOperator;
using Clock = std::chrono::steady_clock;

const char* QueryStateName(QueryState state) {
  switch (state) {
    case QueryState::kReady:
      return "Ready";
    case QueryState::kRunning:
      return "Running";
    case QueryState::kPaused:
      return "Paused";
    case QueryState::kStopped:
      return "Stopped";
  }
  return "Unknown";
}

namespace {

constexpr const char* kWeightColumn = "__weight";
constexpr uint32_t kCheckpointMagic = 0x51424c4c;  // "LLBQ" little-endian bytes "LLBQ"
constexpr uint32_t kCheckpointVersion = 1;

int64_t MicrosSince(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
}

// ---------------------------------------------------------------------------------------------
// The binder's view of the query's inputs.

class InputCatalog final : public sql::CatalogView {
 public:
  explicit InputCatalog(const std::vector<QueryInput>& inputs) {
    for (const auto& in : inputs) {
      sql::RelationInfo info;
      info.name = in.name;
      info.kind = sql::RelationInfo::Kind::kSource;
      info.schema = in.schema;
      info.watermark_column =
          in.event_time_column.empty() ? -1 : in.schema->GetFieldIndex(in.event_time_column);
      // The caller drives the watermark through AdvanceWatermark(), so windows may close.
      info.has_watermark = true;
      relations_.emplace(ToLower(in.name), std::move(info));
    }
  }
  const sql::RelationInfo* FindRelation(std::string_view name) const override {
    auto it = relations_.find(ToLower(name));
    return it == relations_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> RelationNames() const override {
    std::vector<std::string> out;
    for (const auto& [n, r] : relations_) out.push_back(r.name);
    return out;
  }

 private:
  std::map<std::string, sql::RelationInfo> relations_;
};

// ---------------------------------------------------------------------------------------------
// The per-row Ring 0 program ("compiled" pipeline). It covers column references, literals,
// comparisons, + - * on BIGINT/DOUBLE, casts of integers to DOUBLE, AND/OR/NOT with SQL
// three-valued logic and IS [NOT] NULL — the shape of most event filters. Anything it cannot
// represent makes the whole pipeline use the vectorised interpreter; anything that would raise
// an error at run time (integer overflow) makes that one event take the interpreter, so errors
// and their messages are exactly the interpreter's.

/// One value of a row in the per-row program.
struct RowValue {
  enum class Kind : uint8_t { kNull, kBool, kInt, kDouble, kString };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string_view s;
};

/// Physical class of a type in the row program; kNone = not representable.
enum class Phys : uint8_t { kNone, kBool, kInt, kDouble, kString };

Phys PhysOf(const DataTypePtr& type) {
  switch (type->id()) {
    case TypeId::kBoolean:
      return Phys::kBool;
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kDate32:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
      return Phys::kInt;
    case TypeId::kFloat32:
    case TypeId::kFloat64:
      return Phys::kDouble;
    case TypeId::kString:
    case TypeId::kBinary:
      return Phys::kString;
    default:
      return Phys::kNone;
  }
}

enum class RowOp : uint8_t {
  kColumn,
  kLiteral,
  kEq,
  kNeq,
  kLt,
  kLte,
  kGt,
  kGte,
  kAdd,
  kSub,
  kMul,
  kIntToDouble,
  kAnd,
  kOr,
  kNot,
  kIsNull,
  kIsNotNull,
};

struct RowNode {
  RowOp op = RowOp::kLiteral;
  Phys phys = Phys::kNone;  // operand class for comparisons / arithmetic
  int column = -1;
  RowValue literal;
  std::vector<int> args;
};

/// Outcome of evaluating one event in the row program.
enum class RowOutcome { kEmit, kDrop, kFallback };

class RowProgram {
 public:
  /// Builds the program for Ring 0 `steps` over `input`; returns false (with a reason) when some
  /// expression or column type is outside what the row form covers.
  bool Build(const SchemaPtr& input, const std::vector<const sql::PlanNode*>& steps,
             const SchemaPtr& output, std::string* reason) {
    input_width_ = input->num_fields();
    for (int i = 0; i < input->num_fields(); ++i) {
      if (PhysOf(input->field(i)->type) == Phys::kNone) {
        *reason = fmt::format("column '{}' of type {}", input->field(i)->name,
                              input->field(i)->type->ToString());
        return false;
      }
    }
    size_t width = static_cast<size_t>(input_width_);
    for (const sql::PlanNode* step : steps) {
      Step s;
      if (step->kind == sql::PlanKind::kFilter) {
        s.filter = true;
        s.predicate = Add(*step->predicate, reason);
        if (s.predicate < 0) return false;
      } else {
        for (const auto& e : step->exprs) {
          int n = Add(*e, reason);
          if (n < 0) return false;
          s.exprs.push_back(n);
        }
        width = std::max(width, s.exprs.size());
      }
      steps_.push_back(std::move(s));
    }
    for (int i = 0; i < output->num_fields(); ++i) {
      if (PhysOf(output->field(i)->type) == Phys::kNone) {
        *reason = fmt::format("output column '{}' of type {}", output->field(i)->name,
                              output->field(i)->type->ToString());
        return false;
      }
    }
    buf_a_.resize(width);
    buf_b_.resize(width);
    return true;
  }

  /// Runs the program over `row` (input_width values). On kEmit, `*out` points at the output
  /// row (valid until the next Run).
  RowOutcome Run(const RowValue* row, const RowValue** out) {
    const RowValue* cur = row;
    RowValue* next = buf_a_.data();
    for (const Step& s : steps_) {
      if (s.filter) {
        RowValue v;
        if (!Eval(s.predicate, cur, &v)) return RowOutcome::kFallback;
        if (v.kind != RowValue::Kind::kBool || !v.b) return RowOutcome::kDrop;
        continue;
      }
      for (size_t k = 0; k < s.exprs.size(); ++k) {
        if (!Eval(s.exprs[k], cur, &next[k])) return RowOutcome::kFallback;
      }
      cur = next;
      next = next == buf_a_.data() ? buf_b_.data() : buf_a_.data();
    }
    *out = cur;
    return RowOutcome::kEmit;
  }

 private:
  struct Step {
    bool filter = false;
    int predicate = -1;
    std::vector<int> exprs;
  };

  int Push(RowNode node) {
    nodes_.push_back(std::move(node));
    return static_cast<int>(nodes_.size()) - 1;
  }

  int Add(const function::Expr& e, std::string* reason) {
    using function::ExprKind;
    auto fail = [&](std::string why) {
      *reason = std::move(why);
      return -1;
    };
    RowNode node;
    switch (e.kind) {
      case ExprKind::kColumnRef:
        if (PhysOf(e.type) == Phys::kNone) return fail("column type " + e.type->ToString());
        node.op = RowOp::kColumn;
        node.column = e.column_index;
        return Push(std::move(node));
      case ExprKind::kLiteral: {
        node.op = RowOp::kLiteral;
        const auto& lit = e.literal;
        if (lit.is_null()) return Push(std::move(node));
        switch (PhysOf(e.type)) {
          case Phys::kBool:
            node.literal.kind = RowValue::Kind::kBool;
            node.literal.b = lit.bool_value();
            break;
          case Phys::kInt:
            node.literal.kind = RowValue::Kind::kInt;
            node.literal.i = lit.int_value();
            break;
          case Phys::kDouble:
            node.literal.kind = RowValue::Kind::kDouble;
            node.literal.d = lit.double_value();
            break;
          case Phys::kString:
            literal_strings_.push_back(std::make_unique<std::string>(lit.string_value()));
            node.literal.kind = RowValue::Kind::kString;
            node.literal.s = *literal_strings_.back();
            break;
          case Phys::kNone:
            return fail("literal of type " + e.type->ToString());
        }
        return Push(std::move(node));
      }
      case ExprKind::kAnd:
      case ExprKind::kOr:
      case ExprKind::kNot:
      case ExprKind::kIsNull:
      case ExprKind::kIsNotNull: {
        node.op = e.kind == ExprKind::kAnd      ? RowOp::kAnd
                  : e.kind == ExprKind::kOr     ? RowOp::kOr
                  : e.kind == ExprKind::kNot    ? RowOp::kNot
                  : e.kind == ExprKind::kIsNull ? RowOp::kIsNull
                                                : RowOp::kIsNotNull;
        for (const auto& a : e.args) {
          int n = Add(*a, reason);
          if (n < 0) return -1;
          node.args.push_back(n);
        }
        return Push(std::move(node));
      }
      case ExprKind::kCast: {
        if (e.try_cast || e.type->id() != TypeId::kFloat64)
          return fail("CAST to " + e.type->ToString());
        const TypeId from = e.args[0]->type->id();
        if (from != TypeId::kInt8 && from != TypeId::kInt16 && from != TypeId::kInt32 &&
            from != TypeId::kInt64) {
          return fail("CAST from " + e.args[0]->type->ToString());
        }
        node.op = RowOp::kIntToDouble;
        int n = Add(*e.args[0], reason);
        if (n < 0) return -1;
        node.args.push_back(n);
        return Push(std::move(node));
      }
      case ExprKind::kCall:
        break;
      default:
        return fail("expression " + e.ToString());
    }
    static const std::map<std::string, RowOp, std::less<>> kCalls = {
        {"eq", RowOp::kEq},   {"neq", RowOp::kNeq},      {"lt", RowOp::kLt},
        {"lte", RowOp::kLte}, {"gt", RowOp::kGt},        {"gte", RowOp::kGte},
        {"add", RowOp::kAdd}, {"subtract", RowOp::kSub}, {"multiply", RowOp::kMul}};
    auto it = kCalls.find(e.function_name);
    if (it == kCalls.end() || e.args.size() != 2) return fail("function '" + e.function_name + "'");
    const auto& a = e.args[0]->type;
    const auto& b = e.args[1]->type;
    if (a->id() != b->id()) return fail("mixed-type '" + e.function_name + "'");
    node.op = it->second;
    node.phys = PhysOf(a);
    if (node.phys == Phys::kNone) return fail("'" + e.function_name + "' on " + a->ToString());
    const bool arith = node.op == RowOp::kAdd || node.op == RowOp::kSub || node.op == RowOp::kMul;
    if (arith && a->id() != TypeId::kInt64 && a->id() != TypeId::kFloat64) {
      return fail("'" + e.function_name + "' on " + a->ToString());
    }
    for (const auto& arg : e.args) {
      int n = Add(*arg, reason);
      if (n < 0) return -1;
      node.args.push_back(n);
    }
    return Push(std::move(node));
  }

  template <typename T>
  static bool Cmp(RowOp op, const T& x, const T& y) {
    switch (op) {
      case RowOp::kEq:
        return x == y;
      case RowOp::kNeq:
        return x != y;
      case RowOp::kLt:
        return x < y;
      case RowOp::kLte:
        return x <= y;
      case RowOp::kGt:
        return x > y;
      default:
        return x >= y;
    }
  }

  /// Evaluates node `n`; false = this event must take the interpreter (e.g. overflow).
  bool Eval(int n, const RowValue* row, RowValue* out) const {
    const RowNode& node = nodes_[static_cast<size_t>(n)];
    switch (node.op) {
      case RowOp::kColumn:
        *out = row[node.column];
        return true;
      case RowOp::kLiteral:
        *out = node.literal;
        return true;
      case RowOp::kEq:
      case RowOp::kNeq:
      case RowOp::kLt:
      case RowOp::kLte:
      case RowOp::kGt:
      case RowOp::kGte: {
        RowValue x, y;
        if (!Eval(node.args[0], row, &x) || !Eval(node.args[1], row, &y)) return false;
        if (x.kind == RowValue::Kind::kNull || y.kind == RowValue::Kind::kNull) {
          out->kind = RowValue::Kind::kNull;
          return true;
        }
        out->kind = RowValue::Kind::kBool;
        switch (node.phys) {
          case Phys::kBool:
            out->b = Cmp(node.op, x.b, y.b);
            break;
          case Phys::kInt:
            out->b = Cmp(node.op, x.i, y.i);
            break;
          case Phys::kDouble:
            out->b = Cmp(node.op, x.d, y.d);
            break;
          default:
            out->b = Cmp(node.op, x.s, y.s);
            break;
        }
        return true;
      }
      case RowOp::kAdd:
      case RowOp::kSub:
      case RowOp::kMul: {
        RowValue x, y;
        if (!Eval(node.args[0], row, &x) || !Eval(node.args[1], row, &y)) return false;
        if (x.kind == RowValue::Kind::kNull || y.kind == RowValue::Kind::kNull) {
          out->kind = RowValue::Kind::kNull;
          return true;
        }
        if (node.phys == Phys::kDouble) {
          out->kind = RowValue::Kind::kDouble;
          out->d = node.op == RowOp::kAdd   ? x.d + y.d
                   : node.op == RowOp::kSub ? x.d - y.d
                                            : x.d * y.d;
          return true;
        }
        out->kind = RowValue::Kind::kInt;
        bool overflow = node.op == RowOp::kAdd   ? __builtin_add_overflow(x.i, y.i, &out->i)
                        : node.op == RowOp::kSub ? __builtin_sub_overflow(x.i, y.i, &out->i)
                                                 : __builtin_mul_overflow(x.i, y.i, &out->i);
        return !overflow;
      }
      case RowOp::kIntToDouble: {
        RowValue x;
        if (!Eval(node.args[0], row, &x)) return false;
        if (x.kind == RowValue::Kind::kNull) {
          out->kind = RowValue::Kind::kNull;
          return true;
        }
        out->kind = RowValue::Kind::kDouble;
        out->d = static_cast<double>(x.i);
        return true;
      }
      case RowOp::kAnd:
      case RowOp::kOr: {
        // Three-valued logic: AND is FALSE if any FALSE, else NULL if any NULL, else TRUE.
        const bool is_and = node.op == RowOp::kAnd;
        bool saw_null = false;
        for (int a : node.args) {
          RowValue v;
          if (!Eval(a, row, &v)) return false;
          if (v.kind == RowValue::Kind::kNull) {
            saw_null = true;
          } else if (v.b != is_and) {
            out->kind = RowValue::Kind::kBool;
            out->b = !is_and;
            return true;
          }
        }
        if (saw_null) {
          out->kind = RowValue::Kind::kNull;
        } else {
          out->kind = RowValue::Kind::kBool;
          out->b = is_and;
        }
        return true;
      }
      case RowOp::kNot: {
        RowValue v;
        if (!Eval(node.args[0], row, &v)) return false;
        if (v.kind == RowValue::Kind::kNull) {
          out->kind = RowValue::Kind::kNull;
        } else {
          out->kind = RowValue::Kind::kBool;
          out->b = !v.b;
        }
        return true;
      }
      case RowOp::kIsNull:
      case RowOp::kIsNotNull: {
        RowValue v;
        if (!Eval(node.args[0], row, &v)) return false;
        out->kind = RowValue::Kind::kBool;
        out->b = (v.kind == RowValue::Kind::kNull) == (node.op == RowOp::kIsNull);
        return true;
      }
    }
    return false;
  }

  int input_width_ = 0;
  std::vector<RowNode> nodes_;
  std::vector<Step> steps_;
  std::vector<std::unique_ptr<std::string>> literal_strings_;  // stable storage for views
  std::vector<RowValue> buf_a_, buf_b_;                        // ping-pong project buffers
};

/// Appends row-program values to the bridge's column builders without per-value dispatch
/// beyond one switch.
class RowAppender {
 public:
  explicit RowAppender(const SchemaPtr& schema) {
    for (const auto& f : schema->fields()) {
      Column c;
      c.id = f->type->id();
      c.builder = columnar::MakeBuilder(f->type);
      columns_.push_back(std::move(c));
    }
  }

  void Append(const RowValue* row) {
    for (size_t k = 0; k < columns_.size(); ++k) {
      Column& c = columns_[k];
      const RowValue& v = row[k];
      if (v.kind == RowValue::Kind::kNull) {
        c.builder->AppendNull();
        continue;
      }
      switch (c.id) {
        case TypeId::kBoolean:
          static_cast<columnar::BooleanBuilder*>(c.builder.get())->Append(v.b);
          break;
        case TypeId::kInt8:
          Fixed<int8_t>(c)->Append(static_cast<int8_t>(v.i));
          break;
        case TypeId::kInt16:
          Fixed<int16_t>(c)->Append(static_cast<int16_t>(v.i));
          break;
        case TypeId::kInt32:
        case TypeId::kDate32:
          Fixed<int32_t>(c)->Append(static_cast<int32_t>(v.i));
          break;
        case TypeId::kFloat32:
          Fixed<float>(c)->Append(static_cast<float>(v.d));
          break;
        case TypeId::kFloat64:
          Fixed<double>(c)->Append(v.d);
          break;
        case TypeId::kString:
        case TypeId::kBinary:
          static_cast<columnar::BinaryBuilder*>(c.builder.get())->Append(v.s);
          break;
        default:  // kInt64, kTime64, kTimestamp
          Fixed<int64_t>(c)->Append(v.i);
          break;
      }
    }
    ++rows_;
  }

  int64_t rows() const { return rows_; }

  RecordBatchPtr Finish(const SchemaPtr& schema) {
    std::vector<ArrayPtr> cols;
    cols.reserve(columns_.size());
    for (auto& c : columns_) cols.push_back(c.builder->Finish());
    auto batch = std::make_shared<const RecordBatch>(schema, rows_, std::move(cols));
    rows_ = 0;
    return batch;
  }

 private:
  struct Column {
    TypeId id;
    std::unique_ptr<columnar::ArrayBuilder> builder;
  };
  template <typename T>
  static columnar::FixedWidthBuilder<T>* Fixed(Column& c) {
    return static_cast<columnar::FixedWidthBuilder<T>*>(c.builder.get());
  }
  std::vector<Column> columns_;
  int64_t rows_ = 0;
};

/// Latency histogram with power-of-two buckets (ns); p99 reported as a bucket's upper bound.
struct LatencyHistogram {
  std::array<uint64_t, 64> buckets{};
  uint64_t count = 0;
  void Record(uint64_t ns) {
    ++buckets[static_cast<size_t>(ns == 0 ? 0 : 64 - __builtin_clzll(ns))];
    ++count;
  }
  uint64_t P99() const {
    if (count == 0) return 0;
    const uint64_t target = count - count / 100;
    uint64_t seen = 0;
    for (size_t b = 0; b < buckets.size(); ++b) {
      seen += buckets[b];
      if (seen >= target) return b == 0 ? 0 : (uint64_t{1} << b) - 1;
    }
    return UINT64_MAX;
  }
};

void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
void PutU64(std::string* out, uint64_t v) { out->append(reinterpret_cast<const char*>(&v), 8); }
bool GetU32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  std::memcpy(v, in->data(), 4);
  in->remove_prefix(4);
  return true;
}
bool GetU64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  std::memcpy(v, in->data(), 8);
  in->remove_prefix(8);
  return true;
}

std::string SchemaText(const columnar::Schema& s) {
  std::string out = "(";
  for (int i = 0; i < s.num_fields(); ++i) {
    if (i > 0) out += ", ";
    out += s.field(i)->name + " " + s.field(i)->type->ToString();
  }
  return out + ")";
}

bool SameSchema(const columnar::Schema& a, const columnar::Schema& b) {
  if (a.num_fields() != b.num_fields()) return false;
  for (int i = 0; i < a.num_fields(); ++i) {
    if (ToLower(a.field(i)->name) != ToLower(b.field(i)->name) ||
        !a.field(i)->type->Equals(*b.field(i)->type)) {
      return false;
    }
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

/// Everything compiled from one SQL text; Swap() exchanges this as a whole.
struct CompiledPipeline {
  std::string sql;
  QueryId id;
  QueryMetadata metadata;
  std::string input_name;
  SchemaPtr input_schema;
  SchemaPtr ring0_schema;   // Ring 0 output = Ring 1 input
  SchemaPtr output_schema;  // PollOutput batches (with __weight for EMIT CHANGES)
  bool changelog_output = false;
  std::vector<std::unique_ptr<execution::FilterProjectOperator>> ring0;
  std::unique_ptr<RowProgram> row_program;  // null = fallback pipeline
  std::vector<std::unique_ptr<StreamOperator>> ring1;
  std::unique_ptr<RowAppender> appender;  // bridge builders for row-program output
};

struct StreamingQuery::Impl {
  QueryConfig config;
  std::unique_ptr<CompiledPipeline> p;
  QueryState state = QueryState::kReady;
  int64_t watermark = INT64_MIN;
  QueryMetrics metrics;
  LatencyHistogram latency;

  // Bridge: Ring 0 output waiting for Ring 1. Rows from the row program collect in
  // `p->appender`; batches from the interpreter in `bridge`; order is kept by finishing the
  // appender before a batch is queued.
  std::vector<RecordBatchPtr> bridge;
  int64_t bridge_rows = 0;
  std::deque<RecordBatchPtr> outputs;

  // Scratch for Submit(): input row as RowValues, and converted scalars when types differ.
  std::vector<RowValue> row_values;
  std::vector<columnar::Scalar> converted;

  Status CheckRunning(const char* what) const {
    if (state == QueryState::kRunning) return Status::OK();
    return Status::Invalid(fmt::format("cannot {}: query {:016x} is {}, not Running{}", what,
                                       p->id.value, QueryStateName(state),
                                       state == QueryState::kStopped ? "" : "; call Start() first"),
                           ErrorCode::kInvalidOperation);
  }

  int64_t PendingRows() const { return bridge_rows + (p->appender ? p->appender->rows() : 0); }

  void MoveAppenderToBridge() {
    if (p->appender && p->appender->rows() > 0) {
      bridge.push_back(p->appender->Finish(p->ring0_schema));
    }
  }

  RecordBatchPtr ToOutput(const Delta& d) const {
    if (!p->changelog_output) return d.batch;
    std::vector<ArrayPtr> cols = d.batch->columns();
    if (d.has_weights()) {
      cols.push_back(columnar::MakeInt64Array(d.weights));
    } else {
      cols.push_back(
          columnar::MakeInt64Array(std::vector<int64_t>(static_cast<size_t>(d.num_rows()), 1)));
    }
    return std::make_shared<const RecordBatch>(p->output_schema, d.num_rows(), std::move(cols));
  }

  /// Runs deltas through Ring 1 operators [start, end) and queues the result as output.
  Status RunRing1(size_t start, std::vector<Delta> current) {
    for (size_t i = start; i < p->ring1.size() && !current.empty(); ++i) {
      std::vector<Delta> next;
      for (const auto& d : current) LAMINAR_RETURN_NOT_OK(p->ring1[i]->Process(d, &next));
      current = std::move(next);
    }
    for (const auto& d : current) {
      if (d.num_rows() == 0) continue;
      metrics.ring1_events_out += static_cast<uint64_t>(d.num_rows());
      outputs.push_back(ToOutput(d));
    }
    return Status::OK();
  }

  /// Hands every pending Ring 0 row to Ring 1 (or straight to the output without Ring 1).
  Status FlushBridge() {
    MoveAppenderToBridge();
    if (bridge.empty()) return Status::OK();
    std::vector<RecordBatchPtr> batches;
    batches.swap(bridge);
    bridge_rows = 0;
    for (auto& b : batches) {
      ++metrics.bridge_batches_flushed;
      if (p->ring1.empty()) {
        metrics.ring1_events_out += static_cast<uint64_t>(b->num_rows());
        outputs.push_back(std::move(b));
        continue;
      }
      auto t0 = Clock::now();
      Delta d;
      d.batch = std::move(b);
      std::vector<Delta> in;
      in.push_back(std::move(d));
      Status st = RunRing1(0, std::move(in));
      ++metrics.ring1_batches_processed;
      metrics.ring1_total_ns += static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
      LAMINAR_RETURN_NOT_OK(st);
    }
    return Status::OK();
  }

  Status MaybeFlush() {
    if (PendingRows() >= config.max_batch_rows) return FlushBridge();
    return Status::OK();
  }

  /// Ring 0 through the vectorised interpreter.
  Status RunRing0Batch(const RecordBatchPtr& batch) {
    MoveAppenderToBridge();
    Delta d;
    d.batch = batch;
    for (const auto& op : p->ring0) {
      if (d.num_rows() == 0) break;
      LAMINAR_ASSIGN_OR_RETURN(d, op->Apply(d));
    }
    const int64_t in = batch->num_rows();
    const int64_t out = d.num_rows();
    metrics.ring0_events_in += static_cast<uint64_t>(in);
    metrics.ring0_events_out += static_cast<uint64_t>(out);
    metrics.ring0_events_dropped += static_cast<uint64_t>(in - out);
    if (out > 0) {
      // Interpreter output may be a zero-copy view of the input; normalise the schema (the
      // Ring 0 program may have been empty, leaving the caller's field names).
      bridge.push_back(d.batch->schema() == p->ring0_schema ? d.batch
                                                            : d.batch->WithSchema(p->ring0_schema));
      bridge_rows += out;
    }
    return MaybeFlush();
  }

  Status SubmitSlow(const std::vector<columnar::Scalar>& row) {
    const auto& schema = p->input_schema;
    std::vector<ArrayPtr> cols;
    cols.reserve(row.size());
    for (int i = 0; i < schema->num_fields(); ++i) {
      LAMINAR_ASSIGN_OR_RETURN(auto col, columnar::ArrayFromScalars(schema->field(i)->type,
                                                                    {row[static_cast<size_t>(i)]}));
      cols.push_back(std::move(col));
    }
    return RunRing0Batch(std::make_shared<const RecordBatch>(schema, 1, std::move(cols)));
  }

  Status Submit(const std::vector<columnar::Scalar>& row_in) {
    LAMINAR_RETURN_NOT_OK(CheckRunning("submit an event"));
    const auto& schema = p->input_schema;
    const size_t width = static_cast<size_t>(schema->num_fields());
    if (row_in.size() != width) {
      return Status::Invalid(fmt::format("event has {} values but input '{}' has {} columns {}",
                                         row_in.size(), p->input_name, width, SchemaText(*schema)),
                             ErrorCode::kSchemaMismatch);
    }
    // Convert values whose type differs from the column's (e.g. an integer for a DOUBLE).
    const std::vector<columnar::Scalar>* row = &row_in;
    for (size_t i = 0; i < width; ++i) {
      const auto& v = row_in[i];
      const auto& type = schema->field(static_cast<int>(i))->type;
      if (v.is_null() || v.type()->id() == type->id()) continue;
      if (row == &row_in) {
        converted = row_in;
        row = &converted;
      }
      LAMINAR_ASSIGN_OR_RETURN(converted[i], function::CastScalar(v, type));
    }
    if (!p->row_program) return SubmitSlow(*row);

    row_values.resize(width);
    for (size_t i = 0; i < width; ++i) {
      const auto& v = (*row)[i];
      RowValue& rv = row_values[i];
      if (v.is_null()) {
        rv.kind = RowValue::Kind::kNull;
        continue;
      }
      const auto& st = v.storage();
      if (const auto* x = std::get_if<int64_t>(&st)) {
        rv.kind = RowValue::Kind::kInt;
        rv.i = *x;
      } else if (const auto* d = std::get_if<double>(&st)) {
        rv.kind = RowValue::Kind::kDouble;
        rv.d = *d;
      } else if (const auto* s = std::get_if<std::string>(&st)) {
        rv.kind = RowValue::Kind::kString;
        rv.s = *s;
      } else if (const auto* b = std::get_if<bool>(&st)) {
        rv.kind = RowValue::Kind::kBool;
        rv.b = *b;
      } else {
        return SubmitSlow(*row);
      }
    }
    const RowValue* out = nullptr;
    switch (p->row_program->Run(row_values.data(), &out)) {
      case RowOutcome::kEmit:
        p->appender->Append(out);
        ++metrics.ring0_events_in;
        ++metrics.ring0_events_out;
        return MaybeFlush();
      case RowOutcome::kDrop:
        ++metrics.ring0_events_in;
        ++metrics.ring0_events_dropped;
        return Status::OK();
      case RowOutcome::kFallback:
        break;
    }
    return SubmitSlow(*row);
  }
};

// ---------------------------------------------------------------------------------------------

StreamingQuery::StreamingQuery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamingQuery::~StreamingQuery() = default;

Result<std::unique_ptr<StreamingQuery>> StreamingQuery::Compile(
    std::string_view sql, const std::vector<QueryInput>& inputs, const QueryConfig& config) {
  if (config.max_batch_rows <= 0) {
    return Status::Invalid("QueryConfig::max_batch_rows must be positive",
                           ErrorCode::kInvalidConfig);
  }
  for (const auto& in : inputs) {
    if (!in.schema) {
      return Status::Invalid("query input '" + in.name + "' has no schema",
                             ErrorCode::kInvalidConfig);
    }
    if (!in.event_time_column.empty() && in.schema->GetFieldIndex(in.event_time_column) < 0) {
      return Status::Invalid(fmt::format("event-time column '{}' is not a column of input '{}' {}",
                                         in.event_time_column, in.name, SchemaText(*in.schema)),
                             ErrorCode::kColumnNotFound);
    }
  }
  auto p = std::make_unique<CompiledPipeline>();
  p->sql = std::string(sql);
  p->id.value = HashString(sql);
  p->metadata.jit_enabled = config.jit_enabled;

  // Step 1: parse and plan.
  auto t0 = Clock::now();
  LAMINAR_ASSIGN_OR_RETURN(auto statements, sql::Parse(sql));
  if (statements.size() != 1 || statements[0]->kind != sql::StatementKind::kQuery) {
    return Status::Invalid("StreamingQuery::Compile expects exactly one SELECT statement, got " +
                               std::to_string(statements.size()) + " statement(s)",
                           ErrorCode::kSqlUnsupported);
  }
  InputCatalog catalog(inputs);
  LAMINAR_ASSIGN_OR_RETURN(auto bound, sql::BindQuery(*statements[0]->As<sql::QueryStmt>().query,
                                                      catalog, sql::BindMode::kStreaming, sql));
  p->metadata.plan_time = std::chrono::microseconds(MicrosSince(t0));

  // Step 2: extract Ring 0 (stateless prefix) and Ring 1 (from the first aggregate on).
  t0 = Clock::now();
  std::vector<const sql::PlanNode*> chain;  // top-down
  for (const sql::PlanNode* n = bound.plan.get(); n != nullptr;) {
    if (n->kind == sql::PlanKind::kScan) {
      p->input_name = n->relation;
      break;
    }
    if (n->inputs.size() != 1) {
      return Status::NotImplemented(
          fmt::format("StreamingQuery supports one input; {} is not supported yet",
                      n->kind == sql::PlanKind::kJoin ? "JOIN" : "this plan shape"));
    }
    chain.push_back(n);
    n = n->inputs[0].get();
  }
  std::reverse(chain.begin(), chain.end());  // bottom-up
  const QueryInput* input = nullptr;
  for (const auto& in : inputs) {
    if (ToLower(in.name) == ToLower(p->input_name)) input = &in;
  }
  if (input == nullptr) return Status::NotFound("query input '" + p->input_name + "' not found");
  p->input_schema = input->schema;
  size_t split = 0;
  while (split < chain.size() && (chain[split]->kind == sql::PlanKind::kFilter ||
                                  chain[split]->kind == sql::PlanKind::kProject)) {
    ++split;
  }
  std::vector<const sql::PlanNode*> ring0(chain.begin(), chain.begin() + static_cast<long>(split));
  p->ring0_schema = split == 0 ? input->schema : chain[split - 1]->schema;
  p->metadata.extract_time = std::chrono::microseconds(MicrosSince(t0));

  // Step 3: compile Ring 0 (interpreter always, row program when possible) and Ring 1.
  t0 = Clock::now();
  for (const auto* n : ring0) {
    if (n->kind == sql::PlanKind::kFilter) {
      LAMINAR_ASSIGN_OR_RETURN(auto op, execution::FilterProjectOperator::MakeFilter(n->predicate));
      p->ring0.push_back(std::move(op));
    } else {
      LAMINAR_ASSIGN_OR_RETURN(auto op,
                               execution::FilterProjectOperator::MakeProject(n->exprs, n->schema));
      p->ring0.push_back(std::move(op));
    }
  }
  if (config.jit_enabled) {
    auto program = std::make_unique<RowProgram>();
    std::string reason;
    if (program->Build(input->schema, ring0, p->ring0_schema, &reason)) {
      p->row_program = std::move(program);
      p->appender = std::make_unique<RowAppender>(p->ring0_schema);
      p->metadata.compiled_pipeline_count = 1;
    } else {
      p->metadata.fallback_pipeline_count = 1;
      p->metadata.fallback_reason = reason;
    }
  } else {
    p->metadata.fallback_pipeline_count = 1;
    p->metadata.fallback_reason = "JIT disabled";
  }
  execution::AggregateOptions opts = execution::AggregateOptionsFor(bound.info);
  for (size_t i = split; i < chain.size(); ++i) {
    const sql::PlanNode* n = chain[i];
    switch (n->kind) {
      case sql::PlanKind::kAggregate: {
        LAMINAR_ASSIGN_OR_RETURN(auto op, execution::MakeStreamingAggregate(*n, opts));
        p->ring1.push_back(std::move(op));
        break;
      }
      case sql::PlanKind::kFilter: {
        LAMINAR_ASSIGN_OR_RETURN(auto op,
                                 execution::FilterProjectOperator::MakeFilter(n->predicate));
        p->ring1.push_back(std::move(op));
        break;
      }
      case sql::PlanKind::kProject: {
        LAMINAR_ASSIGN_OR_RETURN(
            auto op, execution::FilterProjectOperator::MakeProject(n->exprs, n->schema));
        p->ring1.push_back(std::move(op));
        break;
      }
      case sql::PlanKind::kWindow: {
        // Streaming top-N (ROW_NUMBER … WHERE rn <= N), planned by sql/binder/topn_analysis.
        if (n->top_n < 1) {
          return Status::NotImplemented(
              "window functions in a continuous query need a rank filter (WHERE rn <= N)");
        }
        LAMINAR_ASSIGN_OR_RETURN(auto op, execution::TopNOperator::Make(*n, opts));
        p->ring1.push_back(std::move(op));
        break;
      }
      case sql::PlanKind::kUnnest: {
        LAMINAR_ASSIGN_OR_RETURN(auto op, execution::UnnestOperator::Make(*n));
        p->ring1.push_back(std::move(op));
        break;
      }
      default:
        return Status::NotImplemented(
            "ORDER BY / LIMIT / UNION in a continuous query are not supported yet");
    }
  }
  p->metadata.ring1_operator_count = p->ring1.size();
  p->changelog_output = bound.info.changelog_output;
  std::vector<columnar::FieldPtr> fields = bound.plan->schema->fields();
  if (p->changelog_output) {
    fields.push_back(std::make_shared<columnar::Field>(kWeightColumn, columnar::int64(), false));
  }
  p->output_schema = std::make_shared<columnar::Schema>(fields);
  p->metadata.compile_time = std::chrono::microseconds(MicrosSince(t0));

  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->p = std::move(p);
  return std::unique_ptr<StreamingQuery>(new StreamingQuery(std::move(impl)));
}

Status StreamingQuery::Start() {
  switch (impl_->state) {
    case QueryState::kStopped:
      return Status::Invalid(
          fmt::format("cannot start query {:016x}: it is Stopped; compile a new query",
                      impl_->p->id.value),
          ErrorCode::kInvalidOperation);
    case QueryState::kRunning:
      return Status::OK();
    default:
      impl_->state = QueryState::kRunning;
      return Status::OK();
  }
}

Status StreamingQuery::Pause() {
  LAMINAR_RETURN_NOT_OK(impl_->CheckRunning("pause"));
  impl_->state = QueryState::kPaused;
  return Status::OK();
}

Status StreamingQuery::Stop() {
  if (impl_->state == QueryState::kStopped) return Status::OK();
  Status st = impl_->state == QueryState::kReady ? Status::OK() : impl_->FlushBridge();
  impl_->state = QueryState::kStopped;
  return st;
}

Status StreamingQuery::Submit(const std::vector<columnar::Scalar>& row) {
  if (!impl_->config.measure_ring0_latency) return impl_->Submit(row);
  auto t0 = Clock::now();
  Status st = impl_->Submit(row);
  auto ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
  impl_->metrics.ring0_total_ns += ns;
  impl_->latency.Record(ns);
  return st;
}

Status StreamingQuery::SubmitBatch(const RecordBatchPtr& batch) {
  LAMINAR_RETURN_NOT_OK(impl_->CheckRunning("submit a batch"));
  if (!batch) return Status::Invalid("SubmitBatch: batch is null");
  const auto& schema = *impl_->p->input_schema;
  if (batch->num_columns() != schema.num_fields()) {
    return Status::Invalid(
        fmt::format("batch has {} columns but input '{}' has {} {}", batch->num_columns(),
                    impl_->p->input_name, schema.num_fields(), SchemaText(schema)),
        ErrorCode::kSchemaMismatch);
  }
  for (int i = 0; i < schema.num_fields(); ++i) {
    if (!batch->column(i)->type()->Equals(*schema.field(i)->type)) {
      return Status::TypeError(
          fmt::format("column {} of the batch is {} but '{}' of input '{}' is {}", i + 1,
                      batch->column(i)->type()->ToString(), schema.field(i)->name,
                      impl_->p->input_name, schema.field(i)->type->ToString()),
          ErrorCode::kSchemaMismatch);
    }
  }
  if (batch->num_rows() == 0) return Status::OK();
  auto t0 = Clock::now();
  Status st = impl_->RunRing0Batch(batch->schema() == impl_->p->input_schema
                                       ? batch
                                       : batch->WithSchema(impl_->p->input_schema));
  if (impl_->config.measure_ring0_latency) {
    auto ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
    impl_->metrics.ring0_total_ns += ns;
    impl_->latency.Record(ns);
  }
  return st;
}

Status StreamingQuery::AdvanceWatermark(int64_t watermark) {
  LAMINAR_RETURN_NOT_OK(impl_->CheckRunning("advance the watermark"));
  if (watermark <= impl_->watermark) return Status::OK();
  LAMINAR_RETURN_NOT_OK(impl_->FlushBridge());
  impl_->watermark = watermark;
  auto& ring1 = impl_->p->ring1;
  for (size_t i = 0; i < ring1.size(); ++i) {
    std::vector<Delta> out;
    LAMINAR_RETURN_NOT_OK(ring1[i]->AdvanceWatermark(watermark, &out));
    if (!out.empty()) LAMINAR_RETURN_NOT_OK(impl_->RunRing1(i + 1, std::move(out)));
  }
  return Status::OK();
}

Result<std::vector<RecordBatchPtr>> StreamingQuery::PollOutput() {
  if (impl_->PendingRows() > 0 && impl_->state != QueryState::kReady) {
    LAMINAR_RETURN_NOT_OK(impl_->FlushBridge());
  }
  std::vector<RecordBatchPtr> out(std::make_move_iterator(impl_->outputs.begin()),
                                  std::make_move_iterator(impl_->outputs.end()));
  impl_->outputs.clear();
  return out;
}

Result<std::string> StreamingQuery::Checkpoint() {
  if (impl_->state != QueryState::kRunning && impl_->state != QueryState::kPaused) {
    return Status::Invalid(fmt::format("cannot checkpoint query {:016x}: it is {}",
                                       impl_->p->id.value, QueryStateName(impl_->state)),
                           ErrorCode::kInvalidOperation);
  }
  // Ring 0 rows still in the bridge belong to the state: push them through first.
  LAMINAR_RETURN_NOT_OK(impl_->FlushBridge());
  std::string image;
  PutU32(&image, kCheckpointMagic);
  PutU32(&image, kCheckpointVersion);
  PutU64(&image, impl_->p->id.value);
  PutU64(&image, static_cast<uint64_t>(impl_->watermark));
  PutU32(&image, static_cast<uint32_t>(impl_->p->ring1.size()));
  for (const auto& op : impl_->p->ring1) {
    std::string state;
    Status st = op->Snapshot(&state);
    if (!st.ok()) {
      if (st.code() == StatusCode::kNotImplemented) return st;
      return st.WithContext("checkpoint of " + op->Describe());
    }
    PutU32(&image, static_cast<uint32_t>(state.size()));
    image += state;
  }
  PutU32(&image, Crc32c(image));
  return image;
}

Status StreamingQuery::Restore(std::string_view image) {
  if (impl_->state != QueryState::kReady) {
    return Status::Invalid(fmt::format("cannot restore query {:016x}: it is {}, not Ready",
                                       impl_->p->id.value, QueryStateName(impl_->state)),
                           ErrorCode::kInvalidOperation);
  }
  auto corrupt = [](const std::string& why) {
    return Status::Corruption("query checkpoint image is invalid: " + why,
                              ErrorCode::kStateCorruption);
  };
  if (image.size() < 4) return corrupt("too short");
  uint32_t crc;
  std::memcpy(&crc, image.data() + image.size() - 4, 4);
  std::string_view body = image.substr(0, image.size() - 4);
  if (Crc32c(body) != crc) return corrupt("checksum mismatch");
  uint32_t magic, version, n;
  uint64_t id, wm;
  if (!GetU32(&body, &magic) || magic != kCheckpointMagic) return corrupt("bad magic");
  if (!GetU32(&body, &version) || version != kCheckpointVersion) {
    return corrupt("unsupported version " + std::to_string(version));
  }
  if (!GetU64(&body, &id) || !GetU64(&body, &wm) || !GetU32(&body, &n)) return corrupt("truncated");
  if (id != impl_->p->id.value) {
    return Status::Invalid(fmt::format("checkpoint belongs to query {:016x}, not {:016x}: restore "
                                       "it into a query compiled from the same SQL",
                                       id, impl_->p->id.value),
                           ErrorCode::kSchemaMismatch);
  }
  if (n != impl_->p->ring1.size()) return corrupt("operator count mismatch");
  std::vector<std::string_view> states;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t len;
    if (!GetU32(&body, &len) || body.size() < len) return corrupt("truncated operator state");
    states.push_back(body.substr(0, len));
    body.remove_prefix(len);
  }
  if (!body.empty()) return corrupt("trailing bytes");
  for (uint32_t i = 0; i < n; ++i) LAMINAR_RETURN_NOT_OK(impl_->p->ring1[i]->Restore(states[i]));
  impl_->watermark = static_cast<int64_t>(wm);
  return Status::OK();
}

Status StreamingQuery::Swap(std::unique_ptr<StreamingQuery> new_query) {
  if (impl_->state != QueryState::kRunning && impl_->state != QueryState::kPaused) {
    return Status::Invalid(fmt::format("cannot swap query {:016x}: it is {}", impl_->p->id.value,
                                       QueryStateName(impl_->state)),
                           ErrorCode::kInvalidOperation);
  }
  if (!new_query) return Status::Invalid("Swap: the new query is null");
  Impl& next = *new_query->impl_;
  if (next.state != QueryState::kReady) {
    return Status::Invalid(fmt::format("cannot swap in query {:016x}: it is {}, not Ready",
                                       next.p->id.value, QueryStateName(next.state)),
                           ErrorCode::kInvalidOperation);
  }
  if (!SameSchema(*impl_->p->input_schema, *next.p->input_schema)) {
    return Status::Invalid(
        fmt::format("incompatible schemas: the running query reads {} but the new version reads "
                    "{}; schema changes require a restart",
                    SchemaText(*impl_->p->input_schema), SchemaText(*next.p->input_schema)),
        ErrorCode::kSchemaMismatch);
  }
  LAMINAR_RETURN_NOT_OK(impl_->FlushBridge());
  // Transfer Ring 1 state: snapshot the old operators, restore into the new ones.
  auto& old_ops = impl_->p->ring1;
  auto& new_ops = next.p->ring1;
  std::vector<std::string> states(old_ops.size());
  bool any_state = false;
  for (size_t i = 0; i < old_ops.size(); ++i) {
    LAMINAR_RETURN_NOT_OK(old_ops[i]->Snapshot(&states[i]));
    any_state |= !states[i].empty();
  }
  if (any_state) {
    if (old_ops.size() != new_ops.size()) {
      return Status::Invalid(
          fmt::format("incompatible schemas: the running query has {} Ring 1 operators with "
                      "state but the new version has {}; its state cannot be carried over",
                      old_ops.size(), new_ops.size()),
          ErrorCode::kSchemaMismatch);
    }
    for (size_t i = 0; i < new_ops.size(); ++i) {
      Status st = new_ops[i]->Restore(states[i]);
      if (!st.ok()) {
        return Status::Invalid(
            fmt::format("incompatible schemas: Ring 1 state of '{}' does not fit '{}' of the new "
                        "version: {}",
                        old_ops[i]->Describe(), new_ops[i]->Describe(), st.message()),
            ErrorCode::kSchemaMismatch);
      }
    }
  }
  std::swap(impl_->p, next.p);
  impl_->config = next.config;
  impl_->state = QueryState::kRunning;
  next.state = QueryState::kStopped;
  return Status::OK();
}

QueryId StreamingQuery::id() const { return impl_->p->id; }
const std::string& StreamingQuery::sql() const { return impl_->p->sql; }
QueryState StreamingQuery::state() const { return impl_->state; }
const QueryMetadata& StreamingQuery::metadata() const { return impl_->p->metadata; }
const SchemaPtr& StreamingQuery::output_schema() const { return impl_->p->output_schema; }
const SchemaPtr& StreamingQuery::input_schema() const { return impl_->p->input_schema; }
int64_t StreamingQuery::watermark() const { return impl_->watermark; }

QueryMetrics StreamingQuery::Metrics() const {
  QueryMetrics m = impl_->metrics;
  m.ring0_p99_ns = impl_->latency.P99();
  m.bridge_pending = static_cast<uint64_t>(impl_->PendingRows());
  m.pipelines_compiled = impl_->p->metadata.compiled_pipeline_count;
  m.pipelines_fallback = impl_->p->metadata.fallback_pipeline_count;
  return m;
}

}  // namespace laminar
