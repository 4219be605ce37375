import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AerostackClient, createClient } from '@aerostack/core';
import { type RunningPlatform, startPlatform } from '@aerostack/platform';

export interface TestPlatform extends RunningPlatform {
  /** A client with the project's secret key; `fetch` counts the requests it sends. */
  client(options?: { secretKey?: string; fetch?: typeof fetch }): AerostackClient;
}

/** Starts a real platform on a random port with a fresh data directory; `close()` removes it again. */
export async function startTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'aerostack-react-'));
  const platform = await startPlatform({ dataDir, env: { AEROSTACK_AUTH_SCRYPT: '1024:8:1', ...env } });
  return {
    ...platform,
    client: (options = {}) =>
      createClient({
        url: platform.url,
        secretKey: options.secretKey ?? platform.secretKey,
        fetch: options.fetch ?? ((request) => fetch(request)),
        maxRetries: 0,
      }),
    close: async () => {
      await platform.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fetch that records the method and path of every request it sends. */
export function countingFetch(): { fetch: typeof fetch; requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    fetch: (input, init) => {
      const request = new Request(input, init);
      requests.push(`${request.method} ${new URL(request.url).pathname}`);
      return fetch(request);
    },
  };
}

let counter = 0;
/** A cache key no other test uses. */
export function uniqueKey(name: string): string {
  counter += 1;
  return `react-test:${name}:${Date.now()}:${counter}`;
}

/** A fetch that holds requests of `method` until `release()` is called, to observe pending states. */
export function holdingFetch(method: string): { fetch: typeof fetch; release: () => void } {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    release: () => release(),
    fetch: async (input, init) => {
      const request = new Request(input, init);
      if (request.method === method) await released;
      return fetch(request);
    },
  };
}
