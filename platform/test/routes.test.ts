import { describe, expect, it } from 'vitest';
import { endpointsOf } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { operations } from '../src/http/spec.js';
import { createPlatform } from '../src/platform.js';
import { BACKENDS } from './support/backends.js';

// "A route that is not in the spec does not exist; an operation in the spec without a route is a
// failing test." Compares the routes the app registered with the spec's operations plus the
// endpoints registered outside the spec (http/endpoints.ts), which must each name their error
// envelope and decision record.

describe('spec ↔ routes', () => {
  it('the app serves exactly the spec operations plus the registered endpoints', async () => {
    const stores = await BACKENDS[0]!.create();
    const platform = await createPlatform({ ...loadConfig({}), dataDir: stores.dataDir, logLevel: 'silent' });
    try {
      const registered = platform.app.routes.map((r) => `${r.method} ${r.path}`).sort();
      const endpoints = endpointsOf(platform);
      const expected = [
        ...operations.map((op) => `${op.method.toUpperCase()} ${op.path}`),
        ...endpoints.map((e) => `${e.method} ${e.path}`),
      ].sort();
      expect(registered).toEqual(expected);
      for (const endpoint of endpoints) {
        expect(endpoint.decision).toMatch(/^docs\/decisions\/\d{4}-[a-z0-9-]+\.md$/);
        expect(endpoint.errors).not.toBe('');
      }
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
      expect(op.responses.default?.mediaTypes, `${op.operationId} has no default problem response`).toEqual([
        'application/problem+json',
      ]);
    }
  });

  it('declares every status an operation sends (fuzzers read the spec: nothing undeclared comes back)', () => {
    const declared = (id: string) =>
      Object.keys(operations.find((op) => op.operationId === id)!.responses).sort();
    expect(declared('cache.increment')).toEqual(['200', '400', '401', '403', '413', '415', '422', 'default']);
    expect(declared('projects.create')).toEqual([
      '201',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '422',
      'default',
    ]);
    expect(declared('projects.get')).toEqual(['200', '400', '401', '403', '404', 'default']);
    expect(declared('health.check')).toEqual(['200', 'default']);
    const cursor = operations
      .find((op) => op.operationId === 'projects.list')!
      .parameters.find((p) => p.name === 'cursor')!;
    expect(cursor.schema.pattern).toBe('^[A-Za-z0-9_-]+$');
  });
});
