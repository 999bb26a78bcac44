#include "function/aggregate/aggregates_internal.h"

namespace laminar::function::internal {

void RegisterSketchAggregates(FunctionRegistry*) {}

}  // namespace laminar::function::internal
