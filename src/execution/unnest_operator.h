#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "execution/operator.h"

namespace laminar::execution {

/// UNNEST (sql::PlanKind::kUnnest): each input row is repeated once per element of its lists,
/// with one column per list holding the element (function::UnnestLists: several lists zip,
/// shorter ones pad with NULL; NULL or empty lists yield no rows unless the node keeps empty
/// rows), plus the 1-based element position WITH ORDINALITY.
///
/// Changelog input: every output row carries its input row's weight, so a retracted row
/// retracts exactly the rows it expanded to. Input that carries upsert keys (ON UPDATE
/// aggregates feeding a materialized view) is rejected: one key would name several rows.
/// Threading: single-threaded. Durability: stateless, the snapshot image is empty.
class UnnestOperator final : public StreamOperator {
 public:
  /// `node` is a kUnnest plan node; its list expressions are compiled here.
  static Result<std::unique_ptr<UnnestOperator>> Make(const sql::PlanNode& node);
  ~UnnestOperator() override;
  Status Process(const Delta& input, std::vector<Delta>* output) override;
  /// Stateless: the image is empty.
  Status Snapshot(std::string* out) const override;
  Status Restore(std::string_view in) override;
  std::string Describe() const override;
  /// Applies the operator to a whole delta (also used by the batch executor).
  Result<Delta> Apply(const Delta& input) const;

 private:
  UnnestOperator() = default;

  std::vector<std::unique_ptr<function::CompiledExpression>> lists_;
  bool ordinality_ = false;
  bool keep_empty_ = false;
  SchemaPtr output_schema_;
  std::string description_;
};

}  // namespace laminar::execution
