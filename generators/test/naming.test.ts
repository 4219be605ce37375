import { describe, expect, it } from 'vitest';
import { dartEnumMember, dartName } from '../src/dart/naming.js';
import { goName, goParam } from '../src/go/naming.js';
import { camelCase, pascalCase, screamingSnakeCase, snakeCase, thirdPerson, words } from '../src/naming.js';
import { pyName } from '../src/python/naming.js';

describe('case conversions', () => {
  it.each([
    ['nextCursor', ['next', 'cursor']],
    ['ApiKeyWithSecret', ['api', 'key', 'with', 'secret']],
    ['HTTPServerURL', ['http', 'server', 'url']],
    ['Idempotency-Key', ['idempotency', 'key']],
    ['cache/not-found', ['cache', 'not', 'found']],
    ['projects.keys.rotate', ['projects', 'keys', 'rotate']],
    ['ttl_seconds', ['ttl', 'seconds']],
  ])('splits %s into words', (name, expected) => {
    expect(words(name)).toEqual(expected);
  });

  it('converts camelCase wire names for each language', () => {
    expect(snakeCase('ttlSeconds')).toBe('ttl_seconds');
    expect(snakeCase('requestId')).toBe('request_id');
    expect(pascalCase('nextCursor')).toBe('NextCursor');
    expect(camelCase('Idempotency-Key')).toBe('idempotencyKey');
    expect(screamingSnakeCase('cache/not-found')).toBe('CACHE_NOT_FOUND');
  });

  it('uses Go initialisms', () => {
    expect(goName('projectId')).toBe('ProjectID');
    expect(goName('ApiKeyWithSecret')).toBe('APIKeyWithSecret');
    expect(goName('ttlSeconds')).toBe('TTLSeconds');
    expect(goName('requestId')).toBe('RequestID');
    expect(goName('baseUrl')).toBe('BaseURL');
    expect(goName('code cache/not-found')).toBe('CodeCacheNotFound');
    expect(goName('3d')).toBe('V3d');
    expect(goParam('projectId')).toBe('projectID');
    expect(goParam('type')).toBe('typeParam');
  });

  it('escapes reserved words', () => {
    expect(pyName('class')).toBe('class_');
    expect(pyName('nextCursor')).toBe('next_cursor');
    expect(dartName('default')).toBe('default_');
    expect(dartName('ttl_seconds')).toBe('ttlSeconds');
    expect(dartEnumMember('dark-blue')).toBe('darkBlue');
    expect(dartEnumMember('name')).toBe('name_');
  });

  it('turns imperative summaries into third person', () => {
    expect(thirdPerson('Read a cache entry')).toBe('reads a cache entry.');
    expect(thirdPerson('List the account’s projects')).toBe('lists the account’s projects.');
    expect(thirdPerson('Replace a key')).toBe('replaces a key.');
    expect(thirdPerson('Atomically add to an integer entry')).toBe('atomically adds to an integer entry.');
    expect(thirdPerson('Copy it')).toBe('copies it.');
  });
});
