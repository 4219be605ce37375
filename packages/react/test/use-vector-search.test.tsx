import type { AerostackClient } from '@aerostack/core';
import { QueryClient } from '@tanstack/react-query';
import { cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useVectorSearch, vectorKeys, vectorSearchQueryOptions } from '../src/index.js';
import { countingFetch, startTestPlatform, type TestPlatform } from './support/platform.js';
import { providerFor } from './support/render.js';

// useVectorSearch against the real platform (sqlite-vec): results, re-search on a changed input,
// keeping the previous matches meanwhile, no request without an input, typed errors, the
// query-key factory for invalidation.

let platform: TestPlatform;
let client: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = platform.client();
  await client.vector.indexes.create({ name: 'react-docs', dimension: 2 });
  await client.vector.upsert('react-docs', [
    { id: 'east', values: [1, 0], metadata: { title: 'East', kind: 'dir' } },
    { id: 'north', values: [0, 1], metadata: { title: 'North', kind: 'dir' } },
    { id: 'north-east', values: [1, 1], metadata: { title: 'North-east', kind: 'mix' } },
  ]);
});
afterAll(() => platform?.close());
afterEach(cleanup);

/** The matches of a filtered search, as a list. */
function Results() {
  const { matches } = useVectorSearch<{ title: string }>({
    index: 'react-docs',
    vector: [1, 0],
    filter: { kind: 'mix' },
  });
  return (
    <ul>
      {matches?.map((m) => (
        <li key={m.id}>{m.metadata?.title}</li>
      ))}
    </ul>
  );
}

describe('useVectorSearch', () => {
  it('finds the nearest vectors, typed, and searches again when the vector changes', async () => {
    const { result, rerender } = renderHook(
      ({ vector }: { vector: number[] }) =>
        useVectorSearch<{ title: string }>({ index: 'react-docs', vector, topK: 2 }),
      { wrapper: providerFor(client), initialProps: { vector: [1, 0.1] } },
    );
    expect(result.current).toMatchObject({ loading: true, matches: undefined, error: null });
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.matches?.map((m) => m.metadata?.title)).toEqual(['East', 'North-east']);

    rerender({ vector: [0.1, 1] });
    // The previous matches stay on screen while the new search runs.
    expect(result.current.matches?.map((m) => m.id)).toEqual(['east', 'north-east']);
    await waitFor(() => expect(result.current.matches?.[0]?.id).toBe('north'));
    expect(result.current.isPrevious).toBe(false);
  });

  it('applies the filter and renders in a component', async () => {
    render(<Results />, { wrapper: providerFor(client) });
    expect(await screen.findByText('North-east')).toBeTruthy();
    expect(screen.queryByText('East')).toBeNull();
  });

  it('sends nothing for a blank text or with enabled: false', async () => {
    const counting = countingFetch();
    const counted = platform.client({ fetch: counting.fetch });
    const { result } = renderHook(
      () => [
        useVectorSearch({ index: 'react-docs', text: '   ' }),
        useVectorSearch({ index: 'react-docs', vector: [1, 0], enabled: false }),
      ],
      { wrapper: providerFor(counted) },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counting.requests).toEqual([]);
    expect(result.current.map((r) => [r.loading, r.matches])).toEqual([
      [false, undefined],
      [false, undefined],
    ]);
  });

  it('reports the typed error of a text search without an embedding model, and of a missing index', async () => {
    const { result } = renderHook(
      () => [
        useVectorSearch({ index: 'react-docs', text: 'north' }),
        useVectorSearch({ index: 'react-nope', vector: [1, 0] }),
      ],
      { wrapper: providerFor(client) },
    );
    await waitFor(() => expect(result.current.every((r) => r.error !== null)).toBe(true));
    expect(result.current.map((r) => r.error?.code)).toEqual([
      'vector/no-embedding-provider',
      'vector/index-not-found',
    ]);
  });

  it('refetches after an upsert when its index key is invalidated; prefetches with the query options', async () => {
    const queryClient = new QueryClient();
    await client.vector.indexes.create({ name: 'react-live', dimension: 2 });
    await client.vector.upsert('react-live', [{ id: 'a', values: [1, 0] }]);
    const search = { index: 'react-live', vector: [0, 1] };
    await queryClient.prefetchQuery(vectorSearchQueryOptions(client, search));
    expect(
      queryClient.getQueryData(vectorKeys.search(client, 'react-live', { vector: [0, 1] })),
    ).toHaveLength(1);
    const { result } = renderHook(() => useVectorSearch(search), {
      wrapper: providerFor(client, queryClient),
    });
    expect(result.current.matches?.map((m) => m.id)).toEqual(['a']); // from the prefetch, no loading
    await client.vector.upsert('react-live', [{ id: 'b', values: [0, 1] }]);
    await queryClient.invalidateQueries({ queryKey: vectorKeys.index(client, 'react-live') });
    await waitFor(() => expect(result.current.matches?.map((m) => m.id)).toEqual(['b', 'a']));
  });
});
