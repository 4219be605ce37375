import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { sha256Hex as sha256 } from '../../lib/sha256.js';
import type { Services } from '../../services.js';
import type { Codes } from './codes.js';
import { createOidcProviders } from './oidc-providers.js';
import { linkTo } from './redirect.js';
import * as store from './store.js';
import * as oidcStore from './store-oidc.js';

/** How long the browser has between `auth.signInWithOIDC` and the callback. */
const FLOW_LIFETIME_MS = 10 * 60_000;
/** Users whose provider vouches for no email get an address here: reserved, never delivered (RFC 2606). */
const PLACEHOLDER_DOMAIN = 'oidc.invalid';

/**
 * What to log of a failed exchange: openid-client's coded errors say what did not check out;
 * another error's message may quote the token request (code verifier, client secret).
 */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? `${error.name} ${code}: ${error.message.slice(0, 200)}` : error.name;
}

const flowContext = (id: string) => `auth-oidc-flow:${id}`;

export const invalidState = () =>
  new ApiError(
    'auth/oidc-invalid-state',
    'This sign-in is unknown, already finished or expired; start it again from the app.',
  );
const invalidCode = () =>
  new ApiError('auth/invalid-code', 'The sign-in code is unknown, already used or expired; sign in again.');

/** What a flow keeps sealed: the PKCE verifier and nonce towards the provider, the app's challenge. */
interface FlowSecrets {
  codeVerifier: string;
  nonce: string;
  appChallenge: string;
}

interface Parts {
  codes: Codes;
  /** `redirectTo` if the project or the operator allows it. */
  redirectOf(projectId: string, redirectTo: string): Promise<string>;
  /** The user with this (proved) email, created or taken over from an unproved holder. */
  userForEmail(projectId: string, email: string): Promise<store.UserRow>;
}

/**
 * Sign-in with a project's OpenID Connect providers (decision 0032): the authorization URL
 * (code + PKCE + state + nonce, the flow kept server-side and used once), the callback that
 * exchanges the code with openid-client and finds or makes the user, and the one-time code the
 * app exchanges for a session.
 */
export function createOidc(services: Services, parts: Parts) {
  const db = tables<store.AuthTables>(services.database);
  const providers = createOidcProviders(services);

  /** The user behind a verified ID token: its identity's, else by verified email, else a new one. */
  async function userOf(
    projectId: string,
    provider: oidcStore.ProviderRow,
    claims: Pick<oidc.IDToken, 'iss' | 'sub'> & { email?: unknown; email_verified?: unknown },
  ): Promise<store.UserRow> {
    const now = isoNow();
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : null;
    const verified = email !== null && claims.email_verified === true;
    const seen = { email, email_verified: verified ? 1 : 0, last_sign_in_at: now };
    const identity = await oidcStore.findIdentity(db, projectId, claims.iss, claims.sub);
    if (identity) {
      await oidcStore.touchIdentity(db, identity.id, seen);
      const user = await store.findUser(db, projectId, identity.user_id);
      if (user) return user;
    }
    const id = newId('idt');
    // An email the provider does not vouch for proves nothing: it never reaches an account that
    // has it, nor becomes the address of a new one (someone else may own it).
    let user: store.UserRow;
    let made = false;
    if (verified) user = await parts.userForEmail(projectId, email);
    else {
      user = {
        id: newId('usr'),
        project_id: projectId,
        email: `${id.toLowerCase()}@${PLACEHOLDER_DOMAIN}`,
        password_hash: null,
        email_verified_at: null,
        metadata: '{}',
        disabled_at: null,
        created_at: now,
        updated_at: now,
        last_sign_in_at: null,
      };
      await store.insertUser(db, user);
      made = true;
    }
    const linked = await oidcStore.insertIdentity(db, {
      id,
      project_id: projectId,
      user_id: user.id,
      provider: provider.slug,
      issuer: claims.iss,
      subject: claims.sub,
      created_at: now,
      ...seen,
    });
    if (linked) return user;
    // A concurrent sign-in of the same account linked it first: use its user.
    if (made) await store.deleteUser(db, projectId, user.id);
    const winner = await oidcStore.findIdentity(db, projectId, claims.iss, claims.sub);
    const found = winner && (await store.findUser(db, projectId, winner.user_id));
    if (!found) throw new Error('identity linked to a missing user');
    return found;
  }

  return {
    providers,

    /** The provider's authorization URL for a new flow that ends at `redirectTo`. */
    async start(
      projectId: string,
      input: { provider: string; redirectTo: string; codeChallenge: string },
    ): Promise<{ url: string }> {
      const { provider: slug, redirectTo, codeChallenge: appChallenge } = input;
      const redirect = await parts.redirectOf(projectId, redirectTo);
      const { row, configuration } = await providers.resolve(projectId, slug);
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const now = new Date();
      const id = newId('oflw');
      await oidcStore.insertFlow(db, {
        id,
        project_id: projectId,
        provider: slug,
        state_hash: sha256(state),
        secrets: await services.vault.seal(
          JSON.stringify({ codeVerifier, nonce, appChallenge } satisfies FlowSecrets),
          flowContext(id),
        ),
        redirect_to: redirect,
        expires_at: new Date(now.getTime() + FLOW_LIFETIME_MS).toISOString(),
        used_at: null,
        created_at: now.toISOString(),
      });
      const url = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: providers.callbackUrl,
        response_type: 'code',
        scope: (JSON.parse(row.scopes) as string[]).join(' '),
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href };
    },

    /**
     * Finishes the flow the callback's `query` belongs to: where to send the browser (the app's
     * `redirectTo` with a one-time `code`, or with `error`). Throws `auth/oidc-invalid-state` when
     * the state is unknown, used or expired: then there is nowhere safe to send it.
     */
    async callback(query: URLSearchParams): Promise<string> {
      const state = query.get('state');
      if (!state) throw invalidState();
      const flow = await oidcStore.consumeFlow(db, sha256(state), isoNow());
      if (!flow) throw invalidState();
      const fail = (error: string, description: string) =>
        linkTo(flow.redirect_to, { error, error_description: description, type: 'oidc' });

      const providerError = query.get('error');
      if (providerError !== null) {
        return fail(
          /^[a-z_]{1,64}$/.test(providerError) ? providerError : 'server_error',
          (query.get('error_description') ?? 'The provider refused the sign-in.').slice(0, 300),
        );
      }
      let user: store.UserRow;
      let secrets: FlowSecrets;
      try {
        secrets = JSON.parse(
          await services.vault.openText(flow.secrets, flowContext(flow.id)),
        ) as FlowSecrets;
        const { row, configuration } = await providers.resolve(flow.project_id, flow.provider);
        const current = new URL(providers.callbackUrl);
        current.search = query.toString();
        const tokens = await oidc.authorizationCodeGrant(configuration, current, {
          pkceCodeVerifier: secrets.codeVerifier,
          expectedState: state,
          expectedNonce: secrets.nonce,
          idTokenExpected: true,
        });
        const idToken = tokens.claims();
        if (!idToken) throw new Error('no ID token');
        const claims = { ...idToken };
        // Many providers put the email in the userinfo answer only (OIDC Core 5.4): ask it there,
        // for this ID token's subject.
        if (claims.email === undefined && configuration.serverMetadata().userinfo_endpoint) {
          const info = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
          claims.email = info.email;
          claims.email_verified = info.email_verified;
        }
        user = await userOf(flow.project_id, row, claims);
      } catch (error) {
        services.logger.warn('auth: OpenID Connect sign-in failed', {
          projectId: flow.project_id,
          provider: flow.provider,
          error: reason(error),
        });
        return fail('server_error', "The provider's answer could not be verified; sign in again.");
      }
      if (user.disabled_at) return fail('access_denied', 'The user is disabled.');
      const code = await parts.codes.issueLink(
        flow.project_id,
        'oidc',
        user.email,
        user.id,
        secrets.appChallenge,
      );
      return linkTo(flow.redirect_to, { code, type: 'oidc' });
    },

    /** The user a callback's one-time code was issued to (the code is used up), given the app's verifier. */
    async userOfCode(projectId: string, code: string, codeVerifier: string): Promise<store.UserRow> {
      const challenge = createHash('sha256').update(codeVerifier).digest('base64url');
      const used = await parts.codes.consumeLink(projectId, 'oidc', code, challenge);
      const user = used?.user_id ? await store.findUser(db, projectId, used.user_id) : undefined;
      if (!user || user.email !== used?.email) throw invalidCode();
      return user;
    },
  };
}

export type Oidc = ReturnType<typeof createOidc>;
