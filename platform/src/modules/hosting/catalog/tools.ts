import type { components } from '@aerostack/spec/types';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ApiError } from '../../../http/problem.js';

export type CatalogTool = components['schemas']['CatalogTool'];

/** Where a hosted MCP server answers MCP, below its worker's URL (as Cloudflare's MCP servers do). */
export const MCP_PATH = '/mcp';
/** A deploy's retries of a failed `tools/list` (seed 004: 2 retries, after 1 s and 3 s). */
export const RETRY_DELAYS_MS: readonly number[] = [1_000, 3_000];
/** One attempt (initialize, then every page of tools/list) gives up after this. */
const ATTEMPT_TIMEOUT_MS = 15_000;
/** Pages of tools/list followed: a server paging forever must not hold a deploy. */
const MAX_PAGES = 50;
/** Longest error text kept (in the deploy's answer, the refresh's last error). */
const MAX_ERROR_CHARS = 300;

/** One request to the worker, in the runtime (never over the network). */
export type WorkerFetch = (request: Request) => Promise<Response>;

export interface RetryOptions {
  delaysMs: readonly number[];
  sleep: (ms: number) => Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The worker's tools, once: an MCP client over Streamable HTTP whose `fetch` is the runtime's. */
async function listOnce(fetchWorker: WorkerFetch, origin: string): Promise<CatalogTool[]> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_PATH, origin), {
    fetch: (url, init) => {
      const request = new Request(url, init);
      // As the function endpoint asks: workerd's gzip would hold a streamed answer to its end.
      request.headers.set('accept-encoding', 'identity');
      return fetchWorker(request);
    },
  });
  const client = new Client({ name: 'aerostack-catalog', version: '1.0.0' });
  const options = { timeout: ATTEMPT_TIMEOUT_MS };
  try {
    await client.connect(transport, options);
    const tools: CatalogTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await client.listTools(cursor === undefined ? {} : { cursor }, options);
      for (const tool of result.tools) {
        tools.push({
          name: tool.name,
          description: tool.description ?? null,
          inputSchema: tool.inputSchema,
        });
      }
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    return tools;
  } finally {
    await client.close().catch(() => undefined);
  }
}

export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

/**
 * The worker's tools, retried after each delay of `retry` (a deploy: 1 s, then 3 s; the hourly
 * refresh: none, it has its own retries). Throws 422 `hosting/tools-list-failed` with the last
 * error.
 */
export async function fetchTools(
  fetchWorker: WorkerFetch,
  origin: string,
  retry: RetryOptions,
): Promise<CatalogTool[]> {
  let last: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      return await listOnce(fetchWorker, origin);
    } catch (error) {
      last = error;
    }
    const delay = retry.delaysMs[attempt];
    if (delay === undefined) break;
    await retry.sleep(delay);
  }
  throw new ApiError(
    'hosting/tools-list-failed',
    `The MCP server did not answer tools/list at ${MCP_PATH} (${retry.delaysMs.length + 1} attempts): ${errorText(last)}`,
  );
}
