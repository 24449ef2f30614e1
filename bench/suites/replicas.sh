#!/usr/bin/env bash
# Replicas on one PostgreSQL: 1, 2 and 3 `workspaced serve` processes on the
# same database, driven through a client-side round robin (request n of the
# creates goes to replica n mod R; the reads run one wrk per replica, the
# connections split between them). For each R: creates/s (N POSTs from
# concurrent clients until every run finished, as provision.sh measures it)
# and GET /v1/workspaces/{id} reads/s.
#
# Baselines of the same run: the embedded SQLite default's create rate with
# the same clients, taking turns with one replica (the goal: PostgreSQL at
# least as fast, by the median of the rounds' ratios), and PostgreSQL's
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

# pg_config R DB: the configuration of R replicas on database DB.
pg_config() {
  printf '{"access_log": false, "log_level": "warn", "database": "host=%s dbname=%s user=postgres", %s}\n' \
    "$WS_TEST_POSTGRES_DIR" "$2" "$BENCH_RATE_LIMITS" >"$BENCH_TMP/pg$1.json"
}

# start_replicas R DATA: R replicas of the configuration pg_config wrote;
# their ports in `ports`.
start_replicas() {
  ports=()
  for _ in $(seq 1 "$1"); do
    ports+=("$("$WS_PROBE" free-port)")
    serve "$2" "$BENCH_TMP/pg$1.json" "${ports[-1]}"
    # The first one migrates and creates the default account alone.
    wait_ready "http://127.0.0.1:${ports[-1]}"
  done
}

# The goal's ratio: the embedded default and one PostgreSQL replica, same
# clients, same machine, taking turns `rounds` times (a fresh data
# directory and database each); the median of the per-round ratios, so that
# a noisy moment moves one round, not the figure (1000 creates take about
# 2.5 s). Rates of single rounds moved by ±10 % from one run to the next.
rounds=3
[[ $BENCH_MODE == quick ]] && rounds=1
sqlite_rates=() pg_rates=() ratios=()
workspaced_config "$BENCH_TMP/sqlite.json"
for round in $(seq 1 "$rounds"); do
  port=$("$WS_PROBE" free-port)
  serve "$BENCH_TMP/sqlite$round" "$BENCH_TMP/sqlite.json" "$port"
  wait_ready "http://127.0.0.1:$port"
  sqlite_rate=$(creates sqlite "$BENCH_TMP/sqlite$round" "$port")
  bench_cleanup
  # The last round's database and data directory serve the reads below.
  db=replicas1 data="$BENCH_TMP/data1"
  ((round < rounds)) && db=round$round data="$BENCH_TMP/round$round"
  psql_q postgres "CREATE DATABASE $db" >/dev/null
  pg_config 1 "$db"
  start_replicas 1 "$data"
  pg_rate=$(creates "$db" "$data" "${ports[0]}")
  bench_cleanup
  ratio=$(awk -v p="$pg_rate" -v s="$sqlite_rate" 'BEGIN { printf "%.3f", p / s }')
  log "round $round: $count creates on SQLite $sqlite_rate/s, on PostgreSQL (1 replica) $pg_rate/s: $ratio"
  sqlite_rates+=("$sqlite_rate") pg_rates+=("$pg_rate") ratios+=("$ratio")
done
sqlite_rate=$(median "${sqlite_rates[@]}")

for r in 1 2 3; do
  db=replicas$r data="$BENCH_TMP/data$r"
  if ((r == 1)); then
    rate=$(median "${pg_rates[@]}")
  else
    psql_q postgres "CREATE DATABASE $db" >/dev/null
    pg_config "$r" "$db"
  fi
  start_replicas "$r" "$data"
  ((r == 1)) || rate=$(creates "$db" "$data" "$(IFS=,; echo "${ports[*]}")")
  token=$("$WORKSPACED" token --sub admin --ttl 2h --data-dir "$data")
  ws=$(psql_q "$db" "SELECT id FROM workspaces ORDER BY id LIMIT 1")
  reads "$ws" "$token" "${ports[@]}" >/dev/null  # warm-up
  rps=$(reads "$ws" "$token" "${ports[@]}")
  log "$r replica(s) on PostgreSQL: $count creates at $rate/s, GET /v1/workspaces/{id} at $rps req/s"
  if ((r == 1)); then
    emit "replicas_1_creates_per_s" "$rate" "workspaces/s" sqlite_creates_per_s "$sqlite_rate" \
      "ratio >= 1" "$(median "${ratios[@]}")"
  else
    emit "replicas_${r}_creates_per_s" "$rate" "workspaces/s" sqlite_creates_per_s "$sqlite_rate"
  fi
  emit "replicas_${r}_reads_per_s" "$rps" "req/s" pgbench_select_tps "$pg_select"
  bench_cleanup
done
emit pgbench_tpcb_tps "$pg_tpcb" tps
emit pgbench_select_tps "$pg_select" tps
