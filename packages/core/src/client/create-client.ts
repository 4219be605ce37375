import { type AiApi, createAiApi } from '../ai/ai';
import { type AuthApi, type AuthParts, createAuth } from '../auth/auth';
import { type CacheApi, createCacheApi } from '../cache/cache';
import { createDbApi, type DbApi } from '../db/db';
import { createQueueApi, type QueueApi } from '../queue/queue';
import { createRealtimeApi, type RealtimeApi } from '../realtime/realtime';
import { createStorageApi, type StorageApi } from '../storage/storage';
import { createHttp } from '../transport/create-http';
import type { Http } from '../transport/http-types';
import type { Health } from '../types/models';
import { createVectorApi, type VectorApi } from '../vector/vector';
import { type ClientOptions, pickCredential, pickRequestOptions, type RequestOptions } from './options';

/**
 * A client for one Aerostack platform and credential.
 *
 * @example
 * const client = createClient({ url: 'http://localhost:8787', secretKey: process.env.AEROSTACK_SECRET_KEY });
 * await client.cache.set('greeting', 'hello');
 */
export interface AerostackClient {
  /** The platform's base URL, without a trailing slash. */
  readonly url: string;
  /** The per-project key/value cache (secret key). */
  readonly cache: CacheApi;
  /**
   * End users: sign-up, sign-in, the session. With a publishable key, every other call of this
   * client is sent as the signed-in user (or anonymously with the key when signed out).
   */
  readonly auth: AuthApi;
  /** The project's SQL database (end users: the statements the rules allow). */
  readonly db: DbApi;
  /** Channels: subscribe, publish, history, presence (end users: as the rules allow). */
  readonly realtime: RealtimeApi;
  /** The job queue: enqueue, pull with a lease, ack / fail, dead letter, live status (secret key). */
  readonly queue: QueueApi;
  /** Object storage: streamed uploads and downloads, listing, copy, move, signed URLs (secret key). */
  readonly storage: StorageApi;
  /** Chat completions, token streams, embeddings and usage through the operator's AI provider. */
  readonly ai: AiApi;
  /** Vector search: indexes, upsert, query by vector or text, ingest, get, delete, count (secret key). */
  readonly vector: VectorApi;
  /** The typed low-level transport, for calling any operation of the spec directly. */
  readonly http: Http;
  /** Reports that the platform is up; needs no credential. */
  health(options?: RequestOptions): Promise<Health>;
}

/**
 * Creates a client. Works in browsers, Node >= 20 and workers.
 *
 * @example
 * import { createClient } from '@aerostack/core';
 *
 * const client = createClient({ url: 'http://localhost:8787', secretKey: 'sk_…' });
 * const hits = await client.cache.increment('hits');
 */
export function createClient(options: ClientOptions): AerostackClient {
  const given = pickCredential(options);
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  // With a publishable key the credential is the session's token when signed in: the session
  // store needs the transport to refresh, and the transport asks the store for the credential.
  let auth: AuthParts | undefined;
  let sendAsUser = send; // until the session store exists, below
  const http = createHttp({
    ...options,
    ...(options.publishableKey
      ? { credential: () => auth!.credential(), fetch: (request: Request) => sendAsUser(request) }
      : { credential: given }),
  });
  auth = createAuth(http, options.publishableKey, options.auth);
  if (options.publishableKey) sendAsUser = auth.wrapFetch(send);
  const realtime = createRealtimeApi(http);
  return {
    url: options.url.replace(/\/+$/, ''),
    cache: createCacheApi(http),
    auth: auth.api,
    db: createDbApi(http),
    realtime,
    queue: createQueueApi(http, realtime),
    storage: createStorageApi(http, options.url.replace(/\/+$/, '')),
    ai: createAiApi(http),
    vector: createVectorApi(http),
    http,
    health: (callOptions) => http.GET('/healthz', pickRequestOptions(callOptions)),
  };
}
