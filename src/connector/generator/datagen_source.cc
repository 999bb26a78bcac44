#include "connector/generator/datagen_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "columnar/builder.h"
#include "common/string_util.h"
#include "common/time_util.h"
#include "connector/generator/random.h"
#include "connector/options.h"

namespace laminar::connector {

namespace {

using columnar::TypeId;

constexpr const char* kAttributes[] = {"kind", "min", "max", "start", "end", "length", "null.rate"};

int64_t IntegerTypeMin(TypeId id) {
  switch (id) {
    case TypeId::kInt8:
      return INT8_MIN;
    case TypeId::kInt16:
      return INT16_MIN;
    case TypeId::kInt32:
      return INT32_MIN;
    default:
      return INT64_MIN;
  }
}

int64_t IntegerTypeMax(TypeId id) {
  switch (id) {
    case TypeId::kInt8:
      return INT8_MAX;
    case TypeId::kInt16:
      return INT16_MAX;
    case TypeId::kInt32:
      return INT32_MAX;
    default:
      return INT64_MAX;
  }
}

bool Supported(TypeId id) {
  switch (id) {
    case TypeId::kBoolean:
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kFloat32:
    case TypeId::kFloat64:
    case TypeId::kDecimal128:
    case TypeId::kString:
    case TypeId::kBinary:
    case TypeId::kDate32:
    case TypeId::kTimestamp:
      return true;
    default:
      return false;
  }
}

// Uniform integer in [lo, hi] (hi >= lo), full 64-bit range allowed.
int64_t UniformInRange(FastRandom& rng, int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  const uint64_t v = span == 0 ? rng.Next() : rng.Uniform(span);
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + v);
}

}  // namespace

Result<std::unique_ptr<SourceConnector>> DatagenSource::Make(const ConnectorOptions& options,
                                                             const SchemaPtr& declared_schema) {
  OptionReader r("datagen", options);
  if (!declared_schema || declared_schema->num_fields() == 0) {
    return Status::Invalid(
        "connector 'datagen' needs the columns to generate; list them in CREATE SOURCE",
        ErrorCode::kConnectorSchema);
  }
  std::unique_ptr<DatagenSource> src(new DatagenSource());
  src->schema_ = declared_schema;
  LAMINAR_ASSIGN_OR_RETURN(src->rows_per_second_, r.GetDouble("rows.per.second", 1000, 0, 1e12));
  LAMINAR_ASSIGN_OR_RETURN(src->max_rows_, r.GetInt64("max.rows", 0, 0, INT64_MAX));
  LAMINAR_ASSIGN_OR_RETURN(src->batch_max_size_, r.GetInt64("batch.max.size", 1024, 1, 1 << 24));
  LAMINAR_ASSIGN_OR_RETURN(int64_t seed, r.GetInt64("seed", 0, INT64_MIN, INT64_MAX));
  src->seed_ = static_cast<uint64_t>(seed);
  LAMINAR_ASSIGN_OR_RETURN(int64_t base_ms,
                           r.GetInt64("base.time.ms", 1'704'067'200'000, 0, int64_t{1} << 50));
  src->base_time_us_ = base_ms * 1000;

  const int n = declared_schema->num_fields();
  src->specs_.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto& f = declared_schema->field(i);
    if (!Supported(f->type->id())) {
      return Status::Invalid(
          fmt::format("connector 'datagen': column '{}' has type {}, which datagen cannot "
                      "generate (supported: BOOLEAN, integers, FLOAT, DOUBLE, DECIMAL, VARCHAR, "
                      "VARBINARY, DATE, TIMESTAMP)",
                      f->name, f->type->ToString()),
          ErrorCode::kConnectorSchema);
    }
    auto& spec = src->specs_[static_cast<size_t>(i)];
    const TypeId id = f->type->id();
    if (id == TypeId::kTimestamp) spec.kind = DatagenColumnSpec::Kind::kRowtime;
    if (f->type->is_integer()) {
      spec.min = IntegerTypeMin(id);
      spec.max = IntegerTypeMax(id);
    } else if (id == TypeId::kDate32) {
      spec.min = DaysFromCivil(2020, 1, 1);
      spec.max = DaysFromCivil(2030, 12, 31);
    } else if (id == TypeId::kTimestamp) {
      spec.min = DaysFromCivil(2020, 1, 1) * kMicrosPerDay;
      spec.max = DaysFromCivil(2031, 1, 1) * kMicrosPerDay - 1;
    } else if (id == TypeId::kDecimal128) {
      spec.min = 0;
      spec.max = 1000;
    }
  }

  // fields.<col>.<attribute>
  const std::string prefix = "fields.";
  std::vector<std::string> column_names = declared_schema->field_names();
  for (const auto& [key, value] : r.TakePrefix(prefix)) {
    std::string_view rest = std::string_view(key).substr(prefix.size());
    // The column is everything before the first attribute that matches a known suffix.
    int col = -1;
    std::string attr;
    const size_t dot = rest.find('.');
    if (dot != std::string_view::npos) {
      col = declared_schema->GetFieldIndex(rest.substr(0, dot));
      attr = std::string(rest.substr(dot + 1));
    }
    if (col < 0) {
      std::string name(dot == std::string_view::npos ? rest : rest.substr(0, dot));
      std::string hint = ClosestMatch(name, column_names);
      return r.Error(key,
                     hint.empty()
                         ? fmt::format("names no column of the source (columns: {})",
                                       fmt::join(column_names, ", "))
                         : fmt::format("names no column of the source (did you mean '{}'?)", hint));
    }
    if (std::find(std::begin(kAttributes), std::end(kAttributes), attr) == std::end(kAttributes)) {
      std::vector<std::string> attrs(std::begin(kAttributes), std::end(kAttributes));
      std::string hint = ClosestMatch(attr, attrs);
      return r.Error(key, fmt::format("is not recognised ({}attributes: {})",
                                      hint.empty() ? "" : "did you mean '" + hint + "'? ",
                                      fmt::join(attrs, ", ")));
    }
    auto& spec = src->specs_[static_cast<size_t>(col)];
    const auto& type = declared_schema->field(col)->type;
    const TypeId id = type->id();
    auto parse_int = [&](int64_t* out) -> Status {
      if (ParseInt64(value, out)) return Status::OK();
      if (id == TypeId::kTimestamp) {
        auto ts = ParseTimestamp(Trim(value));
        if (ts.ok()) {
          *out = *ts;
          return Status::OK();
        }
      }
      if (id == TypeId::kDate32) {
        auto d = ParseDate(Trim(value));
        if (d.ok()) {
          *out = *d;
          return Status::OK();
        }
      }
      return r.Error(key, fmt::format("must be {}, got '{}'",
                                      id == TypeId::kTimestamp ? "an integer (µs) or a timestamp"
                                      : id == TypeId::kDate32  ? "an integer (days) or a date"
                                                               : "an integer",
                                      value));
    };
    if (attr == "kind") {
      std::string k = ToLower(Trim(value));
      if (k == "random") {
        spec.kind = DatagenColumnSpec::Kind::kRandom;
      } else if (k == "sequence" && id != TypeId::kTimestamp) {
        spec.kind = DatagenColumnSpec::Kind::kSequence;
      } else if (k == "rowtime" && id == TypeId::kTimestamp) {
        spec.kind = DatagenColumnSpec::Kind::kRowtime;
      } else if (k == "now" && id == TypeId::kTimestamp) {
        spec.kind = DatagenColumnSpec::Kind::kNow;
      } else {
        return r.Error(
            key, fmt::format("must be one of {} for a {} column, got '{}'",
                             id == TypeId::kTimestamp ? "random|rowtime|now" : "random|sequence",
                             type->ToString(), value));
      }
    } else if (attr == "min" || attr == "max") {
      int64_t* slot = attr == "min" ? &spec.min : &spec.max;
      double* dslot = attr == "min" ? &spec.min_double : &spec.max_double;
      if (type->is_floating()) {
        if (!ParseDouble(value, dslot))
          return r.Error(key, fmt::format("must be a number, got '{}'", value));
      } else if (id == TypeId::kBoolean || id == TypeId::kString || id == TypeId::kBinary) {
        return r.Error(key, fmt::format("does not apply to a {} column", type->ToString()));
      } else {
        LAMINAR_RETURN_NOT_OK(parse_int(slot));
        if (type->is_integer() && (*slot < IntegerTypeMin(id) || *slot > IntegerTypeMax(id))) {
          return r.Error(key, fmt::format("is out of range for {}: '{}'", type->ToString(), value));
        }
      }
    } else if (attr == "start" || attr == "end") {
      LAMINAR_RETURN_NOT_OK(parse_int(attr == "start" ? &spec.start : &spec.end));
    } else if (attr == "length") {
      if (!ParseInt64(value, &spec.length) || spec.length < 0 || spec.length > (1 << 20)) {
        return r.Error(key, fmt::format("must be an integer in [0, 1048576], got '{}'", value));
      }
    } else if (attr == "null.rate") {
      if (!ParseDouble(value, &spec.null_rate) || spec.null_rate < 0 || spec.null_rate > 1) {
        return r.Error(key, fmt::format("must be a number in [0, 1], got '{}'", value));
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    const auto& spec = src->specs_[static_cast<size_t>(i)];
    const auto& f = declared_schema->field(i);
    if (f->type->is_floating() ? spec.min_double > spec.max_double : spec.min > spec.max) {
      return r.Error("fields." + f->name + ".min",
                     fmt::format("is greater than fields.{}.max", f->name));
    }
    if (spec.kind == DatagenColumnSpec::Kind::kSequence) {
      if (spec.start > spec.end) {
        return r.Error("fields." + f->name + ".start",
                       fmt::format("is greater than fields.{}.end", f->name));
      }
      if (f->type->is_integer() &&
          (spec.start < IntegerTypeMin(f->type->id()) ||
           (spec.end < INT64_MAX && spec.end > IntegerTypeMax(f->type->id())))) {
        return r.Error("fields." + f->name + ".start",
                       fmt::format("sequence does not fit {}", f->type->ToString()));
      }
    }
    if (spec.null_rate > 0 && !f->nullable) {
      return r.Error("fields." + f->name + ".null.rate",
                     fmt::format("is set but column '{}' is NOT NULL", f->name));
    }
  }
  LAMINAR_RETURN_NOT_OK(r.Finish());
  return std::unique_ptr<SourceConnector>(std::move(src));
}

columnar::ArrayPtr DatagenSource::MakeColumn(int column, int64_t first_row, int64_t rows) const {
  const auto& spec = specs_[static_cast<size_t>(column)];
  const auto& type = schema_->field(column)->type;
  const uint64_t col_seed = HashCombine(seed_, static_cast<uint64_t>(column) + 0x9e37);
  auto builder = columnar::MakeBuilder(type);
  builder->Reserve(rows);
  const bool sequence = spec.kind == DatagenColumnSpec::Kind::kSequence;
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const double step_us = rows_per_second_ > 0 ? 1e6 / rows_per_second_ : 1000.0;
  std::string text;
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t row = first_row + i;
    FastRandom rng = FastRandom::ForEvent(col_seed, static_cast<uint64_t>(row));
    if (spec.null_rate > 0 && rng.UnitDouble() < spec.null_rate) {
      builder->AppendNull();
      continue;
    }
    const int64_t seq = spec.start + row;
    switch (type->id()) {
      case TypeId::kBoolean:
        static_cast<columnar::BooleanBuilder*>(builder.get())
            ->Append(sequence ? (seq & 1) != 0 : (rng.Next() & 1) != 0);
        break;
      case TypeId::kInt8:
        static_cast<columnar::FixedWidthBuilder<int8_t>*>(builder.get())
            ->Append(static_cast<int8_t>(sequence ? seq : UniformInRange(rng, spec.min, spec.max)));
        break;
      case TypeId::kInt16:
        static_cast<columnar::FixedWidthBuilder<int16_t>*>(builder.get())
            ->Append(
                static_cast<int16_t>(sequence ? seq : UniformInRange(rng, spec.min, spec.max)));
        break;
      case TypeId::kInt32:
        static_cast<columnar::FixedWidthBuilder<int32_t>*>(builder.get())
            ->Append(
                static_cast<int32_t>(sequence ? seq : UniformInRange(rng, spec.min, spec.max)));
        break;
      case TypeId::kInt64:
        static_cast<columnar::FixedWidthBuilder<int64_t>*>(builder.get())
            ->Append(sequence ? seq : UniformInRange(rng, spec.min, spec.max));
        break;
      case TypeId::kDate32:
        static_cast<columnar::FixedWidthBuilder<int32_t>*>(builder.get())
            ->Append(
                static_cast<int32_t>(sequence ? seq : UniformInRange(rng, spec.min, spec.max)));
        break;
      case TypeId::kFloat32:
      case TypeId::kFloat64: {
        const double v =
            sequence ? static_cast<double>(seq)
                     : spec.min_double + rng.UnitDouble() * (spec.max_double - spec.min_double);
        if (type->id() == TypeId::kFloat32) {
          static_cast<columnar::FixedWidthBuilder<float>*>(builder.get())
              ->Append(static_cast<float>(v));
        } else {
          static_cast<columnar::FixedWidthBuilder<double>*>(builder.get())->Append(v);
        }
        break;
      }
      case TypeId::kDecimal128: {
        columnar::int128_t scale = 1;
        for (int s = 0; s < type->scale(); ++s) scale *= 10;
        columnar::int128_t v;
        if (sequence) {
          v = static_cast<columnar::int128_t>(seq) * scale;
        } else {
          // Uniform over the representable values in [min, max] at the column's scale.
          const columnar::int128_t lo = static_cast<columnar::int128_t>(spec.min) * scale;
          const columnar::int128_t hi = static_cast<columnar::int128_t>(spec.max) * scale;
          const auto span = static_cast<unsigned __int128>(hi - lo) + 1;
          const auto draw = (static_cast<unsigned __int128>(rng.Next()) << 64) | rng.Next();
          v = lo + static_cast<columnar::int128_t>(draw % span);
        }
        static_cast<columnar::FixedWidthBuilder<columnar::int128_t>*>(builder.get())->Append(v);
        break;
      }
      case TypeId::kString:
      case TypeId::kBinary: {
        if (sequence) {
          text = std::to_string(seq);
        } else {
          static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
          text.resize(static_cast<size_t>(spec.length));
          for (auto& ch : text) ch = kAlphabet[rng.Uniform(36)];
        }
        static_cast<columnar::BinaryBuilder*>(builder.get())->Append(text);
        break;
      }
      case TypeId::kTimestamp: {
        int64_t v;
        switch (spec.kind) {
          case DatagenColumnSpec::Kind::kRowtime:
            v = base_time_us_ + static_cast<int64_t>(static_cast<double>(row) * step_us);
            break;
          case DatagenColumnSpec::Kind::kNow:
            v = now_us;
            break;
          default:
            v = UniformInRange(rng, spec.min, spec.max);
            break;
        }
        static_cast<columnar::FixedWidthBuilder<int64_t>*>(builder.get())->Append(v);
        break;
      }
      default:
        builder->AppendNull();  // unreachable: Make() rejects other types
        break;
    }
  }
  return builder->Finish();
}

Result<RecordBatchPtr> DatagenSource::NextBatch(int64_t max_rows) {
  if (max_rows <= 0) {
    return Status::Invalid("NextBatch: max_rows must be positive", ErrorCode::kInvalidOperation);
  }
  // Rows left before max.rows or the end of a bounded sequence column.
  int64_t limit = max_rows_ > 0 ? max_rows_ : INT64_MAX;
  for (const auto& spec : specs_) {
    if (spec.kind == DatagenColumnSpec::Kind::kSequence && spec.end != INT64_MAX) {
      limit = std::min<int64_t>(limit, spec.end - spec.start + 1);
    }
  }
  if (next_row_ >= limit) return RecordBatchPtr();
  int64_t rows = std::min({max_rows, batch_max_size_, limit - next_row_});
  if (rows_per_second_ > 0) {
    const auto now = std::chrono::steady_clock::now();
    if (!started_) {
      started_ = true;
      start_time_ = now;
    }
    const double elapsed = std::chrono::duration<double>(now - start_time_).count();
    // The first batch is available at once; then the rate paces the total.
    const auto allowed =
        static_cast<int64_t>(elapsed * rows_per_second_) + std::min<int64_t>(rows, batch_max_size_);
    rows = std::max<int64_t>(0, std::min(rows, allowed - next_row_));
  }
  std::vector<columnar::ArrayPtr> columns;
  columns.reserve(specs_.size());
  for (int c = 0; c < schema_->num_fields(); ++c) columns.push_back(MakeColumn(c, next_row_, rows));
  next_row_ += rows;
  return std::make_shared<columnar::RecordBatch>(schema_, rows, std::move(columns));
}

int64_t DatagenSource::watermark() const {
  // Rowtime columns are exact functions of the row index: the next row's time bounds the rest.
  for (int c = 0; c < schema_->num_fields(); ++c) {
    if (specs_[static_cast<size_t>(c)].kind == DatagenColumnSpec::Kind::kRowtime) {
      const double step_us = rows_per_second_ > 0 ? 1e6 / rows_per_second_ : 1000.0;
      return base_time_us_ + static_cast<int64_t>(static_cast<double>(next_row_) * step_us);
    }
  }
  return INT64_MIN;
}

}  // namespace laminar::connector
