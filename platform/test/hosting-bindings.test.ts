import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// Store bindings of hosted code (decision 0049), over HTTP against the real platform and workerd:
// what a deployed function writes through env.DB, env.CACHE / env.KV, env.STORAGE / env.R2 and
// env.QUEUE is what the platform's API (the SDK's routes) reads, and the other way round; another
// project's function sees none of it; a row written through env.DB is a realtime change event;
// env holds no credential.

const TOML = `name = "store"
main = "index.js"
compatibility_date = "2025-06-01"

[vars]
GREETING = "hi"

[[d1_databases]]
binding = "MAIN_DB"
database_name = "main"

[[queues.producers]]
binding = "EMAILS"
queue = "emails"
`;

const WORKER = `
const json = (value, status = 200) => Response.json(value, { status });
async function route(request, env, url) {
  const body = request.headers.get('content-type') === 'application/json' ? await request.json() : null;
  const q = (name) => url.searchParams.get(name);
  switch (url.pathname) {
    case '/env':
      return json({ names: Object.keys(env).sort(), dump: JSON.stringify(env), types: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v])) });
    case '/db/exec':
      return json(await env.DB.exec(body.sql));
    case '/db/run':
      return json(await env.DB.prepare(body.sql).bind(...(body.params ?? [])).run());
    case '/db/all':
      return json(await env.MAIN_DB.prepare(body.sql).bind(...(body.params ?? [])).all());
    case '/db/first':
      return json({ row: await env.DB.prepare(body.sql).first(), column: await env.DB.prepare(body.sql).first(body.column) });
    case '/db/raw':
      return json(await env.DB.prepare(body.sql).raw({ columnNames: true }));
    case '/db/batch':
      return json(await env.DB.batch(body.statements.map((s) => env.DB.prepare(s.sql).bind(...(s.params ?? [])))));
    case '/kv/put':
      await env[body.binding ?? 'CACHE'].put(body.key, body.value, body.ttl ? { expirationTtl: body.ttl } : undefined);
      return json({ ok: true });
    case '/kv/get':
      return json({ value: await env[q('binding') ?? 'CACHE'].get(q('key'), q('type') ?? undefined) });
    case '/kv/list':
      return json(await env.KV.list({ prefix: q('prefix'), limit: Number(q('limit') ?? 100), cursor: q('cursor') ?? undefined }));
    case '/kv/delete':
      await env.CACHE.delete(q('key'));
      return json({ ok: true });
    case '/r2/put': {
      const object = await env.STORAGE.put(q('key'), request.body, {
        httpMetadata: { contentType: request.headers.get('content-type') },
        customMetadata: { by: 'worker' },
      });
      return json({ key: object.key, size: object.size, etag: object.etag, httpEtag: object.httpEtag, contentType: object.httpMetadata.contentType });
    }
    case '/r2/get': {
      const object = await env.R2.get(q('key'));
      if (object === null) return json({ missing: true }, 404);
      const headers = new Headers();
      object.writeHttpMetadata(headers);
      headers.set('x-meta', JSON.stringify(object.customMetadata));
      headers.set('x-size', String(object.size));
      return new Response(object.body, { headers });
    }
    case '/r2/read': {
      // body: { key, range?, rangeHeader?, onlyIf?, ifNoneMatch?, ifModifiedSince? }
      let onlyIf = body.onlyIf;
      if (body.ifNoneMatch !== undefined || body.ifModifiedSince !== undefined) {
        onlyIf = new Headers();
        if (body.ifNoneMatch !== undefined) onlyIf.set('if-none-match', body.ifNoneMatch);
        if (body.ifModifiedSince !== undefined) onlyIf.set('if-modified-since', body.ifModifiedSince);
      }
      if (onlyIf?.uploadedAfter !== undefined) onlyIf = { ...onlyIf, uploadedAfter: new Date(onlyIf.uploadedAfter) };
      const range = body.rangeHeader !== undefined ? new Headers({ range: body.rangeHeader }) : body.range;
      const object = await env.R2.get(body.key, { range, onlyIf });
      if (object === null) return json({ missing: true }, 404);
      if (!('body' in object)) return json({ precondition: 'failed', etag: object.etag, size: object.size });
      return json({ range: object.range, text: await object.text(), size: object.size });
    }
    case '/r2/head':
      return json(await env.STORAGE.head(q('key')));
    case '/r2/list': {
      const page = await env.STORAGE.list({ prefix: q('prefix') ?? '' });
      return json({ keys: page.objects.map((o) => o.key), truncated: page.truncated });
    }
    case '/r2/delete':
      await env.STORAGE.delete(q('key'));
      return json({ ok: true });
    case '/queue/send':
      await env[body.binding].send(body.message);
      return json({ ok: true });
    case '/queue/batch':
      await env.QUEUE.sendBatch(body.messages.map((m) => ({ body: m })));
      return json({ ok: true });
  }
  return json({ error: 'no route' }, 404);
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      return await route(request, env, url);
    } catch (error) {
      return json({ error: String(error.message ?? error), name: error.name }, 500);
    }
  },
};`;

describe.each(BACKENDS)('hosting bindings on $name', (backend) => {
  let t: TestPlatform;
  let project: string;
  let other: { id: string; secretKey: string };

  const api = (method: string, path: string, body?: unknown, auth = t.keys.secretKey) =>
    t.call({ method, path, auth, body });
  const fnIn = (
    projectId: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => t.call({ method, path: `/fn/${projectId}/store${path}`, body, ...(headers ? { headers } : {}) });
  const fn = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    fnIn(project, method, path, body, headers);
  const deployTo = async (projectId: string) => {
    const res = await t.call({
      method: 'POST',
      path: `/v1/projects/${projectId}/deployments`,
      auth: t.keys.accountKey,
      body: { aerostackToml: TOML, modules: [{ name: 'index.js', content: WORKER }] },
    });
    expect(res.status, res.text).toBe(201);
  };

  beforeAll(async () => {
    t = await testPlatform(backend);
    project = t.keys.projectId;
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'Other' },
    });
    expect(created.status, created.text).toBe(201);
    other = { id: created.json.project.id, secretKey: created.json.secretKey.key };
    await deployTo(project);
    await deployTo(other.id);
  }, 60_000);
  afterAll(() => t?.close());

  it('gives every worker the native store names and its declared aliases, and env holds no credential', async () => {
    const res = await fn('GET', '/env');
    expect(res.status, res.text).toBe(200);
    expect(res.json.names).toEqual(
      [
        'AI',
        'CACHE',
        'DB',
        'EMAILS',
        'GREETING',
        'KV',
        'MAIN_DB',
        'QUEUE',
        'R2',
        'STORAGE',
        'VECTORIZE',
      ].sort(),
    );
    expect(res.json.types.DB).toBe('object');
    const dump = res.json.dump as string;
    const config = t.platform.services.config;
    const credentials = [
      t.keys.secretKey,
      t.keys.accountKey,
      t.keys.publishableKey,
      other.secretKey,
      ...(config.masterKeys ?? '').split(/[,:=]/),
      config.databaseUrl,
      config.redisUrl,
    ].filter((c): c is string => typeof c === 'string' && c.length > 8);
    for (const credential of credentials) expect(dump).not.toContain(credential);
    expect(dump).not.toMatch(/postgres(ql)?:\/\//);
    expect(dump).not.toMatch(/sk_|ak_/);
  });

  it('env.DB writes rows the db API reads, reads rows the db API wrote, and emits change events', async () => {
    const exec = await fn('POST', '/db/exec', {
      sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, done INTEGER)',
    });
    expect(exec.status, exec.text).toBe(200);
    expect(exec.json.count).toBe(1);
    const run = await fn('POST', '/db/run', {
      sql: 'INSERT INTO notes (id, body, done) VALUES (?, ?, ?)',
      params: [1, 'from the worker', true],
    });
    expect(run.status, run.text).toBe(200);
    expect(run.json).toMatchObject({ success: true, meta: { changes: 1, changed_db: true } });

    const read = await api('POST', '/v1/db/query', { sql: 'SELECT id, body, done FROM notes' });
    expect(read.status, read.text).toBe(200);
    expect(read.json.rows).toEqual([{ id: 1, body: 'from the worker', done: 1 }]);

    const written = await api('POST', '/v1/db/query', {
      sql: 'INSERT INTO notes (id, body, done) VALUES (2, $1, 0)'.replace('$1', "'from the API'"),
    });
    expect(written.status, written.text).toBe(200);
    const all = await fn('POST', '/db/all', {
      sql: 'SELECT body FROM notes WHERE id > ? ORDER BY id',
      params: [0],
    });
    expect(all.json.results).toEqual([{ body: 'from the worker' }, { body: 'from the API' }]);
    const first = await fn('POST', '/db/first', {
      sql: 'SELECT id, body FROM notes ORDER BY id DESC',
      column: 'body',
    });
    expect(first.json).toEqual({ row: { id: 2, body: 'from the API' }, column: 'from the API' });
    const raw = await fn('POST', '/db/raw', { sql: 'SELECT id, done FROM notes ORDER BY id' });
    expect(raw.json).toEqual([
      ['id', 'done'],
      [1, 1],
      [2, 0],
    ]);

    const history = await api('GET', '/v1/realtime/messages?channel=table/notes&limit=10');
    expect(history.status, history.text).toBe(200);
    const inserted = history.json.data.find(
      (m: { data: { new: { id: number } | null } }) => m.data.new?.id === 1,
    );
    expect(inserted).toMatchObject({ data: { table: 'notes', new: { body: 'from the worker' } } });
  });

  it('env.DB batch() is all or nothing, and errors read as D1 errors', async () => {
    const failed = await fn('POST', '/db/batch', {
      statements: [
        { sql: 'INSERT INTO notes (id, body, done) VALUES (?, ?, 0)', params: [3, 'kept?'] },
        { sql: 'INSERT INTO missing_table VALUES (1)' },
      ],
    });
    expect(failed.status).toBe(500);
    expect(failed.json.error).toMatch(/^D1_ERROR: /);
    const after = await api('POST', '/v1/db/query', { sql: 'SELECT count(*) AS n FROM notes WHERE id = 3' });
    expect(Number(after.json.rows[0].n)).toBe(0);
    const ok = await fn('POST', '/db/batch', {
      statements: [
        { sql: 'INSERT INTO notes (id, body, done) VALUES (?, ?, 0)', params: [3, 'three'] },
        { sql: 'SELECT count(*) AS n FROM notes' },
      ],
    });
    expect(ok.status, ok.text).toBe(200);
    expect(Number(ok.json[1].results[0].n)).toBe(3);
    const tooMany = await fn('POST', '/db/batch', {
      statements: Array.from({ length: 101 }, () => ({ sql: 'SELECT 1' })),
    });
    expect(tooMany.json.error).toMatch(/^D1_ERROR: A batch holds 1 to 100 statements/);
  });

  it('env.CACHE and env.KV are the cache the cache API reads and writes', async () => {
    expect((await fn('POST', '/kv/put', { key: 'greeting', value: 'hello', ttl: 3600 })).status).toBe(200);
    const seen = await api('GET', '/v1/cache/greeting');
    expect(seen.status, seen.text).toBe(200);
    expect(seen.json.value).toBe('hello');
    expect(seen.json.expiresAt).not.toBeNull();

    expect((await api('PUT', '/v1/cache/profile', { value: { name: 'Ada', age: 36 } })).status).toBe(200);
    expect((await fn('GET', '/kv/get?key=profile')).json.value).toBe('{"name":"Ada","age":36}');
    expect((await fn('GET', '/kv/get?key=profile&type=json&binding=KV')).json.value).toEqual({
      name: 'Ada',
      age: 36,
    });
    expect((await fn('GET', '/kv/get?key=absent')).json.value).toBeNull();

    await fn('POST', '/kv/put', { binding: 'KV', key: 'list:a', value: '1' });
    await fn('POST', '/kv/put', { binding: 'KV', key: 'list:b', value: '2' });
    await fn('POST', '/kv/put', { binding: 'KV', key: 'list:c', value: '3' });
    const page = await fn('GET', '/kv/list?prefix=list:&limit=2');
    expect(page.json.keys.map((k: { name: string }) => k.name)).toEqual(['list:a', 'list:b']);
    expect(page.json.list_complete).toBe(false);
    const rest = await fn(
      'GET',
      `/kv/list?prefix=list:&limit=2&cursor=${encodeURIComponent(page.json.cursor)}`,
    );
    expect(rest.json).toMatchObject({ keys: [{ name: 'list:c' }], list_complete: true });

    // A key the cache API could not address is refused rather than written.
    const slash = await fn('POST', '/kv/put', { key: 'a/b', value: 'x' });
    expect(slash.status).toBe(500);
    expect(slash.json.error).toMatch(/^KV error: "a\/b" is not a key here.*\(request\/invalid-parameters\)$/);

    await fn('GET', '/kv/delete?key=greeting');
    expect((await api('GET', '/v1/cache/greeting')).status).toBe(404);
  });

  it('env.STORAGE and env.R2 are the object storage the storage API reads and writes, bytes and metadata', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    const put = await t.platform.app.request(
      `/fn/${project}/store/r2/put?key=${encodeURIComponent('docs/a.bin')}`,
      {
        method: 'POST',
        body: bytes,
        headers: { 'content-type': 'application/x-test' },
      },
    );
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await put.json()).toMatchObject({
      key: 'docs/a.bin',
      size: bytes.length,
      contentType: 'application/x-test',
    });

    const download = await t.platform.app.request(`/v1/storage/objects/${encodeURIComponent('docs/a.bin')}`, {
      headers: { authorization: `Bearer ${t.keys.secretKey}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/x-test');
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    const meta = await api('GET', `/v1/storage/objects/${encodeURIComponent('docs/a.bin')}/metadata`);
    expect(meta.json.metadata).toEqual({ by: 'worker' });

    const uploaded = await t.platform.app.request(
      '/v1/storage/objects/docs%2Fb.txt?contentType=text%2Fplain',
      {
        method: 'PUT',
        body: 'written by the API',
        headers: { authorization: `Bearer ${t.keys.secretKey}`, 'content-type': 'application/octet-stream' },
      },
    );
    expect(uploaded.status, await uploaded.clone().text()).toBe(200);
    const read = await fn('GET', '/r2/get?key=docs/b.txt');
    expect(read.status).toBe(200);
    expect(read.text).toBe('written by the API');
    expect(read.headers.get('content-type')).toBe('text/plain');
    expect(read.headers.get('x-size')).toBe('18');
    expect((await fn('GET', '/r2/head?key=docs/b.txt')).json).toMatchObject({ key: 'docs/b.txt', size: 18 });
    expect((await fn('GET', '/r2/list?prefix=docs/')).json).toEqual({
      keys: ['docs/a.bin', 'docs/b.txt'],
      truncated: false,
    });

    expect((await fn('GET', '/r2/get?key=docs/none')).status).toBe(404);
    expect((await fn('GET', '/r2/head?key=docs/none')).json).toBeNull();
    await fn('GET', '/r2/delete?key=docs/a.bin');
    expect(
      (await api('GET', `/v1/storage/objects/${encodeURIComponent('docs/a.bin')}/metadata`)).status,
    ).toBe(404);
  });

  it('env.R2.get reads a range and honours onlyIf, as R2 does', async () => {
    const put = await t.platform.app.request(`/fn/${project}/store/r2/put?key=ranged.txt`, {
      method: 'POST',
      body: '0123456789',
      headers: { 'content-type': 'text/plain' },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    const { etag } = (await put.json()) as { etag: string };
    const read = async (options: Record<string, unknown>) =>
      (await fn('POST', '/r2/read', { key: 'ranged.txt', ...options })).json;

    expect(await read({})).toEqual({ range: { offset: 0, length: 10 }, text: '0123456789', size: 10 });
    expect(await read({ range: { offset: 2, length: 3 } })).toMatchObject({
      range: { offset: 2, length: 3 },
      text: '234',
    });
    expect(await read({ range: { offset: 7 } })).toMatchObject({
      range: { offset: 7, length: 3 },
      text: '789',
    });
    expect(await read({ range: { length: 4 } })).toMatchObject({
      range: { offset: 0, length: 4 },
      text: '0123',
    });
    expect(await read({ range: { offset: 8, length: 100 } })).toMatchObject({
      range: { offset: 8, length: 2 },
      text: '89',
    });
    expect(await read({ range: { suffix: 3 } })).toMatchObject({
      range: { offset: 7, length: 3 },
      text: '789',
    });
    expect(await read({ range: { suffix: 50 } })).toMatchObject({
      range: { offset: 0, length: 10 },
      text: '0123456789',
    });
    expect(await read({ rangeHeader: 'bytes=1-2' })).toMatchObject({
      range: { offset: 1, length: 2 },
      text: '12',
    });
    expect(await read({ rangeHeader: 'bytes=-2' })).toMatchObject({ text: '89' });
    // Ranges of no bytes read none (the stores' inclusive ranges hold at least one byte).
    expect(await read({ range: { offset: 4, length: 0 } })).toMatchObject({
      range: { offset: 4, length: 0 },
      text: '',
    });
    expect(await read({ range: { suffix: 0 } })).toMatchObject({
      range: { offset: 10, length: 0 },
      text: '',
    });
    expect((await read({ range: { offset: 10 } })).error).toMatch(
      /^R2 error: The object has 10 bytes; the range starts at 10\. \(request\/range-not-satisfiable\)$/,
    );
    expect((await read({ range: { offset: -1 } })).error).toMatch(/whole numbers of bytes/);
    expect((await read({ range: { suffix: 2, offset: 1 } })).error).toMatch(/not both/);
    expect((await read({ rangeHeader: 'bytes=1-2,4-5' })).error).toMatch(/one bytes range/);

    // onlyIf: a failed condition answers the object without a body; a held one reads it.
    expect(await read({ onlyIf: { etagMatches: etag } })).toMatchObject({ text: '0123456789' });
    expect(await read({ onlyIf: { etagMatches: `"${etag}"` }, range: { offset: 9 } })).toMatchObject({
      text: '9',
    });
    expect(await read({ onlyIf: { etagMatches: 'other' } })).toEqual({
      precondition: 'failed',
      etag,
      size: 10,
    });
    expect(await read({ onlyIf: { etagDoesNotMatch: etag } })).toMatchObject({ precondition: 'failed' });
    expect(await read({ onlyIf: { etagDoesNotMatch: 'other' } })).toMatchObject({ text: '0123456789' });
    expect(await read({ ifNoneMatch: `"x", "${etag}"` })).toMatchObject({ precondition: 'failed' });
    expect(await read({ ifNoneMatch: '*' })).toMatchObject({ precondition: 'failed' });
    expect(await read({ onlyIf: { uploadedAfter: Date.now() + 60_000 } })).toMatchObject({
      precondition: 'failed',
    });
    expect(await read({ onlyIf: { uploadedAfter: Date.now() - 60_000 } })).toMatchObject({
      text: '0123456789',
    });
    expect(await read({ ifModifiedSince: new Date(Date.now() + 60_000).toUTCString() })).toMatchObject({
      precondition: 'failed',
    });
    expect((await fn('POST', '/r2/read', { key: 'none.txt', range: { offset: 1 } })).status).toBe(404);
    const empty = await t.platform.app.request(`/fn/${project}/store/r2/put?key=empty.txt`, {
      method: 'POST',
      body: '',
    });
    expect(empty.status, await empty.clone().text()).toBe(200);
    expect((await fn('POST', '/r2/read', { key: 'empty.txt', range: { offset: 0 } })).json).toEqual({
      range: { offset: 0, length: 0 },
      text: '',
      size: 0,
    });
  });

  it('env.QUEUE and a declared producer enqueue jobs of their queue in the project queue', async () => {
    expect(
      (await fn('POST', '/queue/send', { binding: 'EMAILS', message: { to: 'ada@example.com' } })).status,
    ).toBe(200);
    expect((await fn('POST', '/queue/batch', { messages: [{ n: 1 }, { n: 2 }] })).status).toBe(200);
    const emails = await api('GET', '/v1/queue/jobs?type=emails');
    expect(emails.status, emails.text).toBe(200);
    expect(emails.json.data.map((j: { payload: unknown }) => j.payload)).toEqual([{ to: 'ada@example.com' }]);
    const defaults = await api('GET', '/v1/queue/jobs?type=default');
    expect(defaults.json.data.map((j: { payload: { n: number } }) => j.payload.n).sort()).toEqual([1, 2]);
  });

  it("keeps each project's stores apart: another project's function sees none of this one's data", async () => {
    const table = await fnIn(other.id, 'POST', '/db/all', { sql: 'SELECT * FROM notes' });
    expect(table.status).toBe(500);
    expect(table.json.error).toMatch(/^D1_ERROR: .*notes/);
    expect((await fnIn(other.id, 'GET', '/kv/get?key=profile')).json.value).toBeNull();
    expect((await fnIn(other.id, 'GET', '/r2/get?key=docs/b.txt')).status).toBe(404);
    expect((await fnIn(other.id, 'GET', '/r2/list?prefix=')).json.keys).toEqual([]);
    // And what it writes stays in its own project.
    await fnIn(other.id, 'POST', '/kv/put', { key: 'profile', value: 'theirs' });
    expect((await api('GET', '/v1/cache/profile')).json.value).toEqual({ name: 'Ada', age: 36 });
    expect((await api('GET', '/v1/cache/profile', undefined, other.secretKey)).json.value).toBe('theirs');
  });
});
