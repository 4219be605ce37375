import { createClient } from '@aerostack/core';
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { cleanup, render, renderHook, screen } from '@testing-library/react';
import { Component, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { AerostackProvider, aerostackKeys, cacheKeys, useAerostack, useCache } from '../src/index.js';

afterEach(cleanup);

const client = createClient({ url: 'http://127.0.0.1:1/', secretKey: 'sk_unused' });

class Catch extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <p>caught: {this.state.error.message}</p> : this.props.children;
  }
}

/** Renders `children` expecting it to throw; returns the message, with React's error log silenced. */
function thrownBy(children: ReactNode): string {
  const original = console.error;
  console.error = () => {};
  try {
    render(<Catch>{children}</Catch>);
  } finally {
    console.error = original;
  }
  return screen.getByText(/^caught:/).textContent ?? '';
}

function UsesClient() {
  useAerostack();
  return null;
}

function UsesCache() {
  useCache('k');
  return null;
}

function Probe({ seen }: { seen: QueryClient[] }) {
  seen.push(useQueryClient());
  return null;
}

describe('AerostackProvider', () => {
  it('gives its client to useAerostack', () => {
    const { result } = renderHook(() => useAerostack(), {
      wrapper: ({ children }) => <AerostackProvider client={client}>{children}</AerostackProvider>,
    });
    expect(result.current).toBe(client);
  });

  it('says how to fix a hook used outside it', () => {
    expect(thrownBy(<UsesClient />)).toMatch(
      /useAerostack\(\) must be used inside <AerostackProvider client=\{client\}>/,
    );
    cleanup();
    expect(thrownBy(<UsesCache />)).toMatch(/useCache\(\) must be used inside <AerostackProvider/);
  });

  it('creates a QueryClient when there is none, and keeps it across renders', () => {
    const seen: QueryClient[] = [];
    const { rerender } = render(
      <AerostackProvider client={client}>
        <Probe seen={seen} />
      </AerostackProvider>,
    );
    rerender(
      <AerostackProvider client={client}>
        <Probe seen={seen} />
      </AerostackProvider>,
    );
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[0]).toBeInstanceOf(QueryClient);
    expect(new Set(seen).size).toBe(1);
  });

  it('uses the QueryClient above it, or the one it is given', () => {
    const above = new QueryClient();
    const given = new QueryClient();
    const { result: fromAbove } = renderHook(() => useQueryClient(), {
      wrapper: ({ children }) => (
        <QueryClientProvider client={above}>
          <AerostackProvider client={client}>{children}</AerostackProvider>
        </QueryClientProvider>
      ),
    });
    const { result: fromProp } = renderHook(() => useQueryClient(), {
      wrapper: ({ children }) => (
        <QueryClientProvider client={above}>
          <AerostackProvider client={client} queryClient={given}>
            {children}
          </AerostackProvider>
        </QueryClientProvider>
      ),
    });
    expect(fromAbove.current).toBe(above);
    expect(fromProp.current).toBe(given);
  });
});

describe('query keys', () => {
  it('are scoped by the platform URL', () => {
    const other = createClient({ url: 'http://127.0.0.1:2', secretKey: 'sk_unused' });
    expect(aerostackKeys.all(client)).toEqual(['aerostack', 'http://127.0.0.1:1']);
    expect(cacheKeys.entry(client, 'k')).toEqual(['aerostack', 'http://127.0.0.1:1', 'cache', 'entry', 'k']);
    expect(cacheKeys.entry(other, 'k')).not.toEqual(cacheKeys.entry(client, 'k'));
    expect(cacheKeys.entry(client, 'k').slice(0, 3)).toEqual(cacheKeys.all(client));
  });
});
