// Array (LIST) functions: make_array (ARRAY[...] literals), cardinality/array_length,
// array_element (1-based subscript), array_contains, array_position, array_to_string.
#include "columnar/record_batch.h"
#include "function/evaluator.h"
#include "function/scalar/kernel_util.h"

namespace laminar::function {

using namespace internal;  // NOLINT(build/namespaces)

namespace {

using Args = std::span<const Datum>;

Result<ArrayPtr> MakeArrayKernel(const KernelContext& ctx, Args args, int64_t n) {
  std::vector<ArrayPtr> cols;
  for (const auto& d : args) cols.push_back(MaterializeDatum(d, n));
  columnar::ListBuilder b(ctx.out_type);
  b.Reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    b.Append();
    for (const auto& c : cols) b.value_builder()->AppendArraySlice(*c, i, 1);
  }
  return b.Finish();
}

Result<ArrayPtr> CardinalityKernel(const KernelContext& ctx, Args args, int64_t n) {
  ArrayPtr list = MaterializeDatum(args[0], n);
  return MapRows<Int64Builder>(ctx, args, n, [&](int64_t i, Int64Builder* b) {
    b->Append(list->ListLength(i));
    return Status::OK();
  });
}

Result<ArrayPtr> ElementKernel(const KernelContext& ctx, Args args, int64_t n) {
  ArrayPtr list = MaterializeDatum(args[0], n);
  FixedReader<int64_t> idx(args[1]);
  std::vector<int32_t> take;
  std::vector<bool> valid;
  const ArrayPtr& child = list->child(0);
  auto builder = columnar::MakeBuilder(ctx.out_type);
  builder->Reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (list->IsNull(i) || idx.IsNull(i)) {
      builder->AppendNull();
      continue;
    }
    int64_t k = idx[i], len = list->ListLength(i);
    if (k < 0) k = len + k + 1;  // negative subscripts count from the end
    if (k < 1 || k > len) {
      builder->AppendNull();
      continue;
    }
    builder->AppendArraySlice(*child, list->ListStart(i) + k - 1, 1);
  }
  return builder->Finish();
}

/// Position (1-based) of `needle` in list row i, or 0.
template <typename F>
Result<ArrayPtr> SearchKernel(const KernelContext& ctx, Args args, int64_t n, F emit) {
  ArrayPtr list = MaterializeDatum(args[0], n);
  ArrayPtr needle = MaterializeDatum(args[1], n);
  const auto& elem_type = list->type()->value_type();
  if (!needle->type()->Equals(*elem_type) && needle->type_id() != TypeId::kNull) {
    LAMINAR_ASSIGN_OR_RETURN(needle, CastArray(needle, elem_type, true));
  }
  const ArrayPtr& child = list->child(0);
  return MapAllRows<typename F::Builder>(ctx, n, [&](int64_t i, typename F::Builder* b) {
    if (list->IsNull(i)) {
      b->AppendNull();
      return Status::OK();
    }
    int64_t pos = 0;
    if (!needle->IsNull(i)) {
      Scalar x = columnar::GetScalar(*needle, i);
      const int64_t start = list->ListStart(i), len = list->ListLength(i);
      for (int64_t j = 0; j < len; ++j) {
        if (!child->IsNull(start + j) && columnar::GetScalar(*child, start + j).Equals(x)) {
          pos = j + 1;
          break;
        }
      }
    }
    emit(pos, b);
    return Status::OK();
  });
}

struct EmitContains {
  using Builder = BoolBuilder;
  void operator()(int64_t pos, Builder* b) const { b->Append(pos > 0); }
};
struct EmitPosition {
  using Builder = Int64Builder;
  void operator()(int64_t pos, Builder* b) const {
    if (pos > 0)
      b->Append(pos);
    else
      b->AppendNull();
  }
};

Result<ArrayPtr> ToStringKernel(const KernelContext& ctx, Args args, int64_t n) {
  ArrayPtr list = MaterializeDatum(args[0], n);
  LAMINAR_ASSIGN_OR_RETURN(auto strs, CastArray(list->child(0), columnar::utf8()));
  StringReader sep(args[1]);
  std::string buf;
  return MapRows<StringBuilder>(ctx, args, n, [&](int64_t i, StringBuilder* b) {
    buf.clear();
    const int64_t start = list->ListStart(i), len = list->ListLength(i);
    bool first = true;
    for (int64_t j = 0; j < len; ++j) {
      if (strs->IsNull(start + j)) continue;
      if (!first) buf.append(sep[i]);
      buf.append(strs->GetView(start + j));
      first = false;
    }
    b->Append(buf);
    return Status::OK();
  });
}

ReturnTypeFn ElementType() {
  return
      [](const std::vector<DataTypePtr>& p) -> Result<DataTypePtr> { return p[0]->value_type(); };
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

void RegisterArrayFunctions(FunctionRegistry* r) {
  const TypeMatcher kL = E(TypeId::kList);
  {
    auto sig = MakeSig(
        {TypeMatcher::Unified()},
        [](const std::vector<DataTypePtr>& p) -> Result<DataTypePtr> {
          return columnar::list(p.empty() ? columnar::null_type() : p[0]);
        },
        MakeArrayKernel);
    sig.variadic = true;
    sig.null_propagating = false;
    Simple(r, "make_array", {"array"}, {sig});
  }
  Simple(r, "cardinality", {"array_length"},
         {MakeSig({kL}, Returns(columnar::int64()), CardinalityKernel)});
  {
    auto sig = MakeSig({kL, E(TypeId::kInt64)}, ElementType(), ElementKernel);
    sig.null_propagating = false;
    Simple(r, "array_element", {"list_element", "array_extract"}, {sig});
  }
  {
    auto sig = MakeSig({kL, TypeMatcher::Any()}, Returns(columnar::boolean()),
                       [](const KernelContext& c, Args a, int64_t n) {
                         return SearchKernel(c, a, n, EmitContains{});
                       });
    sig.null_propagating = false;
    Simple(r, "array_contains", {"array_has", "list_contains"}, {sig});
    auto pos = MakeSig({kL, TypeMatcher::Any()}, Returns(columnar::int64()),
                       [](const KernelContext& c, Args a, int64_t n) {
                         return SearchKernel(c, a, n, EmitPosition{});
                       });
    pos.null_propagating = false;
    Simple(r, "array_position", {"array_indexof", "list_position"}, {pos});
  }
  Simple(r, "array_to_string", {"array_join", "list_to_string"},
         {MakeSig({kL, E(TypeId::kString)}, Returns(columnar::utf8()), ToStringKernel)});
}

}  // namespace laminar::function
