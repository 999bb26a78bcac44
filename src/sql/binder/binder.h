#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sql/binder/logical_plan.h"
#include "sql/parser/ast.h"

namespace laminar::sql {

/// What the binder needs to know about a named relation (source, stream, MV, table).
struct RelationInfo {
  enum class Kind { kSource, kStream, kMaterializedView, kTable, kLateStream };
  std::string name;
  Kind kind = Kind::kSource;
  SchemaPtr schema;
  /// Index of the event-time column carrying a watermark, or -1. For streams: -1 unless the
  /// stream's rows carry one of its inputs' watermarked columns.
  int watermark_column = -1;
  /// True when this relation, or anything upstream of it, has a watermark.
  bool has_watermark = false;
  /// Rows carry a trailing `__weight` column (EMIT CHANGES output).
  bool changelog = false;
  /// Rows are only ever appended: false for streams whose rows update earlier ones (an
  /// aggregate emitting ON UPDATE, an updating top-N).
  bool append_only = true;
  std::vector<std::string> primary_key;
  /// Streams: per column, how far its values may trail the stream's watermark (lag in µs; -1 =
  /// not an event-time column), with strictness and alignment. Sources: empty (the watermark
  /// column has lag 0).
  std::vector<TimeColumnBound> time_bounds;
};

/// The binder's view of the catalog.
class CatalogView {
 public:
  virtual ~CatalogView() = default;
  virtual const RelationInfo* FindRelation(std::string_view name) const = 0;
  virtual std::vector<std::string> RelationNames() const = 0;
};

enum class BindMode {
  kStreaming,  // CREATE STREAM / MV / SINK query: continuous semantics, streaming validation
  kAdHoc,      // SELECT typed by a user: a batch query over current contents
};

/// Binds a parsed query against the catalog: resolves names and types, validates aggregate
/// placement and GROUP BY, recognises time windows and EMIT, and builds the logical plan.
/// Errors name the offending object and carry its position and a hint.
Result<BoundQuery> BindQuery(const Query& query, const CatalogView& catalog, BindMode mode,
                             std::string_view sql_text = {});

/// Binds a standalone scalar expression over `schema` (INSERT values, DEFAULT, sink WHERE).
Result<BExpr> BindScalar(const Expr& expr, const SchemaPtr& schema, std::string_view sql_text = {});

/// Maps a SQL type name to a columnar type.
Result<DataTypePtr> BindType(const TypeName& type);

/// Converts a literal duration (INTERVAL literal, `5s`-style duration, or constant expression)
/// to µs. Errors if it is not a fixed-length positive duration.
Result<int64_t> BindDuration(const Expr& expr, std::string_view what,
                             std::string_view sql_text = {});

}  // namespace laminar::sql
