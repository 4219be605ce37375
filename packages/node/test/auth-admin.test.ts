import { createClient as createBrowserClient } from '@aerostack/core';
import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../../core/test/support/platform';
import { rejectionOf as failure } from '../../core/test/support/rejection';
import { createClient, type NodeClient } from '../src';

// client.auth.admin against the real platform: what a server does with the project's end users.

let platform: RunningPlatform;
let client: NodeClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createClient({ url: platform.url, secretKey: platform.secretKey });
});
afterAll(() => platform?.close());

/** A browser-side client of the same project, signed up as a new end user. */
async function signedUpUser(email: string) {
  const browser = createBrowserClient({ url: platform.url, publishableKey: platform.publishableKey });
  const session = await browser.auth.signUp({ email, password: 'correct horse battery' });
  return { browser, user: session.user };
}

describe('auth.admin.users', () => {
  it('lists, reads, edits, disables and deletes end users', async () => {
    const { browser, user } = await signedUpUser(`admin.${Date.now()}@example.test`);

    const ids: string[] = [];
    for await (const u of client.auth.admin.users.listAll({ pageSize: 1 })) ids.push(u.id);
    expect(ids).toContain(user.id);
    expect(await client.auth.admin.users.get(user.id)).toMatchObject({ id: user.id, email: user.email });

    const edited = await client.auth.admin.users.update(user.id, {
      metadata: { plan: 'pro' },
      emailVerified: true,
    });
    expect(edited.metadata).toEqual({ plan: 'pro' });
    expect(edited.emailVerified).toBe(true);

    // Disabling signs the user out: their next call is refused.
    await client.auth.admin.users.update(user.id, { disabled: true });
    expect((await failure(browser.auth.refreshUser())).status).toBe(401);

    await client.auth.admin.users.delete(user.id);
    expect(await failure(client.auth.admin.users.get(user.id))).toMatchObject({
      code: 'auth/user-not-found',
      status: 404,
    });
  });

  it('is refused with a publishable key or an account key', async () => {
    const browserish = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    expect((await failure(browserish.auth.admin.users.list())).status).toBe(403);
    const wrong = createClient({ url: platform.url, accountKey: platform.accountKey });
    expect((await failure(wrong.auth.admin.users.list())).status).toBe(403);
  });
});

describe('auth.admin settings, outbox, signing keys, providers', () => {
  it('reads and replaces the settings, and finds a password-reset email in the outbox', async () => {
    const before = await client.auth.admin.settings.get();
    const updated = await client.auth.admin.settings.update({
      redirectUrls: [...before.redirectUrls, 'https://app.example.test/'],
    });
    expect(updated.redirectUrls).toContain('https://app.example.test/');

    const email = `outbox.${Date.now()}@example.test`;
    const { browser } = await signedUpUser(email);
    await browser.auth.requestPasswordReset({ email });
    const page = await client.auth.admin.outbox.list({ limit: 10 });
    expect(page.data.some((m) => m.to === email && /Reset your password/.test(m.subject))).toBe(true);
  });

  it('rotates the signing key; sessions signed before stay valid', async () => {
    const { browser } = await signedUpUser(`rotate.${Date.now()}@example.test`);
    const key = await client.auth.admin.signingKeys.rotate();
    expect(key).toMatchObject({ algorithm: 'EdDSA', kid: expect.any(String) });
    expect((await browser.auth.refreshUser()).email).toMatch(/^rotate\./);
  });

  it('lists providers and answers a missing one with 404', async () => {
    expect(await client.auth.admin.providers.list()).toEqual([]);
    expect(await failure(client.auth.admin.providers.get('nowhere'))).toMatchObject({ status: 404 });
  });
});
