#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "connector/source.h"

namespace laminar::connector {

/// How one datagen column produces values.
struct DatagenColumnSpec {
  enum class Kind { kRandom, kSequence, kRowtime, kNow };
  Kind kind = Kind::kRandom;
  // Numeric bounds (integers, dates, timestamps in µs); inclusive.
  int64_t min = 0;
  int64_t max = 0;
  double min_double = 0;
  double max_double = 1;
  // Sequence: start + row index, up to end (inclusive); the source ends after `end`.
  int64_t start = 0;
  int64_t end = INT64_MAX;
  int64_t length = 10;  // VARCHAR/VARBINARY length (random kind)
  double null_rate = 0;
};

/// The `datagen` connector (alias `generator`): rows of the declared schema with random or
/// sequential values, for users' tests and demos.
///
/// Options: `rows.per.second` (default 1000; 0 = as fast as asked), `max.rows` (0 = unbounded),
/// `batch.max.size` (default 1024), `seed`, `base.time.ms` (first `rowtime` value), and per
/// column `fields.<col>.kind` = random|sequence (|rowtime|now for TIMESTAMP, whose default is
/// rowtime: base time + row / rows.per.second), `fields.<col>.min`/`max` (random bounds; numbers,
/// or timestamps/dates as text), `fields.<col>.start`/`end` (sequence), `fields.<col>.length`
/// (strings), `fields.<col>.null.rate`. Types: BOOLEAN, integers, FLOAT/DOUBLE, DECIMAL,
/// VARCHAR/VARBINARY, DATE, TIMESTAMP.
///
/// Determinism: a cell's value depends on (seed, column, row index) only, never on batch sizes
/// or timing; `now` columns are the exception.
/// Threading: not thread-safe.
class DatagenSource final : public SourceConnector {
 public:
  static Result<std::unique_ptr<SourceConnector>> Make(const ConnectorOptions& options,
                                                       const SchemaPtr& declared_schema);

  SchemaPtr schema() const override { return schema_; }
  /// With rows.per.second > 0, returns only the rows the rate allows since the first call (an
  /// empty batch when none); nullptr after max.rows or the end of a bounded sequence.
  Result<RecordBatchPtr> NextBatch(int64_t max_rows) override;
  int64_t watermark() const override;
  int64_t rows_emitted() const override { return next_row_; }

 private:
  DatagenSource() = default;
  columnar::ArrayPtr MakeColumn(int column, int64_t first_row, int64_t rows) const;

  SchemaPtr schema_;
  std::vector<DatagenColumnSpec> specs_;
  double rows_per_second_ = 1000;
  int64_t max_rows_ = 0;  // 0 = unbounded
  int64_t batch_max_size_ = 1024;
  uint64_t seed_ = 0;
  int64_t base_time_us_ = 0;
  int64_t next_row_ = 0;
  bool started_ = false;
  std::chrono::steady_clock::time_point start_time_;
};

}  // namespace laminar::connector
