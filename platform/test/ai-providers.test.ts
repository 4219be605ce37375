import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AiProviders,
  ANTHROPIC,
  aiProviders,
  COMPAT,
  GOOGLE,
  GROQ,
  providerErrors,
  vectorOf,
} from './support/ai-providers.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// Each provider the operator can choose, through its real Vercel AI SDK client, against its
// recorded answers (msw). The usage store is covered on every backend by ai.test.ts; here the
// subject is the provider code, so SQLite is enough.

let providers: AiProviders;
beforeAll(() => {
  providers = aiProviders();
});
afterEach(() => providers.reset());
afterAll(() => providers.close());

const hello = { messages: [{ role: 'user', content: 'Hello' }] };

function framesOf(text: string) {
  return text
    .split('\n\n')
    .filter((block) => block.includes('event: '))
    .map((block) => ({
      event: /^event: (.*)$/m.exec(block)?.[1],
      data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null'),
    }));
}

interface Case {
  provider: string;
  env: Record<string, string>;
  url: string | RegExp;
  auth: (h: Headers) => boolean;
  model: string;
  chat: { model: string; content: string; usage: { inputTokens: number; outputTokens: number } };
  streamed: string;
  embeddings: string | false;
  unauthorized: () => Response;
}

const cases: Case[] = [
  {
    provider: 'anthropic',
    env: { AEROSTACK_AI_API_KEY: 'sk-ant-operator' },
    url: `${ANTHROPIC}/messages`,
    auth: (h: Headers) => h.get('x-api-key') === 'sk-ant-operator',
    model: 'claude-3-5-haiku-latest',
    chat: {
      model: 'claude-3-5-haiku-20241022',
      content: 'Paris is the capital of France.',
      usage: { inputTokens: 15, outputTokens: 10 },
    },
    streamed: 'Hello from Claude',
    embeddings: false,
    unauthorized: providerErrors.anthropicUnauthorized,
  },
  {
    provider: 'google',
    env: { AEROSTACK_AI_API_KEY: 'google-operator-key' },
    url: new RegExp(`^${GOOGLE}/models/`),
    auth: (h: Headers) => h.get('x-goog-api-key') === 'google-operator-key',
    model: 'gemini-2.0-flash',
    chat: {
      model: 'gemini-2.0-flash',
      content: 'Paris is the capital of France.',
      usage: { inputTokens: 8, outputTokens: 8 },
    },
    streamed: 'Hello from Gemini!',
    embeddings: 'text-embedding-004',
    unauthorized: providerErrors.unauthorized,
  },
  {
    provider: 'groq',
    env: { AEROSTACK_AI_API_KEY: 'gsk_operator' },
    url: `${GROQ}/chat/completions`,
    auth: (h: Headers) => h.get('authorization') === 'Bearer gsk_operator',
    model: 'llama-3.1-8b-instant',
    chat: {
      model: 'llama-3.1-8b-instant',
      content: 'Paris is the capital of France.',
      usage: { inputTokens: 42, outputTokens: 8 },
    },
    streamed: 'Hello, world!',
    embeddings: false,
    unauthorized: providerErrors.unauthorized,
  },
  {
    provider: 'openai-compatible',
    env: {
      AEROSTACK_AI_BASE_URL: COMPAT,
      AEROSTACK_AI_API_KEY: 'compat-operator',
      AEROSTACK_AI_CHAT_MODEL: 'qwen2.5-7b-instruct',
      AEROSTACK_AI_EMBEDDING_MODEL: 'nomic-embed-text',
    },
    url: `${COMPAT}/chat/completions`,
    auth: (h: Headers) => h.get('authorization') === 'Bearer compat-operator',
    model: 'qwen2.5-7b-instruct',
    chat: {
      model: 'gpt-4o-mini-2024-07-18',
      content: 'Paris is the capital of France.',
      usage: { inputTokens: 14, outputTokens: 7 },
    },
    streamed: 'Hello, world!',
    embeddings: 'nomic-embed-text',
    unauthorized: providerErrors.unauthorized,
  },
];

describe.each(cases)('AI through $provider', (c) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await testPlatform(BACKENDS[0]!, { env: { AEROSTACK_AI_PROVIDER: c.provider, ...c.env } });
  });
  afterAll(() => t?.close());

  it('completes a chat with the operator’s credentials', async () => {
    const res = await t.call({ method: 'POST', path: '/v1/ai/chat', body: hello, auth: t.keys.secretKey });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      model: c.chat.model,
      message: { role: 'assistant', content: c.chat.content, toolCalls: [] },
      finishReason: 'stop',
      usage: c.chat.usage,
    });
    const sent = providers.log.requests[0]!;
    expect(c.auth(sent.headers)).toBe(true);
    expect(JSON.stringify(sent.body)).toContain('Hello');
  });

  it('streams the tokens, then done with the usage', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat/stream',
      body: hello,
      auth: t.keys.secretKey,
    });
    expect(res.status, res.text).toBe(200);
    const frames = framesOf(res.text);
    expect(frames[0]).toEqual({ event: 'start', data: { model: c.model } });
    const deltas = frames.filter((f) => f.event === 'delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((f) => f.data.text).join('')).toBe(c.streamed);
    expect(frames.at(-1)?.event).toBe('done');
    expect(frames.at(-1)?.data.finishReason).toBe('stop');
  });

  it('embeds, or says it cannot', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/embeddings',
      body: { texts: ['alpha', 'beta'] },
      auth: t.keys.secretKey,
    });
    if (c.embeddings) {
      expect(res.status, res.text).toBe(200);
      expect(res.json.model).toBe(c.embeddings);
      expect(res.json.embeddings).toEqual([vectorOf('alpha'), vectorOf('beta')]);
      expect(t.platform.services.ai.embeddingAvailable()).toBe(true);
    } else {
      expect(res.status, res.text).toBe(503);
      expect(res.json.code).toBe('ai/embeddings-unavailable');
      expect(t.platform.services.ai.embeddingAvailable()).toBe(false);
    }
  });

  it('the provider refusing the operator’s key → 502 ai/provider-unauthorized', async () => {
    providers.use(c.url, c.unauthorized);
    const res = await t.call({ method: 'POST', path: '/v1/ai/chat', body: hello, auth: t.keys.secretKey });
    expect(res.status, res.text).toBe(502);
    expect(res.json.code).toBe('ai/provider-unauthorized');
  });

  it('a provider 429 → 429 with its Retry-After', async () => {
    providers.use(c.url, () => providerErrors.rateLimited('3'));
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat/stream',
      body: hello,
      auth: t.keys.secretKey,
    });
    expect(res.status, res.text).toBe(429);
    expect(res.json.code).toBe('ai/provider-rate-limited');
    expect(res.headers.get('retry-after')).toBe('3');
  });
});

describe('AI configuration', () => {
  it('refuses an unknown provider and an openai-compatible one without a base URL', async () => {
    const { loadConfig } = await import('../src/config.js');
    expect(() => loadConfig({ AEROSTACK_AI_PROVIDER: 'skynet' })).toThrow(
      /AEROSTACK_AI_PROVIDER must be one of/,
    );
    expect(() => loadConfig({ AEROSTACK_AI_PROVIDER: 'openai-compatible' })).toThrow(/AEROSTACK_AI_BASE_URL/);
    expect(loadConfig({}).ai.provider).toBeNull();
  });
});
