import type { Kysely, Transaction } from 'kysely';

/** Every saved version of every project's rules; the highest version is the current one. */
export interface RulesTables {
  rules_versions: {
    project_id: string;
    version: number;
    /** The document without version and time: `{ channels, statements, tables, learning }`, as JSON. */
    document: string;
    created_at: string;
  };
}
export type RulesVersionRow = RulesTables['rules_versions'];
type Db = Kysely<RulesTables> | Transaction<RulesTables>;

export async function currentVersion(db: Db, projectId: string): Promise<RulesVersionRow | undefined> {
  return db
    .selectFrom('rules_versions')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Saves `row` as the next version. The primary key (project, version) makes two concurrent saves
 * of the same next version fail, so the loser gets a conflict instead of overwriting.
 */
export async function insertVersion(db: Db, row: RulesVersionRow): Promise<boolean> {
  const result = await db
    .insertInto('rules_versions')
    .values(row)
    .onConflict((c) => c.columns(['project_id', 'version']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}
