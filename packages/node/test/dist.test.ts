// Tests the package a user installs: the built dist, its types and its packaging.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../core/test/support/ensure-built';
import {
  attwProblems,
  externalImports,
  loadDist,
  publintProblems,
  typecheckConsumer,
} from '../../core/test/support/package-checks';

const dir = fileURLToPath(new URL('..', import.meta.url));
const PUBLIC_VALUES = [
  'AerostackError',
  'ERROR_CODES',
  'FINAL_JOB_STATUSES',
  'FatalJobError',
  'SECRET_NAME_PATTERN',
  'WORKER_NAME_PATTERN',
  'createAdminClient',
  'createClient',
  'createHttp',
  'createWorker',
  'createWorkspacesApi',
  'isAerostackError',
  'openEventStream',
  'paginate',
  'pickRequestOptions',
  'scaffoldFiles',
  'scaffoldProject',
];

beforeAll(async () => {
  await ensureBuilt(fileURLToPath(new URL('../../core', import.meta.url)));
  await ensureBuilt(dir);
});

describe('@aerostack/node dist', () => {
  it('exports the same public values from ESM and CJS, and errors cross between the two copies', () => {
    const report = loadDist(dir);
    expect(report.esmExports).toEqual(PUBLIC_VALUES);
    expect(report.cjsExports).toEqual(PUBLIC_VALUES);
    expect(report.crossCopy).toMatchObject({ esmRecognisesCjsError: true, instanceOfAcrossCopies: true });
  });

  it('depends on @aerostack/core and esbuild (for deploy) at runtime instead of bundling them', () => {
    expect(externalImports(`${dir}/dist/index.js`)).toEqual([
      '@aerostack/core',
      '@aerostack/core/admin',
      'esbuild',
      'node:fs/promises',
      'node:module',
      'node:path',
    ]);
  });

  it('compiles a strict consumer against the emitted .d.ts and .d.cts', () => {
    expect(
      typecheckConsumer(fileURLToPath(new URL('fixtures/consumer/tsconfig.json', import.meta.url))),
    ).toBe('');
  });

  it('passes publint', async () => {
    expect(await publintProblems(dir)).toEqual([]);
  });

  it('passes @arethetypeswrong', () => {
    expect(attwProblems(dir)).toEqual([]);
  });
});
