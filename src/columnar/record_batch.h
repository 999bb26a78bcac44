#pragma once

#include <memory>
#include <span>
#include <vector>

#include "columnar/array.h"
#include "columnar/type.h"

namespace laminar::columnar {

class RecordBatch;
using RecordBatchPtr = std::shared_ptr<const RecordBatch>;

/// A set of equal-length columns with a schema: the unit that flows between operators, through
/// queues, into the WAL and out to subscribers. Immutable; slicing and column selection are
/// zero-copy.
class RecordBatch {
 public:
  RecordBatch(SchemaPtr schema, int64_t num_rows, std::vector<ArrayPtr> columns)
      : schema_(std::move(schema)), num_rows_(num_rows), columns_(std::move(columns)) {}

  /// Checked factory: column count, types and lengths must match the schema.
  static Result<RecordBatchPtr> Make(SchemaPtr schema, int64_t num_rows,
                                     std::vector<ArrayPtr> columns);
  /// An empty batch of the schema.
  static RecordBatchPtr MakeEmpty(SchemaPtr schema);

  const SchemaPtr& schema() const { return schema_; }
  int64_t num_rows() const { return num_rows_; }
  int num_columns() const { return static_cast<int>(columns_.size()); }
  const ArrayPtr& column(int i) const { return columns_[static_cast<size_t>(i)]; }
  const std::vector<ArrayPtr>& columns() const { return columns_; }
  /// Column by name, or nullptr.
  ArrayPtr GetColumnByName(std::string_view name) const;

  RecordBatchPtr Slice(int64_t offset, int64_t length) const;
  RecordBatchPtr SelectColumns(const std::vector<int>& indices) const;
  /// Same columns under another schema of identical types (renaming).
  RecordBatchPtr WithSchema(SchemaPtr schema) const;

  Status Validate() const;
  /// Approximate bytes referenced by the batch's buffers (for memory accounting).
  int64_t ByteSize() const;

 private:
  SchemaPtr schema_;
  int64_t num_rows_;
  std::vector<ArrayPtr> columns_;
};

/// Concatenates arrays of one type into a new array (copies).
Result<ArrayPtr> Concatenate(const std::vector<ArrayPtr>& arrays);
/// Concatenates batches with equal schemas (copies). Zero batches → error; one batch → itself.
Result<RecordBatchPtr> Concatenate(const std::vector<RecordBatchPtr>& batches);

/// Gathers rows by index (a selection vector). Indices must be in range.
ArrayPtr Take(const Array& array, std::span<const int32_t> indices);
RecordBatchPtr Take(const RecordBatch& batch, std::span<const int32_t> indices);

/// Rows where `mask` is true (nulls count as false). `mask` is a BOOLEAN array.
RecordBatchPtr Filter(const RecordBatch& batch, const Array& mask);

}  // namespace laminar::columnar
