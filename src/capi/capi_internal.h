#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "common/string_util.h"

namespace laminar::capi {

/// Which family of LAMINAR_ERR_* codes an error without a more specific mapping falls into.
enum class ApiContext { kQuery, kIngestion, kSubscription, kInternal };

/// Maps a Status to the C API's LAMINAR_ERR_* code (LAMINAR_OK for OK). The LDB code decides
/// first (not found, exists, schema mismatch, shutdown, connector), then the status category,
/// then the calling context. Exposed for the unit tests.
int32_t StatusToCode(const Status& st, ApiContext context);

using laminar::IsValidUtf8;  // common/string_util.h

}  // namespace laminar::capi
