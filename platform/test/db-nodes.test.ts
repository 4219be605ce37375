import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { projectsDatabase } from '../src/modules/db/postgres-engine.js';
import type { Platform } from '../src/platform.js';
import { callNode, SHARED_BACKENDS, twoNodes } from './support/two-nodes.js';

// Two nodes on one PostgreSQL: the first requests of a project reach both at once, each creates a
// schema and role, one wins the project's record, the other drops what it made. Both then serve
// the same database.

describe.each(SHARED_BACKENDS)('db on two nodes on $name', (backend) => {
  const nodes = twoNodes(backend);

  const query = (node: Platform, credential: string, sql: string) =>
    callNode(node, 'POST', '/v1/db/query', credential, { sql });

  it('provisions a project once when both nodes race to, and leaves no stray schema', async () => {
    const { a, b, stores } = nodes;
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
