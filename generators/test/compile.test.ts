// The generators on a spec with shapes the real one lacks: the Go output must vet and
// round-trip JSON, the Python must compile and round-trip, the Dart must parse. Operations
// without response content (204, and a 200 declaring none) must return nothing, and a
// merge-patch+json body must go out with its own media type.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isGenerated, listFiles, writeFiles } from '../src/files.js';
import { generateAll, LANGUAGES } from '../src/generate.js';
import { dartSyntaxErrors } from './dart-syntax.js';
import { fixtureSpec } from './fixture-spec.js';

const clients = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'clients');
const out = mkdtempSync(join(tmpdir(), 'aerostack-fixture-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// The generated code needs each client's hand-written runtime (transport, errors, pagination).
const RUNTIME = /^(?!.*_test\.go$)(?!internal\/fixtureclient\/).+\.go$|^aerostack\/.+\.py$|^lib\/.+\.dart$/;
for (const language of LANGUAGES) {
  for (const file of listFiles(join(clients, language))) {
    const source = join(clients, language, file);
    if (!RUNTIME.test(file) || isGenerated(source)) continue;
    mkdirSync(dirname(join(out, language, file)), { recursive: true });
    copyFileSync(source, join(out, language, file));
  }
}
writeFiles(out, generateAll(fixtureSpec), [...LANGUAGES]);

/** A wire-format Widget using every field shape of the fixture. */
const widget = {
  id: 'w1',
  name: 'Sprocket',
  createdAt: '2026-01-02T03:04:05Z',
  tags: ['a', 'b'],
  parts: { main: { id: 'p1', kind: 'gear', children: [{ id: 'p2', kind: 'bolt' }] } },
  meta: { anything: [1, 'two', null] },
  checkedAt: ['2026-01-02T03:04:05Z', null],
  default: true,
  owner: { email: 'a@example.com', since: '2025-12-31T23:59:59Z' },
};

/** A Go `[][]string` literal. */
function toGo(rows: string[][]): string {
  return `[][]string{${rows.map((r) => `{${r.map((v) => JSON.stringify(v)).join(', ')}}`).join(', ')}}`;
}

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function hasPythonModule(name: string): boolean {
  try {
    execFileSync('python3', ['-c', `import ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// CI must run every check; a developer without Go (or httpx) still gets the rest.
const goMissing = !hasTool('go') && process.env.CI !== 'true';
const httpxMissing = !hasPythonModule('httpx') && process.env.CI !== 'true';

/** What the fixture server saw, per call: method, path, Content-Type, body. */
const NO_CONTENT_CALLS = [
  ['GET', '/ping', '', ''],
  ['DELETE', '/v1/widgets/7', '', ''],
  ['PATCH', '/v1/widgets/7', 'application/merge-patch+json', '{"name":"x"}'],
];

describe('generated code for the fixture spec', () => {
  it.skipIf(goMissing)('Go vets and round-trips JSON', () => {
    const dir = join(out, 'go');
    writeFileSync(
      join(dir, 'roundtrip_test.go'),
      `package aerostack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/aerostack/aerostack-oss/clients/go/option"
)

func TestRoundTrip(t *testing.T) {
	in := []byte(${JSON.stringify(JSON.stringify(widget)).replaceAll('`', '')})
	var w Widget
	if err := json.Unmarshal(in, &w); err != nil {
		t.Fatal(err)
	}
	if w.Parts["main"].Kind != PartKindGear || !w.CheckedAt[1].IsNull() || !w.Default || w.Owner.Value.Email == "" {
		t.Fatalf("decoded %+v", w)
	}
	out, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	_ = json.Unmarshal(in, &a)
	_ = json.Unmarshal(out, &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip changed the JSON:\\n%s\\n%s", in, out)
	}
	_ = WidgetsPartsColorsPaintRequest{Color: WidgetsPartsColorsPaintRequestColorV3d, Class: String("x")}
}

// Without response content a method returns only an error, and succeeds on an empty answer.
var (
	_ func(context.Context, ...option.RequestOption) error                              = (*SystemService)(nil).Ping
	_ func(context.Context, int64, ...option.RequestOption) error                       = (*WidgetsService)(nil).Delete
	_ func(context.Context, int64, WidgetsUpdateRequest, ...option.RequestOption) error = (*WidgetsService)(nil).Update
)

func TestNoContent(t *testing.T) {
	var seen [][]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen = append(seen, []string{r.Method, r.URL.Path, r.Header.Get("Content-Type"), string(body)})
		if r.Method == http.MethodPatch {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	client, ctx := NewClient(option.WithBaseURL(srv.URL)), context.Background()
	if err := client.System.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := client.Widgets.Delete(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if err := client.Widgets.Update(ctx, 7, WidgetsUpdateRequest{Name: String("x")}); err != nil {
		t.Fatal(err)
	}
	want := ${toGo(NO_CONTENT_CALLS)}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("calls %q, want %q", seen, want)
	}
}
`,
    );
    execFileSync('go', ['vet', './...'], { cwd: dir, stdio: 'pipe' });
    const result = execFileSync('go', ['test', '-count=1', './...'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(result).toMatch(/^ok/);
  });

  it('Python compiles and round-trips JSON', () => {
    const dir = join(out, 'python');
    const pyFiles = listFiles(dir).filter((f) => f.endsWith('.py'));
    execFileSync('python3', ['-m', 'py_compile', ...pyFiles.map((f) => join(dir, f))]);
    // Load aerostack.models without running aerostack/__init__.py, which needs httpx.
    const script = `
import importlib, json, sys, types
pkg = types.ModuleType("aerostack")
pkg.__path__ = [sys.argv[1] + "/aerostack"]
sys.modules["aerostack"] = pkg
m = importlib.import_module("aerostack.models")
wire = json.loads(sys.argv[2])
w = m.Widget.from_dict(wire)
assert w.default is True and w.parts["main"].kind == "gear", w
assert w.created_at.year == 2026 and w.checked_at[1] is None and w.owner.email == "a@example.com"
print(json.dumps(w.to_dict(), sort_keys=True))
`;
    const printed = execFileSync('python3', ['-c', script, dir, JSON.stringify(widget)], {
      encoding: 'utf8',
    });
    expect(JSON.parse(printed)).toEqual(widget);
  });

  it.skipIf(httpxMissing)('Python returns None without response content', () => {
    const script = `
import inspect, json, sys
import httpx
sys.path.insert(0, sys.argv[1])
from aerostack import Aerostack
seen = []
def answer(request):
    seen.append([request.method, request.url.path, request.headers.get("content-type", ""), request.content.decode()])
    return httpx.Response(200 if request.method == "PATCH" else 204)
client = Aerostack("http://fixture", http_client=httpx.Client(transport=httpx.MockTransport(answer)))
calls = [client.system.ping, client.widgets.delete, client.widgets.update]
results = [client.system.ping(), client.widgets.delete(7), client.widgets.update(7, name="x")]
hints = [inspect.signature(call).return_annotation for call in calls]
print(json.dumps({"results": results, "hints": hints, "seen": seen}))
`;
    const printed = execFileSync('python3', ['-c', script, join(out, 'python')], { encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual({
      results: [null, null, null],
      hints: ['None', 'None', 'None'],
      seen: NO_CONTENT_CALLS,
    });
  });

  it('Dart returns Future<void> without response content', () => {
    const api = readFileSync(join(out, 'dart', 'lib', 'src', 'api', 'widgets.dart'), 'utf8');
    expect(readFileSync(join(out, 'dart', 'lib', 'src', 'api', 'system.dart'), 'utf8')).toContain(
      "  Future<void> ping({RequestOptions? options}) =>\n      _transport.empty('GET', '/ping', auth: false, options: options);",
    );
    expect(api).toContain(
      '  Future<void> delete(int widgetNumber, {RequestOptions? options}) =>\n      _transport.empty(',
    );
    expect(api).toContain(
      '  Future<void> update(int widgetNumber, {String? name, RequestOptions? options}) {',
    );
    expect(api).toContain(
      "body: JsonPayload(body_, contentType: 'application/merge-patch+json'), auth: true",
    );
  });

  it('Dart parses', () => {
    const dir = join(out, 'dart');
    const errors = listFiles(dir)
      .filter((f) => f.endsWith('.dart'))
      .flatMap((f) => dartSyntaxErrors(readFileSync(join(dir, f), 'utf8')).map((e) => `${f}:${e}`));
    expect(errors).toEqual([]);
  });
});
