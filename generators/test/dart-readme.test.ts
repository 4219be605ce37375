// clients/dart/README.md: its quickstart parses as Dart, and every call in it is a method the
// generator writes, with the named arguments it takes. (No Dart SDK here to run it: README.md says so.)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateLanguage } from '../src/generate.js';
import { loadSpec } from '../src/spec.js';
import { dartSyntaxErrors } from './dart-syntax.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'clients', 'dart', 'README.md'), 'utf8');

/** The first ```dart block after the `## Quickstart` heading. */
function quickstart(): string {
  const section = readme.slice(readme.indexOf('## Quickstart'));
  const block = /```dart\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('clients/dart/README.md has no ```dart block under ## Quickstart');
  return block;
}

/** The names of the top-level named arguments of the call whose arguments start at `from`. */
function namedArguments(code: string, from: number): string[] {
  const names: string[] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < code.length; i++) {
    const c = code[i] ?? '';
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if ((c === ',' && depth === 0) || depth < 0) {
      const name = /^\s*(?:const\s+)?(\w+)\s*:/.exec(code.slice(start, i))?.[1];
      if (name) names.push(name);
      start = i + 1;
    }
    if (depth < 0) break;
  }
  return names;
}

describe('the Dart README', () => {
  it('states plainly what is verified and what is not', () => {
    expect(readme).toMatch(/never been\s+> compiled, analysed or run/);
  });

  it('has a quickstart that parses', () => {
    expect(dartSyntaxErrors(quickstart())).toEqual([]);
  });

  it('calls only methods the generator writes, with arguments they take', () => {
    const files = generateLanguage('dart', loadSpec(join(root, 'spec', 'openapi.json')));
    const apis = files
      .filter((f) => f.path.startsWith('dart/lib/src/api/'))
      .map((f) => f.content)
      .join('\n');
    const code = quickstart().replace(/'[^']*'/g, "''");
    const calls = [...code.matchAll(/\b(?:client|admin)\.((?:\w+\.)+)(\w+)\(/g)];
    expect(calls.length).toBeGreaterThan(5);
    for (const match of calls) {
      const [call, , method] = match;
      const signature = new RegExp(`^  \\S.* ${method}\\((.*)\\)(?: \\{| =>)$`, 'gm');
      const found = [...apis.matchAll(signature)].map((m) => m[1] ?? '');
      expect(found.length, call).toBeGreaterThan(0);
      for (const name of namedArguments(code, (match.index ?? 0) + call.length)) {
        expect(
          found.some((params) => new RegExp(`\\b${name}\\b`).test(params)),
          `${call}…): ${name}`,
        ).toBe(true);
      }
    }
  });
});
