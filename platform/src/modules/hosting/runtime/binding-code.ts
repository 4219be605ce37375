import { INVOCATION_HEADER } from './worker-code.js';

/**
 * The Cloudflare APIs of `env.DB`, `env.CACHE`, `env.STORAGE`, `env.QUEUE`, `env.AI` and
 * `env.VECTORIZE` (decision 0049), as workerd runs them: a wrapped binding (one module evaluated in
 * the user's isolate, its default export called with the binding's inner `env`) whose every call
 * goes to the platform through `env.STORE`, a service binding to a Node function of the runtime.
 * The user gets only the returned object: no credential, no URL, nothing but the API.
 */

/** The header naming the binding a call comes from (its name, kind, worker, target). */
export const BINDING_HEADER = 'x-aerostack-binding';
/** An R2 put's arguments travel here (its body is the object's bytes). */
export const ARGS_HEADER = 'x-aerostack-args';
/** An R2 get's object metadata travels here (its body is the object's bytes). */
export const OBJECT_HEADER = 'x-aerostack-object';
/** The bytes an R2 get with a range answered, as `offset,length`; absent when its onlyIf failed. */
export const RANGE_HEADER = 'x-aerostack-range';

export const BINDING_MODULE = `
const INVOCATION = Symbol.for('aerostack.invocation');

export default function (env) {
  const binding = JSON.stringify({ name: env.name, kind: env.kind, worker: env.worker, target: env.target });
  const call = async (op, args, body) => {
    const headers = { '${BINDING_HEADER}': binding };
    const id = globalThis[INVOCATION]?.getStore();
    if (id !== undefined) headers['${INVOCATION_HEADER}'] = id;
    if (body === undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(args ?? null);
    } else headers['${ARGS_HEADER}'] = encodeURIComponent(JSON.stringify(args ?? null));
    const response = await env.STORE.fetch('http://binding.invalid/' + op, { method: 'POST', headers, body });
    if (!response.ok) {
      const failure = await response.json().catch(() => ({ error: 'the binding call failed (' + response.status + ')' }));
      throw new Error(failure.error);
    }
    return response;
  };
  const json = async (op, args) => (await call(op, args)).json();
  const make = KINDS[env.kind];
  if (make === undefined) throw new Error('unknown binding kind ' + env.kind);
  return make(call, json);
}

// D1: prepare().bind().all() / first() / run() / raw(), batch(), exec().
function d1(call, json) {
  const value = (v) => {
    if (v === undefined) throw new TypeError('D1_TYPE_ERROR: Type undefined is not supported as a bound value');
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v === null || typeof v === 'string' || typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    throw new TypeError('D1_TYPE_ERROR: Type ' + (v?.constructor?.name ?? typeof v) + ' is not supported as a bound value');
  };
  const result = (r) => ({
    success: true,
    results: r.rows,
    meta: {
      duration: r.duration,
      changes: r.rowsAffected,
      rows_read: r.rows.length,
      rows_written: r.rowsAffected,
      changed_db: r.rowsAffected > 0,
      last_row_id: null,
      size_after: null,
      served_by: 'aerostack',
    },
  });
  const run = (statements) => json('d1.batch', { statements: statements.map((s) => ({ sql: s.sql, params: s.params })) });
  class D1PreparedStatement {
    constructor(sql, params) {
      this.sql = sql;
      this.params = params;
    }
    bind(...values) {
      return new D1PreparedStatement(this.sql, values.map(value));
    }
    async all() {
      return result((await run([this]))[0]);
    }
    run() {
      return this.all();
    }
    async first(column) {
      const row = (await run([this]))[0].rows[0];
      if (row === undefined) return null;
      if (column === undefined) return row;
      if (!(column in row)) throw new Error('D1_COLUMN_NOTFOUND: Column not found (' + column + ')');
      return row[column];
    }
    async raw(options) {
      const r = (await run([this]))[0];
      const rows = r.rows.map((row) => r.columns.map((c) => row[c]));
      return options?.columnNames ? [r.columns, ...rows] : rows;
    }
  }
  const database = {
    prepare: (sql) => new D1PreparedStatement(sql, []),
    async batch(statements) {
      if (!Array.isArray(statements) || statements.length === 0) return [];
      return (await run(statements)).map(result);
    },
    // As D1's exec: one statement per line, without bound values, all in one batch.
    async exec(sql) {
      const lines = String(sql).split('\\n').map((l) => l.trim()).filter((l) => l !== '');
      const started = Date.now();
      if (lines.length > 0) await run(lines.map((l) => ({ sql: l, params: [] })));
      return { count: lines.length, duration: Date.now() - started };
    },
    withSession: () => database,
    async dump() {
      throw new Error('D1_ERROR: dump() is not supported; export the database with the platform API');
    },
  };
  return database;
}

// KV: get(key, type | { type }), getWithMetadata, put(key, value, { expirationTtl, expiration }),
// delete, list({ prefix, cursor, limit }). Values are text (a JSON value put through the platform
// reads as its JSON text).
function kv(call, json) {
  const typeOf = (type) => (typeof type === 'string' ? type : (type?.type ?? 'text'));
  const decode = (value, type) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    switch (type) {
      case 'text': return text;
      case 'json': return typeof value === 'string' ? JSON.parse(value) : value;
      case 'arrayBuffer': return new TextEncoder().encode(text).buffer;
      case 'stream': return new Response(text).body;
      default: throw new TypeError('Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".');
    }
  };
  const textOf = async (value) => {
    if (typeof value === 'string') return value;
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value) || value instanceof ReadableStream) {
      const bytes = new Uint8Array(await new Response(value).arrayBuffer());
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new TypeError('KV PUT failed: this platform stores text values (UTF-8); encode binary values first');
      }
    }
    throw new TypeError('KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.');
  };
  const get = async (key, type) => {
    const found = await json('kv.get', { key: String(key) });
    return found.found ? decode(found.value, typeOf(type)) : null;
  };
  return {
    get,
    async getWithMetadata(key, type) {
      return { value: await get(key, type), metadata: null, cacheStatus: null };
    },
    async put(key, value, options) {
      await json('kv.put', {
        key: String(key),
        value: await textOf(value),
        expirationTtl: options?.expirationTtl ?? null,
        expiration: options?.expiration ?? null,
      });
    },
    async delete(key) {
      await json('kv.delete', { key: String(key) });
    },
    list: (options) => json('kv.list', { prefix: options?.prefix ?? '', cursor: options?.cursor ?? null, limit: options?.limit ?? 1000 }),
  };
}

// R2: put / get (with range and onlyIf) / head / list / delete, streams in and out, httpMetadata and
// customMetadata.
function r2(call, json) {
  const object = (info) => ({
    key: info.key,
    version: info.etag.replaceAll('"', ''),
    size: info.sizeBytes,
    etag: info.etag.replaceAll('"', ''),
    httpEtag: info.etag,
    uploaded: new Date(info.updatedAt),
    httpMetadata: { contentType: info.contentType, ...(info.cacheControl ? { cacheControl: info.cacheControl } : {}) },
    customMetadata: info.metadata,
    checksums: {},
    storageClass: 'Standard',
    writeHttpMetadata(headers) {
      headers.set('content-type', info.contentType);
      if (info.cacheControl) headers.set('cache-control', info.cacheControl);
    },
  });
  // R2Range ({ offset, length } | { suffix }) or a Headers whose Range is one bytes range.
  const rangeOf = (range) => {
    if (!(range instanceof Headers)) return { offset: range.offset, length: range.length, suffix: range.suffix };
    const value = range.get('range');
    if (value === null) return {};
    const m = /^bytes=(\\d*)-(\\d*)$/.exec(value.trim());
    if (m === null || (m[1] === '' && m[2] === '')) throw new TypeError('get: the Range header must be one bytes range (bytes=a-b, bytes=a- or bytes=-n)');
    if (m[1] === '') return { suffix: Number(m[2]) };
    return m[2] === '' ? { offset: Number(m[1]) } : { offset: Number(m[1]), length: Number(m[2]) - Number(m[1]) + 1 };
  };
  // R2Conditional or a Headers with If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since.
  const conditionOf = (c) => {
    const time = (d) => (d === undefined || d === null ? undefined : new Date(d).getTime());
    if (!(c instanceof Headers))
      return {
        etagMatches: c.etagMatches,
        etagDoesNotMatch: c.etagDoesNotMatch,
        uploadedBefore: time(c.uploadedBefore),
        uploadedAfter: time(c.uploadedAfter),
        secondsGranularity: c.secondsGranularity === true,
      };
    return {
      etagMatches: c.get('if-match') ?? undefined,
      etagDoesNotMatch: c.get('if-none-match') ?? undefined,
      uploadedBefore: time(c.get('if-unmodified-since') ?? undefined),
      uploadedAfter: time(c.get('if-modified-since') ?? undefined),
      secondsGranularity: true,
    };
  };
  const httpMetadataOf = (m) => {
    if (m === undefined || m === null) return {};
    if (m instanceof Headers) return { contentType: m.get('content-type') ?? undefined, cacheControl: m.get('cache-control') ?? undefined };
    return { contentType: m.contentType, cacheControl: m.cacheControl };
  };
  return {
    async put(key, value, options) {
      const body = value === null || value === undefined ? '' : value;
      const info = await (await call('r2.put', { key: String(key), ...httpMetadataOf(options?.httpMetadata), customMetadata: options?.customMetadata ?? {} }, body)).json();
      return object(info);
    },
    async get(key, options) {
      const args = { key: String(key) };
      if (options?.range !== undefined) args.range = rangeOf(options.range);
      if (options?.onlyIf !== undefined) args.onlyIf = conditionOf(options.onlyIf);
      const response = await call('r2.get', args);
      const header = response.headers.get('${OBJECT_HEADER}');
      if (header === null) return null;
      const info = JSON.parse(decodeURIComponent(header));
      const range = response.headers.get('${RANGE_HEADER}');
      // As R2 answers a get whose onlyIf fails: the object's metadata, without a body.
      if (range === null) return object(info);
      const [offset, length] = range.split(',').map(Number);
      const body = response.body;
      let used = false;
      const take = () => {
        if (used) throw new TypeError('Body has already been used. It can only be used once. Use tee() first if you need to read it twice.');
        used = true;
        return new Response(body);
      };
      return {
        ...object(info),
        range: { offset, length },
        get body() { used = true; return body; },
        get bodyUsed() { return used; },
        arrayBuffer: () => take().arrayBuffer(),
        text: () => take().text(),
        json: () => take().json(),
        blob: () => take().blob(),
      };
    },
    async head(key) {
      const info = await json('r2.head', { key: String(key) });
      return info === null ? null : object(info);
    },
    async list(options) {
      const page = await json('r2.list', { prefix: options?.prefix ?? '', cursor: options?.cursor ?? null, limit: options?.limit ?? 1000 });
      return { objects: page.data.map(object), truncated: page.nextCursor !== null, cursor: page.nextCursor ?? undefined, delimitedPrefixes: [] };
    },
    async delete(keys) {
      await json('r2.delete', { keys: (Array.isArray(keys) ? keys : [keys]).map(String) });
    },
  };
}

// Queues: send(body, { delaySeconds }), sendBatch([{ body, delaySeconds }], { delaySeconds }).
function queue(call, json) {
  return {
    async send(body, options) {
      await json('queue.send', { messages: [{ body, delaySeconds: options?.delaySeconds ?? 0 }] });
    },
    async sendBatch(messages, options) {
      await json('queue.send', {
        messages: [...messages].map((m) => ({ body: m.body, delaySeconds: m.delaySeconds ?? options?.delaySeconds ?? 0 })),
      });
    },
  };
}

// Workers AI: run(model, { messages } | { prompt }) → { response }; with stream: true, a
// ReadableStream of server-sent events (data: { response }, then data: [DONE]); run(model,
// { text }) → embeddings.
function ai(call, json) {
  return {
    async run(model, input) {
      if (input?.stream === true) return (await call('ai.run', { model, input })).body;
      return json('ai.run', { model, input });
    },
  };
}

// Vectorize: insert (new ids only) / upsert, query, getByIds, deleteByIds, describe.
function vectorize(call, json) {
  return {
    insert: (vectors) => json('vectorize.insert', { vectors }),
    upsert: (vectors) => json('vectorize.upsert', { vectors }),
    query: (vector, options) => json('vectorize.query', { vector: Array.from(vector), options: options ?? {} }),
    getByIds: (ids) => json('vectorize.getByIds', { ids }),
    deleteByIds: (ids) => json('vectorize.deleteByIds', { ids }),
    describe: () => json('vectorize.describe', {}),
  };
}

const KINDS = { d1, kv, r2, queue, ai, vectorize };
`;
