#pragma once

#include <atomic>
#include <memory>

namespace laminar::cli {

/// Ctrl-C handling for loops that stream output (SUBSCRIBE in the shell, `run`, `demo`): while an
/// InterruptScope is alive, SIGINT only sets a flag the loop polls, instead of killing the
/// process; the previous handler is restored when the scope ends.
/// Threading: construct on the main thread; `interrupted()` may be read from any thread.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  static bool interrupted();

 private:
  struct Saved;
  std::unique_ptr<Saved> saved_;  // the previous sigaction
};

}  // namespace laminar::cli
