import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePlatform } from '../fixtures/platform.js';

// Byte bodies and replies: octet-stream uploads streamed to the handler with a per-operation
// limit, downloads with ETag, 304, single ranges (206) and 416.

type Fixture = Awaited<ReturnType<typeof startFixturePlatform>>;
let p: Fixture;
const auth = () => ({ authorization: `Bearer ${p.secretKey}` });
beforeAll(async () => {
  p = await startFixturePlatform();
});
afterAll(() => p?.close());

const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);

async function upload(
  name: string,
  body: Uint8Array | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
) {
  return fetch(`${p.url}/test/blobs/${name}`, {
    method: 'PUT',
    headers: { ...auth(), 'content-type': 'application/octet-stream', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

describe('byte bodies and replies', () => {
  it('streams an upload to the handler and answers what it stored', async () => {
    const res = await upload('plain', bytes);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'plain',
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  });

  it('accepts a chunked upload (no Content-Length)', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(bytes.subarray(i * 1000, (i + 1) * 1000));
        controller.close();
      },
    });
    const res = await upload('chunked', stream);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sizeBytes: number }).sizeBytes).toBe(10_000);
  });

  it('refuses an upload declared over the operation limit before reading it', async () => {
    // A raw client: announce 200 MB, send 1 KiB, and get the 413 without sending the rest.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${p.url}/test/blobs/huge`,
        {
          method: 'PUT',
          headers: {
            ...auth(),
            'content-type': 'application/octet-stream',
            'content-length': 200 * 1024 * 1024,
          },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => {
            resolve({ status: res.statusCode!, body });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).code).toBe('request/body-too-large');
  });

  it('refuses a body of another media type', async () => {
    const res = await upload('typed', bytes, { 'content-type': 'application/json' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { code: string }).code).toBe('request/unsupported-media-type');
  });

  it('serves the bytes with an ETag, ranges and 304', async () => {
    await upload('served', bytes);
    const full = await fetch(`${p.url}/test/blobs/served`, { headers: auth() });
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('content-length')).toBe('10000');
    expect(new Uint8Array(await full.arrayBuffer())).toEqual(bytes);
    const etag = full.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);

    const part = await fetch(`${p.url}/test/blobs/served`, {
      headers: { ...auth(), range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));

    const tail = await fetch(`${p.url}/test/blobs/served`, { headers: { ...auth(), range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(9_990));

    const cached = await fetch(`${p.url}/test/blobs/served`, {
      headers: { ...auth(), 'if-none-match': etag },
    });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');

    const stale = await fetch(`${p.url}/test/blobs/served`, {
      headers: { ...auth(), range: 'bytes=0-9', 'if-range': '"another"' },
    });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();

    const beyond = await fetch(`${p.url}/test/blobs/served`, {
      headers: { ...auth(), range: 'bytes=20000-' },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */10000');
    expect(((await beyond.json()) as { code: string }).code).toBe('request/range-not-satisfiable');
  });

  it('keeps a JSON operation at its own (1 MiB) limit while the upload allows 100 MB', async () => {
    const res = await fetch(`${p.url}/v1/cache/big`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ value: 'x'.repeat(1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect((await upload('two-mib', new Uint8Array(2 * 1024 * 1024))).status).toBe(200);
  });

  it('answers HEAD on a download with its headers and no body', async () => {
    await upload('headed', bytes);
    const res = await fetch(`${p.url}/test/blobs/headed`, { method: 'HEAD', headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('etag')).toMatch(/^"/);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });
});
