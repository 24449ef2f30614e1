#include "common/text.h"

#include <strings.h>

#include <algorithm>
#include <cstdint>

namespace workspaced {
namespace {

// Decodes the code point at s[i] and advances i; nullopt when invalid.
std::optional<std::uint32_t> Next(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) return std::nullopt;
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += static_cast<std::size_t>(len);
  return cp;
}

bool Unsafe(std::uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||       // C0, DEL, C1
         (cp >= 0x202A && cp <= 0x202E) ||                // bidi embeddings and overrides
         (cp >= 0x2066 && cp <= 0x2069) ||                // bidi isolates
         cp == 0x200E || cp == 0x200F || cp == 0x061C ||  // bidi marks
         cp == 0x2028 || cp == 0x2029 ||                  // line and paragraph separators
         cp == 0xFEFF ||                                  // zero-width no-break space (BOM)
         // Invisible characters that join nothing: "admin" followed by one
         // shows as "admin" (soft hyphen, combining grapheme joiner, Hangul
         // fillers, Khmer inherent vowels, Mongolian vowel separator, zero
         // width space, word joiner and invisible operators, deprecated
         // format characters).
         cp == 0x00AD || cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 ||
         cp == 0x17B5 || cp == 0x180E || cp == 0x200B || (cp >= 0x2060 && cp <= 0x2064) ||
         (cp >= 0x206A && cp <= 0x206F) || cp == 0x3164 || cp == 0xFFA0 ||
         (cp >= 0xFFF9 && cp <= 0xFFFB) ||                // interlinear annotations
         (cp >= 0xE0000 && cp <= 0xE007F);                // tags (invisible ASCII)
}

// Unicode's White_Space property (PropList.txt).
bool WhiteSpace(std::uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// Allowed by IsDisplaySafe (names need them after other characters) but
// shows as nothing on its own: joiners, variation selectors, the braille
// blank, the musical format characters.
bool IsVariationSelector(std::uint32_t cp) {
  return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

bool IsMongolianSelector(std::uint32_t cp) { return cp >= 0x180B && cp <= 0x180F; }

bool ShowsNothing(std::uint32_t cp) {
  return cp == 0x200C || cp == 0x200D || IsVariationSelector(cp) || IsMongolianSelector(cp) ||
         cp == 0x2800 || (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0x1BCA0 && cp <= 0x1BCA3);
}

}  // namespace

std::size_t DisplayWidth(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t at = i;
    const auto cp = Next(s, i);
    if (!cp) {  // a byte that is not UTF-8: one column, as a terminal shows it
      i = at + 1;
      ++width;
      continue;
    }
    const std::uint32_t c = *cp;
    // Combining marks, joiners and variation selectors take no column.
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) ||
        (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
        (c >= 0x20D0 && c <= 0x20FF))
      continue;
    // East Asian wide and fullwidth characters and most emoji take two.
    const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
                      (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
                      (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
                      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                      (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                      (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
                      (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
    width += wide ? 2 : 1;
  }
  return width;
}

bool LooksBlank(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto cp = Next(s, i);
    if (!cp) return false;
    if (!WhiteSpace(*cp) && !ShowsNothing(*cp)) return false;
  }
  return true;
}

std::string_view SkipBlankStart(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t next = i;
    const auto cp = Next(s, next);
    if (!cp || (!WhiteSpace(*cp) && !ShowsNothing(*cp))) break;
    i = next;
  }
  return s.substr(i);
}

bool HasBlankEdge(std::string_view s) {
  if (s.empty()) return false;
  if (SkipBlankStart(s).size() != s.size()) return true;
  // The trailing run of characters that show as nothing, and the one
  // before it.
  std::uint32_t visible = 0;
  std::size_t run = 0;
  std::uint32_t last = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto cp = Next(s, i);
    if (!cp) return false;
    if (WhiteSpace(*cp) || ShowsNothing(*cp)) {
      ++run;
    } else {
      visible = *cp;
      run = 0;
    }
    last = *cp;
  }
  if (run == 0) return false;
  if (run > 1) return true;
  // One: a variation selector after a symbol or an ideograph chooses its
  // look (an emoji's U+FE0F), a Mongolian one a Mongolian letter's form;
  // after a letter of an alphabet it shows as nothing.
  if (IsVariationSelector(last)) return visible < 0x2000;
  if (IsMongolianSelector(last)) return visible < 0x1820 || visible > 0x18AF;
  return true;
}

bool HasSpaceOrBlank(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto cp = Next(s, i);
    if (!cp) return false;
    if (WhiteSpace(*cp) || ShowsNothing(*cp)) return true;
  }
  return false;
}

std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const std::size_t start = i;
  return Next(s, i) ? i - start : 0;
}

std::optional<std::size_t> Utf8Length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n)
    if (!Next(s, i)) return std::nullopt;
  return n;
}

bool IsDisplaySafe(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto cp = Next(s, i);
    if (!cp) return false;
    if (Unsafe(*cp)) return false;
  }
  return true;
}

bool HasSurroundingSpace(std::string_view s) {
  if (s.empty()) return false;
  std::size_t i = 0;
  if (const auto first = Next(s, i); first && WhiteSpace(*first)) return true;
  // The last character starts at the last byte that is not a continuation.
  std::size_t last = s.size() - 1;
  while (last > 0 && (static_cast<unsigned char>(s[last]) & 0xC0) == 0x80) --last;
  const auto cp = Next(s, last);
  return cp && WhiteSpace(*cp);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string ShownSafely(std::string_view s) {
  if (IsDisplaySafe(s)) return std::string(s);
  return BoundedText(s, 10 * s.size() + 8);  // room for every escape: never cut
}

std::string BoundedText(std::string_view s, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr std::string_view kCut = "\xe2\x80\xa6";  // …
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  std::size_t fits = 0;  // a character boundary of `out` that leaves room for kCut
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t at = i;
    const auto cp = Next(s, i);
    if (!cp) {
      const auto b = static_cast<unsigned char>(s[at]);
      i = at + 1;
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else if (*cp < 0x80 && Unsafe(*cp)) {
      out += "\\x";
      out += kHex[*cp >> 4];
      out += kHex[*cp & 15];
    } else if (Unsafe(*cp)) {
      const bool wide = *cp > 0xFFFF;
      out += wide ? "\\U" : "\\u";
      for (int shift = wide ? 28 : 12; shift >= 0; shift -= 4) out += kHex[(*cp >> shift) & 15];
    } else if (*cp == '\\') {
      out += "\\\\";
    } else {
      out.append(s.substr(at, i - at));
    }
    if (out.size() > max_bytes) {
      out.resize(fits);
      out += kCut;
      return out;
    }
    if (out.size() + kCut.size() <= max_bytes) fits = out.size();
  }
  return out;
}

std::string CutBoundedText(std::string_view s, std::size_t max_bytes) {
  static constexpr std::string_view kCut = "\xe2\x80\xa6";  // …
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t fits = 0;  // the last character boundary that leaves room for kCut
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = std::max<std::size_t>(1, Utf8SequenceLength(s, i));
    if (i + n + kCut.size() > max_bytes) break;
    i += n;
    fits = i;
  }
  return std::string(s.substr(0, fits)) + std::string(kCut);
}

}  // namespace workspaced
