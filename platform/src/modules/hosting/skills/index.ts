import type { Readable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { tables } from '../../../db/database.js';
import { ApiError } from '../../../http/problem.js';
import { readBody } from '../../../http/request/body.js';
import { createLookupCache } from '../../../lib/lookup-cache.js';
import { createSsrfGuard, UrlRefusedError } from '../../../lib/ssrf.js';
import type { Services } from '../../../services.js';
import { guardedFetch } from '../../gateway/fetch.js';
import { bodyChunks } from '../../gateway/wire.js';
import { type CatalogTool, MCP_PATH } from '../catalog/tools.js';
import type { Manifest } from '../layout/json.js';
import { HOSTING_CHANGED, type Loader } from '../loader.js';
import * as store from '../store.js';
import { failureOf, type SkillTool, serverValidator, validatorOf } from './declare.js';

/** What a skill's MCP request may carry (a tools/call's arguments with them). */
const MAX_REQUEST_BYTES = 1024 * 1024;
/** What a skill's answer may hold: more is an error result, not a truncated one. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** An external skill's URL answers within this (a function's own limits bound the worker). */
const EXTERNAL_TIMEOUT_MS = 30_000;
/** The header naming the tool on the request the skill's code receives. */
export const TOOL_HEADER = 'x-aerostack-tool';
/** Workspace secrets as the gateway injects them: forwarded to the skill, never put in `env`. */
const SECRET_HEADER = /^x-mcp-secret-/i;
const CACHE_TTL_MS = 30_000;

/** A deployed skill as its MCP endpoint serves it. */
export interface Skill {
  slug: string;
  version: string;
  tool: SkillTool;
}

/** The tool as MCP lists it (the catalogue stores the same name, description and schema). */
export function toolOf(tool: SkillTool): Tool {
  return {
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    inputSchema: tool.inputSchema as Tool['inputSchema'],
    ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
  };
}

/** The tool as the catalogue stores it (what tools/list answers, as for an MCP server's). */
export function catalogToolOf(tool: SkillTool): CatalogTool {
  return { name: tool.name, description: tool.description ?? null, inputSchema: tool.inputSchema };
}

/** The skill a deployment declares, or null when it is not a skill. */
export function skillOf(row: Pick<store.DeploymentRow, 'kind' | 'manifest'>): Skill | null {
  if (row.kind !== 'skill' || row.manifest === null) return null;
  const manifest = JSON.parse(row.manifest) as Manifest;
  if (!manifest.tool) return null;
  return { slug: manifest.slug, version: manifest.version ?? '1.0.0', tool: manifest.tool };
}

const errorResult = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });

const jsonRpcError = (status: number, code: number, message: string) =>
  Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });

/** A web stream as `readBody` reads it (Node's web streams are async iterable; the DOM lib's type is not). */
const iterable = (stream: ReadableStream<Uint8Array> | null) =>
  (stream ?? []) as unknown as AsyncIterable<Uint8Array>;

/** A body read whole, at most `limit` bytes (413 `request/body-too-large` past it). */
async function readLimited(
  header: (name: string) => string | undefined,
  body: AsyncIterable<Uint8Array>,
  limit: number,
) {
  const bytes = await readBody({ header, body: () => body }, limit);
  return new TextDecoder().decode(bytes);
}

/**
 * The skill's answer as a tool result: its text, an error result unless it answered 2xx. An
 * answer over the limit is an error result, and the rest of it is dropped (`discard`).
 */
async function resultOf(
  status: number,
  header: (name: string) => string | undefined,
  body: AsyncIterable<Uint8Array>,
  discard: () => void,
): Promise<CallToolResult> {
  let text: string;
  try {
    text = await readLimited(header, body, MAX_ANSWER_BYTES);
  } catch (error) {
    discard();
    if (!(error instanceof ApiError && error.code === 'request/body-too-large')) throw error;
    return errorResult(`The skill's answer exceeds ${MAX_ANSWER_BYTES} bytes.`);
  }
  if (status >= 200 && status <= 299) return { content: [{ type: 'text', text }] };
  return errorResult(`The skill answered ${status}: ${text.slice(0, 2000)}`);
}

/**
 * Skills (decision 0053): a worker of kind `skill` declares one tool in `aerostack.json`; the
 * platform answers MCP for it at `/mcp` below the worker's URL (no user code there), validates a
 * call's arguments against the tool's `inputSchema`, and runs it by POSTing the arguments as JSON
 * to the worker's own `fetch`, or to the tool's external `url` through the SSRF guard.
 * `fetch` stands in for the loader's: every way to a worker (the function endpoint, the gateway,
 * the catalogue's refresh) meets a skill's `/mcp` here.
 */
export function createSkills(services: Services, loader: Loader) {
  const db = tables<store.HostingTables>(services.database);
  const origin = () => new URL(services.config.publicUrl).origin;
  const guard = createSsrfGuard({
    allowHosts: services.config.hosting.runtime.allowHosts,
    setting: 'AEROSTACK_HOSTING_ALLOW_HOSTS',
  });
  const outbound = guardedFetch(guard);
  // The project's skills by worker name; a deploy anywhere drops the project's entry (the bus).
  const cache = createLookupCache<Map<string, Skill>>({ ttlMs: CACHE_TTL_MS, max: 10_000 });
  const unsubscribe = services.bus.subscribe(HOSTING_CHANGED, (message) => {
    cache.invalidate([(message as { projectId: string }).projectId]);
  });

  async function skillNamed(projectId: string, worker: string): Promise<Skill | null> {
    const skills = await cache.load(projectId, async () => {
      const found = new Map<string, Skill>();
      for (const row of await store.activeDeployments(db, projectId)) {
        const skill = skillOf(row);
        if (skill) found.set(row.worker, skill);
      }
      return found;
    });
    return skills?.get(worker) ?? null;
  }

  /** The headers the skill's code or URL receives: JSON, the tool, the workspace's secrets. */
  function headersOf(skill: Skill, incoming: Headers): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'accept-encoding': 'identity',
      [TOOL_HEADER]: skill.tool.name,
    };
    for (const [name, value] of incoming) if (SECRET_HEADER.test(name)) headers[name] = value;
    return headers;
  }

  async function run(
    projectId: string,
    worker: string,
    skill: Skill,
    args: Record<string, unknown>,
    incoming: Headers,
    signal: AbortSignal,
  ): Promise<CallToolResult> {
    const { url } = skill.tool;
    const headers = headersOf(skill, incoming);
    const body = JSON.stringify(args);
    if (url === undefined) {
      const runtime = await loader.ready(projectId, worker);
      const request = new Request(`${origin()}/`, { method: 'POST', headers, body });
      const answer = await runtime.fetch(projectId, worker, request);
      return resultOf(
        answer.status,
        (name) => answer.headers.get(name) ?? undefined,
        iterable(answer.body),
        () => void answer.body?.cancel().catch(() => undefined),
      );
    }
    try {
      // Every address the connection uses is checked (the guard's lookup), not just the name's.
      const answer = await outbound.post(
        new URL(url),
        headers,
        body,
        AbortSignal.any([signal, AbortSignal.timeout(EXTERNAL_TIMEOUT_MS)]),
      );
      if (!answer) return errorResult("The skill's URL redirected; a skill's URL must answer itself.");
      return await resultOf(
        answer.status,
        (name) => answer.headers[name],
        bodyChunks(answer),
        () => answer.discard(),
      );
    } catch (error) {
      const reason =
        error instanceof UrlRefusedError ? error.message : `The skill's URL did not answer: ${String(error)}`;
      return errorResult(reason);
    }
  }

  /** A one-tool MCP server answering one Streamable HTTP request (stateless, JSON answers). */
  async function serve(projectId: string, worker: string, skill: Skill, request: Request): Promise<Response> {
    if (request.method !== 'POST') {
      const refused = jsonRpcError(405, ErrorCode.ConnectionClosed, 'A skill answers POST requests only.');
      refused.headers.set('allow', 'POST');
      return refused;
    }
    const body = await readLimited(
      (name) => request.headers.get(name) ?? undefined,
      iterable(request.body),
      MAX_REQUEST_BYTES,
    );
    const server = new Server(
      { name: skill.slug, version: skill.version },
      { capabilities: { tools: {} }, jsonSchemaValidator: serverValidator },
    );
    const validate = validatorOf(skill.tool.inputSchema);
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [toolOf(skill.tool)] }));
    server.setRequestHandler(CallToolRequestSchema, async (call, extra) => {
      if (call.params.name !== skill.tool.name)
        throw new McpError(
          ErrorCode.InvalidParams,
          `Unknown tool ${call.params.name}: this skill has ${skill.tool.name}.`,
        );
      const args = call.params.arguments ?? {};
      if (!validate(args))
        throw new McpError(
          ErrorCode.InvalidParams,
          `Invalid arguments for ${skill.tool.name}: ${failureOf(validate)}`,
        );
      return run(projectId, worker, skill, args, request.headers, extra.signal);
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      const replay = new Request(request.url, { method: 'POST', headers: request.headers, body });
      return await transport.handleRequest(replay);
    } finally {
      await server.close();
    }
  }

  return {
    /** The loader's `fetch`, except a skill's `/mcp`, which the platform answers. */
    async fetch(projectId: string, worker: string, request: Request): Promise<Response> {
      if (new URL(request.url).pathname === MCP_PATH) {
        const skill = await skillNamed(projectId, worker);
        if (skill) return serve(projectId, worker, skill, request);
      }
      return loader.fetch(projectId, worker, request);
    },

    /** At deploy: an external skill's URL must pass the SSRF guard (422 `hosting/skill-url-refused`). */
    async check(skill: Skill): Promise<void> {
      if (skill.tool.url === undefined) return;
      try {
        await guard.checkUrl(new URL(skill.tool.url));
      } catch (error) {
        if (!(error instanceof UrlRefusedError)) throw error;
        throw new ApiError('hosting/skill-url-refused', `The skill's tool.url is refused: ${error.message}`);
      }
    },

    async close(): Promise<void> {
      unsubscribe();
      await outbound.close();
    },
  };
}

export type Skills = ReturnType<typeof createSkills>;
