// This is the public API of @aerostack/core. Everything a user or an SDK module may import is
// listed here by name; anything else is internal and may change without notice.

export type {
  AiApi,
  AiChatCompletion,
  AiChatRequest,
  AiEmbeddings,
  AiEmbedOptions,
  AiMessage,
  AiStreamEvent,
  AiStreamEvents,
  AiTool,
  AiToolCall,
  AiUsageOptions,
  AiUsageRow,
} from './ai/ai';
export type { AuthApi, AuthOptions, AuthSession, AuthUser } from './auth/auth';
export type { CookieMethods, CookieOptions } from './auth/cookies';
export { browserCookies, cookieStorage, requestCookies } from './auth/cookies';
export type { AuthChangeEvent, AuthStateListener, SessionStorage } from './auth/session-store';
export { memoryStorage } from './auth/session-store';
export type { CacheApi } from './cache/cache';
export type {
  CacheEntryToSet,
  CacheIncrementOptions,
  CacheKeysOptions,
  CacheListOptions,
  CacheSetOptions,
} from './cache/options';
export type { AerostackClient } from './client/create-client';
export { createClient } from './client/create-client';
export type { ClientOptions, RequestOptions } from './client/options';
export { pickRequestOptions } from './client/options';
export type { DbApi, DbParams, DbResult } from './db/db';
export type {
  AerostackErrorInit,
  AerostackErrorJSON,
  ClientErrorCode,
  FieldProblem,
} from './errors/aerostack-error';
export { AerostackError, isAerostackError } from './errors/aerostack-error';
export type { ErrorCode } from './generated/error-codes';
export { ERROR_CODES } from './generated/error-codes';
export type { components, operations, paths } from './generated/openapi';
export { paginate } from './pagination/paginate';
export type { EnqueueOptions, JobListOptions, PullOptions, QueueApi, WatchJobOptions } from './queue/queue';
export { FINAL_JOB_STATUSES } from './queue/queue';
export type {
  PresenceChange,
  PresenceEntry,
  RealtimeApi,
  RealtimeEvents,
  RealtimeMessage,
} from './realtime/realtime';
export type { UploadProgress } from './storage/progress';
export type {
  SignedUploadOptions,
  StorageApi,
  StorageDownloadOptions,
  StorageListOptions,
  StorageSignOptions,
  StorageUploadOptions,
} from './storage/storage';
export { openEventStream } from './stream/event-stream';
export type { EventStream, EventStreamOptions, EventStreamState, StreamEvent } from './stream/types';
export type { HttpOptions } from './transport/create-http';
export { createHttp } from './transport/create-http';
export type { CredentialProvider } from './transport/credential';
export type {
  Http,
  HttpData,
  HttpMethod,
  HttpMethodName,
  HttpRequestInit,
  RequestBody,
} from './transport/http-types';
export type { FetchLike } from './transport/send-once';
export type { TransportCallOptions, TransportFetch } from './transport/transport-fetch';
export type { JsonValue } from './types/json';
export type {
  Account,
  ApiKey,
  ApiKeyType,
  ApiKeyWithSecret,
  CacheCounter,
  CacheEntry,
  CacheKeyInfo,
  Health,
  Job,
  JobLease,
  JobStatus,
  LeasedJob,
  Page,
  Problem,
  Project,
  ProjectUpdate,
  ProjectWithKeys,
  StorageObject,
  StorageSignedUrl,
  VectorIndex,
  VectorIngested,
  VectorMatch,
  VectorMetadata,
  VectorMetric,
  VectorRecord,
} from './types/models';
export type {
  VectorApi,
  VectorFilter,
  VectorFilterOperators,
  VectorFilterScalar,
  VectorIndexesApi,
  VectorIndexInput,
  VectorIndexListOptions,
  VectorIngestOptions,
  VectorInput,
  VectorQueryOptions,
} from './vector/vector';
