// @vitest-environment node
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { publint } from 'publint';
import { beforeAll, describe, expect, it } from 'vitest';
// Core's helper: builds a package unless its dist is fresh, under the same cross-process lock core's own
// dist test takes, so the two never rebuild core/dist at the same time.
import { ensureBuilt } from '../../core/test/support/ensure-built';

// Tests the package a user installs: builds core (a dependency) and this package with tsup, then
// loads dist/ from plain Node (ESM and CJS), compiles a consumer against the emitted types and runs publint.

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const coreDir = fileURLToPath(new URL('../../core', import.meta.url));
const consumerDir = fileURLToPath(new URL('./fixtures/consumer', import.meta.url));

const PUBLIC_API = [
  'AerostackProvider',
  'aerostackKeys',
  'cacheKeys',
  'cacheQueryOptions',
  'dbKeys',
  'jobQueryOptions',
  'queueKeys',
  'useAI',
  'useAerostack',
  'useAuth',
  'useCache',
  'useCacheKeys',
  'useDb',
  'useDbQuery',
  'useJob',
  'useQueue',
  'useRealtimeStatus',
  'useStorage',
  'useSubscription',
  'useSuspenseCache',
  'useVectorSearch',
  'vectorKeys',
  'vectorSearchQueryOptions',
];

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `code` in a fresh Node process from this package's folder, so `@aerostack/react` resolves to dist/. */
function node(kind: 'module' | 'commonjs', code: string): string {
  return run(process.execPath, [`--input-type=${kind}`, '-e', code], pkgDir).trim();
}

const RENDER = `
  const html = renderToString(
    createElement(AerostackProvider, { client: createClient({ url: 'http://127.0.0.1:1', secretKey: 'sk_x' }) },
      createElement(() => createElement('p', null, useCache('k').loading ? 'loading' : 'done'))));
  console.log(JSON.stringify({ keys: Object.keys(api).sort(), html }));
`;

beforeAll(async () => {
  await ensureBuilt(coreDir);
  await ensureBuilt(pkgDir);
}, 240_000);

describe('the built package', () => {
  it('loads from ESM, exports exactly the public API, and renders', () => {
    const out = node(
      'module',
      `import * as api from '@aerostack/react';
       import { AerostackProvider, useCache } from '@aerostack/react';
       import { createClient } from '@aerostack/core';
       import { createElement } from 'react';
       import { renderToString } from 'react-dom/server';
       ${RENDER}`,
    );
    expect(JSON.parse(out)).toEqual({ keys: PUBLIC_API, html: '<p>loading</p>' });
  });

  it('loads from CommonJS, exports exactly the public API, and renders', () => {
    const out = node(
      'commonjs',
      `const api = require('@aerostack/react');
       const { AerostackProvider, useCache } = api;
       const { createClient } = require('@aerostack/core');
       const { createElement } = require('react');
       const { renderToString } = require('react-dom/server');
       ${RENDER}`,
    );
    expect(JSON.parse(out)).toEqual({ keys: PUBLIC_API, html: '<p>loading</p>' });
  });

  it('imports only its peers (nothing Node-only, nothing bundled), and stays small', () => {
    const esm = readFileSync(`${pkgDir}/dist/index.js`, 'utf8');
    const cjs = readFileSync(`${pkgDir}/dist/index.cjs`, 'utf8');
    const imported = (pattern: RegExp, code: string) =>
      [...new Set([...code.matchAll(pattern)].map((m) => m[1]))].sort();
    // Core is only used for types: the app's client is passed in.
    const allowed = ['@tanstack/react-query', 'react', 'react/jsx-runtime'];
    expect(imported(/from "([^"]+)"/g, esm)).toEqual(allowed);
    expect(imported(/require\("([^"]+)"\)/g, cjs)).toEqual(allowed);
    expect(esm.startsWith("'use client';")).toBe(true);
    // 2.5 kB with the cache hooks; useAuth, useDb / useDbQuery and useSubscription /
    // useRealtimeStatus took it to ~3.6 kB (unminified: the app's bundler minifies); useJob and
    // useQueue to ~4.3 kB; useStorage, useVectorSearch, useCacheKeys and useAI (streaming into the
    // conversation) to ~6.4 kB.
    expect(gzipSync(esm).byteLength).toBeLessThan(7_168);
  });

  it('type-checks a consumer against the emitted declarations', () => {
    expect(() => run('pnpm', ['exec', 'tsc', '-p', consumerDir], pkgDir)).not.toThrow();
  });

  it('passes publint', async () => {
    const { messages } = await publint({ pkgDir, level: 'suggestion', strict: true });
    expect(messages).toEqual([]);
  });
});
