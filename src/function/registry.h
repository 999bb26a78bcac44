#pragma once

#include <absl/container/flat_hash_map.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/type.h"
#include "common/macros.h"
#include "common/result.h"
#include "function/aggregate/accumulator.h"
#include "function/kernel.h"

namespace laminar::function {

using columnar::DataTypePtr;

// ---------------------------------------------------------------------------------------------
// Type rules shared by the binder and the registry.

/// The type both `a` and `b` convert to implicitly (CASE/COALESCE branches, IN lists, UNION
/// columns, comparison operands). Numeric widening follows int8 → int16 → int32 → int64 →
/// DECIMAL → FLOAT → DOUBLE; DECIMALs unify to enough integer digits and the larger scale
/// (capped at 38 digits); the NULL type unifies with anything; DATE and TIMESTAMP give TIMESTAMP;
/// LISTs unify element-wise. Anything else → TypeError (LDB-1200) naming both types.
Result<DataTypePtr> CommonSuperType(const DataTypePtr& a, const DataTypePtr& b);

/// True when a value of `from` converts to `to` without an explicit CAST (lossless widening,
/// NULL to anything, DATE to TIMESTAMP).
bool CanImplicitlyCast(const DataTypePtr& from, const DataTypePtr& to);

/// The DECIMAL an integer type widens to (DECIMAL(3,0) for TINYINT ... DECIMAL(19,0) for BIGINT).
DataTypePtr DecimalForInteger(const DataTypePtr& integer_type);

// ---------------------------------------------------------------------------------------------
// Signatures.

/// One parameter of a signature.
struct TypeMatcher {
  enum class Kind : uint8_t {
    kExact,    // this type id (any precision/scale for DECIMAL, any element type for LIST)
    kAny,      // any type, no cast
    kUnified,  // all kUnified params unify to their CommonSuperType, which must pass `accepts`
  };
  Kind kind = Kind::kExact;
  TypeId id = TypeId::kNull;
  /// For kUnified: restricts the unified type (nullptr = any type).
  std::function<bool(const columnar::DataType&)> accepts;

  static TypeMatcher Exact(TypeId type_id) { return {Kind::kExact, type_id, nullptr}; }
  static TypeMatcher Any() { return {Kind::kAny, TypeId::kNull, nullptr}; }
  static TypeMatcher Unified(std::function<bool(const columnar::DataType&)> pred = nullptr) {
    return {Kind::kUnified, TypeId::kNull, std::move(pred)};
  }
};

/// Computes the result type from the exact parameter types.
using ReturnTypeFn = std::function<Result<DataTypePtr>(const std::vector<DataTypePtr>& params)>;

/// Return-type helper: always `type`.
ReturnTypeFn Returns(DataTypePtr type);
/// Return-type helper: the type of parameter `index`.
ReturnTypeFn ReturnsParam(size_t index);

/// One overload of a scalar function.
struct ScalarSignature {
  std::vector<TypeMatcher> params;
  /// The last matcher repeats for any further arguments (CONCAT, GREATEST, make_array).
  bool variadic = false;
  /// Minimum argument count when variadic.
  size_t min_args = 0;
  ReturnTypeFn return_type;
  ScalarKernel kernel;
  /// Optional call-site initialiser (literal arguments → state), run once at compile time.
  KernelInit init;
  /// NULL in any argument → NULL result, without calling the kernel when a literal is NULL.
  bool null_propagating = true;
  /// The kernel may fail at run time (overflow, bad input); the evaluator then only runs it on
  /// rows that really need it (inside AND/OR/CASE).
  bool can_error = false;
  /// Not deterministic (NOW()): never constant-folded.
  bool volatile_result = false;
};

/// A named scalar function with its overloads. Aliases resolve to `name`.
struct ScalarFunction {
  std::string name;
  std::vector<std::string> aliases;
  std::vector<ScalarSignature> signatures;
  std::string description;
};

/// One overload of an aggregate function.
struct AggregateSignature {
  std::vector<TypeMatcher> params;
  bool variadic = false;
  ReturnTypeFn return_type;
  bool retractable = false;
  /// Creates an empty accumulator for these exact parameter types; `distinct` for
  /// `f(DISTINCT x)` (signatures that do not support DISTINCT return an error from the factory
  /// maker instead).
  std::function<Result<std::function<std::unique_ptr<Accumulator>()>>(
      const std::vector<DataTypePtr>& params, const DataTypePtr& return_type, bool distinct)>
      make_factory;
};

/// A named aggregate function with its overloads.
struct AggregateFunction {
  std::string name;
  std::vector<std::string> aliases;
  std::vector<AggregateSignature> signatures;
  std::string description;
};

/// The result of resolving a scalar call: the binder casts each argument to `param_types[i]`
/// (when it differs) and builds `Call(name, args, return_type)`.
struct ResolvedCall {
  std::string name;
  std::vector<columnar::DataTypePtr> param_types;
  columnar::DataTypePtr return_type;
};

/// All scalar and aggregate functions known to the engine, by lower-case name.
///
/// Built-ins are registered on first use of Global(). Applications add their own functions from
/// C++ before running queries, for example:
///
/// ```
///   using namespace laminar::function;
///   ScalarFunction fn;
///   fn.name = "double_it";
///   ScalarSignature sig;
///   sig.params = {TypeMatcher::Exact(TypeId::kInt64)};
///   sig.return_type = Returns(columnar::int64());
///   sig.kernel = [](const KernelContext&, std::span<const Datum> args, int64_t n)
///       -> Result<ArrayPtr> {
///     FixedReader<int64_t> in(args[0]);
///     columnar::FixedWidthBuilder<int64_t> out(columnar::int64());
///     out.Reserve(n);
///     for (int64_t i = 0; i < n; ++i) {
///       if (in.IsNull(i)) out.AppendNull(); else out.UnsafeAppend(in[i] * 2);
///     }
///     return out.Finish();
///   };
///   fn.signatures.push_back(std::move(sig));
///   LAMINAR_RETURN_NOT_OK(FunctionRegistry::Global().RegisterScalar(std::move(fn)));
///   // SELECT double_it(qty) FROM orders   -- INT/SMALLINT arguments are widened implicitly
/// ```
///
/// Aggregates are added the same way with RegisterAggregate and an Accumulator implementation
/// (see aggregate/accumulator.h).
///
/// Threading: registration is not synchronised with lookups — register at start-up, before
/// queries are planned. Lookups are const and safe from many threads.
class FunctionRegistry {
 public:
  FunctionRegistry();
  /// The process-wide registry with all built-in functions.
  static FunctionRegistry& Global();

  /// Selects the overload for `arg_types` (implicit casts allowed, cheapest widening wins).
  /// Unknown name → NotFound LDB-1002 with a "did you mean" hint; no matching overload →
  /// TypeError LDB-1200 listing the accepted signatures.
  Result<ResolvedCall> ResolveScalar(std::string_view name,
                                     const std::vector<DataTypePtr>& arg_types) const;
  Result<ResolvedAggregate> ResolveAggregate(std::string_view name,
                                             const std::vector<DataTypePtr>& arg_types,
                                             bool distinct) const;
  bool IsScalar(std::string_view name) const;
  bool IsAggregate(std::string_view name) const;
  /// Every registered name and alias (scalar and aggregate), sorted.
  std::vector<std::string> FunctionNames() const;

  /// Adds a function; a name (or alias) already taken → AlreadyExists.
  Status RegisterScalar(ScalarFunction fn);
  Status RegisterAggregate(AggregateFunction fn);

  /// The function behind a name or alias (nullptr when unknown). Used by the evaluator.
  const ScalarFunction* FindScalar(std::string_view name) const;
  const AggregateFunction* FindAggregate(std::string_view name) const;
  /// The signature of `name` whose parameters are exactly `param_types` (as resolved before);
  /// nullptr when none.
  const ScalarSignature* FindExactSignature(std::string_view name,
                                            const std::vector<DataTypePtr>& param_types) const;

 private:
  std::vector<std::unique_ptr<ScalarFunction>> scalars_;
  std::vector<std::unique_ptr<AggregateFunction>> aggregates_;
  absl::flat_hash_map<std::string, const ScalarFunction*> scalar_index_;
  absl::flat_hash_map<std::string, const AggregateFunction*> aggregate_index_;
};

/// Registration entry points of the built-in families (called by FunctionRegistry's
/// constructor; exposed for tests).
void RegisterArithmeticFunctions(FunctionRegistry* registry);
void RegisterComparisonFunctions(FunctionRegistry* registry);
void RegisterStringFunctions(FunctionRegistry* registry);
void RegisterMathFunctions(FunctionRegistry* registry);
void RegisterDatetimeFunctions(FunctionRegistry* registry);
void RegisterJsonFunctions(FunctionRegistry* registry);
void RegisterArrayFunctions(FunctionRegistry* registry);
void RegisterAggregateFunctions(FunctionRegistry* registry);

}  // namespace laminar::function
