#pragma once

// Private declarations shared by the built-in aggregate families.

#include "function/aggregate/generic_accumulator.h"
#include "function/aggregate/value_traits.h"
#include "function/registry.h"

namespace laminar::function::internal {

using AccumulatorFactory = std::function<std::unique_ptr<Accumulator>()>;

Result<AccumulatorFactory> MakeCountDistinctFactory(const std::vector<DataTypePtr>& params);
/// f(DISTINCT x) for SUM/AVG: keeps per-group value counts, computes f over the distinct values
/// at Finalize (retractable).
Result<AccumulatorFactory> MakeDistinctFactory(const std::string& inner,
                                               const std::vector<DataTypePtr>& params,
                                               const DataTypePtr& return_type);
Result<AccumulatorFactory> MakeSumFactory(const DataTypePtr& in, const DataTypePtr& ret);
Result<AccumulatorFactory> MakeAvgFactory(const DataTypePtr& in, const DataTypePtr& ret);

void RegisterBasicAggregates(FunctionRegistry* registry);
void RegisterStatisticalAggregates(FunctionRegistry* registry);
void RegisterCollectionAggregates(FunctionRegistry* registry);
void RegisterSketchAggregates(FunctionRegistry* registry);

}  // namespace laminar::function::internal
