import type { RequestOptions } from '../client/options';
import { pickRequestOptions } from '../client/options';
import { invalidResponse } from '../errors/from-response';
import type { components } from '../generated/openapi';
import { streamFailure } from '../stream/event-stream';
import { readEvents } from '../stream/read-events';
import type { StreamEvent } from '../stream/types';
import type { Http } from '../transport/http-types';
import type { Page } from '../types/models';

type Schemas = components['schemas'];

/** One message of a conversation (`system`, `user`, `assistant` or `tool`). */
export type AiMessage = Schemas['AiMessage'];
/** A tool the model may call: a name, a description and a JSON Schema of its arguments. */
export type AiTool = Schemas['AiTool'];
/** A call of one tool by the model; answer it with a `tool` message carrying its `id`. */
export type AiToolCall = Schemas['AiToolCall'];
/** What `ai.chat` and `ai.stream` take: the messages, and optionally tools, JSON output, a model. */
export type AiChatRequest = Schemas['AiChatRequest'];
/** A completed chat: the assistant's message, why it stopped, and the tokens used. */
export type AiChatCompletion = Schemas['AiChatCompletion'];
/** Vectors for texts, one each, in order. */
export type AiEmbeddings = Schemas['AiEmbeddings'];
/** One UTC day's usage by one key (or end user) of one model. */
export type AiUsageRow = Schemas['AiUsageRow'];

/**
 * The events of a streamed chat: `start` (the model), `delta` (the next piece of text), a
 * `tool-call` per tool call, and `done` (why it stopped, the tokens used).
 */
export interface AiStreamEvents {
  start: Schemas['AiStreamStart'];
  delta: Schemas['AiStreamDelta'];
  'tool-call': AiToolCall;
  done: Schemas['AiStreamDone'];
}

/**
 * One event of a streamed chat, discriminated on `event`.
 *
 * @example
 * for await (const e of client.ai.stream({ messages })) if (e.event === 'delta') write(e.data.text);
 */
export type AiStreamEvent = StreamEvent<AiStreamEvents>;

/**
 * Options of `ai.embed`.
 *
 * @example
 * await client.ai.embed(['a', 'b'], { model: 'text-embedding-3-large' });
 */
export interface AiEmbedOptions extends RequestOptions {
  /** An embedding model of the configured provider; the configured one when omitted. */
  model?: string | undefined;
}

/**
 * Options of `ai.usage`.
 *
 * @example
 * await client.ai.usage({ since: '2026-11-01', keyId: 'key_7Hq2vW9xK3mN5pR8sT1u' });
 */
export interface AiUsageOptions extends RequestOptions {
  /** The first UTC day (`YYYY-MM-DD`) to include. */
  since?: string | undefined;
  /** The last UTC day to include. */
  until?: string | undefined;
  /** Only this key's usage. */
  keyId?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/**
 * Chat completions, token streams and embeddings through the provider the platform's operator
 * configured. A secret key may always call; a signed-in end user within a per-user rate limit.
 * With no provider configured every call rejects with `ai/no-provider`.
 *
 * @example
 * const { message } = await client.ai.chat({ messages: [{ role: 'user', content: 'Hello!' }] });
 * console.log(message.content);
 */
export interface AiApi {
  /**
   * Completes a chat and resolves with the whole answer. With `responseFormat: { type: 'json' }`
   * the parsed answer is in `json`; tool calls are in `message.toolCalls`.
   *
   * @example
   * const { json } = await client.ai.chat({
   *   messages: [{ role: 'user', content: 'Capital of France, as {"city": …}' }],
   *   responseFormat: { type: 'json' },
   * });
   */
  chat(request: AiChatRequest, options?: RequestOptions): Promise<AiChatCompletion>;
  /**
   * Streams a chat's tokens as they are written: iterate the events (`start`, `delta`…, `done`).
   * The request is sent on the first iteration; a failure before the first token rejects it with
   * its `AerostackError`, and so does one after (the platform's last `error` event). Aborting
   * `options.signal` (or `break`) closes the connection and ends the iteration quietly. A
   * generation cannot be resumed, so a dropped stream is not reconnected.
   *
   * @example
   * let text = '';
   * for await (const event of client.ai.stream({ messages }, { signal })) {
   *   if (event.event === 'delta') text += event.data.text;
   * }
   */
  stream(request: AiChatRequest, options?: RequestOptions): AsyncIterable<AiStreamEvent>;
  /**
   * Embeds texts (one or many) with the configured embedding model.
   *
   * @example
   * const { embeddings: [vector] } = await client.ai.embed('The quick brown fox');
   */
  embed(texts: string | readonly string[], options?: AiEmbedOptions): Promise<AiEmbeddings>;
  /**
   * The project's token usage, one row per UTC day, key (or end user) and model (secret key).
   *
   * @example
   * const { data } = await client.ai.usage({ since: '2026-11-01' });
   * const tokens = data.reduce((n, row) => n + row.inputTokens + row.outputTokens, 0);
   */
  usage(options?: AiUsageOptions): Promise<Page<AiUsageRow>>;
}

function parse(data: string, response: Response): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw invalidResponse(response, 'An event whose data is not valid JSON.');
  }
}

async function* chatStream(
  http: Http,
  request: AiChatRequest,
  options: RequestOptions,
): AsyncGenerator<AiStreamEvent> {
  const stop = new AbortController();
  const outer = options.signal;
  const onAbort = () => stop.abort();
  if (outer?.aborted) return;
  outer?.addEventListener('abort', onAbort, { once: true });
  try {
    let response: Response;
    try {
      response = await http.request('/v1/ai/chat/stream', {
        ...pickRequestOptions(options),
        method: 'POST',
        headers: { ...options.headers, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify(request),
        signal: stop.signal,
      });
    } catch (error) {
      if (stop.signal.aborted) return;
      throw error;
    }
    if (!response.body || !(response.headers.get('Content-Type') ?? '').includes('text/event-stream')) {
      await response.body?.cancel();
      throw invalidResponse(response, 'Not a text/event-stream.');
    }
    try {
      for await (const message of readEvents(response.body, () => {})) {
        if (stop.signal.aborted) return;
        const data = parse(message.data, response);
        if (message.event === 'error') throw streamFailure(data, message.data, response);
        yield { id: message.id, event: message.event ?? 'message', data } as AiStreamEvent;
      }
    } catch (error) {
      if (stop.signal.aborted) return;
      throw error;
    }
  } finally {
    outer?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

export function createAiApi(http: Http): AiApi {
  return {
    chat: (request, options) => http.POST('/v1/ai/chat', { body: request, ...pickRequestOptions(options) }),
    stream: (request, options = {}) => chatStream(http, request, options),
    embed: (texts, options = {}) =>
      http.POST('/v1/ai/embeddings', {
        body: { texts: typeof texts === 'string' ? [texts] : [...texts], model: options.model },
        ...pickRequestOptions(options),
      }),
    usage(options = {}) {
      const { since, until, keyId, limit, cursor } = options;
      return http.GET('/v1/ai/usage', {
        params: { query: { since, until, keyId, limit, cursor } },
        ...pickRequestOptions(options),
      });
    },
  };
}
