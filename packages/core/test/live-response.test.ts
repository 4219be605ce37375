import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../src';
import { type LocalServer, startLocalServer } from './support/local-server';
import { rejectionOf as rejection } from './support/rejection';

// The per-attempt deadline covers the response headers, and the whole body only for JSON:
// bytes and streams arrive for as long as they take, and only the caller's signal ends them.

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Writes `chunks` pieces of `body` (split evenly), `delayMs` apart, after sending the headers at once. */
function trickle(res: ServerResponse, type: string, body: string, chunks: number, delayMs: number) {
  res.writeHead(200, { 'Content-Type': type });
  res.flushHeaders();
  const size = Math.ceil(body.length / chunks);
  let i = 0;
  const timer = setInterval(() => {
    res.write(body.slice(i * size, (i + 1) * size));
    if (++i === chunks) {
      clearInterval(timer);
      res.end();
    }
  }, delayMs);
  res.on('close', () => clearInterval(timer));
}

const HEALTH = JSON.stringify({ status: 'ok', version: 'slow' });
const TIMEOUT_MS = 1_000;
const SLOW = { chunks: 6, delayMs: 500 }; // 3 s of body, at least 1 s past the deadline

describe('long bodies and the per-attempt deadline', () => {
  it('does not cut a bytes download that outlasts timeoutMs', async () => {
    server = await startLocalServer((_req, res) =>
      trickle(res, 'application/octet-stream', 'x'.repeat(600), SLOW.chunks, SLOW.delayMs),
    );
    const client = createClient({ url: server.url, timeoutMs: TIMEOUT_MS, maxRetries: 0 });
    const started = Date.now();
    const response = await client.http.request('/bytes');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    expect((await response.text()).length).toBe(600);
    expect(Date.now() - started).toBeGreaterThan(TIMEOUT_MS + 1_000);
  });

  it('still times out a JSON body that trickles past timeoutMs', async () => {
    server = await startLocalServer((_req, res) =>
      trickle(res, 'application/json', HEALTH, SLOW.chunks, SLOW.delayMs),
    );
    const client = createClient({ url: server.url, timeoutMs: TIMEOUT_MS, maxRetries: 0 });
    expect((await rejection(client.health())).code).toBe('client/timeout');
  });

  it.each([
    ['stream', async (data: unknown) => new Response(data as ReadableStream).text()],
    ['blob', async (data: unknown) => (data as Blob).text()],
    ['arrayBuffer', async (data: unknown) => new TextDecoder().decode(data as ArrayBuffer)],
  ] as const)('hands a JSON body over unread to a caller who asks parseAs: %s', async (parseAs, read) => {
    // 1.6 s of body against a 500 ms deadline; the typed method and raw, side by side.
    server = await startLocalServer((_req, res) => trickle(res, 'application/json', HEALTH, 4, 400));
    const client = createClient({ url: server.url, timeoutMs: 500, maxRetries: 0 });
    const [typed, raw] = await Promise.all([
      client.http.GET('/healthz', { parseAs }).then(read),
      client.http.raw.GET('/healthz', { parseAs }).then(({ data }) => read(data)),
    ]);
    expect(JSON.parse(typed)).toEqual({ status: 'ok', version: 'slow' });
    expect(JSON.parse(raw)).toEqual({ status: 'ok', version: 'slow' });
  });

  it('ends a download when the caller aborts, with client/aborted', async () => {
    server = await startLocalServer((_req, res) =>
      trickle(res, 'application/octet-stream', 'x'.repeat(60), 60, 100),
    );
    const client = createClient({ url: server.url });
    const controller = new AbortController();
    const response = await client.http.request('/bytes', { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort(new Error('user left'));
    const error = await rejection(reader.read());
    expect(error.code).toBe('client/aborted');
    expect((error.cause as Error).message).toBe('user left');
  });

  it('reports a download the server cuts off as client/network', async () => {
    server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '100' });
      res.write('x'.repeat(10), () => res.destroy());
    });
    const client = createClient({ url: server.url });
    const response = await client.http.request('/bytes');
    expect((await rejection(response.arrayBuffer())).code).toBe('client/network');
  });

  it('still times out a server that sends no headers', async () => {
    server = await startLocalServer(() => {});
    const client = createClient({ url: server.url, timeoutMs: 200, maxRetries: 0 });
    expect((await rejection(client.http.request('/bytes'))).code).toBe('client/timeout');
  });
});

describe('a body-less status with a body stream (as browsers hand a 204 over)', () => {
  it('resolves instead of failing to rebuild the response', async () => {
    const fetch = async () => {
      const response = new Response(null, { status: 204 });
      // Chromium's fetch gives a 204 an empty ReadableStream where Node's gives null.
      Object.defineProperty(response, 'body', { value: new ReadableStream({ start: (c) => c.close() }) });
      return response;
    };
    const client = createClient({ url: 'http://platform.test', publishableKey: 'pk_x', fetch });
    await expect(client.auth.sendOTP({ email: 'ada@example.com' })).resolves.toBeUndefined();
  });
});
