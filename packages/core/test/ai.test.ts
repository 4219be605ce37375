import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AiProviders,
  aiProviders,
  OPENAI,
  providerErrors,
  vectorOf,
} from '../../../platform/test/support/ai-providers';
import { type AerostackClient, createClient, isAerostackError } from '../src/index';
import { startTestPlatform } from './support/platform';

// client.ai against the real platform over HTTP; only the platform's AI provider (OpenAI) is
// faked, by msw serving recorded answers to the AI SDK code inside the platform.

type Platform = Awaited<ReturnType<typeof startTestPlatform>>;
const messages = [{ role: 'user' as const, content: 'Hello' }];

let providers: AiProviders;
let platform: Platform;
let client: AerostackClient;
beforeAll(async () => {
  providers = aiProviders();
  platform = await startTestPlatform({
    AEROSTACK_AI_PROVIDER: 'openai',
    AEROSTACK_AI_API_KEY: 'sk-operator',
  });
  client = createClient({ url: platform.url, secretKey: platform.secretKey });
});
afterEach(() => providers.reset());
afterAll(async () => {
  await platform?.close();
  providers?.close();
});

describe('client.ai', () => {
  it('chat resolves with the assistant’s message and usage', async () => {
    const completion = await client.ai.chat({ messages });
    expect(completion.message.content).toBe('Paris is the capital of France.');
    expect(completion.usage).toEqual({ inputTokens: 14, outputTokens: 7 });
  });

  it('chat with JSON output resolves the parsed value', async () => {
    const completion = await client.ai.chat({ messages, responseFormat: { type: 'json' } });
    expect(completion.json).toEqual({ city: 'Paris', country: 'France' });
  });

  it('stream yields tokens incrementally: the first arrives before the provider sends its last', async () => {
    let release = () => {};
    providers.streaming.holdLast = new Promise<void>((resolve) => {
      release = resolve;
    });
    const events = [];
    let lastSentBeforeFirstDelta: boolean | undefined;
    for await (const event of client.ai.stream({ messages })) {
      if (event.event === 'delta' && lastSentBeforeFirstDelta === undefined) {
        lastSentBeforeFirstDelta = providers.log.events.includes('sent:7');
        release();
      }
      events.push(event);
    }
    expect(lastSentBeforeFirstDelta).toBe(false);
    expect(events[0]).toMatchObject({ event: 'start', data: { model: 'gpt-4o-mini' } });
    const text = events.map((e) => (e.event === 'delta' ? e.data.text : '')).join('');
    expect(text).toBe('Hello, world!');
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { finishReason: 'stop' } });
  });

  it('stream ends quietly when its signal aborts', async () => {
    providers.streaming.delayMs = 200;
    const abort = new AbortController();
    const seen: string[] = [];
    for await (const event of client.ai.stream({ messages }, { signal: abort.signal })) {
      seen.push(event.event);
      if (event.event === 'delta') abort.abort();
    }
    expect(seen).toEqual(['start', 'delta']);
  });

  it('a provider failure before the first token rejects with its AerostackError', async () => {
    providers.use(`${OPENAI}/chat/completions`, providerErrors.unauthorized);
    const failure = await (async () => {
      for await (const _ of client.ai.stream({ messages }, { maxRetries: 0 }));
    })().catch((error: unknown) => error);
    expect(isAerostackError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'ai/provider-unauthorized', status: 502 });
  });

  it('a stream broken off after the first token rejects with the platform’s problem', async () => {
    providers.use(`${OPENAI}/chat/completions`, () =>
      providerErrors.brokenStream(providers.log, providers.streaming),
    );
    const texts: string[] = [];
    const failure = await (async () => {
      for await (const event of client.ai.stream({ messages }))
        if (event.event === 'delta') texts.push(event.data.text);
    })().catch((error: unknown) => error);
    expect(texts).toEqual(['Hel']);
    expect(failure).toMatchObject({ code: 'ai/provider-invalid-response' });
  });

  it('embed takes one text or many', async () => {
    const one = await client.ai.embed('alpha');
    expect(one.embeddings).toEqual([vectorOf('alpha')]);
    const many = await client.ai.embed(['b', 'c']);
    expect(many).toMatchObject({ dimensions: 8, embeddings: [vectorOf('b'), vectorOf('c')] });
  });

  it('usage lists the tokens per key and model', async () => {
    const { data, nextCursor } = await client.ai.usage();
    expect(nextCursor).toBeNull();
    const chat = data.find((row) => row.model === 'gpt-4o-mini');
    expect(chat?.keyId).toMatch(/^key_/);
    expect(chat?.requests).toBeGreaterThanOrEqual(3);
    expect(data.find((row) => row.model === 'text-embedding-3-small')?.inputTokens).toBe(15);
  });

  it('rejects with ai/no-provider on a platform without one', async () => {
    const bare = await startTestPlatform();
    try {
      const other = createClient({ url: bare.url, secretKey: bare.secretKey, maxRetries: 0 });
      await expect(other.ai.chat({ messages })).rejects.toMatchObject({
        code: 'ai/no-provider',
        status: 503,
      });
    } finally {
      await bare.close();
    }
  });
});
