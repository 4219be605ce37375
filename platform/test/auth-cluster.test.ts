import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fresh, type PlatformProcess, spawnPlatform } from './support/process.js';

// End-user sessions in multi-process mode (AEROSTACK_WORKERS=2): each worker caches live sessions
// and signing keys in memory, so a sign-out through one worker must be honoured by the other on
// the very next request, and concurrent refreshes spread over both workers rotate once.

let platform: PlatformProcess;
let keys: { publishableKey: string; secretKey: string; projectId: string };

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aerostack-auth-cluster-'));
  platform = await spawnPlatform(join(import.meta.dirname, 'fixtures/main.ts'), {
    AEROSTACK_DATA_DIR: dataDir,
    AEROSTACK_WORKERS: '2',
    AEROSTACK_AUTH_SCRYPT: '1024:8:1',
  });
  keys = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8'));
}, 60_000);
afterAll(async () => {
  expect(await platform?.stop()).toBe(0);
});

const worker = (answer: { headers: Record<string, unknown> }) =>
  answer.headers['x-aerostack-worker'] as string;

async function onEachWorker(send: () => ReturnType<typeof fresh>) {
  const seen = new Map<string, Awaited<ReturnType<typeof fresh>>>();
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const answer = await send();
    seen.set(worker(answer), answer);
  }
  return seen;
}

const post = (path: string, credential: string, body: unknown) =>
  fresh(`${platform.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('auth in multi-process mode', () => {
  it('a sign-out through one worker is honoured by the other on the next request', async () => {
    const signedUp = await post('/v1/auth/sign-up', keys.publishableKey, {
      email: 'cluster@example.com',
      password: 'correct horse battery',
    });
    expect(signedUp.status, signedUp.body).toBe(201);
    const { accessToken } = JSON.parse(signedUp.body);
    const me = () =>
      fresh(`${platform.url}/v1/auth/user`, { headers: { authorization: `Bearer ${accessToken}` } });
    const warm = await onEachWorker(me);
    expect([...warm.values()].map((a) => a.status)).toEqual([200, 200]);

    const out = await post('/v1/auth/sign-out', accessToken, { scope: 'everywhere' });
    expect(out.status).toBe(204);
    const after = await onEachWorker(me);
    expect(after.size).toBe(2);
    for (const [id, answer] of after) expect([id, answer.status]).toEqual([id, 401]);
  });

  it('an access token verifies from outside against the served JWKS, across a key rotation', async () => {
    const signedUp = await post('/v1/auth/sign-up', keys.publishableKey, {
      email: 'cluster-jwks@example.com',
      password: 'correct horse battery',
    });
    const before = JSON.parse(signedUp.body);
    const jwks = createRemoteJWKSet(new URL(`${platform.url}/v1/auth/projects/${keys.projectId}/jwks`));
    const verified = await jwtVerify(before.accessToken, jwks, {
      audience: keys.projectId,
      algorithms: ['EdDSA'],
    });
    expect(verified.payload.sub).toBe(before.user.id);

    expect((await post('/v1/auth/signing-keys/rotate', keys.secretKey, {})).status).toBe(201);
    const signedIn = await post('/v1/auth/sign-in', keys.publishableKey, {
      email: 'cluster-jwks@example.com',
      password: 'correct horse battery',
    });
    const after = JSON.parse(signedIn.body);
    // Whichever worker signs, it signs with the new key, which the key set (refetched for an
    // unknown kid) verifies; the old token still verifies too.
    const fresh = createRemoteJWKSet(new URL(`${platform.url}/v1/auth/projects/${keys.projectId}/jwks`));
    await expect(jwtVerify(after.accessToken, fresh, { audience: keys.projectId })).resolves.toBeDefined();
    await expect(jwtVerify(before.accessToken, fresh, { audience: keys.projectId })).resolves.toBeDefined();
    const kidOf = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
    expect(kidOf(after.accessToken)).not.toBe(kidOf(before.accessToken));
  });

  it('20 concurrent refreshes over both workers rotate the token once', async () => {
    const signedUp = await post('/v1/auth/sign-up', keys.publishableKey, {
      email: 'cluster-refresh@example.com',
      password: 'correct horse battery',
    });
    const { refreshToken } = JSON.parse(signedUp.body);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post('/v1/auth/refresh', keys.publishableKey, { refreshToken })),
    );
    expect(new Set(answers.map(worker)).size).toBe(2);
    for (const answer of answers) expect(answer.status, answer.body).toBe(200);
    const successors = new Set(answers.map((a) => JSON.parse(a.body).refreshToken));
    expect(successors.size).toBe(1);
    // The one successor is at rotation 1: exactly one rotation happened.
    expect([...successors][0]).toMatch(/^rt_ses_[0-9A-Za-z]{20}\.1\./);
  });
});
