#include "common/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/text.h"
#include "common/time_format.h"

namespace workspaced::log {

// One line, without its newline, in the format Init chose.
std::string FormatLine(Level level, std::string_view msg, std::span<const Field> fields);

namespace {

// Hands lines to a writer thread of its own, so that no caller (an I/O
// thread above all) ever waits on stdout: when the reader of a pipe stops
// reading (a stalled log shipper), a write blocks, and every thread that
// logs would block behind it. Lines wait in a buffer bounded in bytes;
// when it is full a line is dropped and counted (DroppedLines), and the
// writer says how many once it can write again. Info lines go out within
// kInterval, warnings and errors at once.
class StdoutWriter {
 public:
  static constexpr std::size_t kCapacity = 1 << 20;  // bytes waiting, at most
  static constexpr std::size_t kBatch = 64 << 10;     // wakes the writer early
  static constexpr auto kInterval = std::chrono::milliseconds(100);

  // Never destroyed: lines may be written until the process ends.
  static StdoutWriter& Get() {
    static StdoutWriter* const writer = new StdoutWriter();
    return *writer;
  }

  void Append(std::string_view line, bool urgent) {
    std::lock_guard lock(mu_);
    if (pending_.size() + line.size() + 1 > kCapacity) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    pending_.append(line);
    pending_.push_back('\n');
    ++appended_;
    if (urgent || pending_.size() >= kBatch) {
      urgent_ = true;
      wake_.notify_one();
    }
  }

  void Wake() {
    std::lock_guard lock(mu_);
    urgent_ = true;
    wake_.notify_one();
  }

  // Waits until every line appended before the call is written, or
  // `timeout` passed; false then.
  bool Flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    const std::uint64_t target = appended_;
    urgent_ = true;
    wake_.notify_one();
    return written_cv_.wait_for(lock, timeout, [&] { return written_ >= target; });
  }

  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  StdoutWriter() {
    std::thread([this] { Run(); }).detach();
    // What is still waiting goes out before the process ends (a command's
    // last lines), unless stdout takes nothing for Flush's time.
    std::atexit([] { (void)log::Flush(); });
  }

  void Run() {
    std::string out;
    std::uint64_t reported = 0;  // drops already told of
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait_for(lock, kInterval, [&] { return urgent_; });
      urgent_ = false;
      if (pending_.empty()) continue;
      out.swap(pending_);  // pending_ keeps out's buffer: no allocation
      const std::uint64_t upto = appended_;
      // Drops so far came when the lines now in `out` filled the buffer:
      // told of after them, before any line appended since.
      const std::uint64_t dropped_now = dropped();
      lock.unlock();
      WriteAll(out);
      out.clear();
      if (dropped_now != reported) {
        const Field fields[] = {{"dropped", dropped_now - reported},
                                {"dropped_total", dropped_now}};
        out = FormatLine(Level::kWarn, "log: lines dropped, stdout was not read fast enough",
                         fields);
        out.push_back('\n');
        WriteAll(out);
        out.clear();
        reported = dropped_now;
      }
      lock.lock();
      written_ = upto;
      written_cv_.notify_all();
    }
  }

  // write(2) on fd 1, not stdio: a write blocked on a stalled reader then
  // holds no lock that exit()'s flush of stdout would wait for, so the
  // process still ends after Flush gives up.
  static void WriteAll(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // stdout closed or failing: nothing to do but drop
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, written_cv_;
  std::string pending_;          // guarded by mu_
  std::uint64_t appended_ = 0;   // lines appended, guarded by mu_
  std::uint64_t written_ = 0;    // of those, written; guarded by mu_
  bool urgent_ = false;          // guarded by mu_
  std::atomic<std::uint64_t> dropped_{0};
};

// spdlog's sink for the writer above.
class StdoutWriterSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    StdoutWriter::Get().Append(std::string_view(msg.payload.data(), msg.payload.size()),
                               msg.level >= spdlog::level::warn);
  }
  void flush_() override { StdoutWriter::Get().Wake(); }
};

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<bool> g_json{true};

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("workspaced", std::make_shared<StdoutWriterSink>());
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    spdlog::register_logger(l);
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

std::string FormatLine(Level level, std::string_view msg, std::span<const Field> fields) {
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
  return line;
}

void Write(Level level, std::string_view msg, std::span<const Field> fields) {
  if (level == Level::kOff || !Enabled(level)) return;
  Logger().log(ToSpd(level), "{}", FormatLine(level, msg, fields));
}

bool Flush() { return StdoutWriter::Get().Flush(std::chrono::seconds(2)); }

std::uint64_t DroppedLines() { return StdoutWriter::Get().dropped(); }

}  // namespace workspaced::log
