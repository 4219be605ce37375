import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/http/problem.js';
import { randomBase62 } from '../src/lib/ids.js';
import { type Condition, parseFilter } from '../src/modules/vector/filter.js';
import type { Metric, StoredIndex, VectorRecord, VectorStore } from '../src/modules/vector/store.js';
import { norm, score } from '../src/modules/vector/values.js';
import { VECTOR_STORES } from './support/vector-stores.js';

// One suite, every engine of the vector store (STYLE 7): sqlite-vec, exact search on PostgreSQL
// (PGlite and the test server), pgvector on PGlite when its extension is installed.

/** A seeded generator (mulberry32): the same vectors on every run and every engine. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

const vec = (...values: number[]) => Float32Array.from(values);
const rec = (id: string, values: number[], metadata: Record<string, unknown> = {}): VectorRecord => ({
  id,
  values: vec(...values),
  metadata,
});
const index = (metric: Metric, dimension: number, engine: StoredIndex['engine']): StoredIndex => ({
  id: `vix_${randomBase62(20)}`,
  dimension,
  metric,
  engine,
});
const all = { includeMetadata: true, includeValues: false };

describe.each(VECTOR_STORES)('vector store on $name', (engine) => {
  let store: VectorStore;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await engine.create());
  }, 60_000);
  afterAll(() => cleanup?.());

  const make = async (metric: Metric, dimension: number) => {
    const ix = index(metric, dimension, store.engineFor(dimension));
    await store.createIndex(ix);
    return ix;
  };

  it('ranks by cosine similarity, nearest first, with scores', async () => {
    const ix = await make('cosine', 3);
    await store.upsert(ix, [
      rec('x', [1, 0, 0], { axis: 'x' }),
      rec('y', [0, 1, 0], { axis: 'y' }),
      rec('xy', [1, 1, 0], { axis: 'xy' }),
      rec('-x', [-2, 0, 0]),
    ]);
    const matches = await store.query(ix, vec(1, 0.1, 0), { topK: 10, conditions: [], ...all });
    expect(matches.map((m) => m.id)).toEqual(['x', 'xy', 'y', '-x']);
    expect(matches[0]?.score).toBeCloseTo(1 / Math.sqrt(1.01), 5);
    expect(matches[3]?.score).toBeCloseTo(-1 / Math.sqrt(1.01), 5);
    expect(matches[0]?.metadata).toEqual({ axis: 'x' });
    expect(matches[3]?.metadata).toEqual({});
  });

  it('ranks by Euclidean distance, smallest first', async () => {
    const ix = await make('euclidean', 2);
    await store.upsert(ix, [rec('a', [0, 0]), rec('b', [3, 4]), rec('c', [1, 1])]);
    const matches = await store.query(ix, vec(0, 0), { topK: 2, conditions: [], ...all });
    expect(matches.map((m) => m.id)).toEqual(['a', 'c']);
    expect(matches[0]?.score).toBeCloseTo(0, 6);
    expect(matches[1]?.score).toBeCloseTo(Math.SQRT2, 5);
  });

  it('ranks by dot product, largest first (length counts, unlike cosine)', async () => {
    const ix = await make('dot', 2);
    await store.upsert(ix, [
      rec('short', [1, 0]),
      rec('long', [5, 1]),
      rec('zero', [0, 0]),
      rec('away', [-3, 0]),
    ]);
    const matches = await store.query(ix, vec(2, 0), { topK: 4, conditions: [], ...all });
    expect(matches.map((m) => m.id)).toEqual(['long', 'short', 'zero', 'away']);
    expect(matches.map((m) => Math.round(m.score * 1e4) / 1e4)).toEqual([10, 2, 0, -6]);
  });

  it.each<Metric>(['cosine', 'euclidean', 'dot'])(
    '%s: 400 seeded vectors of dimension 16 give the exact nearest, with and without a filter',
    async (metric) => {
      const ix = await make(metric, 16);
      const next = seeded(7);
      const records = Array.from({ length: 400 }, (_, i) =>
        rec(`v${i}`, Array.from({ length: 16 }, next), { group: i % 5, even: i % 2 === 0 }),
      );
      await store.upsert(ix, records);
      const q = Float32Array.from({ length: 16 }, next);
      const expected = (keep: (r: VectorRecord) => boolean, k: number) =>
        records
          .filter(keep)
          .map((r) => ({ id: r.id, score: score(metric, q, norm(q), r.values) }))
          .sort((a, b) => (metric === 'euclidean' ? a.score - b.score : b.score - a.score))
          .slice(0, k);
      const approximate = ix.engine === 'pgvector';
      const check = (
        got: Array<{ id: string; score: number }>,
        want: Array<{ id: string; score: number }>,
      ) => {
        expect(got).toHaveLength(want.length);
        if (!approximate) expect(got.map((m) => m.id)).toEqual(want.map((m) => m.id));
        // Scores as the reference computes them (float32 vectors, double arithmetic).
        for (const [i, m] of got.entries()) {
          const ref = records.find((r) => r.id === m.id) as VectorRecord;
          expect(m.score).toBeCloseTo(score(metric, q, norm(q), ref.values), 4);
          if (i > 0) {
            const prev = got[i - 1] as { score: number };
            expect(metric === 'euclidean' ? m.score >= prev.score - 1e-6 : m.score <= prev.score + 1e-6).toBe(
              true,
            );
          }
        }
        if (approximate) {
          const overlap = got.filter((m) => want.some((w) => w.id === m.id)).length;
          expect(overlap / want.length).toBeGreaterThanOrEqual(0.8);
        }
      };
      check(
        await store.query(ix, q, { topK: 10, conditions: [], ...all }),
        expected(() => true, 10),
      );
      const selective = parseFilter({ group: 3, even: true });
      check(
        await store.query(ix, q, { topK: 25, conditions: selective, ...all }),
        expected((r) => r.metadata.group === 3 && r.metadata.even === true, 25),
      );
      expect(await store.count(ix)).toBe(400);
    },
  );

  describe('metadata filters', () => {
    let ix: StoredIndex;
    beforeAll(async () => {
      ix = await make('euclidean', 1);
      await store.upsert(ix, [
        rec('a', [1], { lang: 'en', year: 2020, draft: false, tag: null }),
        rec('b', [2], { lang: 'de', year: 2024, draft: true }),
        rec('c', [3], { lang: 'en', year: 2026.5 }),
        rec('d', [4], { lang: 'fr', year: '2024' }),
        rec('e', [5], { nested: { lang: 'en' } }),
      ]);
    });
    const ids = async (filter: Record<string, unknown>) =>
      (await store.query(ix, vec(0), { topK: 100, conditions: parseFilter(filter), ...all })).map(
        (m) => m.id,
      );

    it.each<[string, Record<string, unknown>, string[]]>([
      ['equality on a string', { lang: 'en' }, ['a', 'c']],
      ['equality on a number is typed (no "2024")', { year: 2024 }, ['b']],
      ['equality on a string is typed (no 2024)', { year: '2024' }, ['d']],
      ['equality on a boolean', { draft: false }, ['a']],
      ['equality on null', { tag: null }, ['a']],
      ['$eq', { lang: { $eq: 'de' } }, ['b']],
      ['$ne matches a missing field', { lang: { $ne: 'en' } }, ['b', 'd', 'e']],
      ['$gt on numbers', { year: { $gt: 2020 } }, ['b', 'c']],
      ['$gte and $lt', { year: { $gte: 2020, $lt: 2026 } }, ['a', 'b']],
      ['$lte on numbers', { year: { $lte: 2024 } }, ['a', 'b']],
      ['$lt on strings compares strings only', { lang: { $lt: 'e' } }, ['b']],
      ['$in', { lang: { $in: ['de', 'fr'] } }, ['b', 'd']],
      ['$in mixing types', { year: { $in: [2020, '2024'] } }, ['a', 'd']],
      ['$nin matches a missing field', { lang: { $nin: ['en', 'de'] } }, ['d', 'e']],
      ['$in with an empty list', { lang: { $in: [] } }, []],
      ['two fields AND', { lang: 'en', year: { $gt: 2021 } }, ['c']],
      ['nested objects are not top-level fields', { lang: 'en', draft: { $ne: true } }, ['a', 'c']],
      ['a field nobody has', { color: 'red' }, []],
    ])('%s', async (_name, filter, expected) => {
      expect(await ids(filter)).toEqual(expected);
    });

    it('deletes by filter and counts what it deleted', async () => {
      const other = await make('euclidean', 1);
      await store.upsert(other, [
        rec('a', [1], { s: 'x' }),
        rec('b', [2], { s: 'y' }),
        rec('c', [3], { s: 'x' }),
      ]);
      expect(await store.deleteWhere(other, parseFilter({ s: 'x' }))).toBe(2);
      expect(await store.count(other)).toBe(1);
      expect(
        (await store.query(other, vec(0), { topK: 5, conditions: [], ...all })).map((m) => m.id),
      ).toEqual(['b']);
    });
  });

  it('upsert replaces values and metadata; a repeated id in one batch keeps the last', async () => {
    const ix = await make('cosine', 2);
    await store.upsert(ix, [rec('a', [1, 0], { v: 1 }), rec('b', [0, 1], { v: 1 })]);
    await store.upsert(ix, [
      rec('a', [0, 1], { v: 2 }),
      rec('c', [1, 1], { v: 1 }),
      rec('c', [-1, 1], { v: 3 }),
    ]);
    expect(await store.count(ix)).toBe(3);
    const got = new Map((await store.get(ix, ['a', 'b', 'c', 'nope'])).map((r) => [r.id, r]));
    expect(got.size).toBe(3);
    expect(Array.from(got.get('a')?.values ?? [])).toEqual([0, 1]);
    expect(got.get('a')?.metadata).toEqual({ v: 2 });
    expect(Array.from(got.get('c')?.values ?? [])).toEqual([-1, 1]);
    expect(got.get('c')?.metadata).toEqual({ v: 3 });
    const top = await store.query(ix, vec(0, 1), {
      topK: 1,
      conditions: [],
      includeMetadata: true,
      includeValues: true,
    });
    expect(top[0]?.id === 'a' || top[0]?.id === 'b').toBe(true);
    expect(top[0]?.values).toEqual([0, 1]);
  });

  it('keeps float32 values exactly and metadata as JSON', async () => {
    const ix = await make('euclidean', 3);
    const values = [0.1, -1e-20, 3.4e38];
    const metadata = {
      text: 'héllo "quoted" \\ ✓',
      n: 1.5,
      list: [1, 'two', null],
      deep: { a: { b: true } },
    };
    await store.upsert(ix, [{ id: 'f', values: Float32Array.from(values), metadata }]);
    const [got] = await store.get(ix, ['f']);
    expect(Array.from(got?.values ?? [])).toEqual(Array.from(Float32Array.from(values)));
    expect(got?.metadata).toEqual(metadata);
  });

  it('deletes by id, counting only what existed', async () => {
    const ix = await make('euclidean', 1);
    await store.upsert(ix, [rec('a', [1]), rec('b', [2]), rec('c', [3])]);
    expect(await store.deleteIds(ix, ['a', 'c', 'missing'])).toBe(2);
    expect(await store.count(ix)).toBe(1);
    expect((await store.query(ix, vec(0), { topK: 5, conditions: [], ...all })).map((m) => m.id)).toEqual([
      'b',
    ]);
    // A deleted id can be written again.
    await store.upsert(ix, [rec('a', [0.5])]);
    expect((await store.query(ix, vec(0), { topK: 5, conditions: [], ...all })).map((m) => m.id)).toEqual([
      'a',
      'b',
    ]);
  });

  it('an upsert with `replace` drops the matching vectors in the same write', async () => {
    const ix = await make('cosine', 2);
    await store.upsert(ix, [
      rec('s#0', [1, 0], { sourceId: 's' }),
      rec('s#1', [0, 1], { sourceId: 's' }),
      rec('s#2', [1, 1], { sourceId: 's' }),
      rec('t#0', [1, 0], { sourceId: 't' }),
    ]);
    const replace: Condition[] = [{ field: 'sourceId', op: '$eq', value: 's' }];
    await store.upsert(ix, [rec('s#0', [0, 1], { sourceId: 's', v: 2 })], replace);
    const left = (await store.get(ix, ['s#0', 's#1', 's#2', 't#0'])).map((r) => r.id).sort();
    expect(left).toEqual(['s#0', 't#0']);
  });

  it('indexes are separate: same ids, different vectors', async () => {
    const one = await make('euclidean', 1);
    const two = await make('euclidean', 1);
    await store.upsert(one, [rec('a', [1])]);
    await store.upsert(two, [rec('a', [9]), rec('b', [8])]);
    expect(await store.count(one)).toBe(1);
    expect(Array.from((await store.get(one, ['a']))[0]?.values ?? [])).toEqual([1]);
  });

  it('a dropped index answers vector/index-not-found', async () => {
    const ix = await make('cosine', 2);
    await store.upsert(ix, [rec('a', [1, 0])]);
    await store.dropIndex(ix);
    const error = await store.count(ix).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('vector/index-not-found');
    await store.dropIndex(ix); // twice is fine
  });

  it('loads 2000 vectors of dimension 384 in one upsert', async () => {
    const ix = await make('cosine', 384);
    const next = seeded(11);
    const records = Array.from({ length: 2000 }, (_, i) => rec(`r${i}`, Array.from({ length: 384 }, next)));
    await store.upsert(ix, records);
    expect(await store.count(ix)).toBe(2000);
    const matches = await store.query(ix, records[1234]?.values as Float32Array, {
      topK: 3,
      conditions: [],
      ...all,
    });
    expect(matches[0]?.id).toBe('r1234');
    expect(matches[0]?.score).toBeCloseTo(1, 5);
  }, 60_000);
});
