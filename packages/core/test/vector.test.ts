import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AerostackClient, createClient, paginate, type VectorIndex } from '../src';
import { startTestPlatform } from './support/platform';
import { rejectionOf } from './support/rejection';

// client.vector against the real platform over HTTP (sqlite-vec): indexes, upsert, query with
// filters, get, delete by ids and by filter, count, and the typed errors a caller switches on.

let platform: RunningPlatform;
let client: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createClient({ url: platform.url, secretKey: platform.secretKey });
});
afterAll(() => platform?.close());

describe('vector (client)', () => {
  it('creates, lists, gets and deletes indexes', async () => {
    const created = await client.vector.indexes.create({
      name: 'client-a',
      dimension: 3,
      description: 'first',
    });
    expect(created).toMatchObject({
      name: 'client-a',
      dimension: 3,
      metric: 'cosine',
      engine: 'sqlite-vec',
      vectorCount: 0,
    });
    await client.vector.indexes.create({ name: 'client-b', dimension: 2, metric: 'dot' });
    const names: string[] = [];
    for await (const index of paginate<VectorIndex>((cursor) =>
      client.vector.indexes.list({ limit: 1, cursor }),
    )) {
      names.push(index.name);
    }
    expect(names).toEqual(expect.arrayContaining(['client-a', 'client-b']));
    expect((await client.vector.indexes.get('client-b')).metric).toBe('dot');
    const taken = await rejectionOf(client.vector.indexes.create({ name: 'client-a', dimension: 3 }));
    expect([taken.status, taken.code]).toEqual([409, 'vector/index-exists']);
    await client.vector.indexes.delete('client-b');
    const gone = await rejectionOf(client.vector.indexes.get('client-b'));
    expect([gone.status, gone.code]).toEqual([404, 'vector/index-not-found']);
  });

  it('upserts, queries with a filter, reads, deletes and counts', async () => {
    await client.vector.indexes.create({ name: 'client-docs', dimension: 3 });
    const written = await client.vector.upsert<{ lang: string; year: number }>('client-docs', [
      { id: 'en-old', values: [1, 0, 0], metadata: { lang: 'en', year: 2019 } },
      { id: 'en-new', values: [0.9, 0.1, 0], metadata: { lang: 'en', year: 2026 } },
      { id: 'de', values: [1, 0.05, 0], metadata: { lang: 'de', year: 2026 } },
      { id: 'far', values: [0, 0, 1], metadata: { lang: 'en', year: 2026 } },
    ]);
    expect(written).toBe(4);
    const all = await client.vector.query<{ lang: string; year: number }>('client-docs', {
      vector: [1, 0, 0],
    });
    expect(all.map((m) => m.id)).toEqual(['en-old', 'de', 'en-new', 'far']);
    expect(all[0]!.score).toBeCloseTo(1, 6);
    expect(all[0]!.metadata?.year).toBe(2019);
    const recent = await client.vector.query('client-docs', {
      vector: [1, 0, 0],
      topK: 2,
      filter: { lang: 'en', year: { $gte: 2020 } },
      includeValues: true,
      includeMetadata: false,
    });
    expect(recent.map((m) => m.id)).toEqual(['en-new', 'far']);
    expect(recent[1]).toEqual({ id: 'far', score: expect.any(Number), values: [0, 0, 1] });

    const [de, none] = await client.vector.get('client-docs', ['de', 'missing']);
    expect(de).toEqual({ id: 'de', values: [1, Math.fround(0.05), 0], metadata: { lang: 'de', year: 2026 } });
    expect(none).toBeUndefined();
    expect(await client.vector.get('client-docs', [])).toEqual([]);

    expect(await client.vector.delete('client-docs', ['de', 'missing'])).toBe(1);
    expect(await client.vector.delete('client-docs', { filter: { year: { $lt: 2020 } } })).toBe(1);
    expect(await client.vector.delete('client-docs', [])).toBe(0);
    expect(await client.vector.count('client-docs')).toBe(2);
    expect((await client.vector.indexes.get('client-docs')).vectorCount).toBe(2);
  });

  it('raises typed errors for bad vectors, bad filters and text without an embedding model', async () => {
    await client.vector.indexes.create({ name: 'client-errors', dimension: 2 });
    const wrong = await rejectionOf(client.vector.upsert('client-errors', [{ id: 'a', values: [1, 2, 3] }]));
    expect([wrong.status, wrong.code]).toEqual([422, 'vector/dimension-mismatch']);
    const filter = await rejectionOf(
      client.vector.query('client-errors', { vector: [1, 0], filter: { a: { $regex: 'x' } as never } }),
    );
    expect([filter.status, filter.code]).toEqual([422, 'vector/invalid-filter']);
    const text = await rejectionOf(client.vector.query('client-errors', { text: 'hello' }));
    expect([text.status, text.code]).toEqual([503, 'vector/no-embedding-provider']);
    const ingest = await rejectionOf(client.vector.ingest('client-errors', 'hello world', { sourceId: 's' }));
    expect([ingest.status, ingest.code]).toEqual([503, 'vector/no-embedding-provider']);
    const missing = await rejectionOf(client.vector.count('nope'));
    expect([missing.status, missing.code]).toEqual([404, 'vector/index-not-found']);
  });

  it('refuses a publishable key (vector search is for servers)', async () => {
    const browser = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    const refused = await rejectionOf(browser.vector.query('client-docs', { vector: [1, 0, 0] }));
    expect(refused.status).toBe(403);
  });
});
