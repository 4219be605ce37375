import { accountIdOf } from '../../http/auth.js';
import { defineHandlers } from '../../http/handler.js';
import { findAccount } from '../projects/store.js';

export const accountHandlers = defineHandlers({
  'account.get': async ({ principal, services }) => {
    const row = await findAccount(services.database.db, accountIdOf(principal));
    if (!row) throw new Error('the key outlived its account');
    return { status: 200, body: { id: row.id, name: row.name, createdAt: row.created_at } };
  },
});
