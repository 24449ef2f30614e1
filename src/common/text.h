// Checks on text a client names things with (workspace and account names,
// labels, group names): lengths count Unicode code points, not bytes, and
// nothing that would disguise the text where it is shown is accepted.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace workspaced {

// The number of code points of `s`; nullopt when `s` is not valid UTF-8
// (overlong forms, surrogates and values above U+10FFFF are invalid).
std::optional<std::size_t> Utf8Length(std::string_view s);

// The length in bytes of the valid UTF-8 sequence starting at s[i] (1-4), or
// 0 when none starts there.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i);

// True when `s` is valid UTF-8 holding no control character (C0, DEL, C1:
// U+0080-U+009F), no bidirectional override, isolate or mark (U+202A-U+202E,
// U+2066-U+2069, U+200E, U+200F, U+061C), which could make a name display as
// another, no line or paragraph separator (U+2028, U+2029: a line break to
// JavaScript and some log readers), and no invisible character that carries
// text (U+FEFF, interlinear annotations U+FFF9-U+FFFB, tags U+E0000-U+E007F)
// or shows as nothing and joins nothing (soft hyphen, zero width space, word
// joiner and invisible operators, combining grapheme joiner, Hangul fillers,
// Khmer inherent vowels, Mongolian vowel separator, deprecated format
// characters U+206A-U+206F). Joiners (ZWJ, ZWNJ) and variation selectors
// are allowed: emoji and several scripts need them.
bool IsDisplaySafe(std::string_view s);

// True when `s` begins or ends with a Unicode White_Space character (a
// space, a no-break space, an ideographic space, a tab, a line end, …):
// a name that differs from another only there looks the same as it.
bool HasSurroundingSpace(std::string_view s);

// The columns `s` takes in a terminal, near enough to align a table:
// combining marks, joiners and variation selectors none, East Asian wide
// characters and most emoji two, anything else (a byte that is not UTF-8
// too) one.
std::size_t DisplayWidth(std::string_view s);

// True when every character of `s` is White_Space or shows as nothing on
// its own (a joiner, a variation selector, the braille blank U+2800, a
// musical format character U+1D173-U+1D17A): a name made of them looks
// empty. True for "".
bool LooksBlank(std::string_view s);

// `s` after the White_Space characters and those that show as nothing on
// their own (as LooksBlank counts them) it begins with: what a reader, or
// a spreadsheet that trims, sees first.
std::string_view SkipBlankStart(std::string_view s);

// True when `s` begins with a White_Space character or one that shows as
// nothing on its own, or ends with such characters — one variation
// selector at the end is allowed after a symbol or an ideograph (an
// emoji's U+FE0F chooses its look), one Mongolian selector after a
// Mongolian letter: "alice", "josé" and "борис" look the same with a
// trailing ZWJ, U+FE0F or braille blank.
bool HasBlankEdge(std::string_view s);

// True when `s` holds one such character anywhere (an email address holds
// none).
bool HasSpaceOrBlank(std::string_view s);

// ASCII case-insensitive equality (header names, algorithm names).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// `s` made safe to store and show whatever a client sent, in at most
// `max_bytes` bytes (>= 8): what IsDisplaySafe refuses is escaped — bytes
// that are not valid UTF-8 and C0 controls and DEL as \xHH, the others as
// \uHHHH (\UHHHHHHHH above U+FFFF), and the backslash itself as \\ — and
// a longer result is cut at a character boundary and ends in "…". For the
// client strings the audit log keeps (user agents, paths, reasons).
std::string BoundedText(std::string_view s, std::size_t max_bytes);

// `s` as it may be shown on a terminal or in a file others open: itself
// when IsDisplaySafe, else escaped whole as BoundedText escapes it (a
// control character, ESC included, as \x1b; never cut).
std::string ShownSafely(std::string_view s);

// Text BoundedText already made safe, in at most `max_bytes` (>= 8): cut at
// a character boundary and ended in "…" when longer, escaped no further
// (BoundedText again would double every backslash).
std::string CutBoundedText(std::string_view s, std::size_t max_bytes);

}  // namespace workspaced
