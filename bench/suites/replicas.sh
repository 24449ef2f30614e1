#!/usr/bin/env bash
# Replicas on one PostgreSQL: 1, 2 and 3 `workspaced serve` processes on the
# same database, driven through a client-side round robin (request n of the
# creates goes to replica n mod R; the reads run one wrk per replica, the
# connections split between them). For each R: creates/s (N POSTs from
# concurrent clients until every run finished, as provision.sh measures it)
# and GET /v1/workspaces/{id} reads/s.
#
# Baselines of the same run: the embedded SQLite default's create rate with
# the same clients (the goal: PostgreSQL at least as fast), and PostgreSQL's
# own figures on the same machine and socket, pgbench's TPC-B-like default
# script and its select-only -S, with as many clients as the creates use.
#
# Nothing is pinned to a core: replicas, PostgreSQL and the clients share
# the machine, as they would on one host. On a 2-core machine a second
# replica adds little CPU, so read the 2- and 3-replica figures as "no
# contention" (they do not fall) rather than as scaling; on more cores they
# should scale until PostgreSQL is the limit. One throwaway PostgreSQL
# (scripts/postgres-for-tests.sh), fsync off like the tests'.
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

count=1000 clients=32
[[ $BENCH_MODE == quick ]] && count=200 clients=16

pg_start
pgbench() { "${pg_as[@]}" "$pgbin/pgbench" -h "$WS_TEST_POSTGRES_DIR" -U postgres "$@"; }

# PostgreSQL's own figures.
psql_q postgres "CREATE DATABASE bench" >/dev/null
pgbench -i -s 10 -q bench >/dev/null 2>&1
tps() { pgbench -c "$clients" -j 2 -T "$BENCH_SECONDS" "$@" bench 2>/dev/null | awk '/^tps/ { print $3; exit }'; }
pg_tpcb=$(tps) pg_select=$(tps -S)
[[ -n $pg_tpcb && -n $pg_select ]] || { log "pgbench gave no figure"; exit 1; }
log "pgbench ($clients clients): TPC-B-like $pg_tpcb tps, -S $pg_select tps"

# creates DB_KIND DATA_DIR PORTS: N creates round robin over PORTS (comma
# separated), until every run finished; prints workspaces/s.
creates() {
  local kind=$1 data=$2 ports=$3 port=${3%%,*} token account start_us last_us open q
  token=$("$WORKSPACED" token --sub admin --ttl 2h --data-dir "$data")
  if [[ $kind == sqlite ]]; then
    q() { sqlite3 -cmd '.timeout 5000' "$data/workspaced.db" "$1"; }
  else
    q() { psql_q "$kind" "$1"; }
  fi
  account=$(q "SELECT value FROM meta WHERE key = 'default_account_id'")
  [[ -n $account ]] || { log "no default account ($kind)"; return 1; }
  start_us=$(date +%s%6N)
  "$WS_PROBE" post --port "$ports" --path /v1/workspaces --token "$token" --count "$count" \
    --concurrency "$clients" \
    --body "{\"account_id\":\"$account\",\"name\":\"replica {n}\",\"region\":\"us-east-1\"}" >/dev/null
  # The rate comes from the last run's finished_at, not from when this loop
  # notices: it looks twice a second, each look a new psql (a backend
  # started on PostgreSQL) taking CPU from what is measured.
  for _ in $(seq 1 360); do
    open=$(q "SELECT COUNT(*) FROM provisioning_runs WHERE state NOT IN ('succeeded','failed')")
    [[ $open == 0 ]] && break
    sleep 0.5
  done
  local succeeded
  succeeded=$(q "SELECT COUNT(*) FROM provisioning_runs WHERE state = 'succeeded'")
  ((succeeded == count)) || { log "$kind: $succeeded of $count runs succeeded"; return 1; }
  last_us=$(q "SELECT MAX(finished_at) FROM provisioning_runs")
  awk -v n="$count" -v a="$start_us" -v b="$last_us" 'BEGIN { printf "%.1f", n / ((b - a) / 1e6) }'
}

# reads WS_ID TOKEN PORT...: one wrk per replica at once, the connections
# split between them; prints the sum of their requests/s.
reads() {
  local ws=$1 token=$2 port pids=() i=0 per
  shift 2
  per=$((BENCH_CONNECTIONS / $#))
  for port in "$@"; do
    wrk -t1 -c"$per" -d"$BENCH_SECONDS"s -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$port/v1/workspaces/$ws" </dev/null >"$BENCH_TMP/wrk-$i.out" &
    pids+=("$!")
    i=$((i + 1))
  done
  wait "${pids[@]}"
  if grep -q 'Non-2xx' "$BENCH_TMP"/wrk-*.out; then
    log "non-2xx reads: $(grep -h 'Non-2xx' "$BENCH_TMP"/wrk-*.out | head -1)"
    return 1
  fi
  awk '$1 == "Requests/sec:" { s += $2 } END { printf "%.1f", s }' "$BENCH_TMP"/wrk-*.out
  rm -f "$BENCH_TMP"/wrk-*.out
}

serve() {  # serve DATA_DIR CONFIG PORT: one replica, unpinned
  "$WORKSPACED" serve --listen "127.0.0.1:$3" --data-dir "$1" --config "$2" \
    </dev/null >>"$BENCH_TMP/workspaced.log" 2>&1 &
  BENCH_PIDS+=("$!")
}

# The embedded default, same clients, same machine, same moment.
workspaced_config "$BENCH_TMP/sqlite.json"
port=$("$WS_PROBE" free-port)
serve "$BENCH_TMP/sqlite" "$BENCH_TMP/sqlite.json" "$port"
wait_ready "http://127.0.0.1:$port"
sqlite_rate=$(creates sqlite "$BENCH_TMP/sqlite" "$port")
log "$count creates on SQLite: $sqlite_rate/s"
bench_cleanup

for r in 1 2 3; do
  db=replicas$r data="$BENCH_TMP/data$r"
  psql_q postgres "CREATE DATABASE $db" >/dev/null
  printf '{"access_log": false, "log_level": "warn", "database": "host=%s dbname=%s user=postgres", %s}\n' \
    "$WS_TEST_POSTGRES_DIR" "$db" "$BENCH_RATE_LIMITS" >"$BENCH_TMP/pg$r.json"
  ports=()
  for i in $(seq 1 "$r"); do
    ports+=("$("$WS_PROBE" free-port)")
    serve "$data" "$BENCH_TMP/pg$r.json" "${ports[-1]}"
    # The first one migrates and creates the default account alone.
    wait_ready "http://127.0.0.1:${ports[-1]}"
  done
  rate=$(creates "$db" "$data" "$(IFS=,; echo "${ports[*]}")")
  token=$("$WORKSPACED" token --sub admin --ttl 2h --data-dir "$data")
  ws=$(psql_q "$db" "SELECT id FROM workspaces ORDER BY id LIMIT 1")
  reads "$ws" "$token" "${ports[@]}" >/dev/null  # warm-up
  rps=$(reads "$ws" "$token" "${ports[@]}")
  log "$r replica(s) on PostgreSQL: $count creates at $rate/s, GET /v1/workspaces/{id} at $rps req/s"
  emit "replicas_${r}_creates_per_s" "$rate" "workspaces/s" sqlite_creates_per_s "$sqlite_rate" \
    "$([[ $r == 1 ]] && echo "ratio >= 1")"
  emit "replicas_${r}_reads_per_s" "$rps" "req/s" pgbench_select_tps "$pg_select"
  bench_cleanup
done
emit pgbench_tpcb_tps "$pg_tpcb" tps
emit pgbench_select_tps "$pg_select" tps
