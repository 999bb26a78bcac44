#include "interrupt.h"

#include <signal.h>

namespace laminar::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void OnSigint(int) { g_interrupted.store(true); }

}  // namespace

struct InterruptScope::Saved {
  struct sigaction action;
};

InterruptScope::InterruptScope() : saved_(std::make_unique<Saved>()) {
  g_interrupted.store(false);
  struct sigaction sa = {};
  sa.sa_handler = OnSigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking waits return early
  sigaction(SIGINT, &sa, &saved_->action);
}

InterruptScope::~InterruptScope() {
  sigaction(SIGINT, &saved_->action, nullptr);
  g_interrupted.store(false);
}

bool InterruptScope::interrupted() { return g_interrupted.load(); }

}  // namespace laminar::cli
