import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { LONG_TOOL_NAME, SECRET_HEADER, type UpstreamKind } from './mcp-upstreams.js';

// A real upstream MCP server (official SDK, stateful Streamable HTTP sessions, or legacy HTTP+SSE
// for `echo-sse`) in its own process, so a test can kill it and start it again on the same port.
// Started by support/mcp-upstreams.ts: MCP_KIND, PORT (0 = any), MCP_LIST_DELAY_MS (-1 = never
// answer), MCP_SECRET (the value `secret` requires). Prints `MCP_UPSTREAM_LISTENING <port>`.
// GET /_state tells the test what the upstream saw (never a secret value); POST /_state
// {listDelayMs} changes the list delay at run time.

const kind = (process.env.MCP_KIND ?? 'echo') as UpstreamKind;
const secret = process.env.MCP_SECRET ?? '';
const state = {
  kind,
  pid: process.pid,
  listDelayMs: Number(process.env.MCP_LIST_DELAY_MS ?? 0),
  /** Initialize requests answered (a new session each). */
  sessions: 0,
  /** Requests carrying the planted secret, and requests refused without it. */
  secretAccepted: 0,
  secretRefused: 0,
  /** Progress calls that saw their cancellation (notifications/cancelled from the client). */
  cancelled: [] as string[],
  /** Tools added at run time through `add_tool`. */
  added: [] as string[],
};
const servers = new Set<McpServer>();

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

function echoTools(server: McpServer): void {
  server.registerTool(
    'echo',
    {
      description: 'Returns its text.',
      inputSchema: { text: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ text: t }) => text(t),
  );
  server.registerTool(
    'write',
    { description: 'Pretends to write (not read-only).', inputSchema: { text: z.string() } },
    async ({ text: t }) => text(`wrote ${t}`),
  );
  server.registerTool(
    LONG_TOOL_NAME,
    { description: 'A tool whose name is 60 characters long.', annotations: { readOnlyHint: true } },
    async () => text('long'),
  );
  server.registerTool(
    'add_tool',
    {
      description: 'Adds a tool to every session (each gets notifications/tools/list_changed).',
      inputSchema: { name: z.string() },
    },
    async ({ name }) => {
      state.added.push(name);
      for (const s of servers) addedTool(s, name);
      return text(`added ${name}`);
    },
  );
  for (const name of state.added) addedTool(server, name);
  server.registerResource('readme', 'echo://readme', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: 'the echo upstream' }],
  }));
  server.registerResource(
    'item',
    new ResourceTemplate('echo://items/{id}', { list: undefined }),
    { mimeType: 'text/plain' },
    async (uri, { id }) => ({ contents: [{ uri: uri.href, text: `item ${id}` }] }),
  );
  server.registerPrompt('greet', { argsSchema: { name: z.string() } }, ({ name }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Hello, ${name}` } }],
  }));
}

function addedTool(server: McpServer, name: string): void {
  server.registerTool(name, { annotations: { readOnlyHint: true } }, async () => text(name));
}

function slowTools(server: McpServer): void {
  server.registerTool(
    'count',
    {
      description: 'Counts to `steps`, one progress notification per step, until cancelled.',
      inputSchema: { steps: z.number().int().min(1), intervalMs: z.number().int().min(1), label: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ steps, intervalMs, label }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        const aborted = await new Promise<boolean>((resolve) => {
          if (extra.signal.aborted) return resolve(true);
          const timer = setTimeout(() => resolve(false), intervalMs);
          const abort = () => {
            clearTimeout(timer);
            resolve(true);
          };
          extra.signal.addEventListener('abort', abort, { once: true });
        });
        if (aborted) {
          state.cancelled.push(label);
          return text('cancelled');
        }
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps },
          });
        }
      }
      return text(`counted ${steps}`);
    },
  );
}

function crashyTools(server: McpServer): void {
  server.registerTool('ok', { annotations: { readOnlyHint: true } }, async () => text('fine'));
  server.registerTool(
    'crash',
    { description: 'Kills its own process in the middle of the call.' },
    async () => {
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 20);
      await new Promise(() => {}); // never answers: the process dies first
      return text('unreachable');
    },
  );
}

function secretTools(server: McpServer): void {
  server.registerTool('whoami', { annotations: { readOnlyHint: true } }, async () => text('authorized'));
  // An upstream failure with the secret in hand (a tool result with isError): the gateway reports it
  // without copying anything of the request into its logs.
  server.registerTool('fail', {}, async () => {
    throw new Error('the secret upstream refuses this call');
  });
}

function newServer(): McpServer {
  const server = new McpServer(
    { name: `test-${kind}`, version: '1.0.0' },
    { capabilities: { tools: { listChanged: true }, resources: {}, prompts: {} } },
  );
  const tools = {
    echo: echoTools,
    'echo-sse': echoTools,
    slow: slowTools,
    crashy: crashyTools,
    secret: secretTools,
  }[kind];
  tools(server);
  servers.add(server);
  server.server.onclose = () => servers.delete(server);
  return server;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  return body ? JSON.parse(body) : undefined;
}

function isList(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) =>
    /^(tools|resources|prompts)\/list$/.test((m as { method?: string })?.method ?? ''),
  );
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const sessions = new Map<string, StreamableHTTPServerTransport>();

async function streamable(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = req.method === 'POST' ? await readJson(req) : undefined;
  if (body !== undefined && isList(body) && state.listDelayMs !== 0) {
    if (state.listDelayMs < 0) return; // hangs until the client gives up
    await new Promise((r) => setTimeout(r, state.listDelayMs));
  }
  const id = req.headers['mcp-session-id'];
  if (typeof id === 'string') {
    const transport = sessions.get(id);
    // What a restarted server answers to a session it never made: the gateway must re-initialize.
    if (!transport)
      return json(res, 404, {
        jsonrpc: '2.0',
        error: { code: -32001, message: 'Session not found' },
        id: null,
      });
    return transport.handleRequest(req, res, body);
  }
  if (req.method !== 'POST' || !isInitializeRequest(body)) {
    return json(res, 400, { jsonrpc: '2.0', error: { code: -32000, message: 'No session' }, id: null });
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (sid) => {
      sessions.set(sid, transport);
      state.sessions++;
    },
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await newServer().connect(transport);
  await transport.handleRequest(req, res, body);
}

const sseSessions = new Map<string, SSEServerTransport>();

async function legacySse(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'GET' && url.pathname === '/sse') {
    const transport = new SSEServerTransport('/messages', res);
    sseSessions.set(transport.sessionId, transport);
    transport.onclose = () => sseSessions.delete(transport.sessionId);
    state.sessions++;
    return newServer().connect(transport);
  }
  const transport = sseSessions.get(url.searchParams.get('sessionId') ?? '');
  if (req.method !== 'POST' || url.pathname !== '/messages' || !transport)
    return json(res, 404, { error: 'not found' });
  const body = await readJson(req);
  if (isList(body) && state.listDelayMs > 0) await new Promise((r) => setTimeout(r, state.listDelayMs));
  return transport.handlePostMessage(req, res, body);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://upstream');
  if (url.pathname === '/_state') {
    if (req.method === 'POST')
      Object.assign(state, { listDelayMs: ((await readJson(req)) as { listDelayMs: number }).listDelayMs });
    return json(res, 200, state);
  }
  if (kind === 'secret') {
    if (req.headers[SECRET_HEADER] !== secret || !secret) {
      state.secretRefused++;
      return json(res, 401, { error: 'missing or wrong X-Mcp-Secret-API_KEY' });
    }
    state.secretAccepted++;
  }
  if (kind === 'echo-sse') return legacySse(req, res, url);
  if (url.pathname !== '/mcp') return json(res, 404, { error: 'not found' });
  return streamable(req, res);
}

const http = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    if (!res.headersSent) json(res, 500, { error: String(error) });
  });
});
/**
 * One session against itself before the port is announced, so a test's first request meets warm
 * code rather than a cold start (which a gateway's list deadline would count); then forgets it.
 */
async function warmUp(base: string): Promise<void> {
  const delay = state.listDelayMs;
  state.listDelayMs = 0;
  const client = new Client({ name: 'warm-up', version: '1.0.0' });
  if (kind === 'echo-sse') {
    await client.connect(new SSEClientTransport(new URL(`${base}/sse`)));
  } else {
    const headers: Record<string, string> = kind === 'secret' ? { [SECRET_HEADER]: secret } : {};
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } });
    await client.connect(transport);
    await client.listTools();
    await transport.terminateSession();
  }
  await client.close();
  Object.assign(state, { listDelayMs: delay, sessions: 0, secretAccepted: 0, secretRefused: 0 });
}

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', async () => {
  const address = http.address();
  if (!address || typeof address !== 'object') return;
  await warmUp(`http://127.0.0.1:${address.port}`);
  process.stdout.write(`MCP_UPSTREAM_LISTENING ${address.port}\n`);
});
process.on('SIGTERM', () => {
  http.closeAllConnections();
  http.close(() => process.exit(0));
});
// Ends with whatever started it, even a test or bench killed before it could stop its upstreams.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1_000).unref();
