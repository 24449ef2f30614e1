#!/usr/bin/env bash
# workspaced on PostgreSQL: the read path (GET /v1/workspaces/{id}, wrk) and
# provisioning (N creates until every run finished), against PostgreSQL's own
# select-only rate on the same machine in the same run (pgbench -S, as many
# clients as wrk has connections, over the same unix socket), so the ratio says
# how much of the database's own speed the API keeps, whatever the machine.
#
# One throwaway PostgreSQL (scripts/postgres-for-tests.sh), fsync off like the
# tests' (the figures are about CPU and round trips, not the disk).
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

count=1000 clients=32
[[ $BENCH_MODE == quick ]] && count=200 clients=16

pg_start
psql_q postgres "CREATE DATABASE bench" >/dev/null
psql_q postgres "CREATE DATABASE workspaced" >/dev/null

# Baseline: pgbench -S.
"${pg_as[@]}" "$pgbin/pgbench" -h "$WS_TEST_POSTGRES_DIR" -U postgres -i -s 1 -q bench >/dev/null 2>&1
pg_tps=$("${pg_as[@]}" taskset -c 1 "$pgbin/pgbench" -h "$WS_TEST_POSTGRES_DIR" -U postgres -S \
  -c "$BENCH_CONNECTIONS" -j 1 -T "$BENCH_SECONDS" bench 2>/dev/null |
  awk '/^tps/ { print $3; exit }')
[[ -n $pg_tps ]] || { log "pgbench gave no figure"; exit 1; }
log "pgbench -S: $pg_tps tps"

data="$BENCH_TMP/data"
port=$("$WS_PROBE" free-port)
printf '{"access_log": false, "log_level": "warn", "database": "host=%s dbname=workspaced user=postgres", %s}\n' \
  "$WS_TEST_POSTGRES_DIR" "$BENCH_RATE_LIMITS" >"$BENCH_TMP/pg.json"
"$WORKSPACED" serve --listen "127.0.0.1:$port" --data-dir "$data" --config "$BENCH_TMP/pg.json" \
  </dev/null >>"$BENCH_TMP/workspaced.log" 2>&1 &
BENCH_PIDS+=("$!")
url="http://127.0.0.1:$port"
wait_ready "$url"
token=$("$WORKSPACED" token --sub admin --ttl 2h --data-dir "$data")
account=$(psql_q workspaced "SELECT value FROM meta WHERE key = 'default_account_id'")
[[ -n $account ]] || { log "no default account"; exit 1; }

# Provisioning.
start_us=$(date +%s%6N)
"$WS_PROBE" post --port "$port" --path /v1/workspaces --token "$token" --count "$count" \
  --concurrency "$clients" \
  --body "{\"account_id\":\"$account\",\"name\":\"pg {n}\",\"region\":\"us-east-1\"}" >/dev/null
for _ in $(seq 1 1200); do
  open=$(psql_q workspaced "SELECT COUNT(*) FROM provisioning_runs WHERE state NOT IN ('succeeded','failed')")
  [[ $open == 0 ]] && break
  sleep 0.1
done
succeeded=$(psql_q workspaced "SELECT COUNT(*) FROM provisioning_runs WHERE state = 'succeeded'")
((succeeded == count)) || { log "$succeeded of $count runs succeeded"; exit 1; }
last_us=$(psql_q workspaced "SELECT MAX(finished_at) FROM provisioning_runs")
rate=$(awk -v n="$count" -v a="$start_us" -v b="$last_us" 'BEGIN { printf "%.1f", n / ((b - a) / 1e6) }')
log "$count creates on PostgreSQL: all active at $rate/s"

# The read path: one workspace, as the sqlite suite measures it.
ws=$(psql_q workspaced "SELECT id FROM workspaces ORDER BY id LIMIT 1")
wrk_run "$url/v1/workspaces/$ws" "$BENCH_WARMUP" "$token" >/dev/null
# Transactions PostgreSQL committed for the workspaced database per GET (its
# statistics, flushed within a second of each backend's last transaction):
# the round trips a read costs, whatever the machine's load.
xacts() {
  sleep 1.5
  psql_q workspaced "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'workspaced'"
}
xacts_before=$(xacts)
read -r rps p50 p99 < <(wrk_run "$url/v1/workspaces/$ws" "$BENCH_SECONDS" "$token")
xacts_after=$(xacts)
per_get=$(awk -v a="$xacts_before" -v b="$xacts_after" -v r="$rps" -v s="$BENCH_SECONDS" \
  'BEGIN { printf "%.3f", (b - a) / (r * s) }')
log "GET /v1/workspaces/{id} on PostgreSQL: $rps req/s, p50 $p50 ms, p99 $p99 ms, $per_get transactions each"

emit pg_get_workspace.rps "$rps" "req/s" pgbench_select_tps "$pg_tps" "ratio >= 0.6"
emit pg_get_workspace.p99 "$p99" ms
emit pg_get_workspace.transactions "$per_get" "per request"
emit pg_provision_workspaces_per_s "$rate" "workspaces/s" pgbench_select_tps "$pg_tps"
