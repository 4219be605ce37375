import pg from 'pg';
import { type Config, loadConfig } from '../../src/config.js';
import { projectsDatabase } from '../../src/modules/db/postgres-engine.js';
import { createPlatform } from '../../src/platform.js';
import type { Backend } from './backends.js';
import type { Answer, Call, TestPlatform } from './harness.js';

/** Like `testPlatform`, with the project-database settings of `db` (small caps and timeouts for tests). */
export async function dbTestPlatform(backend: Backend, db: Partial<Config['db']>): Promise<TestPlatform> {
  const stores = await backend.create();
  const base = loadConfig({});
  const platform = await createPlatform({
    ...base,
    dataDir: stores.dataDir,
    databaseUrl: stores.databaseUrl,
    redisUrl: stores.redisUrl,
    masterKeys: stores.masterKeys,
    logLevel: 'silent',
    validateResponses: true,
    db: { ...base.db, ...db },
    // Cheap password hashing: tests sign users up.
    auth: { ...base.auth, scrypt: { N: 1024, r: 8, p: 1 } },
  });
  if (!platform.keys) throw new Error('fresh platform without keys');
  return {
    platform,
    keys: platform.keys,
    async call({ method, path, auth, headers = {}, body }: Call): Promise<Answer> {
      const init: RequestInit = { method, headers: { ...headers } };
      const h = init.headers as Record<string, string>;
      if (auth !== undefined) h.authorization = /\s/.test(auth) ? auth : `Bearer ${auth}`;
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      const res = await platform.app.request(path, init);
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    async close() {
      // Roles are the cluster's, not the database's: drop the projects' roles once their database is gone.
      const roles = stores.databaseUrl
        ? ((await platform.services.database.db
            .selectFrom('db_databases' as never)
            .select('location' as never)
            .where('engine' as never, '=', 'postgres' as never)
            .execute()) as Array<{ location: string }>)
        : [];
      await platform.close();
      await stores.cleanup();
      if (stores.databaseUrl) {
        const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await admin.connect();
        const projects = projectsDatabase(stores.databaseUrl).name;
        await admin.query(`DROP DATABASE IF EXISTS "${projects}" WITH (FORCE)`);
        for (const { location } of roles) await admin.query(`DROP ROLE IF EXISTS "${location}"`);
        await admin.end();
      }
    },
  };
}
