import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// Ingest and query by text over HTTP, with the AI module's real provider code
// (AEROSTACK_AI_PROVIDER=openai-compatible) calling an embeddings endpoint that msw answers: a
// third party, faked; the platform is the real one. The embedder hashes words into 16
// coordinates, so a text query finds the chunk that shares its words.

const BASE = 'http://embeddings.vector.test/v1';
const DIMENSION = 16;

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

const seen: Array<{ input: string[]; model: string; authorization: string | null }> = [];
const server = setupServer(
  http.post(`${BASE}/embeddings`, async ({ request }) => {
    const body = (await request.json()) as { input: string[] | string; model: string };
    const input = Array.isArray(body.input) ? body.input : [body.input];
    seen.push({ input, model: body.model, authorization: request.headers.get('authorization') });
    if (input.some((text) => text.includes('provider-fails'))) {
      return HttpResponse.json(
        { error: { message: 'upstream broke', type: 'server_error' } },
        { status: 500 },
      );
    }
    return HttpResponse.json({
      object: 'list',
      data: input.map((text, index) => ({ object: 'embedding', index, embedding: embedWords(text) })),
      model: body.model,
      usage: { prompt_tokens: input.length, total_tokens: input.length },
    });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const TEXT = [
  'Cats are small furry animals. Cats purr when they are happy and sleep most of the day.',
  'Rockets carry satellites into orbit. A rocket burns fuel to lift off from the launch pad.',
  'Bread needs flour, water, salt and yeast. Knead the dough and bake the bread in a hot oven.',
].join(' ');

describe.each(BACKENDS.filter((b) => b.name !== 'postgres+redis'))(
  'vector with an embedding provider on $name',
  (backend) => {
    let t: TestPlatform;
    const call = (method: string, path: string, body?: unknown) =>
      t.call({ method, path, body, auth: t.keys.secretKey });

    beforeAll(async () => {
      t = await testPlatform(backend, {
        env: {
          AEROSTACK_AI_PROVIDER: 'openai-compatible',
          AEROSTACK_AI_BASE_URL: BASE,
          AEROSTACK_AI_API_KEY: 'test-embedding-key',
          AEROSTACK_AI_CHAT_MODEL: 'chat-model',
          AEROSTACK_AI_EMBEDDING_MODEL: 'words-16',
        },
      });
      const created = await call('POST', '/v1/vector/indexes', { name: 'kb', dimension: DIMENSION });
      expect(created.status, created.text).toBe(201);
    }, 60_000);
    afterAll(() => t?.close());

    it('ingests a text in chunks and finds the right chunk by text', async () => {
      seen.length = 0;
      const res = await call('POST', '/v1/vector/indexes/kb/ingest', {
        text: TEXT,
        sourceId: 'facts',
        chunkSize: 100,
        chunkOverlap: 0,
        metadata: { topic: 'misc' },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({ sourceId: 'facts', model: 'words-16' });
      expect(res.json.chunks).toBeGreaterThanOrEqual(3);
      expect(seen[0]).toMatchObject({ model: 'words-16', authorization: 'Bearer test-embedding-key' });
      expect(seen.flatMap((s) => s.input)).toHaveLength(res.json.chunks);

      const rockets = await call('POST', '/v1/vector/indexes/kb/query', {
        text: 'rocket fuel orbit',
        topK: 1,
      });
      expect(rockets.status, rockets.text).toBe(200);
      expect(rockets.json.matches[0].metadata).toMatchObject({ sourceId: 'facts', topic: 'misc' });
      expect(rockets.json.matches[0].metadata.text).toMatch(/[Rr]ocket/);

      const bread = await call('POST', '/v1/vector/indexes/kb/query', {
        text: 'bake bread dough',
        topK: 1,
        filter: { sourceId: 'facts' },
      });
      expect(bread.json.matches[0].metadata.text).toMatch(/[Bb]read/);
    });

    it('charges the embedding tokens to the project and key (AI usage)', async () => {
      const usage = await call('GET', '/v1/ai/usage');
      expect(usage.status, usage.text).toBe(200);
      expect(JSON.stringify(usage.json)).toMatch(/words-16/);
    });

    it('ingests a text larger than the default 1 MiB body limit (ingest allows 4 MiB)', async () => {
      const word = 'crème brûlée ';
      const text = word.repeat(Math.floor(950_000 / word.length));
      expect(Buffer.byteLength(JSON.stringify({ text }))).toBeGreaterThan(1024 * 1024);
      const res = await call('POST', '/v1/vector/indexes/kb/ingest', {
        text,
        sourceId: 'big',
        chunkSize: 1000,
        chunkOverlap: 0,
      });
      expect(res.status, res.text.slice(0, 300)).toBe(200);
      expect(res.json.chunks).toBeGreaterThan(900);
      expect(
        (await call('POST', '/v1/vector/indexes/kb/vectors/delete', { filter: { sourceId: 'big' } })).json,
      ).toEqual({
        deleted: res.json.chunks,
      });
    });

    it("answers 422 when the model's dimension is not the index's", async () => {
      const small = await call('POST', '/v1/vector/indexes', { name: 'small', dimension: 8 });
      expect(small.status).toBe(201);
      const res = await call('POST', '/v1/vector/indexes/small/query', { text: 'cats' });
      expect(res.status, res.text).toBe(422);
      expect(res.json.code).toBe('vector/dimension-mismatch');
      expect(res.json.detail).toMatch(/words-16/);
      const ingest = await call('POST', '/v1/vector/indexes/small/ingest', { text: 'cats' });
      expect(ingest.json.code).toBe('vector/dimension-mismatch');
      expect((await call('GET', '/v1/vector/indexes/small/count')).json.count).toBe(0);
    });

    it("passes the provider's failure on as the AI module's error, storing nothing", async () => {
      const before = (await call('GET', '/v1/vector/indexes/kb/count')).json.count;
      const res = await call('POST', '/v1/vector/indexes/kb/ingest', {
        text: 'provider-fails here',
        sourceId: 'x',
      });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.json.code).toMatch(/^ai\//);
      expect((await call('GET', '/v1/vector/indexes/kb/count')).json.count).toBe(before);
    });
  },
);
