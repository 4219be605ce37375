import type { AuthApi, AuthSession, AuthUser } from '@aerostack/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useAerostackContext } from '../context.js';

/**
 * What {@link useAuth} returns: the signed-in user and session, and every action of
 * `client.auth`. `loading` is true until the stored session is known and while an action runs;
 * `error` is the last action's failure (cleared when the next one starts). Actions also reject
 * with it, so a form can `await` them.
 */
export interface UseAuthResult {
  user: AuthUser | null;
  session: AuthSession | null;
  loading: boolean;
  error: Error | null;
  isAuthenticated: boolean;
  signUp: AuthApi['signUp'];
  /** Email and password (`client.auth.signInWithPassword`). */
  signIn: AuthApi['signInWithPassword'];
  signOut: AuthApi['signOut'];
  sendOTP: AuthApi['sendOTP'];
  verifyOTP: AuthApi['verifyOTP'];
  sendMagicLink: AuthApi['sendMagicLink'];
  verifyMagicLink: AuthApi['verifyMagicLink'];
  verifyEmail: AuthApi['verifyEmail'];
  resendVerificationEmail: AuthApi['resendVerificationEmail'];
  requestPasswordReset: AuthApi['requestPasswordReset'];
  resetPassword: AuthApi['resetPassword'];
  /** Goes to an OpenID Connect provider's page (`client.auth.signInWithOIDC`). */
  signInWithOIDC: AuthApi['signInWithOIDC'];
  /** Finishes it with the `code` on `redirectTo` (`client.auth.exchangeCode`). */
  exchangeCode: AuthApi['exchangeCode'];
  refreshUser: AuthApi['refreshUser'];
  /** Updates the user's metadata or password (`client.auth.updateUser`). */
  updateProfile: AuthApi['updateUser'];
  deleteAccount: AuthApi['deleteUser'];
}

type Action = (...args: never[]) => Promise<unknown>;

/**
 * The end user of the client given to `<AerostackProvider>` (a client made with the publishable
 * key). Follows the session in this tab and others: signing in or out anywhere re-renders every
 * component that uses it. Safe on the server: it reads the session only in an effect.
 *
 * @example
 * ```tsx
 * function Account() {
 *   const { user, loading, error, signIn, signOut } = useAuth();
 *   if (loading && !user) return <p>…</p>;
 *   if (!user) return <button onClick={() => signIn({ email, password })}>Sign in</button>;
 *   return <button onClick={() => signOut()}>Sign out {user.email}</button>;
 * }
 * ```
 */
export function useAuth(): UseAuthResult {
  const client = useAerostackContext('useAuth()');
  const [session, setSession] = useState<AuthSession | null>(null);
  const [known, setKnown] = useState(false);
  const [pending, setPending] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    const unsubscribe = client.auth.onAuthStateChange((_event, next) => {
      setSession(next);
      setKnown(true);
    });
    return () => {
      mounted.current = false;
      unsubscribe();
    };
  }, [client]);

  const run = useCallback(<A extends Action>(action: A): A => {
    return (async (...args: Parameters<A>) => {
      setError(null);
      setPending((n) => n + 1);
      try {
        return await action(...args);
      } catch (failure) {
        if (mounted.current) setError(failure instanceof Error ? failure : new Error(String(failure)));
        throw failure;
      } finally {
        if (mounted.current) setPending((n) => n - 1);
      }
    }) as A;
  }, []);

  const actions = useMemo(() => {
    const { auth } = client;
    return {
      signUp: run(auth.signUp),
      signIn: run(auth.signInWithPassword),
      signOut: run(auth.signOut),
      sendOTP: run(auth.sendOTP),
      verifyOTP: run(auth.verifyOTP),
      sendMagicLink: run(auth.sendMagicLink),
      verifyMagicLink: run(auth.verifyMagicLink),
      verifyEmail: run(auth.verifyEmail),
      resendVerificationEmail: run(auth.resendVerificationEmail),
      requestPasswordReset: run(auth.requestPasswordReset),
      resetPassword: run(auth.resetPassword),
      signInWithOIDC: run(auth.signInWithOIDC),
      exchangeCode: run(auth.exchangeCode),
      refreshUser: run(auth.refreshUser),
      updateProfile: run(auth.updateUser),
      deleteAccount: run(auth.deleteUser),
    };
  }, [client, run]);

  return {
    user: session?.user ?? null,
    session,
    loading: !known || pending > 0,
    error,
    isAuthenticated: session !== null,
    ...actions,
  };
}
