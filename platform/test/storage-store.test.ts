import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Config } from '../src/config.js';
import type { ObjectStore } from '../src/modules/storage/object-store.js';
import { createLocalObjectStore } from '../src/modules/storage/store-local.js';
import { createS3ObjectStore } from '../src/modules/storage/store-s3.js';
import { type S3Server, startS3Server, versitygwBinary } from './support/storage-s3.js';

// The ObjectStore contract, one suite for both implementations: the local directory and S3
// (versitygw). Writes are all-or-nothing, ranges read exactly their bytes, copies are independent.

const MB = 1024 * 1024;
const haveS3 = versitygwBinary() !== null;
if (process.env.CI === 'true' && !haveS3) throw new Error('CI needs versitygw (scripts/system-deps.sh)');

let s3: S3Server | undefined;
beforeAll(async () => {
  if (haveS3) s3 = await startS3Server();
}, 60_000);
afterAll(() => s3?.stop());

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);

async function* chunks(bytes: Uint8Array, size: number, failAfter?: number) {
  let sent = 0;
  for (let i = 0; i < bytes.byteLength; i += size) {
    if (failAfter !== undefined && sent >= failAfter) throw new Error('the source broke');
    yield bytes.subarray(i, i + size);
    sent += Math.min(size, bytes.byteLength - i);
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

interface Subject {
  store: ObjectStore;
  /** Names the store holds, temp files and unfinished uploads included. */
  leftovers(): Promise<string[]>;
  cleanup(): Promise<void>;
}

const SUBJECTS: Record<string, () => Promise<Subject>> = {
  local: async () => {
    const root = mkdtempSync(join(tmpdir(), 'aerostack-objects-'));
    return {
      store: createLocalObjectStore(root),
      leftovers: async () =>
        readdirSync(root, { recursive: true })
          .map(String)
          .filter((f) => f.includes('.part')),
      cleanup: async () => rmSync(root, { recursive: true, force: true }),
    };
  },
  s3: async () => {
    const config: S3Config = await s3!.bucket();
    const client = new S3Client({
      region: config.region,
      endpoint: config.endpoint!,
      forcePathStyle: true,
      credentials: { accessKeyId: config.accessKeyId!, secretAccessKey: config.secretAccessKey! },
    });
    return {
      store: createS3ObjectStore(config),
      leftovers: async () => {
        const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: config.bucket }));
        return (uploads.Uploads ?? []).map((u) => `upload:${u.Key}`);
      },
      cleanup: async () => client.destroy(),
    };
  },
};

describe.each(haveS3 ? ['local', 's3'] : ['local'])('the %s object store', (kind) => {
  let subject: Subject;
  beforeAll(async () => {
    subject = await SUBJECTS[kind]!();
  });
  afterAll(async () => {
    await subject?.store.close();
    await subject?.cleanup();
  });

  it.each([
    ['empty', 0],
    ['small', 1000],
    ['exactly one S3 part', 8 * MB],
    ['one byte over a part', 8 * MB + 1],
    ['several parts', 17 * MB + 123],
  ])(
    'writes and reads back an object: %s',
    async (_name, size) => {
      const body = bytesOf(size, size % 7);
      await subject.store.write(`p/${size}`, chunks(body, 300_000));
      expect(sha(await readAll(await subject.store.read(`p/${size}`, null)))).toBe(sha(body));
      if (size > 10) {
        const part = await readAll(await subject.store.read(`p/${size}`, { start: 3, end: 9 }));
        expect([...part]).toEqual([...body.subarray(3, 10)]);
      }
    },
    60_000,
  );

  it('leaves nothing behind, and the old object whole, when a write fails midway', async () => {
    const old = bytesOf(1000);
    await subject.store.write('p/fragile', chunks(old, 100));
    const next = bytesOf(20 * MB, 3);
    await expect(subject.store.write('p/fragile', chunks(next, MB, 12 * MB))).rejects.toThrow(
      'the source broke',
    );
    expect(sha(await readAll(await subject.store.read('p/fragile', null)))).toBe(sha(old));
    expect(await subject.leftovers()).toEqual([]);
  }, 60_000);

  it('lists its blobs and partial writes older than a time (no other names), and removes them', async () => {
    const blob = `prj_leftovers/${'a'.repeat(24)}`;
    const partial = `prj_leftovers/${'b'.repeat(24)}`;
    const before = new Date(Date.now() - 60_000);
    await subject.store.write(blob, chunks(bytesOf(100), 100));
    await subject.store.write('prj_leftovers/not-a-blob-name', chunks(bytesOf(10), 10));
    // A write in flight: 17 MiB in (an S3 multipart upload is open), then it waits. The store
    // asks for the bytes after its last full part only once that part is uploaded, so when the
    // body is held every part request has ended: removing the upload then races with nothing.
    let held = false;
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => {
      resume = resolve;
    });
    async function* hanging() {
      yield* chunks(bytesOf(17 * MB, 5), MB);
      held = true;
      await paused;
    }
    const writing = subject.store.write(partial, hanging());
    const all = async () => {
      const found: { name: string; partial: boolean }[] = [];
      for await (const l of subject.store.leftovers(new Date(Date.now() + 60_000)))
        found.push({ name: l.name, partial: l.partial });
      return found.filter((l) => l.name.startsWith('prj_leftovers/'));
    };
    for (let i = 0; !held || (await all()).length < 2; i++) {
      expect(i, 'the partial write never showed up').toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await all()).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: blob, partial: false },
      { name: partial, partial: true },
    ]);
    for await (const l of subject.store.leftovers(before)) expect(l.name).not.toMatch(/^prj_leftovers/);
    for await (const l of subject.store.leftovers(new Date(Date.now() + 60_000)))
      if (l.name.startsWith('prj_leftovers/')) await l.remove();
    expect(await all()).toEqual([]);
    await expect(subject.store.read(blob, null)).rejects.toBeDefined();
    // The write whose partial bytes were removed fails rather than store anything.
    resume();
    await expect(writing).rejects.toBeDefined();
    await expect(subject.store.read(partial, null)).rejects.toBeDefined();
    expect(await subject.leftovers()).toEqual([]);
  }, 60_000);

  it('copies independently, and deletes (a missing name is no error)', async () => {
    const body = bytesOf(5000);
    await subject.store.write('p/original', chunks(body, 1000));
    await subject.store.copy('p/original', 'q/copy');
    await subject.store.delete('p/original');
    expect(sha(await readAll(await subject.store.read('q/copy', null)))).toBe(sha(body));
    await expect(subject.store.read('p/original', null)).rejects.toBeDefined();
    await subject.store.delete('p/never-there');
  });
});
