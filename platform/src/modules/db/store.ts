import type { Kysely } from 'kysely';

/**
 * Which engine holds each project's database, fixed when it is first created: a SQLite file
 * (`location` is its name) or a PostgreSQL schema and role (`location` is both names; `secret`
 * the role's sealed password).
 */
export interface DbTables {
  db_databases: {
    project_id: string;
    engine: 'sqlite' | 'postgres';
    location: string;
    secret: string | null;
    created_at: string;
  };
}
export type DatabaseRow = DbTables['db_databases'];

export async function findDatabase(
  db: Kysely<DbTables>,
  projectId: string,
): Promise<DatabaseRow | undefined> {
  return db.selectFrom('db_databases').selectAll().where('project_id', '=', projectId).executeTakeFirst();
}

/** Records `row` unless the project has a database already; answers the project's row either way. */
export async function insertDatabase(db: Kysely<DbTables>, row: DatabaseRow): Promise<DatabaseRow> {
  await db
    .insertInto('db_databases')
    .values(row)
    .onConflict((c) => c.column('project_id').doNothing())
    .execute();
  return (await findDatabase(db, row.project_id))!;
}

/** Deletes the project's row; the row it was, or undefined when there was none. */
export async function deleteDatabase(
  db: Kysely<DbTables>,
  projectId: string,
): Promise<DatabaseRow | undefined> {
  return db.deleteFrom('db_databases').where('project_id', '=', projectId).returningAll().executeTakeFirst();
}
