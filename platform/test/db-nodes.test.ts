import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectsDatabase } from '../src/modules/db/postgres-engine.js';
import { createPlatform, type Platform } from '../src/platform.js';
import { BACKENDS } from './support/backends.js';
import { configFor } from './support/harness.js';

// Two nodes on one PostgreSQL: the first requests of a project reach both at once, each creates a
// schema and role, one wins the project's record, the other drops what it made. Both then serve
// the same database.

describe.each(BACKENDS.filter((b) => b.name !== 'sqlite'))('db on two nodes on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let a: Platform;
  let b: Platform;
  beforeAll(async () => {
    stores = await backend.create();
    const config = configFor(stores);
    a = await createPlatform(config);
    b = await createPlatform(config);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await stores?.cleanup(); // drops the projects' database and roles too
  });

  const query = async (node: Platform, credential: string, sql: string) => {
    const res = await node.app.request('/v1/db/query', {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql }),
    });
    return { status: res.status, json: (await res.json()) as { rows: Array<Record<string, unknown>> } };
  };

  it('provisions a project once when both nodes race to, and leaves no stray schema', async () => {
    const sk = a.keys!.secretKey;
    const [fromA, fromB] = await Promise.all([
      query(a, sk, 'SELECT current_user AS role'),
      query(b, sk, 'SELECT current_user AS role'),
    ]);
    expect([fromA.status, fromB.status], JSON.stringify([fromA.json, fromB.json])).toEqual([200, 200]);
    expect(fromA.json.rows[0]!.role).toBe(fromB.json.rows[0]!.role);
    expect((await query(a, sk, 'CREATE TABLE shared (x INTEGER)')).status).toBe(200);
    expect((await query(b, sk, 'SELECT count(*) AS n FROM shared')).json.rows[0]!.n).toBe(0);
    const projects = new pg.Client({ connectionString: projectsDatabase(stores.databaseUrl!).url });
    await projects.connect();
    const schemas = await projects.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'aerostack\\_db\\_%'",
    );
    await projects.end();
    expect(schemas.rows.map((r) => r.nspname)).toEqual([fromA.json.rows[0]!.role]);
  });
});
