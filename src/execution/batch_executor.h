#pragma once

#include <functional>
#include <string>
#include <vector>

#include "columnar/record_batch.h"
#include "common/result.h"
#include "sql/binder/logical_plan.h"

namespace laminar::execution {

/// Supplies the current contents of a named relation for an ad-hoc query.
using ScanProvider =
    std::function<Result<std::vector<columnar::RecordBatchPtr>>(const std::string& relation)>;

/// Runs a logical plan once over the current contents of its relations (ad-hoc SELECT). Uses
/// the streaming operators for filter/project/aggregate, so both paths share one semantics.
Result<std::vector<columnar::RecordBatchPtr>> ExecuteBatchPlan(const sql::PlanPtr& plan,
                                                               const ScanProvider& scan);

}  // namespace laminar::execution
