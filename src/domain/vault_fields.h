// The data vault's field rules (docs/vault.md): field types, how a value of
// each is checked and normalised, the masks, and the two token kinds.
//
//   type         value (normalised)                        default mask
//   card_number  12–19 digits, Luhn-valid (' ' '-' dropped)  card  **** **** **** 4242
//   national_id  4–32 of A-Z 0-9 (' ' '-' dropped, upper)    last4 *****6789
//   email        local@domain, ≤ 254 bytes (domain lowered)  email j***@example.com
//   phone        7–15 digits, optional '+' (' ' '-' '(' ')' '.' dropped)  last4
//   text         1–4096 bytes, as given                      full  ********
//
// A caller may name another mask for a field: `last4` and `full` fit every
// type, `card` only card numbers, `email` only emails. A mask never shows
// more than the last four characters (or an email's first character and
// domain).
//
// Tokens: `vtr_` + 22 base64url characters of 16 random bytes (random), or
// `vtd_` + 22 of the HMAC-SHA256 of (type, value) under the workspace's
// token key (deterministic: equal values of one type give equal tokens in
// one workspace, and never across workspaces, whose data keys differ).
//
// Thread-safety: plain functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "common/status.h"
#include "crypto/aead.h"

namespace workspaced::domain {

inline constexpr std::size_t kMaxVaultFieldNameBytes = 64;
inline constexpr std::size_t kMaxVaultValueBytes = 4096;
inline constexpr std::size_t kMaxVaultFieldsPerRecord = 32;
inline constexpr std::size_t kMaxDetokenizeTokens = 100;
inline constexpr std::size_t kVaultTokenChars = 26;

struct VaultFieldInput {
  std::string name;
  std::string type;
  std::string value;
  std::string mask;  // "" → the type's default
  bool deterministic = false;
};

struct VaultWrite {
  std::vector<VaultFieldInput> fields;
  // What the parser found wrong: reported with the rules' own problems,
  // before the workspace's state (bad input is 422 whatever the state).
  std::vector<FieldError> parse_errors;
};

// The normalised values of `w`'s fields, in order, or every problem at
// once (kUnprocessable, after the parser's; no message holds a value).
StatusOr<std::vector<std::string>> NormaliseVaultWrite(const VaultWrite& w);
Status ValidateVaultWrite(const VaultWrite& w);

bool IsVaultFieldName(std::string_view name);
bool IsVaultFieldType(std::string_view type);
// The default mask of a field type; "" when the type is unknown.
std::string_view DefaultVaultMask(std::string_view type);
// Whether `mask` may be used on a field of `type`.
bool VaultMaskFits(std::string_view mask, std::string_view type);

// The normalised value, or a message (naming no part of the value) saying
// what a value of `type` must be.
struct NormalisedValue {
  std::optional<std::string> value;
  std::string problem;
};
NormalisedValue NormaliseVaultValue(std::string_view type, std::string_view value);

// `value` (normalised) shown through `mask`.
std::string ApplyVaultMask(std::string_view mask, std::string_view value);

// Whether `token` has the shape of a vault token (of either kind).
bool IsVaultToken(std::string_view token);
std::string RandomVaultToken(Random& random);
// The workspace's token key, derived from its data key (wipe it after use).
std::string VaultTokenKey(const crypto::Key& data_key, std::string_view workspace_id);
std::string DeterministicVaultToken(std::string_view token_key, std::string_view type,
                                    std::string_view value);

}  // namespace workspaced::domain
