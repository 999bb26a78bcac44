// Fuzzes the streaming checkpoint binary format v2 decoder. Anything it accepts must encode back
// to bytes that decode to the same checkpoint.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "storage/stream_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using laminar::storage::StreamCheckpoint;
  auto cp = StreamCheckpoint::FromBytes(std::span<const uint8_t>(data, size));
  if (!cp.ok()) return 0;
  auto bytes = cp->ToBytes();
  if (!bytes.ok()) std::abort();
  auto again = StreamCheckpoint::FromBytes(*bytes);
  if (!again.ok()) std::abort();
  if (again->id != cp->id || again->epoch != cp->epoch || again->created_at != cp->created_at ||
      again->source_sequences != cp->source_sequences ||
      again->sink_positions != cp->sink_positions || again->watermarks != cp->watermarks ||
      again->operator_states != cp->operator_states) {
    std::abort();
  }
  return 0;
}
