import {
  type Http,
  type Page,
  type Project,
  type ProjectWithKeys,
  paginate,
  pickRequestOptions,
  type RequestOptions,
} from '@aerostack/core';
import {
  type CreateOptions,
  type ListAllOptions,
  type ListOptions,
  listQuery,
  withIdempotencyKey,
} from '@aerostack/core/admin';
import { createKeysApi, type KeysApi } from './keys';

/**
 * The account's projects.
 *
 * @example
 * const { project, secretKey } = await admin.projects.create({ name: 'My app' });
 */
export interface ProjectsApi {
  /** One page of projects, oldest first. */
  list(options?: ListOptions): Promise<Page<Project>>;
  /** Every project, fetching pages as you iterate. */
  listAll(options?: ListAllOptions): AsyncGenerator<Project>;
  /** Creates a project with a secret and a publishable key, returned in full only here. */
  create(input: { name: string }, options?: CreateOptions): Promise<ProjectWithKeys>;
  /** Gets one project; rejects with `projects/not-found` when the account has no such project. */
  get(projectId: string, options?: RequestOptions): Promise<Project>;
  /** The project's API keys. */
  readonly keys: KeysApi;
}

export function createProjectsApi(http: Http): ProjectsApi {
  const list: ProjectsApi['list'] = (options = {}) =>
    http.GET('/v1/projects', { params: { query: listQuery(options) }, ...pickRequestOptions(options) });
  return {
    list,
    listAll: (options = {}) => paginate((cursor) => list({ ...options, limit: options.pageSize, cursor })),
    create: (input, options) =>
      http.POST('/v1/projects', { body: { name: input.name }, ...withIdempotencyKey(options) }),
    get: (projectId, options) =>
      http.GET('/v1/projects/{projectId}', {
        params: { path: { projectId } },
        ...pickRequestOptions(options),
      }),
    keys: createKeysApi(http),
  };
}
