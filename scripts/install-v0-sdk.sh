#!/usr/bin/env bash
# Installs Blaxel's own TypeScript SDK (npm `@blaxel/core`, version pinned in
# tests/v0_sdk/package-lock.json) for the test that drives the /v0 surface
# with it (tests/v0_sdk/run.sh, ctest `v0_sdk`). Idempotent: a no-op when
# the pinned version is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tests/v0_sdk
stamp="$dir/node_modules/.workspaced-stamp"
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
command -v npm >/dev/null || { echo "install-v0-sdk: npm is missing (bash scripts/setup.sh)" >&2; exit 1; }
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [[ ! -d $dir/node_modules/@blaxel/core || "$want" != "$(cat "$stamp" 2>/dev/null || true)" ]]; then
  echo "install-v0-sdk: installing the pinned SDK (npm ci in $dir)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) </dev/null >&2
  printf '%s\n' "$want" >"$stamp"
fi
