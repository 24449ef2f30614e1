// Object ids as SpiceDB accepts them.
//
// SpiceDB allows object ids of [a-zA-Z0-9/_|\-=+] only; subjects from tokens
// (`alice@example.com`) and group names (`Data Science`) hold other
// characters. EncodeId keeps every letter, digit, `_` and `-` as is and writes
// every other byte as `+` and two uppercase hex digits (`alice+40example+2Ecom`):
// reversible, readable, and an id that needs no escaping is unchanged (so
// UUIDs and plain names look the same in SpiceDB as here).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace workspaced::spicedb {

std::string EncodeId(std::string_view id);
// nullopt when `encoded` is not something EncodeId produces.
std::optional<std::string> DecodeId(std::string_view encoded);

}  // namespace workspaced::spicedb
