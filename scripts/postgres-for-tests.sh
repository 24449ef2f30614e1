#!/usr/bin/env bash
# Starts one throwaway PostgreSQL (Debian's server) for a whole test run, the
# way src/store/testing/postgres_server.h does for a single test process: a
# fresh cluster in a temporary directory, a unix socket there and no TCP port,
# run as the `postgres` system user when we are root.
#
#   eval "$(bash scripts/postgres-for-tests.sh start)"   # exports WS_TEST_POSTGRES, WS_TEST_POSTGRES_DIR
#   bash scripts/postgres-for-tests.sh stop "$WS_TEST_POSTGRES_DIR"
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -n $bin && -x $bin/initdb ]] || { echo "postgres-for-tests: no PostgreSQL server (bash scripts/setup.sh)" >&2; exit 1; }
as=()
if (($(id -u) == 0)); then as=(runuser -u postgres --); fi
case ${1:-} in
  start)
    dir=$(mktemp -d /tmp/ws-pg-run.XXXXXX)
    ((${#as[@]})) && chown postgres: "$dir"
    "${as[@]}" "$bin/initdb" --no-sync -A trust -U postgres -E UTF8 -D "$dir/data" >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    "${as[@]}" "$bin/pg_ctl" -w -t 60 -D "$dir/data" -l "$dir/server.log" \
      -o "-k $dir -c listen_addresses='' -c fsync=off -c max_connections=300 -c max_pred_locks_per_transaction=256 -c track_commit_timestamp=on" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "export WS_TEST_POSTGRES='host=$dir dbname=postgres user=postgres' WS_TEST_POSTGRES_DIR='$dir'"
    ;;
  stop)
    dir=${2:?usage: stop DIR}
    "${as[@]}" "$bin/pg_ctl" -w -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
