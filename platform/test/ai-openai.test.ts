import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Server } from '../src/server.js';
import { type AiProviders, aiProviders, OPENAI, providerErrors, vectorOf } from './support/ai-providers.js';
import { BACKENDS } from './support/backends.js';
import { configFor } from './support/harness.js';

// The OpenAI-compatible API (/v1/ai/openai) driven by the official `openai` npm SDK over real HTTP,
// with a project secret key as its API key; the platform's provider (OpenAI here) is served by msw.

let providers: AiProviders;
beforeAll(() => {
  providers = aiProviders();
});
afterEach(() => providers.reset());
afterAll(() => providers.close());

describe.each(BACKENDS)('the OpenAI SDK against the platform on $name', (backend) => {
  let server: Server;
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let client: OpenAI;
  let otherClient: OpenAI;
  beforeAll(async () => {
    stores = await backend.create();
    server = await listen(
      configFor(stores, {
        env: { AEROSTACK_AI_PROVIDER: 'openai', AEROSTACK_AI_API_KEY: 'sk-operator' },
        overrides: () => ({ port: 0, host: '127.0.0.1', logLevel: 'error' }),
      }),
    );
    const keys = server.platform.keys!;
    client = new OpenAI({ baseURL: `${server.url}/v1/ai/openai`, apiKey: keys.secretKey, maxRetries: 0 });
    const other = await fetch(`${server.url}/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.accountKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Other' }),
    });
    const otherKey = ((await other.json()) as { secretKey: { key: string } }).secretKey.key;
    otherClient = new OpenAI({ baseURL: `${server.url}/v1/ai/openai`, apiKey: otherKey, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await stores?.cleanup();
  });

  it('chat completions', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'developer', content: 'Answer briefly.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: 'Paris is the capital of France.',
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({ prompt_tokens: 14, completion_tokens: 7, total_tokens: 21 });
    // The platform called OpenAI with the operator's key, never the project's.
    expect(providers.log.requests[0]?.headers.get('authorization')).toBe('Bearer sk-operator');
  });

  it('tool calls, and the tool result sent back', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const first = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    const second = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call!.id, content: '18 °C' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe('Paris is the capital of France.');
  });

  it('JSON output', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Where?' }],
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ city: 'Paris', country: 'France' });
  });

  it('streaming chat, in OpenAI’s chunk format, ending with [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello, world!');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    const raw = await fetch(`${server.url}/v1/ai/openai/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.platform.keys!.secretKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
      }),
    });
    expect((await raw.text()).trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('embeddings, as floats and as the SDK’s default base64', async () => {
    const asBase64 = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['one', 'two'],
    });
    expect(asBase64.data.map((d) => d.index)).toEqual([0, 1]);
    const floats = (v: number[]) => v.map((x) => Math.fround(x));
    expect(asBase64.data[0]?.embedding).toEqual(floats(vectorOf('one')));
    expect(asBase64.data[1]?.embedding).toEqual(floats(vectorOf('two')));
    const asFloats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'three',
      encoding_format: 'float',
    });
    expect(asFloats.data[0]?.embedding).toEqual(vectorOf('three'));
    expect(asFloats.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
  });

  it('lists the configured models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-4o-mini', 'text-embedding-3-small']);
  });

  it('errors arrive as OpenAI SDK errors with the platform’s code', async () => {
    const bad = new OpenAI({ baseURL: `${server.url}/v1/ai/openai`, apiKey: 'sk_not-a-key', maxRetries: 0 });
    await expect(
      bad.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({
      status: 401,
      code: 'auth/invalid-credentials',
    });
    const publishable = new OpenAI({
      baseURL: `${server.url}/v1/ai/openai`,
      apiKey: server.platform.keys!.publishableKey,
      maxRetries: 0,
    });
    await expect(publishable.models.list()).rejects.toMatchObject({ status: 403 });
    await expect(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'wizard', content: 'x' }] as never,
      }),
    ).rejects.toMatchObject({ status: 400, code: 'request/invalid-body', type: 'invalid_request_error' });
    providers.use(`${OPENAI}/chat/completions`, () => providerErrors.rateLimited('9'));
    const limited = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited).toMatchObject({ status: 429, code: 'ai/provider-rate-limited' });
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('9');
  });

  it('the usage API shows the tokens per key and model', async () => {
    await otherClient.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'a' }],
    });
    await otherClient.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'b' }],
    });
    const stream = await otherClient.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'c' }],
      stream: true,
    });
    for await (const _ of stream);
    await otherClient.embeddings.create({ model: 'text-embedding-3-small', input: ['x', 'y', 'z'] });
    const res = await fetch(`${server.url}/v1/ai/usage`, {
      headers: { authorization: `Bearer ${otherClient.apiKey}` },
    });
    const usage = (await res.json()) as { data: Array<Record<string, unknown>> };
    const keyId = usage.data[0]?.keyId;
    expect(keyId).toMatch(/^key_/);
    expect(usage.data.map(({ day: _, ...row }) => row)).toEqual([
      {
        keyId,
        userId: null,
        model: 'gpt-4o-mini',
        requests: 3,
        inputTokens: 14 * 2 + 9,
        outputTokens: 7 * 2 + 4,
      },
      { keyId, userId: null, model: 'text-embedding-3-small', requests: 1, inputTokens: 15, outputTokens: 0 },
    ]);
  });
});
