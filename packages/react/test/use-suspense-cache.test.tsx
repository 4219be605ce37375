import type { AerostackClient } from '@aerostack/core';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { Component, type ReactNode, Suspense } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type UseSuspenseCacheResult, useSuspenseCache } from '../src/index.js';
import { startTestPlatform, type TestPlatform, uniqueKey } from './support/platform.js';
import { providerFor } from './support/render.js';

let platform: TestPlatform;
let client: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = platform.client();
});
afterAll(() => platform?.close());
afterEach(cleanup);

class Catch extends Component<{ children: ReactNode }, { error: unknown }> {
  override state = { error: null as unknown };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  override render() {
    const { error } = this.state;
    return error ? <p>failed: {(error as { code?: string }).code}</p> : this.props.children;
  }
}

function Visits(props: { cacheKey: string; onRender?: (result: UseSuspenseCacheResult<number>) => void }) {
  const result = useSuspenseCache<number>(props.cacheKey);
  props.onRender?.(result);
  return <p>visits: {result.data === null ? 'none' : result.data}</p>;
}

describe('useSuspenseCache', () => {
  it('suspends until the entry is read, then renders its value', async () => {
    const key = uniqueKey('suspense');
    await client.cache.set(key, 5);
    render(
      <Suspense fallback={<p>suspended</p>}>
        <Visits cacheKey={key} />
      </Suspense>,
      { wrapper: providerFor(client) },
    );

    expect(screen.getByText('suspended')).toBeTruthy();
    expect(await screen.findByText('visits: 5')).toBeTruthy();
  });

  it('renders null for a missing key, and writes update it', async () => {
    const key = uniqueKey('suspense-write');
    let hook: UseSuspenseCacheResult<number> | undefined;
    render(
      <Suspense fallback={<p>suspended</p>}>
        <Visits
          cacheKey={key}
          onRender={(result) => {
            hook = result;
          }}
        />
      </Suspense>,
      { wrapper: providerFor(client) },
    );
    await screen.findByText('visits: none');

    await act(async () => {
      await hook?.increment({ by: 3 });
    });

    await waitFor(() => expect(screen.getByText('visits: 3')).toBeTruthy());
    expect((await client.cache.get(key))?.value).toBe(3);
  });

  it('throws a failed read to the error boundary', async () => {
    const wrong = platform.client({ secretKey: `sk_${'z'.repeat(40)}` });
    const key = uniqueKey('suspense-error');
    const original = console.error;
    console.error = () => {};
    try {
      render(
        <Catch>
          <Suspense fallback={<p>suspended</p>}>
            <Visits cacheKey={key} />
          </Suspense>
        </Catch>,
        { wrapper: providerFor(wrong) },
      );
      expect(await screen.findByText('failed: auth/invalid-credentials')).toBeTruthy();
    } finally {
      console.error = original;
    }
  });
});
