import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../src';
import { type LocalServer, sendJson, startLocalServer, unavailable } from './support/local-server';
import { rejectionOf as rejection } from './support/rejection';
import { json, problem, scriptedFetch } from './support/scripted-fetch';

const URL = 'http://platform.test';
const octets = { 'Content-Type': 'application/octet-stream' };
const stored = { name: 'a', sizeBytes: 3 };
const retryNow = () => problem(503, 'internal/unexpected', { 'Retry-After': '0' });

function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

describe('http.request bodies (injected fetch)', () => {
  it.each([
    ['a Uint8Array', () => new Uint8Array([1, 2, 3])],
    ['an ArrayBuffer', () => new Uint8Array([1, 2, 3]).buffer],
    ['a Blob', () => new Blob([new Uint8Array([1, 2, 3])])],
  ])('sends %s again when an idempotent request is retried', async (_name, body) => {
    const { fetch, requests } = scriptedFetch([retryNow(), json(stored)]);
    const client = createClient({ url: URL, secretKey: 'sk_1', fetch });
    const response = await client.http.request('/test/blobs/a', {
      method: 'PUT',
      body: body(),
      headers: octets,
    });
    await expect(response.json()).resolves.toEqual(stored);
    const sent = await Promise.all(requests.map(async (r) => [...new Uint8Array(await r.arrayBuffer())]));
    expect(sent).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(requests[1]?.headers.get('Authorization')).toBe('Bearer sk_1');
  });

  it('never retries a ReadableStream body, which cannot be replayed', async () => {
    const { fetch, requests } = scriptedFetch([retryNow(), json(stored)]);
    const client = createClient({ url: URL, fetch, maxRetries: 5 });
    const body = streamOf(new Uint8Array([1, 2, 3]));
    const error = await rejection(
      client.http.request('/test/blobs/a', { method: 'PUT', body, headers: octets }),
    );
    expect(error.status).toBe(503);
    expect(requests).toHaveLength(1);
  });

  it('streams a byte Request given to http.fetch and sends it once', async () => {
    const { fetch, requests } = scriptedFetch([retryNow(), json(stored)]);
    const client = createClient({ url: URL, fetch, secretKey: 'sk_1' });
    const request = new Request(`${URL}/test/blobs/a`, {
      method: 'PUT',
      body: streamOf(new Uint8Array([1, 2, 3])),
      headers: octets,
      duplex: 'half',
    } as RequestInit);
    expect((await rejection(client.http.fetch(request))).status).toBe(503);
    expect(requests).toHaveLength(1);
  });

  it('still buffers a JSON Request once and resends it on retry', async () => {
    const { fetch, requests } = scriptedFetch([retryNow(), json(stored)]);
    const client = createClient({ url: URL, fetch });
    const headers = { 'Content-Type': 'application/json' };
    await client.http.fetch(new Request(`${URL}/v1/x`, { method: 'PUT', body: '{"a":1}', headers }));
    expect(await Promise.all(requests.map((r) => r.text()))).toEqual(['{"a":1}', '{"a":1}']);
  });

  it('defaults to GET and refuses a path that does not start with a slash', async () => {
    const { fetch, requests } = scriptedFetch([json(stored)]);
    const client = createClient({ url: `${URL}/`, fetch });
    await client.http.request('/healthz');
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url).toBe(`${URL}/healthz`);
    const elsewhere = 'http://elsewhere.test/x' as '/x';
    await expect(client.http.request(elsewhere)).rejects.toThrow(TypeError);
  });
});

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that hashes what it is sent, announcing each chunk it receives. */
async function hashingServer(onChunk: (received: number) => void = () => {}) {
  return startLocalServer((req, res) => {
    const hash = createHash('sha256');
    let sizeBytes = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      sizeBytes += chunk.length;
      onChunk(sizeBytes);
    });
    req.on('end', () => sendJson(res, 200, { sizeBytes, sha256: hash.digest('hex') }));
  });
}

describe('http.request bodies (real HTTP server)', () => {
  it('streams a ReadableStream body: the server has the first chunk before the second exists', async () => {
    let firstArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    server = await hashingServer(() => firstArrived());
    const chunks = [new Uint8Array(64 * 1024).fill(1), new Uint8Array(64 * 1024).fill(2)];
    let sent = 0;
    // The second chunk waits for the server to receive the first: a client that buffered the
    // whole body before sending would never get there.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 1) await arrived;
        const chunk = chunks[sent++];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const client = createClient({ url: server.url, secretKey: 'sk_1' });
    const response = await client.http.request('/upload', { method: 'PUT', body, headers: octets });
    const expected = createHash('sha256').update(chunks[0]!).update(chunks[1]!).digest('hex');
    await expect(response.json()).resolves.toEqual({ sizeBytes: 128 * 1024, sha256: expected });
  });

  it('lets a streamed upload outlast timeoutMs as long as it keeps moving', async () => {
    server = await hashingServer();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent++ === 8) return controller.close();
        await new Promise((resolve) => setTimeout(resolve, 300));
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const client = createClient({ url: server.url, timeoutMs: 1_500 });
    const started = Date.now();
    const response = await client.http.request('/upload', { method: 'PUT', body, headers: octets });
    await expect(response.json()).resolves.toMatchObject({ sizeBytes: 8 * 1024 });
    expect(Date.now() - started).toBeGreaterThan(1_500);
  });

  it('times out a streamed upload that stalls', async () => {
    server = await hashingServer();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(8));
        return new Promise(() => {}); // and nothing more, ever
      },
    });
    const client = createClient({ url: server.url, timeoutMs: 300 });
    const error = await rejection(client.http.request('/upload', { method: 'PUT', body, headers: octets }));
    expect(error.code).toBe('client/timeout');
  });

  it('sends a byte Request given to http.fetch as it was made: a Blob keeps its length', async () => {
    const seen: (string | undefined)[] = [];
    server = await startLocalServer((req, res) => {
      seen.push(req.headers['content-length'], req.headers.authorization);
      req.resume();
      req.on('end', () => sendJson(res, 200, { ok: true }));
    });
    const client = createClient({ url: server.url, secretKey: 'sk_1' });
    const request = new Request(`${server.url}/upload`, {
      method: 'PUT',
      body: new Blob(['hello']),
      headers: octets,
    });
    await client.http.fetch(request);
    expect(seen).toEqual(['5', 'Bearer sk_1']);
  });

  it('retries an idempotent Blob upload against a real server', async () => {
    server = await startLocalServer((req, res, n) => {
      req.resume();
      req.on('end', () => (n === 1 ? unavailable(res, '0') : sendJson(res, 200, { ok: true })));
    });
    const client = createClient({ url: server.url });
    const body = new Blob(['hello']);
    await client.http.request('/upload', { method: 'PUT', body, headers: octets });
    expect(server.hits).toEqual(['PUT /upload', 'PUT /upload']);
  });
});
