#include "execution/aggregate_state.h"

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
