import type { components } from '@aerostack/spec/types';
import * as oidc from 'openid-client';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import type { Services } from '../../services.js';
import type { AuthTables } from './store.js';
import * as store from './store-oidc.js';

type Provider = components['schemas']['AuthProvider'];
type ProviderInput = components['schemas']['AuthProviderInput'];

/** The platform's one callback for every project and provider (docs/endpoints.md). */
export const CALLBACK_PATH = '/v1/auth/oidc/callback';
const DEFAULT_SCOPES = ['openid', 'email', 'profile'];
/** Discovery documents are read again after this long (or when the provider changes). */
const DISCOVERY_TTL_MS = 10 * 60_000;
const DISCOVERY_TIMEOUT_SECONDS = 10;

const secretContext = (projectId: string, slug: string) => `auth-oidc-secret:${projectId}:${slug}`;
export const notFound = () =>
  new ApiError('auth/provider-not-found', 'The project has no OpenID Connect provider with this slug.');

/**
 * A project's OpenID Connect providers (decision 0032): saved with their client secret sealed,
 * and their discovered configuration (openid-client) cached per process.
 */
export function createOidcProviders(services: Services) {
  const db = tables<AuthTables>(services.database);
  const { config } = services;
  const callbackUrl = `${config.publicUrl}${CALLBACK_PATH}`;
  const cache = new Map<string, { at: number; configuration: Promise<oidc.Configuration> }>();

  const toProvider = (row: store.ProviderRow): Provider => ({
    slug: row.slug,
    displayName: row.display_name,
    issuer: row.issuer,
    clientId: row.client_id,
    scopes: JSON.parse(row.scopes) as string[],
    callbackUrl,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  async function discover(issuer: string, clientId: string, clientSecret: string) {
    try {
      return await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, {
        timeout: DISCOVERY_TIMEOUT_SECONDS,
        execute: config.auth.oidcAllowHttp ? [oidc.allowInsecureRequests] : [],
      });
    } catch (error) {
      services.logger.warn('auth: OpenID Connect discovery failed', { issuer, error: String(error) });
      throw new ApiError(
        'auth/oidc-discovery-failed',
        `The discovery document of ${issuer} could not be read${config.auth.oidcAllowHttp || issuer.startsWith('https:') ? '' : ' (http:// issuers need AEROSTACK_AUTH_OIDC_ALLOW_HTTP=1)'}.`,
      );
    }
  }

  return {
    callbackUrl,

    list: async (projectId: string) => (await store.listProviders(db, projectId)).map(toProvider),

    async get(projectId: string, slug: string): Promise<Provider> {
      const row = await store.findProvider(db, projectId, slug);
      if (!row) throw notFound();
      return toProvider(row);
    },

    async put(projectId: string, slug: string, input: ProviderInput): Promise<Provider> {
      const existing = await store.findProvider(db, projectId, slug);
      if (!existing && input.clientSecret === undefined) {
        throw new ApiError('request/invalid-body', 'A new provider needs its `clientSecret`.', {
          errors: [{ location: 'body/clientSecret', message: 'is required for a new provider' }],
        });
      }
      if (!existing && (await store.listProviders(db, projectId)).length >= store.MAX_PROVIDERS) {
        throw new ApiError('request/invalid-body', `A project has at most ${store.MAX_PROVIDERS} providers.`);
      }
      const { issuer } = input; // as given: some issuers end with a slash, and discovery compares exactly
      const clientSecret =
        input.clientSecret ??
        (await services.vault.openText(existing!.client_secret, secretContext(projectId, slug)));
      await discover(issuer, input.clientId, clientSecret);
      const now = isoNow();
      const row: store.ProviderRow = {
        project_id: projectId,
        slug,
        display_name: input.displayName ?? slug,
        issuer,
        client_id: input.clientId,
        client_secret: await services.vault.seal(clientSecret, secretContext(projectId, slug)),
        scopes: JSON.stringify([...new Set(['openid', ...(input.scopes ?? DEFAULT_SCOPES)])]),
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
      await store.saveProvider(db, row);
      return toProvider(row);
    },

    async delete(projectId: string, slug: string): Promise<void> {
      if (!(await store.deleteProvider(db, projectId, slug))) throw notFound();
    },

    /** The provider and its openid-client configuration; 404 when the project has no such provider. */
    async resolve(projectId: string, slug: string) {
      const row = await store.findProvider(db, projectId, slug);
      if (!row) throw notFound();
      const key = `${projectId}\n${slug}\n${row.updated_at}`;
      let entry = cache.get(key);
      if (!entry || Date.now() - entry.at > DISCOVERY_TTL_MS) {
        const secret = await services.vault.openText(row.client_secret, secretContext(projectId, slug));
        entry = { at: Date.now(), configuration: discover(row.issuer, row.client_id, secret) };
        entry.configuration.catch(() => cache.delete(key)); // a failure is not remembered
        cache.set(key, entry);
      }
      return { row, configuration: await entry.configuration };
    },
  };
}

export type OidcProviders = ReturnType<typeof createOidcProviders>;
