import { ApiError } from '../../http/problem.js';

/** A value a filter compares a metadata field with. */
export type Scalar = string | number | boolean | null;

/** One condition on one top-level metadata field; a filter is their conjunction. */
export type Condition =
  | { field: string; op: '$eq' | '$ne'; value: Scalar }
  | { field: string; op: '$gt' | '$gte' | '$lt' | '$lte'; value: string | number }
  | { field: string; op: '$in' | '$nin'; value: Scalar[] };

const FIELD = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const MAX_FIELDS = 16;
const MAX_LIST = 100;
const RANGE = new Set(['$gt', '$gte', '$lt', '$lte']);
const EQUALITY = new Set(['$eq', '$ne']);
const LIST = new Set(['$in', '$nin']);

const invalid = (detail: string) => new ApiError('vector/invalid-filter', detail);

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * The conditions of a metadata filter as the spec describes it (`VectorFilter`): `{ field: value }`
 * or `{ field: { $op: value } }`, all of them ANDed. Anything else is a 422 `vector/invalid-filter`
 * that names the field, so no filter is ever half-applied.
 */
export function parseFilter(filter: Record<string, unknown> | undefined): Condition[] {
  if (filter === undefined) return [];
  const fields = Object.entries(filter);
  if (fields.length > MAX_FIELDS) throw invalid(`A filter names at most ${MAX_FIELDS} fields.`);
  const conditions: Condition[] = [];
  for (const [field, condition] of fields) {
    if (!FIELD.test(field)) {
      throw invalid(`"${field.slice(0, 80)}" is not a field name (letters, digits, _ and -, at most 64).`);
    }
    if (isScalar(condition)) {
      conditions.push({ field, op: '$eq', value: condition });
      continue;
    }
    if (typeof condition !== 'object' || Array.isArray(condition) || Object.keys(condition).length === 0) {
      throw invalid(
        `The condition on "${field}" must be a string, number, boolean, null or an operator object.`,
      );
    }
    for (const [op, value] of Object.entries(condition as Record<string, unknown>)) {
      if (EQUALITY.has(op) && isScalar(value)) {
        conditions.push({ field, op: op as '$eq' | '$ne', value });
      } else if (
        RANGE.has(op) &&
        (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))
      ) {
        conditions.push({ field, op: op as '$gt' | '$gte' | '$lt' | '$lte', value });
      } else if (LIST.has(op) && Array.isArray(value) && value.length <= MAX_LIST && value.every(isScalar)) {
        conditions.push({ field, op: op as '$in' | '$nin', value });
      } else if (EQUALITY.has(op) || RANGE.has(op) || LIST.has(op)) {
        const wants = EQUALITY.has(op)
          ? 'a string, number, boolean or null'
          : RANGE.has(op)
            ? 'a number or a string'
            : `an array of at most ${MAX_LIST} strings, numbers, booleans or nulls`;
        throw invalid(`${op} on "${field}" takes ${wants}.`);
      } else {
        throw invalid(
          `Unknown operator "${op.slice(0, 40)}" on "${field}" (use $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin).`,
        );
      }
    }
  }
  return conditions;
}

/** How one SQL engine reads a JSON type and value of a top-level metadata field. */
interface Dialect {
  /** SQL that is true when the field holds a value of `value`'s JSON type and equals it. */
  equals(field: Param, value: Scalar, param: (v: unknown) => string): string;
  /** SQL that is true when the field holds a number (or string) and compares as `op` with `value`. */
  compare(field: Param, op: string, value: string | number, param: (v: unknown) => string): string;
}
type Param = string;

const SQL_OP: Record<string, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

/** SQLite: metadata is JSON text; `json_type` tells integer/real/text/true/false/null apart. */
const sqlite: Dialect = {
  equals(path, value, param) {
    if (value === null) return `json_type(metadata, ${path}) = 'null'`;
    if (typeof value === 'boolean') return `json_type(metadata, ${path}) = '${value ? 'true' : 'false'}'`;
    const type = typeof value === 'number' ? `IN ('integer', 'real')` : `= 'text'`;
    return `(json_type(metadata, ${path}) ${type} AND json_extract(metadata, ${path}) = ${param(value)})`;
  },
  compare(path, op, value, param) {
    const type = typeof value === 'number' ? `IN ('integer', 'real')` : `= 'text'`;
    return `(json_type(metadata, ${path}) ${type} AND json_extract(metadata, ${path}) ${SQL_OP[op]} ${param(value)})`;
  },
};

/** PostgreSQL: metadata is jsonb; strings compare byte-wise (COLLATE "C") as in SQLite. */
const postgres: Dialect = {
  equals(key, value, param) {
    if (value === null) return `jsonb_typeof(metadata -> ${key}) = 'null'`;
    if (typeof value === 'boolean') return `(metadata -> ${key}) = '${value ? 'true' : 'false'}'::jsonb`;
    if (typeof value === 'number') {
      return `(CASE WHEN jsonb_typeof(metadata -> ${key}) = 'number' THEN (metadata ->> ${key})::float8 = ${param(value)}::float8 ELSE false END)`;
    }
    return `(jsonb_typeof(metadata -> ${key}) = 'string' AND (metadata ->> ${key}) = ${param(value)}::text)`;
  },
  compare(key, op, value, param) {
    if (typeof value === 'number') {
      return `(CASE WHEN jsonb_typeof(metadata -> ${key}) = 'number' THEN (metadata ->> ${key})::float8 ${SQL_OP[op]} ${param(value)}::float8 ELSE false END)`;
    }
    return `(jsonb_typeof(metadata -> ${key}) = 'string' AND (metadata ->> ${key}) COLLATE "C" ${SQL_OP[op]} ${param(value)}::text COLLATE "C")`;
  },
};

/**
 * The conditions as one SQL boolean over a `metadata` column, with values bound through `param`
 * (which returns the placeholder), or null for no conditions. A missing field is never equal, in
 * range or in a list, so `$ne` / `$nin` (negations) match it.
 */
export function filterSql(
  conditions: Condition[],
  engine: 'sqlite' | 'postgres',
  param: (value: unknown) => string,
): string | null {
  if (conditions.length === 0) return null;
  const dialect = engine === 'sqlite' ? sqlite : postgres;
  const parts = conditions.map((c) => {
    // Field names are checked against FIELD (letters, digits, _ and -), so they are safe as literals.
    const field = engine === 'sqlite' ? `'$."${c.field}"'` : `'${c.field}'`;
    const positive = (() => {
      switch (c.op) {
        case '$eq':
        case '$ne':
          return dialect.equals(field, c.value, param);
        case '$in':
        case '$nin':
          return c.value.length === 0
            ? '(1 = 0)'
            : `(${c.value.map((v) => dialect.equals(field, v, param)).join(' OR ')})`;
        default:
          return dialect.compare(field, c.op, c.value, param);
      }
    })();
    const bool = `COALESCE(${positive}, ${engine === 'sqlite' ? '0' : 'false'})`;
    return c.op === '$ne' || c.op === '$nin' ? `NOT ${bool}` : bool;
  });
  return parts.join(' AND ');
}
