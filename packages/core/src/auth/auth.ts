import type { RequestOptions } from '../client/options';
import { pickRequestOptions } from '../client/options';
import { isAerostackError } from '../errors/aerostack-error';
import type { components } from '../generated/openapi';
import type { Http } from '../transport/http-types';
import type { FetchLike } from '../transport/send-once';
import {
  type AuthStateListener,
  createSessionStore,
  type Session,
  type SessionStorage,
  type SessionStore,
} from './session-store';

type Schemas = components['schemas'];

/** An end user of a project. */
export type AuthUser = Schemas['AuthUser'];
/** The session of a signed-in end user. */
export type AuthSession = Session<AuthUser>;

/**
 * Options of the end-user session (`createClient({ …, auth })`).
 *
 * @example
 * createClient({ url, publishableKey, auth: { storage: sessionStorage, storageKey: 'my-app.auth' } });
 */
export interface AuthOptions {
  /** Where the session is kept: `localStorage` in browsers by default, memory elsewhere. */
  storage?: SessionStorage | undefined;
  /** The storage key (also names the cross-tab lock and channel); default `aerostack.auth`. */
  storageKey?: string | undefined;
  /** Refresh the access token this long before it expires; default 60 000 ms. */
  refreshMarginMs?: number | undefined;
}

/**
 * Sign-up, sign-in and the session of a project's end users (with the publishable key). The
 * session persists, refreshes itself before it expires (one refresh for any number of concurrent
 * calls, and across tabs), and every other call of the client is sent as the signed-in user.
 *
 * @example
 * const client = createClient({ url, publishableKey: 'pk_…' });
 * client.auth.onAuthStateChange((event, session) => console.log(event, session?.user.email));
 * await client.auth.signInWithPassword({ email: 'ada@example.com', password: '…' });
 */
export interface AuthApi {
  /** The current session, refreshed first when it is about to expire; null when signed out. */
  getSession(): Promise<AuthSession | null>;
  /**
   * Calls `listener` with `INITIAL_SESSION` once the stored session is read, then on every
   * `SIGNED_IN`, `SIGNED_OUT`, `TOKEN_REFRESHED` and `USER_UPDATED`, in this tab or another.
   */
  onAuthStateChange(listener: AuthStateListener<AuthUser>): () => void;
  /** Creates the user and signs them in; a verification email goes out (`redirectTo` is its link). */
  signUp(params: Schemas['AuthSignUp'], options?: RequestOptions): Promise<AuthSession>;
  signInWithPassword(params: Schemas['AuthSignIn'], options?: RequestOptions): Promise<AuthSession>;
  /** Emails a 6-digit sign-in code (the same answer whether or not the address has a user). */
  sendOTP(params: Schemas['AuthEmail'], options?: RequestOptions): Promise<void>;
  verifyOTP(params: Schemas['AuthOtpVerify'], options?: RequestOptions): Promise<AuthSession>;
  /** Emails a one-time sign-in link to `redirectTo?token=…`. */
  sendMagicLink(params: Schemas['AuthEmailWithRedirect'], options?: RequestOptions): Promise<void>;
  /** Signs in with the `token` of a magic link. */
  verifyMagicLink(params: Schemas['AuthToken'], options?: RequestOptions): Promise<AuthSession>;
  /**
   * Starts signing in with one of the project's OpenID Connect providers: in a browser, goes to
   * the provider's page (unless `navigate: false`), and answers its URL either way, with the
   * PKCE verifier `exchangeCode` will need (also kept in the session's storage). The provider
   * sends the user back through the platform to `redirectTo?code=…&type=oidc` (or
   * `?error=…&error_description=…&type=oidc`); that page finishes with `exchangeCode`.
   *
   * @example
   * await client.auth.signInWithOIDC({ provider: 'google', redirectTo: `${location.origin}/auth/callback` });
   * // on /auth/callback:
   * const code = new URL(location.href).searchParams.get('code');
   * if (code) await client.auth.exchangeCode({ code });
   */
  signInWithOIDC(
    params: Omit<Schemas['AuthOidcStart'], 'codeChallenge'> & { navigate?: boolean },
    options?: RequestOptions,
  ): Promise<{ url: string; codeVerifier: string }>;
  /**
   * Signs in with the one-time `code` an OpenID Connect sign-in put on `redirectTo` (`SIGNED_IN`).
   * The code works only with the PKCE verifier of the client that started the sign-in, kept in
   * the session's storage; pass `codeVerifier` (from `signInWithOIDC`) when it is not there.
   */
  exchangeCode(
    params: Omit<Schemas['AuthCodeExchange'], 'codeVerifier'> & { codeVerifier?: string },
    options?: RequestOptions,
  ): Promise<AuthSession>;
  /** Verifies the email with the `token` of a verification link. */
  verifyEmail(params: Schemas['AuthToken'], options?: RequestOptions): Promise<AuthUser>;
  resendVerificationEmail(params: Schemas['AuthEmailWithRedirect'], options?: RequestOptions): Promise<void>;
  requestPasswordReset(params: Schemas['AuthEmailWithRedirect'], options?: RequestOptions): Promise<void>;
  /** Sets a new password with the `token` of a reset link (every session of the user ends). */
  resetPassword(params: Schemas['AuthPasswordReset'], options?: RequestOptions): Promise<void>;
  /** Ends this session (`session`, the default) or every session of the user (`everywhere`). */
  signOut(params?: Schemas['AuthSignOut'], options?: RequestOptions): Promise<void>;
  /** The signed-in user as the platform has it now (and the stored session updated). */
  refreshUser(options?: RequestOptions): Promise<AuthUser>;
  updateUser(params: Schemas['AuthUserUpdate'], options?: RequestOptions): Promise<AuthUser>;
  /** Deletes the signed-in user, then signs out. */
  deleteUser(options?: RequestOptions): Promise<void>;
}

/** What the client wires together: the session store, and how calls authenticate. */
export interface AuthParts {
  api: AuthApi;
  store: SessionStore<AuthUser>;
  /** The credential of every other call: the session's access token, else the publishable key. */
  credential(): Promise<string | undefined>;
  /** Wraps the client's fetch: a 401 `auth/token-expired` refreshes once and re-sends the request. */
  wrapFetch(fetch: FetchLike): FetchLike;
}

const toSession = (s: Schemas['AuthSession']): AuthSession => ({
  accessToken: s.accessToken,
  refreshToken: s.refreshToken,
  expiresAt: s.expiresAt,
  user: s.user,
});

/** A refused refresh means the session is over; a network failure or a 5xx does not. */
const isFatal = (error: unknown) =>
  isAerostackError(error) &&
  error.status >= 400 &&
  error.status < 500 &&
  error.status !== 408 &&
  error.status !== 429;

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const bearer = (request: Request) => /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];

export function createAuth(
  http: Http,
  publishableKey: string | undefined,
  options: AuthOptions = {},
): AuthParts {
  // Calls that act for the project (sign-in, refresh…) carry the publishable key even while a
  // session exists: the platform accepts only a key there.
  const asProject = (callOptions?: RequestOptions) => {
    const picked = pickRequestOptions(callOptions);
    return publishableKey
      ? { ...picked, headers: { authorization: `Bearer ${publishableKey}`, ...picked.headers } }
      : picked;
  };
  const store = createSessionStore<AuthUser>({
    storage: options.storage,
    key: options.storageKey,
    refreshMarginMs: options.refreshMarginMs,
    isFatal,
    refresh: async (refreshToken) =>
      toSession(await http.POST('/v1/auth/refresh', { body: { refreshToken }, ...asProject() })),
  });
  const signedIn = async (session: Schemas['AuthSession']) => {
    const next = toSession(session);
    await store.set(next, 'SIGNED_IN');
    return next;
  };
  const userChanged = async (user: AuthUser) => {
    const session = await store.peek();
    if (session && session.user.id === user.id) await store.set({ ...session, user }, 'USER_UPDATED');
    return user;
  };
  const signedOut = () => store.set(null, 'SIGNED_OUT');
  const verifierKey = `${options.storageKey ?? 'aerostack.auth'}.oidc-verifier`;

  const api: AuthApi = {
    getSession: () => store.current(),
    onAuthStateChange: (listener) => store.onChange(listener),
    signUp: async (body, o) => signedIn(await http.POST('/v1/auth/sign-up', { body, ...asProject(o) })),
    signInWithPassword: async (body, o) =>
      signedIn(await http.POST('/v1/auth/sign-in', { body, ...asProject(o) })),
    sendOTP: async (body, o) => void (await http.POST('/v1/auth/otp', { body, ...asProject(o) })),
    verifyOTP: async (body, o) => signedIn(await http.POST('/v1/auth/otp/verify', { body, ...asProject(o) })),
    sendMagicLink: async (body, o) =>
      void (await http.POST('/v1/auth/magic-link', { body, ...asProject(o) })),
    verifyMagicLink: async (body, o) =>
      signedIn(await http.POST('/v1/auth/magic-link/verify', { body, ...asProject(o) })),
    async signInWithOIDC({ navigate, ...params }, o) {
      // PKCE between this client and the platform (RFC 7636): the code the platform hands back
      // through the browser is worth nothing without this verifier (no login CSRF).
      const codeVerifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
      const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
      const body = { ...params, codeChallenge: base64url(new Uint8Array(digest)) };
      const { url } = await http.POST('/v1/auth/oidc/authorize', { body, ...asProject(o) });
      await store.storage().setItem(verifierKey, codeVerifier);
      const page = (globalThis as { window?: { location: { assign(url: string): void } } }).window;
      if (navigate !== false && page) page.location.assign(url);
      return { url, codeVerifier };
    },
    async exchangeCode({ code, codeVerifier }, o) {
      const storage = store.storage();
      // Without a verifier the platform answers `auth/invalid-code`, as for a wrong one.
      const verifier = codeVerifier ?? (await storage.getItem(verifierKey)) ?? '0'.repeat(43);
      const body = { code, codeVerifier: verifier };
      const session = await http.POST('/v1/auth/oidc/exchange', { body, ...asProject(o) });
      await storage.removeItem(verifierKey);
      return signedIn(session);
    },
    verifyEmail: async (body, o) =>
      userChanged(await http.POST('/v1/auth/verify-email', { body, ...asProject(o) })),
    resendVerificationEmail: async (body, o) =>
      void (await http.POST('/v1/auth/verify-email/resend', { body, ...asProject(o) })),
    requestPasswordReset: async (body, o) =>
      void (await http.POST('/v1/auth/password-reset', { body, ...asProject(o) })),
    resetPassword: async (body, o) =>
      void (await http.POST('/v1/auth/password-reset/confirm', { body, ...asProject(o) })),
    async signOut(body, o) {
      try {
        if (await store.peek())
          await http.POST('/v1/auth/sign-out', { body: body ?? {}, ...pickRequestOptions(o) });
      } catch (error) {
        // An already-revoked or expired session is signed out all the same; anything else is reported.
        if (!isAerostackError(error) || error.status !== 401) throw error;
      } finally {
        await signedOut();
      }
    },
    refreshUser: async (o) => userChanged(await http.GET('/v1/auth/user', pickRequestOptions(o))),
    updateUser: async (body, o) =>
      userChanged(await http.PATCH('/v1/auth/user', { body, ...pickRequestOptions(o) })),
    async deleteUser(o) {
      await http.DELETE('/v1/auth/user', pickRequestOptions(o));
      await signedOut();
    },
  };

  return {
    api,
    store,
    credential: async () => (await store.current())?.accessToken ?? publishableKey,
    wrapFetch(fetch) {
      return async (request) => {
        const session = await store.peek();
        const sentToken = bearer(request);
        if (!session || sentToken !== session.accessToken) return fetch(request);
        const again = request.clone();
        const response = await fetch(request);
        if (response.status !== 401) return response;
        const code = await response
          .clone()
          .json()
          .then((problem: unknown) => (problem as { code?: unknown } | null)?.code)
          .catch(() => undefined);
        if (code !== 'auth/token-expired') return response;
        const next = await store.refreshNow().catch(() => null);
        if (!next) return response;
        again.headers.set('authorization', `Bearer ${next.accessToken}`);
        return fetch(again);
      };
    },
  };
}
