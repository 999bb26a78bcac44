#pragma once

#include "slt_runner.h"

namespace laminar::cli {

/// The version `laminardb --version` prints.
inline constexpr const char* kVersion = "0.1.0";

/// The whole `laminardb` command line: `test`, `shell` (the default), `run`, `demo`, `bench`,
/// `--version`. `opener` opens databases (main.cc passes Database::Open). Returns the exit code.
int RunCli(int argc, char** argv, const DatabaseOpener& opener);

}  // namespace laminar::cli
