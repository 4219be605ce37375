import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type AerostackError, createClient } from '../src';
import { type LocalServer, sendJson, startLocalServer, unavailable } from './support/local-server';

const health = { status: 'ok', version: 'local' };
const counter = { key: 'k', value: 1, expiresAt: null };

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('against a real HTTP server', () => {
  it('retries even a POST without an Idempotency-Key when the connection is refused: it never left', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const sent: Request[] = [];
    const client = createClient({
      url,
      secretKey: 'sk_test',
      maxRetries: 1,
      fetch: (request) => {
        sent.push(request);
        return fetch(request);
      },
    });
    const error = await client.cache.increment('k').catch((e: AerostackError) => e);
    expect(error).toMatchObject({ code: 'client/network', status: 0 });
    expect(sent).toHaveLength(2);
  });

  it('waits out Retry-After (seconds) after a 503, then succeeds', async () => {
    server = await startLocalServer((_req, res, n) =>
      n === 1 ? unavailable(res, '1') : sendJson(res, 200, health),
    );
    const client = createClient({ url: server.url });
    const started = Date.now();
    await expect(client.health()).resolves.toEqual(health);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.hits).toEqual(['GET /healthz', 'GET /healthz']);
  });

  it('honours Retry-After as an HTTP date', async () => {
    server = await startLocalServer((_req, res, n) =>
      n === 1 ? unavailable(res, new Date(Date.now() - 1_000).toUTCString()) : sendJson(res, 200, health),
    );
    const client = createClient({ url: server.url });
    await expect(client.health()).resolves.toEqual(health);
    expect(server.hits).toHaveLength(2);
  });

  it('does not retry a POST without an Idempotency-Key', async () => {
    server = await startLocalServer((_req, res) => unavailable(res, '0'));
    const client = createClient({ url: server.url, secretKey: 'sk_x' });
    await expect(client.cache.increment('k')).rejects.toMatchObject({ status: 503, requestId: 'req_local' });
    expect(server.hits).toEqual(['POST /v1/cache/k/increment']);
  });

  it('retries a POST with an Idempotency-Key', async () => {
    server = await startLocalServer((_req, res, n) =>
      n < 3 ? unavailable(res, '0') : sendJson(res, 200, counter),
    );
    const client = createClient({ url: server.url, secretKey: 'sk_x' });
    const headers = { 'Idempotency-Key': 'once' };
    await expect(client.cache.increment('k', { headers })).resolves.toEqual(counter);
    expect(server.hits).toHaveLength(3);
  });

  it('times out each attempt of a server that never answers', async () => {
    server = await startLocalServer(() => {});
    const client = createClient({ url: server.url, timeoutMs: 100, maxRetries: 1 });
    await expect(client.health()).rejects.toMatchObject({ code: 'client/timeout', status: 0 });
    expect(server.hits).toHaveLength(2);
  });

  it('stops immediately on abort, with no retry', async () => {
    server = await startLocalServer(() => {});
    const client = createClient({ url: server.url, maxRetries: 5 });
    const controller = new AbortController();
    const pending = client.health({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const error = (await pending.catch((e: unknown) => e)) as AerostackError;
    expect(error.code).toBe('client/aborted');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(server.hits).toHaveLength(1);
  });

  it('reports a refused connection as client/network', async () => {
    server = await startLocalServer(() => {});
    const { url } = server;
    await server.close();
    server = undefined;
    const client = createClient({ url, maxRetries: 1 });
    await expect(client.health()).rejects.toMatchObject({
      code: 'client/network',
      status: 0,
      requestId: null,
    });
  });
});
