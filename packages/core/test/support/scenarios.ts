// The scenario format of scenarios/README.md, language-neutral parts: files, variables, matchers
// and `$bytes` bodies. scenarios.test.ts adds the TS client calls and the platform.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Expect {
  result?: Json;
  empty?: true;
  error?: Record<string, Json>;
  pages?: { pageSize: number; items: Json };
  events?: { take: number; match: Json[]; last?: Json };
  bytes?: { length: number; sha256: string; status?: number };
}

export interface Step {
  name?: string;
  call: string;
  credential?: string;
  path?: Record<string, Json>;
  query?: Record<string, Json>;
  headers?: Record<string, Json>;
  body?: Json;
  expect: Expect;
  save?: Record<string, string>;
}

export interface Scenario {
  name: string;
  description?: string;
  credential?: string;
  steps: Step[];
}

/** The scenario files of `dir` (not its subfolders), by file name. */
export function scenarioFiles(dir: string): { file: string; scenario: Scenario }[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, scenario: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Scenario }));
}

/** A fresh `${unique}`: 12 lower-case letters and digits (valid in keys, names and paths). */
export function newUnique(): string {
  return randomBytes(6).toString('hex');
}

/** The variables of one scenario run: `unique`, `env.NAME` and those saved by earlier steps. */
export class Variables {
  readonly saved = new Map<string, Json>();
  constructor(
    readonly unique: string,
    readonly env: (name: string) => string | undefined,
  ) {}

  private lookup(name: string): Json {
    if (name === 'unique') return this.unique;
    if (name.startsWith('env.')) {
      const value = this.env(name.slice(4));
      if (value === undefined) throw new Error(`environment variable ${name.slice(4)} is not set`);
      return value;
    }
    if (!this.saved.has(name)) throw new Error(`no variable \${${name}} saved by an earlier step`);
    return this.saved.get(name) as Json;
  }

  /** `value` with every `${name}` in its strings replaced; exactly `"${name}"` keeps the type. */
  resolve<T extends Json | undefined>(value: T): T {
    if (typeof value === 'string') {
      const whole = /^\$\{([^}]+)\}$/.exec(value);
      if (whole) return this.lookup(whole[1]!) as T;
      return value.replace(/\$\{([^}]+)\}/g, (_, name: string) => String(this.lookup(name))) as T;
    }
    if (Array.isArray(value)) return value.map((item) => this.resolve(item)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)])) as T;
    }
    return value;
  }

  /** Saves `name ← dot path into result` for each entry of `save`. */
  save(save: Record<string, string> | undefined, result: unknown): void {
    for (const [name, path] of Object.entries(save ?? {})) {
      let at: unknown = result;
      for (const part of path.split('.')) {
        if (at === null || typeof at !== 'object' || !(part in at)) {
          throw new Error(`cannot save ${name}: the result has no ${path}`);
        }
        at = (at as Record<string, unknown>)[part];
      }
      this.saved.set(name, at as Json);
    }
  }
}

function isMatcher(value: Json): value is { [key: string]: Json } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0]!.startsWith('$');
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Where `actual` does not match `expected` (scenarios/README.md, "Matchers"): one line per
 * mismatch, empty when it matches.
 */
export function mismatches(expected: Json, actual: unknown, at = '$'): string[] {
  const fail = (why: string) => [`${at}: ${why}, got ${JSON.stringify(actual)}`];
  if (isMatcher(expected)) {
    const [[kind, arg]] = Object.entries(expected) as [[string, Json]];
    switch (kind) {
      case '$type': {
        const type = jsonType(actual);
        const ok = arg === 'integer' ? Number.isInteger(actual) : type === arg;
        return ok ? [] : fail(`expected a value of type ${arg}`);
      }
      case '$match':
        return typeof actual === 'string' && new RegExp(String(arg)).test(actual)
          ? []
          : fail(`expected a string matching /${arg}/`);
      case '$absent':
        return fail('expected the key to be absent');
      case '$length':
        return (typeof actual === 'string' || Array.isArray(actual)) && actual.length === arg
          ? []
          : fail(`expected length ${arg}`);
      case '$contains':
        return Array.isArray(actual) && actual.some((item) => mismatches(arg, item).length === 0)
          ? []
          : fail(`expected an array with an item matching ${JSON.stringify(arg)}`);
      default:
        throw new Error(`${at}: unknown matcher ${kind}`);
    }
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return fail('expected an array');
    if (actual.length !== expected.length) return fail(`expected ${expected.length} items`);
    return expected.flatMap((item, i) => mismatches(item, actual[i], `${at}[${i}]`));
  }
  if (expected && typeof expected === 'object') {
    if (jsonType(actual) !== 'object') return fail('expected an object');
    const object = actual as Record<string, unknown>;
    return Object.entries(expected as Record<string, Json>).flatMap(([key, value]) => {
      const absent = isMatcher(value) && '$absent' in value;
      if (absent)
        return object[key] === undefined
          ? []
          : [`${at}.${key}: expected absent, got ${JSON.stringify(object[key])}`];
      if (!(key in object)) return [`${at}.${key}: missing`];
      return mismatches(value, object[key], `${at}.${key}`);
    });
  }
  return Object.is(expected, actual) || expected === actual
    ? []
    : fail(`expected ${JSON.stringify(expected)}`);
}

/** The content of `{ "$bytes": { size, seed } }`: byte i is (i × 31 + seedSum) mod 251. */
export function scenarioBytes(spec: { size: number; seed: string }): Uint8Array {
  const seedSum = [...new TextEncoder().encode(spec.seed)].reduce((sum, b) => sum + b, 0);
  const bytes = new Uint8Array(spec.size);
  for (let i = 0; i < spec.size; i++) bytes[i] = (i * 31 + seedSum) % 251;
  return bytes;
}

/** `{ "$bytes": … }` as its bytes; any other body as it is. */
export function bytesBody(body: Json | undefined): Uint8Array | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body) && '$bytes' in body) {
    return scenarioBytes(body.$bytes as { size: number; seed: string });
  }
  return undefined;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
