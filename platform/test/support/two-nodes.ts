import { afterAll, beforeAll } from 'vitest';
import { createPlatform, type Platform } from '../../src/platform.js';
import { listen, type Server } from '../../src/server.js';
import { BACKENDS, type Backend } from './backends.js';
import { type ConfigOptions, configFor } from './harness.js';

/** The backends two nodes can share (PostgreSQL, with and without Redis): SQLite is one machine's. */
export const SHARED_BACKENDS = BACKENDS.filter((b) => b.name !== 'sqlite');

export interface TwoNodes {
  stores: Awaited<ReturnType<Backend['create']>>;
  a: Platform;
  b: Platform;
  /** Each node's base URL, when it listens (option `listen`). */
  urls: { a: string; b: string };
}

export interface TwoNodesOptions extends ConfigOptions {
  /**
   * Each node also listens on a port of its own (what event streams and other requests that
   * need a socket want), at `urls`; closing ends its streams first.
   */
  listen?: boolean;
}

/**
 * Two nodes (two platforms, as on two machines) on one fresh set of `backend`'s stores, started
 * before the enclosing `describe`'s tests and closed, with their stores dropped, after them. Call
 * it in the `describe` body: the fields are set once the tests run.
 */
export function twoNodes(backend: Backend, options: TwoNodesOptions = {}): TwoNodes {
  const nodes = { urls: {} } as TwoNodes;
  const servers: Server[] = [];
  beforeAll(async () => {
    nodes.stores = await backend.create();
    const config = configFor(nodes.stores, options);
    if (options.listen) {
      config.port = 0;
      for (let n = 0; n < 2; n++) servers.push(await listen(config));
      const [a, b] = servers as [Server, Server];
      Object.assign(nodes, { a: a.platform, b: b.platform, urls: { a: a.url, b: b.url } });
    } else {
      nodes.a = await createPlatform(config);
      nodes.b = await createPlatform(config);
    }
  });
  afterAll(async () => {
    if (options.listen) for (const server of servers) await server.close(1_000);
    else {
      await nodes.a?.close();
      await nodes.b?.close();
    }
    await nodes.stores?.cleanup(); // drops the projects' database and roles too
  });
  return nodes;
}

/** `method path` on `node` with `credential` as Bearer and `body` as JSON: the status and the JSON answer (null when empty). */
export async function callNode(
  node: Platform,
  method: string,
  path: string,
  credential: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
): Promise<{ status: number; json: any }> {
  const res = await node.app.request(path, {
    method,
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}
