#!/usr/bin/env bash
# Process figures: time from exec to /readyz answering 200 (best of
# BENCH_RUNS) and resident memory after a second of idle (median), for
# workspaced and for nginx (master + its one worker) as the baseline.
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

data="$BENCH_TMP/data" www="$BENCH_TMP/nginx"
mkdir -p "$www"
"$WS_SEED" --data-dir "$data" --workspaces 100 --others 900 >/dev/null
workspaced_config "$BENCH_TMP/workspaced.json"

# probe NAME CMD...: one start; records NAME's ready_ms and rss_kib.
declare -A ready=() rss=()
probe() {
  local name=$1 port=$2 out
  shift 2
  out=$("$WS_PROBE" ready --port "$port" --idle-ms 1000 --log "$BENCH_TMP/$name.log" -- "$@")
  ready[$name]+="$(jq .ready_ms <<<"$out") " rss[$name]+="$(jq .rss_kib <<<"$out") "
}

for run in $(seq 1 "$BENCH_RUNS"); do
  port=$("$WS_PROBE" free-port)
  probe workspaced "$port" "$WORKSPACED" serve --listen "127.0.0.1:$port" --data-dir "$data" \
    --config "$BENCH_TMP/workspaced.json" --threads 1
  port=$("$WS_PROBE" free-port)
  nginx_config "$www" "$port" application/json
  # shellcheck disable=SC2046
  probe nginx "$port" $(nginx_cmd "$www")
  # First start on an empty data directory: migrations, dev key, default account.
  port=$("$WS_PROBE" free-port)
  probe first_start "$port" "$WORKSPACED" serve --listen "127.0.0.1:$port" \
    --data-dir "$BENCH_TMP/fresh-$run" --config "$BENCH_TMP/workspaced.json" --threads 1
done
log "ready ms: workspaced ${ready[workspaced]}| nginx ${ready[nginx]}| first start ${ready[first_start]}"

best() { printf '%s\n' "$@" | sort -g | head -1; }
mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }
# shellcheck disable=SC2086
{
  emit ready_ms "$(best ${ready[workspaced]})" ms nginx "$(best ${ready[nginx]})" "value <= 200"
  emit first_start_ready_ms "$(best ${ready[first_start]})" ms nginx "$(best ${ready[nginx]})"
  emit idle_rss "$(mib "$(median ${rss[workspaced]})")" MiB nginx "$(mib "$(median ${rss[nginx]})")" \
    "value <= 20"
}
