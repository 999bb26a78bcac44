#pragma once

#include <fmt/format.h>

#include <string_view>

namespace laminar {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

/// Minimum level written to stderr; set from LAMINAR_LOG_LEVEL (debug|info|warn|error|off) at
/// start-up, default warn so embedded users see nothing unless something is wrong.
LogLevel GetLogLevel();
void SetLogLevel(LogLevel level);
void LogMessage(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (level < GetLogLevel()) return;
  LogMessage(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace laminar
