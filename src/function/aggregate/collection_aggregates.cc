// FIRST_VALUE / LAST_VALUE (arrival order), STRING_AGG, ARRAY_AGG, JSON_AGG, JSON_OBJECT_AGG.
// Order-dependent, so not retractable.
#include <optional>

#include "columnar/scalar.h"
#include "function/aggregate/aggregates_internal.h"
#include "function/scalar/json_text.h"

namespace laminar::function::internal {

namespace {

using Factory = AccumulatorFactory;

template <typename T, bool kFirst>
struct FirstLastOps {
  static constexpr const char* kName = kFirst ? "FIRST_VALUE" : "LAST_VALUE";
  static constexpr bool kRetractable = false;
  static constexpr bool kSkipNulls = false;  // SQL FIRST_VALUE keeps NULLs
  using Traits = ValueTraits<T>;
  using Builder = typename Traits::Builder;
  struct State {
    uint8_t has = 0;  // 0 none, 1 NULL value, 2 value
    T value{};
  };
  DataTypePtr return_type;
  struct Reader {
    const columnar::Array* a;
    typename Traits::Reader r;
  };
  Reader Prepare(std::span<const ArrayPtr> args) const {
    return {args[0].get(), Traits::MakeReader(*args[0])};
  }
  Status Add(State& s, const Reader& r, int64_t i, int64_t) const {
    if (kFirst && s.has) return Status::OK();
    if (r.a->IsNull(i)) {
      s.has = 1;
    } else {
      s.has = 2;
      s.value = T(r.r.Get(i));
    }
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    // `s` holds rows that arrived after `d`'s.
    if (s.has && (!kFirst || !d.has)) d = s;
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (s.has == 2) {
      Traits::Append(b, s.value);
    } else {
      b->AppendNull();
    }
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw(out, s.has);
    if (s.has == 2) Traits::Put(out, s.value);
  }
  bool Deserialize(State* s, std::string_view* in) const {
    if (!GetRaw(in, &s->has) || s->has > 2) return false;
    return s->has != 2 || Traits::Take(in, &s->value);
  }
};

/// The state of the aggregates that build one text in arrival order (STRING_AGG, JSON_AGG,
/// JSON_OBJECT_AGG): whether a row was added, and the text so far; its image and heap size.
struct TextAggBase {
  struct State {
    bool has = false;
    std::string text;
  };
  void Serialize(const State& s, std::string* out) const {
    PutRaw<uint8_t>(out, s.has ? 1 : 0);
    if (s.has) PutString(out, s.text);
  }
  bool Deserialize(State* s, std::string_view* in) const {
    uint8_t has = 0;
    if (!GetRaw(in, &has) || has > 1) return false;
    s->has = has;
    return !has || GetString(in, &s->text);
  }
  static int64_t HeapBytes(const State& s) { return static_cast<int64_t>(s.text.capacity()); }
};

struct StringAggOps : TextAggBase {
  static constexpr const char* kName = "STRING_AGG";
  static constexpr bool kRetractable = false;
  static constexpr bool kSkipNulls = false;
  using Builder = columnar::BinaryBuilder;
  DataTypePtr return_type = columnar::utf8();
  struct Reader {
    const columnar::Array* value;
    const columnar::Array* sep;  // nullptr: ","
  };
  Reader Prepare(std::span<const ArrayPtr> args) const {
    return {args[0].get(), args.size() > 1 ? args[1].get() : nullptr};
  }
  Status Add(State& s, const Reader& r, int64_t i, int64_t) const {
    if (r.value->IsNull(i)) return Status::OK();
    if (s.has) {
      if (!r.sep) {
        s.text.push_back(',');
      } else if (!r.sep->IsNull(i)) {
        s.text.append(r.sep->GetView(i));
      }
    }
    s.text.append(r.value->GetView(i));
    s.has = true;
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    if (!s.has) return Status::OK();
    if (d.has) d.text.push_back(',');  // the separator of the merged-in row is unknown
    d.text.append(s.text);
    d.has = true;
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (s.has) {
      b->Append(s.text);
    } else {
      b->AppendNull();
    }
    return Status::OK();
  }
};

/// JSON_AGG(x) / JSON_OBJECT_AGG(k, v) (PostgreSQL): the rows' values as one JSON array /
/// object text, in arrival order, rendered like to_json / json_build_object (compact). NULL
/// values are kept (JSON null); a NULL object key is an error; no rows → NULL.
template <bool kObject>
struct JsonAggOps : TextAggBase {
  static constexpr const char* kName = kObject ? "JSON_OBJECT_AGG" : "JSON_AGG";
  static constexpr bool kRetractable = false;
  static constexpr bool kSkipNulls = false;
  using Builder = columnar::BinaryBuilder;  // State::text: the members, without brackets
  DataTypePtr return_type = columnar::utf8();
  struct Reader {
    const columnar::Array* key;  // JSON_OBJECT_AGG only
    const columnar::Array* value;
  };
  Reader Prepare(std::span<const ArrayPtr> args) const {
    if constexpr (kObject) return {args[0].get(), args[1].get()};
    return {nullptr, args[0].get()};
  }
  /// JSON_OBJECT_AGG: a NULL key among the rows that would be added fails the whole batch
  /// before any group changes (Add checks again).
  Status Check(std::span<const ArrayPtr> args, int64_t num_rows, const uint8_t* filter) const {
    if constexpr (kObject) {
      const columnar::Array& key = *args[0];
      if (key.null_count() == 0) return Status::OK();
      for (int64_t i = 0; i < num_rows; ++i) {
        if ((filter == nullptr || filter[i] != 0) && key.IsNull(i)) return NullKey();
      }
    }
    return Status::OK();
  }
  static Status NullKey() {
    return Status::Invalid("json_object_agg: a key is NULL", ErrorCode::kQueryExecutionFailed);
  }
  Status Add(State& s, const Reader& r, int64_t i, int64_t) const {
    const size_t undo = s.text.size();
    if (s.has) s.text.push_back(',');
    if constexpr (kObject) {
      if (r.key->IsNull(i)) {
        s.text.resize(undo);
        return NullKey();
      }
      AppendJsonKey(columnar::GetScalar(*r.key, i), &s.text);
      s.text.push_back(':');
    }
    AppendJsonValue(columnar::GetScalar(*r.value, i), &s.text);
    s.has = true;
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    if (!s.has) return Status::OK();
    if (d.has) d.text.push_back(',');
    d.text.append(s.text);
    d.has = true;
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (!s.has) {
      b->AppendNull();
      return Status::OK();
    }
    std::string out;
    out.reserve(s.text.size() + 2);
    out.push_back(kObject ? '{' : '[');
    out.append(s.text);
    out.push_back(kObject ? '}' : ']');
    b->Append(out);
    return Status::OK();
  }
};

template <typename T>
struct ArrayAggOps {
  static constexpr const char* kName = "ARRAY_AGG";
  static constexpr bool kRetractable = false;
  static constexpr bool kSkipNulls = false;  // ARRAY_AGG keeps NULL elements
  using Traits = ValueTraits<T>;
  using Builder = columnar::ListBuilder;
  struct State {
    bool has = false;
    std::vector<std::optional<T>> items;
  };
  DataTypePtr return_type;
  struct Reader {
    const columnar::Array* a;
    typename Traits::Reader r;
  };
  Reader Prepare(std::span<const ArrayPtr> args) const {
    return {args[0].get(), Traits::MakeReader(*args[0])};
  }
  Status Add(State& s, const Reader& r, int64_t i, int64_t) const {
    s.has = true;
    if (r.a->IsNull(i)) {
      s.items.emplace_back(std::nullopt);
    } else {
      s.items.emplace_back(T(r.r.Get(i)));
    }
    return Status::OK();
  }
  Status Merge(State& d, const State& s) const {
    d.has = d.has || s.has;
    d.items.insert(d.items.end(), s.items.begin(), s.items.end());
    return Status::OK();
  }
  Status Finalize(const State& s, Builder* b) const {
    if (!s.has) {
      b->AppendNull();
      return Status::OK();
    }
    b->Append();
    auto* vb = static_cast<typename Traits::Builder*>(b->value_builder());
    for (const auto& it : s.items) {
      if (it) {
        Traits::Append(vb, *it);
      } else {
        vb->AppendNull();
      }
    }
    return Status::OK();
  }
  void Serialize(const State& s, std::string* out) const {
    PutRaw<uint8_t>(out, s.has ? 1 : 0);
    PutRaw<uint32_t>(out, static_cast<uint32_t>(s.items.size()));
    for (const auto& it : s.items) {
      PutRaw<uint8_t>(out, it ? 1 : 0);
      if (it) Traits::Put(out, *it);
    }
  }
  bool Deserialize(State* s, std::string_view* in) const {
    uint8_t has = 0;
    uint32_t n = 0;
    if (!GetRaw(in, &has) || has > 1 || !GetRaw(in, &n)) return false;
    s->has = has;
    for (uint32_t i = 0; i < n; ++i) {
      uint8_t valid = 0;
      if (!GetRaw(in, &valid) || valid > 1) return false;
      if (!valid) {
        s->items.emplace_back(std::nullopt);
        continue;
      }
      T v{};
      if (!Traits::Take(in, &v)) return false;
      s->items.emplace_back(std::move(v));
    }
    return true;
  }
  static int64_t HeapBytes(const State& s) {
    return static_cast<int64_t>(s.items.capacity() * sizeof(std::optional<T>));
  }
};

auto Orderable() {
  return TypeMatcher::Unified([](const columnar::DataType& t) {
    return !t.is_nested() && t.id() != TypeId::kInterval && t.id() != TypeId::kNull;
  });
}

Status NoDistinct(bool distinct) {
  return distinct ? Status::NotImplemented("DISTINCT is not supported for this aggregate")
                  : Status::OK();
}

}  // namespace

void RegisterCollectionAggregates(FunctionRegistry* r) {
  for (bool first : {true, false}) {
    AggregateFunction fn{
        first ? "first_value" : "last_value",
        first ? std::vector<std::string>{"first"} : std::vector<std::string>{"last"},
        {},
        "value of the first/last row by arrival"};
    AggregateSignature s;
    s.params = {Orderable()};
    s.return_type = ReturnsParam(0);
    s.make_factory = [first](const std::vector<DataTypePtr>& p, const DataTypePtr&,
                             bool distinct) -> Result<Factory> {
      LAMINAR_RETURN_NOT_OK(NoDistinct(distinct));
      Result<Factory> out = Status::TypeError("unsupported FIRST/LAST_VALUE type");
      VisitOrderable(p[0]->id(), [&]<typename T>() {
        if (first) {
          out = MakeFactory(FirstLastOps<T, true>{p[0]});
        } else {
          out = MakeFactory(FirstLastOps<T, false>{p[0]});
        }
      });
      return out;
    };
    fn.signatures.push_back(s);
    LAMINAR_CHECK(r->RegisterAggregate(std::move(fn)).ok());
  }
  {
    AggregateFunction fn{"string_agg", {"listagg", "group_concat"}, {}, "concatenation"};
    AggregateSignature s;
    s.params = {TypeMatcher::Exact(TypeId::kString), TypeMatcher::Exact(TypeId::kString)};
    s.return_type = Returns(columnar::utf8());
    s.make_factory = [](const std::vector<DataTypePtr>&, const DataTypePtr&,
                        bool distinct) -> Result<Factory> {
      LAMINAR_RETURN_NOT_OK(NoDistinct(distinct));
      return MakeFactory(StringAggOps{});
    };
    fn.signatures.push_back(s);
    AggregateSignature one = s;
    one.params = {TypeMatcher::Exact(TypeId::kString)};
    fn.signatures.push_back(one);
    LAMINAR_CHECK(r->RegisterAggregate(std::move(fn)).ok());
  }
  {
    AggregateFunction fn{"json_agg", {"jsonb_agg"}, {}, "values as a JSON array"};
    AggregateSignature s;
    s.params = {TypeMatcher::Any()};
    s.return_type = Returns(columnar::utf8());
    s.make_factory = [](const std::vector<DataTypePtr>&, const DataTypePtr&,
                        bool distinct) -> Result<Factory> {
      LAMINAR_RETURN_NOT_OK(NoDistinct(distinct));
      return MakeFactory(JsonAggOps<false>{});
    };
    fn.signatures.push_back(s);
    LAMINAR_CHECK(r->RegisterAggregate(std::move(fn)).ok());
  }
  {
    AggregateFunction fn{"json_object_agg", {}, {}, "key/value pairs as a JSON object"};
    AggregateSignature s;
    s.params = {TypeMatcher::Any(), TypeMatcher::Any()};
    s.return_type = Returns(columnar::utf8());
    s.make_factory = [](const std::vector<DataTypePtr>&, const DataTypePtr&,
                        bool distinct) -> Result<Factory> {
      LAMINAR_RETURN_NOT_OK(NoDistinct(distinct));
      return MakeFactory(JsonAggOps<true>{});
    };
    fn.signatures.push_back(s);
    LAMINAR_CHECK(r->RegisterAggregate(std::move(fn)).ok());
  }
  {
    AggregateFunction fn{"array_agg", {"list_agg"}, {}, "values as an ARRAY"};
    AggregateSignature s;
    s.params = {Orderable()};
    s.return_type = [](const std::vector<DataTypePtr>& p) -> Result<DataTypePtr> {
      return columnar::list(p[0]);
    };
    s.make_factory = [](const std::vector<DataTypePtr>& p, const DataTypePtr& ret,
                        bool distinct) -> Result<Factory> {
      LAMINAR_RETURN_NOT_OK(NoDistinct(distinct));
      Result<Factory> out = Status::TypeError("unsupported ARRAY_AGG type");
      VisitOrderable(p[0]->id(), [&]<typename T>() { out = MakeFactory(ArrayAggOps<T>{ret}); });
      return out;
    };
    fn.signatures.push_back(s);
    LAMINAR_CHECK(r->RegisterAggregate(std::move(fn)).ok());
  }
}

}  // namespace laminar::function::internal
