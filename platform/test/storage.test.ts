import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Config } from '../src/config.js';
import { BACKENDS, type Backend } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';
import { type S3Server, startS3Server, versitygwBinary } from './support/storage-s3.js';

// The storage suite, run on every metadata backend (SQLite, PostgreSQL, PostgreSQL + Redis) and on
// both object stores: the local directory and a real S3-compatible server (versitygw). Requests go
// through app.request(), responses checked against the spec.

const S3_REQUIRED = process.env.CI === 'true';
const haveS3 = versitygwBinary() !== null;
if (S3_REQUIRED && !haveS3) throw new Error('CI needs versitygw (scripts/system-deps.sh)');

type StoreKind = 'local' | 's3';
const STORES: StoreKind[] = haveS3 ? ['local', 's3'] : ['local'];
const MATRIX = BACKENDS.flatMap((backend) =>
  STORES.map((store) => ({ name: `${backend.name} + ${store}`, backend, store })),
);

let s3: S3Server | undefined;
beforeAll(async () => {
  if (haveS3) s3 = await startS3Server();
}, 60_000);
afterAll(() => s3?.stop());

const enc = (key: string) => encodeURIComponent(key);
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);

async function platformOn(backend: Backend, store: StoreKind, env: Record<string, string> = {}) {
  const bucket: S3Config | null = store === 's3' ? await s3!.bucket() : null;
  return testPlatform(backend, {
    env,
    overrides: (config) => ({ storage: { ...config.storage, s3: bucket } }),
  });
}

/** Raw requests (byte bodies, byte answers) through the platform's app. */
function raw(t: TestPlatform) {
  return async (
    method: string,
    path: string,
    {
      auth = t.keys.secretKey,
      body,
      headers = {},
    }: { auth?: string | null; body?: Uint8Array | string; headers?: Record<string, string> } = {},
  ) => {
    const h: Record<string, string> = { ...headers };
    if (auth) h.authorization = `Bearer ${auth}`;
    if (body !== undefined) h['content-type'] ??= 'application/octet-stream';
    const res = await t.platform.app.request(path, {
      method,
      headers: h,
      body: body as RequestInit['body'],
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    return { status: res.status, headers: res.headers, bytes, text, json: json as any };
  };
}

describe.each(MATRIX)('storage on $name', ({ backend, store }) => {
  let t: TestPlatform;
  let req: ReturnType<typeof raw>;
  let otherSecretKey: string;
  beforeAll(async () => {
    t = await platformOn(backend, store);
    req = raw(t);
    const other = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'other' },
    });
    otherSecretKey = other.json.secretKey.key;
  }, 60_000);
  afterAll(() => t?.close());

  it('uploads with content type, cache-control and metadata, and downloads the same bytes', async () => {
    const body = bytesOf(5000);
    const query = new URLSearchParams({
      contentType: 'image/png',
      cacheControl: 'public, max-age=60',
      metadata: JSON.stringify({ owner: 'usr_1', caption: 'a cat' }),
    });
    const up = await req('PUT', `/v1/storage/objects/${enc('avatars/cat.png')}?${query}`, { body });
    expect(up.status, up.text).toBe(200);
    expect(up.json).toMatchObject({
      key: 'avatars/cat.png',
      sizeBytes: 5000,
      contentType: 'image/png',
      cacheControl: 'public, max-age=60',
      metadata: { owner: 'usr_1', caption: 'a cat' },
      etag: `"${sha(body)}"`,
    });
    const down = await req('GET', `/v1/storage/objects/${enc('avatars/cat.png')}`);
    expect(down.status).toBe(200);
    expect(sha(down.bytes)).toBe(sha(body));
    expect(down.headers.get('content-type')).toBe('image/png');
    expect(down.headers.get('cache-control')).toBe('public, max-age=60');
    expect(down.headers.get('etag')).toBe(`"${sha(body)}"`);
    expect(down.headers.get('accept-ranges')).toBe('bytes');
    // An uploaded page never runs as the platform's origin.
    expect(down.headers.get('x-content-type-options')).toBe('nosniff');
    expect(down.headers.get('content-security-policy')).toMatch(/sandbox/);
    const head = await req('GET', `/v1/storage/objects/${enc('avatars/cat.png')}/metadata`);
    expect(head.json).toEqual(up.json);
  });

  it('answers ranges (206, suffix, past the end) and If-None-Match (304)', async () => {
    const body = bytesOf(1000, 7);
    await req('PUT', '/v1/storage/objects/ranged', { body });
    const part = await req('GET', '/v1/storage/objects/ranged', { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(sha(part.bytes)).toBe(sha(body.subarray(100, 200)));
    const tail = await req('GET', '/v1/storage/objects/ranged', { headers: { range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect([...tail.bytes]).toEqual([...body.subarray(990)]);
    const past = await req('GET', '/v1/storage/objects/ranged', { headers: { range: 'bytes=5000-' } });
    expect(past.status).toBe(416);
    expect(past.json.code).toBe('request/range-not-satisfiable');
    const etag = part.headers.get('etag')!;
    const same = await req('GET', '/v1/storage/objects/ranged', { headers: { 'if-none-match': etag } });
    expect(same.status).toBe(304);
    expect(same.bytes.byteLength).toBe(0);
    const stale = await req('GET', '/v1/storage/objects/ranged', { headers: { 'if-none-match': '"nope"' } });
    expect(stale.status).toBe(200);
    // If-Range with an old ETag: the whole, new representation.
    await req('PUT', '/v1/storage/objects/ranged', { body: bytesOf(10, 3) });
    const changed = await req('GET', '/v1/storage/objects/ranged', {
      headers: { range: 'bytes=0-1', 'if-range': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.bytes.byteLength).toBe(10);
  });

  it('streams an object of several S3 parts (20 MiB) intact', async () => {
    const body = bytesOf(20 * 1024 * 1024, 9);
    const up = await req('PUT', '/v1/storage/objects/big', { body });
    expect(up.status, up.text).toBe(200);
    expect(up.json.sizeBytes).toBe(body.byteLength);
    const down = await req('GET', '/v1/storage/objects/big');
    expect(sha(down.bytes)).toBe(sha(body));
    const middle = await req('GET', '/v1/storage/objects/big', {
      headers: { range: `bytes=${8 * 1024 * 1024 - 5}-${8 * 1024 * 1024 + 4}` },
    });
    expect([...middle.bytes]).toEqual([...body.subarray(8 * 1024 * 1024 - 5, 8 * 1024 * 1024 + 5)]);
    expect((await req('DELETE', '/v1/storage/objects/big')).json).toEqual({ deleted: true });
  }, 60_000);

  it('stores an empty object', async () => {
    const up = await req('PUT', '/v1/storage/objects/empty', {
      body: new Uint8Array(0),
      headers: { 'content-length': '0' },
    });
    // `Content-Length: 0` is an empty file, not a missing body.
    expect(up.status, up.text).toBe(200);
    expect(up.json).toMatchObject({ sizeBytes: 0, etag: `"${sha(new Uint8Array(0))}"` });
    const down = await req('GET', '/v1/storage/objects/empty');
    expect(down.status).toBe(200);
    expect(down.bytes.byteLength).toBe(0);
    // No body at all is still refused.
    const none = await req('PUT', '/v1/storage/objects/none', {
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(none.status).toBe(400);
    expect(none.json.code).toBe('request/invalid-body');
  });

  it('lists by prefix in key order, page by page', async () => {
    const keys = ['docs/b.txt', 'docs/a.txt', 'docs/sub/c.txt', 'docsx', 'Docs/upper.txt', 'docs/é.txt'];
    for (const key of keys)
      expect((await req('PUT', `/v1/storage/objects/${enc(key)}`, { body: key })).status).toBe(200);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ prefix: 'docs/', limit: '2', ...(cursor ? { cursor } : {}) });
      const page = await t.call({
        method: 'GET',
        path: `/v1/storage/objects?${query}`,
        auth: t.keys.secretKey,
      });
      expect(page.status, page.text).toBe(200);
      expect(page.json.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.data.map((o: { key: string }) => o.key));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['docs/a.txt', 'docs/b.txt', 'docs/sub/c.txt', 'docs/é.txt']);
    const bad = await t.call({
      method: 'GET',
      path: '/v1/storage/objects?cursor=nope',
      auth: t.keys.secretKey,
    });
    expect(bad.status).toBe(400);
  });

  it('copies and moves (the source goes, a destination is replaced), 404 for a missing source', async () => {
    await req('PUT', '/v1/storage/objects/src?contentType=text%2Fplain&metadata=%7B%22a%22%3A%221%22%7D', {
      body: 'source',
    });
    await req('PUT', '/v1/storage/objects/taken', { body: 'old' });
    const copy = await t.call({
      method: 'POST',
      path: '/v1/storage/copy',
      auth: t.keys.secretKey,
      body: { sourceKey: 'src', destinationKey: 'copied/src' },
    });
    expect(copy.status, copy.text).toBe(200);
    expect(copy.json).toMatchObject({
      key: 'copied/src',
      contentType: 'text/plain',
      metadata: { a: '1' },
      sizeBytes: 6,
    });
    expect((await req('GET', `/v1/storage/objects/${enc('copied/src')}`)).text).toBe('source');
    expect((await req('GET', '/v1/storage/objects/src')).text).toBe('source');
    const move = await t.call({
      method: 'POST',
      path: '/v1/storage/move',
      auth: t.keys.secretKey,
      body: { sourceKey: 'src', destinationKey: 'taken' },
    });
    expect(move.status, move.text).toBe(200);
    expect((await req('GET', '/v1/storage/objects/taken')).text).toBe('source');
    expect((await req('GET', '/v1/storage/objects/src')).json.code).toBe('storage/not-found');
    const missing = await t.call({
      method: 'POST',
      path: '/v1/storage/move',
      auth: t.keys.secretKey,
      body: { sourceKey: 'src', destinationKey: 'x' },
    });
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('storage/not-found');
    const unknownField = await t.call({
      method: 'POST',
      path: '/v1/storage/copy',
      auth: t.keys.secretKey,
      body: { sourceKey: 'taken', destinationKey: 'y', extra: 1 },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.code).toBe('request/invalid-body');
    const traversal = await t.call({
      method: 'POST',
      path: '/v1/storage/copy',
      auth: t.keys.secretKey,
      body: { sourceKey: 'taken', destinationKey: '../../etc/passwd' },
    });
    expect(traversal.json.code).toBe('storage/invalid-key');
    // Whole-segment '.' and '..' never reach a route through a URL (clients and servers resolve
    // them); in a body they do.
    for (const destinationKey of ['..', '.', '../x', 'a/./b']) {
      const res = await t.call({
        method: 'POST',
        path: '/v1/storage/move',
        auth: t.keys.secretKey,
        body: { sourceKey: 'taken', destinationKey },
      });
      expect(res.json.code, destinationKey).toBe('storage/invalid-key');
    }
  });

  it('replays a retried move with the same Idempotency-Key instead of answering 404', async () => {
    await req('PUT', '/v1/storage/objects/retried', { body: 'payload' });
    const move = () =>
      t.call({
        method: 'POST',
        path: '/v1/storage/move',
        auth: t.keys.secretKey,
        headers: { 'idempotency-key': `move-${store}-${backend.name}` },
        body: { sourceKey: 'retried', destinationKey: 'retried-moved' },
      });
    const first = await move();
    expect(first.status, first.text).toBe(200);
    const again = await move();
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json).toEqual(first.json);
  });

  it('deletes, then answers 404 and deleted: false', async () => {
    await req('PUT', '/v1/storage/objects/gone', { body: 'x' });
    expect((await req('DELETE', '/v1/storage/objects/gone')).json).toEqual({ deleted: true });
    expect((await req('DELETE', '/v1/storage/objects/gone')).json).toEqual({ deleted: false });
    const down = await req('GET', '/v1/storage/objects/gone');
    expect(down.status).toBe(404);
    expect(down.json.code).toBe('storage/not-found');
    expect((await req('GET', '/v1/storage/objects/gone/metadata')).status).toBe(404);
  });

  it.each([
    ['a dot-dot segment', 'a/../b'],
    ['an encoded dot-dot', '%2E%2E%2Fetc%2Fpasswd'],
    ['a leading slash', '%2Fetc'],
    ['a trailing slash', 'dir%2F'],
    ['an empty segment', 'a%2F%2Fb'],
    ['a backslash', 'a%5C..%5Cb'],
    ['a NUL', 'a%00b'],
    ['a newline', 'a%0Ab'],
    ['a dot segment', 'a%2F.%2Fb'],
  ])('refuses a key with %s', async (_name, segment) => {
    // Sent as one encoded path segment, as the clients send keys.
    const path = `/v1/storage/objects/${segment === 'a/../b' ? enc(segment) : segment}`;
    const up = await req('PUT', path, { body: 'x' });
    expect(up.status, up.text).toBe(400);
    expect(up.json.code).toBe('storage/invalid-key');
  });

  it('refuses a key over 1024 bytes and bad metadata', async () => {
    const long = await req('PUT', `/v1/storage/objects/${'é'.repeat(600)}`, { body: 'x' });
    expect(long.status).toBe(400);
    expect(long.json.code).toBe('storage/invalid-key');
    for (const metadata of ['nope', '[1]', '{"n":1}', JSON.stringify({ big: 'x'.repeat(3000) })]) {
      const res = await req('PUT', `/v1/storage/objects/m?metadata=${enc(metadata)}`, { body: 'x' });
      expect(res.status, metadata).toBe(400);
      expect(['storage/invalid-metadata', 'request/invalid-parameters']).toContain(res.json.code);
    }
    const type = await req('PUT', '/v1/storage/objects/m?contentType=not%20a%20type', { body: 'x' });
    expect(type.json.code).toBe('request/invalid-parameters');
    const json = await req('PUT', '/v1/storage/objects/m', {
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(415);
  });

  it("keeps projects apart: another project's key sees nothing", async () => {
    await req('PUT', '/v1/storage/objects/private', { body: 'mine' });
    const other = await req('GET', '/v1/storage/objects/private', { auth: otherSecretKey });
    expect(other.status).toBe(404);
    const list = await t.call({ method: 'GET', path: '/v1/storage/objects', auth: otherSecretKey });
    expect(list.json.data).toEqual([]);
    const copy = await t.call({
      method: 'POST',
      path: '/v1/storage/copy',
      auth: otherSecretKey,
      body: { sourceKey: 'private', destinationKey: 'stolen' },
    });
    expect(copy.status).toBe(404);
    // Its own object at the same key is its own.
    await req('PUT', '/v1/storage/objects/private', { auth: otherSecretKey, body: 'theirs' });
    expect((await req('GET', '/v1/storage/objects/private')).text).toBe('mine');
  });

  it('needs the secret key: publishable key 403, none 401', async () => {
    const pk = await req('GET', '/v1/storage/objects/private', { auth: t.keys.publishableKey });
    expect(pk.status).toBe(403);
    const none = await req('GET', '/v1/storage/objects/private', { auth: null });
    expect(none.status).toBe(401);
  });

  it('signs URLs: download and upload without a credential; tampering, misuse and expiry refused', async () => {
    await req('PUT', '/v1/storage/objects/shared%2Fdoc.txt?contentType=text%2Fplain', {
      body: 'hello signed',
    });
    const sign = (body: Record<string, unknown>) =>
      t.call({ method: 'POST', path: '/v1/storage/signed-urls', auth: t.keys.secretKey, body });
    const get = await sign({ key: 'shared/doc.txt', expiresInSeconds: 60 });
    expect(get.status, get.text).toBe(200);
    expect(get.json.url.endsWith(get.json.path)).toBe(true);
    const down = await req('GET', get.json.path, { auth: null });
    expect(down.status, down.text).toBe(200);
    expect(down.text).toBe('hello signed');
    const ranged = await req('GET', get.json.path, { auth: null, headers: { range: 'bytes=0-4' } });
    expect(ranged.status).toBe(206);
    expect(ranged.text).toBe('hello');

    const url = new URL(get.json.url);
    const tampered = (edit: (u: URL) => void) => {
      const copy = new URL(url);
      edit(copy);
      return `${copy.pathname}${copy.search}`;
    };
    const bad = [
      tampered((u) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600))),
      tampered((u) => {
        u.pathname = u.pathname.replace('doc.txt', 'other.txt');
      }),
      tampered((u) => u.searchParams.set('signature', 'A'.repeat(43))),
    ];
    for (const path of bad) {
      const res = await req('GET', path, { auth: null });
      expect(res.status, path).toBe(403);
      expect(res.json.code).toBe('storage/invalid-signature');
    }
    // A download URL does not upload.
    const misuse = await req('PUT', get.json.path, { auth: null, body: 'overwrite' });
    expect(misuse.json.code).toBe('storage/invalid-signature');
    // Another project's URL names its own project: it cannot reach this one's objects.
    const otherGet = await t.call({
      method: 'POST',
      path: '/v1/storage/signed-urls',
      auth: otherSecretKey,
      body: { key: 'shared/doc.txt' },
    });
    const foreign = await req('GET', otherGet.json.path, { auth: null });
    expect(foreign.status).toBe(404);

    const put = await sign({
      key: 'uploads/from-browser.txt',
      method: 'PUT',
      contentType: 'text/plain',
      expiresInSeconds: 60,
    });
    const up = await req('PUT', put.json.path, { auth: null, body: 'from a browser' });
    expect(up.status, up.text).toBe(200);
    expect(up.json).toMatchObject({ key: 'uploads/from-browser.txt', contentType: 'text/plain' });
    const swapped = new URL(put.json.url);
    swapped.searchParams.set('contentType', 'text/html');
    const html = await req('PUT', `${swapped.pathname}${swapped.search}`, { auth: null, body: '<script>' });
    expect(html.json.code).toBe('storage/invalid-signature');

    const short = await sign({ key: 'shared/doc.txt', expiresInSeconds: 1 });
    const shortPut = await sign({ key: 'uploads/too-late.txt', method: 'PUT', expiresInSeconds: 1 });
    // Wait until both expiries have certainly passed (a lower bound, not a timing margin).
    const passed = Math.max(Date.parse(short.json.expiresAt), Date.parse(shortPut.json.expiresAt)) + 10;
    while (Date.now() < passed) await new Promise((r) => setTimeout(r, 100));
    const expired = await req('GET', short.json.path, { auth: null });
    expect(expired.status).toBe(403);
    expect(expired.json.code).toBe('storage/url-expired');
    const expiredPut = await req('PUT', shortPut.json.path, { auth: null, body: 'too late' });
    expect([expiredPut.status, expiredPut.json.code]).toEqual([403, 'storage/url-expired']);
    expect((await req('GET', '/v1/storage/objects/uploads%2Ftoo-late.txt')).status).toBe(404);
    const invalidKey = await sign({ key: 'a/../b' });
    expect(invalidKey.json.code).toBe('storage/invalid-key');
  });

  it('keeps the previous object when an upload breaks off midway', async () => {
    await req('PUT', '/v1/storage/objects/fragile', { body: 'intact' });
    let sent = 0;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 3) return controller.error(new Error('the client went away'));
        sent++;
        controller.enqueue(bytesOf(256 * 1024, sent));
      },
    });
    const res = await t.platform.app
      .request('/v1/storage/objects/fragile', {
        method: 'PUT',
        headers: { authorization: `Bearer ${t.keys.secretKey}`, 'content-type': 'application/octet-stream' },
        body: broken,
        duplex: 'half',
      } as RequestInit)
      .catch((error: Error) => ({ status: 0, error }));
    expect(res.status).not.toBe(200);
    expect((await req('GET', '/v1/storage/objects/fragile')).text).toBe('intact');
    if (store === 'local') {
      const { readdirSync } = await import('node:fs');
      const { join } = await import('node:path');
      const root = join(t.platform.services.config.dataDir, 'storage');
      const leftovers = readdirSync(root, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.part'));
      expect(leftovers).toEqual([]);
    }
  });

  it('answers storage/not-found, not a 500, when the bytes being opened were replaced meanwhile', async () => {
    await req('PUT', '/v1/storage/objects/replaced', { body: 'first' });
    const storage = t.platform.services.storage;
    const projectId = t.keys.projectId;
    const before = await storage.source(projectId, 'replaced');
    await req('PUT', '/v1/storage/objects/replaced', { body: 'second' });
    // The replaced bytes are deleted after the write commits; wait until they are gone.
    let error: unknown;
    for (let i = 0; i < 100 && !error; i++) {
      error = await Promise.resolve(before.bytes.open(null)).then(
        (stream: ReadableStream<Uint8Array>) => stream.cancel().then(() => undefined),
        (e: unknown) => e,
      );
      if (!error) await new Promise((r) => setTimeout(r, 50));
    }
    expect(error).toMatchObject({ code: 'storage/not-found' });
    expect((await req('GET', '/v1/storage/objects/replaced')).text).toBe('second');
  });

  it('keeps one whole object when writers race on one key', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => bytesOf(64 * 1024 + i, i + 1));
    const results = await Promise.all(
      bodies.map((body) => req('PUT', '/v1/storage/objects/raced', { body })),
    );
    for (const r of results) expect(r.status, r.text).toBe(200);
    const down = await req('GET', '/v1/storage/objects/raced');
    const head = await req('GET', '/v1/storage/objects/raced/metadata');
    expect(bodies.map((b) => sha(b))).toContain(sha(down.bytes));
    expect(head.json.etag).toBe(`"${sha(down.bytes)}"`);
    const list = await t.call({
      method: 'GET',
      path: '/v1/storage/objects?prefix=raced',
      auth: t.keys.secretKey,
    });
    expect(list.json.data).toHaveLength(1);
  });
});

describe.each(MATRIX.filter((m) => m.backend === BACKENDS[0]))(
  'storage limits on $name',
  ({ backend, store }) => {
    let t: TestPlatform;
    let req: ReturnType<typeof raw>;
    beforeAll(async () => {
      t = await platformOn(backend, store, {
        AEROSTACK_STORAGE_MAX_OBJECT_BYTES: '4096',
        AEROSTACK_STORAGE_QUOTA_BYTES: '10000',
      });
      req = raw(t);
    }, 60_000);
    afterAll(() => t?.close());

    it('refuses an object over the limit and keeps the one it would replace', async () => {
      expect((await req('PUT', '/v1/storage/objects/limited', { body: bytesOf(4096) })).status).toBe(200);
      const over = await req('PUT', '/v1/storage/objects/limited', { body: bytesOf(4097, 2) });
      expect(over.status).toBe(413);
      expect(over.json.code).toBe('storage/object-too-large');
      const kept = await req('GET', '/v1/storage/objects/limited');
      expect(sha(kept.bytes)).toBe(sha(bytesOf(4096)));
    });

    it("refuses an upload over the project's quota", async () => {
      // 4096 stored above; two more of 2500 fit (9096), a third does not.
      expect((await req('PUT', '/v1/storage/objects/q1', { body: bytesOf(2500) })).status).toBe(200);
      expect((await req('PUT', '/v1/storage/objects/q2', { body: bytesOf(2500) })).status).toBe(200);
      const over = await req('PUT', '/v1/storage/objects/q3', { body: bytesOf(2500) });
      expect(over.status).toBe(413);
      expect(over.json.code).toBe('storage/quota-exceeded');
      expect((await req('GET', '/v1/storage/objects/q3')).status).toBe(404);
      const copy = await t.call({
        method: 'POST',
        path: '/v1/storage/copy',
        auth: t.keys.secretKey,
        body: { sourceKey: 'q1', destinationKey: 'q4' },
      });
      expect(copy.json.code).toBe('storage/quota-exceeded');
      // Deleting frees room.
      await req('DELETE', '/v1/storage/objects/q1');
      expect((await req('PUT', '/v1/storage/objects/q3', { body: bytesOf(2500) })).status).toBe(200);
    });
  },
);

describe('storage settings', () => {
  it('reads the S3 settings, and refuses half of them', async () => {
    const { loadConfig, ConfigError } = await import('../src/config.js');
    expect(loadConfig({}).storage).toEqual({
      dir: null,
      maxObjectBytes: 1024 ** 3,
      quotaBytes: 0,
      sweepIntervalSeconds: 3600,
      orphanGraceSeconds: 3600,
      s3: null,
    });
    const s3config = loadConfig({
      S3_BUCKET: 'b',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_FORCE_PATH_STYLE: '1',
    }).storage.s3;
    expect(s3config).toEqual({
      bucket: 'b',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
    });
    expect(() => loadConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(ConfigError);
    expect(() => loadConfig({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'id' })).toThrow(/go together/);
    expect(() => loadConfig({ S3_BUCKET: 'b', S3_ENDPOINT: 'ftp://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ AEROSTACK_STORAGE_MAX_OBJECT_BYTES: String(6 * 1024 ** 3) })).toThrow(
      ConfigError,
    );
  });
});
