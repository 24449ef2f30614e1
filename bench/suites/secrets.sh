#!/usr/bin/env bash
# The secrets pillar (docs/secrets.md): a reveal (POST …/secrets/{name}/reveal,
# which decrypts the value and commits a secret.reveal audit event before
# answering, with the concurrent reveals' events: domain/audit_group_commit.h)
# against GET /v1/workspaces/{id} on the same server, same
# workspace, same token, in the same run: rounds alternating which goes first
# (wrk on core 1, the server on core 0 with one thread). Goal from issue 18:
# a reveal's p50 within 1.5× of the GET's.
#
# And crypto::Seal's throughput (ws_bench_seal: a fresh nonce per value and
# the thread's EVP context, as a PUT pays) against `openssl speed -evp
# aes-256-gcm` at the same block size, measured in the same run: 1 KiB (a
# typical secret) and 16 KiB. Both per second of CPU time (openssl speed's
# default), so load on the machine moves neither. No goal: the ratio shows
# what the per-value setup (nonce, IV, AAD, tag) costs.
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

seal_seconds=3
[[ $BENCH_MODE == quick ]] && seal_seconds=1

# --- sealing throughput ---
seal_bench="$(dirname "$WS_SEED")/ws_bench_seal"
for bytes in 1024 16384; do
  read -r _ ours < <(taskset -c 0 "$seal_bench" "$bytes" "$seal_seconds")
  theirs=$(taskset -c 0 openssl speed -evp aes-256-gcm -bytes "$bytes" -seconds "$seal_seconds" -mr \
    2>/dev/null | awk -F: '$1 == "+F" { print $4 }')
  [[ -n $ours && -n $theirs ]] || { log "no sealing figure for $bytes bytes"; exit 1; }
  log "seal $bytes B: ours $ours B/s, openssl speed $theirs B/s"
  emit "seal_${bytes}b.mbps" "$(awk -v b="$ours" 'BEGIN { printf "%.1f", b / 1e6 }')" MB/s \
    openssl_speed "$(awk -v b="$theirs" 'BEGIN { printf "%.1f", b / 1e6 }')"
done

# --- reveal against GET on one server ---
data="$BENCH_TMP/data"
start_workspaced "$data" "$("$WS_PROBE" free-port)"
token=$("$WORKSPACED" token --sub admin --ttl 2h --data-dir "$data")
account=$(sqlite3 -cmd '.timeout 5000' "$data/workspaced.db" \
  "SELECT value FROM meta WHERE key = 'default_account_id'")
[[ -n $account ]] || { log "no default account in $data"; exit 1; }
auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
ws_id=$(curl -sf --max-time 10 "${auth[@]}" -d "{\"account_id\":\"$account\",\"name\":\"secrets bench\",\"region\":\"us-east-1\"}" \
  "$WS_URL/v1/workspaces" | jq -r .workspace_id)
for _ in $(seq 1 300); do
  status=$(curl -sf --max-time 5 "${auth[@]}" "$WS_URL/v1/workspaces/$ws_id" | jq -r .status)
  [[ $status == active ]] && break
  sleep 0.1
done
[[ $status == active ]] || { log "workspace $ws_id is $status, not active"; exit 1; }
curl -sf --max-time 10 -X PUT "${auth[@]}" -d '{"value":"bench-value-0123456789abcdef","environment":"prod"}' \
  "$WS_URL/v1/workspaces/$ws_id/secrets/DB_PASSWORD" >/dev/null
printf 'wrk.method = "POST"\nwrk.body = "{}"\nwrk.headers["Content-Type"] = "application/json"\n' \
  >"$BENCH_TMP/reveal.lua"

get_url="$WS_URL/v1/workspaces/$ws_id" reveal_url="$WS_URL/v1/workspaces/$ws_id/secrets/DB_PASSWORD/reveal"
wrk_run "$get_url" "$BENCH_WARMUP" "$token" >/dev/null
wrk_run "$reveal_url" "$BENCH_WARMUP" "$token" "$BENCH_TMP/reveal.lua" >/dev/null
declare -A rps=() p50=() p99=()
ratios_p50="" ratios_rps=""
for round in $(seq 1 "$BENCH_ROUNDS"); do
  order="get reveal"
  ((round % 2 == 0)) && order="reveal get"
  for what in $order; do
    if [[ $what == get ]]; then
      read -r r l50 l99 < <(wrk_run "$get_url" "$BENCH_SECONDS" "$token")
    else
      read -r r l50 l99 < <(wrk_run "$reveal_url" "$BENCH_SECONDS" "$token" "$BENCH_TMP/reveal.lua")
    fi
    [[ -n ${r:-} ]] || exit 1
    rps[$what]+="$r " p50[$what]+="$l50 " p99[$what]+="$l99 "
    log "round $round $what: $r req/s, p50 $l50 ms, p99 $l99 ms"
  done
  # Each round's own ratio, so a slow spell hits both sides alike.
  ratios_p50+="$(awk -v a="$(echo "${p50[reveal]}" | awk '{ print $NF }')" \
    -v b="$(echo "${p50[get]}" | awk '{ print $NF }')" 'BEGIN { print a / b }') "
  ratios_rps+="$(awk -v a="$(echo "${rps[get]}" | awk '{ print $NF }')" \
    -v b="$(echo "${rps[reveal]}" | awk '{ print $NF }')" 'BEGIN { print a / b }') "
done
# shellcheck disable=SC2086
{
  emit secret_reveal.p50 "$(median ${p50[reveal]})" ms get_workspace "$(median ${p50[get]})" \
    "ratio <= 1.5" "$(median $ratios_p50 | awk '{ printf "%.3f", $1 }')"
  # rps: the ratio is GET's over the reveal's (how many times slower), so
  # the same goal reads the same way.
  emit secret_reveal.rps "$(median ${rps[reveal]})" req/s get_workspace "$(median ${rps[get]})" \
    "ratio <= 1.5" "$(median $ratios_rps | awk '{ printf "%.3f", $1 }')"
  emit secret_reveal.p99 "$(median ${p99[reveal]})" ms get_workspace "$(median ${p99[get]})"
}
