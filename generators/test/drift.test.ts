// CI regenerates and fails on any diff; this test says which file drifted and why.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isGenerated, listFiles, writeFiles } from '../src/files.js';
import { generateAll, LANGUAGES } from '../src/generate.js';
import { loadFixturesSpec, loadSpec } from '../src/spec.js';
import { dartSyntaxErrors } from './dart-syntax.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const clients = join(root, 'clients');
const out = mkdtempSync(join(tmpdir(), 'aerostack-generators-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The generated files below `dir`, by path relative to it. */
function generatedFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const language of LANGUAGES) {
    for (const file of listFiles(join(dir, language))) {
      const path = join(language, file);
      if (isGenerated(join(dir, path))) files.set(path, readFileSync(join(dir, path), 'utf8'));
    }
  }
  return files;
}

describe('the committed clients', () => {
  const files = generateAll(loadSpec(join(root, 'spec', 'openapi.json')), loadFixturesSpec(root));
  writeFiles(out, files, [...LANGUAGES]);
  const fresh = generatedFiles(out);
  const committed = generatedFiles(clients);

  it('are what the generators write from spec/openapi.json (run `pnpm generate`)', () => {
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    const drifted = [...fresh].filter(([path, text]) => committed.get(path) !== text).map(([path]) => path);
    expect(drifted).toEqual([]);
  });

  it('sit beside the hand-written runtime and README of each language', () => {
    expect(fresh.has('go/client.go') && fresh.has('go/go.mod')).toBe(true);
    expect(fresh.has('python/aerostack/_client.py') && fresh.has('python/pyproject.toml')).toBe(true);
    expect(fresh.has('dart/lib/src/client.dart') && fresh.has('dart/pubspec.yaml')).toBe(true);
    const handWritten = (language: string) =>
      listFiles(join(clients, language)).filter((f) => !fresh.has(join(language, f)));
    expect(handWritten('go')).toEqual(
      expect.arrayContaining(['README.md', 'option/option.go', 'internal/requestconfig/execute.go']),
    );
    expect(handWritten('python')).toEqual(expect.arrayContaining(['README.md', 'aerostack/errors.py']));
    expect(handWritten('dart')).toEqual(expect.arrayContaining(['README.md', 'lib/src/exception.dart']));
  });

  it('write the namespaces the API conventions promise', () => {
    expect(fresh.get('go/projects.go')).toContain(
      'func (s *ProjectsKeysService) Rotate(ctx context.Context, projectID string',
    );
    expect(fresh.get('go/cache.go')).toContain(
      'func (s *CacheService) Get(ctx context.Context, key string, opts ...option.RequestOption) (*CacheEntry, error)',
    );
    expect(fresh.get('python/aerostack/resources/projects.py')).toContain(
      'def keys(self) -> ProjectsKeysResource:',
    );
    expect(fresh.get('python/aerostack/resources/cache.py')).toMatch(
      /def get\(\s*self,\s*key: str,\s*\*,[\s\S]*?\) -> CacheEntry:/,
    );
    expect(fresh.get('python/aerostack/resources/cache.py')).toMatch(
      /async def get\(\s*self,\s*key: str,\s*\*,[\s\S]*?\) -> CacheEntry:/,
    );
    expect(fresh.get('dart/lib/src/api/cache.dart')).toContain(
      'Future<CacheEntry> get(String key, {RequestOptions? options}) =>',
    );
    expect(fresh.get('python/aerostack/models.py')).toContain('expires_at: Optional[datetime]');
    expect(fresh.get('go/models.go')).toMatch(/ExpiresAt param\.Opt\[time\.Time\] +`json:"expiresAt"`/);
  });

  it('hold Dart without syntax errors', () => {
    const errors = listFiles(join(clients, 'dart'))
      .filter((path) => path.endsWith('.dart'))
      .flatMap((path) =>
        dartSyntaxErrors(readFileSync(join(clients, 'dart', path), 'utf8')).map((e) => `${path}:${e}`),
      );
    expect(errors).toEqual([]);
  });
});
