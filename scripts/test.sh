#!/usr/bin/env bash
# Builds workspaced and runs every test: unit, store, black-box HTTP against
# the real binary, the seed's curl examples, the OpenAPI lint, the store suite on
# SQLite and on a real PostgreSQL started for the run, and the tests against
# the real SpiceDB engine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/build.sh
bash scripts/lint-openapi.sh
bash scripts/install-spicedb.sh >/dev/null
bash scripts/install-v0-sdk.sh
# One PostgreSQL for every test that needs one, removed afterwards.
eval "$(bash scripts/postgres-for-tests.sh start)"
trap 'bash "$root/scripts/postgres-for-tests.sh" stop "$WS_TEST_POSTGRES_DIR"; rm -rf "/tmp/ws-blackbox-databases-$(id -u)"' EXIT
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 300
