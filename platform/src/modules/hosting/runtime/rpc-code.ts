/**
 * How RPC arguments and results travel through a service binding (decision 0054): JSON, with the
 * values JSON loses but workerd's RPC (structured clone) keeps written as tagged objects:
 * `undefined`, `Date`, `BigInt`, `NaN` and the infinities, `Map`, `Set`, typed arrays and
 * `ArrayBuffer` (base64), and errors (name and message; the standard error classes come back as
 * themselves). Functions and symbols cannot be sent
 * (workerd would pass a stub): encoding one throws a `DataCloneError`. Evaluated in workerd by
 * both ends (the caller's binding and the target's entry), so it is source text here.
 */
export const RPC_CODEC = `
const RPC_TAG = '__aerostack_rpc';
const toBase64 = (bytes) => {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
};
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
function rpcTagged(raw) {
  if (raw === undefined) return { [RPC_TAG]: 'undefined' };
  if (typeof raw === 'bigint') return { [RPC_TAG]: 'BigInt', v: raw.toString() };
  if (typeof raw === 'number' && !Number.isFinite(raw)) return { [RPC_TAG]: 'Number', v: String(raw) };
  if (typeof raw === 'function' || typeof raw === 'symbol') {
    const error = new Error('Could not serialize a ' + typeof raw + ': RPC through this platform carries data only.');
    error.name = 'DataCloneError';
    throw error;
  }
  if (raw instanceof Date) return { [RPC_TAG]: 'Date', v: raw.getTime() };
  if (raw instanceof Map) return { [RPC_TAG]: 'Map', v: [...raw] };
  if (raw instanceof Set) return { [RPC_TAG]: 'Set', v: [...raw] };
  if (raw instanceof ArrayBuffer) return { [RPC_TAG]: 'ArrayBuffer', v: toBase64(new Uint8Array(raw)) };
  if (ArrayBuffer.isView(raw) && !(raw instanceof DataView))
    return { [RPC_TAG]: raw.constructor.name, v: toBase64(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)) };
  if (raw instanceof Error) return { [RPC_TAG]: 'Error', name: raw.name, v: raw.message };
  return null;
}
function encodeRpc(value) {
  return JSON.stringify({ v: value }, function (key, v) {
    return rpcTagged(this[key]) ?? v;
  });
}
const ERRORS = ['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError'];
const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];
// Stands for undefined until its holder is revived: a reviver answering undefined would delete the key.
const RPC_UNDEFINED = {};
function decodeRpc(text) {
  return JSON.parse(text, (key, v) => {
    if (v === null || typeof v !== 'object') return v;
    const tag = v[RPC_TAG];
    if (typeof tag !== 'string') {
      for (const k of Object.keys(v)) if (v[k] === RPC_UNDEFINED) v[k] = undefined;
      return v;
    }
    if (tag === 'undefined') return RPC_UNDEFINED;
    if (tag === 'BigInt') return BigInt(v.v);
    if (tag === 'Number') return Number(v.v);
    if (tag === 'Date') return new Date(v.v);
    if (tag === 'Map') return new Map(v.v);
    if (tag === 'Set') return new Set(v.v);
    if (tag === 'ArrayBuffer') return fromBase64(v.v).buffer;
    if (TYPED.includes(tag)) {
      const bytes = fromBase64(v.v);
      return new globalThis[tag](bytes.buffer, 0, bytes.byteLength / globalThis[tag].BYTES_PER_ELEMENT);
    }
    if (tag === 'Error') {
      const error = new (ERRORS.includes(v.name) ? globalThis[v.name] : Error)(v.v);
      error.name = v.name;
      return error;
    }
    return v;
  }).v;
}
`;
