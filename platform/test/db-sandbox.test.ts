import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { dbTestPlatform } from './support/db-harness.js';
import type { TestPlatform } from './support/harness.js';

// The secret key may run any statement inside the project's database and nothing outside it.
// SQLite: the module refuses escapes before they run, however they are spelled. PostgreSQL: the
// project's own role is refused by the database itself, on a database apart from the platform's.

describe.each(BACKENDS)('db sandbox on $name', (backend) => {
  let t: TestPlatform;
  let sk: string;
  let other: { sk: string; projectId: string };
  const engine = backend.name === 'sqlite' ? 'sqlite' : 'postgres';

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
    t = await dbTestPlatform(backend, {});
    sk = t.keys.secretKey;
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'Other' },
    });
    expect(created.status, created.text).toBe(201);
    other = { sk: created.json.secretKey.key, projectId: created.json.project.id };
    const notes = await q('CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id TEXT, body TEXT NOT NULL)');
    expect(notes.status, notes.text).toBe(200);
  });
  afterAll(() => t?.close());

  // Escapes from the project's SQLite file, each refused before it runs, whatever its spelling.
  const SQLITE_ESCAPES: Array<[string, string]> = [
    ['ATTACH', "ATTACH DATABASE '/tmp/aerostack-escape.db' AS x"],
    ['attach, lower case', "attach '/tmp/aerostack-escape.db' as x"],
    ['ATTACH after a block comment', "/* hi */ ATTACH '/tmp/aerostack-escape.db' AS x"],
    ['ATTACH after a line comment', "-- hi\nATTACH '/tmp/aerostack-escape.db' AS x"],
    ['ATTACH as a second statement', "SELECT 1; ATTACH '/tmp/aerostack-escape.db' AS x"],
    ['ATTACH in a CTE', "WITH a AS (SELECT 1) ATTACH '/tmp/aerostack-escape.db' AS x"],
    ['DETACH', 'DETACH main'],
    ['VACUUM INTO', "VACUUM INTO '/tmp/aerostack-escape.db'"],
    ['PRAGMA database_list', 'PRAGMA database_list'],
    ['PRAGMA that changes the connection', 'PRAGMA journal_mode = DELETE'],
    ['PRAGMA writable_schema', 'pragma  WRITABLE_SCHEMA=1'],
    ['a read-only PRAGMA being set', 'PRAGMA table_info = 1'],
    ['pragma function revealing the file', 'SELECT * FROM pragma_database_list'],
    ['pragma function as a string', "SELECT * FROM 'pragma_database_list'"],
    ['pragma function, quoted', 'SELECT * FROM "pragma_database_list"'],
    ['load_extension', "SELECT load_extension('/tmp/x.so')"],
    ['load_extension, quoted', 'SELECT "load_extension"(\'/tmp/x.so\')'],
    ['readfile', "SELECT readfile('/etc/passwd')"],
    ['fts3_tokenizer', "SELECT fts3_tokenizer('simple')"],
    ['a pragma function between $a$ parameters', 'SELECT $a$, (SELECT file FROM pragma_database_list), $a$'],
    [
      'a pragma function after a backslash string',
      "CREATE TABLE esc (e '\\', y AS ((SELECT file FROM pragma_database_list)))",
    ],
    ['ATTACH behind a bracket name', "SELECT [a]; ATTACH 'x' AS y"],
    [
      'a trigger calling load_extension',
      "CREATE TRIGGER esc AFTER INSERT ON notes BEGIN SELECT load_extension('/tmp/x.so'); END",
    ],
  ];

  it.runIf(engine === 'sqlite').each(SQLITE_ESCAPES)('refuses %s', async (_, sql) => {
    const res = await q(sql);
    expect(res.status, res.text).toBe(403);
    expect(res.json.code).toBe('db/forbidden-statement');
    // And through a batch and a migration.
    expect((await batch([{ sql: 'SELECT 1' }, { sql }])).json.code).toBe('db/forbidden-statement');
    expect((await migrate([{ name: 'escape', sql }])).json.code).toBe('db/forbidden-statement');
  });

  it.runIf(engine === 'sqlite')(
    'allows harmless look-alikes and read-only PRAGMAs, and one statement at a time',
    async () => {
      for (const sql of [
        'SELECT \'ATTACH\' AS word, 1 AS "vacuum"',
        'PRAGMA table_info(notes)',
        'PRAGMA main.index_list(notes)',
        "SELECT name FROM pragma_table_info('notes')",
      ]) {
        const res = await q(sql);
        expect(res.status, `${sql}: ${res.text}`).toBe(200);
      }
      // A comment splits a word in two for SQLite too: not ATTACH, a syntax error.
      expect((await q("ATT/**/ACH '/tmp/aerostack-escape.db' AS x")).json.code).toBe('db/sql-error');
      const two = await q('SELECT 1; DROP TABLE notes');
      expect(two.status).toBe(400);
      expect(two.json.code).toBe('db/sql-error');
      expect((await q('SELECT count(*) AS n FROM notes')).status).toBe(200);
    },
  );

  // PostgreSQL: the project's role owns its schema and nothing else; the database refuses the rest.
  const PG_ESCAPES: Array<[string, string]> = [
    ["the platform's tables", 'SELECT * FROM public.api_keys'],
    ["the vault's data keys", 'SELECT * FROM public.vault_data_keys'],
    ['pg_read_file', "SELECT pg_read_file('/etc/passwd')"],
    ['COPY FROM PROGRAM', "COPY notes (body) FROM PROGRAM 'id'"],
    ['CREATE EXTENSION', 'CREATE EXTENSION IF NOT EXISTS pgcrypto'],
    ['SET ROLE to the superuser', 'SET ROLE postgres'],
    ['SET ROLE from a DO block', "DO $$ BEGIN EXECUTE 'SET ROLE postgres'; END $$"],
    ['ALTER ROLE SUPERUSER', 'ALTER ROLE CURRENT_USER SUPERUSER'],
    ['CREATE SCHEMA', 'CREATE SCHEMA elsewhere'],
    ['SET SESSION AUTHORIZATION', 'SET SESSION AUTHORIZATION postgres'],
  ];

  it.runIf(engine === 'postgres').each(PG_ESCAPES)('PostgreSQL refuses %s', async (_, sql) => {
    const res = await q(sql);
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe('db/sql-error');
  });

  it.runIf(engine === 'postgres')(
    "PostgreSQL keeps project SQL off the platform's database and its bus",
    async () => {
      const here = await q('SELECT current_database() AS name');
      const platformDb = new URL(t.platform.services.config.databaseUrl!).pathname.slice(1);
      expect(here.json.rows[0].name).not.toBe(platformDb);
      // LISTEN/NOTIFY has no privileges: only another database keeps a project off the platform's bus.
      const listener = new pg.Client({ connectionString: t.platform.services.config.databaseUrl! });
      await listener.connect();
      const heard: string[] = [];
      listener.on('notification', (n) => heard.push(n.payload ?? ''));
      await listener.query('LISTEN aerostack_bus');
      const sent = await q("SELECT pg_notify('aerostack_bus', 'from-project') AS sent");
      expect(sent.status, sent.text).toBe(200);
      await listener.query("SELECT pg_notify('aerostack_bus', 'control')");
      await new Promise((r) => setTimeout(r, 300));
      await listener.end();
      expect(heard).toContain('control');
      expect(heard).not.toContain('from-project');
    },
  );

  it.runIf(engine === 'postgres')("PostgreSQL keeps another project's schema out of reach", async () => {
    const made = await q('CREATE TABLE private_stuff (x integer)', undefined, other.sk);
    expect(made.status, made.text).toBe(200);
    const rows = await t.platform.services.database.db
      .selectFrom('db_databases' as never)
      .select(['project_id as projectId', 'location'] as never)
      .execute();
    const theirs = (rows as Array<{ projectId: string; location: string }>).find(
      (r) => r.projectId === other.projectId,
    )!;
    const res = await q(`SELECT * FROM ${theirs.location}.private_stuff`);
    expect(res.status, res.text).toBe(400);
    expect(res.json.detail).toMatch(/permission denied/);
    const reset = await q('SELECT current_user AS u');
    expect(reset.json.rows[0].u).not.toBe('postgres');
  });
});
