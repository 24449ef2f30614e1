#!/usr/bin/env bash
# Installs the portal's build, type-check and browser-test tools from npm
# (esbuild, typescript and playwright-core, versions pinned in
# portal/package-lock.json) into
# portal/node_modules, so the build's bundle step (portal/build.mjs) never
# needs the network. Idempotent: a no-op when the lock file is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=portal
stamp="$dir/node_modules/.workspaced-stamp"
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
command -v npm >/dev/null || { echo "install-portal: npm is missing (bash scripts/setup.sh)" >&2; exit 1; }
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [[ ! -d $dir/node_modules/esbuild || ! -d $dir/node_modules/typescript || "$want" != "$(cat "$stamp" 2>/dev/null || true)" ]]; then
  echo "install-portal: installing the pinned tools (npm ci in $dir)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) </dev/null >&2
  printf '%s\n' "$want" >"$stamp"
fi
