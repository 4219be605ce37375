import { RPC_CODEC } from './rpc-code.js';
import { INVOCATION_HEADER, REFUSED_HEADER } from './worker-code.js';

/**
 * `[[services]]` bindings as workerd runs them (decision 0054): a wrapped binding (one module
 * evaluated in the caller's isolate) whose `fetch` and RPC methods go to the platform through
 * `env.PLATFORM`, a service binding to a Node function of the runtime, tagged with the invocation
 * in flight. The platform finds the target among the project's workers and sends the call there as
 * a new invocation of its own (logged, counted, watched), so a name never resolves outside the
 * project and every hop is a request the runtime sees.
 */

/** Names the service binding a call comes from, and whether it is an RPC call (JSON). */
export const SERVICE_HEADER = 'x-aerostack-service';

export const SERVICE_MODULE = `${RPC_CODEC}
const INVOCATION = Symbol.for('aerostack.invocation');
// What a binding offers itself; any other name is an RPC method of the target's entrypoint.
const OWN = new Set(['fetch', 'connect']);

export default function (env) {
  const send = async (request, rpc) => {
    const headers = new Headers(request.headers);
    headers.set('${SERVICE_HEADER}', JSON.stringify({ name: env.name, rpc }));
    const id = globalThis[INVOCATION]?.getStore();
    if (id === undefined) headers.delete('${INVOCATION_HEADER}');
    else headers.set('${INVOCATION_HEADER}', id);
    const response = await env.PLATFORM.fetch(new Request(request, { headers }));
    if (response.headers.get('${REFUSED_HEADER}') !== null) throw new Error(await response.text());
    return response;
  };
  const call = async (method, args) => {
    const body = encodeRpc({ method, args });
    const request = new Request('http://rpc.invalid/', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = decodeRpc(await (await send(request, true)).text());
    if (answer.error === undefined) return answer.result;
    const error = new Error(answer.error.message);
    error.name = answer.error.name;
    throw error;
  };
  const binding = {
    fetch: (input, init) => send(new Request(input, init), false),
    connect() {
      throw new Error('connect() is not offered on service bindings: use fetch() or RPC methods.');
    },
  };
  return new Proxy(binding, {
    get(target, name) {
      if (typeof name !== 'string' || name === 'then') return undefined; // not a thenable
      if (OWN.has(name)) return target[name];
      return (...args) => call(name, args);
    },
  });
}
`;
