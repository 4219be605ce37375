import { defineHandlers } from '../../http/handler.js';
import { VERSION } from '../../version.js';
import { defineModule } from '../module.js';

export default defineModule({
  name: 'health',
  handlers: defineHandlers({
    'health.check': async () => ({ status: 200, body: { status: 'ok', version: VERSION } }),
  }),
});
