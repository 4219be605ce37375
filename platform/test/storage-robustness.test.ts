import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Config } from '../src/config.js';
import { tables } from '../src/db/database.js';
import { randomBase62 } from '../src/lib/ids.js';
import type { ObjectStore } from '../src/modules/storage/object-store.js';
import type { StorageTables } from '../src/modules/storage/store.js';
import { createLocalObjectStore } from '../src/modules/storage/store-local.js';
import { createS3ObjectStore } from '../src/modules/storage/store-s3.js';
import { BACKENDS, type Backend } from './support/backends.js';
import { testPlatform } from './support/harness.js';
import { fresh, type PlatformProcess, spawnPlatform } from './support/process.js';
import { gone, killTree, processTree } from './support/queue-process.js';
import { type S3Server, startS3Server, versitygwBinary } from './support/storage-s3.js';

// Storage robustness (decision 0046), on every metadata backend and on both object stores:
// a declared body over a limit is refused before a byte is read; concurrent uploads cannot take
// a project past its quota together; what a crashed or stalled write leaves behind is swept, and
// nothing live is. Requests go over real HTTP to the platform's Node handler.

const haveS3 = versitygwBinary() !== null;
if (process.env.CI === 'true' && !haveS3) throw new Error('CI needs versitygw (scripts/system-deps.sh)');

type StoreKind = 'local' | 's3';
const STORES: StoreKind[] = haveS3 ? ['local', 's3'] : ['local'];
const MATRIX = BACKENDS.flatMap((backend) =>
  STORES.map((store) => ({ name: `${backend.name} + ${store}`, backend, store })),
);
const MiB = 1024 * 1024;
const MAIN = join(import.meta.dirname, '../src/main.ts');

let s3: S3Server | undefined;
beforeAll(async () => {
  if (haveS3) s3 = await startS3Server();
}, 60_000);
afterAll(() => s3?.stop());

const bytesOf = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);
async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** A platform on `backend` and `store`, served over HTTP by its Node handler. */
async function served(backend: Backend, store: StoreKind, env: Record<string, string>) {
  const bucket: S3Config | null = store === 's3' ? await s3!.bucket() : null;
  const t = await testPlatform(backend, {
    env,
    overrides: (config) => ({ storage: { ...config.storage, s3: bucket } }),
  });
  const server: Server = createServer((req, res) => t.platform.app.handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const storage = t.platform.services.storage;
  const db = tables<StorageTables>(t.platform.services.database);
  return {
    t,
    url,
    storage,
    /** Rows of writes in flight. */
    uploads: () => db.selectFrom('storage_uploads').selectAll().execute(),
    /** The usage row and the objects' sizes, which agree when no write is in flight. */
    usage: async () => ({
      used: await storage.usedBytes(t.keys.projectId),
      stored: await storage.storedBytes(t.keys.projectId),
    }),
    /** Everything the object store holds (no grace period). */
    async held() {
      const names: { name: string; partial: boolean }[] = [];
      for await (const l of storage.objects.leftovers(new Date(Date.now() + 86_400_000)))
        names.push({ name: l.name, partial: l.partial });
      return names;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await t.close();
    },
  };
}

interface Early {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: { code?: string };
  /** Body bytes written before the answer came. */
  sent: number;
}

/**
 * A PUT whose headers go out first; with `declared`, no body byte is ever sent (the answer must
 * come without it), else 64 KiB chunks are sent until the answer comes. Resolves once the server
 * has answered and closed the connection.
 */
function putUntilAnswered(url: string, headers: Record<string, string>, declared?: number): Promise<Early> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, {
      method: 'PUT',
      agent: false,
      headers: {
        'content-type': 'application/octet-stream',
        ...headers,
        ...(declared === undefined ? {} : { 'content-length': String(declared) }),
      },
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    // Sending the rest may fail (EPIPE) once the server has closed: the close is what is awaited.
    const closed = new Promise<void>((done) => req.once('close', done));
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', async () => {
        // The server closes the connection rather than read the rest of the body.
        await closed;
        resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(body), sent });
      });
    });
    req.flushHeaders();
    if (declared !== undefined) return;
    const chunk = Buffer.alloc(64 * 1024, 7);
    const pump = () => {
      while (!answered && !req.destroyed) {
        sent += chunk.byteLength;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

describe.each(MATRIX)('storage limits before the body on $name', ({ backend, store }) => {
  let p: Awaited<ReturnType<typeof served>>;
  const auth = () => ({ authorization: `Bearer ${p.t.keys.secretKey}` });
  beforeAll(async () => {
    p = await served(backend, store, {
      AEROSTACK_STORAGE_MAX_OBJECT_BYTES: String(MiB),
      AEROSTACK_STORAGE_QUOTA_BYTES: '10000',
    });
  }, 60_000);
  afterAll(() => p?.close());

  /** Nothing was stored, reserved or left behind. */
  async function nothingKept(before: { used: number; stored: number }) {
    expect(await p.usage()).toEqual(before);
    expect(await p.uploads()).toEqual([]);
    expect((await p.held()).filter((h) => h.partial)).toEqual([]);
  }

  it('answers 413 to a declared 200 MB body before a byte of it is sent', async () => {
    const before = await p.usage();
    const big = await putUntilAnswered(`${p.url}/v1/storage/objects/big`, auth(), 200 * MiB);
    expect(big.status).toBe(413);
    expect(big.json.code).toBe('storage/object-too-large');
    expect(big.headers.connection).toBe('close');
    expect(big.sent).toBe(0);
    // Under the per-object limit but over what the quota leaves.
    const over = await putUntilAnswered(`${p.url}/v1/storage/objects/over`, auth(), 20_000);
    expect(over.status).toBe(413);
    expect(over.json.code).toBe('storage/quota-exceeded');
    expect(over.sent).toBe(0);
    await nothingKept(before);
  }, 60_000);

  it('refuses a declared body on a signed upload URL the same way', async () => {
    const before = await p.usage();
    const signed = await p.t.call({
      method: 'POST',
      path: '/v1/storage/signed-urls',
      auth: p.t.keys.secretKey,
      body: { key: 'from/browser', method: 'PUT' },
    });
    expect(signed.status, signed.text).toBe(200);
    const big = await putUntilAnswered(`${p.url}${signed.json.path}`, {}, 200 * MiB);
    expect(big.status).toBe(413);
    expect(big.json.code).toBe('storage/object-too-large');
    expect(big.sent).toBe(0);
    const over = await putUntilAnswered(`${p.url}${signed.json.path}`, {}, 20_000);
    expect(over.json.code).toBe('storage/quota-exceeded');
    await nothingKept(before);
  }, 60_000);

  it('stores an empty file sent with Content-Length: 0', async () => {
    const empty = await fetch(`${p.url}/v1/storage/objects/empty`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream', 'content-length': '0' },
      body: new Uint8Array(0),
    });
    expect(empty.status, await empty.clone().text()).toBe(200);
    expect(((await empty.json()) as { sizeBytes: number }).sizeBytes).toBe(0);
    const down = await fetch(`${p.url}/v1/storage/objects/empty`, { headers: auth() });
    expect(down.status).toBe(200);
    expect((await down.arrayBuffer()).byteLength).toBe(0);
  });

  it('still counts a chunked body (no Content-Length) as it arrives', async () => {
    const before = await p.usage();
    const chunked = await putUntilAnswered(`${p.url}/v1/storage/objects/chunked`, auth());
    expect(chunked.status).toBe(413);
    expect(chunked.json.code).toBe('storage/quota-exceeded');
    expect(chunked.sent).toBeGreaterThan(0);
    await nothingKept(before);
    const ok = await fetch(`${p.url}/v1/storage/objects/small`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body: bytesOf(1000),
    });
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await p.usage()).toEqual({ used: before.used + 1000, stored: before.stored + 1000 });
  }, 60_000);
});

describe.each(MATRIX)('storage quota under concurrent writes on $name', ({ backend, store }) => {
  let p: Awaited<ReturnType<typeof served>>;
  const auth = () => ({ authorization: `Bearer ${p.t.keys.secretKey}` });
  beforeAll(async () => {
    p = await served(backend, store, { AEROSTACK_STORAGE_QUOTA_BYTES: '10000' });
  }, 60_000);
  afterAll(() => p?.close());

  const put = async (key: string, body: RequestInit['body']) => {
    const res = await fetch(`${p.url}/v1/storage/objects/${key}`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    return { status: res.status, json: (await res.json()) as { code?: string } };
  };
  const clear = async () => {
    const list = await p.t.call({ method: 'GET', path: '/v1/storage/objects', auth: p.t.keys.secretKey });
    for (const { key } of list.json.data as { key: string }[])
      await p.t.call({ method: 'DELETE', path: `/v1/storage/objects/${key}`, auth: p.t.keys.secretKey });
    expect(await p.usage()).toEqual({ used: 0, stored: 0 });
  };

  it('lets 3 of 8 parallel uploads of declared length in when the quota fits 3', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => put(`declared-${i}`, bytesOf(3000, i))),
    );
    const codes = results.map((r) => (r.status === 200 ? 'ok' : r.json.code)).sort();
    expect(codes).toEqual([...Array(3).fill('ok'), ...Array(5).fill('storage/quota-exceeded')].sort());
    expect(await p.usage()).toEqual({ used: 9000, stored: 9000 });
    expect(await p.uploads()).toEqual([]);
    await clear();
  }, 60_000);

  it('never goes over the quota with parallel chunked uploads, and gives back what failed ones held', async () => {
    // Three chunks each, interleaved: every upload reserves as its bytes arrive.
    const chunked = (seed: number) => {
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent === 3) return controller.close();
          await new Promise((r) => setImmediate(r));
          controller.enqueue(bytesOf(1000, seed + sent++));
        },
      });
    };
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => put(`chunked-${i}`, chunked(i))));
    const ok = results.filter((r) => r.status === 200).length;
    for (const r of results) if (r.status !== 200) expect(r.json.code).toBe('storage/quota-exceeded');
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(ok).toBeLessThanOrEqual(3);
    expect(await p.usage()).toEqual({ used: ok * 3000, stored: ok * 3000 });
    expect(await p.uploads()).toEqual([]);
    await clear();
  }, 60_000);

  it('lets only the copies that fit in, and a replacement counts only its difference', async () => {
    expect((await put('source', bytesOf(3000))).status).toBe(200);
    const copies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        p.t.call({
          method: 'POST',
          path: '/v1/storage/copy',
          auth: p.t.keys.secretKey,
          body: { sourceKey: 'source', destinationKey: `copy-${i}` },
        }),
      ),
    );
    expect(copies.filter((c) => c.status === 200)).toHaveLength(2);
    for (const c of copies) if (c.status !== 200) expect(c.json.code).toBe('storage/quota-exceeded');
    expect(await p.usage()).toEqual({ used: 9000, stored: 9000 });
    // Replacing a 3000-byte object with 500 bytes: the old size is freed once the new one commits.
    expect((await put('source', bytesOf(500))).status).toBe(200);
    expect(await p.usage()).toEqual({ used: 6500, stored: 6500 });
    // A move onto an existing key frees the object it replaces.
    const list = await p.t.call({ method: 'GET', path: '/v1/storage/objects', auth: p.t.keys.secretKey });
    const [a, b] = (list.json.data as { key: string }[]).filter((o) => o.key.startsWith('copy-'));
    const move = await p.t.call({
      method: 'POST',
      path: '/v1/storage/move',
      auth: p.t.keys.secretKey,
      body: { sourceKey: a!.key, destinationKey: b!.key },
    });
    expect(move.status, move.text).toBe(200);
    expect(await p.usage()).toEqual({ used: 3500, stored: 3500 });
    await clear();
  }, 60_000);
});

describe.each(MATRIX)('the orphan sweep on $name', ({ backend, store }) => {
  let p: Awaited<ReturnType<typeof served>>;
  const auth = () => ({ authorization: `Bearer ${p.t.keys.secretKey}` });
  beforeAll(async () => {
    // The sweep is called by the test, at a time it chooses.
    p = await served(backend, store, {
      AEROSTACK_STORAGE_QUOTA_BYTES: String(64 * MiB),
      AEROSTACK_STORAGE_SWEEP_INTERVAL_SECONDS: '0',
    });
  }, 60_000);
  afterAll(() => p?.close());

  it('removes blobs without a row and abandoned writes, never an object or a write in flight', async () => {
    const { storage } = p;
    const projectId = p.t.keys.projectId;
    const graceMs = p.t.platform.services.config.storage.orphanGraceSeconds * 1000;
    const kept = bytesOf(5000);
    const keep = await fetch(`${p.url}/v1/storage/objects/keep`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body: kept,
    });
    expect(keep.status).toBe(200);
    // A blob whose row was never written (the platform died between the two).
    const orphan = `${projectId}/${randomBase62(24)}`;
    await storage.objects.write(orphan, oneChunk(bytesOf(100)));
    // A write whose process died: its registration holds 7000 bytes of quota and is not refreshed.
    const dead = `${projectId}/${randomBase62(24)}`;
    await storage.objects.write(dead, oneChunk(bytesOf(200)));
    const db = tables<StorageTables>(p.t.platform.services.database);
    await db
      .insertInto('storage_uploads')
      .values({
        blob: dead,
        project_id: projectId,
        reserved_bytes: 7000,
        updated_at: new Date().toISOString(),
      })
      .execute();
    await db
      .updateTable('storage_usage')
      .set((eb) => ({ used_bytes: eb('used_bytes', '+', 7000) }))
      .where('project_id', '=', projectId)
      .execute();
    // Everything above is older than what follows (S3 times have whole seconds).
    const startedAt = Date.now() + 1100;
    while (Date.now() < startedAt) await new Promise((r) => setTimeout(r, 100));

    // A write in flight: 17 MiB sent (two S3 parts: a multipart upload is open), then it waits.
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let sent = 0;
    const live = fetch(`${p.url}/v1/storage/objects/live`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body: new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent >= 17 * MiB) {
            await gate;
            return controller.close();
          }
          controller.enqueue(new Uint8Array(MiB).fill(sent / MiB));
          sent += MiB;
        },
      }),
      duplex: 'half',
    } as RequestInit);
    for (let i = 0; !(await p.held()).some((h) => h.partial); i++) {
      expect(i, 'the write in flight never showed up in the store').toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 50));
    }

    // Swept as if the grace period had passed for everything written before the live upload began.
    const swept = await storage.sweep(startedAt - 1 + graceMs);
    expect(swept).toEqual({ abandoned: 1, removed: 1 });
    await expect(storage.objects.read(orphan, null)).rejects.toThrow();
    await expect(storage.objects.read(dead, null)).rejects.toThrow();
    const down = await fetch(`${p.url}/v1/storage/objects/keep`, { headers: auth() });
    expect(new Uint8Array(await down.arrayBuffer())).toEqual(kept);

    finish();
    const done = await live;
    expect(done.status, await done.clone().text()).toBe(200);
    expect(((await done.json()) as { sizeBytes: number }).sizeBytes).toBe(17 * MiB);
    // The dead write's 7000 bytes were given back.
    expect(await p.usage()).toEqual({ used: 5000 + 17 * MiB, stored: 5000 + 17 * MiB });
    // Long after: everything left is live.
    expect(await storage.sweep(Date.now() + 2 * graceMs)).toEqual({ abandoned: 0, removed: 0 });
    expect((await fetch(`${p.url}/v1/storage/objects/live`, { headers: auth() })).status).toBe(200);
  }, 120_000);
});

describe.each(MATRIX)('a write the sweep gave up on, on $name', ({ backend, store }) => {
  let p: Awaited<ReturnType<typeof served>>;
  beforeAll(async () => {
    p = await served(backend, store, {
      AEROSTACK_STORAGE_QUOTA_BYTES: String(64 * MiB),
      AEROSTACK_STORAGE_SWEEP_INTERVAL_SECONDS: '0',
    });
  }, 60_000);
  afterAll(() => p?.close());

  it('answers 408 storage/upload-stalled, and nothing of it stays', async () => {
    const graceMs = p.t.platform.services.config.storage.orphanGraceSeconds * 1000;
    const before = await p.held();
    let resume!: () => void;
    const stalled = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let sent = 0;
    const upload = fetch(`${p.url}/v1/storage/objects/stalled`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${p.t.keys.secretKey}`, 'content-type': 'application/octet-stream' },
      body: new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent === 2) return controller.close();
          if (sent === 1) await stalled;
          controller.enqueue(new Uint8Array(MiB).fill(++sent));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    for (let i = 0; (await p.uploads()).length === 0; i++) {
      expect(i, 'the upload never registered').toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Long past the grace period, as far as the sweep can tell: the write is abandoned.
    expect((await p.storage.sweep(Date.now() + 2 * graceMs)).abandoned).toBe(1);
    resume();
    const res = await upload;
    expect(res.status, await res.clone().text()).toBe(408);
    expect(((await res.json()) as { code: string }).code).toBe('storage/upload-stalled');
    expect(
      (
        await fetch(`${p.url}/v1/storage/objects/stalled/metadata`, {
          headers: { authorization: `Bearer ${p.t.keys.secretKey}` },
        })
      ).status,
    ).toBe(404);
    expect(await p.uploads()).toEqual([]);
    expect(await p.usage()).toEqual({ used: 0, stored: 0 });
    // Its bytes are deleted in the background.
    for (let i = 0; (await p.held()).length !== before.length; i++) {
      expect(i, JSON.stringify(await p.held())).toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);
});

/** Settings for a platform process on `stores`. */
function envOf(stores: Awaited<ReturnType<Backend['create']>>, extra: Record<string, string>) {
  return {
    AEROSTACK_DATA_DIR: stores.dataDir,
    ...(stores.databaseUrl ? { DATABASE_URL: stores.databaseUrl } : {}),
    ...(stores.redisUrl ? { REDIS_URL: stores.redisUrl } : {}),
    ...(stores.masterKeys ? { AEROSTACK_MASTER_KEYS: stores.masterKeys } : {}),
    AEROSTACK_WORKERS: '1',
    ...extra,
  };
}

describe.each(
  BACKENDS.filter((b) => b.name !== 'postgres+redis').flatMap((backend) =>
    STORES.map((store) => ({ name: `${backend.name} + ${store}`, backend, store })),
  ),
)('a platform killed mid-upload on $name', ({ backend, store }) => {
  let stores: Awaited<ReturnType<Backend['create']>>;
  let node: PlatformProcess | undefined;
  let objects: ObjectStore;
  let settings: Record<string, string>;
  const QUOTA = 20 * MiB;
  beforeAll(async () => {
    stores = await backend.create();
    let s3env: Record<string, string> = {};
    if (store === 's3') {
      const bucket = await s3!.bucket();
      s3env = { ...s3!.env, S3_BUCKET: bucket.bucket };
      objects = createS3ObjectStore(bucket);
    } else {
      objects = createLocalObjectStore(join(stores.dataDir, 'storage'));
    }
    // No grace period: whatever a dead process left is swept when the next one boots.
    settings = envOf(stores, {
      ...s3env,
      AEROSTACK_STORAGE_QUOTA_BYTES: String(QUOTA),
      AEROSTACK_STORAGE_ORPHAN_GRACE_SECONDS: '0',
    });
  }, 60_000);
  afterAll(async () => {
    const tree = node ? processTree(node.child.pid!) : [];
    await node?.stop();
    await gone(tree).catch(() => {
      for (const q of tree) killTree(q);
    });
    await objects?.close();
    await stores?.cleanup();
  });

  const held = async () => {
    const names: { name: string; partial: boolean }[] = [];
    for await (const l of objects.leftovers(new Date(Date.now() + 86_400_000)))
      names.push({ name: l.name, partial: l.partial });
    return names;
  };

  it('sweeps the temp file or multipart upload, the blob without a row and the quota held, at the next boot', async () => {
    node = await spawnPlatform(MAIN, settings);
    const { secretKey, projectId } = JSON.parse(readFileSync(join(stores.dataDir, 'keys.json'), 'utf8'));
    const headers = { authorization: `Bearer ${secretKey}`, 'content-type': 'application/octet-stream' };
    const keep = await fresh(`${node.url}/v1/storage/objects/keep`, {
      method: 'PUT',
      headers,
      body: 'x'.repeat(1000),
    });
    expect(keep.status, keep.body).toBe(200);

    // An upload of unknown length that is 17 MiB in (two S3 parts) when the platform dies.
    const hung = request(`${node.url}/v1/storage/objects/hung`, { method: 'PUT', headers, agent: false });
    hung.on('error', () => {});
    const chunk = Buffer.alloc(MiB, 3);
    for (let i = 0; i < 17; i++) if (!hung.write(chunk)) await once(hung, 'drain');
    const inFlight = async () => {
      const partial = (await held()).find((h) => h.partial);
      if (!partial || store === 's3') return partial !== undefined;
      const dir = join(stores.dataDir, 'storage', projectId);
      const temp = readdirSync(dir).find((f) => f.endsWith('.part'));
      return temp !== undefined && statSync(join(dir, temp)).size >= 16 * MiB;
    };
    for (let i = 0; !(await inFlight()); i++) {
      expect(i, 'the upload never reached the store').toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 50));
    }
    // A blob whose row was never written: the process died between the two.
    await objects.write(`${projectId}/${randomBase62(24)}`, oneChunk(bytesOf(100)));
    expect(await held()).toHaveLength(3);

    const killed = killTree(node.child.pid!);
    await gone(killed);
    hung.destroy();
    node = await spawnPlatform(MAIN, settings);

    // The boot sweep runs in the background: wait for it to leave only the object's blob.
    for (let i = 0; ; i++) {
      const now = await held();
      if (now.length === 1 && !now[0]!.partial) break;
      expect(i, JSON.stringify(now)).toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 50));
    }
    const down = await fresh(`${node.url}/v1/storage/objects/keep`, { headers });
    expect(down.body).toBe('x'.repeat(1000));
    // The dead upload's reservation was given back: the rest of the quota is free again.
    const fill = await fresh(`${node.url}/v1/storage/objects/fill`, {
      method: 'PUT',
      headers,
      body: 'y'.repeat(QUOTA - 1000),
    });
    expect(fill.status, fill.body).toBe(200);
    const over = await fresh(`${node.url}/v1/storage/objects/over`, { method: 'PUT', headers, body: 'z' });
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body).code).toBe('storage/quota-exceeded');
  }, 180_000);
});
