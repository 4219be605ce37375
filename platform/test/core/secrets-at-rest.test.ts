import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, tables } from '../../src/db/database.js';
import type { IdempotencyTables } from '../../src/http/idempotency/store.js';
import { startFixturePlatform } from '../fixtures/platform.js';

// Secret keys are shown once and stored only as hashes, including in the replay store of
// Idempotency-Key (before: the whole response, `sk_…` included, in plain text for 24 h), and the
// data directory is private to the platform's user (before: a 0644 database file).

type Fixture = Awaited<ReturnType<typeof startFixturePlatform>>;
let p: Fixture;
beforeAll(async () => {
  p = await startFixturePlatform();
});
afterAll(() => p?.close());

const post = (path: string, body: unknown, key: string) =>
  fetch(`${p.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${p.accountKey}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
  });

describe('secrets at rest', () => {
  it('replays a created project with its keys, without storing them in plain text', async () => {
    const first = await post('/v1/projects', { name: 'Sealed' }, 'seal-1');
    const created = (await first.json()) as {
      project: { id: string };
      secretKey: { key: string };
      publishableKey: { key: string };
    };
    const replay = await post('/v1/projects', { name: 'Sealed' }, 'seal-1');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(created);
    const rotated = (await (
      await post(`/v1/projects/${created.project.id}/keys/rotate`, { type: 'secret' }, 'seal-2')
    ).json()) as { key: string };

    const database = await openDatabase({ databaseUrl: null, dataDir: p.dataDir });
    try {
      const rows = await tables<IdempotencyTables>(database)
        .selectFrom('idempotency_keys')
        .selectAll()
        .execute();
      expect(rows).toHaveLength(2);
      const dump = JSON.stringify(rows);
      for (const secret of [created.secretKey.key, created.publishableKey.key, rotated.key]) {
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(secret.slice(3, 23));
      }
      // The stored body is a sealed envelope: version, data key id, base64url ciphertext and no
      // JSON. (Random base64url may contain `sk_` by chance, so the prefix check skips it.)
      for (const { response_body, ...rest } of rows) {
        expect(response_body).toMatch(/^v1\.dek_[A-Za-z0-9]+\.[A-Za-z0-9_-]+$/);
        expect(JSON.stringify(rest)).not.toMatch(/sk_|pk_|"project"/);
      }
    } finally {
      await database.close();
    }
    // The whole database file (WAL included) holds no secret either.
    const files = readdirSync(p.dataDir).filter((f) => f.startsWith('platform.db'));
    const bytes = files.map((f) => readFileSync(join(p.dataDir, f)).toString('latin1')).join('');
    for (const secret of [created.secretKey.key, rotated.key]) expect(bytes).not.toContain(secret);
  });

  it('keeps the data directory 0700 and every file in it 0600', async () => {
    await fetch(`${p.url}/v1/cache/x`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${p.secretKey}`, 'content-type': 'application/json' },
      body: '{"value":1}',
    });
    expect(statSync(p.dataDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(p.dataDir, { withFileTypes: true }).filter((e) => e.isFile());
    expect(files.map((f) => f.name)).toEqual(
      expect.arrayContaining(['platform.db', 'keys.json', 'master-keys.json']),
    );
    for (const file of files)
      expect([file.name, statSync(join(p.dataDir, file.name)).mode & 0o777]).toEqual([file.name, 0o600]);
  });
});
