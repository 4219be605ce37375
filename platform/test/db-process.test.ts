import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../src/modules/db/engine.js';
import { BACKENDS } from './support/backends.js';
import { dbTestPlatform } from './support/db-harness.js';
import { projectProcesses } from './support/db-processes.js';
import type { TestPlatform } from './support/harness.js';

// A SQLite project database is served by a child process that exits when idle and comes back on
// the next request.

describe('db on sqlite: the project process', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await dbTestPlatform(BACKENDS[0]!, { idleMs: 1000 });
  });
  afterAll(() => t?.close());

  it('exits when idle and comes back with the data on the next request', async () => {
    const sk = t.keys.secretKey;
    const q = (sql: string) => t.call({ method: 'POST', path: '/v1/db/query', auth: sk, body: { sql } });
    expect((await q('CREATE TABLE kept (b BLOB)')).status).toBe(200);
    const changes: Change[] = [];
    t.platform.services.db.onChange((_, change) => changes.push(change));
    expect((await q("INSERT INTO kept VALUES (x'00ff10')")).status).toBe(200);
    // A BLOB in a change event is base64, as in query results.
    expect(changes).toEqual([{ table: 'kept', op: 'INSERT', new: { b: 'AP8Q' }, old: null }]);
    const dataDir = t.platform.services.config.dataDir;
    const linux = existsSync('/proc/self/environ');
    if (linux) expect(projectProcesses(dataDir)).toBe(1);
    await new Promise((r) => setTimeout(r, 2500));
    if (linux) expect(projectProcesses(dataDir)).toBe(0);
    const after = await q('SELECT b FROM kept');
    expect(after.status, after.text).toBe(200);
    expect(after.json.rows).toEqual([{ b: 'AP8Q' }]);
    if (linux) expect(projectProcesses(dataDir)).toBe(1);
  });

  it('answers 503 when the project file cannot be opened, and keeps serving other projects', async () => {
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'Broken' },
    });
    const dir = join(t.platform.services.config.dataDir, 'db');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${created.json.project.id}.sqlite`), 'this is not a database '.repeat(50), {
      mode: 0o600,
    });
    const broken = await t.call({
      method: 'POST',
      path: '/v1/db/query',
      auth: created.json.secretKey.key,
      body: { sql: 'SELECT 1' },
    });
    expect(broken.status, broken.text).toBe(503);
    expect(broken.json.code).toBe('db/engine-unavailable');
    expect(broken.json.detail).not.toContain(dir);
    const fine = await t.call({
      method: 'POST',
      path: '/v1/db/query',
      auth: t.keys.secretKey,
      body: { sql: 'SELECT 1 AS one' },
    });
    expect(fine.status, fine.text).toBe(200);
  });
});
