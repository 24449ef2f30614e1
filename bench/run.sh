#!/usr/bin/env bash
# Runs every benchmark suite (bench/suites/*.sh), prints a table and writes
# bench/results/<timestamp>.json. See bench/README.md.
#
#   bench/run.sh            full mode (by hand; about 4 minutes)
#   bench/run.sh --quick    quick mode (CI; about 35 s after the build)
#   options: --no-build (use the binaries already in $BENCH_BUILD_DIR, default build/)
#            --only REGEX (run the suites whose file name matches)
#
# Exits non-zero only when the harness breaks (a suite fails or prints
# something that is not a figure); a missed goal is reported, not fatal.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

mode=full build=1 only=.
while (($#)); do
  case $1 in
    --quick) mode=quick ;;
    --no-build) build=0 ;;
    --only) only=$2; shift ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if ((build)); then
  bash scripts/setup.sh --bench
  bash scripts/build.sh >&2
fi
bin=${BENCH_BUILD_DIR:-build}
[[ $bin == /* ]] || bin=$root/$bin
export BENCH_DIR=$root/bench BENCH_MODE=$mode
export WORKSPACED=$bin/src/cli/workspaced WS_SEED=$bin/bench/ws_bench_seed WS_PROBE=$bin/bench/ws_bench_probe
for tool in nginx wrk taskset jq curl column "$WORKSPACED" "$WS_SEED" "$WS_PROBE"; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (bash scripts/setup.sh --bench; bash scripts/build.sh)" >&2; exit 1; }
done
(($(nproc) >= 2)) || { echo "bench: needs 2 cores (server on core 0, wrk on core 1)" >&2; exit 1; }

export BENCH_CONNECTIONS=32
if [[ $mode == quick ]]; then
  export BENCH_ROUNDS=2 BENCH_SECONDS=2 BENCH_WARMUP=1 BENCH_RUNS=3
else
  export BENCH_ROUNDS=5 BENCH_SECONDS=10 BENCH_WARMUP=3 BENCH_RUNS=10
fi

# Other work on the machine (a build) shows up as noise in every figure.
load_before=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$load_before" 'BEGIN { exit !(l > 0.5) }' &&
  echo "bench: warning: load average $load_before before starting; figures will be noisy" >&2

work=$(mktemp -d /tmp/ws-bench.XXXXXX)
suite_pid=""
cleanup() {
  [[ -n $suite_pid ]] && kill -TERM -- "-$suite_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Each suite runs in its own process group (so an interrupt stops its
# servers too) with its own scratch directory.
failed=()
for suite in bench/suites/*.sh; do
  name=$(basename "$suite" .sh)
  [[ $name =~ $only ]] || continue
  echo "bench: suite $name ($mode)" >&2
  export BENCH_TMP=$work/$name
  mkdir -p "$BENCH_TMP"
  setsid -w bash "$suite" </dev/null >"$work/$name.out" &
  suite_pid=$!
  wait "$suite_pid" || failed+=("$name")
  suite_pid=""
  lines=$(grep -c . "$work/$name.out" || true)
  valid=$(jq -R 'fromjson? | objects | select(has("name") and has("value") and has("unit"))' \
    "$work/$name.out" | jq -s length)
  if [[ $lines != "$valid" && " ${failed[*]} " != *" $name "* ]]; then
    echo "bench: suite $name printed lines that are not figures:" >&2
    cat "$work/$name.out" >&2
    failed+=("$name")
  fi
done

# Goals: "ratio >= 0.6" or "value <= 20".
figures=$(cat "$work"/*.out 2>/dev/null | jq -R 'fromjson? | objects' | jq -s '
  map(. as $f | if .goal == null then . else
    (.goal | split(" ")) as [$on, $op, $t]
    | ((if $on == "ratio" then $f.ratio else $f.value end) as $x
       | . + {met: (if $op == ">=" then $x >= ($t | tonumber) else $x <= ($t | tonumber) end)})
  end)')

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
results=bench/results/$stamp.json
jq -n --argjson figures "$figures" --arg mode "$mode" --arg date "$(date -u +%FT%TZ)" \
  --arg commit "$(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src bench 2>/dev/null || echo -dirty)" \
  --arg nproc "$(nproc)" --arg cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
  --arg mem "$(awk '/MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)" --arg kernel "$(uname -r)" \
  --arg nginx "$(nginx -v 2>&1 | sed 's/.*nginx\///')" --arg wrk "$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')" \
  --arg load "$load_before $(cut -d' ' -f1 /proc/loadavg)" --arg failed "${failed[*]:-}" '{
    date: $date, commit: $commit, mode: $mode,
    machine: {nproc: ($nproc | tonumber), cpu_model: $cpu, memory_mib: ($mem | tonumber), kernel: $kernel,
              loadavg_before_after: ($load | split(" ") | map(tonumber))},
    tools: {nginx: $nginx, wrk: $wrk},
    settings: {connections: env.BENCH_CONNECTIONS | tonumber, rounds: env.BENCH_ROUNDS | tonumber,
               seconds_per_round: env.BENCH_SECONDS | tonumber, process_runs: env.BENCH_RUNS | tonumber},
    figures: $figures,
    failed_suites: ($failed | split(" ") | map(select(. != "")))
  }' >"$results"

{
  printf 'figure\tworkspaced\tbaseline\tratio\tgoal\n'
  jq -r '.[] | [.name, "\(.value) \(.unit)",
    (if .baseline_name then "\(.baseline_name) \(.baseline)" else "-" end),
    (.ratio // "-" | tostring),
    (if .goal then "\(.goal) \(if .met then "MET" else "MISSED" end)" else "-" end)] | @tsv' <<<"$figures"
} | column -t -s $'\t'
echo "bench: $(nproc) × $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $mode mode; results in $results" >&2

if ((${#failed[@]})); then
  echo "bench: HARNESS FAILURE in suite(s): ${failed[*]}" >&2
  exit 1
fi
