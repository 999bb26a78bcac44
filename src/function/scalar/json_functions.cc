// JSON functions over VARCHAR holding JSON text (parsed with simdjson). Invalid JSON, a missing
// key or index, or a type mismatch along a path yields NULL (never an error): streams carry
// untrusted payloads and one bad event must not fail a query.
#include <simdjson.h>

#include <cmath>

#include "function/scalar/json_text.h"
#include "function/scalar/kernel_util.h"

namespace laminar::function {

using namespace internal;  // NOLINT(build/namespaces)

namespace internal {

void AppendJsonString(std::string_view v, std::string* out) {
  out->push_back('"');
  for (char c : v) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          *out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendJsonValue(const Scalar& v, std::string* out) {
  if (v.is_null()) {
    *out += "null";
    return;
  }
  const auto& t = *v.type();
  if (t.id() == TypeId::kBoolean) {
    *out += v.bool_value() ? "true" : "false";
  } else if (t.id() == TypeId::kFloat32 || t.id() == TypeId::kFloat64) {
    *out += std::isfinite(v.ToDouble()) ? v.ToString() : "null";
  } else if (t.is_integer() || t.id() == TypeId::kDecimal128) {
    *out += v.ToString();
  } else if (t.id() == TypeId::kList) {
    out->push_back('[');
    const auto& children = v.children();
    for (size_t k = 0; k < children.size(); ++k) {
      if (k) out->push_back(',');
      AppendJsonValue(children[k], out);
    }
    out->push_back(']');
  } else if (t.id() == TypeId::kString) {
    AppendJsonString(v.string_value(), out);
  } else {
    AppendJsonString(v.ToString(), out);
  }
}

void AppendJsonKey(const Scalar& key, std::string* out) {
  AppendJsonString(key.type()->id() == TypeId::kString ? key.string_value() : key.ToString(), out);
}

}  // namespace internal

namespace {

using Args = std::span<const Datum>;
using simdjson::dom::element;
using simdjson::dom::element_type;

std::string_view SV(Args a, size_t k, int64_t i) {
  const Datum& d = a[k];
  return d.is_scalar() ? std::string_view(d.scalar->string_value()) : d.array->GetView(i);
}
int64_t IV(Args a, size_t k, int64_t i) {
  const Datum& d = a[k];
  return d.is_scalar() ? d.scalar->int_value() : d.array->values<int64_t>()[i];
}

/// One step of a path: an object key or an array index.
struct PathStep {
  bool is_index = false;
  std::string key;
  int64_t index = 0;
};

/// Parses `$.a.b[0]`, `$['a'][1]`, `a.b` (leading `$` optional).
Result<std::vector<PathStep>> ParsePath(std::string_view path) {
  std::vector<PathStep> steps;
  size_t i = 0;
  if (i < path.size() && path[i] == '$') ++i;
  auto bad = [&]() {
    return Status::Invalid(fmt::format("invalid JSON path '{}'", path),
                           ErrorCode::kQueryExecutionFailed);
  };
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      size_t start = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
      if (i == start) return bad();
      steps.push_back({false, std::string(path.substr(start, i - start)), 0});
    } else if (path[i] == '[') {
      ++i;
      if (i < path.size() && (path[i] == '\'' || path[i] == '"')) {
        char q = path[i++];
        size_t start = i;
        while (i < path.size() && path[i] != q) ++i;
        if (i >= path.size()) return bad();
        steps.push_back({false, std::string(path.substr(start, i - start)), 0});
        ++i;
      } else {
        size_t start = i;
        while (i < path.size() && std::isdigit(static_cast<unsigned char>(path[i]))) ++i;
        if (i == start) return bad();
        steps.push_back({true, {}, std::stoll(std::string(path.substr(start, i - start)))});
      }
      if (i >= path.size() || path[i] != ']') return bad();
      ++i;
    } else if (steps.empty() && path[0] != '$') {
      size_t start = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
      steps.push_back({false, std::string(path.substr(start, i - start)), 0});
    } else {
      return bad();
    }
  }
  return steps;
}

bool Step(element* e, const PathStep& s) {
  if (s.is_index) {
    simdjson::dom::array arr;
    if (e->get_array().get(arr)) return false;
    if (s.index < 0 || static_cast<size_t>(s.index) >= arr.size()) return false;
    return !arr.at(static_cast<size_t>(s.index)).get(*e);
  }
  simdjson::dom::object obj;
  if (e->get_object().get(obj)) return false;
  return !obj.at_key(s.key).get(*e);
}

/// Text of a scalar element without JSON quoting (strings unquoted); objects/arrays as JSON.
void AppendText(const element& e, StringBuilder* b) {
  switch (e.type()) {
    case element_type::STRING: {
      std::string_view sv;
      if (e.get_string().get(sv) == simdjson::SUCCESS) {
        b->Append(sv);
      } else {
        b->AppendNull();
      }
      return;
    }
    case element_type::NULL_VALUE:
      b->AppendNull();
      return;
    default:
      b->Append(simdjson::minify(e));
  }
}

const char* TypeName(const element& e) {
  switch (e.type()) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::STRING:
      return "string";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "number";
    case element_type::BOOL:
      return "boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "unknown";
}

enum class Out { kJson, kText, kType, kArrayLength };

struct PathState {
  std::vector<PathStep> steps;
};

KernelInit PathInit() {
  return [](const std::vector<const Scalar*>& lit) -> Result<std::shared_ptr<const void>> {
    if (lit.size() < 2 || !lit[1] || lit[1]->is_null()) return std::shared_ptr<const void>();
    auto st = std::make_shared<PathState>();
    LAMINAR_ASSIGN_OR_RETURN(st->steps, ParsePath(lit[1]->string_value()));
    return std::shared_ptr<const void>(st);
  };
}

/// mode: 0 = no selector, 1 = key, 2 = index, 3 = path.
ScalarKernel JsonKernel(Out out, int mode) {
  return [out, mode](const KernelContext& ctx, Args args, int64_t n) -> Result<ArrayPtr> {
    simdjson::dom::parser parser;
    std::vector<PathStep> dyn_steps;
    const auto* state = static_cast<const PathState*>(ctx.state);
    auto body = [&](int64_t i, auto* b) -> Status {
      element e;
      std::string_view text = SV(args, 0, i);
      if (parser.parse(text.data(), text.size()).get(e)) {
        b->AppendNull();
        return Status::OK();
      }
      bool ok = true;
      if (mode == 1) {
        ok = Step(&e, PathStep{false, std::string(SV(args, 1, i)), 0});
      } else if (mode == 2) {
        ok = Step(&e, PathStep{true, {}, IV(args, 1, i)});
      } else if (mode == 3) {
        const std::vector<PathStep>* steps = state ? &state->steps : nullptr;
        if (!steps) {
          LAMINAR_ASSIGN_OR_RETURN(dyn_steps, ParsePath(SV(args, 1, i)));
          steps = &dyn_steps;
        }
        for (const auto& s : *steps) {
          if (!(ok = Step(&e, s))) break;
        }
      }
      using B = std::remove_pointer_t<decltype(b)>;
      if (!ok) {
        b->AppendNull();
        return Status::OK();
      }
      if constexpr (std::is_same_v<B, StringBuilder>) {
        if (out == Out::kJson) {
          b->Append(simdjson::minify(e));
        } else if (out == Out::kText) {
          AppendText(e, b);
        } else {
          b->Append(TypeName(e));
        }
      } else {
        simdjson::dom::array arr;
        if (e.get_array().get(arr)) {
          b->AppendNull();
        } else {
          b->Append(static_cast<int64_t>(arr.size()));
        }
      }
      return Status::OK();
    };
    if (out == Out::kArrayLength) return MapRows<Int64Builder>(ctx, args, n, body);
    return MapRows<StringBuilder>(ctx, args, n, body);
  };
}

ScalarSignature JsonSig(std::vector<TypeMatcher> params, Out out, int mode) {
  auto sig = MakeSig(std::move(params),
                     Returns(out == Out::kArrayLength ? columnar::int64() : columnar::utf8()),
                     JsonKernel(out, mode), true);
  if (mode == 3) sig.init = PathInit();
  return sig;
}

void Simple(FunctionRegistry* r, const char* name, std::vector<std::string> aliases,
            std::vector<ScalarSignature> sigs) {
  ScalarFunction fn;
  fn.name = name;
  fn.aliases = std::move(aliases);
  fn.signatures = std::move(sigs);
  Add(r, std::move(fn));
}

// ---------------------------------------------------------------------------------------------
// Building JSON from SQL values, containment, key tests.

Scalar ValueAt(const Datum& d, int64_t i) {
  return d.is_scalar() ? *d.scalar : columnar::GetScalar(*d.array, i);
}

/// json_build_object(k1, v1, ...) / json_build_array(v1, ...) / to_json(v): NULL values become
/// JSON null (the functions are not NULL-propagating); object keys must not be NULL.
ScalarKernel BuildKernel(bool object) {
  return [object](const KernelContext& ctx, Args args, int64_t n) -> Result<ArrayPtr> {
    if (object && args.size() % 2 != 0) {
      return Status::Invalid("json_build_object needs an even number of arguments (key, value)",
                             ErrorCode::kQueryExecutionFailed);
    }
    std::string text;
    return MapAllRows<StringBuilder>(ctx, n, [&](int64_t i, StringBuilder* b) -> Status {
      text.clear();
      text.push_back(object ? '{' : '[');
      for (size_t k = 0; k < args.size(); ++k) {
        if (k) text.push_back(object && k % 2 == 1 ? ':' : ',');
        Scalar v = ValueAt(args[k], i);
        if (object && k % 2 == 0) {
          if (v.is_null()) {
            return Status::Invalid("json_build_object: a key is NULL",
                                   ErrorCode::kQueryExecutionFailed);
          }
          AppendJsonKey(v, &text);
        } else {
          AppendJsonValue(v, &text);
        }
      }
      text.push_back(object ? '}' : ']');
      b->Append(text);
      return Status::OK();
    });
  };
}

ScalarKernel ToJsonKernel() {
  return [](const KernelContext& ctx, Args args, int64_t n) -> Result<ArrayPtr> {
    std::string text;
    return MapAllRows<StringBuilder>(ctx, n, [&](int64_t i, StringBuilder* b) -> Status {
      text.clear();
      AppendJsonValue(ValueAt(args[0], i), &text);
      b->Append(text);
      return Status::OK();
    });
  };
}

bool JsonEqual(const element& a, const element& b);

/// PostgreSQL jsonb containment (`a @> b`): scalars equal; every key of object `b` is in `a`
/// with a contained value; every element of array `b` is contained in some element of `a`; an
/// array also contains a bare scalar that is one of its elements.
bool Contains(const element& a, const element& b) {
  const auto ta = a.type(), tb = b.type();
  if (ta == element_type::OBJECT) {
    if (tb != element_type::OBJECT) return false;
    simdjson::dom::object oa = a.get_object().value_unsafe();
    // Named first: iterating the temporary result's value would dangle.
    const simdjson::dom::object b_fields = b.get_object().value_unsafe();
    for (auto field : b_fields) {
      element av;
      if (oa.at_key(field.key).get(av)) return false;
      if (!Contains(av, field.value)) return false;
    }
    return true;
  }
  if (ta == element_type::ARRAY) {
    simdjson::dom::array arr = a.get_array().value_unsafe();
    if (tb == element_type::ARRAY) {
      // Named first: iterating the temporary result's value would dangle.
      const simdjson::dom::array b_items = b.get_array().value_unsafe();
      for (element want : b_items) {
        bool found = false;
        for (element have : arr) {
          if (Contains(have, want)) {
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
      return true;
    }
    if (tb == element_type::OBJECT) return false;
    for (element have : arr) {
      if (JsonEqual(have, b)) return true;
    }
    return false;
  }
  return JsonEqual(a, b);
}

/// Equality of scalars (numbers compare by value); containers compare by mutual containment.
bool JsonEqual(const element& a, const element& b) {
  auto is_number = [](element_type t) {
    return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
  };
  const auto ta = a.type(), tb = b.type();
  if (is_number(ta) && is_number(tb)) {
    if (ta != element_type::DOUBLE && tb != element_type::DOUBLE) {
      if (ta == tb) {
        return ta == element_type::INT64
                   ? a.get_int64().value_unsafe() == b.get_int64().value_unsafe()
                   : a.get_uint64().value_unsafe() == b.get_uint64().value_unsafe();
      }
      return false;  // one negative int64 and one uint64 above INT64_MAX
    }
    return a.get_double().value_unsafe() == b.get_double().value_unsafe();
  }
  if (ta != tb) return false;
  switch (ta) {
    case element_type::STRING:
      return a.get_string().value_unsafe() == b.get_string().value_unsafe();
    case element_type::BOOL:
      return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
    case element_type::NULL_VALUE:
      return true;
    case element_type::OBJECT:
    case element_type::ARRAY:
      return Contains(a, b) && Contains(b, a);
    default:
      return false;
  }
}

/// jsonb_contains(a, b) (`a @> b`) and jsonb_contained_by(a, b) (`a <@ b`); NULL when either
/// side is not valid JSON.
ScalarKernel ContainsKernel(bool contained_by) {
  return [contained_by](const KernelContext& ctx, Args args, int64_t n) -> Result<ArrayPtr> {
    simdjson::dom::parser pa, pb;
    return MapRows<BoolBuilder>(ctx, args, n, [&](int64_t i, BoolBuilder* b) -> Status {
      element ea, eb;
      std::string_view ta = SV(args, 0, i), tb = SV(args, 1, i);
      if (pa.parse(ta.data(), ta.size()).get(ea) || pb.parse(tb.data(), tb.size()).get(eb)) {
        b->AppendNull();
      } else {
        b->Append(contained_by ? Contains(eb, ea) : Contains(ea, eb));
      }
      return Status::OK();
    });
  };
}

/// jsonb_exists(json, key) (`json ? key`): an object with that top-level key, or an array with
/// that string element. NULL for invalid JSON.
ScalarKernel ExistsKernel() {
  return [](const KernelContext& ctx, Args args, int64_t n) -> Result<ArrayPtr> {
    simdjson::dom::parser parser;
    return MapRows<BoolBuilder>(ctx, args, n, [&](int64_t i, BoolBuilder* b) -> Status {
      element e;
      std::string_view text = SV(args, 0, i), key = SV(args, 1, i);
      if (parser.parse(text.data(), text.size()).get(e)) {
        b->AppendNull();
        return Status::OK();
      }
      bool found = false;
      if (e.type() == element_type::OBJECT) {
        element v;
        found = !e.get_object().value_unsafe().at_key(key).get(v);
      } else if (e.type() == element_type::ARRAY) {
        // Named first: iterating the temporary result's value would dangle.
        const simdjson::dom::array e_items = e.get_array().value_unsafe();
        for (element item : e_items) {
          std::string_view sv;
          if (!item.get_string().get(sv) && sv == key) {
            found = true;
            break;
          }
        }
      } else if (e.type() == element_type::STRING) {
        found = e.get_string().value_unsafe() == key;
      }
      b->Append(found);
      return Status::OK();
    });
  };
}

/// Re-serialises `e` without the object fields whose value is null (recursively).
void AppendStripped(const element& e, std::string* out) {
  if (e.type() == element_type::OBJECT) {
    out->push_back('{');
    bool first = true;
    // Named first: iterating the temporary result's value would dangle.
    const simdjson::dom::object e_fields = e.get_object().value_unsafe();
    for (auto field : e_fields) {
      if (field.value.type() == element_type::NULL_VALUE) continue;
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(field.key, out);
      out->push_back(':');
      AppendStripped(field.value, out);
    }
    out->push_back('}');
  } else if (e.type() == element_type::ARRAY) {
    out->push_back('[');
    bool first = true;
    // Named first: iterating the temporary result's value would dangle.
    const simdjson::dom::array e_items = e.get_array().value_unsafe();
    for (element item : e_items) {
      if (!first) out->push_back(',');
      first = false;
      AppendStripped(item, out);
    }
    out->push_back(']');
  } else {
    *out += simdjson::minify(e);
  }
}

ScalarKernel StripNullsKernel() {
  return [](const KernelContext& ctx, Args args, int64_t n) -> Result<ArrayPtr> {
    simdjson::dom::parser parser;
    std::string text;
    return MapRows<StringBuilder>(ctx, args, n, [&](int64_t i, StringBuilder* b) -> Status {
      element e;
      std::string_view in = SV(args, 0, i);
      if (parser.parse(in.data(), in.size()).get(e)) {
        b->AppendNull();
        return Status::OK();
      }
      text.clear();
      AppendStripped(e, &text);
      b->Append(text);
      return Status::OK();
    });
  };
}

}  // namespace

void RegisterJsonFunctions(FunctionRegistry* r) {
  const TypeMatcher kS = E(TypeId::kString), kI = E(TypeId::kInt64);
  // `->`: json_get(json, key | index) → JSON text.
  Simple(r, "json_get", {"jsonb_get", "json_get_json", "jsonb_get_idx"},
         {JsonSig({kS, kS}, Out::kJson, 1), JsonSig({kS, kI}, Out::kJson, 2)});
  // `->>`: json_get_text(json, key | index) → text.
  Simple(r, "json_get_text", {"jsonb_get_text", "json_get_str", "jsonb_get_text_idx"},
         {JsonSig({kS, kS}, Out::kText, 1), JsonSig({kS, kI}, Out::kText, 2)});
  Simple(r, "json_extract", {"jsonb_path", "json_query"}, {JsonSig({kS, kS}, Out::kJson, 3)});
  Simple(r, "json_extract_scalar", {"json_value", "jsonb_path_text", "json_extract_path_text"},
         {JsonSig({kS, kS}, Out::kText, 3)});
  Simple(r, "json_typeof", {"jsonb_typeof", "json_type"},
         {JsonSig({kS}, Out::kType, 0), JsonSig({kS, kS}, Out::kType, 3)});
  Simple(r, "json_array_length", {"jsonb_array_length"},
         {JsonSig({kS}, Out::kArrayLength, 0), JsonSig({kS, kS}, Out::kArrayLength, 3)});
  Simple(r, "jsonb_exists", {"json_exists"},
         {MakeSig({kS, kS}, Returns(columnar::boolean()), ExistsKernel())});
  Simple(r, "jsonb_contains", {"json_contains"},
         {MakeSig({kS, kS}, Returns(columnar::boolean()), ContainsKernel(false))});
  Simple(r, "jsonb_contained_by", {"json_contained_by"},
         {MakeSig({kS, kS}, Returns(columnar::boolean()), ContainsKernel(true))});
  Simple(r, "jsonb_strip_nulls", {"json_strip_nulls"},
         {MakeSig({kS}, Returns(columnar::utf8()), StripNullsKernel())});
  auto build = [](bool object) {
    ScalarSignature sig =
        MakeSig({TypeMatcher::Any()}, Returns(columnar::utf8()), BuildKernel(object), object);
    sig.variadic = true;
    sig.min_args = 0;
    sig.null_propagating = false;
    return sig;
  };
  Simple(r, "json_build_object", {"jsonb_build_object"}, {build(true)});
  Simple(r, "json_build_array", {"jsonb_build_array"}, {build(false)});
  ScalarSignature to_json =
      MakeSig({TypeMatcher::Any()}, Returns(columnar::utf8()), ToJsonKernel());
  to_json.null_propagating = false;
  Simple(r, "to_json", {"to_jsonb"}, {to_json});
}

}  // namespace laminar::function
