#!/usr/bin/env bash
# What the rate limiter adds to a GET (ws_bench_rate_limit, Google
# Benchmark): the client address, the address budget and the caller's reads
# budget, in CPU ns per request, minus the same calls on a limiter switched
# off, measured in the same run (rate_limit_off_ns). One client (the HTTP
# benchmarks' case), 10,000 clients in turn (the table full), 100,000 in turn
# (every check evicts), two threads, and a client behind a trusted proxy.
# Goal: at most 500 ns added for one client, about 1 % of a GET (~40 µs of
# CPU at 23 k requests/s on one core). A ratio to a few-ns baseline would
# say nothing, so none is given.
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

min_time=0.5
[[ $BENCH_MODE == quick ]] && min_time=0.1
bench="$(dirname "$WS_SEED")/ws_bench_rate_limit"
json="$BENCH_TMP/rate_limit.json"
taskset -c 0,1 "$bench" --benchmark_min_time="$min_time" --benchmark_format=json >"$json"
ns() { jq -r --arg n "$1" '.benchmarks[] | select(.name == $n) | .cpu_time' "$json"; }
# added NAME BASELINE_NAME: NAME's time minus the baseline's, 2 decimals.
added() { awk -v a="$(ns "$1")" -v b="$(ns "$2")" 'BEGIN { printf "%.2f", a - b }'; }
off=$(ns BM_GetUnlimited/threads:1)
log "limits off: $off ns per GET; added with limits on: $(added BM_Get/keys:1/threads:1 BM_GetUnlimited/threads:1) ns (1 client), $(added BM_Get/keys:10000/threads:1 BM_GetUnlimited/threads:1) ns (10,000), $(added BM_Get/keys:100000/threads:1 BM_GetUnlimited/threads:1) ns (100,000, evicting)"
emit rate_limit_off_ns "$(awk -v a="$off" 'BEGIN { printf "%.2f", a }')" ns
emit rate_limit_get_ns "$(added BM_Get/keys:1/threads:1 BM_GetUnlimited/threads:1)" ns "" "" "value <= 500"
emit rate_limit_get_10k_clients_ns "$(added BM_Get/keys:10000/threads:1 BM_GetUnlimited/threads:1)" ns
emit rate_limit_get_evicting_ns "$(added BM_Get/keys:100000/threads:1 BM_GetUnlimited/threads:1)" ns
emit rate_limit_get_2threads_ns "$(added BM_Get/keys:1/threads:2 BM_GetUnlimited/threads:2)" ns
emit rate_limit_get_trusted_proxy_ns "$(added BM_GetBehindTrustedProxy/threads:1 BM_GetUnlimited/threads:1)" ns
