import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AiProviders, aiProviders, vectorOf } from '../../../platform/test/support/ai-providers';
import { startTestPlatform } from '../../core/test/support/platform';
import { type AiStreamEvent, createClient, type NodeClient } from '../src';

// client.ai from a backend with the secret key: a tool-calling loop, a streamed answer, a batch of
// embeddings and the usage report. The platform's AI provider (OpenAI) is msw serving recorded
// answers to the AI SDK code inside the platform.

let providers: AiProviders;
let platform: RunningPlatform;
let client: NodeClient;
beforeAll(async () => {
  providers = aiProviders();
  platform = await startTestPlatform({
    AEROSTACK_AI_PROVIDER: 'openai',
    AEROSTACK_AI_API_KEY: 'sk-operator',
  });
  client = createClient({ url: platform.url, secretKey: platform.secretKey });
});
afterAll(async () => {
  await platform?.close();
  providers?.close();
});

describe('client.ai from Node', () => {
  it('runs a tool call round trip', async () => {
    const tools = [
      { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
    ];
    const messages = [{ role: 'user' as const, content: 'Weather in Paris?' }];
    const first = await client.ai.chat({ messages, tools });
    const [call] = first.message.toolCalls;
    expect(call).toMatchObject({ name: 'get_weather', arguments: { city: 'Paris' } });
    const second = await client.ai.chat({
      messages: [
        ...messages,
        { role: 'assistant', content: '', toolCalls: first.message.toolCalls },
        { role: 'tool', toolCallId: call!.id, content: JSON.stringify({ celsius: 18 }) },
      ],
    });
    expect(second.finishReason).toBe('stop');
  });

  it('streams and embeds, then reports the usage', async () => {
    const events: AiStreamEvent[] = [];
    for await (const event of client.ai.stream({ messages: [{ role: 'user', content: 'Hi' }] }))
      events.push(event);
    expect(events.map((e) => e.event)).toEqual(['start', 'delta', 'delta', 'delta', 'delta', 'done']);
    const { embeddings } = await client.ai.embed(['a', 'b', 'c']);
    expect(embeddings).toEqual(['a', 'b', 'c'].map(vectorOf));
    const { data } = await client.ai.usage({ since: new Date().toISOString().slice(0, 10) });
    expect(data.map((row) => [row.model, row.requests])).toEqual([
      ['gpt-4o-mini', 3],
      ['text-embedding-3-small', 1],
    ]);
  });
});
