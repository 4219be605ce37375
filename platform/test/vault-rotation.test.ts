import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPlatform } from '../src/index.js';

// The operator's master-key rotation on a single node (`node platform/dist/main.js vault rotate`):
// secrets sealed before it (here: an idempotent replay holding a new project's keys) still open
// afterwards, with only the new master key left in the key file.

describe('vault rotate', () => {
  it('re-wraps the data keys under a new master key and retires the old one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aerostack-rotate-'));
    const create = (url: string, accountKey: string) =>
      fetch(`${url}/v1/projects`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${accountKey}`,
          'content-type': 'application/json',
          'idempotency-key': 'before',
        },
        body: '{"name":"sealed before rotation"}',
      });
    const first = await startPlatform({ dataDir });
    const original = await (await create(first.url, first.accountKey)).json();
    await first.close();
    const keyFile = () => JSON.parse(readFileSync(join(dataDir, 'master-keys.json'), 'utf8')).keys;
    const before = keyFile();
    expect(Object.keys(before)).toEqual(['1']);

    const run = spawnSync(
      join(import.meta.dirname, '../node_modules/.bin/tsx'),
      [join(import.meta.dirname, '../src/main.ts'), 'vault', 'rotate'],
      { env: { ...process.env, AEROSTACK_DATA_DIR: dataDir, LOG_LEVEL: 'error' }, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Re-wrapped 1 data key(s) under master key version 2. Retired version(s) 1');
    const after = keyFile();
    expect(Object.keys(after)).toEqual(['2']);
    expect(after['2']).not.toBe(before['1']);

    const second = await startPlatform({ dataDir });
    try {
      const replay = await create(second.url, second.accountKey);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await replay.json()).toEqual(original);
    } finally {
      await second.close();
    }
  });
});
