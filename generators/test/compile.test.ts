// The generators on a spec with shapes the real one lacks: the Go output must vet and
// round-trip JSON, the Python must compile and round-trip, the Dart must parse.
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
const RUNTIME = /^(?!.*_test\.go$)[^/]+\.go$|^aerostack\/.+\.py$|^lib\/.+\.dart$/;
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

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// CI must run every check; a developer without Go still gets the rest.
const goMissing = !hasTool('go') && process.env.CI !== 'true';

describe('generated code for the fixture spec', () => {
  it.skipIf(goMissing)('Go vets and round-trips JSON', () => {
    const dir = join(out, 'go');
    writeFileSync(
      join(dir, 'roundtrip_test.go'),
      `package aerostack

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []byte(${JSON.stringify(JSON.stringify(widget)).replaceAll('`', '')})
	var w Widget
	if err := json.Unmarshal(in, &w); err != nil {
		t.Fatal(err)
	}
	if w.Parts["main"].Kind != PartKindGear || w.CheckedAt[1] != nil || !w.Default || w.Owner.Email == "" {
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
	_ = WidgetsPartsColorsPaintRequest{Color: WidgetsPartsColorsPaintRequestColorV3d, Class: Ptr("x")}
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

  it('Dart parses', () => {
    const dir = join(out, 'dart');
    const errors = listFiles(dir)
      .filter((f) => f.endsWith('.dart'))
      .flatMap((f) => dartSyntaxErrors(readFileSync(join(dir, f), 'utf8')).map((e) => `${f}:${e}`));
    expect(errors).toEqual([]);
  });
});
