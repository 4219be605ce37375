import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { FindActiveKey } from './http/auth.js';
import type { Logger } from './lib/logger.js';
import type { CacheStore } from './modules/cache/store.js';

/** Everything handlers reach: built once at boot, closed once at shutdown. */
export interface Services {
  config: Config;
  logger: Logger;
  database: Database;
  cache: CacheStore;
  keys: { findActive: FindActiveKey };
}
