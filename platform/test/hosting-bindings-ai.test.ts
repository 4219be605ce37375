import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// env.AI (Workers AI) and env.VECTORIZE of hosted code (decision 0049), over HTTP against the real
// platform and workerd: the AI binding goes through the project's AI provider (the real provider
// code calling an OpenAI-compatible endpoint that msw answers: a third party, faked) and is
// charged to the project; Vectorize reads and writes the project's vector indexes, which the
// vector API sees the same way.

const BASE = 'http://llm.bindings.test/v1';
const seen: { path: string; body: { model: string; messages?: unknown; input?: unknown } }[] = [];

const server = setupServer(
  http.post(`${BASE}/chat/completions`, async ({ request }) => {
    const body = (await request.json()) as {
      model: string;
      messages: { content: string }[];
      stream?: boolean;
    };
    seen.push({ path: 'chat', body });
    if (body.stream) return streamedAnswer(body.model, ['Hel', 'lo']);
    return HttpResponse.json({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: `echo: ${body.messages.at(-1)?.content}` },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
  }),
  http.post(`${BASE}/embeddings`, async ({ request }) => {
    const body = (await request.json()) as { model: string; input: string[] };
    seen.push({ path: 'embeddings', body });
    return HttpResponse.json({
      object: 'list',
      data: body.input.map((text, index) => ({
        object: 'embedding',
        index,
        embedding: [text.length, 1, 0, 0],
      })),
      model: body.model,
      usage: { prompt_tokens: body.input.length, total_tokens: body.input.length },
    });
  }),
);

/** Set by a test: the provider's last chunk waits for it (a stream that buffers never ends). */
let release: Promise<void> = Promise.resolve();

/** An OpenAI-compatible streamed answer, its final chunk (finish reason, usage) held until `release`. */
function streamedAnswer(model: string, tokens: string[]): Response {
  const encoder = new TextEncoder();
  const chunk = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
  const base = { id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const content of tokens)
        controller.enqueue(
          chunk({ ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] }),
        );
      await release;
      controller.enqueue(chunk({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
      controller.enqueue(
        chunk({ ...base, choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } }),
      );
      controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const TOML = `name = "smart"
main = "index.js"
compatibility_date = "2025-06-01"

[[vectorize]]
binding = "DOCS"
index_name = "docs"
`;

const WORKER = `export default {
  async fetch(request, env) {
    const { op, binding, args } = await request.json();
    try {
      if (op === 'ai') return Response.json(await env.AI.run(...args));
      if (op === 'ai-stream') {
        const stream = await env.AI.run(args[0], { ...args[1], stream: true });
        return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
      }
      return Response.json(await env[binding][op](...args));
    } catch (error) {
      return Response.json({ error: error.message }, { status: 500 });
    }
  },
};`;

describe.each(BACKENDS.filter((b) => b.name !== 'postgres+redis'))(
  'hosting AI and Vectorize bindings on $name',
  (backend) => {
    let t: TestPlatform;
    const api = (method: string, path: string, body?: unknown) =>
      t.call({ method, path, body, auth: t.keys.secretKey });
    const fn = (op: string, args: unknown[], binding = 'VECTORIZE') =>
      t.call({ method: 'POST', path: `/fn/${t.keys.projectId}/smart/`, body: { op, binding, args } });

    beforeAll(async () => {
      t = await testPlatform(backend, {
        env: {
          AEROSTACK_AI_PROVIDER: 'openai-compatible',
          AEROSTACK_AI_BASE_URL: BASE,
          AEROSTACK_AI_API_KEY: 'test-provider-key',
          AEROSTACK_AI_CHAT_MODEL: 'chat-model',
          AEROSTACK_AI_EMBEDDING_MODEL: 'embed-4',
        },
      });
      const deployed = await t.call({
        method: 'POST',
        path: `/v1/projects/${t.keys.projectId}/deployments`,
        auth: t.keys.accountKey,
        body: { aerostackToml: TOML, modules: [{ name: 'index.js', content: WORKER }] },
      });
      expect(deployed.status, deployed.text).toBe(201);
      for (const name of ['default', 'docs'])
        expect((await api('POST', '/v1/vector/indexes', { name, dimension: 4 })).status).toBe(201);
    }, 60_000);
    afterAll(() => t?.close());

    it('env.AI.run answers { response } from the project provider, charged to the project', async () => {
      seen.length = 0;
      const chat = await fn('ai', [
        '@cf/meta/llama-3.1-8b-instruct',
        { messages: [{ role: 'user', content: 'hi there' }] },
      ]);
      expect(chat.status, chat.text).toBe(200);
      expect(chat.json).toMatchObject({ response: 'echo: hi there', usage: { total_tokens: 10 } });
      // A Workers AI model name means the platform's chat model; the key never reached the worker.
      expect(seen[0]).toMatchObject({ path: 'chat', body: { model: 'chat-model' } });
      const prompt = await fn('ai', ['@cf/meta/llama-3.1-8b-instruct', { prompt: 'short' }]);
      expect(prompt.json.response).toBe('echo: short');
      const usage = await api('GET', '/v1/ai/usage');
      expect(usage.status, usage.text).toBe(200);
      expect(usage.json.data.reduce((n: number, row: { requests: number }) => n + row.requests, 0)).toBe(2);
    });

    it('env.AI.run with stream: true streams Workers AI events as the provider produces them', async () => {
      let go!: () => void;
      release = new Promise((resolve) => {
        go = resolve;
      });
      const response = await t.platform.app.request(`/fn/${t.keys.projectId}/smart/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          op: 'ai-stream',
          args: ['@cf/meta/llama-3.1-8b-instruct', { messages: [{ role: 'user', content: 'hi' }] }],
        }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      // The first tokens arrive while the provider still holds its last chunk: nothing buffers.
      while (!text.includes('"lo"')) {
        const next = await reader.read();
        expect(next.done).toBe(false);
        text += decoder.decode(next.value, { stream: true });
      }
      go();
      for (let next = await reader.read(); !next.done; next = await reader.read())
        text += decoder.decode(next.value, { stream: true });
      const events = text
        .split('\n\n')
        .filter((e) => e !== '')
        .map((e) => e.replace(/^data: /, ''));
      expect(events).toEqual([
        JSON.stringify({ response: 'Hel' }),
        JSON.stringify({ response: 'lo' }),
        JSON.stringify({ response: '', usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } }),
        '[DONE]',
      ]);
      expect(seen.at(-1)).toMatchObject({ path: 'chat', body: { model: 'chat-model', stream: true } });
    });

    it('env.AI.run embeds texts as { shape, data }', async () => {
      const embedded = await fn('ai', ['@cf/baai/bge-base-en-v1.5', { text: ['one', 'three'] }]);
      expect(embedded.status, embedded.text).toBe(200);
      expect(embedded.json).toEqual({
        shape: [2, 4],
        data: [
          [3, 1, 0, 0],
          [5, 1, 0, 0],
        ],
      });
    });

    it('env.VECTORIZE writes the index the vector API queries, and reads what the API wrote', async () => {
      const upserted = await fn('upsert', [
        [
          { id: 'a', values: [1, 0, 0, 0], metadata: { kind: 'worker' } },
          { id: 'b', values: [0, 1, 0, 0] },
        ],
      ]);
      expect(upserted.status, upserted.text).toBe(200);
      expect(upserted.json).toMatchObject({ count: 2, ids: ['a', 'b'] });
      const found = await api('POST', '/v1/vector/indexes/default/query', {
        vector: [1, 0.1, 0, 0],
        topK: 1,
      });
      expect(found.status, found.text).toBe(200);
      expect(found.json.matches).toMatchObject([{ id: 'a', metadata: { kind: 'worker' } }]);

      expect(
        (
          await api('POST', '/v1/vector/indexes/default/vectors', {
            vectors: [{ id: 'c', values: [0, 0, 1, 0] }],
          })
        ).status,
      ).toBe(200);
      const query = await fn('query', [
        [0, 0, 0.9, 0.1],
        { topK: 2, returnValues: true, returnMetadata: 'all' },
      ]);
      expect(query.json.count).toBe(2);
      expect(query.json.matches[0]).toMatchObject({ id: 'c', values: [0, 0, 1, 0] });
      expect((await fn('getByIds', [['c', 'a', 'nope']])).json.map((v: { id: string }) => v.id)).toEqual([
        'c',
        'a',
      ]);
      // insert leaves an id the index holds as it is, and writes the new ones.
      const inserted = await fn('insert', [
        [
          { id: 'c', values: [1, 1, 1, 1] },
          { id: 'f', values: [0, 1, 1, 0] },
        ],
      ]);
      expect(inserted.json).toMatchObject({ count: 1, ids: ['f'] });
      expect((await fn('getByIds', [['c', 'f']])).json).toMatchObject([
        { id: 'c', values: [0, 0, 1, 0] },
        { id: 'f', values: [0, 1, 1, 0] },
      ]);
      expect((await fn('deleteByIds', [['a', 'b', 'f']])).json).toMatchObject({ count: 3 });
      expect((await api('GET', '/v1/vector/indexes/default/count')).json.count).toBe(1);
    });

    it('a declared [[vectorize]] binding reaches its own index, and errors read as Vectorize errors', async () => {
      expect((await fn('upsert', [[{ id: 'd', values: [0, 0, 0, 1] }]], 'DOCS')).status).toBe(200);
      expect((await api('GET', '/v1/vector/indexes/docs/count')).json.count).toBe(1);
      expect((await api('GET', '/v1/vector/indexes/default/count')).json.count).toBe(1);
      const wrong = await fn('upsert', [[{ id: 'e', values: [1, 2] }]], 'DOCS');
      expect(wrong.status).toBe(500);
      expect(wrong.json.error).toMatch(/^VECTOR_ERROR: .*\(vector\//);
    });
  },
);
