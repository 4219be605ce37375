import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../src/platform.js';
import { BACKENDS } from './support/backends.js';
import { configFor } from './support/harness.js';
import { postgresSchemaExists, rowsNaming } from './support/project-traces.js';

// Two nodes (two platforms) on one PostgreSQL, with and without Redis: a project deleted through
// one node stops working on the other too — its secret key and its users' access tokens, which the
// other node had cached — within the bus's delivery time (decision 0048; the caches' TTLs bound a
// lost message), and the other node's connections to the project's database are closed.

const BOUND_MS = 2_000;

describe.each(BACKENDS.filter((b) => b.name !== 'sqlite'))(
  'deleting a project, two nodes on $name',
  (backend) => {
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
      await stores?.cleanup();
    });

    const call = async (node: Platform, method: string, path: string, credential: string, body?: unknown) => {
      const res = await node.app.request(path, {
        method,
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return {
        status: res.status,
        json: (await res.text().then((t) => (t ? JSON.parse(t) : null))) as never,
      };
    };

    /** The status `credential` gets on node B once it answers 401, or after the bound. */
    async function statusOnB(credential: string): Promise<{ status: number; ms: number }> {
      const started = Date.now();
      let status = 0;
      while (Date.now() - started < BOUND_MS + 1_000) {
        status = (await call(b, 'POST', '/v1/db/query', credential, { sql: 'SELECT 1 AS one' })).status;
        if (status === 401) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      return { status, ms: Date.now() - started };
    }

    it('refuses its key and sessions on the other node, and leaves no row behind', async () => {
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

      const key = await statusOnB(sk);
      expect(key.status).toBe(401);
      expect(key.ms).toBeLessThan(BOUND_MS);
      expect((await call(b, 'GET', '/v1/auth/user', accessToken)).status).toBe(401);
      expect(await rowsNaming(a.services.database, projectId)).toEqual({});
      expect(await postgresSchemaExists(stores.databaseUrl!, location)).toBe(false);
    });
  },
);
