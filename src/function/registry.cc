#include "function/registry.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/string_util.h"

namespace laminar::function {

using columnar::DataType;

namespace {

/// Position in the numeric widening chain; 0 for non-numeric types.
int NumericRank(TypeId id) {
  switch (id) {
    case TypeId::kInt8:
      return 1;
    case TypeId::kInt16:
      return 2;
    case TypeId::kInt32:
      return 3;
    case TypeId::kInt64:
      return 4;
    case TypeId::kDecimal128:
      return 5;
    case TypeId::kFloat32:
      return 6;
    case TypeId::kFloat64:
      return 7;
    default:
      return 0;
  }
}

int IntegerDigits(TypeId id) {
  switch (id) {
    case TypeId::kInt8:
      return 3;
    case TypeId::kInt16:
      return 5;
    case TypeId::kInt32:
      return 10;
    default:
      return 19;
  }
}

std::string TypeList(const std::vector<DataTypePtr>& types) {
  std::string out;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) out += ", ";
    out += types[i]->ToString();
  }
  return out;
}

std::string MatcherText(const TypeMatcher& m) {
  switch (m.kind) {
    case TypeMatcher::Kind::kAny:
      return "ANY";
    case TypeMatcher::Kind::kUnified:
      return "T";
    case TypeMatcher::Kind::kExact:
      if (m.id == TypeId::kDecimal128) return "DECIMAL";
      if (m.id == TypeId::kList) return "ARRAY";
      return columnar::TypeFromId(m.id)->ToString();
  }
  return "?";
}

template <typename Sig>
std::string SignatureText(std::string_view name, const Sig& sig) {
  std::string out = fmt::format("{}(", name);
  for (size_t i = 0; i < sig.params.size(); ++i) {
    if (i) out += ", ";
    out += MatcherText(sig.params[i]);
  }
  if (sig.variadic) out += ", ...";
  out += ")";
  return out;
}

/// Tries to match `args` against a signature. Returns the cost (lower is better) or -1, and
/// fills the exact parameter types.
template <typename Sig>
int MatchSignature(const Sig& sig, const std::vector<DataTypePtr>& args,
                   std::vector<DataTypePtr>* params) {
  const size_t np = sig.params.size();
  if (sig.variadic) {
    if (np == 0 || args.size() < np - 1) return -1;
    if constexpr (requires { sig.min_args; }) {
      if (args.size() < sig.min_args) return -1;
    }
  } else if (args.size() != np) {
    return -1;
  }
  auto matcher_for = [&](size_t i) -> const TypeMatcher& {
    return i < np ? sig.params[i] : sig.params[np - 1];
  };
  params->assign(args.size(), nullptr);
  int cost = 0;
  // Unified group first.
  DataTypePtr unified;
  bool has_unified = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& m = matcher_for(i);
    if (m.kind != TypeMatcher::Kind::kUnified) continue;
    if (!has_unified) {
      unified = args[i];
      has_unified = true;
    } else {
      auto r = CommonSuperType(unified, args[i]);
      if (!r.ok()) return -1;
      unified = *r;
    }
  }
  if (has_unified) {
    const TypeMatcher* um = nullptr;
    for (size_t i = 0; i < args.size(); ++i) {
      if (matcher_for(i).kind == TypeMatcher::Kind::kUnified) um = &matcher_for(i);
    }
    if (unified->id() == TypeId::kNull) {
      // All NULL: choose the first acceptable of a few common types.
      for (const auto& t : {columnar::int64(), columnar::float64(), columnar::utf8(),
                            columnar::boolean(), columnar::timestamp()}) {
        if (!um->accepts || um->accepts(*t)) {
          unified = t;
          break;
        }
      }
    }
    if (um->accepts && !um->accepts(*unified)) return -1;
    for (size_t i = 0; i < args.size(); ++i) {
      if (matcher_for(i).kind != TypeMatcher::Kind::kUnified) continue;
      (*params)[i] = unified;
      if (!args[i]->Equals(*unified))
        cost += 1 + std::abs(NumericRank(unified->id()) - NumericRank(args[i]->id()));
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& m = matcher_for(i);
    const auto& a = args[i];
    if (m.kind == TypeMatcher::Kind::kAny) {
      (*params)[i] = a;
    } else if (m.kind == TypeMatcher::Kind::kExact) {
      if (a->id() == m.id) {
        (*params)[i] = a;
        continue;
      }
      DataTypePtr target;
      if (m.id == TypeId::kDecimal128) {
        if (a->is_integer())
          target = DecimalForInteger(a);
        else if (a->id() == TypeId::kNull)
          target = columnar::decimal128(38, 0);
        else
          return -1;
      } else if (m.id == TypeId::kList) {
        if (a->id() != TypeId::kNull) return -1;
        target = columnar::list(columnar::null_type());
      } else {
        target = columnar::TypeFromId(m.id);
      }
      if (!CanImplicitlyCast(a, target)) return -1;
      (*params)[i] = target;
      int ra = NumericRank(a->id()), rt = NumericRank(target->id());
      cost += 1 + ((ra && rt) ? rt - ra : 4);
    }
  }
  return cost;
}

}  // namespace

DataTypePtr DecimalForInteger(const DataTypePtr& integer_type) {
  return columnar::decimal128(IntegerDigits(integer_type->id()), 0);
}

Result<DataTypePtr> CommonSuperType(const DataTypePtr& a, const DataTypePtr& b) {
  if (a->Equals(*b)) return a;
  if (a->id() == TypeId::kNull) return b;
  if (b->id() == TypeId::kNull) return a;
  int ra = NumericRank(a->id()), rb = NumericRank(b->id());
  if (ra && rb) {
    if (a->id() == TypeId::kDecimal128 || b->id() == TypeId::kDecimal128) {
      if (ra > 5 || rb > 5) return columnar::float64();
      auto da = a->id() == TypeId::kDecimal128 ? a : DecimalForInteger(a);
      auto db = b->id() == TypeId::kDecimal128 ? b : DecimalForInteger(b);
      int scale = std::max(da->scale(), db->scale());
      int digits = std::max(da->precision() - da->scale(), db->precision() - db->scale());
      int precision = std::min(38, digits + scale);
      return columnar::decimal128(precision, std::min(scale, precision));
    }
    if (ra == 6 && rb == 6) return columnar::float32();
    if (ra >= 6 || rb >= 6) {
      // FLOAT with BIGINT etc: DOUBLE keeps integers exact up to 2^53.
      if (std::max(ra, rb) == 6 && std::min(ra, rb) <= 2) return columnar::float32();
      return columnar::float64();
    }
    return ra > rb ? a : b;
  }
  auto temporal = [](TypeId id) { return id == TypeId::kDate32 || id == TypeId::kTimestamp; };
  if (temporal(a->id()) && temporal(b->id())) return columnar::timestamp();
  if (a->id() == TypeId::kList && b->id() == TypeId::kList) {
    LAMINAR_ASSIGN_OR_RETURN(auto elem, CommonSuperType(a->value_type(), b->value_type()));
    return columnar::list(elem);
  }
  if (a->is_binary_like() && b->is_binary_like()) return columnar::binary();
  return Status::TypeError(
      fmt::format("cannot find a common type for {} and {}", a->ToString(), b->ToString()),
      ErrorCode::kTypeMismatch);
}

bool CanImplicitlyCast(const DataTypePtr& from, const DataTypePtr& to) {
  if (from->Equals(*to)) return true;
  if (from->id() == TypeId::kNull) return true;
  int rf = NumericRank(from->id()), rt = NumericRank(to->id());
  if (rf && rt) {
    if (to->id() == TypeId::kDecimal128) {
      if (from->is_integer()) return to->precision() - to->scale() >= IntegerDigits(from->id());
      if (from->id() == TypeId::kDecimal128) {
        return to->scale() >= from->scale() &&
               to->precision() - to->scale() >= from->precision() - from->scale();
      }
      return false;
    }
    return rf <= rt;
  }
  if (from->id() == TypeId::kDate32 && to->id() == TypeId::kTimestamp) return true;
  if (from->id() == TypeId::kList && to->id() == TypeId::kList) {
    return CanImplicitlyCast(from->value_type(), to->value_type());
  }
  if (from->id() == TypeId::kString && to->id() == TypeId::kBinary) return true;
  return false;
}

ReturnTypeFn Returns(DataTypePtr type) {
  return [type](const std::vector<DataTypePtr>&) -> Result<DataTypePtr> { return type; };
}

ReturnTypeFn ReturnsParam(size_t index) {
  return [index](const std::vector<DataTypePtr>& p) -> Result<DataTypePtr> { return p[index]; };
}

FunctionRegistry::FunctionRegistry() = default;

FunctionRegistry& FunctionRegistry::Global() {
  static FunctionRegistry* registry = [] {
    auto* r = new FunctionRegistry();
    RegisterArithmeticFunctions(r);
    RegisterComparisonFunctions(r);
    RegisterStringFunctions(r);
    RegisterMathFunctions(r);
    RegisterDatetimeFunctions(r);
    RegisterJsonFunctions(r);
    RegisterArrayFunctions(r);
    RegisterAggregateFunctions(r);
    return r;
  }();
  return *registry;
}

Status FunctionRegistry::RegisterScalar(ScalarFunction fn) {
  fn.name = ToLower(fn.name);
  for (auto& a : fn.aliases) a = ToLower(a);
  if (scalar_index_.contains(fn.name)) {
    // Same name: add overloads to the existing function (lets families extend each other).
    auto* existing = const_cast<ScalarFunction*>(scalar_index_[fn.name]);
    for (auto& s : fn.signatures) existing->signatures.push_back(std::move(s));
    for (auto& a : fn.aliases) {
      if (!scalar_index_.contains(a)) scalar_index_[a] = existing;
    }
    return Status::OK();
  }
  for (const auto& a : fn.aliases) {
    if (scalar_index_.contains(a)) {
      return Status::AlreadyExists(fmt::format("function '{}' already exists", a));
    }
  }
  auto owned = std::make_unique<ScalarFunction>(std::move(fn));
  scalar_index_[owned->name] = owned.get();
  for (const auto& a : owned->aliases) scalar_index_[a] = owned.get();
  scalars_.push_back(std::move(owned));
  return Status::OK();
}

Status FunctionRegistry::RegisterAggregate(AggregateFunction fn) {
  fn.name = ToLower(fn.name);
  for (auto& a : fn.aliases) a = ToLower(a);
  if (aggregate_index_.contains(fn.name)) {
    auto* existing = const_cast<AggregateFunction*>(aggregate_index_[fn.name]);
    for (auto& s : fn.signatures) existing->signatures.push_back(std::move(s));
    return Status::OK();
  }
  for (const auto& a : fn.aliases) {
    if (aggregate_index_.contains(a)) {
      return Status::AlreadyExists(fmt::format("aggregate function '{}' already exists", a));
    }
  }
  auto owned = std::make_unique<AggregateFunction>(std::move(fn));
  aggregate_index_[owned->name] = owned.get();
  for (const auto& a : owned->aliases) aggregate_index_[a] = owned.get();
  aggregates_.push_back(std::move(owned));
  return Status::OK();
}

const ScalarFunction* FunctionRegistry::FindScalar(std::string_view name) const {
  auto it = scalar_index_.find(ToLower(name));
  return it == scalar_index_.end() ? nullptr : it->second;
}

const AggregateFunction* FunctionRegistry::FindAggregate(std::string_view name) const {
  auto it = aggregate_index_.find(ToLower(name));
  return it == aggregate_index_.end() ? nullptr : it->second;
}

bool FunctionRegistry::IsScalar(std::string_view name) const { return FindScalar(name); }
bool FunctionRegistry::IsAggregate(std::string_view name) const { return FindAggregate(name); }

std::vector<std::string> FunctionRegistry::FunctionNames() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : scalar_index_) out.push_back(k);
  for (const auto& [k, v] : aggregate_index_) out.push_back(k);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {
Status UnknownFunction(std::string_view name, const std::vector<std::string>& candidates) {
  std::string hint = ClosestMatch(name, candidates);
  std::string msg = fmt::format("unknown function '{}'", name);
  if (!hint.empty()) msg += fmt::format(" (did you mean '{}'?)", hint);
  return Status::NotFound(std::move(msg), ErrorCode::kPlanningFailed);
}

template <typename Fn>
Status NoMatchingSignature(std::string_view name, const Fn& fn,
                           const std::vector<DataTypePtr>& args) {
  std::string accepted;
  for (const auto& s : fn.signatures) {
    if (!accepted.empty()) accepted += ", ";
    accepted += SignatureText(fn.name, s);
  }
  return Status::TypeError(fmt::format("function '{}' does not accept arguments ({}); accepted: {}",
                                       name, TypeList(args), accepted),
                           ErrorCode::kTypeMismatch);
}
}  // namespace

Result<ResolvedCall> FunctionRegistry::ResolveScalar(
    std::string_view name, const std::vector<DataTypePtr>& arg_types) const {
  const ScalarFunction* fn = FindScalar(name);
  if (!fn) return UnknownFunction(name, FunctionNames());
  int best = -1;
  const ScalarSignature* best_sig = nullptr;
  std::vector<DataTypePtr> best_params, params;
  for (const auto& sig : fn->signatures) {
    int cost = MatchSignature(sig, arg_types, &params);
    if (cost < 0) continue;
    if (best < 0 || cost < best) {
      best = cost;
      best_sig = &sig;
      best_params = params;
    }
  }
  if (!best_sig) return NoMatchingSignature(name, *fn, arg_types);
  LAMINAR_ASSIGN_OR_RETURN(auto ret, best_sig->return_type(best_params));
  return ResolvedCall{fn->name, std::move(best_params), std::move(ret)};
}

const ScalarSignature* FunctionRegistry::FindExactSignature(
    std::string_view name, const std::vector<DataTypePtr>& param_types) const {
  const ScalarFunction* fn = FindScalar(name);
  if (!fn) return nullptr;
  std::vector<DataTypePtr> params;
  const ScalarSignature* best_sig = nullptr;
  int best = -1;
  for (const auto& sig : fn->signatures) {
    int cost = MatchSignature(sig, param_types, &params);
    if (cost < 0) continue;
    bool exact = true;
    for (size_t i = 0; i < params.size(); ++i) {
      if (!params[i]->Equals(*param_types[i])) exact = false;
    }
    if (!exact) continue;
    if (best < 0 || cost < best) {
      best = cost;
      best_sig = &sig;
    }
  }
  return best_sig;
}

Result<ResolvedAggregate> FunctionRegistry::ResolveAggregate(
    std::string_view name, const std::vector<DataTypePtr>& arg_types, bool distinct) const {
  const AggregateFunction* fn = FindAggregate(name);
  if (!fn) {
    std::vector<std::string> names;
    for (const auto& [k, v] : aggregate_index_) names.push_back(k);
    std::sort(names.begin(), names.end());
    if (FindScalar(name)) {
      return Status::Invalid(fmt::format("'{}' is not an aggregate function", name),
                             ErrorCode::kPlanningFailed);
    }
    return UnknownFunction(name, names);
  }
  int best = -1;
  const AggregateSignature* best_sig = nullptr;
  std::vector<DataTypePtr> best_params, params;
  for (const auto& sig : fn->signatures) {
    int cost = MatchSignature(sig, arg_types, &params);
    if (cost < 0) continue;
    if (best < 0 || cost < best) {
      best = cost;
      best_sig = &sig;
      best_params = params;
    }
  }
  if (!best_sig) return NoMatchingSignature(name, *fn, arg_types);
  LAMINAR_ASSIGN_OR_RETURN(auto ret, best_sig->return_type(best_params));
  LAMINAR_ASSIGN_OR_RETURN(auto factory, best_sig->make_factory(best_params, ret, distinct));
  ResolvedAggregate out;
  out.name = fn->name;
  out.param_types = std::move(best_params);
  out.return_type = std::move(ret);
  out.retractable = best_sig->retractable && factory()->SupportsRetract();
  out.factory = std::move(factory);
  return out;
}

}  // namespace laminar::function
