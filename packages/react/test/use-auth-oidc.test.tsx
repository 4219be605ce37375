import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient, memoryStorage } from '@aerostack/core';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useAuth } from '../src/index.js';
import { providerFor } from './support/render.js';

// useAuth().signInWithOIDC and exchangeCode against the real platform and a real OpenID Connect
// provider (oidc-provider), both in a child process: jsdom's globals (URL, Request, typed arrays)
// are not the ones openid-client checks, so they cannot run in this environment.

const APP = 'http://app.test/callback';
const platformDir = join(import.meta.dirname, '../../../platform');
let child: ChildProcess;
let lines: AsyncIterator<string>;
let platform: { url: string; publishableKey: string };

beforeAll(async () => {
  child = spawn(join(platformDir, 'node_modules/.bin/tsx'), ['test/support/oidc-platform.ts', APP], {
    cwd: platformDir,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  platform = JSON.parse((await lines.next()).value as string);
}, 60_000);
afterAll(async () => {
  if (!child) return;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.stdin!.end();
  await exited;
});
afterEach(cleanup);

/** The page the app lands on after `account` signs in at the provider from `authUrl`. */
async function signInAt(
  authUrl: string,
  account: string,
  claims: { email: string; email_verified: boolean },
) {
  child.stdin!.write(`${JSON.stringify({ authUrl, account, claims })}\n`);
  const { landing } = JSON.parse((await lines.next()).value as string) as { landing: string };
  return new URL(landing);
}

const endUser = () =>
  createClient({
    url: platform.url,
    publishableKey: platform.publishableKey,
    auth: { storage: memoryStorage() },
  });

describe('useAuth with OpenID Connect', () => {
  it('starts the sign-in, then signs in with the code the app page received', async () => {
    const { result } = renderHook(() => useAuth(), { wrapper: providerFor(endUser()) });
    await waitFor(() => expect(result.current.loading).toBe(false));
    let url = '';
    await act(async () => {
      ({ url } = await result.current.signInWithOIDC({
        provider: 'test-op',
        redirectTo: APP,
        navigate: false,
      }));
    });
    const email = `react.oidc.${Date.now()}@example.com`;
    const landing = await signInAt(url, 'grace', { email, email_verified: true });
    expect(landing.searchParams.get('error_description')).toBeNull();
    await act(() => result.current.exchangeCode({ code: landing.searchParams.get('code')! }));
    await waitFor(() => expect(result.current.user?.email).toBe(email));
    expect(result.current).toMatchObject({ isAuthenticated: true, error: null });
  });

  it('keeps the error of an unknown provider', async () => {
    const { result } = renderHook(() => useAuth(), { wrapper: providerFor(endUser()) });
    await waitFor(() => expect(result.current.loading).toBe(false));
    await act(async () => {
      await result.current
        .signInWithOIDC({ provider: 'nope', redirectTo: APP, navigate: false })
        .catch(() => {});
    });
    expect(result.current.error).toMatchObject({ code: 'auth/provider-not-found', status: 404 });
  });
});
