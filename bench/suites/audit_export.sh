#!/usr/bin/env bash
# The audit log's read path and the export, as a workspace's log grows.
#
# Three databases, each with one workspace holding SMALL, MID and LARGE audit
# events (full mode: 10 thousand, 1 million, 10 million; quick mode: 10
# thousand, 100 thousand, 1 million). Events are inserted with SQL in bulk:
# their hashes are placeholders (reads never check them; `audit verify` would
# fail on these databases, which is not what is measured here).
#
# Figures, each server fresh on core 0 (--threads 1), wrk on core 1:
# - the first page (`?limit=50`) and an actor-filtered page at each size:
#   requests/s and p50; the ratio is the p50 at each size against the p50 at
#   SMALL, measured in the same run (goal: the LARGE page within 1.5×);
# - the export (NDJSON, streamed) of the MID and LARGE workspaces: MB/s, and
#   the server's peak RSS (VmHWM, read from /proc after the export on a fresh
#   process) against the same after exporting the SMALL workspace (goal: the
#   difference within 16 MiB, i.e. memory flat whatever the size).
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

sizes=(10000 1000000 10000000)
[[ $BENCH_MODE == quick ]] && sizes=(10000 100000 1000000)

# seed DIR N: one workspace with N audit events; prints the workspace id.
seed() {
  local dir=$1 n=$2 ws
  ws=$("$WS_SEED" --data-dir "$dir" --subject bench --workspaces 1 --others 0)
  sqlite3 -cmd '.timeout 5000' "$dir/workspaced.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $n)
INSERT INTO audit_events (time, actor, actor_auth, action, target_type, target_id, workspace_id,
                          outcome, request_id, source_ip, user_agent, details, prev_hash, hash)
SELECT 1700000000000000 + i * 1000, 'user-' || (i % 100), 'jwt',
       CASE i % 4 WHEN 0 THEN 'member.put' WHEN 1 THEN 'member.delete'
                  WHEN 2 THEN 'workspace.freeze' ELSE 'workspace.unfreeze' END,
       'workspace_member', 'm' || i, '$ws', 'success', 'req_' || i, '10.0.0.' || (i % 250),
       'bench/1.0', '{"role":"viewer"}', printf('%064x', i - 1), printf('%064x', i)
FROM c;
INSERT OR REPLACE INTO audit_chain_heads (scope, seq, hash)
  SELECT '$ws', MAX(seq), printf('%064x', $n) FROM audit_events WHERE workspace_id = '$ws';
COMMIT;
SQL
  echo "$ws"
}

vmhwm_kib() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"; }

declare -A p50 rps fp50 hwm mbps
for n in "${sizes[@]}"; do
  dir="$BENCH_TMP/audit-$n"
  log "seeding $n audit events"
  t0=$(date +%s%N)
  ws=$(seed "$dir" "$n")
  log "seeded $n events in $(((($(date +%s%N) - t0)) / 1000000)) ms ($(du -sh "$dir" | cut -f1))"
  start_workspaced "$dir" "$("$WS_PROBE" free-port)"
  token=$("$WORKSPACED" token --sub bench --ttl 2h --data-dir "$dir")

  # The export first, on the fresh process, so VmHWM is the export's peak.
  read -r bytes secs code < <(curl -s --max-time 1200 -o /dev/null -H "Authorization: Bearer $token" \
    -w '%{size_download} %{time_total} %{http_code}\n' "$WS_URL/v1/workspaces/$ws/export?format=ndjson")
  [[ $code == 200 ]] || { log "export of $n events answered $code"; exit 1; }
  hwm[$n]=$(vmhwm_kib "$WS_PID")
  mbps[$n]=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / 1048576 / s }')
  log "$n events: export $((bytes / 1048576)) MiB at ${mbps[$n]} MB/s, peak RSS ${hwm[$n]} KiB"

  page="$WS_URL/v1/workspaces/$ws/audit?limit=50"
  got=$(curl -sf -H "Authorization: Bearer $token" "$page" | jq length)
  ((got == 50)) || { log "the audit page of $n events has $got items"; exit 1; }
  wrk_run "$page" "$BENCH_WARMUP" "$token" >/dev/null
  read -r rps[$n] p50[$n] _ < <(wrk_run "$page" "$BENCH_SECONDS" "$token")
  read -r _ fp50[$n] _ < <(wrk_run "$page&actor=user-7" "$BENCH_SECONDS" "$token")
  log "$n events: page ${rps[$n]} req/s p50 ${p50[$n]} ms; actor-filtered p50 ${fp50[$n]} ms"
  bench_cleanup
  rm -rf "$dir"
done

small=${sizes[0]} mid=${sizes[1]} large=${sizes[2]}
for n in "$mid" "$large"; do
  emit "audit_page_${n}_p50_ms" "${p50[$n]}" ms "audit_page_${small}_p50_ms" "${p50[$small]}" \
    "$([[ $n == "$large" ]] && echo "ratio <= 1.5")"
  emit "audit_page_actor_${n}_p50_ms" "${fp50[$n]}" ms "audit_page_actor_${small}_p50_ms" \
    "${fp50[$small]}" "$([[ $n == "$large" ]] && echo "ratio <= 1.5")"
done
emit "audit_page_${small}_rps" "${rps[$small]}" "req/s"
for n in "$mid" "$large"; do
  emit "export_${n}_mb_per_s" "${mbps[$n]}" "MB/s"
  growth=$(((hwm[$n] - hwm[$small]) / 1024))
  emit "export_${n}_peak_rss_growth_mib" "$growth" MiB "export_${small}_peak_rss_mib" \
    "$((hwm[$small] / 1024))" "$([[ $n == "$large" ]] && echo "value <= 16")"
done
