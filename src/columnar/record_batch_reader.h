#pragma once

#include <memory>
#include <vector>

#include "columnar/record_batch.h"

namespace laminar::columnar {

/// A pull-based sequence of record batches sharing one schema: the C++ side of the Arrow C
/// Stream Interface (see c_data.h), and the shape of query results read batch by batch.
/// Lifecycle: call Next() until it returns nullptr (end of stream) or an error; after either, the
/// reader is finished and further calls return the same outcome class (nullptr or an error).
/// Batches returned by Next() own their memory and stay valid after the reader is destroyed.
/// Threading: not thread-safe; one consumer at a time.
class RecordBatchReader {
 public:
  virtual ~RecordBatchReader() = default;

  /// The schema every batch of the stream has. Valid for the reader's whole life.
  virtual const SchemaPtr& schema() const = 0;

  /// The next batch, or nullptr at end of stream.
  virtual Result<RecordBatchPtr> Next() = 0;
};

/// Serves batches from memory. Used to export in-memory results as an ArrowArrayStream and as a
/// test double for stream consumers.
class VectorRecordBatchReader final : public RecordBatchReader {
 public:
  VectorRecordBatchReader(SchemaPtr schema, std::vector<RecordBatchPtr> batches)
      : schema_(std::move(schema)), batches_(std::move(batches)) {}

  const SchemaPtr& schema() const override { return schema_; }
  Result<RecordBatchPtr> Next() override;

 private:
  SchemaPtr schema_;
  std::vector<RecordBatchPtr> batches_;
  size_t next_ = 0;  // index of the batch Next() returns; == size() once exhausted.
};

/// Drains `reader` into a vector (tests, small result sets). Stops at the first error.
Result<std::vector<RecordBatchPtr>> ReadAll(RecordBatchReader& reader);

}  // namespace laminar::columnar
