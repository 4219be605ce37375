import { createHmac } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../src/db/database.js';
import type { AuthTables } from '../src/modules/auth/store.js';
import { authTestPlatform, freshIp, signedInUser } from './support/auth.js';
import { BACKENDS } from './support/backends.js';
import type { TestPlatform } from './support/harness.js';

// End-user auth over HTTP on every backend: sessions, refresh rotation and reuse, revocation,
// tenant isolation, token forgeries, email codes and links, brute-force limits, JWKS.

const GRACE_SECONDS = 3;
let emails = 0;
const freshEmail = () => `user${++emails}.${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery';

describe.each(BACKENDS)('auth on $name', (backend) => {
  let t: TestPlatform;
  let pk: string;
  let sk: string;
  let projectId: string;

  beforeAll(async () => {
    t = await authTestPlatform(backend, () => ({
      auth: {
        ...loadAuth(),
        refreshGraceSeconds: GRACE_SECONDS,
        redirectUrls: ['http://app.test/auth'],
      },
    }));
    pk = t.keys.publishableKey;
    sk = t.keys.secretKey;
    projectId = t.keys.projectId;
  });
  afterAll(() => t?.close());

  // Defaults of the test platform, with overrides above.
  const loadAuth = () => ({
    accessTtlSeconds: 3600,
    refreshTtlSeconds: 30 * 86_400,
    refreshGraceSeconds: 10,
    scrypt: { N: 1024, r: 8, p: 1 },
    smtpUrl: null,
    smtpFrom: 'Aerostack <no-reply@localhost>',
    redirectUrls: [] as string[],
  });

  const post = (path: string, body: unknown, auth = pk, ip = freshIp()) =>
    t.call({ method: 'POST', path, body, auth, headers: { 'x-forwarded-for': ip } });

  async function signUp(email = freshEmail(), key = pk) {
    const res = await post('/v1/auth/sign-up', { email, password: PASSWORD, metadata: { name: 'Ada' } }, key);
    expect(res.status, res.text).toBe(201);
    return { email, session: res.json };
  }

  /** The newest kept email to `to` (the outbox of the key's project). */
  async function lastEmailTo(to: string, key = sk) {
    const res = await t.call({ method: 'GET', path: '/v1/auth/outbox?limit=1000', auth: key });
    expect(res.status, res.text).toBe(200);
    const message = res.json.data.find((m: { to: string }) => m.to === to);
    expect(message, `no email to ${to}`).toBeDefined();
    return message as { to: string; subject: string; text: string };
  }
  const tokenIn = (text: string) => /[?&]token=([0-9A-Za-z]+)/.exec(text)?.[1] as string;

  const me = (accessToken: string) => t.call({ method: 'GET', path: '/v1/auth/user', auth: accessToken });

  it('signs up, reads the user, verifies the email through the emailed link', async () => {
    const { email, session } = await signUp();
    expect(session).toMatchObject({
      tokenType: 'bearer',
      user: { email, emailVerified: false, metadata: { name: 'Ada' } },
    });
    expect(session.expiresIn).toBeGreaterThan(3500);
    expect(session.accessToken).toMatch(/^eyJ/);
    expect(session.user.id).toMatch(/^usr_/);

    const res = await me(session.accessToken);
    expect(res.status, res.text).toBe(200);
    expect(res.json.id).toBe(session.user.id);

    const mail = await lastEmailTo(email);
    expect(mail.text).toContain('type=verify-email');
    const verified = await post('/v1/auth/verify-email', { token: tokenIn(mail.text) });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.json.emailVerified).toBe(true);
    const again = await post('/v1/auth/verify-email', { token: tokenIn(mail.text) });
    expect(again.json.code).toBe('auth/invalid-link');
  });

  it('refuses a second sign-up with the same email, in any case', async () => {
    const { email } = await signUp();
    const res = await post('/v1/auth/sign-up', { email: email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('auth/email-taken');
  });

  it('signs in with the password; a wrong password and an unknown email answer alike', async () => {
    const { email } = await signUp();
    const ok = await post('/v1/auth/sign-in', { email, password: PASSWORD });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.user.lastSignInAt).not.toBeNull();
    const wrong = await post('/v1/auth/sign-in', { email, password: 'not the password' });
    const unknown = await post('/v1/auth/sign-in', { email: freshEmail(), password: PASSWORD });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.json.code).toBe('auth/invalid-login');
      expect(res.json.detail).toBe(wrong.json.detail);
    }
  });

  it.each([
    ['an unknown field', { email: 'a@example.com', password: PASSWORD, admin: true }],
    ['a short password', { email: 'a@example.com', password: 'short' }],
    ['a number for the email', { email: 42, password: PASSWORD }],
    ['no email', { password: PASSWORD }],
    ['metadata that is not an object', { email: 'a@example.com', password: PASSWORD, metadata: [1] }],
  ])('refuses a sign-up with %s', async (_name, body) => {
    const res = await post('/v1/auth/sign-up', body);
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe('request/invalid-body');
  });

  it('refuses metadata over 16 KiB', async () => {
    const res = await post('/v1/auth/sign-up', {
      email: freshEmail(),
      password: PASSWORD,
      metadata: { blob: 'x'.repeat(17 * 1024) },
    });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('request/invalid-body');
  });

  it('needs a project key for sign-up and a session for the user', async () => {
    expect(
      (await post('/v1/auth/sign-up', { email: freshEmail(), password: PASSWORD }, t.keys.accountKey)).status,
    ).toBe(403);
    expect((await me(pk)).json.code).toBe('auth/wrong-credential-type');
    expect((await t.call({ method: 'GET', path: '/v1/auth/user' })).status).toBe(401);
  });

  it('rotates the refresh token on every use; a retry within the grace interval gets the same successor', async () => {
    const { session } = await signUp();
    const first = await post('/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect(first.status, first.text).toBe(200);
    expect(first.json.refreshToken).not.toBe(session.refreshToken);
    const retry = await post('/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect(retry.status, retry.text).toBe(200);
    expect(retry.json.refreshToken).toBe(first.json.refreshToken);
    expect(retry.json.accessToken).toBe(first.json.accessToken);
    // The successor works, once; its own successor is new.
    const next = await post('/v1/auth/refresh', { refreshToken: first.json.refreshToken });
    expect(next.status).toBe(200);
    expect(next.json.refreshToken).not.toBe(first.json.refreshToken);
    expect((await me(next.json.accessToken)).status).toBe(200);
  });

  it('revokes the whole session when a used refresh token comes back after the grace interval', async () => {
    const { session } = await signUp();
    const rotated = await post('/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect(rotated.status).toBe(200);
    await new Promise((r) => setTimeout(r, (GRACE_SECONDS + 1.5) * 1000));
    const reused = await post('/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect(reused.status).toBe(401);
    expect(reused.json.code).toBe('auth/refresh-token-reused');
    // The family is gone: the successor and every access token of the session are refused.
    const successor = await post('/v1/auth/refresh', { refreshToken: rotated.json.refreshToken });
    expect(successor.json.code).toBe('auth/invalid-refresh-token');
    expect((await me(rotated.json.accessToken)).status).toBe(401);
    expect((await me(session.accessToken)).status).toBe(401);
  }, 15_000);

  it('rotates once for 20 concurrent refreshes with the same token', async () => {
    const { session } = await signUp();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post('/v1/auth/refresh', { refreshToken: session.refreshToken })),
    );
    for (const res of answers) expect(res.status, res.text).toBe(200);
    expect(new Set(answers.map((r) => r.json.refreshToken)).size).toBe(1);
    const db = tables<AuthTables>(t.platform.services.database);
    const sid = session.refreshToken.slice(3).split('.')[0];
    const row = await db
      .selectFrom('auth_sessions')
      .select(['counter', 'revoked_at'])
      .where('id', '=', sid)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ counter: 1, revoked_at: null });
  });

  it('refuses forged, foreign and malformed refresh tokens', async () => {
    const { session } = await signUp();
    const [id, counter, mac] = session.refreshToken.slice(3).split('.');
    const forged = [
      `rt_${id}.${Number(counter) + 1}.${mac}`,
      `rt_${id}.${counter}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      'rt_nothing',
      session.accessToken,
    ];
    for (const refreshToken of forged) {
      const res = await post('/v1/auth/refresh', { refreshToken });
      expect(res.status, refreshToken).toBe(401);
      expect(res.json.code).toBe('auth/invalid-refresh-token');
    }
    // The real one still works (forgeries do not count as reuse).
    expect((await post('/v1/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(200);
  });

  it('signs out this session, or everywhere, taking effect on the next request', async () => {
    const { email, session: a } = await signUp();
    const b = (await post('/v1/auth/sign-in', { email, password: PASSWORD })).json;
    const c = (await post('/v1/auth/sign-in', { email, password: PASSWORD })).json;
    expect((await me(a.accessToken)).status).toBe(200); // cached now

    const out = await t.call({ method: 'POST', path: '/v1/auth/sign-out', auth: a.accessToken });
    expect(out.status, out.text).toBe(204);
    expect((await me(a.accessToken)).status).toBe(401);
    expect((await me(b.accessToken)).status).toBe(200);

    const all = await t.call({
      method: 'POST',
      path: '/v1/auth/sign-out',
      auth: b.accessToken,
      body: { scope: 'everywhere' },
    });
    expect(all.status).toBe(204);
    expect((await me(b.accessToken)).status).toBe(401);
    expect((await me(c.accessToken)).status).toBe(401);
    expect((await post('/v1/auth/refresh', { refreshToken: c.refreshToken })).json.code).toBe(
      'auth/invalid-refresh-token',
    );
  });

  it('disabling a user ends their sessions at once and stops sign-in; enabling lets them back in', async () => {
    const { email, session } = await signUp();
    expect((await me(session.accessToken)).status).toBe(200);
    const path = `/v1/auth/users/${session.user.id}`;
    const off = await t.call({ method: 'PATCH', path, auth: sk, body: { disabled: true } });
    expect(off.status, off.text).toBe(200);
    expect(off.json.disabled).toBe(true);
    expect((await me(session.accessToken)).status).toBe(401);
    const refused = await post('/v1/auth/sign-in', { email, password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe('auth/user-disabled');
    const on = await t.call({ method: 'PATCH', path, auth: sk, body: { disabled: false } });
    expect(on.json.disabled).toBe(false);
    expect((await post('/v1/auth/sign-in', { email, password: PASSWORD })).status).toBe(200);
    expect((await me(session.accessToken)).status).toBe(401); // the old session stays ended
  });

  it('keeps projects apart: the token names its project, another project sees none of its users', async () => {
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'B' },
    });
    expect(created.status, created.text).toBe(201);
    const skB = created.json.secretKey.key as string;
    const pkB = created.json.publishableKey.key as string;
    const { email, session } = await signUp();

    expect(
      (await t.call({ method: 'GET', path: `/v1/auth/users/${session.user.id}`, auth: skB })).json.code,
    ).toBe('auth/user-not-found');
    for (const method of ['PATCH', 'DELETE']) {
      const res = await t.call({
        method,
        path: `/v1/auth/users/${session.user.id}`,
        auth: skB,
        ...(method === 'PATCH' ? { body: { disabled: true } } : {}),
      });
      expect(res.status, method).toBe(404);
    }
    expect((await t.call({ method: 'GET', path: '/v1/auth/users', auth: skB })).json.data).toEqual([]);
    expect((await post('/v1/auth/refresh', { refreshToken: session.refreshToken }, pkB)).json.code).toBe(
      'auth/invalid-refresh-token',
    );
    expect((await post('/v1/auth/sign-in', { email, password: PASSWORD }, pkB)).json.code).toBe(
      'auth/invalid-login',
    );
    // The same email is a different user in B.
    const inB = await post('/v1/auth/sign-up', { email, password: PASSWORD }, pkB);
    expect(inB.status).toBe(201);
    expect(inB.json.user.id).not.toBe(session.user.id);
    // Each token is its own project's: the user it names is in that project.
    expect((await me(inB.json.accessToken)).json.id).toBe(inB.json.user.id);
    expect((await me(session.accessToken)).json.id).toBe(session.user.id);
    const claims = JSON.parse(Buffer.from(inB.json.accessToken.split('.')[1], 'base64url').toString());
    expect(claims.aud).toBe(created.json.project.id);
    // B's JWKS does not verify A's tokens.
    const jwksB = (await t.call({ method: 'GET', path: `/v1/auth/projects/${created.json.project.id}/jwks` }))
      .json;
    await expect(jwtVerify(session.accessToken, createLocalJWKSet(jwksB))).rejects.toThrow();
  });

  it('refuses expired, tampered and wrong-algorithm access tokens', async () => {
    const { session } = await signUp();
    const [header, payload, signature] = session.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString());
    const key = await t.platform.services.auth.keys.signingKey(projectId);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .setIssuer(claims.iss)
      .setAudience(claims.aud)
      .setSubject(claims.sub)
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(key.privateKey);
    const res = await me(expired);
    expect(res.status).toBe(401);
    expect(res.json.code).toBe('auth/token-expired');

    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwks = (await t.call({ method: 'GET', path: `/v1/auth/projects/${projectId}/jwks` })).json;
    const publicJwk = JSON.stringify(jwks.keys[0]);
    const hs256 = (() => {
      const head = b64({ alg: 'HS256', kid, typ: 'JWT' });
      const sig = createHmac('sha256', publicJwk).update(`${head}.${payload}`).digest('base64url');
      return `${head}.${payload}.${sig}`;
    })();
    const forgeries = {
      tampered: `${header}.${b64({ ...claims, sub: 'usr_00000000000000000000' })}.${signature}`,
      'longer life': `${header}.${b64({ ...claims, exp: claims.exp + 86_400 })}.${signature}`,
      'alg none': `${b64({ alg: 'none', kid })}.${payload}.`,
      'alg none, signature kept': `${b64({ alg: 'none', kid })}.${payload}.${signature}`,
      'HS256 with the public key': hs256,
      'unknown kid': `${b64({ alg: 'EdDSA', kid: 'nope' })}.${payload}.${signature}`,
      garbage: 'eyJhbGciOi.not-a.jwt',
    };
    for (const [name, token] of Object.entries(forgeries)) {
      const answer = await me(token);
      expect(answer.status, name).toBe(401);
      expect(answer.json.code, name).toBe('auth/invalid-credentials');
    }
    expect((await me(session.accessToken)).status).toBe(200);
  });

  it('publishes a JWKS that verifies access tokens with jose, from outside', async () => {
    const { session } = await signUp();
    const res = await t.call({ method: 'GET', path: `/v1/auth/projects/${projectId}/jwks` });
    expect(res.status, res.text).toBe(200);
    const { payload, protectedHeader } = await jwtVerify(session.accessToken, createLocalJWKSet(res.json), {
      audience: projectId,
      issuer: `${t.platform.services.config.publicUrl}/v1/auth/projects/${projectId}`,
    });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload.sub).toBe(session.user.id);
    expect(payload.sid).toMatch(/^ses_/);
    const unknown = await t.call({ method: 'GET', path: '/v1/auth/projects/prj_00000000000000000000/jwks' });
    expect(unknown.json).toEqual({ keys: [] });
  });

  it('rotates the signing key; tokens of the old key stay valid until they expire', async () => {
    const { email, session: before } = await signUp();
    const rotated = await t.call({ method: 'POST', path: '/v1/auth/signing-keys/rotate', auth: sk });
    expect(rotated.status, rotated.text).toBe(201);
    const after = (await post('/v1/auth/sign-in', { email, password: PASSWORD })).json;
    const kidOf = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
    expect(kidOf(after.accessToken)).toBe(rotated.json.kid);
    expect(kidOf(before.accessToken)).not.toBe(rotated.json.kid);
    expect((await me(before.accessToken)).status).toBe(200);
    expect((await me(after.accessToken)).status).toBe(200);
    const jwks = (await t.call({ method: 'GET', path: `/v1/auth/projects/${projectId}/jwks` })).json;
    const kids = jwks.keys.map((k: { kid: string }) => k.kid);
    expect(kids).toContain(kidOf(before.accessToken));
    expect(kids).toContain(rotated.json.kid);
    for (const token of [before.accessToken, after.accessToken]) {
      await expect(jwtVerify(token, createLocalJWKSet(jwks))).resolves.toBeDefined();
    }
    expect((await t.call({ method: 'POST', path: '/v1/auth/signing-keys/rotate', auth: pk })).status).toBe(
      403,
    );
  });

  it('signs in with an emailed code, which allows five attempts', async () => {
    const email = freshEmail();
    const sent = await post('/v1/auth/otp', { email });
    expect(sent.status, sent.text).toBe(204);
    const code = /code is (\d{6})/.exec((await lastEmailTo(email)).text)?.[1] as string;
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await post('/v1/auth/otp/verify', { email, code: wrong });
      expect(res.json.code).toBe('auth/invalid-otp');
    }
    const tooLate = await post('/v1/auth/otp/verify', { email, code });
    expect(tooLate.status).toBe(401);
    expect(tooLate.json.code).toBe('auth/invalid-otp');

    await post('/v1/auth/otp', { email });
    const fresh = /code is (\d{6})/.exec((await lastEmailTo(email)).text)?.[1] as string;
    const ok = await post('/v1/auth/otp/verify', { email, code: fresh });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.user).toMatchObject({ email, emailVerified: true });
    expect((await post('/v1/auth/otp/verify', { email, code: fresh })).json.code).toBe('auth/invalid-otp');
  });

  it('proving an address by code drops the password and sessions of whoever registered it unproven', async () => {
    const { email, session: squatter } = await signUp();
    await post('/v1/auth/otp', { email });
    const code = /code is (\d{6})/.exec((await lastEmailTo(email)).text)?.[1] as string;
    const owner = await post('/v1/auth/otp/verify', { email, code });
    expect(owner.status, owner.text).toBe(200);
    expect(owner.json.user).toMatchObject({ id: squatter.user.id, emailVerified: true });
    expect((await me(squatter.accessToken)).status).toBe(401);
    expect((await post('/v1/auth/sign-in', { email, password: PASSWORD })).json.code).toBe(
      'auth/invalid-login',
    );
    expect((await me(owner.json.accessToken)).status).toBe(200);
    // A verified user keeps password and sessions when they also sign in by code.
    await post('/v1/auth/otp', { email });
    const again = /code is (\d{6})/.exec((await lastEmailTo(email)).text)?.[1] as string;
    expect((await post('/v1/auth/otp/verify', { email, code: again })).status).toBe(200);
    expect((await me(owner.json.accessToken)).status).toBe(200);
  });

  it('answers a code request the same for known and unknown emails', async () => {
    const { email } = await signUp();
    const known = await post('/v1/auth/otp', { email });
    const unknown = await post('/v1/auth/otp', { email: freshEmail() });
    expect([known.status, unknown.status]).toEqual([204, 204]);
    const resetKnown = await post('/v1/auth/password-reset', { email });
    const resetUnknown = await post('/v1/auth/password-reset', { email: freshEmail() });
    expect([resetKnown.status, resetUnknown.status]).toEqual([204, 204]);
  });

  it('signs in with a magic link, once; links point only at allowed URLs', async () => {
    const { email, session } = await signUp();
    const sent = await post('/v1/auth/magic-link', { email, redirectTo: 'http://app.test/auth/callback' });
    expect(sent.status, sent.text).toBe(204);
    const mail = await lastEmailTo(email);
    expect(mail.text).toContain('http://app.test/auth/callback?token=');
    const token = tokenIn(mail.text);
    const ok = await post('/v1/auth/magic-link/verify', { token });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.user.id).toBe(session.user.id);
    const again = await post('/v1/auth/magic-link/verify', { token });
    expect(again.status).toBe(400);
    expect(again.json.code).toBe('auth/invalid-link');

    for (const redirectTo of [
      'https://evil.example/auth',
      'http://app.test.evil.example/auth',
      'http://app.test@evil.example/auth',
      'http://app.test/authx',
      'http://app.test/other',
    ]) {
      const res = await post('/v1/auth/magic-link', { email: freshEmail(), redirectTo });
      expect(res.status, redirectTo).toBe(400);
      expect(res.json.code).toBe('auth/redirect-not-allowed');
    }
  });

  it("lets links point at the project's own redirect URLs, and only its own", async () => {
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'C' },
    });
    const skC = created.json.secretKey.key as string;
    const pkC = created.json.publishableKey.key as string;
    const settings = (urls: unknown, key = sk) =>
      t.call({ method: 'PUT', path: '/v1/auth/settings', auth: key, body: { redirectUrls: urls } });
    expect((await t.call({ method: 'GET', path: '/v1/auth/settings', auth: sk })).json).toEqual({
      redirectUrls: [],
    });
    const saved = await settings(['https://mine.example/cb', 'myapp://auth']);
    expect(saved.status, saved.text).toBe(200);
    expect((await t.call({ method: 'GET', path: '/v1/auth/settings', auth: sk })).json.redirectUrls).toEqual([
      'https://mine.example/cb',
      'myapp://auth',
    ]);
    const link = (redirectTo: string, key = pk) =>
      post('/v1/auth/magic-link', { email: freshEmail(), redirectTo }, key);
    expect((await link('https://mine.example/cb/finish')).status).toBe(204);
    expect((await link('myapp://auth/done')).status).toBe(204);
    expect((await link('https://mine.example/other')).json.code).toBe('auth/redirect-not-allowed');
    // Another project's settings allow nothing here, and this project's nothing there.
    expect((await link('https://mine.example/cb', pkC)).json.code).toBe('auth/redirect-not-allowed');
    expect((await settings(['https://theirs.example/cb'], skC)).status).toBe(200);
    expect((await link('https://theirs.example/cb')).json.code).toBe('auth/redirect-not-allowed');
    expect((await settings(['https://*.example/cb'])).json.code).toBe('request/invalid-body');
    expect((await settings('https://mine.example')).status).toBe(400);
    expect((await settings(['https://mine.example'], pk)).status).toBe(403);
  });

  it('resets a password through the emailed link, ending every session', async () => {
    const { email, session } = await signUp();
    expect((await post('/v1/auth/password-reset', { email })).status).toBe(204);
    const token = tokenIn((await lastEmailTo(email)).text);
    const reset = await post('/v1/auth/password-reset/confirm', { token, password: 'a brand new password' });
    expect(reset.status, reset.text).toBe(204);
    expect((await me(session.accessToken)).status).toBe(401);
    expect((await post('/v1/auth/sign-in', { email, password: PASSWORD })).status).toBe(401);
    expect((await post('/v1/auth/sign-in', { email, password: 'a brand new password' })).status).toBe(200);
    expect(
      (await post('/v1/auth/password-reset/confirm', { token, password: 'yet another one' })).json.code,
    ).toBe('auth/invalid-link');
  });

  it('updates the user: metadata, and a password that needs the current one', async () => {
    const { email, session } = await signUp();
    const other = (await post('/v1/auth/sign-in', { email, password: PASSWORD })).json;
    const patch = (body: unknown) =>
      t.call({ method: 'PATCH', path: '/v1/auth/user', auth: session.accessToken, body });
    const meta = await patch({ metadata: { name: 'Grace' } });
    expect(meta.status, meta.text).toBe(200);
    expect(meta.json.metadata).toEqual({ name: 'Grace' });
    expect((await patch({ password: 'new password 1' })).json.code).toBe('auth/wrong-password');
    expect((await patch({ password: 'new password 1', currentPassword: 'wrong one' })).status).toBe(403);
    const changed = await patch({ password: 'new password 1', currentPassword: PASSWORD });
    expect(changed.status, changed.text).toBe(200);
    expect((await me(session.accessToken)).status).toBe(200);
    expect((await me(other.accessToken)).status).toBe(401);
    expect((await post('/v1/auth/sign-in', { email, password: 'new password 1' })).status).toBe(200);
    expect((await patch({})).status).toBe(400);
  });

  it('deletes the own account: its token stops working, the email is free again', async () => {
    const { email, session } = await signUp();
    const res = await t.call({ method: 'DELETE', path: '/v1/auth/user', auth: session.accessToken });
    expect(res.status, res.text).toBe(204);
    expect((await me(session.accessToken)).status).toBe(401);
    expect(
      (await t.call({ method: 'GET', path: `/v1/auth/users/${session.user.id}`, auth: sk })).status,
    ).toBe(404);
    expect((await post('/v1/auth/sign-up', { email, password: PASSWORD })).status).toBe(201);
  });

  it('lists users for the secret key, page by page', async () => {
    for (let i = 0; i < 3; i++) await signUp();
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const res = await t.call({
        method: 'GET',
        path: `/v1/auth/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        auth: sk,
      });
      expect(res.status, res.text).toBe(200);
      for (const user of res.json.data) seen.add(user.id);
      cursor = res.json.nextCursor;
    } while (cursor);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    expect((await t.call({ method: 'GET', path: '/v1/auth/users', auth: pk })).status).toBe(403);
    expect(
      (await t.call({ method: 'GET', path: '/v1/auth/users/usr_00000000000000000000', auth: sk })).status,
    ).toBe(404);
    expect(
      (await t.call({ method: 'DELETE', path: '/v1/auth/users/usr_00000000000000000000', auth: sk })).status,
    ).toBe(404);
  });

  it('limits password guesses per email across IPs, and per IP across emails', async () => {
    const { email } = await signUp();
    let last = await post('/v1/auth/sign-in', { email, password: 'wrong password' });
    for (let i = 1; i < 10; i++) last = await post('/v1/auth/sign-in', { email, password: 'wrong password' });
    expect(last.status).toBe(401);
    const limited = await post('/v1/auth/sign-in', { email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.json.code).toBe('rate-limit/exceeded');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const ip = freshIp();
    const answers = [];
    for (let i = 0; i < 61; i++)
      answers.push(
        (await post('/v1/auth/sign-in', { email: freshEmail(), password: PASSWORD }, pk, ip)).status,
      );
    expect(answers.slice(0, 60).every((s) => s === 401)).toBe(true);
    expect(answers[60]).toBe(429);
  });

  it('limits code requests per email', async () => {
    const email = freshEmail();
    for (let i = 0; i < 5; i++) expect((await post('/v1/auth/otp', { email })).status).toBe(204);
    const limited = await post('/v1/auth/otp', { email });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
  });
});

describe.each(BACKENDS)('auth secrets and lifetimes on $name', (backend) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await authTestPlatform(backend);
  });
  afterAll(() => t?.close());

  const post = (path: string, body: unknown) =>
    t.call({
      method: 'POST',
      path,
      body,
      auth: t.keys.publishableKey,
      headers: { 'x-forwarded-for': freshIp() },
    });
  const outbox = async () =>
    (await t.call({ method: 'GET', path: '/v1/auth/outbox', auth: t.keys.secretKey })).json.data as Array<{
      to: string;
      text: string;
    }>;
  const db = () => tables<AuthTables>(t.platform.services.database);

  it('keeps no token, code or link in the database, only hashes and sealed secrets', async () => {
    const user = await signedInUser(t);
    const refreshed = (await post('/v1/auth/refresh', { refreshToken: user.refreshToken })).json;
    await post('/v1/auth/otp', { email: user.email });
    await post('/v1/auth/magic-link', { email: user.email });
    await post('/v1/auth/password-reset', { email: user.email });
    const mails = (await outbox()).filter((m) => m.to === user.email);
    expect(mails.length).toBe(4); // verification, code, magic link, reset
    const secrets = [
      user.refreshToken,
      refreshed.refreshToken,
      user.accessToken.split('.')[2]!,
      ...mails.flatMap((m) => [
        ...(m.text.match(/token=([0-9A-Za-z]+)/g) ?? []).map((s) => s.slice(6)),
        ...(m.text.match(/code is (\d{6})/g) ?? []).map((s) => s.slice(8)),
      ]),
      'correct horse battery',
    ];
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    const dump = JSON.stringify(
      await Promise.all(
        (['auth_users', 'auth_sessions', 'auth_signing_keys', 'auth_codes', 'auth_outbox'] as const).map(
          (table) => db().selectFrom(table).selectAll().execute(),
        ),
      ),
    );
    for (const secret of secrets) {
      // A 6-digit code could appear by chance inside other text; look for it as a whole value.
      const found =
        secret.length === 6 ? new RegExp(`"${secret}"|\\b${secret}\\b`).test(dump) : dump.includes(secret);
      expect(found, `a secret of length ${secret.length} is stored`).toBe(false);
    }
  });

  it('refuses an expired code and an expired link', async () => {
    const user = await signedInUser(t);
    await post('/v1/auth/otp', { email: user.email });
    await post('/v1/auth/magic-link', { email: user.email });
    const mails = (await outbox()).filter((m) => m.to === user.email);
    const code = /code is (\d{6})/.exec(mails.find((m) => m.text.includes('code is'))!.text)![1];
    const token = /token=([0-9A-Za-z]+)&type=magic-link/.exec(
      mails.find((m) => m.text.includes('magic-link'))!.text,
    )![1];
    await db()
      .updateTable('auth_codes')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('email', '=', user.email)
      .execute();
    expect((await post('/v1/auth/otp/verify', { email: user.email, code })).json.code).toBe(
      'auth/invalid-otp',
    );
    expect((await post('/v1/auth/magic-link/verify', { token })).json.code).toBe('auth/invalid-link');
  });

  it('ends a session whose refresh token went unused for the refresh lifetime', async () => {
    const user = await signedInUser(t);
    const sid = user.refreshToken.slice(3).split('.')[0]!;
    const longAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
    await db().updateTable('auth_sessions').set({ rotated_at: longAgo }).where('id', '=', sid).execute();
    const res = await post('/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe('auth/invalid-refresh-token');
  });

  it('a new code replaces the previous one', async () => {
    const user = await signedInUser(t);
    await post('/v1/auth/otp', { email: user.email });
    const first = /code is (\d{6})/.exec(
      (await outbox()).find((m) => m.to === user.email && m.text.includes('code is'))!.text,
    )![1];
    await post('/v1/auth/otp', { email: user.email });
    const second = /code is (\d{6})/.exec(
      (await outbox()).find((m) => m.to === user.email && m.text.includes('code is'))!.text,
    )![1];
    if (first !== second) {
      expect((await post('/v1/auth/otp/verify', { email: user.email, code: first })).json.code).toBe(
        'auth/invalid-otp',
      );
    }
    expect((await post('/v1/auth/otp/verify', { email: user.email, code: second })).status).toBe(200);
  });
});
