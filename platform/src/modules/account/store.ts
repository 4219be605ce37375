import type { Kysely, Transaction } from 'kysely';

export interface AccountTables {
  accounts: { id: string; name: string; created_at: string };
}
export type AccountRow = AccountTables['accounts'];
type Db = Kysely<AccountTables> | Transaction<AccountTables>;

export async function findAccount(db: Db, id: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function firstAccount(db: Db): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().orderBy('created_at').limit(1).executeTakeFirst();
}

export async function insertAccount(db: Db, row: AccountRow): Promise<void> {
  await db.insertInto('accounts').values(row).execute();
}
