#pragma once

#include <cstdio>
#include <cstdlib>

/// Always-on invariant check for conditions where continuing would corrupt data (storage
/// invariants). Never use for user input: that gets a Status.
#define LAMINAR_CHECK(cond)                                                                   \
  do {                                                                                        \
    if (!(cond)) [[unlikely]] {                                                               \
      std::fprintf(stderr, "LAMINAR_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

/// Debug-only check for programmer errors on hot paths.
#ifdef NDEBUG
#define LAMINAR_DCHECK(cond) \
  do {                       \
    (void)sizeof(cond);      \
  } while (false)
#else
#define LAMINAR_DCHECK(cond) LAMINAR_CHECK(cond)
#endif

#define LAMINAR_PREDICT_FALSE(x) (__builtin_expect(!!(x), 0))
#define LAMINAR_PREDICT_TRUE(x) (__builtin_expect(!!(x), 1))
