import { describe, expectTypeOf, it } from 'vitest';
import {
  type Account,
  type AerostackError,
  type CacheCounter,
  type CacheEntry,
  type ClientOptions,
  createClient,
  type ErrorCode,
  type Health,
  isAerostackError,
  type JsonValue,
  type Page,
  type Project,
} from '../src';

const client = createClient({ url: 'http://localhost:8787', secretKey: 'sk_x' });

describe('cache types', () => {
  it('types get by the caller’s value type', () => {
    expectTypeOf(client.cache.get<{ a: number }>('k')).toEqualTypeOf<
      Promise<CacheEntry<{ a: number }> | null>
    >();
    expectTypeOf(client.cache.get('k')).toEqualTypeOf<Promise<CacheEntry<JsonValue> | null>>();
  });

  it('infers set from the value', () => {
    expectTypeOf(client.cache.set('k', { theme: 'dark' })).toEqualTypeOf<
      Promise<CacheEntry<{ theme: string }>>
    >();
  });

  it('returns counters and delete flags', () => {
    expectTypeOf(client.cache.increment('k', { by: 2 })).toEqualTypeOf<Promise<CacheCounter>>();
    expectTypeOf(client.cache.delete('k')).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(client.health()).toEqualTypeOf<Promise<Health>>();
  });

  it('rejects wrong option types', () => {
    // @ts-expect-error ttlSeconds is a number
    client.cache.set('k', 1, { ttlSeconds: '60' });
    // @ts-expect-error the key is a string
    client.cache.get(42);
  });
});

describe('http types', () => {
  it('types responses from the spec', () => {
    expectTypeOf(client.http.GET('/v1/account')).toEqualTypeOf<Promise<Account>>();
    const page = client.http.GET('/v1/projects', { params: { query: { limit: 10 } }, timeoutMs: 1_000 });
    expectTypeOf(page).resolves.toMatchTypeOf<Page<Project>>();
    const counter = client.http.POST('/v1/cache/{key}/increment', {
      params: { path: { key: 'k' } },
      body: { by: 1 },
    });
    expectTypeOf(counter).toEqualTypeOf<Promise<CacheCounter>>();
  });

  it('rejects unknown paths and missing params', () => {
    // @ts-expect-error not a path of the spec
    client.http.GET('/v1/nope');
    // @ts-expect-error projectId is required
    client.http.GET('/v1/projects/{projectId}');
    // @ts-expect-error the body of projects.create needs a name
    client.http.POST('/v1/projects', { body: {} });
  });
});

describe('error and option types', () => {
  it('narrows with isAerostackError and keeps codes open', () => {
    const caught: unknown = new Error('x');
    if (isAerostackError(caught)) {
      expectTypeOf(caught).toEqualTypeOf<AerostackError>();
      expectTypeOf(caught.status).toEqualTypeOf<number>();
      expectTypeOf(caught.requestId).toEqualTypeOf<string | null>();
      expectTypeOf<'cache/not-found'>().toMatchTypeOf<typeof caught.code>();
      expectTypeOf<'some/future-code'>().toMatchTypeOf<typeof caught.code>();
    }
    expectTypeOf<'cache/not-found'>().toMatchTypeOf<ErrorCode>();
  });

  it('accepts the global fetch', () => {
    expectTypeOf({ url: 'x', fetch: globalThis.fetch }).toMatchTypeOf<ClientOptions>();
  });
});
