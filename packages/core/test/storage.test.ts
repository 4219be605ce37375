import { createHash } from 'node:crypto';
import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AerostackClient, createClient, type UploadProgress } from '../src';
import { startTestPlatform } from './support/platform';
import { rejectionOf } from './support/rejection';

// client.storage against the real platform over HTTP: streamed uploads with progress, ranged and
// conditional downloads, listing, copy and move, signed URLs used without a credential.

let platform: RunningPlatform;
let client: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createClient({ url: platform.url, secretKey: platform.secretKey });
});
afterAll(() => platform?.close());

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 5) % 251);

describe('client.storage', () => {
  it('uploads a Blob with metadata and progress, and downloads it', async () => {
    const body = bytesOf(300_000);
    const progress: UploadProgress[] = [];
    const object = await client.storage.upload('photos/a.jpg', new Blob([body]), {
      contentType: 'image/jpeg',
      cacheControl: 'max-age=60',
      metadata: { album: 'summer' },
      onProgress: (p) => progress.push(p),
    });
    expect(object).toMatchObject({
      key: 'photos/a.jpg',
      sizeBytes: body.byteLength,
      contentType: 'image/jpeg',
      cacheControl: 'max-age=60',
      metadata: { album: 'summer' },
      etag: `"${sha(body)}"`,
    });
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toEqual({ loaded: body.byteLength, total: body.byteLength });
    expect(progress.map((p) => p.loaded)).toEqual([...progress.map((p) => p.loaded)].sort((a, b) => a - b));

    const res = await client.storage.download('photos/a.jpg');
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(body));
    expect(await client.storage.head('photos/a.jpg')).toEqual(object);
    expect(await client.storage.exists('photos/a.jpg')).toBe(true);
    expect(await client.storage.exists('photos/nope.jpg')).toBe(false);
  });

  it('uploads a stream, downloads a range, and honours If-None-Match', async () => {
    const body = bytesOf(100_000);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < body.byteLength; i += 10_000) controller.enqueue(body.slice(i, i + 10_000));
        controller.close();
      },
    });
    const object = await client.storage.upload('streams/s.bin', stream);
    expect(object.sizeBytes).toBe(body.byteLength);
    const part = await client.storage.download('streams/s.bin', { range: { start: 10, end: 19 } });
    expect(part.status).toBe(206);
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([...body.subarray(10, 20)]);
    const tail = await client.storage.download('streams/s.bin', { range: { start: 99_990 } });
    expect((await tail.arrayBuffer()).byteLength).toBe(10);
    const cached = await client.storage.download('streams/s.bin', { ifNoneMatch: object.etag });
    expect(cached.status).toBe(304);
    const missing = await rejectionOf(client.storage.download('streams/none'));
    expect(missing).toMatchObject({ code: 'storage/not-found', status: 404 });
  });

  it('lists page by page, copies, moves and deletes', async () => {
    for (const key of ['list/c', 'list/a', 'list/b']) await client.storage.upload(key, key);
    const page = await client.storage.list({ prefix: 'list/', limit: 2 });
    expect(page.data.map((o) => o.key)).toEqual(['list/a', 'list/b']);
    expect(page.nextCursor).not.toBeNull();
    const all: string[] = [];
    for await (const o of client.storage.listAll({ prefix: 'list/', pageSize: 1 })) all.push(o.key);
    expect(all).toEqual(['list/a', 'list/b', 'list/c']);
    expect((await client.storage.copy('list/a', 'list/a2')).key).toBe('list/a2');
    expect((await client.storage.move('list/b', 'moved/b')).key).toBe('moved/b');
    expect(await client.storage.exists('list/b')).toBe(false);
    expect(await (await client.storage.download('moved/b')).text()).toBe('list/b');
    expect(await client.storage.delete('moved/b')).toBe(true);
    expect(await client.storage.delete('moved/b')).toBe(false);
    const bad = await rejectionOf(client.storage.upload('../etc/passwd', 'x'));
    expect(bad).toMatchObject({ code: 'storage/invalid-key', status: 400 });
  });

  it('signs URLs: a client without a credential uploads and downloads through them', async () => {
    const signedPut = await client.storage.createSignedUrl('inbox/note.txt', {
      method: 'PUT',
      contentType: 'text/plain',
      expiresInSeconds: 60,
    });
    const anonymous = createClient({ url: platform.url });
    const progress: UploadProgress[] = [];
    const object = await anonymous.storage.uploadToSignedUrl(signedPut, 'a note from a browser', {
      onProgress: (p) => progress.push(p),
    });
    expect(object).toMatchObject({ key: 'inbox/note.txt', contentType: 'text/plain' });
    expect(progress.at(-1)?.loaded).toBe(21);
    const signedGet = await client.storage.createSignedUrl('inbox/note.txt');
    const res = await fetch(signedGet.url);
    expect(await res.text()).toBe('a note from a browser');
    const refused = await rejectionOf(anonymous.storage.uploadToSignedUrl(signedGet.url, 'overwrite'));
    expect(refused).toMatchObject({ code: 'storage/invalid-signature', status: 403 });
    const noKey = await rejectionOf(anonymous.storage.upload('inbox/direct.txt', 'x'));
    expect(noKey).toMatchObject({ status: 401 });
  });
});

describe('client.storage limits over HTTP', () => {
  it('reports an object over the limit as storage/object-too-large, sent whole or streamed', async () => {
    const limited = await startTestPlatform({ AEROSTACK_STORAGE_MAX_OBJECT_BYTES: '100000' });
    try {
      const small = createClient({ url: limited.url, secretKey: limited.secretKey, maxRetries: 0 });
      const whole = await rejectionOf(small.storage.upload('big', new Uint8Array(5_000_000)));
      expect(whole).toMatchObject({ code: 'storage/object-too-large', status: 413 });
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 50; i++) controller.enqueue(new Uint8Array(100_000));
          controller.close();
        },
      });
      const streamed = await rejectionOf(small.storage.upload('big', stream));
      expect(streamed).toMatchObject({ code: 'storage/object-too-large', status: 413 });
      expect(await small.storage.exists('big')).toBe(false);
    } finally {
      await limited.close();
    }
  });
});
