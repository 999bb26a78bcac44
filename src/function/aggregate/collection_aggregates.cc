#include "function/aggregate/aggregates_internal.h"

namespace laminar::function::internal {

void RegisterCollectionAggregates(FunctionRegistry*) {}

}  // namespace laminar::function::internal
