import { describe, expectTypeOf, it } from 'vitest';
import {
  createClient,
  type VectorIndex,
  type VectorIngested,
  type VectorMatch,
  type VectorRecord,
} from '../src';

const client = createClient({ url: 'http://localhost:8787', secretKey: 'sk_x' });

describe('vector types', () => {
  it('types matches and records by the caller’s metadata type', () => {
    expectTypeOf(client.vector.query<{ title: string }>('docs', { vector: [1] })).toEqualTypeOf<
      Promise<Array<VectorMatch<{ title: string }>>>
    >();
    expectTypeOf<VectorMatch<{ title: string }>['metadata']>().toEqualTypeOf<{ title: string } | undefined>();
    expectTypeOf(client.vector.get<{ n: number }>('docs', ['a'])).toEqualTypeOf<
      Promise<Array<VectorRecord<{ n: number }>>>
    >();
    expectTypeOf<VectorRecord['values']>().toEqualTypeOf<number[]>();
  });

  it('resolves counts and the index, and checks the arguments', () => {
    expectTypeOf(client.vector.upsert('docs', [{ id: 'a', values: [1, 2] }])).toEqualTypeOf<
      Promise<number>
    >();
    expectTypeOf(client.vector.delete('docs', { filter: { lang: 'en' } })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(client.vector.count('docs')).toEqualTypeOf<Promise<number>>();
    expectTypeOf(client.vector.indexes.get('docs')).toEqualTypeOf<Promise<VectorIndex>>();
    expectTypeOf(client.vector.ingest('docs', 'text')).toEqualTypeOf<Promise<VectorIngested>>();
    expectTypeOf<VectorIndex['metric']>().toEqualTypeOf<'cosine' | 'euclidean' | 'dot'>();
    // @ts-expect-error: a metric the platform does not have
    void client.vector.indexes.create({ name: 'x', dimension: 3, metric: 'manhattan' });
    // @ts-expect-error: a filter operator the platform does not have
    void client.vector.query('docs', { vector: [1], filter: { a: { $regex: 'x' } } });
  });
});
