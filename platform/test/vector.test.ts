import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type Answer, type TestPlatform, testPlatform } from './support/harness.js';

// The vector API through the platform (app.request, responses checked against the spec), on
// SQLite (sqlite-vec) and PostgreSQL (exact search: the test server has no pgvector). The engines'
// own ranking and filter suite is vector-store.test.ts.

const MAX_BATCH = 50;
const MAX_METADATA = 256;

describe.each(BACKENDS)('vector on $name', (backend) => {
  let t: TestPlatform;
  let sk: string;
  const call = (
    method: string,
    path: string,
    body?: unknown,
    auth?: string,
    headers?: Record<string, string>,
  ) => t.call({ method, path, body, auth: auth ?? sk, headers });
  const ok = (res: Answer, status = 200) => {
    expect(res.status, res.text).toBe(status);
    return res.json;
  };
  const fails = (res: Answer, status: number, code: string) => {
    expect(res.status, res.text).toBe(status);
    expect(res.json.code).toBe(code);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return res.json;
  };

  beforeAll(async () => {
    t = await testPlatform(backend, {
      env: {
        AEROSTACK_VECTOR_MAX_BATCH: String(MAX_BATCH),
        AEROSTACK_VECTOR_MAX_METADATA_BYTES: String(MAX_METADATA),
      },
    });
    sk = t.keys.secretKey;
    ok(await call('POST', '/v1/vector/indexes', { name: 'docs', dimension: 3 }), 201);
    ok(
      await call('POST', '/v1/vector/indexes/docs/vectors', {
        vectors: [
          { id: 'x', values: [1, 0, 0], metadata: { axis: 'x', n: 1 } },
          { id: 'y', values: [0, 1, 0], metadata: { axis: 'y', n: 2 } },
          { id: 'z', values: [0, 0, 1], metadata: { axis: 'z', n: 3 } },
          { id: 'xy', values: [1, 1, 0], metadata: { axis: 'xy', n: 4 } },
        ],
      }),
    );
  }, 60_000);
  afterAll(() => t?.close());

  it('creates an index with defaults and shows it', async () => {
    const created = ok(await call('POST', '/v1/vector/indexes', { name: 'plain', dimension: 8 }), 201);
    expect(created).toMatchObject({
      name: 'plain',
      dimension: 8,
      metric: 'cosine',
      description: null,
      engine: backend.name === 'sqlite' ? 'sqlite-vec' : 'exact',
      vectorCount: 0,
    });
    expect(ok(await call('GET', '/v1/vector/indexes/docs'))).toMatchObject({ name: 'docs', vectorCount: 4 });
  });

  it.each([
    ['a name taken', { name: 'docs', dimension: 3 }, 409, 'vector/index-exists'],
    ['an upper-case name', { name: 'Docs', dimension: 3 }, 400, 'request/invalid-body'],
    ['a name with a slash', { name: 'a/b', dimension: 3 }, 400, 'request/invalid-body'],
    ['dimension 0', { name: 'zero', dimension: 0 }, 400, 'request/invalid-body'],
    ['dimension 4097', { name: 'huge', dimension: 4097 }, 400, 'request/invalid-body'],
    ['dimension 1.5', { name: 'frac', dimension: 1.5 }, 400, 'request/invalid-body'],
    ['an unknown metric', { name: 'm', dimension: 3, metric: 'manhattan' }, 400, 'request/invalid-body'],
    ['an unknown field', { name: 'u', dimension: 3, shards: 2 }, 400, 'request/invalid-body'],
    ['no dimension', { name: 'nod' }, 400, 'request/invalid-body'],
  ])('create with %s', async (_name, body, status, code) => {
    fails(await call('POST', '/v1/vector/indexes', body), status, code);
  });

  it('replays an idempotent create instead of answering 409', async () => {
    const headers = { 'idempotency-key': 'vector-create-1' };
    const first = ok(
      await call('POST', '/v1/vector/indexes', { name: 'idem', dimension: 2 }, sk, headers),
      201,
    );
    const again = ok(
      await call('POST', '/v1/vector/indexes', { name: 'idem', dimension: 2 }, sk, headers),
      201,
    );
    expect(again).toEqual(first);
  });

  it('lists indexes a page at a time, oldest first', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) {
      ok(await call('POST', '/v1/vector/indexes', { name, dimension: 2, metric: 'euclidean' }), 201);
    }
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page = ok(
        await call(
          'GET',
          `/v1/vector/indexes?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        ),
      ) as { data: Array<{ name: string }>; nextCursor: string | null };
      expect(page.data.length).toBeLessThanOrEqual(2);
      names.push(...page.data.map((d) => d.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names.indexOf('docs')).toBeLessThan(names.indexOf('page-a'));
    expect(names.filter((n) => n.startsWith('page-'))).toEqual(['page-a', 'page-b', 'page-c']);
    fails(await call('GET', '/v1/vector/indexes?cursor=nope'), 400, 'request/invalid-parameters');
  });

  it('queries by vector: nearest first, topK, filter, values on request', async () => {
    const all = ok(await call('POST', '/v1/vector/indexes/docs/query', { vector: [1, 0.2, 0] }));
    expect(all.matches.map((m: { id: string }) => m.id)).toEqual(['x', 'xy', 'y', 'z']);
    expect(all.matches[0].score).toBeCloseTo(1 / Math.sqrt(1.04), 5);
    expect(all.matches[0].metadata).toEqual({ axis: 'x', n: 1 });
    expect(all.matches[0].values).toBeUndefined();

    const two = ok(
      await call('POST', '/v1/vector/indexes/docs/query', {
        vector: [1, 0.2, 0],
        topK: 2,
        includeValues: true,
        includeMetadata: false,
      }),
    );
    expect(two.matches).toHaveLength(2);
    expect(two.matches[0]).toEqual({ id: 'x', score: expect.any(Number), values: [1, 0, 0] });

    const filtered = ok(
      await call('POST', '/v1/vector/indexes/docs/query', {
        vector: [1, 0.2, 0],
        filter: { n: { $gte: 2 }, axis: { $ne: 'xy' } },
      }),
    );
    expect(filtered.matches.map((m: { id: string }) => m.id)).toEqual(['y', 'z']);
  });

  it.each([
    ['a vector of the wrong dimension', { vector: [1, 0] }, 422, 'vector/dimension-mismatch'],
    ['both vector and text', { vector: [1, 0, 0], text: 'x' }, 422, 'vector/invalid-query'],
    ['neither vector nor text', { topK: 3 }, 422, 'vector/invalid-query'],
    ['a zero vector in a cosine index', { vector: [0, 0, 0] }, 422, 'vector/invalid-values'],
    ['a number beyond float32', { vector: [1e39, 0, 0] }, 422, 'vector/invalid-values'],
    ['a string among the numbers', { vector: [1, '0', 0] }, 400, 'request/invalid-body'],
    ['topK 0', { vector: [1, 0, 0], topK: 0 }, 400, 'request/invalid-body'],
    ['topK 101', { vector: [1, 0, 0], topK: 101 }, 400, 'request/invalid-body'],
    [
      'an unknown operator',
      { vector: [1, 0, 0], filter: { n: { $regex: 'a' } } },
      422,
      'vector/invalid-filter',
    ],
    [
      'a range on a boolean',
      { vector: [1, 0, 0], filter: { n: { $gt: true } } },
      422,
      'vector/invalid-filter',
    ],
    ['an array as a value', { vector: [1, 0, 0], filter: { n: [1, 2] } }, 422, 'vector/invalid-filter'],
    ['a dotted field name', { vector: [1, 0, 0], filter: { 'a.b': 1 } }, 422, 'vector/invalid-filter'],
    ['a quote in a field name', { vector: [1, 0, 0], filter: { "a'b": 1 } }, 422, 'vector/invalid-filter'],
    ['an unknown field', { vector: [1, 0, 0], k: 3 }, 400, 'request/invalid-body'],
    ['text with no embedding provider', { text: 'hello' }, 503, 'vector/no-embedding-provider'],
  ])('query with %s', async (_name, body, status, code) => {
    fails(await call('POST', '/v1/vector/indexes/docs/query', body), status, code);
  });

  it('rejects an infinite number (1e999 in the JSON) without writing anything', async () => {
    const res = await call(
      'POST',
      '/v1/vector/indexes/docs/vectors',
      '{"vectors":[{"id":"ok","values":[1,2,3]},{"id":"inf","values":[1e999,0,0]}]}',
    );
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('request/number-out-of-range');
    expect(ok(await call('GET', '/v1/vector/indexes/docs/count')).count).toBe(4);
  });

  it.each([
    ['a vector of the wrong dimension', [{ id: 'a', values: [1, 2] }], 422, 'vector/dimension-mismatch'],
    ['a zero vector in a cosine index', [{ id: 'a', values: [0, 0, 0] }], 422, 'vector/invalid-values'],
    ['values beyond float32', [{ id: 'a', values: [-1e39, 0, 0] }], 422, 'vector/invalid-values'],
    [
      'metadata over the limit',
      [{ id: 'a', values: [1, 2, 3], metadata: { text: 'x'.repeat(MAX_METADATA) } }],
      422,
      'vector/metadata-too-large',
    ],
    [
      'more vectors than AEROSTACK_VECTOR_MAX_BATCH',
      Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ id: `b${i}`, values: [1, 2, 3] })),
      422,
      'vector/too-many-vectors',
    ],
    ['an empty id', [{ id: '', values: [1, 2, 3] }], 400, 'request/invalid-body'],
    [
      'metadata that is not an object',
      [{ id: 'a', values: [1, 2, 3], metadata: [1] }],
      400,
      'request/invalid-body',
    ],
  ])('upsert with %s: nothing is written', async (_name, vectors, status, code) => {
    const good = { id: 'good-one', values: [1, 2, 3] };
    fails(
      await call('POST', '/v1/vector/indexes/docs/vectors', { vectors: [good, ...vectors] }),
      status,
      code,
    );
    expect(ok(await call('GET', '/v1/vector/indexes/docs/count')).count).toBe(4);
  });

  it('refuses an upsert of no vectors', async () => {
    fails(
      await call('POST', '/v1/vector/indexes/docs/vectors', { vectors: [] }),
      400,
      'request/invalid-body',
    );
  });

  it('answers 413 for a body over the operation limit', async () => {
    const res = await call('POST', '/v1/vector/indexes/docs/query', `{"vector":[${'1,'.repeat(600_000)}1]}`);
    fails(res, 413, 'request/body-too-large');
  });

  it('reads vectors by id in the order asked, leaving out unknown ids', async () => {
    const got = ok(
      await call('POST', '/v1/vector/indexes/docs/vectors/get', { ids: ['y', 'nope', 'x', 'y'] }),
    );
    expect(got.vectors).toEqual([
      { id: 'y', values: [0, 1, 0], metadata: { axis: 'y', n: 2 } },
      { id: 'x', values: [1, 0, 0], metadata: { axis: 'x', n: 1 } },
    ]);
  });

  it('deletes by ids and by filter, counts, and refuses neither or both', async () => {
    ok(await call('POST', '/v1/vector/indexes', { name: 'del', dimension: 2, metric: 'dot' }), 201);
    ok(
      await call('POST', '/v1/vector/indexes/del/vectors', {
        vectors: [
          { id: 'a', values: [1, 0], metadata: { s: 'one' } },
          { id: 'b', values: [0, 1], metadata: { s: 'one' } },
          { id: 'c', values: [1, 1], metadata: { s: 'two' } },
          { id: 'd', values: [0, 0], metadata: { s: 'two' } },
        ],
      }),
    );
    expect(ok(await call('GET', '/v1/vector/indexes/del/count'))).toEqual({ count: 4 });
    expect(ok(await call('POST', '/v1/vector/indexes/del/vectors/delete', { ids: ['a', 'zz'] }))).toEqual({
      deleted: 1,
    });
    expect(ok(await call('POST', '/v1/vector/indexes/del/vectors/delete', { filter: { s: 'two' } }))).toEqual(
      {
        deleted: 2,
      },
    );
    expect(ok(await call('GET', '/v1/vector/indexes/del/count'))).toEqual({ count: 1 });
    fails(await call('POST', '/v1/vector/indexes/del/vectors/delete', {}), 422, 'vector/invalid-query');
    fails(
      await call('POST', '/v1/vector/indexes/del/vectors/delete', { ids: ['b'], filter: { s: 'one' } }),
      422,
      'vector/invalid-query',
    );
    fails(
      await call('POST', '/v1/vector/indexes/del/vectors/delete', { ids: [] }),
      400,
      'request/invalid-body',
    );
  });

  it('deletes an index with its vectors; the name is free again', async () => {
    ok(await call('POST', '/v1/vector/indexes', { name: 'gone', dimension: 2 }), 201);
    ok(await call('POST', '/v1/vector/indexes/gone/vectors', { vectors: [{ id: 'a', values: [1, 2] }] }));
    expect((await call('DELETE', '/v1/vector/indexes/gone')).status).toBe(204);
    for (const [method, path, body] of [
      ['GET', '/v1/vector/indexes/gone', undefined],
      ['DELETE', '/v1/vector/indexes/gone', undefined],
      ['GET', '/v1/vector/indexes/gone/count', undefined],
      ['POST', '/v1/vector/indexes/gone/query', { vector: [1, 2] }],
      ['POST', '/v1/vector/indexes/gone/vectors', { vectors: [{ id: 'a', values: [1, 2] }] }],
      ['POST', '/v1/vector/indexes/gone/vectors/get', { ids: ['a'] }],
      ['POST', '/v1/vector/indexes/gone/vectors/delete', { ids: ['a'] }],
      ['POST', '/v1/vector/indexes/gone/ingest', { text: 'hello' }],
    ] as const) {
      fails(await call(method, path, body), 404, 'vector/index-not-found');
    }
    const again = ok(await call('POST', '/v1/vector/indexes', { name: 'gone', dimension: 3 }), 201);
    expect(again).toMatchObject({ dimension: 3, vectorCount: 0 });
  });

  it('ingest with no embedding provider → 503 saying how to configure one; overlap ≥ size → 422', async () => {
    const res = fails(
      await call('POST', '/v1/vector/indexes/docs/ingest', { text: 'some text' }),
      503,
      'vector/no-embedding-provider',
    );
    expect(res.detail).toMatch(/AEROSTACK_AI_PROVIDER/);
    fails(
      await call('POST', '/v1/vector/indexes/docs/ingest', { text: 'x', chunkSize: 100, chunkOverlap: 100 }),
      422,
      'vector/invalid-query',
    );
  });

  it("keeps projects apart: another project's index of the same name is another index", async () => {
    const created = ok(await call('POST', '/v1/projects', { name: 'vector-other' }, t.keys.accountKey), 201);
    const other = created.secretKey.key as string;
    fails(await call('GET', '/v1/vector/indexes/docs', undefined, other), 404, 'vector/index-not-found');
    fails(
      await call('POST', '/v1/vector/indexes/docs/query', { vector: [1, 0, 0] }, other),
      404,
      'vector/index-not-found',
    );
    fails(
      await call('POST', '/v1/vector/indexes/docs/vectors/delete', { ids: ['x'] }, other),
      404,
      'vector/index-not-found',
    );
    ok(await call('POST', '/v1/vector/indexes', { name: 'docs', dimension: 2 }, other), 201);
    ok(
      await call(
        'POST',
        '/v1/vector/indexes/docs/vectors',
        { vectors: [{ id: 'x', values: [5, 5] }] },
        other,
      ),
    );
    expect(ok(await call('GET', '/v1/vector/indexes/docs', undefined, other))).toMatchObject({
      dimension: 2,
      vectorCount: 1,
    });
    const list = ok(await call('GET', '/v1/vector/indexes', undefined, other));
    expect(list.data.map((d: { name: string }) => d.name)).toEqual(['docs']);
    // Mine is untouched.
    expect(ok(await call('GET', '/v1/vector/indexes/docs'))).toMatchObject({ dimension: 3, vectorCount: 4 });
  });

  it.each([
    ['no credential', undefined, 401],
    ['the publishable key', 'pk', 403],
    ['the account key', 'ak', 403],
    ['a made-up secret key', 'sk_live_not_a_real_key_at_all_0000000000', 401],
  ])('refuses %s', async (_name, which, status) => {
    const auth = which === 'pk' ? t.keys.publishableKey : which === 'ak' ? t.keys.accountKey : which;
    const res = await t.call({
      method: 'POST',
      path: '/v1/vector/indexes/docs/query',
      body: { vector: [1, 0, 0] },
      auth,
    });
    expect(res.status, res.text).toBe(status);
  });

  it('concurrent upserts to one index all land', async () => {
    ok(await call('POST', '/v1/vector/indexes', { name: 'busy', dimension: 4, metric: 'euclidean' }), 201);
    await Promise.all(
      Array.from({ length: 8 }, (_, w) =>
        call('POST', '/v1/vector/indexes/busy/vectors', {
          vectors: Array.from({ length: 25 }, (_, i) => ({ id: `w${w}-${i}`, values: [w, i, 1, 2] })),
        }).then((res) => ok(res)),
      ),
    );
    expect(ok(await call('GET', '/v1/vector/indexes/busy/count')).count).toBe(200);
    const near = ok(await call('POST', '/v1/vector/indexes/busy/query', { vector: [3, 7, 1, 2], topK: 1 }));
    expect(near.matches[0]).toMatchObject({ id: 'w3-7', score: 0 });
  });
});

describe('vector configuration', () => {
  it('reads the limits and the pgvector mode, and names a bad variable', async () => {
    const { loadConfig, ConfigError } = await import('../src/config.js');
    expect(loadConfig({}).vector).toEqual({ maxBatch: 1000, maxMetadataBytes: 10240, pgvector: 'auto' });
    expect(
      loadConfig({
        AEROSTACK_VECTOR_MAX_BATCH: '10',
        AEROSTACK_VECTOR_MAX_METADATA_BYTES: '2048',
        AEROSTACK_VECTOR_PGVECTOR: 'off',
      }).vector,
    ).toEqual({ maxBatch: 10, maxMetadataBytes: 2048, pgvector: 'off' });
    for (const [name, value] of [
      ['AEROSTACK_VECTOR_PGVECTOR', 'yes'],
      ['AEROSTACK_VECTOR_MAX_BATCH', '0'],
      ['AEROSTACK_VECTOR_MAX_METADATA_BYTES', 'lots'],
    ]) {
      expect(() => loadConfig({ [name as string]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name as string]: value })).toThrow(name as string);
    }
  });
});
