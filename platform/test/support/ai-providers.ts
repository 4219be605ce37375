// Recorded AI provider answers served with msw (test/fixtures/ai) to the real Vercel AI SDK
// provider code running inside the test's platform. Only third parties are faked: our own platform
// is always the real one.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ai');

/** A fixture file's text. */
export const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as Record<string, unknown>;

export const OPENAI = 'https://api.openai.com/v1';
export const ANTHROPIC = 'https://api.anthropic.com/v1';
export const GOOGLE = 'https://generativelanguage.googleapis.com/v1beta';
export const GROQ = 'https://api.groq.com/openai/v1';
/** The base URL the openai-compatible provider is configured with in tests. */
export const COMPAT = 'http://llm.compat.test/v1';

/** A deterministic 8-dimensional vector for a text (so tests can check order and count). */
export function vectorOf(text: string): number[] {
  const digest = createHash('sha256').update(text).digest();
  return [...digest.subarray(0, 8)].map((byte) => Math.round((byte / 255 - 0.5) * 1e4) / 1e4);
}

/** What the fake providers saw and did, in order (requests, and stream events as sent). */
export interface ProviderLog {
  requests: Array<{ url: string; headers: Headers; body: unknown }>;
  /**
   * `sent:<n>` for each stream event as it is sent, `last` just before the last one, `aborted`
   * when the platform aborts its request to an OpenAI-style provider.
   */
  events: string[];
}

export interface Streaming {
  /** Milliseconds between two events of a stream. */
  delayMs: number;
  /** When set, a stream waits for it before sending its last event. */
  holdLast: Promise<void> | null;
}

/** An event-stream answer sending the fixture's events one at a time, with delays (and a hold). */
function eventStream(
  name: string,
  log: ProviderLog,
  streaming: Streaming,
  headers: Record<string, string> = {},
) {
  const events = fixture(name)
    .trim()
    .split(/\n\n+/)
    .map((block) => `${block}\n\n`);
  const encoder = new TextEncoder();
  let i = 0;
  // Pulled: an event is produced when the reader wants one.
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, streaming.delayMs));
        if (i === events.length - 1) {
          log.events.push('last');
          if (streaming.holdLast) await streaming.holdLast;
        }
        log.events.push(`sent:${i}`);
        controller.enqueue(encoder.encode(events[i]!));
        if (++i === events.length) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return new HttpResponse(body, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers },
  });
}

/** OpenAI's Chat Completions and Embeddings at `base` (OpenAI itself, Groq, an OpenAI-compatible server). */
function openAiStyle(base: string, log: ProviderLog, streaming: Streaming, chatFixture: string) {
  return [
    http.post(`${base}/chat/completions`, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      log.requests.push({ url: request.url, headers: request.headers, body });
      // msw reads a mocked body to its end whatever the reader does, so a platform that gives up
      // on the provider shows as the request's own signal aborting.
      request.signal.addEventListener('abort', () => log.events.push('aborted'));
      if (body.model === 'gpt-nonexistent')
        return HttpResponse.json(json('openai-error-400.json'), { status: 404 });
      if (body.stream) return eventStream('openai-chat-stream.sse', log, streaming);
      if (body.tools) return HttpResponse.json(json('openai-chat-tool-call.json'));
      if (body.response_format) return HttpResponse.json(json('openai-chat-json.json'));
      return HttpResponse.json(json(chatFixture));
    }),
    http.post(`${base}/embeddings`, async ({ request }) => {
      const body = (await request.json()) as { input: string[] | string; model: string };
      log.requests.push({ url: request.url, headers: request.headers, body });
      const inputs = typeof body.input === 'string' ? [body.input] : body.input;
      const recorded = json('openai-embeddings.json');
      return HttpResponse.json({
        ...recorded,
        model: body.model,
        data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: vectorOf(text) })),
        usage: { prompt_tokens: inputs.length * 5, total_tokens: inputs.length * 5 },
      });
    }),
  ];
}

/**
 * The fake providers, listening (msw `setupServer`, unhandled requests pass through: the tests'
 * own HTTP to the platform is real). `use()` adds a test's one-off answers (errors) in front.
 */
export function aiProviders() {
  const log: ProviderLog = { requests: [], events: [] };
  const streaming: Streaming = { delayMs: 20, holdLast: null };
  const server = setupServer(
    ...openAiStyle(OPENAI, log, streaming, 'openai-chat.json'),
    ...openAiStyle(GROQ, log, streaming, 'groq-chat.json'),
    ...openAiStyle(COMPAT, log, streaming, 'openai-chat.json'),
    http.post(`${ANTHROPIC}/messages`, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      log.requests.push({ url: request.url, headers: request.headers, body });
      if (body.stream) return eventStream('anthropic-messages-stream.sse', log, streaming);
      return HttpResponse.json(json('anthropic-messages.json'));
    }),
    http.post(
      new RegExp(`^${GOOGLE}/models/[^/:]+:(generateContent|streamGenerateContent|batchEmbedContents)`),
      async ({ request }) => {
        const body = (await request.json()) as {
          requests?: Array<{ content: { parts: Array<{ text: string }> } }>;
        };
        log.requests.push({ url: request.url, headers: request.headers, body });
        const url = new URL(request.url);
        if (url.pathname.endsWith(':streamGenerateContent'))
          return eventStream('google-generate-stream.sse', log, streaming);
        if (url.pathname.endsWith(':batchEmbedContents')) {
          return HttpResponse.json({
            embeddings: (body.requests ?? []).map((r) => ({
              values: vectorOf(r.content.parts[0]?.text ?? ''),
            })),
          });
        }
        return HttpResponse.json(json('google-generate.json'));
      },
    ),
  );
  server.listen({ onUnhandledRequest: 'bypass' });
  return {
    server,
    log,
    streaming,
    /** Answers the next requests to `url` (a POST) with `respond` instead. */
    use(url: string | RegExp, respond: () => Response | Promise<Response>) {
      server.use(http.post(url, respond));
    },
    /** Back to the recorded answers, with an empty log. */
    reset() {
      server.resetHandlers();
      log.requests.length = 0;
      log.events.length = 0;
      streaming.delayMs = 20;
      streaming.holdLast = null;
    },
    close() {
      server.close();
    },
  };
}

export type AiProviders = ReturnType<typeof aiProviders>;

/** Errors as the providers send them. */
export const providerErrors = {
  unauthorized: () => HttpResponse.json(json('openai-error-401.json'), { status: 401 }),
  rateLimited: (retryAfter = '20') =>
    HttpResponse.json(json('openai-error-429.json'), { status: 429, headers: { 'retry-after': retryAfter } }),
  serverError: () => HttpResponse.json(json('openai-error-500.json'), { status: 500 }),
  malformed: () =>
    new HttpResponse('{"id":"chatcmpl-1","object":"chat.comp', {
      headers: { 'content-type': 'application/json' },
    }),
  brokenStream: (log: ProviderLog, streaming: Streaming) =>
    eventStream('openai-chat-stream-broken.sse', log, streaming),
  anthropicUnauthorized: () => HttpResponse.json(json('anthropic-error-401.json'), { status: 401 }),
};
