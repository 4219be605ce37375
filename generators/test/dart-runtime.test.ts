// Every .dart file of clients/dart — the hand-written runtime and tests as well as the generated
// client and fixture client — parses (dart-syntax.ts); the runtime reads behaviour.json only through
// the generated Behaviour constants; the cases runner reads spec/clients/cases.json, where it is.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isGenerated, listFiles } from '../src/files.js';
import { dartSyntaxErrors } from './dart-syntax.js';

const dart = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'clients', 'dart');
const read = (path: string) => readFileSync(join(dart, path), 'utf8');

describe('clients/dart', () => {
  it('has no Dart file with a syntax error', () => {
    const files = listFiles(dart).filter((f) => f.endsWith('.dart'));
    expect(files.length).toBeGreaterThan(20);
    const errors = files.flatMap((f) => dartSyntaxErrors(read(f)).map((e) => `${f}:${e}`));
    expect(errors).toEqual([]);
  });

  it('keeps the retry numbers out of the hand-written runtime', () => {
    const runtime = listFiles(join(dart, 'lib', 'src')).filter(
      (f) => f.endsWith('.dart') && !isGenerated(join(dart, 'lib', 'src', f)),
    );
    expect(runtime).toContain('retry.dart');
    for (const f of runtime) {
      const source = read(join('lib', 'src', f));
      expect(source, f).not.toMatch(/\b(8000|60000|0\.25)\b|'idk_'|'client\/[a-z-]+'|\b408, 409\b/);
    }
  });

  it('runs the shared cases from spec/clients/cases.json', () => {
    const test = read('test/behaviour_test.dart');
    const path = /File\('([^']+cases\.json)'\)/.exec(test)?.[1] ?? '';
    expect(existsSync(join(dart, path))).toBe(true);
    for (const table of ['retry', 'delay', 'errors']) expect(test).toContain(`table('${table}')`);
  });
});
