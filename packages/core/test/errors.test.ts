import { describe, expect, it } from 'vitest';
import { AerostackError, ERROR_CODES, isAerostackError } from '../src';

describe('AerostackError', () => {
  const error = new AerostackError({
    code: 'auth/invalid-credentials',
    status: 401,
    title: 'Invalid credentials',
    detail: 'The API key is unknown or has been revoked.',
    requestId: 'req_1',
  });

  it('is an Error with the problem fields', () => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AerostackError');
    expect(error.message).toBe('The API key is unknown or has been revoked.');
    expect(error).toMatchObject({ code: 'auth/invalid-credentials', status: 401, requestId: 'req_1' });
    expect(error.stack).toContain('AerostackError');
  });

  it('serialises to a problem-shaped object', () => {
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'AerostackError',
      code: 'auth/invalid-credentials',
      status: 401,
      title: 'Invalid credentials',
      detail: 'The API key is unknown or has been revoked.',
      type: 'about:blank',
      requestId: 'req_1',
    });
  });

  it('defaults detail and requestId to null, and the message to the title', () => {
    const bare = new AerostackError({ code: 'client/timeout', status: 0, title: 'Request timed out' });
    expect(bare).toMatchObject({
      detail: null,
      requestId: null,
      message: 'Request timed out',
    });
  });

  it('is recognised by a brand that another copy of the package shares', () => {
    // A structurally foreign object carrying the global brand stands in for a second bundled copy.
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('aerostack.error'), { value: true });
    expect(isAerostackError(foreign)).toBe(true);
    expect(foreign instanceof AerostackError).toBe(true);
    expect(isAerostackError(new Error('plain'))).toBe(false);
    expect(isAerostackError({ code: 'auth/invalid-credentials' })).toBe(false);
    expect(isAerostackError(null)).toBe(false);
  });
});

describe('ERROR_CODES', () => {
  it('lists the documented codes in area/kebab-name form', () => {
    expect(ERROR_CODES).toContain('cache/not-found');
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z]+(-[a-z]+)*\/[a-z]+(-[a-z]+)*$/);
  });
});
