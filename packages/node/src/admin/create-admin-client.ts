import { type ClientOptions, createHttp, type Http } from '@aerostack/core';
import { createWorkspacesApi, type WorkspacesApi } from '@aerostack/core/admin';
import { env, requireOption } from '../env';
import { type AccountApi, createAccountApi } from './account';
import { createHostingApi, type HostingApi } from './hosting';
import { createProjectsApi, type ProjectsApi } from './projects';

/**
 * Options of `createAdminClient`; `url` and `accountKey` fall back to `AEROSTACK_URL` and
 * `AEROSTACK_ACCOUNT_KEY`.
 *
 * @example
 * const admin = createAdminClient({ url: 'http://localhost:8787', accountKey: 'ak_…' });
 */
export interface AdminClientOptions
  extends Omit<ClientOptions, 'url' | 'secretKey' | 'publishableKey' | 'accountKey' | 'credential'> {
  /** The platform's base URL; default `AEROSTACK_URL`. */
  url?: string | undefined;
  /** An account key (`ak_…`); default `AEROSTACK_ACCOUNT_KEY`. */
  accountKey?: string | undefined;
}

/**
 * A client for the admin APIs (account key): the account, projects and their keys, workspaces.
 *
 * @example
 * const admin = createAdminClient();
 * for await (const project of admin.projects.listAll()) console.log(project.name);
 */
export interface AdminClient {
  /** The platform's base URL, without a trailing slash. */
  readonly url: string;
  /** The account the key belongs to. */
  readonly account: AccountApi;
  /** Projects and their API keys. */
  readonly projects: ProjectsApi;
  /** MCP workspaces: members, tokens, secrets, servers, the audit log and gateway analytics. */
  readonly workspaces: WorkspacesApi;
  /** Hosted code: deployed workers, their deployments and rollbacks, the secrets they receive. */
  readonly hosting: HostingApi;
  /** The typed low-level transport, authenticated with the account key. */
  readonly http: Http;
}

/**
 * Creates an admin client. Creating calls always carry an `Idempotency-Key`, so they are
 * retried safely.
 *
 * @example
 * import { createAdminClient } from '@aerostack/node';
 *
 * const admin = createAdminClient(); // AEROSTACK_URL + AEROSTACK_ACCOUNT_KEY
 * const { project, secretKey } = await admin.projects.create({ name: 'My app' });
 */
export function createAdminClient(options: AdminClientOptions = {}): AdminClient {
  const url = requireOption(options.url ?? env('AEROSTACK_URL'), 'url', 'AEROSTACK_URL');
  const accountKey = requireOption(
    options.accountKey ?? env('AEROSTACK_ACCOUNT_KEY'),
    'accountKey',
    'AEROSTACK_ACCOUNT_KEY',
  );
  const http = createHttp({ ...options, url, credential: accountKey });
  return {
    url: url.replace(/\/+$/, ''),
    account: createAccountApi(http),
    projects: createProjectsApi(http),
    workspaces: createWorkspacesApi(http),
    hosting: createHostingApi(http),
    http,
  };
}
