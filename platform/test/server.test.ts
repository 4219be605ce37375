import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPlatform } from '../src/index.js';
import { spawnPlatform } from './support/process.js';

const MAIN = join(import.meta.dirname, '../src/main.ts');

// Over real HTTP on a random port: what a user of `pnpm start` and of startPlatform() sees.

const fresh = () => mkdtempSync(join(tmpdir(), 'aerostack-server-'));

describe('the platform over HTTP', () => {
  it('names the port it bound in the URLs it hands out when started on port 0', async () => {
    const p = await startPlatform({ dataDir: fresh() });
    try {
      expect(new URL(p.url).port).not.toBe('0');
      const res = await fetch(`${p.url}/v1/workspaces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.accountKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Port', slug: 'port-ws' }),
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { gatewayUrl: string }).gatewayUrl).toBe(`${p.url}/ws/port-ws`);
    } finally {
      await p.close();
    }
  });

  it('sets and reads a cache value with the printed secret key, and serves its docs', async () => {
    const dataDir = fresh();
    const p = await startPlatform({ dataDir });
    try {
      const auth = { authorization: `Bearer ${p.secretKey}`, 'content-type': 'application/json' };
      const put = await fetch(`${p.url}/v1/cache/hello`, {
        method: 'PUT',
        headers: auth,
        body: '{"value":"world"}',
      });
      expect(put.status).toBe(200);
      const got = await fetch(`${p.url}/v1/cache/hello`, { headers: auth });
      expect(await got.json()).toEqual({ key: 'hello', value: 'world', expiresAt: null });

      const doc = (await (await fetch(`${p.url}/openapi.json`)).json()) as { openapi: string };
      expect(doc.openapi).toBe('3.1.0');
      const docs = await fetch(`${p.url}/docs`);
      expect(docs.headers.get('content-type')).toMatch(/text\/html/);
      expect(await docs.text()).toContain('/openapi.json');
      const bundle = await fetch(`${p.url}/docs/scalar.js`);
      expect(bundle.status).toBe(200);
      expect((await bundle.text()).length).toBeGreaterThan(100_000);

      const preflight = await fetch(`${p.url}/v1/cache/hello`, {
        method: 'OPTIONS',
        headers: { origin: 'http://app.test', 'access-control-request-method': 'PUT' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      // A browser MCP client sends the protocol version (and a session id) to the gateway.
      const gateway = await fetch(`${p.url}/ws/team`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://app.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, mcp-protocol-version',
        },
      });
      expect(gateway.status).toBe(204);
      expect(gateway.headers.get('access-control-allow-headers')).toMatch(/Mcp-Protocol-Version/);
      expect(gateway.headers.get('access-control-expose-headers')).toMatch(/Mcp-Session-Id/);
    } finally {
      await p.close();
    }
  });

  it('writes the first-start keys to keys.json (0600) and keeps them across restarts', async () => {
    const dataDir = fresh();
    const first = await startPlatform({ dataDir });
    await first.close();
    const file = join(dataDir, 'keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).secretKey).toBe(first.secretKey);
    const second = await startPlatform({ dataDir });
    try {
      expect(second.projectId).toBe(first.projectId);
      const res = await fetch(`${second.url}/v1/projects`, {
        headers: { authorization: `Bearer ${second.accountKey}` },
      });
      expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('`pnpm start` prints the URL, the docs URL and the keys, and stops cleanly on SIGTERM', async () => {
    const dataDir = fresh();
    const platform = await spawnPlatform(MAIN, { AEROSTACK_DATA_DIR: dataDir });
    const out = platform.output();
    expect(platform.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out).toContain(`${platform.url}/docs`);
    const keys = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8'));
    for (const k of ['accountKey', 'secretKey', 'publishableKey']) expect(out).toContain(keys[k]);
    expect((await fetch(`${platform.url}/healthz`)).status).toBe(200);
    expect(await platform.stop()).toBe(0);
  });

  it('ends open event streams cleanly on SIGTERM instead of holding the shutdown for its grace period', async () => {
    const dataDir = fresh();
    const platform = await spawnPlatform(MAIN, { AEROSTACK_DATA_DIR: dataDir });
    const keys = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8'));
    const streams = await Promise.all(
      ['a', 'b'].map(async (channel) => {
        const res = await fetch(`${platform.url}/v1/realtime/events?channel=${channel}`, {
          headers: { authorization: `Bearer ${keys.secretKey}` },
        });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        expect(first).toContain('event: subscribed');
        return reader;
      }),
    );
    const started = performance.now();
    const exit = platform.stop();
    // Each stream ends as a complete body (done), not as a cut connection (a read error).
    for (const reader of streams) {
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    }
    expect(await exit).toBe(0);
    // The grace period is 10 s: the streams did not wait it out.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('after a rotation, a restart does not print the dead key or a "Try:" command that would fail', async () => {
    const dataDir = fresh();
    const first = await startPlatform({ dataDir });
    const rotated = await fetch(`${first.url}/v1/projects/${first.projectId}/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.accountKey}`, 'content-type': 'application/json' },
      body: '{"type":"secret"}',
    });
    expect(rotated.status).toBe(201);
    await first.close();
    const restarted = await spawnPlatform(MAIN, { AEROSTACK_DATA_DIR: dataDir });
    await restarted.stop();
    const out = restarted.output();
    expect(out).not.toContain(first.secretKey);
    expect(out).toMatch(/Secret key\s+\(rotated since first start/);
    expect(out).not.toContain('Try:');
    // The keys still valid are still shown.
    expect(out).toContain(first.accountKey);
    expect(out).toContain(first.publishableKey);
  });

  it('refuses a bad setting with a clear message', async () => {
    const child = spawn(
      join(import.meta.dirname, '../node_modules/.bin/tsx'),
      [join(import.meta.dirname, '../src/main.ts')],
      {
        env: { ...process.env, PORT: 'eighty', AEROSTACK_DATA_DIR: fresh() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain('PORT must be an integer');
  });
});
