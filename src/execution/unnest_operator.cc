#include "execution/unnest_operator.h"

#include <fmt/format.h>

#include "columnar/builder.h"
#include "function/unnest.h"

namespace laminar::execution {

namespace fn = laminar::function;

Result<std::unique_ptr<UnnestOperator>> UnnestOperator::Make(const sql::PlanNode& node) {
  if (node.kind != sql::PlanKind::kUnnest || node.inputs.size() != 1 || node.exprs.empty()) {
    return Status::Internal("UnnestOperator needs a kUnnest plan node with lists");
  }
  const int expected = node.inputs[0]->schema->num_fields() + static_cast<int>(node.exprs.size()) +
                       (node.unnest_ordinality ? 1 : 0);
  if (node.schema->num_fields() != expected) {
    return Status::Internal("UnnestOperator: output schema does not match the plan node");
  }
  auto op = std::unique_ptr<UnnestOperator>(new UnnestOperator());
  std::string d = "Unnest: ";
  for (size_t i = 0; i < node.exprs.size(); ++i) {
    LAMINAR_ASSIGN_OR_RETURN(auto c, fn::CompiledExpression::Compile(node.exprs[i]));
    op->lists_.push_back(std::move(c));
    d += (i ? ", " : "") + node.exprs[i]->ToString();
  }
  if (node.unnest_ordinality) d += " WITH ORDINALITY";
  if (node.unnest_keep_empty) d += " (keeps rows without elements)";
  op->ordinality_ = node.unnest_ordinality;
  op->keep_empty_ = node.unnest_keep_empty;
  op->output_schema_ = node.schema;
  op->description_ = std::move(d);
  return op;
}

UnnestOperator::~UnnestOperator() = default;

Result<Delta> UnnestOperator::Apply(const Delta& input) const {
  if (!input.keys.empty()) {
    return Status::NotImplemented(
        "UNNEST over rows with upsert keys (an aggregate updating a materialized view)");
  }
  const columnar::RecordBatch& batch = *input.batch;
  std::vector<columnar::ArrayPtr> lists;
  std::vector<const columnar::Array*> list_ptrs;
  for (const auto& e : lists_) {
    LAMINAR_ASSIGN_OR_RETURN(auto col, e->Evaluate(batch));
    list_ptrs.push_back(col.get());
    lists.push_back(std::move(col));
  }
  LAMINAR_ASSIGN_OR_RETURN(auto un,
                           fn::UnnestLists(list_ptrs, batch.num_rows(), keep_empty_, ordinality_));
  std::vector<columnar::ArrayPtr> cols;
  cols.reserve(static_cast<size_t>(output_schema_->num_fields()));
  for (int c = 0; c < batch.num_columns(); ++c) {
    cols.push_back(columnar::Take(*batch.column(c), un.parent_rows));
  }
  for (auto& e : un.elements) cols.push_back(std::move(e));
  if (ordinality_) {
    auto b = columnar::MakeBuilder(columnar::int64());
    b->Reserve(static_cast<int64_t>(un.ordinality.size()));
    for (int64_t v : un.ordinality) {
      if (v == 0) {
        b->AppendNull();
      } else {
        LAMINAR_RETURN_NOT_OK(b->AppendScalar(columnar::Scalar::Int64(v)));
      }
    }
    cols.push_back(b->Finish());
  }
  if (static_cast<int>(cols.size()) != output_schema_->num_fields()) {
    return Status::Internal("UNNEST input does not match its plan");
  }
  Delta out;
  out.batch = std::make_shared<const columnar::RecordBatch>(
      output_schema_, static_cast<int64_t>(un.parent_rows.size()), std::move(cols));
  if (input.has_weights()) {
    out.weights.reserve(un.parent_rows.size());
    for (int32_t i : un.parent_rows) out.weights.push_back(input.weights[static_cast<size_t>(i)]);
  }
  return out;
}

Status UnnestOperator::Process(const Delta& input, std::vector<Delta>* output) {
  LAMINAR_ASSIGN_OR_RETURN(auto out, Apply(input));
  if (out.num_rows() > 0) output->push_back(std::move(out));
  return Status::OK();
}

Status UnnestOperator::Snapshot(std::string* /*out*/) const { return Status::OK(); }

Status UnnestOperator::Restore(std::string_view in) {
  if (in.empty()) return Status::OK();
  return Status::Corruption("state snapshot of a stateless operator is not empty: " + description_);
}

std::string UnnestOperator::Describe() const { return description_; }

}  // namespace laminar::execution
