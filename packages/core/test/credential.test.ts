import { describe, expect, it } from 'vitest';
import { createClient } from '../src';
import { rejectionOf as rejection } from './support/rejection';
import { json, problem, scriptedFetch } from './support/scripted-fetch';

const URL = 'http://platform.test';
const entry = { key: 'k', value: 1, expiresAt: null };
const unavailable = () => problem(503, 'internal/unexpected', { 'Retry-After': '0' });
const authorization = (request: Request | undefined) => request?.headers.get('Authorization') ?? null;

describe('credential provider', () => {
  it.each([
    ['a sync provider', () => 'tok_sync'],
    ['an async provider', async () => 'tok_sync'],
  ])('sends what %s returns as a bearer token', async (_name, credential) => {
    const { fetch, requests } = scriptedFetch([json(entry)]);
    await createClient({ url: URL, credential, fetch }).cache.get('k');
    expect(authorization(requests[0])).toBe('Bearer tok_sync');
  });

  it('is asked again for every attempt, so a retry carries a refreshed token', async () => {
    const tokens = ['tok_1', 'tok_2', 'tok_3'];
    let calls = 0;
    const credential = async () => tokens[calls++];
    const { fetch, requests } = scriptedFetch([unavailable(), unavailable(), json(entry)]);
    await createClient({ url: URL, credential, fetch }).cache.get('k');
    expect(requests.map(authorization)).toEqual(['Bearer tok_1', 'Bearer tok_2', 'Bearer tok_3']);
    expect(calls).toBe(3);
  });

  it('sends no Authorization when the provider returns undefined', async () => {
    const { fetch, requests } = scriptedFetch([json(entry)]);
    await createClient({ url: URL, credential: () => undefined, fetch }).cache.get('k');
    expect(requests[0]?.headers.has('Authorization')).toBe(false);
  });

  it('does not retry a 401 by itself: one attempt, one call', async () => {
    let calls = 0;
    const { fetch, requests } = scriptedFetch([problem(401, 'auth/invalid-credentials'), json(entry)]);
    const client = createClient({ url: URL, credential: () => `tok_${++calls}`, fetch });
    expect((await rejection(client.cache.get('k'))).status).toBe(401);
    await client.cache.get('k');
    expect(requests.map(authorization)).toEqual(['Bearer tok_1', 'Bearer tok_2']);
  });

  it('rejects with the provider’s own error, sending nothing and retrying nothing', async () => {
    const broken = new Error('refresh failed');
    let calls = 0;
    const { fetch, requests } = scriptedFetch([json(entry)]);
    const client = createClient({
      url: URL,
      fetch,
      credential: () => {
        calls++;
        throw broken;
      },
    });
    await expect(client.cache.get('k')).rejects.toBe(broken);
    expect(requests).toHaveLength(0);
    expect(calls).toBe(1);
  });

  it('stops waiting for a slow provider when the signal aborts', async () => {
    const { fetch, requests } = scriptedFetch([json(entry)]);
    const client = createClient({ url: URL, fetch, credential: () => new Promise<string>(() => {}) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await rejection(client.cache.get('k', { signal: controller.signal }));
    expect(error.code).toBe('client/aborted');
    expect(requests).toHaveLength(0);
  });

  it('leaves an Authorization header given for one call alone', async () => {
    let calls = 0;
    const { fetch, requests } = scriptedFetch([json(entry)]);
    const client = createClient({ url: URL, fetch, credential: () => `tok_${++calls}` });
    await client.cache.get('k', { headers: { Authorization: 'Bearer mine' } });
    expect(authorization(requests[0])).toBe('Bearer mine');
    expect(calls).toBe(0);
  });

  it.each([
    ['a key and a provider', { secretKey: 'sk_1', credential: () => 'x' }],
    ['two keys', { accountKey: 'ak_1', publishableKey: 'pk_1' }],
  ])('refuses %s', (_name, credentials) => {
    expect(() => createClient({ url: URL, ...credentials })).toThrow(/only one of/);
  });

  it('refuses a credential that is not a function', () => {
    const credential = 'sk_1' as unknown as () => string;
    expect(() => createClient({ url: URL, credential })).toThrow(/function/);
  });
});

describe('http.fetch', () => {
  it('adds the credential and client headers to a request for the platform', async () => {
    const { fetch, requests } = scriptedFetch([json(entry)]);
    const client = createClient({ url: URL, fetch, credential: () => 'tok_1', headers: { 'X-Client': 'c' } });
    await client.http.fetch(new Request(`${URL}/v1/cache/k`, { headers: { 'X-Client': 'mine' } }));
    expect(authorization(requests[0])).toBe('Bearer tok_1');
    expect(requests[0]?.headers.get('X-Client')).toBe('mine');
  });

  it('sends neither to another origin, nor to a host that merely starts like the platform’s', async () => {
    const { fetch, requests } = scriptedFetch([json(entry)]);
    const client = createClient({ url: URL, fetch, secretKey: 'sk_1', headers: { 'X-Client': 'c' } });
    await client.http.fetch(new Request('http://elsewhere.test/v1/cache/k'));
    await client.http.fetch(new Request(`${URL}.evil.test/v1/cache/k`));
    for (const request of requests) {
      expect(request.headers.has('Authorization')).toBe(false);
      expect(request.headers.has('X-Client')).toBe(false);
    }
  });
});
