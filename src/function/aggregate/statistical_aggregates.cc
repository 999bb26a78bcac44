#include "function/aggregate/aggregates_internal.h"

namespace laminar::function::internal {

void RegisterStatisticalAggregates(FunctionRegistry*) {}

}  // namespace laminar::function::internal
