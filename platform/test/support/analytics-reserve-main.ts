import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config.js';
import { createPlatform } from '../../src/platform.js';

// One of several processes analytics.test.ts runs on the same stores at once: boots a platform on
// them (AEROSTACK_DATA_DIR, DATABASE_URL, AEROSTACK_MASTER_KEYS; already migrated), says `ready`,
// and on `go` (stdin) asks for RESERVE_CALLS calls of RESERVE_WORKSPACE at once, with the monthly
// limit RESERVE_LIMIT; prints how many were granted.

const env = process.env;
const platform = await createPlatform({ ...loadConfig(env), logLevel: 'silent' }, { prepared: true });
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) if (line === 'go') break;
const answers = await Promise.all(
  Array.from({ length: Number(env.RESERVE_CALLS) }, () =>
    platform.services.analytics.reserveCall(env.RESERVE_WORKSPACE!, Number(env.RESERVE_LIMIT)),
  ),
);
process.stdout.write(`${JSON.stringify({ granted: answers.filter(Boolean).length })}\n`);
lines.close();
await platform.close();
