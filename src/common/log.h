// Structured logging: one JSON object per line on stdout, e.g.
//   {"ts":"2026-11-22T06:40:00.123456Z","level":"info","msg":"listening","addr":"127.0.0.1:8080"}
// Backed by spdlog with a sink that never waits on stdout: lines are handed
// to a writer thread through a buffer bounded in bytes (1 MiB), written
// within 100 ms (warnings and errors at once). A caller, an I/O thread
// above all, never blocks on a slow or stalled reader of stdout; when the
// buffer is full, lines are dropped and counted (DroppedLines), and a
// warning says how many once stdout takes lines again.
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace workspaced::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };

struct Field {
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, std::int64_t v) : key(k), value(v) {}
  Field(std::string_view k, int v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, unsigned v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, std::uint64_t v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  std::string_view key;
  Value value;
};

// Call once at start-up (before threads); later calls reconfigure.
// `json` false gives plain "ts level msg k=v" lines for humans (values
// quoted and escaped when needed: AppendTextValue).
void Init(Level level, bool json = true);
std::optional<Level> ParseLevel(std::string_view s);
bool Enabled(Level level);
void Write(Level level, std::string_view msg, std::span<const Field> fields);
inline void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(level, msg, std::span<const Field>(fields.begin(), fields.size()));
}
// Waits (at most 2 s) until every line written before the call is on
// stdout; false when stdout did not take them in time. Blocks: for
// shutdown and the moment before a deliberate crash, never an I/O thread.
bool Flush();
// Lines dropped since the start because stdout was not read fast enough.
std::uint64_t DroppedLines();

inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, m, f);
}
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

// Appends `s` as a value of the text format: bare when it holds only
// printable ASCII other than quote, backslash and '=' (and is not empty),
// else in double quotes with \", \\, \n, \r, \t and \xHH escapes, so a
// value (a User-Agent) can neither end the line nor forge a field.
void AppendTextValue(std::string& out, std::string_view s);

// Appends `s` JSON-escaped (without quotes) to `out`.
void AppendJsonEscaped(std::string& out, std::string_view s);

}  // namespace workspaced::log
