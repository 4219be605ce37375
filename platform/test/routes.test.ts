import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DOCUMENTATION_PATHS } from '../src/http/docs.js';
import { honoPath } from '../src/http/operations.js';
import { operations } from '../src/http/spec.js';
import { createPlatform } from '../src/platform.js';
import { BACKENDS } from './support/backends.js';

// "A route that is not in the spec does not exist; an operation in the spec without a route is a
// failing test." Compares the spec's operations with the routes the app actually registered.

describe('spec ↔ routes', () => {
  it('the app serves exactly the spec operations, plus the documentation', async () => {
    const stores = await BACKENDS[0]!.create();
    const platform = await createPlatform({ ...loadConfig({}), dataDir: stores.dataDir, logLevel: 'silent' });
    try {
      const registered = platform.app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method} ${r.path}`)
        .sort();
      const expected = [
        ...operations.map((op) => `${op.method.toUpperCase()} ${honoPath(op.path)}`),
        ...DOCUMENTATION_PATHS.map((p) => `GET ${p}`),
      ].sort();
      expect(registered).toEqual(expected);
    } finally {
      await platform.close();
      await stores.cleanup();
    }
  });

  it('every operation follows the conventions: area.verb ids, one tag, /v1 paths, a problem default', () => {
    const ids = new Set<string>();
    for (const op of operations) {
      expect(op.operationId).toMatch(/^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z]*)+$/);
      expect(ids.has(op.operationId), `duplicate ${op.operationId}`).toBe(false);
      ids.add(op.operationId);
      if (op.path !== '/healthz') expect(op.path).toMatch(/^\/v1\//);
      expect(op.responses.default, `${op.operationId} has no default problem response`).toMatchObject({
        $ref: '#/components/schemas/Problem',
      });
    }
  });
});
