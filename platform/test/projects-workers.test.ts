import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fresh, type PlatformProcess, spawnPlatform } from './support/process.js';
import { pathsNaming, processesNaming } from './support/project-traces.js';

// Deleting a project on a node of two worker processes (SQLite, decision 0048): both workers held
// the project's key and its user's session in their caches and each ran its database's child
// process; the very next request on either worker is refused, and no child or file is left.

let platform: PlatformProcess;
let dataDir: string;
let accountKey: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'aerostack-projects-workers-'));
  platform = await spawnPlatform(join(import.meta.dirname, 'fixtures/main.ts'), {
    AEROSTACK_DATA_DIR: dataDir,
    AEROSTACK_WORKERS: '2',
  });
  accountKey = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')).accountKey;
}, 60_000);
afterAll(async () => {
  expect(await platform?.stop()).toBe(0);
});

const json = (credential: string, method = 'GET', body?: unknown) => ({
  method,
  headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** Sends `send` until both workers have answered; the answers' statuses by worker. */
async function onEachWorker(send: () => ReturnType<typeof fresh>): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const answer = await send();
    seen.set(answer.headers['x-aerostack-worker'] as string, answer.status);
  }
  return seen;
}

describe('deleting a project, two workers', () => {
  it('refuses its key and session on both workers at once, and stops both database children', async () => {
    const created = JSON.parse(
      (await fresh(`${platform.url}/v1/projects`, json(accountKey, 'POST', { name: 'two workers' }))).body,
    );
    const projectId = created.project.id as string;
    const signUp = await fresh(
      `${platform.url}/v1/auth/sign-up`,
      json(created.publishableKey.key, 'POST', {
        email: 'workers@example.com',
        password: 'correct horse battery',
      }),
    );
    expect(signUp.status).toBe(201);
    const { accessToken } = JSON.parse(signUp.body);
    const query = () =>
      fresh(`${platform.url}/v1/db/query`, json(created.secretKey.key, 'POST', { sql: 'SELECT 1 AS one' }));
    const user = () => fresh(`${platform.url}/v1/auth/user`, json(accessToken));
    expect([...(await onEachWorker(query)).values()]).toEqual([200, 200]);
    expect([...(await onEachWorker(user)).values()]).toEqual([200, 200]);
    expect(processesNaming(projectId)).toHaveLength(2); // one child per worker (idle after 60 s)

    const deleted = await fresh(`${platform.url}/v1/projects/${projectId}`, json(accountKey, 'DELETE'));
    expect(deleted.status).toBe(204);

    expect(Object.fromEntries(await onEachWorker(query))).toEqual({ 1: 401, 2: 401 });
    expect(Object.fromEntries(await onEachWorker(user))).toEqual({ 1: 401, 2: 401 });
    expect(processesNaming(projectId)).toEqual([]);
    expect(pathsNaming(dataDir, projectId)).toEqual([]);
  });
});
