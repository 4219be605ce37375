// Prepares a project for the chat: the `messages` table and the rules that let signed-in users
// read and post messages and see new ones live. Idempotent: run it again after any change.
//   AEROSTACK_URL=http://127.0.0.1:8787 AEROSTACK_SECRET_KEY=sk_… node setup.mjs
import { readFileSync } from 'node:fs';
import { createClient, isAerostackError } from '@aerostack/core';

const statements = JSON.parse(readFileSync(new URL('./statements.json', import.meta.url), 'utf8'));
const url = process.env.AEROSTACK_URL ?? 'http://127.0.0.1:8787';
const secretKey = process.env.AEROSTACK_SECRET_KEY;
if (!secretKey) throw new Error('Set AEROSTACK_SECRET_KEY (the project secret key, sk_…)');
const client = createClient({ url, secretKey });

// A project's database engine is fixed when it is created: SQLite, or PostgreSQL when the
// platform runs on DATABASE_URL. The same table in each dialect.
const MIGRATION = {
  sqlite: `CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    user_id TEXT NOT NULL,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE INDEX messages_room_id ON messages (room, id);`,
  postgres: `CREATE TABLE messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room TEXT NOT NULL,
    user_id TEXT NOT NULL,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  );
  CREATE INDEX messages_room_id ON messages (room, id);`,
};

// What end users may do. The secret key is never restricted; end users only what is listed here.
const RULES = {
  channels: [
    // New messages reach the room live as the database's change events on `table/messages`.
    { pattern: 'table/messages', subscribe: 'authenticated' },
    // Room channels for ephemeral events (typing, presence) between signed-in users.
    { pattern: 'chat/*', subscribe: 'authenticated', publish: 'authenticated', presence: 'authenticated' },
  ],
  statements: [
    { sql: statements.listMessages, access: 'authenticated' },
    // `owner`: the statement must bind the caller's id through `:auth_user_id`.
    { sql: statements.postMessage, access: 'owner' },
  ],
  // Every signed-in user sees every room's change events (a public chat).
  tables: [{ table: 'messages', read: 'authenticated' }],
};

async function engine() {
  try {
    await client.db.query('SELECT sqlite_version() AS version');
    return 'sqlite';
  } catch (error) {
    if (isAerostackError(error) && error.code === 'db/sql-error') return 'postgres';
    throw error;
  }
}

/** The project's rules with ours in them: the others kept, ours replacing any of the same key. */
function merged(current) {
  const patterns = new Set(RULES.channels.map((c) => c.pattern));
  const sqls = new Set(RULES.statements.map((s) => s.sql));
  return {
    version: current.version,
    channels: [...RULES.channels, ...current.channels.filter((c) => !patterns.has(c.pattern))],
    statements: [...RULES.statements, ...current.statements.filter((s) => !sqls.has(s.sql))],
    tables: [...RULES.tables, ...current.tables.filter((t) => t.table !== 'messages')],
    learning: current.learning,
  };
}

async function rules(method, body) {
  const response = await fetch(`${url}/v1/rules`, {
    method,
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} /v1/rules: ${response.status} ${await response.text()}`);
  return response.json();
}

async function main() {
  const kind = await engine();
  const { applied } = await client.db.migrate([{ name: 'react-chat-0001-messages', sql: MIGRATION[kind] }]);
  console.log(`→ ${kind} database: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);

  const current = await rules('GET');
  const next = merged(current);
  const same = (key) => JSON.stringify(next[key]) === JSON.stringify(current[key]);
  if (same('channels') && same('statements') && same('tables')) {
    console.log(`→ rules: up to date (version ${current.version})`);
  } else {
    const saved = await rules('PUT', next);
    console.log(`→ rules: saved version ${saved.version}`);
  }
}

main().catch((error) => {
  console.error('✗ setup failed:', isAerostackError(error) ? error.toJSON() : error);
  process.exit(1);
});
