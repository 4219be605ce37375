import type { SqliteStatement } from 'kysely';

/**
 * Prepared statements by SQL text, least recently used evicted first. Kysely compiles the same
 * query shape to the same text, so a platform with a few dozen query shapes prepares each once.
 */
export class StatementCache {
  readonly #statements = new Map<string, SqliteStatement>();
  readonly #prepare: (sql: string) => SqliteStatement;
  readonly #capacity: number;

  constructor(prepare: (sql: string) => SqliteStatement, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.#prepare = prepare;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#statements.size;
  }

  /** The statement for `sql`, prepared on first use. */
  get(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (statement) {
      // A Map iterates in insertion order: re-inserting marks it most recently used.
      this.#statements.delete(sql);
    } else {
      statement = this.#prepare(sql);
      if (this.#statements.size >= this.#capacity) {
        const oldest = this.#statements.keys().next();
        if (!oldest.done) this.#statements.delete(oldest.value);
      }
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  clear(): void {
    this.#statements.clear();
  }
}
