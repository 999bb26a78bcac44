// Streaming top-N. See TopNOperator in topn_operator.h for the contract.

#include "execution/topn_operator.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/container/node_hash_map.h>
#include <absl/strings/string_view.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "columnar/builder.h"
#include "common/string_util.h"
#include "execution/state_codec.h"
#include "function/evaluator.h"

namespace laminar::execution {

using columnar::ArrayPtr;
using columnar::RecordBatch;
namespace fn = laminar::function;

namespace {

enum class RankKind : uint8_t { kRowNumber, kRank, kDenseRank };

void PutBigEndian(uint64_t v, std::string* k) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  k->append(b, 8);
}

bool OrderableType(const columnar::DataType& t) {
  return t.is_integer() || t.is_floating() || t.is_temporal() || t.is_binary_like() ||
         t.id() == columnar::TypeId::kBoolean || t.id() == columnar::TypeId::kDecimal128;
}

/// Appends a memcomparable image of one value: byte-wise comparison of two images orders them
/// like CompareScalars (NULL largest); `descending` inverts the component. Strings escape 0x00
/// and end in 0x00 0x00, so images are prefix-free and multi-column keys cannot run together.
void AppendOrderKey(const columnar::Array& col, int64_t r, bool descending, std::string* k) {
  const size_t begin = k->size();
  if (col.IsNull(r)) {
    k->push_back('\x02');
  } else {
    k->push_back('\x01');
    const columnar::DataType& t = *col.type();
    const columnar::TypeId id = t.id();
    if (t.is_integer() || t.is_temporal()) {
      int64_t v = 0;
      columnar::VisitFixedWidth(id, [&]<typename T>() {
        if constexpr (std::is_integral_v<T>) v = static_cast<int64_t>(col.values<T>()[r]);
      });
      PutBigEndian(static_cast<uint64_t>(v) ^ (uint64_t{1} << 63), k);
    } else if (t.is_floating()) {
      double d =
          id == columnar::TypeId::kFloat32 ? col.values<float>()[r] : col.values<double>()[r];
      if (d == 0) d = 0;  // -0.0 == 0.0
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      bits = (bits >> 63) != 0 ? ~bits : bits ^ (uint64_t{1} << 63);
      PutBigEndian(bits, k);
    } else if (id == columnar::TypeId::kBoolean) {
      k->push_back(col.GetBool(r) ? '\x01' : '\x00');
    } else if (id == columnar::TypeId::kDecimal128) {
      const columnar::int128_t v = col.values<columnar::int128_t>()[r];
      const auto u = static_cast<unsigned __int128>(v);
      PutBigEndian(static_cast<uint64_t>(u >> 64) ^ (uint64_t{1} << 63), k);
      PutBigEndian(static_cast<uint64_t>(u), k);
    } else {
      for (char c : col.GetView(r)) {
        k->push_back(c);
        if (c == '\x00') k->push_back('\xFF');
      }
      k->push_back('\x00');
      k->push_back('\x00');
    }
  }
  if (descending) {
    for (size_t i = begin; i < k->size(); ++i) (*k)[i] = static_cast<char>(~(*k)[i]);
  }
}

/// Reads component `index` of a partition key built by AppendOrderKey (ascending) over columns
/// of `types`, as a timestamp; false when it is NULL or the key is malformed.
bool PartitionTime(std::string_view key, const std::vector<columnar::DataTypePtr>& types,
                   size_t index, int64_t* out) {
  size_t at = 0;
  for (size_t i = 0; i < types.size() && i <= index; ++i) {
    if (at >= key.size()) return false;
    const bool null = key[at++] == '\x02';
    if (null) {
      if (i == index) return false;
      continue;
    }
    const columnar::DataType& t = *types[i];
    size_t width = 0;
    if (t.is_integer() || t.is_temporal() || t.is_floating()) {
      width = 8;
    } else if (t.id() == columnar::TypeId::kBoolean) {
      width = 1;
    } else if (t.id() == columnar::TypeId::kDecimal128) {
      width = 16;
    } else {  // escaped bytes up to 0x00 0x00
      while (at + 1 < key.size() && !(key[at] == '\x00' && key[at + 1] == '\x00')) {
        at += key[at] == '\x00' ? 2 : 1;
      }
      if (at + 1 >= key.size()) return false;
      at += 2;
      continue;
    }
    if (at + width > key.size()) return false;
    if (i == index) {
      if (width != 8) return false;
      uint64_t v = 0;
      for (size_t b = 0; b < 8; ++b) v = v << 8 | static_cast<uint8_t>(key[at + b]);
      *out = static_cast<int64_t>(v ^ (uint64_t{1} << 63));
      return true;
    }
    at += width;
  }
  return false;
}

}  // namespace

struct TopNOperator::State {
  /// One kept row: its order key, arrival number and a reference into its input batch.
  struct Entry {
    std::string order;
    uint64_t seq = 0;
    columnar::RecordBatchPtr batch;
    int32_t row = 0;
  };
  using List = std::vector<Entry>;  // sorted by (order, seq)

  RankKind rank_kind = RankKind::kRowNumber;
  int64_t limit = 1;
  bool rank_output = true;
  AggregateOptions options;
  columnar::SchemaPtr input_schema;
  columnar::SchemaPtr output_schema;
  std::vector<std::unique_ptr<fn::CompiledExpression>> partition_exprs;
  std::vector<std::unique_ptr<fn::CompiledExpression>> order_exprs;
  std::vector<bool> descending;
  std::string description;

  /// A partition's kept rows, and what it held before the current batch touched it.
  struct Partition {
    List rows;
    uint64_t touched = 0;  // number of the last batch that changed it
    uint32_t before = 0;   // ROW_NUMBER ON UPDATE: offset into before_seqs; else into befores
    uint32_t before_len = 0;
    bool pending = false;  // deduplication: its row is not final yet (listed in `pending`)
    bool emitted = false;  // deduplication: its first row was emitted; later rows are dropped
  };
  // Node map: touched partitions are remembered by pointer while a batch is processed.
  absl::node_hash_map<std::string, Partition> partitions;
  uint64_t batch_number = 0;
  std::vector<uint64_t> before_seqs;  // scratch: arrival numbers of the touched partitions' rows
  std::vector<List> befores;          // scratch: full copies (changelog / RANK modes)
  // Deduplication (`rn = 1` by an ascending event-time column, final_lag >= 0): a partition's
  // row is emitted once the watermark minus the lag reaches its time (no earlier row can come).
  int64_t final_lag = -1;
  int time_column = -1;
  int64_t last_watermark = INT64_MIN;  // rows already final on arrival are emitted at once
  std::vector<std::pair<const std::string*, Partition*>> pending;
  // Partitions finished by the watermark (top_n_expiry_key): partition key component
  // `expiry_key` trails the watermark by `expiry_lag`; once it is below watermark - lag the
  // partition gets no more rows and is dropped. Keys indexed by that time (node-map keys are
  // stable; a partition is indexed once, when created or restored).
  int expiry_key = -1;
  int64_t expiry_lag = 0;
  std::vector<columnar::DataTypePtr> partition_types;
  std::map<int64_t, std::vector<const std::string*>> expiry;
  void IndexPartition(const std::string& key) {
    int64_t t = 0;
    if (expiry_key >= 0 &&
        PartitionTime(key, partition_types, static_cast<size_t>(expiry_key), &t)) {
      expiry[t].push_back(&key);
    }
  }
  /// Drops the partitions the watermark finished (deduplication: only once their row is out).
  void DropFinished(int64_t watermark) {
    if (expiry_key < 0 || watermark == INT64_MIN || expiry.empty()) return;
    const int64_t bound = watermark > INT64_MIN + expiry_lag ? watermark - expiry_lag : INT64_MIN;
    std::vector<const std::string*> deferred;
    auto end = expiry.lower_bound(bound);
    for (auto b = expiry.begin(); b != end; ++b) {
      for (const std::string* key : b->second) {
        auto it = partitions.find(*key);
        if (it == partitions.end()) continue;
        if (it->second.pending) {  // its row is not final yet: check again later
          deferred.push_back(key);
          continue;
        }
        for (const auto& e : it->second.rows) Unref(e);
        partition_bytes -= static_cast<int64_t>(it->first.size()) + kPartitionBytes;
        partitions.erase(it);
      }
    }
    expiry.erase(expiry.begin(), end);
    if (!deferred.empty()) {
      auto& bucket = expiry[bound];
      bucket.insert(bucket.end(), deferred.begin(), deferred.end());
    }
  }
  uint64_t next_seq = 0;
  int64_t live = 0;  // kept rows
  // StateBytes() estimate, kept current where partitions and rows come and go (so polling
  // Database::metrics() costs O(1), not a walk over every partition): per partition its key
  // size + kPartitionBytes, per kept row its order key size + kRowBytes; RecountStateBytes()
  // walks the state and must agree.
  static constexpr int64_t kPartitionBytes = 32;
  static constexpr int64_t kRowBytes = 48;
  static constexpr int64_t kRetainedRowBytes = 16;
  int64_t partition_bytes = 0;
  int64_t row_bytes = 0;
  // Input batches referenced by kept rows, and their total size: compaction copies the kept
  // rows out once the referenced batches hold many more rows than are kept.
  absl::flat_hash_map<const RecordBatch*, int64_t> batch_refs;
  int64_t retained_rows = 0;

  void Ref(const Entry& e) {
    if (++batch_refs[e.batch.get()] == 1) retained_rows += e.batch->num_rows();
    ++live;
    row_bytes += static_cast<int64_t>(e.order.size()) + kRowBytes;
  }
  void Unref(const Entry& e) {
    auto it = batch_refs.find(e.batch.get());
    if (it != batch_refs.end() && --it->second == 0) {
      retained_rows -= e.batch->num_rows();
      batch_refs.erase(it);
    }
    --live;
    row_bytes -= static_cast<int64_t>(e.order.size()) + kRowBytes;
  }

  /// The rank of every position of a sorted list.
  std::vector<int64_t> Ranks(const List& list) const {
    std::vector<int64_t> r(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      const bool peer = i > 0 && list[i].order == list[i - 1].order;
      switch (rank_kind) {
        case RankKind::kRowNumber:
          r[i] = static_cast<int64_t>(i) + 1;
          break;
        case RankKind::kRank:
          r[i] = peer ? r[i - 1] : static_cast<int64_t>(i) + 1;
          break;
        case RankKind::kDenseRank:
          r[i] = i == 0 ? 1 : (peer ? r[i - 1] : r[i - 1] + 1);
          break;
      }
    }
    return r;
  }

  /// True when a row with order key `order` arriving now cannot rank <= limit.
  bool Rejects(const List& list, std::string_view order) const {
    if (static_cast<int64_t>(list.size()) < limit) return false;
    switch (rank_kind) {
      case RankKind::kRowNumber:  // ties lose to the earlier row
        return !(order < list[static_cast<size_t>(limit - 1)].order);
      case RankKind::kRank:
        return order > list[static_cast<size_t>(limit - 1)].order;
      case RankKind::kDenseRank:
        return Ranks(list).back() >= limit && order > list.back().order;
    }
    return false;
  }

  /// Drops the rows ranked beyond the limit.
  void Trim(List* list) {
    size_t keep = list->size();
    if (rank_kind == RankKind::kRowNumber) {
      keep = std::min(keep, static_cast<size_t>(limit));
    } else {
      const auto r = Ranks(*list);
      keep = 0;
      while (keep < r.size() && r[keep] <= limit) ++keep;
    }
    for (size_t i = keep; i < list->size(); ++i) Unref((*list)[i]);
    list->resize(keep);
  }

  /// Copies every kept row into one batch and repoints the entries.
  void Compact() {
    std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders;
    for (const auto& f : input_schema->fields()) {
      builders.push_back(columnar::MakeBuilder(f->type));
      builders.back()->Reserve(live);
    }
    int64_t n = 0;
    for (const auto& [k, p] : partitions) {
      for (const Entry& e : p.rows) {
        for (int c = 0; c < input_schema->num_fields(); ++c) {
          builders[static_cast<size_t>(c)]->AppendArraySlice(*e.batch->column(c), e.row, 1);
        }
        ++n;
      }
    }
    std::vector<ArrayPtr> cols;
    for (auto& b : builders) cols.push_back(b->Finish());
    auto batch = std::make_shared<const RecordBatch>(input_schema, n, std::move(cols));
    int32_t i = 0;  // same iteration order as above: the map is not modified in between
    for (auto& [k, p] : partitions) {
      for (Entry& e : p.rows) {
        e.batch = batch;
        e.row = i++;
      }
    }
    batch_refs.clear();
    retained_rows = 0;
    if (n > 0) {
      batch_refs[batch.get()] = n;
      retained_rows = n;
    }
  }
};

namespace {

/// Builds output rows: the input row's columns, then its rank.
class TopNOutput {
 public:
  explicit TopNOutput(const columnar::SchemaPtr& schema) : schema_(schema) {
    for (int c = 0; c + 1 < schema->num_fields(); ++c) {
      builders_.push_back(columnar::MakeBuilder(schema->field(c)->type));
    }
  }
  void Add(const TopNOperator::State::Entry& e, int64_t rank, int64_t weight,
           const std::string* key) {
    for (size_t c = 0; c < builders_.size(); ++c) {
      builders_[c]->AppendArraySlice(*e.batch->column(static_cast<int>(c)), e.row, 1);
    }
    ranks_.push_back(rank);
    weights_.push_back(weight);
    if (key != nullptr) {
      std::string k = *key;
      k.append(reinterpret_cast<const char*>(&rank), sizeof(rank));
      keys_.push_back(std::move(k));
    }
  }
  void Flush(bool weighted, std::vector<Delta>* output) {
    if (ranks_.empty()) return;
    std::vector<ArrayPtr> cols;
    for (auto& b : builders_) cols.push_back(b->Finish());
    cols.push_back(columnar::MakeInt64Array(ranks_));
    Delta d;
    d.batch = std::make_shared<const RecordBatch>(schema_, static_cast<int64_t>(ranks_.size()),
                                                  std::move(cols));
    if (weighted) d.weights = std::move(weights_);
    d.keys = std::move(keys_);
    output->push_back(std::move(d));
  }

 private:
  columnar::SchemaPtr schema_;
  std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders_;
  std::vector<int64_t> ranks_;
  std::vector<int64_t> weights_;
  std::vector<std::string> keys_;
};

}  // namespace

Result<std::unique_ptr<TopNOperator>> TopNOperator::Make(const sql::PlanNode& node,
                                                         const AggregateOptions& options) {
  if (node.kind != sql::PlanKind::kWindow || node.top_n < 1 || node.analytics.size() != 1 ||
      node.inputs.size() != 1) {
    return Status::Internal("TopNOperator needs a top-N window node");
  }
  const sql::AnalyticCall& call = node.analytics[0];
  auto op = std::unique_ptr<TopNOperator>(new TopNOperator());
  op->state_ = std::make_unique<State>();
  State& s = *op->state_;
  if (call.function == "row_number") {
    s.rank_kind = RankKind::kRowNumber;
  } else if (call.function == "rank") {
    s.rank_kind = RankKind::kRank;
  } else if (call.function == "dense_rank") {
    s.rank_kind = RankKind::kDenseRank;
  } else {
    return Status::NotImplemented(call.function + " is not a ranking function");
  }
  if (s.rank_kind != RankKind::kRowNumber && options.emit != EmitMode::kChanges) {
    return Status::NotImplemented("a RANK/DENSE_RANK top-N needs EMIT CHANGES");
  }
  s.limit = node.top_n;
  s.rank_output = node.top_n_rank_output;
  if (node.top_n_final_lag >= 0 && options.emit != EmitMode::kChanges && s.limit == 1 &&
      call.order_by.size() == 1 && call.order_by[0]->kind == fn::ExprKind::kColumnRef) {
    s.final_lag = node.top_n_final_lag;
    s.time_column = call.order_by[0]->column_index;
  }
  s.options = options;
  if (node.top_n_expiry_key >= 0 &&
      static_cast<size_t>(node.top_n_expiry_key) < call.partition_by.size() &&
      node.top_n_expiry_lag >= 0) {
    s.expiry_key = node.top_n_expiry_key;
    s.expiry_lag = node.top_n_expiry_lag;
  }
  for (const auto& e : call.partition_by) s.partition_types.push_back(e->type);
  s.input_schema = node.inputs[0]->schema;
  s.output_schema = node.schema;
  std::string parts, orders;
  for (const auto& e : call.partition_by) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(e));
    s.partition_exprs.push_back(std::move(c));
    parts += (parts.empty() ? "" : ", ") + e->ToString();
  }
  for (size_t i = 0; i < call.order_by.size(); ++i) {
    const auto& e = call.order_by[i];
    if (!OrderableType(*e->type)) {
      return Status::NotImplemented(
          fmt::format("a top-N cannot order by {} (type {})", e->ToString(), e->type->ToString()),
          ErrorCode::kSqlUnsupported);
    }
    LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(e));
    s.order_exprs.push_back(std::move(c));
    s.descending.push_back(call.descending[i]);
    orders += (orders.empty() ? "" : ", ") + e->ToString() + (call.descending[i] ? " DESC" : "");
  }
  for (const auto& e : call.partition_by) {
    if (!OrderableType(*e->type)) {
      return Status::NotImplemented(fmt::format("a top-N cannot partition by {} (type {})",
                                                e->ToString(), e->type->ToString()),
                                    ErrorCode::kSqlUnsupported);
    }
  }
  s.description =
      fmt::format("TopN: {} <= {} per partition ({}) ORDER BY {}{}", ToUpper(call.function),
                  s.limit, parts, orders, options.emit == EmitMode::kChanges ? " (changelog)" : "");
  return op;
}

TopNOperator::~TopNOperator() = default;

Status TopNOperator::Process(const Delta& input, std::vector<Delta>* output) {
  State& s = *state_;
  const int64_t n = input.num_rows();
  if (n == 0) return Status::OK();
  for (int64_t w : input.weights) {
    if (w <= 0) {
      return Status::NotImplemented("a top-N cannot consume retractions (changelog input)",
                                    ErrorCode::kSqlUnsupported);
    }
  }
  const RecordBatch& batch = *input.batch;
  // Keys of all rows, encoded back to back (one allocation per batch, not per row).
  std::string pbuf, obuf;
  std::vector<uint32_t> poff(static_cast<size_t>(n) + 1, 0), ooff(static_cast<size_t>(n) + 1, 0);
  {
    std::vector<ArrayPtr> pcols, ocols;
    for (const auto& e : s.partition_exprs) {
      LAMINAR_ASSIGN_OR_RETURN(auto col, e->Evaluate(batch));
      pcols.push_back(std::move(col));
    }
    for (const auto& e : s.order_exprs) {
      LAMINAR_ASSIGN_OR_RETURN(auto col, e->Evaluate(batch));
      ocols.push_back(std::move(col));
    }
    for (int64_t r = 0; r < n; ++r) {
      for (const auto& c : pcols) AppendOrderKey(*c, r, false, &pbuf);
      poff[static_cast<size_t>(r) + 1] = static_cast<uint32_t>(pbuf.size());
      for (size_t i = 0; i < ocols.size(); ++i)
        AppendOrderKey(*ocols[i], r, s.descending[i], &obuf);
      ooff[static_cast<size_t>(r) + 1] = static_cast<uint32_t>(obuf.size());
    }
  }
  const bool changes = s.options.emit == EmitMode::kChanges;
  // ROW_NUMBER ON UPDATE only needs which row held each slot before the batch.
  const bool seqs_only = !changes && s.rank_kind == RankKind::kRowNumber;
  const uint64_t batch_no = ++s.batch_number;
  std::vector<std::pair<const std::string*, State::Partition*>> touched;  // first-touch order
  s.before_seqs.clear();
  s.befores.clear();
  for (int64_t r = 0; r < n; ++r) {
    const size_t ri = static_cast<size_t>(r);
    const std::string_view pk(pbuf.data() + poff[ri], poff[ri + 1] - poff[ri]);
    const std::string_view ok(obuf.data() + ooff[ri], ooff[ri + 1] - ooff[ri]);
    auto it = s.partitions.find(absl::string_view(pk.data(), pk.size()));
    if (it == s.partitions.end()) {
      it = s.partitions.emplace(std::string(pk), State::Partition()).first;
      s.partition_bytes += static_cast<int64_t>(pk.size()) + State::kPartitionBytes;
      s.IndexPartition(it->first);
    }
    State::Partition& part = it->second;
    State::List& list = part.rows;
    const uint64_t seq = s.next_seq++;
    if (s.final_lag >= 0) {
      if (part.emitted || s.Rejects(list, ok)) continue;
      auto pos = list.begin();  // limit 1 and not rejected: the new row replaces the old one
      State::Entry e{std::string(ok), seq, input.batch, static_cast<int32_t>(r)};
      s.Ref(e);
      list.insert(pos, std::move(e));
      s.Trim(&list);
      if (!part.pending) {
        part.pending = true;
        s.pending.push_back({&it->first, &part});
      }
      continue;
    }
    if (s.Rejects(list, ok)) continue;
    if (part.touched != batch_no) {
      part.touched = batch_no;
      part.before_len = static_cast<uint32_t>(list.size());
      if (seqs_only) {
        part.before = static_cast<uint32_t>(s.before_seqs.size());
        for (const auto& e : list) s.before_seqs.push_back(e.seq);
      } else {
        part.before = static_cast<uint32_t>(s.befores.size());
        s.befores.push_back(list);
      }
      touched.push_back({&it->first, &part});
    }
    auto pos = std::upper_bound(
        list.begin(), list.end(), ok,
        [](std::string_view o, const State::Entry& e) { return o < std::string_view(e.order); });
    State::Entry e{std::string(ok), seq, input.batch, static_cast<int32_t>(r)};
    s.Ref(e);
    list.insert(pos, std::move(e));
    s.Trim(&list);
  }
  if (s.final_lag >= 0) return EmitFinal(s.last_watermark, output);
  // Emit the differences of the touched partitions.
  TopNOutput out(s.output_schema);
  for (const auto& [pk_ptr, part] : touched) {
    const std::string& pk = *pk_ptr;
    const State::List& a = part->rows;
    const std::string* key = s.options.emit_keys && !changes ? &pk : nullptr;
    if (seqs_only) {
      const uint64_t* b = s.before_seqs.data() + part->before;
      for (size_t i = 0; i < a.size(); ++i) {
        if (i < part->before_len && b[i] == a[i].seq) continue;
        out.Add(a[i], static_cast<int64_t>(i) + 1, 1, key);
      }
      continue;
    }
    const State::List& b = s.befores[part->before];
    const auto rb = s.Ranks(b);
    const auto ra = s.Ranks(a);
    if (!changes) {
      for (size_t i = 0; i < a.size(); ++i) {
        if (i < b.size() && b[i].seq == a[i].seq && rb[i] == ra[i]) continue;
        out.Add(a[i], ra[i], 1, key);
      }
      continue;
    }
    if (s.rank_output) {
      const size_t m = std::max(a.size(), b.size());
      std::vector<size_t> moved;
      for (size_t i = 0; i < m; ++i) {
        if (i < b.size() && i < a.size() && b[i].seq == a[i].seq && rb[i] == ra[i]) continue;
        if (i < b.size()) out.Add(b[i], rb[i], -1, nullptr);
        moved.push_back(i);
      }
      for (size_t i : moved) {
        if (i < a.size()) out.Add(a[i], ra[i], 1, nullptr);
      }
    } else {
      absl::flat_hash_set<uint64_t> now, was;
      for (const auto& e : a) now.insert(e.seq);
      for (const auto& e : b) was.insert(e.seq);
      for (size_t i = 0; i < b.size(); ++i) {
        if (!now.contains(b[i].seq)) out.Add(b[i], rb[i], -1, nullptr);
      }
      for (size_t i = 0; i < a.size(); ++i) {
        if (!was.contains(a[i].seq)) out.Add(a[i], ra[i], 1, nullptr);
      }
    }
  }
  out.Flush(changes, output);
  s.befores.clear();  // drop references to rows that left the top N
  // Referenced input batches may hold at most ~4x the kept rows: compaction (O(kept rows))
  // then runs once per ~3x kept rows of input, so its cost per input row stays constant.
  if (s.retained_rows > 4 * s.live + 262144) s.Compact();
  return Status::OK();
}

Status TopNOperator::AdvanceWatermark(int64_t watermark, std::vector<Delta>* output) {
  State& s = *state_;
  if (s.final_lag >= 0) LAMINAR_RETURN_NOT_OK(EmitFinal(watermark, output));
  s.DropFinished(watermark);
  return Status::OK();
}

Status TopNOperator::EmitFinal(int64_t watermark, std::vector<Delta>* output) {
  State& s = *state_;
  s.last_watermark = std::max(s.last_watermark, watermark);
  if (s.pending.empty() || watermark == INT64_MIN) return Status::OK();
  const int64_t limit = watermark > INT64_MIN + s.final_lag ? watermark - s.final_lag : INT64_MIN;
  TopNOutput out(s.output_schema);
  std::vector<std::pair<const std::string*, State::Partition*>> waiting;
  for (const auto& [key, part] : s.pending) {
    const State::Entry& e = part->rows.front();
    const auto& tc = *e.batch->column(s.time_column);
    // A later row can only win with an earlier time, and rows earlier than the watermark minus
    // the lag are late: once the row's time is there, it is final. (NULL sorts last: final.)
    if (!tc.IsNull(e.row) && tc.values<int64_t>()[e.row] > limit) {
      waiting.push_back({key, part});
      continue;
    }
    out.Add(e, 1, 1, nullptr);
    part->emitted = true;
    part->pending = false;
    for (const auto& x : part->rows) s.Unref(x);
    part->rows.clear();
  }
  s.pending.swap(waiting);
  out.Flush(false, output);
  return Status::OK();
}

namespace {
constexpr uint32_t kTopNStateMagic = 0x4E504F54;  // "TOPN"
constexpr uint8_t kTopNStateVersion = 1;
}  // namespace

Status TopNOperator::Snapshot(std::string* out) const {
  const State& s = *state_;
  std::vector<const std::string*> keys;
  for (const auto& [k, p] : s.partitions) {
    if (!p.rows.empty() || p.emitted) keys.push_back(&k);
  }
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders;
  for (const auto& f : s.input_schema->fields()) {
    builders.push_back(columnar::MakeBuilder(f->type));
  }
  int64_t n = 0;
  for (const auto* k : keys) {
    for (const auto& e : s.partitions.at(*k).rows) {
      for (int c = 0; c < s.input_schema->num_fields(); ++c) {
        builders[static_cast<size_t>(c)]->AppendArraySlice(*e.batch->column(c), e.row, 1);
      }
      ++n;
    }
  }
  std::vector<ArrayPtr> cols;
  for (auto& b : builders) cols.push_back(b->Finish());
  RecordBatch rows(s.input_schema, n, std::move(cols));
  StateWriter w(out);
  w.Put(kTopNStateMagic);
  w.Put(kTopNStateVersion);
  w.Put(s.next_seq);
  w.PutBatch(rows);
  w.Put(static_cast<uint32_t>(keys.size()));
  for (const auto* k : keys) {
    const auto& part = s.partitions.at(*k);
    const auto& list = part.rows;
    w.PutString(*k);
    w.Put(static_cast<uint8_t>(part.emitted));
    w.Put(static_cast<uint32_t>(list.size()));
    for (const auto& e : list) {
      w.PutString(e.order);
      w.Put(e.seq);
    }
  }
  return Status::OK();
}

Status TopNOperator::Restore(std::string_view in) {
  State& s = *state_;
  StateReader r(in);
  auto bad = [](const char* what) {
    return Status::Corruption(std::string("top-N operator state: ") + what,
                              ErrorCode::kStateCorruption);
  };
  uint32_t magic = 0;
  uint8_t version = 0;
  uint64_t next_seq = 0;
  if (!r.Get(&magic) || magic != kTopNStateMagic) return bad("bad magic");
  if (!r.Get(&version) || version != kTopNStateVersion) return bad("unsupported version");
  if (!r.Get(&next_seq)) return bad("truncated header");
  LAMINAR_ASSIGN_OR_RETURN(auto batch, r.GetBatch(s.input_schema));
  uint32_t nparts = 0;
  if (!r.GetCount(&nparts, 8)) return bad("bad partition count");
  absl::node_hash_map<std::string, State::Partition> parts;
  int64_t next = 0;
  int64_t partition_bytes = 0, row_bytes = 0;
  for (uint32_t p = 0; p < nparts; ++p) {
    std::string key;
    uint32_t count = 0;
    uint8_t emitted = 0;
    if (!r.GetString(&key) || !r.Get(&emitted) || emitted > 1 || !r.GetCount(&count, 12)) {
      return bad("bad partition entry");
    }
    if ((count == 0) != (emitted == 1) || parts.contains(key)) return bad("bad partition entry");
    State::List list;
    for (uint32_t i = 0; i < count; ++i) {
      State::Entry e;
      if (!r.GetString(&e.order) || !r.Get(&e.seq)) return bad("truncated row");
      if (e.seq >= next_seq) return bad("row arrival number out of range");
      if (!list.empty() && (e.order < list.back().order ||
                            (e.order == list.back().order && e.seq <= list.back().seq))) {
        return bad("rows out of order");
      }
      if (next >= batch->num_rows()) return bad("row index out of range");
      e.batch = batch;
      e.row = static_cast<int32_t>(next++);
      row_bytes += static_cast<int64_t>(e.order.size()) + State::kRowBytes;
      list.push_back(std::move(e));
    }
    if (static_cast<int64_t>(list.size()) > s.limit && s.rank_kind == RankKind::kRowNumber) {
      return bad("partition holds more rows than the limit");
    }
    State::Partition part;
    part.rows = std::move(list);
    part.emitted = emitted == 1;
    partition_bytes += static_cast<int64_t>(key.size()) + State::kPartitionBytes;
    parts.emplace(std::move(key), std::move(part));
  }
  if (next != batch->num_rows()) return bad("row count mismatch");
  if (!r.empty()) return bad("trailing bytes");
  s.partitions = std::move(parts);
  s.expiry.clear();
  for (const auto& [k, p] : s.partitions) s.IndexPartition(k);
  s.pending.clear();
  if (s.final_lag >= 0) {
    std::vector<std::pair<const std::string*, State::Partition*>> pending;
    for (auto& [k, p] : s.partitions) {
      if (!p.emitted && !p.rows.empty()) pending.push_back({&k, &p});
    }
    // Deterministic order (the map's is not): by partition key.
    std::sort(pending.begin(), pending.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    for (auto& [k, p] : pending) p->pending = true;
    s.pending = std::move(pending);
  }
  s.next_seq = next_seq;
  s.live = next;
  s.partition_bytes = partition_bytes;
  s.row_bytes = row_bytes;
  s.batch_refs.clear();
  s.retained_rows = 0;
  if (next > 0) {
    s.batch_refs[batch.get()] = next;
    s.retained_rows = next;
  }
  // Keep the snapshot's batch alive through the entries only.
  return Status::OK();
}

int64_t TopNOperator::StateBytes() const {
  const State& s = *state_;
  return std::max<int64_t>(
      0, s.partition_bytes + s.row_bytes + s.retained_rows * State::kRetainedRowBytes);
}

int64_t TopNOperator::RecountStateBytes() const {
  const State& s = *state_;
  int64_t bytes = 0;
  for (const auto& [k, p] : s.partitions) {
    bytes += static_cast<int64_t>(k.size()) + State::kPartitionBytes;
    for (const auto& e : p.rows) bytes += static_cast<int64_t>(e.order.size()) + State::kRowBytes;
  }
  int64_t retained = 0;  // rows of the distinct input batches the kept rows point into
  absl::flat_hash_set<const RecordBatch*> batches;
  for (const auto& [k, p] : s.partitions) {
    for (const auto& e : p.rows) {
      if (batches.insert(e.batch.get()).second) retained += e.batch->num_rows();
    }
  }
  return bytes + retained * State::kRetainedRowBytes;
}

std::string TopNOperator::Describe() const { return state_->description; }

namespace {

/// The pair filter TopNOperator::ConnectToJoin installs: a pair is dropped when the rows its
/// partition already holds, plus the rows the join accepted for it earlier in the same batch
/// (which reach the top-N first), rank at least `limit` of them ahead of it.
class TopNPairFilter final : public JoinOperator::PairFilter {
 public:
  /// Where a partition or ORDER BY value comes from: (side, column) of the join's inputs.
  struct Source {
    bool right = false;
    int column = 0;
  };
  TopNPairFilter(const TopNOperator::State* state, std::vector<Source> partition,
                 std::vector<Source> order)
      : state_(state), partition_(std::move(partition)), order_(std::move(order)) {}

  void BeginBatch() override { accepted_.clear(); }

  bool Keep(const RecordBatch& l, int64_t lr, const RecordBatch& r, int64_t rr,
            bool commit) override {
    const TopNOperator::State& s = *state_;
    key_.clear();
    for (const auto& src : partition_) {
      AppendOrderKey(src.right ? *r.column(src.column) : *l.column(src.column), src.right ? rr : lr,
                     false, &key_);
    }
    const size_t plen = key_.size();
    for (size_t i = 0; i < order_.size(); ++i) {
      const auto& src = order_[i];
      AppendOrderKey(src.right ? *r.column(src.column) : *l.column(src.column), src.right ? rr : lr,
                     s.descending[i], &key_);
    }
    const std::string_view pk = std::string_view(key_).substr(0, plen);
    const std::string_view ok = std::string_view(key_).substr(plen);
    auto it = s.partitions.find(absl::string_view(pk.data(), pk.size()));
    if (it != s.partitions.end()) {
      const TopNOperator::State::Partition& part = it->second;
      if (s.final_lag >= 0 && part.emitted) return false;
      if (s.Rejects(part.rows, ok)) return false;
    }
    if (s.rank_kind == RankKind::kDenseRank) return true;  // ranks by distinct values: no count
    // Rows ahead of this one: for ROW_NUMBER those ordered before or equal (earlier rows win
    // ties), for RANK those ordered strictly before.
    const bool ties_ahead = s.rank_kind == RankKind::kRowNumber;
    auto ahead = [&](std::string_view other) { return ties_ahead ? other <= ok : other < ok; };
    int64_t count = 0;
    if (it != s.partitions.end()) {
      for (const auto& e : it->second.rows) count += ahead(e.order) ? 1 : 0;
    }
    auto acc = accepted_.find(absl::string_view(pk.data(), pk.size()));
    if (acc != accepted_.end()) {
      for (const auto& o : acc->second) count += ahead(o) ? 1 : 0;
    }
    if (count >= s.limit) return false;
    if (commit) {
      // Keep the best `limit` accepted order keys: worse ones cannot push a later pair out.
      if (acc == accepted_.end()) acc = accepted_.emplace(std::string(pk), Orders()).first;
      Orders& v = acc->second;
      v.insert(std::upper_bound(v.begin(), v.end(), ok), std::string(ok));
      if (static_cast<int64_t>(v.size()) > s.limit) v.resize(static_cast<size_t>(s.limit));
    }
    return true;
  }

 private:
  using Orders = std::vector<std::string>;  // sorted
  const TopNOperator::State* state_;
  std::vector<Source> partition_;
  std::vector<Source> order_;
  std::string key_;                                    // scratch: partition key, then order key
  absl::flat_hash_map<std::string, Orders> accepted_;  // this batch's accepted pairs
};

}  // namespace

bool TopNOperator::ConnectToJoin(JoinOperator* join, int left_columns) {
  State& s = *state_;
  using Source = TopNPairFilter::Source;
  std::vector<Source> partition, order;
  auto map = [&](const std::vector<std::unique_ptr<fn::CompiledExpression>>& exprs,
                 std::vector<Source>* out) {
    for (const auto& e : exprs) {
      const fn::Expr& x = *e->expr();
      if (x.kind != fn::ExprKind::kColumnRef || x.column_index < 0) return false;
      const bool right = x.column_index >= left_columns;
      out->push_back({right, right ? x.column_index - left_columns : x.column_index});
    }
    return true;
  };
  if (join == nullptr || s.partition_exprs.empty() || !map(s.partition_exprs, &partition) ||
      !map(s.order_exprs, &order)) {
    return false;
  }
  return join->SetPairFilter(
      std::make_unique<TopNPairFilter>(&s, std::move(partition), std::move(order)));
}

}  // namespace laminar::execution
