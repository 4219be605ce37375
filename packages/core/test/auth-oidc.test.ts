import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningPlatform, startPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The platform's test OpenID Connect provider (oidc-provider, a platform dev dependency) and its
// page-less browser: this package never depends on an OIDC library, its tests borrow one.
import { browse, startTestOp, type TestOp } from '../../../platform/test/support/oidc';
import { createClient, isAerostackError } from '../src';
import { rejectionOf } from './support/rejection';

// client.auth.signInWithOIDC and exchangeCode against the real platform and a real provider.

const APP = 'http://app.test/callback';
let platform: RunningPlatform;
let op: TestOp;
let dataDir: string;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  op = await startTestOp(`http://127.0.0.1:${port}/v1/auth/oidc/callback`);
  dataDir = await mkdtemp(join(tmpdir(), 'aerostack-sdk-oidc-'));
  platform = await startPlatform({
    dataDir,
    port,
    quiet: true,
    env: { AEROSTACK_AUTH_SCRYPT: '1024:8:1', PORT: String(port), AEROSTACK_AUTH_OIDC_ALLOW_HTTP: '1' },
  });
  const admin = createClient({ url: platform.url, secretKey: platform.secretKey });
  await admin.http.PUT('/v1/auth/settings', { body: { redirectUrls: [APP] } });
  await admin.http.PUT('/v1/auth/providers/{provider}', {
    params: { path: { provider: 'test-op' } },
    body: { issuer: op.issuer, clientId: op.clients[0]!.id, clientSecret: op.clients[0]!.secret },
  });
});
afterAll(async () => {
  await platform?.close();
  await op?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('auth with OpenID Connect (client)', () => {
  it('answers the provider URL without a window, and exchanges the code for a session', async () => {
    const client = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    const events: string[] = [];
    client.auth.onAuthStateChange((event) => events.push(event));
    const { url } = await client.auth.signInWithOIDC({ provider: 'test-op', redirectTo: APP });
    expect(new URL(url).origin).toBe(op.issuer);
    const email = `oidc.${Date.now()}@example.com`;
    op.accounts.set('ada', { email, email_verified: true });
    const landing = await browse(url, 'ada', APP);
    const session = await client.auth.exchangeCode({ code: landing.searchParams.get('code')! });
    expect(session.user.email).toBe(email);
    expect(await client.auth.getSession()).toEqual(session);
    expect(events).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
    expect((await client.auth.refreshUser()).id).toBe(session.user.id);
    const again = await rejectionOf(client.auth.exchangeCode({ code: landing.searchParams.get('code')! }));
    expect(isAerostackError(again) && again.code).toBe('auth/invalid-code');
  });

  it('redeems a code only with the verifier of the client that started the sign-in', async () => {
    const starter = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    const { url, codeVerifier } = await starter.auth.signInWithOIDC({ provider: 'test-op', redirectTo: APP });
    op.accounts.set('eve', { email: `eve.${Date.now()}@example.com`, email_verified: true });
    const code = (await browse(url, 'eve', APP)).searchParams.get('code')!;
    // A victim's client (the landing URL sent to them) has no verifier, or another one.
    const victim = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    expect((await rejectionOf(victim.auth.exchangeCode({ code }))).code).toBe('auth/invalid-code');
    const other = await rejectionOf(victim.auth.exchangeCode({ code, codeVerifier: 'x'.repeat(43) }));
    expect([other.code, other.status]).toEqual(['auth/invalid-code', 400]);
    // The verifier works from anywhere it is given (a server finishing the sign-in, say).
    const session = await victim.auth.exchangeCode({ code, codeVerifier });
    expect(session.user.email).toMatch(/^eve\./);
  });

  it('goes to the provider page when there is a window', async () => {
    const client = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    const visited: string[] = [];
    const g = globalThis as { window?: unknown };
    g.window = { location: { assign: (to: string) => visited.push(to) } };
    try {
      const { url } = await client.auth.signInWithOIDC({ provider: 'test-op', redirectTo: APP });
      expect(visited).toEqual([url]);
      await client.auth.signInWithOIDC({ provider: 'test-op', redirectTo: APP, navigate: false });
      expect(visited).toHaveLength(1);
    } finally {
      delete g.window;
    }
  });

  it('reports an unknown provider and a redirect not allowed', async () => {
    const client = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    const none = await rejectionOf(client.auth.signInWithOIDC({ provider: 'nope', redirectTo: APP }));
    expect(isAerostackError(none) && none.code).toBe('auth/provider-not-found');
    const evil = await rejectionOf(
      client.auth.signInWithOIDC({ provider: 'test-op', redirectTo: 'http://evil.test/' }),
    );
    expect(isAerostackError(evil) && evil.code).toBe('auth/redirect-not-allowed');
  });
});
