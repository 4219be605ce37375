import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JsonSchema, operations, bundledSpec as spec } from '../src/http/spec.js';
import { signedInUser } from './support/auth.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// Every operation with a JSON body, fed bodies that break its schema in each way we can derive
// from the schema itself: wrong top-level type, an unknown field, each property with a wrong type,
// each required property missing. Every one must be a 400 problem+json with a code.

function resolve(schema: JsonSchema): JsonSchema {
  const ref = schema.$ref as string | undefined;
  if (!ref) return schema;
  const name = ref.split('/').pop()!;
  return resolve(spec.components.schemas![name] as JsonSchema);
}

function wrongValueFor(schema: JsonSchema): unknown | undefined {
  const s = resolve(schema);
  const types = ([] as unknown[]).concat(s.type ?? []);
  if (types.length === 0 && !s.enum && !s.const && !s.pattern) return undefined; // any JSON is fine
  if (types.includes('integer') || types.includes('number')) return 'not a number';
  if (types.includes('boolean')) return 'not a boolean';
  if (types.includes('array')) return { not: 'an array' };
  if (types.includes('object')) return 'not an object';
  return 12345; // strings, enums, patterns
}

interface Violation {
  operationId: string;
  method: string;
  path: string;
  body: unknown;
  why: string;
  /** The spec security scheme to call with. */
  scheme: string;
}

function violations(): Violation[] {
  const out: Violation[] = [];
  for (const op of operations) {
    if (!op.requestBody?.schema) continue;
    const schema = resolve(op.requestBody.schema);
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = (schema.required ?? []) as string[];
    const valid: Record<string, unknown> = {};
    for (const name of required) {
      const p = resolve(properties[name]!);
      valid[name] = p.enum ? (p.enum as unknown[])[0] : p.type === 'integer' ? 1 : 'x';
    }
    const path = op.path.replace('{projectId}', 'PROJECT').replace('{key}', 'k1');
    const add = (body: unknown, why: string) =>
      out.push({
        operationId: op.operationId,
        method: op.method,
        path,
        body,
        why,
        scheme: op.security[0] ?? 'none',
      });
    add([valid], 'an array instead of an object');
    add('"a string"', 'a string instead of an object');
    add({ ...valid, unexpectedField: true }, 'an unknown field');
    for (const name of Object.keys(properties)) {
      const wrong = wrongValueFor(properties[name]!);
      if (wrong !== undefined) add({ ...valid, [name]: wrong }, `${name} of the wrong type`);
    }
    for (const name of required) {
      const { [name]: _, ...rest } = valid;
      add(rest, `${name} missing`);
    }
  }
  return out;
}

describe.each(BACKENDS)('bodies that violate the spec on $name', (backend) => {
  let t: TestPlatform;
  let accessToken: string;
  beforeAll(async () => {
    t = await testPlatform(backend);
    ({ accessToken } = await signedInUser(t));
  });
  afterAll(() => t?.close());

  const cases = violations();
  it('derives violations for every operation with a body', () => {
    const covered = new Set(cases.map((c) => c.operationId));
    expect([...covered].sort()).toEqual(
      operations
        // Byte bodies (storage uploads) have no schema to break; their limits are tested with them.
        .filter((o) => o.requestBody && o.requestBody.kind !== 'bytes')
        .map((o) => o.operationId)
        .sort(),
    );
  });

  it.each(cases)('$operationId with $why → 400', async (c) => {
    // The key the operation's own security asks for, so validation (not auth) answers.
    const auth = {
      accountKey: t.keys.accountKey,
      secretKey: t.keys.secretKey,
      publishableKey: t.keys.publishableKey,
      userSession: accessToken,
    }[c.scheme];
    const res = await t.call({
      method: c.method.toUpperCase(),
      path: c.path.replace('PROJECT', t.keys.projectId),
      auth,
      body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body),
    });
    expect(res.status, res.text).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json.code).toMatch(/^request\//);
  });
});
