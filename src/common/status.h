#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/error_codes.h"

namespace laminar {

/// Broad category of a failure; `ErrorCode` carries the precise, user-visible `LDB-NNNN` code.
enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalid,            // bad user input (SQL, arguments, data)
  kNotFound,           // named object does not exist
  kAlreadyExists,      // named object exists
  kIOError,            // file system / network failure
  kCorruption,         // persisted data failed validation
  kNotImplemented,     // feature not supported
  kOutOfRange,         // numeric overflow, index out of bounds
  kTypeError,          // type mismatch
  kCancelled,          // operation cancelled or shut down
  kResourceExhausted,  // queue full, backpressure
  kInternal,           // a bug
};

/// The outcome of an operation: OK, or an error with a category, an `LDB-NNNN` code and a
/// message. Cheap to return when OK (one null pointer). Errors are values: project code never
/// throws.
class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(StatusCode code, ErrorCode error_code, std::string message);

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  static Status Invalid(std::string msg, ErrorCode ec = ErrorCode::kInvalidOperation) {
    return Status(StatusCode::kInvalid, ec, std::move(msg));
  }
  static Status NotFound(std::string msg, ErrorCode ec = ErrorCode::kTableNotFound) {
    return Status(StatusCode::kNotFound, ec, std::move(msg));
  }
  static Status AlreadyExists(std::string msg, ErrorCode ec = ErrorCode::kAlreadyExists) {
    return Status(StatusCode::kAlreadyExists, ec, std::move(msg));
  }
  static Status IOError(std::string msg, ErrorCode ec = ErrorCode::kWalError) {
    return Status(StatusCode::kIOError, ec, std::move(msg));
  }
  static Status Corruption(std::string msg, ErrorCode ec = ErrorCode::kStateCorruption) {
    return Status(StatusCode::kCorruption, ec, std::move(msg));
  }
  static Status NotImplemented(std::string msg, ErrorCode ec = ErrorCode::kSqlUnsupported) {
    return Status(StatusCode::kNotImplemented, ec, std::move(msg));
  }
  static Status OutOfRange(std::string msg, ErrorCode ec = ErrorCode::kQueryExecutionFailed) {
    return Status(StatusCode::kOutOfRange, ec, std::move(msg));
  }
  static Status TypeError(std::string msg, ErrorCode ec = ErrorCode::kTypeMismatch) {
    return Status(StatusCode::kTypeError, ec, std::move(msg));
  }
  static Status Cancelled(std::string msg, ErrorCode ec = ErrorCode::kShutdown) {
    return Status(StatusCode::kCancelled, ec, std::move(msg));
  }
  static Status ResourceExhausted(std::string msg, ErrorCode ec = ErrorCode::kBackpressure) {
    return Status(StatusCode::kResourceExhausted, ec, std::move(msg));
  }
  static Status Internal(std::string msg, ErrorCode ec = ErrorCode::kInternal) {
    return Status(StatusCode::kInternal, ec, std::move(msg));
  }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return ok() ? StatusCode::kOk : state_->code; }
  ErrorCode error_code() const { return ok() ? ErrorCode::kNone : state_->error_code; }
  /// The message without the code prefix; empty when OK.
  const std::string& message() const;

  bool IsInvalid() const { return code() == StatusCode::kInvalid; }
  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code() == StatusCode::kAlreadyExists; }
  bool IsIOError() const { return code() == StatusCode::kIOError; }
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }

  /// "OK" or "[LDB-NNNN] message" (the reference system's Display format).
  std::string ToString() const;

  /// Returns a copy with `context` prepended to the message ("context: message").
  Status WithContext(std::string_view context) const;

  /// Explicitly discards an error (documents that ignoring it is intended).
  void IgnoreError() const {}

 private:
  struct State {
    StatusCode code;
    ErrorCode error_code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

/// Formats an error code as `LDB-NNNN`.
std::string FormatErrorCode(ErrorCode code);

}  // namespace laminar

#define LAMINAR_CONCAT_IMPL(a, b) a##b
#define LAMINAR_CONCAT(a, b) LAMINAR_CONCAT_IMPL(a, b)

/// Returns early from the enclosing function with the status if it is an error.
#define LAMINAR_RETURN_NOT_OK(expr)            \
  do {                                         \
    ::laminar::Status _laminar_st = (expr);    \
    if (!_laminar_st.ok()) return _laminar_st; \
  } while (false)

#define LAMINAR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();       \
  lhs = std::move(tmp).ValueUnsafe();

/// `LAMINAR_ASSIGN_OR_RETURN(auto x, MakeX());` — unwraps a Result or returns its error.
#define LAMINAR_ASSIGN_OR_RETURN(lhs, rexpr) \
  LAMINAR_ASSIGN_OR_RETURN_IMPL(LAMINAR_CONCAT(_laminar_res_, __LINE__), lhs, rexpr)
