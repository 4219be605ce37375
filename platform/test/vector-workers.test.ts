import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fresh, type PlatformProcess, spawnPlatform } from './support/process.js';

// Several worker processes (AEROSTACK_WORKERS=2) on the embedded store: each worker opens the data
// directory's vectors.db with sqlite-vec; an index created and written through one worker is read
// by the other at once, and concurrent writes through both land (SQLite's file locks, WAL).

let platform: PlatformProcess;
let secretKey: string;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aerostack-vector-workers-'));
  platform = await spawnPlatform(
    join(import.meta.dirname, '../src/main.ts'),
    { AEROSTACK_DATA_DIR: dataDir, AEROSTACK_WORKERS: '2' },
    { bannerTimeoutMs: 120_000 },
  );
  secretKey = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')).secretKey;
}, 150_000);
afterAll(async () => {
  expect(await platform?.stop()).toBe(0);
});

const send = (method: string, path: string, body?: unknown) =>
  fresh(`${platform.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('vector search with two worker processes', () => {
  it('shares indexes and vectors between workers, and takes concurrent writes from both', async () => {
    expect(
      (await send('POST', '/v1/vector/indexes', { name: 'shared', dimension: 2, metric: 'euclidean' }))
        .status,
    ).toBe(201);
    // Writes spread over both workers at once.
    const writes = await Promise.all(
      Array.from({ length: 10 }, (_, w) =>
        send('POST', '/v1/vector/indexes/shared/vectors', {
          vectors: Array.from({ length: 20 }, (_, i) => ({ id: `w${w}-${i}`, values: [w, i] })),
        }),
      ),
    );
    expect(writes.map((a) => a.status)).toEqual(new Array(10).fill(200));
    expect(new Set(writes.map((a) => a.headers['x-aerostack-worker'])).size).toBe(2);
    // Every worker sees all of them (requests alternate between workers, so each kind is asked
    // until both have answered it).
    const byWorker = async (path: string, body?: unknown) => {
      const seen = new Map<string, unknown>();
      for (let i = 0; i < 20 && seen.size < 2; i++) {
        const answer = await send(body === undefined ? 'GET' : 'POST', path, body);
        seen.set(answer.headers['x-aerostack-worker'] as string, JSON.parse(answer.body));
      }
      return seen;
    };
    const counts = await byWorker('/v1/vector/indexes/shared/count');
    expect([...counts.keys()].sort()).toEqual(['1', '2']);
    for (const count of counts.values()) expect(count).toEqual({ count: 200 });
    const nearest = await byWorker('/v1/vector/indexes/shared/query', { vector: [4, 7], topK: 1 });
    expect([...nearest.keys()].sort()).toEqual(['1', '2']);
    for (const answer of nearest.values())
      expect(answer).toMatchObject({ matches: [{ id: 'w4-7', score: 0 }] });
    // An index deleted through one worker is gone for the other.
    expect((await send('DELETE', '/v1/vector/indexes/shared')).status).toBe(204);
    for (let i = 0; i < 4; i++) {
      expect((await send('GET', '/v1/vector/indexes/shared/count')).status).toBe(404);
    }
  }, 60_000);
});
