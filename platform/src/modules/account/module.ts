import { accountIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { defineModule } from '../module.js';
import { migrations } from './migrations.js';
import { type AccountService, createAccountService, toAccount } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    account: AccountService;
  }
}

export default defineModule({
  name: 'account',
  migrations,
  create: createAccountService,
  handlers: defineHandlers({
    'account.get': async ({ principal, services }) => {
      const row = await services.account.find(accountIdOf(principal));
      if (!row) throw new Error('the key outlived its account');
      return { status: 200, body: toAccount(row) };
    },
  }),
});
