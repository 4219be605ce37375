import { tables } from '../../../db/database.js';
import { ApiError } from '../../../http/problem.js';
import type { Services } from '../../../services.js';
import { cursorAfter, keyAfter } from '../../cache/cursor.js';
import type { JsonValue } from '../../cache/store.js';
import type { Params } from '../../db/engine.js';
import * as dbStore from '../../db/store.js';
import { tokenize } from '../../db/tokens.js';
import { OBJECT_HEADER, RANGE_HEADER } from '../runtime/binding-code.js';
import type { Operation } from './index.js';

// env.DB (D1), env.CACHE / env.KV (KV), env.STORAGE / env.R2 (R2) over the project's database,
// cache and object storage: the services behind /v1/db, /v1/cache and /v1/storage.

const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string.`);
  return value;
};
/**
 * What the HTTP API's spec allows, checked here too: a binding call is not validated against the
 * spec, and what a worker writes must stay what the API can address and read.
 */
const CACHE_KEY = /^[A-Za-z0-9._:-]{1,256}$/;
const CACHE_PREFIX = /^[A-Za-z0-9._:-]{0,256}$/;
const MAX_STATEMENTS = 100;
const MAX_SQL = 100_000;

function invalid(message: string): ApiError {
  return new ApiError('request/invalid-parameters', message);
}

function cacheKey(value: unknown): string {
  const key = text(value, 'The key');
  if (!CACHE_KEY.test(key))
    throw invalid(
      `"${key.slice(0, 300)}" is not a key here: letters, digits and . _ : - only, 1 to 256 of them.`,
    );
  return key;
}

const limitOf = (value: unknown, max: number): number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 ? Math.min(value, max) : max;

/** Whether the project's database is PostgreSQL (a project not provisioned yet will be when the platform has one). */
async function onPostgres(services: Services, projectId: string): Promise<boolean> {
  const row = await dbStore.findDatabase(tables<dbStore.DbTables>(services.database), projectId);
  return row ? row.engine === 'postgres' : services.config.databaseUrl !== null;
}

/**
 * D1 code binds with SQLite's `?` and `?NNN`; PostgreSQL numbers its parameters `$n`. `?` takes
 * the number after the largest so far, as in SQLite; strings, quoted names and comments are left
 * alone (the tokenizer skips them).
 */
export function numberedParams(sql: string): string {
  let last = 0;
  let out = '';
  let at = 0;
  for (const token of tokenize(sql, 'postgres')) {
    if (token.kind !== 'param' || sql[token.start] !== '?') continue;
    const n = token.value === '' ? last + 1 : Number(token.value);
    last = Math.max(last, n);
    out += `${sql.slice(at, token.start)}$${n}`;
    at = token.end;
  }
  return out + sql.slice(at);
}

export const d1: Record<string, Operation> = {
  /** Every D1 call is a batch: one statement for all/first/run/raw, all or nothing for batch(). */
  async batch({ services, principal, args }) {
    if (!Array.isArray(args.statements) || args.statements.length > MAX_STATEMENTS)
      throw invalid(`A batch holds 1 to ${MAX_STATEMENTS} statements.`);
    for (const s of args.statements as { sql: unknown }[])
      if (typeof s.sql === 'string' && s.sql.length > MAX_SQL)
        throw invalid(`A statement holds at most ${MAX_SQL} characters of SQL.`);
    const postgres = await onPostgres(services, principal.projectId!);
    const statements = (args.statements as { sql: unknown; params: unknown }[]).map((s) => ({
      sql: postgres ? numberedParams(text(s.sql, 'The SQL')) : text(s.sql, 'The SQL'),
      params: s.params as Params,
    }));
    const started = Date.now();
    const results = await services.db.batch(principal, statements);
    const duration = Date.now() - started;
    return results.map((r) => ({ ...r, duration })) as unknown as JsonValue;
  },
};

/** KV's `expirationTtl` (seconds from now) or `expiration` (epoch seconds) as the cache's TTL. */
function ttlMsOf(args: Record<string, unknown>): number | null {
  if (typeof args.expirationTtl === 'number') return args.expirationTtl * 1000;
  if (typeof args.expiration === 'number') return Math.max(1, args.expiration * 1000 - Date.now());
  return null;
}

export const kv: Record<string, Operation> = {
  async get({ services, call, args }) {
    const stored = await services.cache.get(call.projectId, cacheKey(args.key));
    return stored ? { found: true, value: stored.value } : { found: false, value: null };
  },
  async put({ services, call, args }) {
    await services.cache.set(
      call.projectId,
      cacheKey(args.key),
      text(args.value, 'The value'),
      ttlMsOf(args),
    );
  },
  async delete({ services, call, args }) {
    await services.cache.delete(call.projectId, cacheKey(args.key));
  },
  async list({ services, call, args }) {
    const cursor = typeof args.cursor === 'string' ? args.cursor : undefined;
    const prefix = typeof args.prefix === 'string' ? args.prefix : '';
    if (!CACHE_PREFIX.test(prefix)) throw invalid(`"${prefix.slice(0, 300)}" is not a key prefix here.`);
    const page = await services.cache.list(
      call.projectId,
      prefix,
      keyAfter(cursor),
      limitOf(args.limit, 1000),
    );
    const next = cursorAfter(page.after);
    return {
      keys: page.keys.map((k) => ({
        name: k.key,
        ...(k.expiresAt === null ? {} : { expiration: Math.floor(k.expiresAt / 1000) }),
      })),
      list_complete: next === null,
      ...(next === null ? {} : { cursor: next }),
      cacheStatus: null,
    };
  },
};

/** R2's null for an object that is not there (the storage API's 404). */
async function orNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ApiError && error.code === 'storage/not-found') return null;
    throw error;
  }
}

const stringRecord = (value: unknown): Record<string, string> => {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
};

const count = (value: unknown): number | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalid("A range's offset, length and suffix are whole numbers of bytes, 0 or more.");
  return value;
};

/**
 * R2's `range` (`{ offset, length }`, `{ offset }`, `{ length }` or `{ suffix }`) as the bytes to
 * read of an object of `size` bytes (`offset`, `length`), or null for all of them. As R2: a length
 * past the end reads to the end, a suffix longer than the object reads all of it, an offset past
 * the end is refused; a range of no bytes reads none.
 */
function byteRange(value: unknown, size: number): { offset: number; length: number } | null {
  if (value === undefined || value === null) return null;
  const { offset, length, suffix } = value as Record<string, unknown>;
  const [o, l, s] = [count(offset), count(length), count(suffix)];
  if (s !== undefined) {
    if (o !== undefined || l !== undefined)
      throw invalid('A range has a suffix or an offset and length, not both.');
    return { offset: Math.max(0, size - s), length: Math.min(s, size) };
  }
  if (o === undefined && l === undefined) return null;
  const start = o ?? 0;
  if (start > 0 && start >= size)
    throw new ApiError(
      'request/range-not-satisfiable',
      `The object has ${size} bytes; the range starts at ${start}.`,
    );
  return { offset: start, length: Math.min(size - start, l ?? size) };
}

/** Whether one of R2's etag conditions names this etag (quoted or not, a list, or `*`). */
function etagListed(list: unknown, etag: string): boolean {
  const bare = etag.replaceAll('"', '');
  return String(list)
    .split(',')
    .map((e) => e.trim().replace(/^W\//, '').replaceAll('"', ''))
    .some((e) => e === '*' || e === bare);
}

/**
 * R2's `onlyIf`: the etag must (not) match, the object must be uploaded before / after a time
 * (epoch milliseconds here; compared in whole seconds when `secondsGranularity`, as HTTP dates are).
 */
function conditionHolds(info: { etag: string; updatedAt: string }, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  const c = value as Record<string, unknown>;
  const seconds = c.secondsGranularity === true;
  const time = (ms: number) => (seconds ? Math.floor(ms / 1000) : ms);
  const uploaded = time(Date.parse(info.updatedAt));
  if (c.etagMatches != null && !etagListed(c.etagMatches, info.etag)) return false;
  if (c.etagDoesNotMatch != null && etagListed(c.etagDoesNotMatch, info.etag)) return false;
  if (typeof c.uploadedBefore === 'number' && !(uploaded < time(c.uploadedBefore))) return false;
  if (typeof c.uploadedAfter === 'number' && !(uploaded > time(c.uploadedAfter))) return false;
  return true;
}

export const r2: Record<string, Operation> = {
  async put({ services, call, args, body }) {
    const info = await services.storage.upload(call.projectId, text(args.key, 'The key'), body(), {
      contentType: typeof args.contentType === 'string' ? args.contentType : undefined,
      cacheControl: typeof args.cacheControl === 'string' ? args.cacheControl : undefined,
      metadata: stringRecord(args.customMetadata),
    });
    return info as unknown as JsonValue;
  },
  async get({ services, call, args }) {
    const found = await orNull(() => services.storage.source(call.projectId, text(args.key, 'The key')));
    if (found === null) return new Response(null, { status: 200 });
    const object = encodeURIComponent(JSON.stringify(found.info));
    if (!conditionHolds(found.info, args.onlyIf))
      return new Response(null, { status: 200, headers: { [OBJECT_HEADER]: object } });
    const range = byteRange(args.range, found.info.sizeBytes);
    const { offset, length } = range ?? { offset: 0, length: found.info.sizeBytes };
    // A range of no bytes opens nothing: the stores read `start..end` inclusive, at least one byte.
    const stream =
      range === null
        ? await found.bytes.open(null)
        : length === 0
          ? null
          : await found.bytes.open({ start: offset, end: offset + length - 1 });
    return new Response(stream, {
      headers: { [OBJECT_HEADER]: object, [RANGE_HEADER]: `${offset},${length}` },
    });
  },
  async head({ services, call, args }) {
    const info = await orNull(() => services.storage.head(call.projectId, text(args.key, 'The key')));
    return info as unknown as JsonValue;
  },
  async list({ services, call, args }) {
    const page = await services.storage.list(
      call.projectId,
      typeof args.prefix === 'string' ? args.prefix : '',
      limitOf(args.limit, 1000),
      typeof args.cursor === 'string' ? args.cursor : undefined,
    );
    return page as unknown as JsonValue;
  },
  async delete({ services, call, args }) {
    if (!Array.isArray(args.keys)) throw new TypeError('keys must be an array.');
    for (const key of args.keys) await services.storage.delete(call.projectId, text(key, 'A key'));
  },
};
