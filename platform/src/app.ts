import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { mountDocs } from './http/docs.js';
import type { Handlers } from './http/handler.js';
import { type AppEnv, allowedMethods, mountOperations } from './http/operations.js';
import { ApiError, problemResponse } from './http/problem.js';
import { requestIdFrom } from './http/request-id.js';
import { accountHandlers } from './modules/account/routes.js';
import { cacheHandlers } from './modules/cache/routes.js';
import { healthHandlers } from './modules/health/routes.js';
import { projectHandlers } from './modules/projects/routes.js';
import type { Services } from './services.js';

const handlers: Handlers = { ...healthHandlers, ...accountHandlers, ...projectHandlers, ...cacheHandlers };

/** The HTTP application: middleware, the spec's operations, the docs, and problem+json for every error. */
export function createApp(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    const started = performance.now();
    await next();
    c.res.headers.set('x-request-id', requestId);
    services.logger.info('request', {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });
  // Credentials are bearer headers, never cookies, so any origin may call the API.
  app.use(
    '*',
    cors({
      origin: '*',
      allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
      exposeHeaders: ['X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
      maxAge: 600,
    }),
  );
  app.use(
    '*',
    bodyLimit({
      maxSize: services.config.bodyLimitBytes,
      onError: () => {
        throw new ApiError(
          'request/body-too-large',
          `The body exceeds ${services.config.bodyLimitBytes} bytes.`,
        );
      },
    }),
  );

  mountDocs(app as unknown as Hono);
  mountOperations(app, handlers, services);

  app.notFound((c) => {
    const allow = allowedMethods(c.req.path);
    const error = allow
      ? new ApiError('route/method-not-allowed', `${c.req.method} is not allowed on ${c.req.path}.`, {
          headers: { allow: allow.join(', ') },
        })
      : new ApiError('route/not-found', `No operation at ${c.req.path}.`);
    return problemResponse(error, c.get('requestId'));
  });

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? requestIdFrom(undefined);
    if (err instanceof ApiError) return problemResponse(err, requestId);
    // The details stay in the log, keyed by the request id; the caller gets a safe message.
    services.logger.error('unhandled error', { requestId, error: err.stack ?? String(err) });
    return problemResponse(
      new ApiError('internal/unexpected', `Something failed on the platform; quote request ${requestId}.`),
      requestId,
    );
  });

  return app;
}
