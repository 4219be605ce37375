import { rateLimitHeaders } from '../services/rate-limit/index.js';
import type { Services } from '../services.js';
import type { Authenticate } from './auth/credentials.js';
import { clientIpOf } from './client-ip.js';
import type { LooseContext, LooseHandler, LooseReply } from './handler.js';
import { type Idempotency, idempotencyScope } from './idempotency/index.js';
import type { Incoming } from './incoming.js';
import { ApiError, type FieldProblem } from './problem.js';
import { bytesReply } from './reply/bytes.js';
import { EVENT_STREAM_HEADERS, eventStream } from './reply/events.js';
import type { Reply } from './reply/reply.js';
import { isAcceptedMediaType, readBody, streamBody } from './request/body.js';
import { parseJsonBody } from './request/json.js';
import { paramReader } from './request/params.js';
import type { SpecOperation } from './spec.js';
import type { Validators } from './validation.js';

/** One request on its way through a route. */
export interface Exchange {
  req: Incoming;
  /** The path template's parameters, percent-decoded. */
  params: Record<string, string>;
  requestId: string;
  /** Headers every response carries (request id, CORS, worker id). */
  baseHeaders: Record<string, string>;
}

/** What every route shares. */
export interface RouteDeps {
  services: Services;
  authenticate: Authenticate;
  idempotency: Idempotency;
  /** Turns an error raised inside an event stream into the problem body of its `error` event. */
  problemOf(error: unknown, requestId: string): unknown;
}

const NO_BODY_STATUSES = new Set([204, 205, 304]);

function check(problems: FieldProblem[], code: 'request/invalid-body' | 'request/invalid-parameters') {
  if (problems.length > 0) {
    const detail = problems.map((p) => `${p.location} ${p.message}`).join('; ');
    throw new ApiError(code, detail, { errors: problems });
  }
}

/** `Content-Length` as a number; null when absent (Node's parser refuses a malformed one). */
function declaredLength(req: Incoming): number | null {
  const length = Number(req.header('content-length') ?? Number.NaN);
  return Number.isSafeInteger(length) && length >= 0 ? length : null;
}

/** Builds the handler of one spec operation: auth, limits, parameters, body, handler, reply. */
export function createRoute(
  op: SpecOperation,
  handler: LooseHandler,
  validators: Validators,
  deps: RouteDeps,
) {
  const { services } = deps;
  const { config } = services;
  const params = paramReader(op);
  const idempotencyHeader = op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key');
  const requestBody = op.requestBody;
  const bodyLimit = requestBody?.maxBytes ?? config.bodyLimitBytes;
  const validate = config.validateResponses;

  async function readRequestBody(req: Incoming): Promise<unknown> {
    if (!requestBody) return undefined;
    // `Content-Length: 0` on a byte body is an empty file (a stored empty object), not a missing body.
    const emptyBytes = requestBody.kind === 'bytes' && req.header('content-length') === '0';
    if (!req.hasBody && !emptyBytes) {
      if (requestBody.required)
        throw new ApiError('request/invalid-body', 'This operation needs a request body.');
      return requestBody.kind === 'json' ? {} : undefined;
    }
    if (!isAcceptedMediaType(req.header('content-type'), requestBody.mediaTypes)) {
      throw new ApiError(
        'request/unsupported-media-type',
        `Send the body as ${requestBody.mediaTypes.map((t) => `\`Content-Type: ${t}\``).join(' or ')}.`,
      );
    }
    if (requestBody.kind === 'bytes') return streamBody(req, bodyLimit);
    const bytes = await readBody(req, bodyLimit);
    if (requestBody.kind === 'multipart') {
      const form = await new Response(bytes as Uint8Array<ArrayBuffer>, {
        headers: { 'content-type': req.header('content-type')! },
      })
        .formData()
        .catch(() => {
          throw new ApiError('request/invalid-body', 'The body is not valid multipart/form-data.');
        });
      const fields: Record<string, unknown> = {};
      for (const [name, value] of form) fields[name] = typeof value === 'string' ? value : value.name;
      check(validators.body(fields), 'request/invalid-body');
      return form;
    }
    if (bytes.byteLength === 0) {
      if (requestBody.required)
        throw new ApiError('request/invalid-body', 'This operation needs a JSON body.');
      return {};
    }
    const body = parseJsonBody(bytes);
    check(validators.body(body), 'request/invalid-body');
    return body;
  }

  function checkResponse(status: number, kind: Parameters<Validators['response']>[1], body?: unknown) {
    const problems = validators.response(status, kind, body);
    if (problems.length > 0) {
      throw new Error(
        `response ${status} of ${op.operationId} violates the spec: ${JSON.stringify(problems)}`,
      );
    }
  }

  async function render(
    req: Incoming,
    reply: LooseReply,
    headers: Record<string, string>,
    requestId: string,
    abort: () => AbortController,
  ): Promise<Reply> {
    const { status } = reply;
    const out = { ...headers, ...reply.headers };
    if (reply.events) {
      if (validate) checkResponse(status, 'events');
      const stream = eventStream(reply.events, {
        heartbeatMs: config.heartbeatMs,
        retryMs: 2_000,
        controller: abort(),
        problemOf: (error) => deps.problemOf(error, requestId),
        ...(validate
          ? {
              check: (event) => {
                const problems = validators.event(status, event.event, event.data);
                if (problems.length > 0) {
                  throw new Error(
                    `event ${event.event} of ${op.operationId} violates the spec: ${JSON.stringify(problems)}`,
                  );
                }
              },
            }
          : {}),
      });
      return { status, headers: { ...out, ...EVENT_STREAM_HEADERS }, body: stream };
    }
    if (reply.bytes) {
      if (validate) checkResponse(status, 'bytes');
      return bytesReply(reply.bytes, req, status, out);
    }
    if (reply.body === undefined || NO_BODY_STATUSES.has(status)) {
      if (validate) checkResponse(status, 'empty');
      return { status, headers: out, body: null };
    }
    const text = JSON.stringify(reply.body);
    if (validate) checkResponse(status, 'json', reply.body);
    out['content-type'] = 'application/json';
    return { status, headers: out, body: text };
  }

  async function handle({ req, params: path, requestId, baseHeaders }: Exchange): Promise<Reply> {
    let headers = baseHeaders;
    const principal = await deps.authenticate(req.header('authorization'), op.security);
    if (op.rateLimit) {
      const subject = principal.credentialId ?? `ip:${req.remoteAddress ?? 'local'}`;
      const result = await services.rateLimiter.take(`${op.operationId}:${subject}`, op.rateLimit);
      const limitHeaders = rateLimitHeaders(result);
      if (!result.allowed) {
        throw new ApiError(
          'rate-limit/exceeded',
          `At most ${op.rateLimit.limit} requests per ${op.rateLimit.windowSeconds} s.`,
          {
            headers: limitHeaders,
          },
        );
      }
      headers = { ...headers, ...limitHeaders };
    }
    const query = params.query(req);
    const declaredHeaders = params.headers(req);
    check(validators.params('path', path), 'request/invalid-parameters');
    check(validators.params('query', query), 'request/invalid-parameters');
    check(validators.params('header', declaredHeaders), 'request/invalid-parameters');
    const body = await readRequestBody(req);

    // Aborted when an event stream's client goes away (the stream is cancelled); made only when a
    // handler asks for its signal or answers with a stream.
    let abort: AbortController | undefined;
    const ctx: LooseContext = {
      path,
      query,
      headers: declaredHeaders,
      body,
      principal,
      requestId,
      services,
      lastEventId: req.header('last-event-id') ?? null,
      declaredBodyBytes: declaredLength(req),
      clientIp: clientIpOf(req, config.clientIpHeader),
      get signal() {
        abort ??= new AbortController();
        return abort.signal;
      },
    };

    const key = declaredHeaders['idempotency-key'];
    if (!(idempotencyHeader && typeof key === 'string'))
      return render(req, await handler(ctx), headers, requestId, () => (abort ??= new AbortController()));

    const result = await deps.idempotency.run(
      idempotencyScope(principal),
      key,
      `${op.operationId}\n${req.path}\n${JSON.stringify(body)}`,
      async () => {
        const reply = await handler(ctx);
        if (reply.events || reply.bytes)
          throw new Error(`${op.operationId}: only JSON replies can be idempotent`);
        return { status: reply.status, body: reply.body === undefined ? null : JSON.stringify(reply.body) };
      },
    );
    if (validate)
      checkResponse(
        result.status,
        result.body === null ? 'empty' : 'json',
        result.body && JSON.parse(result.body),
      );
    return {
      status: result.status,
      headers: {
        ...headers,
        ...(result.body === null ? {} : { 'content-type': 'application/json' }),
        ...(result.replayed ? { 'idempotent-replayed': 'true' } : {}),
      },
      body: result.body,
    };
  }

  if (!validate) return handle;
  return async (exchange: Exchange): Promise<Reply> => {
    try {
      return await handle(exchange);
    } catch (error) {
      // Tests run with response validation: an error status the spec does not declare for this
      // operation fails the test that provoked it ("declare what is sent").
      if (error instanceof ApiError) checkResponse(error.status, 'json', error.toProblem(exchange.requestId));
      throw error;
    }
  };
}
