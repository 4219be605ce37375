import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../src/db/database.js';
import type { HostingTables } from '../src/modules/hosting/store.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// Deployments of hosted code, over HTTP against the real platform and its real workerd: deploy →
// list → get → rollback (a new version with the old code) → the function answers with the
// rolled-back code; code that does not load is refused and the previous deployment keeps
// answering; secrets reach `env`; another project's ids are 404s; a deleted worker or project
// leaves no row. The function endpoint passes method, headers, query and body through and streams
// the answer back.

const TOML = `name = "hello"
main = "src/index.ts"
compatibility_date = "2025-01-01"
account_id = "abc"
surprise = true

[vars]
API_KEY = "from-vars"
GREETING = "hi"

[[kv_namespaces]]
binding = "KV"
id = "x"
colour = "blue"

[ai]
binding = "AI"
`;
const JSON_FILE =
  '{ "name": "Hello", "kind": "function", "slug": "hello", "secrets": ["API_KEY"], "tags": ["demo"] }';

/** The worker: its answer names its version, and shows what it received. */
function entry(version: string): string {
  return `import { greet } from './lib/greet.js';
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/stream') {
      const { readable, writable } = new TransformStream();
      const writer = writable.getWriter();
      const encoder = new TextEncoder();
      (async () => {
        await writer.write(encoder.encode('first;'));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await writer.write(encoder.encode('second'));
        await writer.close();
      })();
      return new Response(readable, { headers: { 'content-type': 'text/plain' } });
    }
    return new Response(JSON.stringify({
      version: ${JSON.stringify(version)},
      greeting: greet(env.GREETING),
      apiKey: env.API_KEY,
      method: request.method,
      path: url.pathname,
      search: url.search,
      test: request.headers.get('x-test'),
      body: request.method === 'GET' ? null : await request.text(),
    }), { status: 201, headers: { 'content-type': 'application/json', 'x-custom': 'yes' } });
  },
};`;
}
const GREET = "export const greet = (word) => word + '!';";
const modules = (version: string) => [
  { name: 'src/index.js', content: entry(version) },
  { name: 'src/lib/greet.js', content: GREET },
];

describe.each(BACKENDS)('hosting deployments on $name', (backend) => {
  let t: TestPlatform;
  let project: string;
  let other: string;
  const ids: Record<string, string> = {};

  const admin = (method: string, path: string, body?: unknown) =>
    t.call({ method, path: `/v1/projects/${project}${path}`, auth: t.keys.accountKey, body });
  const deploy = (version: string, toml = TOML) =>
    admin('POST', '/deployments', {
      aerostackToml: toml,
      aerostackJson: JSON_FILE,
      modules: modules(version),
    });
  const fn = (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) => t.call({ method: init.method ?? 'GET', path: `/fn/${project}/hello${path}`, ...init });

  beforeAll(async () => {
    t = await testPlatform(backend, { env: { AEROSTACK_HOSTING_MAX_WORKERS: '2' } });
    project = t.keys.projectId;
    other = (
      await t.call({ method: 'POST', path: '/v1/projects', auth: t.keys.accountKey, body: { name: 'Other' } })
    ).json.project.id;
  }, 60_000);
  afterAll(() => t?.close());

  it('deploys: the answer describes the deployment (never its code or var values) and warns about unknown keys', async () => {
    const res = await deploy('v1');
    expect(res.status, res.text).toBe(201);
    ids.v1 = res.json.id;
    expect(res.json).toMatchObject({
      worker: 'hello',
      projectId: project,
      version: 1,
      kind: 'function',
      active: true,
      compatibilityDate: '2025-01-01',
      modules: [
        { name: 'src/index.js', sizeBytes: Buffer.byteLength(entry('v1')) },
        { name: 'src/lib/greet.js', sizeBytes: Buffer.byteLength(GREET) },
      ],
      vars: ['API_KEY', 'GREETING'],
      authSecretKey: 'API_KEY',
      bindings: [
        { type: 'kv_namespaces', binding: 'KV', wired: true },
        { type: 'ai', binding: 'AI', wired: true },
      ],
      manifest: { name: 'Hello', slug: 'hello', secrets: ['API_KEY'], tags: ['demo'] },
      rolledBackFrom: null,
    });
    expect(res.json.warnings).toEqual([
      { location: 'aerostack.toml:4:1', message: expect.stringContaining('wrangler setting') },
      { location: 'aerostack.toml:5:1', message: expect.stringContaining('`surprise` is not a known key') },
      { location: 'aerostack.toml:14:1', message: expect.stringContaining('`kv_namespaces[0].colour`') },
    ]);
    expect(res.text).not.toContain('from-vars');
    expect(res.text).not.toContain('export const');
  }, 60_000);

  it('the function answers HTTP: status, headers, query, body and method pass through', async () => {
    const get = await fn('/a/b?x=1&y=%20two', { headers: { 'x-test': 'header' } });
    expect(get.status, get.text).toBe(201);
    expect(get.headers.get('x-custom')).toBe('yes');
    expect(get.headers.get('x-request-id')).toMatch(/^req_/);
    expect(get.json).toEqual({
      version: 'v1',
      greeting: 'hi!',
      apiKey: 'from-vars',
      method: 'GET',
      path: '/a/b',
      search: '?x=1&y=%20two',
      test: 'header',
      body: null,
    });
    // A caller accepting gzip gets the answer as the function gave it, not a body marked gzip.
    const gzipCaller = await fn('', { headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(gzipCaller.headers.get('content-encoding')).toBeNull();
    expect(gzipCaller.json.version).toBe('v1');
    const slashes = await fn('/a/b/?x=1');
    expect([slashes.status, slashes.json.path, slashes.json.search]).toEqual([201, '/a/b/', '?x=1']);
    expect((await fn('/')).json.path).toBe('/');
    // Any depth, empty segments and escaped slashes reach the worker as sent.
    const deep = `/${Array.from({ length: 40 }, (_, i) => `s${i}`).join('/')}`;
    expect((await fn(deep)).json.path).toBe(deep);
    expect((await fn('/a//b/%2F/c')).json.path).toBe('/a//b/%2F/c');
    const post = await fn('', { method: 'PUT', body: 'payload '.repeat(10_000) });
    expect(post.json).toMatchObject({ method: 'PUT', path: '/', body: 'payload '.repeat(10_000) });
  }, 60_000);

  it('streams the answer as the function writes it', async () => {
    const res = await t.platform.app.request(`/fn/${project}/hello/stream`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe('first;');
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toBe('second');
  }, 60_000);

  it('deploys v2, lists newest first with a cursor, gets one', async () => {
    const v2 = await deploy('v2');
    expect(v2.status, v2.text).toBe(201);
    ids.v2 = v2.json.id;
    expect(v2.json.version).toBe(2);
    expect((await fn('')).json.version).toBe('v2');

    const page1 = await admin('GET', '/workers/hello/deployments?limit=1');
    expect(page1.status).toBe(200);
    expect(page1.json.data.map((d: { id: string; active: boolean }) => [d.id, d.active])).toEqual([
      [ids.v2, true],
    ]);
    const page2 = await admin('GET', `/workers/hello/deployments?limit=1&cursor=${page1.json.nextCursor}`);
    expect(page2.json.data.map((d: { id: string; active: boolean }) => [d.id, d.active])).toEqual([
      [ids.v1, false],
    ]);
    expect(page2.json.nextCursor).toBeNull();

    const one = await admin('GET', `/workers/hello/deployments/${ids.v1}`);
    expect([one.status, one.json.version, one.json.active]).toEqual([200, 1, false]);
    const worker = await admin('GET', '/workers/hello');
    expect(worker.json).toMatchObject({
      name: 'hello',
      activeDeploymentId: ids.v2,
      version: 2,
      kind: 'function',
    });
    expect(worker.json.url).toMatch(new RegExp(`/fn/${project}/hello$`));
  }, 60_000);

  it('rolls back: a new version with the old code, which answers', async () => {
    const back = await admin('POST', '/workers/hello/rollback', { deploymentId: ids.v1 });
    expect(back.status, back.text).toBe(201);
    expect(back.json).toMatchObject({ version: 3, active: true, rolledBackFrom: ids.v1 });
    ids.v3 = back.json.id;
    expect((await fn('')).json.version).toBe('v1');
    const list = await admin('GET', '/workers/hello/deployments');
    expect(list.json.data.map((d: { version: number }) => d.version)).toEqual([3, 2, 1]);
  }, 60_000);

  it('refuses code that does not load, and the active deployment keeps answering', async () => {
    const broken = await admin('POST', '/deployments', {
      aerostackToml: TOML,
      modules: [{ name: 'src/index.js', content: 'export default { fetch( {' }],
    });
    expect(broken.status, broken.text).toBe(422);
    expect(broken.json.code).toBe('hosting/worker-invalid');
    expect((await fn('')).json.version).toBe('v1');
    const list = await admin('GET', '/workers/hello/deployments');
    expect(list.json.data).toHaveLength(3);
  }, 60_000);

  it('a replayed deploy (same Idempotency-Key) returns the first answer; parallel deploys get one version each', async () => {
    const body = { aerostackToml: TOML, modules: modules('v1') };
    const headers = { 'idempotency-key': `deploy-${backend.name}` };
    const first = await t.call({
      method: 'POST',
      path: `/v1/projects/${project}/deployments`,
      auth: t.keys.accountKey,
      headers,
      body,
    });
    const again = await t.call({
      method: 'POST',
      path: `/v1/projects/${project}/deployments`,
      auth: t.keys.accountKey,
      headers,
      body,
    });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.json.id).toBe(first.json.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const parallel = await Promise.all(['p1', 'p2', 'p3'].map((v) => deploy(v)));
    expect(parallel.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(parallel.map((r) => r.json.version).sort()).toEqual([
      first.json.version + 1,
      first.json.version + 2,
      first.json.version + 3,
    ]);
    // The last version stored is the active one, and its code answers.
    const newest = parallel.findIndex((r) => r.json.version === first.json.version + 3);
    expect((await admin('GET', '/workers/hello')).json.activeDeploymentId).toBe(parallel[newest]!.json.id);
    expect((await fn('')).json.version).toBe(['p1', 'p2', 'p3'][newest]);
    // Back to v1 for the tests below.
    expect((await admin('POST', '/workers/hello/rollback', { deploymentId: ids.v1 })).status).toBe(201);
  }, 60_000);

  it('a deploy under traffic fails no request: each answers with the old code or the new', async () => {
    let deploying = true;
    const answers: string[] = [];
    const traffic = (async () => {
      while (deploying) {
        const res = await fn('');
        expect(res.status, res.text).toBe(201);
        answers.push(res.json.version);
      }
    })();
    const next = await deploy('under-traffic');
    expect(next.status, next.text).toBe(201);
    deploying = false;
    await traffic;
    expect((await fn('')).json.version).toBe('under-traffic');
    expect(new Set(answers.filter((v) => v !== 'v1' && v !== 'under-traffic'))).toEqual(new Set());
    expect((await admin('POST', '/workers/hello/rollback', { deploymentId: ids.v1 })).status).toBe(201);
  }, 60_000);

  it('a project holds at most AEROSTACK_HOSTING_MAX_WORKERS workers; HEAD is served by the GET route', async () => {
    const second = await deploy('w2', TOML.replace('name = "hello"', 'name = "second"'));
    expect(second.status, second.text).toBe(201);
    const third = await deploy('w3', TOML.replace('name = "hello"', 'name = "third"'));
    expect([third.status, third.json.code]).toEqual([403, 'hosting/limit-reached']);
    const page1 = await admin('GET', '/workers?limit=1');
    expect(page1.json.data.map((w: { name: string }) => w.name)).toEqual(['hello']);
    const page2 = await admin('GET', `/workers?limit=1&cursor=${page1.json.nextCursor}`);
    expect([page2.json.data.map((w: { name: string }) => w.name), page2.json.nextCursor]).toEqual([
      ['second'],
      null,
    ]);
    const head = await t.platform.app.request(`/fn/${project}/second/x`, { method: 'HEAD' });
    expect(head.status).toBe(201);
    expect(head.headers.get('x-custom')).toBe('yes');
    expect(await head.text()).toBe('');
    expect((await admin('DELETE', '/workers/second')).status).toBe(204);
  }, 60_000);

  it('secrets reach env over [vars], never come back, and a change applies to the running worker', async () => {
    const set = await admin('PUT', '/secrets/API_KEY', { value: 'sealed-value-42' });
    expect(set.status, set.text).toBe(200);
    expect(Object.keys(set.json).sort()).toEqual(['createdAt', 'name', 'updatedAt']);
    expect((await fn('')).json.apiKey).toBe('sealed-value-42');
    expect((await admin('PUT', '/secrets/OTHER', { value: 'x' })).status).toBe(200);
    const listed = await admin('GET', '/secrets?limit=1');
    expect(listed.json.data.map((s: { name: string }) => s.name)).toEqual(['API_KEY']);
    const rest = await admin('GET', `/secrets?limit=1&cursor=${listed.json.nextCursor}`);
    expect([rest.json.data.map((s: { name: string }) => s.name), rest.json.nextCursor]).toEqual([
      ['OTHER'],
      null,
    ]);
    expect((await admin('DELETE', '/secrets/OTHER')).status).toBe(204);
    const badName = await admin('PUT', '/secrets/lower', { value: 'x' });
    expect([badName.status, badName.json.code]).toEqual([400, 'request/invalid-parameters']);
    expect(listed.text).not.toContain('sealed-value-42');
    const stored = await tables<HostingTables>(t.platform.services.database)
      .selectFrom('hosting_secrets')
      .select('value')
      .execute();
    expect(JSON.stringify(stored)).not.toContain('sealed-value-42');
    expect((await admin('DELETE', '/secrets/API_KEY')).status).toBe(204);
    expect((await fn('')).json.apiKey).toBe('from-vars');
    const again = await admin('DELETE', '/secrets/API_KEY');
    expect([again.status, again.json.code]).toEqual([404, 'hosting/secret-not-found']);
  }, 60_000);

  it("another project's ids are 404s", async () => {
    const as = (path: string, method = 'GET', body?: unknown) =>
      t.call({ method, path: `/v1/projects/${other}${path}`, auth: t.keys.accountKey, body });
    const cases = [
      await as('/workers/hello'),
      await as(`/workers/hello/deployments/${ids.v1}`),
      await as('/workers/hello/deployments'),
      await as('/workers/hello/rollback', 'POST', { deploymentId: ids.v1 }),
      await as('/workers/hello', 'DELETE'),
    ];
    for (const res of cases) expect([res.status, res.json.code]).toEqual([404, 'hosting/worker-not-found']);
    const fnElsewhere = await t.call({ method: 'GET', path: `/fn/${other}/hello` });
    expect([fnElsewhere.status, fnElsewhere.json.code]).toEqual([404, 'hosting/function-not-found']);
    const unknownDeployment = await admin('GET', `/workers/hello/deployments/dep_${'0'.repeat(20)}`);
    expect([unknownDeployment.status, unknownDeployment.json.code]).toEqual([
      404,
      'hosting/deployment-not-found',
    ]);
    const secretKey = await t.call({
      method: 'GET',
      path: `/v1/projects/${project}/workers`,
      auth: t.keys.secretKey,
    });
    expect(secretKey.status).toBe(403);
  }, 60_000);

  it('deletes a worker: it stops answering and its deployments go', async () => {
    expect((await admin('DELETE', '/workers/hello')).status).toBe(204);
    const gone = await fn('');
    expect([gone.status, gone.json.code]).toEqual([404, 'hosting/function-not-found']);
    expect((await admin('GET', '/workers/hello')).status).toBe(404);
    expect((await admin('GET', '/workers')).json.data).toEqual([]);
    const rows = await tables<HostingTables>(t.platform.services.database)
      .selectFrom('hosting_deployments')
      .select('id')
      .where('project_id', '=', project)
      .execute();
    expect(rows).toEqual([]);
  }, 60_000);

  it('deleting a project leaves no hosting row', async () => {
    const as = (method: string, path: string, body?: unknown) =>
      t.call({ method, path: `/v1/projects/${other}${path}`, auth: t.keys.accountKey, body });
    const deployed = await as('POST', '/deployments', { aerostackToml: TOML, modules: modules('other') });
    expect(deployed.status, deployed.text).toBe(201);
    expect((await as('PUT', '/secrets/TOKEN', { value: 'x' })).status).toBe(200);
    expect((await t.call({ method: 'GET', path: `/fn/${other}/hello` })).json.version).toBe('other');
    expect((await as('DELETE', '')).status).toBe(204);
    const db = tables<HostingTables>(t.platform.services.database);
    for (const table of ['hosting_workers', 'hosting_deployments', 'hosting_secrets'] as const) {
      const { rows } = await sql<{
        n: number | string;
      }>`select count(*) as n from ${sql.table(table)} where project_id = ${other}`.execute(db);
      expect(Number(rows[0]!.n), table).toBe(0);
    }
    const gone = await t.call({ method: 'GET', path: `/fn/${other}/hello` });
    expect(gone.status).toBe(404);
  }, 60_000);
});
