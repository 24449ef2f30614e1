#!/usr/bin/env bash
# The provisioning saga on the embedded default: N creates (POST
# /v1/workspaces) from concurrent clients until every workspace is active.
#
# Figures: workspaces per second (first POST to last run finished) and the
# create→active latency of each workspace (its run's finished_at minus its
# created_at, both written by the server), under that load.
#
# Baseline, measured in the same run on the same disk: durable SQLite commits
# per second (WAL, synchronous=FULL, one INSERT per transaction, through the
# sqlite3 shell). A create costs a few commits (the POST, the claim with the
# first steps, the rest) plus the dataplane's own file syncs, so the ratio
# says how close the saga runs to the disk's limit, whatever the disk.
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

count=2000 clients=32 commits=2000
[[ $BENCH_MODE == quick ]] && count=400 clients=16 commits=500

data="$BENCH_TMP/data"
port=$("$WS_PROBE" free-port)
printf '{"access_log": false, "log_level": "warn", %s}\n' "$BENCH_RATE_LIMITS" >"$BENCH_TMP/provision.json"
"$WORKSPACED" serve --listen "127.0.0.1:$port" --data-dir "$data" \
  --config "$BENCH_TMP/provision.json" </dev/null >>"$BENCH_TMP/workspaced.log" 2>&1 &
BENCH_PIDS+=("$!")
url="http://127.0.0.1:$port"
wait_ready "$url"
token=$("$WORKSPACED" token --sub admin --ttl 2h --data-dir "$data")
db="$data/workspaced.db"
account=$(sqlite3 -cmd '.timeout 5000' "$db" "SELECT value FROM meta WHERE key = 'default_account_id'")
[[ -n $account ]] || { log "no default account in $db"; exit 1; }

# The baseline: durable single-row commits per second on the same disk,
# measured before and after the creates (the mean of the two).
commit_rate() {
  local db="$BENCH_TMP/commits-$1.db" c0 c1
  sqlite3 "$db" "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);" >/dev/null
  {
    echo "PRAGMA synchronous=FULL;"
    for i in $(seq 1 "$commits"); do echo "INSERT INTO t (v) VALUES ('row $i');"; done
  } >"$BENCH_TMP/commits.sql"
  c0=$(date +%s%6N)
  sqlite3 "$db" <"$BENCH_TMP/commits.sql" >/dev/null
  c1=$(date +%s%6N)
  awk -v n="$commits" -v a="$c0" -v b="$c1" 'BEGIN { printf "%.1f", n / ((b - a) / 1e6) }'
}
commits_before=$(commit_rate before)

log "creating $count workspaces from $clients connections"
start_us=$(date +%s%6N)
"$WS_PROBE" post --port "$port" --path /v1/workspaces --token "$token" --count "$count" \
  --concurrency "$clients" \
  --body "{\"account_id\":\"$account\",\"name\":\"bench {n}\",\"region\":\"us-east-1\"}" \
  >"$BENCH_TMP/post.out"
posted_us=$(date +%s%6N)

# Wait until every run is finished (at most 120 s).
q() { sqlite3 -cmd '.timeout 5000' "$db" "$1"; }
for _ in $(seq 1 1200); do
  open=$(q "SELECT COUNT(*) FROM provisioning_runs WHERE state NOT IN ('succeeded','failed')")
  [[ $open == 0 ]] && break
  sleep 0.1
done
created=$(q "SELECT COUNT(*) FROM provisioning_runs")
succeeded=$(q "SELECT COUNT(*) FROM provisioning_runs WHERE state = 'succeeded'")
((created == count)) || { log "$created of $count creates were accepted"; exit 1; }
((succeeded == created)) || { log "$succeeded of $created runs succeeded"; exit 1; }
last_us=$(q "SELECT MAX(finished_at) FROM provisioning_runs")
rate=$(awk -v n="$created" -v a="$start_us" -v b="$last_us" 'BEGIN { printf "%.1f", n / ((b - a) / 1e6) }')
post_rate=$(awk -v n="$created" -v a="$start_us" -v b="$posted_us" 'BEGIN { printf "%.1f", n / ((b - a) / 1e6) }')
pct() {
  q "SELECT (finished_at - created_at) / 1000.0 FROM provisioning_runs ORDER BY finished_at - created_at
     LIMIT 1 OFFSET (SELECT MAX(0, CAST(COUNT(*) * $1 AS INTEGER) - 1) FROM provisioning_runs)"
}
p50=$(pct 0.50) p99=$(pct 0.99)
log "$created creates: posted at $post_rate/s, all active at $rate/s; create→active p50 $p50 ms, p99 $p99 ms"

# One create alone (no queue): create→active of 20 sequential creates.
for i in $(seq 1 20); do
  run=$(curl -sf -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
    -d "{\"account_id\":\"$account\",\"name\":\"solo $i\",\"region\":\"us-east-1\"}" "$url/v1/workspaces" |
    jq -r .provisioning_run_id)
  for _ in $(seq 1 500); do
    [[ $(q "SELECT state FROM provisioning_runs WHERE id = '$run'") == succeeded ]] && break
    sleep 0.01
  done
done
solo=$(q "SELECT (finished_at - created_at) / 1000.0 FROM provisioning_runs WHERE id IN
  (SELECT id FROM provisioning_runs ORDER BY id DESC LIMIT 20) ORDER BY finished_at - created_at LIMIT 1 OFFSET 9")

commits_after=$(commit_rate after)
commit_rate=$(awk -v a="$commits_before" -v b="$commits_after" 'BEGIN { printf "%.1f", (a + b) / 2 }')
log "baseline: $commits_before and $commits_after durable commits/s"

emit provision_workspaces_per_s "$rate" "workspaces/s" sqlite_commits_per_s "$commit_rate" "value >= 200"
emit provision_create_to_active_p50_ms "$p50" ms
emit provision_create_to_active_p99_ms "$p99" ms
emit provision_create_to_active_unloaded_p50_ms "$solo" ms
