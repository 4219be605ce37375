import { closeSync, existsSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { ApiError } from '../../http/problem.js';
import { filterSql } from './filter.js';
import type { Engine, Match, Metadata, StoredIndex, VectorRecord, VectorStore } from './store.js';
import { fromBytes, norm, toBytes, toNumbers } from './values.js';

const require = createRequire(import.meta.url);
// The same binding choice as the metadata database (db/database.ts): better-sqlite3 13 from Node 22.
const SQLite: typeof BetterSqlite3 = require(
  Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20',
);

/** sqlite-vec's own distance names for the metrics vec0 supports; dot products it has none for. */
const VEC0_METRIC = { cosine: 'cosine', euclidean: 'l2' } as const;

const items = (index: StoredIndex) => `"${index.id}_items"`;
const knn = (index: StoredIndex) => `"${index.id}_vec"`;

/**
 * Vectors in `<dataDir>/vectors.db` with the sqlite-vec extension (its binary comes from npm). Each
 * index is a plain table (`<id>_items`: id, metadata, norm) and, for cosine and euclidean, a vec0
 * table (`<id>_vec`) keyed by the same rowid. A query is vec0's k-nearest search, which in
 * sqlite-vec 0.1 compares every vector (exact); a filter narrows it with `rowid IN (…)` over the
 * items table, so a selective filter still returns topK matches. Dot-product indexes keep the
 * vector in the items table and rank with `vec_distance_cosine` × the norms (exact too).
 *
 * Every worker process opens the file; SQLite's locks (WAL, busy timeout) serialise writers. Writes
 * are IMMEDIATE transactions: a deferred one that read first could not wait for another worker's
 * write lock (SQLITE_BUSY at once), an immediate one waits up to the busy timeout.
 */
export function createSqliteVectorStore(dataDir: string): VectorStore {
  const file = join(dataDir, 'vectors.db');
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  (require('sqlite-vec') as { load(db: BetterSqlite3.Database): void }).load(db);

  /** A statement on an index's tables; a table dropped meanwhile (index deleted) is a 404. */
  const prepare = (sql: string) => {
    try {
      return db.prepare(sql);
    } catch (error) {
      if (error instanceof Error && /no such table/.test(error.message)) {
        throw new ApiError('vector/index-not-found', 'The index was deleted.');
      }
      throw error;
    }
  };

  const whereOf = (conditions: Parameters<typeof filterSql>[0], params: unknown[]) =>
    filterSql(conditions, 'sqlite', (value) => {
      params.push(typeof value === 'boolean' ? Number(value) : value);
      return '?';
    });

  const deleteRows = (index: StoredIndex, where: string, params: unknown[]): number => {
    const rowids = prepare(`SELECT rowid FROM ${items(index)} WHERE ${where}`)
      .pluck()
      .all(...params) as number[];
    if (rowids.length === 0) return 0;
    const dropItem = prepare(`DELETE FROM ${items(index)} WHERE rowid = ?`);
    const dropVec = index.metric === 'dot' ? null : prepare(`DELETE FROM ${knn(index)} WHERE rowid = ?`);
    for (const rowid of rowids) {
      dropItem.run(rowid);
      dropVec?.run(BigInt(rowid));
    }
    return rowids.length;
  };

  return {
    engineFor(): Engine {
      return 'sqlite-vec';
    },

    async createIndex(index) {
      db.transaction(() => {
        db.exec(
          `CREATE TABLE IF NOT EXISTS ${items(index)} (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, metadata TEXT NOT NULL, norm REAL NOT NULL, embedding BLOB)`,
        );
        if (index.metric !== 'dot') {
          db.exec(
            `CREATE VIRTUAL TABLE IF NOT EXISTS ${knn(index)} USING vec0(embedding float[${index.dimension}] distance_metric=${VEC0_METRIC[index.metric]})`,
          );
        }
      }).immediate();
    },

    async dropIndex(index) {
      db.transaction(() => {
        db.exec(`DROP TABLE IF EXISTS ${knn(index)}`);
        db.exec(`DROP TABLE IF EXISTS ${items(index)}`);
      }).immediate();
    },

    async upsert(index, records, replace) {
      const find = prepare(`SELECT rowid FROM ${items(index)} WHERE id = ?`).pluck();
      const insert = prepare(
        `INSERT INTO ${items(index)} (id, metadata, norm, embedding) VALUES (?, ?, ?, ?)`,
      );
      const update = prepare(
        `UPDATE ${items(index)} SET metadata = ?, norm = ?, embedding = ? WHERE rowid = ?`,
      );
      const dot = index.metric === 'dot';
      const dropVec = dot ? null : prepare(`DELETE FROM ${knn(index)} WHERE rowid = ?`);
      const addVec = dot ? null : prepare(`INSERT INTO ${knn(index)} (rowid, embedding) VALUES (?, ?)`);
      db.transaction(() => {
        if (replace && replace.length > 0) {
          const params: unknown[] = [];
          deleteRows(index, whereOf(replace, params) as string, params);
        }
        for (const record of records) {
          const metadata = JSON.stringify(record.metadata);
          const bytes = toBytes(record.values);
          const kept = dot ? bytes : null;
          const existing = find.get(record.id) as number | undefined;
          let rowid: number;
          if (existing === undefined) {
            rowid = Number(insert.run(record.id, metadata, norm(record.values), kept).lastInsertRowid);
          } else {
            rowid = existing;
            update.run(metadata, norm(record.values), kept, rowid);
            dropVec?.run(BigInt(rowid));
          }
          addVec?.run(BigInt(rowid), bytes);
        }
      }).immediate();
      return records.length;
    },

    async query(index, vector, options) {
      const params: unknown[] = [];
      const bytes = toBytes(vector);
      const columns = `i.id, ${options.includeMetadata ? 'i.metadata' : 'NULL AS metadata'}`;
      let sql: string;
      if (index.metric === 'dot') {
        // dot(q, v) = (1 − cosine distance) · |q| · |v|; a zero vector scores 0.
        const qNorm = norm(vector);
        const scoreSql =
          qNorm === 0
            ? '0.0'
            : '(CASE WHEN i.norm = 0 THEN 0.0 ELSE (1 - vec_distance_cosine(i.embedding, ?)) * i.norm * ? END)';
        if (qNorm !== 0) params.push(bytes, qNorm);
        const where = whereOf(options.conditions, params);
        sql = `SELECT ${columns}, ${scoreSql} AS score FROM ${items(index)} i ${where ? `WHERE ${where}` : ''} ORDER BY score DESC LIMIT ?`;
        params.push(options.topK);
      } else {
        params.push(bytes, options.topK);
        const inner: unknown[] = [];
        const where = whereOf(options.conditions, inner);
        params.push(...inner);
        const narrow = where ? `AND rowid IN (SELECT rowid FROM ${items(index)} WHERE ${where})` : '';
        const scoreSql = index.metric === 'cosine' ? '1 - n.distance' : 'n.distance';
        sql = `SELECT ${columns}, ${scoreSql} AS score FROM (SELECT rowid, distance FROM ${knn(index)} WHERE embedding MATCH ? AND k = ? ${narrow}) n JOIN ${items(index)} i ON i.rowid = n.rowid ORDER BY n.distance`;
      }
      const rows = prepare(sql).all(...params) as Array<{
        id: string;
        metadata: string | null;
        score: number;
      }>;
      const values = options.includeValues
        ? await this.get(
            index,
            rows.map((r) => r.id),
          )
        : [];
      const byId = new Map(values.map((v) => [v.id, v.values]));
      return rows.map((row): Match => {
        const match: Match = { id: row.id, score: row.score };
        if (row.metadata !== null) match.metadata = JSON.parse(row.metadata) as Metadata;
        const v = byId.get(row.id);
        if (v) match.values = toNumbers(v);
        return match;
      });
    },

    async get(index, ids) {
      if (ids.length === 0) return [];
      const marks = ids.map(() => '?').join(', ');
      const sql =
        index.metric === 'dot'
          ? `SELECT id, metadata, embedding FROM ${items(index)} WHERE id IN (${marks})`
          : `SELECT i.id, i.metadata, v.embedding FROM ${items(index)} i JOIN ${knn(index)} v ON v.rowid = i.rowid WHERE i.id IN (${marks})`;
      const rows = prepare(sql).all(...ids) as Array<{ id: string; metadata: string; embedding: Buffer }>;
      return rows.map(
        (row): VectorRecord => ({
          id: row.id,
          values: fromBytes(row.embedding),
          metadata: JSON.parse(row.metadata) as Metadata,
        }),
      );
    },

    async deleteIds(index, ids) {
      return db
        .transaction(() => deleteRows(index, `id IN (${ids.map(() => '?').join(', ')})`, ids))
        .immediate();
    },

    async deleteWhere(index, conditions) {
      const params: unknown[] = [];
      const where = whereOf(conditions, params) ?? '1 = 1';
      return db.transaction(() => deleteRows(index, where, params)).immediate();
    },

    async count(index) {
      return prepare(`SELECT count(*) FROM ${items(index)}`)
        .pluck()
        .get() as number;
    },

    async close() {
      db.close();
    },
  };
}
