import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Principal } from '../../../http/auth/principal.js';
import { ApiError } from '../../../http/problem.js';
import type { Services } from '../../../services.js';
import type { JsonValue } from '../../cache/store.js';
import type { Binding } from '../layout/toml.js';
import { ARGS_HEADER } from '../runtime/binding-code.js';
import type { BindingCall, BindingHandler, BindingKind, WorkerBinding } from '../runtime/contract.js';
import { ai, queue, vectorize } from './services.js';
import { d1, kv, r2 } from './stores.js';

/**
 * The platform side of hosted code's store bindings (decision 0049): each call from `env.DB`,
 * `env.CACHE`, … reaches the project's own stores through the same services the HTTP API uses, so
 * a row written by a worker is the row `POST /v1/db/query` reads and emits the same change event.
 * The project comes from the runtime (the workerd process the call came from), never from the call.
 */

/** The names every worker gets, whatever its `aerostack.toml` declares. */
const NATIVE: WorkerBinding[] = [
  { name: 'DB', kind: 'd1', target: '' },
  { name: 'CACHE', kind: 'kv', target: '' },
  { name: 'KV', kind: 'kv', target: '' },
  { name: 'STORAGE', kind: 'r2', target: '' },
  { name: 'R2', kind: 'r2', target: '' },
  { name: 'QUEUE', kind: 'queue', target: 'default' },
  { name: 'AI', kind: 'ai', target: '' },
  { name: 'VECTORIZE', kind: 'vectorize', target: 'default' },
];

/** `aerostack.toml` tables that alias one of the project's stores (consumers and services are not stores). */
const DECLARED: Partial<Record<Binding['type'], { kind: BindingKind; target?: string }>> = {
  d1_databases: { kind: 'd1' },
  kv_namespaces: { kind: 'kv' },
  r2_buckets: { kind: 'r2' },
  ai: { kind: 'ai' },
  'queues.producers': { kind: 'queue', target: 'queue' },
  vectorize: { kind: 'vectorize', target: 'index_name' },
};

/** The `aerostack.toml` binding tables that reach `env`. */
export const WIRED_TABLES: ReadonlySet<Binding['type']> = new Set(Object.keys(DECLARED) as Binding['type'][]);

/**
 * A worker's store bindings: the native names, then what its `aerostack.toml` declares (which wins
 * for a name it reuses); a `[vars]` entry keeps its name.
 */
export function bindingsOf(declared: readonly Binding[], vars: Record<string, string>): WorkerBinding[] {
  const byName = new Map(NATIVE.map((b) => [b.name, b]));
  for (const b of declared) {
    const shape = DECLARED[b.type];
    if (!shape) continue;
    const target = shape.target === undefined ? '' : String(b.settings[shape.target] ?? 'default');
    byName.set(b.binding, { name: b.binding, kind: shape.kind, target });
  }
  return [...byName.values()].filter((b) => !Object.hasOwn(vars, b.name));
}

/** What an operation answers: JSON, the bytes of an R2 object, or nothing (a write). */
export type Operation = (context: OperationContext) => Promise<JsonValue | Response> | Promise<void>;
export interface OperationContext {
  services: Services;
  call: BindingCall;
  /** The project as a secret key sees it: deployed code is the project owner's. */
  principal: Principal;
  args: Record<string, unknown>;
  /** The request body as Node chunks (an R2 put's bytes). */
  body(): AsyncIterable<Uint8Array>;
}

const OPERATIONS: Record<BindingKind, Record<string, Operation>> = { d1, kv, r2, queue, ai, vectorize };

/** How each API's users see a platform error (D1's `D1_ERROR: …`). */
const PREFIX: Record<BindingKind, string> = {
  d1: 'D1_ERROR: ',
  kv: 'KV error: ',
  r2: 'R2 error: ',
  queue: 'Queue send failed: ',
  ai: 'AiError: ',
  vectorize: 'VECTOR_ERROR: ',
};

async function argsOf(request: Request): Promise<Record<string, unknown>> {
  const header = request.headers.get(ARGS_HEADER);
  const text = header === null ? await request.text() : decodeURIComponent(header);
  const args = JSON.parse(text) as unknown;
  return args !== null && typeof args === 'object' ? (args as Record<string, unknown>) : {};
}

/** The handler the runtime calls for every binding call of every project. */
export function createBindingHandler(services: Services): BindingHandler {
  return async (call, request) => {
    const operation = OPERATIONS[call.binding.kind]?.[call.op.slice(call.binding.kind.length + 1)];
    if (!call.op.startsWith(`${call.binding.kind}.`) || !operation)
      return Response.json({ error: `${call.binding.name} has no operation ${call.op}.` }, { status: 400 });
    try {
      const answer = await operation({
        services,
        call,
        principal: {
          scheme: 'secretKey',
          subject: call.projectId,
          credentialId: null,
          projectId: call.projectId,
        },
        args: await argsOf(request),
        body: () =>
          request.body === null
            ? (async function* () {})()
            : Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>),
      });
      return answer instanceof Response ? answer : Response.json(answer ?? null);
    } catch (error) {
      const prefix = PREFIX[call.binding.kind];
      if (error instanceof ApiError)
        return Response.json(
          { error: `${prefix}${error.detail ?? error.message} (${error.code})` },
          { status: 400 },
        );
      if (error instanceof SyntaxError || error instanceof TypeError)
        return Response.json({ error: `${prefix}${error.message}` }, { status: 400 });
      services.logger.error('hosting: a binding call failed', {
        projectId: call.projectId,
        worker: call.worker,
        op: call.op,
        error: String(error),
      });
      return Response.json({ error: `${prefix}the platform could not serve the call.` }, { status: 500 });
    }
  };
}
