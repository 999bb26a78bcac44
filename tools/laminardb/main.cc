// The laminardb executable: the CLI (shell, run, test, demo, bench) over the embedded engine.
#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "cli.h"
#include "laminar/laminar.hpp"

namespace {

// glibc adapts its mmap and trim thresholds to what the process freed so far, so the same query
// ran at one of two speeds depending on what ran before it in the process: a window that closes
// frees large tables, the thresholds move, and the next query's tables were mmapped and unmapped,
// or the top of the heap trimmed and faulted in again, batch after batch (Nexmark q8 measured
// 1.2e8 or 1.8e8 events/s by query order; q2 1.4e8 or 2.7e8). Fixed thresholds (the dynamic
// scheme's own maximum for mmap, 128 MiB of free heap top before trimming) make every run
// behave like the good case. Not applied when the user configures malloc through
// GLIBC_TUNABLES or MALLOC_* variables.
void ConfigureAllocator() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "malloc") != nullptr) return;
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_")) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  ConfigureAllocator();
  return laminar::cli::RunCli(
      argc, argv, [](const laminar::Options& options) { return laminar::Database::Open(options); });
}
