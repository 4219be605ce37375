import { abortedError, networkError, timeoutError } from '../errors/client-errors';
import { liveResponse, NULL_BODY_STATUSES } from './live-response';
import { attemptRequest, type Outgoing } from './outgoing';
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
  /** The whole body, read within the attempt's deadline; null for a body that is handed over live. */
  bytes: ArrayBuffer | null;
}

function isJson(response: Response): boolean {
  return (response.headers.get('Content-Type') ?? '').includes('json');
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
 * One attempt: sends `outgoing` with `headers` and waits at most `timeoutMs` for the response
 * headers and, for a JSON response or any error, the whole body. Any other 2xx body (bytes, an
 * event stream, or anything when `outgoing.live`) is handed over as it arrives, bound only by
 * `caller`. A streamed request body only has to keep moving: each chunk it yields restarts the
 * deadline. Rejects with `client/aborted` when `caller` aborts, `client/timeout` when the
 * deadline passes, and `client/network` when the connection fails.
 */
export async function sendOnce(
  fetchImpl: FetchLike,
  outgoing: Outgoing,
  headers: Headers,
  timeoutMs: number,
  caller: AbortSignal | null,
): Promise<SentResponse> {
  const controller = new AbortController();
  const unfollow = follow(caller, controller);
  const fail = (error: unknown) => (caller?.aborted ? abortedError(caller.reason) : networkError(error));
  let timedOut = false;
  let settled = false;
  let handedOver = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const restartDeadline = () => {
    clearTimeout(timer);
    if (settled) return;
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  restartDeadline();
  try {
    // A stream upload only has to keep moving: each chunk it yields restarts the deadline.
    const request = attemptRequest(outgoing, headers, controller.signal, restartDeadline);
    const response = await raceAbort(fetchImpl(request), controller.signal);
    if (response.ok && (outgoing.live || !isJson(response))) {
      handedOver = true;
      return { response: liveResponse(response, fail, unfollow), bytes: null };
    }
    return await raceAbort(buffered(response), controller.signal);
  } catch (error) {
    if (caller?.aborted) throw abortedError(caller.reason);
    if (timedOut) throw timeoutError(timeoutMs);
    throw networkError(error);
  } finally {
    settled = true;
    clearTimeout(timer);
    if (!handedOver) unfollow();
  }
}
