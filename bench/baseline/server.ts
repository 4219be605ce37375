// The floor the platform is measured against: bare node:http + better-sqlite3, doing the same
// SQLite work per request as the platform (key lookup by hash, then the cache read or upsert on
// the same schema and pragmas) with prepared statements, minimal JSON checks, and no framework,
// validation library or request log. The harness transpiles this file and runs it with plain
// `node` so no loader stays resident. Env: PORT, HOST, BENCH_DATA_DIR, BENCH_SECRET_KEY,
// BENCH_SQLITE_MODULE (absolute path of the better-sqlite3 the measured platform uses).
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface Statement {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): unknown;
}
interface SqliteDb {
  pragma(source: string): unknown;
  exec(source: string): unknown;
  prepare(source: string): Statement;
}
type SqliteCtor = new (file: string) => SqliteDb;

const env = (name: string) => process.env[name] ?? (process.exit(2) as never);
const SQLite = createRequire(import.meta.url)(env('BENCH_SQLITE_MODULE')) as SqliteCtor;
const db = new SQLite(join(env('BENCH_DATA_DIR'), 'baseline.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
// The tables the two hot paths touch, as platform/src/db/migrations.ts creates them.
db.exec(`
  CREATE TABLE accounts ("id" text primary key, "name" text not null, "created_at" text not null);
  CREATE TABLE projects ("id" text primary key, "account_id" text not null references "accounts" ("id"), "name" text not null, "created_at" text not null);
  CREATE TABLE api_keys ("id" text primary key, "kind" text not null, "account_id" text not null references "accounts" ("id"), "project_id" text references "projects" ("id"), "hash" text not null unique, "hint" text not null, "created_at" text not null, "revoked_at" text);
  CREATE TABLE cache_entries ("project_id" text not null references "projects" ("id"), "key" text not null, "value" text not null, "expires_at" bigint, constraint "cache_entries_pk" primary key ("project_id", "key"));
  CREATE INDEX cache_entries_expires on cache_entries ("expires_at");
`);
const now = new Date().toISOString();
const hash = (credential: string) => createHash('sha256').update(credential).digest('hex');
db.prepare('INSERT INTO accounts VALUES (?, ?, ?)').run('acc_1', 'bench', now);
db.prepare('INSERT INTO projects VALUES (?, ?, ?, ?)').run('prj_1', 'acc_1', 'bench', now);
db.prepare('INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, NULL)').run(
  'key_1',
  'secret',
  'acc_1',
  'prj_1',
  hash(env('BENCH_SECRET_KEY')),
  'sk_…',
  now,
);

const findKey = db.prepare(
  'SELECT id, kind, account_id, project_id FROM api_keys WHERE hash = ? AND revoked_at IS NULL',
);
const readEntry = db.prepare('SELECT value, expires_at FROM cache_entries WHERE project_id = ? AND key = ?');
const writeEntry = db.prepare(
  `INSERT INTO cache_entries (project_id, key, value, expires_at) VALUES (?, ?, ?, ?)
   ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
);

const CREDENTIAL = /^Bearer\s+(sk_[0-9A-Za-z]{40})\s*$/i;
const CACHE_PATH = /^\/v1\/cache\/([A-Za-z0-9._:-]{1,256})$/;
type KeyRow = { kind: string; project_id: string | null };
type EntryRow = { value: string; expires_at: number | null };

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
const entry = (key: string, value: unknown, expiresAt: number | null) => ({
  key,
  value,
  expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
});

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/healthz') return send(res, 200, { status: 'ok', version: 'baseline' });
  const key = CACHE_PATH.exec(url)?.[1];
  if (!key) return send(res, 404, { code: 'route/not-found' });
  const credential = CREDENTIAL.exec(req.headers.authorization ?? '')?.[1];
  const row = credential ? (findKey.get(hash(credential)) as KeyRow | undefined) : undefined;
  if (row?.kind !== 'secret' || !row.project_id) return send(res, 401, { code: 'auth' });
  const projectId = row.project_id;

  if (req.method === 'GET') {
    const stored = readEntry.get(projectId, key) as EntryRow | undefined;
    if (!stored || (stored.expires_at !== null && stored.expires_at <= Date.now())) {
      return send(res, 404, { code: 'cache/not-found' });
    }
    return send(res, 200, entry(key, JSON.parse(stored.value), stored.expires_at));
  }
  if (req.method !== 'PUT') return send(res, 405, { code: 'route/method-not-allowed' });
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: { value?: unknown; ttlSeconds?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { code: 'request/invalid-json' });
    }
    const ttl = body?.ttlSeconds;
    const ttlOk = ttl === undefined || (Number.isInteger(ttl) && (ttl as number) >= 1);
    if (typeof body !== 'object' || body === null || !('value' in body) || !ttlOk) {
      return send(res, 400, { code: 'request/invalid-body' });
    }
    const expiresAt = ttl === undefined ? null : Date.now() + (ttl as number) * 1000;
    writeEntry.run(projectId, key, JSON.stringify(body.value), expiresAt);
    send(res, 200, entry(key, body.value, expiresAt));
  });
});
server.listen(Number(env('PORT')), env('HOST'));
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => server.close(() => process.exit(0)));
