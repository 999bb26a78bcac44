// JSON functions over VARCHAR holding JSON text (parsed with simdjson). Invalid JSON, a missing
// key or index, or a type mismatch along a path yields NULL (never an error): streams carry
// untrusted payloads and one bad event must not fail a query.
#include <simdjson.h>

#include "function/scalar/kernel_util.h"

namespace laminar::function {

using namespace internal;  // NOLINT(build/namespaces)

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

}  // namespace

void RegisterJsonFunctions(FunctionRegistry* r) {
  const TypeMatcher kS = E(TypeId::kString), kI = E(TypeId::kInt64);
  // `->`: json_get(json, key | index) → JSON text.
  Simple(r, "json_get", {"jsonb_get", "json_get_json"},
         {JsonSig({kS, kS}, Out::kJson, 1), JsonSig({kS, kI}, Out::kJson, 2)});
  // `->>`: json_get_text(json, key | index) → text.
  Simple(r, "json_get_text", {"jsonb_get_text", "json_get_str"},
         {JsonSig({kS, kS}, Out::kText, 1), JsonSig({kS, kI}, Out::kText, 2)});
  Simple(r, "json_extract", {"jsonb_path", "json_query"}, {JsonSig({kS, kS}, Out::kJson, 3)});
  Simple(r, "json_extract_scalar", {"json_value", "jsonb_path_text", "json_extract_path_text"},
         {JsonSig({kS, kS}, Out::kText, 3)});
  Simple(r, "json_typeof", {"jsonb_typeof", "json_type"},
         {JsonSig({kS}, Out::kType, 0), JsonSig({kS, kS}, Out::kType, 3)});
  Simple(r, "json_array_length", {"jsonb_array_length"},
         {JsonSig({kS}, Out::kArrayLength, 0), JsonSig({kS, kS}, Out::kArrayLength, 3)});
}

}  // namespace laminar::function
