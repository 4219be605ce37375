import type { components } from '../generated/openapi';
import type { JsonValue } from './json';

type Schemas = components['schemas'];

/**
 * A cache entry as the platform returns it; `value` typed as you stored it.
 *
 * @example
 * const entry: CacheEntry<{ theme: string }> | null = await client.cache.get('prefs');
 */
export type CacheEntry<T = JsonValue> = Omit<Schemas['CacheEntry'], 'value'> & { value: T };

/**
 * An integer counter after `cache.increment`.
 *
 * @example
 * const { value }: CacheCounter = await client.cache.increment('visits');
 */
export type CacheCounter = Schemas['CacheCounter'];

/**
 * What `client.health()` returns.
 *
 * @example
 * const { version }: Health = await client.health();
 */
export type Health = Schemas['Health'];

/**
 * The account an account key belongs to.
 *
 * @example
 * const account: Account = await admin.account.get();
 */
export type Account = Schemas['Account'];

/**
 * A project.
 *
 * @example
 * const project: Project = await admin.projects.get('prj_7Hq2vW9xK3mN5pR8sT1u');
 */
export type Project = Schemas['Project'];

/**
 * An API key's metadata (never the secret itself).
 *
 * @example
 * const active: ApiKey[] = (await admin.projects.keys.list(id)).data.filter((k) => !k.revokedAt);
 */
export type ApiKey = Schemas['ApiKey'];

/**
 * A freshly issued API key; `key` is the full secret, shown only once.
 *
 * @example
 * const { key }: ApiKeyWithSecret = await admin.projects.keys.rotate(id, { type: 'secret' });
 */
export type ApiKeyWithSecret = Schemas['ApiKeyWithSecret'];

/**
 * `secret` (`sk_`, servers) or `publishable` (`pk_`, browsers).
 *
 * @example
 * const type: ApiKeyType = 'secret';
 */
export type ApiKeyType = Schemas['ApiKeyType'];

/**
 * A new project with its first two keys, shown once.
 *
 * @example
 * const { project, secretKey }: ProjectWithKeys = await admin.projects.create({ name: 'My app' });
 */
export type ProjectWithKeys = Schemas['ProjectWithKeys'];

/**
 * An error body from the platform (RFC 9457 problem details with a stable `code`).
 *
 * @example
 * const problem: Problem = err.toJSON() as Problem;
 */
export type Problem = Schemas['Problem'];

/**
 * One page of a cursor-paginated list; pass `nextCursor` as `cursor` to get the next page.
 *
 * @example
 * const page: Page<Project> = await admin.projects.list({ limit: 10 });
 */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
