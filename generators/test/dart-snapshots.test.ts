// Snapshots of the Dart emitter over the snapshot specs (specs/README.md): every generated file is
// pinned under snapshots/dart/<spec>/ and must parse. The fixture client is pinned in clients/dart
// by the drift check and must parse here.
// After an intended change: `pnpm exec vitest run test/dart-snapshots.test.ts -u`, then review the diff.
import { describe, expect, it } from 'vitest';
import { generateLanguage } from '../src/generate.js';
import { loadFixturesSpec } from '../src/spec.js';
import { dartSyntaxErrors } from './dart-syntax.js';
import { loadTestSpec, TEST_SPECS } from './specs/index.js';

/** The files that differ by spec; behaviour.dart, error codes, version and pubspec are the emitter tests'. */
const PINNED = /(models|client|api\/\w+|aerostack|fixture_client|scenario_calls)\.dart$/;

const snapshot = (spec: string, path: string) => `./snapshots/dart/${spec}/${path.replace(/^dart\//, '')}`;

describe('Dart snapshots', () => {
  for (const name of TEST_SPECS) {
    it(`of ${name}.yaml`, async () => {
      const files = generateLanguage('dart', loadTestSpec(name));
      for (const file of files) {
        if (file.path.endsWith('.dart')) expect(dartSyntaxErrors(file.content), file.path).toEqual([]);
        if (!PINNED.test(file.path)) continue;
        await expect(file.content).toMatchFileSnapshot(snapshot(name, file.path));
      }
    });
  }

  // The fixture client's output is pinned where it is committed (clients/dart/test/fixture_client,
  // by the drift check); here it must parse.
  it("of the platform's fixture operations (the fixture client) parses", () => {
    const files = generateLanguage('dart', loadFixturesSpec(), { target: 'fixtures' });
    for (const file of files) expect(dartSyntaxErrors(file.content), file.path).toEqual([]);
  });
});
