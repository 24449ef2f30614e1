#!/usr/bin/env bash
# HTTP read path against nginx serving the identical body as a static file.
# Both servers on core 0 (workspaced --threads 1, nginx one worker), wrk on
# core 1, same connections and duration, rounds alternating which goes first.
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

data="$BENCH_TMP/data" www="$BENCH_TMP/nginx"
mkdir -p "$www"
log "seeding $data"
ws_id=$("$WS_SEED" --data-dir "$data" --subject bench --workspaces 100 --others 900)
start_workspaced "$data" "$("$WS_PROBE" free-port)"
token=$("$WORKSPACED" token --sub bench --ttl 2h --data-dir "$data")

# The bodies nginx serves: fetched from workspaced once, byte for byte.
fetch() {
  curl -sf --max-time 10 -D "$www/$2.headers" -o "$www/$2" -H "Authorization: Bearer $token" "$WS_URL$1"
}
fetch "/v1/workspaces/$ws_id" get.json
fetch "/v1/workspaces" list.json
ctype=$(awk 'tolower($1) == "content-type:" { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print }' "$www/get.json.headers")
items=$(jq length "$www/list.json")
((items == 100)) || { log "GET /v1/workspaces returned $items items, want 100"; exit 1; }
log "content type '$ctype'; get body $(wc -c <"$www/get.json") B, list body $(wc -c <"$www/list.json") B"

nginx_port=$("$WS_PROBE" free-port)
nginx_config "$www" "$nginx_port" "$ctype" "/v1/workspaces/$ws_id" get.json "/v1/workspaces" list.json
start_nginx "$www" "$nginx_port"

# paired_ratio "A1 A2 …" "B1 B2 …": median of A_i / B_i, to 3 decimals.
paired_ratio() {
  # shellcheck disable=SC2046
  median $(paste -d' ' <(tr ' ' '\n' <<<"$1" | grep .) <(tr ' ' '\n' <<<"$2" | grep .) |
    awk '{ print $1 / $2 }') | awk '{ printf "%.3f\n", $1 }'
}

# compare NAME PATH RPS_GOAL [P99_GOAL]: warm-up, then BENCH_ROUNDS rounds of A/B.
compare() {
  local name=$1 path=$2 goal=$3 p99goal=${4:-} round server url first second r l50 l99
  local busy0 total0 busy1 total1
  local -A rps=() p50=() p99=() busy=() total=()
  for server in workspaced nginx; do
    url=$WS_URL; [[ $server == nginx ]] && url=$NGINX_URL
    wrk_run "$url$path" "$BENCH_WARMUP" "$token" >/dev/null
  done
  for round in $(seq 1 "$BENCH_ROUNDS"); do
    first=workspaced second=nginx
    ((round % 2 == 0)) && first=nginx second=workspaced
    for server in $first $second; do
      url=$WS_URL
      [[ $server == nginx ]] && url=$NGINX_URL
      read -r busy0 total0 < <(core0_ticks)
      read -r r l50 l99 < <(wrk_run "$url$path" "$BENCH_SECONDS" "$token")
      [[ -n ${r:-} ]] || return 1
      read -r busy1 total1 < <(core0_ticks)
      busy[$server]=$((${busy[$server]:-0} + busy1 - busy0))
      total[$server]=$((${total[$server]:-0} + total1 - total0))
      rps[$server]+="$r " p50[$server]+="$l50 " p99[$server]+="$l99 "
      log "$name round $round $server: $r req/s, p50 $l50 ms, p99 $l99 ms"
    done
  done
  # Figures are medians over rounds; ratios are the median of each round's
  # ratio, so a slow spell on the machine hits both sides of a ratio alike.
  # shellcheck disable=SC2086
  {
    emit "$name.rps" "$(median ${rps[workspaced]})" "req/s" nginx "$(median ${rps[nginx]})" \
      "ratio >= $goal" "$(paired_ratio "${rps[workspaced]}" "${rps[nginx]}")"
    emit "$name.p50" "$(median ${p50[workspaced]})" ms nginx "$(median ${p50[nginx]})" "" \
      "$(paired_ratio "${p50[workspaced]}" "${p50[nginx]}")"
    emit "$name.p99" "$(median ${p99[workspaced]})" ms nginx "$(median ${p99[nginx]})" "$p99goal" \
      "$(paired_ratio "${p99[workspaced]}" "${p99[nginx]}")"
  }
  # How busy each server kept core 0: well under 100 % means the client side
  # (wrk on core 1, loopback wake-ups), not the server, was the limit.
  emit "$name.core0_busy" "$((busy[workspaced] * 100 / total[workspaced]))" "%" \
    nginx "$((busy[nginx] * 100 / total[nginx]))"
}

compare get_workspace "/v1/workspaces/$ws_id" 0.6 "ratio <= 2"
compare list_100 "/v1/workspaces" 0.3
