// The rules beyond spec/clients/cases.json (which behaviour-cases.test.ts runs): how the transport
// applies them to whole calls — connect failures, generated idempotency keys, the backoff range.
import { describe, expect, it } from 'vitest';
import { createClient } from '../src';
import { BACKOFF_INITIAL_MS, BACKOFF_JITTER, BACKOFF_MAX_MS } from '../src/generated/behaviour';
import { IDEMPOTENCY_KEY_OPERATIONS } from '../src/generated/operations';
import { newIdempotencyKey } from '../src/transport/idempotency';
import { retryDelayMs } from '../src/transport/retry-policy';
import { rejectionOf as rejection } from './support/rejection';
import { json, problem, scriptedFetch } from './support/scripted-fetch';

const URL = 'http://platform.test';
const unavailable = () => problem(503, 'internal/unexpected', { 'Retry-After': '0' });

function refused(): TypeError {
  return new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
  });
}

describe('retryDelayMs', () => {
  it('stays within [base × (1 − jitter), base] for any r', () => {
    for (let n = 0; n < 8; n++) {
      const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** n);
      for (const r of [0, 0.25, 0.5, 0.999]) {
        const delay = retryDelayMs(n, null, 0, r);
        expect(delay).toBeLessThanOrEqual(base);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - BACKOFF_JITTER)));
      }
    }
  });
});

describe('idempotency keys', () => {
  it('are the prefix and 32 lower-case hex digits, fresh each time', () => {
    const keys = new Set(Array.from({ length: 100 }, newIdempotencyKey));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^idk_[0-9a-f]{32}$/);
  });

  it('come from the spec: the operations that declare the header', () => {
    expect(IDEMPOTENCY_KEY_OPERATIONS).toEqual([
      'POST /v1/projects',
      'POST /v1/projects/{projectId}/keys/rotate',
      'POST /v1/realtime/messages',
      'POST /v1/workspaces',
      'POST /v1/workspaces/{workspaceId}/members',
      'POST /v1/workspaces/{workspaceId}/tokens',
      'POST /v1/workspaces/{workspaceId}/servers',
      'POST /v1/queue/jobs',
      'POST /v1/storage/copy',
      'POST /v1/storage/move',
      'POST /v1/vector/indexes',
      'POST /v1/projects/{projectId}/deployments',
      'POST /v1/projects/{projectId}/workers/{workerName}/rollback',
    ]);
  });

  it('are generated for a declaring operation, the same on every retry, and make its POST retryable', async () => {
    const scripted = scriptedFetch([unavailable(), new TypeError('socket hang up'), json({ ok: true }, 201)]);
    const http = createClient({ url: URL, accountKey: 'ak_test', fetch: scripted.fetch }).http;
    await http.POST('/v1/projects/{projectId}/keys/rotate', {
      params: { path: { projectId: 'prj_1' } },
      body: { type: 'secret' },
    });
    const keys = scripted.requests.map((r) => r.headers.get('Idempotency-Key'));
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^idk_[0-9a-f]{32}$/);
    expect(new Set(keys).size).toBe(1);
  });

  it('are fresh per call', async () => {
    const scripted = scriptedFetch([json({ ok: true }, 201)]);
    const http = createClient({ url: URL, accountKey: 'ak_test', fetch: scripted.fetch }).http;
    await http.POST('/v1/projects', { body: { name: 'a' } });
    await http.POST('/v1/projects', { body: { name: 'a' } });
    const [a, b] = scripted.requests.map((r) => r.headers.get('Idempotency-Key'));
    expect(a).not.toBe(b);
  });

  it("keep the caller's key, and go through http.request too", async () => {
    const scripted = scriptedFetch([json({ ok: true }, 201)]);
    const http = createClient({ url: URL, accountKey: 'ak_test', fetch: scripted.fetch }).http;
    await http.POST('/v1/projects', { body: { name: 'a' }, headers: { 'idempotency-key': 'mine' } });
    await http.request('/v1/projects?x=1', { method: 'post', body: '{"name":"b"}' });
    expect(scripted.requests[0]?.headers.get('Idempotency-Key')).toBe('mine');
    expect(scripted.requests[1]?.headers.get('Idempotency-Key')).toMatch(/^idk_/);
  });

  it('are not sent to an operation that does not declare the header (cache.increment), nor elsewhere', async () => {
    const scripted = scriptedFetch([json({ key: 'k', value: 1, expiresAt: null })]);
    const client = createClient({ url: URL, secretKey: 'sk_test', fetch: scripted.fetch });
    await client.cache.increment('k');
    await client.http.fetch(new Request('http://elsewhere.test/v1/projects', { method: 'POST' }));
    for (const request of scripted.requests) expect(request.headers.has('Idempotency-Key')).toBe(false);
  });
});

describe('cache.increment (no Idempotency-Key declared)', () => {
  it.each([
    ['a 503', unavailable()],
    ['a broken connection', new TypeError('socket hang up')],
  ])('is not retried after %s, as it may have counted', async (_name, first) => {
    const scripted = scriptedFetch([first, json({ key: 'k', value: 1, expiresAt: null })]);
    const client = createClient({ url: URL, secretKey: 'sk_test', fetch: scripted.fetch });
    await rejection(client.cache.increment('k'));
    expect(scripted.requests).toHaveLength(1);
  });

  it('is retried after a refused connection: the request never left', async () => {
    const scripted = scriptedFetch([refused(), json({ key: 'k', value: 1, expiresAt: null })]);
    const client = createClient({ url: URL, secretKey: 'sk_test', fetch: scripted.fetch });
    await expect(client.cache.increment('k')).resolves.toMatchObject({ value: 1 });
    expect(scripted.requests).toHaveLength(2);
  });

  it('gives up on refused connections after maxRetries with client/network', async () => {
    const scripted = scriptedFetch([refused()]);
    const client = createClient({ url: URL, secretKey: 'sk_test', fetch: scripted.fetch, maxRetries: 1 });
    expect(await rejection(client.cache.increment('k'))).toMatchObject({ code: 'client/network', status: 0 });
    expect(scripted.requests).toHaveLength(2);
  });
});
