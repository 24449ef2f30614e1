#!/usr/bin/env bash
# The data vault (docs/vault.md): a detokenize of 10 tokens by an admin
# (POST …/vault/detokenize: 10 values opened, a vault.detokenize audit event
# committed before the answer) and the same 10 tokens masked (a caller
# without `detokenize`: no decryption, no audit) against GET
# /v1/workspaces/{id} on the same server, in the same run (bench/
# against_get.sh). Goal from issue 18: within 1.5× of the GET.
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
# shellcheck source=bench/against_get.sh
source "$BENCH_DIR/against_get.sh"

pillar_workspace "$BENCH_TMP/data" "vault bench"

tokens=$(vault_record_tokens)
[[ $(jq length <<<"$tokens") == 10 ]] || { log "no record of 10 tokens: $tokens"; exit 1; }
printf 'wrk.method = "POST"\nwrk.body = [[{"tokens":%s}]]\nwrk.headers["Content-Type"] = "application/json"\n' \
  "$tokens" >"$BENCH_TMP/detokenize.lua"

# A reader without `detokenize`: a workspace member.
member_token=$("$WORKSPACED" token --sub bench-member --ttl 2h --data-dir "$BENCH_TMP/data")
curl -sf --max-time 10 -X PUT "${auth[@]}" -d '{"role":"member"}' \
  "$WS_URL/v1/workspaces/$ws_id/members/bench-member" >/dev/null

get_url="$WS_URL/v1/workspaces/$ws_id" url="$WS_URL/v1/workspaces/$ws_id/vault/detokenize"
against_get vault_detokenize_10 "$get_url" "$url" "$token" "$BENCH_TMP/detokenize.lua"
against_get vault_detokenize_10_masked "$get_url" "$url" "$member_token" "$BENCH_TMP/detokenize.lua"
