import { join } from 'node:path';
import type { Backend } from './backends.js';
import { type PlatformProcess, spawnPlatform } from './process.js';

// The gateway's end-to-end suites drive a platform process over real HTTP: the admin API with the
// account key the platform prints, then `/ws/{slug}` with MCP clients. Every response the tests
// see can be recorded (`seen`), so a test can prove a secret never reached the client.

type Stores = Awaited<ReturnType<Backend['create']>>;

export interface GatewayPlatform extends PlatformProcess {
  accountKey: string;
}

/** `src/main.ts` on `stores`, allowed to reach upstreams on 127.0.0.1 and nothing else loopback. */
export async function startGatewayPlatform(
  stores: Stores,
  env: Record<string, string> = {},
): Promise<GatewayPlatform> {
  const platform = await spawnPlatform(join(import.meta.dirname, '../../src/main.ts'), {
    AEROSTACK_DATA_DIR: stores.dataDir,
    AEROSTACK_AUTH_SCRYPT: '1024:8:1',
    AEROSTACK_GATEWAY_ALLOW_HOSTS: '127.0.0.1',
    ...(stores.databaseUrl ? { DATABASE_URL: stores.databaseUrl } : {}),
    ...(stores.redisUrl ? { REDIS_URL: stores.redisUrl } : {}),
    ...(stores.masterKeys ? { AEROSTACK_MASTER_KEYS: stores.masterKeys } : {}),
    ...env,
  });
  const accountKey = /Account key\s+(\S+)/.exec(platform.output())?.[1];
  if (!accountKey) throw new Error(`no account key in:\n${platform.output()}`);
  return Object.assign(platform, { accountKey });
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  json: any;
}

/** Everything a test saw come back: status lines, headers and bodies, streamed bodies included. */
export class Seen {
  readonly parts: string[] = [];

  /** A fetch for the SDK's client transports that records each response as it streams. */
  readonly fetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    this.parts.push(`${res.status} ${JSON.stringify([...res.headers])}`);
    const copy = res.clone().body;
    if (copy) void this.drain(copy);
    return res;
  };

  private async drain(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) this.parts.push(decoder.decode(chunk, { stream: true }));
    } catch {
      // the client closed the stream: what arrived is recorded
    }
  }

  text(): string {
    return this.parts.join('\n');
  }
}

/** The admin API of `baseUrl` as `credential` (the account key, or an admin `mwt_` token). */
export function adminApi(baseUrl: string, credential: string, seen?: Seen) {
  return async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const res = await (seen?.fetch ?? fetch)(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${credential}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
}
export type AdminApi = ReturnType<typeof adminApi>;

/** Asserts the status of an admin call and returns its JSON. */
export async function expectStatus(reply: Promise<Reply>, status: number) {
  const r = await reply;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text}`);
  return r.json;
}

export type Role = 'admin' | 'developer' | 'read-only';

/** A member of `role` in the workspace and a token for it: `{memberId, tokenId, secret}`. */
export async function memberToken(api: AdminApi, workspaceId: string, role: Role, name: string = role) {
  const member = await expectStatus(
    api('POST', `/v1/workspaces/${workspaceId}/members`, { name, role }),
    201,
  );
  const token = await expectStatus(
    api('POST', `/v1/workspaces/${workspaceId}/tokens`, { memberId: member.id }),
    201,
  );
  return { memberId: member.id as string, tokenId: token.token.id as string, secret: token.secret as string };
}

/** Registers a proxied server and returns it. */
export async function addServer(
  api: AdminApi,
  workspaceId: string,
  server: { slug: string; url: string; transport?: 'streamable-http' | 'sse'; secretHeaders?: string[] },
) {
  return expectStatus(
    api('POST', `/v1/workspaces/${workspaceId}/servers`, { name: server.slug, ...server }),
    201,
  );
}
