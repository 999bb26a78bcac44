#pragma once

// Writing SQL values as JSON text: shared by the JSON scalar functions (json_build_object,
// to_json, ...) and the JSON aggregates (json_agg, json_object_agg), so both render a value
// the same way.

#include <string>
#include <string_view>

#include "columnar/scalar.h"

namespace laminar::function::internal {

/// Appends `v` as a JSON string literal (quotes, backslashes and control characters escaped).
void AppendJsonString(std::string_view v, std::string* out);

/// Appends a SQL value as JSON: NULL → null, booleans and numbers bare (non-finite floats →
/// null), lists as arrays, everything else (strings, timestamps, dates, intervals) as a string.
void AppendJsonValue(const columnar::Scalar& v, std::string* out);

/// Appends a JSON object key: the text of a string, the SQL text of any other value.
/// `key` must not be NULL.
void AppendJsonKey(const columnar::Scalar& key, std::string* out);

}  // namespace laminar::function::internal
