import type { AerostackClient } from '@aerostack/core';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AiProviders,
  aiProviders,
  OPENAI,
  providerErrors,
} from '../../../platform/test/support/ai-providers';
import { useAI } from '../src/index.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';
import { providerFor } from './support/render.js';

// useAI against the real platform over HTTP; the platform's AI provider (OpenAI) is msw serving
// recorded answers to the AI SDK code inside the platform.

let providers: AiProviders;
let platform: TestPlatform;
let client: AerostackClient;
beforeAll(async () => {
  providers = aiProviders();
  platform = await startTestPlatform({
    AEROSTACK_AI_PROVIDER: 'openai',
    AEROSTACK_AI_API_KEY: 'sk-operator',
  });
  client = platform.client();
});
afterEach(() => {
  cleanup();
  providers.reset();
});
afterAll(async () => {
  await platform?.close();
  providers?.close();
});

describe('useAI', () => {
  it('streams the answer into messages token by token, isStreaming meanwhile', async () => {
    let release = () => {};
    providers.streaming.holdLast = new Promise<void>((resolve) => {
      release = resolve;
    });
    const finished: string[] = [];
    const { result } = renderHook(
      () =>
        useAI({
          initialMessages: [{ role: 'system', content: 'Be brief.' }],
          onFinish: (m) => finished.push(m.content ?? ''),
        }),
      { wrapper: providerFor(client) },
    );
    expect(result.current.messages).toHaveLength(1);
    let sent: Promise<void> = Promise.resolve();
    act(() => {
      sent = result.current.send('Hello');
    });
    // Text is visible while the provider still holds its last event (the one that ends the answer).
    await waitFor(() => expect(result.current.messages.at(-1)?.content).toMatch(/^Hello/));
    expect(result.current.isStreaming).toBe(true);
    expect(providers.log.events).not.toContain('sent:7');
    expect(finished).toEqual([]);
    release();
    await act(() => sent);
    expect(result.current.isStreaming).toBe(false);
    expect(result.current.error).toBeNull();
    expect(result.current.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'Hello, world!' },
    ]);
    expect(finished).toEqual(['Hello, world!']);
    // The whole conversation went to the provider.
    expect(providers.log.requests[0]?.body).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    });
  });

  it('abort stops the answer and keeps what arrived', async () => {
    providers.streaming.delayMs = 300;
    // The answer cannot finish before the abort, however slow the machine.
    let release = () => {};
    providers.streaming.holdLast = new Promise<void>((resolve) => {
      release = resolve;
    });
    const finished: string[] = [];
    const { result } = renderHook(() => useAI({ onFinish: (m) => finished.push(m.content ?? '') }), {
      wrapper: providerFor(client),
    });
    let sent: Promise<void> = Promise.resolve();
    act(() => {
      sent = result.current.send('Hello');
    });
    await waitFor(() => expect(result.current.messages.at(-1)?.content).not.toBe(''));
    act(() => result.current.abort());
    await act(() => sent);
    release();
    expect(result.current.isStreaming).toBe(false);
    expect(result.current.error).toBeNull();
    // What arrived stays (a beginning of the answer); the answer never finished.
    const kept = result.current.messages.at(-1)?.content ?? '';
    expect(kept).not.toBe('');
    expect('Hello, world!'.startsWith(kept)).toBe(true);
    expect(finished).toEqual([]);
  });

  it('a provider failure lands in error, with its code', async () => {
    providers.use(`${OPENAI}/chat/completions`, () => providerErrors.rateLimited('5'));
    const { result } = renderHook(() => useAI(), { wrapper: providerFor(client) });
    await act(() => result.current.send('Hello'));
    expect(result.current.isStreaming).toBe(false);
    expect(result.current.error?.code).toBe('ai/provider-rate-limited');
    expect(result.current.error?.status).toBe(429);
  });
});
