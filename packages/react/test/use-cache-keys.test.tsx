import type { AerostackClient } from '@aerostack/core';
import { QueryClient } from '@tanstack/react-query';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cacheKeys, useCache, useCacheKeys } from '../src/index.js';
import { countingFetch, startTestPlatform, type TestPlatform, uniqueKey } from './support/platform.js';
import { providerFor } from './support/render.js';

// useCacheKeys and the listing side of useCache's writes, against the real platform.

let platform: TestPlatform;
let client: AerostackClient;
/** A second client, to change the platform without going through the hooks. */
let writer: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = platform.client();
  writer = platform.client();
});
afterAll(() => platform?.close());
afterEach(cleanup);

const names = (keys: Array<{ key: string }> | undefined) => keys?.map((k) => k.key);

describe('useCacheKeys', () => {
  it('lists the keys under a prefix page by page, in key order', async () => {
    const prefix = `${uniqueKey('pages')}:`;
    const keys = ['a', 'b', 'c', 'd', 'e'].map((k) => `${prefix}${k}`);
    await writer.cache.setMany(
      keys.map((key, i) => ({ key, value: i, ttlSeconds: i === 0 ? 60 : undefined })),
    );
    const counter = countingFetch();
    const { result } = renderHook(() => useCacheKeys(prefix, { pageSize: 2 }), {
      wrapper: providerFor(platform.client({ fetch: counter.fetch })),
    });
    expect(result.current).toMatchObject({ loading: true, keys: undefined });

    await waitFor(() => expect(names(result.current.keys)).toEqual(keys.slice(0, 2)));
    expect(result.current.keys?.[0]?.expiresAt).toEqual(expect.any(String));
    expect(result.current.hasMore).toBe(true);
    await act(() => result.current.loadMore());
    await act(() => result.current.loadMore());
    await waitFor(() => expect(names(result.current.keys)).toEqual(keys));
    expect(result.current).toMatchObject({ hasMore: false, isLoadingMore: false, error: null });
    expect(counter.requests).toEqual(['GET /v1/cache', 'GET /v1/cache', 'GET /v1/cache']);
  });

  it('reads again after a useCache write adds a key, and after remove drops it', async () => {
    const prefix = `${uniqueKey('writes')}:`;
    const queryClient = new QueryClient();
    const wrapper = providerFor(client, queryClient);
    const list = renderHook(() => useCacheKeys(prefix), { wrapper });
    const entry = renderHook(() => useCache<number>(`${prefix}counter`), { wrapper });
    await waitFor(() => expect(list.result.current.keys).toEqual([]));
    await waitFor(() => expect(entry.result.current.data).toBeNull());

    await act(async () => {
      await entry.result.current.decrement({ by: 3 });
    });
    await waitFor(() => expect(names(list.result.current.keys)).toEqual([`${prefix}counter`]));
    expect(entry.result.current.data).toBe(-3);

    await act(async () => {
      await entry.result.current.remove();
    });
    await waitFor(() => expect(list.result.current.keys).toEqual([]));
    expect(queryClient.getQueryData(cacheKeys.list(client, prefix, 50))).toBeDefined();
  });

  it('flush deletes the prefix on the platform and every cache query reads again', async () => {
    const prefix = `${uniqueKey('flush')}:`;
    await writer.cache.setMany([
      { key: `${prefix}a`, value: 'a' },
      { key: `${prefix}b`, value: 'b' },
    ]);
    const wrapper = providerFor(client);
    const list = renderHook(() => useCacheKeys(prefix), { wrapper });
    const entry = renderHook(() => useCache<string>(`${prefix}a`), { wrapper });
    await waitFor(() => expect(list.result.current.keys).toHaveLength(2));
    await waitFor(() => expect(entry.result.current.data).toBe('a'));

    let deleted: number | undefined;
    await act(async () => {
      deleted = await list.result.current.flush();
    });
    expect(deleted).toBe(2);
    await waitFor(() => expect(list.result.current.keys).toEqual([]));
    await waitFor(() => expect(entry.result.current.data).toBeNull());
    expect(await writer.cache.list({ prefix })).toEqual({ data: [], nextCursor: null });
  });

  it('does not list while enabled is false', async () => {
    const counter = countingFetch();
    const { result } = renderHook(() => useCacheKeys('x', { enabled: false }), {
      wrapper: providerFor(platform.client({ fetch: counter.fetch })),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(result.current).toMatchObject({ loading: false, keys: undefined });
    expect(counter.requests).toEqual([]);
  });

  it('reports a platform error as an AerostackError', async () => {
    const wrong = platform.client({ secretKey: `sk_${'x'.repeat(40)}` });
    const { result } = renderHook(() => useCacheKeys(''), { wrapper: providerFor(wrong) });
    await waitFor(() => expect(result.current.error).not.toBeNull());
    expect(result.current.error).toMatchObject({ code: 'auth/invalid-credentials', status: 401 });
  });
});

describe('useCache: decrement and expire', () => {
  it('expire changes the entry’s expiry in place, and null keeps it forever', async () => {
    const key = uniqueKey('expire');
    await writer.cache.set(key, 'v');
    const { result } = renderHook(() => useCache<string>(key), { wrapper: providerFor(client) });
    await waitFor(() => expect(result.current.data).toBe('v'));
    expect(result.current.entry?.expiresAt).toBeNull();

    await act(async () => {
      await result.current.expire(120);
    });
    await waitFor(() =>
      expect(Date.parse(result.current.entry?.expiresAt ?? '')).toBeGreaterThan(Date.now()),
    );
    expect(result.current).toMatchObject({ data: 'v', isExpiring: false });
    expect((await writer.cache.get(key))?.expiresAt).toEqual(result.current.entry?.expiresAt);

    await act(async () => {
      await result.current.expire(null);
    });
    await waitFor(() => expect(result.current.entry?.expiresAt).toBeNull());
  });

  it('expire on a key that is gone resolves null and shows null', async () => {
    const key = uniqueKey('expire-gone');
    await writer.cache.set(key, 'v');
    const { result } = renderHook(() => useCache<string>(key), { wrapper: providerFor(client) });
    await waitFor(() => expect(result.current.data).toBe('v'));
    await writer.cache.delete(key);

    let info: unknown;
    await act(async () => {
      info = await result.current.expire(60);
    });
    expect(info).toBeNull();
    await waitFor(() => expect(result.current.data).toBeNull());
  });

  it('a failed decrement reports writeError and keeps the value', async () => {
    const key = uniqueKey('decrement-text');
    await writer.cache.set(key, 'text');
    const { result } = renderHook(() => useCache<string>(key), { wrapper: providerFor(client) });
    await waitFor(() => expect(result.current.data).toBe('text'));
    await act(async () => {
      await result.current.decrement().catch(() => undefined);
    });
    await waitFor(() => expect(result.current.writeError?.code).toBe('cache/not-an-integer'));
    expect(result.current.data).toBe('text');
  });
});
