// @vitest-environment node
import { dehydrate, HydrationBoundary, QueryClient } from '@tanstack/react-query';
import { renderToString } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestPlatform, type TestPlatform, uniqueKey } from './support/platform.js';

const BROWSER_GLOBALS = ['window', 'document', 'localStorage', 'sessionStorage'] as const;

/** Makes every read of a browser global (even `typeof window`) leave a stack trace in `touched`. */
function trapBrowserGlobals(touched: string[]): () => void {
  for (const name of BROWSER_GLOBALS) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(`${name} read at ${new Error().stack}`);
        return undefined;
      },
    });
  }
  return () => {
    for (const name of BROWSER_GLOBALS) Reflect.deleteProperty(globalThis, name);
  };
}

/** Imports core and this package afresh, with browser globals trapped, and renders `render()` on the server. */
async function onTheServer<R>(
  run: (modules: {
    core: typeof import('@aerostack/core');
    react: typeof import('../src/index.js');
  }) => Promise<R>,
): Promise<{ result: R; touched: string[] }> {
  const touched: string[] = [];
  vi.resetModules();
  const untrap = trapBrowserGlobals(touched);
  try {
    const core = await import('@aerostack/core');
    const react = await import('../src/index.js');
    return { result: await run({ core, react }), touched };
  } finally {
    untrap();
  }
}

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform?.close());

describe('server-side rendering', () => {
  it('runs in a server environment', () => {
    expect(typeof window).toBe('undefined');
    expect(typeof localStorage).toBe('undefined');
  });

  it('imports and renders the provider and useCache without touching browser globals', async () => {
    const { result: html, touched } = await onTheServer(async ({ core, react }) => {
      const client = core.createClient({ url: platform.url, secretKey: platform.secretKey });
      // biome-ignore lint/correctness/noComponentHookFactories: it must use the hooks imported after the trap is set.
      function Visits() {
        const { data, loading } = react.useCache<number>('visits');
        return <p>{loading ? 'loading' : `visits: ${data}`}</p>;
      }
      return renderToString(
        <react.AerostackProvider client={client}>
          <Visits />
        </react.AerostackProvider>,
      );
    });

    expect(touched).toEqual([]);
    expect(html).toBe('<p>loading</p>');
  });

  it('renders data prefetched on the server and sent as dehydrated state', async () => {
    const key = uniqueKey('ssr');
    await platform.client().cache.set(key, { greeting: 'hello from the server' });

    const { result: html, touched } = await onTheServer(async ({ core, react }) => {
      const client = core.createClient({ url: platform.url, secretKey: platform.secretKey });
      const serverQueries = new QueryClient();
      await serverQueries.prefetchQuery(react.cacheQueryOptions(client, key));
      const state = JSON.parse(JSON.stringify(dehydrate(serverQueries)));
      // biome-ignore lint/correctness/noComponentHookFactories: it must use the hooks imported after the trap is set.
      function Greeting() {
        const { data } = react.useCache<{ greeting: string }>(key);
        return <p>{data?.greeting ?? 'nothing'}</p>;
      }
      // The browser would render this with its own client for the same platform (a publishable key).
      const browserClient = core.createClient({ url: platform.url, publishableKey: platform.publishableKey });
      return renderToString(
        <react.AerostackProvider client={browserClient}>
          <HydrationBoundary state={state}>
            <Greeting />
          </HydrationBoundary>
        </react.AerostackProvider>,
      );
    });

    expect(touched).toEqual([]);
    expect(html).toBe('<p>hello from the server</p>');
  });
});
