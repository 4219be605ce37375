// Snapshots of the Python emitter over the snapshot specs (specs/README.md; the fixture client is
// pinned in clients/python by the drift check): the files that differ by spec are pinned under
// snapshots/python/<spec>/, and every spec's client must import and pass `mypy --strict` beside
// the hand-written runtime (unions, streams, uploads, downloads, …). After an intended change:
// `pnpm exec vitest run test/python-snapshots.test.ts -u`, then review the diff.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type GeneratedFile, isGenerated, listFiles } from '../src/files.js';
import { generateLanguage } from '../src/generate.js';
import { loadFixturesSpec } from '../src/spec.js';
import { loadTestSpec, TEST_SPECS } from './specs/index.js';

const clientsPython = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'clients', 'python');
const scratch = mkdtempSync(join(tmpdir(), 'aerostack-python-snapshots-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The files that differ by spec; pyproject, behaviour, version and error codes do not. */
const PINNED = /\/(models|_client|_operations|__init__|resources\/(?!__init__)\w+)\.py$/;

const snapshot = (spec: string, path: string) =>
  `./snapshots/python/${spec}/${path.replace(/^python\/(aerostack|tests\/fixture_client)\//, '')}`;

function hasPython(module: string): boolean {
  try {
    execFileSync('python3', ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
// CI installs the test extra (pydantic, httpx, mypy); a developer without them gets the snapshots.
const runtimeMissing = !hasPython('pydantic, httpx') && process.env.CI !== 'true';
const mypyMissing = !hasPython('mypy') && process.env.CI !== 'true';

/** A package `aerostack` of the hand-written runtime and `files`; it must import and type-check. */
function check(name: string, files: GeneratedFile[]): void {
  const dir = join(scratch, name);
  const pkg = join(clientsPython, 'aerostack');
  for (const file of listFiles(pkg)) {
    const source = join(pkg, file);
    if (!file.endsWith('.py') || isGenerated(source)) continue;
    mkdirSync(dirname(join(dir, 'aerostack', file)), { recursive: true });
    copyFileSync(source, join(dir, 'aerostack', file));
  }
  const api = generateLanguage('python', loadTestSpec('enums'));
  const base = api.filter((f) => /\/(_behaviour|_version|error_codes)\.py$/.test(f.path));
  for (const file of [...base, ...files]) {
    if (!file.path.endsWith('.py')) continue;
    const path = join(
      dir,
      file.path.replace(/^python\//, '').replace(/^tests\/fixture_client\//, 'fixture_client/'),
    );
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
  const pkgName = files.some((f) => f.path.includes('fixture_client')) ? 'fixture_client' : 'aerostack';
  execFileSync('python3', ['-c', `import ${pkgName}`], { cwd: dir, stdio: 'pipe' });
  if (mypyMissing) return;
  try {
    execFileSync(
      'python3',
      ['-m', 'mypy', '--strict', '--cache-dir', join(scratch, '.mypy_cache'), '--no-error-summary', pkgName],
      { cwd: dir, stdio: 'pipe', encoding: 'utf8' },
    );
  } catch (error) {
    throw new Error(`mypy --strict on ${name}:\n${(error as { stdout?: string }).stdout ?? error}`);
  }
}

describe('Python snapshots', () => {
  for (const name of TEST_SPECS) {
    it(`of ${name}.yaml`, async () => {
      const files = generateLanguage('python', loadTestSpec(name));
      for (const file of files) {
        if (!PINNED.test(file.path)) continue;
        await expect(file.content).toMatchFileSnapshot(snapshot(name, file.path));
      }
      if (!runtimeMissing) check(name, files);
    }, 60_000);
  }

  // The fixture client's output is pinned where it is committed (clients/python/tests/fixture_client,
  // by the drift check) and type-checked and run there by CI: no second copy here.
  it("puts the platform's fixture client under tests/fixture_client", () => {
    const files = generateLanguage('python', loadFixturesSpec(), { target: 'fixtures' });
    expect(files.every((f) => f.path.startsWith('python/tests/fixture_client/'))).toBe(true);
  });

  it('is deterministic', () => {
    for (const name of TEST_SPECS) {
      expect(generateLanguage('python', loadTestSpec(name))).toEqual(
        generateLanguage('python', loadTestSpec(name)),
      );
    }
  });
});
