#include "domain/vault_fields.h"

#include <algorithm>
#include <array>

#include "common/base64url.h"
#include "common/hmac.h"
#include "common/text.h"

namespace workspaced::domain {
namespace {

constexpr std::array<std::string_view, 5> kTypes = {"card_number", "national_id", "email", "phone",
                                                    "text"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// `value` without the characters of `drop`; nullopt when what remains holds
// a character `keep` refuses.
template <typename Keep>
std::optional<std::string> Strip(std::string_view value, std::string_view drop, Keep keep) {
  std::string out;
  for (const char c : value) {
    if (drop.find(c) != std::string_view::npos) continue;
    if (!keep(c)) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

bool LuhnValid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// Values are valid UTF-8 (the JSON parser refuses anything else); masks
// count characters, never cutting one in two.
bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The byte offset where the last `n` characters of `value` start, or npos
// when it holds at most `n`.
std::size_t LastCharsAt(std::string_view value, int n) {
  std::size_t at = value.size();
  for (int seen = 0; seen < n; ++seen) {
    if (at == 0) return std::string_view::npos;
    do --at;
    while (at > 0 && IsContinuation(value[at]));
  }
  return at == 0 ? std::string_view::npos : at;
}

// Characters (not bytes) in `value`.
std::size_t CharCount(std::string_view value) {
  return static_cast<std::size_t>(
      std::ranges::count_if(value, [](char c) { return !IsContinuation(c); }));
}

// The last four characters after `stars` stars, for a value of at least
// nine: never half or more of one (a five-character id showed four).
std::string Last4(std::string_view value, std::size_t stars) {
  if (CharCount(value) < 9) return std::string(stars, '*');
  const std::size_t at = LastCharsAt(value, 4);
  if (at == std::string_view::npos) return std::string(stars, '*');
  return std::string(stars, '*') + std::string(value.substr(at));
}

// The first character of `value` (its bytes).
std::string_view FirstChar(std::string_view value) {
  std::size_t end = 1;
  while (end < value.size() && IsContinuation(value[end])) ++end;
  return value.substr(0, end);
}

}  // namespace

bool IsVaultFieldName(std::string_view name) {
  if (name.empty() || name.size() > kMaxVaultFieldNameBytes) return false;
  const char c0 = name[0];
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_')) return false;
  return std::ranges::all_of(name,
                             [](char c) { return IsAlnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool IsVaultFieldType(std::string_view type) {
  return std::ranges::find(kTypes, type) != kTypes.end();
}

std::string_view DefaultVaultMask(std::string_view type) {
  if (type == "card_number") return "card";
  if (type == "national_id" || type == "phone") return "last4";
  if (type == "email") return "email";
  if (type == "text") return "full";
  return "";
}

bool VaultMaskFits(std::string_view mask, std::string_view type) {
  if (mask == "last4" || mask == "full") return true;
  if (mask == "card") return type == "card_number";
  if (mask == "email") return type == "email";
  return false;
}

NormalisedValue NormaliseVaultValue(std::string_view type, std::string_view value) {
  if (value.empty() || value.size() > kMaxVaultValueBytes)
    return {std::nullopt, "a value is 1 to 4096 bytes"};
  if (type == "card_number") {
    auto digits = Strip(value, " -", IsDigit);
    if (!digits || digits->size() < 12 || digits->size() > 19 || !LuhnValid(*digits))
      return {std::nullopt,
              "a card number is 12 to 19 digits (spaces and '-' allowed) with a "
              "valid check digit"};
    return {std::move(digits), ""};
  }
  if (type == "national_id") {
    auto id = Strip(value, " -", IsAlnum);
    if (!id || id->size() < 4 || id->size() > 32)
      return {std::nullopt, "a national id is 4 to 32 letters and digits (spaces and '-' allowed)"};
    std::ranges::transform(*id, id->begin(), [](char c) {
      return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    });
    return {std::move(id), ""};
  }
  if (type == "phone") {
    const bool plus = value.front() == '+';
    auto digits = Strip(value.substr(plus ? 1 : 0), " -().", IsDigit);
    if (!digits || digits->size() < 7 || digits->size() > 15)
      return {std::nullopt,
              "a phone number is 7 to 15 digits, optionally after '+' (spaces, "
              "'-', '(', ')', '.' allowed)"};
    return {(plus ? "+" : "") + *digits, ""};
  }
  if (type == "email") {
    const std::size_t at = value.find('@');
    const bool printable = std::ranges::all_of(
        value, [](char c) { return static_cast<unsigned char>(c) > ' ' && c != 0x7f; });
    // Display-safe too: the mask shows part of it (no bidi override or
    // invisible character making one address look like another).
    if (!printable || !IsDisplaySafe(value) || HasSpaceOrBlank(value) || value.size() > 254 ||
        at == 0 || at == std::string_view::npos || at > 64 ||
        value.find('@', at + 1) != std::string_view::npos ||
        value.find('.', at + 2) == std::string_view::npos || value.back() == '.')
      return {std::nullopt,
              "an email is local@domain.tld, at most 254 bytes, without spaces or invisible "
              "characters"};
    std::string out(value);
    std::transform(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(),
                   out.begin() + static_cast<std::ptrdiff_t>(at), [](char c) {
                     return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
                   });
    return {std::move(out), ""};
  }
  if (type == "text") return {std::string(value), ""};
  return {std::nullopt, "unknown field type"};
}

std::string ApplyVaultMask(std::string_view mask, std::string_view value) {
  if (mask == "card") return "**** **** **** " + std::string(value.substr(value.size() - 4));
  if (mask == "last4") return Last4(value, 5);
  if (mask == "email") {
    const std::size_t at = value.find('@');
    if (at == std::string_view::npos || at == 0) return "********";
    // The first character of a local part of three or more: of a shorter
    // one it would be half or all of it (`x@corp.example` showed whole).
    const std::string_view first = CharCount(value.substr(0, at)) >= 3 ? FirstChar(value) : "";
    return std::string(first) + "***" + std::string(value.substr(at));
  }
  return "********";
}

bool IsVaultToken(std::string_view token) {
  if (token.size() != kVaultTokenChars) return false;
  if (!token.starts_with("vtr_") && !token.starts_with("vtd_")) return false;
  return std::ranges::all_of(token.substr(4),
                             [](char c) { return IsAlnum(c) || c == '_' || c == '-'; });
}

std::string RandomVaultToken(Random& random) {
  std::string bytes(16, '\0');
  random.Fill(bytes.data(), bytes.size());
  return "vtr_" + Base64UrlEncode(bytes);
}

std::string VaultTokenKey(const crypto::Key& data_key, std::string_view workspace_id) {
  std::string key = data_key.Bytes();
  std::string info = "workspaced vault token key v1";
  info.push_back('\0');
  info += workspace_id;
  std::string derived = HmacSha256(key, info);
  crypto::Wipe(key);
  return derived;
}

std::string DeterministicVaultToken(std::string_view token_key, std::string_view type,
                                    std::string_view value) {
  std::string data(type);
  data.push_back('\0');
  data += value;
  std::string mac = HmacSha256(token_key, data);
  crypto::Wipe(data);
  return "vtd_" + Base64UrlEncode(std::string_view(mac).substr(0, 16));
}

StatusOr<std::vector<std::string>> NormaliseVaultWrite(const VaultWrite& w) {
  std::vector<FieldError> errors = w.parse_errors;
  std::vector<std::string> values;
  if (w.parse_errors.empty() && (w.fields.empty() || w.fields.size() > kMaxVaultFieldsPerRecord))
    errors.push_back({"fields", "a record has 1 to 32 fields"});
  for (const VaultFieldInput& f : w.fields) {
    const std::string at = "fields." + f.name;
    // What the parser reported is not checked again; every other member
    // is, so one answer lists every problem of the field.
    const auto reported = [&](std::string_view member) {
      const std::string path = member.empty() ? at : at + "." + std::string(member);
      return std::ranges::any_of(w.parse_errors,
                                 [&](const FieldError& e) { return e.field == path; });
    };
    values.emplace_back();
    if (!IsVaultFieldName(f.name)) {
      // Named `fields`, not by the bad name (which is not echoed); once
      // for every bad name of the body.
      static constexpr char kBadName[] =
          "a field name is 1 to 64 of A-Z a-z 0-9 _ . - and starts with a letter or _";
      if (std::ranges::none_of(errors, [](const FieldError& e) { return e.detail == kBadName; }))
        errors.push_back({"fields", kBadName});
      continue;
    }
    if (reported("")) continue;  // neither a string nor an object
    const bool type_known = IsVaultFieldType(f.type);
    if (!type_known && !reported("type"))
      errors.push_back(
          {at + ".type", "must be one of card_number, national_id, email, phone, text"});
    // A mask and a value are checked against a known type; with none, a
    // mask that fits no type is still wrong.
    if (!f.mask.empty() && !reported("mask") &&
        (type_known ? !VaultMaskFits(f.mask, f.type)
                    : std::ranges::none_of(
                          kTypes, [&](std::string_view t) { return VaultMaskFits(f.mask, t); })))
      errors.push_back({at + ".mask",
                        "must be last4 or full, card for a card_number, email for "
                        "an email"});
    if (reported("value")) continue;
    if (!type_known) {
      // What every type asks of a value (outside audit: an empty one went
      // unreported beside a missing or bad type).
      if (f.value.empty() || f.value.size() > kMaxVaultValueBytes)
        errors.push_back({at + ".value", "a value is 1 to 4096 bytes"});
      continue;
    }
    NormalisedValue v = NormaliseVaultValue(f.type, f.value);
    if (!v.value) errors.push_back({at + ".value", v.problem});
    if (v.value) values.back() = std::move(*v.value);
  }
  if (errors.empty()) return values;
  for (auto& v : values) crypto::Wipe(v);
  return Unprocessable("the record is not valid").WithFields(std::move(errors));
}

Status ValidateVaultWrite(const VaultWrite& w) {
  StatusOr<std::vector<std::string>> values = NormaliseVaultWrite(w);
  if (!values.ok()) return values.status();
  for (auto& v : *values) crypto::Wipe(v);
  return Status::Ok();
}

}  // namespace workspaced::domain
