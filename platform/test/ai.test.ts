import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AiProviders, aiProviders, OPENAI, providerErrors, vectorOf } from './support/ai-providers.js';
import { signedInUser } from './support/auth.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// The AI module on every backend, with OpenAI as the provider: the real @ai-sdk/openai code in
// the platform talks to recorded OpenAI answers served by msw (test/support/ai-providers.ts).

const OPERATOR_KEY = 'sk-operator-secret-0123456789';
const AI_ENV = { AEROSTACK_AI_PROVIDER: 'openai', AEROSTACK_AI_API_KEY: OPERATOR_KEY };
const hello = { messages: [{ role: 'user', content: 'What is the capital of France?' }] };

let providers: AiProviders;
beforeAll(() => {
  providers = aiProviders();
});
afterEach(() => providers.reset());
afterAll(() => providers.close());

/** The events of an event-stream answer's text. */
function framesOf(text: string) {
  return text
    .split('\n\n')
    .filter((block) => block.includes('event: '))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      return { event, data: data === undefined ? undefined : JSON.parse(data) };
    });
}

describe('AI with no provider configured', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await testPlatform(BACKENDS[0]!);
  });
  afterAll(() => t?.close());

  it.each([
    ['POST', '/v1/ai/chat', hello],
    ['POST', '/v1/ai/chat/stream', hello],
    ['POST', '/v1/ai/embeddings', { texts: ['a'] }],
  ])('%s %s → 503 ai/no-provider saying how to configure one', async (method, path, body) => {
    const res = await t.call({ method, path, body, auth: t.keys.secretKey });
    expect(res.status, res.text).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json.code).toBe('ai/no-provider');
    expect(res.json.detail).toContain('AEROSTACK_AI_PROVIDER');
    expect(providers.log.requests).toHaveLength(0);
  });

  it('the OpenAI-compatible API answers 503 in OpenAI’s error shape', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/openai/chat/completions',
      auth: t.keys.secretKey,
      body: { model: 'gpt-4o-mini', ...hello },
    });
    expect(res.status).toBe(503);
    expect(res.json.error).toMatchObject({ code: 'ai/no-provider', type: 'api_error', param: null });
    expect(res.json.error.message).toContain('AEROSTACK_AI_PROVIDER');
  });

  it('the usage API answers (empty) without a provider', async () => {
    const res = await t.call({ method: 'GET', path: '/v1/ai/usage', auth: t.keys.secretKey });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ data: [], nextCursor: null });
  });
});

describe.each(BACKENDS)('AI through OpenAI on $name', (backend) => {
  let t: TestPlatform;
  let otherSecret: string;
  beforeAll(async () => {
    t = await testPlatform(backend, { env: { ...AI_ENV, AEROSTACK_AI_USER_RATE_LIMIT: '3' } });
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'Other' },
    });
    otherSecret = created.json.secretKey.key;
  });
  afterAll(() => t?.close());

  it('completes a chat with the operator’s key, which never comes back', async () => {
    const res = await t.call({ method: 'POST', path: '/v1/ai/chat', body: hello, auth: t.keys.secretKey });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      model: 'gpt-4o-mini-2024-07-18',
      message: { role: 'assistant', content: 'Paris is the capital of France.', toolCalls: [] },
      finishReason: 'stop',
      usage: { inputTokens: 14, outputTokens: 7 },
    });
    expect(res.text).not.toContain(OPERATOR_KEY);
    const [sent] = providers.log.requests;
    expect(sent?.url).toBe(`${OPENAI}/chat/completions`);
    expect(sent?.headers.get('authorization')).toBe(`Bearer ${OPERATOR_KEY}`);
    expect(sent?.body).toMatchObject({ model: 'gpt-4o-mini', messages: hello.messages });
  });

  it('asks for JSON and answers it parsed', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      auth: t.keys.secretKey,
      body: {
        ...hello,
        responseFormat: {
          type: 'json',
          name: 'place',
          schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.json).toEqual({ city: 'Paris', country: 'France' });
    expect(providers.log.requests[0]?.body).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'place' } },
    });
  });

  it('returns tool calls, and sends tool results back as tool messages', async () => {
    const tools = [
      { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
    ];
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      auth: t.keys.secretKey,
      body: { ...hello, tools },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.finishReason).toBe('tool-calls');
    expect(res.json.message.toolCalls).toEqual([
      { id: 'call_Wq1XeB3hT7sLkQ2mN9pZrA4v', name: 'get_weather', arguments: { city: 'Paris' } },
    ]);
    const call = res.json.message.toolCalls[0];
    const followUp = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      auth: t.keys.secretKey,
      body: {
        messages: [
          ...hello.messages,
          { role: 'assistant', content: '', toolCalls: [call] },
          { role: 'tool', toolCallId: call.id, content: '{"temperature":18}' },
        ],
      },
    });
    expect(followUp.status, followUp.text).toBe(200);
    const sent = providers.log.requests[1]?.body as { messages: Array<Record<string, unknown>> };
    expect(sent.messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: call.id,
      content: '{"temperature":18}',
    });
    expect(sent.messages.at(-2)).toMatchObject({
      role: 'assistant',
      tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather' } }],
    });
  });

  it('a tool message answering no known call is a 400, not a provider round trip', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      auth: t.keys.secretKey,
      body: { messages: [{ role: 'tool', toolCallId: 'call_unknown', content: 'x' }] },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe('request/invalid-body');
    expect(providers.log.requests).toHaveLength(0);
  });

  it.each([
    { name: 'no messages', body: { messages: [] } },
    { name: 'missing messages', body: {} },
    { name: 'unknown role', body: { messages: [{ role: 'wizard', content: 'x' }] } },
    { name: 'content of the wrong type', body: { messages: [{ role: 'user', content: 42 }] } },
    { name: 'an unknown field', body: { ...hello, frequency: 3 } },
    { name: 'temperature out of range', body: { ...hello, temperature: 9 } },
    { name: 'a bad tool name', body: { ...hello, tools: [{ name: 'no spaces', parameters: {} }] } },
  ])('$name → 400 request/invalid-body, nothing sent', async ({ body }) => {
    const res = await t.call({ method: 'POST', path: '/v1/ai/chat', auth: t.keys.secretKey, body });
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe('request/invalid-body');
    expect(providers.log.requests).toHaveLength(0);
  });

  it('a body over the limit → 413', async () => {
    const huge = {
      messages: [
        { role: 'user', content: 'x'.repeat(300_000) },
        { role: 'user', content: 'y'.repeat(300_000) },
        { role: 'user', content: 'z'.repeat(300_000) },
        { role: 'user', content: 'w'.repeat(300_000) },
      ],
    };
    const res = await t.call({ method: 'POST', path: '/v1/ai/chat', auth: t.keys.secretKey, body: huge });
    expect(res.status).toBe(413);
    expect(res.json.code).toBe('request/body-too-large');
  });

  it.each([
    { name: '401', answer: providerErrors.unauthorized, status: 502, code: 'ai/provider-unauthorized' },
    {
      name: '429',
      answer: () => providerErrors.rateLimited('20'),
      status: 429,
      code: 'ai/provider-rate-limited',
    },
    { name: '500', answer: providerErrors.serverError, status: 502, code: 'ai/provider-error' },
    {
      name: 'malformed JSON',
      answer: providerErrors.malformed,
      status: 502,
      code: 'ai/provider-invalid-response',
    },
    {
      name: 'a network failure',
      answer: () => HttpResponse.error(),
      status: 502,
      code: 'ai/provider-error',
    },
  ])('provider $name → $status $code (problem+json)', async ({ answer, status, code }) => {
    providers.use(`${OPENAI}/chat/completions`, answer);
    const res = await t.call({ method: 'POST', path: '/v1/ai/chat', body: hello, auth: t.keys.secretKey });
    expect(res.status, res.text).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json.code).toBe(code);
    expect(res.text).not.toContain(OPERATOR_KEY);
    if (status === 429) expect(res.headers.get('retry-after')).toBe('20');
  });

  it('an unknown model → 400 ai/provider-rejected with the provider’s message', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      body: { ...hello, model: 'gpt-nonexistent' },
      auth: t.keys.secretKey,
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe('ai/provider-rejected');
    expect(res.json.detail).toContain('gpt-nonexistent');
  });

  it('streams tokens as events; the first arrives before the provider sends its last', async () => {
    let release = () => {};
    providers.streaming.holdLast = new Promise<void>((resolve) => {
      release = resolve;
    });
    const res = await t.platform.app.request('/v1/ai/chat/stream', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(hello),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: delta')) text += (await reader.read()).value ?? '';
    // The provider is holding its last event until we have seen a token.
    expect(providers.log.events).not.toContain('sent:7');
    release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const frames = framesOf(text);
    expect(frames[0]).toEqual({ event: 'start', data: { model: 'gpt-4o-mini' } });
    expect(
      frames
        .filter((f) => f.event === 'delta')
        .map((f) => f.data.text)
        .join(''),
    ).toBe('Hello, world!');
    expect(frames.at(-1)).toEqual({
      event: 'done',
      data: { finishReason: 'stop', usage: { inputTokens: 9, outputTokens: 4 } },
    });
    expect(providers.log.events.indexOf('last')).toBeGreaterThan(-1);
  });

  it('a provider error before the first token is a problem+json answer', async () => {
    providers.use(`${OPENAI}/chat/completions`, () => providerErrors.rateLimited('7'));
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat/stream',
      body: hello,
      auth: t.keys.secretKey,
    });
    expect(res.status, res.text).toBe(429);
    expect(res.json.code).toBe('ai/provider-rate-limited');
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('a stream the provider breaks off ends with an error event carrying the problem', async () => {
    providers.use(`${OPENAI}/chat/completions`, () =>
      providerErrors.brokenStream(providers.log, providers.streaming),
    );
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat/stream',
      body: hello,
      auth: t.keys.secretKey,
    });
    expect(res.status).toBe(200);
    const frames = framesOf(res.text);
    expect(frames.find((f) => f.event === 'delta')?.data).toEqual({ text: 'Hel' });
    expect(frames.at(-1)?.event).toBe('error');
    expect(frames.at(-1)?.data.code).toBe('ai/provider-invalid-response');
  });

  it('embeds texts, one vector each, in order', async () => {
    const texts = ['alpha', 'beta', 'gamma'];
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/embeddings',
      body: { texts },
      auth: t.keys.secretKey,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      model: 'text-embedding-3-small',
      dimensions: 8,
      embeddings: texts.map(vectorOf),
      usage: { inputTokens: 15 },
    });
  });

  it('services.ai.embed serves other modules (the vector module’s contract)', async () => {
    const ai = t.platform.services.ai;
    expect(ai.embeddingAvailable()).toBe(true);
    const result = await ai.embed(['one', 'two']);
    expect(result).toMatchObject({
      model: 'text-embedding-3-small',
      dimensions: 8,
      embeddings: [vectorOf('one'), vectorOf('two')],
    });
  });

  it('end users may call, within their rate limit; a publishable key alone may not', async () => {
    const user = await signedInUser(t);
    for (let i = 0; i < 3; i++) {
      const res = await t.call({ method: 'POST', path: '/v1/ai/chat', body: hello, auth: user.accessToken });
      expect(res.status, res.text).toBe(200);
    }
    const limited = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      body: hello,
      auth: user.accessToken,
    });
    expect(limited.status).toBe(429);
    expect(limited.json.code).toBe('rate-limit/exceeded');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const anonymous = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      body: hello,
      auth: t.keys.publishableKey,
    });
    expect(anonymous.status).toBe(403);
    const usage = await t.call({ method: 'GET', path: '/v1/ai/usage', auth: t.keys.secretKey });
    const mine = usage.json.data.filter((row: { userId: string | null }) => row.userId === user.userId);
    expect(mine).toEqual([
      expect.objectContaining({
        keyId: null,
        model: 'gpt-4o-mini',
        requests: 3,
        inputTokens: 42,
        outputTokens: 21,
      }),
    ]);
  });

  it('counts usage per key and model, and shows a project only its own', async () => {
    const before = await t.call({ method: 'GET', path: '/v1/ai/usage', auth: otherSecret });
    expect(before.json.data).toEqual([]);
    await Promise.all(
      Array.from({ length: 5 }, () =>
        t.call({ method: 'POST', path: '/v1/ai/chat', body: hello, auth: otherSecret }),
      ),
    );
    await t.call({
      method: 'POST',
      path: '/v1/ai/embeddings',
      body: { texts: ['a', 'b'] },
      auth: otherSecret,
    });
    const usage = await t.call({ method: 'GET', path: '/v1/ai/usage', auth: otherSecret });
    expect(usage.status, usage.text).toBe(200);
    const day = new Date().toISOString().slice(0, 10);
    const keyId = usage.json.data[0]?.keyId;
    expect(keyId).toMatch(/^key_/);
    expect(usage.json.data).toEqual([
      { day, keyId, userId: null, model: 'gpt-4o-mini', requests: 5, inputTokens: 70, outputTokens: 35 },
      {
        day,
        keyId,
        userId: null,
        model: 'text-embedding-3-small',
        requests: 1,
        inputTokens: 10,
        outputTokens: 0,
      },
    ]);
    const page = await t.call({ method: 'GET', path: '/v1/ai/usage?limit=1', auth: otherSecret });
    expect(page.json.data).toHaveLength(1);
    const next = await t.call({
      method: 'GET',
      path: `/v1/ai/usage?limit=1&cursor=${page.json.nextCursor}`,
      auth: otherSecret,
    });
    expect(next.json.data[0].model).toBe('text-embedding-3-small');
    expect(next.json.nextCursor).toBeNull();
    const filtered = await t.call({
      method: 'GET',
      path: `/v1/ai/usage?keyId=key_none&since=${day}`,
      auth: otherSecret,
    });
    expect(filtered.json.data).toEqual([]);
    const mine = await t.call({ method: 'GET', path: '/v1/ai/usage', auth: t.keys.secretKey });
    expect(mine.json.data.some((row: { keyId: string }) => row.keyId === keyId)).toBe(false);
  });

  it.each([
    {
      name: 'no credential',
      auth: undefined,
      body: { model: 'm', messages: hello.messages },
      status: 401,
      code: 'auth/missing-credentials',
    },
    {
      name: 'a text body',
      auth: 'secret',
      body: 'hello',
      type: 'text/plain',
      status: 415,
      code: 'request/unsupported-media-type',
    },
    { name: 'invalid JSON', auth: 'secret', body: '{"model":', status: 400, code: 'request/invalid-json' },
    {
      name: 'no model',
      auth: 'secret',
      body: { messages: hello.messages },
      status: 400,
      code: 'request/invalid-body',
      param: null,
    },
    {
      name: 'arguments that are not JSON',
      auth: 'secret',
      body: {
        model: 'm',
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{oops' } }],
          },
        ],
      },
      status: 400,
      code: 'request/invalid-body',
      param: 'messages.0.tool_calls.0.function.arguments',
    },
    {
      name: 'a tool message without tool_call_id',
      auth: 'secret',
      body: { model: 'm', messages: [{ role: 'tool', content: 'x' }] },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'tool_choice naming a tool not offered',
      auth: 'secret',
      body: {
        model: 'm',
        messages: hello.messages,
        tool_choice: { type: 'function', function: { name: 'nope' } },
      },
      status: 400,
      code: 'request/invalid-body',
      param: 'tool_choice',
    },
    {
      name: 'n = 2',
      auth: 'secret',
      body: { model: 'm', messages: hello.messages, n: 2 },
      status: 400,
      code: 'request/invalid-body',
    },
  ])('OpenAI-compatible: $name → $status $code in OpenAI’s error shape', async (row) => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/openai/chat/completions',
      auth: row.auth === 'secret' ? t.keys.secretKey : undefined,
      body: row.body,
      ...(row.type ? { headers: { 'content-type': row.type } } : {}),
    });
    expect(res.status, res.text).toBe(row.status);
    expect(res.json.error.code).toBe(row.code);
    expect(typeof res.json.error.message).toBe('string');
    if ('param' in row) expect(res.json.error.param).toBe(row.param);
    expect(providers.log.requests).toHaveLength(0);
  });

  it('OpenAI-compatible: a body over the limit → 413', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/openai/embeddings',
      auth: t.keys.secretKey,
      body: { model: 'm', input: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('request/body-too-large');
  });

  it('a client that leaves a stream stops the provider’s', async () => {
    // Slow enough that the provider is still sending when the cancel reaches it, on a loaded machine.
    providers.streaming.delayMs = 1000;
    const counted = await t.call({ method: 'GET', path: '/v1/ai/usage', auth: t.keys.secretKey });
    const before: number =
      counted.json.data.find((r: { keyId: string | null }) => r.keyId !== null)?.requests ?? 0;
    const res = await t.platform.app.request('/v1/ai/chat/stream', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(hello),
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: delta')) text += (await reader.read()).value ?? '';
    expect(providers.log.events).not.toContain('aborted');
    await reader.cancel();
    await vi.waitFor(() => expect(providers.log.events).toContain('aborted'), { timeout: 10_000 });
    // The abandoned stream still counts as a request (the provider reports tokens only at its end).
    await vi.waitFor(
      async () => {
        const usage = await t.call({ method: 'GET', path: '/v1/ai/usage', auth: t.keys.secretKey });
        const row = usage.json.data.find((r: { keyId: string | null }) => r.keyId !== null);
        expect(row).toMatchObject({ model: 'gpt-4o-mini', requests: before + 1 });
      },
      { timeout: 15_000 },
    );
  }, 30_000);

  it('the usage API needs the secret key', async () => {
    const user = await signedInUser(t);
    const res = await t.call({ method: 'GET', path: '/v1/ai/usage', auth: user.accessToken });
    expect(res.status).toBe(403);
  });
});

describe('AI provider deadline', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await testPlatform(BACKENDS[0]!, { env: { ...AI_ENV, AEROSTACK_AI_TIMEOUT_MS: '300' } });
  });
  afterAll(() => t?.close());

  it('a provider slower than AEROSTACK_AI_TIMEOUT_MS → 504 ai/provider-timeout', async () => {
    providers.use(`${OPENAI}/chat/completions`, async () => {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      return providerErrors.serverError();
    });
    const res = await t.call({ method: 'POST', path: '/v1/ai/chat', body: hello, auth: t.keys.secretKey });
    expect(res.status, res.text).toBe(504);
    expect(res.json.code).toBe('ai/provider-timeout');
  });
});
