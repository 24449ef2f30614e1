#include "common/time_format.h"

#include <charconv>

namespace workspaced {
namespace {

// Days from civil date, proleptic Gregorian (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Writes `n` as exactly `width` digits ending just before `end`.
char* PutDigits(char* end, std::int64_t n, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  return end;
}

// Hand-formatted (no snprintf, no gmtime_r): resource times are rendered on
// every list item, so this sits on the hot read path.
std::string Format(Micros t, bool micros) {
  std::int64_t secs = t / 1'000'000;
  std::int64_t frac = t % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil date from days since the epoch (Howard Hinnant's algorithm).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2);

  char buf[32] = "0000-00-00T00:00:00.000000Z";
  PutDigits(buf + 4, y, 4);
  PutDigits(buf + 7, m, 2);
  PutDigits(buf + 10, d, 2);
  PutDigits(buf + 13, rem / 3600, 2);
  PutDigits(buf + 16, rem / 60 % 60, 2);
  PutDigits(buf + 19, rem % 60, 2);
  if (!micros) {
    buf[19] = 'Z';
    return std::string(buf, 20);
  }
  PutDigits(buf + 26, frac, 6);
  return std::string(buf, 27);
}

bool Digits(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::string FormatRfc3339(Micros t) { return Format(t, false); }
std::string FormatRfc3339Micros(Micros t) { return Format(t, true); }

std::optional<Micros> ParseRfc3339(std::string_view s, TimeEdge edge) {
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, h) ||
      s[13] != ':' || !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, se)) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  if (d < 1 || d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return std::nullopt;
  std::size_t pos = 19;
  Micros frac = 0;
  Micros span = 1'000'000;  // what the given precision covers
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) {
        frac = frac * 10 + (s[pos] - '0');
        span /= 10;
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) frac *= 10;
  }
  if (edge == TimeEdge::kEnd) frac += span - 1;
  if (se == 60) {
    se = 59;
    frac = 999'999;
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (oh * 60 + om) * 60 * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset;
  return secs * 1'000'000 + frac;
}

}  // namespace workspaced
