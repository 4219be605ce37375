import {
  type Http,
  type Page,
  type Project,
  type ProjectUpdate,
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
  /**
   * Renames a project; rejects with `projects/not-found` when the account has no such project.
   *
   * @example
   * const project = await admin.projects.update('prj_7Hq2vW9xK3mN5pR8sT1u', { name: 'My renamed app' });
   */
  update(projectId: string, changes: ProjectUpdate, options?: RequestOptions): Promise<Project>;
  /**
   * Deletes a project and all its data: keys, end users and sessions, database, realtime
   * messages, cache, queue jobs, stored objects, AI usage, vector indexes and rules. Its keys and
   * sessions stop working at once. Cannot be undone; rejects with `projects/not-found` when the
   * account has no such project (or it is already deleted).
   *
   * @example
   * await admin.projects.delete('prj_7Hq2vW9xK3mN5pR8sT1u');
   */
  delete(projectId: string, options?: RequestOptions): Promise<void>;
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
    update: (projectId, changes, options) =>
      http.PATCH('/v1/projects/{projectId}', {
        params: { path: { projectId } },
        body: changes,
        ...pickRequestOptions(options),
      }),
    delete: (projectId, options) =>
      http.DELETE('/v1/projects/{projectId}', {
        params: { path: { projectId } },
        ...pickRequestOptions(options),
      }),
    keys: createKeysApi(http),
  };
}
