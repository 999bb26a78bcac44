// The `laminardb` binary: the command line lives in laminar_cli; this file only connects it to
// the engine.
#include "cli.h"
#include "laminar/laminar.hpp"

int main(int argc, char** argv) {
  return laminar::cli::RunCli(
      argc, argv, [](const laminar::Options& options) { return laminar::Database::Open(options); });
}
