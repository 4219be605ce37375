// The program of the process that runs one project's SQLite database. better-sqlite3 cannot
// interrupt a running statement, and a worker thread cannot be stopped while it is inside native
// code, so project SQL runs in a child process the platform kills (SIGKILL) on timeout: the
// operating system then releases the file's locks and SQLite rolls the open transaction back.
//
// It is plain JavaScript run with `node -e`, so the same text works under tsx, vitest and the
// esbuild bundle. Messages (IPC, JSON): exec { statements, maxRows, maxBytes }, migrate
// { migrations }, list; answers { id, ok, … } or { id, ok: false, error: { kind, message, index } }.
export const CHILD_PROGRAM = String.raw`
'use strict';
const Database = require(process.env.AEROSTACK_SQLITE_MODULE);
const db = new Database(process.env.AEROSTACK_DB_FILE);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
db.pragma('foreign_keys = ON');
db.pragma('trusted_schema = OFF');
// A statement that builds huge values (randomblob, group_concat over a recursive CTE) fails
// with "out of memory" instead of taking the machine's memory before its deadline.
db.pragma('hard_heap_limit = ' + Number(process.env.AEROSTACK_DB_HEAP_LIMIT));
db.defaultSafeIntegers(true);
db.exec(
  'CREATE TABLE IF NOT EXISTS _aerostack_changes (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, new TEXT, old TEXT);' +
  'CREATE TABLE IF NOT EXISTS _aerostack_migrations (seq INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, checksum TEXT NOT NULL, applied_at TEXT NOT NULL);'
);

class Refusal extends Error {
  constructor(kind, message) { super(message); this.kind = kind; }
}

const q = (name) => '"' + name.replace(/"/g, '""') + '"';
const lit = (text) => "'" + text.replace(/'/g, "''") + "'";
const PREFIX = '_aerostack_';

// A row as JSON, built by SQLite in the trigger (BLOBs as { "$hex": … }). json_object takes at
// most 63 pairs, so wider tables add the rest with json_insert.
function rowJson(ref, columns) {
  const value = (c) => 'CASE WHEN typeof(' + ref + '.' + q(c) + ") = 'blob' THEN json_object('$hex', hex(" + ref + '.' + q(c) + ')) ELSE ' + ref + '.' + q(c) + ' END';
  let expr = null;
  for (let i = 0; i < columns.length; i += 60) {
    const chunk = columns.slice(i, i + 60);
    if (expr === null) expr = 'json_object(' + chunk.map((c) => lit(c) + ', ' + value(c)).join(', ') + ')';
    else expr = 'json_insert(' + expr + ', ' + chunk.map((c) => lit('$."' + c + '"') + ', ' + value(c)).join(', ') + ')';
  }
  return expr ?? 'json_object()';
}

let schemaVersion = -1;
// Every project table gets AFTER INSERT / UPDATE / DELETE triggers that copy the row into
// _aerostack_changes; they are rebuilt whenever the schema changes (a new table, a new column).
function syncTriggers() {
  const version = db.pragma('schema_version', { simple: true });
  if (version === schemaVersion) return;
  const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_aerostack%' ESCAPE '\\'").all();
  const existing = new Map(db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '\\_aerostack\\_%' ESCAPE '\\'").all().map((r) => [r.name, r.sql]));
  const wanted = new Map();
  for (const table of tables) {
    if (/^\s*CREATE\s+VIRTUAL/i.test(table.sql ?? '')) continue;
    const columns = db.prepare('SELECT name FROM pragma_table_xinfo(?) WHERE hidden <> 1').all(table.name).map((r) => r.name);
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      const name = PREFIX + op.toLowerCase() + '_' + table.name;
      const after = op === 'DELETE' ? 'NULL' : rowJson('NEW', columns);
      const before = op === 'INSERT' ? 'NULL' : rowJson('OLD', columns);
      wanted.set(name, 'CREATE TRIGGER ' + q(name) + ' AFTER ' + op + ' ON ' + q(table.name) +
        ' BEGIN INSERT INTO _aerostack_changes (tbl, op, new, old) VALUES (' + lit(table.name) + ", '" + op + "', " + after + ', ' + before + '); END');
    }
  }
  for (const [name, sql] of existing) {
    if (wanted.get(name) !== sql) db.exec('DROP TRIGGER ' + q(name));
  }
  for (const [name, sql] of wanted) {
    if (existing.get(name) !== sql) db.exec(sql);
  }
  schemaVersion = db.pragma('schema_version', { simple: true });
}

function fromHex(value) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$hex') return Buffer.from(value.$hex, 'hex').toString('base64');
  }
  return value;
}

function drain() {
  const rows = db.prepare('SELECT tbl, op, new, old FROM _aerostack_changes ORDER BY seq').all();
  if (rows.length === 0) return [];
  db.prepare('DELETE FROM _aerostack_changes').run();
  const parse = (text) => {
    if (text === null) return null;
    const row = JSON.parse(text);
    for (const key of Object.keys(row)) row[key] = fromHex(row[key]);
    return row;
  };
  return rows.map((r) => ({ table: r.tbl, op: r.op, new: parse(r.new), old: parse(r.old) }));
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
function out(value) {
  if (typeof value === 'bigint') return value <= SAFE && value >= -SAFE ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}
function bindValue(value) {
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}
function bindArgs(statement) {
  const extra = statement.userId === undefined ? null : { auth_user_id: statement.userId };
  const params = statement.params ?? [];
  if (Array.isArray(params)) {
    const args = params.map(bindValue);
    if (extra) args.push(extra);
    return args;
  }
  const named = {};
  for (const [key, value] of Object.entries(params)) named[key] = bindValue(value);
  if (extra) Object.assign(named, extra);
  return [named];
}

// Project statements are prepared once and reused (SQLite re-prepares them after a schema change).
const statementCache = new Map();
function prepared(sql) {
  let stmt = statementCache.get(sql);
  if (stmt) {
    statementCache.delete(sql);
  } else {
    stmt = db.prepare(sql);
    if (statementCache.size >= 256) statementCache.delete(statementCache.keys().next().value);
  }
  statementCache.set(sql, stmt);
  return stmt;
}

function runOne(statement, budget) {
  let stmt;
  try {
    stmt = prepared(statement.sql);
  } catch (error) {
    throw new Refusal('sql', error.message);
  }
  const args = bindArgs(statement);
  try {
    if (!stmt.reader) {
      const info = stmt.run(...args);
      // changes() keeps the count of the last INSERT/UPDATE/DELETE across DDL: only DML reports it.
      return { rows: [], columns: [], rowsAffected: statement.dml ? Number(info.changes) : 0 };
    }
    const rows = [];
    for (const row of stmt.iterate(...args)) {
      if (budget.rows++ >= budget.maxRows) throw new Refusal('rows', 'The result has more than ' + budget.maxRows + ' rows.');
      for (const key of Object.keys(row)) row[key] = out(row[key]);
      budget.bytes += JSON.stringify(row).length;
      if (budget.bytes > budget.maxBytes) throw new Refusal('bytes', 'The result is larger than ' + budget.maxBytes + ' bytes.');
      rows.push(row);
    }
    // After the run: a reused statement is re-prepared when the schema changed since.
    const columns = stmt.columns().map((c) => c.name);
    const rowsAffected = stmt.readonly ? 0 : Number(db.prepare('SELECT changes() AS n').get().n);
    return { rows, columns, rowsAffected };
  } catch (error) {
    if (error instanceof Refusal) throw error;
    // Preparing succeeded, so a RangeError or TypeError here is about binding the parameters.
    const params = error instanceof RangeError || error instanceof TypeError;
    throw new Refusal(params ? 'params' : 'sql', error.message);
  }
}

function inTransaction(work) {
  db.exec('BEGIN IMMEDIATE');
  try {
    syncTriggers();
    const result = work();
    const changes = drain();
    db.exec('COMMIT');
    return { result, changes };
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function exec(msg) {
  const budget = { rows: 0, bytes: 0, maxRows: msg.maxRows, maxBytes: msg.maxBytes };
  const statements = msg.statements;
  if (statements.length === 1) {
    let readonly = false;
    try { readonly = prepared(statements[0].sql).readonly; } catch { /* reported by runOne */ }
    if (readonly) {
      try { return { results: [runOne(statements[0], budget)], changes: [] }; }
      catch (error) { error.index = 0; throw error; }
    }
  }
  const { result, changes } = inTransaction(() => statements.map((statement, index) => {
    try {
      const answer = runOne(statement, budget);
      syncTriggers();
      return answer;
    } catch (error) {
      error.index = index;
      throw error;
    }
  }));
  return { results: result, changes };
}

function migrate(msg) {
  const applied = [];
  const changes = [];
  for (const migration of msg.migrations) {
    if (db.prepare('SELECT 1 FROM _aerostack_migrations WHERE name = ?').get(migration.name)) continue;
    try {
      const done = inTransaction(() => {
        for (const sql of migration.statements) {
          let stmt;
          try { stmt = db.prepare(sql); } catch (error) { throw new Refusal('sql', error.message); }
          try {
            if (stmt.reader) stmt.all(); else stmt.run();
          } catch (error) {
            throw new Refusal('sql', error.message);
          }
          syncTriggers();
        }
        db.prepare('INSERT INTO _aerostack_migrations (name, checksum, applied_at) VALUES (?, ?, ?)').run(migration.name, migration.checksum, new Date().toISOString());
      });
      applied.push(migration.name);
      changes.push(...done.changes);
    } catch (error) {
      return { applied, changes, failure: { name: migration.name, kind: error.kind ?? 'sql', message: error.message } };
    }
  }
  return { applied, changes, failure: null };
}

function list() {
  return {
    migrations: db.prepare('SELECT name, checksum, applied_at AS appliedAt FROM _aerostack_migrations ORDER BY seq').all(),
  };
}

syncTriggers();
process.on('message', (msg) => {
  try {
    const answer = msg.op === 'exec' ? exec(msg) : msg.op === 'migrate' ? migrate(msg) : list();
    process.send({ id: msg.id, ok: true, ...answer });
  } catch (error) {
    process.send({ id: msg.id, ok: false, error: { kind: error.kind ?? 'sql', message: String(error.message), index: error.index ?? 0 } });
  }
});
process.on('disconnect', () => { db.close(); process.exit(0); });
process.send({ ready: true });
`;
