import { defineHandlers } from '../../http/handler.js';
import { VERSION } from '../../version.js';

export const healthHandlers = defineHandlers({
  'health.check': async () => ({ status: 200, body: { status: 'ok', version: VERSION } }),
});
