import { run } from './cli/run.js';

// `node platform/dist/main.js` (`pnpm start` builds and runs it): see cli/run.ts.
await run();
