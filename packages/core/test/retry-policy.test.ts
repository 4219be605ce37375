import { describe, expect, it } from 'vitest';
import {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  isIdempotent,
  isRetryableStatus,
  parseRetryAfter,
  RETRY_AFTER_CAP_MS,
  retryDelay,
} from '../src/transport/retry-policy';

describe('isIdempotent', () => {
  it.each([
    ['GET', {}, true],
    ['HEAD', {}, true],
    ['PUT', {}, true],
    ['DELETE', {}, true],
    ['OPTIONS', {}, true],
    ['POST', {}, false],
    ['PATCH', {}, false],
    ['POST', { 'Idempotency-Key': 'k1' }, true],
  ])('%s %j → %s', (method, headers, expected) => {
    expect(isIdempotent(method, new Headers(headers))).toBe(expected);
  });
});

describe('isRetryableStatus', () => {
  it.each([
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [408, true],
    [409, true],
    [422, false],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [599, true],
  ])('%i → %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');
  it.each([
    [null, undefined],
    ['0', 0],
    ['3', 3_000],
    [' 120 ', 120_000],
    ['Sun, 22 Nov 2026 10:00:05 GMT', 5_000],
    ['Sun, 22 Nov 2026 09:59:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('retryDelay', () => {
  it('uses Retry-After when given, capped', () => {
    expect(retryDelay(0, 2_000)).toBe(2_000);
    expect(retryDelay(0, 3_600_000)).toBe(RETRY_AFTER_CAP_MS);
  });

  it('is full jitter: uniform between 0 and the exponential ceiling', () => {
    expect(retryDelay(0, undefined, () => 0)).toBe(0);
    expect(retryDelay(0, undefined, () => 0.999)).toBeLessThan(BACKOFF_BASE_MS);
    expect(retryDelay(2, undefined, () => 0.5)).toBe(BACKOFF_BASE_MS * 2);
    expect(retryDelay(30, undefined, () => 0.999)).toBeLessThan(BACKOFF_MAX_MS);
  });
});
