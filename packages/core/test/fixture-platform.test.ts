// End to end against the real platform with its test-only fixture operations (/test/…): a
// refreshing credential, streamed uploads, downloads the deadline does not cut, and typed,
// resuming event streams.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePlatform } from '../../../platform/test/fixtures/platform';
import {
  type AerostackClient,
  createClient,
  type EventStreamState,
  openEventStream,
  type StreamEvent,
} from '../src';
import { rejectionOf as rejection } from './support/rejection';

type Ticks = { tick: { n: number } };
type FixturePlatform = Awaited<ReturnType<typeof startFixturePlatform>>;

let platform: FixturePlatform;
let client: AerostackClient;

beforeAll(async () => {
  platform = await startFixturePlatform();
  client = createClient({ url: platform.url, secretKey: platform.secretKey });
});
afterAll(() => platform?.close());

const octets = { 'Content-Type': 'application/octet-stream' };
const MB = 1024 * 1024;

/** `totalBytes` of deterministic bytes, made chunk by chunk as they are read (never all in memory). */
function generated(totalBytes: number, chunkBytes = 256 * 1024) {
  const hash = createHash('sha256');
  let made = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (made >= totalBytes) return controller.close();
      const chunk = new Uint8Array(Math.min(chunkBytes, totalBytes - made)).fill(made % 251);
      hash.update(chunk);
      made += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

async function sha256Of(body: ReadableStream<Uint8Array>): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const reader = body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    hash.update(read.value);
    sizeBytes += read.value.byteLength;
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}

async function collect<T>(stream: AsyncIterable<T>, count: number): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) if (events.push(event) >= count) break;
  return events;
}

describe('credential provider', () => {
  it('authenticates every call with what the provider returns now', async () => {
    let token = 'sk_thisKeyDoesNotExist0000000000';
    const user = createClient({ url: platform.url, credential: async () => token });
    expect(await rejection(user.cache.get('k'))).toMatchObject({
      code: 'auth/invalid-credentials',
      status: 401,
    });
    token = platform.secretKey; // refreshed: the next call picks it up
    await expect(user.cache.set('refreshed', 1)).resolves.toMatchObject({ value: 1 });
  });

  it('sends nothing when the provider returns undefined', async () => {
    const anonymous = createClient({ url: platform.url, credential: () => undefined });
    expect((await rejection(anonymous.cache.get('k'))).code).toBe('auth/missing-credentials');
  });
});

describe('streamed uploads', () => {
  it('PUTs 40 MB from a ReadableStream through http.request', async () => {
    const { stream, sha256 } = generated(40 * MB);
    const response = await client.http.request('/test/blobs/big', {
      method: 'PUT',
      body: stream,
      headers: octets,
    });
    expect(await response.json()).toEqual({ name: 'big', sizeBytes: 40 * MB, sha256: sha256() });
  });

  it('sends a hand-made streaming Request through http.fetch, with the credential applied', async () => {
    const { stream, sha256 } = generated(3 * MB);
    const request = new Request(`${platform.url}/test/blobs/by-fetch`, {
      method: 'PUT',
      body: stream,
      duplex: 'half',
      headers: { 'content-type': 'application/octet-stream' },
    } as RequestInit);
    const response = await client.http.fetch(request);
    expect(await response.json()).toEqual({ name: 'by-fetch', sizeBytes: 3 * MB, sha256: sha256() });
  });

  it.each([
    ['a Uint8Array', () => new Uint8Array(1000).fill(7)],
    ['a Blob', () => new Blob([new Uint8Array(1000).fill(7)])],
    ['an ArrayBuffer', () => new Uint8Array(1000).fill(7).buffer],
  ])('PUTs %s', async (_name, body) => {
    const response = await client.http.request('/test/blobs/small', {
      method: 'PUT',
      body: body(),
      headers: octets,
    });
    const expected = createHash('sha256').update(new Uint8Array(1000).fill(7)).digest('hex');
    expect(await response.json()).toEqual({ name: 'small', sizeBytes: 1000, sha256: expected });
  });

  it('rejects an upload the platform refuses with its AerostackError', async () => {
    const body = generated(1024).stream;
    const error = await rejection(
      client.http.request('/test/blobs/Not_Valid', { method: 'PUT', body, headers: octets }),
    );
    expect(error.status).toBe(400);
    expect(error.requestId).toMatch(/\S/);
  });
});

describe('downloads', () => {
  const bytes = new Uint8Array(2 * MB).map((_, i) => i % 256);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  beforeAll(async () => {
    await client.http.request('/test/blobs/dl', { method: 'PUT', body: bytes, headers: octets });
  });

  it('streams the bytes back', async () => {
    const response = await client.http.request('/test/blobs/dl');
    expect(response.headers.get('Accept-Ranges')).toBe('bytes');
    expect(await sha256Of(response.body!)).toEqual({ sha256, sizeBytes: 2 * MB });
  });

  it('answers a Range with 206 and a matching ETag with 304', async () => {
    const part = await client.http.request('/test/blobs/dl', { headers: { Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([...bytes.slice(10, 20)]);
    const etag = part.headers.get('ETag');
    expect(etag).toMatch(/\S/);
    const unchanged = await client.http.request('/test/blobs/dl', { headers: { 'If-None-Match': etag! } });
    expect(unchanged.status).toBe(304);
  });

  it('reports a missing blob as fixtures/not-found', async () => {
    expect(await rejection(client.http.request('/test/blobs/nothing-here'))).toMatchObject({
      code: 'fixtures/not-found',
      status: 404,
    });
  });

  it('is not cut by timeoutMs however long the body takes (3 s of chunks, 1 s deadline)', async () => {
    const slow = createClient({ url: platform.url, secretKey: platform.secretKey, timeoutMs: 1_000 });
    const started = Date.now();
    const response = await slow.http.request('/test/slow-bytes?chunks=7&delayMs=500');
    const text = await response.text();
    expect(text.split('\n').filter(Boolean)).toHaveLength(7);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
  });

  it('ends a slow download when the caller aborts, with client/aborted', async () => {
    const controller = new AbortController();
    const response = await client.http.request('/test/slow-bytes?chunks=50&delayMs=200', {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    expect((await rejection(reader.read())).code).toBe('client/aborted');
  });
});

describe('event streams', () => {
  it('yields typed ticks with ids and parsed data', async () => {
    const events = await collect(openEventStream<Ticks>(client, '/test/events?count=3'), 3);
    expect(events).toEqual([1, 2, 3].map((n) => ({ id: String(n), event: 'tick', data: { n } })));
  });

  it('resumes with Last-Event-ID after the server drops the connection, asking for the credential again', async () => {
    let asked = 0;
    const credential = () => {
      asked++;
      return platform.secretKey;
    };
    const user = createClient({ url: platform.url, credential });
    const states: EventStreamState[] = [];
    const stream = openEventStream<Ticks>(user, '/test/events?count=5&dropAfter=3', {
      onStateChange: (state) => states.push(state),
    });
    const events = await collect(stream, 5);
    expect(events.map((e) => e.data.n)).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toBe(2);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open', 'closed']);
  });

  it('starts after the lastEventId it is given', async () => {
    const stream = openEventStream<Ticks>(client, '/test/events?count=5', { lastEventId: '3' });
    expect((await collect(stream, 2)).map((e) => e.id)).toEqual(['4', '5']);
  });

  it('reconnects after a failure the platform reports as an error event', async () => {
    const events = await collect(openEventStream<Ticks>(client, '/test/events?count=4&failAfter=2'), 4);
    expect(events.map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
  });

  it('keeps a stream with events further apart than timeoutMs, heartbeats in between', async () => {
    const slow = createClient({ url: platform.url, secretKey: platform.secretKey, timeoutMs: 300 });
    const states: EventStreamState[] = [];
    const stream = openEventStream<Ticks>(slow, '/test/events?count=2&intervalMs=1400', {
      onStateChange: (state) => states.push(state),
    });
    expect((await collect(stream, 2)).map((e) => e.id)).toEqual(['1', '2']);
    expect(states).not.toContain('reconnecting');
  });

  it('rejects with the platform’s AerostackError for a credential it refuses', async () => {
    const browser = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    const error = await rejection(collect(openEventStream(browser, '/test/events?count=1'), 1));
    expect(error).toMatchObject({ code: 'auth/wrong-credential-type', status: 403 });
    expect(error.requestId).toMatch(/\S/);
  });

  it('ends quietly when the signal aborts mid-stream', async () => {
    const controller = new AbortController();
    const stream = openEventStream<Ticks>(client, '/test/events?count=100&intervalMs=100', {
      signal: controller.signal,
    });
    const events: StreamEvent<Ticks>[] = [];
    for await (const event of stream) {
      events.push(event);
      if (events.length === 2) controller.abort();
    }
    expect(events).toHaveLength(2);
    expect(stream.state).toBe('closed');
  });
});
