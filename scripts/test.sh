#!/usr/bin/env bash
# `pnpm test`: every check and every suite, the way CI runs them. Installs what it needs that
# pnpm does not (PostgreSQL, Redis and Chromium from Debian's packages, the Go modules, the Python
# client), starts PostgreSQL and Redis on loopback, and ends with one line: "tests: N passed, N failed".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CI="${CI:-true}" # the suites refuse to skip PostgreSQL / Redis
reports="$(mktemp -d)"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "system packages"
bash scripts/system-deps.sh

step "PostgreSQL and Redis"
eval "$(scripts/services.sh start)"
export TEST_DATABASE_URL TEST_REDIS_URL
echo "PostgreSQL: $TEST_DATABASE_URL  Redis: $TEST_REDIS_URL"

step "generated code is up to date (pnpm generate, then git diff)"
pnpm generate >/dev/null
if [ -n "$(git status --porcelain -- spec packages/core/src/generated clients)" ]; then
  git status --porcelain -- spec packages/core/src/generated clients
  git --no-pager diff --stat -- spec packages/core/src/generated clients
  echo "generated files differ from the spec: run 'pnpm generate' and commit the result" >&2
  exit 1
fi

step "lint (biome, redocly)"
pnpm lint

step "build the published packages"
pnpm build

step "typecheck"
pnpm typecheck

step "TypeScript suites (vitest: platform on SQLite, PostgreSQL, PostgreSQL + Redis; clients; generators)"
pnpm exec vitest run --typecheck --reporter=default --reporter=json --outputFile.json="$reports/vitest.json"

step "Go client: go vet, staticcheck, tests against a live platform, then the fixture platform"
staticcheck="$(command -v staticcheck || echo "$(go env GOPATH)/bin/staticcheck")"
(cd clients/go && test -z "$(gofmt -l .)" && go vet ./... && "$staticcheck" ./...) || { gofmt -l clients/go; exit 1; }
scripts/with-platform.sh bash -c "cd clients/go && go test -count=1 -v ./... > '$reports/go.txt' 2>&1; s=\$?; tail -5 '$reports/go.txt'; exit \$s"
# The fixture client's tests and scenarios/fixtures/*.json need the fixture operations.
scripts/with-platform.sh --fixtures bash -c "cd clients/go && AEROSTACK_FIXTURES=1 go test -count=1 -v ./internal/fixtureclient/... > '$reports/go-fixtures.txt' 2>&1; s=\$?; tail -5 '$reports/go-fixtures.txt'; cat '$reports/go-fixtures.txt' >> '$reports/go.txt'; exit \$s"
# scenarios/ai-local/*.json: AI answering for real, through the local model (seconds).
scripts/with-platform.sh --local-ai bash -c "cd clients/go && go test -count=1 -v -run TestAILocalScenarios . > '$reports/go-ai-local.txt' 2>&1; s=\$?; tail -5 '$reports/go-ai-local.txt'; cat '$reports/go-ai-local.txt' >> '$reports/go.txt'; exit \$s"

step "Python client: mypy --strict, tests against a live platform, then the fixture platform"
(cd clients/python && python3 -m mypy --strict aerostack tests)
scripts/with-platform.sh bash -c "cd clients/python && python3 -m pytest -q -p no:cacheprovider --junitxml='$reports/pytest.xml'"
# scenarios/fixtures/*.json through tests/fixture_client, sync and async, need the fixture operations.
scripts/with-platform.sh --fixtures bash -c "cd clients/python && AEROSTACK_FIXTURES=1 python3 -m pytest -q -p no:cacheprovider -k fixture_scenario tests/test_scenarios.py --junitxml='$reports/pytest-fixtures.xml'"
# scenarios/ai-local/*.json, sync and async, through the local model.
scripts/with-platform.sh --local-ai bash -c "cd clients/python && python3 -m pytest -q -p no:cacheprovider -k ai_local_scenario tests/test_scenarios.py --junitxml='$reports/pytest-ai-local.xml'"
python3 - "$reports/pytest.xml" "$reports/pytest-fixtures.xml" "$reports/pytest-ai-local.xml" <<'PY' # one report for the summary
import sys, xml.etree.ElementTree as ET
main, *extras = (ET.parse(p) for p in sys.argv[1:])
suite = main.getroot().find("testsuite")
for extra in extras:
    other = extra.getroot().find("testsuite")
    for name in ("tests", "failures", "errors", "skipped"):
        suite.set(name, str(int(suite.get(name, 0)) + int(other.get(name, 0))))
    suite.extend(list(other))
main.write(sys.argv[1])
PY

step "examples/node-quickstart against a live platform"
scripts/with-platform.sh pnpm --silent --filter @aerostack/example-node-quickstart start

step "examples/react-chat: built with Vite, two users in Chromium (playwright-core) against a live platform"
scripts/with-platform.sh pnpm --silent --filter @aerostack/example-react-chat e2e

step "summary"
node scripts/test-summary.mjs "$reports"
