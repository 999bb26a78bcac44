// Stream joins. See JoinOperator in operator.h for the contract; docs/joins.md for semantics.

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <map>
#include <numeric>
#include <span>
#include <tuple>
#include <type_traits>

#include "columnar/builder.h"
#include "columnar/scalar.h"
#include "common/hash.h"
#include "execution/operator.h"
#include "execution/state_codec.h"
#include "function/evaluator.h"

namespace laminar::execution {

using columnar::ArrayPtr;
using columnar::RecordBatch;
using columnar::RecordBatchPtr;
namespace fn = laminar::function;
using sql::AsofDirection;
using sql::JoinKind;
using sql::JoinStrategy;

namespace {

/// A buffered input row: a reference into the batch it arrived in.
struct Row {
  RecordBatchPtr batch;
  int32_t index = 0;
  int64_t ts = 0;
  int64_t weight = 1;
  bool matched = false;
};

/// The buffered rows of one join key, oldest first: a vector with a moving front. Interval
/// joins often key on near-unique values (Nexmark q7 joins on the price), so most keys hold
/// one row: that row lives inline in the hash map slot (no allocation per key); std::deque
/// allocated a 512-byte block plus its map for every key.
/// Unlike std::deque, adding a row may move the others: callers keep no Row pointers across
/// push_back()/insert().
class RowList {
 public:
  bool empty() const { return head_ == rows_.size(); }
  size_t size() const { return rows_.size() - head_; }
  Row& front() { return rows_[head_]; }
  Row& back() { return rows_.back(); }
  Row& operator[](size_t i) { return rows_[head_ + i]; }
  const Row& operator[](size_t i) const { return rows_[head_ + i]; }
  Row* begin() { return rows_.data() + head_; }
  Row* end() { return rows_.data() + rows_.size(); }
  const Row* begin() const { return rows_.data() + head_; }
  const Row* end() const { return rows_.data() + rows_.size(); }
  void push_back(const Row& r) { rows_.push_back(r); }
  void push_back(Row&& r) { rows_.push_back(std::move(r)); }
  Row* insert(const Row* pos, const Row& r) {
    const auto at = pos - rows_.data();
    rows_.insert(rows_.begin() + at, r);
    return rows_.data() + at;
  }
  void clear() {
    rows_.clear();
    head_ = 0;
  }
  void pop_front() {
    rows_[head_].batch.reset();  // release the batch as soon as its last row goes
    if (++head_ == rows_.size()) {
      rows_.clear();
      head_ = 0;
    } else if (head_ >= 16 && head_ * 2 >= rows_.size()) {
      rows_.erase(rows_.begin(), rows_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

 private:
  absl::InlinedVector<Row, 1> rows_;
  size_t head_ = 0;  // rows_[0, head_) were popped
};

/// Appends the binary image of one non-NULL key value: a type tag, then the raw value
/// (integers widened to 64 bits so INT and BIGINT keys meet; strings length-prefixed so
/// multi-column keys cannot run together). Floats, decimals, booleans and nested values use
/// their canonical text, which equates -0.0 with 0.0 as SQL equality does.
void AppendKey(const columnar::Array& col, int64_t r, std::string* k) {
  const columnar::TypeId id = col.type_id();
  auto put = [k](const void* p, size_t n) { k->append(static_cast<const char*>(p), n); };
  if (col.type()->is_integer()) {
    int64_t v = 0;
    columnar::VisitFixedWidth(id, [&]<typename T>() {
      if constexpr (std::is_integral_v<T>) v = static_cast<int64_t>(col.values<T>()[r]);
    });
    k->push_back('i');
    put(&v, 8);
  } else if (col.type()->is_temporal()) {
    const int64_t v =
        id == columnar::TypeId::kDate32 ? col.values<int32_t>()[r] : col.values<int64_t>()[r];
    k->push_back(static_cast<char>('a' + static_cast<int>(id)));
    put(&v, 8);
  } else if (col.type()->is_binary_like()) {
    const std::string_view v = col.GetView(r);
    const auto len = static_cast<uint32_t>(v.size());
    k->push_back(id == columnar::TypeId::kString ? 's' : 'b');
    put(&len, 4);
    put(v.data(), v.size());
  } else {
    const std::string text = columnar::GetScalar(col, r).ToString();
    const auto len = static_cast<uint32_t>(text.size());
    k->push_back('t');
    put(&len, 4);
    put(text.data(), text.size());
  }
}

/// Encodes the key of every row; rows with a NULL key get no key (they never match).
Status EncodeKeys(const std::vector<std::unique_ptr<fn::CompiledExpression>>& exprs,
                  const RecordBatch& batch, std::vector<std::string>* keys,
                  std::vector<uint8_t>* valid) {
  const int64_t n = batch.num_rows();
  keys->assign(static_cast<size_t>(n), std::string());
  valid->assign(static_cast<size_t>(n), 1);
  for (const auto& e : exprs) {
    LAMINAR_ASSIGN_OR_RETURN(auto col, e->Evaluate(batch));
    for (int64_t r = 0; r < n; ++r) {
      if (col->IsNull(r)) {
        (*valid)[static_cast<size_t>(r)] = 0;
        continue;
      }
      AppendKey(*col, r, &(*keys)[static_cast<size_t>(r)]);
    }
  }
  return Status::OK();
}

/// Join key of the typed path: the values of up to four integer or temporal key columns,
/// widened to 64 bits (unused words are 0). Equal words mean equal SQL values, exactly as the
/// string path's binary image would say, without building a string per row. N is the number
/// of words (1 to 4): a one-column key (Nexmark q7's price) stays 8 bytes per buffered row, a
/// window join's (id, window_start, window_end) key (q8) takes 3 words (24 bytes per row: a
/// window's keys are written, hashed and compared whole, so unused words cost).
template <size_t N>
struct WordKey {
  // Not zeroed: EncodeKeys writes every word of a batch's keys, so a window of keys is not
  // cleared first. Zero() is the key of all-zero words.
  WordKey() {}
  static WordKey Zero() {
    WordKey k;
    k.w.fill(0);
    return k;
  }
  std::array<int64_t, N> w;
  // Word by word (std::array's == calls memcmp, which dominated q7's tail scan).
  friend bool operator==(const WordKey& a, const WordKey& b) {
    bool equal = true;
    for (size_t i = 0; i < N; ++i) equal &= a.w[i] == b.w[i];
    return equal;
  }
  template <typename H>
  friend H AbslHashValue(H h, const WordKey& k) {
    if constexpr (N == 1) {
      return H::combine(std::move(h), k.w[0]);
    } else {
      // Word by word: the integer mix, not the byte-string hash combine_contiguous takes.
      for (const int64_t v : k.w) h = H::combine(std::move(h), v);
      return h;
    }
  }
};

/// The most key columns the typed path takes.
constexpr size_t kMaxWordKeys = 4;

/// The string path's type tag of a key column whose values fit one 64-bit word (integers and
/// temporal types, see AppendKey), or 0 when the column needs the string path. Floats are not
/// words: the string path equates them through their display text.
char WordKeyTag(const columnar::DataType& t) {
  if (t.is_integer()) return 'i';
  if (t.is_temporal()) return static_cast<char>('a' + static_cast<int>(t.id()));
  return 0;
}

/// Reads one key column as 64-bit words into word `w` of `keys`; NULLs clear `valid`.
template <size_t N>
void ReadKeyWords(const columnar::Array& col, size_t w, std::vector<WordKey<N>>* keys,
                  std::vector<uint8_t>* valid) {
  const int64_t n = col.length();
  auto fill = [&]<typename T>(const T* v) {
    WordKey<N>* k = keys->data();
    for (int64_t r = 0; r < n; ++r) k[r].w[w] = static_cast<int64_t>(v[r]);
  };
  columnar::VisitFixedWidth(col.type_id(), [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) fill(col.values<T>());
  });
  if (col.null_count() != 0) {
    for (int64_t r = 0; r < n; ++r) {
      if (col.IsNull(r)) (*valid)[static_cast<size_t>(r)] = 0;
    }
  }
}

/// The typed path's counterpart of EncodeKeys. `keys` may hold old keys (a recycled vector):
/// every word of the n keys is written.
template <size_t N>
Status EncodeKeys(const std::vector<std::unique_ptr<fn::CompiledExpression>>& exprs,
                  const RecordBatch& batch, std::vector<WordKey<N>>* keys,
                  std::vector<uint8_t>* valid) {
  const auto n = static_cast<size_t>(batch.num_rows());
  keys->resize(n);
  valid->assign(n, 1);
  const size_t ncols = std::min(exprs.size(), N);
  std::array<ArrayPtr, N> cols;
  bool all_words = true;  // every key column holds 64-bit integers (BIGINT, TIMESTAMP)
  for (size_t i = 0; i < ncols; ++i) {
    LAMINAR_ASSIGN_OR_RETURN(cols[i], exprs[i]->Evaluate(batch));
    bool word = false;
    columnar::VisitFixedWidth(cols[i]->type_id(),
                              [&]<typename T>() { word = std::is_same_v<T, int64_t>; });
    all_words &= word;
  }
  if (all_words) {
    // One pass writing whole keys (a window join's id and bounds), instead of clearing the
    // keys and then writing one word of each per column. Unused words read a zero.
    static constexpr int64_t kZero = 0;
    const int64_t* v[N];
    int64_t step[N];
    for (size_t w = 0; w < N; ++w) {
      v[w] = w < ncols ? cols[w]->template values<int64_t>() : &kZero;
      step[w] = w < ncols ? 1 : 0;
    }
    WordKey<N>* k = keys->data();
    for (size_t r = 0; r < n; ++r) {
      for (size_t w = 0; w < N; ++w) k[r].w[w] = v[w][static_cast<int64_t>(r) * step[w]];
    }
    for (size_t i = 0; i < ncols; ++i) {
      if (cols[i]->null_count() == 0) continue;
      for (size_t r = 0; r < n; ++r) {
        if (cols[i]->IsNull(static_cast<int64_t>(r))) (*valid)[r] = 0;
      }
    }
    return Status::OK();
  }
  std::fill(keys->begin(), keys->end(), WordKey<N>::Zero());
  for (size_t i = 0; i < ncols; ++i) ReadKeyWords(*cols[i], i, keys, valid);
  return Status::OK();
}

/// The string path's image of a word key (what AppendKey builds for the same values): the
/// checkpoint format keeps string keys whichever path built them.
template <size_t N>
std::string KeyImage(const WordKey<N>& k, const std::string& tags) {
  std::string out;
  out.reserve(tags.size() * 9);
  for (size_t i = 0; i < tags.size() && i < N; ++i) {
    out.push_back(tags[i]);
    out.append(reinterpret_cast<const char*>(&k.w[i]), 8);
  }
  return out;
}
inline const std::string& KeyImage(const std::string& k, const std::string&) { return k; }

/// Parses KeyImage(); false when `image` is not one of `tags`.
template <size_t N>
bool ParseKeyImage(std::string_view image, const std::string& tags, WordKey<N>* k) {
  if (tags.size() > N || image.size() != tags.size() * 9) return false;
  *k = WordKey<N>::Zero();
  for (size_t i = 0; i < tags.size(); ++i) {
    if (image[i * 9] != tags[i]) return false;
    std::memcpy(&k->w[i], image.data() + i * 9 + 1, 8);
  }
  return true;
}
inline bool ParseKeyImage(std::string_view image, const std::string&, std::string* k) {
  k->assign(image);
  return true;
}

/// a + b, clamped to the int64 range (time bounds near the extremes of the timestamp range).
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}

/// Whether the interval bound of `spec` holds for every pair `condition` (the ON predicate over
/// left + right columns) accepts: every comparison between the two sides reads only the two
/// time columns (so the bounds come from them; an equality of the time columns, the other
/// source of a bound, is a join key). Conservative: false on any other cross-side comparison.
bool ExactTimeBound(const fn::Expr& condition, const sql::JoinSpec& spec) {
  if (spec.left_time < 0 || spec.right_time < 0) return false;
  std::vector<const fn::Expr*> conjuncts{&condition};
  for (size_t i = 0; i < conjuncts.size(); ++i) {
    const fn::Expr* e = conjuncts[i];
    if (e->kind == fn::ExprKind::kAnd) {
      for (const auto& a : e->args) conjuncts.push_back(a.get());
      continue;
    }
    if (e->kind != fn::ExprKind::kCall) continue;
    const std::string& f = e->function_name;
    if (f != "gte" && f != "gt" && f != "lte" && f != "lt") continue;
    std::vector<int> refs;
    fn::CollectColumnRefs(*e, &refs);
    bool left = false, right = false, other = false;
    for (int c : refs) {
      const bool is_right = c >= spec.left_columns;
      (is_right ? right : left) = true;
      if (c != spec.left_time && c != spec.left_columns + spec.right_time) other = true;
    }
    if (left && right && other) return false;
  }
  return true;
}

/// Which sides an expression reads: bit 1 = left (columns < left_columns), bit 2 = right.
int SidesOf(const fn::Expr& e, int left_columns) {
  std::vector<int> refs;
  fn::CollectColumnRefs(e, &refs);
  int sides = 0;
  for (int c : refs) sides |= c < left_columns ? 1 : 2;
  return sides;
}

/// `condition` without its conjuncts that are join-key equalities (`left expr = right expr`,
/// the conjuncts the binder turns into keys), or null when nothing else remains. Returns
/// `condition` itself when the equalities found are not exactly the `keys` key pairs.
fn::ExprPtr WithoutKeyEqualities(const fn::ExprPtr& condition, int left_columns, size_t keys) {
  std::vector<fn::ExprPtr> conjuncts{condition}, rest;
  size_t equalities = 0;
  for (size_t i = 0; i < conjuncts.size(); ++i) {
    const fn::ExprPtr e = conjuncts[i];
    if (e->kind == fn::ExprKind::kAnd) {
      for (const auto& a : e->args) conjuncts.push_back(a);
      continue;
    }
    if (e->kind == fn::ExprKind::kCall && e->function_name == "eq" && e->args.size() == 2) {
      const int a = SidesOf(*e->args[0], left_columns);
      const int b = SidesOf(*e->args[1], left_columns);
      if ((a == 1 && b == 2) || (a == 2 && b == 1)) {
        ++equalities;
        continue;
      }
    }
    rest.push_back(e);
  }
  if (equalities != keys) return condition;
  if (rest.empty()) return nullptr;
  return fn::MakeAnd(std::move(rest));
}

/// The key of the rows with a NULL key kept for outer joins, in checkpoint images.
const std::string kNullKeyImage("\x00null", 5);

/// One side of an output row: the row's batch and index, or no batch for a NULL side.
struct RowRef {
  const RecordBatch* batch = nullptr;
  int32_t index = 0;
};

/// The referenced rows' values of one column as one array (NULL where `column_of(ref)` gives
/// no array: a NULL side): a typed gather for fixed-width and string columns (one pass per
/// column, no per-cell builder call), a builder for the rest. `column_of(ref)` returns the
/// column of the ref's batch; when every ref reads one array it is a constant, so the loops
/// read that array's buffers directly. `no_nulls`: no ref is NULL (skips the validity pass).
template <typename ColumnOf>
ArrayPtr GatherColumnWith(const std::vector<RowRef>& refs, ColumnOf column_of, bool no_nulls,
                          const columnar::DataTypePtr& type) {
  const auto n = static_cast<int64_t>(refs.size());
  int64_t nulls = 0;
  columnar::BufferPtr validity;
  if (!no_nulls) {
    for (const RowRef& r : refs) {
      const columnar::Array* a = column_of(r);
      if (a == nullptr || a->IsNull(r.index)) ++nulls;
    }
  }
  if (nulls > 0) {
    validity = columnar::Buffer::Allocate(columnar::bit_util::BytesForBits(n));
    std::memset(validity->mutable_data(), 0, static_cast<size_t>(validity->size()));
    for (int64_t i = 0; i < n; ++i) {
      const RowRef& r = refs[static_cast<size_t>(i)];
      const columnar::Array* a = column_of(r);
      if (a != nullptr && !a->IsNull(r.index)) {
        columnar::bit_util::SetBit(validity->mutable_data(), i);
      }
    }
  }
  ArrayPtr out;
  const columnar::TypeId id = type->id();
  const bool fixed = columnar::VisitFixedWidth(id, [&]<typename T>() {
    auto values = columnar::Buffer::Allocate(n * static_cast<int64_t>(sizeof(T)));
    T* dst = reinterpret_cast<T*>(values->mutable_data());
    for (int64_t i = 0; i < n; ++i) {
      const RowRef& r = refs[static_cast<size_t>(i)];
      const columnar::Array* a = column_of(r);
      dst[i] = a != nullptr ? a->values<T>()[r.index] : T{};
    }
    out = std::make_shared<columnar::Array>(type, n,
                                            std::vector<columnar::BufferPtr>{validity, values},
                                            std::vector<ArrayPtr>{}, nulls);
  });
  if (fixed) return out;
  if (id == columnar::TypeId::kString || id == columnar::TypeId::kBinary) {
    auto offsets = columnar::Buffer::Allocate((n + 1) * 4);
    auto* o = reinterpret_cast<int32_t*>(offsets->mutable_data());
    int64_t bytes = 0;
    for (int64_t i = 0; i < n; ++i) {
      const RowRef& r = refs[static_cast<size_t>(i)];
      o[i] = static_cast<int32_t>(bytes);
      const columnar::Array* a = column_of(r);
      if (a == nullptr) continue;
      const int32_t* so = a->raw_offsets();
      bytes += so[r.index + 1] - so[r.index];
    }
    o[n] = static_cast<int32_t>(bytes);
    auto data = columnar::Buffer::Allocate(bytes);
    uint8_t* dd = data->mutable_data();
    for (int64_t i = 0; i < n; ++i) {
      const RowRef& r = refs[static_cast<size_t>(i)];
      const columnar::Array* a = column_of(r);
      if (a == nullptr || o[i + 1] == o[i]) continue;
      std::memcpy(dd + o[i], a->buffers()[2]->data() + a->raw_offsets()[r.index],
                  static_cast<size_t>(o[i + 1] - o[i]));
    }
    return std::make_shared<columnar::Array>(
        type, n, std::vector<columnar::BufferPtr>{validity, offsets, data}, std::vector<ArrayPtr>{},
        nulls);
  }
  auto b = columnar::MakeBuilder(type);
  b->Reserve(n);
  for (const RowRef& r : refs) {
    const columnar::Array* a = column_of(r);
    if (a != nullptr) {
      b->AppendArraySlice(*a, r.index, 1);
    } else {
      b->AppendNull();
    }
  }
  return b->Finish();
}

/// Column `col` of the referenced rows as one array (NULL where a reference has no batch).
/// `single`: the one batch every ref reads, or null when they read several or some are NULL.
ArrayPtr GatherColumn(const std::vector<RowRef>& refs, const RecordBatch* single, int col,
                      const columnar::DataTypePtr& type) {
  if (single != nullptr) {
    const columnar::Array* a = single->column(col).get();
    return GatherColumnWith(
        refs, [a](const RowRef&) { return a; }, a->null_count() == 0, type);
  }
  return GatherColumnWith(
      refs,
      [col](const RowRef& r) -> const columnar::Array* {
        return r.batch != nullptr ? r.batch->column(col).get() : nullptr;
      },
      false, type);
}

/// Assembles output rows from (left row, right row) references; a null side gives NULLs.
/// Rows are gathered column by column when the batch is finished; the referenced input batches
/// are held until then (an evicted row's batch may otherwise go first).
class OutputBuilder {
 public:
  /// Columns past left_columns + right_columns (when right_columns >= 0) take `extra` values
  /// (TEMPORAL PROBE's offset_ms).
  OutputBuilder(const columnar::SchemaPtr& schema, int left_columns, int right_columns = -1)
      : schema_(schema), left_columns_(left_columns), right_columns_(right_columns) {}

  void Add(const Row* l, const Row* r, int64_t weight, const int64_t* extra = nullptr) {
    AddRefs(Ref(l), Ref(r), weight);
    if (right_columns_ >= 0) extras_.push_back(extra != nullptr ? *extra : kNoExtra);
  }

  /// Adds a pair of rows whose batches the caller keeps alive until the next FinishBatch (or
  /// passes to Hold()). Neither side may be NULL when the builder reuses columns.
  void AddRefs(RowRef l, RowRef r, int64_t weight) {
    Track(0, l.batch);
    Track(1, r.batch);
    left_.push_back(l);
    right_.push_back(r);
    weights_.push_back(weight);
    any_retraction_ |= weight != 1;
  }

  /// Keeps `batch` alive until the batch is finished (for rows added by AddRefs).
  void Hold(const RecordBatchPtr& batch) {
    if (held_.empty() || held_.back().get() != batch.get()) held_.push_back(batch);
  }

  /// Output column c is output column reuse[c] when reuse[c] is in [0, c) (an inner join's
  /// right key column equal to its left key column: same type, equal values in every pair).
  /// `reuse` must outlive the builder.
  void ReuseColumns(const std::vector<int>* reuse) { reuse_ = reuse; }

  /// Makes room for `pairs` more rows.
  void Reserve(size_t pairs) {
    left_.reserve(left_.size() + pairs);
    right_.reserve(right_.size() + pairs);
    weights_.reserve(weights_.size() + pairs);
  }

  int64_t size() const { return static_cast<int64_t>(weights_.size()); }

  RecordBatchPtr FinishBatch() {
    std::vector<ArrayPtr> cols;
    const int n = schema_->num_fields();
    cols.reserve(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      const auto& type = schema_->field(c)->type;
      const int reuse = reuse_ != nullptr && static_cast<size_t>(c) < reuse_->size()
                            ? (*reuse_)[static_cast<size_t>(c)]
                            : -1;
      if (reuse >= 0 && reuse < c) {
        cols.push_back(cols[static_cast<size_t>(reuse)]);
      } else if (right_columns_ >= 0 && c >= left_columns_ + right_columns_) {
        auto b = columnar::MakeBuilder(type);
        for (int64_t e : extras_) {
          if (e == kNoExtra) {
            b->AppendNull();
          } else {
            b->AppendScalar(columnar::Scalar::Int64(e)).IgnoreError();
          }
        }
        cols.push_back(b->Finish());
      } else if (c < left_columns_) {
        cols.push_back(GatherColumn(left_, Single(0), c, type));
      } else {
        cols.push_back(GatherColumn(right_, Single(1), c - left_columns_, type));
      }
    }
    auto out = std::make_shared<const RecordBatch>(schema_, size(), std::move(cols));
    left_.clear();
    right_.clear();
    extras_.clear();
    held_.clear();
    for (int side = 0; side < 2; ++side) {
      single_[side] = nullptr;
      mixed_[side] = false;
    }
    return out;
  }

  void Flush(bool weighted, std::vector<Delta>* output) {
    if (weights_.empty()) return;
    Delta d;
    d.batch = FinishBatch();
    if (weighted || any_retraction_) d.weights = std::move(weights_);
    weights_.clear();
    any_retraction_ = false;
    output->push_back(std::move(d));
  }

 private:
  static constexpr int64_t kNoExtra = INT64_MIN;
  RowRef Ref(const Row* r) {
    if (r == nullptr) return RowRef();
    Hold(r->batch);
    return RowRef{r->batch.get(), r->index};
  }
  // Notes which batch a side's refs read: one (gathers read its columns directly), or several
  // or a NULL side (gathers look each ref's batch up).
  void Track(int side, const RecordBatch* batch) {
    if (batch == single_[side]) return;
    if (batch == nullptr || single_[side] != nullptr || !left_.empty()) mixed_[side] = true;
    single_[side] = batch;
  }
  const RecordBatch* Single(int side) const { return mixed_[side] ? nullptr : single_[side]; }

  columnar::SchemaPtr schema_;
  int left_columns_;
  int right_columns_;
  const std::vector<int>* reuse_ = nullptr;
  std::vector<RowRef> left_, right_;
  const RecordBatch* single_[2] = {nullptr, nullptr};  // the batch of each side's first ref
  bool mixed_[2] = {false, false};                     // a side's refs read several batches
  std::vector<int64_t> extras_;
  std::vector<RecordBatchPtr> held_;  // keeps the referenced batches alive until FinishBatch
  std::vector<int64_t> weights_;
  bool any_retraction_ = false;
};

/// Hash of a join key for KeyChains (not persisted). Word keys: one multiply per word, summed,
/// then one final mix (absl's hash combined the words through a call per key); both the low
/// bits (the slot) and the high bits (the tag) are mixed.
template <size_t N>
uint64_t ChainHash(const WordKey<N>& k) {
  static constexpr uint64_t kMul[4] = {0x9E3779B97F4A7C15ULL, 0xC2B2AE3D27D4EB4FULL,
                                       0x165667B19E3779F9ULL, 0xD6E8FEB86659FD93ULL};
  uint64_t h = 0;
  for (size_t i = 0; i < N; ++i) h += static_cast<uint64_t>(k.w[i]) * kMul[i % 4];
  return HashInt64(h);
}
inline uint64_t ChainHash(const std::string& k) { return HashString(k); }

/// Entries (numbered from 0) grouped by join key: an open-addressing table holding the first
/// entry of each distinct key, the later entries of a key chained after it in the order they
/// were added. Replaces a hash map from key to first entry for the tail scans: a slot is 8
/// bytes (entry number and 32 hash bits, so most mismatches read no key) instead of the key
/// plus the value, and the memory is kept from one batch to the next (a cleared absl map frees
/// a large table; rebuilding and regrowing it per batch showed up in Nexmark q8).
/// The table does not store keys: Add() and Find() take `key_of(entry)`, which must return
/// the key of any entry added since Reset(). Lookups of a window's keys miss the caches, so
/// callers hash a block of keys first and Prefetch() their slots (see ForBlocks).
template <typename Key>
class KeyChains {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  /// Empties the table for entries numbered below `entries`, about `keys` of them added.
  void Reset(size_t entries, size_t keys) {
    // At most ~70% full: short probe sequences, and a window's table stays small enough for
    // the second-level cache (20000 keys: 32768 slots, 256 KiB).
    size_t capacity = 16;
    while (capacity * 7 < keys * 10) capacity <<= 1;
    slots_.assign(capacity, Slot{kNone, 0});
    mask_ = capacity - 1;
    next_.assign(entries, kNone);
    last_.resize(entries);
    heads_.clear();
  }

  static uint64_t Hash(const Key& key) { return ChainHash(key); }
  void Prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & mask_]); }

  /// Adds entry `e` with key `key` whose Hash() is `h` (entries of one key must be added in
  /// increasing order).
  template <typename KeyOf>
  void Add(uint32_t e, const Key& key, uint64_t h, KeyOf key_of) {
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.head == kNone) {
        slot = Slot{e, tag};
        last_[e] = e;
        heads_.push_back(e);
        return;
      }
      if (slot.tag == tag && key_of(slot.head) == key) {
        next_[last_[slot.head]] = e;
        last_[slot.head] = e;
        return;
      }
    }
  }

  /// The first entry with key `key` (whose Hash() is `h`), or kNone.
  template <typename KeyOf>
  uint32_t Find(const Key& key, uint64_t h, KeyOf key_of) const {
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.head == kNone) return kNone;
      if (slot.tag == tag && key_of(slot.head) == key) return slot.head;
    }
  }

  /// The entry after `e` with the same key, or kNone.
  uint32_t Next(uint32_t e) const { return next_[e]; }
  /// The first entry of each distinct key, in the order they were added.
  const std::vector<uint32_t>& heads() const { return heads_; }

  /// Calls f(i, key, hash) for i in [0, n) where keep(i), in order, with key = key_at(i):
  /// a block of keys is hashed and their slots prefetched before any is looked at.
  template <typename Keep, typename KeyAt, typename F>
  void ForBlocks(size_t n, Keep keep, KeyAt key_at, F f) const {
    constexpr size_t kBlock = 16;
    uint32_t rows[kBlock];
    uint64_t hashes[kBlock];
    for (size_t from = 0; from < n;) {
      size_t m = 0;
      for (; from < n && m < kBlock; ++from) {
        if (!keep(from)) continue;
        rows[m] = static_cast<uint32_t>(from);
        hashes[m] = Hash(key_at(from));
        Prefetch(hashes[m]);
        ++m;
      }
      for (size_t b = 0; b < m; ++b) f(rows[b], key_at(rows[b]), hashes[b]);
    }
  }

 private:
  struct Slot {
    uint32_t head;  // first entry of the slot's key, kNone when empty
    uint32_t tag;   // high hash bits of the key
  };
  std::vector<Slot> slots_;  // capacity a power of two
  size_t mask_ = 0;
  std::vector<uint32_t> next_;  // per entry: the next entry of its key
  std::vector<uint32_t> last_;  // per first entry: the last entry of its key so far
  std::vector<uint32_t> heads_;
};

}  // namespace

struct JoinOperator::State {
  sql::JoinSpec spec;
  JoinKind kind = JoinKind::kInner;
  columnar::SchemaPtr output_schema;   // left + right (left only for semi/anti)
  columnar::SchemaPtr pair_schema;     // left + right, for the residual predicate
  columnar::SchemaPtr side_schema[2];  // each input's schema (for snapshots)
  std::vector<std::unique_ptr<fn::CompiledExpression>> keys[2];
  std::unique_ptr<fn::CompiledExpression> residual;
  std::vector<bool> residual_columns;  // pair columns the residual reads
  // Inner joins: output column c repeats output column reuse_columns[c] when that is >= 0 (a
  // right key column equal to its left key column, see OutputBuilder::ReuseColumns).
  std::vector<int> reuse_columns;
  TableProvider tables;
  std::string description;
  bool weighted = false;  // some input carried weights: output carries them too
  // Drops pairs the consumer cannot use (inner joins; not under weights: a retraction must
  // reach the consumer, which may reject it loudly).
  std::unique_ptr<JoinOperator::PairFilter> pair_filter;
  bool filter_pairs() const { return pair_filter != nullptr && !weighted; }

  // Buffered rows per side and key (interval / unbounded / ASOF right side).
  // Interval joins also index (time after which a buffered row can no longer match, its key),
  // so eviction visits only keys with expired rows instead of every key on every watermark.
  // Keys sharing an expiry time share one map node (in insertion order, as a multimap would
  // keep them): bids arrive ~100 per millisecond, so this is far fewer nodes than rows.
  //
  // Inner joins store a side's new rows unindexed first, a batch at a time ("the tail"): a
  // probe scans the tail through a small map of the probing batch's keys. The tail joins the
  // hash index once its oldest batch has been scanned kTailScans times, so a side whose rows
  // expire before they are probed often (Nexmark q7: ~1M bids per 10 s against one window
  // maximum, each bid scanned once or twice) never pays a hash insert per row, and a side
  // probed by every batch (q4, q9, q20) pays at most kTailScans small-map lookups per row.
  // Expired tail batches are dropped whole (an inner join emits nothing for them).
  // A tail batch keeps its rows as columns (row index, time, key) beside one reference to the
  // input batch: storing a bid costs a few appends, no Row with its own batch reference (an
  // atomic increment on store, a decrement on drop). Rows that pair are materialized then.
  template <typename Key>
  struct TailBatch {
    RecordBatchPtr batch;          // the input batch the rows arrived in
    std::vector<int32_t> index;    // the buffered rows' indices in `batch`, in arrival order
    std::vector<int64_t> ts;       // their times
    std::vector<int64_t> weight;   // their weights; empty when every weight is 1
    std::vector<uint8_t> matched;  // 1 once the row paired (checkpoint images keep it); empty
                                   // while no row has
    std::vector<Key> keys;         // their keys
    int64_t min_ts = INT64_MAX;
    int64_t max_ts = INT64_MIN;
    int scans = 0;  // probes that scanned this batch
    size_t size() const { return index.size(); }
    Row RowAt(size_t j) const {
      return Row{batch, index[j], ts[j], weight.empty() ? 1 : weight[j],
                 !matched.empty() && matched[j] != 0};
    }
    void SetMatched(size_t j) {
      if (matched.empty()) matched.resize(size(), 0);
      matched[j] = 1;
    }
  };
  // A pair's row in the other side's tail: tail batch, row within it.
  template <typename Key>
  struct TailHit {
    uint32_t incoming;  // the probing row
    TailBatch<Key>* batch;
    uint32_t row;
  };
  template <typename Key>
  struct KeyedRows {
    absl::flat_hash_map<Key, RowList> rows[2];
    std::map<int64_t, std::vector<Key>> expiry[2];
    std::deque<TailBatch<Key>> tail[2];  // newer than every indexed row of the side
    int64_t tail_rows[2] = {0, 0};
    // Keys whose list in `rows` is not empty (interval/unbounded joins; emptied lists may stay).
    int64_t live[2] = {0, 0};
    // Scratch of one probe (ScanTail and the pairs), kept so its memory is reused; not state.
    KeyChains<Key> chains;
    std::vector<TailBatch<Key>*> scanned;
    std::vector<TailHit<Key>> entries, hits, sorted_hits;
    std::vector<uint32_t> sort_start;
    // The key, time and row vectors of dropped tail batches, for the next batches to fill:
    // their memory is in use already, where a new vector of a window's size (q8: ~20000
    // rows) costs a page fault per 4 KiB every time.
    static constexpr size_t kSpares = 4;
    std::vector<std::vector<Key>> spare_keys;
    std::vector<std::vector<int64_t>> spare_ts;
    std::vector<std::vector<int32_t>> spare_index;
    template <typename T>
    static std::vector<T> Take(std::vector<std::vector<T>>* spares) {
      if (spares->empty()) return {};
      std::vector<T> v = std::move(spares->back());
      spares->pop_back();
      return v;
    }
    template <typename T>
    static void Give(std::vector<T>&& v, std::vector<std::vector<T>>* spares) {
      if (v.capacity() >= 1024 && spares->size() < kSpares) spares->push_back(std::move(v));
    }
    // Keeps the vectors of a tail batch about to be dropped.
    void Recycle(TailBatch<Key>& batch) {
      Give(std::move(batch.keys), &spare_keys);
      Give(std::move(batch.ts), &spare_ts);
      Give(std::move(batch.index), &spare_index);
    }
  };
  // Appends a row to its key's list in the index.
  template <typename Key>
  static void Append(KeyedRows<Key>& keyed, int side, const Key& key, Row row) {
    RowList& list = keyed.rows[side][key];
    if (list.empty()) ++keyed.live[side];
    list.push_back(std::move(row));
  }
  bool lazy_index() const { return kind == JoinKind::kInner; }
  // How often probes may scan a tail batch before the tail is indexed: a scan visits a row for
  // the price of a lookup in a small (cached) map, indexing costs a miss in the large one.
  static constexpr int kTailScans = 3;
  // A probe scans the tail only when the tail has more than this many rows per probing row.
  static constexpr int64_t kScanRatio = 64;
  // Interval and unbounded joins on one to four integer/temporal columns (the same tags on
  // both sides) key by 64-bit words; other keys, and the ASOF right side, by their binary
  // image. Only the set matching word_tags (and the string set for ASOF) holds rows.
  using KeyedSets = std::tuple<KeyedRows<std::string>, KeyedRows<WordKey<1>>, KeyedRows<WordKey<2>>,
                               KeyedRows<WordKey<3>>, KeyedRows<WordKey<4>>>;
  KeyedSets keyed_sets;
  std::string word_tags;  // non-empty: the typed path, one WordKeyTag per key column
  // Interval joins whose every pair satisfies lower <= right time - left time <= upper (the
  // bounds and the time columns come from the same ON conjuncts): probes may skip stored rows
  // outside the bound unread. Not so when the bounds mix columns (`B.t BETWEEN A.start AND
  // A.expires` keeps A.expires as the time column with a lower bound that is A.start's).
  bool exact_time_bound = false;
  template <typename Key>
  KeyedRows<Key>& Keyed() {
    return std::get<KeyedRows<Key>>(keyed_sets);
  }
  KeyedRows<std::string>& by_string() { return Keyed<std::string>(); }
  // Calls f(std::type_identity<Key>()) with the key type of the interval/unbounded path.
  template <typename F>
  decltype(auto) WithKeyType(F&& f) const {
    switch (word_tags.size()) {
      case 0:
        return f(std::type_identity<std::string>());
      case 1:
        return f(std::type_identity<WordKey<1>>());
      case 2:
        return f(std::type_identity<WordKey<2>>());
      case 3:
        return f(std::type_identity<WordKey<3>>());
      default:
        return f(std::type_identity<WordKey<4>>());
    }
  }
  // Rows with a NULL key, kept for outer/anti joins until the next eviction (never match).
  RowList null_rows[2];
  int64_t watermark[2] = {INT64_MIN, INT64_MIN};
  int64_t Reach(int side) const { return side == 0 ? spec.upper : -spec.lower; }
  template <typename Key>
  void IndexRow(int side, const Key& key, int64_t ts) {
    if (spec.strategy != JoinStrategy::kInterval) return;
    Keyed<Key>().expiry[side][ts + Reach(side)].push_back(key);
  }
  template <typename Key>
  void RebuildIndex(KeyedRows<Key>& keyed) {
    for (int side = 0; side < 2; ++side) {
      keyed.expiry[side].clear();
      for (const auto& [key, list] : keyed.rows[side]) {
        if (spec.strategy != JoinStrategy::kInterval) continue;
        for (const Row& r : list) keyed.expiry[side][r.ts + Reach(side)].push_back(key);
      }
    }
  }
  int64_t buffered = 0;

  // ASOF: left rows waiting for the right watermark, in arrival order.
  struct Pending {
    Row row;  // row.ts is the time to match at (left time, plus the offset for probes)
    std::string key;
    bool has_key;
    int64_t offset_ms = 0;
    bool probe = false;
  };
  std::deque<Pending> pending;

  // Lookup: index over the table snapshot.
  uint64_t table_version = UINT64_MAX;
  RecordBatchPtr table_rows;
  absl::flat_hash_map<std::string, std::vector<int32_t>> table_index;
  int table_version_column = -1;  // versioned table: each key's rows sorted by version

  bool semi() const { return kind == JoinKind::kLeftSemi || kind == JoinKind::kLeftAnti; }
  bool keep_left_unmatched() const { return kind == JoinKind::kLeft || kind == JoinKind::kFull; }
  bool keep_right_unmatched() const { return kind == JoinKind::kRight || kind == JoinKind::kFull; }

  int time_column(int side) const { return side == 0 ? spec.left_time : spec.right_time; }

  // Evaluates the residual ON predicate over candidate pairs; returns which pairs pass. Only
  // the columns the predicate reads are gathered; the others are NULL arrays.
  Result<std::vector<uint8_t>> CheckPairs(
      const std::vector<std::pair<const Row*, const Row*>>& pairs) {
    std::vector<uint8_t> ok(pairs.size(), 1);
    if (!residual || pairs.empty()) return ok;
    const auto n = static_cast<int64_t>(pairs.size());
    std::vector<ArrayPtr> cols;
    for (int c = 0; c < pair_schema->num_fields(); ++c) {
      const auto& type = pair_schema->field(c)->type;
      if (!residual_columns[static_cast<size_t>(c)]) {
        cols.push_back(columnar::MakeNullArray(type, n));
        continue;
      }
      auto b = columnar::MakeBuilder(type);
      b->Reserve(n);
      const bool left = c < spec.left_columns;
      const int col = left ? c : c - spec.left_columns;
      for (const auto& [l, r] : pairs) {
        const Row* x = left ? l : r;
        b->AppendArraySlice(*x->batch->column(col), x->index, 1);
      }
      cols.push_back(b->Finish());
    }
    const RecordBatch batch(pair_schema, n, std::move(cols));
    LAMINAR_ASSIGN_OR_RETURN(auto sel, fn::EvaluateFilter(*residual, batch));
    std::fill(ok.begin(), ok.end(), 0);
    for (int32_t i : sel) ok[static_cast<size_t>(i)] = 1;
    return ok;
  }

  Status RefreshTable() {
    if (!tables) return Status::Internal("lookup join without a table provider");
    LAMINAR_ASSIGN_OR_RETURN(auto snap, tables(spec.right_relation));
    if (snap.version == table_version && table_rows) return Status::OK();
    table_version = snap.version;
    table_rows = snap.rows;
    table_index.clear();
    std::vector<std::string> k;
    std::vector<uint8_t> valid;
    LAMINAR_RETURN_NOT_OK(EncodeKeys(keys[1], *table_rows, &k, &valid));
    for (size_t i = 0; i < k.size(); ++i) {
      if (valid[i]) table_index[k[i]].push_back(static_cast<int32_t>(i));
    }
    table_version_column = snap.version_column;
    if (table_version_column >= 0) {
      const int64_t* v = table_rows->column(table_version_column)->values<int64_t>();
      for (auto& [key, list] : table_index) {
        std::stable_sort(list.begin(), list.end(),
                         [v](int32_t a, int32_t b) { return v[a] < v[b]; });
      }
    }
    return Status::OK();
  }

  // Versioned table: the candidate rows of a key reduced to the version valid at the left
  // row's time (temporal join) or the newest one (plain lookup). Empty when none is valid yet.
  std::span<const int32_t> VersionAt(const std::vector<int32_t>& list, const RecordBatch& left,
                                     int64_t i) const {
    if (table_version_column < 0 || list.empty()) return list;
    if (spec.left_time < 0) return {&list.back(), 1};
    const auto& tc = *left.column(spec.left_time);
    if (tc.IsNull(i)) return {};
    const int64_t t = tc.values<int64_t>()[i];
    const int64_t* v = table_rows->column(table_version_column)->values<int64_t>();
    auto it = std::upper_bound(list.begin(), list.end(), t,
                               [v](int64_t x, int32_t row) { return x < v[row]; });
    if (it == list.begin()) return {};
    return {&*(it - 1), 1};
  }

  Status Lookup(const Delta& in, std::vector<Delta>* output) {
    LAMINAR_RETURN_NOT_OK(RefreshTable());
    std::vector<std::string> k;
    std::vector<uint8_t> valid;
    LAMINAR_RETURN_NOT_OK(EncodeKeys(keys[0], *in.batch, &k, &valid));
    std::vector<Row> lrows(static_cast<size_t>(in.num_rows()));
    std::vector<Row> rrows;
    std::vector<std::pair<const Row*, const Row*>> pairs;
    std::vector<int64_t> pair_left;
    // Stable storage for right rows referenced by pairs.
    std::deque<Row> rstore;
    for (int64_t i = 0; i < in.num_rows(); ++i) {
      Row& l = lrows[static_cast<size_t>(i)];
      l.batch = in.batch;
      l.index = static_cast<int32_t>(i);
      l.weight = in.has_weights() ? in.weights[static_cast<size_t>(i)] : 1;
      if (!valid[static_cast<size_t>(i)]) continue;
      auto it = table_index.find(k[static_cast<size_t>(i)]);
      if (it == table_index.end()) continue;
      for (int32_t ri : VersionAt(it->second, *in.batch, i)) {
        rstore.push_back(Row{table_rows, ri, 0, 1, false});
        pairs.push_back({&l, &rstore.back()});
        pair_left.push_back(i);
      }
    }
    LAMINAR_ASSIGN_OR_RETURN(auto ok, CheckPairs(pairs));
    OutputBuilder out(output_schema, spec.left_columns);
    size_t p = 0;
    for (int64_t i = 0; i < in.num_rows(); ++i) {
      Row& l = lrows[static_cast<size_t>(i)];
      bool matched = false;
      while (p < pairs.size() && pair_left[p] == i) {
        if (ok[p]) {
          out.Add(&l, pairs[p].second, l.weight);
          matched = true;
        }
        ++p;
      }
      if (!matched && kind == JoinKind::kLeft) out.Add(&l, nullptr, l.weight);
    }
    out.Flush(in.has_weights(), output);
    return Status::OK();
  }

  // Interval / unbounded: store the side's rows, probe the other side.
  Status Symmetric(int side, const Delta& in, std::vector<Delta>* output) {
    return WithKeyType(
        [&]<typename Key>(std::type_identity<Key>) { return SymmetricBy<Key>(side, in, output); });
  }

  template <typename Key>
  Status SymmetricBy(int side, const Delta& in, std::vector<Delta>* output) {
    const int other = 1 - side;
    auto& keyed = Keyed<Key>();
    std::vector<Key> k = KeyedRows<Key>::Take(&keyed.spare_keys);
    std::vector<uint8_t> valid;
    LAMINAR_RETURN_NOT_OK(EncodeKeys(keys[side], *in.batch, &k, &valid));
    const int tcol = spec.strategy == JoinStrategy::kInterval ? time_column(side) : -1;
    const columnar::Array* tc = tcol >= 0 ? in.batch->column(tcol).get() : nullptr;
    const int64_t* tv = tc != nullptr ? tc->values<int64_t>() : nullptr;
    const bool time_nulls = tc != nullptr && tc->null_count() != 0;
    OutputBuilder out(output_schema, spec.left_columns);
    if (kind == JoinKind::kInner) out.ReuseColumns(&reuse_columns);
    // Probe first, store after: a batch's rows never pair with each other (same side), and
    // the other side's lists do not change meanwhile, so pairs can point at the batch's rows
    // in `incoming` (stable) and at the other side's rows. Stored rows are then appended in
    // input order with their matched flags, exactly as storing while probing would leave them.
    // A row of this batch becomes a Row (with its batch reference) only when it pairs or is
    // stored outside the tail.
    const auto n = static_cast<size_t>(in.num_rows());
    std::vector<int64_t> ts = KeyedRows<Key>::Take(&keyed.spare_ts);
    std::vector<uint8_t> store;  // 1 = keyed row, 2 = NULL-key row kept for outer joins
    auto weight = [&](size_t i) -> int64_t { return in.has_weights() ? in.weights[i] : 1; };
    int64_t min_ts = INT64_MAX, max_ts = INT64_MIN;
    size_t keyed_rows = 0;
    const bool keep_null_rows =
        (side == 0 && (keep_left_unmatched() || kind == JoinKind::kLeftAnti)) ||
        (side == 1 && keep_right_unmatched());
    if (!time_nulls && std::find(valid.begin(), valid.end(), 0) == valid.end()) {
      // No NULL key or time (the common case): every row is stored, times copied whole.
      store.assign(n, 1);
      if (tc != nullptr) {
        ts.assign(tv, tv + n);
        for (const int64_t t : ts) {
          min_ts = std::min(min_ts, t);
          max_ts = std::max(max_ts, t);
        }
      } else {
        ts.assign(n, 0);
      }
      keyed_rows = n;
    } else {
      ts.assign(n, 0);
      store.assign(n, 0);
      for (size_t i = 0; i < n; ++i) {
        const auto row = static_cast<int64_t>(i);
        if (!valid[i]) {
          // NULL keys never match; outer joins still report the row once it is final.
          if (keep_null_rows) {
            if (tc != nullptr && !tc->IsNull(row)) ts[i] = tv[i];
            store[i] = 2;
          }
          continue;
        }
        if (tc != nullptr) {
          if (time_nulls && tc->IsNull(row)) continue;
          ts[i] = tv[i];
          min_ts = std::min(min_ts, ts[i]);
          max_ts = std::max(max_ts, ts[i]);
        }
        store[i] = 1;
        ++keyed_rows;
      }
    }
    std::vector<Row> incoming;
    auto incoming_row = [&](size_t i) -> Row& {
      if (incoming.empty()) incoming.resize(n);  // once, before any pointer into it is taken
      Row& r = incoming[i];
      if (r.batch == nullptr) r = Row{in.batch, static_cast<int32_t>(i), ts[i], weight(i), false};
      return r;
    };
    std::vector<std::pair<const Row*, const Row*>> pairs;
    std::vector<Row*> probe_rows, stored_rows;
    // The other side's unindexed rows matching this batch, grouped by incoming row.
    std::vector<TailHit<Key>>& tail_hits = keyed.hits;
    tail_hits.clear();
    keyed.scanned.clear();  // the tail batches ScanTail scans
    // Scanning pays off for a large tail probed by a few rows (q7: one window maximum against
    // a million bids); against a batch of comparable size indexing the tail costs less. Not so
    // for joins on equal times (window joins such as q8, whose windows arrive whole when they
    // close): a tail batch pairs only with batches of its own time, so it is scanned once or
    // twice and then dropped; indexing it would cost a hash insert, an expiry entry and an
    // eviction lookup per row. (kTailScans still bounds the scans per row.)
    const bool equal_times = tc != nullptr && exact_time_bound && spec.lower == spec.upper;
    if (!equal_times && keyed.tail_rows[other] <= kScanRatio * static_cast<int64_t>(n)) {
      IndexTail<Key>(other);
    }
    if (keyed_rows > 0 && !keyed.tail[other].empty()) {
      // Times of the other side's rows that can pair with this batch (interval joins).
      int64_t lo = INT64_MIN, hi = INT64_MAX;
      if (tc != nullptr && exact_time_bound) {
        lo = side == 0 ? SaturatingAdd(min_ts, spec.lower) : SaturatingAdd(min_ts, -spec.upper);
        hi = side == 0 ? SaturatingAdd(max_ts, spec.upper) : SaturatingAdd(max_ts, -spec.lower);
      }
      ScanTail<Key>(other, k, store, keyed_rows, lo, hi, &tail_hits);
    }
    // Inner joins without a residual predicate or a pair filter emit every candidate pair:
    // pairs go to the output as (batch, row) references and matched flags straight to their
    // rows, no Row with a batch reference per paired row (q8's window join).
    const bool direct = kind == JoinKind::kInner && !residual && !filter_pairs();
    std::vector<uint8_t> paired;  // direct: 1 for the incoming rows that paired
    std::vector<Row> tail_rows;   // the paired tail rows, materialized (no reallocation)
    if (!direct) tail_rows.reserve(tail_hits.size());
    size_t hit = 0;
    auto add_pair = [&](Row& r, Row& o) {
      const Row* l = side == 0 ? &r : &o;
      const Row* rr = side == 0 ? &o : &r;
      pairs.push_back({l, rr});
      probe_rows.push_back(&r);
      stored_rows.push_back(&o);
    };
    // A few live keys on the other side (q7: the latest window maximum) are compared in a
    // loop instead of hashing every probing row's key.
    auto& other_rows = keyed.rows[other];
    constexpr int64_t kLinearKeys = 4;
    absl::InlinedVector<std::pair<const Key*, RowList*>, kLinearKeys> few;
    const bool linear = keyed.live[other] <= kLinearKeys;
    if (linear && keyed.live[other] > 0) {
      for (auto& [key, list] : other_rows) {
        if (!list.empty()) few.push_back({&key, &list});
      }
    }
    const bool probe_index = linear ? !few.empty() : !other_rows.empty();
    if (direct) {
      out.Hold(in.batch);
      for (TailBatch<Key>* batch : keyed.scanned) out.Hold(batch->batch);
      out.Reserve(tail_hits.size());
      const RecordBatch* ib = in.batch.get();
      auto emit = [&](size_t i, const RecordBatch* ob, int32_t oi, int64_t w) {
        const RowRef a{ib, static_cast<int32_t>(i)}, b{ob, oi};
        if (side == 0) {
          out.AddRefs(a, b, w);
        } else {
          out.AddRefs(b, a, w);
        }
        if (paired.empty()) paired.assign(n, 0);
        paired[i] = 1;
      };
      auto emit_indexed = [&](size_t i, Row& o) {
        out.Hold(o.batch);
        emit(i, o.batch.get(), o.index, weight(i) * o.weight);
        o.matched = true;
      };
      auto emit_tail_hit = [&](const TailHit<Key>& h) {
        TailBatch<Key>& tb = *h.batch;
        emit(h.incoming, tb.batch.get(), tb.index[h.row],
             weight(h.incoming) * (tb.weight.empty() ? 1 : tb.weight[h.row]));
        tb.SetMatched(h.row);
      };
      if (!probe_index) {
        for (const TailHit<Key>& h : tail_hits) emit_tail_hit(h);
        hit = tail_hits.size();
      }
      for (size_t i = 0; i < n && probe_index; ++i) {
        if (store[i] != 1) continue;
        if (linear) {
          for (const auto& [key, list] : few) {
            if (!(*key == k[i])) continue;
            for (Row& o : *list) emit_indexed(i, o);
          }
        } else {
          auto it = other_rows.find(k[i]);
          if (it != other_rows.end()) {
            for (Row& o : it->second) emit_indexed(i, o);
          }
        }
        for (; hit < tail_hits.size() && tail_hits[hit].incoming == i; ++hit) {
          emit_tail_hit(tail_hits[hit]);
        }
      }
    }
    for (size_t i = 0; i < n && !direct && (probe_index || hit < tail_hits.size()); ++i) {
      if (store[i] != 1) continue;
      if (linear) {
        for (const auto& [key, list] : few) {
          if (!(*key == k[i])) continue;
          for (Row& o : *list) add_pair(incoming_row(i), o);
        }
      } else if (probe_index) {
        auto it = other_rows.find(k[i]);
        if (it != other_rows.end()) {
          for (Row& o : it->second) add_pair(incoming_row(i), o);
        }
      }
      for (; hit < tail_hits.size() && tail_hits[hit].incoming == i; ++hit) {
        const auto& h = tail_hits[hit];
        tail_rows.push_back(h.batch->RowAt(h.row));
        add_pair(incoming_row(i), tail_rows.back());
      }
    }
    // (Not under weights: a retraction must reach the consumer, which may reject it loudly.)
    if (filter_pairs()) {
      pair_filter->BeginBatch();
      if (!pairs.empty()) FilterPairs(&pairs, &probe_rows, &stored_rows);
    }
    LAMINAR_ASSIGN_OR_RETURN(auto ok, CheckPairs(pairs));
    for (size_t p = 0; p < pairs.size(); ++p) {
      if (!ok[p]) continue;
      if (filter_pairs()) {
        const auto [fl, fr] = pairs[p];
        if (!pair_filter->Keep(*fl->batch, fl->index, *fr->batch, fr->index, true)) continue;
      }
      Row* a = probe_rows[p];
      Row* b = stored_rows[p];
      Row* l = side == 0 ? a : b;
      if (kind == JoinKind::kLeftSemi) {
        if (!l->matched) out.Add(l, nullptr, l->weight);
      } else if (kind != JoinKind::kLeftAnti) {
        out.Add(pairs[p].first, pairs[p].second, pairs[p].first->weight * pairs[p].second->weight);
      }
      a->matched = true;
      b->matched = true;
    }
    // The paired tail rows' matched flags go back to their batches.
    for (size_t h = 0; h < tail_rows.size(); ++h) {
      if (tail_rows[h].matched) tail_hits[h].batch->SetMatched(tail_hits[h].row);
    }
    auto in_matched = [&](size_t i) {
      return direct ? !paired.empty() && paired[i] != 0 : !incoming.empty() && incoming[i].matched;
    };
    auto stored_row = [&](size_t i) {
      return incoming.empty()
                 ? Row{in.batch, static_cast<int32_t>(i), ts[i], weight(i), in_matched(i)}
                 : incoming_row(i);
    };
    bool n_stored_in_bulk = false;
    TailBatch<Key>* tail = nullptr;
    if (lazy_index() && keyed_rows > 0) {
      tail = &keyed.tail[side].emplace_back();
      tail->batch = in.batch;
      tail->min_ts = tc != nullptr ? min_ts : 0;  // unbounded joins: rows carry time 0
      tail->max_ts = tc != nullptr ? max_ts : 0;
      if (keyed_rows == n) {
        // Every row is stored (the common case): the batch's columns move in whole.
        tail->index = KeyedRows<Key>::Take(&keyed.spare_index);
        tail->index.resize(n);
        std::iota(tail->index.begin(), tail->index.end(), 0);
        tail->ts = std::move(ts);
        tail->keys = std::move(k);
        if (in.has_weights()) tail->weight = in.weights;
        if (!paired.empty()) {
          tail->matched = std::move(paired);  // row i of the tail is row i of the batch
        } else if (!incoming.empty()) {
          for (size_t i = 0; i < n; ++i) {
            if (incoming[i].matched) tail->SetMatched(i);
          }
        }
        buffered += static_cast<int64_t>(n);
        keyed.tail_rows[side] += static_cast<int64_t>(n);
        n_stored_in_bulk = true;
      } else {
        tail->index.reserve(keyed_rows);
        tail->ts.reserve(keyed_rows);
        tail->keys.reserve(keyed_rows);
        if (in.has_weights()) tail->weight.reserve(keyed_rows);
      }
    }
    for (size_t i = 0; i < n && !n_stored_in_bulk; ++i) {
      if (store[i] == 0) continue;
      if (store[i] == 2) {
        null_rows[side].push_back(stored_row(i));
      } else if (tail != nullptr) {
        tail->index.push_back(static_cast<int32_t>(i));
        tail->ts.push_back(ts[i]);
        if (in.has_weights()) tail->weight.push_back(in.weights[i]);
        tail->keys.push_back(std::move(k[i]));
        if (!tail->matched.empty()) tail->matched.resize(tail->size(), 0);
        if (in_matched(i)) tail->SetMatched(tail->size() - 1);
        ++keyed.tail_rows[side];
      } else {
        Append(keyed, side, k[i], stored_row(i));
        IndexRow(side, k[i], ts[i]);
      }
      ++buffered;
    }
    if (!keyed.tail[other].empty() && keyed.tail[other].front().scans >= kTailScans) {
      IndexTail<Key>(other);
    }
    // (Not moved into the tail: kept for the next batch.)
    KeyedRows<Key>::Give(std::move(k), &keyed.spare_keys);
    KeyedRows<Key>::Give(std::move(ts), &keyed.spare_ts);
    out.Flush(weighted, output);
    return Status::OK();
  }

  // Keeps the candidate pairs the pair filter accepts (in order).
  void FilterPairs(std::vector<std::pair<const Row*, const Row*>>* pairs,
                   std::vector<Row*>* probe_rows, std::vector<Row*>* stored_rows) const {
    size_t kept = 0;
    for (size_t p = 0; p < pairs->size(); ++p) {
      const auto [l, r] = (*pairs)[p];
      if (!pair_filter->Keep(*l->batch, l->index, *r->batch, r->index, false)) continue;
      (*pairs)[kept] = (*pairs)[p];
      (*probe_rows)[kept] = (*probe_rows)[p];
      (*stored_rows)[kept] = (*stored_rows)[p];
      ++kept;
    }
    pairs->resize(kept);
    probe_rows->resize(kept);
    stored_rows->resize(kept);
  }

  // Finds the rows of `side`'s tail whose key equals an incoming row's key (store[i] == 1;
  // `keyed_rows` of them): hits ordered by incoming row, then tail arrival. Tail batches whose
  // times all lie outside [lo, hi] cannot pair with the incoming rows (the interval bound) and
  // are skipped unscanned. The table of keys is built over the smaller of the incoming rows
  // and the scanned tail rows, and probed with the other (q7: one window maximum probes a
  // million bids through a table of one key).
  template <typename Key>
  void ScanTail(int side, const std::vector<Key>& k, const std::vector<uint8_t>& store,
                size_t keyed_rows, int64_t lo, int64_t hi, std::vector<TailHit<Key>>* hits) {
    auto& keyed = Keyed<Key>();
    auto& chains = keyed.chains;
    auto& scanned = keyed.scanned;
    scanned.clear();
    size_t scanned_rows = 0;
    for (auto& batch : keyed.tail[side]) {
      if (batch.max_ts < lo || batch.min_ts > hi) continue;
      ++batch.scans;
      scanned.push_back(&batch);
      scanned_rows += batch.size();
    }
    if (scanned_rows == 0 || keyed_rows == 0) return;
    if (scanned_rows <= keyed_rows) {
      // No more tail rows than incoming ones: the tail's keys go in the table, each incoming
      // row looks its key up. Probing in row order yields the hits in the order wanted (no
      // sort), so equal sides (q8's windows) take this way too.
      auto build_and_probe = [&](size_t count, auto key_of, auto hit_of) {
        chains.Reset(count, count);
        chains.ForBlocks(
            count, [](size_t) { return true; },
            [&](size_t e) -> const Key& { return key_of(static_cast<uint32_t>(e)); },
            [&](uint32_t e, const Key& key, uint64_t h) { chains.Add(e, key, h, key_of); });
        chains.ForBlocks(
            k.size(), [&store](size_t i) { return store[i] == 1; },
            [&k](size_t i) -> const Key& { return k[i]; },
            [&](uint32_t i, const Key& key, uint64_t h) {
              for (uint32_t e = chains.Find(key, h, key_of); e != KeyChains<Key>::kNone;
                   e = chains.Next(e)) {
                hits->push_back(hit_of(i, e));
              }
            });
      };
      if (scanned.size() == 1) {
        // One tail batch (a window's other side): entries are its rows.
        TailBatch<Key>* batch = scanned[0];
        const Key* bk = batch->keys.data();
        build_and_probe(
            batch->size(), [bk](uint32_t e) -> const Key& { return bk[e]; },
            [batch](uint32_t i, uint32_t e) {
              return TailHit<Key>{i, batch, e};
            });
        return;
      }
      auto& entries = keyed.entries;
      entries.clear();
      for (TailBatch<Key>* batch : scanned) {
        for (size_t j = 0; j < batch->size(); ++j) {
          entries.push_back({0, batch, static_cast<uint32_t>(j)});
        }
      }
      build_and_probe(
          entries.size(),
          [&entries](uint32_t e) -> const Key& { return entries[e].batch->keys[entries[e].row]; },
          [&entries](uint32_t i, uint32_t e) {
            return TailHit<Key>{i, entries[e].batch, entries[e].row};
          });
      return;
    }
    // Incoming rows by key: the first row, then a chain in row order.
    auto key_of = [&k](uint32_t i) -> const Key& { return k[i]; };
    chains.Reset(k.size(), keyed_rows);
    chains.ForBlocks(
        k.size(), [&store](size_t i) { return store[i] == 1; },
        [&k](size_t i) -> const Key& { return k[i]; },
        [&](uint32_t i, const Key& key, uint64_t h) { chains.Add(i, key, h, key_of); });
    const std::vector<uint32_t>& heads = chains.heads();
    auto add_hits = [&](uint32_t head, TailBatch<Key>* batch, size_t j) {
      for (uint32_t i = head; i != KeyChains<Key>::kNone; i = chains.Next(i)) {
        hits->push_back({i, batch, static_cast<uint32_t>(j)});
      }
    };
    for (TailBatch<Key>* batch : scanned) {
      const Key* bk = batch->keys.data();
      const size_t bn = batch->size();
      if (heads.size() == 1) {
        // One probing key (q7: a window's maximum): compare, no hashing.
        const Key& key = k[heads[0]];
        for (size_t j = 0; j < bn; ++j) {
          if (bk[j] == key) add_hits(heads[0], batch, j);
        }
        continue;
      }
      chains.ForBlocks(
          bn, [](size_t) { return true; }, [bk](size_t j) -> const Key& { return bk[j]; },
          [&](uint32_t j, const Key& key, uint64_t h) {
            const uint32_t head = chains.Find(key, h, key_of);
            if (head != KeyChains<Key>::kNone) add_hits(head, batch, j);
          });
    }
    // Order by incoming row, keeping tail order within one (a stable counting sort).
    if (hits->size() < 2) return;
    auto& start = keyed.sort_start;
    start.assign(k.size() + 1, 0);
    for (const auto& h : *hits) ++start[h.incoming + 1];
    for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
    auto& sorted = keyed.sorted_hits;
    sorted.resize(hits->size());
    for (const auto& h : *hits) sorted[start[h.incoming]++] = h;
    hits->swap(sorted);
  }

  // Moves `side`'s tail into the hash index (after the indexed rows: it is newer).
  template <typename Key>
  void IndexTail(int side) {
    auto& keyed = Keyed<Key>();
    for (auto& batch : keyed.tail[side]) {
      for (size_t j = 0; j < batch.size(); ++j) {
        IndexRow(side, batch.keys[j], batch.ts[j]);
        Append(keyed, side, batch.keys[j], batch.RowAt(j));
      }
      keyed.Recycle(batch);
    }
    keyed.tail[side].clear();
    keyed.tail_rows[side] = 0;
  }

  // Drops rows that can no longer match and emits outer/anti rows for them.
  Status Evict(std::vector<Delta>* output) {
    if (spec.strategy != JoinStrategy::kInterval) return Status::OK();
    return WithKeyType([&]<typename Key>(std::type_identity<Key>) { return EvictBy<Key>(output); });
  }

  // Emits the outer/anti row of an evicted unmatched row.
  void EmitUnmatched(int side, const Row& r, OutputBuilder* out) const {
    if (r.matched) return;
    if (side == 0 && keep_left_unmatched()) out->Add(&r, nullptr, r.weight);
    if (side == 0 && kind == JoinKind::kLeftAnti) out->Add(&r, nullptr, r.weight);
    if (side == 1 && keep_right_unmatched()) out->Add(nullptr, &r, r.weight);
  }

  template <typename Key>
  Status EvictBy(std::vector<Delta>* output) {
    auto& keyed = Keyed<Key>();
    OutputBuilder out(output_schema, spec.left_columns);
    for (int side = 0; side < 2; ++side) {
      const int64_t other_wm = watermark[1 - side];
      if (other_wm == INT64_MIN) continue;
      // NULL-key rows never match: they go at the first eviction after their arrival.
      for (const Row& r : null_rows[side]) EmitUnmatched(side, r, &out);
      buffered -= static_cast<int64_t>(null_rows[side].size());
      null_rows[side].clear();
      // A left row (ts t) can still meet right rows with ts <= t + upper; a right row (ts u)
      // left rows with ts <= u - lower. Future rows of the other side have ts >= its watermark.
      const int64_t reach = Reach(side);
      auto& tail = keyed.tail[side];
      while (!tail.empty() && tail.front().max_ts + reach < other_wm) {
        const auto dropped = static_cast<int64_t>(tail.front().size());
        keyed.tail_rows[side] -= dropped;
        buffered -= dropped;
        keyed.Recycle(tail.front());
        tail.pop_front();
      }
      auto& expiry = keyed.expiry[side];
      auto& rows = keyed.rows[side];
      // Whole expiry buckets at once: keys in bucket order (expiry time, then insertion).
      auto end = expiry.lower_bound(other_wm);
      for (auto b = expiry.begin(); b != end; ++b) {
        for (const Key& key : b->second) {
          auto it = rows.find(key);
          if (it == rows.end()) continue;
          auto& list = it->second;
          const bool was_live = !list.empty();
          while (!list.empty() && list.front().ts + reach < other_wm) {
            EmitUnmatched(side, list.front(), &out);
            list.pop_front();
            --buffered;
          }
          if (!list.empty()) continue;
          if (was_live) --keyed.live[side];
          // Keep an emptied list while the key set is small and mostly live: recreating a list
          // per key on every match cycle costs more than the memory (bounded by the number of
          // distinct keys). Keys that do not come back (q7's window maxima) are dropped.
          const auto size = static_cast<int64_t>(rows.size());
          if (size > 4096 || size > 4 * keyed.live[side] + 64) rows.erase(it);
        }
      }
      expiry.erase(expiry.begin(), end);
    }
    out.Flush(weighted, output);
    return Status::OK();
  }

  // ASOF: the best right row for a left row, or nullptr. Sets *final when the answer can no
  // longer change.
  const Row* AsofMatch(const Row& l, const std::string& key, bool has_key, bool* final) {
    const int64_t rwm = watermark[1];
    const bool right_has_wm = spec.right_time >= 0 && spec.right_watermarked;
    const Row* best = nullptr;
    int64_t best_d = INT64_MAX;
    const Row* fwd = nullptr;
    if (has_key) {
      auto it = by_string().rows[1].find(key);
      if (it != by_string().rows[1].end()) {
        for (const Row& r : it->second) {
          int64_t d = l.ts - r.ts;  // > 0: right is earlier
          switch (spec.direction) {
            case AsofDirection::kBackward:
              if (d >= 0 && (best == nullptr || r.ts >= best->ts)) best = &r;
              break;
            case AsofDirection::kForward:
              if (d <= 0 && (best == nullptr || r.ts < best->ts)) best = &r;
              break;
            case AsofDirection::kNearest: {
              int64_t ad = d < 0 ? -d : d;
              // Ties go backward (the earlier row).
              if (best == nullptr || ad < best_d || (ad == best_d && r.ts < best->ts)) {
                best = &r;
                best_d = ad;
              }
              if (d <= 0 && (fwd == nullptr || r.ts < fwd->ts)) fwd = &r;
              break;
            }
          }
        }
      }
    }
    if (best != nullptr && spec.tolerance >= 0) {
      int64_t ad = l.ts >= best->ts ? l.ts - best->ts : best->ts - l.ts;
      if (ad > spec.tolerance) best = nullptr;
    }
    if (!right_has_wm || !has_key) {
      *final = true;  // no right watermark, or a NULL key (never matches): answer on arrival
      return best;
    }
    switch (spec.direction) {
      case AsofDirection::kBackward:
        *final = rwm >= l.ts;
        break;
      case AsofDirection::kForward:
        *final = (best != nullptr && best->ts <= rwm) ||
                 (spec.tolerance >= 0 && rwm > l.ts + spec.tolerance);
        break;
      case AsofDirection::kNearest: {
        int64_t horizon = best != nullptr ? l.ts + best_d : INT64_MAX;
        if (spec.tolerance >= 0) horizon = std::min(horizon, l.ts + spec.tolerance);
        *final = rwm >= l.ts && (rwm >= horizon || (fwd != nullptr && fwd->ts <= rwm));
        break;
      }
    }
    return best;
  }

  Status AsofLeft(const Delta& in, std::vector<Delta>* output) {
    std::vector<std::string> k;
    std::vector<uint8_t> valid;
    LAMINAR_RETURN_NOT_OK(EncodeKeys(keys[0], *in.batch, &k, &valid));
    const auto& tc = *in.batch->column(spec.left_time);
    for (int64_t i = 0; i < in.num_rows(); ++i) {
      Pending p;
      p.row = Row{in.batch, static_cast<int32_t>(i), 0,
                  in.has_weights() ? in.weights[static_cast<size_t>(i)] : 1, false};
      p.has_key = valid[static_cast<size_t>(i)] && !tc.IsNull(i);
      if (!tc.IsNull(i)) p.row.ts = tc.values<int64_t>()[i];
      p.key = std::move(k[static_cast<size_t>(i)]);
      if (spec.strategy == JoinStrategy::kProbe) {
        if (tc.IsNull(i)) continue;
        for (int64_t off : spec.probe_offsets) {
          Pending q = p;
          q.row.ts = p.row.ts + off;
          q.offset_ms = off / 1000;
          q.probe = true;
          pending.push_back(std::move(q));
        }
        continue;
      }
      pending.push_back(std::move(p));
    }
    return ResolvePending(output);
  }

  Status ResolvePending(std::vector<Delta>* output) {
    OutputBuilder out(output_schema, spec.left_columns,
                      static_cast<int>(pair_schema->num_fields()) - spec.left_columns);
    // Emit every answer that became final, in arrival order; the rest keep waiting.
    std::deque<Pending> waiting;
    for (auto& p : pending) {
      bool final = false;
      const Row* m = AsofMatch(p.row, p.key, p.has_key, &final);
      if (!final) {
        waiting.push_back(std::move(p));
        continue;
      }
      // A changelog retraction on the right (weight < 0) ends its key's version: no match.
      if (m != nullptr && m->weight < 0) m = nullptr;
      // `JOIN … FOR SYSTEM_TIME AS OF` (inner temporal join) drops rows without a version;
      // ASOF JOIN and LEFT JOIN keep them with NULLs.
      if (m == nullptr && kind == JoinKind::kInner && !p.probe) continue;
      out.Add(&p.row, m, p.row.weight, p.probe ? &p.offset_ms : nullptr);
    }
    pending.swap(waiting);
    out.Flush(weighted, output);
    PruneAsofRight();
    return Status::OK();
  }

  void PruneAsofRight() {
    // Future left rows have ts >= the left watermark and pending rows keep their own times:
    // per key, right rows older than the newest one at or below that threshold are useless.
    // Pruning walks every key: only worth it once keys hold several rows on average.
    if (buffered < 2 * static_cast<int64_t>(by_string().rows[1].size()) + 1024) return;
    int64_t threshold = watermark[0];
    for (const auto& p : pending) threshold = std::min(threshold, p.row.ts);
    if (threshold == INT64_MIN) return;
    if (spec.tolerance >= 0) threshold -= spec.tolerance;
    for (auto& [key, list] : by_string().rows[1]) {
      // Rows are kept sorted by time on insert.
      size_t keep_from = 0;
      for (size_t j = 0; j < list.size(); ++j) {
        if (list[j].ts <= threshold) keep_from = j;
      }
      for (size_t j = 0; j < keep_from; ++j) {
        list.pop_front();
        --buffered;
      }
    }
  }

  Status AsofRight(const Delta& in, std::vector<Delta>* output) {
    std::vector<std::string> k;
    std::vector<uint8_t> valid;
    LAMINAR_RETURN_NOT_OK(EncodeKeys(keys[1], *in.batch, &k, &valid));
    const auto& tc = *in.batch->column(spec.right_time);
    for (int64_t i = 0; i < in.num_rows(); ++i) {
      if (!valid[static_cast<size_t>(i)] || tc.IsNull(i)) continue;
      Row r{in.batch, static_cast<int32_t>(i), tc.values<int64_t>()[i],
            in.has_weights() && in.weights[static_cast<size_t>(i)] < 0 ? -1 : 1, false};
      auto& list = by_string().rows[1][k[static_cast<size_t>(i)]];
      auto pos = std::upper_bound(list.begin(), list.end(), r.ts,
                                  [](int64_t t, const Row& x) { return t < x.ts; });
      list.insert(pos, r);
      ++buffered;
    }
    return ResolvePending(output);
  }
};

JoinOperator::~JoinOperator() = default;

Result<std::unique_ptr<JoinOperator>> JoinOperator::Make(const sql::PlanNode& node,
                                                         TableProvider tables) {
  auto op = std::unique_ptr<JoinOperator>(new JoinOperator());
  op->state_ = std::make_unique<State>();
  State& s = *op->state_;
  s.spec = node.join;
  s.kind = node.join_kind;
  s.output_schema = node.schema;
  s.tables = std::move(tables);
  std::vector<columnar::FieldPtr> fields = node.inputs[0]->schema->fields();
  for (const auto& f : node.inputs[1]->schema->fields()) fields.push_back(f);
  s.pair_schema = std::make_shared<columnar::Schema>(fields);
  s.side_schema[0] = node.inputs[0]->schema;
  s.side_schema[1] = node.inputs[1]->schema;
  for (int side = 0; side < 2; ++side) {
    const auto& exprs = side == 0 ? s.spec.left_keys : s.spec.right_keys;
    for (const auto& e : exprs) {
      LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(e));
      s.keys[side].push_back(std::move(c));
    }
  }
  if ((s.spec.strategy == JoinStrategy::kInterval || s.spec.strategy == JoinStrategy::kUnbounded) &&
      !s.spec.left_keys.empty() && s.spec.left_keys.size() <= kMaxWordKeys &&
      s.spec.left_keys.size() == s.spec.right_keys.size()) {
    std::string tags;
    for (size_t i = 0; i < s.spec.left_keys.size(); ++i) {
      const char tag = WordKeyTag(*s.spec.left_keys[i]->type);
      if (tag == 0 || tag != WordKeyTag(*s.spec.right_keys[i]->type)) {
        tags.clear();
        break;
      }
      tags.push_back(tag);
    }
    s.word_tags = std::move(tags);
  }
  if (node.join_condition && s.spec.strategy != JoinStrategy::kAsof &&
      s.spec.strategy != JoinStrategy::kProbe) {
    // Typed keys are equal exactly when their SQL values are: the key equalities need no
    // second check on each candidate pair (q8's ON is nothing else).
    fn::ExprPtr residual = node.join_condition;
    bool same_key_types = true;  // (the binder casts both sides of an equality to one type)
    for (size_t i = 0; i < s.spec.left_keys.size(); ++i) {
      same_key_types &= s.spec.left_keys[i]->type->id() == s.spec.right_keys[i]->type->id();
    }
    if (!s.word_tags.empty() && same_key_types) {
      residual =
          WithoutKeyEqualities(node.join_condition, s.spec.left_columns, s.spec.left_keys.size());
    }
    if (residual) {
      LAMINAR_ASSIGN_OR_RETURN(s.residual, fn::CompiledExpression::Compile(residual));
      std::vector<int> refs;
      fn::CollectColumnRefs(*residual, &refs);
      s.residual_columns.assign(static_cast<size_t>(s.pair_schema->num_fields()), false);
      for (int c : refs) {
        if (c >= 0 && c < s.pair_schema->num_fields())
          s.residual_columns[static_cast<size_t>(c)] = true;
      }
    }
  }
  if (s.kind == JoinKind::kInner && !s.word_tags.empty()) {
    // Typed keys pair rows whose key words are equal: a key that is a plain column on both
    // sides, of one type, has the same value on both sides of every pair, so the right
    // column's output is the left one's (one gather instead of two; q8's id and both window
    // bounds).
    const int nout = s.output_schema->num_fields();
    s.reuse_columns.assign(static_cast<size_t>(nout), -1);
    for (size_t i = 0; i < s.spec.left_keys.size(); ++i) {
      const fn::Expr& l = *s.spec.left_keys[i];
      const fn::Expr& r = *s.spec.right_keys[i];
      if (l.kind != fn::ExprKind::kColumnRef || r.kind != fn::ExprKind::kColumnRef) continue;
      const int lc = l.column_index, rc = s.spec.left_columns + r.column_index;
      if (lc < 0 || lc >= s.spec.left_columns || rc < s.spec.left_columns || rc >= nout) continue;
      if (!s.output_schema->field(lc)->type->Equals(*s.output_schema->field(rc)->type) ||
          !l.type->Equals(*s.output_schema->field(lc)->type) ||
          !r.type->Equals(*s.output_schema->field(rc)->type)) {
        continue;
      }
      s.reuse_columns[static_cast<size_t>(rc)] = lc;
    }
  }
  s.exact_time_bound = s.spec.strategy == JoinStrategy::kInterval && node.join_condition &&
                       ExactTimeBound(*node.join_condition, s.spec);
  if (s.semi() && s.spec.strategy != JoinStrategy::kInterval) {
    return Status::NotImplemented("SEMI/ANTI joins are supported for interval joins only",
                                  ErrorCode::kJoinTypeUnsupported);
  }
  s.description = fmt::format("Join: {} {}", sql::JoinKindName(s.kind), s.spec.ToString());
  return op;
}

bool JoinOperator::SetPairFilter(std::unique_ptr<PairFilter> filter) {
  State& s = *state_;
  if (s.kind != JoinKind::kInner ||
      (s.spec.strategy != JoinStrategy::kInterval && s.spec.strategy != JoinStrategy::kUnbounded)) {
    return false;
  }
  s.pair_filter = std::move(filter);
  return true;
}

int JoinOperator::num_inputs() const {
  return state_->spec.strategy == JoinStrategy::kLookup ? 1 : 2;
}

Status JoinOperator::ProcessInput(int input, const Delta& delta, std::vector<Delta>* output) {
  State& s = *state_;
  if (delta.num_rows() == 0) return Status::OK();
  if (delta.has_weights()) s.weighted = true;
  switch (s.spec.strategy) {
    case JoinStrategy::kLookup:
      if (input != 0) return Status::OK();  // table changes do not re-emit (lookup semantics)
      return s.Lookup(delta, output);
    case JoinStrategy::kAsof:
    case JoinStrategy::kProbe:
      return input == 0 ? s.AsofLeft(delta, output) : s.AsofRight(delta, output);
    case JoinStrategy::kInterval:
    case JoinStrategy::kUnbounded:
      return s.Symmetric(input, delta, output);
    case JoinStrategy::kBatch:
      return Status::Internal("batch join in a stream");
  }
  return Status::OK();
}

Status JoinOperator::AdvanceInputWatermark(int input, int64_t watermark,
                                           std::vector<Delta>* output) {
  State& s = *state_;
  if (input < 0 || input > 1) return Status::OK();
  // A side whose time column trails its watermark (a window stream's window_start) can still
  // deliver rows that old: evict against the watermark minus that lag.
  const int64_t lag = input == 0 ? s.spec.left_time_lag : s.spec.right_time_lag;
  if (s.spec.strategy == JoinStrategy::kInterval && lag > 0 && watermark != INT64_MIN) {
    watermark = watermark > INT64_MIN + lag ? watermark - lag : INT64_MIN;
  }
  if (watermark <= s.watermark[input]) return Status::OK();
  s.watermark[input] = watermark;
  if (s.spec.strategy == JoinStrategy::kAsof || s.spec.strategy == JoinStrategy::kProbe) {
    return s.ResolvePending(output);
  }
  return s.Evict(output);
}

namespace {

constexpr uint32_t kJoinStateMagic = 0x4E494F4A;  // "JOIN"
constexpr uint8_t kJoinStateVersion = 1;

// Copies the referenced rows into one batch of `schema`, in order.
RecordBatchPtr GatherRows(const columnar::SchemaPtr& schema, const std::vector<const Row*>& rows) {
  std::vector<std::unique_ptr<columnar::ArrayBuilder>> builders;
  for (const auto& f : schema->fields()) builders.push_back(columnar::MakeBuilder(f->type));
  for (const Row* r : rows) {
    for (int c = 0; c < schema->num_fields(); ++c) {
      builders[static_cast<size_t>(c)]->AppendArraySlice(*r->batch->column(c), r->index, 1);
    }
  }
  std::vector<ArrayPtr> cols;
  for (auto& b : builders) cols.push_back(b->Finish());
  return std::make_shared<const RecordBatch>(schema, static_cast<int64_t>(rows.size()),
                                             std::move(cols));
}

}  // namespace

Status JoinOperator::Snapshot(std::string* out) const {
  const State& s = *state_;
  StateWriter w(out);
  w.Put(kJoinStateMagic);
  w.Put(kJoinStateVersion);
  w.Put(s.watermark[0]);
  w.Put(s.watermark[1]);
  w.Put(static_cast<uint8_t>(s.weighted));
  for (int side = 0; side < 2; ++side) {
    // Keys as their string-path images (NULL-key rows first), whichever path keyed them.
    // Unindexed (tail) rows follow as one entry per row: restoring appends them to their
    // key's list after its indexed rows, in arrival order.
    std::vector<const Row*> all;
    std::vector<std::pair<std::string, std::span<const Row>>> keys;
    auto list_span = [](const RowList& l) { return std::span<const Row>(l.begin(), l.size()); };
    if (!s.null_rows[side].empty()) {
      keys.push_back({kNullKeyImage, list_span(s.null_rows[side])});
    }
    std::apply(
        [&](const auto&... keyed) {
          (
              [&] {
                for (const auto& [k, list] : keyed.rows[side]) {
                  keys.push_back({KeyImage(k, s.word_tags), list_span(list)});
                }
              }(),
              ...);
        },
        s.keyed_sets);
    std::deque<Row> tail_rows;  // the tail's rows, materialized for the image
    std::apply(
        [&](const auto&... keyed) {
          (
              [&] {
                for (const auto& batch : keyed.tail[side]) {
                  for (size_t j = 0; j < batch.size(); ++j) {
                    tail_rows.push_back(batch.RowAt(j));
                    keys.push_back({KeyImage(batch.keys[j], s.word_tags),
                                    std::span<const Row>(&tail_rows.back(), 1)});
                  }
                }
              }(),
              ...);
        },
        s.keyed_sets);
    for (const auto& [k, list] : keys) {
      for (const Row& r : list) all.push_back(&r);
    }
    w.PutBatch(*GatherRows(s.side_schema[side], all));
    w.Put(static_cast<uint32_t>(keys.size()));
    for (const auto& [k, list] : keys) {
      w.PutString(k);
      w.Put(static_cast<uint32_t>(list.size()));
      for (const Row& r : list) {
        w.Put(r.ts);
        w.Put(r.weight);
        w.Put(static_cast<uint8_t>(r.matched));
      }
    }
  }
  std::vector<const Row*> prow;
  for (const auto& p : s.pending) prow.push_back(&p.row);
  w.PutBatch(*GatherRows(s.side_schema[0], prow));
  w.Put(static_cast<uint32_t>(s.pending.size()));
  for (const auto& p : s.pending) {
    w.PutString(p.key);
    w.Put(static_cast<uint8_t>(p.has_key));
    w.Put(p.row.ts);
    w.Put(p.row.weight);
    w.Put(p.offset_ms);
    w.Put(static_cast<uint8_t>(p.probe));
  }
  return Status::OK();
}

Status JoinOperator::Restore(std::string_view in) {
  State& s = *state_;
  StateReader r(in);
  auto bad = [](const char* what) {
    return Status::Corruption(std::string("join operator state: ") + what,
                              ErrorCode::kStateCorruption);
  };
  uint32_t magic = 0;
  uint8_t version = 0, weighted = 0;
  int64_t wm[2];
  if (!r.Get(&magic) || magic != kJoinStateMagic) return bad("bad magic");
  if (!r.Get(&version) || version != kJoinStateVersion) return bad("unsupported version");
  if (!r.Get(&wm[0]) || !r.Get(&wm[1]) || !r.Get(&weighted)) return bad("truncated header");
  State::KeyedSets keyed_sets;
  RowList null_rows[2];
  int64_t buffered = 0;
  for (int side = 0; side < 2; ++side) {
    LAMINAR_ASSIGN_OR_RETURN(auto batch, r.GetBatch(s.side_schema[side]));
    uint32_t nkeys = 0;
    if (!r.GetCount(&nkeys, 8)) return bad("bad key count");
    int64_t next = 0;
    for (uint32_t k = 0; k < nkeys; ++k) {
      std::string key;
      uint32_t n = 0;
      if (!r.GetString(&key) || !r.GetCount(&n, 17)) return bad("bad key entry");
      RowList* target = &null_rows[side];
      if (key != kNullKeyImage) {
        // Each key goes to the set of the join's key path (images are path-independent).
        target = s.WithKeyType([&]<typename Key>(std::type_identity<Key>) -> RowList* {
          Key parsed;
          if (!ParseKeyImage(key, s.word_tags, &parsed)) return nullptr;
          return &std::get<State::KeyedRows<Key>>(keyed_sets).rows[side][parsed];
        });
        if (target == nullptr) return bad("key does not match the join's key types");
      }
      auto& list = *target;
      for (uint32_t i = 0; i < n; ++i) {
        Row row;
        uint8_t matched = 0;
        if (!r.Get(&row.ts) || !r.Get(&row.weight) || !r.Get(&matched)) return bad("truncated row");
        if (next >= batch->num_rows()) return bad("row index out of range");
        row.batch = batch;
        row.index = static_cast<int32_t>(next++);
        row.matched = matched != 0;
        list.push_back(row);
        ++buffered;
      }
    }
    if (next != batch->num_rows()) return bad("row count mismatch");
  }
  LAMINAR_ASSIGN_OR_RETURN(auto pbatch, r.GetBatch(s.side_schema[0]));
  uint32_t np = 0;
  if (!r.GetCount(&np, 30)) return bad("bad pending count");
  if (np != pbatch->num_rows()) return bad("pending count mismatch");
  std::deque<State::Pending> pending;
  for (uint32_t i = 0; i < np; ++i) {
    State::Pending p;
    uint8_t has_key = 0, probe = 0;
    if (!r.GetString(&p.key) || !r.Get(&has_key) || !r.Get(&p.row.ts) || !r.Get(&p.row.weight) ||
        !r.Get(&p.offset_ms) || !r.Get(&probe)) {
      return bad("truncated pending row");
    }
    p.has_key = has_key != 0;
    p.probe = probe != 0;
    p.row.batch = pbatch;
    p.row.index = static_cast<int32_t>(i);
    pending.push_back(std::move(p));
  }
  if (!r.empty()) return bad("trailing bytes");
  s.watermark[0] = wm[0];
  s.watermark[1] = wm[1];
  s.weighted = weighted != 0;
  std::apply(
      [](auto&... keyed) {
        (
            [&] {
              for (int side = 0; side < 2; ++side) {
                keyed.live[side] = 0;
                for (const auto& [k, list] : keyed.rows[side]) keyed.live[side] += !list.empty();
              }
            }(),
            ...);
      },
      keyed_sets);
  s.keyed_sets = std::move(keyed_sets);
  for (int side = 0; side < 2; ++side) s.null_rows[side] = std::move(null_rows[side]);
  s.buffered = buffered;
  s.pending = std::move(pending);
  s.table_version = UINT64_MAX;  // rebuild the lookup index from the live table
  std::apply([&](auto&... keyed) { (s.RebuildIndex(keyed), ...); }, s.keyed_sets);
  return Status::OK();
}

int64_t JoinOperator::OutputWatermark(int64_t input_watermark) const {
  const State& s = *state_;
  if (input_watermark == INT64_MIN) return input_watermark;
  switch (s.spec.strategy) {
    case JoinStrategy::kInterval: {
      // A buffered left row (time t) can still pair with right rows up to t + upper, and a
      // right row (time u) with left rows from u - upper: output times may trail the inputs'
      // watermark by the width of the bound.
      int64_t slack = std::max(std::abs(s.spec.lower), std::abs(s.spec.upper)) +
                      std::max(s.spec.left_time_lag, s.spec.right_time_lag);
      return input_watermark - slack;
    }
    case JoinStrategy::kAsof:
    case JoinStrategy::kProbe: {
      int64_t wm = input_watermark;
      for (const auto& p : s.pending) wm = std::min(wm, p.row.ts - p.offset_ms * 1000);
      return wm;
    }
    default:
      return input_watermark;
  }
}

int64_t JoinOperator::StateBytes() const { return state_->buffered * 64; }

std::string JoinOperator::Describe() const { return state_->description; }

}  // namespace laminar::execution
