#!/usr/bin/env bash
# Sourced by the pillars' suites (secrets.sh, vault.sh), after lib.sh.

# A server on DATA_DIR with one active workspace: sets $token (sub admin),
# $auth (curl headers) and $ws_id.
#   pillar_workspace DATA_DIR NAME
pillar_workspace() {
  start_workspaced "$1" "$("$WS_PROBE" free-port)"
  pillar_workspace_on_running "$1" "$2"
}

# The same on a server already answering at $WS_URL on DATA_DIR.
#   pillar_workspace_on_running DATA_DIR NAME
pillar_workspace_on_running() {
  local data=$1 name=$2 account status
  token=$("$WORKSPACED" token --sub admin --ttl 2h --data-dir "$data")
  account=$(sqlite3 -cmd '.timeout 5000' "$data/workspaced.db" \
    "SELECT value FROM meta WHERE key = 'default_account_id'")
  [[ -n $account ]] || { log "no default account in $data"; exit 1; }
  auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
  ws_id=$(curl -sf --max-time 10 "${auth[@]}" \
    -d "{\"account_id\":\"$account\",\"name\":\"$name\",\"region\":\"us-east-1\"}" \
    "$WS_URL/v1/workspaces" | jq -r .workspace_id)
  for _ in $(seq 1 300); do
    status=$(curl -sf --max-time 5 "${auth[@]}" "$WS_URL/v1/workspaces/$ws_id" | jq -r .status)
    [[ $status == active ]] && break
    sleep 0.1
  done
  [[ $status == active ]] || { log "workspace $ws_id is $status, not active"; exit 1; }
}

# Makes one vault record of 10 fields (mixed types, two deterministic) in
# $ws_id at $WS_URL with $auth; prints its tokens as a JSON array.
#   vault_record_tokens
vault_record_tokens() {
  local fields i
  fields='"card":{"type":"card_number","value":"4242 4242 4242 4242"},'
  fields+='"email":{"type":"email","value":"jane@example.com","deterministic":true},'
  fields+='"ssn":{"type":"national_id","value":"123-45-6789","deterministic":true},'
  fields+='"phone":{"type":"phone","value":"+1 555 010 9999"}'
  for i in $(seq 1 6); do fields+=",\"note$i\":{\"type\":\"text\",\"value\":\"bench note $i\"}"; done
  curl -sf --max-time 30 "${auth[@]}" -d "{\"fields\":{$fields}}" \
    "$WS_URL/v1/workspaces/$ws_id/vault/records" | jq -c '[.fields[].token]'
}

# One endpoint against GET /v1/workspaces/{id} on the same server, same
# token, in the same run, rounds alternating which goes first; emits
# <name>.p50/.rps/.p99 with the median per-round ratio (goal <= 1.5).
#   against_get NAME GET_URL URL TOKEN LUA
against_get() {
  local name=$1 get_url=$2 url=$3 token=$4 lua=$5
  wrk_run "$get_url" "$BENCH_WARMUP" "$token" >/dev/null
  wrk_run "$url" "$BENCH_WARMUP" "$token" "$lua" >/dev/null
  local -A rps=() p50=() p99=()
  local ratios_p50="" ratios_rps="" round order what r l50 l99
  for round in $(seq 1 "$BENCH_ROUNDS"); do
    order="get it"
    ((round % 2 == 0)) && order="it get"
    for what in $order; do
      if [[ $what == get ]]; then
        read -r r l50 l99 < <(wrk_run "$get_url" "$BENCH_SECONDS" "$token")
      else
        read -r r l50 l99 < <(wrk_run "$url" "$BENCH_SECONDS" "$token" "$lua")
      fi
      [[ -n ${r:-} ]] || exit 1
      rps[$what]+="$r " p50[$what]+="$l50 " p99[$what]+="$l99 "
      log "round $round ${what/it/$name}: $r req/s, p50 $l50 ms, p99 $l99 ms"
    done
    # Each round's own ratio, so a slow spell hits both sides alike.
    ratios_p50+="$(awk -v a="$(echo "${p50[it]}" | awk '{ print $NF }')" \
      -v b="$(echo "${p50[get]}" | awk '{ print $NF }')" 'BEGIN { print a / b }') "
    ratios_rps+="$(awk -v a="$(echo "${rps[get]}" | awk '{ print $NF }')" \
      -v b="$(echo "${rps[it]}" | awk '{ print $NF }')" 'BEGIN { print a / b }') "
  done
  # shellcheck disable=SC2086
  {
    emit "$name.p50" "$(median ${p50[it]})" ms get_workspace "$(median ${p50[get]})" \
      "ratio <= 1.5" "$(median $ratios_p50 | awk '{ printf "%.3f", $1 }')"
    # rps: GET's over the endpoint's (how many times slower), so the same
    # goal reads the same way.
    emit "$name.rps" "$(median ${rps[it]})" req/s get_workspace "$(median ${rps[get]})" \
      "ratio <= 1.5" "$(median $ratios_rps | awk '{ printf "%.3f", $1 }')"
    emit "$name.p99" "$(median ${p99[it]})" ms get_workspace "$(median ${p99[get]})"
  }
}
