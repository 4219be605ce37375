import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/http/auth/principal.js';
import type { Change } from '../src/modules/db/engine.js';
import { BACKENDS } from './support/backends.js';
import { dbTestPlatform } from './support/db-harness.js';
import { projectProcesses } from './support/db-processes.js';
import type { TestPlatform } from './support/harness.js';

// Each project's own SQL database, over HTTP on every backend: queries, batches (all or nothing),
// migrations once and in order, the sandbox, the timeout and caps, end users through the rules,
// another project's database out of reach, and change events captured by the database itself.

const TIMEOUT_MS = 1500;
const MAX_ROWS = 50;

const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c';

describe.each(BACKENDS)('db on $name', (backend) => {
  let t: TestPlatform;
  let sk: string;
  let pk: string;
  let other: { sk: string; projectId: string };
  const engine = backend.name === 'sqlite' ? 'sqlite' : 'postgres';
  const changes: Array<{ projectId: string; change: Change }> = [];

  const q = (sql: string, params?: unknown, auth = sk) =>
    t.call({
      method: 'POST',
      path: '/v1/db/query',
      auth,
      body: params === undefined ? { sql } : { sql, params },
    });
  const batch = (statements: unknown[], auth = sk) =>
    t.call({ method: 'POST', path: '/v1/db/batch', auth, body: { statements } });
  const migrate = (migrations: unknown[], auth = sk) =>
    t.call({ method: 'POST', path: '/v1/db/migrations', auth, body: { migrations } });

  beforeAll(async () => {
    t = await dbTestPlatform(backend, {
      timeoutMs: TIMEOUT_MS,
      maxRows: MAX_ROWS,
      maxResponseBytes: 64 * 1024,
    });
    sk = t.keys.secretKey;
    pk = t.keys.publishableKey;
    t.platform.services.db.onChange((projectId, change) => changes.push({ projectId, change }));
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'Other' },
    });
    expect(created.status, created.text).toBe(201);
    other = { sk: created.json.secretKey.key, projectId: created.json.project.id };
  });
  afterAll(() => t?.close());

  it('applies named migrations once, in order, and lists them', async () => {
    const first = await migrate([
      {
        name: '0001_notes',
        sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id TEXT, body TEXT NOT NULL)',
      },
      {
        name: '0002_seed',
        sql: "INSERT INTO notes (id, user_id, body) VALUES (1, 'usr_alice', 'a1');\nINSERT INTO notes (id, user_id, body) VALUES (2, 'usr_bob', 'b1');",
      },
    ]);
    expect(first.status, first.text).toBe(200);
    expect(first.json.applied).toEqual(['0001_notes', '0002_seed']);
    const again = await migrate([
      {
        name: '0001_notes',
        sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id TEXT, body TEXT NOT NULL)',
      },
      {
        name: '0002_seed',
        sql: "INSERT INTO notes (id, user_id, body) VALUES (1, 'usr_alice', 'a1');\nINSERT INTO notes (id, user_id, body) VALUES (2, 'usr_bob', 'b1');",
      },
      { name: '0003_more', sql: 'ALTER TABLE notes ADD COLUMN tag TEXT' },
    ]);
    expect(again.status, again.text).toBe(200);
    expect(again.json.applied).toEqual(['0003_more']);
    expect(again.json.migrations.map((m: { name: string }) => m.name)).toEqual([
      '0001_notes',
      '0002_seed',
      '0003_more',
    ]);
    const changed = await migrate([{ name: '0001_notes', sql: 'CREATE TABLE notes (id INTEGER)' }]);
    expect(changed.status).toBe(409);
    expect(changed.json.code).toBe('db/migration-changed');
    const dup = await migrate([
      { name: 'x', sql: 'SELECT 1' },
      { name: 'x', sql: 'SELECT 1' },
    ]);
    expect(dup.json.code).toBe('db/duplicate-migration');
    const failing = await migrate([
      { name: '0004_ok', sql: 'CREATE TABLE tags (name TEXT PRIMARY KEY)' },
      { name: '0005_bad', sql: 'CREATE TABLE t5 (x INTEGER); INSERT INTO nowhere VALUES (1)' },
      { name: '0006_after', sql: 'CREATE TABLE t6 (x INTEGER)' },
    ]);
    expect(failing.status, failing.text).toBe(400);
    expect(failing.json.code).toBe('db/sql-error');
    expect(failing.json.detail).toContain('0005_bad');
    const page1 = await t.call({ method: 'GET', path: '/v1/db/migrations?limit=2', auth: sk });
    expect(page1.status, page1.text).toBe(200);
    expect(page1.json.data.map((m: { name: string }) => m.name)).toEqual(['0001_notes', '0002_seed']);
    const page2 = await t.call({
      method: 'GET',
      path: `/v1/db/migrations?limit=2&cursor=${page1.json.nextCursor}`,
      auth: sk,
    });
    expect(page2.json.data.map((m: { name: string }) => m.name)).toEqual(['0003_more', '0004_ok']);
    expect(page2.json.nextCursor).toBeNull();
    // The failed migration was rolled back as a whole.
    const t5 = await q('SELECT * FROM t5');
    expect(t5.json.code).toBe('db/sql-error');
  });

  it('stops a runaway migration at the timeout: the ones before it stay, the ones after it do not run', async () => {
    const res = await migrate([
      { name: '0008_before', sql: 'CREATE TABLE before_runaway (x INTEGER)' },
      { name: '0009_runaway', sql: `CREATE TABLE runaway AS ${RUNAWAY}` },
      { name: '0009_after', sql: 'CREATE TABLE after_runaway (x INTEGER)' },
    ]);
    expect(res.status, res.text).toBe(422);
    expect(res.json.code).toBe('db/statement-timeout');
    expect(res.json.detail).toContain('0009_runaway');
    const names = (await t.call({ method: 'GET', path: '/v1/db/migrations', auth: sk })).json.data.map(
      (m: { name: string }) => m.name,
    );
    expect(names).toContain('0008_before');
    expect(names).not.toContain('0009_runaway');
    expect(names).not.toContain('0009_after');
    expect((await q('SELECT * FROM runaway')).json.code).toBe('db/sql-error');
  });

  it('applies a migration whose trigger or function body holds semicolons', async () => {
    const sql =
      engine === 'sqlite'
        ? `CREATE TABLE audit (note_id INTEGER, what TEXT);
           CREATE TRIGGER notes_audit AFTER DELETE ON notes BEGIN
             INSERT INTO audit VALUES (OLD.id, 'deleted; gone');
             INSERT INTO audit VALUES (OLD.id, CASE WHEN OLD.body = '' THEN 'empty' ELSE 'full' END);
           END;`
        : `CREATE TABLE audit (note_id INTEGER, what TEXT);
           CREATE FUNCTION notes_audit() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             INSERT INTO audit VALUES (OLD.id, 'deleted; gone');
             INSERT INTO audit VALUES (OLD.id, CASE WHEN OLD.body = '' THEN 'empty' ELSE 'full' END);
             RETURN OLD;
           END $$;
           CREATE TRIGGER notes_audit AFTER DELETE ON notes FOR EACH ROW EXECUTE FUNCTION notes_audit();`;
    const res = await migrate([{ name: '0007_audit', sql }]);
    expect(res.status, res.text).toBe(200);
    await q("INSERT INTO notes (id, user_id, body) VALUES (900, 'usr_x', 'tmp')");
    await q('DELETE FROM notes WHERE id = 900');
    const audit = await q('SELECT what FROM audit WHERE note_id = 900 ORDER BY what');
    expect(audit.json.rows).toEqual([{ what: 'deleted; gone' }, { what: 'full' }]);
  });

  it('runs a statement with positional and named parameters, JSON in and out', async () => {
    const positional =
      engine === 'sqlite'
        ? 'INSERT INTO notes (id, user_id, body) VALUES (?, ?, ?)'
        : 'INSERT INTO notes (id, user_id, body) VALUES ($1, $2, $3)';
    const inserted = await q(positional, [3, 'usr_alice', 'a2']);
    expect(inserted.status, inserted.text).toBe(200);
    expect(inserted.json).toEqual({ rows: [], columns: [], rowsAffected: 1 });
    const named = await q('SELECT id, body FROM notes WHERE user_id = :user ORDER BY id', {
      user: 'usr_alice',
    });
    expect(named.status, named.text).toBe(200);
    expect(named.json).toEqual({
      rows: [
        { id: 1, body: 'a1' },
        { id: 3, body: 'a2' },
      ],
      columns: ['id', 'body'],
      rowsAffected: 0,
    });
    const json = await q(
      engine === 'sqlite'
        ? "SELECT json_extract(:doc, '$.a') AS a, :flag AS flag"
        : "SELECT (:doc::jsonb)->>'a' AS a, :flag::boolean AS flag",
      {
        doc: { a: 'x' },
        flag: true,
      },
    );
    expect(json.status, json.text).toBe(200);
    expect(json.json.rows[0].a).toBe('x');
    const blob = await q(engine === 'sqlite' ? "SELECT x'0102ff' AS b" : "SELECT '\\x0102ff'::bytea AS b");
    expect(blob.json.rows[0].b).toBe(Buffer.from([1, 2, 255]).toString('base64'));
  });

  it('answers the current columns after the table changes', async () => {
    await q('CREATE TABLE shapes (id INTEGER)');
    await q('INSERT INTO shapes VALUES (1)');
    expect((await q('SELECT * FROM shapes')).json.columns).toEqual(['id']);
    await q('ALTER TABLE shapes ADD COLUMN sides INTEGER');
    const after = await q('SELECT * FROM shapes');
    expect(after.json).toEqual({ rows: [{ id: 1, sides: null }], columns: ['id', 'sides'], rowsAffected: 0 });
    await q('DELETE FROM shapes');
    await q('ALTER TABLE shapes ADD COLUMN name TEXT');
    expect((await q('SELECT * FROM shapes')).json.columns).toEqual(['id', 'sides', 'name']);
  });

  it('binds parameters as values: injection through them fails', async () => {
    const evil = "x'); DROP TABLE notes; --";
    const res = await q('SELECT count(*) AS n FROM notes WHERE body = :body', { body: evil });
    expect(res.status, res.text).toBe(200);
    expect(res.json.rows[0].n).toBe(0);
    const still = await q('SELECT count(*) AS n FROM notes');
    expect(still.json.rows[0].n).toBeGreaterThan(0);
  });

  it.each([
    ['a syntax error', 'SELEC 1', 'db/sql-error', 400],
    ['an unknown table', 'SELECT * FROM nothing_here', 'db/sql-error', 400],
    ['a constraint', 'INSERT INTO notes (id, body) VALUES (1, NULL)', 'db/sql-error', 400],
    ['two statements in one string', 'SELECT 1; SELECT 2', 'db/sql-error', 400],
    [
      'lifting the timeout, then sleeping',
      "SELECT set_config('statement_timeout', '0', true); SELECT 1",
      'db/sql-error',
      400,
    ],
    ['a transaction statement', 'BEGIN', 'db/forbidden-statement', 403],
    ['a platform table', 'SELECT * FROM _aerostack_migrations', 'db/forbidden-statement', 403],
    ['a platform table, quoted', 'DELETE FROM "_AEROSTACK_migrations"', 'db/forbidden-statement', 403],
  ])('answers problem+json for %s', async (_, sql, code, status) => {
    const res = await q(sql);
    expect(res.status, res.text).toBe(status);
    expect(res.json.code).toBe(code);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('counts rowsAffected for writes only', async () => {
    const inserted = await q("INSERT INTO tags (name) VALUES ('count-1'), ('count-2')");
    expect(inserted.json.rowsAffected).toBe(2);
    const ddl = await q('CREATE TABLE after_insert (x INTEGER)');
    expect(ddl.status, ddl.text).toBe(200);
    expect(ddl.json.rowsAffected).toBe(0);
    const returning = await q("DELETE FROM tags WHERE name LIKE 'count-%' RETURNING name");
    expect(returning.json.rowsAffected).toBe(2);
    expect(returning.json.rows).toHaveLength(2);
    expect((await q('-- nothing but a comment')).status).toBe(400);
  });

  it.runIf(engine === 'sqlite')(
    'fails a statement that would take more memory than the ceiling',
    async () => {
      const res = await q('SELECT length(randomblob(900000000)) AS n');
      expect(res.status, res.text).toBe(400);
      expect(res.json.code).toBe('db/sql-error');
      expect((await q('SELECT 1 AS one')).status).toBe(200);
    },
  );

  it.each([
    ['no sql', '/v1/db/query', {}, 400, 'request/invalid-body'],
    ['sql not a string', '/v1/db/query', { sql: 42 }, 400, 'request/invalid-body'],
    ['an empty sql', '/v1/db/query', { sql: '' }, 400, 'request/invalid-body'],
    ['an unknown field', '/v1/db/query', { sql: 'SELECT 1', bind: [] }, 400, 'request/invalid-body'],
    ['params a number', '/v1/db/query', { sql: 'SELECT 1', params: 5 }, 400, 'db/invalid-params'],
    ['params null', '/v1/db/query', { sql: 'SELECT 1', params: null }, 400, 'db/invalid-params'],
    [
      'too many params',
      '/v1/db/query',
      { sql: 'SELECT 1', params: Array(1001).fill(1) },
      400,
      'db/invalid-params',
    ],
    ['an empty batch', '/v1/db/batch', { statements: [] }, 400, 'request/invalid-body'],
    [
      'a batch of 101',
      '/v1/db/batch',
      { statements: Array(101).fill({ sql: 'SELECT 1' }) },
      400,
      'request/invalid-body',
    ],
    [
      'a bad migration name',
      '/v1/db/migrations',
      { migrations: [{ name: '../x', sql: 'SELECT 1' }] },
      400,
      'request/invalid-body',
    ],
    [
      'a huge statement',
      '/v1/db/query',
      { sql: `SELECT '${'x'.repeat(100_001)}'` },
      400,
      'request/invalid-body',
    ],
  ])('refuses %s', async (_, path, body, status, code) => {
    const res = await t.call({ method: 'POST', path, auth: sk, body });
    expect(res.status, res.text).toBe(status);
    expect(res.json.code).toBe(code);
  });

  it('refuses a missing or unknown credential (401) and the account key (403)', async () => {
    const none = await t.call({ method: 'POST', path: '/v1/db/query', body: { sql: 'SELECT 1' } });
    expect(none.status).toBe(401);
    const account = await q('SELECT 1', undefined, t.keys.accountKey);
    expect(account.status, account.text).toBe(403);
    expect(account.json.code).toBe('auth/wrong-credential-type');
    const wrong = await q('SELECT 1', undefined, `sk_${'x'.repeat(40)}`);
    expect(wrong.status).toBe(401);
  });

  it('refuses malformed parameters and the reserved one', async () => {
    expect((await q('SELECT 1', 'nope')).json.code).toBe('db/invalid-params');
    expect((await q('SELECT 1', { 'bad name': 1 })).json.code).toBe('db/invalid-params');
    const reserved = await q('SELECT :auth_user_id AS u', { auth_user_id: 'usr_alice' });
    expect(reserved.status).toBe(400);
    expect(reserved.json.code).toBe('db/reserved-param');
    const missing = await q('SELECT :a AS a', {});
    expect(missing.status, missing.text).toBe(400);
    expect(['db/invalid-params', 'db/sql-error']).toContain(missing.json.code);
  });

  it('runs a batch in one transaction: all or nothing', async () => {
    const ok = await batch([
      { sql: "INSERT INTO tags (name) VALUES ('red')" },
      { sql: "INSERT INTO tags (name) VALUES ('blue')" },
      { sql: 'SELECT name FROM tags ORDER BY name' },
    ]);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.results[2].rows).toEqual([{ name: 'blue' }, { name: 'red' }]);
    const bad = await batch([
      { sql: "INSERT INTO tags (name) VALUES ('green')" },
      { sql: "INSERT INTO tags (name) VALUES ('red')" },
    ]);
    expect(bad.status, bad.text).toBe(400);
    expect(bad.json.code).toBe('db/sql-error');
    expect(bad.json.detail).toMatch(/^Statement 2: /);
    const after = await q('SELECT count(*) AS n FROM tags');
    expect(after.json.rows[0].n).toBe(2);
    const denied = await batch([{ sql: 'SELECT 1' }], pk);
    expect(denied.status).toBe(403);
  });

  it('keeps same-named tables of two projects apart', async () => {
    const created = await t.call({
      method: 'POST',
      path: '/v1/db/query',
      auth: other.sk,
      body: { sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)' },
    });
    expect(created.status, created.text).toBe(200);
    const mine = await q('SELECT count(*) AS n FROM notes');
    const theirs = await q('SELECT count(*) AS n FROM notes', undefined, other.sk);
    expect(mine.json.rows[0].n).toBeGreaterThan(0);
    expect(theirs.json.rows[0].n).toBe(0);
  });

  it('stops a runaway statement at its timeout while other requests are served', async () => {
    const started = Date.now();
    const runaway = q(RUNAWAY);
    await new Promise((r) => setTimeout(r, 200));
    const during = await q('SELECT 1 AS one', undefined, other.sk);
    expect(during.status, during.text).toBe(200);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    const linux = engine === 'sqlite' && existsSync('/proc/self/environ');
    const file = `${t.keys.projectId}.sqlite\0`;
    if (linux) expect(projectProcesses(t.platform.services.config.dataDir, file)).toBe(1);
    const res = await runaway;
    expect(res.status, res.text).toBe(422);
    expect(res.json.code).toBe('db/statement-timeout');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3000);
    if (linux) {
      // The process stuck in the statement is gone, not left spinning beside its replacement.
      const dataDir = t.platform.services.config.dataDir;
      for (let i = 0; i < 20 && projectProcesses(dataDir, file) > 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(projectProcesses(dataDir, file)).toBe(0);
    }
    const after = await q('SELECT count(*) AS n FROM notes');
    expect(after.status, after.text).toBe(200);
    const write = await q("INSERT INTO tags (name) VALUES ('after-timeout')");
    expect(write.status, write.text).toBe(200);
  });

  it.runIf(engine === 'postgres')('keeps the timeout when a batch statement lifts it', async () => {
    const started = Date.now();
    const res = await batch([
      { sql: "SELECT set_config('statement_timeout', '0', true)" },
      { sql: 'SELECT pg_sleep(30)' },
    ]);
    expect(res.status, res.text).toBe(422);
    expect(res.json.code).toBe('db/statement-timeout');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3000);
  });

  it('caps rows and response size', async () => {
    const many = await q(
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) SELECT x FROM c',
    );
    expect(many.status, many.text).toBe(422);
    expect(many.json.code).toBe('db/too-many-rows');
    // An endless result stops at the cap, long before the timeout: the rest is never read.
    const started = Date.now();
    const endless = await q(
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c',
    );
    expect(endless.status, endless.text).toBe(422);
    expect(endless.json.code).toBe('db/too-many-rows');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    // The cap counts a batch's rows together.
    const across = await batch([
      { sql: 'SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3' },
      { sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 49) SELECT x FROM c' },
    ]);
    expect(across.json.code).toBe('db/too-many-rows');
    expect(across.json.detail).toMatch(/^Statement 2: /);
    const big = await q(
      engine === 'sqlite'
        ? 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40) SELECT x, zeroblob(4000) AS pad FROM c'
        : "SELECT x, repeat('a', 4000) AS pad FROM generate_series(1, 40) AS x",
    );
    expect(big.status, big.text).toBe(422);
    expect(big.json.code).toBe('db/response-too-large');
  });

  it('serves concurrent writes, none lost', async () => {
    await q('CREATE TABLE hits (n INTEGER)');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        q(engine === 'sqlite' ? 'INSERT INTO hits VALUES (?)' : 'INSERT INTO hits VALUES ($1)', [i]),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect((await q('SELECT count(*) AS n FROM hits')).json.rows[0].n).toBe(20);
  });

  it('lets end users run only what the rules allow, binding auth_user_id from the caller', async () => {
    const mineSql = 'SELECT id, body FROM notes WHERE user_id = :auth_user_id ORDER BY id';
    const denied = await q('SELECT id, body FROM notes', undefined, pk);
    expect(denied.status).toBe(403);
    expect(denied.json.code).toBe('db/statement-denied');
    const rules = await t.call({ method: 'GET', path: '/v1/rules', auth: sk });
    const saved = await t.call({
      method: 'PUT',
      path: '/v1/rules',
      auth: sk,
      body: {
        version: rules.json.version,
        channels: [],
        tables: [],
        learning: false,
        statements: [
          { sql: 'SELECT count(*) AS n FROM notes', access: 'public' },
          { sql: mineSql, access: 'owner' },
        ],
      },
    });
    expect(saved.status, saved.text).toBe(200);
    const allowed = await q('SELECT count(*) AS n FROM notes', undefined, pk);
    expect(allowed.status, allowed.text).toBe(200);
    // Anonymous: the owner statement needs a signed-in user.
    expect((await q(mineSql, undefined, pk)).json.code).toBe('db/statement-denied');
    // A caller cannot pick the user id: supplying it is refused.
    expect((await q(mineSql, { auth_user_id: 'usr_bob' }, pk)).json.code).toBe('db/reserved-param');
    // Signed-in users (principals as the auth module builds them) see their own rows only.
    const user = (userId: string): Principal => ({
      scheme: 'userSession',
      subject: userId,
      credentialId: 'ses_test',
      projectId: t.keys.projectId,
      userId,
    });
    const alice = await t.platform.services.db.query(user('usr_alice'), mineSql, undefined);
    expect(alice.rows.map((r) => r.body)).toEqual(['a1', 'a2']);
    const bob = await t.platform.services.db.query(user('usr_bob'), mineSql, undefined);
    expect(bob.rows.map((r) => r.body)).toEqual(['b1']);
    await expect(
      t.platform.services.db.query(user('usr_bob'), mineSql, { auth_user_id: 'usr_alice' }),
    ).rejects.toMatchObject({ code: 'db/reserved-param' });
  });

  it('binds auth_user_id from a signed-in user over HTTP: each user reads their own rows only', async () => {
    const signUp = async (email: string) => {
      const res = await t.call({
        method: 'POST',
        path: '/v1/auth/sign-up',
        auth: pk,
        body: { email, password: 'correct horse battery staple' },
      });
      expect(res.status, res.text).toBe(201);
      return { token: res.json.accessToken as string, id: res.json.user.id as string };
    };
    const ada = await signUp(`ada-${backend.name}@example.test`);
    const bea = await signUp(`bea-${backend.name}@example.test`);
    await batch([
      {
        sql: 'INSERT INTO notes (id, user_id, body) VALUES (:id, :user, :body)',
        params: { id: 101, user: ada.id, body: 'ada-1' },
      },
      {
        sql: 'INSERT INTO notes (id, user_id, body) VALUES (:id, :user, :body)',
        params: { id: 102, user: bea.id, body: 'bea-1' },
      },
    ]);
    const rules = await t.call({ method: 'GET', path: '/v1/rules', auth: sk });
    const mineSql = 'SELECT body FROM notes WHERE user_id = :auth_user_id ORDER BY id';
    const saved = await t.call({
      method: 'PUT',
      path: '/v1/rules',
      auth: sk,
      body: {
        version: rules.json.version,
        channels: [{ pattern: 'table/*', subscribe: 'authenticated' }],
        tables: [{ table: 'notes', read: 'owner', ownerColumn: 'user_id' }],
        learning: false,
        statements: [{ sql: mineSql, access: 'owner' }],
      },
    });
    expect(saved.status, saved.text).toBe(200);
    const adaRows = await q(mineSql, undefined, ada.token);
    expect(adaRows.status, adaRows.text).toBe(200);
    expect(adaRows.json.rows).toEqual([{ body: 'ada-1' }]);
    const beaRows = await q(mineSql, undefined, bea.token);
    expect(beaRows.json.rows).toEqual([{ body: 'bea-1' }]);
    // Bea cannot name Ada's id: the reserved parameter is refused, not overridden.
    const spoof = await q(mineSql, { auth_user_id: ada.id }, bea.token);
    expect(spoof.status).toBe(400);
    expect(spoof.json.code).toBe('db/reserved-param');
    // A statement not on the list is denied to a signed-in user too.
    const other = await q('SELECT body FROM notes', undefined, ada.token);
    expect(other.status).toBe(403);
    expect(other.json.code).toBe('db/statement-denied');
    // And a batch is the secret key's.
    expect((await batch([{ sql: mineSql }], ada.token)).status).toBe(403);
    // Change events carry their row to realtime, which shows each user only their own.
    const history = await t.call({
      method: 'GET',
      path: '/v1/realtime/messages?channel=table/notes&limit=100',
      auth: ada.token,
    });
    expect(history.status, history.text).toBe(200);
    const owners = history.json.data.map(
      (m: { data: { new: { user_id: string } | null; old: { user_id: string } | null } }) =>
        (m.data.new ?? m.data.old)!.user_id,
    );
    expect(owners).toContain(ada.id);
    expect(owners.every((owner: string) => owner === ada.id)).toBe(true);
  });

  it('captures every changed row as an event: INSERT, UPDATE × 3, DELETE', async () => {
    await q('CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT)');
    await batch([{ sql: "INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c')" }]);
    changes.length = 0;
    const updated = await q("UPDATE items SET label = label || '!'");
    expect(updated.json.rowsAffected).toBe(3);
    expect(changes.filter((c) => c.change.table === 'items')).toHaveLength(3);
    expect(changes[0]!.change).toMatchObject({
      op: 'UPDATE',
      old: { id: 1, label: 'a' },
      new: { id: 1, label: 'a!' },
    });
    // Published through realtime on table/items: the history holds the three UPDATEs, newest first.
    const history = await t.call({
      method: 'GET',
      path: '/v1/realtime/messages?channel=table/items&limit=3',
      auth: sk,
    });
    expect(history.status, history.text).toBe(200);
    expect(history.json.data.map((m: { event: string }) => m.event)).toEqual(['UPDATE', 'UPDATE', 'UPDATE']);
    expect(
      history.json.data.map((m: { data: { new: { label: string } } }) => m.data.new.label).sort(),
    ).toEqual(['a!', 'b!', 'c!']);
    expect(history.json.data[0].data.table).toBe('items');
    changes.length = 0;
    await q('DELETE FROM items WHERE id = 2');
    expect(changes.map((c) => c.change)).toEqual([
      { table: 'items', op: 'DELETE', new: null, old: { id: 2, label: 'b!' } },
    ]);
    changes.length = 0;
    // A failed batch publishes nothing: its rows were never written.
    await batch([
      { sql: "INSERT INTO items VALUES (9, 'z')" },
      { sql: 'INSERT INTO items VALUES (1, NULL)' },
    ]);
    expect(changes).toHaveLength(0);
    // Wide tables and generated columns: every column is in the event.
    const wide = Array.from({ length: 70 }, (_, i) => `c${i} INTEGER`).join(', ');
    await q(`CREATE TABLE wide (${wide}, total INTEGER GENERATED ALWAYS AS (c0 + c69) STORED)`);
    changes.length = 0;
    const cols = Array.from({ length: 70 }, (_, i) => `c${i}`);
    await q(`INSERT INTO wide (${cols.join(', ')}) VALUES (${cols.map((_, i) => i).join(', ')})`);
    expect(changes).toHaveLength(1);
    expect(Object.keys(changes[0]!.change.new!)).toHaveLength(71);
    expect(changes[0]!.change.new).toMatchObject({ c0: 0, c69: 69, total: 69 });
    changes.length = 0;
    // A migration's writes are captured too.
    await migrate([{ name: '0010_items', sql: "INSERT INTO items VALUES (10, 'm')" }]);
    expect(changes.map((c) => c.change.op)).toEqual(['INSERT']);
  });

  it('keeps each project on the engine its database was created on', async () => {
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'Moved' },
    });
    const projectId = created.json.project.id as string;
    // As if the project's database had been created before DATABASE_URL was set (or unset).
    const row =
      engine === 'sqlite'
        ? { engine: 'postgres', location: 'aerostack_db_elsewhere', secret: 'v1.dek_x.y' }
        : { engine: 'sqlite', location: `${projectId}.sqlite`, secret: null };
    await t.platform.services.database.db
      .insertInto('db_databases' as never)
      .values({ project_id: projectId, created_at: new Date().toISOString(), ...row } as never)
      .execute();
    const res = await q(
      engine === 'sqlite' ? 'SELECT 1 AS one' : 'SELECT sqlite_version() AS v',
      undefined,
      created.json.secretKey.key,
    );
    if (engine === 'sqlite') {
      expect(res.status, res.text).toBe(503);
      expect(res.json.code).toBe('db/engine-unavailable');
    } else {
      // The SQLite file in the data directory keeps serving it on a PostgreSQL platform.
      expect(res.status, res.text).toBe(200);
      expect(res.json.rows[0].v).toMatch(/^3\./);
    }
  });

  it.runIf(engine === 'sqlite')('keeps the project file private (0600)', async () => {
    const file = join(t.platform.services.config.dataDir, 'db', `${t.keys.projectId}.sqlite`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
