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
# shellcheck source=bench/against_get.sh
source "$BENCH_DIR/against_get.sh"

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
pillar_workspace "$BENCH_TMP/data" "secrets bench"
curl -sf --max-time 10 -X PUT "${auth[@]}" -d '{"value":"bench-value-0123456789abcdef","environment":"prod"}' \
  "$WS_URL/v1/workspaces/$ws_id/secrets/DB_PASSWORD" >/dev/null
printf 'wrk.method = "POST"\nwrk.body = "{}"\nwrk.headers["Content-Type"] = "application/json"\n' \
  >"$BENCH_TMP/reveal.lua"

get_url="$WS_URL/v1/workspaces/$ws_id" reveal_url="$WS_URL/v1/workspaces/$ws_id/secrets/DB_PASSWORD/reveal"
against_get secret_reveal "$get_url" "$reveal_url" "$token" "$BENCH_TMP/reveal.lua"
