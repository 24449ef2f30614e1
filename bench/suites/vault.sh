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

data="$BENCH_TMP/data"
start_workspaced "$data" "$("$WS_PROBE" free-port)"
token=$("$WORKSPACED" token --sub admin --ttl 2h --data-dir "$data")
account=$(sqlite3 -cmd '.timeout 5000' "$data/workspaced.db" \
  "SELECT value FROM meta WHERE key = 'default_account_id'")
[[ -n $account ]] || { log "no default account in $data"; exit 1; }
auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
ws_id=$(curl -sf --max-time 10 "${auth[@]}" -d "{\"account_id\":\"$account\",\"name\":\"vault bench\",\"region\":\"us-east-1\"}" \
  "$WS_URL/v1/workspaces" | jq -r .workspace_id)
for _ in $(seq 1 300); do
  status=$(curl -sf --max-time 5 "${auth[@]}" "$WS_URL/v1/workspaces/$ws_id" | jq -r .status)
  [[ $status == active ]] && break
  sleep 0.1
done
[[ $status == active ]] || { log "workspace $ws_id is $status, not active"; exit 1; }

# One record of 10 fields (mixed types, two deterministic).
fields='"card":{"type":"card_number","value":"4242 4242 4242 4242"},'
fields+='"email":{"type":"email","value":"jane@example.com","deterministic":true},'
fields+='"ssn":{"type":"national_id","value":"123-45-6789","deterministic":true},'
fields+='"phone":{"type":"phone","value":"+1 555 010 9999"}'
for i in $(seq 1 6); do fields+=",\"note$i\":{\"type\":\"text\",\"value\":\"bench note $i\"}"; done
tokens=$(curl -sf --max-time 10 "${auth[@]}" -d "{\"fields\":{$fields}}" \
  "$WS_URL/v1/workspaces/$ws_id/vault/records" | jq -c '[.fields[].token]')
[[ $(jq length <<<"$tokens") == 10 ]] || { log "no record of 10 tokens: $tokens"; exit 1; }
printf 'wrk.method = "POST"\nwrk.body = [[{"tokens":%s}]]\nwrk.headers["Content-Type"] = "application/json"\n' \
  "$tokens" >"$BENCH_TMP/detokenize.lua"

# A reader without `detokenize`: a workspace member.
member_token=$("$WORKSPACED" token --sub bench-member --ttl 2h --data-dir "$data")
curl -sf --max-time 10 -X PUT "${auth[@]}" -d '{"role":"member"}' \
  "$WS_URL/v1/workspaces/$ws_id/members/bench-member" >/dev/null

get_url="$WS_URL/v1/workspaces/$ws_id" url="$WS_URL/v1/workspaces/$ws_id/vault/detokenize"
against_get vault_detokenize_10 "$get_url" "$url" "$token" "$BENCH_TMP/detokenize.lua"
against_get vault_detokenize_10_masked "$get_url" "$url" "$member_token" "$BENCH_TMP/detokenize.lua"
