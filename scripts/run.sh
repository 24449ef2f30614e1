#!/usr/bin/env bash
# Builds workspaced and runs it on its embedded default: SQLite in ./data,
# listening on 127.0.0.1:8080. Extra arguments go to `workspaced serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec ./build/src/cli/workspaced serve "$@"
