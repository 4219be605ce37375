import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Server } from '../src/server.js';
import { type AiProviders, aiProviders } from './support/ai-providers.js';
import { BACKENDS } from './support/backends.js';
import { configFor } from './support/harness.js';
import { browse, startTestOp, type TestOp } from './support/oidc.js';
import {
  pathsNaming,
  postgresSchemaExists,
  processesNaming,
  projectTables,
  redisKeysNaming,
  rowsNaming,
} from './support/project-traces.js';
import { openSse } from './support/sse.js';

// Renaming and deleting projects (decision 0048), over real HTTP: a deleted project leaves no row
// naming it in any table, no file under the data directory, no Redis key, no database process,
// schema or vector table, and its keys and sessions answer 401 at once; another project keeps all.

// The binding the platform uses on this Node (db/database.ts).
const SQLite: typeof BetterSqlite3 = createRequire(import.meta.url)(
  Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20',
);
const AI_ENV = { AEROSTACK_AI_PROVIDER: 'openai', AEROSTACK_AI_API_KEY: 'sk-operator-0123456789' };
/** Where an OpenID Connect sign-in lands, and the PKCE pair that redeems its code. */
const APP = 'https://app.example.com/auth';
const VERIFIER = randomBytes(32).toString('base64url');
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

/** A free loopback port: the OP must know the platform's callback URL before the platform listens. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
const ID = `prj_${'0'.repeat(20)}`;

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
type Json = any;
interface Answer {
  status: number;
  json: Json;
  text: string;
}
interface Project {
  id: string;
  secretKey: string;
  publishableKey: string;
}

let providers: AiProviders;
beforeAll(() => {
  providers = aiProviders();
});
afterAll(() => providers.close());

describe.each(BACKENDS)('projects on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let server: Server;
  let op: TestOp;
  let accountKey: string;
  let intruderKey: string;

  async function call(
    method: string,
    path: string,
    auth: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${auth}`, ...headers } };
    if (body !== undefined) {
      const raw = typeof body === 'string' || body instanceof Uint8Array;
      init.body = raw ? (body as string) : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${server.url}${path}`, init);
    const text = await res.text();
    let json: Json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  async function newProject(name: string): Promise<Project> {
    const res = await call('POST', '/v1/projects', accountKey, { name });
    expect(res.status, res.text).toBe(201);
    return {
      id: res.json.project.id,
      secretKey: res.json.secretKey.key,
      publishableKey: res.json.publishableKey.key,
    };
  }

  /** Data in every module, through the API; answers the user's access token and the vector index id. */
  async function fill(project: Project) {
    const sk = project.secretKey;
    const ok = async (answer: Promise<Answer>, status = 200) => {
      const res = await answer;
      expect(res.status, res.text).toBe(status);
      return res.json;
    };
    await ok(call('PUT', '/v1/cache/greeting', sk, { value: 'hello' }));
    await ok(call('PUT', '/v1/cache/session', sk, { value: 1, ttlSeconds: 600 }));
    await ok(
      call('PUT', '/v1/rules', sk, { version: 0, channels: [], statements: [], tables: [], learning: true }),
    );
    await ok(call('PUT', '/v1/auth/settings', sk, { redirectUrls: ['https://app.example.com/auth'] }));
    const email = `someone.${project.id}@example.com`;
    const user = await ok(
      call('POST', '/v1/auth/sign-up', project.publishableKey, { email, password: 'correct horse battery' }),
      201,
    );
    await ok(call('POST', '/v1/auth/otp', project.publishableKey, { email }), 204);
    await ok(call('POST', '/v1/auth/signing-keys/rotate', sk), 201);
    // An OpenID Connect provider, a sign-in through it (an identity), and a sign-in left halfway (a flow).
    await ok(
      call('PUT', '/v1/auth/providers/test-op', sk, {
        issuer: op.issuer,
        clientId: op.clients[0]!.id,
        clientSecret: op.clients[0]!.secret,
      }),
    );
    const authorize = () =>
      ok(
        call('POST', '/v1/auth/oidc/authorize', project.publishableKey, {
          provider: 'test-op',
          redirectTo: APP,
          codeChallenge: CHALLENGE,
        }),
      );
    const subject = `sub-${project.id}`;
    op.accounts.set(subject, { email: `oidc.${project.id}@example.com`, email_verified: true });
    const landing = await browse((await authorize()).url, subject, APP);
    await ok(
      call('POST', '/v1/auth/oidc/exchange', project.publishableKey, {
        code: landing.searchParams.get('code'),
        codeVerifier: VERIFIER,
      }),
    );
    await authorize();
    await ok(
      call('POST', '/v1/db/migrations', sk, {
        migrations: [{ name: '001_notes', sql: 'CREATE TABLE notes (body text)' }],
      }),
    );
    await ok(call('POST', '/v1/db/query', sk, { sql: "INSERT INTO notes (body) VALUES ('kept')" }));
    await ok(
      call('POST', '/v1/realtime/messages', sk, { channel: 'room', event: 'said', data: { a: 1 } }),
      201,
    );
    await ok(call('PUT', '/v1/realtime/presence', sk, { channel: 'room', key: 'alice' }));
    await ok(call('POST', '/v1/queue/jobs', sk, { type: 'email.send', payload: { to: email } }), 201);
    await ok(
      call('PUT', '/v1/storage/objects/docs%2Fa.txt', sk, 'some bytes', {
        'content-type': 'application/octet-stream',
      }),
    );
    await ok(call('POST', '/v1/ai/chat', sk, { messages: [{ role: 'user', content: 'Hi' }] }));
    await ok(
      call(
        'POST',
        '/v1/vector/indexes',
        sk,
        { name: 'docs', dimension: 3 },
        { 'idempotency-key': 'index-1' },
      ),
      201,
    );
    await ok(
      call('POST', '/v1/vector/indexes/docs/vectors', sk, { vectors: [{ id: 'v1', values: [1, 2, 3] }] }),
    );
    await ok(
      call('POST', `/v1/projects/${project.id}/keys/rotate`, accountKey, { type: 'publishable' }),
      201,
    );
    // The API names indexes by name; their tables are named by the catalogue's id.
    const index = await server.platform.services.database.db
      .selectFrom('vector_indexes' as never)
      .select('id' as never)
      .where('project_id' as never, '=', project.id as never)
      .executeTakeFirstOrThrow();
    return { accessToken: user.accessToken as string, indexId: (index as { id: string }).id };
  }

  /** Every trace of `projectId` the platform could keep. */
  async function traces(projectId: string) {
    const { database } = server.platform.services;
    const location = (
      await database.db
        .selectFrom('db_databases' as never)
        .select('location' as never)
        .where('project_id' as never, '=', projectId as never)
        .executeTakeFirst()
    )?.location as string | undefined;
    return {
      rows: await rowsNaming(database, projectId),
      files: pathsNaming(stores.dataDir, projectId),
      redis: stores.redisUrl ? await redisKeysNaming(stores.redisUrl, projectId) : [],
      processes: processesNaming(projectId),
      location,
    };
  }

  /** The tables holding vector index `indexId` (in `vectors.db`, or any PostgreSQL schema). */
  async function vectorTables(indexId: string): Promise<string[]> {
    if (!stores.databaseUrl) {
      const file = new SQLite(join(stores.dataDir, 'vectors.db'), { readonly: true });
      try {
        const rows = file.prepare('SELECT name FROM sqlite_master WHERE name LIKE ?').all(`%${indexId}%`);
        return rows.map((r) => (r as { name: string }).name);
      } finally {
        file.close();
      }
    }
    const client = new pg.Client({ connectionString: stores.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        'SELECT table_schema || $2 || table_name AS name FROM information_schema.tables WHERE table_name LIKE $1',
        [`%${indexId}%`, '.'],
      );
      return rows.map((r) => r.name);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    stores = await backend.create();
    const port = await freePort();
    op = await startTestOp(`http://127.0.0.1:${port}/v1/auth/oidc/callback`);
    server = await listen({
      ...configFor(stores, {
        env: { ...AI_ENV, PORT: String(port), AEROSTACK_AUTH_OIDC_ALLOW_HTTP: '1' },
      }),
      host: '127.0.0.1',
    });
    accountKey = server.platform.keys!.accountKey;
    const { account, keys, database } = server.platform.services;
    const accountId = (await account.create(database.db, 'Intruder')).id;
    intruderKey = (await keys.issue(database.db, { accountId, projectId: null }, 'account')).key;
  });
  afterAll(async () => {
    await server?.close(1_000);
    await op?.close();
    await stores?.cleanup();
  });

  describe('rename', () => {
    let project: Project;
    beforeAll(async () => {
      project = await newProject('Before');
    });

    const rows: Array<{
      name: string;
      body: unknown;
      status: number;
      code?: string;
      key?: 'intruder' | 'secret';
    }> = [
      { name: 'a new name', body: { name: 'After' }, status: 200 },
      { name: 'no field', body: {}, status: 400, code: 'request/invalid-body' },
      { name: 'an empty name', body: { name: '' }, status: 400, code: 'request/invalid-body' },
      {
        name: 'a name over 100 characters',
        body: { name: 'x'.repeat(101) },
        status: 400,
        code: 'request/invalid-body',
      },
      { name: 'a number for a name', body: { name: 7 }, status: 400, code: 'request/invalid-body' },
      {
        name: 'an unknown field',
        body: { name: 'A', owner: 'me' },
        status: 400,
        code: 'request/invalid-body',
      },
      { name: 'a huge body', body: { name: 'y'.repeat(5_000_000) }, status: 413 },
      {
        name: 'another account’s key',
        body: { name: 'Mine now' },
        status: 404,
        code: 'projects/not-found',
        key: 'intruder',
      },
      {
        name: 'the project’s secret key',
        body: { name: 'Self' },
        status: 403,
        code: 'auth/wrong-credential-type',
        key: 'secret',
      },
    ];

    it.each(rows)('$name → $status', async (row) => {
      const auth =
        row.key === 'intruder' ? intruderKey : row.key === 'secret' ? project.secretKey : accountKey;
      const res = await call('PATCH', `/v1/projects/${project.id}`, auth, row.body);
      expect(res.status, res.text).toBe(row.status);
      if (row.code) expect(res.json.code).toBe(row.code);
      if (row.status >= 400) expect(res.text).not.toContain('Mine now');
      const now = await call('GET', `/v1/projects/${project.id}`, accountKey);
      expect(now.json.name).toBe('After'); // the first row renamed it; no failing row changed it
    });

    it('answers 404 for an unknown project and 400 for a malformed id', async () => {
      const unknown = await call('PATCH', `/v1/projects/${ID}`, accountKey, { name: 'x' });
      expect([unknown.status, unknown.json.code]).toEqual([404, 'projects/not-found']);
      const malformed = await call('PATCH', '/v1/projects/nope', accountKey, { name: 'x' });
      expect([malformed.status, malformed.json.code]).toEqual([400, 'request/invalid-parameters']);
    });

    it('shows the new name in the list', async () => {
      const list = await call('GET', '/v1/projects?limit=1000', accountKey);
      expect(list.json.data.find((p: { id: string }) => p.id === project.id)?.name).toBe('After');
    });
  });

  describe('delete', () => {
    it('refuses another account’s key (404) and a project key (403), deleting nothing', async () => {
      const project = await newProject('Guarded');
      const intruder = await call('DELETE', `/v1/projects/${project.id}`, intruderKey);
      expect([intruder.status, intruder.json.code]).toEqual([404, 'projects/not-found']);
      const self = await call('DELETE', `/v1/projects/${project.id}`, project.secretKey);
      expect([self.status, self.json.code]).toEqual([403, 'auth/wrong-credential-type']);
      expect((await call('GET', `/v1/projects/${project.id}`, accountKey)).status).toBe(200);
      expect((await call('GET', '/v1/cache/anything', project.secretKey)).status).toBe(404); // keys still work
      const unknown = await call('DELETE', `/v1/projects/${ID}`, accountKey);
      expect([unknown.status, unknown.json.code]).toEqual([404, 'projects/not-found']);
    });

    it('every table with a project_id is one the clean-up knows (a new one must clean up too)', async () => {
      // Not a list to keep in sync: the deletion test below finds leftovers in any table. This
      // one shows what it covers today.
      const tables = await projectTables(server.platform.services.database);
      expect(tables).toEqual(
        expect.arrayContaining(['api_keys', 'auth_users', 'cache_entries', 'queue_jobs', 'vector_indexes']),
      );
    });

    it('deletes everything of the project and nothing of another', async () => {
      const doomed = await newProject('Doomed');
      const other = await newProject('Other');
      const { accessToken, indexId } = await fill(doomed);
      const otherFill = await fill(other);

      const before = await traces(doomed.id);
      // The fill reached every store this backend has, so the checks below can fail.
      expect(Object.keys(before.rows)).toEqual(
        expect.arrayContaining([
          'api_keys.project_id',
          'auth_users.project_id',
          'auth_sessions.project_id',
          'auth_codes.project_id',
          'auth_outbox.project_id',
          'auth_settings.project_id',
          'auth_signing_keys.project_id',
          'auth_oidc_providers.project_id',
          'auth_oidc_flows.project_id',
          'auth_identities.project_id',
          'rules_versions.project_id',
          'db_databases.project_id',
          'realtime_events.project_id',
          'realtime_presence.project_id',
          'queue_jobs.project_id',
          'storage_objects.blob',
          'ai_usage.project_id',
          'vector_indexes.project_id',
          'idempotency_keys.scope',
        ]),
      );
      if (!stores.redisUrl) expect(before.rows['cache_entries.project_id']).toBe(2);
      expect(before.files.length).toBeGreaterThan(0); // storage, and the SQLite database file
      expect(await vectorTables(indexId)).not.toEqual([]);
      if (stores.redisUrl) expect(before.redis.length).toBeGreaterThan(0);
      if (stores.databaseUrl)
        expect(await postgresSchemaExists(stores.databaseUrl, before.location!)).toBe(true);
      else expect(before.processes.length).toBeGreaterThan(0); // the SQLite child, idle but alive
      const otherBefore = await traces(other.id);

      const deleted = await call('DELETE', `/v1/projects/${doomed.id}`, accountKey);
      expect(deleted.status, deleted.text).toBe(204);
      expect(deleted.text).toBe('');

      const after = await traces(doomed.id);
      expect(after.rows).toEqual({});
      expect(after.files).toEqual([]);
      expect(after.redis).toEqual([]);
      expect(after.processes).toEqual([]);
      expect(await vectorTables(indexId)).toEqual([]);
      if (stores.databaseUrl)
        expect(await postgresSchemaExists(stores.databaseUrl, before.location!)).toBe(false);

      for (const credential of [doomed.secretKey, doomed.publishableKey, accessToken]) {
        const res = await call('GET', '/v1/cache/greeting', credential);
        expect([res.status, res.json.code]).toEqual([401, 'auth/invalid-credentials']);
      }
      const again = await call('DELETE', `/v1/projects/${doomed.id}`, accountKey);
      expect([again.status, again.json.code]).toEqual([404, 'projects/not-found']);
      expect((await call('GET', `/v1/projects/${doomed.id}`, accountKey)).status).toBe(404);
      const list = await call('GET', '/v1/projects?limit=1000', accountKey);
      expect(list.json.data.map((p: { id: string }) => p.id)).not.toContain(doomed.id);

      // The other project: every trace where it was, and it still works.
      const otherAfter = await traces(other.id);
      expect(otherAfter.rows).toEqual(otherBefore.rows);
      expect(otherAfter.files).toEqual(otherBefore.files);
      expect(otherAfter.redis).toEqual(otherBefore.redis);
      expect(await vectorTables(otherFill.indexId)).not.toEqual([]);
      const greeting = await call('GET', '/v1/cache/greeting', other.secretKey);
      expect(greeting.json.value).toBe('hello');
      const notes = await call('POST', '/v1/db/query', other.secretKey, { sql: 'SELECT body FROM notes' });
      expect(notes.json.rows).toEqual([{ body: 'kept' }]);
      const object = await call('GET', '/v1/storage/objects/docs%2Fa.txt', other.secretKey);
      expect(object.text).toBe('some bytes');
      const user = await call('GET', '/v1/auth/user', otherFill.accessToken);
      expect(user.status).toBe(200);
    });

    it('two deletions at once: one deletes (204), the other finds nothing (404)', async () => {
      const project = await newProject('Twice');
      await call('PUT', '/v1/cache/x', project.secretKey, { value: 1 });
      const answers = await Promise.all(
        [1, 2].map(() => call('DELETE', `/v1/projects/${project.id}`, accountKey)),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([204, 404]);
      expect(answers.find((a) => a.status === 404)?.json.code).toBe('projects/not-found');
      expect(await rowsNaming(server.platform.services.database, project.id)).toEqual({});
    });

    it('ends the project’s open realtime streams, whatever their credential', async () => {
      const project = await newProject('Streaming');
      await call('PUT', '/v1/rules', project.secretKey, {
        version: 0,
        channels: [{ pattern: 'room', subscribe: 'public', publish: 'public', presence: 'public' }],
        statements: [],
        tables: [],
        learning: false,
      });
      const streams = await Promise.all(
        [project.secretKey, project.publishableKey].map((key) =>
          openSse(`${server.url}/v1/realtime/events?channel=room`, { authorization: `Bearer ${key}` }),
        ),
      );
      for (const stream of streams) {
        expect(stream.status).toBe(200);
        await stream.next((f) => f.event === 'subscribed');
      }
      expect(Object.keys(await rowsNaming(server.platform.services.database, project.id))).toContain(
        'open_streams.scope',
      );
      expect((await call('DELETE', `/v1/projects/${project.id}`, accountKey)).status).toBe(204);
      for (const stream of streams) {
        await expect(stream.next(() => false, 20_000)).rejects.toThrow(/the stream ended/);
        stream.close();
      }
      // A stream's registration goes as its clean-up finishes, which may follow its last byte.
      let left = await rowsNaming(server.platform.services.database, project.id);
      for (let i = 0; i < 200 && Object.keys(left).length > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        left = await rowsNaming(server.platform.services.database, project.id);
      }
      expect(left).toEqual({});
    });

    it('leaves nothing behind when requests are in flight during the deletion', async () => {
      const project = await newProject('Busy');
      await fill(project);
      const sk = project.secretKey;
      let deleting = true;
      const statuses = new Map<number, number>();
      // Writers to every store, each looping until the deletion has answered.
      const writer = (request: (i: number) => Promise<Answer>) =>
        (async () => {
          for (let i = 0; deleting; i++) {
            const { status } = await request(i);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        })();
      const writers = [
        writer((i) => call('PUT', `/v1/cache/k${i}`, sk, { value: i })),
        writer((i) => call('POST', '/v1/db/query', sk, { sql: `INSERT INTO notes (body) VALUES ('n${i}')` })),
        writer((i) =>
          call('PUT', `/v1/storage/objects/f${i}`, sk, 'bytes', {
            'content-type': 'application/octet-stream',
          }),
        ),
        writer((i) => call('POST', '/v1/queue/jobs', sk, { type: `t${i}` })),
        writer((i) => call('POST', '/v1/realtime/messages', sk, { channel: 'room', event: 'e', data: i })),
        writer((i) =>
          call('POST', '/v1/vector/indexes/docs/vectors', sk, {
            vectors: [{ id: `v${i}`, values: [1, 0, i] }],
          }),
        ),
      ];
      await new Promise((resolve) => setTimeout(resolve, 200)); // the writers are going
      const deleted = await call('DELETE', `/v1/projects/${project.id}`, accountKey);
      deleting = false;
      await Promise.all(writers);
      expect(deleted.status, deleted.text).toBe(204);
      // Writes succeeded before the deletion and were refused after it (a write caught in the
      // middle may fail otherwise: an upload whose registration the clean-up removed answers 408);
      // whichever, nothing of them is left.
      expect((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0)).toBeGreaterThan(0);
      expect(statuses.get(401)).toBeGreaterThan(0);
      const after = await traces(project.id);
      expect(after.rows).toEqual({});
      expect(after.files).toEqual([]);
      expect(after.redis).toEqual([]);
      expect(after.processes).toEqual([]);
    });
  });
});
