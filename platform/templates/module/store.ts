import type { Kysely, Transaction } from 'kysely';
import type { Position } from '../../lib/cursor.js';

// The __module__ module's tables: only this folder reads or writes them. Other modules reach the
// data through `services.__area__`, never through these functions.

export interface __Area__Tables {
  __table__: { id: string; project_id: string; name: string; created_at: string };
}
export type __Item__Row = __Area__Tables['__table__'];
type Db = Kysely<__Area__Tables> | Transaction<__Area__Tables>;

export async function insert__Item__(db: Db, row: __Item__Row): Promise<void> {
  await db.insertInto('__table__').values(row).execute();
}

export async function find__Item__(db: Db, projectId: string, id: string): Promise<__Item__Row | undefined> {
  return db
    .selectFrom('__table__')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** `limit + 1` rows after `position`, oldest first, so the caller can tell whether a next page exists. */
export async function list__Area__(db: Db, projectId: string, position: Position | null, limit: number) {
  let query = db.selectFrom('__table__').selectAll().where('project_id', '=', projectId);
  if (position) {
    query = query.where((eb) =>
      eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(position.createdAt, position.id)),
    );
  }
  return query
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
}
