// The bodies of the data vault (docs/vault.md), read by the one strict JSON
// reader (api/json_body.h: duplicate member names refused). Not a JSON
// object: 400. Their own file so the fuzzer can reach them.
//
// POST …/vault/records: {"fields": {"<name>": {"type", "value",
// "deterministic"?, "mask"?}}}, or a field's value as a plain string: a
// `text` field ({"fields": {"<name>": "<value>"}}); field problems are kept in
// VaultWrite::parse_errors and reported by the operation after the
// workspace's state (423 first), with the rules' own.
//
// POST …/vault/detokenize: {"tokens": [1 to 100 tokens]}; kUnprocessable
// naming each bad entry (`tokens[3]`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/vault_fields.h"

namespace workspaced::api {

StatusOr<domain::VaultWrite> ParseVaultRecordBody(std::string_view body);
StatusOr<std::vector<std::string>> ParseDetokenizeBody(std::string_view body);

}  // namespace workspaced::api
