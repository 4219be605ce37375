import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../src/db/database.js';
import type { WorkspacesTables } from '../src/modules/workspaces/store.js';
import { BACKENDS } from './support/backends.js';
import { type Answer, type TestPlatform, testPlatform } from './support/harness.js';

// Workspace secrets: names and times are listed, values never leave the platform except through
// services.workspaces.revealSecrets (the gateway). At rest a value is sealed by the vault and
// bound to its workspace and name; nothing in the database or data directory holds it in clear.

const MARKER = 'plaintext-MARKER-7f3a9c';

/** Every file under `dir`, recursively. */
function filesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesOf(path) : [path];
  });
}

describe.each(BACKENDS)('workspace secrets on $name', (backend) => {
  let t: TestPlatform;
  let ws: string;
  let other: string;
  const answers: Answer[] = [];

  const call = async (method: string, path: string, body?: unknown, auth = t.keys.accountKey) => {
    const answer = await t.call({ method, path, auth, body });
    answers.push(answer);
    return answer;
  };
  const put = (workspaceId: string, name: string, value: unknown) =>
    call('PUT', `/v1/workspaces/${workspaceId}/secrets/${name}`, { value });
  const reveal = (workspaceId: string, names: string[]) =>
    t.platform.services.workspaces.revealSecrets(workspaceId, names);
  const db = () => tables<WorkspacesTables>(t.platform.services.database);

  beforeAll(async () => {
    t = await testPlatform(backend);
    ws = (await call('POST', '/v1/workspaces', { name: 'Secrets' })).json.id;
    other = (await call('POST', '/v1/workspaces', { name: 'Other' })).json.id;
  });
  afterAll(() => t?.close());

  it('sets, lists (names and times only), replaces and deletes a secret', async () => {
    const set = await put(ws, 'GITHUB_TOKEN', `${MARKER}-1`);
    expect(set.status, set.text).toBe(200);
    expect(Object.keys(set.json).sort()).toEqual(['createdAt', 'name', 'updatedAt']);
    expect(await reveal(ws, ['GITHUB_TOKEN', 'MISSING'])).toEqual(new Map([['GITHUB_TOKEN', `${MARKER}-1`]]));

    const replaced = await put(ws, 'GITHUB_TOKEN', `${MARKER}-2`);
    expect(replaced.json.createdAt).toBe(set.json.createdAt);
    expect(Date.parse(replaced.json.updatedAt)).toBeGreaterThanOrEqual(Date.parse(set.json.updatedAt));
    expect((await reveal(ws, ['GITHUB_TOKEN'])).get('GITHUB_TOKEN')).toBe(`${MARKER}-2`);

    expect((await put(ws, 'A', `${MARKER}-3`)).status).toBe(200);
    const page1 = await call('GET', `/v1/workspaces/${ws}/secrets?limit=1`);
    const page2 = await call('GET', `/v1/workspaces/${ws}/secrets?limit=1&cursor=${page1.json.nextCursor}`);
    expect([...page1.json.data, ...page2.json.data].map((s: { name: string }) => s.name)).toEqual([
      'GITHUB_TOKEN',
      'A',
    ]);
    expect(page2.json.nextCursor).toBeNull();

    expect((await call('DELETE', `/v1/workspaces/${ws}/secrets/A`)).status).toBe(204);
    expect((await call('DELETE', `/v1/workspaces/${ws}/secrets/A`)).json.code).toBe(
      'workspaces/secret-not-found',
    );
    expect(await reveal(ws, ['A'])).toEqual(new Map());
    // Another workspace's secret of the same name is its own.
    expect(await reveal(other, ['GITHUB_TOKEN'])).toEqual(new Map());

    const audit = await call('GET', `/v1/workspaces/${ws}/audit?limit=1000`);
    const events = audit.json.data.filter((e: { action: string }) => e.action.startsWith('secret.'));
    expect(events.map((e: { action: string; target: string }) => `${e.action} ${e.target}`)).toEqual([
      'secret.deleted A',
      'secret.set A',
      'secret.set GITHUB_TOKEN',
      'secret.set GITHUB_TOKEN',
    ]);
  });

  it('refuses bad names and values', async () => {
    for (const [name, value, status, code] of [
      ['lower', 'v', 400, 'request/invalid-parameters'],
      ['1ABC', 'v', 400, 'request/invalid-parameters'],
      [`A${'B'.repeat(64)}`, 'v', 400, 'request/invalid-parameters'],
      ['OK', '', 400, 'request/invalid-body'],
      ['OK', 42, 400, 'request/invalid-body'],
      ['OK', null, 400, 'request/invalid-body'],
      ['OK', 'a'.repeat(16_385), 400, 'request/invalid-body'],
      ['OK', 'é'.repeat(8_193), 422, 'workspaces/secret-too-large'], // 8193 characters, 16386 bytes
    ] as const) {
      const res = await put(ws, name, value);
      expect(res.status, `${name}=${String(value).slice(0, 10)}: ${res.text}`).toBe(status);
      expect(res.json.code).toBe(code);
    }
    const extra = await call('PUT', `/v1/workspaces/${ws}/secrets/OK`, { value: 'v', visible: true });
    expect(extra.json.code).toBe('request/invalid-body');
    expect((await put(ws, 'OK', 'é'.repeat(8_192))).status).toBe(200); // exactly 16 KiB
    expect((await call('DELETE', `/v1/workspaces/${ws}/secrets/OK`)).status).toBe(204);
  });

  it('holds at most 100 secrets per workspace, and still replaces one at the limit', async () => {
    const full = (await call('POST', '/v1/workspaces', { name: 'Full' })).json.id;
    for (let i = 0; i < 100; i++) expect((await put(full, `S${i}`, 'v')).status).toBe(200);
    const over = await put(full, 'S100', 'v');
    expect(over.status).toBe(403);
    expect(over.json.code).toBe('workspaces/limit-reached');
    expect((await put(full, 'S5', 'new')).status).toBe(200);
  });

  it('seals values at rest, bound to their workspace and name', async () => {
    expect((await put(ws, 'BOUND', `${MARKER}-bound`)).status).toBe(200);
    const row = await db()
      .selectFrom('workspace_secrets')
      .selectAll()
      .where('workspace_id', '=', ws)
      .where('name', '=', 'BOUND')
      .executeTakeFirstOrThrow();
    expect(row.value).toMatch(/^v1\.dek_[A-Za-z0-9]+\.[A-Za-z0-9_-]+$/);
    // Moved to another workspace or renamed, the sealed value does not open.
    expect((await put(other, 'BOUND', 'decoy')).status).toBe(200);
    expect((await put(ws, 'RENAMED', 'decoy')).status).toBe(200);
    for (const [workspaceId, name] of [
      [other, 'BOUND'],
      [ws, 'RENAMED'],
    ] as const) {
      await db()
        .updateTable('workspace_secrets')
        .set({ value: row.value })
        .where('workspace_id', '=', workspaceId)
        .where('name', '=', name)
        .execute();
      await t.platform.services.bus.publish('workspaces.secrets-changed', { workspaceId });
      await expect(reveal(workspaceId, [name])).rejects.toThrow(/altered or belongs to another context/);
    }
  });

  it('never returns a value, and nothing at rest holds one in clear', async () => {
    expect(answers.length).toBeGreaterThan(100);
    for (const answer of answers) expect(answer.text).not.toContain(MARKER);
    const { database, config } = t.platform.services;
    if (database.dialect === 'postgres') {
      const names = await sql<{ table_name: string }>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`.execute(
        database.db,
      );
      expect(names.rows.map((r) => r.table_name)).toContain('workspace_secrets');
      for (const { table_name } of names.rows) {
        const rows = await sql<{
          row: string;
        }>`SELECT row_to_json(t)::text AS row FROM ${sql.table(table_name)} t`.execute(database.db);
        for (const { row } of rows.rows) expect(row, table_name).not.toContain(MARKER);
      }
    }
    const files = filesOf(config.dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(readFileSync(file).includes(MARKER), file).toBe(false);
  });
});
