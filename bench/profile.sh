#!/usr/bin/env bash
# Profiles one endpoint under valgrind's callgrind and prints the costliest
# functions (inclusive instructions per request). Instruction counts do not
# depend on machine load, so this works on a busy machine too.
#
#   bench/profile.sh get|list|reveal|detokenize [SECONDS]   (default 20 s of load; needs valgrind)
#
# reveal: POST …/secrets/{name}/reveal on a workspace made through the API
# (it needs a provisioned dataplane), as bench/suites/secrets.sh measures it;
# detokenize: POST …/vault/detokenize of one record's 10 tokens by an admin,
# as bench/suites/vault.sh measures it.
#
# Uses the binaries in $BENCH_BUILD_DIR (default build/); leaves the raw
# profile in bench/results/callgrind.<endpoint>.out for callgrind_annotate or
# kcachegrind.
set -euo pipefail
cd "$(dirname "$0")/.."
endpoint=${1:?usage: bench/profile.sh get|list|reveal|detokenize [SECONDS]} seconds=${2:-20}
bin=${BENCH_BUILD_DIR:-build}
command -v valgrind >/dev/null || { echo "profile: apt-get install valgrind" >&2; exit 1; }

export BENCH_DIR=$PWD/bench BENCH_TMP
BENCH_TMP=$(mktemp -d /tmp/ws-profile.XXXXXX)
WS_PROBE=$bin/bench/ws_bench_probe
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap 'bench_cleanup; rm -rf "$BENCH_TMP"' EXIT

path=/v1/workspaces
if [[ $endpoint != reveal && $endpoint != detokenize ]]; then
  ws_id=$("$bin/bench/ws_bench_seed" --data-dir "$BENCH_TMP/data")
  [[ $endpoint == get ]] && path=/v1/workspaces/$ws_id
fi

out=$PWD/bench/results/callgrind.$endpoint.out
mkdir -p bench/results
rm -f "$out"
workspaced_config "$BENCH_TMP/workspaced.json"
port=$("$WS_PROBE" free-port)
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$bin/src/cli/workspaced" serve \
  --listen "127.0.0.1:$port" --data-dir "$BENCH_TMP/data" --config "$BENCH_TMP/workspaced.json" \
  --threads 1 </dev/null >"$BENCH_TMP/valgrind.log" 2>&1 &
vg=$!
BENCH_PIDS+=("$vg")
for _ in $(seq 1 300); do
  [[ $(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true) == 200 ]] && break
  sleep 0.1
done
# The server made the dev key on its start; `token` never makes one.
token=$("$bin/src/cli/workspaced" token --sub bench --data-dir "$BENCH_TMP/data")
wrk_args=()
if [[ $endpoint == reveal || $endpoint == detokenize ]]; then
  # shellcheck source=bench/against_get.sh
  source bench/against_get.sh
  WS_URL=http://127.0.0.1:$port WORKSPACED=$bin/src/cli/workspaced
  pillar_workspace_on_running "$BENCH_TMP/data" "profile"
fi
if [[ $endpoint == detokenize ]]; then
  tokens=$(vault_record_tokens)
  printf 'wrk.method = "POST"\nwrk.body = [[{"tokens":%s}]]\nwrk.headers["Content-Type"] = "application/json"\n' \
    "$tokens" >"$BENCH_TMP/detokenize.lua"
  path=/v1/workspaces/$ws_id/vault/detokenize wrk_args=(-s "$BENCH_TMP/detokenize.lua")
fi
if [[ $endpoint == reveal ]]; then
  curl -sf --max-time 30 -X PUT "${auth[@]}" -d '{"value":"bench-value-0123456789abcdef"}' \
    "http://127.0.0.1:$port/v1/workspaces/$ws_id/secrets/DB_PASSWORD" >/dev/null
  printf 'wrk.method = "POST"\nwrk.body = "{}"\nwrk.headers["Content-Type"] = "application/json"\n' \
    >"$BENCH_TMP/reveal.lua"
  path=/v1/workspaces/$ws_id/secrets/DB_PASSWORD/reveal wrk_args=(-s "$BENCH_TMP/reveal.lua")
fi
callgrind_control -i on "$vg" >/dev/null  # count the requests (and shutdown), not start-up
requests=$(wrk -t1 -c"${PROFILE_CONNECTIONS:-4}" -d"${seconds}s" "${wrk_args[@]}" -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" |
  awk '/requests in/ { print $1 }')
kill -TERM "$vg"  # a clean exit writes $out
wait "$vg" || true
echo "profile: $requests requests of $path; raw profile in $out" >&2

# per_request INCLUSIVE(yes|no) FILTER: cost per request of the functions
# whose name matches FILTER, costliest first.
per_request() {
  callgrind_annotate --auto=no --inclusive="$1" "$out" 2>/dev/null |
    awk -v n="$requests" -v filter="$2" '/^ *[0-9,]+ \(/ {
      ir = $1; gsub(",", "", ir)
      if ($0 ~ /PROGRAM TOTALS/) { total = ir; next }
      fn = $0; sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "", fn); sub(/ \[.*$/, "", fn)
      file = fn; sub(/:.*$/, "", file); sub(/^.*\/src\//, "src/", file); sub(/^[^:]*:/, "", fn)
      sub(/\(.*$/, "", fn); sub(/^(workspaced|boost)::(\(anonymous namespace\)::)?/, "", fn)
      if ($0 !~ filter || seen[fn]++) next
      printf "%10.0f %5.1f%%  %s (%s)\n", ir / n, 100 * ir / total, substr(fn, 1, 90), file
    }' | sort -k1,1nr | head -"${PROFILE_TOP:-25}"
}
echo "== instructions per request, inclusive, the project's functions"
per_request yes ':workspaced::'
echo "== instructions per request, self cost, all functions"
per_request no .
