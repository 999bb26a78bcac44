// Fuzzes the checkpoint manifest JSON parser. Malformed input must give a Corruption status;
// anything accepted must serialize and parse back to an equal manifest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "storage/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace laminar::storage;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto manifest = ParseManifestJson(text);
  if (!manifest.ok()) {
    if (!manifest.status().IsCorruption()) std::abort();
    return 0;
  }
  auto json = ManifestToJson(*manifest);
  if (!json.ok()) std::abort();  // parsed strings are valid UTF-8, so they must serialize
  auto again = ParseManifestJson(*json);
  if (!again.ok() || !(*again == *manifest)) std::abort();
  return 0;
}
