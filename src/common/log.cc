#include "common/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "common/clock.h"
#include "common/text.h"
#include "common/time_format.h"

namespace workspaced::log {
namespace {

// Writes formatted lines to stdout through stdio's buffer; spdlog's own
// stdout sink flushes every line, which costs a syscall per request.
class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::fwrite(msg.payload.data(), 1, msg.payload.size(), stdout);
    std::fputc('\n', stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<bool> g_json{true};

spdlog::logger& Logger() {
  // Registered so spdlog's periodic flusher sees it.
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("workspaced", std::make_shared<BufferedStdoutSink>());
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::warn);
    spdlog::register_logger(l);
    spdlog::flush_every(std::chrono::seconds(1));
    return l;
  }();
  return *logger;
}

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void Init(Level level, bool json) {
  g_level.store(static_cast<int>(level));
  g_json.store(json);
  Logger();
}

std::optional<Level> ParseLevel(std::string_view s) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff})
    if (LevelName(l) == s) return l;
  return std::nullopt;
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void AppendJsonEscaped(std::string& out, std::string_view s) {
  // Copies runs of characters that need no escape in one append: this runs
  // for every string of every JSON response.
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x80) {
      // JSON text is UTF-8 (RFC 8259 §8.1): bytes that are not (a header
      // value, a damaged row) become U+FFFD rather than invalid output.
      const std::size_t n = Utf8SequenceLength(s, i);
      if (n != 0) {
        i += n - 1;
        continue;
      }
      out.append(s.data() + run, i - run);
      run = i + 1;
      out += "\\ufffd";
      continue;
    }
    if (u >= 0x20 && u != '"' && u != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    if (u == '"' || u == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(u));
    } else {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  out.append(s.data() + run, s.size() - run);
}

void AppendTextValue(std::string& out, std::string_view s) {
  // Bare when nothing in it could end the value or the line, or pass for a
  // field of its own; quoted and escaped otherwise (a User-Agent of
  // `x" status=200` must not forge a field).
  const auto plain = [](unsigned char u) {
    return u > 0x20 && u != 0x7f && u != '"' && u != '\\' && u != '=';
  };
  bool bare = !s.empty();
  for (char c : s) bare = bare && plain(static_cast<unsigned char>(c));
  if (bare) {
    out += s;
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (u) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += "\\x";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void Write(Level level, std::string_view msg, std::span<const Field> fields) {
  if (level == Level::kOff || !Enabled(level)) return;
  static SystemClock clock;
  std::string line;
  line.reserve(256);
  const bool json = g_json.load(std::memory_order_relaxed);
  if (json) {
    line += "{\"ts\":\"";
    line += FormatRfc3339Micros(clock.Now());
    line += "\",\"level\":\"";
    line += LevelName(level);
    line += "\",\"msg\":\"";
    AppendJsonEscaped(line, msg);
    line += '"';
    for (const Field& f : fields) {
      line += ",\"";
      AppendJsonEscaped(line, f.key);
      line += "\":";
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
              line += '"';
              AppendJsonEscaped(line, v);
              line += '"';
            } else if constexpr (std::is_same_v<T, bool>) {
              line += v ? "true" : "false";
            } else {
              line += std::to_string(v);
            }
          },
          f.value);
    }
    line += '}';
  } else {
    line += FormatRfc3339Micros(clock.Now());
    line += ' ';
    line += LevelName(level);
    line += ' ';
    line += msg;  // our own constant text
    for (const Field& f : fields) {
      line += ' ';
      line += f.key;
      line += '=';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>)
              AppendTextValue(line, v);
            else if constexpr (std::is_same_v<T, bool>)
              line += v ? "true" : "false";
            else
              line += std::to_string(v);
          },
          f.value);
    }
  }
  Logger().log(ToSpd(level), "{}", line);
}

void Flush() { Logger().flush(); }

}  // namespace workspaced::log
