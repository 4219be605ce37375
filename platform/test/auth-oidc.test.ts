import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { tables } from '../src/db/database.js';
import type { AuthTables } from '../src/modules/auth/store.js';
import { listen, type Server } from '../src/server.js';
import { freshIp } from './support/auth.js';
import { BACKENDS } from './support/backends.js';
import { type FakeOp, startFakeOp } from './support/fake-op.js';
import { type Answer, TEST_ENV } from './support/harness.js';
import { browse, startTestOp, type TestOp } from './support/oidc.js';

// Sign-in with OpenID Connect end to end (decision 0032): a real provider (oidc-provider) and the
// platform, each on its own port; the test is the browser (redirects and cookies, no page).

const APP = 'http://app.test/callback';
const PASSWORD = 'correct horse battery';
/** The app's PKCE pair (RFC 7636): the challenge starts a sign-in, the verifier redeems its code. */
const VERIFIER = randomBytes(32).toString('base64url');
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe.each(BACKENDS)('OpenID Connect sign-in on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let server: Server;
  let op: TestOp;
  let fake: FakeOp;
  let base: string;
  let pk: string;
  let sk: string;
  let subjects = 0;

  beforeAll(async () => {
    stores = await backend.create();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    op = await startTestOp(`${base}/v1/auth/oidc/callback`);
    fake = await startFakeOp('fake-client');
    server = await listen({
      ...loadConfig({
        ...TEST_ENV,
        PORT: String(port),
        AEROSTACK_AUTH_OIDC_ALLOW_HTTP: '1',
        AEROSTACK_CLIENT_IP_HEADER: 'x-forwarded-for',
      }),
      dataDir: stores.dataDir,
      databaseUrl: stores.databaseUrl,
      redisUrl: stores.redisUrl,
      masterKeys: stores.masterKeys,
      logLevel: 'silent',
      validateResponses: true,
    });
    pk = server.platform.keys!.publishableKey;
    sk = server.platform.keys!.secretKey;
    expect((await call('PUT', '/v1/auth/settings', { redirectUrls: [APP] }, sk)).status).toBe(200);
    const saved = await call(
      'PUT',
      '/v1/auth/providers/test-op',
      {
        issuer: op.issuer,
        clientId: op.clients[0]!.id,
        clientSecret: op.clients[0]!.secret,
        displayName: 'Test OP',
      },
      sk,
    );
    expect(saved.status, JSON.stringify(saved.json)).toBe(200);
  });
  afterAll(async () => {
    await server?.close(1_000);
    await op?.close();
    await fake?.close();
    await stores?.cleanup();
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
    auth = pk,
  ): Promise<Pick<Answer, 'status' | 'json'>> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${auth}`,
        'x-forwarded-for': freshIp(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  const account = (claims: { email?: string; email_verified?: boolean }) => {
    const sub = `sub-${++subjects}-${Date.now()}`;
    op.accounts.set(sub, claims);
    return sub;
  };

  async function start(provider = 'test-op', redirectTo = APP): Promise<string> {
    const res = await call('POST', '/v1/auth/oidc/authorize', {
      provider,
      redirectTo,
      codeChallenge: CHALLENGE,
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    return res.json.url;
  }

  /** The whole flow up to the app's page: its URL (with `code`, or `error`). */
  const signInAt = async (sub: string, edit?: (url: URL) => void) => {
    const url = new URL(await start());
    edit?.(url);
    return browse(url.href, sub, APP);
  };

  async function exchange(landing: URL, codeVerifier = VERIFIER) {
    expect(landing.searchParams.get('type')).toBe('oidc');
    expect(landing.searchParams.get('error'), landing.searchParams.get('error_description') ?? '').toBeNull();
    return call('POST', '/v1/auth/oidc/exchange', { code: landing.searchParams.get('code'), codeVerifier });
  }

  it('manages providers with the secret key, never showing the client secret', async () => {
    const list = await call('GET', '/v1/auth/providers', undefined, sk);
    expect(list.status).toBe(200);
    expect(list.json.data).toEqual([
      expect.objectContaining({
        slug: 'test-op',
        displayName: 'Test OP',
        issuer: op.issuer,
        scopes: ['openid', 'email', 'profile'],
        callbackUrl: `${base}/v1/auth/oidc/callback`,
      }),
    ]);
    expect(JSON.stringify(list.json)).not.toContain(op.clients[0]!.secret);
    expect((await call('GET', '/v1/auth/providers', undefined, pk)).status).toBe(403);
    // Replacing without a secret keeps the saved one.
    const kept = await call(
      'PUT',
      '/v1/auth/providers/test-op',
      { issuer: op.issuer, clientId: op.clients[0]!.id, displayName: 'Test OP' },
      sk,
    );
    expect(kept.status).toBe(200);
    // A new provider needs a secret; a wrong issuer fails at once.
    const noSecret = await call('PUT', '/v1/auth/providers/other', { issuer: op.issuer, clientId: 'x' }, sk);
    expect([noSecret.status, noSecret.json.code]).toEqual([400, 'request/invalid-body']);
    const wrong = await call(
      'PUT',
      '/v1/auth/providers/other',
      { issuer: `${base}/nope`, clientId: 'x', clientSecret: 'y' },
      sk,
    );
    expect([wrong.status, wrong.json.code]).toEqual([502, 'auth/oidc-discovery-failed']);
    expect((await call('GET', '/v1/auth/providers/other', undefined, sk)).json.code).toBe(
      'auth/provider-not-found',
    );
    expect((await call('DELETE', '/v1/auth/providers/other', undefined, sk)).status).toBe(404);
    // The secret is sealed at rest.
    const db = tables<AuthTables>(server.platform.services.database);
    const row = await db.selectFrom('auth_oidc_providers').selectAll().executeTakeFirstOrThrow();
    expect(row.client_secret).not.toContain(op.clients[0]!.secret);
  });

  it('signs a new user in: authorization URL, provider, callback, one-time code, session', async () => {
    const email = `oidc.${Date.now()}@example.com`;
    const sub = account({ email, email_verified: true });
    const url = new URL(await start());
    expect(url.origin).toBe(op.issuer);
    for (const p of ['state', 'nonce', 'code_challenge']) expect(url.searchParams.get(p)).toBeTruthy();
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(`${base}/v1/auth/oidc/callback`);
    const landing = await browse(url.href, sub, APP);
    expect(landing.searchParams.has('access_token')).toBe(false);
    const code = landing.searchParams.get('code')!;
    const session = await exchange(landing);
    expect(session.status, JSON.stringify(session.json)).toBe(200);
    expect(session.json.user).toMatchObject({ email, emailVerified: true });
    const me = await call('GET', '/v1/auth/user', undefined, session.json.accessToken);
    expect(me.json.id).toBe(session.json.user.id);
    // The code works once.
    const again = await call('POST', '/v1/auth/oidc/exchange', { code, codeVerifier: VERIFIER });
    expect([again.status, again.json.code]).toEqual([400, 'auth/invalid-code']);
    // The same account signs in to the same user.
    const second = await exchange(await signInAt(sub));
    expect(second.json.user.id).toBe(session.json.user.id);
  });

  it('redeems a code only with the verifier of the app that started the sign-in (login CSRF)', async () => {
    // Someone signs in as themselves and sends the app's landing URL to a victim: the victim's
    // app has another verifier, so the code signs nobody in there.
    const landing = await signInAt(
      account({ email: `csrf.${Date.now()}@example.com`, email_verified: true }),
    );
    const victim = await exchange(landing, randomBytes(32).toString('base64url'));
    expect([victim.status, victim.json.code]).toEqual([400, 'auth/invalid-code']);
    const noVerifier = await call('POST', '/v1/auth/oidc/exchange', {
      code: landing.searchParams.get('code'),
    });
    expect([noVerifier.status, noVerifier.json.code]).toEqual([400, 'request/invalid-body']);
    const noChallenge = await call('POST', '/v1/auth/oidc/authorize', {
      provider: 'test-op',
      redirectTo: APP,
    });
    expect([noChallenge.status, noChallenge.json.code]).toEqual([400, 'request/invalid-body']);
    // The app that started it still can.
    expect((await exchange(landing)).status).toBe(200);
  });

  it('forgets the identity with its user: the account then signs in to a new user', async () => {
    const sub = account({});
    const first = await exchange(await signInAt(sub));
    const removed = await call('DELETE', `/v1/auth/users/${first.json.user.id}`, undefined, sk);
    expect(removed.status).toBe(204);
    const again = await exchange(await signInAt(sub));
    expect(again.status).toBe(200);
    expect(again.json.user.id).not.toBe(first.json.user.id);
  });

  it('links a verified email to the existing account, and drops what an unproved registrant set', async () => {
    const email = `taken.${Date.now()}@example.com`;
    const squatter = await call('POST', '/v1/auth/sign-up', { email, password: PASSWORD });
    expect(squatter.status).toBe(201);
    const session = await exchange(await signInAt(account({ email, email_verified: true })));
    expect(session.json.user).toMatchObject({ id: squatter.json.user.id, emailVerified: true });
    // The registrant never proved the address: their password and sessions are gone.
    const login = await call('POST', '/v1/auth/sign-in', { email, password: PASSWORD });
    expect(login.json.code).toBe('auth/invalid-login');
    expect((await call('GET', '/v1/auth/user', undefined, squatter.json.accessToken)).status).toBe(401);
  });

  it('never links an unverified email to an existing password account', async () => {
    const email = `victim.${Date.now()}@example.com`;
    const victim = await call('POST', '/v1/auth/sign-up', { email, password: PASSWORD });
    const session = await exchange(await signInAt(account({ email, email_verified: false })));
    expect(session.status).toBe(200);
    expect(session.json.user.id).not.toBe(victim.json.user.id);
    expect(session.json.user.email).toMatch(/@oidc\.invalid$/);
    expect(session.json.user.emailVerified).toBe(false);
    // The victim's account is untouched.
    expect((await call('POST', '/v1/auth/sign-in', { email, password: PASSWORD })).status).toBe(200);
    // No email at all: a user of its own too.
    const bare = await exchange(await signInAt(account({})));
    expect(bare.json.user.email).toMatch(/@oidc\.invalid$/);
  });

  it('refuses a provider not configured and a redirectTo not allowed', async () => {
    const none = await call('POST', '/v1/auth/oidc/authorize', {
      provider: 'nope',
      redirectTo: APP,
      codeChallenge: CHALLENGE,
    });
    expect([none.status, none.json.code]).toEqual([404, 'auth/provider-not-found']);
    const evil = await call('POST', '/v1/auth/oidc/authorize', {
      provider: 'test-op',
      redirectTo: 'http://evil.test/callback',
      codeChallenge: CHALLENGE,
    });
    expect([evil.status, evil.json.code]).toEqual([400, 'auth/redirect-not-allowed']);
    const bad = await call('POST', '/v1/auth/oidc/authorize', {
      provider: 'Not A Slug',
      redirectTo: APP,
      codeChallenge: CHALLENGE,
    });
    expect(bad.status).toBe(400);
  });

  /** Drives the provider to the platform's callback and stops there: the callback URL. */
  async function toCallback(sub: string, edit?: (url: URL) => void): Promise<URL> {
    const url = new URL(await start());
    edit?.(url);
    return browse(url.href, sub, `${base}/v1/auth/oidc/callback`);
  }

  it('refuses a wrong state, a replayed callback and an expired one (problem+json, no redirect)', async () => {
    const sub = account({ email: `s.${Date.now()}@example.com`, email_verified: true });
    const callback = await toCallback(sub);
    const wrong = new URL(callback);
    wrong.searchParams.set('state', 'not-the-state');
    for (const url of [wrong, new URL(`${base}/v1/auth/oidc/callback?code=x`)]) {
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(((await res.json()) as { code: string }).code).toBe('auth/oidc-invalid-state');
    }
    const first = await fetch(callback, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(new URL(first.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    const replay = await fetch(callback, { redirect: 'manual' });
    expect([replay.status, ((await replay.json()) as { code: string }).code]).toEqual([
      400,
      'auth/oidc-invalid-state',
    ]);

    const late = await toCallback(sub);
    const db = tables<AuthTables>(server.platform.services.database);
    await db
      .updateTable('auth_oidc_flows')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('used_at', 'is', null)
      .execute();
    const expired = await fetch(late, { redirect: 'manual' });
    expect([expired.status, ((await expired.json()) as { code: string }).code]).toEqual([
      400,
      'auth/oidc-invalid-state',
    ]);
  });

  it('limits callbacks per client address: a script guessing states gets 429, others are unaffected', async () => {
    const guess = (ip: string) =>
      fetch(`${base}/v1/auth/oidc/callback?code=x&state=guess`, {
        redirect: 'manual',
        headers: { 'x-forwarded-for': ip },
      });
    // Addresses of this run only: with Redis, buckets outlive the platform.
    const [script, person] = [1, 2].map(
      () => `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`,
    );
    for (let i = 0; i < 60; i++) expect((await guess(script!)).status).toBe(400);
    const refused = await guess(script!);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { code: string }).code).toBe('rate-limit/exceeded');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await guess(person!)).status).toBe(400);
  });

  it('sends the app an error when the ID token does not check out (other nonce, code of another client)', async () => {
    const sub = account({ email: `n.${Date.now()}@example.com`, email_verified: true });
    // The provider puts the nonce it was given in the ID token: not the one the platform keeps.
    const badNonce = await signInAt(sub, (url) => url.searchParams.set('nonce', 'a-nonce-of-someone-else'));
    expect(badNonce.searchParams.get('error')).toBe('server_error');
    expect(badNonce.searchParams.has('code')).toBe(false);
    // A code issued to another client (another audience) is refused at the exchange.
    const otherClient = await signInAt(sub, (url) => url.searchParams.set('client_id', op.clients[1]!.id));
    expect(otherClient.searchParams.get('error')).toBe('server_error');
    // A changed PKCE challenge: the verifier no longer matches.
    const badPkce = await signInAt(sub, (url) => url.searchParams.set('code_challenge', 'A'.repeat(43)));
    expect(badPkce.searchParams.get('error')).toBe('server_error');
  });

  const now = () => Math.floor(Date.now() / 1000);
  const tampered: Array<{ name: string; tamper: (c: Record<string, unknown>) => Record<string, unknown> }> = [
    { name: 'another audience', tamper: (c) => ({ ...c, aud: 'someone-else' }) },
    { name: 'another issuer', tamper: (c) => ({ ...c, iss: 'http://127.0.0.1:1' }) },
    { name: 'another nonce', tamper: (c) => ({ ...c, nonce: 'not-the-nonce' }) },
    { name: 'no nonce', tamper: ({ nonce: _, ...c }) => c },
    { name: 'expired', tamper: (c) => ({ ...c, iat: now() - 7200, exp: now() - 3600 }) },
  ];

  it.each(tampered)(
    'refuses an ID token with $name (a lax provider, openid-client checks)',
    async ({ tamper }) => {
      const saved = await call(
        'PUT',
        '/v1/auth/providers/lax',
        { issuer: fake.issuer, clientId: 'fake-client', clientSecret: 'fake-secret' },
        sk,
      );
      expect(saved.status).toBe(200);
      const landingOf = async () => {
        const res = await call('POST', '/v1/auth/oidc/authorize', {
          provider: 'lax',
          redirectTo: APP,
          codeChallenge: CHALLENGE,
        });
        return browse(res.json.url, 'unused', APP);
      };
      // The same provider with the token left alone signs in: only the tampered claim differs.
      fake.tamper = (c) => c;
      expect((await exchange(await landingOf())).status).toBe(200);
      fake.tamper = tamper;
      try {
        const landing = await landingOf();
        expect(landing.searchParams.get('error')).toBe('server_error');
        expect(landing.searchParams.has('code')).toBe(false);
      } finally {
        fake.tamper = (c) => c;
      }
    },
  );

  it("passes the provider's refusal on, and refuses a disabled user", async () => {
    const sub = account({ email: `d.${Date.now()}@example.com`, email_verified: true });
    const denied = await signInAt(sub, (url) => url.searchParams.set('prompt', 'none'));
    // prompt=none without a session at the OP: login_required, back to the app.
    expect(denied.searchParams.get('error')).toBe('login_required');
    const session = await exchange(await signInAt(sub));
    const off = await call('PATCH', `/v1/auth/users/${session.json.user.id}`, { disabled: true }, sk);
    expect(off.status).toBe(200);
    const landing = await signInAt(sub);
    expect(landing.searchParams.get('error')).toBe('access_denied');
  });
});
