import type { Migration } from 'kysely';
import type { CredentialChecker } from '../http/auth/credentials.js';
import type { Endpoint } from '../http/endpoints.js';
import type { Handlers, LooseHandler } from '../http/handler.js';
import type { Services } from '../services.js';

/**
 * A capability of the platform: one folder under `modules/` with its spec fragment (`spec.yaml`),
 * handlers, service, store and migrations, registered by one line in `modules/registry.ts`.
 * See docs/modules.md for the template every module copies.
 */
export interface Module {
  /**
   * The module's name in camelCase: the key of its service in `Services` and the first segment of its
   * operationIds. Its folder is the kebab-case form (`line-items` → `lineItems`).
   */
  name: string;
  /**
   * Kysely migrations, named `<YYYYMMDDhhmmss>_<what>` so modules' migrations interleave in time
   * order; never edited once released.
   */
  migrations?: Record<string, Migration>;
  /** Builds the module's service once at boot; later modules in the registry can use it. */
  create?(services: Services): unknown;
  /** Handlers for the spec operations of the module's fragment, by operationId. */
  handlers?: Handlers | Record<string, LooseHandler>;
  /** Endpoints outside the spec's conventions (JSON-RPC, OAuth callbacks…); see http/endpoints.ts. */
  endpoints?: (services: Services) => Endpoint[];
  /** Rows for the credential table (each a prefix, a spec security scheme and a verifier). */
  credentials?: (services: Services) => CredentialChecker[];
  /**
   * When a project is deleted (decision 0048), first: stops honouring the project's credentials
   * on every worker and node, so that nothing new starts writing behind the clean-up. Called for
   * every module, in registry order, before any `dropProject`.
   */
  revokeProject?(services: Services, projectId: string): Promise<void>;
  /**
   * When a project is deleted: deletes everything the module keeps for it (rows, files, keys in
   * Redis, processes). Called for every module in reverse registry order, then the project row
   * goes. Idempotent: a request that was in flight may write after it ran, and the deletion then
   * runs every module's `dropProject` again.
   */
  dropProject?(services: Services, projectId: string): Promise<void>;
  /**
   * Only for test fixtures: a spec fragment that is not part of the bundled spec. Registered
   * modules keep theirs in `spec.yaml`, which `pnpm generate` bundles.
   */
  spec?: Record<string, unknown>;
}

/** Declares a module (an identity function that checks the shape). */
export function defineModule<M extends Module>(module: M): M {
  return module;
}

/** A service that holds resources; the platform closes it at shutdown, in reverse registry order. */
export interface Closable {
  close(): Promise<void> | void;
}

export function isClosable(value: unknown): value is Closable {
  return typeof (value as Closable | undefined)?.close === 'function';
}
