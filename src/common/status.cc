#include "common/status.h"

#include <fmt/format.h>

namespace laminar {

namespace {
const std::string kEmpty;
}  // namespace

Status::Status(StatusCode code, ErrorCode error_code, std::string message)
    : state_(code == StatusCode::kOk
                 ? nullptr
                 : std::make_unique<State>(State{code, error_code, std::move(message)})) {}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  return *this;
}

const std::string& Status::message() const { return ok() ? kEmpty : state_->message; }

std::string FormatErrorCode(ErrorCode code) {
  return fmt::format("LDB-{:04d}", ErrorCodeNumber(code));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return fmt::format("[{}] {}", FormatErrorCode(state_->error_code), state_->message);
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return Status();
  return Status(state_->code, state_->error_code, fmt::format("{}: {}", context, state_->message));
}

}  // namespace laminar
