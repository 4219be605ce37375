import { type AerostackClient, createClient, memoryStorage } from '@aerostack/core';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useAuth } from '../src/index.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';
import { providerFor } from './support/render.js';

// useAuth follows the client's session (sign-up, sign-in, sign-out, profile updates) and reports
// failures, against the real platform.

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform?.close());
afterEach(cleanup);

const endUser = (): AerostackClient =>
  createClient({
    url: platform.url,
    publishableKey: platform.publishableKey,
    auth: { storage: memoryStorage() },
  });
let n = 0;
const email = () => `react-${++n}-${Date.now()}@example.com`;
const password = 'correct horse battery';

describe('useAuth', () => {
  it('starts loading, then signed out; signs up, updates the profile and signs out', async () => {
    const client = endUser();
    const { result } = renderHook(() => useAuth(), { wrapper: providerFor(client) });
    expect(result.current).toMatchObject({ loading: true, user: null, isAuthenticated: false });
    await waitFor(() => expect(result.current.loading).toBe(false));

    const address = email();
    await act(() => result.current.signUp({ email: address, password }));
    await waitFor(() => expect(result.current.user?.email).toBe(address));
    expect(result.current).toMatchObject({ isAuthenticated: true, loading: false, error: null });
    expect(result.current.session?.accessToken).toEqual(expect.any(String));

    await act(() => result.current.updateProfile({ metadata: { displayName: 'Ada' } }));
    await waitFor(() => expect(result.current.user?.metadata).toEqual({ displayName: 'Ada' }));

    await act(() => result.current.signOut());
    await waitFor(() => expect(result.current.user).toBeNull());
    expect(result.current.isAuthenticated).toBe(false);
  });

  it('keeps the error of a failed sign-in and rejects with it', async () => {
    const client = endUser();
    const { result } = renderHook(() => useAuth(), { wrapper: providerFor(client) });
    await waitFor(() => expect(result.current.loading).toBe(false));
    let thrown: unknown;
    await act(async () => {
      thrown = await result.current
        .signIn({ email: email(), password: 'wrong password' })
        .catch((e: unknown) => e);
    });
    expect(result.current.error).toBe(thrown);
    expect(result.current.error).toMatchObject({ code: 'auth/invalid-login', status: 401 });
    expect(result.current.user).toBeNull();
  });

  it('every component using the same client sees the same user', async () => {
    const client = endUser();
    const wrapper = providerFor(client);
    const first = renderHook(() => useAuth(), { wrapper });
    const second = renderHook(() => useAuth(), { wrapper });
    await waitFor(() => expect(second.result.current.loading).toBe(false));
    const address = email();
    await act(() => first.result.current.signUp({ email: address, password }));
    await waitFor(() => expect(second.result.current.user?.email).toBe(address));
  });
});
