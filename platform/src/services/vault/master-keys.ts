import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_BYTES } from './aes-gcm.js';
import { VaultConfigError } from './errors.js';

export const MASTER_KEYS_ENV = 'AEROSTACK_MASTER_KEYS';
export const MASTER_KEYS_FILE = 'master-keys.json';

const HOW_TO =
  `Set ${MASTER_KEYS_ENV}="1:<key>" with a key from \`openssl rand -base64 32\` ` +
  '(the same value on every node; add "2:<new key>" and run a rotation to replace it).';

/**
 * The versioned master keys that wrap the vault's data keys. The highest version is current:
 * new data keys are wrapped with it, older versions only unwrap. Printing or serialising this
 * object shows the versions, never the keys.
 */
export interface MasterKeys {
  readonly current: number;
  /** Configured versions, ascending. */
  readonly versions: readonly number[];
  /** Where the keys came from: the environment, the key file, or a key file generated just now. */
  readonly source: 'env' | 'file' | 'generated';
  /** The key of `version`, or undefined when that version is not configured. */
  key(version: number): Buffer | undefined;
}

/** Builds master keys from versions and 32-byte keys (tests, and the loaders below). */
export function masterKeysFrom(
  entries: Iterable<readonly [number, Uint8Array]>,
  source: MasterKeys['source'] = 'env',
  where = MASTER_KEYS_ENV,
): MasterKeys {
  const fail = (problem: string) => new VaultConfigError(`${where}: ${problem}. ${HOW_TO}`);
  const keys = new Map<number, Buffer>();
  for (const [version, key] of entries) {
    if (!Number.isSafeInteger(version) || version < 1 || version > 2_147_483_647) {
      throw fail(`a master key version must be an integer from 1 to 2147483647, got ${version}`);
    }
    if (key.length !== KEY_BYTES) throw fail(`master key version ${version} is not ${KEY_BYTES} bytes`);
    if (keys.has(version)) throw fail(`master key version ${version} is given twice`);
    keys.set(version, Buffer.from(key));
  }
  if (keys.size === 0) throw fail('no master key is configured');
  const versions = [...keys.keys()].sort((a, b) => a - b);
  const shown = { current: versions.at(-1)!, versions, source };
  return {
    ...shown,
    key: (version) => keys.get(version),
    // A logger or a thrown error must never carry the key bytes.
    toJSON: () => shown,
    [Symbol.for('nodejs.util.inspect.custom')]: () => `MasterKeys ${JSON.stringify(shown)}`,
  } as MasterKeys;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function decodeKey(text: string, version: number, where: string): Buffer {
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) {
    throw new VaultConfigError(
      `${where}: master key version ${version} is not ${KEY_BYTES} bytes of base64. ${HOW_TO}`,
    );
  }
  return key;
}

/** Parses `1:<base64>,2:<base64>` (the `AEROSTACK_MASTER_KEYS` format). */
export function parseMasterKeys(value: string, where = MASTER_KEYS_ENV): MasterKeys {
  const entries = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part): [number, Buffer] => {
      const match = /^(\d{1,10}):(.+)$/.exec(part);
      if (!match)
        throw new VaultConfigError(`${where} must look like "1:<base64 key>,2:<base64 key>". ${HOW_TO}`);
      const version = Number(match[1]);
      return [version, decodeKey(match[2]!.trim(), version, where)];
    });
  return masterKeysFrom(entries, 'env', where);
}

interface KeyFile {
  keys: Record<string, string>;
}

function readKeyFile(file: string): MasterKeys {
  let parsed: KeyFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
  } catch (error) {
    throw new VaultConfigError(`cannot read the master key file ${file}`, { cause: error });
  }
  if (typeof parsed?.keys !== 'object' || parsed.keys === null) {
    throw new VaultConfigError(`${file} must hold {"keys": {"1": "<base64 key>"}}`);
  }
  const entries = Object.entries(parsed.keys).map(([version, key]): [number, Buffer] => {
    const number = /^\d{1,10}$/.test(version) ? Number(version) : Number.NaN;
    return [number, decodeKey(String(key), number, file)];
  });
  return masterKeysFrom(entries, 'file', file);
}

/**
 * Writes a new key file unless one exists. Several worker processes may start at once: each
 * writes a private temporary file and links it into place, which succeeds for exactly one.
 */
function generateKeyFile(dataDir: string, file: string): boolean {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temp = join(dataDir, `.${MASTER_KEYS_FILE}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const content: KeyFile = { keys: { '1': randomBytes(KEY_BYTES).toString('base64') } };
  writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(temp, 0o600); // the umask may have narrowed it further, never widened: make it exact
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * The master keys: from `AEROSTACK_MASTER_KEYS` when set; otherwise, on a single node (no
 * `databaseUrl`), from `<dataDir>/master-keys.json`, generated (mode 0600) on first start. With a
 * shared database every node needs the same keys, so a missing variable is a `VaultConfigError`.
 */
export function loadMasterKeys(options: {
  dataDir: string;
  databaseUrl: string | null;
  env?: NodeJS.ProcessEnv;
}): MasterKeys {
  const value = (options.env ?? process.env)[MASTER_KEYS_ENV];
  if (value !== undefined && value.trim() !== '') return parseMasterKeys(value);
  if (options.databaseUrl) {
    throw new VaultConfigError(
      `${MASTER_KEYS_ENV} is required when DATABASE_URL is set: every node must share the master keys. ${HOW_TO}`,
    );
  }
  const file = join(options.dataDir, MASTER_KEYS_FILE);
  const generated = !exists(file) && generateKeyFile(options.dataDir, file);
  const keys = readKeyFile(file);
  return generated
    ? masterKeysFrom(
        keys.versions.map((v) => [v, keys.key(v)!]),
        'generated',
        file,
      )
    : keys;
}
