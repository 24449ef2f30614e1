#!/usr/bin/env bash
# Runs seed 000's own examples verbatim, with $TOKEN and $CP_URL set, against
# the real binary on a free port. Usage: seed_examples_test.sh path/to/workspaced
set -euo pipefail
BIN=${1:?usage: seed_examples_test.sh WORKSPACED_BIN}
DIR=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
"$BIN" serve --listen 127.0.0.1:0 --data-dir "$DIR/data" >"$DIR/out.log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do
  grep -q '"msg":"listening"' "$DIR/out.log" 2>/dev/null && break
  sleep 0.05
done
ADDR=$(grep -o '"addr":"[^"]*"' "$DIR/out.log" | head -1 | cut -d'"' -f4)
[ -n "$ADDR" ] || { echo "server did not start"; cat "$DIR/out.log"; exit 1; }
export CP_URL="http://$ADDR"
export TOKEN=$("$BIN" token --sub admin --data-dir "$DIR/data")

fail=0
check() { # name, expected jq filter result, output
  if [ "$2" != "$3" ]; then echo "FAIL $1: expected $2, got $3"; fail=1; else echo "ok   $1"; fi
}

# Seed 000, "List workspaces" — verbatim.
out=$(curl -s -H "Authorization: Bearer $TOKEN" \
"$CP_URL/v1/workspaces" | jq .)
check "list workspaces is a JSON array" "array" "$(echo "$out" | jq -r type)"

# "Workspace audit" path with its documented limit must at least authenticate and route.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$CP_URL/v1/workspaces?limit=50")
check "list with limit" "200" "$code"

# Seed 000, "Create workspace" — verbatim but for the account id, which is the
# default account the server created on first start.
ACCOUNT=$(grep -o '"default_account_id":"[^"]*"' "$DIR/out.log" | head -1 | cut -d'"' -f4)
out=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" \
-H "Content-Type: application/json" \
-d '{"account_id":"'"$ACCOUNT"'","name":"Development","region":"us-east-1"}' \
"$CP_URL/v1/workspaces" | jq .)
check "create answers provisioning" "provisioning" "$(echo "$out" | jq -r .status)"
RUN=$(echo "$out" | jq -r .provisioning_run_id)
WS=$(echo "$out" | jq -r .workspace_id)
state=""
for _ in $(seq 1 200); do
  state=$(curl -s -H "Authorization: Bearer $TOKEN" "$CP_URL/v1/provisioning-runs/$RUN" | jq -r .state)
  [ "$state" = "succeeded" ] && break
  sleep 0.05
done
check "the provisioning run succeeds" "succeeded" "$state"
check "the workspace is active" "active" \
  "$(curl -s -H "Authorization: Bearer $TOKEN" "$CP_URL/v1/workspaces/$WS" | jq -r .status)"
# Seed 000, "List environments".
check "environments" "dev,staging,prod" \
  "$(curl -s -H "Authorization: Bearer $TOKEN" "$CP_URL/v1/workspaces/$WS/environments" | jq -r 'map(.name) | join(",")')"

# Without a token: 401 problem+json.
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$CP_URL/v1/workspaces")
check "401 is problem+json" "application/problem+json" "$ctype"

kill -TERM $PID
wait $PID && rc=0 || rc=$?
check "SIGTERM exits 0" "0" "$rc"
if [ $fail -ne 0 ]; then exit 1; fi
echo "seed examples: all passed"
