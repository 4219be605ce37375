import { abortedError, networkError, timeoutError } from '../errors/client-errors';
import { follow, raceAbort } from './signals';

/**
 * The fetch function a transport sends through; `globalThis.fetch` by default. Any function
 * from a `Request` to a `Response` works, which makes tests and proxies easy.
 *
 * @example
 * const logged: FetchLike = (request) => (console.log(request.url), fetch(request));
 * const client = createClient({ url, secretKey, fetch: logged });
 */
export type FetchLike = (input: Request) => Promise<Response>;

export interface SentResponse {
  response: Response;
  /** The whole body, read within the attempt's deadline; null for a stream that is handed over live. */
  bytes: ArrayBuffer | null;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function isEventStream(response: Response): boolean {
  return (response.headers.get('Content-Type') ?? '').includes('text/event-stream');
}

async function buffered(response: Response): Promise<SentResponse> {
  const bytes = await response.arrayBuffer();
  const rebuilt = new Response(NULL_BODY_STATUSES.has(response.status) ? null : bytes, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  return { response: rebuilt, bytes };
}

/**
 * One attempt: sends a fresh copy of `template` and reads the whole response within
 * `timeoutMs`. Rejects with `client/aborted` when `caller` aborts, `client/timeout` when the
 * deadline passes, and `client/network` when the connection fails. An event stream is returned
 * as soon as its headers arrive, still linked to `caller` so aborting ends the stream.
 */
export async function sendOnce(
  fetchImpl: FetchLike,
  template: Request,
  body: ArrayBuffer | null,
  timeoutMs: number,
  caller: AbortSignal | null,
): Promise<SentResponse> {
  const controller = new AbortController();
  const unfollow = follow(caller, controller);
  let timedOut = false;
  let streaming = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const request = new Request(template.url, {
      method: template.method,
      headers: template.headers,
      body,
      signal: controller.signal,
      redirect: template.redirect,
      // Only when changed from the default: some runtimes (Cloudflare Workers) reject the field.
      ...(template.credentials && template.credentials !== 'same-origin'
        ? { credentials: template.credentials }
        : {}),
    });
    const response = await raceAbort(fetchImpl(request), controller.signal);
    if (isEventStream(response) && response.ok) {
      streaming = true;
      return { response, bytes: null };
    }
    return await raceAbort(buffered(response), controller.signal);
  } catch (error) {
    if (caller?.aborted) throw abortedError(caller.reason);
    if (timedOut) throw timeoutError(timeoutMs);
    throw networkError(error);
  } finally {
    clearTimeout(timer);
    if (!streaming) unfollow();
  }
}
