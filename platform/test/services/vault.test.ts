import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVault,
  loadMasterKeys,
  type MasterKeys,
  masterKeysFrom,
  parseMasterKeys,
  VaultConfigError,
  VaultError,
  type VaultTables,
} from '../../src/services/vault/index.js';
import { DATABASE_BACKENDS, openVaultDatabase, type VaultDatabase } from './support/vault-database.js';

// One suite for the vault on every metadata engine (SQLite, PostgreSQL), plus the key loader.

const V1 = randomBytes(32);
const V2 = randomBytes(32);
const keys = (...entries: [number, Buffer][]) => masterKeysFrom(entries);

describe.each(DATABASE_BACKENDS)('Vault on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  const opened: VaultDatabase[] = [];
  /** A new connection to the same database: what another process (or a restart) sees. */
  const connect = async () => {
    const database = await openVaultDatabase(stores);
    opened.push(database);
    return database;
  };
  const vaultOn = async (masterKeys: MasterKeys) => createVault({ db: (await connect()).db, masterKeys });
  const dataKeyRows = async () =>
    (opened[0] ?? (await connect())).db
      .selectFrom('vault_data_keys')
      .select(['id', 'master_version'])
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    stores = await backend.create();
  });
  afterAll(async () => {
    for (const database of opened) await database.close();
    await stores?.cleanup();
  });

  it('starts on first use from two processes at once with one data key that both can use', async () => {
    const [a, b] = [await vaultOn(keys([1, V1])), await vaultOn(keys([1, V1]))];
    const sealed = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).seal(`value ${i}`, 'concurrent')),
    );
    for (const [i, value] of sealed.entries()) {
      expect(await a.openText(value, 'concurrent')).toBe(`value ${i}`);
      expect(await b.openText(value, 'concurrent')).toBe(`value ${i}`);
    }
    expect(await dataKeyRows()).toEqual([{ id: 'dek_m1', master_version: 1 }]);
  });

  it('round-trips text and bytes, empty and 1 MB, in the documented format', async () => {
    const vault = await vaultOn(keys([1, V1]));
    const big = randomBytes(1024 * 1024);
    for (const text of ['', 'sk-live-ünïcødé 🔑', 'x'.repeat(1000)]) {
      const sealed = await vault.seal(text, 'ctx');
      expect(sealed).toMatch(/^v1\.dek_m1\.[A-Za-z0-9_-]+$/);
      expect(sealed).not.toContain(Buffer.from(text).toString('base64url') || '\u0000');
      expect(await vault.openText(sealed, 'ctx')).toBe(text);
    }
    for (const bytes of [new Uint8Array(0), big]) {
      expect((await vault.open(await vault.seal(bytes, 'ctx'), 'ctx')).equals(bytes)).toBe(true);
    }
    const twice = [await vault.seal('same', 'ctx'), await vault.seal('same', 'ctx')];
    expect(twice[0]).not.toBe(twice[1]);
  });

  it('refuses a value moved to another context', async () => {
    const vault = await vaultOn(keys([1, V1]));
    const sealed = await vault.seal('secret', 'idempotency:project:prj_1:key-7');
    for (const context of ['idempotency:project:prj_1:key-8', 'idempotency:project:prj_2:key-7', '']) {
      await expect(vault.open(sealed, context)).rejects.toMatchObject({
        name: 'VaultError',
        code: 'vault/cannot-open',
      });
    }
  });

  it('refuses a tampered or malformed value with a typed error', async () => {
    const vault = await vaultOn(keys([1, V1]));
    const sealed = await vault.seal('secret', 'ctx');
    const [format, dekId, data] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(data, 'base64url');
    for (const index of [0, 13, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[index]! ^= 1;
      await expect(vault.open(`${format}.${dekId}.${flipped.toString('base64url')}`, 'ctx')).rejects.toThrow(
        VaultError,
      );
    }
    const cases: [string, string][] = [
      [`${format}.${dekId}.${bytes.subarray(0, 20).toString('base64url')}`, 'vault/cannot-open'],
      [`v2.${dekId}.${data}`, 'vault/malformed'],
      ['plain text', 'vault/malformed'],
      [`${format}.dek_m999.${data}`, 'vault/unknown-data-key'],
    ];
    for (const [value, code] of cases) await expect(vault.open(value, 'ctx')).rejects.toMatchObject({ code });
  });

  it('rotates the master key: re-wraps data keys, old values open with only the new key', async () => {
    const before = await (await vaultOn(keys([1, V1]))).seal('sealed under v1', 'rotation');

    const during = await vaultOn(keys([1, V1], [2, V2]));
    expect(await during.openText(before, 'rotation')).toBe('sealed under v1');
    expect(await during.rotate()).toEqual({ rewrapped: 1 });
    expect(await during.rotate()).toEqual({ rewrapped: 0 });

    const after = await vaultOn(keys([2, V2]));
    expect(await after.openText(before, 'rotation')).toBe('sealed under v1');
    const fresh = await after.seal('sealed under v2', 'rotation');
    expect(fresh.split('.')[1]).toBe('dek_m2');
    expect(await dataKeyRows()).toEqual([
      { id: 'dek_m1', master_version: 2 },
      { id: 'dek_m2', master_version: 2 },
    ]);

    const stale = await vaultOn(keys([1, V1]));
    await expect(stale.open(before, 'rotation')).rejects.toMatchObject({
      code: 'vault/master-key-unavailable',
    });
    const wrongKey = await vaultOn(keys([2, V1]));
    await expect(wrongKey.open(fresh, 'rotation')).rejects.toMatchObject({
      code: 'vault/master-key-unavailable',
    });
  });

  it('opens old values from a fresh process', async () => {
    const sealed = await (await vaultOn(keys([2, V2]))).seal('kept', 'restart');
    const restarted = await vaultOn(keys([2, V2]));
    expect(await restarted.openText(sealed, 'restart')).toBe('kept');
  });
});

describe('createVault', () => {
  it('takes the database of any schema that includes VaultTables (checked by tsc)', () => {
    type Platform = { accounts: { id: string } } & VaultTables;
    const typeLevel = (wide: Kysely<Platform>, narrow: Kysely<{ accounts: { id: string } }>) => {
      createVault({ db: wide, masterKeys: keys([1, V1]) });
      // @ts-expect-error a database without the vault's table
      createVault({ db: narrow, masterKeys: keys([1, V1]) });
    };
    expect(typeLevel).toBeTypeOf('function');
  });
});

describe('loadMasterKeys', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'aerostack-vault-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const b64 = (bytes: Buffer) => bytes.toString('base64');

  it('reads AEROSTACK_MASTER_KEYS; the highest version is current', () => {
    const env = { AEROSTACK_MASTER_KEYS: ` 2:${b64(V2)} , 1:${b64(V1)}` };
    const loaded = loadMasterKeys({ dataDir: tempDir(), databaseUrl: 'postgres://x/y', env });
    expect(loaded.current).toBe(2);
    expect(loaded.versions).toEqual([1, 2]);
    expect(loaded.source).toBe('env');
    expect(loaded.key(1)?.equals(V1)).toBe(true);
    expect(loaded.key(3)).toBeUndefined();
  });

  it('never shows key material when printed or serialised', () => {
    const loaded = parseMasterKeys(`1:${b64(V1)}`);
    for (const shown of [JSON.stringify(loaded), inspect(loaded), JSON.stringify({ nested: loaded })]) {
      expect(shown).not.toContain(b64(V1));
      expect(shown).not.toContain(V1.toString('hex'));
    }
  });

  it.each([
    ['a short key', '1:short', /version 1 is not 32 bytes/],
    ['31 bytes', `1:${b64(randomBytes(31))}`, /version 1 is not 32 bytes/],
    ['a repeated version', `1:${b64(V1)},1:${b64(V2)}`, /version 1 is given twice/],
    ['version 0', `0:${b64(V1)}`, /version must be an integer from 1/],
    ['no version', b64(V1), /must look like "1:<base64 key>/],
    ['a stray character', `1:${b64(V1)}!`, /not 32 bytes/],
    ['nothing but commas', ' , ', /no master key is configured/],
  ])('refuses %s', (_, value, message) => {
    let error: unknown;
    try {
      parseMasterKeys(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VaultConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('openssl rand -base64 32');
    expect((error as Error).message).not.toContain(b64(V1));
  });

  it('requires the variable when a shared database is configured', () => {
    const dataDir = tempDir();
    expect(() => loadMasterKeys({ dataDir, databaseUrl: 'postgres://db/aerostack', env: {} })).toThrow(
      VaultConfigError,
    );
    expect(() => loadMasterKeys({ dataDir, databaseUrl: 'postgres://db/aerostack', env: {} })).toThrow(
      /AEROSTACK_MASTER_KEYS.*openssl rand -base64 32/,
    );
    expect(existsSync(join(dataDir, 'master-keys.json'))).toBe(false);
  });

  it('generates a key file (0600, in a 0700 directory) on a single node and reads it back later', () => {
    const dataDir = join(tempDir(), 'data');
    const first = loadMasterKeys({ dataDir, databaseUrl: null, env: {} });
    expect(first.source).toBe('generated');
    expect(first.current).toBe(1);
    const file = join(dataDir, 'master-keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const again = loadMasterKeys({ dataDir, databaseUrl: null, env: {} });
    expect(again.source).toBe('file');
    expect(again.key(1)?.equals(first.key(1)!)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ keys: { '1': b64(first.key(1)!) } });
  });

  it('prefers the variable over a key file', () => {
    const dataDir = tempDir();
    loadMasterKeys({ dataDir, databaseUrl: null, env: {} });
    const loaded = loadMasterKeys({
      dataDir,
      databaseUrl: null,
      env: { AEROSTACK_MASTER_KEYS: `7:${b64(V2)}` },
    });
    expect(loaded.current).toBe(7);
  });
});
