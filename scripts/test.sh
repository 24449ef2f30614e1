#!/usr/bin/env bash
# Builds workspaced and runs every test: unit, store, black-box HTTP against
# the real binary, the seed's curl examples, and the OpenAPI lint.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
bash scripts/lint-openapi.sh
bash scripts/install-spicedb.sh >/dev/null
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 300
