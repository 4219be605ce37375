#!/usr/bin/env bash
# Runs a command against a freshly started platform (embedded defaults, temp data dir, free port).
# The command sees AEROSTACK_URL, AEROSTACK_ACCOUNT_KEY, AEROSTACK_PROJECT_ID, AEROSTACK_SECRET_KEY
# and AEROSTACK_PUBLISHABLE_KEY. Extra platform settings (DATABASE_URL, REDIS_URL) pass through.
#
#   scripts/with-platform.sh [--fixtures] [--local-ai] <command> [args…]
#
# --fixtures serves the test-only fixture module too (platform/test/fixtures: /test/events,
# /test/blobs/{name}, …, for the scenarios in scenarios/fixtures/): the same command
# (platform/test/fixtures/main.ts, what platform/dist/main.js does plus that module), bundled once
# with esbuild to platform/dist/fixtures/main.js so it starts as fast as the plain platform.
#
# --local-ai starts the platform with the local AI provider (AEROSTACK_AI_PROVIDER=local, decision
# 0041) on the model at AEROSTACK_AI_LOCAL_MODEL, by default where scripts/system-deps.sh installs
# it (/tmp/aerostack-ai-model), and tells the command so with AEROSTACK_SCENARIOS_AI_LOCAL=1 (the
# runners then run scenarios/ai-local/*.json). Without the model file it stops before starting.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fixtures=0
local_ai=0
while [ $# -gt 0 ]; do
  case "$1" in
    --fixtures) fixtures=1; shift ;;
    --local-ai) local_ai=1; shift ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--fixtures] [--local-ai] <command> [args…]" >&2; exit 2; }
ai_env=()
if [ "$local_ai" = 1 ]; then
  model="${AEROSTACK_AI_LOCAL_MODEL:-/tmp/aerostack-ai-model/SmolLM2-135M-Instruct.Q4_1.gguf}"
  if [ ! -s "$model" ]; then
    echo "--local-ai: no model file at $model; install it with" >&2
    echo "  scripts/install-local-model.sh $(dirname "$model")   (or scripts/system-deps.sh)" >&2
    exit 1
  fi
  ai_env=(AEROSTACK_AI_PROVIDER=local "AEROSTACK_AI_LOCAL_MODEL=$model")
  export AEROSTACK_SCENARIOS_AI_LOCAL=1
fi

# The built platform, as the README's start command runs it; rebuilt when missing or older than
# its sources (the build takes well under a second).
main="$root/platform/dist/main.js"
if [ ! -f "$main" ] || [ -n "$(find "$root/platform/src" "$root/spec" "$root/platform/build.mjs" \
  "$root/platform/package.json" -newer "$main" -print -quit)" ]; then
  node "$root/platform/build.mjs" >&2
fi
if [ "$fixtures" = 1 ]; then
  main="$root/platform/dist/fixtures/main.js"
  if [ ! -f "$main" ] || [ -n "$(find "$root/platform/src" "$root/platform/test/fixtures" "$root/spec" \
    "$root/platform/package.json" -newer "$main" -print -quit)" ]; then
    # Like platform/build.mjs: workspace code bundled, the platform's dependencies left external
    # (they resolve from platform/node_modules, beside dist/). Synchronous, no worker threads, so
    # no esbuild service process outlives the build. The banner gives bundled CommonJS (yaml, which
    # the fixture module reads its spec with) the `require` an ES module lacks.
    (cd "$root/platform" && ESBUILD_WORKER_THREADS=0 node --input-type=module -e '
      import { copyFileSync, readFileSync } from "node:fs";
      const { buildSync } = await import("esbuild");
      const pkg = JSON.parse(readFileSync("package.json", "utf8"));
      const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })
        .filter((name) => !name.startsWith("@aerostack/"));
      buildSync({ entryPoints: ["test/fixtures/main.ts"], outfile: "dist/fixtures/main.js", bundle: true,
        format: "esm", platform: "node", target: "node20", sourcemap: true, external, logLevel: "warning",
        banner: { js: "import { createRequire as __cr } from \"node:module\"; const require = __cr(import.meta.url);" } });
      copyFileSync("test/fixtures/fixtures.yaml", "dist/fixtures/fixtures.yaml"); // read beside the module
    ') >&2
  fi
fi

data_dir="$(mktemp -d)"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
log="$data_dir/platform.log"

env "${ai_env[@]}" AEROSTACK_DATA_DIR="$data_dir" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=error \
  AEROSTACK_VALIDATE_RESPONSES=1 node "$main" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data_dir"
}
trap cleanup EXIT

for _ in $(seq 1 150); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; echo "platform exited early" >&2; exit 1; fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$log" >&2; echo "platform did not start" >&2; exit 1; }

key() { node -e "process.stdout.write(require(process.argv[1])[process.argv[2]])" "$data_dir/keys.json" "$1"; }
export AEROSTACK_URL="http://127.0.0.1:$port"
AEROSTACK_ACCOUNT_KEY="$(key accountKey)"
AEROSTACK_PROJECT_ID="$(key projectId)"
AEROSTACK_SECRET_KEY="$(key secretKey)"
AEROSTACK_PUBLISHABLE_KEY="$(key publishableKey)"
export AEROSTACK_ACCOUNT_KEY AEROSTACK_PROJECT_ID AEROSTACK_SECRET_KEY AEROSTACK_PUBLISHABLE_KEY

set +e
"$@"
status=$?
set -e
if [ "$status" -ne 0 ] && [ -s "$log" ]; then echo "--- platform log ---" >&2; tail -50 "$log" >&2; fi
exit "$status"
