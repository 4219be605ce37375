import { type AerostackClient, isAerostackError } from '@aerostack/core';
import { QueryClient } from '@tanstack/react-query';
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cacheKeys, useCache } from '../src/index.js';
import {
  countingFetch,
  holdingFetch,
  startTestPlatform,
  type TestPlatform,
  uniqueKey,
} from './support/platform.js';
import { providerFor } from './support/render.js';

let platform: TestPlatform;
let client: AerostackClient;
/** A second client, to check what is really on the platform without going through the hook. */
let reader: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = platform.client();
  reader = platform.client();
});
afterAll(() => platform?.close());
afterEach(cleanup);

function Show({ cacheKey, label }: { cacheKey: string; label: string }) {
  const { data } = useCache<string>(cacheKey);
  return (
    <p>
      {label}: {data === undefined ? 'loading' : String(data)}
    </p>
  );
}

function Writer({ cacheKey, value }: { cacheKey: string; value: string }) {
  const { set } = useCache<string>(cacheKey);
  return (
    <button type="button" onClick={() => set(value)}>
      write
    </button>
  );
}

describe('useCache: reading', () => {
  it('reads a missing key as null, through loading', async () => {
    const key = uniqueKey('missing');
    const { result } = renderHook(() => useCache(key), { wrapper: providerFor(client) });

    expect(result.current).toMatchObject({
      loading: true,
      isFetching: true,
      data: undefined,
      entry: undefined,
    });
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current).toMatchObject({ data: null, entry: null, error: null, isFetching: false });
  });

  it('reads an existing entry with its value and expiry', async () => {
    const key = uniqueKey('existing');
    await reader.cache.set(key, { n: 7 }, { ttlSeconds: 600 });
    const { result } = renderHook(() => useCache<{ n: number }>(key), { wrapper: providerFor(client) });

    await waitFor(() => expect(result.current.data).toEqual({ n: 7 }));
    expect(result.current.entry?.key).toBe(key);
    expect(Date.parse(result.current.entry?.expiresAt ?? '')).toBeGreaterThan(Date.now());
  });

  it('does not read while enabled is false', async () => {
    const counter = countingFetch();
    const key = uniqueKey('disabled');
    const { result } = renderHook(() => useCache(key, { enabled: false }), {
      wrapper: providerFor(platform.client({ fetch: counter.fetch })),
    });

    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(result.current).toMatchObject({ loading: false, isFetching: false, data: undefined });
    expect(counter.requests).toEqual([]);
  });

  it('refetch reads the entry again', async () => {
    const key = uniqueKey('refetch');
    const { result } = renderHook(() => useCache<string>(key), { wrapper: providerFor(client) });
    await waitFor(() => expect(result.current.data).toBeNull());

    await reader.cache.set(key, 'changed elsewhere');
    let refetched: string | null | undefined;
    await act(async () => {
      refetched = await result.current.refetch();
    });
    expect(refetched).toBe('changed elsewhere');
    await waitFor(() => expect(result.current.data).toBe('changed elsewhere'));
  });

  it('shares one request between two components reading the same key', async () => {
    const counter = countingFetch();
    const key = uniqueKey('shared');
    await reader.cache.set(key, 'hello');
    render(
      <>
        <Show cacheKey={key} label="a" />
        <Show cacheKey={key} label="b" />
      </>,
      { wrapper: providerFor(platform.client({ fetch: counter.fetch })) },
    );

    expect(await screen.findByText('a: hello')).toBeTruthy();
    expect(screen.getByText('b: hello')).toBeTruthy();
    expect(counter.requests).toEqual([`GET /v1/cache/${encodeURIComponent(key)}`]);
  });

  it('keeps its data under cacheKeys.entry, so invalidating cacheKeys.all reads it again', async () => {
    const key = uniqueKey('keys');
    const queryClient = new QueryClient();
    const { result } = renderHook(() => useCache<string>(key), { wrapper: providerFor(client, queryClient) });
    await waitFor(() => expect(result.current.data).toBeNull());
    expect(queryClient.getQueryData(cacheKeys.entry(client, key))).toBeNull();

    await reader.cache.set(key, 'fresh');
    await act(() => queryClient.invalidateQueries({ queryKey: cacheKeys.all(client) }));

    await waitFor(() => expect(result.current.data).toBe('fresh'));
  });

  it('reports a platform error as an AerostackError', async () => {
    const key = uniqueKey('wrong-key');
    const wrong = platform.client({ secretKey: `sk_${'x'.repeat(40)}` });
    const { result } = renderHook(() => useCache(key), { wrapper: providerFor(wrong) });

    await waitFor(() => expect(result.current.error).not.toBeNull());
    const { error } = result.current;
    expect(isAerostackError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'auth/invalid-credentials', status: 401 });
    expect(error?.requestId).toBeTruthy();
    expect(result.current).toMatchObject({ loading: false, data: undefined });
  });
});

describe('useCache: writing', () => {
  it('set re-renders with the new value, which is really on the platform', async () => {
    const key = uniqueKey('set');
    const held = holdingFetch('PUT');
    const { result } = renderHook(() => useCache<{ n: number }>(key), {
      wrapper: providerFor(platform.client({ fetch: held.fetch })),
    });
    await waitFor(() => expect(result.current.data).toBeNull());

    let pending: Promise<unknown> = Promise.resolve();
    act(() => {
      pending = result.current.set({ n: 1 }, { ttlSeconds: 60 });
    });
    await waitFor(() => expect(result.current.isSetting).toBe(true));
    expect(result.current.data).toBeNull();
    held.release();
    await act(() => pending);

    await waitFor(() =>
      expect(result.current).toMatchObject({ data: { n: 1 }, isSetting: false, writeError: null }),
    );
    expect(result.current.entry?.expiresAt).not.toBeNull();
    expect((await reader.cache.get(key))?.value).toEqual({ n: 1 });
  });

  it('increment stores the counter and shows it', async () => {
    const key = uniqueKey('increment');
    const { result } = renderHook(() => useCache<number>(key), { wrapper: providerFor(client) });
    await waitFor(() => expect(result.current.data).toBeNull());

    await act(async () => {
      expect((await result.current.increment()).value).toBe(1);
    });
    await waitFor(() => expect(result.current.data).toBe(1));
    await act(async () => {
      await result.current.increment({ by: 41 });
    });

    await waitFor(() => expect(result.current).toMatchObject({ data: 42, isIncrementing: false }));
    expect((await reader.cache.get(key))?.value).toBe(42);
  });

  it('remove deletes the entry and shows null', async () => {
    const key = uniqueKey('remove');
    await reader.cache.set(key, 'doomed');
    const { result } = renderHook(() => useCache<string>(key), { wrapper: providerFor(client) });
    await waitFor(() => expect(result.current.data).toBe('doomed'));

    let removed: boolean | undefined;
    await act(async () => {
      removed = await result.current.remove();
    });

    expect(removed).toBe(true);
    await waitFor(() => expect(result.current).toMatchObject({ data: null, entry: null, isRemoving: false }));
    expect(await reader.cache.get(key)).toBeNull();
  });

  it('a write shows in every component reading the key', async () => {
    const key = uniqueKey('fan-out');
    render(
      <>
        <Show cacheKey={key} label="reader" />
        <Writer cacheKey={key} value="written" />
      </>,
      { wrapper: providerFor(client) },
    );
    await screen.findByText('reader: null');

    act(() => screen.getByRole('button').click());

    expect(await screen.findByText('reader: written')).toBeTruthy();
  });

  it('a failed write rejects and sets writeError', async () => {
    const key = uniqueKey('failed-write');
    const wrong = platform.client({ secretKey: `sk_${'y'.repeat(40)}` });
    const { result } = renderHook(() => useCache(key, { enabled: false }), { wrapper: providerFor(wrong) });

    let caught: unknown;
    await act(async () => {
      caught = await result.current.set('nope').catch((error: unknown) => error);
    });

    expect(caught).toMatchObject({ code: 'auth/invalid-credentials' });
    await waitFor(() => expect(result.current.writeError).toBe(caught));
    expect(result.current.data).toBeUndefined();
  });
});
