// This is the public API of @aerostack/react. Anything not exported here is internal.

export { type UseAIOptions, type UseAIResult, useAI } from './ai/use-ai.js';
export { type UseAuthResult, useAuth } from './auth/use-auth.js';
export { cacheKeys } from './cache/keys.js';
export { cacheQueryOptions } from './cache/query-options.js';
export type {
  CacheWrites,
  UseCacheOptions,
  UseCacheResult,
  UseSuspenseCacheOptions,
  UseSuspenseCacheResult,
} from './cache/types.js';
export { useCache } from './cache/use-cache.js';
export type { UseCacheKeysOptions, UseCacheKeysResult } from './cache/use-cache-keys.js';
export { useCacheKeys } from './cache/use-cache-keys.js';
export { useSuspenseCache } from './cache/use-suspense-cache.js';
export { dbKeys, type UseDbQueryResult, type UseDbResult, useDb, useDbQuery } from './db/use-db.js';
export { aerostackKeys } from './keys.js';
export { AerostackProvider, type AerostackProviderProps } from './provider.js';
export { queueKeys } from './queue/keys.js';
export { jobQueryOptions, type UseJobOptions, type UseJobResult, useJob } from './queue/use-job.js';
export { type UseQueueResult, useQueue } from './queue/use-queue.js';
export {
  type UseSubscriptionOptions,
  type UseSubscriptionResult,
  useRealtimeStatus,
  useSubscription,
} from './realtime/use-subscription.js';
export {
  type UploadTarget,
  type UseStorageResult,
  type UseStorageUploadOptions,
  useStorage,
} from './storage/use-storage.js';
export { useAerostack } from './use-aerostack.js';
export { type VectorSearchKey, vectorKeys } from './vector/keys.js';
export {
  type UseVectorSearchOptions,
  type UseVectorSearchResult,
  useVectorSearch,
  type VectorSearch,
  vectorSearchQueryOptions,
} from './vector/use-vector-search.js';
