import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticate } from './http/auth/credentials.js';
import { clientIpOf } from './http/client-ip.js';
import { CORS_HEADERS, preflight } from './http/cors.js';
import { docsEndpoints } from './http/docs.js';
import type { Endpoint } from './http/endpoints.js';
import type { LooseHandler } from './http/handler.js';
import type { Idempotency } from './http/idempotency/index.js';
import { fromNode, fromRequest, type Incoming } from './http/incoming.js';
import { ApiError, problemReply } from './http/problem.js';
import { OpenStreams, type Reply, replyOf, toResponse, writeReply } from './http/reply/reply.js';
import { requestIdFrom } from './http/request-id.js';
import { createRoute, type Exchange } from './http/route.js';
import { Router } from './http/router.js';
import type { LoadedSpec, SpecOperation } from './http/spec.js';
import { createValidatorFactory } from './http/validation.js';
import type { Module } from './modules/module.js';
import type { Services } from './services.js';

/** Longer request targets answer 414 (Node itself refuses whole header blocks over 16 KiB with 431). */
export const MAX_URL_BYTES = 8 * 1024;

export interface AppParts {
  services: Services;
  spec: LoadedSpec;
  modules: readonly Module[];
  authenticate: Authenticate;
  idempotency: Idempotency;
}

/** Every operation's handler, from the modules; a missing, unknown or duplicate handler fails the boot. */
function handlersOf(
  modules: readonly Module[],
  operations: readonly SpecOperation[],
): Map<string, LooseHandler> {
  const handlers = new Map<string, LooseHandler>();
  const owner = new Map<string, string>();
  for (const module of modules) {
    for (const [id, handler] of Object.entries(module.handlers ?? {})) {
      const other = owner.get(id);
      if (other) throw new Error(`modules ${other} and ${module.name} both handle ${id}`);
      owner.set(id, module.name);
      handlers.set(id, handler as LooseHandler);
    }
  }
  const known = new Set(operations.map((op) => op.operationId));
  const orphans = [...handlers.keys()].filter((id) => !known.has(id));
  if (orphans.length > 0) throw new Error(`handlers for operations not in the spec: ${orphans.join(', ')}`);
  const missing = operations.filter((op) => !handlers.has(op.operationId)).map((op) => op.operationId);
  if (missing.length > 0) throw new Error(`spec operations without a handler: ${missing.join(', ')}`);
  return handlers;
}

/** The endpoints outside the spec: the core's (docs) and the modules'. */
export function endpointsOf(parts: Pick<AppParts, 'services' | 'spec' | 'modules'>): Endpoint[] {
  return [
    ...docsEndpoints(parts.spec.document),
    ...parts.modules.flatMap((m) => m.endpoints?.(parts.services) ?? []),
  ];
}

/** The HTTP application: the spec's operations, the registered endpoints, problem+json for every error. */
export interface App {
  /** Serves a request from Node's HTTP server, writing straight to its response. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Serves a web `Request` (in-process callers, tests). */
  fetch(request: Request): Promise<Response>;
  /** `fetch` of a path on this app, e.g. `app.request('/healthz')`. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Every route: the spec's operations, then the endpoints outside it. */
  readonly routes: ReadonlyArray<{ method: string; path: string }>;
  /** Stream bodies being written to Node's responses: a shutdown ends them (`endAll`). */
  readonly streams: OpenStreams;
}

type RouteHandler = (exchange: Exchange) => Promise<Reply>;

export function createApp(parts: AppParts): App {
  const { services, spec } = parts;
  const { logger } = services;
  const streams = new OpenStreams();
  const everyResponse: Record<string, string> =
    services.workerId === null
      ? { ...CORS_HEADERS }
      : { ...CORS_HEADERS, 'x-aerostack-worker': String(services.workerId) };

  const validators = createValidatorFactory(spec.document);
  const handlers = handlersOf(parts.modules, spec.operations);
  const deps = {
    services,
    authenticate: parts.authenticate,
    idempotency: parts.idempotency,
    problemOf: (error: unknown, requestId: string) =>
      (error instanceof ApiError ? error : unexpected(error, requestId)).toProblem(requestId),
  };
  const router = new Router<RouteHandler>();
  for (const op of spec.operations) {
    router.add(
      op.method.toUpperCase(),
      op.path,
      createRoute(op, handlers.get(op.operationId)!, validators.compile(op), deps),
    );
  }
  for (const endpoint of endpointsOf(parts)) {
    if (router.routes.some((r) => r.method === endpoint.method && r.path === endpoint.path)) {
      throw new Error(`the endpoint ${endpoint.method} ${endpoint.path} collides with another route`);
    }
    router.add(endpoint.method, endpoint.path, async ({ req, params, requestId, baseHeaders }) => {
      let bodyRead = false;
      const answer = await endpoint.handle({
        get request() {
          return req.toRequest(!bodyRead);
        },
        body() {
          bodyRead = true;
          return req.body();
        },
        header: req.header,
        get clientIp() {
          return clientIpOf(req, services.config.clientIpHeader);
        },
        params,
        requestId,
        baseHeaders,
      });
      return answer instanceof Response ? replyOf(answer) : answer;
    });
  }

  function unexpected(err: unknown, requestId: string): ApiError {
    // The details stay in the log, keyed by the request id; the caller gets a safe message.
    logger.error('unhandled error', {
      requestId,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    return new ApiError(
      'internal/unexpected',
      `Something failed on the platform; quote request ${requestId}.`,
    );
  }

  async function route(
    req: Incoming,
    requestId: string,
    baseHeaders: Record<string, string>,
  ): Promise<Reply> {
    if (req.targetLength > MAX_URL_BYTES) {
      throw new ApiError('request/uri-too-long', `The request target exceeds ${MAX_URL_BYTES} bytes.`);
    }
    if (req.method === 'OPTIONS' && req.header('access-control-request-method')) return preflight(requestId);
    const match = router.match(req.method, req.path);
    if ('handler' in match) return match.handler({ req, params: match.params, requestId, baseHeaders });
    throw match.allowed.length > 0
      ? new ApiError('route/method-not-allowed', `${req.method} is not allowed on ${req.path}.`, {
          headers: { allow: match.allowed.join(', ') },
        })
      : new ApiError('route/not-found', `No operation at ${req.path}.`);
  }

  /** Every request's way: request id, routing, errors as problem+json, one log line. */
  async function dispatch(req: Incoming): Promise<Reply> {
    const requestId = requestIdFrom(req.header('x-request-id'));
    const baseHeaders = { ...everyResponse, 'x-request-id': requestId };
    const started = performance.now();
    let reply: Reply;
    try {
      reply = await route(req, requestId, baseHeaders);
    } catch (error) {
      reply = problemReply(
        error instanceof ApiError ? error : unexpected(error, requestId),
        requestId,
        baseHeaders,
      );
    }
    logger.request({
      requestId,
      method: req.method,
      path: req.path,
      status: reply.status,
      ms: Math.round(performance.now() - started),
    });
    return reply;
  }

  async function fetch(request: Request): Promise<Response> {
    const req = fromRequest(request);
    return toResponse(await dispatch(req), req.method === 'HEAD');
  }

  return {
    handle(req, res) {
      let incoming: Incoming;
      try {
        incoming = fromNode(req);
      } catch (error) {
        // A target that is not a path (`GET /v1\cache`): answered, then the connection is closed.
        const requestId = requestIdFrom(undefined);
        const reply = problemReply(error as ApiError, requestId, { ...everyResponse, connection: 'close' });
        writeReply(res, reply, streams);
        return;
      }
      dispatch(incoming)
        .then((reply) => {
          // A HEAD answer has the GET's headers and no body: never read a stream only to drop it.
          if (incoming.method === 'HEAD' && reply.body instanceof ReadableStream) {
            void reply.body.cancel();
            reply.body = null;
          }
          writeReply(res, reply, streams);
        })
        .catch((error: unknown) => {
          logger.error('unhandled error', { error: error instanceof Error ? error.stack : String(error) });
          res.destroy();
        });
    },
    fetch,
    request: (path, init) => fetch(new Request(new URL(path, 'http://localhost'), init)),
    routes: router.routes,
    streams,
  };
}
