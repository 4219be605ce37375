import type { Context, Hono } from 'hono';
import type { Services } from '../services.js';
import { authenticate, type Principal } from './auth.js';
import type { Handlers } from './handler.js';
import { idempotent } from './idempotency.js';
import { ApiError } from './problem.js';
import { operations, type SpecOperation } from './spec.js';
import { compileValidators, type Validators } from './validation.js';

export type AppEnv = { Variables: { requestId: string } };

/** `/v1/cache/{key}` → `/v1/cache/:key` */
export function honoPath(template: string): string {
  return template.replace(/\{(\w+)\}/g, ':$1');
}

async function readJsonBody(c: Context, op: SpecOperation): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (op.requestBody?.required)
      throw new ApiError('request/invalid-body', 'This operation needs a JSON body.');
    return {};
  }
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new ApiError(
      'request/unsupported-media-type',
      'Send the body as `Content-Type: application/json`.',
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('request/invalid-json', 'The body is not valid JSON.');
  }
}

function check(
  problems: ReturnType<Validators['body']>,
  code: 'request/invalid-body' | 'request/invalid-parameters',
) {
  if (problems.length > 0) {
    const detail = problems.map((p) => `${p.location} ${p.message}`).join('; ');
    throw new ApiError(code, detail, { errors: problems });
  }
}

function declaredHeaders(c: Context, op: SpecOperation): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of op.parameters) {
    const value = p.in === 'header' ? c.req.header(p.name) : undefined;
    if (value !== undefined) out[p.name.toLowerCase()] = value;
  }
  return out;
}

function scopeOf(principal: Principal): string {
  if (principal.kind === 'anonymous') return 'anonymous';
  return principal.kind === 'account' ? `account:${principal.accountId}` : `project:${principal.projectId}`;
}

/** A request handled end to end: auth, validation, idempotency, the handler, the JSON reply. */
type LooseHandler = (
  ctx: unknown,
) => Promise<{ status: number; body: unknown; headers?: Record<string, string> | undefined }>;

function route(op: SpecOperation, handler: LooseHandler, services: Services) {
  const validators = compileValidators(op);
  const idempotencyHeader = op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key');

  return async (c: Context<AppEnv>) => {
    const requestId = c.get('requestId');
    const principal = await authenticate(
      c.req.header('authorization'),
      op.security,
      services.keys.findActive,
    );

    const path = c.req.param() as Record<string, unknown>;
    const query: Record<string, unknown> = Object.fromEntries(new URL(c.req.url).searchParams);
    const headers: Record<string, unknown> = declaredHeaders(c, op);
    check(validators.params('path', path), 'request/invalid-parameters');
    check(validators.params('query', query), 'request/invalid-parameters');
    check(validators.params('header', headers), 'request/invalid-parameters');
    const body = op.requestBody ? await readJsonBody(c, op) : undefined;
    if (op.requestBody) check(validators.body(body), 'request/invalid-body');

    const ctx = { path, query, headers, body, principal, requestId, services };
    const run = async () => {
      const reply = await handler(ctx);
      return { status: reply.status, body: JSON.stringify(reply.body), headers: reply.headers };
    };

    const key = headers['idempotency-key'];
    const result =
      idempotencyHeader && typeof key === 'string'
        ? await idempotent(
            services.database.db,
            scopeOf(principal),
            key,
            `${op.operationId}\n${c.req.path}\n${JSON.stringify(body)}`,
            run,
          )
        : { ...(await run()), replayed: false };

    if (services.config.validateResponses) {
      const problems = validators.response(result.status, JSON.parse(result.body));
      if (problems.length > 0) {
        throw new Error(`response of ${op.operationId} violates the spec: ${JSON.stringify(problems)}`);
      }
    }
    return new Response(result.body, {
      status: result.status,
      headers: {
        'content-type': 'application/json',
        ...result.headers,
        ...(result.replayed ? { 'idempotent-replayed': 'true' } : {}),
      },
    });
  };
}

/**
 * Registers one route per spec operation. Boot fails if an operation has no handler or a handler
 * names no operation, so the spec and the routes cannot drift apart.
 */
export function mountOperations(app: Hono<AppEnv>, handlers: Handlers, services: Services): void {
  const known = new Set(operations.map((op) => op.operationId));
  const orphans = Object.keys(handlers).filter((id) => !known.has(id));
  if (orphans.length > 0) throw new Error(`handlers for operations not in the spec: ${orphans.join(', ')}`);
  for (const op of operations) {
    const handler = (handlers as Record<string, LooseHandler | undefined>)[op.operationId];
    if (!handler) throw new Error(`the spec operation ${op.operationId} has no handler`);
    app.on(op.method.toUpperCase(), honoPath(op.path), route(op, handler, services));
  }
}

const templates = operations.map((op) => ({
  method: op.method.toUpperCase(),
  pattern: new RegExp(`^${honoPath(op.path).replace(/:\w+/g, '[^/]+')}$`),
}));

/** The methods the spec allows on `path`, or null when no operation has this path. */
export function allowedMethods(path: string): string[] | null {
  const methods = templates.filter((t) => t.pattern.test(path)).map((t) => t.method);
  return methods.length > 0 ? methods : null;
}
