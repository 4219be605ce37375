import type { Page } from '../types/models';

/**
 * Iterates over every item of a cursor-paginated list, fetching pages lazily.
 *
 * @example
 * for await (const project of paginate((cursor) => admin.projects.list({ cursor }))) {
 *   console.log(project.name);
 * }
 */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
