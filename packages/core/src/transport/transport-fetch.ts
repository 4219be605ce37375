import { type AerostackError, isAerostackError } from '../errors/aerostack-error';
import { abortedError, isConnectFailure } from '../errors/client-errors';
import { errorFromResponse, invalidResponse } from '../errors/from-response';
import { CLIENT_ERRORS, IDEMPOTENCY_HEADER } from '../generated/behaviour';
import { attemptHeaders, isForPlatform, type RequestDefaults } from './credential';
import { withIdempotencyKey } from './idempotency';
import { fromRequest, isReplayable, type Outgoing } from './outgoing';
import { isRetryable, type Outcome, retryDelayMs } from './retry-policy';
import { type FetchLike, type SentResponse, sendOnce } from './send-once';
import { sleep } from './signals';

/**
 * Per-call transport settings; each overrides the client's default for one request.
 *
 * @example
 * await client.cache.get('k', { timeoutMs: 2_000, maxRetries: 0, signal: controller.signal });
 */
export interface TransportCallOptions {
  /** Aborting rejects at once with `client/aborted` and stops any further retry. */
  signal?: AbortSignal | undefined;
  /** Deadline of each attempt, in milliseconds. */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt (of calls that are safe to repeat). */
  maxRetries?: number | undefined;
}

/**
 * A `fetch` that authenticates, retries, times out and turns every non-2xx response into an
 * `AerostackError`. It resolves only with 2xx (or 304) responses whose JSON bodies parse. A request to
 * the platform gets the client's headers and credential; one elsewhere is sent as it is.
 *
 * @example
 * const response = await transportFetch(new Request(`${url}/healthz`), { timeoutMs: 1_000 });
 */
export type TransportFetch = (request: Request, options?: TransportCallOptions) => Promise<Response>;

/** The client-wide defaults a transport starts from. */
export interface TransportDefaults extends RequestDefaults {
  fetch: FetchLike;
  timeoutMs: number;
  maxRetries: number;
}

const decoder = new TextDecoder();

function checkedSuccess({ response, bytes }: SentResponse): Response {
  const isJson = (response.headers.get('Content-Type') ?? '').includes('json');
  if (bytes && bytes.byteLength > 0 && isJson) {
    try {
      JSON.parse(decoder.decode(bytes));
    } catch {
      throw invalidResponse(response, 'A body that is not valid JSON.');
    }
  }
  return response;
}

interface Failure {
  failure: AerostackError;
  outcome: Outcome;
  status?: number;
  retryAfter?: string | null;
}

/** Runs one attempt: a checked 2xx response, or the failure and how the attempt ended. */
async function attempt(send: () => Promise<SentResponse>): Promise<Response | Failure> {
  let sent: SentResponse;
  try {
    sent = await send();
  } catch (error) {
    // Connection errors and timeouts may be retried; an abort or a bug may not.
    if (!isAerostackError(error) || error.code === CLIENT_ERRORS.aborted) throw error;
    const outcome =
      error.code === CLIENT_ERRORS.timeout ? 'timeout' : isConnectFailure(error) ? 'connect' : 'network';
    return { failure: error, outcome };
  }
  const { response, bytes } = sent;
  // 304 answers the caller's own conditional request (If-None-Match): an outcome, not a failure.
  if (response.ok || response.status === 304) return checkedSuccess(sent);
  return {
    failure: errorFromResponse(response, bytes ? decoder.decode(bytes) : ''),
    outcome: 'status',
    status: response.status,
    retryAfter: response.headers.get('Retry-After'),
  };
}

/** The transport every call goes through: `send` for parts, `fetch` for a whole `Request`. */
export interface Transport {
  /**
   * Sends `outgoing`, retrying as spec/clients/README.md says when its body can be sent again,
   * and returns the 2xx response. A call to an operation that declares `Idempotency-Key` gets a
   * generated key unless it has one.
   */
  send(outgoing: Outgoing, options?: TransportCallOptions): Promise<Response>;
  /** The same for a `Request`; `live` hands any 2xx body over unread (openapi-fetch's `parseAs`). */
  fetch(request: Request, options?: TransportCallOptions, live?: boolean): Promise<Response>;
}

/** Creates the retrying, deadline-bound, authenticating, error-unwrapping transport. */
export function createTransport(defaults: TransportDefaults): Transport {
  const send: Transport['send'] = async (outgoing, options = {}) => {
    const caller = options.signal ?? null;
    const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
    const maxRetries = options.maxRetries ?? defaults.maxRetries;
    const { url, method } = outgoing;
    const own = isForPlatform(url, defaults.baseUrl)
      ? withIdempotencyKey(method, url.slice(defaults.baseUrl.length).split(/[?#]/)[0]!, outgoing.headers)
      : outgoing.headers;
    const hasKey = own.has(IDEMPOTENCY_HEADER);

    for (let retry = 0; ; retry++) {
      if (caller?.aborted) throw abortedError(caller.reason);
      // Asked per attempt, so a retry carries a credential refreshed in the meantime.
      const headers = await attemptHeaders(url, own, defaults, caller);
      const ended = await attempt(() => sendOnce(defaults.fetch, outgoing, headers, timeoutMs, caller));
      if (ended instanceof Response) return ended;
      const { failure, outcome, status, retryAfter = null } = ended;
      if (retry >= maxRetries || !isReplayable(outgoing) || !isRetryable(method, hasKey, outcome, status)) {
        throw failure;
      }
      try {
        await sleep(retryDelayMs(retry, retryAfter, Date.now(), Math.random()), caller);
      } catch {
        throw abortedError(caller?.reason);
      }
    }
  };
  return {
    send,
    fetch: async (request, options = {}, live = false) =>
      send(await fromRequest(request, live), { ...options, signal: options.signal ?? request.signal }),
  };
}
