#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "common/status.h"

namespace laminar {

/// A value of type T or an error Status. Construct from a T (success) or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : storage_(value) {}            // NOLINT(runtime/explicit)
  Result(T&& value) : storage_(std::move(value)) {}      // NOLINT(runtime/explicit)
  Result(Status status) : storage_(std::move(status)) {  // NOLINT(runtime/explicit)
    assert(!std::get<Status>(storage_).ok() && "Result constructed from an OK status");
    if (std::get<Status>(storage_).ok()) {
      storage_ = Status::Internal("Result constructed from an OK status");
    }
  }
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U, T> &&
                                                    !std::is_same_v<std::decay_t<U>, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Status>>>
  Result(U&& value) : storage_(T(std::forward<U>(value))) {}  // NOLINT(runtime/explicit)

  bool ok() const { return std::holds_alternative<T>(storage_); }

  /// The error; OK status when the result holds a value.
  Status status() const& { return ok() ? Status::OK() : std::get<Status>(storage_); }
  Status status() && { return ok() ? Status::OK() : std::move(std::get<Status>(storage_)); }

  const T& ValueOrDie() const& {
    assert(ok());
    return std::get<T>(storage_);
  }
  T& ValueOrDie() & {
    assert(ok());
    return std::get<T>(storage_);
  }
  T ValueOrDie() && {
    assert(ok());
    return std::move(std::get<T>(storage_));
  }
  T ValueUnsafe() && { return std::move(std::get<T>(storage_)); }
  T ValueOr(T alternative) const& { return ok() ? std::get<T>(storage_) : alternative; }

  const T& operator*() const& { return ValueOrDie(); }
  T& operator*() & { return ValueOrDie(); }
  const T* operator->() const { return &ValueOrDie(); }
  T* operator->() { return &ValueOrDie(); }

 private:
  std::variant<T, Status> storage_;
};

}  // namespace laminar
