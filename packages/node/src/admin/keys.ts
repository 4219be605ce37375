import {
  type ApiKey,
  type ApiKeyType,
  type ApiKeyWithSecret,
  type Http,
  type Page,
  paginate,
  pickRequestOptions,
} from '@aerostack/core';
import {
  type CreateOptions,
  type ListAllOptions,
  type ListOptions,
  listQuery,
  withIdempotencyKey,
} from '@aerostack/core/admin';

/**
 * A project's API keys.
 *
 * @example
 * const { key } = await admin.projects.keys.rotate(projectId, { type: 'secret' });
 */
export interface KeysApi {
  /** One page of the project's keys, oldest first, revoked ones included (metadata only). */
  list(projectId: string, options?: ListOptions): Promise<Page<ApiKey>>;
  /** Every key of the project, fetching pages as you iterate. */
  listAll(projectId: string, options?: ListAllOptions): AsyncGenerator<ApiKey>;
  /** Issues a new key of `type` and revokes the active one; the new secret is shown only here. */
  rotate(projectId: string, input: { type: ApiKeyType }, options?: CreateOptions): Promise<ApiKeyWithSecret>;
}

export function createKeysApi(http: Http): KeysApi {
  const list: KeysApi['list'] = (projectId, options = {}) =>
    http.GET('/v1/projects/{projectId}/keys', {
      params: { path: { projectId }, query: listQuery(options) },
      ...pickRequestOptions(options),
    });
  return {
    list,
    listAll: (projectId, options = {}) =>
      paginate((cursor) => list(projectId, { ...options, limit: options.pageSize, cursor })),
    rotate: (projectId, input, options) =>
      http.POST('/v1/projects/{projectId}/keys/rotate', {
        params: { path: { projectId } },
        body: { type: input.type },
        ...withIdempotencyKey(options),
      }),
  };
}
