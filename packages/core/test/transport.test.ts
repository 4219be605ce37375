import { describe, expect, it } from 'vitest';
import { AerostackError, createClient } from '../src';
import { rejectionOf as rejection } from './support/rejection';
import { json, problem, type Step, scriptedFetch } from './support/scripted-fetch';

const URL = 'http://platform.test';
const entry = { key: 'k', value: 1, expiresAt: null };

function clientWith(steps: Step[], options: { timeoutMs?: number; maxRetries?: number } = {}) {
  const scripted = scriptedFetch(steps);
  const client = createClient({ url: URL, secretKey: 'sk_test', fetch: scripted.fetch, ...options });
  return { client, requests: scripted.requests };
}

const unavailable = () => problem(503, 'internal/unexpected', { 'Retry-After': '0' });

describe('retries', () => {
  it.each([
    ['408', problem(408, 'request/timeout')],
    ['409', problem(409, 'idempotency/in-progress')],
    ['429', problem(429, 'gateway/rate-limited', { 'Retry-After': '0' })],
    ['500', problem(500, 'internal/unexpected')],
    ['503', unavailable()],
    ['connection error', new TypeError('fetch failed')],
  ])('retries a GET after %s and returns the later success', async (_name, first) => {
    const { client, requests } = clientWith([first, json(entry)]);
    await expect(client.cache.get('k')).resolves.toEqual(entry);
    expect(requests).toHaveLength(2);
  });

  it('gives up after maxRetries and rejects with the last error', async () => {
    const { client, requests } = clientWith([unavailable()], { maxRetries: 3 });
    const error = await rejection(client.cache.get('k'));
    expect(requests).toHaveLength(4);
    expect(error).toMatchObject({ code: 'internal/unexpected', status: 503, requestId: 'req_test' });
  });

  it('takes a per-call maxRetries over the client default', async () => {
    const { client, requests } = clientWith([unavailable()], { maxRetries: 5 });
    await rejection(client.cache.get('k', { maxRetries: 1 }));
    expect(requests).toHaveLength(2);
  });

  it.each([
    ['400', problem(400, 'request/invalid-body')],
    ['401', problem(401, 'auth/invalid-credentials')],
    ['422', problem(422, 'cache/not-an-integer')],
  ])('does not retry %s', async (_name, response) => {
    const { client, requests } = clientWith([response, json(entry)]);
    await rejection(client.cache.set('k', 1));
    expect(requests).toHaveLength(1);
  });

  it('does not retry a POST without an Idempotency-Key', async () => {
    const { client, requests } = clientWith([unavailable(), json(entry)]);
    const error = await rejection(client.cache.increment('k'));
    expect(error.status).toBe(503);
    expect(requests).toHaveLength(1);
  });

  it('does not retry a POST without an Idempotency-Key after a connection error', async () => {
    const { client, requests } = clientWith([new TypeError('socket hang up'), json(entry)]);
    const error = await rejection(client.cache.increment('k'));
    expect(error).toMatchObject({ code: 'client/network', status: 0, requestId: null });
    expect(requests).toHaveLength(1);
  });

  it('retries a POST that carries an Idempotency-Key, resending the same body', async () => {
    const { client, requests } = clientWith([unavailable(), json(entry)]);
    await client.cache.increment('k', { by: 5, headers: { 'Idempotency-Key': 'abc' } });
    expect(requests).toHaveLength(2);
    const bodies = await Promise.all(requests.map((r) => r.text()));
    expect(bodies).toEqual(['{"by":5}', '{"by":5}']);
    expect(requests[1]?.headers.get('Idempotency-Key')).toBe('abc');
  });

  it('rejects with client/network when every attempt fails to connect', async () => {
    const { client, requests } = clientWith([new TypeError('ECONNREFUSED')], { maxRetries: 1 });
    const error = await rejection(client.health());
    expect(error).toMatchObject({ code: 'client/network', status: 0 });
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(requests).toHaveLength(2);
  });
});

describe('timeouts', () => {
  it('rejects with client/timeout after each attempt times out', async () => {
    const { client, requests } = clientWith(['hang'], { timeoutMs: 50, maxRetries: 1 });
    const error = await rejection(client.cache.get('k'));
    expect(error).toMatchObject({ code: 'client/timeout', status: 0 });
    expect(requests).toHaveLength(2);
    expect(requests[0]?.signal.aborted).toBe(true);
  });

  it('retries after a timed-out attempt and returns the next success', async () => {
    const { client, requests } = clientWith(['hang', json(entry)], { timeoutMs: 50 });
    await expect(client.cache.get('k')).resolves.toEqual(entry);
    expect(requests).toHaveLength(2);
  });

  it('takes a per-call timeoutMs', async () => {
    const { client } = clientWith(['hang'], { timeoutMs: 60_000, maxRetries: 0 });
    const started = Date.now();
    await rejection(client.cache.get('k', { timeoutMs: 30 }));
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('abort', () => {
  it('rejects at once with client/aborted when the signal aborts mid-request, without retrying', async () => {
    const { client, requests } = clientWith(['hang'], { maxRetries: 5 });
    const controller = new AbortController();
    const pending = client.cache.get('k', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user left')), 20);
    const started = Date.now();
    const error = await rejection(pending);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ code: 'client/aborted', status: 0 });
    expect((error.cause as Error).message).toBe('user left');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.signal.aborted).toBe(true);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const { client, requests } = clientWith([json(entry)]);
    const error = await rejection(client.cache.get('k', { signal: AbortSignal.abort() }));
    expect(error.code).toBe('client/aborted');
    expect(requests).toHaveLength(0);
  });

  it('stops waiting for a retry when the signal aborts during the backoff', async () => {
    const slow = () => problem(503, 'internal/unexpected', { 'Retry-After': '30' });
    const { client, requests } = clientWith([slow]);
    const controller = new AbortController();
    const pending = client.cache.get('k', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    expect((await rejection(pending)).code).toBe('client/aborted');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(requests).toHaveLength(1);
  });
});

describe('responses', () => {
  it('turns a non-problem error body into client/invalid-response with the real status', async () => {
    const html = new Response('<h1>Bad gateway</h1>', {
      status: 502,
      headers: { 'Content-Type': 'text/html', 'X-Request-Id': 'req_proxy' },
    });
    const { client } = clientWith([html], { maxRetries: 0 });
    const error = await rejection(client.health());
    expect(error).toMatchObject({ code: 'client/invalid-response', status: 502, requestId: 'req_proxy' });
  });

  it('resolves cache.get to null only for cache/not-found, not for other 404s', async () => {
    const miss = clientWith([problem(404, 'cache/not-found')]);
    await expect(miss.client.cache.get('k')).resolves.toBeNull();
    const wrongRoute = clientWith([problem(404, 'route/not-found')]);
    expect((await rejection(wrongRoute.client.cache.get('k'))).code).toBe('route/not-found');
  });

  it('rejects a 2xx body that is not valid JSON with client/invalid-response', async () => {
    const broken = new Response('{"key":', { status: 200, headers: { 'Content-Type': 'application/json' } });
    const { client, requests } = clientWith([broken]);
    const error = await rejection(client.cache.get('k'));
    expect(error).toMatchObject({ code: 'client/invalid-response', status: 200 });
    expect(requests).toHaveLength(1);
  });

  it('carries the problem fields, the request id and field errors', async () => {
    const body = {
      type: 'https://aerostack.dev/problems/request/invalid-body',
      title: 'Invalid request body',
      status: 400,
      detail: 'ttlSeconds must be >= 1',
      code: 'request/invalid-body',
      requestId: 'req_1',
      errors: [{ location: 'body/ttlSeconds', message: 'must be >= 1' }],
    };
    const response = new Response(JSON.stringify(body), {
      status: 400,
      headers: { 'Content-Type': 'application/problem+json' },
    });
    const { client } = clientWith([response]);
    const error = await rejection(client.cache.set('k', 1, { ttlSeconds: 0 }));
    expect(error).toBeInstanceOf(AerostackError);
    expect(error.message).toBe('ttlSeconds must be >= 1');
    expect(error.toJSON()).toEqual({ name: 'AerostackError', ...body });
  });
});

describe('requests', () => {
  it('sends the credential, client headers and per-call headers', async () => {
    const scripted = scriptedFetch([json(entry)]);
    const client = createClient({
      url: `${URL}/`,
      secretKey: 'sk_abc',
      fetch: scripted.fetch,
      headers: { 'X-Client': 'test' },
    });
    await client.cache.get('session:42', { headers: { 'X-Request-Id': 'req_mine' } });
    const [request] = scripted.requests;
    expect(request?.url).toBe(`${URL}/v1/cache/session%3A42`);
    expect(request?.headers.get('Authorization')).toBe('Bearer sk_abc');
    expect(request?.headers.get('X-Client')).toBe('test');
    expect(request?.headers.get('X-Request-Id')).toBe('req_mine');
  });

  it('refuses more than one credential', () => {
    expect(() => createClient({ url: URL, secretKey: 'sk_1', publishableKey: 'pk_1' })).toThrow(TypeError);
  });

  it('refuses a missing url', () => {
    expect(() => createClient({ url: '' })).toThrow(/url/);
  });
});
