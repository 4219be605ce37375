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
 * A cache key and when it expires (`null`: never), as `cache.list` and `cache.expire` answer.
 *
 * @example
 * const { data }: Page<CacheKeyInfo> = await client.cache.list({ prefix: 'session:' });
 */
export type CacheKeyInfo = Schemas['CacheKeyInfo'];

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
 * The fields of a project to change; those left out stay as they are.
 *
 * @example
 * const changes: ProjectUpdate = { name: 'My renamed app' };
 */
export type ProjectUpdate = Schemas['ProjectUpdate'];

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

/**
 * An object's metadata in storage.
 *
 * @example
 * const { sizeBytes, etag, contentType }: StorageObject = await client.storage.head('avatars/42.png');
 */
export type StorageObject = Schemas['StorageObject'];

/**
 * A signed URL: anyone holding it may download (`GET`) or upload (`PUT`) one object until `expiresAt`.
 *
 * @example
 * const { url, expiresAt }: StorageSignedUrl = await client.storage.createSignedUrl('a.png');
 */
export type StorageSignedUrl = Schemas['StorageSignedUrl'];

/**
 * A job of the queue; `payload` and `result` typed as you enqueue and ack them.
 *
 * @example
 * const job: Job<{ to: string }, { sent: boolean }> = await client.queue.get(id);
 */
export type Job<P = JsonValue, R = JsonValue> = Omit<Schemas['Job'], 'payload' | 'result'> & {
  payload: P;
  result: R | null;
};

/**
 * Where a job stands: `queued`, `running`, `succeeded`, `failed` (waiting for its retry), `dead`
 * (the dead letter) or `cancelled`.
 *
 * @example
 * const status: JobStatus = 'dead';
 */
export type JobStatus = Schemas['JobStatus'];

/**
 * A job leased by `queue.pull`, with the lease its heartbeat, ack and fail must present.
 *
 * @example
 * const [{ job, leaseId }]: LeasedJob[] = await client.queue.pull();
 */
export type LeasedJob<P = JsonValue> = Omit<Schemas['LeasedJob'], 'job'> & { job: Job<P> };

/**
 * A live lease after `queue.heartbeat`.
 *
 * @example
 * const { leaseExpiresAt }: JobLease = await client.queue.heartbeat(id, leaseId);
 */
export type JobLease = Schemas['JobLease'];

/**
 * A vector index: its dimension, metric, engine and how many vectors it holds.
 *
 * @example
 * const { dimension, vectorCount }: VectorIndex = await client.vector.indexes.get('docs');
 */
export type VectorIndex = Schemas['VectorIndex'];

/**
 * How an index compares vectors: `cosine`, `euclidean` or `dot`.
 *
 * @example
 * const metric: VectorMetric = 'cosine';
 */
export type VectorMetric = Schemas['VectorMetric'];

/**
 * A vector's metadata: a JSON object whose top-level fields filters can match.
 *
 * @example
 * const metadata: VectorMetadata = { lang: 'en', year: 2026 };
 */
export type VectorMetadata = { [key: string]: JsonValue };

/**
 * One result of `vector.query`; `metadata` typed as you stored it.
 *
 * @example
 * const [best]: VectorMatch<{ title: string }>[] = await client.vector.query('docs', { vector });
 */
export type VectorMatch<M extends VectorMetadata = VectorMetadata> = Omit<
  Schemas['VectorMatch'],
  'metadata'
> & {
  metadata?: M;
};

/**
 * A stored vector, as `vector.get` returns it.
 *
 * @example
 * const [record]: VectorRecord[] = await client.vector.get('docs', ['a']);
 */
export type VectorRecord<M extends VectorMetadata = VectorMetadata> = Omit<
  Schemas['VectorRecord'],
  'metadata'
> & {
  metadata: M;
};

/**
 * What `vector.ingest` stored.
 *
 * @example
 * const { sourceId, chunks, ids }: VectorIngested = await client.vector.ingest('docs', text);
 */
export type VectorIngested = Schemas['VectorIngested'];
