#!/usr/bin/env bash
# Starts workspaced on a free loopback port and runs Blaxel's own SDK
# against its /v0 surface (sdk_test.mjs). Usage: run.sh path/to/workspaced
# The SDK is installed by scripts/install-v0-sdk.sh (scripts/test.sh runs it).
set -euo pipefail
BIN=${1:?usage: run.sh WORKSPACED_BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
if [[ ! -d $HERE/node_modules/@blaxel/core ]]; then
  echo "the SDK is not installed: bash scripts/install-v0-sdk.sh" >&2
  exit 1
fi
DIR=$(mktemp -d)
PID=
trap '[[ -n $PID ]] && { kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; }; rm -rf "$DIR"' EXIT
"$BIN" serve --listen 127.0.0.1:0 --data-dir "$DIR/data" >"$DIR/out.log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do
  grep -q '"msg":"listening"' "$DIR/out.log" 2>/dev/null && break
  sleep 0.05
done
ADDR=$(grep -o '"addr":"[^"]*"' "$DIR/out.log" | head -1 | cut -d'"' -f4)
[[ -n $ADDR ]] || { echo "server did not start"; cat "$DIR/out.log"; exit 1; }
export BL_API_URL="http://$ADDR/v0"
export WS_ACCOUNT=$(grep -o '"default_account_id":"[^"]*"' "$DIR/out.log" | head -1 | cut -d'"' -f4)
for who in admin bob carol; do
  export "WS_TOKEN_$who=$("$BIN" token --sub "$who" --data-dir "$DIR/data")"
done
# Nothing of the developer's own Blaxel set-up, nothing sent anywhere else.
export HOME="$DIR" DO_NOT_TRACK=1 BL_DISABLE_H2=true BL_ENV=prod
unset BL_API_KEY BL_WORKSPACE BL_API_VERSION BL_CLIENT_CREDENTIALS
cd "$DIR" && node "$HERE/sdk_test.mjs"
