import { Hono } from 'hono';
import type { AppEnv } from './http/app-env.js';
import type { Authenticate } from './http/auth/credentials.js';
import { CORS_HEADERS, preflight } from './http/cors.js';
import { docsEndpoints } from './http/docs.js';
import type { Endpoint } from './http/endpoints.js';
import type { LooseHandler } from './http/handler.js';
import type { Idempotency } from './http/idempotency/index.js';
import { ApiError, problemResponse } from './http/problem.js';
import { header } from './http/request/header.js';
import { requestIdFrom } from './http/request-id.js';
import { createRoute } from './http/route.js';
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

/** `/v1/cache/{key}` → `/v1/cache/:key` */
export function honoPath(template: string): string {
  return template.replace(/\{(\w+)\}/g, ':$1');
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
export function createApp(parts: AppParts): Hono<AppEnv> {
  const { services, spec } = parts;
  const { logger } = services;
  const app = new Hono<AppEnv>();
  const worker: Record<string, string> =
    services.workerId === null ? {} : { 'x-aerostack-worker': String(services.workerId) };

  app.use('*', async (c, next) => {
    const requestId = requestIdFrom(header(c, 'x-request-id'));
    c.set('requestId', requestId);
    c.set('baseHeaders', { ...CORS_HEADERS, ...worker, 'x-request-id': requestId });
    const started = performance.now();
    if (c.req.url.length > MAX_URL_BYTES) {
      c.res = problemResponse(
        new ApiError('request/uri-too-long', `The request target exceeds ${MAX_URL_BYTES} bytes.`),
        requestId,
        c.get('baseHeaders'),
      );
    } else if (c.req.method === 'OPTIONS' && header(c, 'access-control-request-method')) {
      c.res = preflight(requestId);
    } else {
      await next();
    }
    logger.info('request', {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });

  const validators = createValidatorFactory(spec.document);
  const handlers = handlersOf(parts.modules, spec.operations);
  const deps = {
    services,
    authenticate: parts.authenticate,
    idempotency: parts.idempotency,
    problemOf: (error: unknown, requestId: string) =>
      (error instanceof ApiError ? error : unexpected(error, requestId)).toProblem(requestId),
  };
  const routes = new Set<string>();
  for (const op of spec.operations) {
    const method = op.method.toUpperCase();
    routes.add(`${method} ${honoPath(op.path)}`);
    app.on(
      method,
      honoPath(op.path),
      createRoute(op, handlers.get(op.operationId)!, validators.compile(op), deps),
    );
  }
  for (const endpoint of endpointsOf(parts)) {
    const key = `${endpoint.method} ${endpoint.path}`;
    if (routes.has(key)) throw new Error(`the endpoint ${key} collides with another route`);
    routes.add(key);
    app.on(endpoint.method, endpoint.path, (c) => endpoint.handle(c));
  }

  const templates = [...routes].map((route) => {
    const [method, path] = route.split(' ') as [string, string];
    return { method, pattern: new RegExp(`^${path.replace(/:\w+/g, '[^/]+')}$`) };
  });

  app.notFound((c) => {
    const allow = templates.filter((t) => t.pattern.test(c.req.path)).map((t) => t.method);
    const error =
      allow.length > 0
        ? new ApiError('route/method-not-allowed', `${c.req.method} is not allowed on ${c.req.path}.`, {
            headers: { allow: allow.join(', ') },
          })
        : new ApiError('route/not-found', `No operation at ${c.req.path}.`);
    return problemResponse(error, c.get('requestId'), c.get('baseHeaders'));
  });

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

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? requestIdFrom(undefined);
    const headers = c.get('baseHeaders') ?? { ...CORS_HEADERS, 'x-request-id': requestId };
    return problemResponse(err instanceof ApiError ? err : unexpected(err, requestId), requestId, headers);
  });

  return app;
}
