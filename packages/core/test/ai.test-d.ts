import { describe, expectTypeOf, it } from 'vitest';
import { type AiChatCompletion, type AiMessage, type AiStreamEvent, createClient } from '../src';

const client = createClient({ url: 'http://localhost:8787', secretKey: 'sk_x' });

describe('client.ai types', () => {
  it('discriminates stream events by name', async () => {
    for await (const event of client.ai.stream({ messages: [{ role: 'user', content: 'hi' }] })) {
      expectTypeOf(event).toEqualTypeOf<AiStreamEvent>();
      if (event.event === 'delta') expectTypeOf(event.data.text).toEqualTypeOf<string>();
      if (event.event === 'done') expectTypeOf(event.data.usage.outputTokens).toEqualTypeOf<number>();
      if (event.event === 'tool-call') expectTypeOf(event.data.name).toEqualTypeOf<string>();
    }
  });

  it('types a chat, its tools and its answer', () => {
    expectTypeOf(
      client.ai.chat({
        messages: [{ role: 'user', content: 'hi' }],
        tools: [
          { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
        ],
        responseFormat: { type: 'json' },
      }),
    ).resolves.toEqualTypeOf<AiChatCompletion>();
    // @ts-expect-error roles are the four the spec names
    const wizard: AiMessage = { role: 'wizard', content: 'x' };
    void wizard;
  });

  it('embeds one text or many', () => {
    expectTypeOf(client.ai.embed('one')).resolves.toHaveProperty('embeddings').toEqualTypeOf<number[][]>();
    expectTypeOf(client.ai.embed(['a', 'b'], { model: 'm' })).resolves.toHaveProperty('dimensions');
  });
});
