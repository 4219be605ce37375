import { describe, expect, it } from 'vitest';
import type { Platform } from '../src/platform.js';
import { postgresSchemaExists, rowsNaming } from './support/project-traces.js';
import { callNode as call, SHARED_BACKENDS, twoNodes } from './support/two-nodes.js';

// Two nodes (two platforms) on one PostgreSQL, with and without Redis: a project deleted through
// one node stops working on the other too — its secret key and its users' access tokens, which the
// other node had cached — within the bus's delivery time (decision 0048; the caches' TTLs bound a
// lost message), and the other node's connections to the project's database are closed.

const BOUND_MS = 2_000;

describe.each(SHARED_BACKENDS)('deleting a project, two nodes on $name', (backend) => {
  const nodes = twoNodes(backend);

  /** The status `credential` gets on `node` once it answers 401, or after the bound. */
  async function statusOn(node: Platform, credential: string): Promise<{ status: number; ms: number }> {
    const started = Date.now();
    let status = 0;
    while (Date.now() - started < BOUND_MS + 1_000) {
      status = (await call(node, 'POST', '/v1/db/query', credential, { sql: 'SELECT 1 AS one' })).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return { status, ms: Date.now() - started };
  }

  it('refuses its key and sessions on the other node, and leaves no row behind', async () => {
    const { a, b, stores } = nodes;
    const accountKey = a.keys!.accountKey;
    const created = (await call(a, 'POST', '/v1/projects', accountKey, { name: 'two nodes' })).json as {
      project: { id: string };
      secretKey: { key: string };
      publishableKey: { key: string };
    };
    const projectId = created.project.id;
    const sk = created.secretKey.key;
    const signUp = await call(b, 'POST', '/v1/auth/sign-up', created.publishableKey.key, {
      email: 'two.nodes@example.com',
      password: 'correct horse battery',
    });
    expect(signUp.status).toBe(201);
    const accessToken = (signUp.json as { accessToken: string }).accessToken;
    // Node B caches the key and the session, and opens its pool to the project's database.
    expect((await call(b, 'POST', '/v1/db/query', sk, { sql: 'SELECT 1 AS one' })).status).toBe(200);
    expect((await call(b, 'GET', '/v1/auth/user', accessToken)).status).toBe(200);
    const location = (
      await a.services.database.db
        .selectFrom('db_databases' as never)
        .select('location' as never)
        .where('project_id' as never, '=', projectId as never)
        .executeTakeFirstOrThrow()
    ).location as string;

    expect((await call(a, 'DELETE', `/v1/projects/${projectId}`, accountKey)).status).toBe(204);

    const key = await statusOn(b, sk);
    expect(key.status).toBe(401);
    expect(key.ms).toBeLessThan(BOUND_MS);
    expect((await call(b, 'GET', '/v1/auth/user', accessToken)).status).toBe(401);
    expect(await rowsNaming(a.services.database, projectId)).toEqual({});
    expect(await postgresSchemaExists(stores.databaseUrl!, location)).toBe(false);
  });
});
