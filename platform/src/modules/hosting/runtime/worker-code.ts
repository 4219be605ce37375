import { MAX_LINE_CHARS, MAX_LINES } from './logs.js';
import { RPC_CODEC } from './rpc-code.js';

/**
 * The JavaScript the runtime adds to every project's workerd (decision 0049): an entry module in
 * front of each deployed worker, and one tail worker per project that hands invocation logs to
 * the platform. They run inside workerd, so they are source text here.
 */

/** The request header carrying the invocation id the platform gave a request. */
export const INVOCATION_HEADER = 'x-aerostack-invocation';
/** Marks an outbound answer that is a refusal by the platform: the worker's `fetch` throws it. */
export const REFUSED_HEADER = 'x-aerostack-refused';
/** Marks the 500 answered for an uncaught exception of the user's fetch handler. */
export const EXCEPTION_HEADER = 'x-aerostack-exception';
/** Marks a request that is a cron event or a queue batch for the worker's handler of that name. */
export const EVENT_HEADER = 'x-aerostack-event';
/** Names the target's named entrypoint on a call through a service binding (decision 0054). */
export const ENTRYPOINT_HEADER = 'x-aerostack-entrypoint';
/** Where the runtime's own modules live, apart from the user's (whose names are relative paths). */
export const OWN_DIR = '__aerostack';

/**
 * Runs before the user's modules: keeps workerd's own `fetch` private and puts one in front of it
 * that tags each subrequest with the invocation it belongs to (the platform counts them per
 * invocation) and throws the platform's refusals as errors, as a failed fetch does. The id comes
 * from AsyncLocalStorage, so concurrent requests in one isolate each count their own.
 */
const PREAMBLE = `
import { AsyncLocalStorage } from 'node:async_hooks';
export const invocation = new AsyncLocalStorage();
// The store bindings' module (evaluated apart from the user's modules) reads the invocation here.
globalThis[Symbol.for('aerostack.invocation')] = invocation;
const platformFetch = globalThis.fetch;
globalThis.fetch = async function fetch(input, init) {
  const request = new Request(input, init);
  const headers = new Headers(request.headers);
  const id = invocation.getStore();
  if (id === undefined) headers.delete('${INVOCATION_HEADER}');
  else headers.set('${INVOCATION_HEADER}', id);
  const response = await platformFetch(new Request(request, { headers }));
  if (response.headers.get('${REFUSED_HEADER}') !== null) throw new Error(await response.text());
  return response;
};
`;

/**
 * The worker's entry: the user's default export with each handler run inside the invocation (for
 * the preamble's fetch), and an uncaught exception answered as a bare 500 (its stack goes to the
 * logs, not to whoever called the function). Cron events and queue batches come as requests too,
 * marked with \`EVENT_HEADER\` (the platform drops that header from callers' requests): one path
 * into workerd, so they carry an invocation id and run under the same watchdog and logs.
 */
function entry(userEntry: string): string {
  return `
import { invocation } from './preamble.js';
import * as user from '../${userEntry}';
${RPC_CODEC}
const handler = user.default;
if (handler === undefined || handler === null)
  throw new Error('${userEntry} has no default export: export default { async fetch(request, env, ctx) { ... } }');
const failed = (body) =>
  new Response(body, { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8', '${EXCEPTION_HEADER}': '1' } });
// A named export a service binding reaches (its \`entrypoint\`): a WorkerEntrypoint class, built
// for each call as workerd builds it, or an object of handlers.
function exported(name) {
  const target = Object.hasOwn(user, name) ? user[name] : undefined;
  if (typeof target === 'function' || (target !== null && typeof target === 'object')) return target;
  throw new Error('${userEntry} exports no entrypoint ' + name);
}
async function within(request, call) {
  try {
    return await invocation.run(request.headers.get('${INVOCATION_HEADER}') ?? undefined, call);
  } catch (error) {
    console.error('Uncaught ' + (error?.stack ?? String(error)));
    return failed('The worker threw an exception; its logs have the details.');
  }
}
// The controller and batch of Cloudflare's scheduled and queue handlers; the answer says what
// the handler decided, even when it threw (a message acked before the throw stays acked).
async function scheduled(event, run) {
  let noRetry = false;
  const controller = { type: 'scheduled', cron: event.cron, scheduledTime: event.scheduledTime, noRetry: () => { noRetry = true; } };
  await run(controller);
  return Response.json({ noRetry });
}
async function queue(event, run) {
  const result = { ackAll: false, retryBatch: { retry: false }, explicitAcks: [], retryMessages: [] };
  const decided = new Set();
  const messages = event.messages.map((m) => ({
    id: m.id,
    timestamp: new Date(m.timestamp),
    body: m.body,
    attempts: m.attempts,
    ack() { if (!decided.has(m.id)) { decided.add(m.id); result.explicitAcks.push(m.id); } },
    retry(options) {
      if (!decided.has(m.id)) { decided.add(m.id); result.retryMessages.push({ msgId: m.id, delaySeconds: options?.delaySeconds }); }
    },
  }));
  const batch = {
    queue: event.queue,
    messages,
    ackAll() { result.ackAll = true; },
    retryAll(options) { result.retryBatch = { retry: true, delaySeconds: options?.delaySeconds }; },
  };
  try {
    await run(batch);
  } catch (error) {
    console.error('Uncaught ' + (error?.stack ?? String(error)));
    return failed(JSON.stringify(result));
  }
  return Response.json(result);
}
// Methods an RPC call may not name: the handlers and what every object has.
const NOT_RPC = new Set(['fetch', 'connect', 'scheduled', 'queue', 'tail', 'trace', 'alarm', 'constructor', 'dup']);
// The object an entrypoint's RPC calls go to: a WorkerEntrypoint instance (RPC needs a class, as on
// Cloudflare), or null.
function receiver(entrypoint, scope) {
  if (entrypoint === null) return scope.self;
  const target = exported(entrypoint);
  return typeof target === 'function' ? new target(scope.ctx, scope.env) : null;
}
// One RPC call through a service binding: arguments and result travel as RPC_CODEC writes them; the
// method's error is thrown at the caller with its name and message (its stack goes to the logs).
async function rpc(event, receive) {
  const fail = (name, message) => failed(encodeRpc({ error: { name, message } }));
  let target;
  try {
    target = receive();
  } catch (error) {
    return fail('TypeError', error.message);
  }
  const name = event.method;
  const method =
    target === null || typeof name !== 'string' || NOT_RPC.has(name) || name in Object.prototype ? undefined : target[name];
  if (typeof method !== 'function')
    return fail('TypeError', 'The RPC receiver does not implement the method "' + name + '".');
  let result;
  try {
    result = await method.apply(target, event.args);
  } catch (error) {
    console.error('Uncaught ' + (error?.stack ?? String(error)));
    return fail(error?.name ?? 'Error', error?.message ?? String(error));
  }
  try {
    return new Response(encodeRpc({ result }), { headers: { 'content-type': 'application/json' } });
  } catch (error) {
    return fail(error.name, error.message); // a function in the result
  }
}
// An HTTP request for a named entrypoint's fetch (a service binding with \`entrypoint\`).
function fetchEntrypoint(request, entrypoint, scope) {
  const headers = new Headers(request.headers);
  headers.delete('${ENTRYPOINT_HEADER}');
  const forwarded = new Request(request, { headers });
  const target = exported(entrypoint);
  if (typeof target === 'function') {
    const instance = new target(scope.ctx, scope.env);
    return typeof instance.fetch === 'function' ? instance.fetch(forwarded) : missing('fetch');
  }
  return typeof target.fetch === 'function' ? target.fetch(forwarded, scope.env, scope.ctx) : missing('fetch');
}
const EVENTS = { scheduled, queue };
/**
 * One request: an HTTP request for the user's fetch (or, through a service binding, a named
 * entrypoint's), an RPC call, or an event for its handler of that name. \`scope\` is the default
 * export's instance (a WorkerEntrypoint class, else null) with the invocation's env and ctx.
 */
function dispatch(request, call, scope) {
  const kind = request.headers.get('${EVENT_HEADER}');
  const entrypoint = request.headers.get('${ENTRYPOINT_HEADER}');
  if (kind === 'rpc') return within(request, async () => rpc(decodeRpc(await request.text()), () => receiver(entrypoint, scope)));
  if (kind !== null) return within(request, async () => EVENTS[kind](await request.json(), (arg) => call(kind, arg)));
  if (entrypoint !== null) return within(request, () => fetchEntrypoint(request, entrypoint, scope));
  return within(request, () => call('fetch', request));
}
const missing = (name) => {
  throw new Error('${userEntry} exports no ' + name + ' handler');
};
export default typeof handler === 'function'
  ? class extends handler {
      fetch(request) {
        return dispatch(
          request,
          (name, arg) => (typeof super[name] === 'function' ? super[name](arg) : missing(name)),
          { self: this, env: this.env, ctx: this.ctx },
        );
      }
    }
  : {
      ...handler,
      fetch: (request, env, ctx) =>
        dispatch(
          request,
          (name, arg) => (typeof handler[name] === 'function' ? handler[name](arg, env, ctx) : missing(name)),
          { self: null, env, ctx },
        ),
    };
`;
}

/** The modules of one deployed worker as workerd loads them: ours, then the user's. */
export function workerModules(
  modules: readonly { name: string; content: string }[],
): { type: 'ESModule'; path: string; contents: string }[] {
  const first = modules[0];
  if (!first) throw new TypeError('a worker needs at least one module');
  return [
    { type: 'ESModule', path: `/${OWN_DIR}/entry.js`, contents: entry(first.name) },
    { type: 'ESModule', path: `/${OWN_DIR}/preamble.js`, contents: PREAMBLE },
    ...modules.map((m) => ({ type: 'ESModule' as const, path: `/${m.name}`, contents: m.content })),
  ];
}

/**
 * The project's tail worker: each finished invocation's trace goes to the platform on stdout,
 * bounded here already (`MAX_LINES` lines of `MAX_LINE_CHARS`), so a worker logging megabytes does
 * not make the platform read megabytes.
 */
export const TAIL_WORKER = `
const show = (value) => {
  if (typeof value === 'string') return value;
  try { return JSON.stringify(value) ?? String(value); } catch { return String(value); }
};
const clip = (text) => (text.length <= ${MAX_LINE_CHARS} ? text : text.slice(0, ${MAX_LINE_CHARS}) + '…');
export default {
  tail(events, env) {
    const traces = events.map((e) => {
      const logs = e.logs ?? [];
      const exceptions = (e.exceptions ?? []).slice(0, ${MAX_LINES});
      const kept = logs.slice(0, Math.max(0, ${MAX_LINES} - exceptions.length));
      return {
        invocation: e.event?.request?.headers?.['${INVOCATION_HEADER}'] ?? null,
        outcome: e.outcome,
        logs: kept.map((l) => ({ level: l.level, timestamp: l.timestamp, message: [clip((l.message ?? []).map(show).join(' '))] })),
        exceptions: exceptions.map((x) => ({ name: x.name, timestamp: x.timestamp, message: clip(String(x.message)), stack: clip(String(x.stack ?? '')) })),
        dropped: logs.length - kept.length,
      };
    });
    console.log(env.TOKEN + JSON.stringify(traces));
  },
};
`;
