import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/http/problem.js';
import type { EmbedOptions } from '../src/modules/ai/service.js';
import { chunkText } from '../src/modules/vector/chunk.js';
import { createVectorService, type Embedder, type VectorService } from '../src/modules/vector/service.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// Ingest and query-by-text at the service level, on the platform's real database and vector
// store, with the embedding function injected (a word-hashing embedder): what the vector module
// does with embeddings, independent of which provider makes them. The same paths over HTTP with a
// provider answered by msw are in vector-ai.test.ts.

describe('chunkText', () => {
  it('cuts at whitespace, overlaps, and covers the whole text', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';
    const chunks = chunkText(text, 20, 6);
    expect(chunks).toEqual(chunkText(text, 20, 6)); // deterministic
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(20);
    // No word is cut, and every word is in some chunk.
    const words = new Set(chunks.flatMap((c) => c.split(' ')));
    for (const word of text.split(' ')) expect(words.has(word)).toBe(true);
    for (const word of words) expect(text.split(' ')).toContain(word);
    // Consecutive chunks share text (the overlap).
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1] as string;
      const first = (chunks[i] as string).split(' ')[0] as string;
      expect(prev.includes(first)).toBe(true);
    }
  });

  it('splits a text without spaces at the size, with the overlap', () => {
    expect(chunkText('abcdefghij', 4, 1)).toEqual(['abcd', 'defg', 'ghij']);
    expect(chunkText('abcdefghij', 4, 0)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('keeps short texts whole, drops blank chunks, never splits a surrogate pair', () => {
    expect(chunkText('  short  ', 100, 10)).toEqual(['short']);
    expect(chunkText('   ', 100, 10)).toEqual([]);
    const emoji = '😀'.repeat(10); // 20 UTF-16 units
    const chunks = chunkText(emoji, 5, 0);
    expect(chunks.join('')).toBe(emoji);
    for (const chunk of chunks) expect(chunk).toMatch(/^(😀)+$/u);
  });

  it('always moves forward, even with an overlap close to the size', () => {
    const chunks = chunkText('x'.repeat(1000), 50, 49);
    expect(chunks.length).toBeGreaterThan(900);
    expect(chunks.length).toBeLessThanOrEqual(1000);
  });
});

const DIMENSION = 16;

/** A bag-of-words embedding: each lower-cased word adds 1 to a hashed coordinate. */
function embedWords(text: string): number[] {
  const v: number[] = new Array<number>(DIMENSION).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    let h = 0;
    for (const ch of word) h = (h * 31 + ch.charCodeAt(0)) % DIMENSION;
    v[h] = (v[h] as number) + 1;
  }
  if (!v.some((x) => x !== 0)) v[0] = 1e-3;
  return v;
}

function fakeEmbedder(options: { available?: boolean; dimensions?: number } = {}) {
  const calls: Array<{ texts: string[]; options?: EmbedOptions }> = [];
  const embedder: Embedder = {
    embeddingAvailable: () => options.available ?? true,
    async embed(texts, embedOptions) {
      calls.push({ texts, options: embedOptions });
      const dimensions = options.dimensions ?? DIMENSION;
      const embeddings = texts.map((t) =>
        embedWords(t).concat(new Array(Math.max(0, dimensions - DIMENSION)).fill(0)),
      );
      return {
        model: 'words-16',
        embeddings: embeddings.map((e) => e.slice(0, dimensions)),
        dimensions,
        inputTokens: 0,
      };
    },
  };
  return { embedder, calls };
}

const code = (error: unknown) => (error instanceof ApiError ? error.code : String(error));

describe.each(BACKENDS.filter((b) => b.name !== 'postgres+redis'))(
  'ingest and text queries on $name',
  (backend) => {
    let t: TestPlatform;
    let projectId: string;
    const service = (embedder: Embedder | undefined): VectorService =>
      createVectorService(t.platform.services, t.platform.services.vector.store, () => embedder);

    beforeAll(async () => {
      t = await testPlatform(backend, { env: { AEROSTACK_VECTOR_MAX_BATCH: '40' } });
      projectId = t.keys.projectId;
      await service(undefined).create(projectId, { name: 'kb', dimension: DIMENSION });
    }, 60_000);
    afterAll(() => t?.close());

    it('chunks, embeds in order, and stores chunks with their metadata', async () => {
      const { embedder, calls } = fakeEmbedder();
      const text =
        'Cats purr and sleep all day. '.repeat(3) + 'Rockets burn fuel and reach orbit. '.repeat(3);
      const usage = { projectId, keyId: 'key_test' };
      const result = await service(embedder).ingest(
        projectId,
        'kb',
        { text, sourceId: 'doc-1', chunkSize: 60, chunkOverlap: 10, metadata: { lang: 'en' } },
        usage,
      );
      expect(result.sourceId).toBe('doc-1');
      expect(result.model).toBe('words-16');
      expect(result.ids).toEqual(Array.from({ length: result.chunks }, (_, i) => `doc-1#${i}`));
      expect(calls.flatMap((c) => c.texts)).toEqual(chunkText(text, 60, 10));
      expect(calls[0]?.options?.usage).toEqual(usage);
      const stored = await service(embedder).getVectors(projectId, 'kb', ['doc-1#0']);
      expect(stored[0]?.metadata).toEqual({
        lang: 'en',
        sourceId: 'doc-1',
        chunk: 0,
        text: chunkText(text, 60, 10)[0],
      });
      expect(stored[0]?.values).toEqual(embedWords(chunkText(text, 60, 10)[0] as string));

      const matches = await service(embedder).query(projectId, 'kb', { text: 'rockets orbit', topK: 1 });
      expect(matches[0]?.metadata?.text).toMatch(/Rockets/);
      const cats = await service(embedder).query(projectId, 'kb', {
        text: 'cats sleep',
        topK: 1,
        filter: { lang: 'en' },
      });
      expect(cats[0]?.metadata?.text).toMatch(/Cats/);
    });

    it('re-ingesting a source replaces its chunks (a shorter text leaves none behind)', async () => {
      const { embedder } = fakeEmbedder();
      const s = service(embedder);
      const long = await s.ingest(projectId, 'kb', {
        text: 'word '.repeat(200),
        sourceId: 'doc-2',
        chunkSize: 100,
        chunkOverlap: 0,
      });
      expect(long.chunks).toBeGreaterThan(5);
      const before = await s.count(projectId, 'kb');
      const short = await s.ingest(projectId, 'kb', { text: 'just one chunk now', sourceId: 'doc-2' });
      expect(short.ids).toEqual(['doc-2#0']);
      expect(await s.count(projectId, 'kb')).toBe(before - long.chunks + 1);
      expect(await s.deleteVectors(projectId, 'kb', { filter: { sourceId: 'doc-2' } })).toBe(1);
    });

    it('names a source when none is given', async () => {
      const { embedder } = fakeEmbedder();
      const result = await service(embedder).ingest(projectId, 'kb', { text: 'anonymous text' });
      expect(result.sourceId).toMatch(/^src_[0-9A-Za-z]{16}$/);
      expect(result.ids).toEqual([`${result.sourceId}#0`]);
    });

    it('refuses without an embedding provider, before embedding or writing anything', async () => {
      const before = await service(undefined).count(projectId, 'kb');
      for (const embedder of [undefined, fakeEmbedder({ available: false }).embedder]) {
        const s = service(embedder);
        expect(code(await s.ingest(projectId, 'kb', { text: 'x' }).catch((e) => e))).toBe(
          'vector/no-embedding-provider',
        );
        expect(code(await s.query(projectId, 'kb', { text: 'x' }).catch((e) => e))).toBe(
          'vector/no-embedding-provider',
        );
      }
      expect(await service(undefined).count(projectId, 'kb')).toBe(before);
    });

    it("refuses a model whose dimension is not the index's, writing nothing", async () => {
      const { embedder } = fakeEmbedder({ dimensions: 8 });
      const before = await service(embedder).count(projectId, 'kb');
      expect(
        code(
          await service(embedder)
            .ingest(projectId, 'kb', { text: 'some words' })
            .catch((e) => e),
        ),
      ).toBe('vector/dimension-mismatch');
      expect(
        code(
          await service(embedder)
            .query(projectId, 'kb', { text: 'some words' })
            .catch((e) => e),
        ),
      ).toBe('vector/dimension-mismatch');
      expect(await service(embedder).count(projectId, 'kb')).toBe(before);
    });

    it('refuses a text of more chunks than the batch limit, and metadata too large for a chunk', async () => {
      const { embedder, calls } = fakeEmbedder();
      const tooLong = await service(embedder)
        .ingest(projectId, 'kb', { text: 'y'.repeat(50 * 41), chunkSize: 50, chunkOverlap: 0 })
        .catch((e) => e);
      expect(code(tooLong)).toBe('vector/too-many-vectors');
      const big = await service(embedder)
        .ingest(projectId, 'kb', { text: 'z', metadata: { blob: 'b'.repeat(20_000) } })
        .catch((e) => e);
      expect(code(big)).toBe('vector/metadata-too-large');
      expect(calls).toHaveLength(0);
    });
  },
);
