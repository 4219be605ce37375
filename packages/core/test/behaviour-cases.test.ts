// spec/clients/cases.json against the TS implementation: the same table the Go, Python and Dart
// clients run. Expected values come only from the JSON.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorFromResponse } from '../src/errors/from-response';
import { isRetryable, type Outcome, retryDelayMs } from '../src/transport/retry-policy';

interface Cases {
  retry: {
    name: string;
    method: string;
    idempotencyKey: boolean;
    outcome: Outcome;
    status?: number;
    retry: boolean;
  }[];
  delay: { name: string; n: number; retryAfter: string | null; nowMs: number; r: number; delayMs: number }[];
  errors: {
    name: string;
    status: number;
    headers: Record<string, string>;
    body: string;
    expect: Record<string, unknown>;
  }[];
}

const cases: Cases = JSON.parse(
  readFileSync(new URL('../../../spec/clients/cases.json', import.meta.url), 'utf8'),
);

describe('isRetryable (cases.json retry)', () => {
  it.each(cases.retry.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(isRetryable(c.method, c.idempotencyKey, c.outcome, c.status)).toBe(c.retry);
  });
});

describe('retryDelayMs (cases.json delay)', () => {
  it.each(cases.delay.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(retryDelayMs(c.n, c.retryAfter, c.nowMs, c.r)).toBe(c.delayMs);
  });
});

describe('errorFromResponse (cases.json errors)', () => {
  it.each(cases.errors.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const error = errorFromResponse(new Response(null, { status: c.status, headers: c.headers }), c.body);
    const actual: Record<string, unknown> = { ...error.toJSON() };
    for (const [field, value] of Object.entries(c.expect))
      expect({ [field]: actual[field] }).toEqual({ [field]: value });
  });
});
