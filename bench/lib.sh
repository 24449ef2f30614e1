# shellcheck shell=bash
# Helpers for bench/suites/*.sh (sourced; see bench/README.md).
# The driver exports: BENCH_DIR, BENCH_MODE (quick|full), BENCH_TMP (a scratch
# directory removed afterwards), WORKSPACED, WS_SEED, WS_PROBE, BENCH_ROUNDS,
# BENCH_SECONDS, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_RUNS.
# Suites print figures on stdout with `emit`; everything else goes to stderr.
set -euo pipefail

BENCH_PIDS=()
bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${BENCH_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  BENCH_PIDS=()
}
trap bench_cleanup EXIT

log() { echo "bench: $*" >&2; }

# emit NAME VALUE UNIT [BASELINE_NAME BASELINE] [GOAL] [RATIO]
# GOAL is "ratio >= 0.6" or "value <= 20": what must hold for the figure to be
# MET. RATIO defaults to VALUE / BASELINE.
emit() {
  local name=$1 value=$2 unit=$3 bname=${4:-} base=${5:-} goal=${6:-} ratio=${7:-}
  jq -nc --arg n "$name" --argjson v "$value" --arg u "$unit" --arg bn "$bname" \
    --arg b "$base" --arg g "$goal" --arg r "$ratio" '
    {name: $n, value: $v, unit: $u}
    + (if $bn == "" then {} else
        {baseline_name: $bn, baseline: ($b | tonumber)}
        + if $r != "" then {ratio: ($r | tonumber)}
          elif ($b | tonumber) == 0 then {}
          else {ratio: ($v / ($b | tonumber) * 1000 | round / 1000)} end
      end)
    + (if $g == "" then {} else {goal: $g} end)'
}

# median of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# wait_ready URL: polls URL/readyz until 200 (10 s at most).
wait_ready() {
  for _ in $(seq 1 1000); do
    [[ $(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$1/readyz" || true) == 200 ]] && return 0
    sleep 0.01
  done
  log "$1 never answered /readyz 200"
  return 1
}

# pg_start: one throwaway PostgreSQL for the suite (scripts/postgres-for-
# tests.sh: unix socket in $WS_TEST_POSTGRES_DIR, fsync off like the tests'),
# stopped when the suite exits; sets pgbin and pg_as (run as `postgres` when
# root) for psql_q DATABASE SQL and the server's other tools.
pg_start() {
  eval "$(bash "$BENCH_DIR/../scripts/postgres-for-tests.sh" start)"
  trap 'bench_cleanup; bash "$BENCH_DIR/../scripts/postgres-for-tests.sh" stop "$WS_TEST_POSTGRES_DIR"' EXIT
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  pg_as=()
  if (($(id -u) == 0)); then pg_as=(runuser -u postgres --); fi
}
psql_q() { "${pg_as[@]}" "$pgbin/psql" -h "$WS_TEST_POSTGRES_DIR" -U postgres -d "$1" -Atqc "$2"; }

# The suites drive one caller from one address far beyond any production
# budget (tens of thousands of reads a second, hundreds of creates): rate
# limits stay on, so every request pays its checks, with budgets no suite
# spends (docs/rate-limits.md; bench/suites/rate_limit.sh measures the checks).
BENCH_RATE_LIMITS='"rate_limits": {"address": {"quota": 1000000000}, "reads": {"quota": 1000000000}, "writes": {"quota": 1000000000}}'

# workspaced_config FILE: the configuration every suite uses (access log off,
# like nginx's `access_log off` below; logs at warn so the log is not measured).
workspaced_config() {
  printf '{"access_log": false, "log_level": "warn", %s}\n' "$BENCH_RATE_LIMITS" >"$1"
}

# start_workspaced DATA_DIR PORT: one server thread pinned to core 0.
# Sets WS_PID and WS_URL.
start_workspaced() {
  local dir=$1 port=$2
  workspaced_config "$BENCH_TMP/workspaced.json"
  taskset -c 0 "$WORKSPACED" serve --listen "127.0.0.1:$port" --data-dir "$dir" \
    --config "$BENCH_TMP/workspaced.json" --threads 1 </dev/null >>"$BENCH_TMP/workspaced.log" 2>&1 &
  WS_PID=$!
  BENCH_PIDS+=("$WS_PID")
  WS_URL="http://127.0.0.1:$port"
  wait_ready "$WS_URL"
}

# nginx_config DIR PORT CONTENT_TYPE [LOCATION FILE]...: writes DIR/nginx.conf
# (one worker, no daemon, access log off, keep-alive like wrk's) serving each
# FILE (relative to DIR) at exactly LOCATION, plus /readyz. tcp_nopush is off
# (Debian turns it on): over loopback its TCP_CORK held some 60 KB responses
# for a 40 ms timer, giving nginx a 41 ms p99 at the same requests/s.
nginx_config() {
  local dir=$1 port=$2 ctype=$3
  shift 3
  {
    # Started as root, nginx would run its worker as nobody, who may not
    # reach a private temp dir; keep the worker as the caller.
    (($(id -u) == 0)) && echo "user root root;"
    cat <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush off;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  types {}
  default_type "$ctype";
  client_body_temp_path $dir/tmp;
  proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp;
  scgi_temp_path $dir/tmp;
  server {
    listen 127.0.0.1:$port;
    location = /readyz { return 200 "ok\n"; }
EOF
    while (($#)); do
      echo "    location = $1 { alias $dir/$2; }"
      shift 2
    done
    echo "  }"
    echo "}"
  } >"$dir/nginx.conf"
  mkdir -p "$dir/tmp"
}

# nginx_cmd DIR: the command line that runs nginx on DIR/nginx.conf.
nginx_cmd() { echo "nginx -p $1 -c $1/nginx.conf -e $1/error.log"; }

# start_nginx DIR PORT: runs nginx (configured by nginx_config) pinned to core 0.
# Sets NGINX_PID and NGINX_URL.
start_nginx() {
  local dir=$1 port=$2
  # shellcheck disable=SC2046
  taskset -c 0 $(nginx_cmd "$dir") </dev/null >>"$dir/stderr.log" 2>&1 &
  NGINX_PID=$!
  BENCH_PIDS+=("$NGINX_PID")
  NGINX_URL="http://127.0.0.1:$port"
  wait_ready "$NGINX_URL"
}

# core0_ticks: "busy total" clock ticks of core 0 so far (/proc/stat). wrk
# runs on core 1, so this is the server plus the kernel's network work for it
# (which per-process accounting would miss), and anything else the machine
# schedules there.
core0_ticks() {
  awk '$1 == "cpu0" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# wrk_run URL SECONDS TOKEN [SCRIPT]: wrk on core 1 (SCRIPT: a wrk Lua script,
# e.g. for a POST); prints "rps p50_ms p99_ms".
# Fails when any response is not 2xx (the harness, not the server, is wrong).
wrk_run() {
  local out
  out=$(taskset -c 1 wrk -t1 -c"$BENCH_CONNECTIONS" -d"$2s" --latency \
    -H "Authorization: Bearer $3" ${4:+-s "$4"} "$1" </dev/null)
  if grep -q 'Non-2xx' <<<"$out"; then
    log "non-2xx responses from $1: $(grep 'Non-2xx' <<<"$out"); one now answers:"
    curl -si --max-time 5 -H "Authorization: Bearer $3" "$1" | head -c 2000 >&2
    return 1
  fi
  grep -q 'Socket errors' <<<"$out" && log "$1: $(grep 'Socket errors' <<<"$out")"
  awk '
    function ms(s) {
      if (s ~ /us$/) return s / 1000; if (s ~ /ms$/) return s + 0
      if (s ~ /s$/) return s * 1000; if (s ~ /m$/) return s * 60000; return s
    }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    $1 == "Requests/sec:" { rps = $2 }
    END { if (rps == "") exit 1; printf "%.1f %.3f %.3f\n", rps, p50, p99 }' <<<"$out"
}
