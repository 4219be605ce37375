import type { components } from '@aerostack/spec/types';
import { type Db, tables } from '../../db/database.js';
import { isoNow } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import * as store from './store.js';

type Account = components['schemas']['Account'];

export function toAccount(row: store.AccountRow): Account {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

/** Accounts: the operators of this platform. */
export function createAccountService(services: Services) {
  const db = tables<store.AccountTables>(services.database);
  return {
    find: (id: string) => store.findAccount(db, id),
    first: () => store.firstAccount(db),
    /** Creates an account inside `tx` (the bootstrap creates it with its first key). */
    async create(tx: Db, name: string): Promise<store.AccountRow> {
      const row = { id: newId('acc'), name, created_at: isoNow() };
      await store.insertAccount(tables<store.AccountTables>(tx), row);
      return row;
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
