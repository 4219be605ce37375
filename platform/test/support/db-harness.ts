import type { Config } from '../../src/config.js';
import type { Backend } from './backends.js';
import { type TestPlatform, testPlatform } from './harness.js';

/** Like `testPlatform`, with the project-database settings of `db` (small caps and timeouts for tests). */
export function dbTestPlatform(backend: Backend, db: Partial<Config['db']>): Promise<TestPlatform> {
  return testPlatform(backend, { overrides: (base) => ({ db: { ...base.db, ...db } }) });
}
