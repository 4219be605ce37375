import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomBase62 } from '../../src/lib/ids.js';
import { projectsDatabase } from '../../src/modules/db/postgres-engine.js';

// The engines every platform suite runs on (STYLE 7: one suite, every implementation).
// PostgreSQL and Redis come from TEST_DATABASE_URL / TEST_REDIS_URL (scripts/services.sh);
// in CI they are required, so a missing server fails the run instead of skipping half of it.

export interface Backend {
  name: string;
  /** A fresh, empty set of stores; `cleanup` drops them. */
  create(): Promise<{
    dataDir: string;
    databaseUrl: string | null;
    redisUrl: string | null;
    /** The vault's master keys: required with a shared database. */
    masterKeys: string | null;
    cleanup(): Promise<void>;
  }>;
}

const pgAdmin = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
if (process.env.CI === 'true' && (!pgAdmin || !redisUrl)) {
  throw new Error('CI must set TEST_DATABASE_URL and TEST_REDIS_URL (eval "$(scripts/services.sh start)")');
}

/** A fixed master key for the shared-database backends (tests only). */
export const TEST_MASTER_KEYS = `1:${Buffer.alloc(32, 7).toString('base64')}`;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'aerostack-test-'));
}

/**
 * A new database on the test server, dropped by cleanup with what the platform made beside it:
 * the projects' database (`<name>_projects`) and the projects' LOGIN roles, which belong to the
 * cluster rather than to a database (decision 0029).
 */
async function freshPostgres(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `aerostack_t_${randomBase62(12).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const roles = await projectRoles(url.toString());
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS "${projectsDatabase(url.toString()).name}" WITH (FORCE)`);
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      for (const role of roles) await again.query(`DROP ROLE IF EXISTS "${role}"`);
      await again.end();
    },
  };
}

/** The LOGIN roles of the projects whose databases the platform made on PostgreSQL. */
async function projectRoles(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ location: string }>(
      "SELECT location FROM db_databases WHERE engine = 'postgres'",
    );
    return rows.map((r) => r.location);
  } catch {
    return []; // no db module tables (yet): nothing made
  } finally {
    await client.end();
  }
}

const sqlite: Backend = {
  name: 'sqlite',
  async create() {
    const dataDir = tempDir();
    return {
      dataDir,
      databaseUrl: null,
      redisUrl: null,
      masterKeys: null,
      cleanup: async () => rmSync(dataDir, { recursive: true }),
    };
  },
};

const postgres = (withRedis: boolean): Backend => ({
  name: withRedis ? 'postgres+redis' : 'postgres',
  async create() {
    const dataDir = tempDir();
    const database = await freshPostgres(pgAdmin!);
    return {
      dataDir,
      databaseUrl: database.url,
      redisUrl: withRedis ? redisUrl! : null,
      masterKeys: TEST_MASTER_KEYS,
      async cleanup() {
        await database.drop();
        rmSync(dataDir, { recursive: true });
      },
    };
  },
});

/** SQLite always; PostgreSQL, and PostgreSQL with Redis, when their servers are configured. */
export const BACKENDS: Backend[] = [
  sqlite,
  ...(pgAdmin ? [postgres(false)] : []),
  ...(pgAdmin && redisUrl ? [postgres(true)] : []),
];
