import { setMaxListeners } from 'node:events';
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type SsrfGuard, UrlRefusedError } from '../../lib/ssrf.js';
import { type WireAnswer, type WireRequest, wireClient, wireRequest } from './wire.js';

/** Redirects one upstream request may follow; MCP servers have no reason to chain them. */
export const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

const unlimited = new WeakSet<AbortSignal>();

/** Headers that carry workspace secrets: never sent on to another origin. */
function isSecretHeader(name: string): boolean {
  return name === 'authorization' || name === 'cookie' || name.startsWith('x-mcp-secret-');
}

/**
 * The pool's fetch: the SDK's `FetchLike`, plus `onBodyError`, told when a response body fails
 * while it is read (the upstream crashed or dropped the connection mid-response), unless the
 * request's own signal aborted it.
 */
export type GuardedFetch = (
  url: string | URL,
  init?: RequestInit,
  onBodyError?: (error: Error) => void,
) => Promise<Response>;

/** The request's headers as a plain object with lower-case names (what undici takes). */
function plainHeaders(init: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  if (init instanceof Headers)
    init.forEach((value, name) => {
      out[name] = value;
    });
  else if (Array.isArray(init))
    for (const [name, value] of init) out[String(name).toLowerCase()] = String(value);
  else for (const [name, value] of Object.entries(init)) out[name.toLowerCase()] = value as string;
  return out;
}

async function bodyOf(body: RequestInit['body']): Promise<string | Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.from(await new Response(body).arrayBuffer());
}

type RawHeaders = IncomingHttpHeaders;

/** Read-only headers over undici's parsed ones (lower-case names), as `Headers` reads them. */
class LightHeaders {
  constructor(private readonly raw: RawHeaders) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  forEach(callback: (value: string, name: string) => void): void {
    for (const name in this.raw) {
      const value = this.get(name);
      if (value !== null) callback(value, name);
    }
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name in this.raw) yield [name, this.get(name) as string];
  }
  [Symbol.iterator]() {
    return this.entries();
  }
}

/**
 * A complete 2xx answer, read whole (a JSON body, or none): what the SDK's transports read of a
 * Response (status, ok, headers.get, json, text), without building a web Response and reading
 * its body back through a stream, about a tenth of a gateway call's CPU.
 */
class Buffered {
  readonly ok = true;
  readonly redirected = false;
  readonly type = 'basic';
  readonly url = '';
  readonly body = null;
  bodyUsed = false;
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: LightHeaders,
    private readonly bytes: Buffer,
  ) {}
  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.bytes.toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    const { buffer, byteOffset, byteLength } = this.bytes;
    return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
  }
}

function responseHeaders(raw: RawHeaders): Headers {
  const headers = new Headers();
  for (const name in raw) {
    const value = raw[name];
    if (typeof value === 'string') headers.append(name, value);
    else if (value) for (const v of value) headers.append(name, v);
  }
  return headers;
}

/** The whole body, read at once: JSON answers are small, and a buffer is the cheapest Response body. */
function readAll(body: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    body.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
    });
    body.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length)),
    );
    body.on('error', reject);
  });
}

/**
 * An event stream as a web stream, read as its consumer asks. A failure is reported where it
 * happens (`onError`), not by wrapping every body in another stream.
 */
function webStream(body: Readable, onError: (error: Error) => void): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        body.on('data', (chunk: Buffer) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 1) <= 0) body.pause();
        });
        body.on('end', () => {
          try {
            controller.close();
          } catch {} // cancelled meanwhile
        });
        body.on('error', (error: Error) => {
          if (cancelled) return;
          onError(error);
          try {
            controller.error(error);
          } catch {}
        });
        body.pause();
      },
      pull() {
        body.resume();
      },
      cancel() {
        cancelled = true;
        body.destroy();
      },
    },
    { highWaterMark: 1 },
  );
}

/** An upstream's answer as Node's HTTP client gives it. */
type Answer = IncomingMessage;

/**
 * One POST of a JSON-RPC message on the gateway's own HTTP/1.1 connections (`wire.ts`), checked as
 * `fetch` checks it: the upstream's answer, or null when it redirects (the SDK path, which follows
 * redirects hop by hop, then sends it again: a redirect is not an answer). `headers` are sent as
 * given, with the body's Content-Length, in one write; a caller that sends the same headers object
 * again has them checked and laid out once.
 */
export type GuardedPost = (
  url: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
) => Promise<WireAnswer | null>;

/**
 * The `fetch` the pool's transports use, on Node's HTTP client with keep-alive agents rather than
 * undici (its `fetch` costs a third of a gateway call; its `request` waits a timer tick, 1 ms,
 * before reusing an idle connection, which is every call at low concurrency). Connections take
 * the guard's `lookup`, so the guard sees (and refuses) every address a connection would use, and
 * redirects are followed here, a few at most, each hop checked again; a hop to another origin
 * drops the secret headers, as browsers drop `Authorization`. JSON answers are read whole; event
 * streams are handed over as they come. The caller's signal aborts the request and its body, and
 * its listener goes with the request, so a long-lived signal collects none.
 */
export function guardedFetch(guard: SsrfGuard): {
  fetch: GuardedFetch & FetchLike;
  post: GuardedPost;
  close(): Promise<void>;
} {
  // Idle connections close before a Node upstream's own 5 s keep-alive timeout would.
  const agents = {
    http: new HttpAgent({ keepAlive: true, timeout: 4_000 }),
    https: new HttpsAgent({ keepAlive: true, timeout: 4_000 }),
  };

  // The static check depends on the scheme and host only, and the guard never changes: origins
  // that passed are remembered (a bounded set) rather than parsed and matched on every request.
  const passed = new Set<string>();
  function checkStatic(url: URL): void {
    const origin = `${url.protocol}//${url.host}`;
    if (passed.has(origin)) return;
    guard.checkStatic(url);
    if (passed.size >= 1_024) passed.clear();
    passed.add(origin);
  }

  function send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    signal: AbortSignal | undefined,
    retried = false,
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const outgoing =
        body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
      const request = (secure ? httpsRequest : httpRequest)(
        {
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port || (secure ? 443 : 80),
          path: `${url.pathname}${url.search}`,
          method,
          headers: outgoing,
          agent: secure ? agents.https : agents.http,
          lookup: guard.lookup,
        },
        resolve,
      );
      // The signal aborts the request and its answer; its listener goes when the exchange is over.
      // (Node's own `signal` option costs several times this: it watches the request's end with
      // half a dozen listeners of its own, on every request.)
      if (signal?.aborted) request.destroy(signal.reason);
      else if (signal) {
        const abort = () => request.destroy(signal.reason);
        signal.addEventListener('abort', abort, { once: true });
        request.once('close', () => signal.removeEventListener('abort', abort));
      }
      request.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the upstream closed as we reused it: nothing was processed.
        if (
          request.reusedSocket &&
          !retried &&
          (error.code === 'ECONNRESET' || error.code === 'EPIPE') &&
          !signal?.aborted
        )
          send(url, method, headers, body, signal, true).then(resolve, reject);
        else reject(error);
      });
      request.end(body);
    });
  }

  const fetch: GuardedFetch = async (input, init = {}, onBodyError) => {
    let url = input instanceof URL ? input : new URL(String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = await bodyOf(init.body);
    const headers = plainHeaders(init.headers);
    const signal = init.signal ?? undefined;
    // The SDK transport passes one signal to every request: it holds a listener per request in
    // flight (each removed when its request ends), more than the default 10 at any concurrency.
    if (signal && !unlimited.has(signal)) {
      unlimited.add(signal);
      setMaxListeners(0, signal);
    }
    for (let hop = 0; ; hop++) {
      checkStatic(url);
      const response = await send(url, method, headers, body, signal);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECTS.has(status) && typeof location === 'string') {
        response.on('error', () => {}).destroy();
        if (hop === MAX_REDIRECTS)
          throw new UrlRefusedError(`The upstream redirected more than ${MAX_REDIRECTS} times.`);
        const next = new URL(location, url);
        if (next.origin !== url.origin)
          for (const name of Object.keys(headers)) if (isSecretHeader(name)) delete headers[name];
        // Fetch's rules: 303, and 301/302 after a POST, continue as a GET without the body.
        if (status === 303 || (method === 'POST' && status !== 307 && status !== 308)) {
          method = 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        url = next;
        continue;
      }
      // One JSON-RPC request (what the SDK client sends): its event stream may be read as JSON.
      const oneRequest = method === 'POST' && typeof body === 'string' && body.startsWith('{');
      return toResponse(response, oneRequest, method, signal, onBodyError);
    }
  };

  const wire = wireClient({ lookup: guard.lookup });
  const prepared = new WeakMap<Record<string, string>, WireRequest>();
  const post: GuardedPost = async (url, headers, body, signal) => {
    checkStatic(url);
    let request = prepared.get(headers);
    if (request?.url !== url) {
      request = wireRequest(url, headers);
      prepared.set(headers, request);
    }
    const answer = await wire.post(request, body, signal);
    if (REDIRECTS.has(answer.status) && answer.headers.location !== undefined) {
      answer.discard();
      return null;
    }
    return answer;
  };

  return {
    fetch: fetch as GuardedFetch & FetchLike,
    post,
    close: async () => {
      wire.close();
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

async function toResponse(
  response: Answer,
  oneRequest: boolean,
  method: string,
  signal: AbortSignal | undefined,
  onBodyError: ((error: Error) => void) | undefined,
): Promise<Response> {
  const status = response.statusCode ?? 0;
  const body = response;
  const statusText = response.statusMessage ?? '';
  const init = () => ({ status, statusText, headers: responseHeaders(response.headers) });
  if (NULL_BODY.has(status) || method === 'HEAD') {
    body.on('error', () => {}).destroy();
    return new Response(null, init());
  }
  const failed = (error: Error) => {
    if (!signal?.aborted) onBodyError?.(error);
  };
  const ok = status >= 200 && status <= 299;
  const type = new LightHeaders(response.headers).get('content-type')?.toLowerCase() ?? '';
  if (type.startsWith('text/event-stream')) {
    if (oneRequest && ok) return firstEvent(body, response.headers, init(), failed);
    return new Response(webStream(body, failed), init());
  }
  try {
    const bytes = await readAll(body);
    if (!ok) return new Response(Uint8Array.from(bytes), init()); // a copy typed for BodyInit; errors are rare
    return new Buffered(status, statusText, new LightHeaders(response.headers), bytes) as unknown as Response;
  } catch (error) {
    failed(error as Error);
    throw error;
  }
}

/** What a complete event of an event stream carries (the fields the MCP transports use). */
interface SseEvent {
  event: string;
  data: string | null;
}

/** Complete events at the start of `text`, and where the unparsed rest begins. */
function parseEvents(text: string): { events: SseEvent[]; rest: number } {
  const events: SseEvent[] = [];
  let event = '';
  let data: string | null = null;
  let at = 0;
  let rest = 0;
  while (at < text.length) {
    let end = at;
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
    if (end === text.length) break; // an incomplete line
    const line = text.slice(at, end);
    // \r\n is one line end; a lone \r at the end of the text may still be followed by \n.
    if (text[end] === '\r' && end + 1 === text.length) break;
    at = text[end] === '\r' && text[end + 1] === '\n' ? end + 2 : end + 1;
    if (line === '') {
      if (data !== null || event !== '') events.push({ event, data });
      event = '';
      data = null;
      rest = at;
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = data === null ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
  }
  return { events, rest };
}

/** A JSON-RPC response (not a request or notification), from an event's data. */
function isResponseData(data: string): boolean {
  // How the SDK serializes a response ({result|error, jsonrpc, id}): no request or notification
  // has these top-level keys. Other servers' order is checked by parsing.
  if (data.startsWith('{"result":') || data.startsWith('{"error":')) return true;
  try {
    const message = JSON.parse(data) as Record<string, unknown> | null;
    return (
      typeof message === 'object' &&
      message !== null &&
      !Array.isArray(message) &&
      message.id !== undefined &&
      message.method === undefined &&
      ('result' in message || 'error' in message)
    );
  } catch {
    return false;
  }
}

/**
 * The answer to one request sent as an event stream, read as far as its first event. When that
 * event is the response, it goes to the SDK as a JSON body (the stream has nothing else to say
 * about this request; the rest is drained), sparing it a text decoder and an event parser on web
 * streams. Anything else first (progress, a notification, a request of the server's), or an
 * unusual stream, is handed over as the stream it is, from its first byte, as it arrives.
 */
function firstEvent(
  body: Readable,
  raw: RawHeaders,
  init: { status: number; statusText: string; headers: Headers },
  failed: (error: Error) => void,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const decoder = new TextDecoder();
    let text = '';
    let settled = false;
    const detach = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const asStream = (ended: boolean) => {
      settled = true;
      detach();
      if (ended) {
        const replay = new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(chunk);
            controller.close();
          },
        });
        resolve(new Response(replay, init));
        return;
      }
      body.pause();
      let replayed = false;
      const stream = webStream(body, failed);
      const reader = stream.getReader();
      resolve(
        new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              if (!replayed) {
                replayed = true;
                for (const chunk of chunks) controller.enqueue(chunk);
                return;
              }
              try {
                const { done, value } = await reader.read();
                if (done) controller.close();
                else controller.enqueue(value);
              } catch (error) {
                controller.error(error);
              }
            },
            cancel: (reason) => reader.cancel(reason),
          }),
          init,
        ),
      );
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      text += decoder.decode(chunk, { stream: true });
      const { events, rest } = parseEvents(text);
      text = text.slice(rest);
      for (const event of events) {
        if (event.data === null || event.data === '') continue; // priming events, keep-alives
        if ((event.event === '' || event.event === 'message') && isResponseData(event.data)) {
          settled = true;
          detach();
          // The stream ends after the response; whatever else comes is read and dropped.
          body.on('error', () => {}).resume();
          const headers = { ...raw, 'content-type': 'application/json' };
          const bytes = Buffer.from(event.data);
          resolve(new Buffered(init.status, init.statusText, new LightHeaders(headers), bytes) as never);
          return;
        }
        asStream(false);
        return;
      }
    };
    const onEnd = () => {
      if (!settled) asStream(true);
    };
    const onError = (error: Error) => {
      if (settled) return;
      settled = true;
      detach();
      failed(error);
      reject(error);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}

/** A JSON-RPC message as it came: only `id` is looked at before a schema has checked it. */
type RawMessage = { id?: unknown; result?: unknown; error?: unknown };

const isAnswerTo = (message: unknown, id: number): message is RawMessage =>
  typeof message === 'object' &&
  message !== null &&
  (message as RawMessage).id === id &&
  ('result' in message || 'error' in message);

/** The whole body of an answer (JSON answers are small); a failure is told to `failed` first. */
function wholeBody(answer: WireAnswer, failed: (error: Error) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    answer.read({
      data: (chunk) => chunks.push(chunk),
      end: () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
      error: (error) => {
        failed(error);
        reject(error);
      },
    });
  });
}

/**
 * The upstream's response to the one request `id` a POST carried, read from its answer as the SDK's
 * Streamable HTTP client transport reads it: a JSON body, or an event stream whose events are read
 * as they come. Every other message in it (a notification, a request of the server's, a response
 * to something else) goes to `other`, in order, as the SDK's transport hands them to its client.
 * A non-2xx status fails as the SDK fails it (a StreamableHTTPError with the status: 404 renews the
 * session); a body that breaks is reported to `onBodyError` unless `signal` aborted it.
 */
export function readAnswer(
  response: WireAnswer,
  id: number,
  other: (message: unknown) => void,
  onBodyError: (error: Error) => void,
  signal: AbortSignal,
): Promise<RawMessage> {
  const { status } = response;
  const failed = (error: Error) => {
    if (!signal.aborted) onBodyError(error);
  };
  if (status < 200 || status > 299) {
    return wholeBody(response, failed).then((bytes) => {
      throw new StreamableHTTPError(status, `Error POSTing to endpoint: ${bytes.toString('utf8')}`);
    });
  }
  const type = response.headers['content-type'] ?? '';
  const essence = type.split(';', 1)[0]!.trim().toLowerCase();
  if (status === 202 || (essence !== 'application/json' && essence !== 'text/event-stream')) {
    response.discard();
    return Promise.reject(
      status === 202
        ? new Error('The upstream accepted the request without answering it.')
        : new StreamableHTTPError(-1, `Unexpected content type: ${type}`),
    );
  }
  if (essence === 'application/json') {
    return wholeBody(response, failed).then((bytes) => {
      const data = JSON.parse(bytes.toString('utf8')) as unknown;
      let answer: RawMessage | undefined;
      for (const message of Array.isArray(data) ? data : [data]) {
        if (answer === undefined && isAnswerTo(message, id)) answer = message;
        else other(message);
      }
      if (answer === undefined) throw new Error('The upstream answered without a response to the request.');
      return answer;
    });
  }
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder();
    let text = '';
    let answered = false;
    response.read({
      data(chunk) {
        text += decoder.decode(chunk, { stream: true });
        const { events, rest } = parseEvents(text);
        text = rest === 0 ? text : text.slice(rest);
        for (const event of events) {
          // Priming events and keep-alives carry no data; other event types are not messages.
          if (event.data === null || event.data === '' || (event.event !== '' && event.event !== 'message'))
            continue;
          let message: unknown;
          try {
            message = JSON.parse(event.data);
          } catch {
            continue; // what the SDK's transport does with an event it cannot parse: report and go on
          }
          if (!answered && isAnswerTo(message, id)) {
            answered = true;
            resolve(message);
          } else other(message);
        }
      },
      end() {
        if (!answered)
          reject(new Error('The upstream ended its event stream without answering the request.'));
      },
      error(error) {
        if (answered) return;
        failed(error);
        reject(
          new Error('The upstream closed its event stream before answering the request.', { cause: error }),
        );
      },
    });
  });
}
