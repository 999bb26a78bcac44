#include "execution/aggregate_state.h"

#include "columnar/record_batch.h"
#include "function/registry.h"

namespace laminar::execution {

namespace fn = laminar::function;

Result<CompiledAggregate> CompileAggregate(const sql::AggregateCall& call) {
  CompiledAggregate a;
  std::vector<columnar::DataTypePtr> types;
  for (const auto& e : call.args) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(e));
    a.args.push_back(std::move(c));
    types.push_back(e->type);
  }
  if (call.filter) {
    LAMINAR_ASSIGN_OR_RETURN(a.filter, fn::CompiledExpression::Compile(call.filter));
  }
  LAMINAR_ASSIGN_OR_RETURN(auto resolved, fn::FunctionRegistry::Global().ResolveAggregate(
                                              call.function, types, call.distinct));
  a.acc = resolved.factory();
  a.count_star = call.count_star;
  return a;
}

Result<AggregateInputs> EvaluateAggregateInputs(std::span<const CompiledAggregate> aggs,
                                                const columnar::RecordBatch& batch,
                                                std::span<const int32_t> rows, int64_t num_rows) {
  auto expand = [&](const columnar::ArrayPtr& a) {
    return rows.empty() ? a : columnar::Take(*a, rows);
  };
  AggregateInputs in;
  in.args.resize(aggs.size());
  in.masks.resize(aggs.size());
  for (size_t k = 0; k < aggs.size(); ++k) {
    const auto& a = aggs[k];
    for (auto& e : a.args) {
      LAMINAR_ASSIGN_OR_RETURN(auto col, e->Evaluate(batch));
      in.args[k].push_back(expand(col));
    }
    if (a.filter) {
      LAMINAR_ASSIGN_OR_RETURN(auto f, a.filter->Evaluate(batch));
      auto fe = expand(f);
      auto& mask = in.masks[k];
      mask.resize(static_cast<size_t>(num_rows));
      for (int64_t i = 0; i < num_rows; ++i) {
        mask[static_cast<size_t>(i)] = fe->IsValid(i) && fe->GetBool(i);
      }
    }
    LAMINAR_RETURN_NOT_OK(
        a.acc->Check(in.args[k], num_rows, in.masks[k].empty() ? nullptr : in.masks[k].data()));
  }
  return in;
}

Status ApplyAggregates(std::span<CompiledAggregate> aggs, const AggregateInputs& inputs,
                       const uint32_t* ids, int64_t num_rows, const int64_t* weights) {
  for (size_t k = 0; k < aggs.size(); ++k) {
    const auto& mask = inputs.masks[k];
    LAMINAR_RETURN_NOT_OK(aggs[k].acc->Update(inputs.args[k], ids, num_rows, weights,
                                              mask.empty() ? nullptr : mask.data()));
  }
  return Status::OK();
}

void WriteAccumulators(std::span<const CompiledAggregate> aggs, uint32_t num_groups, StateWriter* w,
                       std::string* out) {
  for (const auto& a : aggs) {
    const size_t at = w->BeginLength();
    for (uint32_t g = 0; g < num_groups; ++g) a.acc->Serialize(g, out);
    w->FinishLength(at);
  }
}

Status ReadGroupState(StateReader* r, const fn::GroupTable& like,
                      std::span<const CompiledAggregate> aggs, uint32_t num_groups,
                      bool ids_within_groups, std::unique_ptr<fn::GroupTable>* table,
                      std::vector<std::unique_ptr<fn::Accumulator>>* accs) {
  auto fresh = std::make_unique<fn::GroupTable>(like.key_types(), like.window_keys());
  std::string_view blob;
  if (!r->GetView(&blob)) return Status::Corruption("truncated group table");
  LAMINAR_RETURN_NOT_OK(fresh->Deserialize(&blob));
  if (!blob.empty()) return Status::Corruption("trailing bytes after the group table");
  if (ids_within_groups && fresh->num_groups() > num_groups) {
    return Status::Corruption("group table holds more ids than the accumulators");
  }
  std::vector<std::unique_ptr<fn::Accumulator>> out;
  for (const auto& a : aggs) {
    auto acc = a.acc->CloneEmpty();
    acc->Resize(num_groups);
    if (!r->GetView(&blob)) return Status::Corruption("truncated accumulator state");
    for (uint32_t g = 0; g < num_groups; ++g) LAMINAR_RETURN_NOT_OK(acc->Deserialize(g, &blob));
    if (!blob.empty()) return Status::Corruption("trailing bytes after accumulator state");
    out.push_back(std::move(acc));
  }
  *table = std::move(fresh);
  *accs = std::move(out);
  return Status::OK();
}

}  // namespace laminar::execution
