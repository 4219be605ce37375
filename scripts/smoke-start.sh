#!/usr/bin/env bash
# Runs the README's start command on a fresh checkout, reads the secret key it prints, and uses
# it with curl to set and then read a cache value — exactly what a newcomer does first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cmd="$(scripts/readme-command.sh start)"
[ -n "$cmd" ] || { echo "README has no start command" >&2; exit 1; }
out="$(mktemp)"
echo "\$ $cmd"
setsid bash -c "$cmd" >"$out" 2>&1 &
pid=$!
stop() { kill -TERM -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap stop EXIT

for _ in $(seq 1 600); do
  grep -q 'Publishable key' "$out" && break
  kill -0 "$pid" 2>/dev/null || { cat "$out"; echo "the start command exited" >&2; exit 1; }
  sleep 0.5
done
grep -q 'Publishable key' "$out" || { cat "$out"; echo "no keys printed" >&2; exit 1; }
sed -n '/Aerostack platform is running/,$p' "$out"

# Only the platform stays resident: no pnpm or tsx process beside the serving node process. The
# wrapper shell ($pid, unless it exec'd the last command), whose arguments quote the whole
# command, is left out of the check.
procs="$(ps -o pid=,rss=,args= -s "$pid" | awk -v self="$pid" '!($1 == self && $3 ~ /(^|\/)(ba)?sh$/)')"
echo "processes left running (pid, RSS kB, command):"
echo "$procs" | sed 's/^/  /'
echo "$procs" | grep -Eq 'node( --[^ ]+)* platform/dist/main\.js' || { echo "the platform is not served by node platform/dist/main.js" >&2; exit 1; }
if echo "$procs" | grep -Eq 'pnpm|tsx'; then echo "a pnpm or tsx process stays resident while serving" >&2; exit 1; fi

url="$(sed -n 's/^ *API URL *\(http[^ ]*\).*/\1/p' "$out" | head -1)"
docs="$(sed -n 's/^ *API reference *\(http[^ ]*\).*/\1/p' "$out" | head -1)"
sk="$(sed -n 's/^ *Secret key *\(sk_[0-9A-Za-z]*\).*/\1/p' "$out" | head -1)"
[ -n "$url" ] && [ -n "$docs" ] && [ -n "$sk" ] || { echo "could not read URL, docs URL and secret key" >&2; exit 1; }

curl -fsS -X PUT "$url/v1/cache/smoke" -H "Authorization: Bearer $sk" -H 'Content-Type: application/json' \
  -d '{"value":"it works","ttlSeconds":60}' >/dev/null
got="$(curl -fsS "$url/v1/cache/smoke" -H "Authorization: Bearer $sk")"
echo "GET /v1/cache/smoke → $got"
case "$got" in *'"value":"it works"'*) ;; *) echo "unexpected cache answer" >&2; exit 1 ;; esac
curl -fsS "$docs" | grep -q 'openapi.json' || { echo "no API reference at $docs" >&2; exit 1; }
echo "start command: OK ($url, $docs)"
