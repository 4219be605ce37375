import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// Table-driven API scenarios (PocketBase ApiScenario style): each row is a request and what the
// answer must and must not contain. Rows run in order, so later rows may rely on earlier ones.

type Keys = TestPlatform['keys'];
type Credential = 'account' | 'secret' | 'publishable' | 'none' | 'unknown' | 'malformed' | 'basic';

interface Row {
  name: string;
  method: string;
  path: string | ((k: Keys) => string);
  as: Credential;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  code?: string;
  /** a subset the JSON answer must match */
  match?: Record<string, unknown>;
  /** strings that must not appear anywhere in the answer */
  forbid?: (k: Keys) => string[];
}

const credential = (as: Credential, k: Keys): string | undefined =>
  ({
    account: k.accountKey,
    secret: k.secretKey,
    publishable: k.publishableKey,
    none: undefined,
    unknown: `sk_${'A'.repeat(40)}`,
    malformed: 'not-a-key',
    basic: 'Basic dXNlcjpwYXNz',
  })[as];

const rows: Row[] = [
  {
    name: 'health is public',
    method: 'GET',
    path: '/healthz',
    as: 'none',
    status: 200,
    match: { status: 'ok' },
  },
  { name: 'account with account key', method: 'GET', path: '/v1/account', as: 'account', status: 200 },
  {
    name: 'account without credentials',
    method: 'GET',
    path: '/v1/account',
    as: 'none',
    status: 401,
    code: 'auth/missing-credentials',
  },
  {
    name: 'account with unknown key',
    method: 'GET',
    path: '/v1/account',
    as: 'unknown',
    status: 401,
    code: 'auth/invalid-credentials',
  },
  {
    name: 'account with malformed key',
    method: 'GET',
    path: '/v1/account',
    as: 'malformed',
    status: 401,
    code: 'auth/invalid-credentials',
  },
  {
    name: 'account with basic auth',
    method: 'GET',
    path: '/v1/account',
    as: 'basic',
    status: 401,
    code: 'auth/invalid-credentials',
  },
  {
    name: 'account with secret key',
    method: 'GET',
    path: '/v1/account',
    as: 'secret',
    status: 403,
    code: 'auth/wrong-credential-type',
  },
  {
    name: 'projects list',
    method: 'GET',
    path: '/v1/projects',
    as: 'account',
    status: 200,
    match: { nextCursor: null },
  },
  {
    name: 'projects list, limit 0',
    method: 'GET',
    path: '/v1/projects?limit=0',
    as: 'account',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'projects list, limit 1001',
    method: 'GET',
    path: '/v1/projects?limit=1001',
    as: 'account',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'projects list, limit not a number',
    method: 'GET',
    path: '/v1/projects?limit=ten',
    as: 'account',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'projects list, unknown query parameter',
    method: 'GET',
    path: '/v1/projects?page=2',
    as: 'account',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'projects list, forged cursor',
    method: 'GET',
    path: '/v1/projects?cursor=abc',
    as: 'account',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'projects list with secret key',
    method: 'GET',
    path: '/v1/projects',
    as: 'secret',
    status: 403,
    code: 'auth/wrong-credential-type',
  },
  {
    name: 'project create',
    method: 'POST',
    path: '/v1/projects',
    as: 'account',
    body: { name: 'Second' },
    status: 201,
    match: { project: { name: 'Second' } },
  },
  {
    name: 'project create, empty name',
    method: 'POST',
    path: '/v1/projects',
    as: 'account',
    body: { name: '' },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'project create, unknown field',
    method: 'POST',
    path: '/v1/projects',
    as: 'account',
    body: { name: 'x', plan: 'pro' },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'project create, no body',
    method: 'POST',
    path: '/v1/projects',
    as: 'account',
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'project create, broken JSON',
    method: 'POST',
    path: '/v1/projects',
    as: 'account',
    body: '{"name":',
    status: 400,
    code: 'request/invalid-json',
  },
  {
    name: 'project create, form body',
    method: 'POST',
    path: '/v1/projects',
    as: 'account',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=x',
    status: 415,
    code: 'request/unsupported-media-type',
  },
  {
    name: 'project get',
    method: 'GET',
    path: (k) => `/v1/projects/${k.projectId}`,
    as: 'account',
    status: 200,
    match: { name: 'Default project' },
  },
  {
    name: 'project get, unknown id',
    method: 'GET',
    path: '/v1/projects/prj_0000000000000000',
    as: 'account',
    status: 404,
    code: 'projects/not-found',
  },
  {
    name: 'project get, malformed id',
    method: 'GET',
    path: '/v1/projects/nope',
    as: 'account',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'keys list never shows secrets',
    method: 'GET',
    path: (k) => `/v1/projects/${k.projectId}/keys`,
    as: 'account',
    status: 200,
    forbid: (k) => [k.secretKey, k.publishableKey, k.accountKey],
  },
  {
    name: 'cache miss',
    method: 'GET',
    path: '/v1/cache/greeting',
    as: 'secret',
    status: 404,
    code: 'cache/not-found',
  },
  {
    name: 'cache set',
    method: 'PUT',
    path: '/v1/cache/greeting',
    as: 'secret',
    body: { value: { text: 'hi', n: [1, 2] } },
    status: 200,
    match: { key: 'greeting', expiresAt: null },
  },
  {
    name: 'cache get',
    method: 'GET',
    path: '/v1/cache/greeting',
    as: 'secret',
    status: 200,
    match: { value: { text: 'hi', n: [1, 2] } },
  },
  {
    name: 'cache set null value',
    method: 'PUT',
    path: '/v1/cache/nothing',
    as: 'secret',
    body: { value: null },
    status: 200,
    match: { value: null },
  },
  {
    name: 'cache get null value is a hit',
    method: 'GET',
    path: '/v1/cache/nothing',
    as: 'secret',
    status: 200,
    match: { value: null },
  },
  {
    name: 'cache set, missing value',
    method: 'PUT',
    path: '/v1/cache/greeting',
    as: 'secret',
    body: { ttlSeconds: 5 },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'cache set, ttl 0',
    method: 'PUT',
    path: '/v1/cache/greeting',
    as: 'secret',
    body: { value: 1, ttlSeconds: 0 },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'cache set, ttl as string',
    method: 'PUT',
    path: '/v1/cache/greeting',
    as: 'secret',
    body: { value: 1, ttlSeconds: '60' },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'cache set, key with a space',
    method: 'PUT',
    path: '/v1/cache/a%20b',
    as: 'secret',
    body: { value: 1 },
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'cache set, key too long',
    method: 'PUT',
    path: `/v1/cache/${'k'.repeat(257)}`,
    as: 'secret',
    body: { value: 1 },
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'cache with account key',
    method: 'GET',
    path: '/v1/cache/greeting',
    as: 'account',
    status: 403,
    code: 'auth/wrong-credential-type',
  },
  {
    name: 'cache with publishable key',
    method: 'GET',
    path: '/v1/cache/greeting',
    as: 'publishable',
    status: 403,
    code: 'auth/wrong-credential-type',
  },
  {
    name: 'cache increment new key',
    method: 'POST',
    path: '/v1/cache/hits/increment',
    as: 'secret',
    status: 200,
    match: { value: 1 },
  },
  {
    name: 'cache increment by 41',
    method: 'POST',
    path: '/v1/cache/hits/increment',
    as: 'secret',
    body: { by: 41 },
    status: 200,
    match: { value: 42 },
  },
  {
    name: 'cache decrement',
    method: 'POST',
    path: '/v1/cache/hits/increment',
    as: 'secret',
    body: { by: -2 },
    status: 200,
    match: { value: 40 },
  },
  {
    name: 'cache increment by a fraction',
    method: 'POST',
    path: '/v1/cache/hits/increment',
    as: 'secret',
    body: { by: 1.5 },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'cache increment a non-integer',
    method: 'POST',
    path: '/v1/cache/greeting/increment',
    as: 'secret',
    status: 422,
    code: 'cache/not-an-integer',
  },
  {
    name: 'cache increment past the safe range',
    method: 'POST',
    path: '/v1/cache/hits/increment',
    as: 'secret',
    body: { by: 9007199254740991 },
    status: 422,
    code: 'cache/not-an-integer',
  },
  {
    name: 'cache counter kept after failed increment',
    method: 'GET',
    path: '/v1/cache/hits',
    as: 'secret',
    status: 200,
    match: { value: 40 },
  },
  {
    name: 'cache delete',
    method: 'DELETE',
    path: '/v1/cache/greeting',
    as: 'secret',
    status: 200,
    match: { deleted: true },
  },
  {
    name: 'cache delete again',
    method: 'DELETE',
    path: '/v1/cache/greeting',
    as: 'secret',
    status: 200,
    match: { deleted: false },
  },
  {
    name: 'cache gone',
    method: 'GET',
    path: '/v1/cache/greeting',
    as: 'secret',
    status: 404,
    code: 'cache/not-found',
  },
  {
    name: 'unknown path',
    method: 'GET',
    path: '/v1/nothing-here',
    as: 'secret',
    status: 404,
    code: 'route/not-found',
  },
  {
    name: 'wrong method',
    method: 'PATCH',
    path: '/v1/cache/x',
    as: 'secret',
    status: 405,
    code: 'route/method-not-allowed',
  },
];

describe.each(BACKENDS)('API on $name', (backend) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await testPlatform(backend);
  });
  afterAll(() => t?.close());

  for (const row of rows) {
    it(`${row.name}: ${row.method} → ${row.status}${row.code ? ` ${row.code}` : ''}`, async () => {
      const path = typeof row.path === 'function' ? row.path(t.keys) : row.path;
      const res = await t.call({
        method: row.method,
        path,
        auth: credential(row.as, t.keys),
        headers: row.headers,
        body: row.body,
      });
      expect(res.status, res.text).toBe(row.status);
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
      if (row.status >= 400) {
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.json).toMatchObject({
          status: row.status,
          code: row.code,
          requestId: res.headers.get('x-request-id'),
        });
      } else {
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      }
      if (row.match) expect(res.json).toMatchObject(row.match);
      for (const secret of row.forbid?.(t.keys) ?? []) expect(res.text).not.toContain(secret);
    });
  }

  it('405 names the allowed methods', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/projects/prj_0000000000000000',
      auth: t.keys.accountKey,
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, DELETE, PATCH');
  });

  it('401 carries a Bearer challenge', async () => {
    const res = await t.call({ method: 'GET', path: '/v1/account' });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});
