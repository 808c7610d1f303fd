#!/usr/bin/env bash
# Starts local mode exactly as the README says (`pnpm start`, its build included), waits until it is healthy,
# checks that the speaker app, a listener join page and the API answer 200, then stops it. Used by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-$((20000 + RANDOM % 20000))}
log=$(mktemp)
PORT=$port setsid pnpm start >"$log" 2>&1 &
pid=$!
stop() { kill -TERM -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap stop EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
  grep -q "local mode is running" "$log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "check-start: pnpm start exited before it was healthy" >&2; exit 1; }
  sleep 1
done
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
session=$(curl -sf -XPOST "$base/sessions" -H 'content-type: application/json' \
  -d '{"sourceLanguage":"en","targetLanguages":["es"]}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).sessionId')
failed=0
for path in /health /speaker "/listen/$session"; do
  code=$(status "$base$path")
  echo "check-start: GET $path -> $code"
  [ "$code" = 200 ] || failed=1
done
grep -q "$base/speaker" "$log" || { echo "check-start: the banner does not print the speaker app URL" >&2; failed=1; }
[ "$failed" = 0 ] || { cat "$log"; exit 1; }
echo "check-start: pnpm start serves the API and both apps"
