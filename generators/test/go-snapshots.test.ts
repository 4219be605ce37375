// Snapshots of the Go emitter over the snapshot specs (specs/README.md): the files that differ by
// spec are pinned under snapshots/go/<spec>/, and every spec's client must `go vet` beside the
// hand-written runtime (unions, streams, uploads, …). The fixture client is pinned where it is
// committed, in clients/go, by the drift check.
// After an intended change: `pnpm exec vitest run test/go-snapshots.test.ts -u`, then review the diff.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type GeneratedFile, isGenerated, listFiles, writeFiles } from '../src/files.js';
import { generateLanguage } from '../src/generate.js';
import { loadFixturesSpec } from '../src/spec.js';
import { loadTestSpec, TEST_SPECS } from './specs/index.js';

const clientsGo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'clients', 'go');
const scratch = mkdtempSync(join(tmpdir(), 'aerostack-go-snapshots-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The files that differ by spec; go.mod, behaviour, version, error codes and runtime aliases do not. */
const PINNED = /\/(models|client|scenario_dispatch_test|(?!doc|runtime|version|error_codes)\w+)\.go$/;

const snapshot = (spec: string, path: string) =>
  `./snapshots/go/${spec}/${path.replace(/^go\/(internal\/fixtureclient\/)?/, '')}`;

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const goMissing = !hasGo() && process.env.CI !== 'true';

/** A module with the hand-written runtime of clients/go and `files`; go vet must pass on it. */
function vet(name: string, files: GeneratedFile[]): void {
  const dir = join(scratch, name);
  for (const file of listFiles(clientsGo)) {
    const source = join(clientsGo, file);
    if (!file.endsWith('.go') || file.endsWith('_test.go') || isGenerated(source)) continue;
    if (file.startsWith('internal/fixtureclient/')) continue;
    mkdirSync(dirname(join(dir, 'go', file)), { recursive: true });
    copyFileSync(source, join(dir, 'go', file));
  }
  const api = generateLanguage('go', loadTestSpec('enums'));
  const base = api.filter((f) => f.path === 'go/go.mod' || f.path.startsWith('go/internal/behaviour/'));
  writeFiles(dir, [...base, ...files.filter((f) => !base.some((b) => b.path === f.path))], []);
  execFileSync('go', ['vet', './...'], { cwd: join(dir, 'go'), stdio: 'pipe' });
}

describe('Go snapshots', () => {
  for (const name of TEST_SPECS) {
    it(`of ${name}.yaml`, async () => {
      const files = generateLanguage('go', loadTestSpec(name));
      for (const file of files) {
        if (!PINNED.test(file.path) || file.path.startsWith('go/internal/behaviour/')) continue;
        await expect(file.content).toMatchFileSnapshot(snapshot(name, file.path));
      }
      if (!goMissing) vet(name, files);
    });
  }

  // The fixture client's output is pinned where it is committed (clients/go/internal/fixtureclient,
  // by the drift check) and built, vetted and run there by CI: no second copy here.
  it("puts the platform's fixture client under internal/fixtureclient", () => {
    const files = generateLanguage('go', loadFixturesSpec(), { target: 'fixtures' });
    expect(files.every((f) => f.path.startsWith('go/internal/fixtureclient/'))).toBe(true);
  });

  it('is deterministic', () => {
    for (const name of TEST_SPECS) {
      expect(generateLanguage('go', loadTestSpec(name))).toEqual(generateLanguage('go', loadTestSpec(name)));
    }
  });
});
