import type { types as PgTypes } from 'pg';
import { ApiError } from '../../http/problem.js';
import type { Statement } from './engine.js';
import { tokenize } from './tokens.js';

// Values on their way into and out of PostgreSQL, and its errors as problem codes.

const INT8 = 20;
const BYTEA = 17;
const NUMERIC = 1700;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A PostgreSQL identifier, quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Rewrites `:name` parameters to `$n` and answers the values in order. Positional arrays keep
 * their `$n`; `:auth_user_id` (when used) is bound after them.
 */
export function toPositional(statement: Statement): { text: string; values: unknown[] } {
  const params = statement.params ?? [];
  const values: unknown[] = Array.isArray(params) ? params.map(bindValue) : [];
  const named = Array.isArray(params) ? {} : params;
  const slots = new Map<string, number>();
  let text = '';
  let from = 0;
  for (const token of tokenize(statement.sql, 'postgres')) {
    if (token.kind !== 'param' || statement.sql[token.start] !== ':') continue;
    const name = token.value;
    let slot = slots.get(name);
    if (slot === undefined) {
      if (name === 'auth_user_id' && statement.userId !== undefined) values.push(statement.userId);
      else if (Object.hasOwn(named, name)) values.push(bindValue(named[name] ?? null));
      else throw new ApiError('db/invalid-params', `Missing named parameter "${name}".`);
      slot = values.length;
      slots.set(name, slot);
    }
    text += `${statement.sql.slice(from, token.start)}$${slot}`;
    from = token.end;
  }
  return { text: text + statement.sql.slice(from), values };
}

function bindValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** A column value as JSON: int8 beyond 2^53 and numeric as text, bytea as base64, times as ISO. */
export function outValue(value: unknown, type: number): unknown {
  if (value === null) return null;
  if (type === BYTEA) return (value as Buffer).toString('base64');
  if (type === INT8) {
    const big = BigInt(value as string);
    return big <= SAFE && big >= -SAFE ? Number(big) : String(value);
  }
  if (type === NUMERIC) return value;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}

/** The ApiError for an error PostgreSQL answered; `label` names the statement. */
export function sqlError(error: unknown, label: string): ApiError {
  const e = error as { code?: string; message?: string };
  if (e.code === '57014') return new ApiError('db/statement-timeout', `${label}${e.message}`);
  if (e.code === '08P01' && /bind message supplies/.test(e.message ?? '')) {
    return new ApiError('db/invalid-params', `${label}${e.message}`);
  }
  return new ApiError('db/sql-error', `${label}${e.message ?? String(error)}`);
}

/** Type parsers that keep int8 and numeric as text, so no precision is lost on the way to JSON. */
export function rawTypes(types: typeof PgTypes) {
  return {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8 || oid === NUMERIC ? (v: string) => v : types.getTypeParser(oid, format),
  };
}
