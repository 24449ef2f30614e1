#!/usr/bin/env bash
# Lints api/openapi.yaml with Redocly CLI (rules: .redocly.yaml), then
# api/v0.yaml (rules: .redocly-v0.yaml).
#
# The CLI version is pinned in tools/openapi/package.json + package-lock.json;
# it is installed there with `npm ci` whenever node_modules is missing or was
# installed from another lock file (a stamp keeps the lock file's hash).
# Non-interactive (CI=true, no stdin); telemetry and update notices are off.
# Exits non-zero when the description has lint errors.
set -euo pipefail
cd "$(dirname "$0")/.."

spec=api/openapi.yaml
config=.redocly.yaml
tools=tools/openapi
stamp="$tools/node_modules/.workspaced-lock-sha256"

export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NPM_CONFIG_UPDATE_NOTIFIER=false
export NPM_CONFIG_FUND=false
export NPM_CONFIG_AUDIT=false

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "lint-openapi: '$tool' not found; install Node.js >= 20.19 with npm (Debian: apt-get install nodejs npm)" >&2
    exit 1
  fi
done

want="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [[ ! -x "$tools/node_modules/.bin/redocly" || "$want" != "$have" ]]; then
  echo "lint-openapi: installing the pinned Redocly CLI (npm ci in $tools)"
  log="$(mktemp)"
  trap 'rm -f "$log"' EXIT
  if ! (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error) </dev/null >"$log" 2>&1; then
    cat "$log" >&2
    echo "lint-openapi: npm ci failed" >&2
    exit 1
  fi
  printf '%s\n' "$want" >"$stamp"
fi

version="$(node -p "require('./$tools/node_modules/@redocly/cli/package.json').version")"

# lint SPEC CONFIG: the description against its rules.
lint() {
  local spec="$1" config="$2" out rc
  if out="$("$tools/node_modules/.bin/redocly" lint "$spec" --config "$config" </dev/null 2>&1)"; then
    # Redocly exits 0 on warnings; show them (each must be explained in
    # the configuration) rather than hide them behind the success line.
    if grep -Eq "You have [0-9]+ warnings?|Your config has [0-9]+ warnings?" <<<"$out"; then
      printf '%s\n' "$out"
    fi
    echo "lint-openapi: $spec is valid (Redocly CLI $version, rules: $config)"
  else
    rc=$?
    printf '%s\n' "$out" >&2
    echo "lint-openapi: $spec has lint errors (Redocly CLI $version)" >&2
    exit "$rc"
  fi
}

lint "$spec" "$config"
# The Blaxel-compatible /v0 surface, served at /v0/openapi.yaml.
lint api/v0.yaml .redocly-v0.yaml
